import { errorResponse, WebError } from "@/server/errors";

// Any /api path no route serves (and /api itself): the JSON envelope's 404, whatever the method.
const noSuchRoute = (): Promise<Response> => Promise.resolve(errorResponse(new WebError("not_found", "no such API route")));

export const GET = noSuchRoute;
export const POST = noSuchRoute;
export const PUT = noSuchRoute;
export const PATCH = noSuchRoute;
export const DELETE = noSuchRoute;
