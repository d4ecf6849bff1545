#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/stat.h>
#include <openssl/crypto.h>
#include <apr_strings.h>
#include <apr_file_io.h>
#include <apr_portable.h>

#include "solana/qnft_keypair.h"
#include "solana/qnft_ed25519.h"
#include "util/qnft_json.h"

#define KEYPAIR_LEN (QNFT_KEYPAIR_SEED_LEN + QNFT_PUBKEY_LEN)

/* solana-keygen writes 64 numbers in at most 257 bytes; room for pretty
 * printing, and a bound on what a wrong path can make us read. */
#define KEYPAIR_FILE_MAX 8192

static apr_status_t fail(apr_pool_t *p, const char **err, apr_status_t rv,
                         const char *path, const char *what)
{
    if (err) {
        *err = apr_psprintf(p, "keypair file %s: %s", path, what);
    }
    return rv;
}

static apr_status_t os_fail(apr_pool_t *p, const char **err, apr_status_t rv,
                            const char *path, const char *doing)
{
    char buf[120];
    return fail(p, err, rv, path,
                apr_psprintf(p, "%s: %s", doing, apr_strerror(rv, buf, sizeof(buf))));
}

/* The 64 numbers, strictly: an array, integers only (no 1.0), 0..255.
 * Error messages never quote the text: it is the secret. */
static apr_status_t parse_numbers(apr_pool_t *p, const char *text, apr_size_t len,
                                  unsigned char *bytes, const char *path, const char **err)
{
    const char *jerr;
    json_t *j = qnft_json_parse(p, text, len, 2, &jerr);
    size_t i;

    if (!j) {
        return fail(p, err, APR_EINVAL, path, "not valid JSON");
    }
    if (!json_is_array(j)) {
        return fail(p, err, APR_EINVAL, path, "not a JSON array");
    }
    if (json_array_size(j) != KEYPAIR_LEN) {
        return fail(p, err, APR_EINVAL, path,
                    apr_psprintf(p, "%" APR_SIZE_T_FMT " numbers instead of 64",
                                 (apr_size_t)json_array_size(j)));
    }
    for (i = 0; i < KEYPAIR_LEN; i++) {
        json_t *v = json_array_get(j, i);
        json_int_t n;
        if (!json_is_integer(v)) {
            return fail(p, err, APR_EINVAL, path, "an element is not an integer");
        }
        n = json_integer_value(v);
        if (n < 0 || n > 255) {
            return fail(p, err, APR_EINVAL, path, "an element is outside 0..255");
        }
        bytes[i] = (unsigned char)n;
    }
    /* jansson's freed integer objects still hold the values: it offers no
     * per-document allocator to wipe them, only a process-wide one. */
    return APR_SUCCESS;
}

apr_status_t qnft_keypair_read(apr_pool_t *p, const char *path, qnft_keypair *kp,
                               const char **err)
{
    apr_pool_t *sub;
    apr_file_t *f;
    apr_os_file_t fd;
    struct stat st;
    char *text;
    apr_size_t got = 0;
    unsigned char bytes[KEYPAIR_LEN], pub[QNFT_PUBKEY_LEN];
    apr_status_t rv;

    apr_pool_create(&sub, p);
    rv = apr_file_open(&f, path, APR_FOPEN_READ, APR_FPROT_OS_DEFAULT, sub);
    if (rv != APR_SUCCESS) {
        rv = os_fail(p, err, rv, path, "cannot open");
        apr_pool_destroy(sub);
        return rv;
    }
    /* fstat of the open file: the mode checked is the mode of what is read */
    apr_os_file_get(&fd, f);
    if (fstat(fd, &st) != 0) {
        rv = os_fail(p, err, APR_FROM_OS_ERROR(errno), path, "cannot stat");
    }
    else if (!S_ISREG(st.st_mode)) {
        rv = fail(p, err, APR_EINVAL, path, "not a regular file");
    }
    else if (st.st_mode & 077) {
        rv = fail(p, err, APR_EACCES, path,
                  apr_psprintf(p, "mode %04o lets group or others access the secret key; "
                               "chmod 600 it", (unsigned)(st.st_mode & 07777)));
    }
    if (rv != APR_SUCCESS) {
        apr_pool_destroy(sub);
        return rv;
    }
    text = apr_palloc(sub, KEYPAIR_FILE_MAX + 1);
    rv = apr_file_read_full(f, text, KEYPAIR_FILE_MAX + 1, &got);
    if (rv == APR_EOF || (rv == APR_SUCCESS && got <= KEYPAIR_FILE_MAX)) {
        rv = parse_numbers(sub, text, got, bytes, path, err);
        if (rv == APR_SUCCESS && qnft_ed25519_public(bytes, pub) != 0) {
            rv = fail(p, err, APR_EGENERAL, path, "OpenSSL refused the seed");
        }
        else if (rv == APR_SUCCESS
                 && memcmp(pub, bytes + QNFT_KEYPAIR_SEED_LEN, QNFT_PUBKEY_LEN) != 0) {
            rv = fail(p, err, APR_EINVAL, path,
                      "the public key is not the public key of the seed");
        }
    }
    else if (rv == APR_SUCCESS) {
        rv = fail(p, err, APR_EINVAL, path, "too large for a keypair");
    }
    else {
        rv = os_fail(p, err, rv, path, "cannot read");
    }
    if (rv == APR_SUCCESS) {
        memcpy(kp->seed, bytes, QNFT_KEYPAIR_SEED_LEN);
        memcpy(kp->pub.b, pub, QNFT_PUBKEY_LEN);
    }
    OPENSSL_cleanse(text, KEYPAIR_FILE_MAX + 1);
    OPENSSL_cleanse(bytes, sizeof(bytes));
    apr_pool_destroy(sub);
    return rv;
}

/* Best effort: makes the rename durable where the file system allows. */
static void sync_parent(apr_pool_t *p, const char *path)
{
    const char *slash = strrchr(path, '/');
    const char *dir = !slash ? "." : slash == path ? "/" : apr_pstrndup(p, path, slash - path);
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        (void)fsync(fd);
        close(fd);
    }
}

apr_status_t qnft_keypair_write(apr_pool_t *p, const char *path, const qnft_keypair *kp)
{
    char text[KEYPAIR_LEN * 4 + 2];   /* "[" + 64 x "255," with the last ',' as "]" */
    apr_size_t n = 0;
    apr_pool_t *sub;
    apr_file_t *f;
    apr_os_file_t fd;
    char *tmp;
    apr_status_t rv;
    int i;

    for (i = 0; i < KEYPAIR_LEN; i++) {
        unsigned v = i < QNFT_KEYPAIR_SEED_LEN ? kp->seed[i]
                                               : kp->pub.b[i - QNFT_KEYPAIR_SEED_LEN];
        n += (apr_size_t)apr_snprintf(text + n, sizeof(text) - n, "%c%u", i ? ',' : '[', v);
    }
    text[n++] = ']';                  /* solana-keygen writes no newline either */

    apr_pool_create(&sub, p);
    tmp = apr_pstrcat(sub, path, ".tmp.XXXXXX", NULL);
    /* mkstemp creates 0600; fchmod anyway so no umask or libc can widen it */
    rv = apr_file_mktemp(&f, tmp, APR_FOPEN_CREATE | APR_FOPEN_READ | APR_FOPEN_WRITE
                         | APR_FOPEN_EXCL, sub);
    if (rv == APR_SUCCESS) {
        apr_os_file_get(&fd, f);
        rv = fchmod(fd, S_IRUSR | S_IWUSR) == 0 ? APR_SUCCESS : APR_FROM_OS_ERROR(errno);
        if (rv == APR_SUCCESS) {
            rv = apr_file_write_full(f, text, n, NULL);
        }
        if (rv == APR_SUCCESS) {
            rv = apr_file_sync(f);
        }
        if (apr_file_close(f) != APR_SUCCESS && rv == APR_SUCCESS) {
            rv = APR_EGENERAL;
        }
        if (rv == APR_SUCCESS) {
            rv = apr_file_rename(tmp, path, sub);
        }
        if (rv == APR_SUCCESS) {
            sync_parent(sub, path);
        }
        else {
            apr_file_remove(tmp, sub);
        }
    }
    OPENSSL_cleanse(text, sizeof(text));
    apr_pool_destroy(sub);
    return rv;
}

int qnft_keypair_from_seed(qnft_keypair *kp, const unsigned char *seed)
{
    unsigned char pub[QNFT_PUBKEY_LEN];

    if (qnft_ed25519_public(seed, pub) != 0) {
        return -1;
    }
    memmove(kp->seed, seed, QNFT_KEYPAIR_SEED_LEN);    /* seed may be kp->seed */
    memcpy(kp->pub.b, pub, QNFT_PUBKEY_LEN);
    return 0;
}

int qnft_keypair_generate(qnft_keypair *kp)
{
    if (qnft_ed25519_generate(kp->seed) != 0
        || qnft_ed25519_public(kp->seed, kp->pub.b) != 0) {
        qnft_keypair_clear(kp);
        return -1;
    }
    return 0;
}

int qnft_keypair_sign(const qnft_keypair *kp, const unsigned char *msg, apr_size_t len,
                      unsigned char *sig)
{
    return qnft_ed25519_sign(kp->seed, msg, len, sig);
}

void qnft_keypair_clear(qnft_keypair *kp)
{
    OPENSSL_cleanse(kp, sizeof(*kp));
}
