// Read and validate everything one drawing needs from the model. Problems are
// collected, not thrown, so the view can show them and keep the last good
// drawing on screen.

import type { Decoded, NumericArray } from "../lib/codec";
import { checkLut } from "../lib/colormap";
import { attempt, objectModel, readArray, readDisplayRange, readScale, readTitles, TraitError, type AnyModel } from "../lib/model";
import { traits } from "../lib/traits";
import type { AttributionModel, AttributionTraits, Progress } from "./traits";


export type Kind = "image" | "tabular" | "text";

export interface Palette {
  signed: NumericArray;
  unsigned: NumericArray;
}

export interface OptionSpec {
  name: string;
  label: string;
  type: "int" | "float" | "choice";
  min?: number;
  max?: number;
  choices?: string[];
}

export interface TrustState {
  /** the request whose maps this evidence is about */
  seq: number | null;
  error: string;
  methods: string[];
  igDelta: number | null;
  igGap: number | null;
  igRelative: number | null;
  rank: NumericArray | null; // (M, M) row-major
  randomization: Record<string, number>;
  /** signed ρ after randomizing, and how many features it compared (either map non-zero) */
  randomizationSigned: Record<string, number>;
  randomizationCompared: Record<string, number>;
  /** (M, K) signed ρ after re-initialising the top 1 … K layers, row-major */
  cascade: NumericArray | null;
  randomizedLayers: string[];
  /** the target's raw output at x and at the baseline (the ends of base → f(x)) */
  fX: number | null;
  fBaseline: number | null;
  /** the deletion curve of random orders (S + 1), the reference */
  random: NumericArray | null;
  fractions: NumericArray | null;
  deletion: NumericArray | null; // (M, S + 1) row-major
  area: Record<string, number>;
  summary: Record<string, string>;
}

export interface DrawState {
  seq: number;
  kind: Kind;
  /** image: [C, H, W]; tabular: [F]; text: [T] token ids */
  input: NumericArray;
  channels: number;
  height: number;
  width: number;
  display: [number, number];
  /** one map per shown method, each height × width (1 × F or 1 × T for vectors) */
  maps: NumericArray[];
  shown: string[];
  scale: number;
  palettes: Record<string, Palette>;
  probs: NumericArray;
  output: "probability" | "score" | "none";
  /** What the bars show, as Python names it ("softmax probabilities", "raw scores", ...); "" if unsaid. */
  outputLabel: string;
  labels: string[];
  features: string[];
  tokens: string[];
  /** text: 1 where the position is padding (attention_mask 0), no input of the model; null without a mask */
  padding: NumericArray | null;
  predicted: number;
  target: number;
  method: string;
  methods: string[];
  titles: Record<string, string>;
  /** methods whose attributions are never negative (|∂y/∂x|, masks): a one-sided scale, no signed sum */
  unsigned: string[];
  /** methods whose attributions sum to f(x) − f(baseline) (IG up to its delta, Kernel SHAP) */
  complete: string[];
  topK: number;
  index: number;
  nExamples: number;
  batchTitles: string[];
  interactive: boolean;
  trust: TrustState | null;
}

export interface ReadResult {
  state: DrawState | null;
  problems: string[];
}

function readPalettes(t: AttributionModel): Record<string, Palette> {
  const raw = t.get("_luts");
  if (!raw || typeof raw !== "object") throw new TraitError("_luts is not set");
  const out: Record<string, Palette> = {};
  for (const [name, pair] of Object.entries(raw as Record<string, unknown>)) {
    const p = pair as Record<string, unknown> | null;
    const nested = objectModel(p);
    const tables = (["signed", "unsigned"] as const).map((k) => {
      const arr = readArray(nested, k, 2);
      if (arr.shape[0] !== 256 || arr.shape[1] !== 4 || arr.dtype !== "uint8") {
        throw new TraitError(`_luts.${name}.${k} must be uint8 of shape [256, 4]`);
      }
      checkLut(arr.data);
      return arr.data;
    });
    out[name] = { signed: tables[0]!, unsigned: tables[1]! };
  }
  if (Object.keys(out).length === 0) throw new TraitError("_luts has no palette");
  return out;
}

function num(v: unknown): number | null {
  return typeof v === "number" && Number.isFinite(v) ? v : null;
}

function numbers(v: unknown): Record<string, number> {
  const out: Record<string, number> = {};
  if (v && typeof v === "object") for (const [k, x] of Object.entries(v)) if (typeof x === "number") out[k] = x;
  return out;
}

/** The trust panel's numbers, or null when Python computed none. */
export function readTrust(t: AttributionModel): TrustState | null {
  const raw = t.get("_trust");
  if (!raw || typeof raw !== "object" || !Array.isArray(raw.methods)) return null;
  const nested = objectModel(raw);
  const opt = (name: string, rank: number): Decoded | null => (raw[name] ? readArray(nested, name, rank) : null);
  const summary = raw.summary && typeof raw.summary === "object" ? readTitles(nested, "summary") : {};
  return {
    seq: num(raw.seq),
    error: typeof raw.error === "string" ? raw.error : "",
    methods: (raw.methods as unknown[]).map(String),
    igDelta: num(raw.ig_delta),
    igGap: num(raw.ig_gap),
    igRelative: num(raw.ig_relative),
    rank: opt("rank", 2)?.data ?? null,
    randomization: numbers(raw.randomization),
    randomizationSigned: numbers(raw.randomization_signed),
    randomizationCompared: numbers(raw.randomization_compared),
    cascade: opt("randomization_cascade", 2)?.data ?? null,
    random: opt("deletion_random", 1)?.data ?? null,
    fX: num(raw.f_x),
    fBaseline: num(raw.f_baseline),
    randomizedLayers: Array.isArray(raw.randomized_layers) ? raw.randomized_layers.map(String) : [],
    fractions: opt("deletion_fractions", 1)?.data ?? null,
    deletion: opt("deletion_scores", 2)?.data ?? null,
    area: numbers(raw.deletion_area),
    summary,
  };
}

export function readState(model: AnyModel): ReadResult {
  const t = traits<AttributionTraits>(model);
  const problems: string[] = [];
  const kindRaw = t.string("kind", "image");
  const kind: Kind = kindRaw === "tabular" || kindRaw === "text" ? kindRaw : "image";
  const seq = attempt(problems, () => t.int("_seq", 0)) ?? 0;
  const input = attempt(problems, () => t.array("_input", kind === "image" ? 3 : 1));
  const maps = attempt(problems, () => t.array("_maps", kind === "image" ? 3 : 2));
  const palettes = attempt(problems, () => readPalettes(t));
  const probs = attempt(problems, () => t.array("_probs", 1));
  const scale = attempt(problems, () => readScale(model));
  const display = kind === "image" ? attempt(problems, () => readDisplayRange(model)) : ([0, 1] as [number, number]);
  const target = attempt(problems, () => t.int("target", 0)) ?? 0;
  const predicted = attempt(problems, () => t.int("predicted", 0)) ?? 0;
  const topK = attempt(problems, () => t.int("top_k", 5)) ?? 5;
  const index = attempt(problems, () => t.int("index", 0)) ?? 0;
  const nExamples = attempt(problems, () => t.int("n_examples", 1)) ?? 1;
  const trust = attempt(problems, () => readTrust(t)) ?? null;
  const shown = t.strings("shown");
  const features = t.strings("feature_names");
  const tokens = t.strings("tokens");
  const padding = kind === "text" ? attempt(problems, () => readPadding(t)) ?? null : null;

  let channels = 1;
  let height = 1;
  let width = 1;
  if (input) {
    if (kind === "image") [channels, height, width] = input.shape as [number, number, number];
    else width = input.shape[0]!;
    if (channels < 1 || height < 1 || width < 1) problems.push(`_input is empty: shape [${input.shape.join(", ")}]`);
  }
  const split: NumericArray[] = [];
  if (maps && input) {
    const m = maps.shape[0]!;
    const cells = kind === "image" ? maps.shape[1]! * maps.shape[2]! : maps.shape[1]!;
    const want = kind === "image" ? [height, width] : [width];
    const got = maps.shape.slice(1);
    if (got.length !== want.length || got.some((g, i) => g !== want[i])) {
      problems.push(`_maps has shape [${maps.shape.join(", ")}] but the input needs [M, ${want.join(", ")}]`);
    } else {
      for (let i = 0; i < m; i++) split.push(maps.data.subarray(i * cells, (i + 1) * cells));
    }
    if (shown.length !== m) problems.push(`shown names ${shown.length} methods but _maps holds ${m}`);
  }
  if (kind === "tabular" && input && features.length !== width) {
    problems.push(`feature_names has ${features.length} names for ${width} features`);
  }
  if (kind === "text" && input && tokens.length !== width) {
    problems.push(`tokens has ${tokens.length} strings for ${width} token ids`);
  }
  if (padding && input && padding.length !== width) {
    problems.push(`_padding_flags has ${padding.length} flags for ${width} token ids`);
  }
  if (probs && (target < 0 || target >= probs.data.length)) {
    problems.push(`target ${target} is outside the ${probs.data.length} outputs`);
  }

  if (problems.length || !input || !maps || !palettes || !probs || scale === undefined || !display) {
    return { state: null, problems };
  }
  return {
    problems,
    state: {
      seq,
      kind,
      input: input.data,
      channels,
      height,
      width,
      display,
      maps: split,
      shown,
      scale,
      palettes,
      probs: probs.data,
      output: readOutput(t.string("output")),
      outputLabel: t.string("output_label"),
      labels: t.strings("labels"),
      features,
      tokens,
      padding,
      predicted,
      target,
      method: t.string("method"),
      methods: t.strings("methods"),
      titles: t.titles("method_titles"),
      unsigned: t.strings("unsigned_methods"),
      complete: t.strings("complete_methods"),
      topK,
      index,
      nExamples,
      batchTitles: t.strings("batch_titles"),
      interactive: t.get("interactive") !== false,
      trust,
    },
  };
}

/** The shown text's padding flags, or null when Python sent none (no attention mask). */
function readPadding(t: AttributionModel): NumericArray | null {
  const raw = t.get("_padding_flags") as Record<string, unknown> | null | undefined;
  if (!raw || Object.keys(raw).length === 0) return null;
  const arr = t.array("_padding_flags", 1);
  if (arr.dtype !== "uint8") throw new TraitError(`_padding_flags must be uint8; got ${arr.dtype}`);
  return arr.data;
}

function readOutput(v: string): DrawState["output"] {
  // "multilabel" outputs are probabilities too (independent ones): drawn as shares of [0, 1].
  return v === "score" || v === "none" ? v : "probability";
}

export function titleOf(state: Pick<DrawState, "titles">, method: string): string {
  return state.titles[method] ?? method;
}

/** Form fields per method, from `option_specs`. */
export function readSpecs(t: AttributionModel): Record<string, OptionSpec[]> {
  const raw = t.get("option_specs");
  const out: Record<string, OptionSpec[]> = {};
  if (!raw || typeof raw !== "object") return out;
  for (const [m, fields] of Object.entries(raw)) {
    if (!Array.isArray(fields)) continue;
    out[m] = fields
      .filter((f) => f && typeof f === "object" && typeof (f as OptionSpec).name === "string")
      .map((f) => {
        const s = f as OptionSpec;
        return {
          name: String(s.name),
          label: String(s.label ?? s.name),
          type: s.type === "int" || s.type === "choice" ? s.type : "float",
          min: typeof s.min === "number" ? s.min : undefined,
          max: typeof s.max === "number" ? s.max : undefined,
          choices: Array.isArray(s.choices) ? s.choices.map(String) : undefined,
        };
      });
  }
  return out;
}

/** The batch strip's thumbnails (N, H, W, 3), or null: a strip without pictures still works. */
export function readThumbs(t: AttributionModel, kind: Kind): Decoded | null {
  if (kind !== "image" || !t.get("_thumbs")) return null;
  try {
    return t.array("_thumbs", 4);
  } catch {
    return null;
  }
}

/** Python's progress report, or an empty one. */
export function readProgress(t: AttributionModel): Progress {
  return t.get("_progress") ?? {};
}
