/* Solana JSON-RPC 2.0 over HTTP (qnft_http): one call, one answer, with a
 * deadline and a size cap; JSON-RPC error objects come back with their
 * code and message; integers beyond int64 (rentEpoch) do not break the
 * parse. */
#ifndef QNFT_RPC_H
#define QNFT_RPC_H

#include <apr_pools.h>
#include <jansson.h>

#include "util/qnft_http.h"

typedef enum {
    QNFT_RPC_OK = 0,
    QNFT_RPC_UNREACHABLE,    /* no connection: 502 */
    QNFT_RPC_TIMEOUT,        /* no answer in time: 504 */
    QNFT_RPC_BAD_ANSWER,     /* not JSON-RPC, too large, HTTP error: 502 */
    QNFT_RPC_ERROR           /* a JSON-RPC error object: see code/message */
} qnft_rpc_status;

typedef struct {
    const char *url;
    long timeout_ms;
    apr_size_t max_bytes;
    qnft_http_observer observe;     /* NULL: none */
} qnft_rpc;

/* sendTransaction's answer when the node's simulation (preflight) refused
 * the transaction: the node did not forward it. */
#define QNFT_RPC_PREFLIGHT_FAILED (-32002L)

typedef struct {
    long code;               /* JSON-RPC error code (e.g. QNFT_RPC_PREFLIGHT_FAILED) */
    const char *message;     /* its message, or what went wrong */
    json_t *data;            /* error.data (simulation logs ...), borrowed */
} qnft_rpc_error;

/* params: a new reference (stolen; NULL for none). *result is borrowed
 * from a document owned by p. */
qnft_rpc_status qnft_rpc_call(const qnft_rpc *c, apr_pool_t *p, const char *method,
                              json_t *params, json_t **result, qnft_rpc_error *err);

/* Shorthands for the methods mod_qnft uses; all values via the pool. */
qnft_rpc_status qnft_rpc_latest_blockhash(const qnft_rpc *c, apr_pool_t *p, const char *commitment,
                                          const char **blockhash, apr_int64_t *last_valid,
                                          qnft_rpc_error *err);
qnft_rpc_status qnft_rpc_balance(const qnft_rpc *c, apr_pool_t *p, const char *address,
                                 apr_int64_t *lamports, qnft_rpc_error *err);
qnft_rpc_status qnft_rpc_rent_exempt(const qnft_rpc *c, apr_pool_t *p, apr_int64_t len,
                                     apr_int64_t *lamports, qnft_rpc_error *err);
qnft_rpc_status qnft_rpc_send(const qnft_rpc *c, apr_pool_t *p, const char *tx_base64,
                              const char **signature, qnft_rpc_error *err);

/* Status of one signature: *found 0 when the cluster does not know it;
 * otherwise *level is "processed", "confirmed" or "finalized" and *failed
 * says whether the transaction failed. */
qnft_rpc_status qnft_rpc_signature_status(const qnft_rpc *c, apr_pool_t *p,
                                          const char *signature, int *found,
                                          const char **level, int *failed,
                                          qnft_rpc_error *err);

/* Block height, to tell a blockhash that has expired. */
qnft_rpc_status qnft_rpc_block_height(const qnft_rpc *c, apr_pool_t *p, apr_int64_t *height,
                                      qnft_rpc_error *err);

/* Sum of the token amounts that owner holds of mint. */
qnft_rpc_status qnft_rpc_token_amount(const qnft_rpc *c, apr_pool_t *p, const char *owner,
                                      const char *mint, apr_int64_t *amount,
                                      qnft_rpc_error *err);

#endif
