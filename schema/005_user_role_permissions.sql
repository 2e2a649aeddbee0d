-- 005_user_role_permissions: each user's role permissions, kept on the
-- user row.
--
-- The token lookup used to gather them with a grouped subquery over
-- user_roles and role_permissions; reading one column of the row it
-- already joins costs MariaDB about half as much per lookup (measured
-- with cache = off, README "Performance").  The column is rewritten in
-- the same transaction as every change to user_roles or role_permissions
-- made by tokengate (user add, role grant, role revoke), always as the
-- sorted, deduplicated, '\n'-separated set.  After editing those tables
-- by hand, run 'tokengate role refresh'.

ALTER TABLE users
  ADD COLUMN role_permissions TEXT CHARACTER SET ascii COLLATE ascii_bin
  NOT NULL DEFAULT '';

UPDATE users u SET u.role_permissions = COALESCE((
  SELECT GROUP_CONCAT(DISTINCT rp.permission ORDER BY rp.permission
    SEPARATOR '\n')
  FROM user_roles ur JOIN role_permissions rp ON rp.role_id = ur.role_id
  WHERE ur.user_id = u.id), '');
