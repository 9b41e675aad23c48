// The input side of the Layers view: the input (an image in grey or RGB on its
// display range, a row of features, or tokens) with the clicked neuron's
// attribution over it, the neuron's value, and the inputs that excite it most.
// The image and its overlay use lib/image, the same pixels as every view.

import { h, setText } from "../lib/dom";
import { formatValue } from "../lib/hover";
import { baseImage, blend, putPixels } from "../lib/image";
import type { InputState, TopsState } from "./state";
import type { LayersUi } from "./ui";

/**
 * Bars of one value per feature, largest |value| first, at most `most`. Every
 * row's track has the same width at the same x (fixed columns), and zero sits
 * mid-track: a negative value is left of the one shared zero line.
 */
export function featureBars(host: HTMLElement, values: ArrayLike<number>, names: string[], most = 12): void {
  const order = Array.from({ length: values.length }, (_, i) => i).sort(
    (a, b) => Math.abs(values[b]!) - Math.abs(values[a]!),
  );
  let m = 0;
  for (let i = 0; i < values.length; i++) m = Math.max(m, Math.abs(values[i]!));
  const head = h("div", "nnw-fhead", { "aria-hidden": "true" });
  head.append(h("span", "nnw-fname", {}, "feature"), h("span", "nnw-fscale", {},
    m > 0 ? `−${formatValue(m)} · 0 · +${formatValue(m)}` : "0"), h("span", "nnw-fval", {}, "value"));
  const rows = order.slice(0, most).map((i) => {
    const v = values[i]!;
    const row = h("div", "nnw-fbar", { "data-feature": i, "data-value": String(v) });
    const name = names[i] ?? `x${i}`;
    row.appendChild(h("span", "nnw-fname", { title: name }, name));
    const track = h("span", "nnw-ftrack");
    track.appendChild(h("span", "nnw-fzero", { "aria-hidden": "true" }));
    const fill = h("span", v < 0 ? "nnw-ffill nnw-neg" : "nnw-ffill");
    fill.style.width = `${m > 0 ? (50 * Math.abs(v)) / m : 0}%`;
    fill.style[v < 0 ? "right" : "left"] = "50%";
    track.appendChild(fill);
    row.appendChild(track);
    row.appendChild(h("span", "nnw-fval", {}, formatValue(v)));
    return row;
  });
  host.replaceChildren(head, ...rows);
}

export function drawInput(ui: LayersUi, s: InputState, seq: number): void {
  const { kind, input, map, neuron } = s;
  const hasMap = !!map && map.data.length > 0;
  ui.inputCanvas.hidden = kind !== "image";
  ui.featBox.hidden = kind !== "features";
  if (kind === "features" && !hasMap) {
    ui.featBox.replaceChildren(h("div", "nnw-hint", {}, "click a neuron to see its attribution to each feature"));
  }
  // Token ids: the tokens as text (user strings: textContent only), or the ids.
  ui.tokBox.hidden = kind !== "tokens" || !input;
  if (kind === "tokens" && input) {
    const words = s.tokens.length === input.data.length ? s.tokens : Array.from(input.data, (v) => String(v));
    ui.tokBox.replaceChildren(...words.map((w, i) => h("span", "nnw-token", { "data-token": i }, w)));
  }
  if (kind === "image" && input && input.shape.length === 3) {
    const [lo, hi] = s.display;
    const px = baseImage(input.data, input.shape, lo, hi);
    if (hasMap && map) {
      const scale = s.mapScale();
      // over itself: the overlay is drawn into the base pixels
      blend(px, map.data, s.mapLut(), -scale, scale, 0.85, px);
    }
    putPixels(ui.inputCanvas, px, input.shape[2]!, input.shape[1]!);
    ui.inputCanvas.style.width = `${Math.max(1, Math.floor(220 / input.shape[2]!)) * input.shape[2]!}px`;
    ui.inputCanvas.dataset.rendered = hasMap ? `neuron ${neuron?.join(",")}|${seq}` : `input|${seq}`;
  }
  if (kind === "features" && hasMap && map) featureBars(ui.featBox, map.data, s.features);
  if (neuron) {
    const method = s.method.replace(/_/g, " ");
    setText(ui.inputTitle, `input · ${method} of neuron [${neuron.join(", ")}]`);
    setText(ui.neuronText, `activation of neuron [${neuron.join(", ")}] for this example = ${formatValue(s.neuronValue())}`);
    ui.neuronText.dataset.value = String(s.neuronValue());
  } else {
    setText(ui.inputTitle, "input");
    setText(ui.neuronText, "");
  }
}

export function drawTops(ui: LayersUi, s: TopsState, kind: string): void {
  const { indices: idx, values: vals, inputs: ins } = s;
  if (!idx || idx.data.length === 0 || !vals) {
    setText(ui.topTitle, "");
    ui.tops.replaceChildren();
    return;
  }
  // The sweep scores a unit by its MEAN activation over its positions (a
  // channel of a conv, a unit over tokens): not the clicked neuron's value.
  setText(ui.topTitle, `inputs that excite this unit most (${s.source}), by its mean activation over positions`);
  const [lo, hi] = s.display;
  const items: HTMLElement[] = [];
  for (let i = 0; i < idx.data.length; i++) {
    const item = h("div", "nnw-top", { "data-index": idx.data[i]!, "data-value": String(vals.data[i]) });
    if (kind === "image" && ins && ins.shape.length === 4) {
      const [, c, hh, w] = ins.shape as [number, number, number, number];
      const per = c * hh * w;
      const c1 = h("canvas", "nnw-thumb");
      putPixels(c1, baseImage(ins.data.subarray(i * per, (i + 1) * per), [c, hh, w], lo, hi), w, hh);
      c1.style.width = `${Math.max(1, Math.floor(56 / w)) * w}px`;
      item.appendChild(c1);
    }
    item.appendChild(h("span", "", { title: "example index · the unit's mean activation on it" },
      `#${idx.data[i]} · mean ${formatValue(vals.data[i]!)}`));
    items.push(item);
  }
  ui.tops.replaceChildren(...items);
}
