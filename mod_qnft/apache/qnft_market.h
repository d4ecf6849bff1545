/* Shared by the marketplace handlers. */
#ifndef QNFT_MARKET_H
#define QNFT_MARKET_H

#include <httpd.h>
#include <jansson.h>

#include "apache/qnft_db.h"

/* An NFT row (QNFT_COL_* order) as the marketplace's JSON item; a new
 * reference. */
json_t *qnft_market_item(request_rec *r, ap_dbd_t *db, apr_dbd_row_t *row);

/* The per-process page cache (qnft_market_cache.c). */
void qnft_market_cache_init(apr_pool_t *pchild);
int qnft_market_cache_get(apr_pool_t *p, const char *key, const char **body, apr_size_t *len,
                          const char **link);
void qnft_market_cache_put(const char *key, const char *body, apr_size_t len, const char *link,
                           apr_time_t ttl);
/* This process changed the marketplace: forget every page. */
void qnft_market_cache_flush(void);

#endif
