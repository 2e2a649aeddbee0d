-- 004_change_feed: every change that affects an authorization decision.
--
-- The responder and the CLI append a row in the same transaction as the
-- change; every authorizer process polls the table (one indexed range
-- read, by default every 200 ms) and drops what changed from its cache.
-- kind 'token': ref is a token id (create, update, rotate, revoke, end
-- of a rotation grace).  kind 'user': ref is a user id (enable, disable,
-- a role of the user gained or lost a permission).  Old rows are pruned
-- by the writers after a day.

CREATE TABLE change_feed (
  id    BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  at    DATETIME(6) NOT NULL,
  kind  ENUM('token', 'user') NOT NULL,
  ref   VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  KEY change_feed_at (at)
) ENGINE=InnoDB;

-- How far each live authorizer process has applied the feed.  A writer
-- (tokengate-api, the CLI) waits, bounded, until every process seen in
-- the last two seconds has applied its change before it answers, so the
-- very next request after a revoke is refused even with caching.
CREATE TABLE feed_progress (
  process  VARCHAR(96) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY,
  feed_id  BIGINT UNSIGNED NOT NULL,
  seen_at  DATETIME(6) NOT NULL,
  KEY feed_progress_seen (seen_at)
) ENGINE=InnoDB;
