import {
  addMember,
  changeRoles,
  createTenant,
  displayEmail,
  emailSchema,
  idSchema,
  listMembers,
  listMyTenants,
  readAsUser,
  readInTenant,
  removeMember,
  rolesSchema,
  TENANT_ROLES,
  tenantNameSchema,
  withTenant,
  withUser,
  type Member,
  type MyTenant,
  type TenantRole,
} from "@penguinmails/db";
import { z } from "zod";
import { database } from "./db";
import { parseRequestInput } from "./request-input";
import { shielded } from "./shielded";

// Workspaces (tenants) and their members, as the acting user: the one path from the API and
// the pages to the data layer. Each call is one context (the user's own for their
// workspaces, a tenant's inside one), so row-level security decides what it sees; reads take
// the one-round-trip read path (readAsUser, readInTenant), changes a transaction (withUser,
// withTenant). Input is validated here with the data layer's own schemas, so errors name the
// request's fields; its size is checked first (request-input.ts). Unexpected failures leave
// as a logged InternalError (shielded.ts).

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

/** A membership has at most one of each role, so a longer list is refused before its items are checked. */
const MAX_ROLES = TENANT_ROLES.length;
const rolesInput = z
  .array(z.unknown())
  .max(MAX_ROLES, { message: `must list at most ${MAX_ROLES} roles` })
  .pipe(rolesSchema);

const MAX_PAGE_SIZE = 200;
const pageSize = `must be between 1 and ${MAX_PAGE_SIZE}`;

const newWorkspaceSchema = z.object({ name: tenantNameSchema }).strict();
const newMemberSchema = z.object({ email: emailSchema, roles: rolesInput }).strict();
const rolesChangeSchema = z.object({ roles: rolesInput }).strict();
const memberPageQuery = z.object({
  cursor: idSchema.optional(),
  limit: z.coerce
    .number({ message: "must be a number" })
    .int({ message: "must be a whole number" })
    .min(1, { message: pageSize })
    .max(MAX_PAGE_SIZE, { message: pageSize })
    .optional(),
});

export function myWorkspaces(userId: string): Promise<Workspace[]> {
  return shielded(async () => readAsUser(await database(), { userId }, (tx) => listMyTenants(tx)));
}

/** The acting user's workspace with this id (and their roles there), or null. */
export async function findMyWorkspace(userId: string, tenantId: string): Promise<Workspace | null> {
  const id = idSchema.safeParse(tenantId);
  if (!id.success) return null;
  return (await myWorkspaces(userId)).find((workspace) => workspace.id === id.data) ?? null;
}

export function createWorkspace(userId: string, input: unknown): Promise<Workspace> {
  return shielded(async () => {
    const { name } = parseRequestInput(newWorkspaceSchema, input);
    const tenant = await withUser(await database(), { userId }, (tx) => createTenant(tx, { name }));
    return { id: tenant.id, name: tenant.name, created: tenant.created, roles: ["owner"] };
  });
}

/** A page of members; `query` holds the URL's `cursor` and `limit` (strings, may be absent). */
export async function workspaceMembers(
  userId: string,
  tenantId: string,
  query: { cursor?: string | null; limit?: string | null } = {},
): Promise<WorkspaceMemberPage> {
  return shielded(async () => {
    const { cursor, limit } = parseRequestInput(memberPageQuery, {
      cursor: query.cursor || undefined,
      limit: query.limit || undefined,
    });
    const page = await readInTenant(await database(), { tenantId, userId }, (tx) => listMembers(tx, { after: cursor, limit }));
    return { members: page.members.map(toWorkspaceMember), nextCursor: page.nextCursor };
  });
}

export function addWorkspaceMember(userId: string, tenantId: string, input: unknown): Promise<WorkspaceMember> {
  return shielded(async () => {
    const { email, roles } = parseRequestInput(newMemberSchema, input);
    const added = await withTenant(await database(), { tenantId, userId }, (tx) => addMember(tx, { email, roles }));
    return toWorkspaceMember(added);
  });
}

export function changeMemberRoles(userId: string, tenantId: string, memberId: string, input: unknown): Promise<WorkspaceMember> {
  return shielded(async () => {
    const { roles } = parseRequestInput(rolesChangeSchema, input);
    const changed = await withTenant(await database(), { tenantId, userId }, (tx) => changeRoles(tx, { userId: memberId, roles }));
    return toWorkspaceMember(changed);
  });
}

export function removeWorkspaceMember(userId: string, tenantId: string, memberId: string): Promise<void> {
  return shielded(async () => {
    await withTenant(await database(), { tenantId, userId }, (tx) => removeMember(tx, { userId: memberId }));
  });
}

function toWorkspaceMember({ userId, email, name, roles, created }: Member): WorkspaceMember {
  // Stored with a punycode domain; people read the Unicode one.
  return { userId, email: displayEmail(email), name, roles, created };
}
