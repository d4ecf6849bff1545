#include <string.h>
#include <apr_strings.h>
#include <apr_base64.h>

#include "solana/qnft_tx.h"
#include "solana/qnft_shortvec.h"
#include "solana/qnft_base58.h"
#include "solana/qnft_ed25519.h"
#include "util/qnft_json.h"
#include "util/qnft_digest.h"

qnft_instruction *qnft_instruction_make(apr_pool_t *p, const qnft_pubkey *program_id,
                                        apr_size_t num_accounts, apr_size_t data_len)
{
    qnft_instruction *ix = apr_pcalloc(p, sizeof(*ix));
    ix->program_id = *program_id;
    ix->num_accounts = num_accounts;
    /* never NULL, so callers may memcpy into empty arrays */
    ix->accounts = apr_pcalloc(p, (num_accounts ? num_accounts : 1) * sizeof(*ix->accounts));
    ix->data_len = data_len;
    ix->data = apr_pcalloc(p, data_len ? data_len : 1);
    return ix;
}

void qnft_instruction_set_account(qnft_instruction *ix, apr_size_t i, const qnft_pubkey *key,
                                  int is_signer, int is_writable)
{
    ix->accounts[i].pubkey = *key;
    ix->accounts[i].is_signer = is_signer ? 1 : 0;
    ix->accounts[i].is_writable = is_writable ? 1 : 0;
}

/* --- compiling ------------------------------------------------------------------ */

typedef struct {
    qnft_pubkey key;
    int signer;
    int writable;
    int index;          /* position in the final key list */
} key_entry;

static int same_key(const qnft_pubkey *a, const qnft_pubkey *b)
{
    return memcmp(a->b, b->b, sizeof(a->b)) == 0;
}

/* memcpy that allows an empty NULL source */
static unsigned char *put_bytes(unsigned char *w, const void *src, apr_size_t n)
{
    if (n) {
        memcpy(w, src, n);
    }
    return w + n;
}

/* Linear search: a transaction that fits 1232 bytes has under 40 keys. */
static key_entry *key_add(key_entry *keys, apr_size_t *n, const qnft_pubkey *k,
                          int signer, int writable)
{
    apr_size_t i;
    signer = signer != 0;
    writable = writable != 0;
    for (i = 0; i < *n; i++) {
        if (same_key(&keys[i].key, k)) {
            keys[i].signer |= signer;
            keys[i].writable |= writable;
            return &keys[i];
        }
    }
    keys[*n].key = *k;
    keys[*n].signer = signer;
    keys[*n].writable = writable;
    keys[*n].index = -1;
    return &keys[(*n)++];
}

static int key_index(const key_entry *keys, apr_size_t n, const qnft_pubkey *k)
{
    apr_size_t i;
    for (i = 0; i < n; i++) {
        if (same_key(&keys[i].key, k)) {
            return keys[i].index;
        }
    }
    return -1;
}

apr_status_t qnft_message_compile(apr_pool_t *p, const qnft_pubkey *fee_payer,
                                  const qnft_instruction *const *ixs, apr_size_t num_ixs,
                                  const unsigned char *blockhash, qnft_message **out,
                                  const char **err)
{
    apr_size_t cap = 1, n = 0, i, j, next = 0;
    key_entry *keys;
    qnft_message *m;
    int group, nsig = 0, ro_signed = 0, ro_unsigned = 0;

    *out = NULL;
    if (num_ixs > QNFT_SHORTVEC_MAX_VALUE) {
        *err = "too many instructions";
        return APR_EINVAL;
    }
    for (i = 0; i < num_ixs; i++) {
        if (ixs[i]->num_accounts > QNFT_SHORTVEC_MAX_VALUE
            || ixs[i]->data_len > QNFT_SHORTVEC_MAX_VALUE) {
            *err = apr_psprintf(p, "instruction %" APR_SIZE_T_FMT " has too many accounts "
                                "or too much data", i);
            return APR_EINVAL;
        }
        cap += ixs[i]->num_accounts + 1;
    }
    keys = apr_palloc(p, cap * sizeof(*keys));
    key_add(keys, &n, fee_payer, 1, 1);
    for (i = 0; i < num_ixs; i++) {
        const qnft_instruction *ix = ixs[i];
        if (same_key(&ix->program_id, fee_payer)) {
            *err = apr_psprintf(p, "instruction %" APR_SIZE_T_FMT ": the fee payer cannot "
                                "be a program", i);
            return APR_EINVAL;
        }
        key_add(keys, &n, &ix->program_id, 0, 0);
        for (j = 0; j < ix->num_accounts; j++) {
            key_add(keys, &n, &ix->accounts[j].pubkey, ix->accounts[j].is_signer,
                    ix->accounts[j].is_writable);
        }
    }
    if (n > QNFT_TX_MAX_KEYS) {
        *err = apr_psprintf(p, "%" APR_SIZE_T_FMT " accounts: at most %d fit a message",
                            n, QNFT_TX_MAX_KEYS);
        return APR_EINVAL;
    }

    m = apr_pcalloc(p, sizeof(*m));
    m->num_keys = n;
    m->keys = apr_palloc(p, n * sizeof(*m->keys));
    /* group 0: writable signers, 1: read-only signers, 2: writable
     * non-signers, 3: read-only non-signers; a stable pass per group */
    for (group = 0; group < 4; group++) {
        int want_signer = group < 2, want_writable = group % 2 == 0;
        for (i = 0; i < n; i++) {
            if (keys[i].signer == want_signer && keys[i].writable == want_writable) {
                keys[i].index = (int)next;
                m->keys[next++] = keys[i].key;
            }
        }
    }
    for (i = 0; i < n; i++) {
        nsig += keys[i].signer;
        ro_signed += keys[i].signer && !keys[i].writable;
        ro_unsigned += !keys[i].signer && !keys[i].writable;
    }
    if (nsig > 255 || ro_unsigned > 255) {
        *err = "too many signers for the one-byte header";
        return APR_EINVAL;
    }
    m->num_required_signatures = (unsigned char)nsig;
    m->num_readonly_signed = (unsigned char)ro_signed;
    m->num_readonly_unsigned = (unsigned char)ro_unsigned;
    memcpy(m->blockhash, blockhash, QNFT_BLOCKHASH_LEN);

    m->num_instructions = num_ixs;
    m->instructions = apr_pcalloc(p, (num_ixs ? num_ixs : 1) * sizeof(*m->instructions));
    for (i = 0; i < num_ixs; i++) {
        const qnft_instruction *ix = ixs[i];
        qnft_compiled_ix *c = &m->instructions[i];
        c->program_index = (unsigned char)key_index(keys, n, &ix->program_id);
        c->num_accounts = ix->num_accounts;
        c->accounts = apr_palloc(p, ix->num_accounts ? ix->num_accounts : 1);
        for (j = 0; j < ix->num_accounts; j++) {
            c->accounts[j] = (unsigned char)key_index(keys, n, &ix->accounts[j].pubkey);
        }
        /* copied: the message must not depend on the instructions' pool */
        c->data_len = ix->data_len;
        c->data = apr_palloc(p, ix->data_len ? ix->data_len : 1);
        put_bytes(c->data, ix->data, ix->data_len);
    }
    *out = m;
    return APR_SUCCESS;
}

int qnft_message_is_signer(const qnft_message *m, apr_size_t i)
{
    return i < m->num_required_signatures;
}

int qnft_message_is_writable(const qnft_message *m, apr_size_t i)
{
    if (i < m->num_required_signatures) {
        return i < (apr_size_t)(m->num_required_signatures - m->num_readonly_signed);
    }
    return i < m->num_keys && m->num_keys - i > m->num_readonly_unsigned;
}

/* --- serializing ------------------------------------------------------------------ */

static apr_size_t message_size(const qnft_message *m)
{
    apr_size_t size, i;
    if (m->num_keys > QNFT_SHORTVEC_MAX_VALUE
        || m->num_instructions > QNFT_SHORTVEC_MAX_VALUE) {
        return 0;
    }
    size = 3 + (apr_size_t)qnft_shortvec_size((apr_uint32_t)m->num_keys) + 32 * m->num_keys
         + QNFT_BLOCKHASH_LEN + (apr_size_t)qnft_shortvec_size((apr_uint32_t)m->num_instructions);
    for (i = 0; i < m->num_instructions; i++) {
        const qnft_compiled_ix *c = &m->instructions[i];
        if (c->num_accounts > QNFT_SHORTVEC_MAX_VALUE || c->data_len > QNFT_SHORTVEC_MAX_VALUE) {
            return 0;
        }
        size += 1 + (apr_size_t)qnft_shortvec_size((apr_uint32_t)c->num_accounts)
              + c->num_accounts + (apr_size_t)qnft_shortvec_size((apr_uint32_t)c->data_len)
              + c->data_len;
    }
    return size;
}

unsigned char *qnft_message_serialize(apr_pool_t *p, const qnft_message *m, apr_size_t *len)
{
    apr_size_t size = message_size(m), i;
    unsigned char *buf, *w;

    if (!size) {
        return NULL;
    }
    buf = w = apr_palloc(p, size);
    *w++ = m->num_required_signatures;
    *w++ = m->num_readonly_signed;
    *w++ = m->num_readonly_unsigned;
    w += qnft_shortvec_encode((apr_uint32_t)m->num_keys, w);
    for (i = 0; i < m->num_keys; i++) {
        w = put_bytes(w, m->keys[i].b, 32);
    }
    w = put_bytes(w, m->blockhash, QNFT_BLOCKHASH_LEN);
    w += qnft_shortvec_encode((apr_uint32_t)m->num_instructions, w);
    for (i = 0; i < m->num_instructions; i++) {
        const qnft_compiled_ix *c = &m->instructions[i];
        *w++ = c->program_index;
        w += qnft_shortvec_encode((apr_uint32_t)c->num_accounts, w);
        w = put_bytes(w, c->accounts, c->num_accounts);
        w += qnft_shortvec_encode((apr_uint32_t)c->data_len, w);
        w = put_bytes(w, c->data, c->data_len);
    }
    *len = size;
    return buf;
}

/* --- transactions ------------------------------------------------------------------ */

apr_status_t qnft_tx_create(apr_pool_t *p, qnft_message *msg, qnft_tx **out, const char **err)
{
    qnft_tx *tx = apr_pcalloc(p, sizeof(*tx));
    unsigned char *bytes = qnft_message_serialize(p, msg, &tx->msg_len);

    *out = NULL;
    if (!bytes) {
        *err = "message does not fit the wire format";
        return APR_EINVAL;
    }
    tx->msg = msg;
    tx->msg_bytes = bytes;
    tx->num_signatures = msg->num_required_signatures;
    tx->signatures = apr_pcalloc(p, (tx->num_signatures ? tx->num_signatures : 1)
                                    * QNFT_SIGNATURE_LEN);
    *out = tx;
    return APR_SUCCESS;
}

int qnft_tx_signer_index(const qnft_tx *tx, const qnft_pubkey *key)
{
    apr_size_t i;
    for (i = 0; i < tx->msg->num_required_signatures && i < tx->msg->num_keys; i++) {
        if (same_key(&tx->msg->keys[i], key)) {
            return (int)i;
        }
    }
    return -1;
}

apr_status_t qnft_tx_sign(qnft_tx *tx, const unsigned char *seed)
{
    qnft_pubkey pub;
    int i;

    if (qnft_ed25519_public(seed, pub.b) != 0) {
        return APR_EGENERAL;
    }
    i = qnft_tx_signer_index(tx, &pub);
    if (i < 0 || (apr_size_t)i >= tx->num_signatures) {
        return APR_NOTFOUND;
    }
    if (qnft_ed25519_sign(seed, tx->msg_bytes, tx->msg_len, tx->signatures[i]) != 0) {
        return APR_EGENERAL;
    }
    return APR_SUCCESS;
}

apr_status_t qnft_tx_add_signature(qnft_tx *tx, const qnft_pubkey *key, const unsigned char *sig)
{
    int i = qnft_tx_signer_index(tx, key);
    if (i < 0 || (apr_size_t)i >= tx->num_signatures) {
        return APR_NOTFOUND;
    }
    if (!qnft_ed25519_verify(key->b, tx->msg_bytes, tx->msg_len, sig)) {
        return APR_EINVAL;
    }
    memcpy(tx->signatures[i], sig, QNFT_SIGNATURE_LEN);
    return APR_SUCCESS;
}

int qnft_tx_verify(const qnft_tx *tx)
{
    apr_size_t i;
    if (tx->num_signatures != tx->msg->num_required_signatures
        || tx->num_signatures > tx->msg->num_keys || tx->num_signatures == 0) {
        return 0;
    }
    for (i = 0; i < tx->num_signatures; i++) {
        if (!qnft_ed25519_verify(tx->msg->keys[i].b, tx->msg_bytes, tx->msg_len,
                                 tx->signatures[i])) {
            return 0;
        }
    }
    return 1;
}

apr_size_t qnft_tx_size(const qnft_tx *tx)
{
    return (apr_size_t)qnft_shortvec_size((apr_uint32_t)tx->num_signatures)
         + tx->num_signatures * QNFT_SIGNATURE_LEN + tx->msg_len;
}

apr_status_t qnft_tx_serialize(apr_pool_t *p, const qnft_tx *tx, unsigned char **out,
                               apr_size_t *len, const char **err)
{
    apr_size_t size = qnft_tx_size(tx), i;
    unsigned char *buf, *w;

    if (size > QNFT_TX_MAX_SIZE) {
        *err = apr_psprintf(p, "transaction is %" APR_SIZE_T_FMT " bytes, over the "
                            "%d-byte limit", size, QNFT_TX_MAX_SIZE);
        return APR_ENOSPC;
    }
    buf = w = apr_palloc(p, size);
    w += qnft_shortvec_encode((apr_uint32_t)tx->num_signatures, w);
    for (i = 0; i < tx->num_signatures; i++) {
        w = put_bytes(w, tx->signatures[i], QNFT_SIGNATURE_LEN);
    }
    put_bytes(w, tx->msg_bytes, tx->msg_len);
    *out = buf;
    *len = size;
    return APR_SUCCESS;
}

apr_status_t qnft_tx_base64(apr_pool_t *p, const qnft_tx *tx, const char **b64, const char **err)
{
    unsigned char *bytes;
    apr_size_t len;
    char *text;
    apr_status_t rv = qnft_tx_serialize(p, tx, &bytes, &len, err);

    if (rv != APR_SUCCESS) {
        return rv;
    }
    text = apr_palloc(p, apr_base64_encode_len((int)len));
    apr_base64_encode(text, (const char *)bytes, (int)len);
    *b64 = text;
    return APR_SUCCESS;
}

const char *qnft_tx_id(apr_pool_t *p, const qnft_tx *tx)
{
    if (tx->num_signatures == 0) {
        return NULL;
    }
    return qnft_base58_encode(p, tx->signatures[0], QNFT_SIGNATURE_LEN);
}

/* --- decoding ---------------------------------------------------------------------- */

typedef struct {
    unsigned char *at;          /* inside the decoder's own copy */
    apr_size_t left;
} reader;

static int read_shortvec(reader *r, apr_uint32_t *v)
{
    int n = qnft_shortvec_decode(r->at, r->left, v);
    if (n < 0) {
        return -1;
    }
    r->at += n;
    r->left -= (apr_size_t)n;
    return 0;
}

/* n items of size bytes each, checked before anything is allocated */
static unsigned char *read_bytes(reader *r, apr_size_t n, apr_size_t size)
{
    unsigned char *at = r->at;
    if (size && n > r->left / size) {
        return NULL;
    }
    r->at += n * size;
    r->left -= n * size;
    return at;
}

static apr_status_t fail(const char **err, const char *why)
{
    *err = why;
    return APR_EINVAL;
}

apr_status_t qnft_tx_decode(apr_pool_t *p, const unsigned char *bytes, apr_size_t len,
                            qnft_tx **out, const char **err)
{
    reader r;
    qnft_tx *tx;
    qnft_message *m;
    unsigned char *src, *msg_start;
    apr_uint32_t count;
    apr_size_t i, j;

    *out = NULL;
    if (!bytes || len == 0) {
        return fail(err, "empty transaction");
    }
    if (len > QNFT_TX_MAX_SIZE) {
        *err = apr_psprintf(p, "transaction is %" APR_SIZE_T_FMT " bytes, over the "
                            "%d-byte limit", len, QNFT_TX_MAX_SIZE);
        return APR_EINVAL;
    }
    /* a private copy: the signatures and msg_bytes point into it */
    r.at = apr_pmemdup(p, bytes, len);
    r.left = len;
    tx = apr_pcalloc(p, sizeof(*tx));
    m = apr_pcalloc(p, sizeof(*m));
    tx->msg = m;

    if (read_shortvec(&r, &count) != 0) {
        return fail(err, "bad signature count");
    }
    if (!(src = read_bytes(&r, count, QNFT_SIGNATURE_LEN))) {
        return fail(err, "truncated: signatures");
    }
    tx->num_signatures = count;
    tx->signatures = (unsigned char (*)[QNFT_SIGNATURE_LEN])src;

    msg_start = r.at;
    if (r.left < 3) {
        return fail(err, "truncated: message header");
    }
    if (r.at[0] & 0x80) {
        *err = apr_psprintf(p, "versioned message (v%d) not supported: only legacy "
                            "transactions are", r.at[0] & 0x7f);
        return APR_EINVAL;
    }
    m->num_required_signatures = r.at[0];
    m->num_readonly_signed = r.at[1];
    m->num_readonly_unsigned = r.at[2];
    read_bytes(&r, 3, 1);

    if (read_shortvec(&r, &count) != 0) {
        return fail(err, "bad account key count");
    }
    if (!(src = read_bytes(&r, count, 32))) {
        return fail(err, "truncated: account keys");
    }
    m->num_keys = count;
    m->keys = apr_palloc(p, (count ? count : 1) * sizeof(*m->keys));
    for (i = 0; i < count; i++) {
        memcpy(m->keys[i].b, src + 32 * i, 32);
    }
    if (!(src = read_bytes(&r, QNFT_BLOCKHASH_LEN, 1))) {
        return fail(err, "truncated: recent blockhash");
    }
    memcpy(m->blockhash, src, QNFT_BLOCKHASH_LEN);

    if (read_shortvec(&r, &count) != 0) {
        return fail(err, "bad instruction count");
    }
    /* each instruction takes at least 3 bytes: bound the allocation */
    if (count > r.left / 3) {
        return fail(err, "truncated: instructions");
    }
    m->num_instructions = count;
    m->instructions = apr_pcalloc(p, (count ? count : 1) * sizeof(*m->instructions));
    for (i = 0; i < m->num_instructions; i++) {
        qnft_compiled_ix *c = &m->instructions[i];
        apr_uint32_t n;
        if (!(src = read_bytes(&r, 1, 1))) {
            return fail(err, "truncated: program index");
        }
        c->program_index = src[0];
        if (read_shortvec(&r, &n) != 0) {
            return fail(err, "bad instruction account count");
        }
        if (!(src = read_bytes(&r, n, 1))) {
            return fail(err, "truncated: instruction accounts");
        }
        c->num_accounts = n;
        c->accounts = src;
        if (read_shortvec(&r, &n) != 0) {
            return fail(err, "bad instruction data length");
        }
        if (!(src = read_bytes(&r, n, 1))) {
            return fail(err, "truncated: instruction data");
        }
        c->data_len = n;
        c->data = src;
    }
    if (r.left) {
        return fail(err, "trailing bytes after the message");
    }
    tx->msg_bytes = msg_start;
    tx->msg_len = (apr_size_t)(r.at - msg_start);

    /* the runtime's sanitize rules (solana-sdk Message::sanitize) */
    if (tx->num_signatures != m->num_required_signatures) {
        return fail(err, "signature count differs from the required signatures");
    }
    if ((apr_size_t)m->num_required_signatures + m->num_readonly_unsigned > m->num_keys) {
        return fail(err, "header counts exceed the account keys");
    }
    if (m->num_readonly_signed >= m->num_required_signatures) {
        return fail(err, "no writable signer to pay the fee");
    }
    for (i = 0; i < m->num_instructions; i++) {
        const qnft_compiled_ix *c = &m->instructions[i];
        if (c->program_index == 0) {
            return fail(err, "the fee payer cannot be a program");
        }
        if (c->program_index >= m->num_keys) {
            return fail(err, "program index out of range");
        }
        for (j = 0; j < c->num_accounts; j++) {
            if (c->accounts[j] >= m->num_keys) {
                return fail(err, "account index out of range");
            }
        }
    }
    for (i = 0; i < m->num_keys; i++) {
        for (j = i + 1; j < m->num_keys; j++) {
            if (same_key(&m->keys[i], &m->keys[j])) {
                return fail(err, "an account key appears twice");
            }
        }
    }
    *out = tx;
    return APR_SUCCESS;
}

static int is_b64_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
        || c == '+' || c == '/';
}

apr_status_t qnft_tx_decode_base64(apr_pool_t *p, const char *b64, qnft_tx **out,
                                   const char **err)
{
    apr_size_t n = b64 ? strlen(b64) : 0, i, body;
    unsigned char *bytes;
    int got;

    *out = NULL;
    /* apr_base64_decode skips nothing and stops silently at a bad
     * character: check the form first so garbage cannot decode */
    if (n == 0 || n % 4 != 0 || n > 4 * ((QNFT_TX_MAX_SIZE + 2) / 3)) {
        return fail(err, "not base64 of a transaction");
    }
    body = n;
    if (b64[n - 1] == '=') {
        body--;
        if (b64[n - 2] == '=') {
            body--;
        }
    }
    for (i = 0; i < body; i++) {
        if (!is_b64_char(b64[i])) {
            return fail(err, "not base64 of a transaction");
        }
    }
    bytes = apr_palloc(p, apr_base64_decode_len(b64));
    got = apr_base64_decode_binary(bytes, b64);
    if (got <= 0) {
        return fail(err, "not base64 of a transaction");
    }
    return qnft_tx_decode(p, bytes, (apr_size_t)got, out, err);
}

/* --- JSON ---------------------------------------------------------------------------- */

static json_t *b58_json(apr_pool_t *p, const unsigned char *b, apr_size_t n)
{
    return json_string(qnft_base58_encode(p, b, n));
}

json_t *qnft_tx_to_json(apr_pool_t *p, const qnft_tx *tx)
{
    const qnft_message *m = tx->msg;
    json_t *root = qnft_json_pooled(p, json_object());
    json_t *sigs = json_array(), *keys = json_array(), *ixs = json_array();
    json_t *header = json_object();
    apr_size_t i, j;

    json_object_set_new(root, "version", json_string("legacy"));
    json_object_set_new(root, "size", json_integer((json_int_t)qnft_tx_size(tx)));
    for (i = 0; i < tx->num_signatures; i++) {
        json_array_append_new(sigs, b58_json(p, tx->signatures[i], QNFT_SIGNATURE_LEN));
    }
    json_object_set_new(root, "signatures", sigs);
    json_object_set_new(root, "signatures_valid", json_boolean(qnft_tx_verify(tx)));
    json_object_set_new(header, "num_required_signatures",
                        json_integer(m->num_required_signatures));
    json_object_set_new(header, "num_readonly_signed_accounts",
                        json_integer(m->num_readonly_signed));
    json_object_set_new(header, "num_readonly_unsigned_accounts",
                        json_integer(m->num_readonly_unsigned));
    json_object_set_new(root, "header", header);
    for (i = 0; i < m->num_keys; i++) {
        json_t *k = json_object();
        json_object_set_new(k, "pubkey", b58_json(p, m->keys[i].b, 32));
        json_object_set_new(k, "signer", json_boolean(qnft_message_is_signer(m, i)));
        json_object_set_new(k, "writable", json_boolean(qnft_message_is_writable(m, i)));
        json_array_append_new(keys, k);
    }
    json_object_set_new(root, "account_keys", keys);
    json_object_set_new(root, "recent_blockhash", b58_json(p, m->blockhash, QNFT_BLOCKHASH_LEN));
    for (i = 0; i < m->num_instructions; i++) {
        const qnft_compiled_ix *c = &m->instructions[i];
        json_t *ix = json_object(), *accts = json_array();
        char *hex = apr_palloc(p, 2 * c->data_len + 1);
        json_object_set_new(ix, "program_id_index", json_integer(c->program_index));
        if (c->program_index < m->num_keys) {
            json_object_set_new(ix, "program_id", b58_json(p, m->keys[c->program_index].b, 32));
        }
        for (j = 0; j < c->num_accounts; j++) {
            json_array_append_new(accts, json_integer(c->accounts[j]));
        }
        json_object_set_new(ix, "accounts", accts);
        qnft_hex_encode(c->data, c->data_len, hex);
        json_object_set_new(ix, "data", json_string(hex));
        json_array_append_new(ixs, ix);
    }
    json_object_set_new(root, "instructions", ixs);
    return root;
}

const char *qnft_tx_json_text(apr_pool_t *p, const qnft_tx *tx)
{
    return qnft_json_dump(p, qnft_tx_to_json(p, tx), NULL);
}
