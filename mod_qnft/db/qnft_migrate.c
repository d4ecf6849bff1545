#include <stdlib.h>
#include <string.h>
#include <apr_strings.h>
#include <apr_file_io.h>
#include <apr_file_info.h>
#include <apr_tables.h>
#include <apr_dbd.h>
#include <apr_lib.h>

#include "db/qnft_migrate.h"

/* Serialises concurrent 'qnft migrate' runs (arbitrary, fixed key). */
#define MIGRATE_LOCK_KEY "7317460045"

typedef struct {
    int version;
    const char *name;
    const char *path;
} migration;

/* NNNN_lowercase_name.sql: the form is the whole validation. */
static int parse_name(const char *fname, int *version)
{
    apr_size_t n = strlen(fname), i;
    if (n < 10 || strcmp(fname + n - 4, ".sql") != 0 || fname[4] != '_') {
        return 0;
    }
    for (i = 0; i < 4; i++) {
        if (!apr_isdigit(fname[i])) {
            return 0;
        }
    }
    for (i = 5; i < n - 4; i++) {
        if (!(apr_islower(fname[i]) || apr_isdigit(fname[i]) || fname[i] == '_')) {
            return 0;
        }
    }
    *version = atoi(fname);
    return *version > 0;
}

static int by_version(const void *a, const void *b)
{
    return ((const migration *)a)->version - ((const migration *)b)->version;
}

static apr_array_header_t *list_migrations(apr_pool_t *p, const char *dir)
{
    apr_array_header_t *list = apr_array_make(p, 16, sizeof(migration));
    apr_dir_t *d;
    apr_finfo_t fi;

    if (apr_dir_open(&d, dir, p) != APR_SUCCESS) {
        return NULL;
    }
    while (apr_dir_read(&fi, APR_FINFO_NAME | APR_FINFO_TYPE, d) == APR_SUCCESS) {
        int v;
        if (fi.filetype == APR_REG && parse_name(fi.name, &v)) {
            migration *m = apr_array_push(list);
            m->version = v;
            m->name = apr_pstrndup(p, fi.name, strlen(fi.name) - 4);
            m->path = apr_pstrcat(p, dir, "/", fi.name, NULL);
        }
    }
    apr_dir_close(d);
    qsort(list->elts, (size_t)list->nelts, sizeof(migration), by_version);
    return list;
}

int qnft_migrate_latest(apr_pool_t *p, const char *sql_dir)
{
    apr_array_header_t *list = list_migrations(p, sql_dir);
    if (!list || list->nelts == 0) {
        return 0;
    }
    return APR_ARRAY_IDX(list, list->nelts - 1, migration).version;
}

static int exec(const apr_dbd_driver_t *drv, apr_dbd_t *h, const char *sql)
{
    int nrows = 0;
    return apr_dbd_query(drv, h, &nrows, sql);
}

static int current_version(apr_pool_t *p, const apr_dbd_driver_t *drv, apr_dbd_t *h)
{
    apr_dbd_results_t *res = NULL;
    apr_dbd_row_t *row = NULL;
    const char *v;
    if (apr_dbd_select(drv, p, h, &res,
                       "SELECT coalesce(max(version), 0) FROM qnft_schema_version", 1) != 0
        || apr_dbd_get_row(drv, p, res, &row, 1) != 0
        || !(v = apr_dbd_get_entry(drv, row, 0))) {
        return -1;
    }
    return atoi(v);
}

apr_status_t qnft_migrate(apr_pool_t *p, const char *params, const char *sql_dir,
                          int *from, int *to, qnft_migrate_report *report,
                          void *baton, const char **err)
{
    const apr_dbd_driver_t *drv;
    apr_dbd_t *h = NULL;
    apr_dbd_prepared_t *record = NULL;
    apr_array_header_t *list;
    const char *dberr = NULL;
    apr_status_t rv;
    int i, version;

    list = list_migrations(p, sql_dir);
    if (!list) {
        *err = apr_psprintf(p, "cannot read the migrations directory %s", sql_dir);
        return APR_ENOENT;
    }
    for (i = 1; i < list->nelts; i++) {
        const migration *a = &APR_ARRAY_IDX(list, i - 1, migration);
        const migration *b = &APR_ARRAY_IDX(list, i, migration);
        if (a->version == b->version) {
            *err = apr_psprintf(p, "%s and %s have the same number", a->name, b->name);
            return APR_EINVAL;
        }
    }
    apr_dbd_init(p);
    rv = apr_dbd_get_driver(p, "pgsql", &drv);
    if (rv != APR_SUCCESS) {
        *err = "the apr_dbd pgsql driver is missing (Debian package libaprutil1-dbd-pgsql)";
        return rv;
    }
    rv = apr_dbd_open_ex(drv, p, params, &h, &dberr);
    if (rv != APR_SUCCESS) {
        *err = apr_psprintf(p, "cannot connect to the database: %s",
                            dberr ? dberr : "unknown error");
        return rv;
    }
    if (exec(drv, h, "SELECT pg_advisory_lock(" MIGRATE_LOCK_KEY ")") != 0
        || exec(drv, h, "CREATE TABLE IF NOT EXISTS qnft_schema_version ("
                        " version integer PRIMARY KEY,"
                        " name text NOT NULL,"
                        " applied_at timestamptz NOT NULL DEFAULT now())") != 0
        || apr_dbd_prepare(drv, p, h, "INSERT INTO qnft_schema_version (version, name) "
                           "VALUES (%s::integer, %s)", NULL, &record) != 0) {
        *err = apr_pstrdup(p, apr_dbd_error(drv, h, -1));
        apr_dbd_close(drv, h);
        return APR_EGENERAL;
    }
    version = current_version(p, drv, h);
    *from = *to = version;
    if (version < 0) {
        *err = apr_pstrdup(p, apr_dbd_error(drv, h, -1));
        apr_dbd_close(drv, h);
        return APR_EGENERAL;
    }
    for (i = 0; i < list->nelts; i++) {
        const migration *m = &APR_ARRAY_IDX(list, i, migration);
        apr_file_t *f;
        apr_finfo_t fi;
        char *sql;
        int nrows = 0;

        if (m->version <= version) {
            continue;
        }
        if (apr_file_open(&f, m->path, APR_FOPEN_READ, 0, p) != APR_SUCCESS
            || apr_file_info_get(&fi, APR_FINFO_SIZE, f) != APR_SUCCESS) {
            *err = apr_psprintf(p, "cannot read %s", m->path);
            apr_dbd_close(drv, h);
            return APR_EGENERAL;
        }
        sql = apr_palloc(p, (apr_size_t)fi.size + 1);
        if (apr_file_read_full(f, sql, (apr_size_t)fi.size, NULL) != APR_SUCCESS) {
            *err = apr_psprintf(p, "cannot read %s", m->path);
            apr_file_close(f);
            apr_dbd_close(drv, h);
            return APR_EGENERAL;
        }
        sql[fi.size] = '\0';
        apr_file_close(f);

        if (exec(drv, h, "BEGIN") != 0 || exec(drv, h, sql) != 0
            || apr_dbd_pvquery(drv, p, h, &nrows, record,
                               apr_itoa(p, m->version), m->name, NULL) != 0
            || exec(drv, h, "COMMIT") != 0) {
            *err = apr_psprintf(p, "%s failed: %s", m->name, apr_dbd_error(drv, h, -1));
            exec(drv, h, "ROLLBACK");
            apr_dbd_close(drv, h);
            return APR_EGENERAL;
        }
        *to = m->version;
        if (report) {
            report(baton, m->version, m->name);
        }
    }
    exec(drv, h, "SELECT pg_advisory_unlock(" MIGRATE_LOCK_KEY ")");
    apr_dbd_close(drv, h);
    return APR_SUCCESS;
}
