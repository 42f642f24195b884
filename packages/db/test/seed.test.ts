import { describe, expect, it } from "vitest";
import { withUser } from "../src/context";
import { listMyTenants } from "../src/data";
import { demo, seed } from "../src/seed";
import { everything } from "./support/actors";
import { useTestDatabase } from "../src/testing/vitest";
import { runCli } from "./support/cli";

const ctx = useTestDatabase();

describe("pnpm db:seed", () => {
  it("loads the demo world, and a second run changes nothing", async () => {
    expect((await seed(ctx.client.db)).inserted).toEqual({
      users: demo.users.length,
      tenants: demo.tenants.length,
      memberships: demo.memberships.length,
    });
    const afterFirst = await everything(ctx.client);
    const second = await runCli("seed", { DATABASE_URL: ctx.database.url, DATABASE_MIGRATION_URL: undefined });
    expect(second.code).toBe(0);
    expect(second.stdout).toContain("inserted 0 users, 0 tenants, 0 memberships");
    expect(await everything(ctx.client)).toBe(afterFirst);
  });

  it("has every role, and one user in two tenants", async () => {
    const roles = new Set(demo.memberships.flatMap((m) => m.roles));
    expect([...roles].sort()).toEqual(["admin", "member", "owner", "viewer"]);
    const olivia = demo.users[0]!;
    const tenants = await withUser(ctx.client.db, { userId: olivia.id }, (tx) => listMyTenants(tx));
    expect(tenants.map((t) => [t.name, t.roles])).toEqual([
      ["Iceberg Labs", ["member"]],
      ["Penguin Post", ["owner"]],
    ]);
  });
});
