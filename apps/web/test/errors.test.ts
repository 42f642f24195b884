import { DataError } from "@penguinmails/db";
import { describe, expect, it, vi } from "vitest";
import { errorResponse, WebError } from "@/server/errors";

describe("the error mapping", () => {
  it("gives each data-layer code its status, with code, message and fields only", async () => {
    const cases = [
      ["validation", 400],
      ["forbidden", 403],
      ["not_found", 404],
      ["conflict", 409],
    ] as const;
    for (const [code, status] of cases) {
      const cause = new Error("duplicate key value violates unique constraint, Key (email)=(someone@else)");
      const response = errorResponse(new DataError(code, "what went wrong", [{ field: "email", message: "is bad" }], { cause }));
      expect(response.status).toBe(status);
      const body = await response.json();
      expect(body).toEqual({ error: { code, message: "what went wrong", fields: [{ field: "email", message: "is bad" }] } });
    }
  });

  it("leaves fields out when there are none, and maps the web's own unauthorized to 401", async () => {
    const response = errorResponse(new WebError("unauthorized", "sign in first"));
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ error: { code: "unauthorized", message: "sign in first" } });
  });

  it("answers anything else with 500 and a generic message, and logs it", async () => {
    const log = vi.spyOn(console, "error").mockImplementation(() => {});
    const secret = new Error('relation "users" does not exist at SELECT * FROM users WHERE password = \'hunter2\'');
    const response = errorResponse(secret);
    expect(response.status).toBe(500);
    const text = await response.text();
    expect(JSON.parse(text)).toEqual({ error: { code: "internal", message: expect.any(String) } });
    expect(text).not.toMatch(/users|hunter2|SELECT/);
    expect(log).toHaveBeenCalledWith(expect.any(String), secret);
    log.mockRestore();
  });
});
