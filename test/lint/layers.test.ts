/**
 * The layering check (biome.json's overrides and lint/sql-outside-db.grit) proven to fire: a
 * probe file with a forbidden import, SQL or process stream is written into each real source
 * folder, Biome lints it with the project's own configuration, and the diagnostic must be
 * there; the allowed counterparts must lint clean. So the check cannot silently stop working
 * (a renamed folder, a glob that matches nothing, a plugin Biome no longer loads).
 */

import { execFile } from "node:child_process";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const BIOME = join(ROOT, "node_modules", ".bin", "biome");

const IMPORTS = "lint/style/noRestrictedImports";
const SQL = "plugin";
const STREAMS = "lint/nursery/noJsRestrictedProperties";
const LAYER_RULES = [IMPORTS, SQL, STREAMS];

interface Probe {
  /** The folder under src/ ("" for src itself). */
  readonly folder: string;
  readonly source: string;
  /** The diagnostic expected (category and a part of its message), or null: lints clean. */
  readonly expected: { readonly category: string; readonly message: string } | null;
}

const importing = (from: string, what: string): Probe["source"] =>
  `import { value } from "../${what}/probe.js";\n\nexport const copy = value;\n// ${from}\n`;
const forbidden = (folder: string, target: string): Probe => ({
  folder,
  source: importing(folder, target),
  expected: { category: IMPORTS, message: `src/${folder} must not import src/${target}` },
});
const allowed = (folder: string, target: string): Probe => ({
  folder,
  source: importing(folder, target),
  expected: null,
});

const TAGGED = [
  "declare const sql: (text: TemplateStringsArray, ...values: unknown[]) => unknown;",
  "export const rows = sql`SELECT 1`;",
  "",
].join("\n");
const UNSAFE = [
  "declare const tx: { unsafe(text: string): unknown };",
  'export const begun = tx.unsafe("BEGIN");',
  "",
].join("\n");
const STREAM_USES = [
  "export const width = process.stdout.columns;",
  "export const write = (text: string) => process.stderr.write(text);",
  "const { stdin } = process;",
  "export const input = stdin;",
  "",
].join("\n");

const PROBES: Probe[] = [
  ...["db", "commands", "tui", "plaid", "output", "providers"].map((d) => forbidden("core", d)),
  {
    folder: "core",
    source: 'import type { Row } from "../db/probe.js";\n\nexport type Copy = Row;\n',
    expected: { category: IMPORTS, message: "src/core must not import src/db" },
  },
  {
    folder: "core",
    source: 'export const load = () => import("../plaid/probe.js");\n',
    expected: { category: IMPORTS, message: "src/core must not import src/plaid" },
  },
  {
    folder: "core",
    source: 'export { value } from "../output/probe.js";\n',
    expected: { category: IMPORTS, message: "src/core must not import src/output" },
  },
  { folder: "core", source: 'export { addDays } from "./dates.js";\n', expected: null },
  ...["commands", "tui", "plaid", "providers"].map((d) => forbidden("db", d)),
  ...["db", "commands", "output", "tui", "plaid"].map((d) => forbidden("providers", d)),
  allowed("providers", "core"),
  allowed("providers", "errors"),
  allowed("commands", "providers"),
  allowed("db", "core"),
  ...["db", "commands", "output", "tui", "plaid"].map((d) => forbidden("providers", d)),
  allowed("providers", "core"),
  forbidden("tui", "commands"),
  allowed("tui", "db"),
  allowed("tui", "output"),
  forbidden("output", "commands"),
  allowed("output", "core"),
  ...["", "core", "commands", "plaid", "tui", "output", "providers"].flatMap((folder) => [
    {
      folder,
      source: TAGGED,
      expected: { category: SQL, message: "SQL (a tagged template) outside src/db" },
    },
    {
      folder,
      source: UNSAFE,
      expected: { category: SQL, message: "SQL (.unsafe) outside src/db" },
    },
  ]),
  { folder: "db", source: TAGGED, expected: null },
  { folder: "db", source: UNSAFE, expected: null },
  ...["commands", "output", "tui"].map((folder) => ({
    folder,
    source: STREAM_USES,
    expected: { category: STREAMS, message: "process." },
  })),
];

interface Diagnostic {
  category: string;
  message: string;
  location: { path: string; start: { line: number } };
}

describe("the layering check", () => {
  const files = PROBES.map((probe, n) =>
    join("src", probe.folder, `layer-probe-${process.pid}-${n}.ts`),
  );
  let diagnostics: Diagnostic[] = [];

  beforeAll(async () => {
    try {
      PROBES.forEach((probe, n) => {
        writeFileSync(join(ROOT, files[n] as string), probe.source);
      });
      // Biome exits 1 when it finds errors: that is the point; the report is on stdout.
      const { stdout, stderr } = await promisify(execFile)(
        BIOME,
        ["lint", "--reporter=json", "--max-diagnostics=none", ...files],
        { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 },
      ).catch((error: { stdout?: string; stderr?: string }) => ({
        stdout: error.stdout ?? "",
        stderr: error.stderr ?? "",
      }));
      if (!stdout.trim())
        throw new Error(`biome gave no report (a broken biome.json?):\n${stderr}`);
      diagnostics = (JSON.parse(stdout) as { diagnostics: Diagnostic[] }).diagnostics;
    } finally {
      for (const file of files) rmSync(join(ROOT, file), { force: true });
    }
  }, 60_000);
  afterAll(() => {
    for (const file of files) rmSync(join(ROOT, file), { force: true });
  });

  PROBES.forEach((probe, n) => {
    const where = `src/${probe.folder ? `${probe.folder}/` : ""}`;
    const what = probe.source.split("\n")[probe.source.startsWith("declare") ? 1 : 0];
    it(`${probe.expected ? "refuses" : "allows"} in ${where}: ${what}`, () => {
      const mine = diagnostics.filter(
        (d) => d.location.path === files[n] && LAYER_RULES.includes(d.category),
      );
      if (probe.expected === null) {
        expect(mine).toEqual([]);
        return;
      }
      const { category, message } = probe.expected;
      expect(
        mine.some((d) => d.category === category && d.message.includes(message)),
        JSON.stringify(mine),
      ).toBe(true);
      if (probe.source === STREAM_USES) {
        // Every use, the destructuring too.
        expect(mine.map((d) => d.location.start.line).sort()).toEqual([1, 2, 3]);
      }
    });
  });

  it("linted every probe (none was left out by the file includes)", () => {
    expect(diagnostics.length).toBeGreaterThan(0);
    for (const [n, probe] of PROBES.entries()) {
      if (probe.expected) {
        expect(
          diagnostics.some((d) => d.location.path === files[n]),
          files[n],
        ).toBe(true);
      }
    }
  });
});
