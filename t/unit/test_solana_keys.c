/* Solana keys: program ids, base58, the curve test, PDAs (public test
 * vectors of the Solana SDK, web3.js and SPL) and keypair files. */
#include <string.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/stat.h>
#include <apr_strings.h>
#include <apr_file_io.h>

#include "qnft_unit.h"
#include "solana/qnft_programs.h"
#include "solana/qnft_pda.h"
#include "solana/qnft_keypair.h"
#include "solana/qnft_base58.h"
#include "solana/qnft_ed25519.h"
#include "util/qnft_digest.h"

/* Declared here: qnft_unit.h is shared and edited by the integrator. */
Suite *qnft_suite_solana_keys(void);

static apr_pool_t *pool;
static char dir[64];

static void setup(void)
{
    apr_pool_create(&pool, NULL);
    strcpy(dir, "/tmp/qnft-keys-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void teardown(void)
{
    (void)!system(apr_psprintf(pool, "rm -rf '%s'", dir));
    apr_pool_destroy(pool);
}

static qnft_pubkey key(const char *b58)
{
    qnft_pubkey k;
    ck_assert_msg(qnft_pubkey_parse(b58, &k) == 0, "cannot parse %s", b58);
    return k;
}

static const char *str(const qnft_pubkey *k)
{
    return qnft_pubkey_str(pool, k);
}

static const char BPF_LOADER[] = "BPFLoader1111111111111111111111111111111111";

/* create_program_address with NUL-terminated text seeds. */
static int create_text(const char *const *texts, int n, const char *program, qnft_pubkey *out)
{
    const unsigned char *seeds[QNFT_PDA_MAX_SEEDS + 1];
    apr_size_t lens[QNFT_PDA_MAX_SEEDS + 1];
    qnft_pubkey prog = key(program);
    int i;
    for (i = 0; i < n; i++) {
        seeds[i] = (const unsigned char *)texts[i];
        lens[i] = strlen(texts[i]);
    }
    return qnft_create_program_address(seeds, lens, n, &prog, out);
}

/* ---- base58 and program ids ------------------------------------------------ */

START_TEST(test_base58_vectors)
{
    unsigned char b[32], want[32];
    memset(want, 0, sizeof(want));
    ck_assert_str_eq(qnft_base58_encode(pool, want, 32), "11111111111111111111111111111111");
    ck_assert_int_eq(qnft_base58_decode_exact("11111111111111111111111111111111", b, 32), 0);
    ck_assert_mem_eq(b, want, 32);

    want[0] = 3;
    ck_assert_str_eq(qnft_base58_encode(pool, want, 32),
                     "CiDwVBFgWV9E5MvXWoLgnEgn2hK7rJikbvfWavzAQz3");
    ck_assert_int_eq(qnft_base58_decode_exact("CiDwVBFgWV9E5MvXWoLgnEgn2hK7rJikbvfWavzAQz3",
                                              b, 32), 0);
    ck_assert_mem_eq(b, want, 32);

    memset(want, 0, sizeof(want));
    memcpy(want + 28, "\x07\x5b\xcd\x15", 4);
    ck_assert_str_eq(qnft_base58_encode(pool, want, 32), "1111111111111111111111111111BukQL");
    ck_assert_int_eq(qnft_base58_decode_exact("1111111111111111111111111111BukQL", b, 32), 0);
    ck_assert_mem_eq(b, want, 32);
}
END_TEST

START_TEST(test_program_ids)
{
    static const char *const ids[] = {
        QNFT_PROGRAM_SYSTEM, QNFT_PROGRAM_TOKEN, QNFT_PROGRAM_TOKEN_2022, QNFT_PROGRAM_ATA,
        QNFT_PROGRAM_METADATA, QNFT_SYSVAR_RENT, QNFT_SYSVAR_INSTRUCTIONS, QNFT_PROGRAM_MEMO,
        QNFT_PROGRAM_COMPUTE_BUDGET
    };
    qnft_pubkey k, zero;
    size_t i;
    for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
        k = key(ids[i]);
        ck_assert_str_eq(str(&k), ids[i]);      /* canonical: encodes back */
    }
    memset(&zero, 0, sizeof(zero));
    k = key(QNFT_PROGRAM_SYSTEM);
    ck_assert_mem_eq(k.b, zero.b, 32);
}
END_TEST

START_TEST(test_pubkey_parse_refuses)
{
    qnft_pubkey k;
    ck_assert_int_ne(qnft_pubkey_parse(NULL, &k), 0);
    ck_assert_int_ne(qnft_pubkey_parse("", &k), 0);
    /* 31 bytes, then 33 bytes */
    ck_assert_int_ne(qnft_pubkey_parse("1111111111111111111111111111111", &k), 0);
    ck_assert_int_ne(qnft_pubkey_parse("111111111111111111111111111111111", &k), 0);
    /* '0', 'O', 'I', 'l' are not in the alphabet */
    ck_assert_int_ne(qnft_pubkey_parse("0PFLoader1111111111111111111111111111111111", &k), 0);
    ck_assert_int_ne(qnft_pubkey_parse("BPFLoader111111111111111111111111111111111l", &k), 0);
    ck_assert_int_ne(qnft_pubkey_parse("BPFLoader1111111111111111111111111111111111 ", &k), 0);
}
END_TEST

/* ---- the curve test ---------------------------------------------------------- */

START_TEST(test_on_curve_real_keys)
{
    unsigned char seed[32], pub[32];
    int i;
    for (i = 0; i < 200; i++) {
        ck_assert_int_eq(qnft_ed25519_generate(seed), 0);
        ck_assert_int_eq(qnft_ed25519_public(seed, pub), 0);
        ck_assert_int_eq(qnft_ed25519_on_curve(pub), 1);
    }
}
END_TEST

START_TEST(test_on_curve_edges)
{
    unsigned char y[32];
    qnft_pubkey k;

    /* y = 1 (u = 0: the identity) and y = 0 (x^2 = -1, a square): on curve */
    memset(y, 0, 32);
    y[0] = 1;
    ck_assert_int_eq(qnft_ed25519_on_curve(y), 1);
    y[31] = 0x80;                           /* the sign bit is not part of y */
    ck_assert_int_eq(qnft_ed25519_on_curve(y), 1);
    memset(y, 0, 32);
    ck_assert_int_eq(qnft_ed25519_on_curve(y), 1);
    /* y = p + 1, non-canonical: reduced to 1, not refused (dalek semantics) */
    memset(y, 0xff, 32);
    y[0] = 0xee;
    y[31] = 0x7f;
    ck_assert_int_eq(qnft_ed25519_on_curve(y), 1);
    /* y = 2^255 - 1 = p + 18 -> 18: on curve; y = p + 2 -> 2 and y = 2: off
     * (values checked against a transcription of dalek's sqrt_ratio_i) */
    y[0] = 0xff;
    ck_assert_int_eq(qnft_ed25519_on_curve(y), 1);
    y[0] = 0xef;
    ck_assert_int_eq(qnft_ed25519_on_curve(y), 0);
    memset(y, 0, 32);
    y[0] = 2;
    ck_assert_int_eq(qnft_ed25519_on_curve(y), 0);
    /* the base point (y = 4/5) */
    memset(y, 0x66, 32);
    y[0] = 0x58;
    ck_assert_int_eq(qnft_ed25519_on_curve(y), 1);
    /* addresses that are PDAs are, by construction, off curve */
    k = key("3gF2KMe9KiC6FNVBmfg9i267aMPvK37FewCip4eGBFcT");
    ck_assert_int_eq(qnft_ed25519_on_curve(k.b), 0);
    k = key("DShWnroshVbeUp28oopA3Pu7oFPDBtC1DBmPECXXAQ9n");
    ck_assert_int_eq(qnft_ed25519_on_curve(k.b), 0);
}
END_TEST

/* About half of all hashes are curve points: random y off curve and on
 * curve must both be common, or the test is degenerate. */
START_TEST(test_on_curve_balance)
{
    unsigned char h[32];
    int i, on = 0;
    for (i = 0; i < 400; i++) {
        qnft_sha256_once(&i, sizeof(i), h);
        on += qnft_ed25519_on_curve(h);
    }
    ck_assert_int_gt(on, 140);
    ck_assert_int_lt(on, 260);
}
END_TEST

/* ---- PDAs --------------------------------------------------------------------- */

START_TEST(test_create_program_address_vectors)
{
    static const char *const empty_one[] = { "", "\x01" };
    static const char *const sun[] = { "\xe2\x98\x89" };            /* "☉" */
    static const char *const squirrels[] = { "Talking", "Squirrels" };
    qnft_pubkey out, seedkey = key("SeedPubey1111111111111111111111111111111111");
    qnft_pubkey prog = key(BPF_LOADER), h4 = key("H4snTKK9adiU15gP22ErfZYtro3aqR9BTMXiH3AwiUTQ");
    const unsigned char *seeds[2];
    apr_size_t lens[2];
    static const unsigned char two[8] = { 2, 0, 0, 0, 0, 0, 0, 0 };

    ck_assert_int_eq(create_text(empty_one, 2, BPF_LOADER, &out), 0);
    ck_assert_str_eq(str(&out), "3gF2KMe9KiC6FNVBmfg9i267aMPvK37FewCip4eGBFcT");
    ck_assert_int_eq(create_text(sun, 1, BPF_LOADER, &out), 0);
    ck_assert_str_eq(str(&out), "7ytmC1nT1xY4RfxCV2ZgyA7UakC93do5ZdyhdF3EtPj7");
    ck_assert_int_eq(create_text(squirrels, 2, BPF_LOADER, &out), 0);
    ck_assert_str_eq(str(&out), "HwRVBufQ4haG5XSgpspwKtNd3PC9GM9m1196uJW36vds");

    seeds[0] = seedkey.b;
    lens[0] = 32;
    ck_assert_int_eq(qnft_create_program_address(seeds, lens, 1, &prog, &out), 0);
    ck_assert_str_eq(str(&out), "GUs5qLUfsEHkcMB9T38vjr18ypEhRuNWiePW2LoK4E3K");

    prog = key("4ckmDgGdxQoPDLUkDT3vHgSAkzA3QRdNq5ywwY4sUSJn");
    seeds[0] = h4.b;
    seeds[1] = two;
    lens[1] = 8;
    ck_assert_int_eq(qnft_create_program_address(seeds, lens, 2, &prog, &out), 0);
    ck_assert_str_eq(str(&out), "12rqwuEgBYiGhBrDJStCiqEtzQpTTiZbh7teNVLuYcFA");

    /* different seeds, different address */
    seeds[1] = (const unsigned char *)"\x03\0\0\0\0\0\0\0";
    ck_assert_int_eq(qnft_create_program_address(seeds, lens, 2, &prog, &out), 0);
    ck_assert_str_ne(str(&out), "12rqwuEgBYiGhBrDJStCiqEtzQpTTiZbh7teNVLuYcFA");
}
END_TEST

START_TEST(test_find_program_address_vector)
{
    const unsigned char *seeds[2] = { (const unsigned char *)"", NULL };
    apr_size_t lens[2] = { 0, 1 };
    qnft_pubkey prog = key(BPF_LOADER), out, again;
    unsigned char bump = 0;

    ck_assert_int_eq(qnft_find_program_address(seeds, lens, 1, &prog, &out, &bump), 0);
    ck_assert_str_eq(str(&out), "EXWkUCz3YJU9TDVk39ogA4TwoVsUi75ZDhH6yT7acPgQ");
    ck_assert_int_eq(bump, 255);
    /* the same address from create_program_address with the bump as a seed */
    seeds[1] = &bump;
    ck_assert_int_eq(qnft_create_program_address(seeds, lens, 2, &prog, &again), 0);
    ck_assert_mem_eq(again.b, out.b, 32);
    /* no seeds at all is allowed too, and bump may be NULL */
    ck_assert_int_eq(qnft_find_program_address(NULL, NULL, 0, &prog, &out, NULL), 0);
}
END_TEST

/* A bump below 255 proves the walk down: every higher bump must be on curve. */
START_TEST(test_find_walks_down)
{
    qnft_pubkey prog = key(BPF_LOADER), out, tmp;
    unsigned char ctr[4], bump = 0, b;
    const unsigned char *seeds[2] = { ctr, &b };
    apr_size_t lens[2] = { 4, 1 };
    unsigned int c;

    for (c = 0; c < 1000; c++) {
        memcpy(ctr, &c, 4);
        ck_assert_int_eq(qnft_find_program_address(seeds, lens, 1, &prog, &out, &bump), 0);
        if (bump < 254) {
            break;
        }
    }
    ck_assert_int_lt(bump, 254);
    for (b = 255; b > bump; b--) {
        ck_assert_int_eq(qnft_create_program_address(seeds, lens, 2, &prog, &tmp),
                         QNFT_PDA_ON_CURVE);
    }
    b = bump;
    ck_assert_int_eq(qnft_create_program_address(seeds, lens, 2, &prog, &tmp), 0);
    ck_assert_mem_eq(tmp.b, out.b, 32);
}
END_TEST

START_TEST(test_ata_vectors)
{
    qnft_pubkey wallet = key("B8UwBUUnKwCyKuGMbFKWaG7exYdDk2ozZrPg72NyVbfj");
    qnft_pubkey mint = key("7o36UsWR1JQLpZ9PE2gn9L4SQ69CNNiWAXd4Jt7rqz9Z");
    qnft_pubkey token = key(QNFT_PROGRAM_TOKEN), token22 = key(QNFT_PROGRAM_TOKEN_2022), out;

    ck_assert_int_eq(qnft_ata_address(&wallet, &mint, &token, &out), 0);
    ck_assert_str_eq(str(&out), "DShWnroshVbeUp28oopA3Pu7oFPDBtC1DBmPECXXAQ9n");

    wallet = key("22Wnk8PwyWZV7BfkZGJEKT9jGGdtvu7xY6EXeRh7zkBa");
    mint = key("2b1kV6DkPAnxd5ixfnxCpjxmKwqjjaYmCZfHsFu24GXo");
    ck_assert_int_eq(qnft_ata_address(&wallet, &mint, &token22, &out), 0);
    ck_assert_str_eq(str(&out), "5nu6HDY7t1Ds8oPNsArrhb1rzvRqmGubyteyAUncFyNb");
    /* the token program is part of the address */
    ck_assert_int_eq(qnft_ata_address(&wallet, &mint, &token, &out), 0);
    ck_assert_str_ne(str(&out), "5nu6HDY7t1Ds8oPNsArrhb1rzvRqmGubyteyAUncFyNb");
}
END_TEST

START_TEST(test_metaplex_pdas)
{
    qnft_pubkey mint = key("HDLRMKW1FDz2q5Zg778CZx26UgrtnqpUDkNNJHhmVUFr");
    qnft_pubkey meta = key(QNFT_PROGRAM_METADATA), out, edition, again;
    unsigned char bump = 0, ebump = 0;
    const unsigned char *seeds[5];
    apr_size_t lens[5];

    ck_assert_int_eq(qnft_metadata_pda(&mint, &out, &bump), 0);
    ck_assert_str_eq(str(&out), "Ff68e9DL9p1GUBkhRXxdv61wiYd8X6iFWTS6XWgsDptP");
    ck_assert_int_eq(bump, 253);

    /* edition: value from @solana/web3.js findProgramAddressSync, and the
     * generic derivation with the seeds spelled out */
    ck_assert_int_eq(qnft_edition_pda(&mint, &edition, &ebump), 0);
    ck_assert_str_eq(str(&edition), "5N76WqsKLpDk3jRnvFTF4yS9bcnef84LNDvDpQwr8Rv6");
    ck_assert_int_eq(ebump, 254);
    seeds[0] = (const unsigned char *)"metadata";
    lens[0] = 8;
    seeds[1] = meta.b;
    lens[1] = 32;
    seeds[2] = mint.b;
    lens[2] = 32;
    seeds[3] = (const unsigned char *)"edition";
    lens[3] = 7;
    seeds[4] = &ebump;
    lens[4] = 1;
    ck_assert_int_eq(qnft_create_program_address(seeds, lens, 5, &meta, &again), 0);
    ck_assert_mem_eq(again.b, edition.b, 32);
    ck_assert_mem_ne(edition.b, out.b, 32);
}
END_TEST

/* Search seeds until the raw PDA hash is a curve point; the function must
 * refuse exactly those, and return the hash itself for the others. */
START_TEST(test_create_refuses_curve_point)
{
    static const char marker[] = "ProgramDerivedAddress";
    qnft_pubkey prog = key(BPF_LOADER), out;
    unsigned char buf[4 + 32 + 21], hash[32];
    const unsigned char *seeds[1] = { buf };
    apr_size_t lens[1] = { 4 };
    unsigned int c;
    int on = 0, off = 0;

    memcpy(buf + 4, prog.b, 32);
    memcpy(buf + 36, marker, 21);
    for (c = 0; c < 64 && (on < 3 || off < 3); c++) {
        memcpy(buf, &c, 4);
        qnft_sha256_once(buf, sizeof(buf), hash);
        if (qnft_ed25519_on_curve(hash)) {
            ck_assert_int_eq(qnft_create_program_address(seeds, lens, 1, &prog, &out),
                             QNFT_PDA_ON_CURVE);
            on++;
        }
        else {
            ck_assert_int_eq(qnft_create_program_address(seeds, lens, 1, &prog, &out), 0);
            ck_assert_mem_eq(out.b, hash, 32);
            off++;
        }
    }
    ck_assert_int_ge(on, 3);
    ck_assert_int_ge(off, 3);
}
END_TEST

START_TEST(test_seed_limits)
{
    static unsigned char big[33];
    const unsigned char *seeds[17];
    apr_size_t lens[17];
    qnft_pubkey prog = key(BPF_LOADER), out;
    int i, rc;

    for (i = 0; i < 17; i++) {
        seeds[i] = (const unsigned char *)"s";
        lens[i] = 1;
    }
    ck_assert_int_eq(qnft_create_program_address(seeds, lens, 17, &prog, &out),
                     QNFT_PDA_BAD_SEEDS);
    rc = qnft_create_program_address(seeds, lens, 16, &prog, &out);
    ck_assert(rc == 0 || rc == QNFT_PDA_ON_CURVE);
    /* find needs one slot for the bump */
    ck_assert_int_eq(qnft_find_program_address(seeds, lens, 16, &prog, &out, NULL),
                     QNFT_PDA_BAD_SEEDS);
    ck_assert_int_eq(qnft_find_program_address(seeds, lens, 15, &prog, &out, NULL), 0);
    ck_assert_int_eq(qnft_create_program_address(seeds, lens, -1, &prog, &out),
                     QNFT_PDA_BAD_SEEDS);

    seeds[0] = big;
    lens[0] = 33;
    ck_assert_int_eq(qnft_create_program_address(seeds, lens, 1, &prog, &out),
                     QNFT_PDA_BAD_SEEDS);
    ck_assert_int_eq(qnft_find_program_address(seeds, lens, 1, &prog, &out, NULL),
                     QNFT_PDA_BAD_SEEDS);
    lens[0] = 32;
    rc = qnft_create_program_address(seeds, lens, 1, &prog, &out);
    ck_assert(rc == 0 || rc == QNFT_PDA_ON_CURVE);
    ck_assert_int_eq(qnft_find_program_address(seeds, lens, 1, &prog, &out, NULL), 0);
    /* NULL with a non-zero length */
    seeds[0] = NULL;
    ck_assert_int_eq(qnft_create_program_address(seeds, lens, 1, &prog, &out),
                     QNFT_PDA_BAD_SEEDS);
}
END_TEST

/* ---- keypair files -------------------------------------------------------- */

static const char *path_in(const char *name)
{
    return apr_pstrcat(pool, dir, "/", name, NULL);
}

static void put(const char *path, const char *text, mode_t mode)
{
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
    ck_assert_int_eq(chmod(path, mode), 0);
}

/* n numbers: the keypair's bytes (then 7s beyond 64) */
static const char *numbers(const qnft_keypair *kp, int n)
{
    const char *s = "[";
    int i;
    for (i = 0; i < n; i++) {
        unsigned v = i < 32 ? kp->seed[i] : i < 64 ? kp->pub.b[i - 32] : 7;
        s = apr_psprintf(pool, "%s%s%u", s, i ? ", " : "", v);
    }
    return apr_pstrcat(pool, s, "]", NULL);
}

static apr_status_t read_text(const char *text, mode_t mode, qnft_keypair *kp,
                              const char **err)
{
    const char *p = path_in("k.json");
    put(p, text, mode);
    *err = NULL;
    return qnft_keypair_read(pool, p, kp, err);
}

START_TEST(test_keypair_vector)
{
    unsigned char seed[32];
    qnft_keypair kp;
    memset(seed, 8, 32);
    ck_assert_int_eq(qnft_keypair_from_seed(&kp, seed), 0);
    ck_assert_str_eq(str(&kp.pub), "2KW2XRd9kwqet15Aha2oK3tYvd3nWbTFH1MBiRAv1BE1");
}
END_TEST

START_TEST(test_keypair_round_trip)
{
    qnft_keypair kp, back, other;
    const char *p = path_in("id.json"), *err = NULL;
    unsigned char sig[64];
    struct stat st;
    int entries = 0;
    apr_dir_t *d;
    apr_finfo_t fi;

    ck_assert_int_eq(qnft_keypair_generate(&kp), 0);
    ck_assert_int_eq(qnft_keypair_write(pool, p, &kp), APR_SUCCESS);
    ck_assert_int_eq(stat(p, &st), 0);
    ck_assert_int_eq(st.st_mode & 07777, 0600);
    ck_assert_int_eq(qnft_keypair_read(pool, p, &back, &err), APR_SUCCESS);
    ck_assert_ptr_null(err);
    ck_assert_mem_eq(back.seed, kp.seed, 32);
    ck_assert_mem_eq(back.pub.b, kp.pub.b, 32);

    /* the file is solana-keygen's format byte for byte */
    {
        apr_file_t *f;
        char text[400];
        apr_size_t n = sizeof(text) - 1;
        const char *want = apr_pstrcat(pool, numbers(&kp, 64), NULL);
        char *compact = apr_pstrdup(pool, want), *w = compact;
        const char *r;
        for (r = want; *r; r++) {
            if (*r != ' ') {
                *w++ = *r;
            }
        }
        *w = '\0';
        ck_assert_int_eq(apr_file_open(&f, p, APR_FOPEN_READ, 0, pool), APR_SUCCESS);
        apr_file_read(f, text, &n);
        apr_file_close(f);
        text[n] = '\0';
        ck_assert_str_eq(text, compact);
    }

    /* overwrite atomically with another key; no temp file left behind */
    ck_assert_int_eq(qnft_keypair_generate(&other), 0);
    ck_assert_mem_ne(other.seed, kp.seed, 32);
    ck_assert_int_eq(qnft_keypair_write(pool, p, &other), APR_SUCCESS);
    ck_assert_int_eq(qnft_keypair_read(pool, p, &back, &err), APR_SUCCESS);
    ck_assert_mem_eq(back.seed, other.seed, 32);
    ck_assert_int_eq(apr_dir_open(&d, dir, pool), APR_SUCCESS);
    while (apr_dir_read(&fi, APR_FINFO_NAME, d) == APR_SUCCESS) {
        entries += strcmp(fi.name, ".") && strcmp(fi.name, "..");
    }
    apr_dir_close(d);
    ck_assert_int_eq(entries, 1);

    /* signatures verify under the public key */
    ck_assert_int_eq(qnft_keypair_sign(&back, (const unsigned char *)"abc", 3, sig), 0);
    ck_assert_int_eq(qnft_ed25519_verify(back.pub.b, (const unsigned char *)"abc", 3, sig), 1);
    ck_assert_int_eq(qnft_ed25519_verify(kp.pub.b, (const unsigned char *)"abc", 3, sig), 0);
    qnft_keypair_clear(&back);
}
END_TEST

START_TEST(test_keypair_refuses_open_mode)
{
    qnft_keypair kp, back;
    const char *err;
    ck_assert_int_eq(qnft_keypair_generate(&kp), 0);
    ck_assert_int_eq(read_text(numbers(&kp, 64), 0644, &back, &err), APR_EACCES);
    ck_assert_ptr_nonnull(strstr(err, "group or others"));
    ck_assert_ptr_nonnull(strstr(err, "0644"));
    ck_assert_int_eq(read_text(numbers(&kp, 64), 0640, &back, &err), APR_EACCES);
    ck_assert_int_eq(read_text(numbers(&kp, 64), 0602, &back, &err), APR_EACCES);
    ck_assert_int_eq(read_text(numbers(&kp, 64), 0400, &back, &err), APR_SUCCESS);
    ck_assert_mem_eq(back.seed, kp.seed, 32);
}
END_TEST

START_TEST(test_keypair_refuses_bad_content)
{
    qnft_keypair kp, back;
    const char *err, *ok, *s;
    char *bad;

    ck_assert_int_eq(qnft_keypair_generate(&kp), 0);
    ok = numbers(&kp, 64);
    ck_assert_int_eq(read_text(ok, 0600, &back, &err), APR_SUCCESS);

    ck_assert_int_eq(read_text(numbers(&kp, 63), 0600, &back, &err), APR_EINVAL);
    ck_assert_ptr_nonnull(strstr(err, "63 numbers"));
    ck_assert_int_eq(read_text(numbers(&kp, 65), 0600, &back, &err), APR_EINVAL);
    ck_assert_int_eq(read_text("[]", 0600, &back, &err), APR_EINVAL);

    /* 256 in place of the first byte */
    bad = apr_pstrcat(pool, "[256", strchr(ok, ','), NULL);
    ck_assert_int_eq(read_text(bad, 0600, &back, &err), APR_EINVAL);
    ck_assert_ptr_nonnull(strstr(err, "0..255"));
    bad = apr_pstrcat(pool, "[-1", strchr(ok, ','), NULL);
    ck_assert_int_eq(read_text(bad, 0600, &back, &err), APR_EINVAL);
    bad = apr_pstrcat(pool, "[1.0", strchr(ok, ','), NULL);
    ck_assert_int_eq(read_text(bad, 0600, &back, &err), APR_EINVAL);
    bad = apr_pstrcat(pool, "[\"1\"", strchr(ok, ','), NULL);
    ck_assert_int_eq(read_text(bad, 0600, &back, &err), APR_EINVAL);

    /* a public half that is not the seed's */
    bad = apr_pstrdup(pool, ok);
    s = strrchr(bad, ',');
    bad[s - bad] = '\0';
    bad = apr_psprintf(pool, "%s, %u]", bad, (kp.pub.b[31] + 1u) & 0xff);
    ck_assert_int_eq(read_text(bad, 0600, &back, &err), APR_EINVAL);
    ck_assert_ptr_nonnull(strstr(err, "not the public key"));

    /* not JSON, not an array, empty, trailing garbage */
    ck_assert_int_eq(read_text("not json at all", 0600, &back, &err), APR_EINVAL);
    ck_assert_ptr_nonnull(strstr(err, "not valid JSON"));
    ck_assert_int_eq(read_text("", 0600, &back, &err), APR_EINVAL);
    ck_assert_int_eq(read_text("{\"seed\": 1}", 0600, &back, &err), APR_EINVAL);
    ck_assert_int_eq(read_text(apr_pstrcat(pool, ok, "x", NULL), 0600, &back, &err),
                     APR_EINVAL);
    ck_assert_int_eq(read_text(apr_pstrcat(pool, "[", ok, "]", NULL), 0600, &back, &err),
                     APR_EINVAL);
    /* whitespace and a newline are fine (hand-edited files) */
    ck_assert_int_eq(read_text(apr_pstrcat(pool, "\n ", ok, " \n", NULL), 0600, &back, &err),
                     APR_SUCCESS);
}
END_TEST

START_TEST(test_keypair_missing_file)
{
    qnft_keypair kp;
    const char *err = NULL;
    ck_assert_int_eq(qnft_keypair_generate(&kp), 0);
    ck_assert_int_ne(qnft_keypair_read(pool, path_in("absent.json"), &kp, &err), APR_SUCCESS);
    ck_assert_ptr_nonnull(strstr(err, "absent.json"));
    /* a directory is not a keypair */
    ck_assert_int_eq(chmod(dir, 0700), 0);
    ck_assert_int_ne(qnft_keypair_read(pool, dir, &kp, &err), APR_SUCCESS);
    /* err may be NULL */
    ck_assert_int_ne(qnft_keypair_read(pool, path_in("absent.json"), &kp, NULL), APR_SUCCESS);
    /* writing into a missing directory fails cleanly */
    ck_assert_int_ne(qnft_keypair_write(pool, path_in("no/such.json"), &kp), APR_SUCCESS);
}
END_TEST

Suite *qnft_suite_solana_keys(void)
{
    Suite *s = suite_create("solana_keys");
    TCase *tc = tcase_create("solana_keys");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_base58_vectors);
    tcase_add_test(tc, test_program_ids);
    tcase_add_test(tc, test_pubkey_parse_refuses);
    tcase_add_test(tc, test_on_curve_real_keys);
    tcase_add_test(tc, test_on_curve_edges);
    tcase_add_test(tc, test_on_curve_balance);
    tcase_add_test(tc, test_create_program_address_vectors);
    tcase_add_test(tc, test_find_program_address_vector);
    tcase_add_test(tc, test_find_walks_down);
    tcase_add_test(tc, test_ata_vectors);
    tcase_add_test(tc, test_metaplex_pdas);
    tcase_add_test(tc, test_create_refuses_curve_point);
    tcase_add_test(tc, test_seed_limits);
    tcase_add_test(tc, test_keypair_vector);
    tcase_add_test(tc, test_keypair_round_trip);
    tcase_add_test(tc, test_keypair_refuses_open_mode);
    tcase_add_test(tc, test_keypair_refuses_bad_content);
    tcase_add_test(tc, test_keypair_missing_file);
    suite_add_tcase(s, tc);
    return s;
}
