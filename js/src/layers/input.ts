// The input as the Layers view shows it: an image (C, H, W) in grey (or RGB for
// three channels) on its display range, with a neuron's attribution map blended
// over it the way nnwidgets/figures/colormap.py `composite` does; a row of
// features as bars of the neuron's attribution, named.

import { lutIndex } from "../lib/colormap";
import { h } from "../lib/dom";
import { formatValue } from "../lib/hover";

/** RGBA pixels (H × W × 4) of an image (C, H, W) on [lo, hi], as Python's display_image. */
export function imagePixels(data: ArrayLike<number>, shape: readonly number[], lo: number, hi: number): Uint8ClampedArray {
  const [c, hgt, w] = shape as [number, number, number];
  const n = hgt * w;
  const out = new Uint8ClampedArray(n * 4);
  for (let i = 0; i < n; i++) {
    let r: number;
    let g: number;
    let b: number;
    if (c === 3) {
      r = lutIndex(data[i]!, lo, hi);
      g = lutIndex(data[n + i]!, lo, hi);
      b = lutIndex(data[2 * n + i]!, lo, hi);
    } else {
      let s = 0;
      for (let k = 0; k < c; k++) s += data[k * n + i]!;
      r = g = b = lutIndex(s / c, lo, hi);
    }
    out[i * 4] = r;
    out[i * 4 + 1] = g;
    out[i * 4 + 2] = b;
    out[i * 4 + 3] = 255;
  }
  return out;
}

/** Blend a map coloured through `lut` (alpha from the table) over `base`, in place. */
export function blend(base: Uint8ClampedArray, map: ArrayLike<number>, lut: ArrayLike<number>, lo: number, hi: number, opacity = 0.85): void {
  for (let i = 0; i < map.length; i++) {
    const row = lutIndex(map[i]!, lo, hi) * 4;
    const a = (opacity * lut[row + 3]!) / 255;
    for (let k = 0; k < 3; k++) base[i * 4 + k] = Math.round((1 - a) * base[i * 4 + k]! + a * lut[row + k]!);
  }
}

export function putPixels(canvas: HTMLCanvasElement, pixels: Uint8ClampedArray, w: number, hgt: number): void {
  canvas.width = w;
  canvas.height = hgt;
  const ctx = canvas.getContext("2d");
  if (!ctx) return;
  const img = ctx.createImageData(w, hgt);
  img.data.set(pixels);
  ctx.putImageData(img, 0, 0);
}

/** Bars of one value per feature, largest |value| first, at most `most`. */
export function featureBars(host: HTMLElement, values: ArrayLike<number>, names: string[], most = 12): void {
  const order = Array.from({ length: values.length }, (_, i) => i).sort(
    (a, b) => Math.abs(values[b]!) - Math.abs(values[a]!),
  );
  let m = 0;
  for (let i = 0; i < values.length; i++) m = Math.max(m, Math.abs(values[i]!));
  const rows = order.slice(0, most).map((i) => {
    const v = values[i]!;
    const row = h("div", "nnw-fbar", { "data-feature": i, "data-value": String(v) });
    row.appendChild(h("span", "nnw-fname", {}, names[i] ?? `x${i}`));
    const track = h("span", "nnw-ftrack");
    const fill = h("span", v < 0 ? "nnw-ffill nnw-neg" : "nnw-ffill");
    fill.style.width = `${m > 0 ? (50 * Math.abs(v)) / m : 0}%`;
    fill.style[v < 0 ? "right" : "left"] = "50%";
    track.appendChild(fill);
    row.appendChild(track);
    row.appendChild(h("span", "nnw-fval", {}, formatValue(v)));
    return row;
  });
  host.replaceChildren(...rows);
}
