// Read and validate one state of the image What-if view from the model.
// Problems are collected, not thrown, so the view can show them and keep the
// last good drawing.

import { mapRange } from "../../attribution/image";
import type { NumericArray } from "../../lib/codec";
import {
  attempt, readArray, readDisplayRange, readInt, readLut, readScale, readString, readStrings, readTitles,
  TraitError,
  type AnyModel,
} from "../../lib/model";
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
  labels: string[];
  predicted: number;
  target: number;
  method: string;
  titles: Record<string, string>;
}

export interface ImageReadResult {
  state: ImageState | null;
  problems: string[];
}

function image(model: AnyModel, name: string): { data: NumericArray; shape: number[] } {
  const arr = readArray(model, name, 3);
  const [c, hgt, wid] = arr.shape as [number, number, number];
  if (c < 1 || hgt < 1 || wid < 1) throw new TraitError(`${name} is empty: shape [${arr.shape.join(", ")}]`);
  return arr;
}

export function readImageState(model: AnyModel): ImageReadResult {
  const problems: string[] = [];
  const seq = attempt(problems, () => readInt(model, "_seq", 0)) ?? 0;
  const original = attempt(problems, () => image(model, "_original"));
  const current = attempt(problems, () => image(model, "_current"));
  const map = attempt(problems, () => readArray(model, "_map", 2));
  const lut = attempt(problems, () => readLut(model));
  const scale = attempt(problems, () => readScale(model));
  const display = attempt(problems, () => readDisplayRange(model));
  const probs = attempt(problems, () => readArray(model, "_probs", 1));
  const k = probs?.data.length ?? 0;
  // An unusable ghost is reported but does not stop the drawing.
  const optional: string[] = [];
  const probsOriginal = attempt(optional, () => {
    const raw = model.get("_probs_original");
    if (raw === null || raw === undefined) return null;
    const arr = readArray(model, "_probs_original", 1);
    if (arr.data.length === 0) return null;
    if (arr.data.length !== k) throw new TraitError(`_probs_original has ${arr.data.length} values, expected ${k}`);
    return arr.data;
  }) ?? null;
  const target = attempt(problems, () => readInt(model, "target", 0)) ?? 0;
  const predicted = attempt(problems, () => readInt(model, "predicted", 0)) ?? 0;

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
      range: mapRange(scale, model.get("_signed") === true),
      probs: probs.data,
      probsOriginal,
      labels: readStrings(model, "labels"),
      predicted,
      target,
      method: readString(model, "attribution_method"),
      titles: readTitles(model, "method_titles"),
    },
  };
}
