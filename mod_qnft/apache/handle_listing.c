/* POST /marketplace/listings and POST /marketplace/listings/<id>/delist
 * (handler qnft-listing): the owner lists or delists an NFT with a
 * message signed by their wallet; the server never sees their key. */
#include <errno.h>
#include <string.h>
#include <apr_strings.h>
#include <apr_lib.h>
#include <http_protocol.h>

#include "apache/mod_qnft.h"
#include "apache/qnft_config.h"
#include "apache/qnft_db.h"
#include "apache/qnft_market.h"
#include "apache/qnft_request.h"
#include "apache/qnft_guard.h"
#include "apache/qnft_metrics.h"
#include "apache/qnft_respond.h"
#include "market/qnft_listing_msg.h"
#include "solana/qnft_base58.h"
#include "solana/qnft_ed25519.h"
#include "solana/qnft_rpc.h"
#include "util/qnft_json.h"

#define BODY_MAX 4096
#define RPC_MAX_BYTES (1024 * 1024)

/* With a chain configured, the recorded owner must also hold the token
 * there (a sale elsewhere moves it); unreachable, the answer is 503.
 * Without a chain, the record decides. Returns OK or an answer. */
static int holds_on_chain(request_rec *r, const char *seller, const char *mint)
{
    const qnft_srv_conf *conf = qnft_srv_config(r->server);
    qnft_rpc rpc;
    qnft_rpc_error e;
    apr_int64_t amount = 0;

    if (!conf->solana_rpc) {
        return OK;
    }
    rpc.url = conf->solana_rpc;
    rpc.timeout_ms = conf->rpc_timeout_ms;
    rpc.max_bytes = RPC_MAX_BYTES;
    rpc.observe = qnft_metrics_rpc;
    if (qnft_rpc_token_amount(&rpc, r->pool, seller, mint, &amount, &e) != QNFT_RPC_OK) {
        /* the record alone could be out of date (a sale elsewhere): ask
         * again later rather than let a former owner list */
        qnft_log_rerror(APLOG_WARNING, 0, r, QNFTLOGNO(01507)
                      "listing: cannot ask the chain who holds %s (%s)", mint, e.message);
        apr_table_setn(r->headers_out, "Retry-After", "30");
        return qnft_respond_error(r, HTTP_SERVICE_UNAVAILABLE, "chain_unavailable",
                                  "Ownership cannot be checked on the chain right now.");
    }
    if (amount < 1) {
        return qnft_respond_error(r, HTTP_FORBIDDEN, "not_owner",
                                  "The chain shows that this wallet does not hold the NFT.");
    }
    return OK;
}

/* The fields every signed message carries; answers 400/422/401 itself. */
static int read_signed(request_rec *r, json_t *body, qnft_listing_msg *m)
{
    const char *sig58 = qnft_json_str(body, "signature");
    unsigned char pub[32], sig[64];
    apr_int64_t now = apr_time_sec(apr_time_now());
    const char *text;

    m->seller = qnft_json_str(body, "seller");
    m->nonce = qnft_json_str(body, "nonce");
    if (!m->seller || qnft_base58_decode_exact(m->seller, pub, sizeof(pub)) != 0) {
        return qnft_respond_error(r, HTTP_BAD_REQUEST, "bad_seller",
                                  "'seller' must be a wallet address (base58, 32 bytes).");
    }
    if (!qnft_listing_nonce_ok(m->nonce)) {
        return qnft_respond_error(r, HTTP_BAD_REQUEST, "bad_nonce",
                                  "'nonce' must be 8 to 64 letters, digits, '-' or '_'.");
    }
    if (qnft_json_int(body, "expires_at", &m->expires_at) != 0) {
        return qnft_respond_error(r, HTTP_BAD_REQUEST, "bad_expires_at",
                                  "'expires_at' must be a whole number of seconds since 1970.");
    }
    if (!sig58 || qnft_base58_decode_exact(sig58, sig, sizeof(sig)) != 0) {
        return qnft_respond_error(r, HTTP_BAD_REQUEST, "bad_signature_format",
                                  "'signature' must be base58 that decodes to 64 bytes.");
    }
    if (m->expires_at <= now) {
        return qnft_respond_error(r, HTTP_UNPROCESSABLE_ENTITY, "expired",
                                  "The signed message has expired; sign a new one.");
    }
    if (m->expires_at > now + QNFT_LISTING_MAX_TTL) {
        return qnft_respond_error(r, HTTP_UNPROCESSABLE_ENTITY, "expiry_too_far",
                                  "A signed message may be valid for at most %d seconds.",
                                  QNFT_LISTING_MAX_TTL);
    }
    m->domain = qnft_public_base(r);
    text = qnft_listing_msg_text(r->pool, m);
    if (!qnft_ed25519_verify(pub, (const unsigned char *)text, strlen(text), sig)) {
        return qnft_respond_error(r, HTTP_UNAUTHORIZED, "bad_signature",
                                  "The signature does not match the message and the seller.");
    }
    return OK;
}

static json_t *listing_json(request_rec *r, const char *id, const qnft_listing_msg *m,
                            const char *status)
{
    json_t *l = json_pack("{s:I, s:s, s:s, s:s}", "id", (json_int_t)apr_atoi64(id),
                          "mint", m->mint, "seller", m->seller, "status", status);
    if (m->price_lamports > 0) {
        json_object_set_new(l, "price_lamports", json_integer(m->price_lamports));
    }
    return qnft_json_pooled(r->pool, json_pack("{s:s, s:o}", "status", "success",
                                               "listing", l));
}

static int create_listing(request_rec *r)
{
    qnft_listing_msg m;
    json_t *body;
    ap_dbd_t *db;
    apr_dbd_results_t *res = NULL;
    apr_dbd_row_t *row;
    const char *args[5], *err = NULL, *owner;
    unsigned char mint_key[32];
    qnft_db_status st;
    int rc;

    rc = qnft_read_json(r, BODY_MAX, &body);
    if (rc != OK) {
        return rc;
    }
    memset(&m, 0, sizeof(m));
    m.action = "list";
    m.mint = qnft_json_str(body, "mint");
    if (!m.mint || qnft_base58_decode_exact(m.mint, mint_key, sizeof(mint_key)) != 0) {
        return qnft_respond_error(r, HTTP_BAD_REQUEST, "bad_mint",
                                  "'mint' must be an address (base58, 32 bytes).");
    }
    if (qnft_json_int(body, "price_lamports", &m.price_lamports) != 0 || m.price_lamports <= 0) {
        return qnft_respond_error(r, HTTP_BAD_REQUEST, "bad_price",
                                  "'price_lamports' must be a whole number above 0.");
    }
    rc = read_signed(r, body, &m);
    if (rc != OK) {
        return rc;
    }
    db = qnft_db_acquire(r);
    if (!db) {
        return qnft_db_respond(r, QNFT_DB_DOWN);
    }
    args[0] = m.mint;
    st = qnft_db_select(r, db, QNFT_SQL_NFT_OWNER, &res, 1, args, &err);
    if (st != QNFT_DB_OK) {
        qnft_log_rerror(APLOG_ERR, 0, r, QNFTLOGNO(01501)
                      "listing: reading the owner of %s failed: %s", m.mint, err);
        return qnft_db_respond(r, st);
    }
    row = qnft_db_row(r, db, res, 0);
    if (!row) {
        return qnft_respond_error(r, HTTP_NOT_FOUND, "nft_not_found",
                                  "No minted NFT has this address.");
    }
    owner = qnft_db_col(db, row, 0);
    if (strcmp(owner, m.seller)) {
        return qnft_respond_error(r, HTTP_FORBIDDEN, "not_owner",
                                  "Only the NFT's owner can list it.");
    }
    rc = holds_on_chain(r, m.seller, m.mint);
    if (rc != OK) {
        return rc;
    }
    args[0] = m.seller;
    args[1] = m.nonce;
    args[2] = apr_psprintf(r->pool, "%" APR_INT64_T_FMT, m.expires_at);
    args[3] = m.mint;
    args[4] = apr_psprintf(r->pool, "%" APR_INT64_T_FMT, m.price_lamports);
    st = qnft_db_select(r, db, QNFT_SQL_LISTING_CREATE, &res, 5, args, &err);
    if (st != QNFT_DB_OK || !(row = qnft_db_row(r, db, res, 0))) {
        qnft_log_rerror(APLOG_ERR, 0, r, QNFTLOGNO(01502)
                      "listing: creating a listing of %s failed: %s", m.mint, err);
        return qnft_db_respond(r, st != QNFT_DB_OK ? st : QNFT_DB_FAILED);
    }
    if (!strcmp(qnft_db_col(db, row, 0), "0")) {
        return qnft_respond_error(r, HTTP_CONFLICT, "nonce_used",
                                  "This signed message was used already.");
    }
    if (!qnft_db_col(db, row, 1)) {
        return qnft_respond_error(r, HTTP_CONFLICT, "already_listed",
                                  "This NFT is listed already; delist it first.");
    }
    qnft_market_cache_flush();
    qnft_log_rerror(APLOG_INFO, 0, r, QNFTLOGNO(01503)
                  "listing: %s listed %s for %" APR_INT64_T_FMT " lamports (listing %s)",
                  m.seller, m.mint, m.price_lamports, qnft_db_col(db, row, 1));
    return qnft_respond_json(r, HTTP_CREATED,
                             listing_json(r, qnft_db_col(db, row, 1), &m, "listed"));
}

static int delist(request_rec *r, const char *id)
{
    qnft_listing_msg m;
    json_t *body;
    ap_dbd_t *db;
    apr_dbd_results_t *res = NULL;
    apr_dbd_row_t *row;
    const char *args[4], *err = NULL;
    qnft_db_status st;
    char *end;
    int rc;

    memset(&m, 0, sizeof(m));
    m.action = "delist";
    errno = 0;
    m.listing_id = apr_strtoi64(id, &end, 10);
    if (!apr_isdigit(*id) || *end || errno || m.listing_id <= 0) {
        return qnft_respond_error(r, HTTP_BAD_REQUEST, "bad_listing_id",
                                  "The listing id must be a whole number.");
    }
    rc = qnft_read_json(r, BODY_MAX, &body);
    if (rc != OK) {
        return rc;
    }
    db = qnft_db_acquire(r);
    if (!db) {
        return qnft_db_respond(r, QNFT_DB_DOWN);
    }
    args[0] = id;
    st = qnft_db_select(r, db, QNFT_SQL_LISTING_GET, &res, 1, args, &err);
    if (st != QNFT_DB_OK) {
        qnft_log_rerror(APLOG_ERR, 0, r, QNFTLOGNO(01504)
                      "listing: reading listing %s failed: %s", id, err);
        return qnft_db_respond(r, st);
    }
    row = qnft_db_row(r, db, res, 0);
    if (!row) {
        return qnft_respond_error(r, HTTP_NOT_FOUND, "listing_not_found",
                                  "There is no listing with this id.");
    }
    /* The mint comes from the listing: the signed text names both. */
    m.mint = apr_pstrdup(r->pool, qnft_db_col(db, row, 0));
    rc = read_signed(r, body, &m);
    if (rc != OK) {
        return rc;
    }
    if (strcmp(qnft_db_col(db, row, 2), m.seller)) {
        return qnft_respond_error(r, HTTP_FORBIDDEN, "not_owner",
                                  "Only the NFT's owner can delist it.");
    }
    if (strcmp(qnft_db_col(db, row, 1), "listed")) {
        return qnft_respond_error(r, HTTP_CONFLICT, "not_listed",
                                  "This listing is not active any more.");
    }
    rc = holds_on_chain(r, m.seller, m.mint);
    if (rc != OK) {
        return rc;
    }
    args[0] = id;
    args[1] = m.seller;
    args[2] = m.nonce;
    args[3] = apr_psprintf(r->pool, "%" APR_INT64_T_FMT, m.expires_at);
    st = qnft_db_select(r, db, QNFT_SQL_LISTING_DELIST, &res, 4, args, &err);
    if (st != QNFT_DB_OK) {
        qnft_log_rerror(APLOG_ERR, 0, r, QNFTLOGNO(01505)
                      "listing: delisting %s failed: %s", id, err);
        return qnft_db_respond(r, st);
    }
    if (!qnft_db_row(r, db, res, 0)) {
        /* the nonce was used, or the listing ended in the meantime */
        return qnft_respond_error(r, HTTP_CONFLICT, "nonce_used",
                                  "This signed message was used already, or the listing "
                                  "has just ended.");
    }
    qnft_market_cache_flush();
    qnft_log_rerror(APLOG_INFO, 0, r, QNFTLOGNO(01506)
                  "listing: %s delisted %s (listing %s)", m.seller, m.mint, id);
    return qnft_respond_json(r, HTTP_OK, listing_json(r, id, &m, "delisted"));
}

int qnft_listing_handler(request_rec *r)
{
    const char *last, *uri;
    apr_size_t n;
    int rc;

    if (!r->handler || strcmp(r->handler, "qnft-listing")) {
        return DECLINED;
    }
    if (r->method_number != M_POST) {
        return qnft_respond_method(r, "POST");
    }
    if ((rc = qnft_guard(r, QNFT_AREA_LISTING, 0)) != OK) {
        return rc;
    }
    /* .../listings creates; .../listings/<id>/delist ends one */
    uri = r->uri;
    n = strlen(uri);
    if (n > 7 && !strcmp(uri + n - 7, "/delist")) {
        char *head = apr_pstrndup(r->pool, uri, n - 7);
        last = strrchr(head, '/');
        return delist(r, last ? last + 1 : head);
    }
    return create_listing(r);
}
