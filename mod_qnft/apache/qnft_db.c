#include <string.h>
#include <httpd.h>
#include <apr_strings.h>
#include <apr_optional.h>
#include <http_log.h>

#include "apache/mod_qnft.h"
#include "apache/qnft_db.h"
#include "db/qnft_schema.h"

/* Every statement of the module, prepared once per server at config time.
 * apr_dbd turns %s into bound parameters; arguments are passed as text and
 * PostgreSQL casts them to the column types. */
typedef struct {
    const char *label;
    const char *sql;
} qnft_stmt_def;

static const qnft_stmt_def qnft_statements[] = {
    { QNFT_SQL_SCHEMA_VERSION,
      "SELECT coalesce(max(version), 0) FROM qnft_schema_version" },
    { QNFT_SQL_IMAGE_INSERT,
      "INSERT INTO images (id, mime_type, width, height, bytes) "
      "VALUES (%s, %s, %s::integer, %s::integer, %s::bigint) ON CONFLICT (id) DO NOTHING" },
    { QNFT_SQL_IMAGE_GET,
      "SELECT mime_type, width, height, bytes FROM images WHERE id = %s" },
};
#define QNFT_N_STATEMENTS (sizeof(qnft_statements) / sizeof(qnft_statements[0]))

/* Looked up at configuration time, read-only afterwards. */
static APR_OPTIONAL_FN_TYPE(ap_dbd_prepare) *dbd_prepare_fn;
static APR_OPTIONAL_FN_TYPE(ap_dbd_acquire) *dbd_acquire_fn;
static APR_OPTIONAL_FN_TYPE(ap_dbd_open) *dbd_open_fn;
static APR_OPTIONAL_FN_TYPE(ap_dbd_close) *dbd_close_fn;

const char *qnft_db_configure(apr_pool_t *p, server_rec *s)
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
}

ap_dbd_t *qnft_db_acquire(request_rec *r)
{
    ap_dbd_t *db = dbd_acquire_fn ? dbd_acquire_fn(r) : NULL;
    if (!db) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, QNFTLOGNO(01105)
                      "no database connection (is PostgreSQL up? see mod_dbd's messages)");
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
 * prepare ours again; mod_dbd keeps the handles in db->prepared.
 *
 * Returns 1 when the session is new, so the failed statement can never
 * have run there and one retry is safe; 0 when the session is the same
 * (a real SQL error) or the database is still away. Whether the session is
 * new is told by PREPARE itself: on an old session the label exists. */
static int recover_session(request_rec *r, ap_dbd_t *db, int rv)
{
    const char *msg = apr_dbd_error(db->driver, db->handle, rv);
    apr_size_t i;

    if (!(msg && strstr(msg, "prepared statement") && strstr(msg, "does not exist"))
        && apr_dbd_check_conn(db->driver, r->pool, db->handle) != APR_SUCCESS) {
        return 0;
    }
    for (i = 0; i < QNFT_N_STATEMENTS; i++) {
        apr_dbd_prepared_t *st = NULL;
        if (apr_dbd_prepare(db->driver, db->pool, db->handle, qnft_statements[i].sql,
                            qnft_statements[i].label, &st) != 0) {
            if (i == 0) {
                return 0;   /* same session: the error was a real one */
            }
            ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, QNFTLOGNO(01107)
                          "re-preparing %s failed: %s", qnft_statements[i].label,
                          apr_dbd_error(db->driver, db->handle, -1));
            return 0;
        }
        apr_hash_set(db->prepared, qnft_statements[i].label, APR_HASH_KEY_STRING, st);
    }
    ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, QNFTLOGNO(01106)
                  "database connection was lost and is back; statements prepared again");
    return 1;
}

static apr_dbd_prepared_t *lookup(request_rec *r, ap_dbd_t *db, const char *label,
                                  const char **err)
{
    apr_dbd_prepared_t *st = apr_hash_get(db->prepared, label, APR_HASH_KEY_STRING);
    if (!st) {
        *err = apr_psprintf(r->pool, "statement %s is not prepared%s", label,
                            stmt_sql(label) ? "" : " (unknown label)");
    }
    return st;
}

int qnft_db_query(request_rec *r, ap_dbd_t *db, const char *label, int *nrows,
                  int nargs, const char **args, const char **err)
{
    apr_dbd_prepared_t *st = lookup(r, db, label, err);
    int rv, attempt;

    if (!st) {
        return -1;
    }
    for (attempt = 0; ; attempt++) {
        rv = apr_dbd_pquery(db->driver, r->pool, db->handle, nrows, st, nargs, args);
        if (rv == 0 || attempt > 0 || !recover_session(r, db, rv)) {
            break;
        }
        st = apr_hash_get(db->prepared, label, APR_HASH_KEY_STRING);
    }
    if (rv != 0) {
        *err = apr_pstrdup(r->pool, apr_dbd_error(db->driver, db->handle, rv));
    }
    return rv;
}

int qnft_db_select(request_rec *r, ap_dbd_t *db, const char *label,
                   apr_dbd_results_t **res, int nargs, const char **args, const char **err)
{
    apr_dbd_prepared_t *st = lookup(r, db, label, err);
    int rv, attempt;

    if (!st) {
        return -1;
    }
    for (attempt = 0; ; attempt++) {
        *res = NULL;
        rv = apr_dbd_pselect(db->driver, r->pool, db->handle, res, st, 1, nargs, args);
        if (rv == 0 || attempt > 0 || !recover_session(r, db, rv)) {
            break;
        }
        st = apr_hash_get(db->prepared, label, APR_HASH_KEY_STRING);
    }
    if (rv != 0) {
        *err = apr_pstrdup(r->pool, apr_dbd_error(db->driver, db->handle, rv));
    }
    return rv;
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
    return apr_dbd_get_entry(db->driver, row, n);
}
