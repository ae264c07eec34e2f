import { accessSync, constants, statSync } from "node:fs";
import { type Browser, chromium } from "playwright-core";

/** Debian's Chromium, or NETWORTH_CHROMIUM. */
export const CHROMIUM = process.env.NETWORTH_CHROMIUM || "/usr/bin/chromium";

function isExecutableFile(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** Whether the browser tests can run; when not, say so loudly (they are skipped, not passed). */
export function haveChromium(what: string): boolean {
  const present = isExecutableFile(CHROMIUM);
  if (!present) {
    console.warn(
      `!! Chromium is missing (${CHROMIUM}): ${what} is SKIPPED. ` +
        "Install it with `apt-get install -y chromium`, or set NETWORTH_CHROMIUM.",
    );
  }
  return present;
}

/** Headless Chromium for a machine whose only network is loopback. */
export function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      ...extraArgs,
    ],
  });
}
