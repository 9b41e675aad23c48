// The input as the Layers view shows it: an image (C, H, W) in grey (or RGB for
// three channels) on its display range, with a neuron's attribution map blended
// over it the way nnwidgets/figures/colormap.py `composite` does; a row of
// features as bars of the neuron's attribution, named.

import { h } from "../lib/dom";
import { baseImage, blend } from "../attribution/image";
import { formatValue } from "../lib/hover";

/** RGBA pixels (H × W × 4) of an image (C, H, W) on [lo, hi], as Python's display_image
 * (the Attribution view's base image: one implementation for every view). */
export const imagePixels = baseImage;

/** Blend a map coloured through `lut` (alpha from the table) over `base`, in place,
 * with the Attribution view's arithmetic (which rounds as Python's composite does). */
export function blendInPlace(
  base: Uint8ClampedArray, map: ArrayLike<number>, lut: ArrayLike<number>, lo: number, hi: number, opacity = 0.85,
): void {
  blend(base, map, lut, lo, hi, opacity, base);
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
