import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { DataError } from "../src/errors";
import { and, eq, sql } from "drizzle-orm";
import { tenantUsers } from "../src/schema";
import { withSystem, withUser } from "../src/context";
import {
  addMember,
  changeEmail,
  createUser,
  eraseUser,
  findUserByEmail,
  findUserById,
  listMembers,
  markEmailVerified,
  removeMember,
  restoreUser,
  signInByEmail,
  softDeleteUser,
  updateProfile,
} from "../src/data";
import { everything, failure, signUp, uniqueEmail, workspace } from "./support/actors";
import { useTestDatabase } from "../src/testing/vitest";

const ctx = useTestDatabase({ max: 10 });

describe("sign-up and lookup", () => {
  it("creates a user in their own context and finds them by id and by email, any case, trimmed", async () => {
    const email = uniqueEmail("Finder");
    const user = await signUp(ctx.client, email);
    expect(user).toMatchObject({ email, deleted: null, emailVerified: null });
    const byId = await withUser(ctx.client.db, { userId: user.id }, (tx) => findUserById(tx, user.id));
    const byEmail = await withUser(ctx.client.db, { userId: user.id }, (tx) => findUserByEmail(tx, `  ${email.toUpperCase()} `));
    expect(byId?.id).toBe(user.id);
    expect(byEmail?.id).toBe(user.id);
  });

  // Engine difference (NileDB): its unique index is on the exact text (no expression index
  // there), so racing writers of one address in two cases can both win: one per spelling.
  it("10 concurrent sign-ups with one email: exactly 1 succeeds (NileDB: 1 per spelling), the rest get conflict on email", async () => {
    const email = uniqueEmail("race");
    const results = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => signUp(ctx.client, i % 2 ? email : email.toUpperCase())));
    const winners = ctx.database.engine === "nile" ? [1, 2] : [1];
    const won = results.filter((r) => r.status === "fulfilled").length;
    expect(winners).toContain(won);
    const reasons = results.flatMap((r) => (r.status === "rejected" ? [r.reason as DataError] : []));
    expect(reasons.map((e) => [e.code, e.fields?.[0]?.field])).toEqual(Array(10 - won).fill(["conflict", "email"]));
    const found = await withSystem(ctx.client.db, (tx) => findUserByEmail(tx, email));
    expect(found).not.toBeNull();
  });

  it("a tenant context finds the acting user and its members by id and email, and nobody else, on every engine", async () => {
    const [here, there] = [await workspace(ctx.client, "Here"), await workspace(ctx.client, "There")];
    const member = await here.member(["member"]);
    const find = (user: { id: string; email: string }) =>
      here.as(here.owner, async (tx) => [(await findUserById(tx, user.id))?.id ?? null, (await findUserByEmail(tx, user.email))?.id ?? null]);
    expect(await find(here.owner)).toEqual([here.owner.id, here.owner.id]);
    expect(await find(member)).toEqual([member.id, member.id]);
    expect(await find(there.owner)).toEqual([null, null]);
  });

  it("another user's row is not found from a context that cannot see it", async () => {
    const [alice, bob] = [await signUp(ctx.client), await signUp(ctx.client)];
    expect(await withUser(ctx.client.db, { userId: alice.id }, (tx) => findUserById(tx, bob.id))).toBeNull();
    expect(await withUser(ctx.client.db, { userId: alice.id }, (tx) => findUserByEmail(tx, bob.email))).toBeNull();
  });
});

describe("development sign-in", () => {
  it("finds the live user by email, or creates one, and never a second", async () => {
    const email = uniqueEmail("signin");
    const first = await signInByEmail(ctx.client.db, email);
    const again = await signInByEmail(ctx.client.db, `  ${email.toUpperCase()}  `);
    const shared = uniqueEmail("raced");
    const raced = await Promise.all(Array.from({ length: 5 }, () => signInByEmail(ctx.client.db, shared)));
    expect(again.id).toBe(first.id);
    expect(first).toMatchObject({ email, deleted: null });
    expect(new Set(raced.map((u) => u.id)).size).toBe(1);
  });

  it("refuses a malformed email before touching the database", async () => {
    const before = await everything(ctx.client);
    expect(await failure(signInByEmail(ctx.client.db, "not an email"))).toMatchObject({ code: "validation", fields: [{ field: "email" }] });
    expect(await everything(ctx.client)).toBe(before);
  });
});

describe("profile and email", () => {
  it("updates the acting user's profile fields and marks the email verified", async () => {
    const user = await signUp(ctx.client);
    const updated = await withUser(ctx.client.db, { userId: user.id }, async (tx) => {
      await updateProfile(tx, { name: "Pat Penguin", givenName: "Pat", familyName: "Penguin", picture: "https://example.test/p.png" });
      return markEmailVerified(tx);
    });
    expect(updated).toMatchObject({ name: "Pat Penguin", givenName: "Pat", familyName: "Penguin", picture: "https://example.test/p.png" });
    expect(updated.emailVerified).toBeInstanceOf(Date);
  });

  it("a membership's email follows its user's email", async () => {
    const space = await workspace(ctx.client);
    const member = await space.member(["member"]);
    const next = uniqueEmail("moved");
    const changed = await withUser(ctx.client.db, { userId: member.id }, (tx) => changeEmail(tx, next));
    expect(changed).toMatchObject({ email: next, emailVerified: null });
    const page = await space.as(space.owner, (tx) => listMembers(tx));
    const row = await withSystem(ctx.client.db, (tx) =>
      tx
        .select()
        .from(tenantUsers)
        .where(and(eq(tenantUsers.tenantId, space.tenant.id), eq(tenantUsers.userId, member.id))),
    ).then((rows) => rows[0]);
    expect(page.members.find((m) => m.userId === member.id)?.email).toBe(next);
    expect(row?.email).toBe(next);
  });

  it("changing to an email another live account holds is a conflict, and nothing changes", async () => {
    const [alice, bob] = [await signUp(ctx.client), await signUp(ctx.client)];
    const before = await everything(ctx.client);
    const error = await failure(withUser(ctx.client.db, { userId: alice.id }, (tx) => changeEmail(tx, bob.email.toUpperCase())));
    expect(error).toMatchObject({ code: "conflict", fields: [{ field: "email" }] });
    expect(error.message).not.toContain(bob.email);
    expect(await everything(ctx.client)).toBe(before);
  });
});

describe("soft delete, restore, erase", () => {
  it("soft delete marks the user and their memberships in one go; reads then exclude them", async () => {
    const space = await workspace(ctx.client);
    const member = await space.member(["member"]);
    await withUser(ctx.client.db, { userId: member.id }, (tx) => softDeleteUser(tx));
    const rows = await withSystem(ctx.client.db, async (tx) => ({
      user: await findUserById(tx, member.id, { includeDeleted: true }),
      live: await findUserById(tx, member.id),
      membership: (await tx.select().from(tenantUsers).where(eq(tenantUsers.userId, member.id)))[0],
    }));
    expect(rows.live).toBeNull();
    expect(rows.user?.deleted).toBeInstanceOf(Date);
    expect(rows.membership?.deleted).toEqual(rows.user?.deleted);
    const page = await space.as(space.owner, (tx) => listMembers(tx));
    expect(page.members.map((m) => m.userId)).toEqual([space.owner.id]);
  });

  it("the only owner of a workspace cannot delete or erase themselves, and nothing changes", async () => {
    const space = await workspace(ctx.client);
    const before = await everything(ctx.client);
    for (const attempt of [softDeleteUser, eraseUser]) {
      const error = await failure(withUser(ctx.client.db, { userId: space.owner.id }, (tx) => attempt(tx)));
      expect(error.code).toBe("conflict");
    }
    expect(await everything(ctx.client)).toBe(before);
  });

  it("an owner of several workspaces, each with another owner, deletes their account and every membership goes", async () => {
    const spaces = [await workspace(ctx.client), await workspace(ctx.client), await workspace(ctx.client)];
    const leaver = await spaces[0]!.member(["owner"]);
    await spaces[1]!.as(spaces[1]!.owner, (tx) => addMember(tx, { email: leaver.email, roles: ["member"] }));
    await spaces[2]!.as(spaces[2]!.owner, (tx) => addMember(tx, { email: leaver.email, roles: ["owner", "admin"] }));
    await withUser(ctx.client.db, { userId: leaver.id }, (tx) => softDeleteUser(tx));
    const memberships = await withSystem(ctx.client.db, (tx) => tx.select().from(tenantUsers).where(eq(tenantUsers.userId, leaver.id)));
    expect(memberships).toHaveLength(3);
    expect(memberships.every((m) => m.deleted !== null)).toBe(true);
  });

  it("the only owner of one of several workspaces cannot delete or erase their account, and nothing changes", async () => {
    const [shared, own] = [await workspace(ctx.client), await workspace(ctx.client)];
    const person = await shared.member(["owner"]);
    await own.as(own.owner, (tx) => addMember(tx, { email: person.email, roles: ["owner"] }));
    await own.as(person, (tx) => removeMember(tx, { userId: own.owner.id }));
    const before = await everything(ctx.client);
    for (const attempt of [softDeleteUser, eraseUser]) {
      expect((await failure(withUser(ctx.client.db, { userId: person.id }, (tx) => attempt(tx)))).code).toBe("conflict");
    }
    expect(await everything(ctx.client)).toBe(before);
  });

  it("account deletion and erasure run in the user's own context: in a tenant's they are refused, and nothing changes", async () => {
    const [one, two] = [await workspace(ctx.client), await workspace(ctx.client)];
    const member = await one.member(["member"]);
    await two.as(two.owner, (tx) => addMember(tx, { email: member.email, roles: ["member"] }));
    const before = await everything(ctx.client);
    for (const attempt of [softDeleteUser, eraseUser]) {
      // @ts-expect-error a tenant's transaction is not a user's: the type refuses it (the run-time check stays for untyped callers)
      const error = await failure(one.as(member, (tx) => attempt(tx)));
      expect(error.message).toBe("account deletion runs in the user's own context (withUser), not in a tenant's");
    }
    expect(await everything(ctx.client)).toBe(before);
  });

  it("restore within retention brings back the user and the memberships deleted with them", async () => {
    const space = await workspace(ctx.client);
    const member = await space.member(["admin"]);
    await withUser(ctx.client.db, { userId: member.id }, (tx) => softDeleteUser(tx));
    const restored = await withSystem(ctx.client.db, (tx) => restoreUser(tx, { userId: member.id }));
    expect(restored.deleted).toBeNull();
    const page = await space.as(space.owner, (tx) => listMembers(tx));
    expect(page.members.find((m) => m.userId === member.id)?.roles).toEqual(["admin"]);
  });

  it("restore is refused when a live account now holds the same email, and past retention", async () => {
    const gone = await signUp(ctx.client);
    await withUser(ctx.client.db, { userId: gone.id }, (tx) => softDeleteUser(tx));
    await signUp(ctx.client, gone.email.toUpperCase());
    let before = await everything(ctx.client);
    expect(await failure(withSystem(ctx.client.db, (tx) => restoreUser(tx, { userId: gone.id })))).toMatchObject({
      code: "conflict",
      fields: [{ field: "email" }],
    });
    expect(await everything(ctx.client)).toBe(before);

    const old = await signUp(ctx.client);
    await withSystem(ctx.client.db, (tx) => tx.execute(sql`UPDATE users.users SET deleted = now() - interval '31 days' WHERE id = ${old.id}`));
    before = await everything(ctx.client);
    expect((await failure(withSystem(ctx.client.db, (tx) => restoreUser(tx, { userId: old.id })))).code).toBe("not_found");
    expect(await everything(ctx.client)).toBe(before);
  });

  it("erasure removes the user and memberships; nothing holds their email or name", async () => {
    const space = await workspace(ctx.client);
    const member = await space.member(["member"], uniqueEmail("erase-me"));
    await withUser(ctx.client.db, { userId: member.id }, (tx) => updateProfile(tx, { name: "Erin Erasable" }));
    await withUser(ctx.client.db, { userId: member.id }, (tx) => eraseUser(tx));
    const all = await everything(ctx.client);
    expect(all).not.toContain(member.email);
    expect(all).not.toContain("Erin Erasable");
    expect(all).not.toContain(member.id);
    expect(all).toContain(space.owner.id);
  });

  it("a user cannot be created for someone else's id in their context", async () => {
    const me = randomUUID();
    const error = await failure(withUser(ctx.client.db, { userId: me }, (tx) => createUser(tx, { id: randomUUID(), email: uniqueEmail() })));
    expect(error.code).toBe("not_found");
  });
});
