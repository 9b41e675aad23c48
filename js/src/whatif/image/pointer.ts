// Pointer input on the image canvas: hover for the readout, and paint
// strokes with mouse, touch or pen (pointer events). A stroke captures its
// pointer, so it goes on past the canvas edge and always sees its pointerup;
// the page does not scroll under a finger that paints (touch-action: none in
// the CSS, preventDefault here).

import { cellFromClient, type Cell } from "../../lib/hover";
import type { ImageEditor } from "./editor";

export interface PaintHost {
  /** An answer is on screen (the canvas has a size and a map to draw). */
  ready(): boolean;
  /** The pointer is over `cell` (null: off the image). */
  hover(cell: Cell | null): void;
  /** The image changed under the brush: redraw it soon. */
  changed(): void;
  /** A stroke began while the occlusion slider was on, which turned it off. */
  patchOff(): void;
  /** The stroke ended; `changed` when it changed the image (then send it). */
  finished(changed: boolean): void;
}

export function attachPainting(
  canvas: HTMLCanvasElement,
  editor: ImageEditor,
  host: PaintHost,
  signal: AbortSignal,
): void {
  const listen = { signal };
  let pointer: number | null = null; // the pointer painting now

  const cellOf = (e: { clientX: number; clientY: number }): Cell | null =>
    cellFromClient(e.clientX, e.clientY, canvas.getBoundingClientRect(), editor.shape.width, editor.shape.height);

  function end(id: number): void {
    if (pointer === null || id !== pointer) return;
    pointer = null;
    if (canvas.hasPointerCapture?.(id)) canvas.releasePointerCapture(id);
    host.finished(editor.endStroke());
  }

  canvas.addEventListener("pointerdown", (e) => {
    if (!host.ready() || pointer !== null || (e.pointerType === "mouse" && e.button !== 0)) return;
    e.preventDefault(); // no text selection, no emulated mouse events, no scrolling
    pointer = e.pointerId;
    try {
      canvas.setPointerCapture(e.pointerId);
    } catch {
      // the pointer is already gone; lostpointercapture or pointerup still ends the stroke
    }
    const wasOccluding = editor.patch >= 0;
    editor.beginStroke();
    if (wasOccluding) host.patchOff();
    const cell = cellOf(e);
    host.hover(cell);
    if (editor.strokeAt(cell) || wasOccluding) host.changed();
  }, listen);

  canvas.addEventListener("pointermove", (e) => {
    if (!host.ready()) return;
    if (pointer === e.pointerId) {
      // Every move since the last event, so a fast stroke follows the pointer's path.
      const moves = e.getCoalescedEvents?.() ?? [];
      let changed = false;
      for (const m of moves.length ? moves : [e]) changed = editor.strokeAt(cellOf(m)) || changed;
      if (changed) host.changed();
    }
    host.hover(cellOf(e));
  }, listen);

  for (const type of ["pointerup", "pointercancel", "lostpointercapture"] as const) {
    canvas.addEventListener(type, (e) => end(e.pointerId), listen);
  }
  canvas.addEventListener("pointerleave", () => {
    if (pointer === null) host.hover(null);
  }, listen);
  // For browsers that ignore touch-action: keep the page still while painting.
  canvas.addEventListener("touchmove", (e) => {
    if (pointer !== null) e.preventDefault();
  }, { signal, passive: false });
}
