/* Content-addressed file store, httpd-free.
 *
 * Files are written to a temporary name in the destination directory,
 * flushed with fsync and renamed into place, and the directory is synced:
 * a crash or a killed process never leaves a partial file under a real
 * name. Temporary names start with ".tmp-", which Apache never serves and
 * qnft_store_sweep() removes when stale.
 */
#ifndef QNFT_STORE_H
#define QNFT_STORE_H

#include <apr_pools.h>
#include <apr_file_io.h>

#include "util/qnft_digest.h"

#define QNFT_STORE_TMP_PREFIX ".tmp-"

/* The areas under QNFTStorageDir. */
#define QNFT_AREA_UPLOADS "uploads"
#define QNFT_AREA_GIFS    "gifs"
#define QNFT_AREA_META    "meta"

/* All of them, NULL-terminated. */
extern const char *const qnft_store_areas[];

typedef struct qnft_store_writer qnft_store_writer;

/* Create root (0755: others must pass through to the areas) and its
 * areas (0750) if missing. */
apr_status_t qnft_store_prepare(apr_pool_t *p, const char *root);

/* Absolute path of name in area. name must already be validated. */
const char *qnft_store_path(apr_pool_t *p, const char *root, const char *area,
                            const char *name);

/* Start a new file in dir. The temporary file is removed by a cleanup of p
 * unless qnft_store_commit() succeeded. */
apr_status_t qnft_store_begin(qnft_store_writer **pw, apr_pool_t *p, const char *dir);

/* Append bytes, hashing them with SHA-256 as they pass. */
apr_status_t qnft_store_write(qnft_store_writer *w, const void *data, apr_size_t len);

/* Bytes written so far. */
apr_off_t qnft_store_size(const qnft_store_writer *w);

/* No more data: flushes and computes the digest (hex, 64 chars). */
apr_status_t qnft_store_finish(qnft_store_writer *w, const char **hex);

/* Map the finished temporary file read-only (valid until p is cleared). */
apr_status_t qnft_store_map(qnft_store_writer *w, const unsigned char **data,
                            apr_size_t *len);

/* fsync, then rename to name in the same dir unless a file of that name
 * exists already (content addressing: same name, same bytes), then sync the
 * directory. *existed tells which happened. */
apr_status_t qnft_store_commit(qnft_store_writer *w, const char *name, int *existed);

/* Remove the temporary file now (also done by the pool cleanup). */
void qnft_store_abort(qnft_store_writer *w);

/* Write a whole buffer atomically as dir/name (replacing any old file). */
apr_status_t qnft_store_put(apr_pool_t *p, const char *dir, const char *name,
                            const void *data, apr_size_t len);

/* Remove temporary files older than max_age seconds left in dir by killed
 * processes; returns how many were removed. */
int qnft_store_sweep(apr_pool_t *p, const char *dir, apr_time_t max_age);

#endif
