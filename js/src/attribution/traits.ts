// The Attribution widget's traits, declared once: every name the view reads,
// writes or listens to is checked against this interface. Mirrors the synced
// traits of nnwidgets/widgets/attribution.py; the Python side owns the names.

import type { Encoded } from "../lib/codec";
import type { Traits } from "../lib/traits";

/** Python's progress report on the request being computed. */
export interface Progress {
  seq?: number;
  state?: string;
  title?: string;
  step?: number;
  steps?: number;
  done?: number;
  total?: number;
  fraction?: number;
  /** the running method's estimated seconds, from its timed first forward */
  estimate?: number;
  /** "≈ 40 s estimated; …" when the estimate is long, else "" */
  estimate_note?: string;
}

/** What the view sends: a new explanation, or cancelling the one being computed. */
export type AttributionRequest =
  | { seq: number; index: number; target: number | "predicted"; method: string; compare: string[]; options?: Options }
  | { seq: number; cancel: true };

/** Method options by method, as the options form sends them. */
export type Options = Record<string, Record<string, string | number>>;

/** Typed access to the model by these traits. */
export type AttributionModel = Traits<AttributionTraits>;

/** The Attribution widget's traits, as nnwidgets/widgets/attribution.py syncs them. */
export interface AttributionTraits {
  _seq: number;
  notes: string[];
  _request: AttributionRequest;
  _input: Encoded;
  _display_range: [number, number];
  _maps: Encoded;
  _luts: Record<string, { signed: Encoded; unsigned: Encoded }>;
  _scale: number;
  _probs: Encoded;
  _trust: Record<string, unknown>;
  _thumbs: Encoded;
  /** text: (T,) uint8, 1 where attention_mask is 0 (padding); {} without a mask */
  _padding_flags: Encoded | Record<string, never>;
  _progress: Progress;
  kind: string;
  labels: string[];
  feature_names: string[];
  tokens: string[];
  predicted: number;
  target: number;
  method: string;
  shown: string[];
  methods: string[];
  method_titles: Record<string, string>;
  slow_methods: string[];
  unsigned_methods: string[];
  complete_methods: string[];
  top_k: number;
  error: string;
  index: number;
  n_examples: number;
  batch_titles: string[];
  method_options: Options;
  option_specs: Record<string, unknown[]>;
  output: string;
  output_label: string;
  interactive: boolean;
  colormap: string;
  palettes: string[];
  opacity: number;
  threshold: number;
  top_percent: number;
  absolute: boolean;
  zoom: number;
}

/** Traits whose change means "redraw from Python's answer". Python sends all of
 * one request's changes in one message, so they coalesce into one redraw. */
export const ANSWER_TRAITS = [
  "_seq", "_input", "_display_range", "_maps", "_luts", "_scale", "_probs", "_trust", "_thumbs", "_padding_flags", "kind",
  "labels", "feature_names", "tokens", "predicted", "target", "method", "shown", "methods", "method_titles",
  "top_k", "error", "index", "batch_titles", "method_options", "option_specs", "output", "interactive",
  "output_label", "notes",
] as const satisfies readonly (keyof AttributionTraits)[];

/** Display settings Python may set; the view's own controls change them locally only. */
export const DISPLAY_TRAITS = [
  "colormap", "palettes", "opacity", "threshold", "top_percent", "absolute", "zoom",
] as const satisfies readonly (keyof AttributionTraits)[];
