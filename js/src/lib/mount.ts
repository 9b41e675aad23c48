// Mounting, the part every view's render() shares: inject the view's styles,
// put its root into anywidget's element, and hand back one cleanup that
// removes everything the view added (model listeners, DOM listeners, pending
// redraws, the root itself), so a re-render never leaves a second copy.

import { injectStyle } from "./dom";
import type { AnyModel } from "./model";
import type { TraitName, Traits } from "./traits";

/** What anywidget passes to render(). */
export interface RenderProps {
  model: AnyModel;
  el: HTMLElement;
}

/** A view's render(): returns its cleanup. */
export type Render = (props: RenderProps) => () => void;

/** One stylesheet, injected once per document (or shadow root) under its id. */
export interface Style {
  id: string;
  css: string;
}

export interface Coalesced {
  /** Run once in a microtask, however many times this is called before it. */
  schedule(): void;
  /** No run after this, including one already scheduled. */
  dispose(): void;
}

/**
 * Coalesce `run` to one call per microtask. Python sends all of one answer's
 * trait changes in one message, so this gives one redraw per message. What
 * `run` throws goes to `onError`.
 */
export function coalesced(run: () => void, onError: (err: unknown) => void): Coalesced {
  let scheduled = false;
  let disposed = false;
  return {
    schedule(): void {
      if (scheduled || disposed) return;
      scheduled = true;
      queueMicrotask(() => {
        scheduled = false;
        if (disposed) return;
        try {
          run();
        } catch (err) {
          onError(err);
        }
      });
    },
    dispose(): void {
      disposed = true;
    },
  };
}

export class Mounted<T> {
  private readonly abort = new AbortController();
  private readonly disposers: Array<() => void> = [];

  constructor(private readonly traits: Traits<T>, private readonly root: HTMLElement) {}

  /** Options for addEventListener: the listener goes when the view does. */
  get listen(): { signal: AbortSignal } {
    return { signal: this.abort.signal };
  }

  get signal(): AbortSignal {
    return this.abort.signal;
  }

  /** Call `cb` on every change of any of `names`, until the view goes. */
  onChange(names: readonly TraitName<T>[], cb: () => void): void {
    this.disposers.push(this.traits.onChange(names, cb));
  }

  /** `run` coalesced to one call per model message, dropped when the view goes. */
  coalesced(run: () => void, onError: (err: unknown) => void): Coalesced {
    const c = coalesced(run, onError);
    this.onCleanup(() => c.dispose());
    return c;
  }

  /** Run `fn` at cleanup, in the order registered, before the listeners and the root go. */
  onCleanup(fn: () => void): void {
    this.disposers.push(fn);
  }

  cleanup(): void {
    for (const fn of this.disposers.splice(0)) fn();
    this.abort.abort();
    this.root.remove();
  }
}

/** Inject `styles`, append `root` to `el`, and return what removes it all again. */
export function mount<T>(traits: Traits<T>, el: HTMLElement, root: HTMLElement, styles: readonly Style[]): Mounted<T> {
  for (const s of styles) injectStyle(s.id, s.css, el);
  hideFallback(traits.model.get("_fallback_key"));
  resendIfBuffersMissing(traits.model);
  el.appendChild(root);
  return new Mounted(traits, root);
}

/**
 * The kernel puts a static picture of each view in an output of its own under
 * it (for nbconvert, GitHub, a notebook read without its kernel); where the live
 * view runs, that picture would show the view twice, so the view hides it. The
 * rule goes into the document (the fallback is never inside a view's shadow root).
 */
export function hideFallback(key: unknown): void {
  if (typeof key !== "string" || !/^[A-Za-z0-9_-]{1,64}$/.test(key)) return;
  const cls = `nnw-fallback-${key}`;
  const css = `.${cls} { display: none !important; }\n.jp-OutputArea-child:has(.${cls}) { display: none !important; }`;
  injectStyle(`nnw-hide-${key}`, css);
}

/** Whether a trait value holds an array whose binary buffer did not arrive. */
export function lacksBuffer(value: unknown, depth = 0): boolean {
  if (value === null || typeof value !== "object" || depth > 4) return false;
  if (Array.isArray(value)) return value.some((v) => lacksBuffer(v, depth + 1));
  const o = value as Record<string, unknown>;
  if ("dtype" in o && "shape" in o) {
    const b = o.buffer;
    return !(b instanceof ArrayBuffer || ArrayBuffer.isView(b));
  }
  return Object.values(o).some((v) => lacksBuffer(v, depth + 1));
}

/**
 * Colab's widget manager drops the binary buffers of the message that opens a
 * widget (googlecolab/colab-cdn-widget-manager#33), and every array of a view
 * travels in them. Python lists the traits that carry buffers in `_binary`; if
 * any arrived without, ask Python to send the whole state again as an update,
 * which keeps its buffers there. The view redraws when it arrives.
 */
export function resendIfBuffersMissing(model: AnyModel): boolean {
  const names = model.get("_binary");
  if (!Array.isArray(names) || typeof model.send !== "function") return false;
  const missing = names.some((n) => typeof n === "string" && lacksBuffer(model.get(n)));
  if (missing) model.send({ kind: "nnw-resend-state" });
  return missing;
}
