import { WebError } from "./errors";

// JSON request bodies: a wrong content type or malformed JSON is the client's mistake (400),
// never a 500; a body over MAX_BODY_BYTES is refused (413) as soon as it is known to be, from
// Content-Length or, since that can lie or be absent, by counting bytes while reading.

/** 64 KiB: far more than any request of this API needs. */
export const MAX_BODY_BYTES = 64 * 1024;

export async function readJsonBody(request: Request): Promise<unknown> {
  const type = request.headers.get("content-type") ?? "";
  if (!/^application\/json\s*(;|$)/i.test(type)) {
    throw new WebError("validation", "the request body must be JSON, sent with Content-Type: application/json", [
      { field: "body", message: "must be application/json" },
    ]);
  }
  const text = await readCappedText(request, MAX_BODY_BYTES);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new WebError("validation", "the request body is not valid JSON", [{ field: "body", message: "is not valid JSON" }]);
  }
}

async function readCappedText(request: Request, limit: number): Promise<string> {
  const declared = Number(request.headers.get("content-length") ?? Number.NaN);
  if (declared > limit) throw tooLarge(limit);
  if (!request.body) return "";
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      // Stop pulling: the rest of the body is never read.
      await reader.cancel().catch(() => {});
      throw tooLarge(limit);
    }
    chunks.push(value);
  }
  return new TextDecoder().decode(Buffer.concat(chunks));
}

function tooLarge(limit: number): WebError {
  return new WebError("too_large", `the request body must be at most ${limit / 1024} KiB`);
}
