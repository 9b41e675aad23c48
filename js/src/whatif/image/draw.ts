// Drawing of the image What-if canvas: the image being edited with the last
// answer's attribution map blended on top (lib/image, the same pixels as every
// view), scaled up by whole pixels, and the occlusion patch outlined.

import { baseImage, blend, displayScale, paintScaled } from "../../lib/image";
import type { ImageShape, Rect } from "./brush";
import { outlineBox } from "./occlusion";

export interface Frame {
  image: ArrayLike<number>;
  shape: ImageShape;
  display: [number, number];
  map: ArrayLike<number>;
  lut: ArrayLike<number>;
  range: [number, number];
  opacity: number;
  outline: Rect | null;
}

export class ImageCanvas {
  private readonly offscreen = document.createElement("canvas");

  constructor(private readonly canvas: HTMLCanvasElement) {}

  draw(f: Frame): void {
    const { channels, height, width } = f.shape;
    const k = displayScale(height, width);
    const ctx = paintScaled(this.canvas, this.offscreen, width, height, k, (rgba) => {
      const base = baseImage(f.image, [channels, height, width], f.display[0], f.display[1]);
      blend(base, f.map, f.lut, f.range[0], f.range[1], f.opacity, rgba);
    });
    if (f.outline) {
      // A light line on a dark one: visible on any image and any colormap.
      const box = outlineBox(f.outline, k);
      ctx.lineWidth = 3;
      ctx.strokeStyle = "rgba(0, 0, 0, 0.8)";
      ctx.strokeRect(box.x, box.y, box.w, box.h);
      ctx.lineWidth = 1;
      ctx.strokeStyle = "#fff";
      ctx.strokeRect(box.x, box.y, box.w, box.h);
    }
  }
}
