import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { withSystem, withTenant, withUser } from "../src/context";
import { addMember, changeRoles, createTenant, createUser, renameTenant, updateProfile } from "../src/data";
import { tenantUsers, users } from "../src/schema";
import { isNileTarget } from "../src/target";
import { everything, failure, uniqueEmail, workspace, type Workspace } from "./support/actors";
import { useTestDatabase } from "../src/testing/vitest";

// Bad input gets a clear, typed error and leaves every row as it was.
const ctx = useTestDatabase();
let space: Workspace;

beforeAll(async () => {
  space = await workspace(ctx.client);
});

const longEmail = `${"a".repeat(243)}@example.test`; // 255 characters

describe("the data layer refuses bad input, changing nothing", () => {
  const cases: [string, () => Promise<unknown>, string, string][] = [
    ["a bad UUID", () => space.as(space.owner, (tx) => changeRoles(tx, { userId: "not-a-uuid", roles: ["member"] })), "validation", "userId"],
    ["a 255-character email", () => space.as(space.owner, (tx) => addMember(tx, { email: longEmail, roles: ["member"] })), "validation", "email"],
    ["an email without @", () => space.as(space.owner, (tx) => addMember(tx, { email: "penguin.example.test", roles: ["member"] })), "validation", "email"],
    ["a NUL byte in a name", () => space.as(space.owner, (tx) => renameTenant(tx, { name: "Pen\0guin" })), "validation", "name"],
    [
      "a 201-character name",
      () => withUser(ctx.client.db, { userId: space.owner.id }, (tx) => updateProfile(tx, { name: "n".repeat(201) })),
      "validation",
      "name",
    ],
    ["an empty tenant name", () => withUser(ctx.client.db, { userId: space.owner.id }, (tx) => createTenant(tx, { name: "   " })), "validation", "name"],
    [
      "an unknown role",
      () => space.as(space.owner, (tx) => addMember(tx, { email: uniqueEmail(), roles: ["superuser" as "member"] })),
      "validation",
      "roles.0",
    ],
    ["empty roles", () => space.as(space.owner, (tx) => addMember(tx, { email: uniqueEmail(), roles: [] })), "validation", "roles"],
    ["duplicate roles", () => space.as(space.owner, (tx) => addMember(tx, { email: uniqueEmail(), roles: ["member", "member"] })), "validation", "roles"],
    [
      "an unknown profile field",
      () => withUser(ctx.client.db, { userId: space.owner.id }, (tx) => updateProfile(tx, { email: "x@y.z" } as never)),
      "validation",
      "input",
    ],
    ["a duplicate membership", () => space.as(space.owner, (tx) => addMember(tx, { email: space.owner.email, roles: ["member"] })), "conflict", "email"],
    [
      "a missing tenant",
      () => withTenant(ctx.client.db, { tenantId: randomUUID(), userId: space.owner.id }, (tx) => renameTenant(tx, { name: "X" })),
      "not_found",
      "",
    ],
    [
      "a bad tenant id in the context",
      () => withTenant(ctx.client.db, { tenantId: "42", userId: space.owner.id }, (tx) => renameTenant(tx, { name: "X" })),
      "validation",
      "tenantId",
    ],
  ];

  it.each(cases)("%s", async (_, attempt, code, field) => {
    const before = await everything(ctx.client);
    const error = await failure(attempt());
    expect(error.code).toBe(code);
    if (field) expect(error.fields?.map((f) => f.field)).toContain(field);
    expect(error.message).not.toMatch(/select|insert|update|params/i);
    expect(await everything(ctx.client)).toBe(before);
  });
});

// Engine difference (NileDB): no CHECK constraints there (they would bind rows NileDB's own
// services write), so only the data layer validates; these run on PostgreSQL, embedded, Citus.
describe.skipIf(isNileTarget())("the database refuses the same bad data from any client, raw SQL included", () => {
  const raw: [string, string][] = [
    ["an unknown role", `UPDATE users.tenant_users SET roles = '{superuser}'`],
    ["empty roles", `UPDATE users.tenant_users SET roles = '{}'`],
    ["duplicate roles", `UPDATE users.tenant_users SET roles = '{owner,owner}'`],
    ["a 201-character name", `UPDATE users.users SET name = repeat('n', 201)`],
    ["a 255-character email", `UPDATE users.users SET email = repeat('a', 243) || '@example.test'`],
    ["an untrimmed email", `UPDATE users.users SET email = ' ' || email`],
    ["a Unicode domain (stored as punycode)", `UPDATE users.users SET email = 'jürgen@bücher.de' WHERE id = (SELECT id FROM users.users LIMIT 1)`],
    ["a decomposed (not NFC) local part", `UPDATE users.users SET email = E'je\\u0301@example.test' WHERE id = (SELECT id FROM users.users LIMIT 1)`],
    ["a zero-width space in the local part", `UPDATE users.users SET email = E'a\\u200bb@example.test' WHERE id = (SELECT id FROM users.users LIMIT 1)`],
    ["a right-to-left override", `UPDATE users.users SET email = E'\\u202eab@example.test' WHERE id = (SELECT id FROM users.users LIMIT 1)`],
    ["an empty tenant name", `UPDATE tenants SET name = '  '`],
  ];

  it.each(raw)("%s (23514)", async (_, statement) => {
    const before = await everything(ctx.client);
    const error = await failure(ctx.client.sql.unsafe(statement));
    expect((error as { code?: string }).code).toBe("23514");
    expect(await everything(ctx.client)).toBe(before);
  });

  it("a NUL byte never reaches a row (PostgreSQL text cannot hold one)", async () => {
    const before = await everything(ctx.client);
    const error = await failure(
      withSystem(ctx.client.db, (tx) =>
        tx
          .update(users)
          .set({ name: "a\0b" })
          .where(sql`true`),
      ),
    );
    expect(error.message).toBeTruthy();
    expect(await everything(ctx.client)).toBe(before);
  });

  it("a constraint refusal through the data layer maps to validation naming the field", async () => {
    const before = await everything(ctx.client);
    const error = await failure(
      withSystem(ctx.client.db, (tx) =>
        import("../src/data/db-errors").then(({ mapErrors }) =>
          mapErrors(() =>
            tx
              .update(tenantUsers)
              .set({ roles: ["owner", "owner"] })
              .where(sql`true`),
          ),
        ),
      ),
    );
    expect(error).toMatchObject({ code: "validation", fields: [{ field: "roles" }] });
    expect(await everything(ctx.client)).toBe(before);
  });

  it("sign-up with a taken email is a conflict naming email, and creates nothing", async () => {
    const before = await everything(ctx.client);
    const id = randomUUID();
    const error = await failure(withUser(ctx.client.db, { userId: id }, (tx) => createUser(tx, { id, email: space.owner.email })));
    expect(error).toMatchObject({ code: "conflict", fields: [{ field: "email" }] });
    expect(error.message).not.toContain(space.owner.email);
    expect(await everything(ctx.client)).toBe(before);
  });
});
