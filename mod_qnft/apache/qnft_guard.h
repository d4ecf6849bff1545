/* What stands in front of the endpoints: cross-site request refusal
 * (CSRF) and per-client rate limits shared through an Apache socache. */
#ifndef QNFT_GUARD_H
#define QNFT_GUARD_H

#include <httpd.h>

#include "apache/qnft_config.h"

/* The header a form post must carry: cross-site forms cannot add one. */
#define QNFT_CSRF_HEADER "X-Requested-With"

/* Flags of qnft_guard. */
#define QNFT_GUARD_FORM 1   /* a form-encodable body: require QNFT_CSRF_HEADER */

/* Refuse a cross-site write (403; every caller writes, the GIF GET too)
 * or a client over its rate for area (429 with Retry-After). OK: carry
 * on; otherwise the answer was sent. */
int qnft_guard(request_rec *r, qnft_area area, int flags);

/* "scheme://host[:port]" of an http(s) URL, lower-case, default port
 * left out; NULL when url is not one. */
const char *qnft_origin_of(apr_pool_t *p, const char *url);

/* QNFTRateLimitCache: remember the provider spec (checked later). */
const char *qnft_guard_set_cache(apr_pool_t *p, const char *spec);

/* Hooks: pre_config resets, check_config finds the provider (an error
 * sentence or NULL), post_config creates the cache, child_init attaches. */
void qnft_guard_pre_config(apr_pool_t *pconf);
const char *qnft_guard_check(apr_pool_t *p, server_rec *s);
int qnft_guard_post_config(apr_pool_t *pconf, apr_pool_t *ptemp, server_rec *s);
void qnft_guard_child_init(apr_pool_t *pchild, server_rec *s);

#endif
