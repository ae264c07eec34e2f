import { cpSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import postgres from "postgres";
import { inject } from "vitest";
import { type Database, openDatabase } from "../../src/db/connection.js";
import { type DatabaseTarget, resolveTarget } from "../../src/db/target.js";
import { SERVER_URL_ENV } from "./env.js";

/** One kind of database the suites run against. */
export interface TestDatabaseKind {
  readonly name: "embedded" | "server";
  /** False when the server suite has no server: its tests are reported as skipped. */
  readonly available: boolean;
  /** A new, empty database of this kind; dispose() removes it. */
  create(): Promise<TestTarget>;
}

export interface TestTarget {
  readonly target: DatabaseTarget;
  /** For the CLI: set as NETWORTH_HOME (embedded) or DATABASE_URL (server). */
  readonly env: Record<string, string>;
  /** A home directory for config files (the embedded database lives inside it). */
  readonly home: string;
  open(migrations?: "auto" | "none" | "require"): Promise<Database>;
  dispose(): Promise<void>;
}

function newHome(): string {
  return mkdtempSync(join(tmpdir(), "networth-test-"));
}

const embedded: TestDatabaseKind = {
  name: "embedded",
  available: true,
  async create() {
    const home = newHome();
    const target = resolveTarget({ dataDir: join(home, "data") });
    if (target.kind !== "embedded") throw new Error("expected an embedded target");
    mkdirSync(target.dir, { recursive: true, mode: 0o700 });
    cpSync(inject("pgliteTemplate"), join(target.dir, "pglite"), { recursive: true });
    const opened: Database[] = [];
    return {
      target,
      home,
      env: { NETWORTH_HOME: home },
      async open(migrations = "auto") {
        const db = await openDatabase(target, { migrations });
        opened.push(db);
        return db;
      },
      async dispose() {
        for (const db of opened) await db.close();
        rmSync(home, { recursive: true, force: true });
      },
    };
  },
};

const serverUrl = process.env[SERVER_URL_ENV];

const server: TestDatabaseKind = {
  name: "server",
  available: Boolean(serverUrl),
  async create() {
    if (!serverUrl) throw new Error(`${SERVER_URL_ENV} is not set`);
    const name = `networth_test_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
    const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
    await admin.unsafe(`CREATE DATABASE ${name}`);
    await admin.end();
    const url = new URL(serverUrl);
    url.pathname = `/${name}`;
    const home = newHome();
    const target = resolveTarget({ flag: url.toString(), dataDir: join(home, "data") });
    const opened: Database[] = [];
    return {
      target,
      home,
      env: { NETWORTH_HOME: home, DATABASE_URL: url.toString() },
      async open(migrations = "auto") {
        const db = await openDatabase(target, { migrations });
        opened.push(db);
        return db;
      },
      async dispose() {
        for (const db of opened) await db.close();
        const cleanup = postgres(serverUrl, { max: 1, onnotice: () => {} });
        await cleanup.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await cleanup.end();
        rmSync(home, { recursive: true, force: true });
      },
    };
  },
};

/** The kinds every database test runs against: embedded always, the server when set. */
export const DATABASE_KINDS: readonly TestDatabaseKind[] = [embedded, server];
