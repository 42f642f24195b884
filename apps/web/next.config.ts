import type { NextConfig } from "next";

const config: NextConfig = {
  // The db package ships TypeScript source, no build step.
  transpilePackages: ["@penguinmails/db"],
  // Loaded by Node at run time, not bundled: PGlite finds its WASM next to its own files,
  // and postgres.js is a plain Node library.
  serverExternalPackages: ["@electric-sql/pglite", "postgres"],
  poweredByHeader: false,
  experimental: {
    // Bodies over 64 KiB are refused anyway (src/server/request-body.ts); these keep Next.js
    // from holding more than that for a server action, or for the proxy (src/proxy.ts).
    serverActions: { bodySizeLimit: "64kb" },
    proxyClientMaxBodySize: 64 * 1024 + 1,
  },
  logging: {
    // `next dev` would echo each server action's arguments (the emails people type) and
    // forward the browser's console (which may quote page text) to the terminal.
    serverFunctions: false,
    browserToTerminal: false,
  },
};

export default config;
