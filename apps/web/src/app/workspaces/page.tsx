import type { Metadata } from "next";
import Link from "next/link";
import { requireSignedIn } from "@/server/page-session";
import { myWorkspaces } from "@/server/workspaces";
import { CreateWorkspaceForm } from "../forms/create-workspace-form";

export const metadata: Metadata = { title: "My workspaces" };

export default async function WorkspacesPage() {
  const user = await requireSignedIn();
  const workspaces = await myWorkspaces(user.id);
  return (
    <>
      <h1>My workspaces</h1>
      {workspaces.length === 0 ? (
        <p>You are not in any workspace yet.</p>
      ) : (
        <ul aria-label="My workspaces">
          {workspaces.map((workspace) => (
            <li key={workspace.id}>
              <Link href={`/workspaces/${workspace.id}`}>{workspace.name}</Link> ({workspace.roles.join(", ")})
            </li>
          ))}
        </ul>
      )}
      <section aria-labelledby="create-workspace-heading">
        <h2 id="create-workspace-heading">Create a workspace</h2>
        <CreateWorkspaceForm />
      </section>
    </>
  );
}
