import { errorResponse, WebError } from "./errors";

// Next.js answers a method a route does not export with an empty 405; routes export this for
// each such method instead, so the answer is the JSON envelope, with the Allow header.
export function methodNotAllowed(...allowed: string[]): () => Promise<Response> {
  return () => {
    const response = errorResponse(new WebError("method_not_allowed", `this route allows only ${allowed.join(", ")}`));
    response.headers.set("allow", allowed.join(", "));
    return Promise.resolve(response);
  };
}
