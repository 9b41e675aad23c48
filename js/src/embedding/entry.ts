// The Embedding view's render(): a canvas scatter of the projected points that
// pans (drag), zooms (wheel) and hovers (the input of the nearest point, read
// from arrays already here) without the kernel. Sent to the kernel: `_request`
// {seq, click | neuron | projection}, `color_by`, and a box selection as one
// custom message {select: true} with a uint32 buffer of indices.

import { setText } from "../lib/dom";
import { showProblems, widgetError } from "../lib/errors";
import { attempt } from "../lib/model";
import { mount, type RenderProps } from "../lib/mount";
import { finiteOr } from "../lib/numbers";
import { showProgress } from "../lib/progress";
import { RequestCounter } from "../lib/requests";
import { traits } from "../lib/traits";
import { fit, pan, toData, zoomAt, type Camera } from "./camera";
import { pointColors, type Colored } from "./colors";
import { drawLegend, drawPoints, drawTip, type Marks } from "./draw";
import { PointGrid } from "./grid";
import { readHover, readPoints, type HoverInput, type Points } from "./state";
import { CSS, STYLE_ID } from "./style";
import { POINT_TRAITS, STATUS_TRAITS, type EmbeddingRequest, type EmbeddingTraits } from "./traits";
import { buildDom, HEIGHT, WIDTH } from "./ui";

const HOVER_PX = 8; // hover and click pick the nearest point within this many CSS pixels
const CLICK_PX = 3; // a press that moves less than this is a click, not a drag

type Sender = { send?: (content: unknown, callbacks?: unknown, buffers?: ArrayBuffer[]) => void };

export function render({ model, el }: RenderProps): () => void {
  const t = traits<EmbeddingTraits>(model);
  const ui = buildDom();
  const view = mount(t, el, ui.root, [{ id: STYLE_ID, css: CSS }]);
  const on = view.listen;
  const seqs = new RequestCounter(model);
  const ratio = Math.min(2, Math.max(1, window.devicePixelRatio || 1));
  ui.canvas.width = WIDTH * ratio;
  ui.canvas.height = HEIGHT * ratio;
  let pts: Points | null = null;
  let colors: Colored | null = null;
  let grid: PointGrid | null = null;
  let hover: HoverInput = { kind: "none" };
  let cam: Camera = { cx: 0, cy: 0, scale: 1, width: WIDTH, height: HEIGHT };
  const marks: Marks = { hover: -1, clicked: -1, selected: new Uint32Array(0) };
  let frameRequested = false;
  let problems: string[] = [];

  function send(fields: Omit<EmbeddingRequest, "seq">): void {
    t.send("_request", { seq: seqs.next(), ...fields });
  }

  function paint(): void {
    frameRequested = false;
    if (!pts || !colors) return;
    const ms = drawPoints(ui.canvas, pts, colors, cam, marks);
    const d = ui.canvas.dataset;
    d.drawMs = ms.toFixed(2);
    d.cx = String(cam.cx);
    d.cy = String(cam.cy);
    d.scale = String(cam.scale);
    d.points = String(pts.n);
    d.rendered = "1";
  }

  function schedule(): void {
    if (frameRequested) return;
    frameRequested = true;
    requestAnimationFrame(paint);
  }
  view.onCleanup(() => void (frameRequested = true)); // no frame after the view goes

  function refreshPoints(): void {
    problems = [];
    const before = pts?.xy;
    if (t.get("ready") === false) {  // before the first result there is nothing to read
      refreshStatus();
      return;
    }
    attempt(problems, () => {
      pts = readPoints(t);
      colors = pointColors(pts.mode, pts.sources);
      if (pts.xy !== before) {
        grid = new PointGrid(pts.xy);
        cam = fit(pts.xy, WIDTH, HEIGHT);
      }
      drawLegend(ui.legend, pts.mode, pts, colors, t.strings("labels"), t.int("neuron", 0));
      ui.colorBy.value = pts.mode;
    });
    attempt(problems, () => void (hover = readHover(t)));
    refreshStatus();
    if (pts) paint();
  }

  function refreshStatus(): void {
    const seq = finiteOr(t.get("_seq"), 0);
    seqs.drew(seq);
    ui.root.dataset.seq = String(seq);
    const progress = t.get("_progress");
    const stage = progress?.method === "sweep" ? "reading the layer over the data" : `projecting (${progress?.method ?? ""})`;
    const shown = showProgress(ui.progress, progress, stage);
    ui.cancel.hidden = !shown;
    ui.stage.hidden = t.get("ready") === false;
    const selected = t.int("n_selected", 0);
    const linked = t.strings("linked_names");
    const cost = t.string("cost"); // the progress row above says how far a computation is
    setText(ui.status, `${t.string("layer")}${cost ? `: ${cost}` : ""}` +
      (selected ? ` · ${selected} selected` : "") + (linked.length ? ` · linked: ${linked.join(", ")}` : ""));
    ui.projection.value = t.string("projection", "pca");
    ui.neuron.max = String(Math.max(0, t.int("n_units", 1) - 1));
    ui.neuron.value = String(t.int("neuron", 0));
    marks.clicked = t.int("clicked", -1);
    showProblems(ui.error, t.string("error"), problems);
  }

  const redraw = view.coalesced(refreshPoints, (err) => showProblems(ui.error, "", [widgetError(err)]));
  const status = view.coalesced(() => { refreshStatus(); schedule(); }, (err) => showProblems(ui.error, "", [widgetError(err)]));
  view.onChange([...POINT_TRAITS, "_thumbs", "_rows", "texts", "labels"], () => redraw.schedule());
  view.onChange([...STATUS_TRAITS], () => status.schedule());

  // -- pointer: pan, zoom, hover, click, box select ---------------------------------------
  const local = (e: MouseEvent): [number, number] => {
    const r = ui.canvas.getBoundingClientRect();
    return [((e.clientX - r.left) / r.width) * WIDTH, ((e.clientY - r.top) / r.height) * HEIGHT];
  };
  const nearest = (sx: number, sy: number): number => {
    if (!grid) return -1;
    const [x, y] = toData(cam, sx, sy);
    return grid.nearest(x, y, HOVER_PX / cam.scale);
  };
  let press: { x: number; y: number; box: boolean; cam: Camera; moved: boolean } | null = null;

  function showTip(i: number, sx: number, sy: number): void {
    marks.hover = i;
    ui.root.dataset.hover = String(i);
    if (i < 0 || !pts) {
      ui.tip.hidden = true;
      return;
    }
    drawTip(ui.tip, i, pts, hover, t.strings("labels"));
    ui.tip.hidden = false;
    ui.tip.style.left = `${Math.min(sx + 14, WIDTH - 120)}px`;
    ui.tip.style.top = `${Math.min(sy + 10, HEIGHT - 40)}px`;
  }

  ui.canvas.addEventListener("pointerdown", (e) => {
    const [x, y] = local(e);
    press = { x, y, box: e.shiftKey, cam, moved: false };
    ui.canvas.setPointerCapture?.(e.pointerId);
  }, on);
  ui.canvas.addEventListener("pointermove", (e) => {
    const [x, y] = local(e);
    if (!press) {
      showTip(nearest(x, y), x, y);
      schedule();
      return;
    }
    if (Math.hypot(x - press.x, y - press.y) >= CLICK_PX) press.moved = true;
    if (press.box) {
      Object.assign(ui.box.style, {
        left: `${Math.min(x, press.x)}px`, top: `${Math.min(y, press.y)}px`,
        width: `${Math.abs(x - press.x)}px`, height: `${Math.abs(y - press.y)}px`,
      });
      ui.box.hidden = false;
    } else if (press.moved) {
      cam = pan(press.cam, x - press.x, y - press.y);
      ui.tip.hidden = true;
      schedule();
    }
  }, on);
  // Something that covered the canvas (JupyterLab's splash while a theme loads, a dialog)
  // took the card away with a pointerleave; when it goes, the browser sends a pointerover
  // but no move, so the card of the point under a resting pointer comes back here.
  ui.canvas.addEventListener("pointerover", (e) => {
    if (press) return;
    const [x, y] = local(e);
    showTip(nearest(x, y), x, y);
    schedule();
  }, on);
  ui.canvas.addEventListener("pointerup", (e) => {
    if (!press) return;
    const [x, y] = local(e);
    const p = press;
    press = null;
    ui.box.hidden = true;
    if (p.box && p.moved && grid) {
      const [xa, ya] = toData(cam, p.x, p.y);
      const [xb, yb] = toData(cam, x, y);
      marks.selected = grid.inBox(xa, ya, xb, yb);
      const buffer = marks.selected.buffer.slice(0) as ArrayBuffer;
      (model as unknown as Sender).send?.({ select: true, n: marks.selected.length }, undefined, [buffer]);
      ui.root.dataset.selected = String(marks.selected.length);
      schedule();
    } else if (!p.moved) {
      const i = nearest(x, y);
      if (i >= 0) {
        marks.clicked = i;
        send({ click: i });
        schedule();
      }
    }
  }, on);
  ui.canvas.addEventListener("pointerleave", () => {
    if (!press) showTip(-1, 0, 0);
    schedule();
  }, on);
  ui.canvas.addEventListener("wheel", (e) => {
    e.preventDefault();
    const [x, y] = local(e);
    cam = zoomAt(cam, x, y, Math.exp(-e.deltaY * 0.0015));
    schedule();
  }, { ...on, passive: false });
  ui.reset.addEventListener("click", () => {
    if (pts) cam = fit(pts.xy, WIDTH, HEIGHT);
    schedule();
  }, on);
  ui.colorBy.addEventListener("change", () => {
    const mode = ui.colorBy.value;
    if (mode === "neuron") send({ neuron: Math.max(0, Math.floor(Number(ui.neuron.value) || 0)) });
    else t.send("color_by", mode);
  }, on);
  ui.neuron.addEventListener("change", () => send({ neuron: Math.max(0, Math.floor(Number(ui.neuron.value) || 0)) }), on);
  ui.projection.addEventListener("change", () => send({ projection: ui.projection.value }), on);
  ui.cancel.addEventListener("click", () => send({ cancel: true }), on);

  refreshPoints();
  return () => view.cleanup();
}
