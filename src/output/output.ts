import type { Writable } from "node:stream";
import { stringifyWithMoney } from "../core/money.js";
import { escapeLines } from "../core/text.js";

/** Where and how a command speaks: one switch picks JSON or text. */
export interface Output {
  readonly json: boolean;
  readonly quiet: boolean;
  /** True when stderr is a terminal and progress may be drawn. */
  readonly interactive: boolean;
  readonly color: boolean;
  /** The terminal's width in characters, for charts (80 when stdout is not a terminal). */
  readonly columns: number;
  /** True when both stdin and stdout are a terminal: an interactive view may open. */
  readonly terminal: boolean;
  /** Raw progress text on stderr (a spinner's frames), only when `interactive`. */
  progress(text: string): void;
  /** A line of human output on stdout (suppressed under --json), control characters escaped. */
  line(text?: string): void;
  /** A notice on stderr (suppressed under --json and --quiet). */
  info(text: string): void;
  /** Something the user must see even under --json (it goes to stderr): not under --quiet. */
  notice(text: string): void;
  /** A warning on stderr (suppressed under --json only if quiet too). */
  warn(text: string): void;
  /** Raw text on stdout, as is (an export). */
  write(text: string): void;
  /** The one JSON document of a --json run. */
  result(value: unknown): void;
}

/** The process's streams as the CLI hands them to every command (tests pass their own). */
export interface OutputStreams {
  readonly stdout: Writable & { isTTY?: boolean; columns?: number };
  readonly stderr: Writable & { isTTY?: boolean };
  /** Absent where nothing can be read (never a terminal then). */
  readonly stdin?: NodeJS.ReadStream | undefined;
  readonly env: NodeJS.ProcessEnv;
}

/** Colour only on a terminal, never under NO_COLOR or TERM=dumb. */
export function colorEnabled(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false;
  if (env.TERM === "dumb") return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== "0") return true;
  return Boolean(stream.isTTY);
}

/** JSON for output; Money values print as exact numbers. */
export function toJson(value: unknown): string {
  return stringifyWithMoney(value);
}

/** A command's Output on the CLI's streams (the only place output reaches a stream). */
export function createOutput(
  options: { json?: boolean; quiet?: boolean },
  streams: OutputStreams,
): Output {
  const json = Boolean(options.json);
  const quiet = Boolean(options.quiet);
  const interactive = Boolean(streams.stderr.isTTY) && !json && !quiet;
  return {
    json,
    quiet,
    interactive,
    color: colorEnabled(streams.stdout, streams.env),
    columns: (streams.stdout.isTTY && streams.stdout.columns) || 80,
    terminal: Boolean(streams.stdout.isTTY && streams.stdin?.isTTY),
    progress(text) {
      if (interactive) streams.stderr.write(text);
    },
    // Human text may carry names from the database or Plaid: every control character in it
    // but the line breaks becomes visible text (core/text.ts). write() and result() stay raw.
    line(text = "") {
      if (!json) streams.stdout.write(`${escapeLines(text)}\n`);
    },
    info(text) {
      if (!json && !quiet) streams.stderr.write(`${escapeLines(text)}\n`);
    },
    notice(text) {
      if (!quiet) streams.stderr.write(`${escapeLines(text)}\n`);
    },
    warn(text) {
      if (!quiet) streams.stderr.write(`warning: ${escapeLines(text)}\n`);
    },
    write(text) {
      streams.stdout.write(text);
    },
    result(value) {
      streams.stdout.write(`${toJson(value)}\n`);
    },
  };
}
