// Drawing of the image What-if canvas: the image being edited with the last
// answer's attribution map blended on top (the Attribution view's pixel
// math), scaled up by whole pixels, and the occlusion patch outlined.

import { baseImage, blend, displayScale } from "../../attribution/image";
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
    if (this.offscreen.width !== width) this.offscreen.width = width;
    if (this.offscreen.height !== height) this.offscreen.height = height;
    const octx = this.offscreen.getContext("2d");
    const ctx = this.canvas.getContext("2d");
    if (!octx || !ctx) throw new Error("this browser gave no 2D canvas context");
    const img = octx.createImageData(width, height);
    const base = baseImage(f.image, [channels, height, width], f.display[0], f.display[1]);
    blend(base, f.map, f.lut, f.range[0], f.range[1], f.opacity, img.data);
    octx.putImageData(img, 0, 0);
    const k = displayScale(height, width);
    // Resizing clears the canvas and resets its context: only when the size changes.
    if (this.canvas.width !== width * k) this.canvas.width = width * k;
    if (this.canvas.height !== height * k) this.canvas.height = height * k;
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(this.offscreen, 0, 0, width * k, height * k);
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
