#include <math.h>
#include <string.h>
#include <apr_strings.h>

#include "apache/mod_qnft.h"
#include "apache/qnft_config.h"
#include "apache/qnft_metrics.h"
#include "apache/qnft_prices.h"
#include "price/qnft_price.h"

/* Advisory lock keys (arbitrary, fixed). */
#define LOCK_SPOT    "7317460101"
#define LOCK_HISTORY "7317460102"
/* After a failure other than 429, leave the source alone this long. */
#define FAILURE_BACKOFF 10
#define DEFAULT_RETRY_AFTER 60
#define PRICE_MAX_BYTES (2 * 1024 * 1024)

/* How long to leave the source alone after a failed call: its own
 * Retry-After on a 429, else a short pause. */
static long backoff_after(qnft_price_status ps, const qnft_price_error *perr)
{
    if (ps == QNFT_PRICE_RATE_LIMITED) {
        return perr->retry_after > 0 ? perr->retry_after : DEFAULT_RETRY_AFTER;
    }
    return FAILURE_BACKOFF;
}

static void source_of(request_rec *r, qnft_price_source *src)
{
    const qnft_srv_conf *c = qnft_srv_config(r->server);
    src->base_url = c->price_url;
    src->api_key = c->price_key;
    src->timeout_ms = c->price_timeout_ms;
    src->max_bytes = PRICE_MAX_BYTES;
    src->observe = qnft_metrics_price;
}

static const char *dup_col(request_rec *r, ap_dbd_t *db, apr_dbd_row_t *row, int n)
{
    const char *v = qnft_db_col(db, row, n);
    return v ? apr_pstrdup(r->pool, v) : NULL;
}

/* A quote in USDC, two decimals, from two USD prices. */
static const char *in_usdc(request_rec *r, const char *usd, double usdc_usd)
{
    if (!usd || usdc_usd <= 0) {
        return NULL;
    }
    return apr_psprintf(r->pool, "%.2f", strtod(usd, NULL) / usdc_usd);
}

static qnft_db_status read_spot(request_rec *r, ap_dbd_t *db, qnft_price_snapshot *snap,
                                int *fresh, int *backoff)
{
    const qnft_srv_conf *c = qnft_srv_config(r->server);
    apr_dbd_results_t *res = NULL;
    apr_dbd_row_t *row;
    const char *args[1], *err = NULL, *btc, *sol, *usdc, *at;
    qnft_db_status st;

    args[0] = apr_itoa(r->pool, c->price_ttl);
    st = qnft_db_select(r, db, QNFT_SQL_SPOT_GET, &res, 1, args, &err);
    if (st != QNFT_DB_OK || !(row = qnft_db_row(r, db, res, 0))) {
        qnft_log_rerror(APLOG_ERR, 0, r, QNFTLOGNO(01701)
                      "prices: reading the spot cache failed: %s", err ? err : "no row");
        return st != QNFT_DB_OK ? st : QNFT_DB_FAILED;
    }
    btc = dup_col(r, db, row, 0);
    sol = dup_col(r, db, row, 1);
    usdc = dup_col(r, db, row, 2);
    at = qnft_db_col(db, row, 3);
    snap->usdc_usd = usdc ? strtod(usdc, NULL) : 0;
    snap->btc_usdc = in_usdc(r, btc, snap->usdc_usd);
    snap->sol_usdc = in_usdc(r, sol, snap->usdc_usd);
    snap->as_of = at ? apr_time_from_sec(apr_atoi64(at)) : 0;
    *fresh = !strcmp(qnft_db_col(db, row, 4), "t");
    *backoff = !strcmp(qnft_db_col(db, row, 5), "t");
    snap->error = dup_col(r, db, row, 6);
    snap->stale = !*fresh;
    return QNFT_DB_OK;
}

static const char *number(request_rec *r, int have, double v)
{
    return have ? apr_psprintf(r->pool, "%.10g", v) : NULL;
}

qnft_db_status qnft_prices_spot(request_rec *r, ap_dbd_t *db, qnft_price_snapshot *snap)
{
    const char *args[3], *err = NULL;
    qnft_price_source src;
    qnft_price_error perr;
    qnft_price_status ps;
    qnft_spot spot;
    qnft_db_status st;
    int fresh = 0, backoff = 0;

    memset(snap, 0, sizeof(*snap));
    st = read_spot(r, db, snap, &fresh, &backoff);
    if (st != QNFT_DB_OK || fresh || backoff) {
        return st;
    }
    /* One refresh at a time; whoever waited reads what it brought. */
    args[0] = LOCK_SPOT;
    st = qnft_db_query(r, db, QNFT_SQL_LOCK, NULL, 1, args, &err);
    if (st != QNFT_DB_OK) {
        return st;
    }
    st = read_spot(r, db, snap, &fresh, &backoff);
    if (st == QNFT_DB_OK && !fresh && !backoff) {
        source_of(r, &src);
        ps = qnft_price_spot(r->pool, &src, &spot, &perr);
        if (ps == QNFT_PRICE_OK) {
            args[0] = number(r, spot.have_btc, spot.btc_usd);
            args[1] = number(r, spot.have_sol, spot.sol_usd);
            args[2] = number(r, spot.have_usdc, spot.usdc_usd);
            st = qnft_db_query(r, db, QNFT_SQL_SPOT_SET, NULL, 3, args, &err);
            qnft_log_rerror(APLOG_DEBUG, 0, r, QNFTLOGNO(01702)
                          "prices: spot refreshed from the source");
        }
        else {
            long wait = backoff_after(ps, &perr);
            qnft_log_rerror(APLOG_WARNING, 0, r, QNFTLOGNO(01703)
                          "prices: %s; serving the last prices for %ld s", perr.message, wait);
            args[0] = apr_ltoa(r->pool, wait);
            args[1] = perr.message;
            st = qnft_db_query(r, db, QNFT_SQL_SPOT_FAIL, NULL, 2, args, &err);
        }
        if (st == QNFT_DB_OK) {
            st = read_spot(r, db, snap, &fresh, &backoff);
        }
    }
    args[0] = LOCK_SPOT;
    qnft_db_query(r, db, QNFT_SQL_UNLOCK, NULL, 1, args, &err);
    return st;
}

/* Bring the history up to date for the last `hours`: fetch only what is
 * missing (the whole range when older points are wanted, else the recent
 * span since the last fetch). */
static qnft_db_status refresh_history(request_rec *r, ap_dbd_t *db, int hours, int *stale,
                                      const char **error)
{
    const qnft_srv_conf *c = qnft_srv_config(r->server);
    apr_dbd_results_t *res = NULL;
    apr_dbd_row_t *row;
    const char *args[3], *err = NULL, *from;
    apr_int64_t now = apr_time_sec(apr_time_now()), want = now - (apr_int64_t)hours * 3600;
    qnft_price_source src;
    qnft_price_error perr;
    qnft_price_status ps;
    apr_array_header_t *pts;
    qnft_db_status st;
    int attempt;

    for (attempt = 0; attempt < 2; attempt++) {
        int covered, fresh, backoff, days, i;
        apr_int64_t cov_from;
        args[0] = apr_itoa(r->pool, c->price_ttl);
        st = qnft_db_select(r, db, QNFT_SQL_HIST_META, &res, 1, args, &err);
        if (st != QNFT_DB_OK || !(row = qnft_db_row(r, db, res, 0))) {
            return st != QNFT_DB_OK ? st : QNFT_DB_FAILED;
        }
        from = qnft_db_col(db, row, 0);
        cov_from = from ? apr_atoi64(from) : APR_INT64_MAX;
        covered = cov_from <= want + 60;
        fresh = !strcmp(qnft_db_col(db, row, 1), "t");
        backoff = !strcmp(qnft_db_col(db, row, 2), "t");
        *error = dup_col(r, db, row, 3);
        *stale = !(covered && fresh);
        if ((covered && fresh) || backoff) {
            break;
        }
        if (attempt == 0) {
            /* take the lock, then look again: someone may have done it */
            args[0] = LOCK_HISTORY;
            st = qnft_db_query(r, db, QNFT_SQL_LOCK, NULL, 1, args, &err);
            if (st != QNFT_DB_OK) {
                return st;
            }
            continue;
        }
        days = covered ? 1 : (int)((now - want + 86399) / 86400);
        if (days < 1) days = 1;
        source_of(r, &src);
        ps = qnft_price_history(r->pool, &src, days, &pts, &perr);
        if (ps == QNFT_PRICE_OK) {
            char *ts = apr_pstrdup(r->pool, "{"), *vs = apr_pstrdup(r->pool, "{");
            apr_size_t tl = 1, vl = 1;
            /* array literals, built in one buffer each */
            ts = apr_palloc(r->pool, (apr_size_t)pts->nelts * 22 + 3);
            vs = apr_palloc(r->pool, (apr_size_t)pts->nelts * 32 + 3);
            ts[0] = vs[0] = '{';
            for (i = 0; i < pts->nelts; i++) {
                qnft_price_point *pt = &APR_ARRAY_IDX(pts, i, qnft_price_point);
                tl += (apr_size_t)apr_snprintf(ts + tl, 23, "%s%" APR_INT64_T_FMT, i ? "," : "", pt->ms);
                vl += (apr_size_t)apr_snprintf(vs + vl, 33, "%s%.10g", i ? "," : "", pt->price);
            }
            ts[tl++] = '}';
            ts[tl] = '\0';
            vs[vl++] = '}';
            vs[vl] = '\0';
            args[0] = ts;
            args[1] = vs;
            args[2] = apr_psprintf(r->pool, "%" APR_INT64_T_FMT, now - (apr_int64_t)days * 86400);
            st = qnft_db_query(r, db, QNFT_SQL_HIST_PUT, NULL, 3, args, &err);
            if (st != QNFT_DB_OK) {
                qnft_log_rerror(APLOG_ERR, 0, r, QNFTLOGNO(01704)
                              "prices: storing history failed: %s", err);
            }
            else {
                *stale = 0;
                *error = NULL;
            }
        }
        else {
            long wait = backoff_after(ps, &perr);
            qnft_log_rerror(APLOG_WARNING, 0, r, QNFTLOGNO(01705)
                          "prices: history: %s; serving what is cached for %ld s",
                          perr.message, wait);
            args[0] = apr_ltoa(r->pool, wait);
            args[1] = perr.message;
            st = qnft_db_query(r, db, QNFT_SQL_HIST_FAIL, NULL, 2, args, &err);
            *stale = 1;
            *error = perr.message;
        }
        break;
    }
    if (attempt > 0) {
        args[0] = LOCK_HISTORY;
        qnft_db_query(r, db, QNFT_SQL_UNLOCK, NULL, 1, args, &err);
    }
    return st;
}

qnft_db_status qnft_prices_history(request_rec *r, ap_dbd_t *db, int hours, double usdc_usd,
                                   json_t **points, int *stale, const char **error)
{
    apr_dbd_results_t *res = NULL;
    apr_dbd_row_t *row;
    const char *args[1], *err = NULL;
    qnft_db_status st;
    int i;

    *points = json_array();
    st = refresh_history(r, db, hours, stale, error);
    if (st != QNFT_DB_OK) {
        return st;
    }
    args[0] = apr_psprintf(r->pool, "%" APR_INT64_T_FMT,
                           apr_time_sec(apr_time_now()) - (apr_int64_t)hours * 3600);
    st = qnft_db_select(r, db, QNFT_SQL_HIST_RANGE, &res, 1, args, &err);
    if (st != QNFT_DB_OK) {
        qnft_log_rerror(APLOG_ERR, 0, r, QNFTLOGNO(01706)
                      "prices: reading history failed: %s", err);
        return st;
    }
    for (i = 0; (row = qnft_db_row(r, db, res, i)) != NULL; i++) {
        double usd = strtod(qnft_db_col(db, row, 1), NULL);
        /* SOL/USDC = SOL/USD / USDC/USD (today's USDC rate for the span) */
        double price = usdc_usd > 0 ? usd / usdc_usd : usd;
        json_array_append_new(*points, json_pack("[I, f]",
                              (json_int_t)apr_atoi64(qnft_db_col(db, row, 0)),
                              round(price * 100.0) / 100.0));
    }
    return QNFT_DB_OK;
}
