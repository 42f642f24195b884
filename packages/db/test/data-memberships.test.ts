import { describe, expect, it } from "vitest";
import type { DataError } from "../src/errors";
import { and, eq, ilike, isNull, sql } from "drizzle-orm";
import { withSystem, withUser } from "../src/context";
import { tenantUsers, users as usersTable } from "../src/schema";
import { addMember, changeRoles, importMembers, leaveTenant, listMembers, removeMember, softDeleteUser } from "../src/data";
import { everything, failure, signUp, uniqueEmail, workspace } from "./support/actors";
import { useTestDatabase } from "../src/testing/vitest";
import { isNileTarget } from "../src/target";

const ctx = useTestDatabase({ max: 6 });

describe("adding members", () => {
  it("an unknown email creates the user; a known one (any case) joins the existing user", async () => {
    const space = await workspace(ctx.client);
    const email = uniqueEmail("new");
    const added = await space.as(space.owner, (tx) => addMember(tx, { email, roles: ["member"] }));
    expect(added).toMatchObject({ email, roles: ["member"], deleted: null });

    const existing = await signUp(ctx.client);
    const joined = await space.as(space.owner, (tx) => addMember(tx, { email: ` ${existing.email.toUpperCase()} `, roles: ["viewer"] }));
    expect(joined.userId).toBe(existing.id);
    const users = await withSystem(ctx.client.db, (tx) => tx.select().from(usersTable).where(ilike(usersTable.email, existing.email)));
    expect(users).toHaveLength(1);
  });

  it("adding someone who is already a member is a conflict; a removed member can be added back", async () => {
    const space = await workspace(ctx.client);
    const member = await space.member(["member"]);
    const before = await everything(ctx.client);
    const error = await failure(space.as(space.owner, (tx) => addMember(tx, { email: member.email, roles: ["admin"] })));
    expect(error).toMatchObject({ code: "conflict", message: "already a member of this tenant" });
    expect(await everything(ctx.client)).toBe(before);

    await space.as(space.owner, (tx) => removeMember(tx, { userId: member.id }));
    const back = await space.as(space.owner, (tx) => addMember(tx, { email: member.email, roles: ["viewer"] }));
    expect(back).toMatchObject({ userId: member.id, roles: ["viewer"], deleted: null });
  });

  it("admins add members but not owners; members and viewers add nobody", async () => {
    const space = await workspace(ctx.client);
    const [admin, member, viewer] = [await space.member(["admin"]), await space.member(["member"]), await space.member(["viewer"])];
    await space.as(admin, (tx) => addMember(tx, { email: uniqueEmail(), roles: ["member"] }));
    const before = await everything(ctx.client);
    expect((await failure(space.as(admin, (tx) => addMember(tx, { email: uniqueEmail(), roles: ["owner"] })))).code).toBe("forbidden");
    for (const who of [member, viewer]) {
      expect((await failure(space.as(who, (tx) => addMember(tx, { email: uniqueEmail(), roles: ["viewer"] })))).code).toBe("forbidden");
    }
    expect(await everything(ctx.client)).toBe(before);
  });
});

describe("outside a context", () => {
  // The scopes are types: a data function takes the transaction of the contexts it runs in.
  // The @ts-expect-error lines fail `pnpm typecheck` the day one of these compiles.
  it("a data function does not compile with the db handle, and at run time finds no context", async () => {
    const team = await workspace(ctx.client);
    const before = await everything(ctx.client);
    // @ts-expect-error the db handle is no context's transaction
    const listed = await failure(listMembers(ctx.client.db));
    // @ts-expect-error the db handle is no context's transaction
    const added = await failure(addMember(ctx.client.db, { email: uniqueEmail(), roles: ["member"] }));
    // @ts-expect-error a user context is not a tenant's
    const inUser = await failure(withUser(ctx.client.db, { userId: team.owner.id }, (tx) => listMembers(tx)));
    // A write asks who is acting first: no scope, no tenant. A read runs its statement; engine
    // difference (NileDB): the db handle refuses every statement there (a ConfigError, the
    // query error's cause); elsewhere it runs as its login with no scope, and finds nothing.
    expect(listed).toMatchObject(isNileTarget() ? { cause: { name: "ConfigError" } } : { code: "not_found" });
    expect(added).toMatchObject({ code: "not_found" });
    expect(inUser).toMatchObject({ code: "not_found" });
    expect(await everything(ctx.client)).toBe(before);
  });
});

describe("listing members", () => {
  it("pages through every member once, in a stable order, with names, emails and roles", async () => {
    const space = await workspace(ctx.client);
    for (let i = 0; i < 5; i++) await space.member(i % 2 ? ["member"] : ["viewer"]);
    const seen: string[] = [];
    let after: string | undefined;
    let pages = 0;
    do {
      const page = await space.as(space.owner, (tx) => listMembers(tx, { after, limit: 2 }));
      expect(page.members.length).toBeLessThanOrEqual(2);
      for (const m of page.members) {
        expect(m.email).toMatch(/@example\.test$/);
        expect(m.roles.length).toBeGreaterThan(0);
      }
      seen.push(...page.members.map((m) => m.userId));
      after = page.nextCursor ?? undefined;
      pages++;
    } while (after);
    expect(pages).toBe(3);
    expect(seen).toHaveLength(6);
    expect([...seen].sort()).toEqual(seen);
    expect(new Set(seen).size).toBe(6);
  });

  it("excludes removed members unless asked", async () => {
    const space = await workspace(ctx.client);
    const gone = await space.member(["member"]);
    await space.as(space.owner, (tx) => removeMember(tx, { userId: gone.id }));
    const live = await space.as(space.owner, (tx) => listMembers(tx));
    const all = await space.as(space.owner, (tx) => listMembers(tx, { includeDeleted: true }));
    expect(live.members.map((m) => m.userId)).toEqual([space.owner.id]);
    expect(all.members.find((m) => m.userId === gone.id)?.deleted).toBeInstanceOf(Date);
  });

  it("gives every member's fields and timestamps exactly as stored", async () => {
    const space = await workspace(ctx.client);
    const added = await space.as(space.owner, (tx) => addMember(tx, { email: uniqueEmail("exact"), roles: ["admin", "viewer"] }));
    await space.as(space.owner, (tx) => removeMember(tx, { userId: added.userId }));
    const columns = {
      userId: tenantUsers.userId,
      email: usersTable.email,
      name: usersTable.name,
      roles: tenantUsers.roles,
      created: tenantUsers.created,
      deleted: tenantUsers.deleted,
    };
    const stored = await withSystem(ctx.client.db, (tx) =>
      tx
        .select(columns)
        .from(tenantUsers)
        .innerJoin(usersTable, eq(usersTable.id, tenantUsers.userId))
        .where(eq(tenantUsers.tenantId, space.tenant.id))
        .orderBy(tenantUsers.userId),
    );
    expect(stored.find((m) => m.userId === added.userId)?.deleted).toBeInstanceOf(Date);
    const page = await space.as(space.owner, (tx) => listMembers(tx, { includeDeleted: true }));
    expect(page.members).toEqual(stored);
  });

  it("another tenant's members are not_found", async () => {
    const [mine, theirs] = [await workspace(ctx.client), await workspace(ctx.client)];
    const error = await failure(mine.as(theirs.owner, (tx) => listMembers(tx)));
    expect(error.code).toBe("not_found");
  });
});

describe("changing roles", () => {
  it("owners grant and revoke owner; admins change other roles but not owner", async () => {
    const space = await workspace(ctx.client);
    const [admin, member] = [await space.member(["admin"]), await space.member(["member"])];
    expect((await space.as(admin, (tx) => changeRoles(tx, { userId: member.id, roles: ["member", "viewer"] }))).roles).toEqual(["member", "viewer"]);
    const before = await everything(ctx.client);
    expect((await failure(space.as(admin, (tx) => changeRoles(tx, { userId: member.id, roles: ["owner"] })))).code).toBe("forbidden");
    expect((await failure(space.as(admin, (tx) => changeRoles(tx, { userId: space.owner.id, roles: ["admin"] })))).code).toBe("forbidden");
    expect((await failure(space.as(member, (tx) => changeRoles(tx, { userId: admin.id, roles: ["viewer"] })))).code).toBe("forbidden");
    expect(await everything(ctx.client)).toBe(before);
    expect((await space.as(space.owner, (tx) => changeRoles(tx, { userId: member.id, roles: ["owner"] }))).roles).toEqual(["owner"]);
  });

  it("nobody raises their own roles; lowering them is fine while another owner remains", async () => {
    const space = await workspace(ctx.client);
    const [admin, member] = [await space.member(["admin"]), await space.member(["member"])];
    const before = await everything(ctx.client);
    expect((await failure(space.as(admin, (tx) => changeRoles(tx, { userId: admin.id, roles: ["owner"] })))).code).toBe("forbidden");
    expect((await failure(space.as(member, (tx) => changeRoles(tx, { userId: member.id, roles: ["admin"] })))).code).toBe("forbidden");
    expect(await everything(ctx.client)).toBe(before);
    const coOwner = await space.member(["owner"]);
    expect((await space.as(coOwner, (tx) => changeRoles(tx, { userId: coOwner.id, roles: ["member"] }))).roles).toEqual(["member"]);
  });

  it("the last owner cannot give up owner", async () => {
    const space = await workspace(ctx.client);
    const before = await everything(ctx.client);
    const error = await failure(space.as(space.owner, (tx) => changeRoles(tx, { userId: space.owner.id, roles: ["admin"] })));
    expect(error).toMatchObject({ code: "conflict", message: "a workspace must keep at least one owner" });
    expect(await everything(ctx.client)).toBe(before);
  });

  it("a user of another tenant is not_found here", async () => {
    const [mine, theirs] = [await workspace(ctx.client), await workspace(ctx.client)];
    const before = await everything(ctx.client);
    expect((await failure(mine.as(mine.owner, (tx) => changeRoles(tx, { userId: theirs.owner.id, roles: ["viewer"] })))).code).toBe("not_found");
    expect((await failure(mine.as(mine.owner, (tx) => removeMember(tx, { userId: theirs.owner.id })))).code).toBe("not_found");
    expect(await everything(ctx.client)).toBe(before);
  });
});

describe("removing and leaving", () => {
  it("admins remove members but not owners; members remove nobody but may leave", async () => {
    const space = await workspace(ctx.client);
    const [admin, member, other] = [await space.member(["admin"]), await space.member(["member"]), await space.member(["viewer"])];
    const before = await everything(ctx.client);
    expect((await failure(space.as(admin, (tx) => removeMember(tx, { userId: space.owner.id })))).code).toBe("forbidden");
    expect((await failure(space.as(member, (tx) => removeMember(tx, { userId: other.id })))).code).toBe("forbidden");
    expect(await everything(ctx.client)).toBe(before);

    await space.as(admin, (tx) => removeMember(tx, { userId: other.id }));
    await space.as(member, (tx) => leaveTenant(tx));
    const page = await space.as(space.owner, (tx) => listMembers(tx));
    expect(page.members.map((m) => m.userId).sort()).toEqual([space.owner.id, admin.id].sort());
  });

  it("the last owner cannot leave", async () => {
    const space = await workspace(ctx.client);
    const before = await everything(ctx.client);
    expect((await failure(space.as(space.owner, (tx) => leaveTenant(tx)))).code).toBe("conflict");
    expect(await everything(ctx.client)).toBe(before);
  });

  it("an owner whose account is deleted counts for nothing: the last live owner still cannot leave, step down or go", async () => {
    const space = await workspace(ctx.client);
    const ghost = await space.member(["owner"]);
    // What a membership added while its user's account was being deleted leaves behind.
    await withSystem(ctx.client.db, (tx) =>
      tx
        .update(usersTable)
        .set({ deleted: sql`now()` })
        .where(eq(usersTable.id, ghost.id)),
    );
    const before = await everything(ctx.client);
    expect((await failure(space.as(space.owner, (tx) => leaveTenant(tx)))).code).toBe("conflict");
    expect((await failure(space.as(space.owner, (tx) => changeRoles(tx, { userId: space.owner.id, roles: ["admin"] })))).code).toBe("conflict");
    expect((await failure(withUser(ctx.client.db, { userId: space.owner.id }, (tx) => softDeleteUser(tx)))).code).toBe("conflict");
    expect(await everything(ctx.client)).toBe(before);
  });

  it("two concurrent removals of the last two owners: one is refused, one owner remains", async () => {
    const space = await workspace(ctx.client);
    const second = await space.member(["owner"]);
    const results = await Promise.allSettled([
      space.as(space.owner, (tx) => removeMember(tx, { userId: second.id })),
      space.as(second, (tx) => removeMember(tx, { userId: space.owner.id })),
    ]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const refused = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
    expect((refused.reason as DataError).code).toMatch(/^(conflict|not_found)$/);
    const owners = await withSystem(ctx.client.db, (tx) =>
      tx
        .select()
        .from(tenantUsers)
        .where(and(eq(tenantUsers.tenantId, space.tenant.id), isNull(tenantUsers.deleted))),
    );
    expect(owners.filter((m) => m.roles.includes("owner"))).toHaveLength(1);
  });

  it("a removed member's tenant context sees nothing any more", async () => {
    const space = await workspace(ctx.client);
    const member = await space.member(["member"]);
    await space.as(space.owner, (tx) => removeMember(tx, { userId: member.id }));
    expect((await failure(space.as(member, (tx) => listMembers(tx)))).code).toBe("not_found");
  });
});

describe("bulk import", () => {
  it("adds new and existing users, brings back removed members, skips live ones", async () => {
    const space = await workspace(ctx.client);
    const [live, removed, existing] = [await space.member(["viewer"]), await space.member(["member"]), await signUp(ctx.client)];
    await space.as(space.owner, (tx) => removeMember(tx, { userId: removed.id }));
    const fresh = uniqueEmail("fresh");
    const { added } = await space.as(space.owner, (tx) =>
      importMembers(tx, {
        members: [
          { email: fresh, name: "Fresh Face", roles: ["member"] },
          { email: existing.email.toUpperCase(), roles: ["viewer", "member"] },
          { email: live.email, roles: ["admin"] },
          { email: removed.email, roles: ["admin"] },
        ],
      }),
    );
    expect(added).toBe(3);
    const page = await space.as(space.owner, (tx) => listMembers(tx));
    const roles = Object.fromEntries(page.members.map((m) => [m.email, m.roles]));
    expect(roles).toEqual({
      [space.owner.email]: ["owner"],
      [live.email]: ["viewer"],
      [removed.email]: ["admin"],
      [existing.email]: ["viewer", "member"],
      [fresh]: ["member"],
    });
    expect(page.members.find((m) => m.email === fresh)?.name).toBe("Fresh Face");
  });

  it("refuses duplicate emails, bad roles, and owner grants by admins, changing nothing", async () => {
    const space = await workspace(ctx.client);
    const admin = await space.member(["admin"]);
    const email = uniqueEmail();
    const before = await everything(ctx.client);
    // Thunks: each attempt starts only when the loop reaches it, so none rejects unobserved.
    const attempts: [() => Promise<unknown>, string][] = [
      [
        () =>
          space.as(space.owner, (tx) =>
            importMembers(tx, {
              members: [
                { email, roles: ["member"] },
                { email: email.toUpperCase(), roles: ["viewer"] },
              ],
            }),
          ),
        "validation",
      ],
      [() => space.as(space.owner, (tx) => importMembers(tx, { members: [{ email, roles: [] }] })), "validation"],
      [() => space.as(space.owner, (tx) => importMembers(tx, { members: [] })), "validation"],
      [() => space.as(admin, (tx) => importMembers(tx, { members: [{ email, roles: ["owner"] }] })), "forbidden"],
    ];
    for (const [attempt, code] of attempts) expect((await failure(attempt())).code).toBe(code);
    expect(await everything(ctx.client)).toBe(before);
  });
});
