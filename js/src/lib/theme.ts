// The look every widget shares, in one place: colours from JupyterLab's theme
// variables with light-theme fallbacks (so light and dark themes both work,
// and the widget still looks right outside Lab), the UI font, box sizing, and
// the `hidden` attribute winning over any display rule. Each widget's style
// scopes this to its root class and adds only its own rules.

/** The colour variables; each widget's rules use these, never --jp-* directly. */
export interface Theme {
  fg: string;
  muted: string;
  faint: string;
  bg: string;
  bg2: string;
  border: string;
  accent: string;
  error: string;
  warn: string;
  /** Input and select background, their border, and a button's background. */
  field: string;
  edge: string;
  button: string;
}

export const THEME: Theme = {
  fg: "var(--jp-ui-font-color1, #222)",
  muted: "var(--jp-ui-font-color2, #666)",
  faint: "var(--jp-ui-font-color3, #999)",
  bg: "var(--jp-layout-color1, #fff)",
  bg2: "var(--jp-layout-color2, #eee)",
  border: "var(--jp-border-color2, #ddd)",
  accent: "var(--jp-brand-color1, #1976d2)",
  error: "var(--jp-error-color1, #d32f2f)",
  warn: "var(--jp-warn-color1, #f9a825)",
  field: "var(--jp-input-background, var(--jp-layout-color1, #fff))",
  edge: "var(--jp-input-border-color, var(--jp-border-color1, #bdbdbd))",
  button: "var(--jp-layout-color2, #f3f3f3)",
};

/** The shared rules under `scope` (e.g. ".nnw-layers"); `overrides` change a fallback where a widget needs another. */
export function themeCss(scope: string, overrides: Partial<Theme> = {}): string {
  const theme: Theme = { ...THEME, ...overrides };
  const vars = Object.entries(theme).map(([name, value]) => `  --nnw-${name}: ${value};`).join("\n");
  return `
${scope} {
${vars}
  font-family: var(--jp-ui-font-family, system-ui, -apple-system, "Segoe UI", Roboto, sans-serif);
  font-size: var(--jp-ui-font-size1, 13px);
  color: var(--nnw-fg);
  box-sizing: border-box;
}
${scope} * { box-sizing: border-box; }
/* the hidden attribute wins over every display rule */
${scope} [hidden] { display: none !important; }
/* Controls look like controls in every host: marimo's reset (Tailwind's preflight) takes
   borders and backgrounds off, and outside JupyterLab no --jp-* variable is set. One class
   deep, so a widget's own rules (two classes, or later in its sheet) still win. */
${scope} input:not([type=range]):not([type=checkbox]):not([type=radio]), ${scope} select, ${scope} textarea, ${scope} button {
  font: inherit;
  color: var(--nnw-fg);
  background: var(--nnw-field);
  border: 1px solid var(--nnw-edge);
  border-radius: 3px;
  padding: 1px 4px;
}
${scope} button { background: var(--nnw-button); padding: 1px 8px; cursor: pointer; }
${scope} button:disabled { opacity: 0.5; cursor: default; }
${scope} input[type=range], ${scope} input[type=checkbox], ${scope} input[type=radio] { accent-color: var(--nnw-accent); }
`;
}

