#include <string.h>
#include <httpd.h>
#include <apr_strings.h>
#include <apr_optional.h>
#include <http_log.h>

#include "apache/mod_qnft.h"
#include "apache/qnft_config.h"
#include "apache/qnft_db.h"
#include "apache/qnft_metrics.h"
#include "apache/qnft_respond.h"
#include "db/qnft_schema.h"

/* Every statement of the module, prepared once per server at config time.
 * apr_dbd turns %s into bound parameters; arguments are passed as text and
 * PostgreSQL casts them to the column types. */
typedef struct {
    const char *label;
    const char *sql;
} qnft_stmt_def;

/* Plans made per execution, with the real parameters, so the optional
 * filters below fold away and the right index is used. qnft.conf runs it
 * with DBDInitSQL; recovery runs it again on a fresh session. */
#define QNFT_SESSION_INIT_SQL "SET plan_cache_mode = force_custom_plan"

/* The marketplace's view of an NFT (see QNFT_COL_* in qnft_db.h). */
#define NFT_COLUMNS \
    "n.mint, n.serial, n.name, n.symbol, n.owner, n.metadata_uri, n.image_id, i.mime_type, " \
    "n.gif_id, n.mint_type, n.description, n.btc_price_at_mint::text, " \
    "n.sol_price_at_mint::text, n.mint_standard, n.tx_signature, n.status, " \
    "to_char(n.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), " \
    "l.id, l.price_lamports "
/* Optional filters: a NULL parameter switches its condition off (plans
 * are made per execution: DBDInitSQL sets plan_cache_mode). Parameters:
 * mint_type twice, owner twice, listed-only. */
#define NFT_FILTERS \
    "AND (%s::text IS NULL OR n.mint_type = %s::text) " \
    "AND (%s::text IS NULL OR n.owner = %s::text) " \
    "AND (%s::boolean IS NOT TRUE OR l.id IS NOT NULL) "
#define BY_SERIAL \
    "SELECT " NFT_COLUMNS "FROM nfts n JOIN images i ON i.id = n.image_id " \
    "LEFT JOIN listings l ON l.mint = n.mint AND l.status = 'listed' " \
    "WHERE n.status = 'confirmed' " NFT_FILTERS
#define BY_PRICE \
    "SELECT " NFT_COLUMNS "FROM listings l JOIN nfts n ON n.mint = l.mint " \
    "JOIN images i ON i.id = n.image_id " \
    "WHERE l.status = 'listed' AND n.status = 'confirmed' " NFT_FILTERS

static const qnft_stmt_def qnft_statements[] = {
    { QNFT_SQL_SCHEMA_VERSION,
      "SELECT coalesce(max(version), 0) FROM qnft_schema_version" },
    { QNFT_SQL_IMAGE_INSERT,
      "INSERT INTO images (id, mime_type, width, height, bytes) "
      "VALUES (%s, %s, %s::integer, %s::integer, %s::bigint) ON CONFLICT (id) DO NOTHING" },
    { QNFT_SQL_IMAGE_FORGET,
      "DELETE FROM images WHERE id = %s" },
    { QNFT_SQL_GIF_GET,
      "SELECT frames, width, height, bytes, extract(epoch FROM overlay_at)::bigint "
      "FROM gifs WHERE id = %s" },
    { QNFT_SQL_GIF_INSERT,
      "INSERT INTO gifs (id, image_id, style, frames, delay_ms, width, height, bytes, "
      "btc_usdc, sol_usdc, overlay_at) VALUES (%s, %s, %s, %s::integer, %s::integer, "
      "%s::integer, %s::integer, %s::bigint, %s::numeric, %s::numeric, "
      "to_timestamp(%s::bigint)) ON CONFLICT (id) DO NOTHING" },
    /* keyset pages: the cursor is the last row's serial (or price, listing id) */
    { QNFT_SQL_MARKET_NEWEST,
      BY_SERIAL "AND (%s::bigint IS NULL OR n.serial < %s::bigint) "
      "ORDER BY n.serial DESC LIMIT %s::integer" },
    { QNFT_SQL_MARKET_OLDEST,
      BY_SERIAL "AND (%s::bigint IS NULL OR n.serial > %s::bigint) "
      "ORDER BY n.serial ASC LIMIT %s::integer" },
    { QNFT_SQL_MARKET_PRICE_ASC,
      BY_PRICE "AND (%s::bigint IS NULL OR (l.price_lamports, l.id) > (%s::bigint, %s::bigint)) "
      "ORDER BY l.price_lamports ASC, l.id ASC LIMIT %s::integer" },
    { QNFT_SQL_MARKET_PRICE_DESC,
      BY_PRICE "AND (%s::bigint IS NULL OR (l.price_lamports, l.id) < (%s::bigint, %s::bigint)) "
      "ORDER BY l.price_lamports DESC, l.id DESC LIMIT %s::integer" },
    { QNFT_SQL_MARKET_ITEM,
      "SELECT " NFT_COLUMNS "FROM nfts n JOIN images i ON i.id = n.image_id "
      "LEFT JOIN listings l ON l.mint = n.mint AND l.status = 'listed' "
      "WHERE n.mint = %s AND n.status = 'confirmed'" },
    { QNFT_SQL_LISTING_HISTORY,
      "SELECT id, seller, price_lamports, status, "
      "to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), "
      "to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') "
      "FROM listings WHERE mint = %s ORDER BY id" },
    { QNFT_SQL_NFT_OWNER,
      "SELECT owner FROM nfts WHERE mint = %s AND status = 'confirmed'" },
    /* One statement: the nonce is used up whatever happens next (a
     * refused message can never be replayed later); the listing goes in
     * unless one is active. Answers (nonce fresh?, new listing id). */
    { QNFT_SQL_LISTING_CREATE,
      "WITH fresh AS (INSERT INTO listing_nonces (seller, nonce, expires_at) "
      "VALUES (%s, %s, to_timestamp(%s::bigint)) ON CONFLICT DO NOTHING RETURNING seller), "
      "ins AS (INSERT INTO listings (mint, seller, price_lamports) "
      "SELECT %s, seller, %s::bigint FROM fresh "
      "ON CONFLICT (mint) WHERE status = 'listed' DO NOTHING RETURNING id) "
      "SELECT (SELECT count(*) FROM fresh), (SELECT id FROM ins)" },
    { QNFT_SQL_LISTING_GET,
      "SELECT l.mint, l.status, n.owner FROM listings l JOIN nfts n ON n.mint = l.mint "
      "WHERE l.id = %s::bigint" },
    { QNFT_SQL_LISTING_DELIST,
      "WITH target AS (SELECT id FROM listings WHERE id = %s::bigint AND status = 'listed' "
      "FOR UPDATE), "
      "fresh AS (INSERT INTO listing_nonces (seller, nonce, expires_at) "
      "SELECT %s, %s, to_timestamp(%s::bigint) FROM target ON CONFLICT DO NOTHING "
      "RETURNING seller) "
      "UPDATE listings SET status = 'delisted', updated_at = now() "
      "WHERE id IN (SELECT id FROM target) AND EXISTS (SELECT 1 FROM fresh) RETURNING id" },
    { QNFT_SQL_NEXT_SERIAL, "SELECT nextval('nft_serial')" },
    { QNFT_SQL_GIF_FOR_MINT,
      "SELECT g.image_id, i.mime_type, g.btc_usdc::text, g.sol_usdc::text "
      "FROM gifs g JOIN images i ON i.id = g.image_id WHERE g.id = %s" },
    /* The pending row (signature known before sending) goes in before the
     * transaction goes out: a crash after sending is resolved by asking
     * the chain. Parameters: 17 columns. */
#define NFT_PENDING_COLUMNS \
    "(mint, serial, name, symbol, owner, metadata_uri, image_id, gif_id, mint_type, " \
    "description, btc_price_at_mint, sol_price_at_mint, mint_standard, tx_signature, " \
    "last_valid_block_height, sign_mode, status)"
#define NFT_PENDING_VALUES \
    "%s, %s::bigint, %s, %s, %s, %s, %s, %s, %s, %s, %s::numeric, %s::numeric, %s, %s, " \
    "%s::bigint, %s, 'pending'"
    { QNFT_SQL_NFT_PENDING,
      "INSERT INTO nfts " NFT_PENDING_COLUMNS " VALUES (" NFT_PENDING_VALUES ")" },
    /* with an Idempotency-Key: the key and the row together; a key
     * inserted first by a concurrent request means no row here */
    { QNFT_SQL_NFT_PENDING_KEYED,
      "WITH k AS (INSERT INTO mint_requests (idempotency_key, request_hash, mint) "
      "VALUES (%s, %s, %s) ON CONFLICT DO NOTHING RETURNING mint) "
      "INSERT INTO nfts " NFT_PENDING_COLUMNS " SELECT " NFT_PENDING_VALUES " FROM k "
      "RETURNING mint" },
    { QNFT_SQL_IDEM_GET,
      "SELECT request_hash, mint FROM mint_requests WHERE idempotency_key = %s" },
    { QNFT_SQL_NFT_STATE,
      "SELECT mint, status, tx_signature, name, metadata_uri, last_valid_block_height, owner, "
      "mint_standard, sign_mode FROM nfts WHERE mint = %s" },
    /* failed -> confirmed too: the chain has the last word */
    { QNFT_SQL_NFT_CONFIRM,
      "UPDATE nfts SET status = 'confirmed', confirmed_at = now() "
      "WHERE mint = %s AND status IN ('pending', 'failed')" },
    { QNFT_SQL_NFT_FAIL,
      "UPDATE nfts SET status = 'failed' WHERE mint = %s AND status = 'pending'" },
#define PREPARED_COLUMNS \
    "(mint, owner, message, mint_signature, serial, name, symbol, metadata_uri, image_id, " \
    "gif_id, mint_type, description, btc_price_at_mint, sol_price_at_mint, mint_standard, " \
    "last_valid_block_height, prepared_tx)"
#define PREPARED_VALUES \
    "%s, %s, decode(%s, 'base64'), decode(%s, 'base64'), %s::bigint, %s, %s, %s, %s, %s, " \
    "%s, %s, %s::numeric, %s::numeric, %s, %s::bigint, %s"
    { QNFT_SQL_PREPARED_PUT,
      "INSERT INTO mint_prepared " PREPARED_COLUMNS " VALUES (" PREPARED_VALUES ")" },
    /* with an Idempotency-Key: key and prepared transaction together */
    { QNFT_SQL_PREPARED_PUT_KEYED,
      "WITH k AS (INSERT INTO mint_requests (idempotency_key, request_hash, mint) "
      "VALUES (%s, %s, %s) ON CONFLICT DO NOTHING RETURNING mint) "
      "INSERT INTO mint_prepared " PREPARED_COLUMNS " SELECT " PREPARED_VALUES " FROM k "
      "RETURNING mint" },
    { QNFT_SQL_PREPARED_TX,
      "SELECT prepared_tx, name, metadata_uri, last_valid_block_height FROM mint_prepared "
      "WHERE mint = %s" },
    { QNFT_SQL_PREPARED_GET,
      "SELECT owner, translate(encode(message, 'base64'), E'\\n', ''), "
      "translate(encode(mint_signature, 'base64'), E'\\n', ''), serial, "
      "name, symbol, metadata_uri, image_id, gif_id, mint_type, description, "
      "btc_price_at_mint::text, sol_price_at_mint::text, mint_standard, "
      "last_valid_block_height FROM mint_prepared WHERE mint = %s" },

    /* single flight across processes and servers: one refresh at a time */
    { QNFT_SQL_LOCK, "SELECT pg_advisory_lock(%s::bigint)" },
    { QNFT_SQL_UNLOCK, "SELECT pg_advisory_unlock(%s::bigint)" },
    { QNFT_SQL_SPOT_GET,
      "SELECT btc_usd::text, sol_usd::text, usdc_usd::text, "
      "extract(epoch FROM fetched_at)::bigint, "
      "coalesce(fetched_at > now() - make_interval(secs => %s::integer), false), "
      "coalesce(retry_until > now(), false), last_error FROM price_spot WHERE id = 1" },
    { QNFT_SQL_SPOT_SET,
      "UPDATE price_spot SET btc_usd = %s::numeric, sol_usd = %s::numeric, "
      "usdc_usd = %s::numeric, fetched_at = now(), retry_until = NULL, last_error = NULL "
      "WHERE id = 1" },
    { QNFT_SQL_SPOT_FAIL,
      "UPDATE price_spot SET retry_until = now() + make_interval(secs => %s::integer), "
      "last_error = %s WHERE id = 1" },
    { QNFT_SQL_HIST_META,
      "SELECT extract(epoch FROM covered_from)::bigint, "
      "coalesce(fetched_at > now() - make_interval(secs => %s::integer), false), "
      "coalesce(retry_until > now(), false), last_error FROM price_history WHERE id = 1" },
    /* the points and what they cover, in one statement; arrays are bound
     * parameters like any other */
    { QNFT_SQL_HIST_PUT,
      "WITH pts AS (INSERT INTO price_points (ts, sol_usd) "
      "SELECT to_timestamp(t / 1000.0), v FROM unnest(%s::bigint[], %s::numeric[]) AS u(t, v) "
      "ON CONFLICT (ts) DO UPDATE SET sol_usd = EXCLUDED.sol_usd RETURNING ts) "
      "UPDATE price_history SET covered_from = LEAST(coalesce(covered_from, 'infinity'), "
      "to_timestamp(%s::bigint)), covered_until = now(), fetched_at = now(), "
      "retry_until = NULL, last_error = NULL WHERE id = 1 AND (SELECT count(*) FROM pts) >= 0" },
    { QNFT_SQL_HIST_FAIL,
      "UPDATE price_history SET retry_until = now() + make_interval(secs => %s::integer), "
      "last_error = %s WHERE id = 1" },
    { QNFT_SQL_HIST_RANGE,
      "SELECT (extract(epoch FROM ts) * 1000)::bigint, sol_usd::text FROM price_points "
      "WHERE ts >= to_timestamp(%s::bigint) AND ts <= now() ORDER BY ts" },
    { QNFT_SQL_CHART_EVENTS,
      "SELECT (extract(epoch FROM created_at) * 1000)::bigint, mint_type, name, "
      "sol_price_at_mint::text, mint, gif_id FROM nfts "
      "WHERE status = 'confirmed' AND created_at >= to_timestamp(%s::bigint) "
      "AND created_at <= now() ORDER BY created_at" },
    { QNFT_SQL_IMAGE_GET,
      "SELECT mime_type, width, height, bytes FROM images WHERE id = %s" },
    { QNFT_SQL_METRICS,
      "SELECT status, count(*) FROM nfts GROUP BY status "
      "UNION ALL SELECT 'listed', count(*) FROM listings WHERE status = 'listed'" },
};
#define QNFT_N_STATEMENTS (sizeof(qnft_statements) / sizeof(qnft_statements[0]))

/* Looked up at configuration time, read-only afterwards. */
static APR_OPTIONAL_FN_TYPE(ap_dbd_prepare) *dbd_prepare_fn;
static APR_OPTIONAL_FN_TYPE(ap_dbd_acquire) *dbd_acquire_fn;
static APR_OPTIONAL_FN_TYPE(ap_dbd_open) *dbd_open_fn;
static APR_OPTIONAL_FN_TYPE(ap_dbd_close) *dbd_close_fn;

const char *qnft_db_configure(server_rec *s)
{
    server_rec *sp;
    apr_size_t i;

    dbd_prepare_fn = APR_RETRIEVE_OPTIONAL_FN(ap_dbd_prepare);
    dbd_acquire_fn = APR_RETRIEVE_OPTIONAL_FN(ap_dbd_acquire);
    dbd_open_fn = APR_RETRIEVE_OPTIONAL_FN(ap_dbd_open);
    dbd_close_fn = APR_RETRIEVE_OPTIONAL_FN(ap_dbd_close);
    if (!dbd_prepare_fn || !dbd_acquire_fn || !dbd_open_fn || !dbd_close_fn) {
        return "mod_qnft needs mod_dbd: load it first "
               "(LoadModule dbd_module modules/mod_dbd.so, or a2enmod dbd)";
    }
    /* mod_dbd files prepared statements per server_rec: every virtual host
     * that may run a qnft handler needs its own copy. */
    for (sp = s; sp; sp = sp->next) {
        for (i = 0; i < QNFT_N_STATEMENTS; i++) {
            dbd_prepare_fn(sp, qnft_statements[i].sql, qnft_statements[i].label);
        }
    }
    return NULL;
}

void qnft_db_check_schema(apr_pool_t *p, server_rec *s)
{
    ap_dbd_t *db;
    apr_dbd_prepared_t *st;
    apr_dbd_results_t *res = NULL;
    apr_dbd_row_t *row = NULL;
    const char *v;
    int version;

    if (!dbd_open_fn) {
        return;
    }
    /* p is the child's pool: keep the result out of it */
    apr_pool_create(&p, p);
    db = dbd_open_fn(p, s);
    if (!db) {
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s, QNFTLOGNO(01101)
                     "database not reachable at child start (or its schema is not "
                     "applied: run 'qnft migrate'); requests will answer 503 until it is");
        return;
    }
    st = apr_hash_get(db->prepared, QNFT_SQL_SCHEMA_VERSION, APR_HASH_KEY_STRING);
    if (st && apr_dbd_pvselect(db->driver, p, db->handle, &res, st, 1, NULL) == 0
        && apr_dbd_get_row(db->driver, p, res, &row, 1) == 0
        && (v = apr_dbd_get_entry(db->driver, row, 0)) != NULL) {
        version = atoi(v);
        if (version < QNFT_SCHEMA_VERSION) {
            ap_log_error(APLOG_MARK, APLOG_ERR, 0, s, QNFTLOGNO(01102)
                         "database schema is at version %d, this module needs %d: "
                         "run 'qnft migrate'", version, QNFT_SCHEMA_VERSION);
        }
        else {
            ap_log_error(APLOG_MARK, APLOG_DEBUG, 0, s, QNFTLOGNO(01103)
                         "database schema version %d", version);
        }
    }
    else {
        ap_log_error(APLOG_MARK, APLOG_ERR, 0, s, QNFTLOGNO(01104)
                     "cannot read the schema version: %s",
                     apr_dbd_error(db->driver, db->handle, -1));
    }
    dbd_close_fn(s, db);
    apr_pool_destroy(p);
}

ap_dbd_t *qnft_db_acquire(request_rec *r)
{
    ap_dbd_t *db = dbd_acquire_fn ? dbd_acquire_fn(r) : NULL;
    if (!db) {
        qnft_metrics_db_error();
        /* mod_dbd has logged why at level error already */
        qnft_log_rerror(APLOG_WARNING, 0, r, QNFTLOGNO(01105)
                      "no database connection: answering 503");
    }
    return db;
}

static const char *stmt_sql(const char *label)
{
    apr_size_t i;
    for (i = 0; i < QNFT_N_STATEMENTS; i++) {
        if (!strcmp(qnft_statements[i].label, label)) {
            return qnft_statements[i].sql;
        }
    }
    return NULL;
}

/* After PostgreSQL restarts, every pooled connection is dead: its first
 * use fails ("terminating connection ..."), and libpq's reset (done by
 * apr_dbd_check_conn, also inside mod_dbd) gives a fresh session without
 * the prepared statements (SQLSTATE 26000). Bring the connection back and
 * prepare ours again; mod_dbd keeps the handles in db->prepared. (Other
 * modules' statements on a shared connection are theirs to restore.)
 *
 * Whether the session is new is told by PREPARE itself: on the old session
 * the label exists. Only on a new session is one retry safe, since the
 * failed statement cannot have run there. */
typedef enum { SESSION_SAME, SESSION_DOWN, SESSION_NEW } session_state;

static session_state recover_session(request_rec *r, ap_dbd_t *db, const char *msg)
{
    apr_size_t i;

    int lost_statement = msg && strstr(msg, "prepared statement") && strstr(msg, "does not exist");

    /* libpq reports the server's own SQL errors as "ERROR: ...": the
     * session is fine, the statement is wrong (a constraint, a bad value) */
    if (!lost_statement && msg && !strncmp(msg, "ERROR:", 6)) {
        return SESSION_SAME;
    }
    if (!lost_statement && apr_dbd_check_conn(db->driver, r->pool, db->handle) != APR_SUCCESS) {
        return SESSION_DOWN;
    }
    for (i = 0; i < QNFT_N_STATEMENTS; i++) {
        apr_dbd_prepared_t *st = NULL;
        if (apr_dbd_prepare(db->driver, db->pool, db->handle, qnft_statements[i].sql,
                            qnft_statements[i].label, &st) != 0) {
            if (i == 0) {
                return SESSION_SAME;
            }
            qnft_log_rerror(APLOG_ERR, 0, r, QNFTLOGNO(01107)
                          "re-preparing %s failed: %s", qnft_statements[i].label,
                          apr_dbd_error(db->driver, db->handle, -1));
            return SESSION_DOWN;
        }
        apr_hash_set(db->prepared, qnft_statements[i].label, APR_HASH_KEY_STRING, st);
    }
    {
        /* what DBDInitSQL did on the first connect */
        int n = 0;
        apr_dbd_query(db->driver, db->handle, &n, QNFT_SESSION_INIT_SQL);
    }
    qnft_log_rerror(APLOG_WARNING, 0, r, QNFTLOGNO(01106)
                  "database connection was lost and is back; statements prepared again");
    return SESSION_NEW;
}

/* Run label once, and once more on a fresh session if the first attempt
 * met a lost connection. res NULL: a query (rows counted in *nrows). */
static qnft_db_status run(request_rec *r, ap_dbd_t *db, const char *label, int *nrows,
                          apr_dbd_results_t **res, int nargs, const char **args,
                          const char **err)
{
    apr_dbd_prepared_t *st = apr_hash_get(db->prepared, label, APR_HASH_KEY_STRING);
    int attempt;

    for (attempt = 0; ; attempt++) {
        session_state ss;
        int rv;
        if (!st) {
            *err = apr_psprintf(r->pool, "statement %s is not prepared%s", label,
                                stmt_sql(label) ? "" : " (unknown label)");
            return QNFT_DB_FAILED;
        }
        if (res) {
            *res = NULL;
            rv = apr_dbd_pselect(db->driver, r->pool, db->handle, res, st, 1, nargs, args);
        }
        else {
            rv = apr_dbd_pquery(db->driver, r->pool, db->handle, nrows, st, nargs, args);
        }
        if (rv == 0) {
            return QNFT_DB_OK;
        }
        /* copied now: recovery's own statements overwrite the message */
        *err = apr_pstrdup(r->pool, apr_dbd_error(db->driver, db->handle, rv));
        if (attempt > 0) {
            qnft_metrics_db_error();
            return QNFT_DB_FAILED;
        }
        ss = recover_session(r, db, *err);
        if (ss == SESSION_DOWN) {
            qnft_metrics_db_error();
            return QNFT_DB_DOWN;
        }
        if (ss == SESSION_SAME) {
            qnft_metrics_db_error();
            return QNFT_DB_FAILED;
        }
        st = apr_hash_get(db->prepared, label, APR_HASH_KEY_STRING);
    }
}

qnft_db_status qnft_db_query(request_rec *r, ap_dbd_t *db, const char *label, int *nrows,
                             int nargs, const char **args, const char **err)
{
    int n = 0;
    return run(r, db, label, nrows ? nrows : &n, NULL, nargs, args, err);
}

qnft_db_status qnft_db_select(request_rec *r, ap_dbd_t *db, const char *label,
                              apr_dbd_results_t **res, int nargs, const char **args,
                              const char **err)
{
    return run(r, db, label, NULL, res, nargs, args, err);
}

apr_dbd_row_t *qnft_db_row(request_rec *r, ap_dbd_t *db, apr_dbd_results_t *res, int i)
{
    apr_dbd_row_t *row = NULL;
    /* Random access: row numbers start at 1 in apr_dbd. */
    if (apr_dbd_get_row(db->driver, r->pool, res, &row, i + 1) != 0) {
        return NULL;
    }
    return row;
}

const char *qnft_db_col(ap_dbd_t *db, apr_dbd_row_t *row, int n)
{
    char *value = NULL;
    /* apr_dbd_get_entry gives "" for NULL; the typed getter tells them apart */
    if (apr_dbd_datum_get(db->driver, row, n, APR_DBD_TYPE_STRING, &value) != APR_SUCCESS) {
        return NULL;
    }
    return value;
}

int qnft_db_respond(request_rec *r, qnft_db_status st)
{
    if (st == QNFT_DB_DOWN) {
        return qnft_respond_unavailable(r, qnft_srv_config(r->server)->db_retry_after,
                                        "database_unavailable",
                                        "The database is unavailable; try again shortly.");
    }
    return qnft_respond_error(r, HTTP_INTERNAL_SERVER_ERROR, "internal_error",
                              "The request could not be completed because of a server "
                              "error; it has been logged.");
}
