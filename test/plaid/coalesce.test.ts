import { describe, expect, it } from "vitest";
import { coalescer } from "../../src/plaid/coalesce.js";

/** A run that waits until released, recording what it ran with. */
function gatedRuns() {
  const started: [string, number][] = [];
  const releases: (() => void)[] = [];
  const run = (key: string, value: number) => {
    started.push([key, value]);
    return new Promise<void>((resolve) => releases.push(resolve));
  };
  return { started, releases, run };
}

async function until(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("condition not met within 5 s");
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

describe("coalescer", () => {
  it("never runs one key twice at once, and folds requests meanwhile into one more run", async () => {
    const { started, releases, run } = gatedRuns();
    const work: Promise<void>[] = [];
    const c = coalescer(run, (w) => work.push(w));
    c.request("a", 1);
    c.request("b", 1);
    c.request("a", 2);
    c.request("a", 3);
    expect(started).toEqual([
      ["a", 1],
      ["b", 1],
    ]);
    releases.shift()?.();
    // One more run for a, with the latest value; none for the value in between.
    await until(() => started.length === 3);
    expect(started[2]).toEqual(["a", 3]);
    for (const release of releases.splice(0)) release();
    await Promise.all(work);
    expect(started).toHaveLength(3);
    // Done: the next request starts a new run at once.
    c.request("a", 4);
    expect(started.at(-1)).toEqual(["a", 4]);
    releases.shift()?.();
    await Promise.all(work);
  });

  it("starts no run after stop, and lets the one under way finish", async () => {
    const { started, releases, run } = gatedRuns();
    const work: Promise<void>[] = [];
    const c = coalescer(run, (w) => work.push(w));
    c.request("a", 1);
    c.request("a", 2);
    c.stop();
    releases.shift()?.();
    await Promise.all(work);
    expect(started).toEqual([["a", 1]]);
  });
});
