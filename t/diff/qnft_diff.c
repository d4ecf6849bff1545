/* Differential-test driver: reads one JSON case per line on stdin, answers
 * one JSON line per case on stdout, computed with libqnftcore only.
 * t/diff/diff.js generates the cases and checks the answers against
 * @solana/web3.js and @metaplex-foundation/mpl-token-metadata.
 *
 * Every answer echoes the case's "id" (when given). A case that cannot be
 * read gives {"id":..,"error":"..."}; a library failure gives
 * {"id":..,"status":"..."} or {"id":..,"build_error":"..."}.
 *
 *   {"op":"pda","seeds":[hex...],"program":b58}
 *       -> {"status":"ok"|..,"address":b58|null,"bump":n|null}
 *   {"op":"create_pda","seeds":[hex...],"program":b58}
 *       -> {"status":"ok"|"on_curve"|"bad_seeds"|..,"address":b58|null}
 *   {"op":"ata","wallet":b58,"mint":b58,"token_program":b58}
 *       -> {"status":..,"address":b58|null}
 *   {"op":"metaplex_pdas","mint":b58}
 *       -> {"metadata":b58,"metadata_bump":n,"edition":b58,"edition_bump":n}
 *   {"op":"on_curve","bytes":hex32} -> {"on_curve":0|1}
 *   {"op":"b58","hex":hex} -> {"b58":text,"back":hex}
 *   {"op":"b58_decode","text":..,"n":32} -> {"hex":hex|null}
 *   {"op":"mint_tx","standard":"metaplex"|"token2022","payer","owner","mint",
 *    "name","uri","symbol"?(QNFT),"extra":[[k,v]...],"fee_lamports","fee_to",
 *    "mint_rent","blockhash","creator","creator_verified"?(creator == payer),
 *    "seller_fee_basis_points"?(500)}
 *       -> {"message_b64":..,"mint_account_size":n,"num_signatures":n}
 *   {"op":"transfer_tx","from","to","lamports","blockhash"} -> {"message_b64":..}
 *   {"op":"compile","payer","blockhash","instructions":[{"program":b58,
 *    "accounts":[[b58,signer,writable]...],"data":hex}...]}
 *       -> {"message_b64":..} or {"build_error":..}
 * Amounts (u64) are JSON integers or decimal strings. */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <apr_general.h>
#include <apr_pools.h>
#include <apr_strings.h>
#include <apr_base64.h>
#include <jansson.h>

#include "solana/qnft_base58.h"
#include "solana/qnft_pda.h"
#include "solana/qnft_programs.h"
#include "solana/qnft_tx.h"
#include "solana/qnft_ix.h"
#include "mint/qnft_mint.h"

typedef struct {
    apr_pool_t *p;
    const json_t *in;
    json_t *out;
    const char *error;      /* first input problem */
} ctx;

static void fail(ctx *c, const char *msg)
{
    if (!c->error) {
        c->error = msg;
    }
}

static const char *str_field(ctx *c, const char *name)
{
    const json_t *v = json_object_get(c->in, name);
    if (!json_is_string(v)) {
        fail(c, apr_psprintf(c->p, "%s: a string is needed", name));
        return "";
    }
    return json_string_value(v);
}

static const char *opt_str_field(ctx *c, const char *name, const char *dflt)
{
    const json_t *v = json_object_get(c->in, name);
    return json_is_string(v) ? json_string_value(v) : dflt;
}

static void key_of(ctx *c, const char *what, const char *b58, qnft_pubkey *out)
{
    if (qnft_pubkey_parse(b58, out) != 0) {
        memset(out, 0, sizeof(*out));
        fail(c, apr_psprintf(c->p, "%s: not a base58 address: %s", what, b58));
    }
}

static void key_field(ctx *c, const char *name, qnft_pubkey *out)
{
    key_of(c, name, str_field(c, name), out);
}

static int hexval(int ch)
{
    if (ch >= '0' && ch <= '9') {
        return ch - '0';
    }
    if (ch >= 'a' && ch <= 'f') {
        return ch - 'a' + 10;
    }
    if (ch >= 'A' && ch <= 'F') {
        return ch - 'A' + 10;
    }
    return -1;
}

/* hex text -> bytes from the pool; NULL when it is not hex */
static unsigned char *unhex(apr_pool_t *p, const char *hex, apr_size_t *len)
{
    apr_size_t n = strlen(hex), i;
    unsigned char *out;

    if (n % 2) {
        return NULL;
    }
    out = apr_palloc(p, n / 2 + 1);
    for (i = 0; i < n / 2; i++) {
        int hi = hexval((unsigned char)hex[2 * i]), lo = hexval((unsigned char)hex[2 * i + 1]);
        if (hi < 0 || lo < 0) {
            return NULL;
        }
        out[i] = (unsigned char)(hi << 4 | lo);
    }
    *len = n / 2;
    return out;
}

static const char *tohex(apr_pool_t *p, const unsigned char *b, apr_size_t n)
{
    static const char digits[] = "0123456789abcdef";
    char *s = apr_palloc(p, 2 * n + 1);
    apr_size_t i;
    for (i = 0; i < n; i++) {
        s[2 * i] = digits[b[i] >> 4];
        s[2 * i + 1] = digits[b[i] & 15];
    }
    s[2 * n] = '\0';
    return s;
}

static apr_uint64_t u64_field(ctx *c, const char *name, apr_uint64_t dflt)
{
    const json_t *v = json_object_get(c->in, name);
    if (!v) {
        return dflt;
    }
    if (json_is_integer(v) && json_integer_value(v) >= 0) {
        return (apr_uint64_t)json_integer_value(v);
    }
    if (json_is_string(v)) {
        const char *s = json_string_value(v);
        char *end;
        unsigned long long x;
        errno = 0;
        x = strtoull(s, &end, 10);
        if (*s >= '0' && *s <= '9' && !*end && !errno) {
            return (apr_uint64_t)x;
        }
    }
    fail(c, apr_psprintf(c->p, "%s: an unsigned 64-bit amount is needed", name));
    return 0;
}

static void put_str(ctx *c, const char *name, const char *value)
{
    json_object_set_new(c->out, name, value ? json_string(value) : json_null());
}

static void put_key(ctx *c, const char *name, const qnft_pubkey *k)
{
    put_str(c, name, k ? qnft_pubkey_str(c->p, k) : NULL);
}

static const char *pda_status(int rc)
{
    switch (rc) {
    case 0:
        return "ok";
    case QNFT_PDA_ON_CURVE:
        return "on_curve";
    case QNFT_PDA_BAD_SEEDS:
        return "bad_seeds";
    case QNFT_PDA_NO_BUMP:
        return "no_bump";
    default:
        return "error";
    }
}

/* "seeds" (hex strings, up to 20 so that over-long lists can be tried) */
#define MAX_TEST_SEEDS 20

static int seeds_field(ctx *c, const unsigned char **seeds, apr_size_t *lens)
{
    const json_t *arr = json_object_get(c->in, "seeds");
    size_t i;

    if (!json_is_array(arr) || json_array_size(arr) > MAX_TEST_SEEDS) {
        fail(c, "seeds: an array of at most 20 hex strings is needed");
        return 0;
    }
    for (i = 0; i < json_array_size(arr); i++) {
        const json_t *s = json_array_get(arr, i);
        seeds[i] = json_is_string(s) ? unhex(c->p, json_string_value(s), &lens[i]) : NULL;
        if (!seeds[i]) {
            fail(c, "seeds: an array of hex strings is needed");
            return 0;
        }
    }
    return (int)json_array_size(arr);
}

static void op_pda(ctx *c, int find)
{
    const unsigned char *seeds[MAX_TEST_SEEDS];
    apr_size_t lens[MAX_TEST_SEEDS];
    qnft_pubkey program, out;
    unsigned char bump = 0;
    int n = seeds_field(c, seeds, lens), rc;

    key_field(c, "program", &program);
    if (c->error) {
        return;
    }
    rc = find ? qnft_find_program_address(seeds, lens, n, &program, &out, &bump)
              : qnft_create_program_address(seeds, lens, n, &program, &out);
    put_str(c, "status", pda_status(rc));
    put_key(c, "address", rc == 0 ? &out : NULL);
    if (find) {
        json_object_set_new(c->out, "bump", rc == 0 ? json_integer(bump) : json_null());
    }
}

static void op_ata(ctx *c)
{
    qnft_pubkey wallet, mint, prog, out;
    int rc;

    key_field(c, "wallet", &wallet);
    key_field(c, "mint", &mint);
    key_field(c, "token_program", &prog);
    if (c->error) {
        return;
    }
    rc = qnft_ata_address(&wallet, &mint, &prog, &out);
    put_str(c, "status", pda_status(rc));
    put_key(c, "address", rc == 0 ? &out : NULL);
}

static void op_metaplex_pdas(ctx *c)
{
    qnft_pubkey mint, md, ed;
    unsigned char mb = 0, eb = 0;
    int r1, r2;

    key_field(c, "mint", &mint);
    if (c->error) {
        return;
    }
    r1 = qnft_metadata_pda(&mint, &md, &mb);
    r2 = qnft_edition_pda(&mint, &ed, &eb);
    put_key(c, "metadata", r1 == 0 ? &md : NULL);
    json_object_set_new(c->out, "metadata_bump", r1 == 0 ? json_integer(mb) : json_null());
    put_key(c, "edition", r2 == 0 ? &ed : NULL);
    json_object_set_new(c->out, "edition_bump", r2 == 0 ? json_integer(eb) : json_null());
}

static void op_on_curve(ctx *c)
{
    apr_size_t len = 0;
    const unsigned char *b = unhex(c->p, str_field(c, "bytes"), &len);
    if (!b || len != 32) {
        fail(c, "bytes: 32 bytes of hex are needed");
        return;
    }
    json_object_set_new(c->out, "on_curve", json_integer(qnft_ed25519_on_curve(b)));
}

static void op_b58(ctx *c)
{
    apr_size_t len = 0;
    const unsigned char *b = unhex(c->p, str_field(c, "hex"), &len);
    const char *text;
    unsigned char back[256];
    long n;

    if (!b || len > 128) {
        fail(c, "hex: at most 128 bytes of hex are needed");
        return;
    }
    text = qnft_base58_encode(c->p, b, len);
    put_str(c, "b58", text);
    n = qnft_base58_decode(text, back, sizeof(back));
    put_str(c, "back", n >= 0 ? tohex(c->p, back, (apr_size_t)n) : NULL);
}

static void op_b58_decode(ctx *c)
{
    const char *text = str_field(c, "text");
    apr_uint64_t n = u64_field(c, "n", 32);
    unsigned char out[128];

    if (c->error) {
        return;
    }
    if (n > sizeof(out)) {
        fail(c, "n: at most 128");
        return;
    }
    put_str(c, "hex", qnft_base58_decode_exact(text, out, (apr_size_t)n) == 0
                      ? tohex(c->p, out, (apr_size_t)n) : NULL);
}

static void blockhash_field(ctx *c, unsigned char *out)
{
    if (qnft_base58_decode_exact(str_field(c, "blockhash"), out, 32) != 0) {
        fail(c, "blockhash: 32 bytes of base58 are needed");
    }
}

static void put_message(ctx *c, const unsigned char *bytes, apr_size_t len)
{
    char *b64 = apr_palloc(c->p, (apr_size_t)apr_base64_encode_len((int)len));
    apr_base64_encode(b64, (const char *)bytes, (int)len);
    put_str(c, "message_b64", b64);
}

static void op_mint_tx(ctx *c)
{
    qnft_mint_plan plan;
    const char *standard = str_field(c, "standard"), *err = NULL;
    const json_t *extra = json_object_get(c->in, "extra"), *cv;
    qnft_tx *tx = NULL;
    size_t i;

    memset(&plan, 0, sizeof(plan));
    if (!strcmp(standard, "metaplex")) {
        plan.standard = QNFT_MINT_METAPLEX;
    }
    else if (!strcmp(standard, "token2022")) {
        plan.standard = QNFT_MINT_TOKEN2022;
    }
    else {
        fail(c, "standard: metaplex or token2022");
    }
    key_field(c, "payer", &plan.payer);
    key_field(c, "owner", &plan.owner);
    /* the module makes the payer the update authority unless told otherwise */
    plan.update_authority = plan.payer;
    key_field(c, "mint", &plan.mint);
    plan.name = str_field(c, "name");
    plan.symbol = opt_str_field(c, "symbol", QNFT_SYMBOL);
    plan.uri = str_field(c, "uri");
    if (extra) {
        if (!json_is_array(extra) || json_array_size(extra) > QNFT_MAX_EXTRA_FIELDS) {
            fail(c, "extra: at most 4 [key, value] pairs");
        }
        else {
            for (i = 0; i < json_array_size(extra); i++) {
                const json_t *kv = json_array_get(extra, i);
                if (!json_is_array(kv) || json_array_size(kv) != 2
                    || !json_is_string(json_array_get(kv, 0))
                    || !json_is_string(json_array_get(kv, 1))) {
                    fail(c, "extra: [key, value] string pairs");
                    break;
                }
                plan.extra_keys[i] = json_string_value(json_array_get(kv, 0));
                plan.extra_values[i] = json_string_value(json_array_get(kv, 1));
            }
            plan.num_extra = (int)i;
        }
    }
    key_field(c, "creator", &plan.creators[0].address);
    plan.creators[0].share = 100;
    cv = json_object_get(c->in, "creator_verified");
    plan.creators[0].verified = cv ? json_is_true(cv)
                                   : !memcmp(plan.creators[0].address.b, plan.payer.b, 32);
    plan.num_creators = 1;
    plan.seller_fee_basis_points = (unsigned int)u64_field(c, "seller_fee_basis_points", 500);
    plan.fee_lamports = u64_field(c, "fee_lamports", 0);
    if (plan.fee_lamports) {
        key_field(c, "fee_to", &plan.fee_to);
    }
    plan.mint_rent = u64_field(c, "mint_rent", 0);
    blockhash_field(c, plan.blockhash);
    if (c->error) {
        return;
    }
    json_object_set_new(c->out, "mint_account_size",
                        json_integer((json_int_t)qnft_mint_account_size(&plan)));
    if (qnft_mint_build(c->p, &plan, &tx, &err) != APR_SUCCESS) {
        put_str(c, "build_error", err ? err : "(no message)");
        return;
    }
    json_object_set_new(c->out, "num_signatures", json_integer((json_int_t)tx->num_signatures));
    json_object_set_new(c->out, "tx_size", json_integer((json_int_t)qnft_tx_size(tx)));
    put_message(c, tx->msg_bytes, tx->msg_len);
}

static void compile_and_put(ctx *c, const qnft_pubkey *payer, const qnft_instruction *const *ixs,
                            apr_size_t n, const unsigned char *blockhash)
{
    qnft_message *msg = NULL;
    const char *err = NULL;
    unsigned char *bytes;
    apr_size_t len = 0;

    if (qnft_message_compile(c->p, payer, ixs, n, blockhash, &msg, &err) != APR_SUCCESS) {
        put_str(c, "build_error", err ? err : "(no message)");
        return;
    }
    bytes = qnft_message_serialize(c->p, msg, &len);
    if (!bytes) {
        put_str(c, "build_error", "message does not serialize");
        return;
    }
    put_message(c, bytes, len);
}

static void op_transfer_tx(ctx *c)
{
    qnft_pubkey from, to;
    unsigned char blockhash[32];
    apr_uint64_t lamports;
    qnft_instruction *ix;

    key_field(c, "from", &from);
    key_field(c, "to", &to);
    lamports = u64_field(c, "lamports", 0);
    blockhash_field(c, blockhash);
    if (c->error) {
        return;
    }
    ix = qnft_ix_system_transfer(c->p, &from, &to, lamports);
    compile_and_put(c, &from, (const qnft_instruction *const *)&ix, 1, blockhash);
}

static void op_compile(ctx *c)
{
    const json_t *arr = json_object_get(c->in, "instructions");
    qnft_instruction **ixs;
    qnft_pubkey payer;
    unsigned char blockhash[32];
    size_t i, j;

    key_field(c, "payer", &payer);
    blockhash_field(c, blockhash);
    if (!json_is_array(arr)) {
        fail(c, "instructions: an array is needed");
    }
    if (c->error) {
        return;
    }
    ixs = apr_pcalloc(c->p, (json_array_size(arr) + 1) * sizeof(*ixs));
    for (i = 0; i < json_array_size(arr) && !c->error; i++) {
        const json_t *o = json_array_get(arr, i), *accts = json_object_get(o, "accounts");
        const json_t *prog = json_object_get(o, "program"), *data = json_object_get(o, "data");
        qnft_pubkey pid;
        const unsigned char *bytes;
        apr_size_t len = 0;

        if (!json_is_string(prog) || !json_is_array(accts) || !json_is_string(data)
            || !(bytes = unhex(c->p, json_string_value(data), &len))) {
            fail(c, "instruction: {program, accounts, data(hex)} needed");
            break;
        }
        key_of(c, "program", json_string_value(prog), &pid);
        ixs[i] = qnft_instruction_make(c->p, &pid, json_array_size(accts), len);
        if (len) {
            memcpy(ixs[i]->data, bytes, len);
        }
        for (j = 0; j < json_array_size(accts); j++) {
            const json_t *m = json_array_get(accts, j);
            qnft_pubkey k;
            if (!json_is_array(m) || json_array_size(m) != 3
                || !json_is_string(json_array_get(m, 0))) {
                fail(c, "account: [b58, signer, writable] needed");
                break;
            }
            key_of(c, "account", json_string_value(json_array_get(m, 0)), &k);
            qnft_instruction_set_account(ixs[i], j, &k, json_is_true(json_array_get(m, 1)),
                                         json_is_true(json_array_get(m, 2)));
        }
    }
    if (c->error) {
        return;
    }
    compile_and_put(c, &payer, (const qnft_instruction *const *)ixs, json_array_size(arr),
                    blockhash);
}

static void run_case(apr_pool_t *p, const char *line, FILE *out)
{
    json_error_t jerr;
    json_t *in = json_loads(line, 0, &jerr);
    ctx c;
    const char *op;
    char *text;

    c.p = p;
    c.in = in;
    c.out = json_object();
    c.error = NULL;
    if (!json_is_object(in)) {
        fail(&c, apr_psprintf(p, "not a JSON object: %s", jerr.text));
    }
    else {
        json_t *id = json_object_get(in, "id");
        if (id) {
            json_object_set(c.out, "id", id);
        }
        op = str_field(&c, "op");
        if (!strcmp(op, "pda")) {
            op_pda(&c, 1);
        }
        else if (!strcmp(op, "create_pda")) {
            op_pda(&c, 0);
        }
        else if (!strcmp(op, "ata")) {
            op_ata(&c);
        }
        else if (!strcmp(op, "metaplex_pdas")) {
            op_metaplex_pdas(&c);
        }
        else if (!strcmp(op, "on_curve")) {
            op_on_curve(&c);
        }
        else if (!strcmp(op, "b58")) {
            op_b58(&c);
        }
        else if (!strcmp(op, "b58_decode")) {
            op_b58_decode(&c);
        }
        else if (!strcmp(op, "mint_tx")) {
            op_mint_tx(&c);
        }
        else if (!strcmp(op, "transfer_tx")) {
            op_transfer_tx(&c);
        }
        else if (!strcmp(op, "compile")) {
            op_compile(&c);
        }
        else {
            fail(&c, apr_psprintf(p, "unknown op: %s", op));
        }
    }
    if (c.error) {
        json_object_set_new(c.out, "error", json_string(c.error));
    }
    text = json_dumps(c.out, JSON_COMPACT);
    fprintf(out, "%s\n", text ? text : "{\"error\":\"cannot write the answer\"}");
    free(text);
    json_decref(c.out);
    json_decref(in);
}

int main(void)
{
    apr_pool_t *pool;
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;

    if (apr_initialize() != APR_SUCCESS || apr_pool_create(&pool, NULL) != APR_SUCCESS) {
        fprintf(stderr, "qnft_diff: APR does not start\n");
        return 2;
    }
    while ((n = getline(&line, &cap, stdin)) >= 0) {
        if (n > 0 && line[n - 1] == '\n') {
            line[--n] = '\0';
        }
        if (n == 0) {
            continue;
        }
        run_case(pool, line, stdout);
        apr_pool_clear(pool);
    }
    free(line);
    apr_pool_destroy(pool);
    apr_terminate();
    return fflush(stdout) == 0 ? 0 : 1;
}
