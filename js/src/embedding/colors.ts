// Point colours, DOM-free: the twin of nnwidgets/figures/embedding.py's
// point_colors (the same tables arrive from Python), so the live scatter and
// the static figure colour each point alike.

export const COLOR_MODES = ["label", "predicted", "correct", "confidence", "neuron"] as const;
export type ColorMode = (typeof COLOR_MODES)[number];

export interface ColorSources {
  labels: Int32Array;
  predicted: Int32Array;
  confidence: ArrayLike<number>;
  neuron: ArrayLike<number>;
  palette: Uint8Array; // (K, 3)
  correct: Uint8Array; // (2, 3): right, wrong
  lut: Uint8Array; // (256, 3)
}

export interface Colored {
  rgb: Uint8Array; // (N, 3)
  range: [number, number] | null; // continuous modes: the scale's lo, hi
}

/** numpy's round: half to even. */
function roundEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

export function pointColors(mode: string, s: ColorSources): Colored {
  const n = s.predicted.length;
  const rgb = new Uint8Array(n * 3);
  if (mode === "label" || mode === "predicted") {
    const classes = mode === "label" ? s.labels : s.predicted;
    const k = s.palette.length / 3;
    for (let i = 0; i < n; i++) {
      const c = classes[i]!;
      if (c < 0 || k === 0) {
        rgb[3 * i] = rgb[3 * i + 1] = rgb[3 * i + 2] = 160;
        continue;
      }
      const j = Math.min(c, k - 1) * 3;
      rgb[3 * i]! = s.palette[j]!;
      rgb[3 * i + 1]! = s.palette[j + 1]!;
      rgb[3 * i + 2]! = s.palette[j + 2]!;
    }
    return { rgb, range: null };
  }
  if (mode === "correct") {
    for (let i = 0; i < n; i++) {
      const j = s.labels[i]! !== s.predicted[i]! ? 3 : 0;
      rgb[3 * i]! = s.correct[j]!;
      rgb[3 * i + 1]! = s.correct[j + 1]!;
      rgb[3 * i + 2]! = s.correct[j + 2]!;
    }
    return { rgb, range: null };
  }
  const values = mode === "confidence" ? s.confidence : s.neuron;
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const span = hi > lo ? hi - lo : 1;
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    const j = Number.isFinite(v) ? Math.max(0, Math.min(255, roundEven(((v - lo) / span) * 255))) * 3 : 0;
    rgb[3 * i]! = s.lut[j]!;
    rgb[3 * i + 1]! = s.lut[j + 1]!;
    rgb[3 * i + 2]! = s.lut[j + 2]!;
  }
  return { rgb, range: [lo, hi] };
}
