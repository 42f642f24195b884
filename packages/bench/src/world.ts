import { createHash } from "node:crypto";

// The seeded world, the same shape at every scale: each tenant has 100 members (the first
// is its owner) and each user belongs to 10 tenants, so a page of members or a user's
// tenants is the same size at 10,000 memberships as at 1,000,000 and only the tables grow.
// Ids are md5 of a name, computed alike here and in SQL, so nothing has to be read back.

export const MEMBERS_PER_TENANT = 100;
export const TENANTS_PER_USER = 10;

export interface Scale {
  memberships: number;
  users: number;
  tenants: number;
}

export function scaleOf(memberships: number): Scale {
  return {
    memberships,
    users: memberships / TENANTS_PER_USER,
    tenants: memberships / MEMBERS_PER_TENANT,
  };
}

export function describeScale(scale: Scale): string {
  return `${count(scale.memberships)} memberships (${count(scale.users)} users, ${count(scale.tenants)} tenants)`;
}

export const userId = (n: number) => md5Uuid(`pm-bench-user-${n}`);
export const tenantId = (t: number) => md5Uuid(`pm-bench-tenant-${t}`);
export const userEmail = (n: number) => `user${n}@bench.test`;
/** the same ids and emails, as SQL expressions of an integer expression */
export const sqlUserId = (n: string) => `md5('pm-bench-user-' || (${n}))::uuid`;
export const sqlTenantId = (t: string) => `md5('pm-bench-tenant-' || (${t}))::uuid`;
export const sqlUserEmail = (n: string) => `'user' || (${n}) || '@bench.test'`;

/** Member k (0 = the owner) of tenant t. */
export function memberOf(scale: Scale, t: number, k: number): number {
  return (t * MEMBERS_PER_TENANT + k) % scale.users;
}

/** One request's worth of inputs: a tenant, its owner, one of its members. */
export interface Sample {
  tenantId: string;
  ownerId: string;
  memberId: string;
  memberEmail: string;
}

/** `count` samples spread over the world, the same ones on every run (a seeded PRNG). */
export function samplesOf(scale: Scale, count: number, seed = 7): Sample[] {
  const random = mulberry32(seed);
  return Array.from({ length: count }, () => {
    const t = Math.floor(random() * scale.tenants);
    const member = memberOf(scale, t, 1 + Math.floor(random() * (MEMBERS_PER_TENANT - 1)));
    return {
      tenantId: tenantId(t),
      ownerId: userId(memberOf(scale, t, 0)),
      memberId: userId(member),
      memberEmail: userEmail(member),
    };
  });
}

export function md5Uuid(text: string): string {
  const h = createHash("md5").update(text).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function count(n: number): string {
  return n.toLocaleString("en-US");
}
