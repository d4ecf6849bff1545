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
#include "image/qnft_probe.h"

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
