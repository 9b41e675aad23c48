// The Embedding widget's traits, declared once; mirrors the synced traits of
// nnwidgets/widgets/embedding.py (the Python side owns the names).

import type { Encoded } from "../lib/codec";
import type { Traits } from "../lib/traits";

/** What the view sends as `_request`; Python answers each with one message. */
export interface EmbeddingRequest {
  seq: number;
  click?: number;
  neuron?: number;
  projection?: string;
  cancel?: boolean;
}

export interface EmbeddingTraits {
  _seq: number;
  _request: EmbeddingRequest;
  error: string;
  ready: boolean;
  layer: string;
  labels: string[];
  feature_names: string[];
  texts: string[];
  color_by: string;
  neuron: number;
  projection: string;
  cost: string;
  input_kind: string;
  n_points: number;
  n_units: number;
  has_labels: boolean;
  linked_names: string[];
  clicked: number;
  n_selected: number;
  _progress: { seq?: number; method?: string; done?: number; total?: number };
  _xy: Encoded;
  _label: Encoded;
  _predicted: Encoded;
  _confidence: Encoded;
  _neuron_values: Encoded;
  _thumbs: Encoded;
  _rows: Encoded;
  _palette: Encoded;
  _correct: Encoded;
  _lut: Encoded;
}

export type EmbeddingModel = Traits<EmbeddingTraits>;

/** Traits whose change redraws the points (one coalesced redraw per message). */
export const POINT_TRAITS = [
  "ready", "_xy", "_label", "_predicted", "_confidence", "_neuron_values", "color_by", "_palette", "_lut",
] as const;

/** Traits whose change updates the toolbar and status only. */
export const STATUS_TRAITS = [
  "error", "ready", "cost", "_progress", "n_selected", "clicked", "neuron", "projection", "_seq",
] as const;
