import { checkHealth } from "@/server/health";
import { methodNotAllowed } from "@/server/other-methods";

// Public on purpose: load balancers and uptime checks have no session.
export const dynamic = "force-dynamic";

export async function GET(): Promise<Response> {
  const health = await checkHealth();
  return health.ok ? Response.json({ status: "ok" }) : Response.json({ status: "unavailable", reason: health.reason }, { status: 503 });
}

// Every other method: the JSON envelope's 405, not Next.js's empty one.
const other = methodNotAllowed("GET");
export const POST = other;
export const PUT = other;
export const PATCH = other;
export const DELETE = other;
