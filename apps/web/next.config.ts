import type { NextConfig } from "next";

const config: NextConfig = {
  // The db package ships TypeScript source, no build step.
  transpilePackages: ["@penguinmails/db"],
  // Loaded by Node at run time, not bundled: PGlite finds its WASM next to its own files,
  // and postgres.js is a plain Node library.
  serverExternalPackages: ["@electric-sql/pglite", "postgres"],
  poweredByHeader: false,
};

export default config;
