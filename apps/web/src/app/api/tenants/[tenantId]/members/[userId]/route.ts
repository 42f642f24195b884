import { methodNotAllowed } from "@/server/other-methods";
import { readJsonBody } from "@/server/request-body";
import { handler, requireUser } from "@/server/route-handler";
import { changeMemberRoles, removeWorkspaceMember } from "@/server/workspaces";

interface Context {
  params: Promise<{ tenantId: string; userId: string }>;
}

export const PATCH = handler(async (request: Request, { params }: Context) => {
  const user = await requireUser(request);
  const { tenantId, userId } = await params;
  const member = await changeMemberRoles(user.id, tenantId, userId, await readJsonBody(request));
  return Response.json({ member });
});

export const DELETE = handler(async (request: Request, { params }: Context) => {
  const user = await requireUser(request);
  const { tenantId, userId } = await params;
  await removeWorkspaceMember(user.id, tenantId, userId);
  return new Response(null, { status: 204 });
});

const other = methodNotAllowed("PATCH", "DELETE");
export const GET = other;
export const POST = other;
export const PUT = other;
