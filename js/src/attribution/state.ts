// Read and validate everything one drawing needs from the model. Problems are
// collected, not thrown, so the view can show them and keep the last good
// drawing on screen.

import type { NumericArray } from "../lib/codec";
import { mapRange } from "./image";
import {
  attempt, readArray, readDisplayRange, readInt, readLut, readScale, readString, readStrings, readTitles,
  type AnyModel,
} from "./model";

export interface DrawState {
  seq: number;
  input: NumericArray;
  channels: number;
  height: number;
  width: number;
  display: [number, number];
  map: NumericArray;
  lut: NumericArray;
  range: [number, number];
  probs: NumericArray;
  labels: string[];
  predicted: number;
  target: number;
  method: string;
  methods: string[];
  titles: Record<string, string>;
  topK: number;
}

export interface ReadResult {
  state: DrawState | null;
  problems: string[];
}

export function readState(model: AnyModel): ReadResult {
  const problems: string[] = [];
  const seq = attempt(problems, () => readInt(model, "_seq", 0)) ?? 0;
  const input = attempt(problems, () => readArray(model, "_input", 3));
  const map = attempt(problems, () => readArray(model, "_map", 2));
  const lut = attempt(problems, () => readLut(model));
  const probs = attempt(problems, () => readArray(model, "_probs", 1));
  const scale = attempt(problems, () => readScale(model));
  const display = attempt(problems, () => readDisplayRange(model));
  const target = attempt(problems, () => readInt(model, "target", 0)) ?? 0;
  const predicted = attempt(problems, () => readInt(model, "predicted", 0)) ?? 0;
  const topK = attempt(problems, () => readInt(model, "top_k", 5)) ?? 5;

  if (input) {
    const [c, hgt, wid] = input.shape as [number, number, number];
    if (c < 1 || hgt < 1 || wid < 1) problems.push(`_input is empty: shape [${input.shape.join(", ")}]`);
    if (map && (map.shape[0] !== hgt || map.shape[1] !== wid)) {
      problems.push(`_map has shape [${map.shape.join(", ")}] but the input is ${hgt}×${wid}`);
    }
  }
  if (probs && (target < 0 || target >= probs.data.length)) {
    problems.push(`target ${target} is outside the ${probs.data.length} classes`);
  }

  if (problems.length || !input || !map || !lut || !probs || scale === undefined || !display) {
    return { state: null, problems };
  }
  return {
    problems,
    state: {
      seq,
      input: input.data,
      channels: input.shape[0]!,
      height: input.shape[1]!,
      width: input.shape[2]!,
      display,
      map: map.data,
      lut: lut.data,
      range: mapRange(scale, model.get("_signed") === true),
      probs: probs.data,
      labels: readStrings(model, "labels"),
      predicted,
      target,
      method: readString(model, "method"),
      methods: readStrings(model, "methods"),
      titles: readTitles(model, "method_titles"),
      topK,
    },
  };
}

export function titleOf(state: Pick<DrawState, "titles">, method: string): string {
  return state.titles[method] ?? method;
}
