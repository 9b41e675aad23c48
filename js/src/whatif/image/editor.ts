// The image being edited in the browser, DOM-free so that it is unit-tested:
// the painted copy, the brush (mode, size, fill), and the occlusion patch.
// While the occlusion slider is on (patch ≥ 0) the image shown and sent is
// the ORIGINAL with that patch filled; at −1 it is the painted copy.

import type { Cell } from "../../lib/hover";
import {
  brushMax, defaultBrush, fillImage, strokeTo, type Fill, type ImageShape, type Rect,
} from "./brush";
import { defaultPatch, occlude, patchAt, patchGrid, patchRect, patchSizes, type PatchGrid } from "./occlusion";

export type Mode = "paint" | "erase";

export class ImageEditor {
  shape: ImageShape = { channels: 0, height: 0, width: 0 };
  original: ArrayLike<number> = new Float32Array(0);
  /** The painted copy: what the user has made of the image so far. */
  edited = new Float32Array(0);
  mode: Mode = "paint";
  fill: Fill = "zero";
  brush = 1;
  sizes: number[] = [1];
  grid: PatchGrid = patchGrid(0, 0, 1);
  /** Occlusion slider position: −1 (off) … grid.count − 1. */
  patch = -1;
  private occluded: Float32Array | null = null;
  private fills = new Map<Fill, Float32Array>();
  private stroke: { last: Cell | null; changed: number } | null = null;

  /** A new image to edit: everything starts over, `current` becomes the painted copy. */
  load(original: ArrayLike<number>, current: ArrayLike<number>, shape: ImageShape): void {
    this.original = original;
    this.shape = { ...shape };
    this.edited = Float32Array.from(current);
    this.fills = new Map();
    this.brush = defaultBrush(shape.height, shape.width);
    this.sizes = patchSizes(shape.height, shape.width);
    this.grid = patchGrid(shape.height, shape.width, defaultPatch(this.sizes));
    this.stroke = null;
    this.setPatch(-1);
  }

  /** Is this the image being edited (same shape and values)? A re-sent copy need not start over. */
  holds(original: ArrayLike<number>, shape: ImageShape): boolean {
    const s = this.shape;
    if (s.channels !== shape.channels || s.height !== shape.height || s.width !== shape.width) return false;
    if (original === this.original) return true;
    if (original.length !== this.original.length) return false;
    for (let i = 0; i < original.length; i++) if (!Object.is(original[i], this.original[i])) return false;
    return true;
  }

  /** Take `current` (the kernel's word) as the painted copy. */
  adopt(current: ArrayLike<number>): void {
    if (current.length === this.edited.length) this.edited.set(current);
  }

  get size(): number {
    return this.shape.channels * this.shape.height * this.shape.width;
  }

  get brushMax(): number {
    return brushMax(this.shape.height, this.shape.width);
  }

  get stroking(): boolean {
    return this.stroke !== null;
  }

  /** The image to show and to send. */
  shown(): Float32Array {
    return this.occluded ?? this.edited;
  }

  /** Values a paint stroke or the patch copies in (computed once per image and fill). */
  fillValues(fill: Fill = this.fill): Float32Array {
    let values = this.fills.get(fill);
    if (!values) {
      values = fillImage(this.original, this.shape, fill);
      this.fills.set(fill, values);
    }
    return values;
  }

  patchRect(): Rect | null {
    return patchRect(this.grid, this.patch, this.shape.height, this.shape.width);
  }

  /** Move the occlusion slider (clamped to −1 … count − 1). */
  setPatch(index: number): void {
    const k = Number.isFinite(index) ? Math.floor(index) : -1;
    this.patch = Math.max(-1, Math.min(this.grid.count - 1, k));
    const rect = this.patchRect();
    this.occluded = rect ? occlude(this.original, this.fillValues(), this.shape, rect) : null;
  }

  /**
   * Another patch size; an active patch moves to the one holding its centre.
   * Returns true when the image shown changed (then it must be sent).
   */
  setPatchSize(size: number): boolean {
    const old = this.patchRect();
    this.grid = patchGrid(this.shape.height, this.shape.width, size);
    if (!old) {
      this.setPatch(-1);
      return false;
    }
    this.setPatch(patchAt(this.grid, old.row + (old.height - 1) / 2, old.col + (old.width - 1) / 2));
    return true;
  }

  /** Another fill; true when the image shown changed (an active patch is refilled). */
  setFill(fill: Fill): boolean {
    this.fill = fill;
    if (this.patch < 0) return false;
    this.setPatch(this.patch);
    return true;
  }

  setBrush(size: number): void {
    this.brush = Math.max(1, Math.min(this.brushMax, Math.round(Number.isFinite(size) ? size : 1)));
  }

  /** The pointer went down: painting works on the painted copy, so the patch goes off. */
  beginStroke(): void {
    this.setPatch(-1);
    this.stroke = { last: null, changed: 0 };
  }

  /**
   * The pointer is over `cell` (null: outside the image, which breaks the
   * line). Returns true when a value changed.
   */
  strokeAt(cell: Cell | null): boolean {
    if (!this.stroke) return false;
    if (!cell) {
      this.stroke.last = null;
      return false;
    }
    const src = this.mode === "paint" ? this.fillValues() : this.original;
    const n = strokeTo(this.edited, src, this.shape, this.stroke.last, cell, this.brush);
    this.stroke.last = cell;
    this.stroke.changed += n;
    return n > 0;
  }

  /** The pointer went up: true when the stroke changed the image (then send it). */
  endStroke(): boolean {
    const changed = (this.stroke?.changed ?? 0) > 0;
    this.stroke = null;
    return changed;
  }

  /** Back to the original image, patch off. */
  reset(): void {
    this.stroke = null;
    this.edited = Float32Array.from(this.original);
    this.setPatch(-1);
  }
}
