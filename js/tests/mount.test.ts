import { describe, expect, it } from "vitest";
import { lacksBuffer, resendIfBuffersMissing } from "../src/lib/mount";
import type { AnyModel } from "../src/lib/model";

function model(state: Record<string, unknown>, sent: unknown[]): AnyModel {
  return {
    get: (n) => state[n], set() {}, save_changes() {}, on() {}, off() {},
    send: (c) => { sent.push(c); },
  };
}

describe("buffers missing on open (Colab)", () => {
  const full = { dtype: "float32", shape: [2], buffer: new DataView(new ArrayBuffer(8)) };
  const bare = { dtype: "float32", shape: [2] };

  it("finds an array without its buffer, also nested", () => {
    expect(lacksBuffer(full)).toBe(false);
    expect(lacksBuffer(bare)).toBe(true);
    expect(lacksBuffer({ maps: [full, { ...bare }] })).toBe(true);
    expect(lacksBuffer({ ...bare, buffer: undefined })).toBe(true);
    expect(lacksBuffer([full, { a: full }])).toBe(false);
    expect(lacksBuffer("text")).toBe(false);
  });

  it("asks Python to resend only when a listed trait lacks its buffer", () => {
    const sent: unknown[] = [];
    expect(resendIfBuffersMissing(model({ _binary: ["_x"], _x: full }, sent))).toBe(false);
    expect(resendIfBuffersMissing(model({ _binary: ["_x"], _x: bare, _y: bare }, sent))).toBe(true);
    expect(resendIfBuffersMissing(model({ _x: bare }, sent))).toBe(false); // no list: nothing to check
    expect(sent).toEqual([{ kind: "nnw-resend-state" }]);
  });
});
