import {
  addMember,
  changeRoles,
  createTenant,
  idSchema,
  listMembers,
  listMyTenants,
  newMemberSchema,
  parseInput,
  readAsUser,
  readInTenant,
  removeMember,
  rolesSchema,
  tenantNameSchema,
  withTenant,
  withUser,
  type Member,
  type MyTenant,
  type TenantRole,
} from "@penguinmails/db";
import { z } from "zod";
import { database } from "./db";

// Workspaces (tenants) and their members, as the acting user: the one path from the API and
// the pages to the data layer. Each call is one context (the user's own for their
// workspaces, a tenant's inside one), so row-level security decides what it sees; reads take
// the one-round-trip read path (readAsUser, readInTenant), changes a transaction (withUser,
// withTenant). Input is validated here with the data layer's own schemas, so errors name the
// request's fields.

export type Workspace = MyTenant;

export interface WorkspaceMember {
  userId: string;
  email: string;
  name: string | null;
  roles: TenantRole[];
  created: Date;
}

export interface WorkspaceMemberPage {
  members: WorkspaceMember[];
  nextCursor: string | null;
}

const newWorkspaceSchema = z.object({ name: tenantNameSchema }).strict();
const rolesChangeSchema = z.object({ roles: rolesSchema }).strict();
const memberPageQuery = z.object({
  cursor: idSchema.optional(),
  limit: z.coerce.number({ message: "must be a number" }).int({ message: "must be a whole number" }).min(1).max(200).optional(),
});

export async function myWorkspaces(userId: string): Promise<Workspace[]> {
  return readAsUser(await database(), { userId }, (tx) => listMyTenants(tx));
}

/** The acting user's workspace with this id (and their roles there), or null. */
export async function findMyWorkspace(userId: string, tenantId: string): Promise<Workspace | null> {
  const id = idSchema.safeParse(tenantId);
  if (!id.success) return null;
  return (await myWorkspaces(userId)).find((workspace) => workspace.id === id.data) ?? null;
}

export async function createWorkspace(userId: string, input: unknown): Promise<Workspace> {
  const { name } = parseInput(newWorkspaceSchema, input);
  const tenant = await withUser(await database(), { userId }, (tx) => createTenant(tx, { name }));
  return { id: tenant.id, name: tenant.name, created: tenant.created, roles: ["owner"] };
}

/** A page of members; `query` holds the URL's `cursor` and `limit` (strings, may be absent). */
export async function workspaceMembers(
  userId: string,
  tenantId: string,
  query: { cursor?: string | null; limit?: string | null } = {},
): Promise<WorkspaceMemberPage> {
  const { cursor, limit } = parseInput(memberPageQuery, {
    cursor: query.cursor || undefined,
    limit: query.limit || undefined,
  });
  const page = await readInTenant(await database(), { tenantId, userId }, (tx) => listMembers(tx, { after: cursor, limit }));
  return { members: page.members.map(toWorkspaceMember), nextCursor: page.nextCursor };
}

export async function addWorkspaceMember(userId: string, tenantId: string, input: unknown): Promise<WorkspaceMember> {
  const member = parseInput(newMemberSchema, input);
  const added = await withTenant(await database(), { tenantId, userId }, (tx) => addMember(tx, member));
  return toWorkspaceMember(added);
}

export async function changeMemberRoles(userId: string, tenantId: string, memberId: string, input: unknown): Promise<WorkspaceMember> {
  const { roles } = parseInput(rolesChangeSchema, input);
  const changed = await withTenant(await database(), { tenantId, userId }, (tx) =>
    changeRoles(tx, { userId: memberId, roles: roles as TenantRole[] }),
  );
  return toWorkspaceMember(changed);
}

export async function removeWorkspaceMember(userId: string, tenantId: string, memberId: string): Promise<void> {
  await withTenant(await database(), { tenantId, userId }, (tx) => removeMember(tx, { userId: memberId }));
}

function toWorkspaceMember({ userId, email, name, roles, created }: Member): WorkspaceMember {
  return { userId, email, name, roles, created };
}
