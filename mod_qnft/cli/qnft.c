/* qnft: the administration tool of mod_qnft, on the same core library. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <apr_general.h>
#include <apr_strings.h>
#include <apr_file_io.h>
#include <apr_mmap.h>

#include "db/qnft_migrate.h"
#include "db/qnft_schema.h"
#include "image/qnft_decode.h"
#include "image/qnft_probe.h"
#include "image/qnft_render.h"
#include "util/qnft_digest.h"
#include "solana/qnft_keypair.h"
#include "solana/qnft_pda.h"
#include "solana/qnft_programs.h"
#include "solana/qnft_tx.h"
#include "util/qnft_json.h"

#ifndef QNFT_SQLDIR
#define QNFT_SQLDIR "/usr/share/mod_qnft/sql"
#endif

static void usage(FILE *out)
{
    fprintf(out,
        "usage: qnft <command> [options]\n"
        "\n"
        "commands:\n"
        "  migrate --db PARAMS [--sql DIR]   apply the SQL migrations not yet applied\n"
        "                                    (PARAMS as in DBDParams; DIR default %s)\n"
        "  probe FILE                        print an image's type and dimensions\n"
        "  gif IN OUT [options]              render the quantum GIF of a picture\n"
        "      --style S       default, noise, kaleidoscope or wave_warp (default: default)\n"
        "      --frames N      frame count (default 50)    --delay MS  per frame (default 100)\n"
        "      --max-side N    longest side (default 512)\n"
        "      --btc P --sol P overlay prices (default N/A)\n"
        "      --time T        overlay time, seconds since 1970 (default now)\n"
        "      --stats         print size, time, PSNR and peak memory as key=value\n"
        "  keygen --out FILE                 create a solana-keygen keypair file (mode 0600)\n"
        "  address KEYPAIR                   print a keypair file's address\n"
        "  pda ata WALLET MINT [token2022]   the associated token account address\n"
        "  pda metadata MINT                 the Metaplex metadata account address\n"
        "  pda edition MINT                  the Metaplex master edition address\n"
        "  decode-tx BASE64                  a wire transaction as JSON (keys, flags,\n"
        "                                    instructions, signatures); checks the rules\n"
        "  version                           print versions\n",
        QNFT_SQLDIR);
}

static const char *opt(int argc, const char *const *argv, const char *name)
{
    int i;
    for (i = 0; i + 1 < argc; i++) {
        if (!strcmp(argv[i], name)) {
            return argv[i + 1];
        }
    }
    return NULL;
}

static int int_opt(int argc, const char *const *argv, const char *name, int def,
                   int min, int max)
{
    const char *v = opt(argc, argv, name);
    int n;
    if (!v) {
        return def;
    }
    n = atoi(v);
    if (n < min || n > max) {
        fprintf(stderr, "qnft: %s must be %d..%d\n", name, min, max);
        exit(2);
    }
    return n;
}

static int has_flag(int argc, const char *const *argv, const char *name)
{
    int i;
    for (i = 0; i < argc; i++) {
        if (!strcmp(argv[i], name)) {
            return 1;
        }
    }
    return 0;
}

static apr_status_t write_file(void *baton, const void *data, apr_size_t len)
{
    return apr_file_write_full(baton, data, len, NULL);
}

static int read_whole(apr_pool_t *p, const char *path, const unsigned char **data,
                      apr_size_t *len)
{
    apr_file_t *f;
    apr_finfo_t fi;
    apr_mmap_t *mm;
    if (apr_file_open(&f, path, APR_FOPEN_READ, 0, p) != APR_SUCCESS
        || apr_file_info_get(&fi, APR_FINFO_SIZE, f) != APR_SUCCESS || fi.size == 0
        || apr_mmap_create(&mm, f, 0, (apr_size_t)fi.size, APR_MMAP_READ, p) != APR_SUCCESS) {
        return 0;
    }
    *data = mm->mm;
    *len = mm->size;
    return 1;
}

static long peak_rss_kb(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[128];
    long kb = -1;
    while (f && fgets(line, sizeof(line), f)) {
        if (!strncmp(line, "VmHWM:", 6)) {
            kb = atol(line + 6);
        }
    }
    if (f) {
        fclose(f);
    }
    return kb;
}

static int cmd_gif(apr_pool_t *p, int argc, const char *const *argv)
{
    qnft_render_opts o;
    qnft_render_stats st;
    qnft_img_info info;
    qnft_rgb *rgb;
    const unsigned char *data;
    apr_size_t len;
    apr_file_t *out;
    const char *style = opt(argc, argv, "--style");
    const char *btc = opt(argc, argv, "--btc"), *sol = opt(argc, argv, "--sol");
    const char *when = opt(argc, argv, "--time");
    double btc_v, sol_v;
    apr_time_t t0, t1, t2;
    apr_status_t rv;

    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    memset(&o, 0, sizeof(o));
    if (style && qnft_style_parse(style, &o.style) != 0) {
        fprintf(stderr, "qnft gif: unknown style '%s' (valid: %s)\n", style, qnft_style_list());
        return 2;
    }
    o.frames = int_opt(argc, argv, "--frames", 50, 2, 500);
    o.delay_ms = int_opt(argc, argv, "--delay", 100, 20, 10000);
    o.measure = has_flag(argc, argv, "--stats");
    if (!read_whole(p, argv[0], &data, &len)) {
        fprintf(stderr, "qnft gif: cannot read %s\n", argv[0]);
        return 1;
    }
    qnft_decode_init();
    t0 = apr_time_now();
    switch (qnft_decode(p, data, len, APR_INT64_C(1000000000),
                        int_opt(argc, argv, "--max-side", 512, 16, 4096), &rgb, &info)) {
    case QNFT_DECODE_OK:
        break;
    case QNFT_DECODE_UNSUPPORTED:
        fprintf(stderr, "qnft gif: %s is not a PNG, JPEG, GIF or WebP image\n", argv[0]);
        return 1;
    default:
        fprintf(stderr, "qnft gif: %s is damaged or too large\n", argv[0]);
        return 1;
    }
    t1 = apr_time_now();
    qnft_sha256_once(data, len, o.seed);
    btc_v = btc ? atof(btc) : 0;
    sol_v = sol ? atof(sol) : 0;
    qnft_render_caption(p, btc ? &btc_v : NULL, sol ? &sol_v : NULL,
                        when ? apr_time_from_sec(atol(when)) : apr_time_now(), o.lines);
    if (apr_file_open(&out, argv[1], APR_FOPEN_CREATE | APR_FOPEN_WRITE | APR_FOPEN_TRUNCATE
                      | APR_FOPEN_BUFFERED, APR_FPROT_OS_DEFAULT, p) != APR_SUCCESS) {
        fprintf(stderr, "qnft gif: cannot write %s\n", argv[1]);
        return 1;
    }
    rv = qnft_render_gif(p, rgb, &o, write_file, out, &st);
    apr_file_close(out);
    t2 = apr_time_now();
    if (rv != APR_SUCCESS) {
        fprintf(stderr, "qnft gif: writing %s failed\n", argv[1]);
        return 1;
    }
    if (o.measure) {
        printf("width=%d height=%d frames=%d colors=%d bytes=%" APR_OFF_T_FMT
               " decode_ms=%.1f render_ms=%.1f ms_per_frame=%.2f psnr_mean=%.2f psnr_min=%.2f"
               " peak_rss_kb=%ld\n", st.width, st.height, st.frames, st.colors, st.bytes,
               (t1 - t0) / 1000.0, (t2 - t1) / 1000.0, (t2 - t1) / 1000.0 / st.frames,
               st.psnr_mean, st.psnr_min, peak_rss_kb());
    }
    return 0;
}

static int cmd_keygen(apr_pool_t *p, int argc, const char *const *argv)
{
    const char *out = opt(argc, argv, "--out");
    qnft_keypair kp;
    apr_status_t rv;

    if (!out) {
        fprintf(stderr, "qnft keygen: give --out FILE\n");
        return 2;
    }
    if (qnft_keypair_generate(&kp) != 0) {
        fprintf(stderr, "qnft keygen: no randomness\n");
        return 1;
    }
    rv = qnft_keypair_write(p, out, &kp);
    if (rv != APR_SUCCESS) {
        char buf[128];
        fprintf(stderr, "qnft keygen: cannot write %s: %s\n", out, apr_strerror(rv, buf, sizeof(buf)));
        qnft_keypair_clear(&kp);
        return 1;
    }
    printf("%s\n", qnft_pubkey_str(p, &kp.pub));
    qnft_keypair_clear(&kp);
    return 0;
}

static int cmd_address(apr_pool_t *p, int argc, const char *const *argv)
{
    qnft_keypair kp;
    const char *err = NULL;
    if (argc < 1) {
        usage(stderr);
        return 2;
    }
    if (qnft_keypair_read(p, argv[0], &kp, &err) != APR_SUCCESS) {
        fprintf(stderr, "qnft address: %s\n", err);
        return 1;
    }
    printf("%s\n", qnft_pubkey_str(p, &kp.pub));
    qnft_keypair_clear(&kp);
    return 0;
}

static int cmd_pda(apr_pool_t *p, int argc, const char *const *argv)
{
    qnft_pubkey a, b, prog, out;
    unsigned char bump = 0;
    int rc;

    if (argc >= 3 && !strcmp(argv[0], "ata")) {
        if (qnft_pubkey_parse(argv[1], &a) || qnft_pubkey_parse(argv[2], &b)
            || qnft_pubkey_parse(argc > 3 && !strcmp(argv[3], "token2022")
                                 ? QNFT_PROGRAM_TOKEN_2022 : QNFT_PROGRAM_TOKEN, &prog)) {
            fprintf(stderr, "qnft pda: addresses are base58, 32 bytes\n");
            return 2;
        }
        rc = qnft_ata_address(&a, &b, &prog, &out);
    }
    else if (argc >= 2 && (!strcmp(argv[0], "metadata") || !strcmp(argv[0], "edition"))) {
        if (qnft_pubkey_parse(argv[1], &a)) {
            fprintf(stderr, "qnft pda: the mint is base58, 32 bytes\n");
            return 2;
        }
        rc = !strcmp(argv[0], "metadata") ? qnft_metadata_pda(&a, &out, &bump)
                                          : qnft_edition_pda(&a, &out, &bump);
    }
    else {
        usage(stderr);
        return 2;
    }
    if (rc != 0) {
        fprintf(stderr, "qnft pda: no address\n");
        return 1;
    }
    printf("%s", qnft_pubkey_str(p, &out));
    if (bump) {
        printf(" bump %u", bump);
    }
    printf("\n");
    return 0;
}

static int cmd_decode_tx(apr_pool_t *p, int argc, const char *const *argv)
{
    qnft_tx *tx = NULL;
    const char *err = NULL, *text;
    json_t *j;

    if (argc < 1) {
        usage(stderr);
        return 2;
    }
    if (qnft_tx_decode_base64(p, argv[0], &tx, &err) != APR_SUCCESS) {
        fprintf(stderr, "qnft decode-tx: %s\n", err);
        return 1;
    }
    j = qnft_tx_to_json(p, tx);
    json_object_set_new(j, "signatures_valid", json_boolean(qnft_tx_verify(tx)));
    text = json_dumps(j, JSON_INDENT(2));
    printf("%s\n", text);
    free((void *)text);
    return 0;
}

static void print_applied(void *baton, int version, const char *name)
{
    printf("applied %04d %s\n", version, name);
}

static int cmd_migrate(apr_pool_t *p, int argc, const char *const *argv)
{
    const char *db = opt(argc, argv, "--db");
    const char *dir = opt(argc, argv, "--sql");
    const char *err = NULL;
    int from = 0, to = 0;

    if (!db) {
        db = getenv("QNFT_DB");
    }
    if (!db) {
        fprintf(stderr, "qnft migrate: give --db \"host=... dbname=... user=...\" "
                        "(or set QNFT_DB)\n");
        return 2;
    }
    if (!dir) {
        dir = QNFT_SQLDIR;
    }
    if (qnft_migrate(p, db, dir, &from, &to, print_applied, NULL, &err) != APR_SUCCESS) {
        fprintf(stderr, "qnft migrate: %s\n", err);
        return 1;
    }
    printf("schema version %d (was %d; this build needs %d)\n", to, from, QNFT_SCHEMA_VERSION);
    return to >= QNFT_SCHEMA_VERSION ? 0 : 1;
}

static int cmd_probe(apr_pool_t *p, int argc, const char *const *argv)
{
    apr_file_t *f;
    apr_finfo_t fi;
    apr_mmap_t *mm;
    qnft_img_info info;
    qnft_probe_status st;

    if (argc < 1) {
        usage(stderr);
        return 2;
    }
    if (apr_file_open(&f, argv[0], APR_FOPEN_READ, 0, p) != APR_SUCCESS
        || apr_file_info_get(&fi, APR_FINFO_SIZE, f) != APR_SUCCESS || fi.size == 0
        || apr_mmap_create(&mm, f, 0, (apr_size_t)fi.size, APR_MMAP_READ, p) != APR_SUCCESS) {
        fprintf(stderr, "qnft probe: cannot read %s\n", argv[0]);
        return 1;
    }
    memset(&info, 0, sizeof(info));
    st = qnft_img_probe(mm->mm, mm->size, &info);
    if (st != QNFT_PROBE_OK) {
        printf("%s: %s\n", argv[0], st == QNFT_PROBE_UNSUPPORTED ? "not a supported image"
                                    : "damaged or truncated header");
        return 1;
    }
    printf("%s: %s %ux%u orientation %d%s\n", argv[0], qnft_img_mime(info.type),
           info.width, info.height, info.orientation, info.animated ? " animated" : "");
    return 0;
}

int main(int argc, const char *const *argv)
{
    apr_pool_t *p;
    int rc;

    if (apr_app_initialize(&argc, &argv, NULL) != APR_SUCCESS) {
        return 1;
    }
    atexit(apr_terminate);
    apr_pool_create(&p, NULL);
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (!strcmp(argv[1], "migrate")) {
        rc = cmd_migrate(p, argc - 2, argv + 2);
    }
    else if (!strcmp(argv[1], "probe")) {
        rc = cmd_probe(p, argc - 2, argv + 2);
    }
    else if (!strcmp(argv[1], "keygen")) {
        rc = cmd_keygen(p, argc - 2, argv + 2);
    }
    else if (!strcmp(argv[1], "address")) {
        rc = cmd_address(p, argc - 2, argv + 2);
    }
    else if (!strcmp(argv[1], "pda")) {
        rc = cmd_pda(p, argc - 2, argv + 2);
    }
    else if (!strcmp(argv[1], "decode-tx")) {
        rc = cmd_decode_tx(p, argc - 2, argv + 2);
    }
    else if (!strcmp(argv[1], "gif")) {
        rc = cmd_gif(p, argc - 2, argv + 2);
    }
    else if (!strcmp(argv[1], "version")) {
        printf("qnft %s (schema %d)\n", QNFT_VERSION, QNFT_SCHEMA_VERSION);
        rc = 0;
    }
    else if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
        usage(stdout);
        rc = 0;
    }
    else {
        usage(stderr);
        rc = 2;
    }
    apr_pool_destroy(p);
    return rc;
}
