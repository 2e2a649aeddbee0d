-- 001_initial: users, roles, tokens and the audit log.
--
-- Conventions: every statement ends with ';' at the end of a line (that is
-- how the migrator splits them), times are DATETIME in UTC (the programs
-- set time_zone = '+00:00' on every connection), and lists are stored as
-- '\n'-separated text validated before they are written.

CREATE TABLE users (
  id          BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  name        VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  enabled     TINYINT(1) NOT NULL DEFAULT 1,
  created_at  DATETIME NOT NULL,
  UNIQUE KEY users_name (name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE roles (
  id          BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  name        VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  UNIQUE KEY roles_name (name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE role_permissions (
  role_id     BIGINT UNSIGNED NOT NULL,
  permission  VARCHAR(130) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  PRIMARY KEY (role_id, permission),
  CONSTRAINT rp_role FOREIGN KEY (role_id) REFERENCES roles (id) ON DELETE CASCADE
) ENGINE=InnoDB;

CREATE TABLE user_roles (
  user_id     BIGINT UNSIGNED NOT NULL,
  role_id     BIGINT UNSIGNED NOT NULL,
  PRIMARY KEY (user_id, role_id),
  KEY ur_role (role_id),
  CONSTRAINT ur_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE,
  CONSTRAINT ur_role FOREIGN KEY (role_id) REFERENCES roles (id) ON DELETE CASCADE
) ENGINE=InnoDB;

-- One row per token.  Only HMAC-SHA256(server key, raw token) is stored.
-- prev_hash / prev_hash_until carry the old secret during a rotation's
-- grace period.
CREATE TABLE tokens (
  id              CHAR(12) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY,
  user_id         BIGINT UNSIGNED NOT NULL,
  name            VARCHAR(128) NOT NULL,
  hash            BINARY(32) NOT NULL,
  prev_hash       BINARY(32) NULL,
  prev_hash_until DATETIME NULL,
  permissions     TEXT CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  api_rules       TEXT NOT NULL,
  resource_rules  TEXT NOT NULL,
  allowed_cidrs   TEXT CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  environments    TEXT CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  created_at      DATETIME NOT NULL,
  expires_at      DATETIME NOT NULL,
  revoked_at      DATETIME NULL,
  last_used_at    DATETIME NULL,
  last_used_ip    VARCHAR(45) CHARACTER SET ascii NULL,
  KEY tokens_user (user_id, created_at),
  CONSTRAINT tokens_user FOREIGN KEY (user_id) REFERENCES users (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- Every token action, refused ones included.  via is 'api_token',
-- 'session' or 'cli'.
CREATE TABLE audit_log (
  id              BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  at              DATETIME(6) NOT NULL,
  actor           VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NULL,
  actor_token_id  CHAR(12) CHARACTER SET ascii COLLATE ascii_bin NULL,
  via             VARCHAR(16) CHARACTER SET ascii NOT NULL,
  action          VARCHAR(32) CHARACTER SET ascii NOT NULL,
  target_token_id CHAR(12) CHARACTER SET ascii COLLATE ascii_bin NULL,
  target_user     VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NULL,
  outcome         VARCHAR(32) CHARACTER SET ascii NOT NULL,
  remote_addr     VARCHAR(45) CHARACTER SET ascii NULL,
  detail          TEXT NULL,
  KEY audit_at (at),
  KEY audit_actor (actor, at),
  KEY audit_target (target_token_id, at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
