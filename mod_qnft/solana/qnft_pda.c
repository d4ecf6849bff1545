#include <string.h>
#include <openssl/bn.h>

#include "solana/qnft_pda.h"
#include "util/qnft_digest.h"

/* p = 2^255 - 19 and the twisted Edwards constant d = -121665/121666. */
static const char P_HEX[] =
    "7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffed";
static const char D_HEX[] =
    "52036cee2b6ffe738cc740797779e89800700a4d4141d8ab75eb4dca135978a3";

static const char PDA_MARKER[] = "ProgramDerivedAddress";
#define PDA_MARKER_LEN (sizeof(PDA_MARKER) - 1)      /* hashed without NUL */

/* x = (-1)^s * sqrt(u/v) exists exactly when u/v is a square mod p, which
 * is all dalek's decompress checks: Euler's criterion on w = u * v^(p-2).
 * Only public data is handled here, so BIGNUM's timing does not matter. */
int qnft_ed25519_on_curve(const unsigned char y32[32])
{
    unsigned char le[32];
    BN_CTX *ctx = BN_CTX_new();
    BIGNUM *p, *d, *y, *yy, *u, *v, *w, *e, *t;
    int rc = -1;

    if (!ctx) {
        return -1;
    }
    BN_CTX_start(ctx);
    p = BN_CTX_get(ctx);
    d = BN_CTX_get(ctx);
    y = BN_CTX_get(ctx);
    yy = BN_CTX_get(ctx);
    u = BN_CTX_get(ctx);
    v = BN_CTX_get(ctx);
    w = BN_CTX_get(ctx);
    e = BN_CTX_get(ctx);
    t = BN_CTX_get(ctx);
    memcpy(le, y32, sizeof(le));
    le[31] &= 0x7f;                 /* bit 255 is the sign of x, not part of y */
    if (t                           /* BN_CTX_get fails sticky: last one tells */
        && BN_hex2bn(&p, P_HEX) && BN_hex2bn(&d, D_HEX)
        && BN_lebin2bn(le, (int)sizeof(le), y)
        && BN_nnmod(y, y, p, ctx)   /* y in [p, 2^255) is taken mod p, not refused */
        && BN_mod_sqr(yy, y, p, ctx)
        && BN_mod_sub(u, yy, BN_value_one(), p, ctx)
        && BN_mod_mul(v, d, yy, p, ctx)
        && BN_mod_add(v, v, BN_value_one(), p, ctx)
        && BN_sub(e, p, BN_value_one()) && BN_sub_word(e, 1)       /* p - 2 */
        && BN_mod_exp(w, v, e, p, ctx)                              /* 1/v */
        && BN_mod_mul(w, u, w, p, ctx)) {
        if (BN_is_zero(w)) {
            rc = 1;                 /* u = 0: x = 0, the points y = +-1 */
        }
        else if (BN_sub(e, p, BN_value_one()) && BN_copy(t, e)      /* t = p - 1 */
                 && BN_rshift1(e, e)                                /* (p-1)/2 */
                 && BN_mod_exp(w, w, e, p, ctx)) {
            rc = BN_cmp(w, t) == 0 ? 0 : 1;
        }
    }
    BN_CTX_end(ctx);
    BN_CTX_free(ctx);
    return rc;
}

int qnft_create_program_address(const unsigned char *const *seeds,
                                const apr_size_t *seed_lens, int nseeds,
                                const qnft_pubkey *program, qnft_pubkey *out)
{
    unsigned char buf[QNFT_PDA_MAX_SEEDS * QNFT_PDA_MAX_SEED_LEN + QNFT_PUBKEY_LEN
                      + PDA_MARKER_LEN];
    unsigned char hash[QNFT_SHA256_LEN];
    apr_size_t n = 0;
    int i, rc;

    if (nseeds < 0 || nseeds > QNFT_PDA_MAX_SEEDS || (nseeds > 0 && (!seeds || !seed_lens))) {
        return QNFT_PDA_BAD_SEEDS;
    }
    for (i = 0; i < nseeds; i++) {
        if (seed_lens[i] > QNFT_PDA_MAX_SEED_LEN || (seed_lens[i] && !seeds[i])) {
            return QNFT_PDA_BAD_SEEDS;
        }
        if (seed_lens[i]) {         /* memcpy from NULL is undefined even for 0 */
            memcpy(buf + n, seeds[i], seed_lens[i]);
            n += seed_lens[i];
        }
    }
    memcpy(buf + n, program->b, QNFT_PUBKEY_LEN);
    n += QNFT_PUBKEY_LEN;
    memcpy(buf + n, PDA_MARKER, PDA_MARKER_LEN);
    n += PDA_MARKER_LEN;
    qnft_sha256_once(buf, n, hash);
    rc = qnft_ed25519_on_curve(hash);
    if (rc != 0) {
        return rc == 1 ? QNFT_PDA_ON_CURVE : QNFT_PDA_ERROR;
    }
    memcpy(out->b, hash, QNFT_PUBKEY_LEN);
    return 0;
}

int qnft_find_program_address(const unsigned char *const *seeds,
                              const apr_size_t *seed_lens, int nseeds,
                              const qnft_pubkey *program, qnft_pubkey *out,
                              unsigned char *bump)
{
    const unsigned char *s[QNFT_PDA_MAX_SEEDS];
    apr_size_t l[QNFT_PDA_MAX_SEEDS];
    unsigned char b;
    int i, rc;

    /* Checked once here: otherwise each of 255 bumps would fail alike. */
    if (nseeds < 0 || nseeds > QNFT_PDA_MAX_SEEDS - 1 || (nseeds > 0 && (!seeds || !seed_lens))) {
        return QNFT_PDA_BAD_SEEDS;
    }
    for (i = 0; i < nseeds; i++) {
        s[i] = seeds[i];
        l[i] = seed_lens[i];
    }
    s[nseeds] = &b;
    l[nseeds] = 1;
    for (i = 255; i >= 1; i--) {    /* bump 0 is never tried, as in Solana */
        b = (unsigned char)i;
        rc = qnft_create_program_address(s, l, nseeds + 1, program, out);
        if (rc == 0) {
            if (bump) {
                *bump = b;
            }
            return 0;
        }
        if (rc != QNFT_PDA_ON_CURVE) {
            return rc;
        }
    }
    return QNFT_PDA_NO_BUMP;
}

int qnft_ata_address(const qnft_pubkey *wallet, const qnft_pubkey *mint,
                     const qnft_pubkey *token_program, qnft_pubkey *out)
{
    const unsigned char *seeds[3] = { wallet->b, token_program->b, mint->b };
    const apr_size_t lens[3] = { QNFT_PUBKEY_LEN, QNFT_PUBKEY_LEN, QNFT_PUBKEY_LEN };
    qnft_pubkey ata;

    if (qnft_pubkey_parse(QNFT_PROGRAM_ATA, &ata) != 0) {
        return QNFT_PDA_ERROR;
    }
    return qnft_find_program_address(seeds, lens, 3, &ata, out, NULL);
}

/* ["metadata", program, mint] plus "edition" for the edition account. */
static int metaplex_pda(const qnft_pubkey *mint, int edition, qnft_pubkey *out,
                        unsigned char *bump)
{
    qnft_pubkey prog;
    const unsigned char *seeds[4];
    apr_size_t lens[4];

    if (qnft_pubkey_parse(QNFT_PROGRAM_METADATA, &prog) != 0) {
        return QNFT_PDA_ERROR;
    }
    seeds[0] = (const unsigned char *)"metadata";
    lens[0] = 8;
    seeds[1] = prog.b;
    lens[1] = QNFT_PUBKEY_LEN;
    seeds[2] = mint->b;
    lens[2] = QNFT_PUBKEY_LEN;
    seeds[3] = (const unsigned char *)"edition";
    lens[3] = 7;
    return qnft_find_program_address(seeds, lens, edition ? 4 : 3, &prog, out, bump);
}

int qnft_metadata_pda(const qnft_pubkey *mint, qnft_pubkey *out, unsigned char *bump)
{
    return metaplex_pda(mint, 0, out, bump);
}

int qnft_edition_pda(const qnft_pubkey *mint, qnft_pubkey *out, unsigned char *bump)
{
    return metaplex_pda(mint, 1, out, bump);
}
