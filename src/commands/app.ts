import type { Command } from "commander";
import { z } from "zod";
import type { DateFormat } from "../config.js";
import type { Context } from "../context.js";
import { dateFormatOf } from "../core/dates.js";
import type { Database } from "../db/connection.js";
import type { User } from "../db/users.js";
import { UsageError } from "../errors.js";
import type { Output, OutputStreams } from "../output/output.js";

/** What cli.ts hands each command: the run's context and output. */
export interface App {
  /** The run's context (created once, from the root program's global options). */
  context(command: Command): Context;
  /** Output for this command's --json / --quiet. */
  output(options: { json?: boolean; quiet?: boolean }): Output;
  /** The run's streams, for what must hold a stream itself (the dashboard's Ink). */
  readonly streams: OutputStreams;
}

/** Parses options with a zod schema; a failure is a usage error naming the option. */
export function parseOptions<T extends z.ZodType>(schema: T, raw: unknown): z.infer<T> {
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path =
    issue?.path.length && !issue.message.startsWith("--")
      ? `--${String(issue.path[0]).replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}: `
      : "";
  throw new UsageError(`${path}${issue?.message ?? "invalid options"}`);
}

/**
 * A whole number option (commander hands over strings), from min to max: every such option
 * has a bound, so a huge value is a usage error here rather than a failure deep inside.
 */
export const wholeNumber = (what: string, min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, `${what} takes a whole number`)
    .transform(Number)
    .refine((n) => n >= min, `${what} must be at least ${min}`)
    .refine((n) => n <= max, `${what} must be at most ${max}`);

/** Appends an Examples section to a command's help. */
export function examples(command: Command, lines: string[]): Command {
  return command.addHelpText("after", `\nExamples:\n${lines.map((l) => `  $ ${l}`).join("\n")}\n`);
}

/** A logged-in user's run: the context, the user, the open database and today's date. */
export interface UserRun {
  readonly ctx: Context;
  readonly user: User;
  readonly db: Database;
  /** Today in the user's time zone (the process's, or TZ), as the run started. */
  readonly today: string;
  /** Today read from the clock now: for what outlives a moment (the dashboard). */
  todayNow(): string;
  readonly dateFormat: DateFormat;
}

/** Opens the database and requires a login: the start of every command on user data. */
export async function userRun(app: App, command: Command): Promise<UserRun> {
  const ctx = app.context(command);
  const { user } = await ctx.requireUser();
  const db = await ctx.database();
  return {
    ctx,
    user,
    db,
    today: ctx.today(),
    todayNow: () => ctx.today(),
    dateFormat: dateFormatOf(user.preferences.dateFormat),
  };
}
