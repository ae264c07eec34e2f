import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { SERVER_URL_ENV } from "./env.js";

/**
 * Once per run: an initialised (unmigrated) PGlite data directory that tests copy instead of
 * running initdb each time, and a loud line when the server suite cannot run.
 */
export default async function setup(project: TestProject) {
  if (!existsSync(new URL("../../dist/bundle/cli.js", import.meta.url))) {
    throw new Error("dist/ is missing: run `npm run build` (npm test does) before vitest");
  }
  const root = mkdtempSync(join(tmpdir(), "networth-template-"));
  const { PGlite } = await import("@electric-sql/pglite");
  const db = await PGlite.create(join(root, "pglite"));
  await db.close();
  project.provide("pgliteTemplate", join(root, "pglite"));

  const serverUrl = process.env[SERVER_URL_ENV];
  if (!serverUrl) {
    const bar = "!".repeat(78);
    process.stderr.write(
      `\n${bar}\n!! ${SERVER_URL_ENV} is not set: the PostgreSQL SERVER suite is SKIPPED.\n` +
        "!! Only the embedded database is tested. .ci/run sets it when a server answers.\n" +
        `${bar}\n\n`,
    );
  }
  return () => rmSync(root, { recursive: true, force: true });
}

declare module "vitest" {
  export interface ProvidedContext {
    pgliteTemplate: string;
  }
}
