// Image mode of the What-if view: paint or erase over the image, or slide an
// occlusion patch across it. Painting redraws in the browser every frame and
// sends the edited image once, on release; the occlusion slider sends
// latest-wins "drag" requests while sliding and a "release" at let-go. The
// answers bring the prediction and the attribution map, blended over the
// image the browser holds. The only thing sent to the kernel is `_request`.

import { drawColorbar } from "../../lib/colormap";
import { setText } from "../../lib/dom";
import { showErrors, widgetError } from "../../lib/errors";
import { formatValue, type Cell } from "../../lib/hover";
import { mount, type RenderProps } from "../../lib/mount";
import { clamp01, finiteOr } from "../../lib/numbers";
import { showCell, showHint } from "../../lib/readout";
import { requestHost } from "../../lib/requests";
import { traits } from "../../lib/traits";
import { takeAnswer } from "../answer";
import { clickedClass, markPending, renderBars } from "../bars";
import { RequestScheduler } from "../scheduler";
import { attributionHeading } from "../state";
import { CSS, STYLE_ID } from "../style";
import { IMAGE_TRAITS, type WhatIfTraits } from "../traits";
import { isFill } from "./brush";
import { ImageCanvas } from "./draw";
import { ImageEditor } from "./editor";
import { attachPainting } from "./pointer";
import { readImageState, type ImageState } from "./state";
import { IMAGE_CSS, IMAGE_STYLE_ID } from "./style";
import { buildImageDom, setPatchSizes, showMode } from "./ui";

export function renderImage({ model, el }: RenderProps): () => void {
  const t = traits<WhatIfTraits>(model);
  const ui = buildImageDom();
  const view = mount(t, el, ui.root, [
    { id: STYLE_ID, css: CSS }, // shared What-if look: theme, buttons, bars
    { id: IMAGE_STYLE_ID, css: IMAGE_CSS },
  ]);
  const listen = view.listen;
  const picture = new ImageCanvas(ui.canvas);
  const editor = new ImageEditor();

  let drawn: ImageState | null = null; // last answer drawn successfully
  let loaded: unknown = null; // the `_original` the editor holds
  let target = finiteOr(t.get("target"), 0);
  let opacity = clamp01(finiteOr(t.get("opacity"), 0.6));
  let hover: Cell | null = null;
  let frame: number | null = null; // a local redraw waiting for its frame
  let colorbarLut: unknown = null;
  ui.opacity.value = String(opacity);

  const scheduler = new RequestScheduler({
    values: () => editor.shown(),
    shape: () => [editor.shape.channels, editor.shape.height, editor.shape.width],
    target: () => target,
    ...requestHost(model, () => showStatus()),
  });

  const showWidgetError = (err: unknown): void => {
    showErrors(ui.error, [t.string("error"), widgetError(err)]);
  };

  const guard = (what: () => void): void => {
    try {
      what();
    } catch (err) {
      showWidgetError(err);
    }
  };

  function showStatus(): void {
    const pending = scheduler.pending;
    ui.root.classList.toggle("nnw-busy", pending);
    // the method that answered is named once, above the map (attrHead)
    const text = pending ? "computing…" : "";
    setText(ui.status, text);
  }

  function refreshReadout(): void {
    const s = drawn;
    if (s && hover && hover.row < editor.shape.height && hover.col < editor.shape.width) {
      showCell(ui.readout, { ...editor.shape, input: editor.shown(), map: s.map }, hover);
    } else {
      showHint(ui.readout);
    }
  }

  function showControls(): void {
    ui.brush.max = String(editor.brushMax);
    ui.brush.value = String(editor.brush);
    setText(ui.brushValue, `${editor.brush} px`);
    setPatchSizes(ui.patch, editor.sizes, editor.grid.size);
    ui.occlusion.max = String(editor.grid.count - 1);
    ui.occlusion.value = String(editor.patch);
    const rect = editor.patchRect();
    setText(ui.occlusionValue, rect ? `${editor.patch + 1} / ${editor.grid.count}` : "off");
    ui.occlusion.title = rect ? `patch at row ${rect.row}, col ${rect.col}` : "slide to move a patch over the image";
  }

  /** Redraw the image as the browser holds it with the last answer's map; data-rendered stays. */
  function redraw(): void {
    if (frame !== null) cancelAnimationFrame(frame);
    frame = null;
    const s = drawn;
    if (!s || editor.size !== s.map.length * s.channels) return;
    picture.draw({
      image: editor.shown(), shape: editor.shape, display: s.display, map: s.map, lut: s.lut,
      range: s.range, opacity, outline: editor.patchRect(),
    });
    refreshReadout();
  }

  /** Redraw on the next animation frame, once however many moves come before it. */
  function redrawSoon(): void {
    if (frame === null && !view.signal.aborted) {
      frame = requestAnimationFrame(() => {
        frame = null;
        guard(redraw);
      });
    }
  }

  function draw(s: ImageState, hasError: boolean): void {
    const shape = { channels: s.channels, height: s.height, width: s.width };
    if (s.original !== loaded && !editor.holds(s.original, shape)) {
      editor.load(s.original, s.current, shape); // a new image: start over
      showControls();
    } else if (!hasError && !editor.stroking && editor.patch < 0 && s.seq >= scheduler.lastSent) {
      // The kernel's word on the painted copy, unless the user has moved on.
      editor.adopt(s.current);
    }
    loaded = s.original;
    if (s.seq >= scheduler.lastSent) target = s.target;
    drawn = s;
    redraw();
    ui.canvas.dataset.rendered = String(s.seq);
    ui.canvas.dataset.target = String(s.target);
    if (colorbarLut !== s.lut) {
      drawColorbar(ui.colorbar, s.lut);
      colorbarLut = s.lut;
    }
    setText(ui.cbarLo, formatValue(s.range[0]));
    setText(ui.cbarHi, formatValue(s.range[1]));
    const heading = attributionHeading(s);
    setText(ui.attrHead, heading.text);
    ui.attrHead.dataset.method = s.method;
    ui.root.classList.toggle("nnw-preview", heading.preview);
    renderBars(ui.bars, s);
  }

  const refresh = (): void => {
    if (takeAnswer(t, ui, scheduler, () => readImageState(model), draw)) showStatus();
  };
  const redraws = view.coalesced(refresh, showWidgetError);

  /** The image changed outside a stroke: show it now and send it. */
  function sendNow(): void {
    showControls();
    redraw();
    scheduler.release(-1, { force: true });
  }

  // --- painting -------------------------------------------------------------
  attachPainting(ui.canvas, editor, {
    ready: () => drawn !== null,
    hover: (cell) => {
      hover = cell;
      refreshReadout();
    },
    changed: redrawSoon,
    patchOff: showControls,
    finished: (changed) => guard(() => {
      redraw();
      if (changed) scheduler.release(-1, { force: true });
      showStatus();
    }),
  }, view.signal);

  // --- controls -------------------------------------------------------------
  for (const [button, mode] of [[ui.paint, "paint"], [ui.erase, "erase"]] as const) {
    button.addEventListener("click", () => {
      editor.mode = mode;
      showMode(ui, mode);
    }, listen);
  }
  ui.brush.addEventListener("input", () => {
    editor.setBrush(Number(ui.brush.value));
    setText(ui.brushValue, `${editor.brush} px`);
  }, listen);
  ui.fill.addEventListener("change", () => guard(() => {
    if (isFill(ui.fill.value) && editor.setFill(ui.fill.value)) sendNow();
  }), listen);
  ui.patch.addEventListener("change", () => guard(() => {
    if (editor.setPatchSize(Number(ui.patch.value))) sendNow();
    else showControls();
  }), listen);
  ui.occlusion.addEventListener("input", () => guard(() => {
    editor.setPatch(Number(ui.occlusion.value));
    showControls();
    redrawSoon();
    scheduler.drag(-1);
  }), listen);
  ui.occlusion.addEventListener("change", () => guard(() => {
    editor.setPatch(Number(ui.occlusion.value));
    sendNow();
  }), listen);
  ui.reset.addEventListener("click", () => guard(() => {
    if (!drawn) return;
    editor.reset();
    sendNow();
  }), listen);
  ui.bars.addEventListener("click", (e) => {
    const cls = clickedClass(e);
    if (cls === null || !drawn) return;
    target = cls;
    markPending(ui.bars, cls);
    scheduler.release(-1, { target: cls, force: true });
  }, listen);
  // Opacity stays in the browser: redraw locally, send nothing to the kernel.
  const setOpacity = (v: number): void => {
    opacity = clamp01(v);
    guard(redraw);
  };
  ui.opacity.addEventListener("input", () => setOpacity(Number(ui.opacity.value)), listen);

  // --- model events ---------------------------------------------------------
  view.onChange(IMAGE_TRAITS, () => redraws.schedule());
  view.onChange(["opacity"], () => {
    const v = clamp01(finiteOr(t.get("opacity"), opacity));
    ui.opacity.value = String(v);
    setOpacity(v);
  });
  view.onCleanup(() => {
    if (frame !== null) cancelAnimationFrame(frame);
    scheduler.dispose();
  });
  showMode(ui, editor.mode);
  showHint(ui.readout);
  redraws.schedule();
  return () => view.cleanup();
}
