import { describe, expect, it } from "vitest";
import { nearestZoom, readDisplay, ZOOMS } from "../src/attribution/display";
import type { AttributionTraits } from "../src/attribution/traits";
import { traits } from "../src/lib/traits";
import { fakeModel } from "./helpers";

const read = (values: Record<string, unknown>) => readDisplay(traits<AttributionTraits>(fakeModel(values).model));

describe("readDisplay", () => {
  it("defaults every setting Python left unset", () => {
    expect(read({})).toEqual({ palette: "red-blue", opacity: 0.85, threshold: 0, topPercent: 100, absolute: false, zoom: 1 });
  });

  it("clamps what Python set to each control's range, and ignores non-numbers", () => {
    expect(read({ colormap: "viridis", opacity: 3, threshold: -1, top_percent: 250, absolute: true, zoom: 20 }))
      .toEqual({ palette: "viridis", opacity: 1, threshold: 0, topPercent: 100, absolute: true, zoom: 8 });
    expect(read({ opacity: NaN, zoom: "2", absolute: "yes" })).toMatchObject({ opacity: 0.85, zoom: 1, absolute: false });
  });
});

describe("nearestZoom", () => {
  it("picks the menu entry closest to the zoom", () => {
    expect(nearestZoom(1)).toBe(1);
    expect(nearestZoom(2.4)).toBe(2);
    expect(nearestZoom(8)).toBe(4);
    expect(nearestZoom(0.25)).toBe(0.5);
    for (const z of ZOOMS) expect(nearestZoom(z)).toBe(z);
  });
});
