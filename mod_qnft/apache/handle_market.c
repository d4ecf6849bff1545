/* GET /marketplace/nfts and GET /marketplace/nfts/<mint> (handler
 * qnft-market): the confirmed NFTs from PostgreSQL, newest first by
 * default, in keyset pages announced by an RFC 8288 Link header. */
#include <errno.h>
#include <string.h>
#include <apr_strings.h>
#include <apr_lib.h>
#include <http_protocol.h>

#include "apache/mod_qnft.h"
#include "apache/qnft_config.h"
#include "apache/qnft_db.h"
#include "apache/qnft_market.h"
#include "apache/qnft_respond.h"
#include "image/qnft_probe.h"
#include "solana/qnft_base58.h"
#include "util/qnft_json.h"

#define PAGE_DEFAULT 20
#define PAGE_MAX 100

typedef enum { SORT_NEWEST, SORT_OLDEST, SORT_PRICE_ASC, SORT_PRICE_DESC } sort_order;

static const char *const sort_names[] = { "newest", "oldest", "price_asc", "price_desc" };
static const char *const sort_labels[] = {
    QNFT_SQL_MARKET_NEWEST, QNFT_SQL_MARKET_OLDEST,
    QNFT_SQL_MARKET_PRICE_ASC, QNFT_SQL_MARKET_PRICE_DESC
};

typedef struct {
    int limit;
    sort_order sort;
    const char *mint_type;      /* NULL: any */
    const char *owner;          /* NULL: any */
    int listed;
    const char *cursor;         /* as given, for the answer */
    apr_int64_t after_a;        /* serial, or price */
    apr_int64_t after_b;        /* listing id (price sorts) */
    int has_cursor;
} page_query;

/* A JSON number from PostgreSQL's NUMERIC text, or null. */
static json_t *numeric(const char *text)
{
    return text ? json_real(strtod(text, NULL)) : json_null();
}

json_t *qnft_market_item(request_rec *r, ap_dbd_t *db, apr_dbd_row_t *row)
{
    const char *base = qnft_public_base(r);
    const char *col[QNFT_COL_COUNT];
    const char *ext;
    json_t *o;
    int i;

    for (i = 0; i < QNFT_COL_COUNT; i++) {
        col[i] = qnft_db_col(db, row, i);
    }
    ext = qnft_img_ext(qnft_img_type_from_ext(strchr(col[QNFT_COL_IMAGE_MIME], '/') + 1));
    o = json_pack("{s:s, s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:s, s:s, s:s, s:s,"
                  " s:s, s:s}",
                  "id", col[QNFT_COL_MINT],
                  "serial", (json_int_t)apr_atoi64(col[QNFT_COL_SERIAL]),
                  "name", col[QNFT_COL_NAME],
                  "symbol", col[QNFT_COL_SYMBOL],
                  "gif_url", apr_pstrcat(r->pool, base, "/qnft/gifs/", col[QNFT_COL_GIF_ID],
                                         ".gif", NULL),
                  "mint_type", col[QNFT_COL_MINT_TYPE],
                  "mint_timestamp_iso", col[QNFT_COL_CREATED],
                  "original_image_url", apr_pstrcat(r->pool, base, "/qnft/uploads/",
                                                    col[QNFT_COL_IMAGE_ID], ".", ext, NULL),
                  "image_id", col[QNFT_COL_IMAGE_ID],
                  "btc_price_at_mint", numeric(col[QNFT_COL_BTC]),
                  "sol_price_at_mint", numeric(col[QNFT_COL_SOL]),
                  "owner", col[QNFT_COL_OWNER],
                  "metadata_uri", col[QNFT_COL_METADATA_URI],
                  "mint_standard", col[QNFT_COL_STANDARD],
                  "transaction_id", col[QNFT_COL_SIGNATURE],
                  "status", col[QNFT_COL_STATUS],
                  "gif_id", col[QNFT_COL_GIF_ID]);
    json_object_set_new(o, "description", col[QNFT_COL_DESCRIPTION]
                                          ? json_string(col[QNFT_COL_DESCRIPTION]) : json_null());
    if (col[QNFT_COL_LISTING_ID]) {
        json_object_set_new(o, "listing_id",
                            json_integer(apr_atoi64(col[QNFT_COL_LISTING_ID])));
        json_object_set_new(o, "price_lamports",
                            json_integer(apr_atoi64(col[QNFT_COL_PRICE])));
    }
    return o;
}

/* A whole decimal number in [min, max], nothing else. */
static int parse_int(const char *s, apr_int64_t min, apr_int64_t max, apr_int64_t *v)
{
    char *end;
    if (!s || !*s || !(apr_isdigit(*s) || (*s == '-' && apr_isdigit(s[1])))) {
        return -1;
    }
    errno = 0;
    *v = apr_strtoi64(s, &end, 10);
    return (errno || *end || *v < min || *v > max) ? -1 : 0;
}

/* Cursors are opaque to clients: "s<serial>" or "p<price>.<listing id>". */
static int parse_cursor(apr_pool_t *p, page_query *q, const char *c)
{
    const char *dot;
    if (q->sort == SORT_NEWEST || q->sort == SORT_OLDEST) {
        return c[0] == 's' && parse_int(c + 1, 0, APR_INT64_MAX, &q->after_a) == 0 ? 0 : -1;
    }
    dot = strchr(c, '.');
    if (c[0] != 'p' || !dot) {
        return -1;
    }
    return parse_int(apr_pstrndup(p, c + 1, (apr_size_t)(dot - c - 1)), 1, APR_INT64_MAX,
                     &q->after_a) == 0
           && parse_int(dot + 1, 1, APR_INT64_MAX, &q->after_b) == 0 ? 0 : -1;
}

static int bad_param(request_rec *r, const char *name, const char *why)
{
    return qnft_respond_error(r, HTTP_BAD_REQUEST, "bad_parameter", "Parameter '%s': %s.",
                              name, why);
}

/* Query parameters: limit, sort, mint_type, owner, listed, cursor. Each at
 * most once; unknown ones are refused so a typo is not a silent no-op. */
static int parse_query(request_rec *r, page_query *q)
{
    char *args, *pair, *state = NULL;
    apr_table_t *seen = apr_table_make(r->pool, 8);
    const char *v;
    apr_int64_t n;
    int i;

    memset(q, 0, sizeof(*q));
    q->limit = PAGE_DEFAULT;
    q->sort = SORT_NEWEST;
    if (r->args) {
        args = apr_pstrdup(r->pool, r->args);
        for (pair = apr_strtok(args, "&", &state); pair; pair = apr_strtok(NULL, "&", &state)) {
            char *eq = strchr(pair, '=');
            char *key = pair, *val = eq ? eq + 1 : pair + strlen(pair);
            if (eq) {
                *eq = '\0';
            }
            if (ap_unescape_url(key) != OK || ap_unescape_url(val) != OK) {
                return bad_param(r, key, "bad %-encoding");
            }
            if (strcmp(key, "limit") && strcmp(key, "sort") && strcmp(key, "mint_type")
                && strcmp(key, "owner") && strcmp(key, "listed") && strcmp(key, "cursor")) {
                return bad_param(r, key, "unknown parameter (known: limit, sort, mint_type, "
                                         "owner, listed, cursor)");
            }
            if (apr_table_get(seen, key)) {
                return bad_param(r, key, "given more than once");
            }
            apr_table_set(seen, key, val);
        }
    }
    if ((v = apr_table_get(seen, "limit")) != NULL) {
        if (parse_int(v, 1, PAGE_MAX, &n) != 0) {
            return bad_param(r, "limit", "must be a whole number from 1 to 100");
        }
        q->limit = (int)n;
    }
    if ((v = apr_table_get(seen, "sort")) != NULL) {
        for (i = 0; i < 4 && strcmp(v, sort_names[i]); i++) {
        }
        if (i == 4) {
            return bad_param(r, "sort", "must be newest, oldest, price_asc or price_desc");
        }
        q->sort = (sort_order)i;
    }
    if ((v = apr_table_get(seen, "mint_type")) != NULL) {
        if (strcmp(v, "long") && strcmp(v, "short")) {
            return bad_param(r, "mint_type", "must be long or short");
        }
        q->mint_type = v;
    }
    if ((v = apr_table_get(seen, "owner")) != NULL) {
        unsigned char key[32];
        if (qnft_base58_decode_exact(v, key, sizeof(key)) != 0) {
            return bad_param(r, "owner", "must be a wallet address (base58, 32 bytes)");
        }
        q->owner = v;
    }
    if ((v = apr_table_get(seen, "listed")) != NULL) {
        if (strcmp(v, "true") && strcmp(v, "false")) {
            return bad_param(r, "listed", "must be true or false");
        }
        q->listed = !strcmp(v, "true");
    }
    if ((v = apr_table_get(seen, "cursor")) != NULL) {
        if (parse_cursor(r->pool, q, v) != 0) {
            return bad_param(r, "cursor", "not a cursor of this listing order (take it from "
                                          "the Link header)");
        }
        q->has_cursor = 1;
        q->cursor = v;
    }
    return OK;
}

/* The next page's address: this request's own, cursor replaced. */
static void link_next(request_rec *r, const page_query *q, const char *cursor)
{
    const char *qs = apr_psprintf(r->pool, "limit=%d&sort=%s%s%s%s%s%s&cursor=%s", q->limit,
                                  sort_names[q->sort],
                                  q->mint_type ? "&mint_type=" : "",
                                  q->mint_type ? q->mint_type : "",
                                  q->owner ? "&owner=" : "", q->owner ? q->owner : "",
                                  q->listed ? "&listed=true" : "", cursor);
    apr_table_setn(r->headers_out, "Link",
                   apr_psprintf(r->pool, "<%s%s?%s>; rel=\"next\"", qnft_public_base(r),
                                ap_escape_uri(r->pool, r->uri), qs));
}

static int list_nfts(request_rec *r)
{
    const qnft_srv_conf *conf = qnft_srv_config(r->server);
    /* a page is its virtual host, path and query (links and even the
     * database may differ per host) */
    const char *cache_key = apr_psprintf(r->pool, "%s:%u%s?%s", r->server->server_hostname,
                                         (unsigned)r->server->port, r->uri,
                                         r->args ? r->args : "");
    page_query q;
    ap_dbd_t *db;
    apr_dbd_results_t *res = NULL;
    const char *args[9], *err = NULL, *lim;
    const char *a, *b;
    qnft_db_status st;
    json_t *list;
    int rc, i, n = 0, nargs;

    rc = parse_query(r, &q);
    if (rc != OK) {
        return rc;
    }
    if (conf->market_cache_ms > 0) {
        const char *body, *link;
        apr_size_t len;
        if (qnft_market_cache_get(r->pool, cache_key, &body, &len, &link)) {
            if (link) {
                apr_table_setn(r->headers_out, "Link", link);
            }
            return qnft_respond_text(r, HTTP_OK, body, len);
        }
    }
    db = qnft_db_acquire(r);
    if (!db) {
        return qnft_db_respond(r, QNFT_DB_DOWN);
    }
    a = q.has_cursor ? apr_ltoa(r->pool, (long)q.after_a) : NULL;
    b = q.has_cursor ? apr_ltoa(r->pool, (long)q.after_b) : NULL;
    lim = apr_itoa(r->pool, q.limit + 1);        /* one more tells if a next page exists */
    args[0] = args[1] = q.mint_type;
    args[2] = args[3] = q.owner;
    args[4] = q.listed ? "true" : NULL;
    if (q.sort == SORT_NEWEST || q.sort == SORT_OLDEST) {
        args[5] = args[6] = a;
        args[7] = lim;
        nargs = 8;
    }
    else {
        args[5] = a;
        args[6] = a;
        args[7] = b;
        args[8] = lim;
        nargs = 9;
    }
    st = qnft_db_select(r, db, sort_labels[q.sort], &res, nargs, args, &err);
    if (st != QNFT_DB_OK) {
        qnft_log_rerror(APLOG_ERR, 0, r, QNFTLOGNO(01401)
                      "market: listing NFTs failed: %s", err);
        return qnft_db_respond(r, st);
    }
    list = qnft_json_pooled(r->pool, json_array());
    for (i = 0; ; i++) {
        apr_dbd_row_t *row = qnft_db_row(r, db, res, i);
        if (!row) {
            break;
        }
        if (i == q.limit) {          /* the extra row: there is a next page */
            const json_t *last = json_array_get(list, (size_t)i - 1);
            const char *cursor;
            if (q.sort == SORT_NEWEST || q.sort == SORT_OLDEST) {
                cursor = apr_psprintf(r->pool, "s%" APR_INT64_T_FMT, (apr_int64_t)
                                      json_integer_value(json_object_get(last, "serial")));
            }
            else {
                cursor = apr_psprintf(r->pool, "p%" APR_INT64_T_FMT ".%" APR_INT64_T_FMT,
                                      (apr_int64_t)json_integer_value(
                                          json_object_get(last, "price_lamports")),
                                      (apr_int64_t)json_integer_value(
                                          json_object_get(last, "listing_id")));
            }
            link_next(r, &q, cursor);
            break;
        }
        json_array_append_new(list, qnft_market_item(r, db, row));
        n++;
    }
    (void)n;
    if (conf->market_cache_ms > 0) {
        apr_size_t len;
        const char *text = qnft_json_dump(r->pool, list, &len);
        qnft_market_cache_put(cache_key, text, len, apr_table_get(r->headers_out, "Link"),
                              apr_time_from_msec(conf->market_cache_ms));
        return qnft_respond_text(r, HTTP_OK, text, len);
    }
    return qnft_respond_json(r, HTTP_OK, list);
}

static int one_nft(request_rec *r, const char *mint)
{
    unsigned char key[32];
    ap_dbd_t *db;
    apr_dbd_results_t *res = NULL;
    apr_dbd_row_t *row;
    const char *args[1], *err = NULL;
    qnft_db_status st;
    json_t *item, *history;
    int i;

    if (qnft_base58_decode_exact(mint, key, sizeof(key)) != 0) {
        return qnft_respond_error(r, HTTP_BAD_REQUEST, "bad_mint",
                                  "The mint address must be base58 that decodes to 32 bytes.");
    }
    db = qnft_db_acquire(r);
    if (!db) {
        return qnft_db_respond(r, QNFT_DB_DOWN);
    }
    args[0] = mint;
    st = qnft_db_select(r, db, QNFT_SQL_MARKET_ITEM, &res, 1, args, &err);
    if (st != QNFT_DB_OK) {
        qnft_log_rerror(APLOG_ERR, 0, r, QNFTLOGNO(01402)
                      "market: reading NFT %s failed: %s", mint, err);
        return qnft_db_respond(r, st);
    }
    row = qnft_db_row(r, db, res, 0);
    if (!row) {
        return qnft_respond_error(r, HTTP_NOT_FOUND, "nft_not_found",
                                  "No minted NFT has this address.");
    }
    item = qnft_json_pooled(r->pool, qnft_market_item(r, db, row));
    st = qnft_db_select(r, db, QNFT_SQL_LISTING_HISTORY, &res, 1, args, &err);
    if (st != QNFT_DB_OK) {
        qnft_log_rerror(APLOG_ERR, 0, r, QNFTLOGNO(01403)
                      "market: reading the listings of %s failed: %s", mint, err);
        return qnft_db_respond(r, st);
    }
    history = json_array();
    for (i = 0; (row = qnft_db_row(r, db, res, i)) != NULL; i++) {
        json_array_append_new(history, json_pack(
            "{s:I, s:s, s:I, s:s, s:s, s:s}",
            "id", (json_int_t)apr_atoi64(qnft_db_col(db, row, 0)),
            "seller", qnft_db_col(db, row, 1),
            "price_lamports", (json_int_t)apr_atoi64(qnft_db_col(db, row, 2)),
            "status", qnft_db_col(db, row, 3),
            "created_at", qnft_db_col(db, row, 4),
            "updated_at", qnft_db_col(db, row, 5)));
    }
    json_object_set_new(item, "listings", history);
    return qnft_respond_json(r, HTTP_OK, item);
}

int qnft_market_handler(request_rec *r)
{
    const char *last;

    if (!r->handler || strcmp(r->handler, "qnft-market")) {
        return DECLINED;
    }
    if (r->method_number != M_GET) {
        return qnft_respond_method(r, "GET");
    }
    /* .../nfts is the list, .../nfts/<mint> one NFT */
    last = strrchr(r->uri, '/');
    last = last ? last + 1 : r->uri;
    if (!*last || !strcmp(last, "nfts")) {
        return list_nfts(r);
    }
    return one_nft(r, last);
}
