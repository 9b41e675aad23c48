// SHAP's waterfall for a tabular explanation: from the base value f(baseline)
// each feature's attribution is one step, largest |attribution| on top, the
// tail summed into one "N other features" step, up to the model's output f(x).
// The steps always add up to f(x) − base: what the attributions leave
// unexplained (IG's quadrature error; all of it for a method without
// completeness) is its own labelled step, never dropped. Mirrors
// nnwidgets/figures/waterfall.py `waterfall_steps`.

export interface Step {
  kind: "feature" | "rest" | "gap";
  /** the feature's index; -1 for the summed tail and the gap */
  feature: number;
  /** how many features the step sums (1 for a feature, 0 for the gap) */
  count: number;
  value: number;
  /** the running total before and after the step */
  start: number;
  end: number;
}

export interface WaterfallLayout {
  base: number;
  fx: number;
  /** top to bottom as drawn: the largest |attribution| first; the running total grows upward from the base */
  steps: Step[];
  /** the axis range: every running total, the base and f(x), padded */
  lo: number;
  hi: number;
  /** Σ attributions and what it leaves of f(x) − base */
  sum: number;
  gap: number;
}

/** Features drawn as their own steps; a longer table folds the rest into one. */
export const WATERFALL_FEATURES = 10;

/** A gap this small against the scale of the numbers is rounding, not a step. */
export const GAP_TOLERANCE = 1e-6;

export function waterfallLayout(
  values: ArrayLike<number>, base: number, fx: number, maxFeatures = WATERFALL_FEATURES,
): WaterfallLayout {
  const n = values.length;
  const order = Array.from({ length: n }, (_, i) => i);
  order.sort((a, b) => Math.abs(values[b]!) - Math.abs(values[a]!) || a - b);
  // a tail of one feature is drawn as itself: "1 other features" would hide a name for nothing
  const own = n > maxFeatures + 1 ? order.slice(0, maxFeatures) : order;
  const tail = order.slice(own.length);
  let sum = 0;
  let mass = 0;
  for (let i = 0; i < n; i++) {
    sum += values[i]!;
    mass += Math.abs(values[i]!);
  }
  const gap = fx - base - sum;
  // bottom-up: the gap nearest the base, then the tail, then the features from the smallest
  const up: Omit<Step, "start" | "end">[] = [];
  if (Math.abs(gap) > GAP_TOLERANCE * Math.max(Math.abs(fx - base), mass, Number.MIN_VALUE)) {
    up.push({ kind: "gap", feature: -1, count: 0, value: gap });
  }
  if (tail.length) {
    let rest = 0;
    for (const f of tail) rest += values[f]!;
    up.push({ kind: "rest", feature: -1, count: tail.length, value: rest });
  }
  for (let k = own.length - 1; k >= 0; k--) up.push({ kind: "feature", feature: own[k]!, count: 1, value: values[own[k]!]! });
  let at = base;
  const steps: Step[] = up.map((s) => {
    const start = at;
    at += s.value;
    return { ...s, start, end: at };
  });
  // the last step ends at f(x) itself, not at a sum that rounding moved by an ulp
  if (steps.length) steps[steps.length - 1]!.end = fx;
  let lo = Math.min(base, fx);
  let hi = Math.max(base, fx);
  for (const s of steps) {
    lo = Math.min(lo, s.start, s.end);
    hi = Math.max(hi, s.start, s.end);
  }
  const pad = (hi - lo || Math.abs(hi) || 1) * 0.05;
  return { base, fx, steps: steps.reverse(), lo: lo - pad, hi: hi + pad, sum, gap };
}

/** Where `v` sits on [lo, hi], as a share of the track (0 left, 1 right). */
export function shareOf(v: number, lo: number, hi: number): number {
  return (v - lo) / (hi - lo || 1);
}

/**
 * What the axis measures: the raw output the attributions explain, named as
 * the view names its bars (a softmax model's waterfall is in logits, not in
 * the probabilities the class bars show).
 */
export function outputAxis(outputLabel: string, output: string, cls: string): string {
  if (output === "score") return `model output (score) for ${cls}`;
  if (outputLabel.includes("softmax")) return `logit of ${cls} (the raw output, before the softmax)`;
  if (outputLabel.includes("sigmoid")) return `logit of ${cls} (the raw output, before the sigmoid)`;
  if (outputLabel.includes("probabilit")) return `probability of ${cls} (the model's own output)`;
  return `model output for ${cls}`;
}

/**
 * A step's name as drawn (feature names are user text: the caller sets it as
 * text); `short` for the row's narrow name column (the long form is its title).
 */
export function stepName(step: Step, features: readonly string[], complete: boolean, short = false): string {
  if (step.kind === "feature") return features[step.feature] ?? `feature ${step.feature}`;
  if (step.kind === "rest") return `${step.count} other features`;
  if (short) return complete ? "approximation error" : "not attributed";
  return complete ? "approximation error: not in Σ attributions" : "not attributed: the method has no completeness";
}
