import { afterEach, describe, expect, it, vi } from "vitest";
import { isStale, knownSeq, nextSeq, RequestCounter, requestHost } from "../src/lib/requests";
import { fakeModel } from "./helpers";

describe("nextSeq", () => {
  it("is one past the largest number known", () => {
    expect(nextSeq(3, 7, 5)).toBe(8);
    expect(nextSeq(12)).toBe(13);
  });

  it("ignores non-finite numbers and starts at 1", () => {
    expect(nextSeq()).toBe(1);
    expect(nextSeq(-Infinity, NaN, Infinity)).toBe(1);
    expect(nextSeq(-Infinity, 4, NaN)).toBe(5);
    expect(nextSeq(-3)).toBe(1);
  });
});

describe("knownSeq", () => {
  it("takes the max of _seq and the last _request.seq", () => {
    expect(knownSeq(fakeModel({ _seq: 7, _request: { seq: 3 } }).model)).toBe(7);
    expect(knownSeq(fakeModel({ _seq: 2, _request: { seq: 9 } }).model)).toBe(9);
  });

  it("reads a missing or non-finite value as 0", () => {
    expect(knownSeq(fakeModel().model)).toBe(0);
    expect(knownSeq(fakeModel({ _seq: NaN, _request: null }).model)).toBe(0);
    expect(knownSeq(fakeModel({ _seq: "4", _request: { seq: "x" } }).model)).toBe(0);
  });
});

describe("isStale", () => {
  it("is true only for an answer older than the one drawn", () => {
    expect(isStale(3, 4)).toBe(true);
    expect(isStale(4, 4)).toBe(false);
    expect(isStale(5, 4)).toBe(false);
    expect(isStale(0, -Infinity)).toBe(false);
  });
});

describe("RequestCounter", () => {
  it("numbers past the model's _seq and _request.seq, then past its own", () => {
    const { model } = fakeModel({ _seq: 4, _request: { seq: 6 } });
    const c = new RequestCounter(model);
    expect(c.next()).toBe(7);
    expect(c.next()).toBe(8); // the model has not seen 7 yet: the counter remembers it
    expect(c.lastSent).toBe(8);
  });

  it("never reuses a number another view of the same model sent", () => {
    const { model } = fakeModel({ _seq: 0 });
    const a = new RequestCounter(model);
    const b = new RequestCounter(model);
    const first = a.next();
    model.set("_request", { seq: first });
    expect(b.next()).toBe(first + 1);
  });

  it("is pending from a send until an answer at least as new is drawn", () => {
    const { model } = fakeModel({ _seq: 0 });
    const c = new RequestCounter(model);
    expect(c.pending).toBe(false);
    const seq = c.next();
    expect(c.pending).toBe(true);
    c.drew(seq - 1);
    expect(c.pending).toBe(true);
    c.drew(seq);
    expect(c.pending).toBe(false);
    expect(c.lastDrawn).toBe(seq);
  });

  it("calls an answer stale once a newer one is drawn, and numbers past it", () => {
    const { model } = fakeModel({ _seq: 0 });
    const c = new RequestCounter(model);
    expect(c.isStale(0)).toBe(false);
    c.drew(10);
    expect(c.isStale(9)).toBe(true);
    expect(c.isStale(10)).toBe(false);
    expect(c.next()).toBe(11);
  });
});

describe("requestHost", () => {
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it("knownSeq takes the max of _seq and the last _request.seq", () => {
    expect(requestHost(fakeModel({ _seq: 7, _request: { seq: 3 } }).model, () => {}).knownSeq()).toBe(7);
    expect(requestHost(fakeModel({ _seq: 2, _request: { seq: 9 } }).model, () => {}).knownSeq()).toBe(9);
  });

  it("knownSeq reads a missing or non-finite value as 0", () => {
    expect(requestHost(fakeModel().model, () => {}).knownSeq()).toBe(0);
    expect(requestHost(fakeModel({ _seq: NaN, _request: null }).model, () => {}).knownSeq()).toBe(0);
    expect(requestHost(fakeModel({ _seq: "4", _request: { seq: 5 } }).model, () => {}).knownSeq()).toBe(5);
  });

  it("send sets _request, saves, then calls onSent", () => {
    const { model, saves } = fakeModel({ _seq: 1 });
    const order: string[] = [];
    const host = requestHost(model, () => order.push(`sent after ${saves.length} save`));
    const request = { seq: 2, phase: "release" };
    host.send(request);
    expect(model.get("_request")).toBe(request);
    expect(saves).toEqual([request]);
    expect(order).toEqual(["sent after 1 save"]);
    expect(host.knownSeq()).toBe(2);
  });

  it("frame and cancelFrame go to requestAnimationFrame and cancelAnimationFrame", () => {
    const raf = vi.fn(() => 42);
    const caf = vi.fn();
    vi.stubGlobal("requestAnimationFrame", raf);
    vi.stubGlobal("cancelAnimationFrame", caf);
    const host = requestHost(fakeModel().model, () => {});
    const cb = (): void => {};
    expect(host.frame(cb)).toBe(42);
    expect(raf).toHaveBeenCalledWith(cb);
    host.cancelFrame(42);
    expect(caf).toHaveBeenCalledWith(42);
  });
});
