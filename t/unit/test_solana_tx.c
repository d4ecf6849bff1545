/* Solana transactions: shortvec, instruction bytes, the message compiler,
 * signing against the web3.js vector, and the decoder on hostile input. */
#include <string.h>
#include <stdlib.h>
#include <stdio.h>
#include <apr_strings.h>

#include "qnft_unit.h"
#include "solana/qnft_programs.h"
#include "solana/qnft_shortvec.h"
#include "solana/qnft_tx.h"
#include "solana/qnft_ix.h"
#include "solana/qnft_ed25519.h"
#include "solana/qnft_base58.h"
#include "util/qnft_digest.h"
#include "util/qnft_json.h"

Suite *qnft_suite_solana_tx(void);

static apr_pool_t *pool;

/* web3.js transaction tests: seed 32 x 0x08 transfers 49 lamports */
static const char transfer_b64[] =
    "AVuErQHaXv0SG0/PchunfxHKt8wMRfMZzqV0tkC5qO6owYxWU2v871AoWywGoFQr4z+q/7mE8lIufNl/kxj+nQ0BAAED"
    "E5j2LG0aRXxRumpLXz29L2n8qTIWIY3ImX5Ba9F9k8r9Q5/Mtmcn8onFxt47xKj+XdXXd3C8j/FcPu7csUrz/AAAAAAA"
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAxJrndgN4IFTxep3s6kO0ROug7bEsbx0xxuDkqEvwUusBAgIAAQwCAAAA"
    "MQAAAAAAAAA=";

static void setup(void)
{
    apr_pool_create(&pool, NULL);
}

static void teardown(void)
{
    apr_pool_destroy(pool);
}

static qnft_pubkey pk(const char *b58)
{
    qnft_pubkey k;
    ck_assert_int_eq(qnft_pubkey_parse(b58, &k), 0);
    return k;
}

/* A distinct made-up key per tag (not on any curve check; only bytes). */
static qnft_pubkey test_key(unsigned int tag)
{
    qnft_pubkey k;
    memset(k.b, (int)(tag & 0xff), sizeof(k.b));
    k.b[0] = (unsigned char)(tag >> 8);
    k.b[31] = 0x5a;
    return k;
}

static qnft_pubkey key_of_seed(const unsigned char *seed)
{
    qnft_pubkey k;
    ck_assert_int_eq(qnft_ed25519_public(seed, k.b), 0);
    return k;
}

static const char *hex(const unsigned char *b, apr_size_t n)
{
    char *out = apr_palloc(pool, 2 * n + 1);
    qnft_hex_encode(b, n, out);
    return out;
}

static const char *key_hex(const qnft_pubkey *k)
{
    return hex(k->b, 32);
}

static void check_meta(const qnft_instruction *ix, apr_size_t i, const qnft_pubkey *k,
                       int signer, int writable)
{
    ck_assert_uint_lt(i, ix->num_accounts);
    ck_assert_mem_eq(ix->accounts[i].pubkey.b, k->b, 32);
    ck_assert_int_eq(ix->accounts[i].is_signer, signer);
    ck_assert_int_eq(ix->accounts[i].is_writable, writable);
}

static const qnft_message *compile(const qnft_pubkey *payer, const qnft_instruction *const *ixs,
                                   apr_size_t n)
{
    static const unsigned char bh[32] = {7, 7, 7};
    qnft_message *m = NULL;
    const char *err = NULL;
    ck_assert_msg(qnft_message_compile(pool, payer, ixs, n, bh, &m, &err) == APR_SUCCESS,
                  "compile: %s", err);
    return m;
}

/* --- shortvec ------------------------------------------------------------------ */

START_TEST(test_shortvec_vectors)
{
    static const struct { apr_uint32_t v; const char *hex; } vec[] = {
        {0, "00"}, {0x7f, "7f"}, {0x80, "8001"}, {0xff, "ff01"}, {0x100, "8002"},
        {0x3fff, "ff7f"}, {0x4000, "808001"}, {0x7fff, "ffff01"}, {0xffff, "ffff03"}
    };
    unsigned char buf[3];
    apr_uint32_t v, got;
    apr_size_t i;
    int n;

    for (i = 0; i < sizeof(vec) / sizeof(vec[0]); i++) {
        n = qnft_shortvec_encode(vec[i].v, buf);
        ck_assert_str_eq(hex(buf, (apr_size_t)n), vec[i].hex);
        ck_assert_int_eq(qnft_shortvec_size(vec[i].v), n);
        ck_assert_int_eq(qnft_shortvec_decode(buf, (apr_size_t)n, &got), n);
        ck_assert_uint_eq(got, vec[i].v);
    }
    /* every value round-trips and is canonical */
    for (v = 0; v <= 0xffff; v++) {
        n = qnft_shortvec_encode(v, buf);
        ck_assert_int_eq(qnft_shortvec_decode(buf, 3, &got), n);
        ck_assert_uint_eq(got, v);
    }
    ck_assert_int_eq(qnft_shortvec_encode(0x10000, buf), 0);
    ck_assert_int_eq(qnft_shortvec_size(0x10000), 0);
}
END_TEST

START_TEST(test_shortvec_rejects)
{
    static const struct { unsigned char b[4]; apr_size_t n; } bad[] = {
        {{0x80, 0x00}, 2},                  /* alias of 00 */
        {{0xff, 0x00}, 2},                  /* alias of 7f */
        {{0x80, 0x80, 0x00}, 3},            /* alias, 3 bytes */
        {{0xff, 0xff, 0x00}, 3},
        {{0x80, 0x80, 0x80, 0x00}, 4},      /* a 4th byte */
        {{0xff, 0xff, 0xff, 0x01}, 4},
        {{0x80, 0x80, 0x04}, 3},            /* 65536 */
        {{0xff, 0xff, 0x07}, 3},
        {{0xff, 0xff, 0x7f}, 3},
        {{0x80}, 1},                        /* truncated */
        {{0xff, 0xff}, 2},
        {{0}, 0},                           /* nothing */
    };
    apr_uint32_t v = 12345;
    apr_size_t i;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        ck_assert_msg(qnft_shortvec_decode(bad[i].b, bad[i].n, &v) == -1, "case %u accepted",
                      (unsigned)i);
    }
    ck_assert_uint_eq(v, 12345);
    /* a value ending early is fine even when more bytes follow */
    {
        static const unsigned char ok[] = {0x05, 0x00};
        ck_assert_int_eq(qnft_shortvec_decode(ok, 2, &v), 1);
        ck_assert_uint_eq(v, 5);
    }
}
END_TEST

/* --- instruction bytes ------------------------------------------------------------- */

START_TEST(test_token_instructions)
{
    qnft_pubkey token = pk(QNFT_PROGRAM_TOKEN), t22 = pk(QNFT_PROGRAM_TOKEN_2022);
    qnft_pubkey mint = test_key(1), dest = test_key(2), auth = test_key(3), other = test_key(4);
    qnft_instruction *ix;

    ix = qnft_ix_token_mint_to(pool, &token, &mint, &dest, &auth, 123);
    ck_assert_str_eq(hex(ix->data, ix->data_len), "077b00000000000000");
    ck_assert_mem_eq(ix->program_id.b, token.b, 32);
    ck_assert_uint_eq(ix->num_accounts, 3);
    check_meta(ix, 0, &mint, 0, 1);
    check_meta(ix, 1, &dest, 0, 1);
    check_meta(ix, 2, &auth, 1, 0);

    ix = qnft_ix_token_set_authority(pool, &token, &dest, &auth, QNFT_AUTHORITY_CLOSE_ACCOUNT,
                                     NULL);
    ck_assert_str_eq(hex(ix->data, ix->data_len), "060300");
    check_meta(ix, 0, &dest, 0, 1);
    check_meta(ix, 1, &auth, 1, 0);
    ix = qnft_ix_token_set_authority(pool, &t22, &mint, &auth, QNFT_AUTHORITY_MINT_TOKENS, NULL);
    ck_assert_str_eq(hex(ix->data, ix->data_len), "060000");
    ck_assert_mem_eq(ix->program_id.b, t22.b, 32);
    ix = qnft_ix_token_set_authority(pool, &token, &mint, &auth, QNFT_AUTHORITY_FREEZE_ACCOUNT,
                                     &other);
    ck_assert_str_eq(hex(ix->data, ix->data_len), apr_pstrcat(pool, "060101", key_hex(&other), NULL));

    ix = qnft_ix_token_initialize_mint2(pool, &token, &mint, 0, &auth, &other);
    ck_assert_str_eq(hex(ix->data, ix->data_len),
                     apr_pstrcat(pool, "1400", key_hex(&auth), "01", key_hex(&other), NULL));
    ck_assert_uint_eq(ix->num_accounts, 1);
    check_meta(ix, 0, &mint, 0, 1);
    ix = qnft_ix_token_initialize_mint2(pool, &t22, &mint, 6, &auth, NULL);
    ck_assert_str_eq(hex(ix->data, ix->data_len),
                     apr_pstrcat(pool, "1406", key_hex(&auth), "00", NULL));
}
END_TEST

START_TEST(test_system_instructions)
{
    qnft_pubkey sys = pk(QNFT_PROGRAM_SYSTEM), token = pk(QNFT_PROGRAM_TOKEN);
    qnft_pubkey payer = test_key(1), acct = test_key(2);
    qnft_instruction *ix;

    ix = qnft_ix_system_create_account(pool, &payer, &acct, 1461600, QNFT_MINT_SIZE, &token);
    ck_assert_uint_eq(ix->data_len, 52);
    /* u32 0 | u64 1461600 = 0x164d60 | u64 82 | owner */
    ck_assert_str_eq(hex(ix->data, ix->data_len),
                     apr_pstrcat(pool, "00000000", "604d160000000000", "5200000000000000",
                                 key_hex(&token), NULL));
    ck_assert_mem_eq(ix->program_id.b, sys.b, 32);
    check_meta(ix, 0, &payer, 1, 1);
    check_meta(ix, 1, &acct, 1, 1);

    ix = qnft_ix_system_transfer(pool, &payer, &acct, 0x0102030405060708ULL);
    ck_assert_uint_eq(ix->data_len, 12);
    ck_assert_str_eq(hex(ix->data, ix->data_len), "020000000807060504030201");
    check_meta(ix, 0, &payer, 1, 1);
    check_meta(ix, 1, &acct, 0, 1);
}
END_TEST

START_TEST(test_ata_and_budget)
{
    qnft_pubkey sys = pk(QNFT_PROGRAM_SYSTEM), ata_prog = pk(QNFT_PROGRAM_ATA);
    qnft_pubkey t22 = pk(QNFT_PROGRAM_TOKEN_2022), cb = pk(QNFT_PROGRAM_COMPUTE_BUDGET);
    qnft_pubkey payer = test_key(1), ata = test_key(2), wallet = test_key(3), mint = test_key(4);
    qnft_instruction *ix;

    ix = qnft_ix_ata_create(pool, &payer, &ata, &wallet, &mint, &t22, 0);
    ck_assert_uint_eq(ix->data_len, 0);
    ck_assert_mem_eq(ix->program_id.b, ata_prog.b, 32);
    ck_assert_uint_eq(ix->num_accounts, 6);
    check_meta(ix, 0, &payer, 1, 1);
    check_meta(ix, 1, &ata, 0, 1);
    check_meta(ix, 2, &wallet, 0, 0);
    check_meta(ix, 3, &mint, 0, 0);
    check_meta(ix, 4, &sys, 0, 0);
    check_meta(ix, 5, &t22, 0, 0);
    ix = qnft_ix_ata_create(pool, &payer, &ata, &wallet, &mint, &t22, 1);
    ck_assert_str_eq(hex(ix->data, ix->data_len), "01");

    ix = qnft_ix_compute_unit_limit(pool, 200000);
    ck_assert_str_eq(hex(ix->data, ix->data_len), "02400d0300");
    ck_assert_mem_eq(ix->program_id.b, cb.b, 32);
    ck_assert_uint_eq(ix->num_accounts, 0);
    ix = qnft_ix_compute_unit_price(pool, 1000);
    ck_assert_str_eq(hex(ix->data, ix->data_len), "03e803000000000000");
}
END_TEST

START_TEST(test_token_metadata_instructions)
{
    qnft_pubkey t22 = pk(QNFT_PROGRAM_TOKEN_2022);
    qnft_pubkey mint = test_key(1), auth = test_key(2), ua = test_key(3);
    static const unsigned char zeros[32];
    unsigned char digest[32];
    const char *s;
    qnft_instruction *ix;

    ix = qnft_ix_metadata_pointer_initialize(pool, &mint, &auth, &mint);
    ck_assert_uint_eq(ix->data_len, 66);
    ck_assert_str_eq(hex(ix->data, ix->data_len),
                     apr_pstrcat(pool, "2700", key_hex(&auth), key_hex(&mint), NULL));
    ck_assert_mem_eq(ix->program_id.b, t22.b, 32);
    ck_assert_uint_eq(ix->num_accounts, 1);
    check_meta(ix, 0, &mint, 0, 1);
    ix = qnft_ix_metadata_pointer_initialize(pool, &mint, NULL, &mint);
    ck_assert_str_eq(hex(ix->data, 34), apr_pstrcat(pool, "2700", hex(zeros, 32), NULL));

    /* the discriminators are sha256("spl_token_metadata_interface:...")[0..8] */
    s = "spl_token_metadata_interface:initialize_account";
    qnft_sha256_once(s, strlen(s), digest);
    ix = qnft_ix_token_metadata_initialize(pool, &t22, &mint, &ua, &mint, &auth, "Qn", "Q", "u:/");
    ck_assert_mem_eq(ix->data, digest, 8);
    ck_assert_str_eq(hex(ix->data, ix->data_len),
                     "d2e11ea258b84d8d" "02000000516e" "0100000051" "03000000753a2f");
    ck_assert_mem_eq(ix->program_id.b, t22.b, 32);
    ck_assert_uint_eq(ix->num_accounts, 4);
    check_meta(ix, 0, &mint, 0, 1);
    check_meta(ix, 1, &ua, 0, 0);
    check_meta(ix, 2, &mint, 0, 0);
    check_meta(ix, 3, &auth, 1, 0);

    s = "spl_token_metadata_interface:updating_field";
    qnft_sha256_once(s, strlen(s), digest);
    ix = qnft_ix_token_metadata_update_field(pool, &t22, &mint, &ua, QNFT_FIELD_URI, NULL, "ab");
    ck_assert_mem_eq(ix->data, digest, 8);
    ck_assert_str_eq(hex(ix->data, ix->data_len), "dde9312db5cadcc8" "02" "020000006162");
    ck_assert_uint_eq(ix->num_accounts, 2);
    check_meta(ix, 0, &mint, 0, 1);
    check_meta(ix, 1, &ua, 1, 0);
    ix = qnft_ix_token_metadata_update_field(pool, &t22, &mint, &ua, QNFT_FIELD_KEY, "k", "");
    ck_assert_mem_eq(ix->data, digest, 8);
    ck_assert_str_eq(hex(ix->data + 8, ix->data_len - 8), "03" "010000006b" "00000000");
    ix = qnft_ix_token_metadata_update_field(pool, &t22, &mint, &ua, QNFT_FIELD_NAME, NULL, "x");
    ck_assert_str_eq(hex(ix->data + 8, ix->data_len - 8), "00" "0100000078");
    ck_assert_ptr_null(qnft_ix_token_metadata_update_field(pool, &t22, &mint, &ua,
                                                           QNFT_FIELD_KEY, NULL, "v"));
}
END_TEST

START_TEST(test_metaplex_instructions)
{
    qnft_pubkey mpl = pk(QNFT_PROGRAM_METADATA), sys = pk(QNFT_PROGRAM_SYSTEM);
    qnft_pubkey rent = pk(QNFT_SYSVAR_RENT), token = pk(QNFT_PROGRAM_TOKEN);
    qnft_pubkey md = test_key(1), mint = test_key(2), auth = test_key(3), payer = test_key(4), ua = test_key(5);
    qnft_pubkey coll = test_key(6), ed = test_key(7);
    qnft_mpl_creator creators[1];
    qnft_mpl_uses uses = {1, 5, 9};
    qnft_mpl_metadata m;
    apr_uint64_t zero = 0, size = 258;
    qnft_instruction *ix;
    const char *err = NULL;

    memset(&m, 0, sizeof(m));
    creators[0].address = ua;
    creators[0].verified = 1;
    creators[0].share = 100;
    m.name = "N";
    m.symbol = "S";
    m.uri = "U";
    m.seller_fee_basis_points = 500;
    m.creators = creators;
    m.num_creators = 1;
    m.is_mutable = 1;
    ck_assert_int_eq(qnft_ix_mpl_create_metadata_v3(pool, &md, &mint, &auth, &payer, &ua, 1, &m,
                                                    0, &ix, &err), APR_SUCCESS);
    ck_assert_str_eq(hex(ix->data, ix->data_len),
                     apr_pstrcat(pool, "21", "010000004e", "0100000053", "0100000055", "f401",
                                 "0101000000", key_hex(&ua), "0164", "00", "00", "01", "00",
                                 NULL));
    ck_assert_mem_eq(ix->program_id.b, mpl.b, 32);
    ck_assert_uint_eq(ix->num_accounts, 6);
    check_meta(ix, 0, &md, 0, 1);
    check_meta(ix, 1, &mint, 0, 0);
    check_meta(ix, 2, &auth, 1, 0);
    check_meta(ix, 3, &payer, 1, 1);
    check_meta(ix, 4, &ua, 1, 0);
    check_meta(ix, 5, &sys, 0, 0);

    /* every Option present, update authority not signing, Rent listed */
    creators[0].verified = 0;
    m.collection = &coll;
    m.uses = &uses;
    m.is_mutable = 0;
    m.collection_size = &size;
    ck_assert_int_eq(qnft_ix_mpl_create_metadata_v3(pool, &md, &mint, &auth, &payer, &ua, 0, &m,
                                                    1, &ix, &err), APR_SUCCESS);
    ck_assert_str_eq(hex(ix->data, ix->data_len),
                     apr_pstrcat(pool, "21", "010000004e", "0100000053", "0100000055", "f401",
                                 "0101000000", key_hex(&ua), "0064", "0100", key_hex(&coll),
                                 "0101", "0500000000000000", "0900000000000000", "00",
                                 "0100", "0201000000000000", NULL));
    ck_assert_uint_eq(ix->num_accounts, 7);
    check_meta(ix, 4, &ua, 0, 0);
    check_meta(ix, 6, &rent, 0, 0);

    ix = qnft_ix_mpl_create_master_edition_v3(pool, &ed, &mint, &ua, &auth, &payer, &md, &token,
                                              &zero, 0);
    ck_assert_str_eq(hex(ix->data, ix->data_len), "11010000000000000000");
    ck_assert_mem_eq(ix->program_id.b, mpl.b, 32);
    ck_assert_uint_eq(ix->num_accounts, 8);
    check_meta(ix, 0, &ed, 0, 1);
    check_meta(ix, 1, &mint, 0, 1);
    check_meta(ix, 2, &ua, 1, 0);
    check_meta(ix, 3, &auth, 1, 0);
    check_meta(ix, 4, &payer, 1, 1);
    check_meta(ix, 5, &md, 0, 1);
    check_meta(ix, 6, &token, 0, 0);
    check_meta(ix, 7, &sys, 0, 0);
    ix = qnft_ix_mpl_create_master_edition_v3(pool, &ed, &mint, &ua, &auth, &payer, &md, &token,
                                              NULL, 1);
    ck_assert_str_eq(hex(ix->data, ix->data_len), "1100");
    ck_assert_uint_eq(ix->num_accounts, 9);
    check_meta(ix, 8, &rent, 0, 0);
}
END_TEST

START_TEST(test_metaplex_limits)
{
    qnft_pubkey md = test_key(1), mint = test_key(2), auth = test_key(3), payer = test_key(4), ua = test_key(5);
    qnft_mpl_creator cr[6];
    qnft_mpl_metadata m, bad;
    qnft_instruction *ix;
    const char *err;
    int i;
    char name33[34], sym11[12], uri201[202];

    memset(name33, 'n', 33);
    name33[33] = '\0';
    memset(sym11, 's', 11);
    sym11[11] = '\0';
    memset(uri201, 'u', 201);
    uri201[201] = '\0';
    for (i = 0; i < 6; i++) {
        cr[i].address = test_key(0x20 + (unsigned int)i);
        cr[i].verified = 0;
        cr[i].share = 20;
    }
    memset(&m, 0, sizeof(m));
    m.name = apr_pstrndup(pool, name33, 32);
    m.symbol = apr_pstrndup(pool, sym11, 10);
    m.uri = apr_pstrndup(pool, uri201, 200);
    m.seller_fee_basis_points = 10000;
    m.creators = cr;
    m.num_creators = 5;

#define REJECT(...) do { \
        bad = m; __VA_ARGS__; err = NULL; ix = (qnft_instruction *)1; \
        ck_assert_int_eq(qnft_ix_mpl_create_metadata_v3(pool, &md, &mint, &auth, &payer, &ua, \
                                                        1, &bad, 0, &ix, &err), APR_EINVAL); \
        ck_assert_ptr_null(ix); ck_assert_ptr_nonnull(err); \
    } while (0)

    /* the limits themselves are accepted */
    ck_assert_int_eq(qnft_ix_mpl_create_metadata_v3(pool, &md, &mint, &auth, &payer, &ua, 1, &m,
                                                    0, &ix, &err), APR_SUCCESS);
    REJECT(bad.name = name33);
    REJECT(bad.symbol = sym11);
    REJECT(bad.uri = uri201);
    REJECT(bad.name = NULL);
    REJECT(bad.seller_fee_basis_points = 10001);
    REJECT(bad.num_creators = 0);
    REJECT(bad.creators = NULL);
    REJECT(bad.num_creators = 6);
    REJECT(bad.num_creators = 4);                 /* shares sum to 80 */
    cr[4].share = 21;
    REJECT((void)0);                              /* 101 */
    cr[4].share = 20;
    cr[4].address = cr[0].address;
    REJECT((void)0);                              /* a creator twice */
    cr[4].address = test_key(0x24);
    cr[1].verified = 1;
    REJECT((void)0);                              /* verified, not the update authority */
    cr[1].address = ua;
    ck_assert_int_eq(qnft_ix_mpl_create_metadata_v3(pool, &md, &mint, &auth, &payer, &ua, 1, &m,
                                                    0, &ix, &err), APR_SUCCESS);
    ck_assert_int_eq(qnft_ix_mpl_create_metadata_v3(pool, &md, &mint, &auth, &payer, &ua, 0, &m,
                                                    0, &ix, &err), APR_EINVAL);
#undef REJECT
}
END_TEST

/* --- transactions ---------------------------------------------------------------------- */

START_TEST(test_signed_transfer_vector)
{
    unsigned char seed[32], bh[32];
    qnft_pubkey from, to = pk("J3dxNj7nDRRqRRXuEMynDG57DkZK4jYRuv3Garmb1i99");
    const qnft_instruction *ixs[1];
    qnft_message *m;
    qnft_tx *tx;
    const char *err = NULL, *b64;

    memset(seed, 8, sizeof(seed));
    from = key_of_seed(seed);
    ck_assert_str_eq(qnft_pubkey_str(pool, &from), "2KW2XRd9kwqet15Aha2oK3tYvd3nWbTFH1MBiRAv1BE1");
    ck_assert_int_eq(qnft_base58_decode_exact("EETubP5AKHgjPAhzPAFcb8BAY1hMH639CWCFTqi3hq1k", bh,
                                              32), 0);
    ixs[0] = qnft_ix_system_transfer(pool, &from, &to, 49);
    ck_assert_int_eq(qnft_message_compile(pool, &from, ixs, 1, bh, &m, &err), APR_SUCCESS);
    ck_assert_int_eq(qnft_tx_create(pool, m, &tx, &err), APR_SUCCESS);
    ck_assert_uint_eq(tx->num_signatures, 1);
    ck_assert_int_eq(qnft_tx_verify(tx), 0);        /* slot still empty */
    ck_assert_int_eq(qnft_tx_sign(tx, seed), APR_SUCCESS);
    ck_assert_int_eq(qnft_tx_verify(tx), 1);
    ck_assert_int_eq(qnft_tx_base64(pool, tx, &b64, &err), APR_SUCCESS);
    ck_assert_str_eq(b64, transfer_b64);
    ck_assert_str_eq(qnft_tx_id(pool, tx),
                     qnft_base58_encode(pool, tx->signatures[0], QNFT_SIGNATURE_LEN));
}
END_TEST

START_TEST(test_compile_order)
{
    qnft_pubkey P = test_key(0x10), X = test_key(0x11), A = test_key(0x12), S = test_key(0x13), T = test_key(0x14);
    qnft_pubkey Y = test_key(0x15), R = test_key(0x16);
    qnft_instruction *i1 = qnft_instruction_make(pool, &X, 5, 1);
    qnft_instruction *i2 = qnft_instruction_make(pool, &Y, 5, 0);
    const qnft_instruction *ixs[2];
    const qnft_message *m;
    const qnft_pubkey order[7] = {P, T, S, A, Y, X, R};
    static const unsigned char acc1[5] = {3, 2, 1, 4, 0}, acc2[5] = {6, 3, 1, 5, 2};
    unsigned char *b1, *b2;
    apr_size_t n1, n2, i;

    /* P pays, then shows up read-only; A read-only then writable; S a
     * read-only signer twice; T read-only signer then writable; X a
     * program and a read-only account; Y a writable account and later a
     * program */
    qnft_instruction_set_account(i1, 0, &A, 0, 0);
    qnft_instruction_set_account(i1, 1, &S, 1, 0);
    qnft_instruction_set_account(i1, 2, &T, 1, 0);
    qnft_instruction_set_account(i1, 3, &Y, 0, 1);
    qnft_instruction_set_account(i1, 4, &P, 0, 0);
    i1->data[0] = 0xab;
    qnft_instruction_set_account(i2, 0, &R, 0, 0);
    qnft_instruction_set_account(i2, 1, &A, 0, 1);
    qnft_instruction_set_account(i2, 2, &T, 0, 1);
    qnft_instruction_set_account(i2, 3, &X, 0, 0);
    qnft_instruction_set_account(i2, 4, &S, 1, 0);
    ixs[0] = i1;
    ixs[1] = i2;
    m = compile(&P, ixs, 2);

    ck_assert_uint_eq(m->num_keys, 7);
    for (i = 0; i < 7; i++) {
        ck_assert_msg(!memcmp(m->keys[i].b, order[i].b, 32), "key %u out of order", (unsigned)i);
    }
    ck_assert_uint_eq(m->num_required_signatures, 3);
    ck_assert_uint_eq(m->num_readonly_signed, 1);
    ck_assert_uint_eq(m->num_readonly_unsigned, 2);
    ck_assert_uint_eq(m->num_instructions, 2);
    ck_assert_uint_eq(m->instructions[0].program_index, 5);
    ck_assert_mem_eq(m->instructions[0].accounts, acc1, 5);
    ck_assert_str_eq(hex(m->instructions[0].data, m->instructions[0].data_len), "ab");
    ck_assert_uint_eq(m->instructions[1].program_index, 4);
    ck_assert_mem_eq(m->instructions[1].accounts, acc2, 5);
    ck_assert_uint_eq(m->instructions[1].data_len, 0);
    for (i = 0; i < 7; i++) {
        ck_assert_int_eq(qnft_message_is_signer(m, i), i < 3);
        ck_assert_int_eq(qnft_message_is_writable(m, i), i < 2 || i == 3 || i == 4);
    }
    /* deterministic */
    b1 = qnft_message_serialize(pool, m, &n1);
    b2 = qnft_message_serialize(pool, compile(&P, ixs, 2), &n2);
    ck_assert_uint_eq(n1, n2);
    ck_assert_mem_eq(b1, b2, n1);
    ck_assert_str_eq(hex(b1, 4), "03010207");
}
END_TEST

START_TEST(test_compile_errors)
{
    qnft_pubkey P = test_key(0x10), X = test_key(0x11);
    qnft_instruction *ix = qnft_instruction_make(pool, &P, 0, 0);
    qnft_instruction *wide;
    const qnft_instruction *ixs[1];
    unsigned char bh[32] = {0};
    qnft_message *m;
    qnft_tx *tx;
    const char *err = NULL;
    unsigned int i;

    ixs[0] = ix;
    ck_assert_int_eq(qnft_message_compile(pool, &P, ixs, 1, bh, &m, &err), APR_EINVAL);
    ck_assert_ptr_null(m);
    ck_assert_ptr_nonnull(strstr(err, "fee payer"));

    /* payer + program + 254 accounts = 256 keys: the most a u8 indexes */
    wide = qnft_instruction_make(pool, &X, 255, 0);
    for (i = 0; i < 254; i++) {
        qnft_pubkey k = test_key(0x100 + i);
        qnft_instruction_set_account(wide, i, &k, 0, 1);
    }
    qnft_instruction_set_account(wide, 254, &P, 0, 0);
    ixs[0] = wide;
    ck_assert_int_eq(qnft_message_compile(pool, &P, ixs, 1, bh, &m, &err), APR_SUCCESS);
    ck_assert_uint_eq(m->num_keys, 256);
    ck_assert_uint_eq(m->instructions[0].program_index, 255);
    ck_assert_int_eq(qnft_tx_create(pool, m, &tx, &err), APR_SUCCESS);
    {
        qnft_pubkey k = test_key(0x300);
        qnft_instruction_set_account(wide, 254, &k, 0, 0);
    }
    ck_assert_int_eq(qnft_message_compile(pool, &P, ixs, 1, bh, &m, &err), APR_EINVAL);
    ck_assert_ptr_nonnull(strstr(err, "257"));
}
END_TEST

START_TEST(test_sign_errors)
{
    unsigned char s1[32], s2[32], s3[32], sig[64];
    qnft_pubkey k1, k2, k3;
    qnft_instruction *ix;
    const qnft_instruction *ixs[1];
    qnft_message *m;
    qnft_tx *tx;
    const char *err = NULL;
    unsigned char bh[32] = {1};

    memset(s1, 1, 32);
    memset(s2, 2, 32);
    memset(s3, 3, 32);
    k1 = key_of_seed(s1);
    k2 = key_of_seed(s2);
    k3 = key_of_seed(s3);
    ix = qnft_ix_system_transfer(pool, &k2, &k3, 5);
    ixs[0] = ix;
    ck_assert_int_eq(qnft_message_compile(pool, &k1, ixs, 1, bh, &m, &err), APR_SUCCESS);
    ck_assert_int_eq(qnft_tx_create(pool, m, &tx, &err), APR_SUCCESS);
    ck_assert_int_eq(qnft_tx_signer_index(tx, &k1), 0);
    ck_assert_int_eq(qnft_tx_signer_index(tx, &k2), 1);
    ck_assert_int_eq(qnft_tx_signer_index(tx, &k3), -1);
    ck_assert_int_eq(qnft_tx_sign(tx, s3), APR_NOTFOUND);
    ck_assert_int_eq(qnft_tx_sign(tx, s1), APR_SUCCESS);
    ck_assert_int_eq(qnft_tx_verify(tx), 0);            /* k2 missing */
    /* a wallet's signature comes in from outside: checked before stored */
    ck_assert_int_eq(qnft_ed25519_sign(s2, tx->msg_bytes, tx->msg_len, sig), 0);
    sig[5] ^= 1;
    ck_assert_int_eq(qnft_tx_add_signature(tx, &k2, sig), APR_EINVAL);
    sig[5] ^= 1;
    ck_assert_int_eq(qnft_tx_add_signature(tx, &k3, sig), APR_NOTFOUND);
    ck_assert_int_eq(qnft_tx_add_signature(tx, &k2, sig), APR_SUCCESS);
    ck_assert_int_eq(qnft_tx_verify(tx), 1);
    tx->signatures[0][0] ^= 0x80;
    ck_assert_int_eq(qnft_tx_verify(tx), 0);
}
END_TEST

/* The classic Metaplex 1-of-1 in one transaction, at the name/symbol/uri
 * limits. */
static qnft_tx *metaplex_mint_tx(void)
{
    unsigned char payer_seed[32], mint_seed[32], bh[32];
    qnft_pubkey payer, mint, ata = test_key(0x31), md = test_key(0x32), ed = test_key(0x33);
    qnft_pubkey token = pk(QNFT_PROGRAM_TOKEN);
    qnft_mpl_creator creator;
    qnft_mpl_metadata meta;
    apr_uint64_t zero = 0;
    const qnft_instruction *ixs[6];
    qnft_instruction *cm;
    qnft_message *m;
    qnft_tx *tx;
    const char *err = NULL;
    char name[33], symbol[11], uri[201];

    memset(payer_seed, 0x41, 32);
    memset(mint_seed, 0x42, 32);
    memset(bh, 0x43, 32);
    payer = key_of_seed(payer_seed);
    mint = key_of_seed(mint_seed);
    memset(name, 'N', 32);
    name[32] = '\0';
    memset(symbol, 'S', 10);
    symbol[10] = '\0';
    memset(uri, 'u', 200);
    uri[200] = '\0';
    memset(&meta, 0, sizeof(meta));
    creator.address = payer;
    creator.verified = 1;
    creator.share = 100;
    meta.name = name;
    meta.symbol = symbol;
    meta.uri = uri;
    meta.seller_fee_basis_points = 500;
    meta.creators = &creator;
    meta.num_creators = 1;
    meta.is_mutable = 1;

    ixs[0] = qnft_ix_system_create_account(pool, &payer, &mint, 1461600, QNFT_MINT_SIZE, &token);
    ixs[1] = qnft_ix_token_initialize_mint2(pool, &token, &mint, 0, &payer, &payer);
    ixs[2] = qnft_ix_ata_create(pool, &payer, &ata, &payer, &mint, &token, 0);
    ixs[3] = qnft_ix_token_mint_to(pool, &token, &mint, &ata, &payer, 1);
    ck_assert_int_eq(qnft_ix_mpl_create_metadata_v3(pool, &md, &mint, &payer, &payer, &payer, 1,
                                                    &meta, 0, &cm, &err), APR_SUCCESS);
    ixs[4] = cm;
    ixs[5] = qnft_ix_mpl_create_master_edition_v3(pool, &ed, &mint, &payer, &payer, &payer, &md,
                                                  &token, &zero, 0);
    ck_assert_int_eq(qnft_message_compile(pool, &payer, ixs, 6, bh, &m, &err), APR_SUCCESS);
    ck_assert_int_eq(qnft_tx_create(pool, m, &tx, &err), APR_SUCCESS);
    ck_assert_uint_eq(tx->num_signatures, 2);
    ck_assert_int_eq(qnft_tx_sign(tx, mint_seed), APR_SUCCESS);
    ck_assert_int_eq(qnft_tx_sign(tx, payer_seed), APR_SUCCESS);
    ck_assert_int_eq(qnft_tx_verify(tx), 1);
    return tx;
}

START_TEST(test_metaplex_mint_fits)
{
    qnft_tx *tx = metaplex_mint_tx();
    unsigned char *bytes;
    apr_size_t len;
    const char *err = NULL;

    ck_assert_int_eq(qnft_tx_serialize(pool, tx, &bytes, &len, &err), APR_SUCCESS);
    ck_assert_uint_le(len, QNFT_TX_MAX_SIZE);
    ck_assert_uint_eq(len, qnft_tx_size(tx));
    /* payer, mint | ata, metadata, edition | system, token, ATA, metaplex */
    ck_assert_uint_eq(tx->msg->num_keys, 9);
    ck_assert_uint_eq(tx->msg->num_required_signatures, 2);
    ck_assert_uint_eq(tx->msg->num_readonly_signed, 0);
    ck_assert_uint_eq(tx->msg->num_readonly_unsigned, 4);
    printf("solana_tx: metaplex 1-of-1 mint transaction (32/10/200-byte name/symbol/uri): "
           "%" APR_SIZE_T_FMT " bytes\n", len);
}
END_TEST

START_TEST(test_token2022_mint_fits)
{
    unsigned char payer_seed[32], mint_seed[32], bh[32];
    qnft_pubkey payer, mint, ata = test_key(0x51);
    qnft_pubkey t22 = pk(QNFT_PROGRAM_TOKEN_2022);
    const qnft_instruction *ixs[11];
    qnft_message *m;
    qnft_tx *tx;
    const char *err = NULL, *b64;
    unsigned char *bytes;
    apr_size_t len, final_size;
    char name[33], symbol[11], uri[201];
    qnft_tx *back;

    memset(payer_seed, 0x61, 32);
    memset(mint_seed, 0x62, 32);
    memset(bh, 0x63, 32);
    payer = key_of_seed(payer_seed);
    mint = key_of_seed(mint_seed);
    memset(name, 'N', 32);
    name[32] = '\0';
    memset(symbol, 'S', 10);
    symbol[10] = '\0';
    memset(uri, 'u', 200);
    uri[200] = '\0';
    /* rent is paid up front for the size after the metadata is written */
    final_size = 318 + strlen(name) + strlen(symbol) + strlen(uri);

    ixs[0] = qnft_ix_system_create_account(pool, &payer, &mint, (128 + final_size) * 6960,
                                           QNFT_MINT2022_POINTER_SIZE, &t22);
    ixs[1] = qnft_ix_metadata_pointer_initialize(pool, &mint, &payer, &mint);
    ixs[2] = qnft_ix_token_initialize_mint2(pool, &t22, &mint, 0, &payer, NULL);
    ixs[3] = qnft_ix_token_metadata_initialize(pool, &t22, &mint, &payer, &mint, &payer, name,
                                               symbol, uri);
    ixs[4] = qnft_ix_token_metadata_update_field(pool, &t22, &mint, &payer, QNFT_FIELD_KEY,
                                                 "mint_type", "quantum_gif");
    ixs[5] = qnft_ix_token_metadata_update_field(pool, &t22, &mint, &payer, QNFT_FIELD_KEY,
                                                 "price_lamports", "1500000000");
    ixs[6] = qnft_ix_token_metadata_update_field(pool, &t22, &mint, &payer, QNFT_FIELD_KEY,
                                                 "gif_sha256",
                                                 "9f86d081884c7d659a2feaa0c55ad015"
                                                 "a3bf4f1b2b0b822cd15d6c15b0f00a08");
    ixs[7] = qnft_ix_ata_create(pool, &payer, &ata, &payer, &mint, &t22, 1);
    ixs[8] = qnft_ix_token_mint_to(pool, &t22, &mint, &ata, &payer, 1);
    ixs[9] = qnft_ix_token_set_authority(pool, &t22, &mint, &payer, QNFT_AUTHORITY_MINT_TOKENS,
                                         NULL);
    ck_assert_int_eq(qnft_message_compile(pool, &payer, ixs, 10, bh, &m, &err), APR_SUCCESS);
    ck_assert_int_eq(qnft_tx_create(pool, m, &tx, &err), APR_SUCCESS);
    ck_assert_uint_eq(tx->num_signatures, 2);
    ck_assert_int_eq(qnft_tx_sign(tx, payer_seed), APR_SUCCESS);
    ck_assert_int_eq(qnft_tx_sign(tx, mint_seed), APR_SUCCESS);
    ck_assert_int_eq(qnft_tx_verify(tx), 1);
    ck_assert_int_eq(qnft_tx_serialize(pool, tx, &bytes, &len, &err), APR_SUCCESS);
    ck_assert_uint_le(len, QNFT_TX_MAX_SIZE);
    /* payer, mint | ata | system, token-2022, ATA */
    ck_assert_uint_eq(tx->msg->num_keys, 6);
    ck_assert_uint_eq(tx->msg->num_readonly_unsigned, 3);
    ck_assert_int_eq(qnft_tx_base64(pool, tx, &b64, &err), APR_SUCCESS);
    ck_assert_int_eq(qnft_tx_decode_base64(pool, b64, &back, &err), APR_SUCCESS);
    ck_assert_int_eq(qnft_tx_verify(back), 1);
    printf("solana_tx: token-2022 on-mint-metadata mint transaction (32/10/200-byte "
           "name/symbol/uri, 3 extra fields): %" APR_SIZE_T_FMT " bytes\n", len);
}
END_TEST

START_TEST(test_oversize_refused)
{
    unsigned char seed[32], bh[32] = {9};
    qnft_pubkey payer, memo = pk(QNFT_PROGRAM_MEMO);
    const qnft_instruction *ixs[1];
    qnft_instruction *ix;
    qnft_message *m;
    qnft_tx *tx;
    unsigned char *bytes;
    apr_size_t len;
    const char *err = NULL, *b64;

    memset(seed, 0x77, 32);
    payer = key_of_seed(seed);
    /* 1 + 64 signature, 3 header, 1 + 64 keys, 32 blockhash, 1 + (1 + 1 +
     * 2 + n) instruction: 170 + n bytes */
    ix = qnft_instruction_make(pool, &memo, 0, 1062);
    memset(ix->data, 'm', ix->data_len);
    ixs[0] = ix;
    ck_assert_int_eq(qnft_message_compile(pool, &payer, ixs, 1, bh, &m, &err), APR_SUCCESS);
    ck_assert_int_eq(qnft_tx_create(pool, m, &tx, &err), APR_SUCCESS);
    ck_assert_int_eq(qnft_tx_sign(tx, seed), APR_SUCCESS);
    ck_assert_int_eq(qnft_tx_serialize(pool, tx, &bytes, &len, &err), APR_SUCCESS);
    ck_assert_uint_eq(len, QNFT_TX_MAX_SIZE);
    ck_assert_int_eq(qnft_tx_decode(pool, bytes, len, &tx, &err), APR_SUCCESS);

    ix = qnft_instruction_make(pool, &memo, 0, 1063);
    memset(ix->data, 'm', ix->data_len);
    ixs[0] = ix;
    ck_assert_int_eq(qnft_message_compile(pool, &payer, ixs, 1, bh, &m, &err), APR_SUCCESS);
    ck_assert_int_eq(qnft_tx_create(pool, m, &tx, &err), APR_SUCCESS);
    ck_assert_uint_eq(qnft_tx_size(tx), QNFT_TX_MAX_SIZE + 1);
    bytes = NULL;
    ck_assert_int_eq(qnft_tx_serialize(pool, tx, &bytes, &len, &err), APR_ENOSPC);
    ck_assert_ptr_null(bytes);
    ck_assert_ptr_nonnull(strstr(err, "1233"));
    ck_assert_int_eq(qnft_tx_base64(pool, tx, &b64, &err), APR_ENOSPC);
}
END_TEST

/* --- decoding ---------------------------------------------------------------------------- */

static unsigned char *vector_bytes(apr_size_t *len)
{
    qnft_tx *tx;
    const char *err = NULL;
    unsigned char *bytes;
    ck_assert_int_eq(qnft_tx_decode_base64(pool, transfer_b64, &tx, &err), APR_SUCCESS);
    ck_assert_int_eq(qnft_tx_serialize(pool, tx, &bytes, len, &err), APR_SUCCESS);
    ck_assert_uint_eq(*len, 215);
    return bytes;
}

START_TEST(test_decode_roundtrip)
{
    qnft_tx *tx = metaplex_mint_tx(), *back;
    unsigned char *bytes, *again, *msg;
    apr_size_t len, len2, mlen, i;
    const char *err = NULL;

    ck_assert_int_eq(qnft_tx_serialize(pool, tx, &bytes, &len, &err), APR_SUCCESS);
    ck_assert_int_eq(qnft_tx_decode(pool, bytes, len, &back, &err), APR_SUCCESS);
    ck_assert_uint_eq(back->num_signatures, 2);
    ck_assert_mem_eq(back->signatures, tx->signatures, 2 * QNFT_SIGNATURE_LEN);
    ck_assert_uint_eq(back->msg->num_keys, tx->msg->num_keys);
    ck_assert_mem_eq(back->msg->keys, tx->msg->keys, 32 * tx->msg->num_keys);
    ck_assert_mem_eq(back->msg->blockhash, tx->msg->blockhash, 32);
    ck_assert_uint_eq(back->msg->num_required_signatures, 2);
    ck_assert_uint_eq(back->msg->num_readonly_unsigned, 4);
    ck_assert_uint_eq(back->msg->num_instructions, 6);
    for (i = 0; i < 6; i++) {
        const qnft_compiled_ix *a = &tx->msg->instructions[i], *b = &back->msg->instructions[i];
        ck_assert_uint_eq(a->program_index, b->program_index);
        ck_assert_uint_eq(a->num_accounts, b->num_accounts);
        ck_assert_mem_eq(a->accounts, b->accounts, a->num_accounts);
        ck_assert_uint_eq(a->data_len, b->data_len);
        ck_assert_mem_eq(a->data, b->data, a->data_len);
    }
    ck_assert_int_eq(qnft_tx_verify(back), 1);
    ck_assert_int_eq(qnft_tx_serialize(pool, back, &again, &len2, &err), APR_SUCCESS);
    ck_assert_uint_eq(len, len2);
    ck_assert_mem_eq(bytes, again, len);
    msg = qnft_message_serialize(pool, back->msg, &mlen);
    ck_assert_uint_eq(mlen, back->msg_len);
    ck_assert_mem_eq(msg, back->msg_bytes, mlen);
}
END_TEST

/* Decode a mutated copy of the transfer vector; expect failure with why. */
static void expect_reject(const unsigned char *bytes, apr_size_t len, const char *why)
{
    qnft_tx *tx = (qnft_tx *)1;
    const char *err = NULL;
    ck_assert_int_eq(qnft_tx_decode(pool, bytes, len, &tx, &err), APR_EINVAL);
    ck_assert_ptr_null(tx);
    ck_assert_ptr_nonnull(err);
    ck_assert_msg(strstr(err, why) != NULL, "error \"%s\" lacks \"%s\"", err, why);
}

START_TEST(test_decode_sanitize)
{
    /* layout: [0] sigs 1, [1..64] sig, [65..67] header 1 0 1, [68] 3 keys,
     * [69..164] keys, [165..196] blockhash, [197] 1 ix, [198] program 2,
     * [199] 2 accounts, [200..201] 0 1, [202] 12, [203..214] data */
    apr_size_t len, i;
    unsigned char *base = vector_bytes(&len), *b = apr_palloc(pool, 1300);
    qnft_tx *tx;
    const char *err = NULL;

    ck_assert_int_eq(qnft_tx_decode(pool, base, len, &tx, &err), APR_SUCCESS);
    ck_assert_int_eq(qnft_tx_verify(tx), 1);

#define MUTATE(stmt, why) do { memcpy(b, base, len); stmt; expect_reject(b, len, why); } while (0)
    MUTATE(b[65] = 2, "signature count");                   /* 2 required, 1 given */
    MUTATE(b[67] = 3, "header counts");                     /* 1 + 3 > 3 keys */
    MUTATE(b[66] = 1, "no writable signer");                /* read-only fee payer */
    MUTATE(b[198] = 0, "fee payer");                        /* payer as program */
    MUTATE(b[198] = 3, "program index");
    MUTATE(b[198] = 0xff, "program index");
    MUTATE(b[201] = 3, "account index");
    MUTATE(memcpy(b + 133, b + 101, 32), "twice");          /* key 2 = key 1 */
    MUTATE(memcpy(b + 101, b + 69, 32), "twice");           /* key 1 = the payer */
    MUTATE(b[68] = 4, "truncated");                         /* keys run into the rest */
    MUTATE(b[0] = 0x80, "truncated");                       /* 11648 signatures */
    MUTATE(b[197] = 0, "trailing");
    MUTATE(b[202] = 11, "trailing");
#undef MUTATE

    /* no signature and no signer at all */
    b[0] = 0;
    memcpy(b + 1, base + 65, len - 65);
    b[1] = 0;
    expect_reject(b, len - 64, "no writable signer");
    /* a version-0 prefix */
    memcpy(b, base, 65);
    b[65] = 0x80;
    memcpy(b + 66, base + 65, len - 65);
    expect_reject(b, len + 1, "versioned");
    /* a byte after the message */
    memcpy(b, base, len);
    b[len] = 0;
    expect_reject(b, len + 1, "trailing");
    /* an alias encoding of the key count: 83 00 for 03 */
    memcpy(b, base, 68);
    b[68] = 0x83;
    b[69] = 0x00;
    memcpy(b + 70, base + 69, len - 69);
    expect_reject(b, len + 1, "account key count");
    /* two signatures for one required signer */
    b[0] = 2;
    memcpy(b + 1, base + 1, 64);
    memcpy(b + 65, base + 1, len - 1);
    expect_reject(b, len + 64, "signature count");
    /* too big to be a packet */
    memset(b, 0, 1300);
    expect_reject(b, 1233, "1232");
    expect_reject(b, 0, "empty");
    for (i = 0; i < 3; i++) {
        expect_reject(b, i + 1, "");
    }
}
END_TEST

/* Every proper prefix fails, read from an exact-size heap block so that
 * valgrind or ASan would see any read past the end. */
static void check_prefixes(const unsigned char *bytes, apr_size_t len)
{
    apr_size_t n;
    for (n = 0; n < len; n++) {
        unsigned char *copy = malloc(n ? n : 1);
        qnft_tx *tx;
        const char *err = NULL;
        ck_assert_ptr_nonnull(copy);
        if (n) {
            memcpy(copy, bytes, n);
        }
        ck_assert_msg(qnft_tx_decode(pool, copy, n, &tx, &err) == APR_EINVAL,
                      "prefix of %u bytes accepted", (unsigned)n);
        free(copy);
    }
}

START_TEST(test_decode_truncated)
{
    qnft_tx *tx = metaplex_mint_tx();
    unsigned char *bytes;
    apr_size_t len;
    const char *err = NULL;

    ck_assert_int_eq(qnft_tx_serialize(pool, tx, &bytes, &len, &err), APR_SUCCESS);
    check_prefixes(bytes, len);
    bytes = vector_bytes(&len);
    check_prefixes(bytes, len);
}
END_TEST

/* Random mutations of a valid transaction: decoding must never read out
 * of bounds, and whatever decodes re-encodes to the same bytes (the
 * format has one encoding per transaction). */
START_TEST(test_decode_mutations)
{
    qnft_tx *tx = metaplex_mint_tx();
    unsigned char *base, *again;
    apr_size_t len, len2, mlen;
    const char *err = NULL;
    apr_uint32_t rng = 12345;
    apr_pool_t *sub;
    int iter, accepted = 0;

    ck_assert_int_eq(qnft_tx_serialize(pool, tx, &base, &len, &err), APR_SUCCESS);
    apr_pool_create(&sub, pool);
    for (iter = 0; iter < 3000; iter++) {
        apr_size_t n = len, k;
        unsigned char *copy = malloc(len + 8);
        int edits;
        qnft_tx *d;

        ck_assert_ptr_nonnull(copy);
        memset(copy, 0, len + 8);
        memcpy(copy, base, len);
        rng = rng * 1103515245u + 12345u;
        edits = 1 + (int)((rng >> 16) % 4);
        for (k = 0; k < (apr_size_t)edits; k++) {
            rng = rng * 1103515245u + 12345u;
            /* bias toward the structured part after the signatures */
            copy[129 + (rng >> 8) % (len - 129)] = (unsigned char)(rng >> 24);
        }
        rng = rng * 1103515245u + 12345u;
        if ((rng >> 16) % 5 == 0) {
            n = (rng >> 4) % (len + 8);
        }
        if (qnft_tx_decode(sub, copy, n, &d, &err) == APR_SUCCESS) {
            accepted++;
            ck_assert_int_eq(qnft_tx_serialize(sub, d, &again, &len2, &err), APR_SUCCESS);
            ck_assert_uint_eq(len2, n);
            ck_assert_mem_eq(again, copy, n);
            again = qnft_message_serialize(sub, d->msg, &mlen);
            ck_assert_uint_eq(mlen, d->msg_len);
            ck_assert_mem_eq(again, d->msg_bytes, mlen);
            ck_assert_ptr_nonnull(qnft_tx_json_text(sub, d));
        }
        free(copy);
        apr_pool_clear(sub);
    }
    /* data-byte edits keep the transaction valid: the loop saw both sides */
    ck_assert_int_gt(accepted, 0);
    ck_assert_int_lt(accepted, 3000);
}
END_TEST

START_TEST(test_decode_base64_and_json)
{
    qnft_tx *tx;
    const char *err = NULL, *text;
    json_t *j, *k, *ix;

    ck_assert_int_eq(qnft_tx_decode_base64(pool, "AAA", &tx, &err), APR_EINVAL);
    ck_assert_int_eq(qnft_tx_decode_base64(pool, "AA A", &tx, &err), APR_EINVAL);
    ck_assert_int_eq(qnft_tx_decode_base64(pool, "A===", &tx, &err), APR_EINVAL);
    ck_assert_int_eq(qnft_tx_decode_base64(pool, "", &tx, &err), APR_EINVAL);
    ck_assert_int_eq(qnft_tx_decode_base64(pool, transfer_b64, &tx, &err), APR_SUCCESS);

    text = qnft_tx_json_text(pool, tx);
    ck_assert_ptr_nonnull(text);
    j = qnft_json_parse(pool, text, strlen(text), 8, &err);
    ck_assert_ptr_nonnull(j);
    ck_assert_str_eq(json_string_value(json_object_get(j, "version")), "legacy");
    ck_assert_int_eq(json_integer_value(json_object_get(j, "size")), 215);
    ck_assert(json_is_true(json_object_get(j, "signatures_valid")));
    ck_assert_str_eq(json_string_value(json_array_get(json_object_get(j, "signatures"), 0)),
                     qnft_tx_id(pool, tx));
    ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(j, "header"),
                                                        "num_readonly_unsigned_accounts")), 1);
    ck_assert_str_eq(json_string_value(json_object_get(j, "recent_blockhash")),
                     "EETubP5AKHgjPAhzPAFcb8BAY1hMH639CWCFTqi3hq1k");
    k = json_object_get(j, "account_keys");
    ck_assert_uint_eq(json_array_size(k), 3);
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(k, 0), "pubkey")),
                     "2KW2XRd9kwqet15Aha2oK3tYvd3nWbTFH1MBiRAv1BE1");
    ck_assert(json_is_true(json_object_get(json_array_get(k, 0), "signer")));
    ck_assert(json_is_true(json_object_get(json_array_get(k, 0), "writable")));
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(k, 1), "pubkey")),
                     "J3dxNj7nDRRqRRXuEMynDG57DkZK4jYRuv3Garmb1i99");
    ck_assert(json_is_false(json_object_get(json_array_get(k, 1), "signer")));
    ck_assert(json_is_true(json_object_get(json_array_get(k, 1), "writable")));
    ck_assert(json_is_false(json_object_get(json_array_get(k, 2), "writable")));
    ix = json_array_get(json_object_get(j, "instructions"), 0);
    ck_assert_str_eq(json_string_value(json_object_get(ix, "program_id")), QNFT_PROGRAM_SYSTEM);
    ck_assert_int_eq(json_integer_value(json_object_get(ix, "program_id_index")), 2);
    ck_assert_int_eq(json_integer_value(json_array_get(json_object_get(ix, "accounts"), 1)), 1);
    ck_assert_str_eq(json_string_value(json_object_get(ix, "data")), "020000003100000000000000");

    /* a flipped signature bit shows up as invalid, not as a decode error */
    {
        apr_size_t len;
        unsigned char *b = vector_bytes(&len);
        b[10] ^= 1;
        ck_assert_int_eq(qnft_tx_decode(pool, b, len, &tx, &err), APR_SUCCESS);
        text = qnft_tx_json_text(pool, tx);
        ck_assert_ptr_nonnull(strstr(text, "\"signatures_valid\":false"));
    }
}
END_TEST

Suite *qnft_suite_solana_tx(void)
{
    Suite *s = suite_create("solana_tx");
    TCase *tc = tcase_create("shortvec");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_shortvec_vectors);
    tcase_add_test(tc, test_shortvec_rejects);
    suite_add_tcase(s, tc);

    tc = tcase_create("instructions");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_token_instructions);
    tcase_add_test(tc, test_system_instructions);
    tcase_add_test(tc, test_ata_and_budget);
    tcase_add_test(tc, test_token_metadata_instructions);
    tcase_add_test(tc, test_metaplex_instructions);
    tcase_add_test(tc, test_metaplex_limits);
    suite_add_tcase(s, tc);

    tc = tcase_create("transactions");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_signed_transfer_vector);
    tcase_add_test(tc, test_compile_order);
    tcase_add_test(tc, test_compile_errors);
    tcase_add_test(tc, test_sign_errors);
    tcase_add_test(tc, test_metaplex_mint_fits);
    tcase_add_test(tc, test_token2022_mint_fits);
    tcase_add_test(tc, test_oversize_refused);
    suite_add_tcase(s, tc);

    tc = tcase_create("decode");
    tcase_add_checked_fixture(tc, setup, teardown);
    /* valgrind makes the mutation loop slow */
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_decode_roundtrip);
    tcase_add_test(tc, test_decode_sanitize);
    tcase_add_test(tc, test_decode_truncated);
    tcase_add_test(tc, test_decode_mutations);
    tcase_add_test(tc, test_decode_base64_and_json);
    suite_add_tcase(s, tc);
    return s;
}
