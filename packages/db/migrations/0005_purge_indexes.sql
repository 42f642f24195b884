CREATE INDEX "tenant_users_deleted_idx" ON "tenant_users" USING btree ("deleted") WHERE "tenant_users"."deleted" IS NOT NULL;--> statement-breakpoint
CREATE INDEX "tenants_deleted_idx" ON "tenants" USING btree ("deleted") WHERE "tenants"."deleted" IS NOT NULL;--> statement-breakpoint
CREATE INDEX "users_deleted_idx" ON "users" USING btree ("deleted") WHERE "users"."deleted" IS NOT NULL;