/**
 * Per-key coalescing: work for one key never runs twice at once, and requests that arrive
 * while it runs are folded into one more run (with the latest request's value), not queued one
 * by one. The webhook server syncs an item this way: ten webhooks for one item during a sync
 * make one more sync, not ten.
 */
export interface Coalescer<T> {
  /** Runs `run(key, value)` now, or once more after the run under way for this key. */
  request(key: string, value: T): void;
  /** No run starts after this; runs under way finish. */
  stop(): void;
}

/**
 * A coalescer over `run`. Each chain of runs for a key is handed to `track` (so the caller can
 * wait for it); `run` must not throw (report failures itself).
 */
export function coalescer<T>(
  run: (key: string, value: T) => Promise<void>,
  track: (work: Promise<void>) => void,
): Coalescer<T> {
  const pending = new Map<string, { again: boolean; value: T }>();
  let stopped = false;
  return {
    request(key, value) {
      const queued = pending.get(key);
      if (queued) {
        Object.assign(queued, { again: true, value });
        return;
      }
      const state = { again: true, value };
      pending.set(key, state);
      track(
        (async () => {
          try {
            while (state.again && !stopped) {
              state.again = false;
              await run(key, state.value);
            }
          } finally {
            pending.delete(key);
          }
        })(),
      );
    },
    stop() {
      stopped = true;
    },
  };
}
