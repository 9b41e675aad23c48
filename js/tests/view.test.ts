import { afterEach, describe, expect, it, vi } from "vitest";
import type { AnyModel } from "../src/lib/model";
import { coalesced, requestHost, showErrors, widgetError } from "../src/lib/view";

const tick = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

/** Enough of an HTMLElement for showErrors: text and the hidden flag. */
function box(): HTMLElement {
  return { textContent: "", hidden: false } as unknown as HTMLElement;
}

function fakeModel(traits: Record<string, unknown> = {}) {
  const values = new Map(Object.entries(traits));
  const saves: unknown[] = [];
  const model: AnyModel = {
    get: (name) => values.get(name),
    set: (name, value) => void values.set(name, value),
    save_changes: () => void saves.push(values.get("_request")),
    on: () => {},
    off: () => {},
  };
  return { model, saves };
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

describe("coalesced", () => {
  it("runs once for many schedule() calls in one tick, and not before the microtask", async () => {
    const run = vi.fn();
    const c = coalesced(run, () => {});
    for (let i = 0; i < 10; i++) c.schedule();
    expect(run).not.toHaveBeenCalled();
    await tick();
    expect(run).toHaveBeenCalledTimes(1);
  });

  it("runs again when scheduled after a run", async () => {
    const run = vi.fn();
    const c = coalesced(run, () => {});
    c.schedule();
    await tick();
    c.schedule();
    c.schedule();
    await tick();
    expect(run).toHaveBeenCalledTimes(2);
  });

  it("stops running after dispose, including a run already scheduled", async () => {
    const run = vi.fn();
    const c = coalesced(run, () => {});
    c.schedule();
    c.dispose();
    await tick();
    c.schedule();
    await tick();
    expect(run).not.toHaveBeenCalled();
  });

  it("hands what run throws to onError, and keeps scheduling afterwards", async () => {
    const boom = new Error("boom");
    let calls = 0;
    const onError = vi.fn();
    const c = coalesced(() => {
      calls++;
      if (calls === 1) throw boom;
    }, onError);
    c.schedule();
    await tick();
    expect(onError).toHaveBeenCalledExactlyOnceWith(boom);
    c.schedule();
    await tick();
    expect(calls).toBe(2);
    expect(onError).toHaveBeenCalledTimes(1);
  });
});

describe("requestHost", () => {
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it("knownSeq takes the max of _seq and the last _request.seq", () => {
    expect(requestHost(fakeModel({ _seq: 7, _request: { seq: 3 } }).model, () => {}).knownSeq()).toBe(7);
    expect(requestHost(fakeModel({ _seq: 2, _request: { seq: 9 } }).model, () => {}).knownSeq()).toBe(9);
  });

  it("knownSeq reads a missing or non-finite value as 0", () => {
    expect(requestHost(fakeModel().model, () => {}).knownSeq()).toBe(0);
    expect(requestHost(fakeModel({ _seq: NaN, _request: null }).model, () => {}).knownSeq()).toBe(0);
    expect(requestHost(fakeModel({ _seq: "4", _request: { seq: 5 } }).model, () => {}).knownSeq()).toBe(5);
  });

  it("send sets _request, saves, then calls onSent", () => {
    const { model, saves } = fakeModel({ _seq: 1 });
    const order: string[] = [];
    const host = requestHost(model, () => order.push(`sent after ${saves.length} save`));
    const request = { seq: 2, phase: "release" };
    host.send(request);
    expect(model.get("_request")).toBe(request);
    expect(saves).toEqual([request]);
    expect(order).toEqual(["sent after 1 save"]);
    expect(host.knownSeq()).toBe(2);
  });

  it("frame and cancelFrame go to requestAnimationFrame and cancelAnimationFrame", () => {
    const raf = vi.fn(() => 42);
    const caf = vi.fn();
    vi.stubGlobal("requestAnimationFrame", raf);
    vi.stubGlobal("cancelAnimationFrame", caf);
    const host = requestHost(fakeModel().model, () => {});
    const cb = (): void => {};
    expect(host.frame(cb)).toBe(42);
    expect(raf).toHaveBeenCalledWith(cb);
    host.cancelFrame(42);
    expect(caf).toHaveBeenCalledWith(42);
  });
});
