// The Embedding widget's traits read into typed state, DOM-free.

import { decode, type Decoded } from "../lib/codec";
import type { ColorSources } from "./colors";
import type { EmbeddingModel } from "./traits";

export interface Points {
  n: number;
  xy: Float32Array; // (N, 2) interleaved
  sources: ColorSources;
  mode: string;
}

export type HoverInput =
  | { kind: "image"; thumbs: Decoded }
  | { kind: "features"; rows: Decoded; names: string[] }
  | { kind: "text"; texts: string[] }
  | { kind: "none" };

function ints(d: Decoded): Int32Array {
  return d.data instanceof Int32Array ? d.data : Int32Array.from(d.data);
}

export function readPoints(t: EmbeddingModel): Points {
  const xy = t.array("_xy", 2);
  const n = xy.shape[0]!;
  if (xy.shape[1]! !== 2) throw new Error(`_xy must be (N, 2); got (${xy.shape.join(", ")})`);
  const one = (name: "_label" | "_predicted" | "_confidence" | "_neuron_values"): Decoded => {
    const d = t.array(name, 1);
    if (d.shape[0] !== n) throw new Error(`${name} must hold one value per point (${n}); got ${d.shape[0]}`);
    return d;
  };
  return {
    n,
    xy: xy.data instanceof Float32Array ? xy.data : Float32Array.from(xy.data),
    mode: t.string("color_by", "predicted"),
    sources: {
      labels: ints(one("_label")), predicted: ints(one("_predicted")),
      confidence: one("_confidence").data, neuron: one("_neuron_values").data,
      palette: t.array("_palette", 2).data as Uint8Array, correct: t.array("_correct", 2).data as Uint8Array,
      lut: t.array("_lut", 2).data as Uint8Array,
    },
  };
}

export function readHover(t: EmbeddingModel): HoverInput {
  const texts = t.strings("texts");
  if (texts.length) return { kind: "text", texts };
  const kind = t.string("input_kind");
  const raw = (name: "_thumbs" | "_rows"): Decoded | null => {
    const v = t.get(name);
    return v ? decode(v) : null;
  };
  if (kind === "image") {
    const thumbs = raw("_thumbs");
    if (thumbs && thumbs.shape.length >= 3) return { kind: "image", thumbs };
  }
  if (kind === "features") {
    const rows = raw("_rows");
    if (rows && rows.shape.length === 2) return { kind: "features", rows, names: t.strings("feature_names") };
  }
  return { kind: "none" };
}
