import { describe, expect, it, vi } from "vitest";
import { objectModel, TraitError } from "../src/lib/model";
import { traits } from "../src/lib/traits";
import { encode, fakeModel } from "./helpers";

interface T {
  _seq: number;
  _request: { seq: number };
  _map: unknown;
  name: string;
  names: string[];
  titles: Record<string, string>;
  on: boolean;
}

describe("traits", () => {
  it("get returns the value as sent, null or undefined when unset", () => {
    const t = traits<T>(fakeModel({ _seq: 3, name: null }).model);
    expect(t.get("_seq")).toBe(3);
    expect(t.get("name")).toBeNull();
    expect(t.get("names")).toBeUndefined();
  });

  it("send sets the trait and saves it", () => {
    const { model, saves } = fakeModel();
    traits<T>(model).send("_request", { seq: 4 });
    expect(model.get("_request")).toEqual({ seq: 4 });
    expect(saves).toEqual([{ seq: 4 }]);
  });

  it("typed readers are the defensive ones: fallbacks, and errors that name the trait", () => {
    const t = traits<T>(fakeModel({ _seq: 2.5, name: 7, names: ["a", 1], titles: { a: "A", b: null }, on: "yes" }).model);
    expect(t.number("_seq")).toBe(2.5);
    expect(() => t.int("_seq")).toThrow(TraitError);
    expect(() => t.int("_seq")).toThrow(/_seq/);
    expect(t.string("name")).toBe("7");
    expect(t.strings("names")).toEqual(["a", "1"]);
    expect(t.titles("titles")).toEqual({ a: "A" });
    expect(t.flag("on")).toBe(false); // only exactly true is on
    const empty = traits<T>(fakeModel().model);
    expect(empty.int("_seq", 0)).toBe(0);
    expect(empty.string("name", "none")).toBe("none");
    expect(empty.strings("names")).toEqual([]);
  });

  it("array decodes through the shared reader and checks the rank", () => {
    const t = traits<T>(fakeModel({ _map: encode(new Float32Array([1, 2, 3, 4]), "float32", [2, 2]) }).model);
    expect(Array.from(t.array("_map", 2).data)).toEqual([1, 2, 3, 4]);
    expect(() => t.array("_map", 3)).toThrow(/_map must have 3 dimensions/);
  });

  it("onChange listens to every name given and returns what stops it", () => {
    const { model, emit, listeners } = fakeModel();
    const cb = vi.fn();
    const stop = traits<T>(model).onChange(["_seq", "name"], cb);
    emit("change:_seq");
    emit("change:name");
    emit("change:names");
    expect(cb).toHaveBeenCalledTimes(2);
    stop();
    emit("change:_seq");
    expect(cb).toHaveBeenCalledTimes(2);
    expect(listeners()).toBe(0);
  });
});

describe("objectModel", () => {
  it("reads a plain object's values through the trait readers, and ignores writes", () => {
    const m = objectModel({ seq: 3, names: ["a"] });
    expect(m.get("seq")).toBe(3);
    expect(m.get("missing")).toBeUndefined();
    m.set("seq", 9);
    expect(m.get("seq")).toBe(3);
    expect(objectModel(null).get("seq")).toBeUndefined();
  });
});
