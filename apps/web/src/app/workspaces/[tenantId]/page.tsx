import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { isDataError, TENANT_ROLES } from "@penguinmails/db";
import { requireSignedIn } from "@/server/page-session";
import { findMyWorkspace, workspaceMembers, type WorkspaceMember, type WorkspaceMemberPage } from "@/server/workspaces";
import { MembersList, type MemberRow } from "../../forms/members-list";

export const metadata: Metadata = { title: "Workspace" };

interface Props {
  params: Promise<{ tenantId: string }>;
  searchParams: Promise<{ cursor?: string | string[] }>;
}

export default async function WorkspacePage({ params, searchParams }: Props) {
  const user = await requireSignedIn();
  const { tenantId } = await params;
  const { cursor } = await searchParams;
  // Not a member (or no such workspace, or not even an id): the same 404 either way.
  const workspace = await findMyWorkspace(user.id, tenantId);
  if (!workspace) notFound();

  let page: WorkspaceMemberPage;
  try {
    page = await workspaceMembers(user.id, workspace.id, { cursor: typeof cursor === "string" ? cursor : null });
  } catch (error) {
    if (isDataError(error, "not_found") || isDataError(error, "validation")) notFound();
    throw error;
  }

  // What the forms offer mirrors the data layer's rules; the data layer still decides.
  const manages = workspace.roles.includes("owner") || workspace.roles.includes("admin");
  const isOwner = workspace.roles.includes("owner");
  const grantable = TENANT_ROLES.filter((role) => isOwner || role !== "owner");
  // Owners on other pages count too, so only a first and last page can know you are the only one.
  const wholeList = !cursor && !page.nextCursor;
  const onlyOwner = isOwner && wholeList && page.members.filter((member) => member.roles.includes("owner")).length === 1;

  const rows = page.members.map((member): MemberRow => {
    const editable = manages && (isOwner || !member.roles.includes("owner"));
    // A workspace keeps at least one owner: stepping down or leaving would be refused.
    const lastOwnerSelf = onlyOwner && member.userId === user.id;
    return {
      ...pick(member),
      canEdit: editable && !lastOwnerSelf,
      canRemove: editable && !lastOwnerSelf,
      note: lastOwnerSelf ? "You are the only owner. Make someone else an owner before you step down or leave." : undefined,
    };
  });

  return (
    <div className="space-y-6">
      <div>
        <p className="text-sm">
          <Link href="/workspaces" className="link">
            ← My workspaces
          </Link>
        </p>
        <h1 className="mt-1 text-2xl font-bold tracking-tight break-words text-slate-900 sm:text-3xl">{workspace.name}</h1>
        <p className="mt-1 text-slate-600">Your roles here: {workspace.roles.join(", ")}.</p>
      </div>

      <MembersList tenantId={workspace.id} members={rows} manages={manages} grantable={grantable} />

      {cursor || page.nextCursor ? (
        <nav aria-label="Member pages" className="flex gap-4">
          {cursor ? (
            <Link href={`/workspaces/${workspace.id}`} className="link">
              First page
            </Link>
          ) : null}
          {page.nextCursor ? (
            <Link href={`/workspaces/${workspace.id}?cursor=${page.nextCursor}`} className="link">
              Next page
            </Link>
          ) : null}
        </nav>
      ) : null}
    </div>
  );
}

function pick({ userId, email, name, roles }: WorkspaceMember) {
  return { userId, email, name, roles: [...roles] };
}
