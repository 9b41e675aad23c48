// The What-if widget's traits, declared once for both editors: every name the
// views read, write or listen to is checked against this interface. Mirrors
// the synced traits of nnwidgets/widgets/whatif.py; Python owns the names.

import type { Encoded } from "../lib/codec";
import type { Traits } from "../lib/traits";
import type { WhatIfRequest } from "./scheduler";

/** Typed access to the model by these traits. */
export type WhatIfModel = Traits<WhatIfTraits>;

export interface WhatIfTraits {
  /** Which editor: "tabular" (or unset) or "image"; read once at render time. */
  kind: string;
  _seq: number;
  _request: WhatIfRequest;
  error: string;
  labels: string[];
  predicted: number;
  target: number;
  attribution_method: string;
  /** the method that answers on release; another attribution_method is a preview */
  release_method: string;
  method_titles: Record<string, string>;
  _original: Encoded;
  _current: Encoded;
  _probs: Encoded;
  _probs_original: Encoded;
  // tabular
  feature_names: string[];
  /** Categorical columns of a DataFrame: feature index → its categories, by code. */
  category_names: Record<string, string[]>;
  _lows: Encoded;
  _highs: Encoded;
  _steps: Encoded;
  _categorical: Encoded;
  _means: Encoded;
  _attribution: Encoded;
  _taylor_estimate: Encoded;
  _taylor_actual: Encoded;
  _ice_feature: number;
  _ice_values: Encoded;
  _ice_outputs: Encoded;
  _pdp: Encoded;
  _counterfactual: Record<string, unknown>;
  // image
  _display_range: [number, number];
  _map: Encoded;
  _lut: Encoded;
  _scale: number;
  _signed: boolean;
  opacity: number;
  output_label: string;
}

/** Traits whose change means "redraw" in the tabular editor; one model message gives one redraw. */
export const TABULAR_TRAITS = [
  "_seq", "feature_names", "category_names", "labels", "_original", "_current", "_lows", "_highs", "_steps",
  "_categorical", "_means", "_probs", "_probs_original", "predicted", "target", "_attribution",
  "attribution_method", "release_method", "method_titles", "_taylor_estimate", "_taylor_actual", "_ice_feature",
  "_ice_values", "_ice_outputs", "_pdp", "_counterfactual", "error", "output_label",
] as const satisfies readonly (keyof WhatIfTraits)[];

/** Traits whose change means "redraw" in the image editor. */
export const IMAGE_TRAITS = [
  "_seq", "labels", "_original", "_current", "_display_range", "_map", "_lut", "_scale", "_signed",
  "_probs", "_probs_original", "predicted", "target", "attribution_method", "release_method", "method_titles", "error",
  "output_label",
] as const satisfies readonly (keyof WhatIfTraits)[];
