// The CLI as the bin runs it: src/ bundled by esbuild into dist/bundle/ (ESM, one chunk per
// lazily loaded command, code splitting), with the small dependencies every command loads
// (zod, postgres, commander, cli-table3, env-paths, asciichart) inside it. Resolving and
// compiling their ~120 module files was about 50 ms of every command (issue 16: zod alone,
// 95 files, imports in ~80 ms; bundled, in ~35). Left outside, loaded from node_modules as
// published: PGlite (its WebAssembly and data files sit beside its modules), the native lock
// binary, and what only some commands load (the dashboard's ink and react, plaid, jose, open,
// conf). `tsc -p tsconfig.build.json` still checks the sources and emits dist/ file by file
// (test/support/lock-holder.mjs loads one module of it); bin/networth loads the bundle.
import { build } from "esbuild";

await build({
  entryPoints: { cli: "src/cli.ts" },
  outdir: "dist/bundle",
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  sourcemap: true,
  logLevel: "warning",
  external: [
    "@electric-sql/pglite",
    "fs-native-extensions",
    "ink",
    "react",
    "react/*",
    "plaid",
    "jose",
    "open",
    "conf",
    "playwright-core",
  ],
  // Bundled CommonJS (commander, cli-table3) requires Node's built-in modules.
  banner: {
    js: 'import { createRequire as __networthRequire } from "node:module"; const require = __networthRequire(import.meta.url);',
  },
});
