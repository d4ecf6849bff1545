/* GET /chart/price_data?time_range_hours=N (handler qnft-chart): SOL/USDC
 * history from the shared price cache and the confirmed mints of the same
 * span, for the chart's line and markers. Upstream trouble is never a 5xx:
 * the last data is served, marked stale. */
#include <errno.h>
#include <string.h>
#include <apr_strings.h>
#include <apr_lib.h>
#include <apr_uri.h>
#include <http_protocol.h>

#include "apache/mod_qnft.h"
#include "apache/qnft_config.h"
#include "apache/qnft_db.h"
#include "apache/qnft_prices.h"
#include "apache/qnft_respond.h"
#include "util/qnft_json.h"

#define HOURS_DEFAULT 24
#define HOURS_MAX 2160

static int parse_hours(request_rec *r, int *hours)
{
    char *args, *pair, *state = NULL;

    *hours = HOURS_DEFAULT;
    if (!r->args) {
        return OK;
    }
    args = apr_pstrdup(r->pool, r->args);
    for (pair = apr_strtok(args, "&", &state); pair; pair = apr_strtok(NULL, "&", &state)) {
        char *eq = strchr(pair, '='), *v, *end;
        char empty[1] = "";
        long n;
        apr_size_t i;
        if (!eq || (apr_size_t)(eq - pair) != strlen("time_range_hours")
            || strncmp(pair, "time_range_hours", 16)) {
            continue;
        }
        v = eq + 1;
        if (ap_unescape_url(v) != OK) {
            v = empty;          /* refused below like any other bad value */
        }
        /* digits only: "1e3", "-1", "abc", " 5" are all refused */
        for (i = 0; v[i] && apr_isdigit(v[i]); i++) {
        }
        errno = 0;
        n = strtol(v, &end, 10);
        if (!*v || v[i] || errno || n < 1 || n > HOURS_MAX) {
            return qnft_respond_error(r, HTTP_BAD_REQUEST, "bad_time_range",
                                      "time_range_hours must be a whole number of hours from 1 "
                                      "to %d.", HOURS_MAX);
        }
        *hours = (int)n;
    }
    return OK;
}

int qnft_chart_handler(request_rec *r)
{
    const qnft_srv_conf *conf;
    qnft_price_snapshot spot;
    ap_dbd_t *db;
    apr_dbd_results_t *res = NULL;
    apr_dbd_row_t *row;
    const char *args[1], *err = NULL, *hist_error = NULL, *base;
    qnft_db_status st;
    json_t *history = NULL, *events, *body;
    apr_uri_t uri;
    int hours, rc, i, stale = 0;

    if (!r->handler || strcmp(r->handler, "qnft-chart")) {
        return DECLINED;
    }
    if (r->method_number != M_GET) {
        return qnft_respond_method(r, "GET");
    }
    rc = parse_hours(r, &hours);
    if (rc != OK) {
        return rc;
    }
    conf = qnft_srv_config(r->server);
    db = qnft_db_acquire(r);
    if (!db) {
        return qnft_db_respond(r, QNFT_DB_DOWN);
    }
    st = qnft_prices_spot(r, db, &spot);
    if (st == QNFT_DB_OK) {
        st = qnft_prices_history(r, db, hours, spot.usdc_usd, &history, &stale, &hist_error);
        qnft_json_pooled(r->pool, history);
    }
    if (st != QNFT_DB_OK) {
        return qnft_db_respond(r, st);
    }
    args[0] = apr_psprintf(r->pool, "%" APR_INT64_T_FMT,
                           apr_time_sec(apr_time_now()) - (apr_int64_t)hours * 3600);
    st = qnft_db_select(r, db, QNFT_SQL_CHART_EVENTS, &res, 1, args, &err);
    if (st != QNFT_DB_OK) {
        qnft_log_rerror(APLOG_ERR, 0, r, QNFTLOGNO(01801)
                      "chart: reading mint events failed: %s", err);
        return qnft_db_respond(r, st);
    }
    base = qnft_public_base(r);
    events = json_array();
    for (i = 0; (row = qnft_db_row(r, db, res, i)) != NULL; i++) {
        const char *sol = qnft_db_col(db, row, 3);
        json_array_append_new(events, json_pack(
            "{s:I, s:s, s:s, s:o, s:s, s:s}",
            "timestamp", (json_int_t)apr_atoi64(qnft_db_col(db, row, 0)),
            "type", qnft_db_col(db, row, 1),
            "nft_name", qnft_db_col(db, row, 2),
            "sol_price_at_mint", sol ? json_real(strtod(sol, NULL)) : json_null(),
            "id", qnft_db_col(db, row, 4),
            "gif_url", apr_pstrcat(r->pool, base, "/qnft/gifs/", qnft_db_col(db, row, 5),
                                   ".gif", NULL)));
    }
    body = qnft_json_pooled(r->pool, json_pack(
        "{s:O, s:o, s:s, s:s, s:s, s:b}",
        "price_history", history,
        "nft_events", events,
        "pair", spot.usdc_usd > 0 ? "SOL/USDC" : "SOL/USD",
        "derived_from", spot.usdc_usd > 0 ? "SOL/USD divided by USDC/USD" : "SOL/USD",
        "source", apr_uri_parse(r->pool, conf->price_url, &uri) == APR_SUCCESS && uri.hostname
                  ? uri.hostname : "price source",
        "stale", stale));
    if (stale && (hist_error || spot.error)) {
        json_object_set_new(body, "source_error", json_string(hist_error ? hist_error : spot.error));
    }
    if (spot.sol_usdc) {
        json_object_set_new(body, "sol_usdc", json_string(spot.sol_usdc));
    }
    if (spot.btc_usdc) {
        json_object_set_new(body, "btc_usdc", json_string(spot.btc_usdc));
    }
    return qnft_respond_json(r, HTTP_OK, body);
}
