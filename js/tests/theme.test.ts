import { describe, expect, it } from "vitest";
import { THEME, themeCss } from "../src/lib/theme";

describe("themeCss", () => {
  it("scopes every theme variable, the font and box sizing to the widget's root", () => {
    const css = themeCss(".nnw-x");
    for (const [name, value] of Object.entries(THEME)) expect(css).toContain(`--nnw-${name}: ${value};`);
    expect(css).toContain(".nnw-x {");
    expect(css).toContain(".nnw-x * { box-sizing: border-box; }");
    expect(css).toMatch(/font-family: var\(--jp-ui-font-family/);
  });

  it("lets the hidden attribute win over any display rule", () => {
    expect(themeCss(".nnw-x")).toContain(".nnw-x [hidden] { display: none !important; }");
  });

  it("changes only the fallbacks overridden", () => {
    const css = themeCss(".nnw-x", { bg2: "var(--jp-layout-color2, #f2f2f2)" });
    expect(css).toContain("--nnw-bg2: var(--jp-layout-color2, #f2f2f2);");
    expect(css).not.toContain("#eee");
    expect(css).toContain(`--nnw-fg: ${THEME.fg};`);
  });

  it("gives inputs, selects and buttons a border and background in any host", () => {
    const css = themeCss(".nnw-x");
    expect(css).toMatch(/\.nnw-x select, \.nnw-x textarea, \.nnw-x button \{[^}]*border: 1px solid var\(--nnw-edge\)[^}]*\}/s);
    expect(css).toMatch(/\.nnw-x input:not\(\[type=range\]\)[^{]*\{[^}]*background: var\(--nnw-field\)/s);
    expect(css).toMatch(/\.nnw-x button \{[^}]*background: var\(--nnw-button\)/s);
  });
});
