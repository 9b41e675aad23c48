import { describe, expect, it } from "vitest";
import { decode } from "../src/lib/codec";
import { RequestScheduler, valuesKey, type WhatIfRequest } from "../src/whatif/scheduler";

/** A scheduler with a fake animation-frame queue and a recording send. */
function setup(initial: number[] = [1, 2, 3]) {
  const frames = new Map<number, () => void>();
  let nextId = 1;
  const sent: WhatIfRequest[] = [];
  const env = { values: Float32Array.from(initial), target: 0, known: 0 };
  const scheduler = new RequestScheduler({
    values: () => env.values,
    target: () => env.target,
    knownSeq: () => env.known,
    send: (r) => sent.push(r),
    frame: (cb) => {
      frames.set(nextId, cb);
      return nextId++;
    },
    cancelFrame: (id) => frames.delete(id),
  });
  const tick = (): void => {
    const due = [...frames.values()];
    frames.clear();
    due.forEach((cb) => cb());
  };
  /** The user moves slider i to v (an `input` event). */
  const move = (i: number, v: number): void => {
    env.values[i] = v;
    scheduler.drag(i);
  };
  const xs = (r: WhatIfRequest): number[] => Array.from(decode(r.x).data);
  return { scheduler, sent, env, tick, move, xs, frames };
}

describe("drag requests", () => {
  it("sends one request per frame with the values of the last event", () => {
    const { scheduler, sent, tick, move, xs } = setup();
    for (let v = 0; v <= 10; v++) move(1, v * 0.5);
    expect(sent).toHaveLength(0); // nothing before the frame
    tick();
    expect(sent).toHaveLength(1);
    expect(sent[0]!.phase).toBe("drag");
    expect(sent[0]!.feature).toBe(1);
    expect(xs(sent[0]!)).toEqual([1, 5, 3]);
    tick(); // no new events, no new request
    expect(sent).toHaveLength(1);
    expect(scheduler.pending).toBe(true);
  });

  it("reads the values when the frame fires, not when the event came", () => {
    const { sent, env, tick, move, xs } = setup();
    move(0, 4);
    env.values[0] = 9; // a later event in the same frame that did not re-arm it
    tick();
    expect(xs(sent[0]!)).toEqual([9, 2, 3]);
  });

  it("numbers requests above everything the model has seen, increasing", () => {
    const { sent, env, tick, move } = setup();
    env.known = 41;
    move(0, 1.5);
    tick();
    move(0, 2.5);
    tick();
    env.known = 100; // e.g. Python changed the state itself meanwhile
    move(0, 3.5);
    tick();
    expect(sent.map((r) => r.seq)).toEqual([42, 43, 101]);
  });

  it("copies the values: changing them after sending does not alter the request", () => {
    const { sent, env, tick, move, xs } = setup();
    move(2, 7);
    tick();
    env.values[2] = -1;
    expect(xs(sent[0]!)).toEqual([1, 2, 7]);
    expect(sent[0]!.x.dtype).toBe("float32");
    expect(sent[0]!.x.shape).toEqual([3]);
  });
});

describe("release requests", () => {
  it("sends at once with the latest values and drops the pending frame", () => {
    const { scheduler, sent, tick, move, xs, frames } = setup();
    move(0, 5);
    move(0, 6);
    scheduler.release(0);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.phase).toBe("release");
    expect(xs(sent[0]!)).toEqual([6, 2, 3]);
    expect(frames.size).toBe(0);
    tick();
    expect(sent).toHaveLength(1);
  });

  it("always sends after drags, even when it repeats the values of a drag request", () => {
    const { scheduler, sent, tick, move } = setup();
    move(0, 5);
    tick();
    scheduler.release(0);
    expect(sent.map((r) => r.phase)).toEqual(["drag", "release"]);
  });

  it("skips an exact repeat of the release just sent unless forced", () => {
    const { scheduler, sent, move } = setup();
    move(1, 8);
    scheduler.letGo(1); // pointerup
    scheduler.release(1); // the `change` event that follows
    expect(sent).toHaveLength(1);
    scheduler.release(1, { force: true });
    expect(sent).toHaveLength(2);
    scheduler.release(1, { target: 2 }); // another class is another request
    expect(sent).toHaveLength(3);
    expect(sent[2]!.target).toBe(2);
  });

  it("letting go of a slider that did not move sends nothing", () => {
    const { scheduler, sent } = setup();
    scheduler.grab(2);
    expect(scheduler.isHeld(2)).toBe(true);
    scheduler.letGo(2);
    expect(scheduler.isHeld(2)).toBe(false);
    expect(sent).toHaveLength(0);
  });

  it("uses the host's target unless one is given", () => {
    const { scheduler, sent, env } = setup();
    env.target = 1;
    scheduler.release(-1, { force: true });
    scheduler.release(-1, { target: 0, force: true });
    expect(sent.map((r) => [r.feature, r.target])).toEqual([[-1, 1], [-1, 0]]);
  });
});

describe("answers", () => {
  it("ignores answers older than the newest drawn", () => {
    const { scheduler } = setup();
    expect(scheduler.accept(3)).toBe(true);
    expect(scheduler.accept(2)).toBe(false);
    expect(scheduler.accept(3)).toBe(true); // e.g. an error message for the same request
    expect(scheduler.accept(5)).toBe(true);
    expect(scheduler.accept(4)).toBe(false);
    expect(scheduler.accept(NaN)).toBe(false);
    expect(scheduler.lastDrawn).toBe(5);
  });

  it("is pending until the answer to the newest request is drawn", () => {
    const { scheduler, tick, move } = setup();
    expect(scheduler.pending).toBe(false);
    move(0, 2);
    tick(); // seq 1
    move(0, 3);
    tick(); // seq 2
    scheduler.accept(1);
    expect(scheduler.pending).toBe(true);
    scheduler.accept(2);
    expect(scheduler.pending).toBe(false);
  });

  it("an old answer never moves the slider being dragged, nor any other", () => {
    const { scheduler, sent, tick, move } = setup();
    move(0, 2);
    tick(); // seq 1 for x0 = 2
    move(0, 3);
    tick(); // seq 2 for x0 = 3
    expect(scheduler.accept(1)).toBe(true);
    expect(scheduler.mayMove(0, 1)).toBe(false); // held
    expect(scheduler.mayMove(1, 1)).toBe(false); // seq 2 is still on its way
    scheduler.release(0); // seq 3
    expect(sent[sent.length - 1]!.seq).toBe(3);
    scheduler.accept(2);
    expect(scheduler.mayMove(0, 2)).toBe(false); // released, but seq 3 is newer
    scheduler.accept(3);
    expect(scheduler.mayMove(0, 3)).toBe(true);
    expect(scheduler.mayMove(1, 3)).toBe(true);
  });

  it("a held slider stays put even for the newest answer", () => {
    const { scheduler, tick, move } = setup();
    move(1, 4);
    tick(); // seq 1
    scheduler.accept(1);
    expect(scheduler.mayMove(1, 1)).toBe(false);
    expect(scheduler.mayMove(0, 1)).toBe(true);
    expect(scheduler.dragging).toBe(true);
    expect(scheduler.heldFeatures()).toEqual([1]);
  });
});

describe("image requests", () => {
  function imageSetup() {
    const sent: WhatIfRequest[] = [];
    const values = new Float32Array(2 * 8 * 8).fill(0.5);
    const scheduler = new RequestScheduler({
      values: () => values,
      shape: () => [2, 8, 8],
      target: () => 1,
      knownSeq: () => 0,
      send: (r) => sent.push(r),
      frame: () => 1,
      cancelFrame: () => {},
    });
    return { scheduler, sent, values };
  }

  it("sends the values with the host's shape", () => {
    const { scheduler, sent } = imageSetup();
    scheduler.release(-1, { force: true });
    const x = decode(sent[0]!.x);
    expect(x.shape).toEqual([2, 8, 8]);
    expect(x.data).toHaveLength(128);
    expect(sent[0]!.feature).toBe(-1);
  });

  it("still skips a repeated release of a large input, and sends a changed one", () => {
    const { scheduler, sent, values } = imageSetup();
    scheduler.release(-1);
    scheduler.release(-1);
    expect(sent).toHaveLength(1);
    values[77] = 0.25;
    scheduler.release(-1);
    expect(sent).toHaveLength(2);
  });

  it("valuesKey tells inputs apart by value, small or large", () => {
    expect(valuesKey(Float32Array.from([1, 2.5]))).toBe("1,2.5");
    const a = new Float32Array(1000);
    const b = new Float32Array(1000);
    expect(valuesKey(a)).toBe(valuesKey(b));
    b[999] = 1e-7;
    expect(valuesKey(a)).not.toBe(valuesKey(b));
    expect(valuesKey(new Float32Array(1001))).not.toBe(valuesKey(a));
  });
});
