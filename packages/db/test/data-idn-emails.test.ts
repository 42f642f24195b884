import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { addMember, importMembers, listMembers, signInByEmail } from "../src/data";
import { displayEmail, EMAIL_PATTERN_SQL, emailSchema, normalizeEmail, normalizeWithIdna, parseEmail, parseInput } from "../src/data/validation";
import { everything, failure, workspace, type Workspace } from "./support/actors";
import { useTestDatabase } from "../src/testing/vitest";

// Internationalized addresses: accepted, stored in one form (local part NFC as typed, domain
// as lowercase punycode), every spelling of one address is one account.
const ctx = useTestDatabase();
let space: Workspace;

beforeAll(async () => {
  space = await workspace(ctx.client);
});

const tag = () => randomUUID().slice(0, 8);

describe("internationalized email addresses", () => {
  // normalizeEmail skips IDNA for plain ASCII addresses without an xn-- label; it must never
  // answer differently from the full path, valid addresses or not.
  // Lookups by email parse without zod (parseEmail); forms and writes use emailSchema.
  it("parses an address without zod exactly as emailSchema does: the same stored form, the same errors", () => {
    const inputs: unknown[] = [" Jürgen@Bücher.DE ", "a@b.cc", "x@xn--bcher-kva.de", `${"a".repeat(250)}@b.cc`, "a\0b@c.de", "not an address", "", 42, null];
    const outcome = (parse: () => string) => {
      try {
        return { email: parse() };
      } catch (error) {
        return { error: (error as { message: string; fields: unknown }).message, fields: (error as { fields: unknown }).fields };
      }
    };
    for (const input of inputs) {
      expect(
        outcome(() => parseEmail(input)),
        String(input),
      ).toEqual(outcome(() => parseInput(emailSchema, input, "email")));
    }
    expect(parseEmail(" Jürgen@Bücher.DE ")).toBe("Jürgen@xn--bcher-kva.de");
    expect(() => parseEmail("a\0b@c.de")).toThrow("email must not contain NUL bytes");
  });

  it("gives a plain ASCII address the stored form IDNA gives it, and refuses what IDNA refuses", () => {
    const chosen = [
      "User.Name+tag@Example.COM",
      "o'neil@ex-ample.io",
      "a-@b.cc",
      "a@c-.de",
      "a@c.d",
      "a@c.d3",
      "a@1.2.3.4",
      "a..b@c.de",
      ".a@c.de",
      "a'@c.de",
      "a@-c.de",
      "a@c..de",
      "a@c.de.",
      "x@Sub.XN--bcher-kva.de",
      "ab@xn--zz.de",
      "xn--a@b.cc",
      "a@xn--a-.cc",
      "a@ab--cd.ef",
      `a@${"b".repeat(70)}.cc`,
      `${"a".repeat(250)}@b.cc`,
      `${"a".repeat(240)}@b.cc`,
      "a@b.c_c",
      "a b@c.dd",
      "a@b@c.dd",
      "@b.cc",
      "a@",
    ];
    // And 5,000 shaped like addresses, parts drawn from a fixed seed, now and then breaking a rule.
    let seed = 7;
    const next = (n: number) => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) % n;
    const pick = (choices: string) => choices[next(choices.length)]!;
    const word = (chars: string, max: number) => Array.from({ length: next(max) }, () => pick(chars)).join("");
    const rarely = (odd: string[]) => (next(10) === 0 ? odd[next(odd.length)]! : "");
    const label = () => rarely(["-", "", "xn--", "XN--", "xn--a"]) + pick("abZ09") + word("abZ09-", 5);
    const generated = Array.from({ length: 5_000 }, () => {
      const local = rarely([".", "'"]) + pick("aZ09_+-") + word("aZ09_+-", 5) + rarely([".", "'", "..", ".b", "'c"]);
      const domain = Array.from({ length: 1 + next(3) }, label).join(".");
      return `${local}@${domain}.${rarely(["", "x", "9z", "xn--p1ai", "-"]) || pick("abcZ") + word("abcZ", 4)}`;
    });
    const differ = [...chosen, ...generated].filter((address) => normalizeEmail(address) !== normalizeWithIdna(address));
    expect(differ).toEqual([]);
    // The sample holds both outcomes, so the comparison says something.
    expect(generated.filter((address) => normalizeEmail(address) !== null).length).toBeGreaterThan(50);
  });

  it("signs in with a Unicode domain, a punycode one and other cases as one account, stored as punycode", async () => {
    const who = `jürgen${tag()}`;
    const first = await signInByEmail(ctx.client.db, `${who}@bücher.de`);
    expect(first.email).toBe(`${who}@xn--bcher-kva.de`);
    expect(displayEmail(first.email)).toBe(`${who}@bücher.de`);
    for (const spelling of [`${who}@xn--bcher-kva.de`, ` ${who[0]!.toUpperCase()}${who.slice(1)}@BÜCHER.de `, `${who.normalize("NFD")}@Bücher.DE`]) {
      expect((await signInByEmail(ctx.client.db, spelling)).id).toBe(first.id);
    }
  });

  it("a non-ASCII local part, also upper case, is one account (lower() folds it in the database)", async () => {
    const who = `ÜSER${tag()}`;
    const first = await signInByEmail(ctx.client.db, `${who}@example.test`);
    expect(first.email).toBe(`${who}@example.test`);
    expect((await signInByEmail(ctx.client.db, `${who.toLowerCase()}@example.test`)).id).toBe(first.id);
  });

  it("adds and imports members with IDN addresses; they list in the stored form", async () => {
    const chinese = `用户${tag()}@example.com`;
    const russian = `почта${tag()}@пример.рф`;
    await space.as(space.owner, (tx) => addMember(tx, { email: chinese, roles: ["member"] }));
    await space.as(space.owner, (tx) =>
      importMembers(tx, {
        members: [
          { email: russian, roles: ["viewer"] },
          { email: `Ü${tag()}@BÜCHER.de`, roles: ["viewer"] },
        ],
      }),
    );
    const page = await space.as(space.owner, (tx) => listMembers(tx));
    const emails = page.members.map((m) => m.email);
    expect(emails).toContain(chinese);
    expect(emails).toContain(normalizeEmail(russian));
    expect(normalizeEmail(russian)).toMatch(/@xn--e1afmkfd\.xn--p1ai$/);
  });

  it("adding an already-member by another spelling of the address is a conflict", async () => {
    const who = `müller${tag()}`;
    await space.as(space.owner, (tx) => addMember(tx, { email: `${who}@bücher.de`, roles: ["member"] }));
    const before = await everything(ctx.client);
    const error = await failure(space.as(space.owner, (tx) => addMember(tx, { email: `${who}@XN--BCHER-KVA.DE`, roles: ["member"] })));
    expect(error.code).toBe("conflict");
    expect(await everything(ctx.client)).toBe(before);
  });

  it.each([
    "jürgen@bü cher.de",
    "a\u200b@example.test",
    "\u202eevil@example.test",
    "a\u00a0b@example.test",
    "a..b@example.test",
    "a@xn--zz.de",
    "a@1.2.3.4",
    "a@exa_mple.de",
    "用户@",
    "@bücher.de",
    "\ufffd@example.test",
  ])("refuses %j with validation and changes nothing", async (email) => {
    const before = await everything(ctx.client);
    const error = await failure(signInByEmail(ctx.client.db, email));
    expect(error).toMatchObject({ code: "validation", fields: [{ field: "email" }] });
    expect(await everything(ctx.client)).toBe(before);
  });

  it("the migration's rule is the data layer's, character for character", () => {
    const migration = readFileSync(new URL("../migrations/0012_postgres_idn_emails.sql", import.meta.url), "utf8");
    expect(migration).toContain(`'${EMAIL_PATTERN_SQL.replaceAll("'", "''")}'`);
  });
});
