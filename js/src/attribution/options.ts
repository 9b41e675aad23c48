// The options form: the few settings per method that matter (integrated
// gradients' steps and baseline, SmoothGrad's samples and noise, the
// occlusion window…). Fields come from Python's `option_specs`; Python
// validates again what the form sends.

import { clear, h } from "../lib/dom";
import type { OptionSpec } from "./state";
import type { Options } from "./traits";

export function renderOptions(
  form: HTMLFormElement, specs: Record<string, OptionSpec[]>, values: Options, shown: string[],
  titles: Record<string, string>,
): boolean {
  const methods = shown.filter((m) => specs[m]?.length);
  const key = JSON.stringify([methods, methods.map((m) => specs[m]), values]);
  if (form.dataset.key === key) return methods.length > 0;
  clear(form);
  for (const m of methods) {
    const group = h("fieldset", "nnw-opt-group", { "data-method": m });
    group.append(h("legend", "", {}, titles[m] ?? m));
    for (const spec of specs[m]!) {
      const current = values[m]?.[spec.name];
      let control: HTMLInputElement | HTMLSelectElement;
      if (spec.type === "choice") {
        control = h("select", "nnw-opt", { "data-method": m, "data-option": spec.name });
        for (const c of spec.choices ?? []) control.append(h("option", "", { value: c }, c));
        if (current !== undefined) control.value = String(current);
      } else {
        control = h("input", "nnw-opt", {
          type: "number", "data-method": m, "data-option": spec.name, "data-type": spec.type,
          step: spec.type === "int" ? 1 : "any",
          ...(spec.min !== undefined ? { min: spec.min } : {}),
          ...(spec.max !== undefined ? { max: spec.max } : {}),
        });
        if (current !== undefined) control.value = String(current);
      }
      const label = h("label", "", {}, spec.label);
      label.append(control);
      group.append(label);
    }
    form.append(group);
  }
  if (methods.length) form.append(h("button", "nnw-apply", { type: "submit" }, "recompute"));
  form.dataset.key = key;
  return methods.length > 0;
}

/** The form's values by method, numbers parsed; a field that does not parse is an error. */
export function readOptions(form: HTMLFormElement): Options {
  const out: Options = {};
  for (const el of form.querySelectorAll<HTMLInputElement | HTMLSelectElement>(".nnw-opt")) {
    const m = el.dataset.method ?? "";
    const name = el.dataset.option ?? "";
    let value: string | number = el.value;
    if (el instanceof HTMLInputElement && el.type === "number") {
      value = Number(el.value);
      if (el.value.trim() === "" || !Number.isFinite(value)) throw new Error(`${name} must be a number`);
      if (el.dataset.type === "int" && !Number.isInteger(value)) throw new Error(`${name} must be a whole number`);
    }
    (out[m] ??= {})[name] = value;
  }
  return out;
}
