import { describe, expect, it } from "vitest";
import { productWords, wordProblems } from "@/app/form-errors";

// The pages' wording of the API's refusals: each problem once, in the product's words.

describe("form refusals in the product's words", () => {
  it("says an empty email is required, and a malformed one what it should look like", () => {
    const problem = {
      status: 400,
      code: "validation" as const,
      message: "invalid input: email must be an email address",
      fields: [{ field: "email", message: "must be an email address" }],
    };
    expect(wordProblems(problem, ["email"], { email: "  " })).toEqual({ fields: { email: "Enter an email address." } });
    expect(wordProblems(problem, ["email"], { email: "penguin" })).toEqual({ fields: { email: "Enter a whole email address, like name@example.com." } });
  });

  it("puts a problem beside its field or at the form, never both, and without zod's 'invalid input'", () => {
    const problem = {
      status: 400,
      code: "validation" as const,
      message: "invalid input: roles must name at least one role",
      fields: [{ field: "roles", message: "must name at least one role" }],
    };
    expect(wordProblems(problem, ["roles"], {})).toEqual({ fields: { roles: "Choose at least one role." } });
    expect(wordProblems(problem, [], {})).toEqual({ error: "Choose at least one role.", fields: {} });
  });

  it("says workspace, never tenant", () => {
    expect(productWords("already a member of this tenant")).toBe("Already a member of this workspace.");
    expect(productWords("tenant not found")).toBe("Workspace not found.");
    const conflict = { status: 409, code: "conflict" as const, message: "a workspace must keep at least one owner" };
    expect(wordProblems(conflict, ["roles"], {})).toEqual({ error: "A workspace must keep at least one owner.", fields: {} });
  });
});
