#include <stdlib.h>
#include <string.h>
#include <apr_strings.h>

#include "price/qnft_price.h"
#include "util/qnft_http.h"
#include "util/qnft_json.h"

#define PRICE_MAX_DEPTH 8

const char *qnft_price_key_header(const char *base_url)
{
    return strstr(base_url, "pro-api.") ? "x-cg-pro-api-key" : "x-cg-demo-api-key";
}

static qnft_price_status fetch(apr_pool_t *p, const qnft_price_source *src, const char *path,
                               const char **body, apr_size_t *len, qnft_price_error *err)
{
    const char *headers[3] = { "Accept: application/json", NULL, NULL };
    const char *url = apr_pstrcat(p, src->base_url, path, NULL);
    qnft_http_response resp;
    qnft_http_status hs;
    apr_time_t t0;

    memset(err, 0, sizeof(*err));
    if (src->api_key) {
        headers[1] = apr_psprintf(p, "%s: %s", qnft_price_key_header(src->base_url), src->api_key);
    }
    t0 = apr_time_now();
    hs = qnft_http_request(p, "GET", url, headers, NULL, 0, src->timeout_ms, src->max_bytes,
                           &resp);
    if (src->observe) {
        src->observe(apr_time_now() - t0, hs != QNFT_HTTP_OK || resp.status >= 400);
    }
    switch (hs) {
    case QNFT_HTTP_OK:
        break;
    case QNFT_HTTP_TIMEOUT:
        err->message = "the price source did not answer in time";
        return QNFT_PRICE_TIMEOUT;
    case QNFT_HTTP_TOO_LARGE:
        err->message = "the price source's answer is too large";
        return QNFT_PRICE_BAD_ANSWER;
    default:
        err->message = apr_psprintf(p, "the price source cannot be reached (%s)", resp.error);
        return QNFT_PRICE_UNREACHABLE;
    }
    if (resp.status == 429) {
        err->retry_after = resp.retry_after ? atol(resp.retry_after) : 0;
        err->message = "the price source's rate limit was reached";
        return QNFT_PRICE_RATE_LIMITED;
    }
    if (resp.status != 200) {
        err->message = apr_psprintf(p, "the price source answered HTTP %ld", resp.status);
        return QNFT_PRICE_BAD_ANSWER;
    }
    *body = resp.body;
    *len = resp.len;
    return QNFT_PRICE_OK;
}

static qnft_price_status bad(apr_pool_t *p, qnft_price_error *err, const char *what)
{
    err->message = apr_psprintf(p, "the price source's answer has the wrong shape (%s)", what);
    return QNFT_PRICE_BAD_ANSWER;
}

/* {"<id>": {"usd": <number>}}: absent ids stay unknown; a present id of
 * any other shape makes the document wrong. */
static int coin_usd(const json_t *doc, const char *id, double *v, int *have, int *wrong)
{
    const json_t *coin = json_object_get(doc, id), *usd;
    if (!coin) {
        return 0;
    }
    usd = json_object_get(coin, "usd");
    if (!json_is_object(coin) || !json_is_number(usd) || json_number_value(usd) <= 0) {
        *wrong = 1;
        return 0;
    }
    *v = json_number_value(usd);
    *have = 1;
    return 1;
}

qnft_price_status qnft_price_parse_spot(apr_pool_t *p, const char *body, apr_size_t len,
                                        qnft_spot *out, qnft_price_error *err)
{
    const char *perr = NULL;
    json_t *doc = qnft_json_parse(p, body, len, PRICE_MAX_DEPTH, &perr);
    int wrong = 0;

    memset(out, 0, sizeof(*out));
    if (!doc || !json_is_object(doc)) {
        return bad(p, err, doc ? "not an object" : perr);
    }
    coin_usd(doc, "bitcoin", &out->btc_usd, &out->have_btc, &wrong);
    coin_usd(doc, "solana", &out->sol_usd, &out->have_sol, &wrong);
    coin_usd(doc, "usd-coin", &out->usdc_usd, &out->have_usdc, &wrong);
    if (wrong) {
        return bad(p, err, "a price is not {\"usd\": number}");
    }
    return QNFT_PRICE_OK;
}

qnft_price_status qnft_price_parse_chart(apr_pool_t *p, const char *body, apr_size_t len,
                                         apr_array_header_t **points, qnft_price_error *err)
{
    const char *perr = NULL;
    json_t *doc = qnft_json_parse(p, body, len, PRICE_MAX_DEPTH, &perr);
    json_t *prices, *pair;
    apr_int64_t prev = 0;
    size_t i;

    if (!doc || !json_is_object(doc)) {
        return bad(p, err, doc ? "not an object" : perr);
    }
    prices = json_object_get(doc, "prices");
    if (!json_is_array(prices)) {
        return bad(p, err, "no prices array");
    }
    *points = apr_array_make(p, (int)json_array_size(prices) + 1, sizeof(qnft_price_point));
    json_array_foreach(prices, i, pair) {
        qnft_price_point *pt;
        json_t *t = json_array_get(pair, 0), *v = json_array_get(pair, 1);
        apr_int64_t ms;
        if (!json_is_array(pair) || json_array_size(pair) != 2 || !json_is_number(t)
            || !json_is_number(v)) {
            return bad(p, err, "a point is not [ms, price]");
        }
        /* a time past the year 33000 or before 1970 is no CoinGecko point
         * (and converting it to an integer would be undefined) */
        if (!(json_number_value(t) >= 0 && json_number_value(t) <= 1e15)) {
            return bad(p, err, "a timestamp is out of range");
        }
        ms = (apr_int64_t)json_number_value(t);
        if (ms < prev) {
            return bad(p, err, "points out of order");
        }
        prev = ms;
        if (json_number_value(v) <= 0) {
            continue;       /* CoinGecko has no prices <= 0; skip a glitch */
        }
        pt = apr_array_push(*points);
        pt->ms = ms;
        pt->price = json_number_value(v);
    }
    return QNFT_PRICE_OK;
}

qnft_price_status qnft_price_spot(apr_pool_t *p, const qnft_price_source *src, qnft_spot *out,
                                  qnft_price_error *err)
{
    const char *body;
    apr_size_t len;
    qnft_price_status st = fetch(p, src, "/simple/price?ids=bitcoin,solana,usd-coin"
                                         "&vs_currencies=usd", &body, &len, err);
    return st == QNFT_PRICE_OK ? qnft_price_parse_spot(p, body, len, out, err) : st;
}

qnft_price_status qnft_price_history(apr_pool_t *p, const qnft_price_source *src, int days,
                                     apr_array_header_t **points, qnft_price_error *err)
{
    const char *body;
    apr_size_t len;
    qnft_price_status st = fetch(p, src, apr_psprintf(p, "/coins/solana/market_chart"
                                                      "?vs_currency=usd&days=%d", days),
                                 &body, &len, err);
    return st == QNFT_PRICE_OK ? qnft_price_parse_chart(p, body, len, points, err) : st;
}
