/* The price source: CoinGecko's v3 API (or anything speaking its format),
 * over qnft_http. Spot prices for bitcoin, solana and usd-coin in USD in
 * one call; SOL's history from market_chart. Strict parsing: a document of
 * the wrong shape is an upstream error, never a crash. */
#ifndef QNFT_PRICE_H
#define QNFT_PRICE_H

#include <apr_pools.h>
#include <apr_tables.h>

#include "util/qnft_http.h"

typedef struct {
    const char *base_url;        /* e.g. https://api.coingecko.com/api/v3 */
    const char *api_key;         /* NULL: none */
    long timeout_ms;
    apr_size_t max_bytes;
    qnft_http_observer observe;  /* NULL: none */
} qnft_price_source;

typedef enum {
    QNFT_PRICE_OK = 0,
    QNFT_PRICE_RATE_LIMITED,     /* 429: see retry_after */
    QNFT_PRICE_UNREACHABLE,
    QNFT_PRICE_TIMEOUT,
    QNFT_PRICE_BAD_ANSWER        /* HTTP error, malformed or wrong-shaped JSON */
} qnft_price_status;

typedef struct {
    const char *message;
    long retry_after;            /* seconds, for RATE_LIMITED (0: not given) */
} qnft_price_error;

typedef struct {
    double btc_usd, sol_usd, usdc_usd;
    int have_btc, have_sol, have_usdc;     /* a missing id is just absent */
} qnft_spot;

typedef struct {
    apr_int64_t ms;
    double price;
} qnft_price_point;

/* The header name for an API key: pro hosts take x-cg-pro-api-key, the
 * public one x-cg-demo-api-key. */
const char *qnft_price_key_header(const char *base_url);

qnft_price_status qnft_price_spot(apr_pool_t *p, const qnft_price_source *src, qnft_spot *out,
                                  qnft_price_error *err);

/* SOL/USD over the last `days` days (CoinGecko picks the granularity);
 * points sorted by time. */
qnft_price_status qnft_price_history(apr_pool_t *p, const qnft_price_source *src, int days,
                                     apr_array_header_t **points, qnft_price_error *err);

/* Parsers, exposed for the unit tests. */
qnft_price_status qnft_price_parse_spot(apr_pool_t *p, const char *body, apr_size_t len,
                                        qnft_spot *out, qnft_price_error *err);
qnft_price_status qnft_price_parse_chart(apr_pool_t *p, const char *body, apr_size_t len,
                                         apr_array_header_t **points, qnft_price_error *err);

#endif
