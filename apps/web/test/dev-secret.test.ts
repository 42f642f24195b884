import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { defaultDevSecretFile, readOrCreateDevSecret } from "@/server/dev-secret";
import { openSession, sealSession } from "@/server/session-token";

// `pnpm dev` keeps its session secret in .data/session-secret: a restart (a new process
// reading the file) opens the cookies the previous one sealed. Real files, real processes.

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

function secretFile(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pm-dev-secret-"));
  dirs.push(dir);
  return path.join(dir, ".data", "session-secret");
}

const webDir = path.resolve(import.meta.dirname, "..");

/** The secret as a separate Node.js process reads it (a dev server after a restart). */
function secretInAnotherProcess(file: string): string {
  const script = `import { readOrCreateDevSecret } from "./src/server/dev-secret.ts"; console.log(readOrCreateDevSecret(${JSON.stringify(file)}));`;
  const run = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { cwd: webDir, encoding: "utf8", timeout: 120_000 });
  expect(run.stderr).toBe("");
  expect(run.status).toBe(0);
  return run.stdout.trim();
}

describe("the development session secret", () => {
  it("is created on first use under .data/, readable by its owner only", () => {
    const file = secretFile();
    const secret = readOrCreateDevSecret(file);
    expect(secret).toMatch(/^[0-9a-f]{64}$/);
    expect(fs.readFileSync(file, "utf8")).toBe(`${secret}\n`);
    if (process.platform !== "win32") expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.readdirSync(path.dirname(file))).toEqual(["session-secret"]); // no leftovers
  });

  it("survives a restart: a new process reads the same secret and opens the old cookies", () => {
    const file = secretFile();
    const before = secretInAnotherProcess(file);
    const after = secretInAnotherProcess(file);
    expect(after).toBe(before);
    const userId = crypto.randomUUID();
    expect(openSession(sealSession(userId, before), after)).toMatchObject({ userId });
  });

  it("is the same for starters racing on a fresh directory", async () => {
    const file = secretFile();
    const { spawn } = await import("node:child_process");
    const script = `import { readOrCreateDevSecret } from "./src/server/dev-secret.ts"; console.log(readOrCreateDevSecret(${JSON.stringify(file)}));`;
    const outputs = await Promise.all(
      Array.from(
        { length: 4 },
        () =>
          new Promise<string>((resolve, reject) => {
            const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { cwd: webDir });
            let out = "";
            child.stdout.setEncoding("utf8").on("data", (chunk: string) => (out += chunk));
            child.once("error", reject);
            child.once("close", (code) => (code === 0 ? resolve(out.trim()) : reject(new Error(`exit ${code}`))));
          }),
      ),
    );
    expect(new Set(outputs).size).toBe(1);
    expect(outputs[0]).toBe(fs.readFileSync(file, "utf8").trim());
  });

  it("replaces a file that holds no secret, and tightens loose permissions", () => {
    const file = secretFile();
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, "");
    const secret = readOrCreateDevSecret(file);
    expect(secret).toMatch(/^[0-9a-f]{64}$/);
    if (process.platform !== "win32") {
      fs.chmodSync(file, 0o644);
      expect(readOrCreateDevSecret(file)).toBe(secret);
      expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    }
  });

  it("lives in the workspace's .data/, which git ignores", () => {
    const file = defaultDevSecretFile();
    const root = path.resolve(webDir, "../..");
    expect(file).toBe(path.join(root, ".data", "session-secret"));
    // exit 0: ignored; 1 would mean `git add` could pick the secret up
    execFileSync("git", ["check-ignore", "--quiet", "--no-index", path.relative(root, file)], { cwd: root });
  });
});
