/* Shared counters of mod_qnft (see qnft_metrics.h). Counters only grow
 * (relaxed atomic additions); the exposition reads them without a lock,
 * which is what Prometheus expects of counters. */
#include <string.h>
#include <apr_shm.h>
#include <apr_strings.h>
#include <http_protocol.h>
#include <http_log.h>
#include <mod_status.h>

#include "apache/mod_qnft.h"
#include "apache/qnft_db.h"
#include "apache/qnft_metrics.h"
#include "apache/qnft_respond.h"

/* Endpoints are told apart by their handler name. */
static const char *const endpoints[] = {
    "upload", "gif", "mint", "market", "listing", "chart", "studio", "metrics"
};
#define N_ENDPOINTS (sizeof(endpoints) / sizeof(endpoints[0]))

/* Histogram bounds in seconds, as numbers and as Prometheus writes them;
 * one more bucket catches the rest. */
typedef struct {
    double value;
    const char *text;
} bound;

static const bound render_bounds[] = {
    { 0.05, "0.05" }, { 0.1, "0.1" }, { 0.25, "0.25" }, { 0.5, "0.5" }, { 1, "1" },
    { 2.5, "2.5" }, { 5, "5" }, { 10, "10" }, { 20, "20" }, { 60, "60" }
};
static const bound call_bounds[] = {
    { 0.005, "0.005" }, { 0.01, "0.01" }, { 0.025, "0.025" }, { 0.05, "0.05" }, { 0.1, "0.1" },
    { 0.25, "0.25" }, { 0.5, "0.5" }, { 1, "1" }, { 2.5, "2.5" }, { 5, "5" }, { 10, "10" }
};
#define N_RENDER (sizeof(render_bounds) / sizeof(render_bounds[0]))
#define N_CALL (sizeof(call_bounds) / sizeof(call_bounds[0]))
#define MAX_BUCKETS 12

typedef struct {
    apr_uint64_t bucket[MAX_BUCKETS];  /* not cumulative; the last: beyond all bounds */
    apr_uint64_t count;
    apr_uint64_t sum_us;
    apr_uint64_t failures;
} histogram;

/* Counters are shared by processes: their atomics must be real ones,
 * not a lock that lives in each process. */
_Static_assert(__atomic_always_lock_free(sizeof(apr_uint64_t), 0),
               "64-bit atomics are not lock-free here");

typedef struct {
    apr_uint64_t requests[N_ENDPOINTS];
    apr_uint64_t errors_4xx[N_ENDPOINTS];
    apr_uint64_t errors_5xx[N_ENDPOINTS];
    histogram render;
    histogram rpc;
    histogram price;
    apr_uint64_t db_errors;
    apr_uint64_t rate_limited[QNFT_AREA_COUNT];
    apr_uint64_t csrf_refused;
    apr_time_t started;
} counters;

static counters *shared;

#define ADD(field, n) __atomic_fetch_add(&(field), (n), __ATOMIC_RELAXED)
#define GET(field) __atomic_load_n(&(field), __ATOMIC_RELAXED)

int qnft_metrics_post_config(apr_pool_t *pconf, server_rec *s)
{
    apr_shm_t *shm = NULL;
    apr_status_t rv = apr_shm_create(&shm, sizeof(counters), NULL, pconf);

    shared = NULL;
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, QNFTLOGNO(00014)
                     "metrics: cannot create anonymous shared memory");
        return !OK;
    }
    shared = apr_shm_baseaddr_get(shm);
    memset(shared, 0, sizeof(*shared));
    shared->started = apr_time_now();
    return OK;
}

static void observe(histogram *h, const bound *bounds, apr_size_t n,
                    apr_interval_time_t took, int failed)
{
    double secs = (double)took / APR_USEC_PER_SEC;
    apr_size_t i = 0;

    while (i < n && secs > bounds[i].value) {
        i++;
    }
    ADD(h->bucket[i], 1);
    ADD(h->count, 1);
    ADD(h->sum_us, (apr_uint64_t)(took > 0 ? took : 0));
    if (failed) {
        ADD(h->failures, 1);
    }
}

void qnft_metrics_render(apr_interval_time_t took)
{
    if (shared) {
        observe(&shared->render, render_bounds, N_RENDER, took, 0);
    }
}

void qnft_metrics_rpc(apr_interval_time_t took, int failed)
{
    if (shared) {
        observe(&shared->rpc, call_bounds, N_CALL, took, failed);
    }
}

void qnft_metrics_price(apr_interval_time_t took, int failed)
{
    if (shared) {
        observe(&shared->price, call_bounds, N_CALL, took, failed);
    }
}

void qnft_metrics_db_error(void)
{
    if (shared) {
        ADD(shared->db_errors, 1);
    }
}

void qnft_metrics_rate_limited(qnft_area area)
{
    if (shared) {
        ADD(shared->rate_limited[area], 1);
    }
}

void qnft_metrics_csrf_refused(void)
{
    if (shared) {
        ADD(shared->csrf_refused, 1);
    }
}

/* After an internal redirect (an ErrorDocument for a body httpd refused)
 * the endpoint is the first request's handler, the answer the last one's. */
int qnft_metrics_log(request_rec *r)
{
    const request_rec *first = r, *last = r;
    apr_size_t i;

    if (!shared || r->main) {
        return DECLINED;
    }
    while (first->prev) {
        first = first->prev;
    }
    while (last->next) {
        last = last->next;
    }
    if (!first->handler || strncmp(first->handler, "qnft-", 5)) {
        return DECLINED;
    }
    for (i = 0; i < N_ENDPOINTS; i++) {
        if (!strcmp(first->handler + 5, endpoints[i])) {
            ADD(shared->requests[i], 1);
            if (last->status >= 500) {
                ADD(shared->errors_5xx[i], 1);
            }
            else if (last->status >= 400) {
                ADD(shared->errors_4xx[i], 1);
            }
            break;
        }
    }
    return DECLINED;
}

/* ---- Prometheus text format ---------------------------------------------- */

static void header(request_rec *r, const char *name, const char *type, const char *help)
{
    ap_rprintf(r, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void histogram_out(request_rec *r, const char *name, const char *help,
                          histogram *h, const bound *bounds, apr_size_t n)
{
    apr_uint64_t cum = 0;
    apr_size_t i;

    header(r, name, "histogram", help);
    for (i = 0; i < n; i++) {
        cum += GET(h->bucket[i]);
        ap_rprintf(r, "%s_bucket{le=\"%s\"} %" APR_UINT64_T_FMT "\n", name, bounds[i].text, cum);
    }
    cum += GET(h->bucket[n]);
    ap_rprintf(r, "%s_bucket{le=\"+Inf\"} %" APR_UINT64_T_FMT "\n", name, cum);
    ap_rprintf(r, "%s_sum %.6f\n", name, (double)GET(h->sum_us) / APR_USEC_PER_SEC);
    /* the buckets' total, so +Inf and _count agree even mid-update */
    ap_rprintf(r, "%s_count %" APR_UINT64_T_FMT "\n", name, cum);
}

/* What the database holds: NFTs by state and active listings. 0 when the
 * database cannot be reached (and qnft_db_up says so). */
static void database_out(request_rec *r)
{
    static const char *const states[] = { "pending", "confirmed", "failed" };
    apr_int64_t n[3] = { 0, 0, 0 }, listed = 0;
    ap_dbd_t *db = qnft_db_acquire(r);
    apr_dbd_results_t *res = NULL;
    const char *err = NULL;
    int up = 0, i, k;

    if (db && qnft_db_select(r, db, QNFT_SQL_METRICS, &res, 0, NULL, &err) == QNFT_DB_OK) {
        apr_dbd_row_t *row;
        up = 1;
        for (i = 0; (row = qnft_db_row(r, db, res, i)); i++) {
            const char *what = qnft_db_col(db, row, 0), *count = qnft_db_col(db, row, 1);
            if (!what || !count) {
                continue;
            }
            if (!strcmp(what, "listed")) {
                listed = apr_atoi64(count);
            }
            for (k = 0; k < 3; k++) {
                if (!strcmp(what, states[k])) {
                    n[k] = apr_atoi64(count);
                }
            }
        }
    }
    else if (db) {
        qnft_log_rerror(APLOG_WARNING, 0, r, QNFTLOGNO(01951)
                      "metrics: reading the database's counts failed: %s", err);
    }
    header(r, "qnft_db_up", "gauge", "1 when the database answered this scrape.");
    ap_rprintf(r, "qnft_db_up %d\n", up);
    header(r, "qnft_mints", "gauge", "NFTs recorded in the database, by state.");
    for (k = 0; k < 3; k++) {
        ap_rprintf(r, "qnft_mints{state=\"%s\"} %" APR_INT64_T_FMT "\n", states[k], n[k]);
    }
    header(r, "qnft_listings_active", "gauge", "Marketplace listings currently open.");
    ap_rprintf(r, "qnft_listings_active %" APR_INT64_T_FMT "\n", listed);
}

static void per_endpoint(request_rec *r, const char *name, const char *help,
                         apr_uint64_t *values)
{
    apr_size_t i;
    header(r, name, "counter", help);
    for (i = 0; i < N_ENDPOINTS; i++) {
        ap_rprintf(r, "%s{endpoint=\"%s\"} %" APR_UINT64_T_FMT "\n", name, endpoints[i],
                   GET(values[i]));
    }
}

int qnft_metrics_handler(request_rec *r)
{
    int a;

    if (!r->handler || strcmp(r->handler, "qnft-metrics")) {
        return DECLINED;
    }
    if (r->method_number != M_GET) {
        return qnft_respond_method(r, "GET");
    }
    if (!shared) {
        return qnft_respond_unavailable(r, 5, "metrics_unavailable",
                                        "The counters are not set up yet.");
    }
    ap_set_content_type(r, "text/plain; version=0.0.4; charset=utf-8");
    apr_table_setn(r->headers_out, "Cache-Control", "no-store");
    apr_table_setn(r->headers_out, "X-Content-Type-Options", "nosniff");
    if (r->header_only) {
        return OK;
    }
    header(r, "qnft_start_time_seconds", "gauge", "When these counters started (a restart "
           "resets them).");
    ap_rprintf(r, "qnft_start_time_seconds %" APR_TIME_T_FMT "\n",
               apr_time_sec(shared->started));
    per_endpoint(r, "qnft_requests_total", "Requests answered, by endpoint.",
                 shared->requests);
    header(r, "qnft_errors_total", "counter", "Error answers, by endpoint and class.");
    {
        apr_size_t i;
        for (i = 0; i < N_ENDPOINTS; i++) {
            ap_rprintf(r, "qnft_errors_total{endpoint=\"%s\",class=\"4xx\"} %" APR_UINT64_T_FMT
                       "\nqnft_errors_total{endpoint=\"%s\",class=\"5xx\"} %" APR_UINT64_T_FMT
                       "\n", endpoints[i], GET(shared->errors_4xx[i]), endpoints[i],
                       GET(shared->errors_5xx[i]));
        }
    }
    histogram_out(r, "qnft_gif_render_seconds", "Time to render one quantum GIF.",
                  &shared->render, render_bounds, N_RENDER);
    histogram_out(r, "qnft_rpc_seconds", "Solana JSON-RPC calls and their duration.",
                  &shared->rpc, call_bounds, N_CALL);
    header(r, "qnft_rpc_failures_total", "counter",
           "RPC calls with no usable answer (unreachable, timeout, HTTP error, not JSON-RPC).");
    ap_rprintf(r, "qnft_rpc_failures_total %" APR_UINT64_T_FMT "\n", GET(shared->rpc.failures));
    histogram_out(r, "qnft_price_source_seconds", "Price-source requests and their duration.",
                  &shared->price, call_bounds, N_CALL);
    header(r, "qnft_price_source_failures_total", "counter",
           "Price-source requests that failed (unreachable, timeout, HTTP error).");
    ap_rprintf(r, "qnft_price_source_failures_total %" APR_UINT64_T_FMT "\n",
               GET(shared->price.failures));
    header(r, "qnft_db_errors_total", "counter",
           "Database statements that failed or found the database unreachable.");
    ap_rprintf(r, "qnft_db_errors_total %" APR_UINT64_T_FMT "\n", GET(shared->db_errors));
    header(r, "qnft_rate_limited_total", "counter", "Requests refused by QNFTRateLimit.");
    for (a = 0; a < QNFT_AREA_COUNT; a++) {
        ap_rprintf(r, "qnft_rate_limited_total{area=\"%s\"} %" APR_UINT64_T_FMT "\n",
                   qnft_area_names[a], GET(shared->rate_limited[a]));
    }
    header(r, "qnft_csrf_refused_total", "counter", "Cross-site writes refused.");
    ap_rprintf(r, "qnft_csrf_refused_total %" APR_UINT64_T_FMT "\n", GET(shared->csrf_refused));
    database_out(r);
    return OK;
}

/* ---- server-status ------------------------------------------------------- */

static double mean_ms(histogram *h)
{
    apr_uint64_t n = GET(h->count);
    return n ? (double)GET(h->sum_us) / 1000.0 / (double)n : 0.0;
}

int qnft_metrics_status(request_rec *r, int flags)
{
    apr_size_t i;

    if (!shared) {
        return OK;
    }
    if (flags & AP_STATUS_SHORT) {
        for (i = 0; i < N_ENDPOINTS; i++) {
            ap_rprintf(r, "QNFT%sRequests: %" APR_UINT64_T_FMT "\n", endpoints[i],
                       GET(shared->requests[i]));
        }
        ap_rprintf(r, "QNFTGifRenders: %" APR_UINT64_T_FMT "\nQNFTRPCFailures: %"
                   APR_UINT64_T_FMT "\nQNFTDBErrors: %" APR_UINT64_T_FMT "\n",
                   GET(shared->render.count), GET(shared->rpc.failures),
                   GET(shared->db_errors));
        return OK;
    }
    ap_rputs("<hr>\n<h2>mod_qnft</h2>\n<table border=\"0\">\n"
             "<tr><th>Endpoint</th><th>Requests</th><th>4xx</th><th>5xx</th></tr>\n", r);
    for (i = 0; i < N_ENDPOINTS; i++) {
        ap_rprintf(r, "<tr><td>%s</td><td>%" APR_UINT64_T_FMT "</td><td>%" APR_UINT64_T_FMT
                   "</td><td>%" APR_UINT64_T_FMT "</td></tr>\n", endpoints[i],
                   GET(shared->requests[i]), GET(shared->errors_4xx[i]),
                   GET(shared->errors_5xx[i]));
    }
    ap_rputs("</table>\n", r);
    ap_rprintf(r, "<p>GIF renders: %" APR_UINT64_T_FMT " (mean %.1f ms). "
               "RPC calls: %" APR_UINT64_T_FMT " (mean %.1f ms, %" APR_UINT64_T_FMT " failed). "
               "Price source: %" APR_UINT64_T_FMT " (%" APR_UINT64_T_FMT " failed). "
               "Database errors: %" APR_UINT64_T_FMT ". Rate-limited: upload %" APR_UINT64_T_FMT
               ", gif %" APR_UINT64_T_FMT ", mint %" APR_UINT64_T_FMT ", listing %"
               APR_UINT64_T_FMT ". Cross-site writes refused: %" APR_UINT64_T_FMT ".</p>\n",
               GET(shared->render.count), mean_ms(&shared->render), GET(shared->rpc.count),
               mean_ms(&shared->rpc), GET(shared->rpc.failures), GET(shared->price.count),
               GET(shared->price.failures), GET(shared->db_errors),
               GET(shared->rate_limited[QNFT_AREA_UPLOAD]),
               GET(shared->rate_limited[QNFT_AREA_GIF]),
               GET(shared->rate_limited[QNFT_AREA_MINT]),
               GET(shared->rate_limited[QNFT_AREA_LISTING]), GET(shared->csrf_refused));
    return OK;
}
