import { methodNotAllowed } from "@/server/other-methods";
import { readJsonBody } from "@/server/request-body";
import { handler, requireUser } from "@/server/route-handler";
import { createWorkspace, myWorkspaces } from "@/server/workspaces";

export const GET = handler(async (request: Request) => {
  const user = await requireUser(request);
  return Response.json({ tenants: await myWorkspaces(user.id) });
});

export const POST = handler(async (request: Request) => {
  const user = await requireUser(request);
  const tenant = await createWorkspace(user.id, await readJsonBody(request));
  return Response.json({ tenant }, { status: 201 });
});

const other = methodNotAllowed("GET", "POST");
export const PUT = other;
export const PATCH = other;
export const DELETE = other;
