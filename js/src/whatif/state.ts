// Read and validate one What-if state from the model. Problems are collected,
// not thrown, so the view can show them and keep the last good drawing.

import type { NumericArray } from "../lib/codec";
import { attempt, TraitError, type AnyModel } from "../lib/model";
import { traits, type TraitName } from "../lib/traits";
import type { WhatIfModel, WhatIfTraits } from "./traits";

export interface Counterfactual {
  feature: number;
  value: number;
  newClass: number;
  relativeChange: number;
}

export interface WhatIfState {
  seq: number;
  names: string[];
  labels: string[];
  original: NumericArray;
  current: NumericArray;
  lows: NumericArray;
  highs: NumericArray;
  steps: NumericArray;
  categorical: NumericArray | null;
  means: NumericArray | null;
  probs: NumericArray;
  probsOriginal: NumericArray | null;
  /** What the bars show, as Python names it ("softmax probabilities", "raw scores", ...). */
  outputLabel: string;
  predicted: number;
  target: number;
  attribution: NumericArray;
  method: string;
  /** the method that answers on release (the drag answer may be its fast preview) */
  releaseMethod: string;
  titles: Record<string, string>;
  taylorEstimate: NumericArray | null;
  taylorActual: NumericArray | null;
  iceFeature: number;
  iceValues: NumericArray;
  iceOutputs: NumericArray;
  pdp: NumericArray | null;
  counterfactual: Counterfactual | null;
}

export interface ReadResult {
  state: WhatIfState | null;
  problems: string[];
}

/** A 1-D array of exactly `n` values (any n when n is undefined). */
function vector(t: WhatIfModel, name: TraitName<WhatIfTraits>, n?: number): NumericArray {
  const arr = t.array(name, 1);
  if (n !== undefined && arr.data.length !== n) {
    throw new TraitError(`${name} has ${arr.data.length} values, expected ${n}`);
  }
  return arr.data;
}

/** Like vector, but unset or shape [0] means "not available" (null). */
export function optionalVector(t: WhatIfModel, name: TraitName<WhatIfTraits>, n: number): NumericArray | null {
  const raw = t.get(name);
  if (raw === null || raw === undefined) return null;
  const arr = t.array(name, 1);
  if (arr.data.length === 0) return null;
  if (arr.data.length !== n) throw new TraitError(`${name} has ${arr.data.length} values, expected ${n} or 0`);
  return arr.data;
}

export function readCounterfactual(raw: unknown, features: number, classes: number): Counterfactual | null {
  if (!raw || typeof raw !== "object" || Array.isArray(raw)) return null;
  const o = raw as Record<string, unknown>;
  if (Object.keys(o).length === 0) return null;
  const num = (k: string): number => (typeof o[k] === "number" ? (o[k] as number) : NaN);
  const feature = num("feature");
  const value = num("value");
  const newClass = num("new_class");
  if (!Number.isInteger(feature) || feature < 0 || feature >= features || !Number.isFinite(value)) {
    throw new TraitError(`_counterfactual must name a feature in [0, ${features}) and a finite value`);
  }
  if (!Number.isInteger(newClass) || newClass < 0 || newClass >= classes) {
    throw new TraitError(`_counterfactual new_class must be a class in [0, ${classes})`);
  }
  return { feature, value, newClass, relativeChange: num("relative_change") };
}

export function readState(model: AnyModel): ReadResult {
  const t = traits<WhatIfTraits>(model);
  const problems: string[] = [];
  const seq = attempt(problems, () => t.int("_seq", 0)) ?? 0;
  const original = attempt(problems, () => vector(t, "_original"));
  const f = original?.length ?? 0;
  const get = (name: TraitName<WhatIfTraits>): NumericArray | undefined =>
    original ? attempt(problems, () => vector(t, name, f)) : undefined;
  const current = get("_current");
  const lows = get("_lows");
  const highs = get("_highs");
  const steps = get("_steps");
  const attribution = get("_attribution");
  const categorical = attempt(problems, () => optionalVector(t, "_categorical", f)) ?? null;
  const means = attempt(problems, () => optionalVector(t, "_means", f)) ?? null;
  const probs = attempt(problems, () => vector(t, "_probs"));
  const k = probs?.length ?? 0;
  const probsOriginal = attempt(problems, () => optionalVector(t, "_probs_original", k)) ?? null;
  const taylorEstimate = attempt(problems, () => optionalVector(t, "_taylor_estimate", k)) ?? null;
  const taylorActual = attempt(problems, () => optionalVector(t, "_taylor_actual", k)) ?? null;
  const target = attempt(problems, () => t.int("target", 0)) ?? 0;
  const predicted = attempt(problems, () => t.int("predicted", 0)) ?? 0;
  const iceFeature = attempt(problems, () => t.int("_ice_feature", -1)) ?? -1;
  const noIce = { feature: -1, values: new Float32Array(0), outputs: new Float32Array(0), pdp: null };
  const ice = attempt(problems, () => {
    if (iceFeature < 0) return noIce;
    if (iceFeature >= f) throw new TraitError(`_ice_feature ${iceFeature} is outside the ${f} features`);
    const values = vector(t, "_ice_values");
    const outputs = vector(t, "_ice_outputs", values.length);
    return { feature: iceFeature, values, outputs, pdp: optionalVector(t, "_pdp", values.length) };
  }) ?? noIce;
  const counterfactual = attempt(problems, () => readCounterfactual(t.get("_counterfactual"), f, k)) ?? null;

  const badTarget = probs !== undefined && (target < 0 || target >= k);
  if (badTarget) problems.push(`target ${target} is outside the ${k} classes`);
  if (original && f === 0) problems.push("_original has no features");

  // Optional pieces that fail (counterfactual, means, Taylor, …) are reported
  // but do not stop the rest from being drawn; required ones do.
  if (badTarget || f === 0 || !original || !current || !lows || !highs || !steps || !attribution || !probs) {
    return { state: null, problems };
  }
  const names = t.strings("feature_names").slice(0, f);
  for (let i = names.length; i < f; i++) names.push(`feature ${i}`);
  return {
    problems,
    state: {
      seq, names, labels: t.strings("labels"),
      original, current, lows, highs, steps, categorical, means,
      probs, probsOriginal, outputLabel: t.string("output_label"), predicted, target, attribution,
      method: t.string("attribution_method"),
      releaseMethod: t.string("release_method") || t.string("attribution_method"),
      titles: t.titles("method_titles"),
      taylorEstimate, taylorActual,
      iceFeature: ice.feature, iceValues: ice.values, iceOutputs: ice.outputs, pdp: ice.pdp,
      counterfactual,
    },
  };
}

export function labelOf(labels: readonly string[], i: number): string {
  return labels[i] ?? `class ${i}`;
}

export function titleOf(state: Pick<WhatIfState, "titles">, method: string): string {
  return state.titles[method] ?? method;
}

export function isCategorical(state: Pick<WhatIfState, "categorical">, i: number): boolean {
  return state.categorical !== null && state.categorical[i] === 1;
}

/**
 * The heading of the attribution: which method answered, for which class, and
 * when the answer is the fast preview shown while dragging, that it is one and
 * which method replaces it on release (never a silent swap of methods).
 */
export function attributionHeading(
  s: Pick<WhatIfState, "titles" | "method" | "releaseMethod" | "labels" | "target">,
): { text: string; preview: boolean } {
  const cls = labelOf(s.labels, s.target);
  const preview = s.method !== "" && s.releaseMethod !== "" && s.method !== s.releaseMethod;
  const text = preview
    ? `fast preview: ${titleOf(s, s.method)} · ${titleOf(s, s.releaseMethod)} on release · ${cls}`
    : `attribution: ${titleOf(s, s.method)} · ${cls}`;
  return { text, preview };
}
