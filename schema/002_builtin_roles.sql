-- 002_builtin_roles: the roles of seed 002.
--
-- admin holds everything, resource_manager manages anyone's tokens and
-- reads the audit log, member manages its own tokens.  Operators may change
-- them with 'tokengate role grant/revoke'; this migration only runs once.

INSERT INTO roles (name) VALUES ('admin'), ('resource_manager'), ('member');

INSERT INTO role_permissions (role_id, permission)
  SELECT id, '*' FROM roles WHERE name = 'admin';

INSERT INTO role_permissions (role_id, permission)
  SELECT id, 'token:*' FROM roles WHERE name = 'resource_manager';

INSERT INTO role_permissions (role_id, permission)
  SELECT id, 'audit:read' FROM roles WHERE name = 'resource_manager';

INSERT INTO role_permissions (role_id, permission)
  SELECT r.id, p.permission
  FROM roles r
  JOIN (SELECT 'token:create' AS permission
        UNION ALL SELECT 'token:read'
        UNION ALL SELECT 'token:revoke') p
  WHERE r.name = 'member';
