import { describe, expect, it } from "vitest";
import { showErrors, showProblems, widgetError } from "../src/lib/errors";

/** Enough of an HTMLElement for showErrors: text and the hidden flag. */
function box(): HTMLElement {
  return { textContent: "", hidden: false } as unknown as HTMLElement;
}

describe("showErrors", () => {
  it("joins the non-empty texts, one per line, and shows the box", () => {
    const b = box();
    b.hidden = true;
    showErrors(b, ["first", "", "  ", "second"]);
    expect(b.textContent).toBe("first\nsecond");
    expect(b.hidden).toBe(false);
  });

  it("empties and hides the box when all texts are empty", () => {
    const b = box();
    showErrors(b, ["boom"]);
    showErrors(b, ["", " \n"]);
    expect(b.textContent).toBe("");
    expect(b.hidden).toBe(true);
    showErrors(b, []);
    expect(b.hidden).toBe(true);
  });
});

describe("widgetError", () => {
  it("names the message of an Error, or the thrown value itself", () => {
    expect(widgetError(new Error("bad"))).toBe("widget error: bad");
    expect(widgetError("plain")).toBe("widget error: plain");
  });
});

describe("showProblems", () => {
  it("puts Python's error first, then each problem as 'cannot draw: …'", () => {
    const b = box();
    showProblems(b, "kernel says no", ["_maps is not set", "bad target"]);
    expect(b.textContent).toBe("kernel says no\ncannot draw: _maps is not set\ncannot draw: bad target");
    expect(b.hidden).toBe(false);
  });

  it("hides the box when there is neither an error nor a problem", () => {
    const b = box();
    showProblems(b, "", []);
    expect(b.hidden).toBe(true);
  });
});
