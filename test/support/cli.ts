import { fileURLToPath } from "node:url";
import { execa } from "execa";

const BIN = fileURLToPath(new URL("../../bin/networth", import.meta.url));

export interface CliResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs the built CLI as a user would: a separate process, its own environment (nothing
 * inherited that would pick another database), a hard timeout so a hanging process fails.
 */
export async function cli(
  args: string[],
  env: Record<string, string>,
  options: { input?: string; timeoutMs?: number } = {},
): Promise<CliResult> {
  const base = Object.fromEntries(
    Object.entries(process.env).filter(
      ([key]) =>
        !key.startsWith("NETWORTH_") && !key.startsWith("PLAID_") && key !== "DATABASE_URL",
    ),
  ) as Record<string, string>;
  const result = await execa(BIN, args, {
    env: { ...base, NO_COLOR: "1", ...env },
    extendEnv: false,
    reject: false,
    timeout: options.timeoutMs ?? 60_000,
    input: options.input ?? "",
  });
  if (result.timedOut)
    throw new Error(`networth ${args.join(" ")} did not exit within the timeout`);
  return { exitCode: result.exitCode ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/** Parses stdout as the one JSON document a --json run prints. */
export function json<T = Record<string, unknown>>(result: CliResult): T {
  try {
    return JSON.parse(result.stdout) as T;
  } catch {
    throw new Error(
      `stdout is not JSON (exit ${result.exitCode}):\n${result.stdout}\n${result.stderr}`,
    );
  }
}
