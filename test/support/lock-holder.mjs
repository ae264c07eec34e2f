// A child process for test/db/lock.test.ts: takes the lock (the built module), proves it is the
// only holder by creating a marker file exclusively, holds it a moment, then lets go.
// Exit 0: held alone; 3: another holder's marker was there; 4: the marker was gone at release.
import { closeSync, openSync, unlinkSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { acquireFileLock } from "../../dist/db/lock.js";

const [lockPath, marker, holdMs, mode] = process.argv.slice(2);
const lock = await acquireFileLock(lockPath, {
  timeoutMs: 30_000,
  what: "the test lock",
  pollMs: 2,
});
try {
  closeSync(openSync(marker, "wx"));
} catch {
  process.exit(3);
}
if (mode === "hold") {
  process.stdout.write("held\n");
  await sleep(60_000);
}
await sleep(Number(holdMs));
try {
  unlinkSync(marker);
} catch {
  process.exit(4);
}
lock.release();
