/* Minting (handler qnft-mint):
 *   POST /mint_nft           mint, signed by the server's key or prepared
 *                            for the person's wallet
 *   POST /mint_nft/submit    relay the wallet-signed transaction
 *   GET  /mint_nft/<mint>    the recorded state; pending ones are asked
 *                            of the chain and brought up to date
 * Real transactions, sent over JSON-RPC; the pending row is written before
 * a transaction goes out, so a crash is resolved by asking the chain. */
#include <string.h>
#include <apr_strings.h>
#include <apr_lib.h>
#include <apr_base64.h>
#include <http_protocol.h>

#include "apache/mod_qnft.h"
#include "apache/qnft_config.h"
#include "apache/qnft_db.h"
#include "apache/qnft_market.h"
#include "apache/qnft_request.h"
#include "apache/qnft_guard.h"
#include "apache/qnft_metrics.h"
#include "apache/qnft_respond.h"
#include "image/qnft_probe.h"
#include "mint/qnft_mint.h"
#include "solana/qnft_base58.h"
#include "solana/qnft_keypair.h"
#include "solana/qnft_rpc.h"
#include "store/qnft_store.h"
#include "util/qnft_digest.h"
#include "util/qnft_json.h"

#define BODY_MAX 8192
#define DESCRIPTION_MAX 500
#define IDEM_KEY_MAX 128
#define RPC_MAX_BYTES (4 * 1024 * 1024)
#define POLL_INTERVAL apr_time_from_msec(400)
#define METADATA_URI_MAX 200

typedef struct {
    request_rec *r;
    const qnft_srv_conf *conf;
    qnft_rpc rpc;
    ap_dbd_t *db;
} mint_ctx;

/* One mint being made: what the request asked and what was decided. */
typedef struct {
    const char *image_id, *gif_id, *mint_type, *user_description, *owner;
    int server_signs;
    const char *idem_key, *request_hash;
    /* decided */
    const char *image_mime, *btc, *sol;
    apr_int64_t serial;
    const char *name, *metadata_uri, *metadata_text, *mint;
    json_t *metadata;
    qnft_keypair mint_key;
    qnft_tx *tx;
    const char *signature;
    apr_int64_t last_valid;
    const char *standard;           /* "token2022" or "metaplex" */
    int meta_written;               /* meta/<mint>.json is on disk ... */
    int recorded;                   /* ... and a row (nfts or mint_prepared) names it */
} mint_job;

static const char *standard_name(const qnft_srv_conf *c)
{
    return c->mint_standard == QNFT_STANDARD_TOKEN2022 ? "token2022" : "metaplex";
}

static const char *explorer_url(mint_ctx *m, const char *sig)
{
    const char *cl = m->conf->solana_cluster;
    const char *base = apr_pstrcat(m->r->pool, "https://explorer.solana.com/tx/", sig, NULL);
    if (!strcmp(cl, "mainnet-beta")) {
        return base;
    }
    if (!strcmp(cl, "local")) {
        return apr_pstrcat(m->r->pool, base, "?cluster=custom&customUrl=",
                           ap_escape_urlencoded(m->r->pool, m->conf->solana_rpc), NULL);
    }
    return apr_pstrcat(m->r->pool, base, "?cluster=", cl, NULL);
}

static const char *status_url(mint_ctx *m, const char *mint)
{
    return apr_pstrcat(m->r->pool, qnft_public_base(m->r), "/mint_nft/", mint, NULL);
}

/* An RPC failure as the client sees it: 504 when it timed out, else 502;
 * the detail goes to the log, not to the client. */
static int rpc_failed(mint_ctx *m, qnft_rpc_status st, const qnft_rpc_error *e, const char *what)
{
    qnft_log_rerror(APLOG_ERR, 0, m->r, QNFTLOGNO(01601)
                  "mint: %s: %s (code %ld)", what, e->message, e->code);
    if (st == QNFT_RPC_TIMEOUT) {
        return qnft_respond_error(m->r, HTTP_GATEWAY_TIME_OUT, "rpc_timeout",
                                  "The Solana network did not answer in time (%s).", what);
    }
    return qnft_respond_error(m->r, HTTP_BAD_GATEWAY, "rpc_unavailable",
                              "The Solana network could not be used (%s).", what);
}

static int db_failed(mint_ctx *m, qnft_db_status st, const char *err, const char *what)
{
    qnft_log_rerror(APLOG_ERR, 0, m->r, QNFTLOGNO(01602)
                  "mint: %s failed: %s", what, err);
    return qnft_db_respond(m->r, st);
}

/* ---- the state of a recorded mint --------------------------------------------- */

/* Ask the chain about a pending mint and record what it says. */
static void resolve_pending(mint_ctx *m, const char *mint, const char *sig, const char *lvbh,
                            const char **status)
{
    const char *level = NULL, *err = NULL, *args[1];
    int found = 0, failed = 0;
    qnft_rpc_error e;
    apr_int64_t height = 0;

    if (qnft_rpc_signature_status(&m->rpc, m->r->pool, sig, &found, &level, &failed, &e)
        != QNFT_RPC_OK) {
        return;          /* the chain is away: the row stays pending */
    }
    args[0] = mint;
    if (found && failed) {
        qnft_db_query(m->r, m->db, QNFT_SQL_NFT_FAIL, NULL, 1, args, &err);
        *status = "failed";
    }
    else if (found && (!strcmp(level, "finalized")
                       || (!strcmp(level, "confirmed")
                           && m->conf->commitment == QNFT_COMMIT_CONFIRMED))) {
        qnft_db_query(m->r, m->db, QNFT_SQL_NFT_CONFIRM, NULL, 1, args, &err);
        qnft_market_cache_flush();
        *status = "confirmed";
    }
    else if (!found && lvbh
             && qnft_rpc_block_height(&m->rpc, m->r->pool, &height, &e) == QNFT_RPC_OK
             && height > apr_atoi64(lvbh)) {
        /* its blockhash has expired and the chain never saw it: it can
         * never land */
        qnft_db_query(m->r, m->db, QNFT_SQL_NFT_FAIL, NULL, 1, args, &err);
        *status = "failed";
    }
}

/* The prepared transaction again, for the same Idempotency-Key. */
static int answer_prepared(mint_ctx *m, const char *mint)
{
    apr_dbd_results_t *res = NULL;
    apr_dbd_row_t *row;
    const char *args[1], *err = NULL;
    qnft_db_status st;

    args[0] = mint;
    st = qnft_db_select(m->r, m->db, QNFT_SQL_PREPARED_TX, &res, 1, args, &err);
    if (st != QNFT_DB_OK) {
        return db_failed(m, st, err, "reading a prepared transaction");
    }
    row = qnft_db_row(m->r, m->db, res, 0);
    if (!row || !qnft_db_col(m->db, row, 0)) {
        return qnft_respond_error(m->r, HTTP_NOT_FOUND, "mint_not_found",
                                  "No mint with this address was recorded here.");
    }
    return qnft_respond_json(m->r, HTTP_OK, qnft_json_pooled(m->r->pool, json_pack(
        "{s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:s}",
        "status", "prepared",
        "message", "Sign this transaction with your wallet, then POST it to the submit URL.",
        "transaction", qnft_db_col(m->db, row, 0),
        "mint", mint,
        "name", qnft_db_col(m->db, row, 1),
        "metadata_uri", qnft_db_col(m->db, row, 2),
        "last_valid_block_height", (json_int_t)apr_atoi64(qnft_db_col(m->db, row, 3)),
        "fee_lamports", (json_int_t)m->conf->mint_fee_lamports,
        "submit_url", apr_pstrcat(m->r->pool, qnft_public_base(m->r), "/mint_nft/submit",
                                  NULL))));
}

/* replay: the answer of a repeated request, where a failed mint is 502 as
 * the first answer was. */
static int answer_state(mint_ctx *m, const char *mint, int resolve, int replay)
{
    apr_dbd_results_t *res = NULL;
    apr_dbd_row_t *row;
    const char *args[1], *err = NULL, *status, *sig;
    qnft_db_status st;
    json_t *body;
    int code;

    args[0] = mint;
    st = qnft_db_select(m->r, m->db, QNFT_SQL_NFT_STATE, &res, 1, args, &err);
    if (st != QNFT_DB_OK) {
        return db_failed(m, st, err, "reading a mint");
    }
    row = qnft_db_row(m->r, m->db, res, 0);
    if (!row) {
        if (replay) {
            return answer_prepared(m, mint);    /* prepared, not submitted yet */
        }
        return qnft_respond_error(m->r, HTTP_NOT_FOUND, "mint_not_found",
                                  "No mint with this address was recorded here.");
    }
    status = qnft_db_col(m->db, row, 1);
    sig = qnft_db_col(m->db, row, 2);
    if (resolve && !strcmp(status, "pending") && m->conf->solana_rpc) {
        resolve_pending(m, mint, sig, qnft_db_col(m->db, row, 5), &status);
    }
    body = qnft_json_pooled(m->r->pool, json_pack(
        "{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}",
        "status", status, "mint", mint, "transaction_id", sig,
        "name", qnft_db_col(m->db, row, 3), "metadata_uri", qnft_db_col(m->db, row, 4),
        "owner", qnft_db_col(m->db, row, 6), "mint_standard", qnft_db_col(m->db, row, 7),
        "explorer_url", explorer_url(m, sig), "status_url", status_url(m, mint)));
    code = HTTP_OK;
    if (!strcmp(status, "confirmed")) {
        json_object_set_new(body, "message", json_string("The NFT is minted."));
    }
    else if (!strcmp(status, "pending")) {
        json_object_set_new(body, "message", json_string("The transaction is not confirmed yet."));
        code = HTTP_ACCEPTED;
    }
    else {
        json_object_set_new(body, "message", json_string("The transaction failed; nothing was minted."));
        if (replay) {
            code = HTTP_BAD_GATEWAY;
        }
    }
    return qnft_respond_json(m->r, code, body);
}

/* ---- preparing a mint ----------------------------------------------------------- */

static apr_size_t utf8_chars(const char *s)
{
    apr_size_t n = 0;
    for (; *s; s++) {
        n += ((unsigned char)*s & 0xc0) != 0x80;
    }
    return n;
}

static int read_request(mint_ctx *m, json_t *body, mint_job *j)
{
    request_rec *r = m->r;
    const char *sign = qnft_json_str(body, "sign");
    unsigned char key[32];
    char *canon;

    j->image_id = qnft_json_str(body, "image_id");
    j->gif_id = qnft_json_str(body, "gif_id");
    j->mint_type = qnft_json_str(body, "mint_type");
    j->owner = qnft_json_str(body, "owner");
    if (!qnft_is_hex_id(j->image_id, QNFT_SHA256_HEX_LEN)) {
        return qnft_respond_error(r, HTTP_BAD_REQUEST, "bad_image_id",
                                  "'image_id' must be the 64 hex digits from /upload_image.");
    }
    if (!qnft_is_hex_id(j->gif_id, QNFT_SHA256_HEX_LEN)) {
        return qnft_respond_error(r, HTTP_BAD_REQUEST, "bad_gif_id",
                                  "'gif_id' must be the 64 hex digits from /generate_gif.");
    }
    if (!j->mint_type || (strcmp(j->mint_type, "long") && strcmp(j->mint_type, "short"))) {
        return qnft_respond_error(r, HTTP_BAD_REQUEST, "bad_mint_type",
                                  "'mint_type' must be long or short.");
    }
    if (!j->owner || qnft_base58_decode_exact(j->owner, key, sizeof(key)) != 0) {
        return qnft_respond_error(r, HTTP_BAD_REQUEST, "bad_owner",
                                  "'owner' must be a wallet address (base58, 32 bytes).");
    }
    if (json_object_get(body, "user_description")
        && !json_is_null(json_object_get(body, "user_description"))) {
        j->user_description = qnft_json_str(body, "user_description");
        if (!j->user_description || utf8_chars(j->user_description) > DESCRIPTION_MAX) {
            return qnft_respond_error(r, HTTP_BAD_REQUEST, "bad_description",
                                      "'user_description' must be text of at most %d characters.",
                                      DESCRIPTION_MAX);
        }
        if (!*j->user_description) {
            j->user_description = NULL;
        }
    }
    if (!sign) {
        sign = m->conf->signer ? "server" : "wallet";
    }
    if (strcmp(sign, "server") && strcmp(sign, "wallet")) {
        return qnft_respond_error(r, HTTP_BAD_REQUEST, "bad_sign",
                                  "'sign' must be server or wallet.");
    }
    j->server_signs = !strcmp(sign, "server");
    if (j->server_signs && !m->conf->signer) {
        return qnft_respond_error(r, HTTP_BAD_REQUEST, "server_signing_off",
                                  "This server does not sign mints; use \"sign\": \"wallet\".");
    }
    j->idem_key = apr_table_get(r->headers_in, "Idempotency-Key");
    if (j->idem_key) {
        apr_size_t i, n = strlen(j->idem_key);
        for (i = 0; i < n && (apr_isalnum(j->idem_key[i]) || strchr("-_.:", j->idem_key[i])); i++) {
        }
        if (n == 0 || n > IDEM_KEY_MAX || i != n) {
            return qnft_respond_error(r, HTTP_BAD_REQUEST, "bad_idempotency_key",
                                      "Idempotency-Key must be 1 to 128 letters, digits or -_.:");
        }
    }
    /* what the key stands for: the request's fields, canonically */
    canon = json_dumps(body, JSON_SORT_KEYS | JSON_COMPACT);
    if (canon) {
        unsigned char md[QNFT_SHA256_LEN];
        char *hex = apr_palloc(r->pool, QNFT_SHA256_HEX_LEN + 1);
        qnft_sha256_once(canon, strlen(canon), md);
        qnft_hex_encode(md, sizeof(md), hex);
        j->request_hash = hex;
        free(canon);
    }
    return OK;
}

/* The same key again: the same answer, never a second mint. */
static int replay_if_known(mint_ctx *m, mint_job *j, int *handled)
{
    apr_dbd_results_t *res = NULL;
    apr_dbd_row_t *row;
    const char *args[1], *err = NULL;
    qnft_db_status st;

    *handled = 0;
    if (!j->idem_key) {
        return OK;
    }
    args[0] = j->idem_key;
    st = qnft_db_select(m->r, m->db, QNFT_SQL_IDEM_GET, &res, 1, args, &err);
    if (st != QNFT_DB_OK) {
        return db_failed(m, st, err, "reading an idempotency key");
    }
    row = qnft_db_row(m->r, m->db, res, 0);
    if (!row) {
        return OK;
    }
    *handled = 1;
    if (strcmp(qnft_db_col(m->db, row, 0), j->request_hash)) {
        return qnft_respond_error(m->r, HTTP_UNPROCESSABLE_ENTITY, "idempotency_key_reused",
                                  "This Idempotency-Key was used for a different request.");
    }
    qnft_log_rerror(APLOG_INFO, 0, m->r, QNFTLOGNO(01603)
                  "mint: Idempotency-Key seen before: answering for mint %s",
                  qnft_db_col(m->db, row, 1));
    return answer_state(m, apr_pstrdup(m->r->pool, qnft_db_col(m->db, row, 1)), 1, 1);
}

static int load_sources(mint_ctx *m, mint_job *j)
{
    apr_dbd_results_t *res = NULL;
    apr_dbd_row_t *row;
    const char *args[1], *err = NULL;
    qnft_db_status st;

    args[0] = j->gif_id;
    st = qnft_db_select(m->r, m->db, QNFT_SQL_GIF_FOR_MINT, &res, 1, args, &err);
    if (st != QNFT_DB_OK) {
        return db_failed(m, st, err, "reading the GIF");
    }
    row = qnft_db_row(m->r, m->db, res, 0);
    if (!row || strcmp(qnft_db_col(m->db, row, 0), j->image_id)) {
        return qnft_respond_error(m->r, HTTP_NOT_FOUND, "gif_not_found",
                                  "No GIF with this id was made from this image.");
    }
    j->image_mime = apr_pstrdup(m->r->pool, qnft_db_col(m->db, row, 1));
    /* one price snapshot per mint: the one the GIF shows */
    j->btc = qnft_db_col(m->db, row, 2) ? apr_pstrdup(m->r->pool, qnft_db_col(m->db, row, 2)) : NULL;
    j->sol = qnft_db_col(m->db, row, 3) ? apr_pstrdup(m->r->pool, qnft_db_col(m->db, row, 3)) : NULL;
    st = qnft_db_select(m->r, m->db, QNFT_SQL_NEXT_SERIAL, &res, 0, NULL, &err);
    if (st != QNFT_DB_OK || !(row = qnft_db_row(m->r, m->db, res, 0))) {
        return db_failed(m, st == QNFT_DB_OK ? QNFT_DB_FAILED : st, err, "taking a serial number");
    }
    j->serial = apr_atoi64(qnft_db_col(m->db, row, 0));
    j->name = apr_psprintf(m->r->pool, "QNFT #%04" APR_INT64_T_FMT, j->serial);
    return OK;
}

/* The metadata document, written where Apache serves it; its URL is the
 * on-chain uri. */
static int write_metadata(mint_ctx *m, mint_job *j, const char *creator)
{
    request_rec *r = m->r;
    const char *base = qnft_public_base(r);
    apr_time_exp_t tm;
    char iso[32], human[32];
    apr_size_t n;
    qnft_metadata md;
    const char *sentence, *dir;
    apr_size_t len;
    apr_status_t rv;

    apr_time_exp_gmt(&tm, apr_time_now());
    apr_strftime(iso, &n, sizeof(iso), "%Y-%m-%dT%H:%M:%SZ", &tm);
    apr_strftime(human, &n, sizeof(human), "%Y-%m-%d %H:%M:%S UTC", &tm);
    sentence = qnft_mint_sentence(r->pool, j->mint_type, human, j->btc, j->sol);
    memset(&md, 0, sizeof(md));
    md.name = j->name;
    md.description = j->user_description
                     ? apr_pstrcat(r->pool, j->user_description, " | ", sentence, NULL) : sentence;
    md.gif_url = apr_pstrcat(r->pool, base, "/qnft/gifs/", j->gif_id, ".gif", NULL);
    md.image_url = apr_pstrcat(r->pool, base, "/qnft/uploads/", j->image_id, ".",
                               qnft_img_ext(qnft_img_type_from_ext(strchr(j->image_mime, '/') + 1)),
                               NULL);
    md.image_mime = j->image_mime;
    md.external_url = apr_pstrcat(r->pool, base, "/marketplace", NULL);
    md.mint_type = j->mint_type;
    md.timestamp_iso = iso;
    md.btc_price = j->btc;
    md.sol_price = j->sol;
    md.creator = creator;
    j->metadata = qnft_json_pooled(r->pool, qnft_metadata_json(&md));
    j->metadata_text = qnft_json_dump(r->pool, j->metadata, &len);
    j->metadata_uri = apr_pstrcat(r->pool, base, "/qnft/meta/", j->mint, ".json", NULL);
    if (strlen(j->metadata_uri) > METADATA_URI_MAX || strchr(j->metadata_uri, '#')) {
        qnft_log_rerror(APLOG_ERR, 0, r, QNFTLOGNO(01604)
                      "mint: metadata URL %s is longer than %d bytes: shorten QNFTPublicURL",
                      j->metadata_uri, METADATA_URI_MAX);
        return qnft_respond_error(r, HTTP_INTERNAL_SERVER_ERROR, "metadata_uri_too_long",
                                  "The server's public address is too long for NFT metadata.");
    }
    dir = apr_pstrcat(r->pool, m->conf->storage_dir, "/" QNFT_AREA_META, NULL);
    rv = qnft_store_put(r->pool, dir, apr_pstrcat(r->pool, j->mint, ".json", NULL),
                        j->metadata_text, len);
    if (rv != APR_SUCCESS) {
        return qnft_respond_storage_error(r, rv, "write the NFT metadata");
    }
    j->meta_written = 1;
    return OK;
}

/* A request that ends before a row names its metadata leaves no file:
 * refused payers, RPC failures and lost races would otherwise fill meta/. */
static void forget_metadata(mint_ctx *m, const mint_job *j)
{
    const char *path = apr_pstrcat(m->r->pool, m->conf->storage_dir, "/" QNFT_AREA_META "/",
                                   j->mint, ".json", NULL);
    apr_status_t rv = apr_file_remove(path, m->r->pool);

    if (rv != APR_SUCCESS && !APR_STATUS_IS_ENOENT(rv)) {
        qnft_log_rerror(APLOG_WARNING, rv, m->r, QNFTLOGNO(01616)
                      "mint: removing the unused metadata of %s failed", j->mint);
    }
}

/* Blockhash, rent and the payer's balance; then the transaction. */
static int build(mint_ctx *m, mint_job *j, const qnft_pubkey *payer, const char *creator,
                 apr_uint64_t fee)
{
    request_rec *r = m->r;
    qnft_mint_plan plan;
    qnft_rpc_error e;
    qnft_rpc_status rs;
    const char *blockhash, *err = NULL;
    apr_int64_t rent_mint, rent_ata, balance;
    int k = 0;

    memset(&plan, 0, sizeof(plan));
    plan.standard = m->conf->mint_standard == QNFT_STANDARD_TOKEN2022 ? QNFT_MINT_TOKEN2022
                                                                      : QNFT_MINT_METAPLEX;
    plan.payer = *payer;
    /* the metadata stays the studio's to correct, not the buyer's */
    plan.update_authority = m->conf->signer ? m->conf->signer->pub : *payer;
    qnft_pubkey_parse(j->owner, &plan.owner);
    plan.mint = j->mint_key.pub;
    plan.name = j->name;
    plan.symbol = QNFT_SYMBOL;
    plan.uri = j->metadata_uri;
    plan.extra_keys[k] = "mint_type";
    plan.extra_values[k++] = j->mint_type;
    if (j->btc) {
        plan.extra_keys[k] = "btc_usdc_at_mint";
        plan.extra_values[k++] = j->btc;
    }
    if (j->sol) {
        plan.extra_keys[k] = "sol_usdc_at_mint";
        plan.extra_values[k++] = j->sol;
    }
    plan.num_extra = k;
    qnft_pubkey_parse(creator, &plan.creators[0].address);
    plan.creators[0].share = 100;
    plan.creators[0].verified = !memcmp(plan.creators[0].address.b, plan.update_authority.b, 32);
    plan.num_creators = 1;
    plan.seller_fee_basis_points = 500;
    plan.fee_lamports = fee;
    if (fee && m->conf->admin_wallet) {
        qnft_pubkey_parse(m->conf->admin_wallet, &plan.fee_to);
    }
    else if (fee && m->conf->signer) {
        plan.fee_to = m->conf->signer->pub;
    }
    else {
        plan.fee_lamports = 0;
    }

    rs = qnft_rpc_latest_blockhash(&m->rpc, r->pool, "confirmed", &blockhash, &j->last_valid, &e);
    if (rs == QNFT_RPC_OK) {
        rs = qnft_rpc_rent_exempt(&m->rpc, r->pool, (apr_int64_t)qnft_mint_account_size(&plan),
                                  &rent_mint, &e);
    }
    if (rs == QNFT_RPC_OK) {
        rs = qnft_rpc_rent_exempt(&m->rpc, r->pool, QNFT_TOKEN_ACCOUNT_SIZE, &rent_ata, &e);
    }
    if (rs == QNFT_RPC_OK) {
        rs = qnft_rpc_balance(&m->rpc, r->pool, qnft_pubkey_str(r->pool, payer), &balance, &e);
    }
    if (rs != QNFT_RPC_OK) {
        return rpc_failed(m, rs, &e, "preparing the transaction");
    }
    plan.mint_rent = (apr_uint64_t)rent_mint;
    /* metaplex also pays the metadata and edition accounts and the
     * program's fee: about 0.0151 SOL more at default rent */
    if ((apr_uint64_t)balance < plan.fee_lamports + (apr_uint64_t)rent_mint
                                + (apr_uint64_t)rent_ata + QNFT_NETWORK_FEE
                                + (plan.standard == QNFT_MINT_METAPLEX ? 15115600 : 0)) {
        if (j->server_signs) {
            qnft_log_rerror(APLOG_ERR, 0, r, QNFTLOGNO(01605)
                          "mint: the signer %s has %" APR_INT64_T_FMT " lamports, too few to "
                          "mint: fund it", qnft_pubkey_str(r->pool, payer), balance);
            apr_table_setn(r->headers_out, "Retry-After", "300");
            return qnft_respond_error(r, HTTP_SERVICE_UNAVAILABLE, "signer_unfunded",
                                      "The server's minting account is out of funds.");
        }
        return qnft_respond_error(r, HTTP_PAYMENT_REQUIRED, "insufficient_balance",
                                  "The wallet holds %" APR_INT64_T_FMT " lamports; minting needs "
                                  "%" APR_UINT64_T_FMT " (fee %" APR_UINT64_T_FMT
                                  ", rent and network fee).", balance,
                                  plan.fee_lamports + (apr_uint64_t)rent_mint
                                  + (apr_uint64_t)rent_ata + QNFT_NETWORK_FEE, plan.fee_lamports);
    }
    if (qnft_base58_decode_exact(blockhash, plan.blockhash, 32) != 0) {
        e.message = "getLatestBlockhash: not a blockhash";
        e.code = 0;
        return rpc_failed(m, QNFT_RPC_BAD_ANSWER, &e, "preparing the transaction");
    }
    if (qnft_mint_build(r->pool, &plan, &j->tx, &err) != APR_SUCCESS) {
        qnft_log_rerror(APLOG_ERR, 0, r, QNFTLOGNO(01606)
                      "mint: building the transaction failed: %s", err);
        return qnft_respond_error(r, HTTP_INTERNAL_SERVER_ERROR, "internal_error",
                                  "The transaction could not be built; it has been logged.");
    }
    return OK;
}

/* The columns nfts and mint_prepared share, in the order both statements
 * take them (metadata_uri .. mint_standard). */
static int mint_columns(const mint_job *j, const char **args, int n)
{
    args[n++] = j->metadata_uri;
    args[n++] = j->image_id;
    args[n++] = j->gif_id;
    args[n++] = j->mint_type;
    args[n++] = j->user_description;
    args[n++] = j->btc;
    args[n++] = j->sol;
    args[n++] = j->standard;
    return n;
}

static int record_pending(mint_ctx *m, mint_job *j, int *replayed)
{
    const char *args[19], *err = NULL;
    apr_dbd_results_t *res = NULL;
    qnft_db_status st;
    int n = 0;

    *replayed = 0;
    if (j->idem_key) {
        args[n++] = j->idem_key;
        args[n++] = j->request_hash;
        args[n++] = j->mint;
    }
    args[n++] = j->mint;
    args[n++] = apr_psprintf(m->r->pool, "%" APR_INT64_T_FMT, j->serial);
    args[n++] = j->name;
    args[n++] = QNFT_SYMBOL;
    args[n++] = j->owner;
    n = mint_columns(j, args, n);
    args[n++] = j->signature;
    args[n++] = apr_psprintf(m->r->pool, "%" APR_INT64_T_FMT, j->last_valid);
    args[n++] = j->server_signs ? "server" : "wallet";
    if (j->idem_key) {
        st = qnft_db_select(m->r, m->db, QNFT_SQL_NFT_PENDING_KEYED, &res, n, args, &err);
        if (st == QNFT_DB_OK && !qnft_db_row(m->r, m->db, res, 0)) {
            *replayed = 1;      /* the key was taken a moment ago */
            return OK;
        }
    }
    else {
        st = qnft_db_query(m->r, m->db, QNFT_SQL_NFT_PENDING, NULL, n, args, &err);
        if (st == QNFT_DB_FAILED && strstr(err, "nfts_pkey")) {
            *replayed = 1;      /* this mint is recorded already (a second submit) */
            return OK;
        }
    }
    if (st != QNFT_DB_OK) {
        return db_failed(m, st, err, "recording the pending mint");
    }
    j->recorded = 1;
    return OK;
}

/* Send, then follow the signature to the configured commitment or until
 * the deadline; answer 200, 202 or an error. */
static int send_and_confirm(mint_ctx *m, mint_job *j)
{
    request_rec *r = m->r;
    const char *b64, *err = NULL, *sig = NULL;
    qnft_rpc_error e;
    qnft_rpc_status rs;
    apr_time_t deadline = apr_time_now() + apr_time_from_sec(m->conf->mint_deadline);
    json_t *body;

    if (qnft_tx_base64(r->pool, j->tx, &b64, &err) != APR_SUCCESS) {
        qnft_log_rerror(APLOG_ERR, 0, r, QNFTLOGNO(01607)
                      "mint: serialising the transaction failed: %s", err);
        return qnft_respond_error(r, HTTP_INTERNAL_SERVER_ERROR, "internal_error",
                                  "The transaction could not be built; it has been logged.");
    }
    rs = qnft_rpc_send(&m->rpc, r->pool, b64, &sig, &e);
    if (rs == QNFT_RPC_ERROR && !(e.message && strstr(e.message, "already been processed"))) {
        /* Refused. A wallet's transaction stays pending: a copy may still
         * land (a wallet that broadcast it itself); GET /mint_nft/<mint>
         * settles it from the chain. */
        if (!j->server_signs) {
            qnft_log_rerror(APLOG_INFO, 0, r, QNFTLOGNO(01610)
                          "mint: wallet transaction for %s refused: %s", j->mint, e.message);
            return qnft_respond_error(r, HTTP_UNPROCESSABLE_ENTITY, "transaction_rejected",
                                      "The Solana network refused the transaction: %s",
                                      e.message);
        }
        /* The studio's own, refused by preflight: the node did not forward
         * it and nobody else holds it, so it can never land. Any other
         * error may have come after forwarding: pending, settled later. */
        if (e.code != QNFT_RPC_PREFLIGHT_FAILED) {
            return rpc_failed(m, QNFT_RPC_BAD_ANSWER, &e, "sending the transaction");
        }
        qnft_log_rerror(APLOG_ERR, 0, r, QNFTLOGNO(01608)
                      "mint: %s refused: %s (code %ld)", j->mint, e.message, e.code);
        if (qnft_db_query(r, m->db, QNFT_SQL_NFT_FAIL, NULL, 1, &j->mint, &err) != QNFT_DB_OK) {
            qnft_log_rerror(APLOG_WARNING, 0, r, QNFTLOGNO(01617)
                          "mint: recording %s as failed: %s (settled later)", j->mint, err);
        }
        return qnft_respond_error(r, HTTP_BAD_GATEWAY, "transaction_refused",
                                  "The Solana network refused the transaction, so nothing was "
                                  "minted: %s", e.message);
    }
    if (rs != QNFT_RPC_OK && rs != QNFT_RPC_ERROR) {
        /* it may or may not have gone out: the row stays pending and
         * GET /mint_nft/<mint> settles it */
        return rpc_failed(m, rs, &e, "sending the transaction");
    }
    for (;;) {
        const char *status = "pending";
        resolve_pending(m, j->mint, j->signature, NULL, &status);
        if (!strcmp(status, "confirmed")) {
            break;
        }
        if (!strcmp(status, "failed")) {
            return qnft_respond_error(r, HTTP_BAD_GATEWAY, "transaction_failed",
                                      "The transaction failed on chain; nothing was minted.");
        }
        if (apr_time_now() + POLL_INTERVAL > deadline) {
            body = qnft_json_pooled(r->pool, json_pack(
                "{s:s, s:s, s:s, s:s, s:s, s:s}", "status", "pending",
                "message", "Sent; not confirmed yet. Ask the status URL.",
                "mint", j->mint, "transaction_id", j->signature,
                "status_url", status_url(m, j->mint), "explorer_url",
                explorer_url(m, j->signature)));
            return qnft_respond_json(r, HTTP_ACCEPTED, body);
        }
        apr_sleep(POLL_INTERVAL);
    }
    qnft_log_rerror(APLOG_INFO, 0, r, QNFTLOGNO(01609)
                  "mint: %s minted to %s (%s, tx %s)", j->mint, j->owner, j->name, j->signature);
    body = qnft_json_pooled(r->pool, json_pack(
        "{s:s, s:s, s:s, s:s, s:s, s:s, s:O, s:s, s:s, s:s}",
        "status", "success",
        "message", apr_psprintf(r->pool, "%s is minted.", j->name),
        "transaction_id", j->signature,
        "mint", j->mint,
        "name", j->name,
        "metadata_uri", j->metadata_uri,
        "raw_metadata", j->metadata,
        "explorer_url", explorer_url(m, j->signature),
        "owner", j->owner,
        "mint_standard", standard_name(m->conf)));
    return qnft_respond_json(r, HTTP_OK, body);
}

/* Is the row in the way our own (the same mint)? */
static int own_record(mint_ctx *m, mint_job *j)
{
    apr_dbd_results_t *res = NULL;
    apr_dbd_row_t *row;
    const char *args[1], *err = NULL;

    args[0] = j->mint;
    return qnft_db_select(m->r, m->db, QNFT_SQL_NFT_STATE, &res, 1, args, &err) == QNFT_DB_OK
           && (row = qnft_db_row(m->r, m->db, res, 0)) != NULL
           && !strcmp(qnft_db_col(m->db, row, 2), j->signature);
}

static int new_mint(mint_ctx *m, mint_job *j)
{
    qnft_pubkey payer;
    const char *creator;
    int rc, replayed = 0;

    if (qnft_keypair_generate(&j->mint_key) != 0) {
        return qnft_respond_error(m->r, HTTP_INTERNAL_SERVER_ERROR, "internal_error",
                                  "No randomness for a new mint key.");
    }
    j->mint = qnft_pubkey_str(m->r->pool, &j->mint_key.pub);
    if (j->server_signs) {
        payer = m->conf->signer->pub;
    }
    else {
        qnft_pubkey_parse(j->owner, &payer);
    }
    creator = m->conf->admin_wallet ? m->conf->admin_wallet
              : qnft_pubkey_str(m->r->pool, &payer);
    rc = write_metadata(m, j, creator);
    if (rc == OK) {
        rc = build(m, j, &payer, creator,
                   j->server_signs ? 0 : (apr_uint64_t)m->conf->mint_fee_lamports);
    }
    if (rc != OK) {
        qnft_keypair_clear(&j->mint_key);
        return rc;
    }
    /* the mint key signs now and is forgotten: only its signature stays;
     * the server's key signs as update authority (and, server-signed, as
     * payer) */
    if (qnft_tx_sign(j->tx, j->mint_key.seed) != APR_SUCCESS
        || (m->conf->signer && qnft_tx_sign(j->tx, m->conf->signer->seed) != APR_SUCCESS)) {
        qnft_keypair_clear(&j->mint_key);
        return qnft_respond_error(m->r, HTTP_INTERNAL_SERVER_ERROR, "internal_error",
                                  "The transaction could not be signed; it has been logged.");
    }
    qnft_keypair_clear(&j->mint_key);

    if (!j->server_signs) {
        return OK;          /* the wallet signs next; see prepare_for_wallet */
    }
    j->signature = qnft_tx_id(m->r->pool, j->tx);
    rc = record_pending(m, j, &replayed);
    if (rc != OK) {
        return rc;
    }
    if (replayed && !own_record(m, j)) {
        int handled;
        return replay_if_known(m, j, &handled);
    }
    j->recorded = 1;
    /* replayed but ours: our insert committed just before a lost
     * connection, and the retry met it; the transaction still has to go */
    return send_and_confirm(m, j);
}

static int prepare_for_wallet(mint_ctx *m, mint_job *j)
{
    request_rec *r = m->r;
    const char *args[20], *err = NULL, *b64;
    apr_dbd_results_t *res = NULL;
    qnft_db_status st;
    char *msg64, *sig64;
    qnft_pubkey mint_pub;
    int mi, n = 0;

    /* the mint key itself is wiped by now: find its slot by address */
    qnft_pubkey_parse(j->mint, &mint_pub);
    mi = qnft_tx_signer_index(j->tx, &mint_pub);
    if (mi < 0 || qnft_tx_base64(r->pool, j->tx, &b64, &err) != APR_SUCCESS) {
        qnft_log_rerror(APLOG_ERR, 0, r, QNFTLOGNO(01611)
                      "mint: serialising the prepared transaction failed: %s",
                      err ? err : "no mint signature slot");
        return qnft_respond_error(r, HTTP_INTERNAL_SERVER_ERROR, "internal_error",
                                  "The transaction could not be built; it has been logged.");
    }
    msg64 = apr_palloc(r->pool, (apr_size_t)apr_base64_encode_len((int)j->tx->msg_len));
    apr_base64_encode_binary(msg64, j->tx->msg_bytes, (int)j->tx->msg_len);
    sig64 = apr_palloc(r->pool, (apr_size_t)apr_base64_encode_len(64));
    apr_base64_encode_binary(sig64, j->tx->signatures[mi], 64);
    if (j->idem_key) {
        args[n++] = j->idem_key;
        args[n++] = j->request_hash;
        args[n++] = j->mint;
    }
    args[n++] = j->mint;
    args[n++] = j->owner;
    args[n++] = msg64;
    args[n++] = sig64;
    args[n++] = apr_psprintf(r->pool, "%" APR_INT64_T_FMT, j->serial);
    args[n++] = j->name;
    args[n++] = QNFT_SYMBOL;
    n = mint_columns(j, args, n);
    args[n++] = apr_psprintf(r->pool, "%" APR_INT64_T_FMT, j->last_valid);
    args[n++] = b64;
    if (j->idem_key) {
        st = qnft_db_select(r, m->db, QNFT_SQL_PREPARED_PUT_KEYED, &res, n, args, &err);
        if (st == QNFT_DB_OK && !qnft_db_row(r, m->db, res, 0)) {
            int handled;
            return replay_if_known(m, j, &handled);     /* the key was taken just now */
        }
    }
    else {
        st = qnft_db_query(r, m->db, QNFT_SQL_PREPARED_PUT, NULL, n, args, &err);
    }
    if (st != QNFT_DB_OK) {
        return db_failed(m, st, err, "keeping the prepared transaction");
    }
    j->recorded = 1;
    return qnft_respond_json(r, HTTP_OK, qnft_json_pooled(r->pool, json_pack(
        "{s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:O, s:s}",
        "status", "prepared",
        "message", "Sign this transaction with your wallet, then POST it to the submit URL.",
        "transaction", b64,
        "mint", j->mint,
        "name", j->name,
        "metadata_uri", j->metadata_uri,
        "last_valid_block_height", (json_int_t)j->last_valid,
        "fee_lamports", (json_int_t)m->conf->mint_fee_lamports,
        "raw_metadata", j->metadata,
        "submit_url", apr_pstrcat(r->pool, qnft_public_base(r), "/mint_nft/submit", NULL))));
}

static int mint_request(mint_ctx *m)
{
    mint_job j;
    json_t *body;
    int rc, handled = 0;

    memset(&j, 0, sizeof(j));
    rc = qnft_read_json(m->r, BODY_MAX, &body);
    if (rc == OK) {
        rc = read_request(m, body, &j);
    }
    if (rc != OK) {
        return rc;
    }
    m->db = qnft_db_acquire(m->r);
    if (!m->db) {
        return qnft_db_respond(m->r, QNFT_DB_DOWN);
    }
    rc = replay_if_known(m, &j, &handled);
    if (rc != OK || handled) {
        return rc;
    }
    rc = load_sources(m, &j);
    if (rc != OK) {
        return rc;
    }
    j.standard = standard_name(m->conf);
    rc = new_mint(m, &j);
    if (rc == OK && !j.server_signs) {
        rc = prepare_for_wallet(m, &j);
    }
    if (j.meta_written && !j.recorded) {
        forget_metadata(m, &j);
    }
    return rc;
}

/* ---- relaying a wallet-signed transaction ---------------------------------- */

static int submit(mint_ctx *m)
{
    request_rec *r = m->r;
    json_t *body;
    const char *mint, *tx64, *err = NULL, *args[1];
    apr_dbd_results_t *res = NULL;
    apr_dbd_row_t *row;
    qnft_db_status st;
    qnft_tx *tx = NULL;
    unsigned char *prepared;
    mint_job j;
    int plen, rc, replayed = 0;

    rc = qnft_read_json(r, BODY_MAX, &body);
    if (rc != OK) {
        return rc;
    }
    mint = qnft_json_str(body, "mint");
    tx64 = qnft_json_str(body, "transaction");
    if (!mint || !tx64) {
        return qnft_respond_error(r, HTTP_BAD_REQUEST, "bad_request",
                                  "Send the 'mint' and the signed 'transaction' (base64).");
    }
    if (qnft_tx_decode_base64(r->pool, tx64, &tx, &err) != APR_SUCCESS) {
        return qnft_respond_error(r, HTTP_BAD_REQUEST, "bad_transaction",
                                  "The transaction does not decode: %s.", err);
    }
    m->db = qnft_db_acquire(r);
    if (!m->db) {
        return qnft_db_respond(r, QNFT_DB_DOWN);
    }
    args[0] = mint;
    st = qnft_db_select(r, m->db, QNFT_SQL_PREPARED_GET, &res, 1, args, &err);
    if (st != QNFT_DB_OK) {
        return db_failed(m, st, err, "reading the prepared transaction");
    }
    row = qnft_db_row(r, m->db, res, 0);
    if (!row) {
        return qnft_respond_error(r, HTTP_NOT_FOUND, "not_prepared",
                                  "No transaction was prepared for this mint.");
    }
    /* byte for byte the message we prepared, and every signature good */
    prepared = apr_palloc(r->pool, (apr_size_t)apr_base64_decode_len(qnft_db_col(m->db, row, 1)));
    plen = apr_base64_decode_binary(prepared, qnft_db_col(m->db, row, 1));
    if (plen < 0 || (apr_size_t)plen != tx->msg_len || memcmp(prepared, tx->msg_bytes, tx->msg_len)) {
        return qnft_respond_error(r, HTTP_BAD_REQUEST, "transaction_changed",
                                  "The transaction is not the one prepared for this mint.");
    }
    if (!qnft_tx_verify(tx)) {
        return qnft_respond_error(r, HTTP_BAD_REQUEST, "bad_signatures",
                                  "A signature of the transaction is missing or wrong.");
    }
    memset(&j, 0, sizeof(j));
    j.mint = mint;
    j.owner = apr_pstrdup(r->pool, qnft_db_col(m->db, row, 0));
    j.serial = apr_atoi64(qnft_db_col(m->db, row, 3));
    j.name = apr_pstrdup(r->pool, qnft_db_col(m->db, row, 4));
    j.metadata_uri = apr_pstrdup(r->pool, qnft_db_col(m->db, row, 6));
    j.image_id = apr_pstrdup(r->pool, qnft_db_col(m->db, row, 7));
    j.gif_id = apr_pstrdup(r->pool, qnft_db_col(m->db, row, 8));
    j.mint_type = apr_pstrdup(r->pool, qnft_db_col(m->db, row, 9));
    j.user_description = qnft_db_col(m->db, row, 10)
                         ? apr_pstrdup(r->pool, qnft_db_col(m->db, row, 10)) : NULL;
    j.btc = qnft_db_col(m->db, row, 11) ? apr_pstrdup(r->pool, qnft_db_col(m->db, row, 11)) : NULL;
    j.sol = qnft_db_col(m->db, row, 12) ? apr_pstrdup(r->pool, qnft_db_col(m->db, row, 12)) : NULL;
    j.standard = apr_pstrdup(r->pool, qnft_db_col(m->db, row, 13));
    j.last_valid = apr_atoi64(qnft_db_col(m->db, row, 14));
    j.tx = tx;
    {
        /* past its blockhash's life it can never land: say so, record nothing */
        qnft_rpc_error e;
        apr_int64_t height = 0;
        qnft_rpc_status rs = qnft_rpc_block_height(&m->rpc, r->pool, &height, &e);
        if (rs != QNFT_RPC_OK) {
            return rpc_failed(m, rs, &e, "checking the transaction's age");
        }
        if (height > j.last_valid) {
            return qnft_respond_error(r, HTTP_CONFLICT, "prepared_expired",
                                      "This transaction has expired; ask for a new one.");
        }
    }
    j.signature = qnft_tx_id(r->pool, tx);
    {
        /* metadata for the answer: the stored document */
        const char *path = qnft_store_path(r->pool, m->conf->storage_dir, QNFT_AREA_META,
                                           apr_pstrcat(r->pool, mint, ".json", NULL));
        apr_file_t *f;
        apr_finfo_t fi;
        char *text;
        j.metadata = json_object();
        if (apr_file_open(&f, path, APR_FOPEN_READ, 0, r->pool) == APR_SUCCESS
            && apr_file_info_get(&fi, APR_FINFO_SIZE, f) == APR_SUCCESS && fi.size < 65536) {
            text = apr_palloc(r->pool, (apr_size_t)fi.size + 1);
            if (apr_file_read_full(f, text, (apr_size_t)fi.size, NULL) == APR_SUCCESS) {
                const char *perr;
                json_t *doc = qnft_json_parse(r->pool, text, (apr_size_t)fi.size, 16, &perr);
                if (doc) {
                    json_decref(j.metadata);
                    j.metadata = json_incref(doc);
                }
            }
        }
        qnft_json_pooled(r->pool, j.metadata);
    }
    rc = record_pending(m, &j, &replayed);
    if (rc != OK) {
        return rc;
    }
    if (replayed) {
        /* submitted twice: the first one is on its way or done */
        return answer_state(m, mint, 1, 1);
    }
    return send_and_confirm(m, &j);
}

int qnft_mint_handler(request_rec *r)
{
    mint_ctx m;
    const char *last;
    int rc;

    if (!r->handler || strcmp(r->handler, "qnft-mint")) {
        return DECLINED;
    }
    memset(&m, 0, sizeof(m));
    m.r = r;
    m.conf = qnft_srv_config(r->server);
    last = strrchr(r->uri, '/');
    last = last ? last + 1 : r->uri;
    if (!m.conf->solana_rpc) {
        apr_table_setn(r->headers_out, "Retry-After", "3600");
        return qnft_respond_error(r, HTTP_SERVICE_UNAVAILABLE, "minting_off",
                                  "Minting is not configured on this server (QNFTSolanaRPC).");
    }
    m.rpc.url = m.conf->solana_rpc;
    m.rpc.timeout_ms = m.conf->rpc_timeout_ms;
    m.rpc.max_bytes = RPC_MAX_BYTES;
    m.rpc.observe = qnft_metrics_rpc;

    if (r->method_number == M_GET && strcmp(last, "mint_nft") && strcmp(last, "submit")) {
        unsigned char key[32];
        if (qnft_base58_decode_exact(last, key, sizeof(key)) != 0) {
            return qnft_respond_error(r, HTTP_BAD_REQUEST, "bad_mint",
                                      "The mint address must be base58 that decodes to 32 bytes.");
        }
        m.db = qnft_db_acquire(r);
        if (!m.db) {
            return qnft_db_respond(r, QNFT_DB_DOWN);
        }
        return answer_state(&m, last, 1, 0);
    }
    if (strcmp(last, "mint_nft") && strcmp(last, "submit")) {
        return qnft_respond_method(r, "GET");        /* .../mint_nft/<mint> is read-only */
    }
    if (r->method_number != M_POST) {
        return qnft_respond_method(r, "POST");
    }
    if ((rc = qnft_guard(r, QNFT_AREA_MINT, 0)) != OK) {
        return rc;
    }
    return !strcmp(last, "submit") ? submit(&m) : mint_request(&m);
}
