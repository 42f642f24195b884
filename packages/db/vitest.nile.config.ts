import { configDefaults, defineConfig } from "vitest/config";
import base from "./vitest.config";

// The NileDB pass (DATABASE_TARGET=nile): the data-layer, read-path and seed tests, unchanged,
// on a NileDB-shaped database (src/testing/nile.ts), plus the NileDB checks themselves. The
// isolation, catalog and driver tests are PostgreSQL's (roles, policies, catalogs NileDB lacks).
//
// Engine difference: on the embedded engine only the emulation, lint and migration checks run. It serves every
// connection from one session and lets one transaction in at a time, and on NileDB the data
// layer commits some steps in transactions of their own while the context's is open (a user
// found or created before the membership): there they would wait for each other forever.
const onServer = Boolean(process.env.DATABASE_URL);
if (!onServer)
  console.log("NileDB pass on the embedded engine: the emulation, lint and migration checks only (the rest needs a server: vitest.nile.config.ts)");

export default defineConfig({
  test: {
    ...base.test,
    exclude: configDefaults.exclude,
    include: [
      "test/nile-emulation.test.ts",
      "test/nile-lint.test.ts",
      "test/nile-migrate.test.ts",
      ...(onServer
        ? [
            "test/nile-transcript.test.ts",
            "test/nile-probes.test.ts",
            "test/data-tenants.test.ts",
            "test/data-owner-races.test.ts",
            "test/data-relational.test.ts",
            "test/nile-repairs.test.ts",
            "test/data-users.test.ts",
            "test/data-memberships.test.ts",
            "test/data-idn-emails.test.ts",
            "test/data-validation.test.ts",
            "test/read-path.test.ts",
            "test/seed.test.ts",
          ]
        : []),
    ],
  },
});
