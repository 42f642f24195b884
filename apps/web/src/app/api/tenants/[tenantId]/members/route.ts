import { methodNotAllowed } from "@/server/other-methods";
import { readJsonBody } from "@/server/request-body";
import { handler, requireUser } from "@/server/route-handler";
import { addWorkspaceMember, workspaceMembers } from "@/server/workspaces";

// A malformed tenant id is the data layer's validation error (400); a well-formed id of a
// tenant the user is not a live member of is 404, whether or not it exists.

interface Context {
  params: Promise<{ tenantId: string }>;
}

export const GET = handler(async (request: Request, { params }: Context) => {
  const user = await requireUser(request);
  const { tenantId } = await params;
  const query = new URL(request.url).searchParams;
  const page = await workspaceMembers(user.id, tenantId, { cursor: query.get("cursor"), limit: query.get("limit") });
  return Response.json(page);
});

export const POST = handler(async (request: Request, { params }: Context) => {
  const user = await requireUser(request);
  const { tenantId } = await params;
  const member = await addWorkspaceMember(user.id, tenantId, await readJsonBody(request));
  return Response.json({ member }, { status: 201 });
});

const other = methodNotAllowed("GET", "POST");
export const PUT = other;
export const PATCH = other;
export const DELETE = other;
