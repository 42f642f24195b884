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
      const body: unknown = await response.json();
      expect(body).toEqual({ error: { code, message: "what went wrong", fields: [{ field: "email", message: "is bad" }] } });
    }
  });

  it("leaves fields out when there are none, and maps the web's own unauthorized to 401", async () => {
    const response = errorResponse(new WebError("unauthorized", "sign in first"));
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ error: { code: "unauthorized", message: "sign in first" } });
  });

  it("answers anything else with 500 and a generic message, and logs its class and code only", async () => {
    const log = vi.spyOn(console, "error").mockImplementation(() => {});
    const driverError = Object.assign(new Error("duplicate key value, Key (email)=(olivia@example.test)"), {
      name: "PostgresError",
      code: "23505",
      constraint_name: "users_email_live_key",
      detail: "Key (email)=(olivia@example.test) already exists.",
    });
    const secret = new Error("Failed query: SELECT * FROM users WHERE password = $1\nparams: hunter2", { cause: driverError });
    const response = errorResponse(secret);
    expect(response.status).toBe(500);
    const text = await response.text();
    expect(JSON.parse(text)).toEqual({ error: { code: "internal", message: expect.any(String) } });
    expect(text).not.toMatch(/users|hunter2|SELECT/);
    expect(log).toHaveBeenCalledTimes(1);
    const line = log.mock.calls[0]!.join(" ");
    expect(line).not.toMatch(/hunter2|SELECT|olivia|Failed query|Key \(email\)/);
    expect(line).toMatch(/^\[web\] unexpected error \{/);
    expect(JSON.parse(line.slice(line.indexOf("{")))).toEqual({
      errors: [{ name: "Error" }, { name: "PostgresError", code: "23505", constraint: "users_email_live_key" }],
      at: expect.arrayContaining([expect.stringMatching(/^at .*errors\.test\.ts:\d+:\d+/)]),
    });
    log.mockRestore();
  });
});
