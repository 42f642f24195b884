import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { withTenant, withUser } from "../src/context";
import { createTenant, listMembers, listMyTenants, renameTenant, restoreTenant, softDeleteTenant } from "../src/data";
import { everything, failure, signUp, workspace } from "./support/actors";
import { useTestDatabase } from "../src/testing/vitest";

const ctx = useTestDatabase();

describe("tenants", () => {
  it("the creator becomes owner in the same transaction and sees the tenant in their list", async () => {
    const user = await signUp(ctx.client);
    const tenant = await withUser(ctx.client.db, { userId: user.id }, (tx) => createTenant(tx, { name: "  Penguin Post  " }));
    expect(tenant).toMatchObject({ name: "Penguin Post", deleted: null });
    const mine = await withUser(ctx.client.db, { userId: user.id }, (tx) => listMyTenants(tx));
    expect(mine.map((t) => [t.id, t.roles])).toEqual([[tenant.id, ["owner"]]]);
  });

  it("creating a tenant with no acting user, or a deleted one, creates nothing", async () => {
    const before = await everything(ctx.client);
    const ghost = await failure(withUser(ctx.client.db, { userId: randomUUID() }, (tx) => createTenant(tx, { name: "Ghost" })));
    expect(ghost.code).toBe("not_found");
    expect(await everything(ctx.client)).toBe(before);
  });

  it("lists only live tenants, with the user's roles in each, for a user in two tenants", async () => {
    const [one, two] = [await workspace(ctx.client, "Alpha"), await workspace(ctx.client, "Beta")];
    const both = await one.member(["admin"]);
    await two.as(two.owner, (tx) => import("../src/data").then(({ addMember }) => addMember(tx, { email: both.email, roles: ["viewer"] })));
    const mine = await withUser(ctx.client.db, { userId: both.id }, (tx) => listMyTenants(tx));
    expect(mine.map((t) => [t.name, t.roles])).toEqual([
      ["Alpha", ["admin"]],
      ["Beta", ["viewer"]],
    ]);
  });

  it("owners and admins rename; members are forbidden; outsiders get not_found", async () => {
    const space = await workspace(ctx.client);
    const [admin, member] = [await space.member(["admin"]), await space.member(["member"])];
    expect((await space.as(admin, (tx) => renameTenant(tx, { name: "Renamed" }))).name).toBe("Renamed");
    const outsider = await signUp(ctx.client);
    const before = await everything(ctx.client);
    expect((await failure(space.as(member, (tx) => renameTenant(tx, { name: "Nope" })))).code).toBe("forbidden");
    expect((await failure(space.as(outsider, (tx) => renameTenant(tx, { name: "Nope" })))).code).toBe("not_found");
    expect(await everything(ctx.client)).toBe(before);
  });

  it("soft delete hides the tenant and its memberships; only owners delete and restore", async () => {
    const space = await workspace(ctx.client);
    const admin = await space.member(["admin"]);
    expect((await failure(space.as(admin, (tx) => softDeleteTenant(tx)))).code).toBe("forbidden");
    await space.as(space.owner, (tx) => softDeleteTenant(tx));

    expect(await withUser(ctx.client.db, { userId: admin.id }, (tx) => listMyTenants(tx))).toEqual([]);
    expect((await failure(space.as(space.owner, (tx) => listMembers(tx)))).code).toBe("not_found");
    // A deleted tenant's context cannot be entered: its owners restore it from their user context.
    const restore = (user: { id: string }) => withUser(ctx.client.db, { userId: user.id }, (tx) => restoreTenant(tx, { tenantId: space.tenant.id }));
    expect((await failure(restore(admin))).code).toBe("forbidden");

    const restored = await restore(space.owner);
    expect(restored.deleted).toBeNull();
    const members = await space.as(space.owner, (tx) => listMembers(tx));
    expect(members.members.map((m) => m.userId).sort()).toEqual([space.owner.id, admin.id].sort());
    expect((await failure(restore(space.owner))).code).toBe("conflict");
  });

  it("a tenant context for a tenant that does not exist is not_found", async () => {
    const user = await signUp(ctx.client);
    const error = await failure(withTenant(ctx.client.db, { tenantId: randomUUID(), userId: user.id }, (tx) => listMembers(tx)));
    expect(error.code).toBe("not_found");
  });
});
