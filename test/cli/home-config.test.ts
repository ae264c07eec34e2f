import {
  cpSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import postgres from "postgres";
import { afterEach, beforeEach, describe, expect, inject, it } from "vitest";
import { serverSpeaksSsl } from "../../src/db/ssl.js";
import { cli } from "../support/cli.js";
import { SERVER_URL_ENV } from "../support/env.js";

const BIN = fileURLToPath(new URL("../../bin/networth", import.meta.url));

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "networth-home-"));
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

/** An embedded database ready under home (a copy of the initialised template: no initdb). */
function seedDatabase(home: string): void {
  cpSync(inject("pgliteTemplate"), join(home, "data", "db", "pglite"), { recursive: true });
}

const mode = (path: string) => (statSync(path).mode & 0o777).toString(8);

describe("a damaged config file", () => {
  for (const [name, content] of [
    ["empty", ""],
    ["cut short", '{"sessions": {"embedded:'],
  ] as const) {
    it(`(${name}) is named with its path and the way out; commands that do not need it still run`, async () => {
      const home = join(root, "home");
      const env = { NETWORTH_HOME: home };
      seedDatabase(home);
      const config = join(home, "config.json");
      writeFileSync(config, content, { mode: 0o600 });

      const path = await cli(["config", "path"], env);
      expect([path.exitCode, path.stdout.trim()]).toEqual([0, config]);
      expect((await cli(["--help"], env)).exitCode).toBe(0);
      expect((await cli(["config", "--help"], env)).exitCode).toBe(0);

      const login = await cli(["login", "me@example.com"], env);
      expect(login.exitCode).toBe(1);
      expect(login.stderr.trim()).toBe(
        `networth: the config file ${config} is damaged (not valid JSON): move it aside ` +
          `(mv ${config} ${config}.bad) and log in again; it holds your settings and login ` +
          "sessions, nothing else",
      );
      expect((await cli(["accounts"], env)).stderr).toContain(
        `the config file ${config} is damaged`,
      );
      // Nothing was written over it.
      expect(readFileSync(config, "utf8")).toBe(content);

      if (name === "empty") {
        // The way out works (once is enough: it opens and migrates a database).
        renameSync(config, `${config}.bad`);
        expect((await cli(["login", "me@example.com"], env)).exitCode).toBe(0);
      }
    });
  }
});

describe("NETWORTH_HOME", () => {
  it("is resolved to an absolute path: the commands say where the data really is", async () => {
    const cwd = join(root, "work");
    seedDatabase(join(cwd, "rel/home"));
    const run = (args: string[]) =>
      execa(BIN, args, {
        cwd,
        env: { PATH: process.env.PATH ?? "", NETWORTH_HOME: "rel/home" },
        extendEnv: false,
        reject: false,
      });
    const path = await run(["config", "path"]);
    expect(path.stdout.trim()).toBe(join(cwd, "rel/home/config.json"));
    const login = await run(["login", "me@example.com"]);
    expect(login.exitCode).toBe(0);
    expect(login.stdout).toContain(`(embedded ${join(cwd, "rel/home/data/db")})`);
    // The session found again from the absolute key: logged in.
    expect((await run(["whoami"])).exitCode).toBe(0);
  });

  it("is created private (0700), with the data directories under it", async () => {
    const home = join(root, "new", "home");
    expect((await cli(["login", "me@example.com"], { NETWORTH_HOME: home })).exitCode).toBe(0);
    expect([home, join(home, "data"), join(home, "data", "db")].map(mode)).toEqual([
      "700",
      "700",
      "700",
    ]);
    expect(mode(join(root, "new"))).toBe("700");
    expect(mode(join(home, "config.json"))).toBe("600");
  });

  it("that is a file, or below one, gives one clear line (not ENOTDIR)", async () => {
    const file = join(root, "file");
    writeFileSync(file, "");
    for (const home of [file, join(file, "below")]) {
      const result = await cli(["login", "me@example.com"], { NETWORTH_HOME: home });
      expect(result.exitCode).toBe(1);
      expect(result.stderr.trim()).toBe(
        `networth: the config directory ${home} cannot be created: a file is in its way (check NETWORTH_HOME)`,
      );
    }
  });
});

const serverUrl = process.env[SERVER_URL_ENV];
const noSsl = serverUrl
  ? (await serverSpeaksSsl(
      new URL(serverUrl).hostname,
      Number(new URL(serverUrl).port || 5432),
    )) === false
  : false;

describe.skipIf(!noSsl)("sslmode=require against the test server, which has no SSL", () => {
  it("says the server does not support SSL (not 'the connection was lost')", async () => {
    // The probe's answer agrees with the server's own setting.
    const admin = postgres(serverUrl ?? "", { max: 1, onnotice: () => {} });
    const [row] = await admin<{ ssl: string }[]>`SHOW ssl`;
    await admin.end();
    expect(row?.ssl).toBe("off");
    const url = new URL(serverUrl ?? "");
    url.searchParams.set("sslmode", "require");
    const result = await cli(["db", "status"], {
      NETWORTH_HOME: join(root, "home"),
      DATABASE_URL: url.toString(),
    });
    expect(result.exitCode).toBe(1);
    expect(result.stderr.trim()).toBe(
      `networth: the database server at ${url.hostname}:${url.port || 5432} does not support SSL, ` +
        "but the URL asks for it (sslmode=require): enable SSL on the server, or use sslmode=prefer or disable",
    );
  });
});
