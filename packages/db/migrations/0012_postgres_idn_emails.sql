-- Internationalized email addresses (RFC 6531): a UTF-8 local part, the domain stored as
-- punycode. The rule is the data layer's (EMAIL_PATTERN_SQL in src/data/validation.ts, the
-- same code point ranges as its JavaScript regex) and the stored form is NFC, as the data
-- layer normalizes it. So a writer outside the data layer (or a raw call of resolve_user)
-- cannot store a second spelling of an account that lower(email) would not see: a Unicode
-- domain or a decomposed local part is refused here, and ASCII case differences are the same
-- account through the users_email_live_key index. Rows stored so far are ASCII and pass.
-- Two statements: Citus refuses ADD CONSTRAINT beside another subcommand.
ALTER TABLE public.users DROP CONSTRAINT users_email_format;
--> statement-breakpoint
ALTER TABLE public.users
  ADD CONSTRAINT users_email_format
    CHECK (email IS NFC NORMALIZED
           AND email ~ '^([A-Za-z0-9_''+\u00A1-\u00AC\u00AE-\u167F\u1681-\u180D\u180F-\u1FFF\u2010-\u2027\u2030-\u205E\u2070-\u2FFF\u3001-\uD7FF\uE000-\uFEFE\uFF00-\uFFEF\U00010000-\U000DFFFF\U000E0080-\U0010FFFF-]+\.)*[A-Za-z0-9_''+\u00A1-\u00AC\u00AE-\u167F\u1681-\u180D\u180F-\u1FFF\u2010-\u2027\u2030-\u205E\u2070-\u2FFF\u3001-\uD7FF\uE000-\uFEFE\uFF00-\uFFEF\U00010000-\U000DFFFF\U000E0080-\U0010FFFF-]*[A-Za-z0-9_+\u00A1-\u00AC\u00AE-\u167F\u1681-\u180D\u180F-\u1FFF\u2010-\u2027\u2030-\u205E\u2070-\u2FFF\u3001-\uD7FF\uE000-\uFEFE\uFF00-\uFFEF\U00010000-\U000DFFFF\U000E0080-\U0010FFFF-]@([A-Za-z0-9][A-Za-z0-9-]*\.)+([A-Za-z]{2,}|[Xx][Nn]--[A-Za-z0-9-]+)$');
