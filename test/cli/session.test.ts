import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashToken } from "../../src/core/session.js";
import { cli, json } from "../support/cli.js";
import { DATABASE_KINDS, type TestTarget } from "../support/databases.js";

for (const kind of DATABASE_KINDS) {
  describe.skipIf(!kind.available)(
    `login, whoami, logout, config on the ${kind.name} database`,
    () => {
      let t: TestTarget;
      beforeAll(async () => {
        t = await kind.create();
        if (kind.name === "server") {
          // A new server database must be migrated first; the commands say so until it is.
          const before = await cli(["login", "me@example.com"], t.env);
          expect(before.exitCode).toBe(1);
          expect(before.stderr).toMatch(/run networth db migrate/);
          expect((await cli(["db", "migrate"], t.env)).exitCode).toBe(0);
        }
      });
      afterAll(async () => {
        await t?.dispose();
      });

      async function rowCount(table: string): Promise<number> {
        const db = await t.open("none");
        const [row] = await db.sql.unsafe(`SELECT count(*)::int AS n FROM ${table}`);
        await db.close();
        return row?.n as number;
      }

      it("asks for a login before anything that needs a user", async () => {
        const result = await cli(["whoami"], t.env);
        expect(result.exitCode).toBe(1);
        expect(result.stderr.trim()).toBe("networth: not logged in: run networth login <email>");
        expect(result.stdout).toBe("");
      });

      it("rejects an invalid email with a usage error and writes nothing", async () => {
        const result = await cli(["login", "not-an-email"], t.env);
        expect(result.exitCode).toBe(2);
        expect(result.stderr).toMatch(/expected an email address/);
        expect(result.stderr.split("\n").filter(Boolean)).toHaveLength(1);
        expect(await rowCount("users")).toBe(0);
      });

      it("creates the user on first login, keeps only a hash in the database", async () => {
        const first = await cli(["login", "Me@Example.com", "--json"], t.env);
        expect(first.exitCode).toBe(0);
        const body = json<{
          created: boolean;
          user: { email: string; id: string };
          session: { expiresAt: string };
        }>(first);
        expect(body.created).toBe(true);
        expect(body.user.email).toBe("me@example.com");
        const days = (Date.parse(body.session.expiresAt) - Date.now()) / 86_400_000;
        expect(days).toBeGreaterThan(29.9);
        expect(days).toBeLessThan(30.1);

        const again = await cli(["login", "me@example.com"], t.env);
        expect(again.exitCode).toBe(0);
        expect(again.stdout).toMatch(/^Logged in as me@example.com/);

        // The raw token lives only in the 0600 config file; the database has its SHA-256.
        const configPath = join(t.home, "config.json");
        expect(statSync(configPath).mode & 0o777).toBe(0o600);
        const tokens = Object.values(
          JSON.parse(readFileSync(configPath, "utf8")).sessions,
        ) as string[];
        expect(tokens).toHaveLength(1);
        const db = await t.open("none");
        const sessions = await db.sql`SELECT token_hash, user_agent FROM user_sessions`;
        await db.close();
        // The first login's session was replaced by the second.
        expect(sessions).toHaveLength(1);
        expect(sessions[0]?.tokenHash).toBe(hashToken(tokens[0] as string));
        expect(sessions[0]?.userAgent).toMatch(/^networth\/\d+\.\d+\.\d+ \w+/);
        expect(JSON.stringify(sessions)).not.toContain(tokens[0]);
      });

      it("shows who is logged in and on which database, without a password", async () => {
        const result = await cli(["whoami", "--json"], t.env);
        expect(result.exitCode).toBe(0);
        const body = json<{
          user: { email: string };
          database: Record<string, unknown>;
          session: { expiresAt: string };
        }>(result);
        expect(body.user.email).toBe("me@example.com");
        expect(body.database.kind).toBe(kind.name);
        expect(result.stdout).not.toMatch(/password/i);
        expect(result.stderr).toBe("");
      });

      it("validates config keys and values, stores preferences with the user, masks secrets", async () => {
        const unknown = await cli(["config", "set", "nope.key", "1"], t.env);
        expect(unknown.exitCode).toBe(2);
        expect(unknown.stderr).toMatch(/unknown config key "nope.key"/);

        const badTheme = await cli(["config", "set", "preferences.theme", "purple"], t.env);
        expect(badTheme.exitCode).toBe(2);
        expect(badTheme.stderr).toMatch(/invalid value "purple" for preferences.theme/);

        const badUrl = await cli(["config", "set", "database.url", "mysql://x"], t.env);
        expect(badUrl.exitCode).toBe(2);

        expect(
          (await cli(["config", "set", "preferences.dateFormat", "DD/MM/YYYY"], t.env)).exitCode,
        ).toBe(0);
        expect((await cli(["config", "get", "preferences.dateFormat"], t.env)).stdout.trim()).toBe(
          "DD/MM/YYYY",
        );
        const db = await t.open("none");
        const [user] = await db.sql`SELECT preferences FROM users WHERE email = 'me@example.com'`;
        await db.close();
        expect(user?.preferences.dateFormat).toBe("DD/MM/YYYY");

        expect(
          (await cli(["config", "set", "plaid.secret", "super-secret-value"], t.env)).stdout,
        ).not.toContain("super-secret");
        const list = await cli(["config", "list", "--json"], t.env);
        expect(list.exitCode).toBe(0);
        expect(list.stdout).not.toContain("super-secret-value");
        const settings = json<{ settings: { key: string; value: string | null }[] }>(list).settings;
        expect(settings.find((s) => s.key === "plaid.secret")?.value).toBe("********");
        expect(settings.find((s) => s.key === "preferences.dateFormat")?.value).toBe("DD/MM/YYYY");
        expect((await cli(["config", "get", "plaid.secret"], t.env)).stdout.trim()).toBe(
          "********",
        );

        expect((await cli(["config", "unset", "preferences.dateFormat"], t.env)).exitCode).toBe(0);
        expect((await cli(["config", "get", "preferences.dateFormat"], t.env)).stdout.trim()).toBe(
          "MM/DD/YYYY",
        );
        expect((await cli(["config", "unset", "plaid.secret"], t.env)).exitCode).toBe(0);
        expect((await cli(["config", "get", "plaid.secret"], t.env)).stdout.trim()).toBe("(unset)");
        const path = await cli(["config", "path"], t.env);
        expect(path.stdout.trim()).toBe(join(t.home, "config.json"));
      });

      it("logs out, after which commands ask for a login again", async () => {
        const out = await cli(["logout"], t.env);
        expect(out.stdout.trim()).toBe("Logged out.");
        expect(await rowCount("user_sessions")).toBe(0);
        expect((await cli(["whoami"], t.env)).exitCode).toBe(1);
        expect((await cli(["logout"], t.env)).stdout.trim()).toBe("Not logged in.");
      });

      it("says when a session has expired", async () => {
        expect((await cli(["login", "me@example.com"], t.env)).exitCode).toBe(0);
        const db = await t.open("none");
        await db.sql`UPDATE user_sessions SET expires_at = NOW() - interval '1 minute'`;
        await db.close();
        const result = await cli(["whoami"], t.env);
        expect(result.exitCode).toBe(1);
        expect(result.stderr.trim()).toBe("networth: session expired: run networth login <email>");
        // Logging in again removes the expired session.
        expect((await cli(["login", "me@example.com"], t.env)).exitCode).toBe(0);
        expect(await rowCount("user_sessions")).toBe(1);
      });
    },
  );
}

describe("database selection errors", () => {
  it("rejects a malformed --database-url as bad usage, before connecting", async () => {
    const result = await cli(["--database-url", "not a url", "whoami"], {
      NETWORTH_HOME: "/nonexistent",
    });
    expect(result.exitCode).toBe(2);
    expect(result.stderr.trim()).toBe(
      "networth: --database-url is not a valid PostgreSQL URL (expected postgres://user@host:5432/dbname)",
    );
  });

  it("fails fast with one line naming the host when the server is unreachable", async () => {
    const started = Date.now();
    const result = await cli(["login", "me@example.com"], {
      NETWORTH_HOME: "/nonexistent",
      DATABASE_URL: "postgres://postgres@127.0.0.1:1/networth",
    });
    expect(result.exitCode).toBe(1);
    expect(result.stderr.trim()).toBe(
      "networth: cannot connect to the database server at 127.0.0.1:1: connection refused (is PostgreSQL running there?)",
    );
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  it("gives up on a server that never answers after its connect timeout", async () => {
    const net = await import("node:net");
    const server = net.createServer(() => {});
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as { port: number }).port;
    try {
      const result = await cli(
        ["whoami"],
        {
          NETWORTH_HOME: "/nonexistent",
          DATABASE_URL: `postgres://postgres@127.0.0.1:${port}/networth`,
        },
        { timeoutMs: 30_000 },
      );
      expect(result.exitCode).toBe(1);
      expect(result.stderr.trim()).toBe(
        `networth: cannot connect to the database server at 127.0.0.1:${port}: no answer within 10 s`,
      );
    } finally {
      server.close();
    }
  });

  it.skipIf(!process.env.NETWORTH_TEST_DATABASE_URL)(
    "names a missing server database",
    async () => {
      const url = new URL(process.env.NETWORTH_TEST_DATABASE_URL as string);
      url.pathname = "/networth_no_such_database";
      const result = await cli(["whoami"], {
        NETWORTH_HOME: "/nonexistent",
        DATABASE_URL: url.toString(),
      });
      expect(result.exitCode).toBe(1);
      expect(result.stderr).toMatch(/database "networth_no_such_database" does not exist/);
      const admin = postgres(process.env.NETWORTH_TEST_DATABASE_URL as string, { max: 1 });
      await admin.end();
    },
  );
});
