-- 006_audit_secret: which secret of a rotated token made an API call.
--
-- During a rotation grace a token has two secrets.  The old one may still
-- be used at the gate, but it must never manage tokens (README
-- "Rotation"): without this column the audit log could not tell the
-- owner's rotation from one made by whoever holds a leaked old secret.
-- 'current' or 'previous' for calls made with a token, NULL for sessions
-- and the CLI.

ALTER TABLE audit_log
  ADD COLUMN secret VARCHAR(8) CHARACTER SET ascii NULL AFTER via;
