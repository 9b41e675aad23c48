// The ICE panel: title, chart and readout, with hover handled in the browser
// (values read from the arrays already here, never a kernel round trip).

import { setText } from "../lib/dom";
import { formatValue } from "../lib/hover";
import { hoverIndex, type IceScales } from "./ice";
import { drawIce, ICE_WIDTH, themeColors, type Colors, type IceData } from "./icechart";
import { percent } from "./bars";
import { labelOf, type WhatIfState } from "./state";
import type { Ui } from "./ui";

export class IcePanel {
  private colors: Colors | null = null;
  private scales: IceScales | null = null;
  private hover: number | null = null;
  private feature = -1;
  private label = "";

  /** `data` gives the curve with the live slider value as its current value. */
  constructor(
    private readonly ui: Pick<Ui, "root" | "ice" | "iceTitle" | "iceReadout">,
    private readonly data: () => IceData | null,
    signal: AbortSignal,
  ) {
    ui.ice.addEventListener("mousemove", (e) => this.onMove(e), { signal });
    ui.ice.addEventListener("mouseleave", () => {
      this.hover = null;
      this.redraw();
    }, { signal });
  }

  /** A new state from the kernel. */
  draw(s: WhatIfState): void {
    const f = s.iceFeature;
    if (f !== this.feature) this.hover = null;
    this.feature = f;
    this.label = labelOf(s.labels, s.target);
    setText(this.ui.iceTitle, f >= 0 ? `ICE · p(${this.label}) along ${s.names[f]}` : "ICE: click a feature name");
    this.colors = themeColors(this.ui.root); // once per message: follows a theme switch
    this.redraw();
    this.ui.ice.dataset.feature = String(f);
    this.ui.ice.dataset.rendered = String(s.seq);
  }

  /** Redraw from the data already here (hover, a slider moved). */
  redraw(): void {
    const d = this.data();
    this.colors ??= themeColors(this.ui.root);
    this.scales = drawIce(this.ui.ice, d, this.colors, this.hover);
    this.readout(d);
  }

  private onMove(e: MouseEvent): void {
    const d = this.data();
    if (!d || !this.scales) return;
    const r = this.ui.ice.getBoundingClientRect();
    // The canvas may be shrunk by CSS (max-width): go back to chart pixels.
    const px = ((e.clientX - r.left) * ICE_WIDTH) / (r.width || ICE_WIDTH);
    const next = hoverIndex(this.scales, d.values, px);
    if (next === this.hover) return;
    this.hover = next;
    this.redraw();
  }

  private readout(d: IceData | null): void {
    const el = this.ui.iceReadout;
    delete el.dataset.value;
    delete el.dataset.output;
    const i = this.hover;
    if (!d) return setText(el, "");
    if (i === null || i >= d.values.length) {
      const avg = d.pdp ? "; dashed: average over the data" : "";
      return setText(el, `solid: this input${avg}; hover to read values`);
    }
    const v = d.values[i]!;
    const p = d.outputs[i]!;
    const avg = d.pdp ? ` · average ${percent(d.pdp[i]!)}` : "";
    setText(el, `${d.name} = ${formatValue(v)} → p(${this.label}) ${percent(p)}${avg}`);
    el.dataset.value = String(v);
    el.dataset.output = String(p);
  }
}
