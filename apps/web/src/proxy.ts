import { NextResponse, type NextRequest } from "next/server";

// Next.js answers a path it cannot percent-decode (`/api/tenants/%ff/members`) with a plain
// 500 of its own, before any route runs. Paths with a `%` come here first (the matcher keeps
// every other request, and its body, away from the proxy) and a bad one gets the JSON 400.
export function proxy(request: NextRequest): Response {
  try {
    decodeURIComponent(request.nextUrl.pathname);
  } catch {
    return Response.json(
      {
        error: {
          code: "validation",
          message: "the path is not validly percent-encoded",
          fields: [{ field: "path", message: "is not valid percent-encoding" }],
        },
      },
      { status: 400 },
    );
  }
  return NextResponse.next();
}

export const config = { matcher: "/:path(.*%.*)" };
