import { pgSchema } from "drizzle-orm/pg-core";

// NileDB keeps its built-in `users` and `tenant_users` in a schema named `users` (`tenants`
// stays in `public`); they live there on every engine, so one schema addresses them all.
export const usersSchema = pgSchema("users");
