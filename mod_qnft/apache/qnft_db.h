/* mod_dbd access: statements prepared at configuration time, bound
 * parameters only, and recovery from a PostgreSQL restart (the server-side
 * prepared statements vanish when apr_dbd_pgsql silently reconnects). */
#ifndef QNFT_DB_H
#define QNFT_DB_H

#include <httpd.h>
#include <apr_dbd.h>
#include <mod_dbd.h>

/* Statement labels. */
#define QNFT_SQL_SCHEMA_VERSION "qnft_schema_version"
#define QNFT_SQL_IMAGE_INSERT   "qnft_image_insert"
#define QNFT_SQL_IMAGE_GET      "qnft_image_get"
#define QNFT_SQL_IMAGE_FORGET   "qnft_image_forget"
#define QNFT_SQL_GIF_GET        "qnft_gif_get"
#define QNFT_SQL_GIF_INSERT     "qnft_gif_insert"
#define QNFT_SQL_MARKET_NEWEST  "qnft_market_newest"
#define QNFT_SQL_MARKET_OLDEST  "qnft_market_oldest"
#define QNFT_SQL_MARKET_PRICE_ASC  "qnft_market_price_asc"
#define QNFT_SQL_MARKET_PRICE_DESC "qnft_market_price_desc"
#define QNFT_SQL_MARKET_ITEM    "qnft_market_item"
#define QNFT_SQL_LISTING_HISTORY "qnft_listing_history"
#define QNFT_SQL_NFT_OWNER      "qnft_nft_owner"
#define QNFT_SQL_LISTING_CREATE "qnft_listing_create"
#define QNFT_SQL_LISTING_GET    "qnft_listing_get"
#define QNFT_SQL_LISTING_DELIST "qnft_listing_delist"
#define QNFT_SQL_NEXT_SERIAL    "qnft_next_serial"
#define QNFT_SQL_GIF_FOR_MINT   "qnft_gif_for_mint"
#define QNFT_SQL_NFT_PENDING    "qnft_nft_pending"
#define QNFT_SQL_NFT_PENDING_KEYED "qnft_nft_pending_keyed"
#define QNFT_SQL_IDEM_GET       "qnft_idem_get"
#define QNFT_SQL_NFT_STATE      "qnft_nft_state"
#define QNFT_SQL_NFT_CONFIRM    "qnft_nft_confirm"
#define QNFT_SQL_NFT_FAIL       "qnft_nft_fail"
#define QNFT_SQL_PREPARED_PUT   "qnft_prepared_put"
#define QNFT_SQL_PREPARED_GET   "qnft_prepared_get"
#define QNFT_SQL_PREPARED_PUT_KEYED "qnft_prepared_put_keyed"
#define QNFT_SQL_PREPARED_TX    "qnft_prepared_tx"
#define QNFT_SQL_LOCK           "qnft_lock"
#define QNFT_SQL_UNLOCK         "qnft_unlock"
#define QNFT_SQL_SPOT_GET       "qnft_spot_get"
#define QNFT_SQL_SPOT_SET       "qnft_spot_set"
#define QNFT_SQL_SPOT_FAIL      "qnft_spot_fail"
#define QNFT_SQL_HIST_META      "qnft_hist_meta"
#define QNFT_SQL_HIST_PUT       "qnft_hist_put"
#define QNFT_SQL_HIST_FAIL      "qnft_hist_fail"
#define QNFT_SQL_HIST_RANGE     "qnft_hist_range"
#define QNFT_SQL_CHART_EVENTS   "qnft_chart_events"
#define QNFT_SQL_METRICS        "qnft_metrics"

/* Columns of an NFT as the marketplace shows it, in this order. */
enum {
    QNFT_COL_MINT, QNFT_COL_SERIAL, QNFT_COL_NAME, QNFT_COL_SYMBOL, QNFT_COL_OWNER,
    QNFT_COL_METADATA_URI, QNFT_COL_IMAGE_ID, QNFT_COL_IMAGE_MIME, QNFT_COL_GIF_ID,
    QNFT_COL_MINT_TYPE, QNFT_COL_DESCRIPTION, QNFT_COL_BTC, QNFT_COL_SOL,
    QNFT_COL_STANDARD, QNFT_COL_SIGNATURE, QNFT_COL_STATUS, QNFT_COL_CREATED,
    QNFT_COL_LISTING_ID, QNFT_COL_PRICE, QNFT_COL_COUNT
};

/* check_config: find mod_dbd and prepare every statement for every server.
 * Returns an error sentence when mod_dbd is not loaded. */
const char *qnft_db_configure(server_rec *s);

/* child_init: say in the error log when the schema is missing or behind. */
void qnft_db_check_schema(apr_pool_t *p, server_rec *s);

/* The request's connection, or NULL when the database is unreachable. */
ap_dbd_t *qnft_db_acquire(request_rec *r);

typedef enum {
    QNFT_DB_OK = 0,
    QNFT_DB_DOWN,       /* no working connection: answer 503, try later */
    QNFT_DB_FAILED      /* the statement itself failed: a bug or a constraint */
} qnft_db_status;

/* Run a prepared statement with text arguments (NULL for SQL NULL). On
 * failure the driver's message is in *err. */
qnft_db_status qnft_db_query(request_rec *r, ap_dbd_t *db, const char *label, int *nrows,
                             int nargs, const char **args, const char **err);

/* Run a prepared select; rows are fetched random-access so that a dead
 * connection is an error and never an empty result. */
qnft_db_status qnft_db_select(request_rec *r, ap_dbd_t *db, const char *label,
                              apr_dbd_results_t **res, int nargs, const char **args,
                              const char **err);

/* Answer a failed database step: 503 + Retry-After when the database is
 * away, 500 otherwise. The caller has logged the cause. */
int qnft_db_respond(request_rec *r, qnft_db_status st);

/* Row i (0-based) of res, or NULL past the end. */
apr_dbd_row_t *qnft_db_row(request_rec *r, ap_dbd_t *db, apr_dbd_results_t *res, int i);

/* Column n of row as a string, NULL for SQL NULL. */
const char *qnft_db_col(ap_dbd_t *db, apr_dbd_row_t *row, int n);

#endif
