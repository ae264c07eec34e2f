import { fsyncSync } from "node:fs";
import type { PGlite } from "@electric-sql/pglite";
import { NodeFS } from "@electric-sql/pglite/nodefs";

/**
 * PGlite 0.5 on Node is not durable as shipped: it starts PostgreSQL with `-F` (fsync off),
 * its Emscripten fdatasync is a no-op and its NODEFS file system has no fsync, so a commit
 * reaches the page cache only (a power loss can lose it). Here PostgreSQL runs with fsync on
 * and wal_sync_method=fsync, and every fsync it issues (the WAL at each commit, the data files
 * and directories at a checkpoint) becomes a real fsync(2) of the underlying file.
 */
export class DurableNodeFS extends NodeFS {
  /** onSync hears the path (inside PGlite's file system) of every file synced: for tests. */
  constructor(
    dataDir: string,
    private readonly onSync?: (path: string) => void,
  ) {
    super(dataDir);
  }

  override async init(pg: PGlite, opts: Parameters<NodeFS["init"]>[1]) {
    const result = await super.init(pg, opts);
    const emscripten = result.emscriptenOpts;
    emscripten.preRun = [
      ...(emscripten.preRun ?? []),
      (mod) => {
        const nodefs = (mod.FS as unknown as NodeFsHolder).filesystems.NODEFS;
        nodefs.stream_ops.fsync = (stream) => {
          if (stream.nfd !== undefined) fsyncSync(stream.nfd);
          this.onSync?.(stream.path ?? "");
          return 0;
        };
      },
    ];
    return result;
  }
}

interface NodeFsHolder {
  filesystems: {
    NODEFS: { stream_ops: { fsync?: (stream: { nfd?: number; path?: string }) => number } };
  };
}

/** PGlite's start parameters with fsync on, and a WAL flush that goes through fsync. */
export function durableStartParams(defaults: readonly string[]): string[] {
  return [
    ...defaults.filter((param) => param !== "-F"),
    "-c",
    "fsync=on",
    "-c",
    "wal_sync_method=fsync",
    // One user's data on one machine: 16 MB of buffers (PGlite's default is 128 MB) boots
    // faster and leaves ~120 MB of memory to the command (issue 16). A runtime setting: the
    // data directory is the same.
    "-c",
    "shared_buffers=16MB",
  ];
}
