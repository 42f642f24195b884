import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { isDataError, TENANT_ROLES } from "@penguinmails/db";
import { requireSignedIn } from "@/server/page-session";
import { findMyWorkspace, workspaceMembers, type WorkspaceMemberPage } from "@/server/workspaces";
import { addMemberAction, changeRolesAction, removeMemberAction } from "../../actions";
import { AddMemberForm, MemberRolesForm, RemoveMemberForm } from "../../forms/member-forms";

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

  return (
    <>
      <h1>{workspace.name}</h1>
      <p>Your roles here: {workspace.roles.join(", ")}.</p>

      <table>
        <caption>Members</caption>
        <thead>
          <tr>
            <th scope="col">Email</th>
            <th scope="col">Name</th>
            <th scope="col">Roles</th>
            {manages ? <th scope="col">Manage</th> : null}
          </tr>
        </thead>
        <tbody>
          {page.members.map((member) => {
            const editable = manages && (isOwner || !member.roles.includes("owner"));
            return (
              <tr key={member.userId}>
                <td>{member.email}</td>
                <td>{member.name ?? ""}</td>
                <td>{member.roles.join(", ")}</td>
                {manages ? (
                  <td>
                    {editable ? (
                      <>
                        <MemberRolesForm
                          action={changeRolesAction.bind(null, workspace.id, member.userId)}
                          roles={grantable}
                          current={member.roles}
                          email={member.email}
                          formId={`roles-${member.userId}`}
                        />
                        <RemoveMemberForm
                          action={removeMemberAction.bind(null, workspace.id, member.userId)}
                          email={member.email}
                          formId={`remove-${member.userId}`}
                        />
                      </>
                    ) : null}
                  </td>
                ) : null}
              </tr>
            );
          })}
        </tbody>
      </table>
      <nav aria-label="Member pages">
        {cursor ? <Link href={`/workspaces/${workspace.id}`}>First page</Link> : null}{" "}
        {page.nextCursor ? <Link href={`/workspaces/${workspace.id}?cursor=${page.nextCursor}`}>Next page</Link> : null}
      </nav>

      {manages ? (
        <section aria-labelledby="add-member-heading">
          <h2 id="add-member-heading">Add a member</h2>
          <AddMemberForm action={addMemberAction.bind(null, workspace.id)} roles={grantable} />
        </section>
      ) : null}
      <p>
        <Link href="/workspaces">Back to my workspaces</Link>
      </p>
    </>
  );
}
