import { WebError } from "./errors";

// JSON request bodies: a wrong content type or malformed JSON is the client's mistake (400),
// never a 500. What the JSON must contain is for the zod schemas downstream.

export async function readJsonBody(request: Request): Promise<unknown> {
  const type = request.headers.get("content-type") ?? "";
  if (!/^application\/json\s*(;|$)/i.test(type)) {
    throw new WebError("validation", "the request body must be JSON, sent with Content-Type: application/json", [
      { field: "body", message: "must be application/json" },
    ]);
  }
  const text = await request.text();
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new WebError("validation", "the request body is not valid JSON", [{ field: "body", message: "is not valid JSON" }]);
  }
}
