-- 007_feed_retention: what writers need to know how far each authorizer
-- has really got, and what a follower needs to notice rows pruned before
-- it read them (review issue 10, findings 2 and 9).
--
-- feed_progress.feed_id stays "every row up to here is applied"; seen_id
-- is the newest row the process has read and gaps the ids below it it is
-- still waiting for (decimal, joined by ','), so a writer can tell that
-- its own rows are applied while an older AUTO_INCREMENT hole is still
-- open.  A process removes its row when it exits cleanly; tokengate prune
-- removes rows silent for an hour.
--
-- change_feed_pruned holds one row: the highest change_feed id ever
-- deleted by tokengate prune.  A follower reads it after its feed rows;
-- when a row it had not read is at or below it, the follower empties its
-- cache instead of missing that change.

ALTER TABLE feed_progress
  ADD COLUMN seen_id BIGINT UNSIGNED NOT NULL DEFAULT 0 AFTER feed_id,
  ADD COLUMN gaps VARCHAR(6000) CHARACTER SET ascii COLLATE ascii_bin
  NOT NULL DEFAULT '' AFTER seen_id;

CREATE TABLE change_feed_pruned (
  one         TINYINT UNSIGNED NOT NULL PRIMARY KEY,
  through_id  BIGINT UNSIGNED NOT NULL,
  pruned_at   DATETIME(6) NULL
) ENGINE=InnoDB;

INSERT INTO change_feed_pruned (one, through_id) VALUES (1, 0);
