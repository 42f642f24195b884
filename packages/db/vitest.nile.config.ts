import { defineConfig } from "vitest/config";
import base from "./vitest.config";

// The NileDB pass (DATABASE_TARGET=nile): the data-layer, read-path and seed tests, unchanged,
// on a NileDB-shaped database (src/testing/nile.ts), plus the NileDB checks themselves. The
// isolation, catalog and driver tests are PostgreSQL's (roles, policies, catalogs NileDB lacks).
export default defineConfig({
  test: {
    ...base.test,
    include: [
      "test/data-tenants.test.ts",
      "test/data-users.test.ts",
      "test/data-memberships.test.ts",
      "test/data-idn-emails.test.ts",
      "test/data-validation.test.ts",
      "test/read-path.test.ts",
      "test/seed.test.ts",
      "test/nile-*.test.ts",
    ],
  },
});
