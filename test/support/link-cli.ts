import { fileURLToPath } from "node:url";
import { execa } from "execa";
import type { CliResult } from "./cli.js";
import type { FakePlaid } from "./fake-plaid.js";

const BIN = fileURLToPath(new URL("../../bin/networth", import.meta.url));

/** The environment that points the CLI at a fake Plaid server. */
export function plaidEnv(fake: FakePlaid, base: Record<string, string>): Record<string, string> {
  return {
    ...base,
    PATH: process.env.PATH ?? "",
    PLAID_CLIENT_ID: fake.clientId,
    PLAID_SECRET: fake.secret,
    PLAID_ENV: "sandbox",
    PLAID_BASE_URL: fake.url,
  };
}

/**
 * Starts `networth link --no-browser ...` and resolves once it prints the Link page's address
 * on stderr; `done` settles when the process ends, with all it printed.
 */
export async function startLink(
  args: string[],
  env: Record<string, string>,
): Promise<{ url: string; done: Promise<CliResult> }> {
  const child = execa(BIN, ["link", "--no-browser", ...args], {
    env: { ...env, NO_COLOR: "1" },
    extendEnv: false,
    reject: false,
    timeout: 60_000,
    input: "",
  });
  let stderr = "";
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr?.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
      const match = /http:\/\/127\.0\.0\.1:\d+\/link\/[\w-]+/.exec(stderr);
      if (match) resolve(match[0]);
    });
    child.then(() => reject(new Error(`link exited before printing its page: ${stderr}`)), reject);
  });
  const done = child.then((r) => ({
    exitCode: r.exitCode ?? -1,
    stdout: String(r.stdout),
    stderr: `${stderr}`,
  }));
  return { url, done };
}
