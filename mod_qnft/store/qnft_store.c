#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <apr_strings.h>
#include <apr_mmap.h>
#include <apr_file_info.h>

#include "store/qnft_store.h"

/* rwxr-x---: the server's user writes, its group may read (backups). */
#define DIR_PERMS (APR_FPROT_UREAD | APR_FPROT_UWRITE | APR_FPROT_UEXECUTE \
                   | APR_FPROT_GREAD | APR_FPROT_GEXECUTE)

struct qnft_store_writer {
    apr_pool_t *pool;
    const char *dir;
    char *tmp_path;
    apr_file_t *file;
    qnft_sha256 *sha;
    apr_off_t size;
    int finished;
    int committed;
    char hex[QNFT_SHA256_HEX_LEN + 1];
};

const char *const qnft_store_areas[] = {
    QNFT_AREA_UPLOADS, QNFT_AREA_GIFS, QNFT_AREA_META, NULL
};

apr_status_t qnft_store_prepare(apr_pool_t *p, const char *root)
{
    apr_status_t rv;
    int i;

    rv = apr_dir_make_recursive(root, DIR_PERMS | APR_FPROT_WREAD | APR_FPROT_WEXECUTE, p);
    if (rv != APR_SUCCESS && !APR_STATUS_IS_EEXIST(rv)) {
        return rv;
    }
    for (i = 0; qnft_store_areas[i]; i++) {
        const char *d = apr_pstrcat(p, root, "/", qnft_store_areas[i], NULL);
        rv = apr_dir_make(d, DIR_PERMS, p);
        if (rv != APR_SUCCESS && !APR_STATUS_IS_EEXIST(rv)) {
            return rv;
        }
    }
    return APR_SUCCESS;
}

const char *qnft_store_path(apr_pool_t *p, const char *root, const char *area,
                            const char *name)
{
    return apr_pstrcat(p, root, "/", area, "/", name, NULL);
}

static apr_status_t writer_cleanup(void *data)
{
    qnft_store_writer *w = data;
    if (w->file) {
        apr_file_close(w->file);
        w->file = NULL;
    }
    if (!w->committed && w->tmp_path) {
        apr_file_remove(w->tmp_path, w->pool);
        w->tmp_path = NULL;
    }
    return APR_SUCCESS;
}

apr_status_t qnft_store_begin(qnft_store_writer **pw, apr_pool_t *p, const char *dir)
{
    qnft_store_writer *w = apr_pcalloc(p, sizeof(*w));
    apr_status_t rv;

    w->pool = p;
    w->dir = dir;
    w->sha = qnft_sha256_create(p);
    if (!w->sha) {
        return APR_ENOMEM;
    }
    w->tmp_path = apr_pstrcat(p, dir, "/" QNFT_STORE_TMP_PREFIX "XXXXXX", NULL);
    /* Not DELONCLOSE: the file must survive its close until renamed. */
    rv = apr_file_mktemp(&w->file, w->tmp_path,
                         APR_FOPEN_CREATE | APR_FOPEN_READ | APR_FOPEN_WRITE
                         | APR_FOPEN_EXCL | APR_FOPEN_BUFFERED, p);
    if (rv != APR_SUCCESS) {
        w->tmp_path = NULL;
        return rv;
    }
    /* rw-r-----: mkstemp's 0600, opened to the group (backups, admins) */
    rv = apr_file_perms_set(w->tmp_path, APR_FPROT_UREAD | APR_FPROT_UWRITE | APR_FPROT_GREAD);
    if (rv != APR_SUCCESS && rv != APR_INCOMPLETE) {
        apr_file_close(w->file);
        apr_file_remove(w->tmp_path, p);
        return rv;
    }
    apr_pool_cleanup_register(p, w, writer_cleanup, apr_pool_cleanup_null);
    *pw = w;
    return APR_SUCCESS;
}

apr_status_t qnft_store_write(qnft_store_writer *w, const void *data, apr_size_t len)
{
    apr_status_t rv;
    if (w->finished) {
        return APR_EINVAL;
    }
    rv = apr_file_write_full(w->file, data, len, NULL);
    if (rv == APR_SUCCESS) {
        qnft_sha256_update(w->sha, data, len);
        w->size += (apr_off_t)len;
    }
    return rv;
}

apr_off_t qnft_store_size(const qnft_store_writer *w)
{
    return w->size;
}

apr_status_t qnft_store_finish(qnft_store_writer *w, const char **hex)
{
    unsigned char md[QNFT_SHA256_LEN];
    apr_status_t rv;

    if (!w->finished) {
        rv = apr_file_flush(w->file);
        if (rv != APR_SUCCESS) {
            return rv;
        }
        qnft_sha256_final(w->sha, md);
        qnft_hex_encode(md, sizeof(md), w->hex);
        w->finished = 1;
    }
    if (hex) {
        *hex = w->hex;
    }
    return APR_SUCCESS;
}

apr_status_t qnft_store_map(qnft_store_writer *w, const unsigned char **data,
                            apr_size_t *len)
{
    apr_mmap_t *mm;
    apr_file_t *f;
    apr_status_t rv;

    if (!w->finished || !w->tmp_path) {
        return APR_EINVAL;
    }
    if (w->size == 0) {
        *data = (const unsigned char *)"";
        *len = 0;
        return APR_SUCCESS;
    }
    /* APR maps only unbuffered files: open the temporary file once more. */
    rv = apr_file_open(&f, w->tmp_path, APR_FOPEN_READ, 0, w->pool);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    rv = apr_mmap_create(&mm, f, 0, (apr_size_t)w->size, APR_MMAP_READ, w->pool);
    apr_file_close(f);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    *data = mm->mm;
    *len = mm->size;
    return APR_SUCCESS;
}

/* Make a rename durable: the directory entry itself must reach the disk. */
static apr_status_t sync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int rc;
    if (fd < 0) {
        return APR_FROM_OS_ERROR(errno);
    }
    rc = fsync(fd);
    close(fd);
    return rc == 0 ? APR_SUCCESS : APR_FROM_OS_ERROR(errno);
}

/* Flush to disk, close, rename into place, sync the directory. */
static apr_status_t install(qnft_store_writer *w, const char *final_path)
{
    apr_status_t rv = apr_file_sync(w->file);
    if (rv == APR_SUCCESS) {
        rv = apr_file_close(w->file);
        w->file = NULL;
    }
    if (rv == APR_SUCCESS) {
        rv = apr_file_rename(w->tmp_path, final_path, w->pool);
    }
    if (rv != APR_SUCCESS) {
        qnft_store_abort(w);
        return rv;
    }
    w->committed = 1;
    return sync_dir(w->dir);
}

apr_status_t qnft_store_commit(qnft_store_writer *w, const char *name, int *existed)
{
    const char *final_path = apr_pstrcat(w->pool, w->dir, "/", name, NULL);
    apr_finfo_t fi;
    apr_status_t rv;

    rv = qnft_store_finish(w, NULL);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    if (apr_stat(&fi, final_path, APR_FINFO_TYPE | APR_FINFO_SIZE, w->pool) == APR_SUCCESS
        && fi.filetype == APR_REG && fi.size == w->size) {
        *existed = 1;
        qnft_store_abort(w);
        return APR_SUCCESS;
    }
    *existed = 0;
    return install(w, final_path);
}

void qnft_store_abort(qnft_store_writer *w)
{
    writer_cleanup(w);
    w->committed = 1; /* nothing left to clean */
}

apr_status_t qnft_store_put(apr_pool_t *p, const char *dir, const char *name,
                            const void *data, apr_size_t len)
{
    qnft_store_writer *w = NULL;
    apr_status_t rv;

    rv = qnft_store_begin(&w, p, dir);
    if (rv == APR_SUCCESS) {
        rv = qnft_store_write(w, data, len);
    }
    if (rv == APR_SUCCESS) {
        rv = qnft_store_finish(w, NULL);
    }
    if (rv != APR_SUCCESS) {
        if (w && !w->committed) {
            qnft_store_abort(w);
        }
        return rv;
    }
    return install(w, apr_pstrcat(p, dir, "/", name, NULL));
}

int qnft_store_sweep(apr_pool_t *p, const char *dir, apr_time_t max_age)
{
    apr_dir_t *d;
    apr_finfo_t fi;
    apr_time_t now = apr_time_now();
    apr_size_t plen = strlen(QNFT_STORE_TMP_PREFIX);
    int removed = 0;

    if (apr_dir_open(&d, dir, p) != APR_SUCCESS) {
        return 0;
    }
    while (apr_dir_read(&fi, APR_FINFO_NAME | APR_FINFO_TYPE | APR_FINFO_MTIME, d)
           == APR_SUCCESS) {
        if (fi.filetype == APR_REG && fi.name
            && strncmp(fi.name, QNFT_STORE_TMP_PREFIX, plen) == 0
            && now - fi.mtime > max_age) {
            if (apr_file_remove(apr_pstrcat(p, dir, "/", fi.name, NULL), p) == APR_SUCCESS) {
                removed++;
            }
        }
    }
    apr_dir_close(d);
    return removed;
}
