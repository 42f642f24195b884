import type { Metadata } from "next";
import Link from "next/link";
import { Suspense } from "react";
import { requireSignedIn } from "@/server/page-session";
import { myWorkspaces } from "@/server/workspaces";
import { CreateWorkspaceForm } from "../forms/create-workspace-form";
import { LoadingSkeleton } from "../loading-skeleton";

export const metadata: Metadata = { title: "My workspaces" };

export default async function WorkspacesPage() {
  // Before any streaming starts, so a signed-out visitor still gets a real redirect (307).
  const user = await requireSignedIn();
  return (
    <div className="space-y-6">
      <h1 className="text-2xl font-bold tracking-tight sm:text-3xl">My workspaces</h1>
      <Suspense fallback={<LoadingSkeleton label="Loading your workspaces…" />}>
        <WorkspaceList userId={user.id} />
      </Suspense>
      <section aria-labelledby="create-workspace-heading" className="card">
        <h2 id="create-workspace-heading" className="mb-3 text-lg font-semibold">
          Create a workspace
        </h2>
        <CreateWorkspaceForm />
      </section>
    </div>
  );
}

async function WorkspaceList({ userId }: { userId: string }) {
  const workspaces = await myWorkspaces(userId);
  if (workspaces.length === 0) {
    return (
      <div className="rounded-lg border border-dashed border-slate-300 bg-white px-4 py-8 text-center">
        <p className="font-medium text-slate-900">You are not in any workspace yet.</p>
        <p className="mt-1 text-sm text-slate-600">Create one below, or ask a workspace&apos;s owner to add you.</p>
      </div>
    );
  }
  return (
    <ul aria-label="My workspaces" className="card divide-y divide-slate-200 p-0 sm:p-0">
      {workspaces.map((workspace) => (
        <li key={workspace.id} className="flex flex-wrap items-center justify-between gap-2 px-4 py-3 sm:px-6">
          <Link href={`/workspaces/${workspace.id}`} className="link break-all">
            {workspace.name}
          </Link>{" "}
          <span className="text-sm text-slate-600">({workspace.roles.join(", ")})</span>
        </li>
      ))}
    </ul>
  );
}
