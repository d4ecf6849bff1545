/* The one place that talks to jansson: every JSON value handed out here is
 * released by a cleanup of the pool it was made for, so JSON lives exactly
 * as long as its pool and no code path has to remember json_decref. */
#ifndef QNFT_JSON_H
#define QNFT_JSON_H

#include <apr_pools.h>
#include <jansson.h>

/* Hand ownership of j (a new reference) to pool p; returns j. */
json_t *qnft_json_pooled(apr_pool_t *p, json_t *j);

/* Parse text of length len as one JSON value (objects or arrays only, no
 * duplicate keys, at most max_depth nesting levels). On error returns NULL
 * and a message in *err (allocated from p). */
json_t *qnft_json_parse(apr_pool_t *p, const char *text, apr_size_t len,
                        int max_depth, const char **err);

/* As qnft_json_parse, but integers beyond int64 (Solana's rentEpoch is
 * u64::MAX) become strings instead of failing the whole document. */
json_t *qnft_json_parse_bigint(apr_pool_t *p, const char *text, apr_size_t len,
                               int max_depth, const char **err);

/* Compact serialisation into p (UTF-8). */
const char *qnft_json_dump(apr_pool_t *p, const json_t *j, apr_size_t *len);

/* Process-wide setup: fixes the hash seed before threads exist. */
void qnft_json_init(void);

#endif
