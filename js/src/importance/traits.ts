// What the Importance widget's Python side sends and accepts: one trait
// interface, checked by the compiler everywhere the view reads or writes one.

import type { Encoded } from "../lib/codec";
import type { Traits } from "../lib/traits";

/** What the view sends as `_request`; Python answers each with one message. */
export interface ImportanceRequest {
  seq: number;
  method?: string;
  repeats?: number;
  metric?: string;
  cancel?: boolean;
}

export interface ImportanceTraits {
  _seq: number;
  _request: ImportanceRequest;
  error: string;
  ready: boolean;
  feature_names: string[];
  method: string;
  methods: string[];
  metric: string;
  metrics: string[];
  repeats: number;
  baseline: number;
  top: number;
  sort: string;
  n_examples: number;
  n_shown: number;
  kind: string;
  grid: number[];
  _progress: { seq?: number; what?: string; done?: number; total?: number };
  _permutation: Encoded;
  _attributions: Encoded;
  _values: Encoded;
  _ids: Encoded;
  _value_range: Encoded;
  _mean_abs: Encoded;
  _lut: Encoded;
  _grid_lut: Encoded;
}

export type ImportanceModel = Traits<ImportanceTraits>;

/** Traits whose change redraws the panels (one coalesced redraw per message). */
export const DRAW_TRAITS = [
  "_permutation", "_attributions", "_values", "_ids", "_value_range", "_mean_abs", "_lut", "_grid_lut", "grid", "feature_names",
  "top", "sort", "method", "metric", "repeats", "baseline", "error", "ready", "_progress", "_seq",
] as const;
