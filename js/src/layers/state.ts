// Reading the Layers traits into typed pieces, one per part of the view, so
// that a bad trait only stops its own part from drawing (each read runs under
// lib/model's attempt). No DOM here.

import type { Decoded } from "../lib/codec";
import { readLayerArray } from "./half";
import type { LayersModel, LayersTraits } from "./traits";
import type { TraitsOf } from "../lib/traits";
import type { Encoded } from "../lib/codec";

export interface Row {
  name: string;
  type: string;
  depth: number;
  shape: number[] | null;
  params: number;
  selectable: boolean;
}

export function readRows(t: LayersModel): Row[] {
  const v = t.get("layer_table");
  if (!Array.isArray(v)) return [];
  return v.map((r) => ({
    name: String(r.name ?? ""),
    type: String(r.type ?? ""),
    depth: Number(r.depth ?? 0),
    shape: Array.isArray(r.shape) ? (r.shape as unknown[]).map(Number) : null,
    params: Number(r.params ?? 0),
    selectable: r.selectable === true,
  }));
}

/** A [lo, hi] range; [0, 1] when it is not one. */
export function readPair(t: LayersModel, name: TraitsOf<LayersTraits, [number, number]>): [number, number] {
  const v = t.get(name) as unknown;
  if (Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === "number")) return [v[0] as number, v[1] as number];
  return [0, 1];
}

/** An array of whatever rank it has (float16 through the fast table), or null when unset. */
export function readAny(t: LayersModel, name: TraitsOf<LayersTraits, Encoded>): Decoded | null {
  const raw = t.get(name) as unknown;
  if (!raw) return null;
  const shape = (raw as { shape?: unknown }).shape;
  return readLayerArray(t.model, name, Array.isArray(shape) ? shape.length : 1);
}

/** The clicked neuron's index, or null. */
export function readNeuron(t: LayersModel): number[] | null {
  const n = t.get("neuron");
  return Array.isArray(n) && n.length ? n.map(Number) : null;
}

export interface ToolbarState {
  examples: number;
  example: number;
  labels: string[];
  target: number;
  predicted: number;
  probs: ArrayLike<number> | undefined;
  note: string;
}

export function readToolbar(t: LayersModel): ToolbarState {
  return {
    examples: t.int("n_examples", 1),
    example: t.int("example", 0),
    labels: t.strings("labels"),
    target: t.int("target", 0),
    predicted: t.int("predicted", 0),
    probs: readAny(t, "_probs")?.data,
    note: t.string("note"),
  };
}

export interface HealthState {
  names: string[];
  norms: ArrayLike<number> | undefined;
  dead: ArrayLike<number> | undefined;
  saturated: ArrayLike<number> | undefined;
  deadWhy: string[];
  saturatedWhy: string[];
  layer: string;
  hasData: boolean;
  sweepState: string;
  statsSource: string;
  /** Fraction of the data scanned; below 0 when the data's length is unknown. */
  sweepProgress: number;
}

export function readHealth(t: LayersModel): HealthState {
  return {
    names: t.strings("health_layers"),
    norms: readAny(t, "_grad_norms")?.data,
    dead: readAny(t, "_dead")?.data,
    saturated: readAny(t, "_saturated")?.data,
    deadWhy: t.strings("_dead_why"),
    saturatedWhy: t.strings("_saturated_why"),
    layer: t.string("layer"),
    hasData: t.flag("has_data"),
    sweepState: t.string("sweep_state"),
    statsSource: t.string("stats_source"),
    sweepProgress: t.number("sweep_progress", 0),
  };
}

export interface AtlasState {
  layer: string;
  act: Decoded | null;
  grad: Decoded | null;
  lut: ArrayLike<number>;
  range: [number, number];
  rows: Row[];
  neuron: number[] | null;
}

export function readAtlas(t: LayersModel): AtlasState {
  return {
    layer: t.string("layer"),
    act: readAny(t, "_act"),
    grad: readAny(t, "_grad"),
    lut: t.array("_act_lut", 2).data,
    range: readPair(t, "_act_range"),
    rows: readRows(t),
    neuron: readNeuron(t),
  };
}

export interface WeightsState {
  layer: string;
  shown: boolean;
  weights: Decoded | null;
  wxg: Decoded | null;
  /** Read only when the weights are shown: a hidden panel needs no colour table. */
  lut: () => ArrayLike<number>;
}

export function readWeights(t: LayersModel): WeightsState {
  return {
    layer: t.string("layer"),
    shown: t.string("panel") === "weights",
    weights: readAny(t, "_weights"),
    wxg: readAny(t, "_wxg"),
    lut: () => t.array("_weights_lut", 2).data,
  };
}

export interface InputState {
  kind: string;
  input: Decoded | null;
  map: Decoded | null;
  tokens: string[];
  features: string[];
  neuron: number[] | null;
  display: [number, number];
  /** The neuron map's colour table and scale, read only when an image map is drawn. */
  mapLut: () => ArrayLike<number>;
  mapScale: () => number;
  method: string;
  neuronValue: () => number;
}

export function readInput(t: LayersModel): InputState {
  return {
    kind: t.string("input_kind"),
    input: readAny(t, "_input"),
    map: readAny(t, "_neuron_map"),
    tokens: t.strings("tokens"),
    features: t.strings("feature_names"),
    neuron: readNeuron(t),
    display: readPair(t, "_display_range"),
    mapLut: () => t.array("_map_lut", 2).data,
    mapScale: () => t.number("_map_scale", 1),
    method: t.string("neuron_method"),
    neuronValue: () => t.number("neuron_value", 0),
  };
}

export interface TopsState {
  indices: Decoded | null;
  values: Decoded | null;
  inputs: Decoded | null;
  source: string;
  display: [number, number];
}

export function readTops(t: LayersModel): TopsState {
  return {
    indices: readAny(t, "_top_indices"),
    values: readAny(t, "_top_values"),
    inputs: readAny(t, "_top_inputs"),
    source: t.string("top_source"),
    display: readPair(t, "_display_range"),
  };
}
