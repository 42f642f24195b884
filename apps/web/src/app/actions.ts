"use server";

import { cookies } from "next/headers";
import { redirect } from "next/navigation";
import { revalidatePath } from "next/cache";
import { toPublicError } from "@/server/errors";
import { devSignIn, updateMyProfile } from "@/server/identity";
import { requestIsHttps, requireSignedIn } from "@/server/page-session";
import { SESSION_COOKIE, sessionCookieOptions } from "@/server/session-cookie";
import { signInConfig } from "@/server/sign-in-config";
import { addWorkspaceMember, changeMemberRoles, createWorkspace, removeWorkspaceMember } from "@/server/workspaces";
import { wordProblems } from "./form-errors";
import type { FormState } from "./form-state";

// The pages' forms post here. Each action checks the session itself (an action is a public
// POST endpoint) and goes through the same server modules as the API.

export async function signIn(_previous: FormState, form: FormData): Promise<FormState> {
  const config = signInConfig();
  if (!config.devSignIn || !config.sessionSecret) return { error: "Sign-in is not configured on this server." };
  try {
    const { token } = await devSignIn({ email: form.get("email") }, config.sessionSecret);
    (await cookies()).set(SESSION_COOKIE, token, sessionCookieOptions(await requestIsHttps()));
  } catch (error) {
    return failed(error, form, ["email"]);
  }
  redirect("/workspaces");
}

export async function signOut(): Promise<void> {
  (await cookies()).set(SESSION_COOKIE, "", sessionCookieOptions(await requestIsHttps(), 0));
  redirect("/sign-in");
}

export async function createWorkspaceAction(_previous: FormState, form: FormData): Promise<FormState> {
  const user = await requireSignedIn();
  let id: string;
  try {
    id = (await createWorkspace(user.id, { name: form.get("name") })).id;
  } catch (error) {
    return failed(error, form, ["name"]);
  }
  redirect(`/workspaces/${id}`);
}

export async function addMemberAction(tenantId: string, _previous: FormState, form: FormData): Promise<FormState> {
  const user = await requireSignedIn();
  try {
    const member = await addWorkspaceMember(user.id, tenantId, { email: form.get("email"), roles: form.getAll("roles") });
    revalidatePath(`/workspaces/${tenantId}`);
    return { notice: `Added ${member.email} as ${member.roles.join(", ")}.` };
  } catch (error) {
    return failed(error, form, ["email", "roles"]);
  }
}

export async function changeRolesAction(tenantId: string, memberId: string, _previous: FormState, form: FormData): Promise<FormState> {
  const user = await requireSignedIn();
  try {
    const member = await changeMemberRoles(user.id, tenantId, memberId, { roles: form.getAll("roles") });
    revalidatePath(`/workspaces/${tenantId}`);
    return { notice: `Roles of ${member.email} saved.` };
  } catch (error) {
    // The checkboxes are the roles field, so its problem is the form's own message.
    return failed(error, form, []);
  }
}

/**
 * Called directly (not as a form action) by the members list, which keeps the notice after
 * the removed member's row, and the form that was in it, are gone.
 */
export async function removeMemberAction(tenantId: string, memberId: string): Promise<FormState> {
  const user = await requireSignedIn();
  try {
    await removeWorkspaceMember(user.id, tenantId, memberId);
  } catch (error) {
    return failed(error);
  }
  // Removing yourself is leaving: the workspace is no longer yours to see.
  if (memberId === user.id) redirect("/workspaces");
  revalidatePath(`/workspaces/${tenantId}`);
  return { notice: "removed" };
}

export async function updateProfileAction(_previous: FormState, form: FormData): Promise<FormState> {
  const user = await requireSignedIn();
  try {
    const updated = await updateMyProfile(user.id, { name: form.get("name") });
    // The layout and member lists show the name too.
    revalidatePath("/", "layout");
    return { notice: updated.name ? `Saved. Your name is ${updated.name}.` : "Saved. Your name is cleared.", values: { name: updated.name ?? "" } };
  } catch (error) {
    return failed(error, form, ["name"]);
  }
}

function failed(error: unknown, form?: FormData, shownFields: readonly string[] = []): FormState {
  const problem = toPublicError(error);
  if (problem.code === "unauthorized") redirect("/sign-in");
  const values = form ? typedValues(form) : {};
  const { error: message, fields } = wordProblems(problem, shownFields, values);
  return { error: message, fields, values: form ? values : undefined };
}

// What the person typed, without Next.js's own hidden `$ACTION_…` fields.
function typedValues(form: FormData): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [name, value] of form) if (typeof value === "string" && !name.startsWith("$")) values[name] = value;
  return values;
}
