import { Command } from "commander";
import { z } from "zod";
import { formatInstant } from "../core/instant.js";
import { hashToken, SESSION_DAYS } from "../core/session.js";
import { startSession } from "../db/sessions.js";
import { deleteSession } from "../db/users.js";
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
      const { user, created, session } = await startSession(db, ctx.config, input.email, {
        now: ctx.now(),
        days: input.days,
      });
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
        await ctx.config.setSessionToken(target.key, undefined);
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
