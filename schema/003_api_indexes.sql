-- 003_api_indexes: indexes for the token API's lists.
--
-- GET /tokens?all=1 pages through every token newest first by
-- (created_at, id); GET /audit filters by target user, acting token and
-- action, newest first by id.  The existing indexes cover listing one
-- user's tokens and filtering the audit log by actor or target token.

ALTER TABLE tokens ADD KEY tokens_created (created_at, id);

ALTER TABLE audit_log
  ADD KEY audit_target_user (target_user, id),
  ADD KEY audit_actor_token (actor_token_id, id),
  ADD KEY audit_action (action, id);
