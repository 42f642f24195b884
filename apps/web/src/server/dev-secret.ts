import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { localDataDir } from "@penguinmails/db";

// The development session secret, kept in `.data/session-secret` at the workspace root (beside
// the embedded database, gitignored) so that restarting `pnpm dev` keeps everyone signed in.
// Created on first use with mode 0600; only ever used under `next dev` (see sign-in-config.ts).

const SECRET = /^[0-9a-f]{64}$/;

/** `.data/session-secret` at the workspace root (beside the embedded database). */
export function defaultDevSecretFile(): string {
  return path.join(localDataDir(), "session-secret");
}

/** The secret in `file`, created (0600) if the file is missing or does not hold one. */
export function readOrCreateDevSecret(file: string = defaultDevSecretFile()): string {
  const existing = readSecret(file);
  if (existing) return existing;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  // Written whole under a name of its own, then linked into place: a concurrent starter
  // (several Next.js workers, two dev servers) never reads a half-written file, and
  // whichever links first wins; the others read its secret.
  const candidate = `${file}.${process.pid}.${randomBytes(4).toString("hex")}`;
  fs.writeFileSync(candidate, `${randomBytes(32).toString("hex")}\n`, { mode: 0o600 });
  try {
    try {
      fs.linkSync(candidate, file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      // Someone else's, or an unreadable leftover: a valid one is kept, anything else replaced.
      if (!readSecret(file)) fs.renameSync(candidate, file);
    }
  } finally {
    fs.rmSync(candidate, { force: true });
  }
  const secret = readSecret(file);
  if (!secret) throw new Error(`could not keep the development session secret in ${file}`);
  return secret;
}

function readSecret(file: string): string | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8").trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  if (!SECRET.test(text)) return undefined;
  // A key others on the machine may read is no key: tighten what an editor or a copy loosened.
  if (process.platform !== "win32" && (fs.statSync(file).mode & 0o077) !== 0) fs.chmodSync(file, 0o600);
  return text;
}
