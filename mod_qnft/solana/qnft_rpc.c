#include <string.h>
#include <apr_strings.h>
#include <apr_base64.h>

#include "solana/qnft_rpc.h"
#include "util/qnft_http.h"
#include "util/qnft_json.h"

#define RPC_MAX_DEPTH 32

static qnft_rpc_status exchange(const qnft_rpc *c, apr_pool_t *p, const char *method,
                                json_t *params, json_t **result, qnft_rpc_error *err)
{
    static const char *const headers[] = { "Content-Type: application/json", NULL };
    json_t *req = qnft_json_pooled(p, json_pack("{s:s, s:i, s:s}", "jsonrpc", "2.0", "id", 1,
                                               "method", method));
    qnft_http_response resp;
    qnft_http_status hs;
    const char *body, *perr = NULL;
    apr_size_t len;
    json_t *doc, *e;

    memset(err, 0, sizeof(*err));
    *result = NULL;
    json_object_set_new(req, "params", params ? params : json_array());
    body = qnft_json_dump(p, req, &len);
    hs = qnft_http_request(p, "POST", c->url, headers, body, len, c->timeout_ms,
                           c->max_bytes, &resp);
    switch (hs) {
    case QNFT_HTTP_OK:
        break;
    case QNFT_HTTP_TIMEOUT:
        err->message = apr_psprintf(p, "%s: no answer within %ld ms", method, c->timeout_ms);
        return QNFT_RPC_TIMEOUT;
    case QNFT_HTTP_UNREACHABLE:
        err->message = apr_psprintf(p, "%s: cannot reach the RPC node (%s)", method, resp.error);
        return QNFT_RPC_UNREACHABLE;
    case QNFT_HTTP_TOO_LARGE:
        err->message = apr_psprintf(p, "%s: answer larger than %" APR_SIZE_T_FMT " bytes",
                                    method, c->max_bytes);
        return QNFT_RPC_BAD_ANSWER;
    default:
        err->message = apr_psprintf(p, "%s: %s", method, resp.error);
        return QNFT_RPC_UNREACHABLE;
    }
    if (resp.status != 200) {
        err->code = resp.status;
        err->message = apr_psprintf(p, "%s: HTTP %ld from the RPC node", method, resp.status);
        return QNFT_RPC_BAD_ANSWER;
    }
    doc = qnft_json_parse_bigint(p, resp.body, resp.len, RPC_MAX_DEPTH, &perr);
    if (!doc || !json_is_object(doc)) {
        err->message = apr_psprintf(p, "%s: not a JSON-RPC answer (%s)", method,
                                    perr ? perr : "not an object");
        return QNFT_RPC_BAD_ANSWER;
    }
    e = json_object_get(doc, "error");
    if (json_is_object(e)) {
        const char *m = json_string_value(json_object_get(e, "message"));
        err->code = (long)json_integer_value(json_object_get(e, "code"));
        err->message = apr_pstrdup(p, m ? m : "error without a message");
        err->data = json_object_get(e, "data");
        return QNFT_RPC_ERROR;
    }
    if (!json_object_get(doc, "result")) {
        err->message = apr_psprintf(p, "%s: answer has neither result nor error", method);
        return QNFT_RPC_BAD_ANSWER;
    }
    *result = json_object_get(doc, "result");
    return QNFT_RPC_OK;
}

/* Observed once the answer is judged: an error object is a usable answer,
 * a 200 that is not JSON-RPC is a failure. */
qnft_rpc_status qnft_rpc_call(const qnft_rpc *c, apr_pool_t *p, const char *method,
                              json_t *params, json_t **result, qnft_rpc_error *err)
{
    apr_time_t t0 = apr_time_now();
    qnft_rpc_status st = exchange(c, p, method, params, result, err);

    if (c->observe) {
        c->observe(apr_time_now() - t0, st != QNFT_RPC_OK && st != QNFT_RPC_ERROR);
    }
    return st;
}

static qnft_rpc_status shape_error(apr_pool_t *p, const char *method, qnft_rpc_error *err)
{
    err->message = apr_psprintf(p, "%s: unexpected result shape", method);
    return QNFT_RPC_BAD_ANSWER;
}

qnft_rpc_status qnft_rpc_latest_blockhash(const qnft_rpc *c, apr_pool_t *p, const char *commitment,
                                          const char **blockhash, apr_int64_t *last_valid,
                                          qnft_rpc_error *err)
{
    json_t *res, *v;
    qnft_rpc_status st = qnft_rpc_call(c, p, "getLatestBlockhash",
                                       json_pack("[{s:s}]", "commitment", commitment), &res, err);
    if (st != QNFT_RPC_OK) {
        return st;
    }
    v = json_object_get(res, "value");
    if (!json_is_string(json_object_get(v, "blockhash"))
        || !json_is_integer(json_object_get(v, "lastValidBlockHeight"))) {
        return shape_error(p, "getLatestBlockhash", err);
    }
    *blockhash = apr_pstrdup(p, json_string_value(json_object_get(v, "blockhash")));
    *last_valid = json_integer_value(json_object_get(v, "lastValidBlockHeight"));
    return QNFT_RPC_OK;
}

qnft_rpc_status qnft_rpc_balance(const qnft_rpc *c, apr_pool_t *p, const char *address,
                                 apr_int64_t *lamports, qnft_rpc_error *err)
{
    json_t *res;
    qnft_rpc_status st = qnft_rpc_call(c, p, "getBalance",
                                       json_pack("[s, {s:s}]", address, "commitment", "confirmed"),
                                       &res, err);
    if (st != QNFT_RPC_OK) {
        return st;
    }
    if (!json_is_integer(json_object_get(res, "value"))) {
        return shape_error(p, "getBalance", err);
    }
    *lamports = json_integer_value(json_object_get(res, "value"));
    return QNFT_RPC_OK;
}

qnft_rpc_status qnft_rpc_rent_exempt(const qnft_rpc *c, apr_pool_t *p, apr_int64_t len,
                                     apr_int64_t *lamports, qnft_rpc_error *err)
{
    json_t *res;
    qnft_rpc_status st = qnft_rpc_call(c, p, "getMinimumBalanceForRentExemption",
                                       json_pack("[I]", (json_int_t)len), &res, err);
    if (st != QNFT_RPC_OK) {
        return st;
    }
    if (!json_is_integer(res)) {
        return shape_error(p, "getMinimumBalanceForRentExemption", err);
    }
    *lamports = json_integer_value(res);
    return QNFT_RPC_OK;
}

qnft_rpc_status qnft_rpc_send(const qnft_rpc *c, apr_pool_t *p, const char *tx_base64,
                              const char **signature, qnft_rpc_error *err)
{
    json_t *res;
    qnft_rpc_status st = qnft_rpc_call(c, p, "sendTransaction",
                                       json_pack("[s, {s:s, s:b, s:s, s:i}]", tx_base64,
                                                 "encoding", "base64", "skipPreflight", 0,
                                                 "preflightCommitment", "confirmed",
                                                 "maxRetries", 5), &res, err);
    if (st != QNFT_RPC_OK) {
        return st;
    }
    if (!json_is_string(res)) {
        return shape_error(p, "sendTransaction", err);
    }
    *signature = apr_pstrdup(p, json_string_value(res));
    return QNFT_RPC_OK;
}

qnft_rpc_status qnft_rpc_signature_status(const qnft_rpc *c, apr_pool_t *p,
                                          const char *signature, int *found,
                                          const char **level, int *failed,
                                          qnft_rpc_error *err)
{
    json_t *res, *v, *s;
    qnft_rpc_status st = qnft_rpc_call(c, p, "getSignatureStatuses",
                                       json_pack("[[s], {s:b}]", signature,
                                                 "searchTransactionHistory", 1), &res, err);
    *found = 0;
    if (st != QNFT_RPC_OK) {
        return st;
    }
    v = json_object_get(res, "value");
    if (!json_is_array(v) || json_array_size(v) != 1) {
        return shape_error(p, "getSignatureStatuses", err);
    }
    s = json_array_get(v, 0);
    if (json_is_null(s)) {
        return QNFT_RPC_OK;
    }
    if (!json_is_object(s)) {
        return shape_error(p, "getSignatureStatuses", err);
    }
    *found = 1;
    *failed = !json_is_null(json_object_get(s, "err")) && json_object_get(s, "err") != NULL;
    *level = json_is_string(json_object_get(s, "confirmationStatus"))
             ? apr_pstrdup(p, json_string_value(json_object_get(s, "confirmationStatus")))
             : "processed";
    return QNFT_RPC_OK;
}

qnft_rpc_status qnft_rpc_block_height(const qnft_rpc *c, apr_pool_t *p, apr_int64_t *height,
                                      qnft_rpc_error *err)
{
    json_t *res;
    qnft_rpc_status st = qnft_rpc_call(c, p, "getBlockHeight", NULL, &res, err);
    if (st != QNFT_RPC_OK) {
        return st;
    }
    if (!json_is_integer(res)) {
        return shape_error(p, "getBlockHeight", err);
    }
    *height = json_integer_value(res);
    return QNFT_RPC_OK;
}

qnft_rpc_status qnft_rpc_token_amount(const qnft_rpc *c, apr_pool_t *p, const char *owner,
                                      const char *mint, apr_int64_t *amount,
                                      qnft_rpc_error *err)
{
    json_t *res, *v, *item;
    size_t i;
    qnft_rpc_status st = qnft_rpc_call(c, p, "getTokenAccountsByOwner",
                                       json_pack("[s, {s:s}, {s:s, s:s}]", owner, "mint", mint,
                                                 "encoding", "base64", "commitment", "confirmed"),
                                       &res, err);
    *amount = 0;
    if (st != QNFT_RPC_OK) {
        return st;
    }
    v = json_object_get(res, "value");
    if (!json_is_array(v)) {
        return shape_error(p, "getTokenAccountsByOwner", err);
    }
    json_array_foreach(v, i, item) {
        /* token account layout: mint(32) owner(32) amount(u64 LE) ... */
        json_t *data = json_object_get(json_object_get(item, "account"), "data");
        const char *b64 = json_string_value(json_array_get(data, 0));
        unsigned char *raw;
        int n, k;
        apr_uint64_t a = 0;
        if (!b64) {
            return shape_error(p, "getTokenAccountsByOwner", err);
        }
        raw = apr_palloc(p, (apr_size_t)apr_base64_decode_len(b64));
        n = apr_base64_decode_binary(raw, b64);
        if (n < 72) {
            return shape_error(p, "getTokenAccountsByOwner", err);
        }
        for (k = 7; k >= 0; k--) {
            a = (a << 8) | raw[64 + k];
        }
        *amount += (apr_int64_t)a;
    }
    return QNFT_RPC_OK;
}
