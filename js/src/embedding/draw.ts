// Painting the scatter: every point written straight into one ImageData (a
// few pixels each, no path per point), then the marks for the hovered,
// clicked and selected points on top. Also the legend and the hover card.

import { clear, h } from "../lib/dom";
import { formatValue } from "../lib/hover";
import type { Camera } from "./camera";
import { toScreen } from "./camera";
import type { Colored } from "./colors";
import type { HoverInput, Points } from "./state";

export interface Marks {
  hover: number;
  clicked: number;
  selected: Uint32Array;
}

/** Dot size in device pixels: larger for few points. */
export function dotSize(n: number, ratio: number): number {
  return Math.max(1, Math.round((n > 20000 ? 2 : n > 2000 ? 3 : 5) * ratio));
}

const images = new WeakMap<HTMLCanvasElement, ImageData>();

export function drawPoints(canvas: HTMLCanvasElement, pts: Points, colors: Colored, cam: Camera, marks: Marks): number {
  const t0 = performance.now();
  const ratio = canvas.width / cam.width;
  const w = canvas.width, hgt = canvas.height;
  const ctx = canvas.getContext("2d");
  if (!ctx) return 0;
  // One ImageData per canvas size, reused: allocating 3.7 MB a frame (1120×840 at
  // devicePixelRatio 2) cost more than writing the 50,000 points into it.
  let image = images.get(canvas);
  if (!image || image.width !== w || image.height !== hgt) {
    image = ctx.createImageData(w, hgt);
    images.set(canvas, image);
  }
  const px = new Uint32Array(image.data.buffer);
  px.fill(0xffffffff);
  const size = dotSize(pts.n, ratio);
  const half = size >> 1;
  const rgb = colors.rgb;
  const xs = (cam.width / 2 - cam.cx * cam.scale) * ratio;
  const ys = (cam.height / 2 + cam.cy * cam.scale) * ratio;
  const k = cam.scale * ratio;
  const little = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
  for (let i = 0; i < pts.n; i++) {
    const x = Math.round(pts.xy[2 * i]! * k + xs) - half;
    const y = Math.round(ys - pts.xy[2 * i + 1]! * k) - half;
    if (x + size <= 0 || y + size <= 0 || x >= w || y >= hgt) continue;
    const r = rgb[3 * i]!, g = rgb[3 * i + 1]!, b = rgb[3 * i + 2]!;
    const c = little ? (0xff000000 | (b << 16) | (g << 8) | r) >>> 0 : ((r << 24) | (g << 16) | (b << 8) | 0xff) >>> 0;
    const xa = Math.max(0, x), xb = Math.min(w, x + size);
    for (let yy = Math.max(0, y); yy < Math.min(hgt, y + size); yy++) px.fill(c, yy * w + xa, yy * w + xb);
  }
  ctx.putImageData(image, 0, 0);
  ctx.save();
  ctx.scale(ratio, ratio);
  const ring = (i: number, color: string, r: number): void => {
    if (i < 0 || i >= pts.n) return;
    const [sx, sy] = toScreen(cam, pts.xy[2 * i]!, pts.xy[2 * i + 1]!);
    ctx.beginPath();
    ctx.arc(sx, sy, r, 0, 2 * Math.PI);
    ctx.strokeStyle = color;
    ctx.lineWidth = 1.5;
    ctx.stroke();
  };
  if (marks.selected.length && marks.selected.length <= 5000) {
    for (const i of marks.selected) ring(i, "#ff7f0e", 3);
  }
  ring(marks.clicked, "#000", 6);
  ring(marks.hover, "#1976d2", 5);
  ctx.restore();
  return performance.now() - t0;
}

function swatch(rgb: ArrayLike<number>, j: number): HTMLSpanElement {
  const s = h("span", "nnw-swatch");
  s.style.background = `rgb(${rgb[j]!}, ${rgb[j + 1]!}, ${rgb[j + 2]!})`;
  return s;
}

export function drawLegend(box: HTMLElement, mode: string, pts: Points, colors: Colored, names: string[], unit: number): void {
  clear(box);
  const add = (rgb: ArrayLike<number>, j: number, text: string): void => {
    const item = h("span", "nnw-legend-item");
    item.append(swatch(rgb, j), document.createTextNode(text));
    box.appendChild(item);
  };
  if (mode === "correct") {
    add(pts.sources.correct, 0, "correct");
    add(pts.sources.correct, 3, "wrong");
  } else if (mode === "label" || mode === "predicted") {
    names.forEach((name, i) => add(pts.sources.palette, Math.min(i, pts.sources.palette.length / 3 - 1) * 3, name));
  } else if (colors.range) {
    const [lo, hi] = colors.range;
    add(pts.sources.lut, 0, `${formatValue(lo)}`);
    add(pts.sources.lut, 255 * 3, `${formatValue(hi)} ${mode === "neuron" ? `(unit ${unit})` : "confidence"}`);
  }
}

/** The hover card of point `i`: its index, classes, and its input read from the arrays in the browser. */
export function drawTip(tip: HTMLElement, i: number, pts: Points, input: HoverInput, names: string[]): void {
  clear(tip);
  const s = pts.sources;
  const name = (c: number): string => (c >= 0 ? (names[c] ?? String(c)) : "?");
  const lines = [`#${i}`, `predicted ${name(s.predicted[i]!)} (${formatValue(s.confidence[i]!)})`];
  if (s.labels[i]! >= 0) lines.push(`true ${name(s.labels[i]!)}${s.labels[i]! !== s.predicted[i]! ? " ✗" : ""}`);
  tip.appendChild(h("div", "nnw-tip-text", {}, lines.join("\n")));
  if (input.kind === "image") {
    const th = input.thumbs.shape[1]!, tw = input.thumbs.shape[2]!;
    const colour = input.thumbs.shape.length === 4;
    const c = h("canvas", "nnw-thumb", { width: tw, height: th });
    const scale = Math.max(1, Math.floor(72 / Math.max(th, tw)));
    c.style.width = `${tw * scale}px`;
    c.style.height = `${th * scale}px`;
    const ctx = c.getContext("2d");
    if (ctx) {
      const img = ctx.createImageData(tw, th);
      const d = input.thumbs.data;
      const base = i * th * tw * (colour ? 3 : 1);
      for (let p = 0; p < th * tw; p++) {
        for (let ch = 0; ch < 3; ch++) img.data[4 * p + ch] = colour ? d[base + 3 * p + ch]! : d[base + p]!;
        img.data[4 * p + 3] = 255;
      }
      ctx.putImageData(img, 0, 0);
    }
    tip.appendChild(c);
  } else if (input.kind === "features") {
    const f = input.rows.shape[1]!;
    const table = h("table");
    for (let j = 0; j < Math.min(f, 12); j++) {
      const tr = h("tr");
      tr.append(h("td", "", {}, input.names[j] ?? `x${j}`), h("td", "", {}, formatValue(input.rows.data[i * f + j]!)));
      table.appendChild(tr);
    }
    tip.appendChild(table);
    if (f > 12) tip.appendChild(h("div", "", {}, `… ${f - 12} more`));
  } else if (input.kind === "text") {
    tip.appendChild(h("div", "nnw-tip-input", {}, input.texts[i] ?? ""));
  }
}
