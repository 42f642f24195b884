import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

export const packageDir = fileURLToPath(new URL("../..", import.meta.url));
const tsxLoader = path.join(path.dirname(createRequire(import.meta.url).resolve("tsx/package.json")), "dist", "loader.mjs");
const tsx = path.join(path.dirname(createRequire(import.meta.url).resolve("tsx/package.json")), "dist", "cli.mjs");

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs one of the package's TypeScript files (relative to the package) in ONE process, as
 * the worker runs (tsx's CLI would put a second process in between, which SIGKILL misses).
 */
export function tsxCommand(file: string): string[] {
  return [process.execPath, "--import", pathToFileURL(tsxLoader).href, path.join(packageDir, file)];
}

/** Runs one of the package's CLIs (src/cli/<name>.ts) as a separate process, the way pnpm does. */
export function runCli(name: string, env: Record<string, string | undefined>): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [tsx, path.join(packageDir, "src", "cli", `${name}.ts`)], {
      cwd: packageDir,
      env: { ...process.env, ...env },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, stdout, stderr }));
  });
}
