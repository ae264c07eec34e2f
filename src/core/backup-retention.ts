/**
 * Backup retention (the seed's weekly cleanup, run by `networth maintain`): in the backups
 * directory, networth's own dated files older than keepDays go, except the newest 4 of each
 * kind; temporary files of interrupted backups and copies go after a day. Every other file
 * is left alone, whatever its name or age.
 */

import { readdir, stat, unlink } from "node:fs/promises";
import { join } from "node:path";
import { expiredBackups, ownBackup, TEMP_NAME } from "./backup-format.js";

/** A db copy's transfer file: `copy-<hex>.backup.gz` (removed by the copy unless it was killed). */
const COPY_NAME = /^copy-[0-9a-f]{12}\.backup\.gz$/;
const DAY_MS = 86_400_000;

/** What retention did (or, with dryRun, would do). */
export interface RetentionResult {
  readonly dir: string;
  readonly kept: string[];
  readonly removed: string[];
  /** Leftovers of interrupted backups or copies, older than a day. */
  readonly leftovers: string[];
}

export async function applyRetention(
  dir: string,
  now: Date,
  keepDays: number,
  options: { dryRun?: boolean } = {},
): Promise<RetentionResult> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT")
      return { dir, kept: [], removed: [], leftovers: [] };
    throw error;
  }
  const removed = expiredBackups(names, now, keepDays);
  const leftovers: string[] = [];
  for (const name of names) {
    if (!TEMP_NAME.test(name) && !COPY_NAME.test(name)) continue;
    const info = await stat(join(dir, name)).catch(() => null);
    if (info?.isFile() && now.getTime() - info.mtimeMs > DAY_MS) leftovers.push(name);
  }
  if (!options.dryRun)
    for (const name of [...removed, ...leftovers]) await unlink(join(dir, name)).catch(() => {});
  const gone = new Set(removed);
  return {
    dir,
    kept: names.filter((n) => ownBackup(n) !== null && !gone.has(n)).sort(),
    removed,
    leftovers: leftovers.sort(),
  };
}

/** The archive's cutoff: the same calendar day `years` earlier (29 February becomes the 28th). */
export function archiveCutoff(today: string, years: number): string {
  const [y, m, d] = today.split("-").map(Number) as [number, number, number];
  const year = y - years;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const day = m === 2 && d === 29 && !leap ? 28 : d;
  return `${String(year).padStart(4, "0")}-${String(m).padStart(2, "0")}-${String(day).padStart(2, "0")}`;
}
