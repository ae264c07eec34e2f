import { createRequire } from "node:module";

/**
 * The package version, read once from package.json: one directory up from dist/version.js
 * (and src/), two from the bundle's chunks in dist/bundle/.
 */
export const VERSION: string = (() => {
  const require = createRequire(import.meta.url);
  for (const path of ["../package.json", "../../package.json"]) {
    try {
      const found = require(path) as { name?: string; version?: string };
      if (found.name === "networth" && typeof found.version === "string") return found.version;
    } catch {
      // Not there: the other place.
    }
  }
  throw new Error("networth's package.json was not found beside its code");
})();
