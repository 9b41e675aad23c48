// Read and validate one state of the image What-if view from the model.
// Problems are collected, not thrown, so the view can show them and keep the
// last good drawing.

import type { NumericArray } from "../../lib/codec";
import { mapRange } from "../../lib/image";
import { attempt, readDisplayRange, readLut, readScale, TraitError, type AnyModel } from "../../lib/model";
import { traits, type TraitName } from "../../lib/traits";
import type { WhatIfModel, WhatIfTraits } from "../traits";
import type { ImageShape } from "./brush";

export interface ImageState extends ImageShape {
  seq: number;
  original: NumericArray;
  /** The edited image this answer is for. */
  current: NumericArray;
  display: [number, number];
  map: NumericArray;
  lut: NumericArray;
  /** Colour range of the map: [-s, s] for signed methods, else [0, s]. */
  range: [number, number];
  probs: NumericArray;
  probsOriginal: NumericArray | null;
  outputLabel: string;
  labels: string[];
  predicted: number;
  target: number;
  method: string;
  /** the method that answers on release (the drag answer may be its fast preview) */
  releaseMethod: string;
  titles: Record<string, string>;
}

export interface ImageReadResult {
  state: ImageState | null;
  problems: string[];
}

function image(t: WhatIfModel, name: TraitName<WhatIfTraits>): { data: NumericArray; shape: number[] } {
  const arr = t.array(name, 3);
  const [c, hgt, wid] = arr.shape as [number, number, number];
  if (c < 1 || hgt < 1 || wid < 1) throw new TraitError(`${name} is empty: shape [${arr.shape.join(", ")}]`);
  return arr;
}

export function readImageState(model: AnyModel): ImageReadResult {
  const t = traits<WhatIfTraits>(model);
  const problems: string[] = [];
  const seq = attempt(problems, () => t.int("_seq", 0)) ?? 0;
  const original = attempt(problems, () => image(t, "_original"));
  const current = attempt(problems, () => image(t, "_current"));
  const map = attempt(problems, () => t.array("_map", 2));
  const lut = attempt(problems, () => readLut(model));
  const scale = attempt(problems, () => readScale(model));
  const display = attempt(problems, () => readDisplayRange(model));
  const probs = attempt(problems, () => t.array("_probs", 1));
  const k = probs?.data.length ?? 0;
  // An unusable ghost is reported but does not stop the drawing.
  const optional: string[] = [];
  const probsOriginal = attempt(optional, () => {
    const raw = t.get("_probs_original");
    if (raw === null || raw === undefined) return null;
    const arr = t.array("_probs_original", 1);
    if (arr.data.length === 0) return null;
    if (arr.data.length !== k) throw new TraitError(`_probs_original has ${arr.data.length} values, expected ${k}`);
    return arr.data;
  }) ?? null;
  const target = attempt(problems, () => t.int("target", 0)) ?? 0;
  const predicted = attempt(problems, () => t.int("predicted", 0)) ?? 0;

  const shape = original?.shape ?? [];
  const same = (a: readonly number[], b: readonly number[]): boolean => a.length === b.length && a.every((v, i) => v === b[i]);
  if (original && current && !same(current.shape, shape)) {
    problems.push(`_current has shape [${current.shape.join(", ")}] but _original has [${shape.join(", ")}]`);
  }
  if (original && map && !same(map.shape, shape.slice(1))) {
    problems.push(`_map has shape [${map.shape.join(", ")}] but the image is ${shape[1]}×${shape[2]}`);
  }
  if (probs && (target < 0 || target >= k)) problems.push(`target ${target} is outside the ${k} classes`);

  if (problems.length || !original || !current || !map || !lut || scale === undefined || !display || !probs) {
    return { state: null, problems: [...problems, ...optional] };
  }
  return {
    problems: optional,
    state: {
      seq,
      original: original.data,
      current: current.data,
      channels: shape[0]!,
      height: shape[1]!,
      width: shape[2]!,
      display,
      map: map.data,
      lut: lut.data,
      range: mapRange(scale, t.flag("_signed")),
      probs: probs.data,
      probsOriginal,
      outputLabel: t.string("output_label"),
      labels: t.strings("labels"),
      predicted,
      target,
      method: t.string("attribution_method"),
      releaseMethod: t.string("release_method") || t.string("attribution_method"),
      titles: t.titles("method_titles"),
    },
  };
}
