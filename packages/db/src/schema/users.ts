import { sql } from "drizzle-orm";
import { index, text, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { instant, lifecycle } from "./columns";
import { usersSchema } from "./users-schema";

export const users = usersSchema.table(
  "users",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    email: text("email").notNull(),
    name: text("name"),
    familyName: text("family_name"),
    givenName: text("given_name"),
    picture: text("picture"),
    emailVerified: instant("email_verified"),
    ...lifecycle,
  },
  (table) => [
    // One live account per mailbox, whatever the case; a soft-deleted row (GDPR retention)
    // must not block re-registration. NileDB scopes its own constraint to live rows too.
    uniqueIndex("users_email_live_key")
      .on(sql`lower(${table.email})`)
      .where(sql`deleted IS NULL`),
    // The retention purge finds rows deleted before a cutoff; live rows stay out of it.
    index("users_deleted_idx")
      .on(table.deleted)
      .where(sql`deleted IS NOT NULL`),
  ],
);

export type User = typeof users.$inferSelect;
export type NewUser = typeof users.$inferInsert;
