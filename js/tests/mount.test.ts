import { describe, expect, it, vi } from "vitest";
import { coalesced, Mounted } from "../src/lib/mount";
import { traits } from "../src/lib/traits";
import { fakeModel } from "./helpers";

const tick = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

describe("coalesced", () => {
  it("runs once for many schedule() calls in one tick, and not before the microtask", async () => {
    const run = vi.fn();
    const c = coalesced(run, () => {});
    for (let i = 0; i < 10; i++) c.schedule();
    expect(run).not.toHaveBeenCalled();
    await tick();
    expect(run).toHaveBeenCalledTimes(1);
  });

  it("runs again when scheduled after a run", async () => {
    const run = vi.fn();
    const c = coalesced(run, () => {});
    c.schedule();
    await tick();
    c.schedule();
    c.schedule();
    await tick();
    expect(run).toHaveBeenCalledTimes(2);
  });

  it("stops running after dispose, including a run already scheduled", async () => {
    const run = vi.fn();
    const c = coalesced(run, () => {});
    c.schedule();
    c.dispose();
    await tick();
    c.schedule();
    await tick();
    expect(run).not.toHaveBeenCalled();
  });

  it("hands what run throws to onError, and keeps scheduling afterwards", async () => {
    const boom = new Error("boom");
    let calls = 0;
    const onError = vi.fn();
    const c = coalesced(() => {
      calls++;
      if (calls === 1) throw boom;
    }, onError);
    c.schedule();
    await tick();
    expect(onError).toHaveBeenCalledExactlyOnceWith(boom);
    c.schedule();
    await tick();
    expect(calls).toBe(2);
    expect(onError).toHaveBeenCalledTimes(1);
  });
});

describe("Mounted", () => {
  interface T {
    a: number;
    b: string;
  }

  function mounted() {
    const fake = fakeModel({ a: 1, b: "x" });
    const root = { remove: vi.fn() } as unknown as HTMLElement;
    return { ...fake, root, view: new Mounted(traits<T>(fake.model), root) };
  }

  it("listens to the names given until cleanup, then stops", () => {
    const { view, emit, listeners } = mounted();
    const cb = vi.fn();
    view.onChange(["a", "b"], cb);
    emit("change:a");
    emit("change:b");
    expect(cb).toHaveBeenCalledTimes(2);
    view.cleanup();
    emit("change:a");
    expect(cb).toHaveBeenCalledTimes(2);
    expect(listeners()).toBe(0);
  });

  it("cleanup runs the registered functions in order, aborts DOM listeners and removes the root", () => {
    const { view, root } = mounted();
    const order: string[] = [];
    view.onCleanup(() => order.push("first"));
    view.onCleanup(() => order.push("second"));
    const signal = view.listen.signal;
    expect(signal.aborted).toBe(false);
    view.cleanup();
    expect(order).toEqual(["first", "second"]);
    expect(signal.aborted).toBe(true);
    expect(root.remove).toHaveBeenCalledTimes(1);
  });

  it("drops a coalesced run scheduled before cleanup", async () => {
    const { view } = mounted();
    const run = vi.fn();
    const c = view.coalesced(run, () => {});
    c.schedule();
    view.cleanup();
    await tick();
    expect(run).not.toHaveBeenCalled();
  });
});
