import { checkHealth } from "@/server/health";

// Public on purpose: load balancers and uptime checks have no session.
export const dynamic = "force-dynamic";

export async function GET(): Promise<Response> {
  const health = await checkHealth();
  return health.ok
    ? Response.json({ status: "ok" })
    : Response.json({ status: "unavailable", reason: health.reason }, { status: 503 });
}
