import { arch, platform } from "node:os";
import { Command } from "commander";
import { z } from "zod";
import type { Context } from "../context.js";
import { formatInstant } from "../core/instant.js";
import { hashToken, newSessionToken, SESSION_DAYS } from "../core/session.js";
import type { Database } from "../db/connection.js";
import { deleteSession, loginUser } from "../db/users.js";
import { VERSION } from "../version.js";
import { type App, examples, parseOptions, wholeNumber } from "./app.js";

const LoginInput = z.object({
  email: z
    .string()
    .trim()
    .toLowerCase()
    .pipe(z.email({ message: "expected an email address such as me@example.com" }).max(255)),
  days: wholeNumber("--days", 1, 3650).optional(),
  json: z.boolean().optional(),
});

/**
 * Logs in as `email` on this database (creating the user when new): a new session whose token
 * only the config file keeps, replacing this config's previous session there.
 */
export async function startSession(
  ctx: Context,
  db: Database,
  email: string,
  days: number = SESSION_DAYS,
) {
  const token = newSessionToken();
  const expiresAt = new Date(ctx.now().getTime() + days * 86_400_000);
  const result = await loginUser(db.sql, {
    email,
    tokenHash: hashToken(token),
    userAgent: `networth/${VERSION} ${platform()}-${arch()}`,
    expiresAt,
  });
  const previous = ctx.config.sessionToken(db.target.key);
  if (previous) await deleteSession(db.sql, hashToken(previous));
  ctx.config.setSessionToken(db.target.key, token);
  return result;
}

export function loginCommand(app: App): Command {
  const command = new Command("login")
    .description("log in as a user of the database (created on first login)")
    .argument("<email>", "your email address: it names your user")
    .option("--days <n>", `session length in days (default ${SESSION_DAYS})`)
    .option("--json", "print the user and session as JSON")
    .action(async (email: string, raw: Record<string, unknown>, cmd: Command) => {
      const input = parseOptions(LoginInput, { ...raw, email });
      const ctx = app.context(cmd);
      const out = app.output(input);
      const db = await ctx.database();
      const { user, created, session } = await startSession(
        ctx,
        db,
        input.email,
        input.days ?? SESSION_DAYS,
      );
      if (out.json) {
        out.result({
          user,
          created,
          session: { expiresAt: session.expiresAt },
          database: db.target.display,
        });
        return;
      }
      out.line(
        `${created ? "Created user" : "Logged in as"} ${user.email}` +
          `${created ? " and logged in" : ""} (${db.target.display}); session expires ${formatInstant(session.expiresAt, { precision: "minute" })}.`,
      );
    });
  return examples(command, [
    "networth login me@example.com",
    "networth login me@example.com --days 7",
  ]);
}

export function logoutCommand(app: App): Command {
  return new Command("logout")
    .description("end this session (the user and their data stay)")
    .option("--json", "print the result as JSON")
    .action(async (raw: { json?: boolean }, cmd: Command) => {
      const ctx = app.context(cmd);
      const out = app.output(raw);
      const target = ctx.target();
      const token = ctx.config.sessionToken(target.key);
      let ended = false;
      if (token) {
        const db = await ctx.database();
        ended = await deleteSession(db.sql, hashToken(token));
        ctx.config.setSessionToken(target.key, undefined);
      }
      if (out.json) out.result({ loggedOut: ended });
      else out.line(ended ? "Logged out." : "Not logged in.");
    });
}

export function whoamiCommand(app: App): Command {
  return new Command("whoami")
    .description("show the logged-in user, the session's expiry and the database in use")
    .option("--json", "print as JSON")
    .action(async (raw: { json?: boolean }, cmd: Command) => {
      const ctx = app.context(cmd);
      const out = app.output(raw);
      const { user, session } = await ctx.requireUser();
      const target = ctx.target();
      const database =
        target.kind === "server"
          ? {
              kind: "server",
              host: target.host,
              port: target.port,
              database: target.database,
              user: target.user,
            }
          : { kind: "embedded", path: target.dir };
      if (out.json) {
        out.result({
          user,
          session: { createdAt: session.createdAt, expiresAt: session.expiresAt },
          database,
        });
        return;
      }
      out.line(`${user.email}  (user ${user.id})`);
      out.line(`session expires ${formatInstant(session.expiresAt)}`);
      out.line(`database        ${target.display}`);
    });
}
