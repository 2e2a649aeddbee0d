/*
 * params.h: FastCGI params to a tg_request.
 *
 * Every param is attacker-controlled.  This module only picks the few we
 * use out of the environment array; it does not trust, copy or decode
 * them (the policy does that with bounds).  Pure and thread-safe.
 */
#ifndef TG_PARAMS_H
#define TG_PARAMS_H

#include "policy.h"

/*
 * Fills req from envp, a NULL-terminated array of "NAME=value" strings as
 * libfcgi delivers them, in one pass.  When a name appears more than once
 * the first wins, as with FCGX_GetParam.  TOKENGATE_ENV, when absent or
 * empty, falls back to default_env.  *authorization receives the
 * Authorization header value or NULL.  All pointers point into envp.
 */
void	tg_params_request(char *const *envp, const char *default_env,
	    struct tg_request *req, const char **authorization);

#endif /* TG_PARAMS_H */
