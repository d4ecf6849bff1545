/* Schema migrations: the ordered files NNNN_name.sql of a directory are
 * applied once each, in order, each in its own transaction, and recorded
 * in qnft_schema_version. Used by 'qnft migrate'; httpd-free (apr_dbd). */
#ifndef QNFT_MIGRATE_H
#define QNFT_MIGRATE_H

#include <apr_pools.h>

typedef void qnft_migrate_report(void *baton, int version, const char *name);

/* params: an apr_dbd pgsql parameter string ("host=... dbname=..."). On
 * failure returns non-APR_SUCCESS with a sentence in *err; from and to give the
 * version before and after. */
apr_status_t qnft_migrate(apr_pool_t *p, const char *params, const char *sql_dir,
                          int *from, int *to, qnft_migrate_report *report,
                          void *baton, const char **err);

/* The highest migration number found in sql_dir (0 when none). */
int qnft_migrate_latest(apr_pool_t *p, const char *sql_dir);

#endif
