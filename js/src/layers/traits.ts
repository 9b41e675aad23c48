// The Layers widget's traits, declared once: every name the view reads,
// writes or listens to is checked against this interface. Mirrors the synced
// traits of nnwidgets/widgets/layers.py; the Python side owns the names.

import type { Encoded } from "../lib/codec";
import type { Traits } from "../lib/traits";

/** One row of the structure table, as Python sends it. */
export interface RowTrait {
  name?: string;
  type?: string;
  depth?: number;
  shape?: number[] | null;
  params?: number;
  selectable?: boolean;
}

/** What the view sends; Python answers each with one message. */
export interface LayersRequest {
  seq: number;
  layer?: string;
  example?: number;
  target?: number;
  neuron?: number[] | null;
  panel?: string;
  sweep?: boolean;
}

/** Typed access to the model by these traits. */
export type LayersModel = Traits<LayersTraits>;

export interface LayersTraits {
  _seq: number;
  _request: LayersRequest;
  error: string;
  note: string;
  layer_table: RowTrait[];
  health_layers: string[];
  layer: string;
  example: number;
  n_examples: number;
  labels: string[];
  feature_names: string[];
  tokens: string[];
  target: number;
  predicted: number;
  input_kind: string;
  neuron: number[] | null;
  neuron_value: number;
  neuron_method: string;
  panel: string;
  has_data: boolean;
  sweep_state: string;
  sweep_progress: number;
  stats_source: string;
  top_source: string;
  _input: Encoded;
  _display_range: [number, number];
  _probs: Encoded;
  _act: Encoded;
  _grad: Encoded;
  _act_range: [number, number];
  _act_lut: Encoded;
  _grad_norms: Encoded;
  _dead: Encoded;
  _saturated: Encoded;
  _dead_why: string[];
  _saturated_why: string[];
  _neuron_map: Encoded;
  _map_scale: number;
  _map_lut: Encoded;
  _top_indices: Encoded;
  _top_values: Encoded;
  _top_inputs: Encoded;
  _weights: Encoded;
  _wxg: Encoded;
  _weights_lut: Encoded;
}

/** Traits whose change means "redraw"; one model message gives one redraw. */
export const ANSWER_TRAITS = [
  "_seq", "error", "note", "layer_table", "health_layers", "layer", "example", "n_examples", "labels",
  "feature_names", "tokens", "target", "predicted", "input_kind", "neuron", "neuron_value", "panel", "has_data",
  "sweep_state", "sweep_progress", "stats_source", "top_source", "_input", "_display_range", "_probs", "_act",
  "_grad", "_act_range", "_act_lut", "_grad_norms", "_dead", "_saturated", "_dead_why", "_saturated_why", "_neuron_map", "_map_scale",
  "_map_lut", "_top_indices", "_top_values", "_top_inputs", "_weights", "_wxg", "_weights_lut",
] as const satisfies readonly (keyof LayersTraits)[];
