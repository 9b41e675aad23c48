// The batch strip: one button per example (a thumbnail for images, a line of
// text otherwise). Clicking asks the kernel to explain that example.

import type { Decoded } from "../lib/codec";
import { h } from "../lib/dom";

export function renderStrip(
  strip: HTMLDivElement, titles: string[], index: number, thumbs: Decoded | null, interactive: boolean,
): void {
  const n = titles.length;
  strip.hidden = n < 2;
  const key = JSON.stringify([titles, thumbs ? thumbs.shape : null]);
  if (strip.dataset.key !== key) {
    const buttons: HTMLElement[] = [];
    const shown = thumbs ? Math.min(n, thumbs.shape[0]!) : n;
    for (let i = 0; i < shown; i++) {
      const b = h("button", "nnw-example", { type: "button", "data-index": i, title: titles[i] ?? `#${i}` });
      if (thumbs) {
        const [, th, tw] = thumbs.shape as [number, number, number, number];
        const c = h("canvas", "nnw-thumb", { width: tw, height: th });
        const ctx = c.getContext("2d");
        if (ctx) {
          const img = ctx.createImageData(tw, th);
          const plane = th * tw;
          for (let p = 0; p < plane; p++) {
            img.data[p * 4] = thumbs.data[(i * plane + p) * 3]!;
            img.data[p * 4 + 1] = thumbs.data[(i * plane + p) * 3 + 1]!;
            img.data[p * 4 + 2] = thumbs.data[(i * plane + p) * 3 + 2]!;
            img.data[p * 4 + 3] = 255;
          }
          ctx.putImageData(img, 0, 0);
        }
        b.append(c, h("span", "nnw-example-label", {}, titles[i] ?? `#${i}`));
      } else {
        b.append(h("span", "nnw-example-label", {}, titles[i] ?? `#${i}`));
      }
      buttons.push(b);
    }
    if (shown < n) buttons.push(h("span", "nnw-more", {}, `+${n - shown} more: set .index from Python`));
    strip.replaceChildren(...buttons);
    strip.dataset.key = key;
  }
  for (const b of strip.querySelectorAll<HTMLButtonElement>("button.nnw-example")) {
    const on = b.dataset.index === String(index);
    b.classList.toggle("nnw-selected", on);
    b.setAttribute("aria-pressed", on ? "true" : "false");
  }
  strip.classList.toggle("nnw-static", !interactive);
}

export function markPendingExample(strip: HTMLDivElement, index: number): void {
  for (const b of strip.querySelectorAll<HTMLElement>("button.nnw-example")) {
    b.classList.toggle("nnw-pending", b.dataset.index === String(index));
  }
}
