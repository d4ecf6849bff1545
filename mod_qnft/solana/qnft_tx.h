/* Legacy Solana transactions: instructions, the message compiler, signing,
 * the wire format and a strict decoder for transactions from outside.
 *
 * Wire format (solana-sdk message/src/legacy.rs, transaction/src/lib.rs):
 *   transaction = shortvec(n) + n * 64-byte signature + message
 *   message     = 3-byte header + shortvec(k) + k * 32-byte key
 *                 + 32-byte recent blockhash + shortvec(m) + m * instruction
 *   instruction = u8 program index + shortvec(a) + a * u8 account index
 *                 + shortvec(d) + d data bytes
 * Signature i is account key i's signature of the exact message bytes. */
#ifndef QNFT_TX_H
#define QNFT_TX_H

#include <apr_pools.h>
#include <jansson.h>

#include "solana/qnft_programs.h"

/* Largest serialized transaction a validator accepts (IPv6 MTU minus
 * headers). */
#define QNFT_TX_MAX_SIZE 1232
#define QNFT_SIGNATURE_LEN 64
#define QNFT_BLOCKHASH_LEN 32
/* Account indices are one byte. */
#define QNFT_TX_MAX_KEYS 256

typedef struct {
    qnft_pubkey pubkey;
    int is_signer;
    int is_writable;
} qnft_account_meta;

/* One call of a program, before compilation. */
typedef struct {
    qnft_pubkey program_id;
    qnft_account_meta *accounts;
    apr_size_t num_accounts;
    unsigned char *data;
    apr_size_t data_len;
} qnft_instruction;

/* An instruction with room for num_accounts metas (zeroed) and data_len
 * data bytes (zeroed); the builders of qnft_ix.h fill them in. */
qnft_instruction *qnft_instruction_make(apr_pool_t *p, const qnft_pubkey *program_id,
                                        apr_size_t num_accounts, apr_size_t data_len);
void qnft_instruction_set_account(qnft_instruction *ix, apr_size_t i, const qnft_pubkey *key,
                                  int is_signer, int is_writable);

typedef struct {
    unsigned char program_index;
    apr_size_t num_accounts;
    unsigned char *accounts;        /* indices into the message's keys */
    apr_size_t data_len;
    unsigned char *data;
} qnft_compiled_ix;

typedef struct {
    unsigned char num_required_signatures;
    unsigned char num_readonly_signed;
    unsigned char num_readonly_unsigned;
    apr_size_t num_keys;
    qnft_pubkey *keys;
    unsigned char blockhash[QNFT_BLOCKHASH_LEN];
    apr_size_t num_instructions;
    qnft_compiled_ix *instructions;
} qnft_message;

/* Compile instructions into a legacy message. The fee payer is key 0;
 * keys are de-duplicated with signer/writable flags OR-ed; a program id is
 * a read-only non-signer unless it is also used otherwise. Keys are
 * ordered writable signers, read-only signers, writable non-signers,
 * read-only non-signers; inside a group by first appearance, where the
 * appearance order is fee payer, then for each instruction its program id
 * and then its accounts (web3.js Message.compile does the same, so its
 * output can be compared byte for byte). Fails with APR_EINVAL and *err
 * when there are more than 256 keys or 255 signers, the fee payer is a
 * program id, or a count does not fit a shortvec. */
apr_status_t qnft_message_compile(apr_pool_t *p, const qnft_pubkey *fee_payer,
                                  const qnft_instruction *const *ixs, apr_size_t num_ixs,
                                  const unsigned char *blockhash, qnft_message **out,
                                  const char **err);

int qnft_message_is_signer(const qnft_message *m, apr_size_t i);
int qnft_message_is_writable(const qnft_message *m, apr_size_t i);

/* Exact wire bytes of the message (what the signatures sign), or NULL
 * when a count does not fit a shortvec. */
unsigned char *qnft_message_serialize(apr_pool_t *p, const qnft_message *m, apr_size_t *len);

typedef struct {
    qnft_message *msg;
    apr_size_t num_signatures;
    unsigned char (*signatures)[QNFT_SIGNATURE_LEN];
    const unsigned char *msg_bytes;     /* serialized msg, signed as is */
    apr_size_t msg_len;
} qnft_tx;

/* A transaction for msg with num_required_signatures zeroed signature
 * slots. APR_EINVAL (and *err) when msg cannot be serialized. */
apr_status_t qnft_tx_create(apr_pool_t *p, qnft_message *msg, qnft_tx **out, const char **err);

/* Position of key among the signers, or -1 when it need not sign. */
int qnft_tx_signer_index(const qnft_tx *tx, const qnft_pubkey *key);

/* Sign with a 32-byte seed into the slot of the seed's public key.
 * APR_NOTFOUND when that key is not a signer of the message, APR_EGENERAL
 * when OpenSSL fails. */
apr_status_t qnft_tx_sign(qnft_tx *tx, const unsigned char *seed);

/* Store a signature made elsewhere (a wallet) for key, after checking it.
 * APR_NOTFOUND when key is not a signer, APR_EINVAL when sig is wrong. */
apr_status_t qnft_tx_add_signature(qnft_tx *tx, const qnft_pubkey *key, const unsigned char *sig);

/* 1 when every signature slot holds a valid signature by its key. */
int qnft_tx_verify(const qnft_tx *tx);

/* Size of the serialized transaction. */
apr_size_t qnft_tx_size(const qnft_tx *tx);

/* Wire bytes of the whole transaction. APR_ENOSPC (and *err) when it is
 * larger than QNFT_TX_MAX_SIZE: no validator would accept it. */
apr_status_t qnft_tx_serialize(apr_pool_t *p, const qnft_tx *tx, unsigned char **out,
                               apr_size_t *len, const char **err);

/* The serialization as base64, the encoding sendTransaction is given. */
apr_status_t qnft_tx_base64(apr_pool_t *p, const qnft_tx *tx, const char **b64, const char **err);

/* The first signature in base58: the transaction id RPC nodes know it by. */
const char *qnft_tx_id(apr_pool_t *p, const qnft_tx *tx);

/* Parse a wire transaction from an untrusted source: every read is
 * bounds-checked, nothing may follow the message, and the input must pass
 * the sanitize rules of the runtime: signature count == required
 * signatures; required + read-only unsigned <= keys; read-only signed <
 * required (a writable fee payer); program index != 0 and in range;
 * account indices in range; no key twice. Versioned (v0) messages are
 * refused: mod_qnft only builds legacy ones. Signatures are not checked
 * here (qnft_tx_verify does). APR_EINVAL and *err on any failure. */
apr_status_t qnft_tx_decode(apr_pool_t *p, const unsigned char *bytes, apr_size_t len,
                            qnft_tx **out, const char **err);

/* qnft_tx_decode of standard base64 text (padding required, no spaces). */
apr_status_t qnft_tx_decode_base64(apr_pool_t *p, const char *b64, qnft_tx **out,
                                   const char **err);

/* A description for people (qnft decode-tx):
 *   {"version":"legacy","size":N,"signatures":[base58...],
 *    "signatures_valid":bool,
 *    "header":{"num_required_signatures":..,"num_readonly_signed_accounts":..,
 *              "num_readonly_unsigned_accounts":..},
 *    "account_keys":[{"pubkey":base58,"signer":bool,"writable":bool}...],
 *    "recent_blockhash":base58,
 *    "instructions":[{"program_id_index":n,"program_id":base58,
 *                     "accounts":[n...],"data":hex}...]}
 * The value belongs to p. */
json_t *qnft_tx_to_json(apr_pool_t *p, const qnft_tx *tx);
/* The same as compact text. */
const char *qnft_tx_json_text(apr_pool_t *p, const qnft_tx *tx);

#endif
