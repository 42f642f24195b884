// `pnpm --filter @penguinmails/db db:pin`: records the SHA-256 of new migrations in
// migrations/hashes.json (run once their SQL is final; existing pins are never changed).
import { pinNewMigrations } from "../check";

const added = pinNewMigrations();
console.log(added.length ? `db:pin: pinned ${added.join(", ")}; commit migrations/hashes.json` : "db:pin: every migration is pinned");
