// `pnpm --filter @penguinmails/db db:pin`: records the SHA-256 of new migrations in each
// journal's hashes.json (migrations/, migrations-nile/); run once their SQL is final.
// Existing pins are never changed.
import path from "node:path";
import { pinNewMigrations } from "../check";
import { defaultMigrationsFolder } from "../migrate";

for (const folder of [defaultMigrationsFolder(), defaultMigrationsFolder("nile")]) {
  const added = pinNewMigrations(folder);
  const name = path.basename(folder);
  console.log(added.length ? `db:pin: pinned ${added.join(", ")}; commit ${name}/hashes.json` : `db:pin: every migration in ${name}/ is pinned`);
}
