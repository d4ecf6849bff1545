/* The content-addressed store: atomic commit, dedup, cleanup of aborts. */
#include <string.h>
#include <stdlib.h>
#include <unistd.h>
#include <apr_strings.h>
#include <apr_file_info.h>

#include "qnft_unit.h"
#include "store/qnft_store.h"

static apr_pool_t *pool;
static char root[256];

static void setup(void)
{
    apr_pool_create(&pool, NULL);
    strcpy(root, "/tmp/qnft-store-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(root));
    ck_assert_int_eq(qnft_store_prepare(pool, root), APR_SUCCESS);
}

static int count_entries(const char *dir)
{
    apr_dir_t *d;
    apr_finfo_t fi;
    int n = 0;
    apr_pool_t *p;
    apr_pool_create(&p, pool);
    ck_assert_int_eq(apr_dir_open(&d, dir, p), APR_SUCCESS);
    while (apr_dir_read(&fi, APR_FINFO_NAME, d) == APR_SUCCESS) {
        if (strcmp(fi.name, ".") && strcmp(fi.name, "..")) {
            n++;
        }
    }
    apr_dir_close(d);
    apr_pool_destroy(p);
    return n;
}

static void teardown(void)
{
    (void)!system(apr_psprintf(pool, "rm -rf '%s'", root));
    apr_pool_destroy(pool);
}

static const char *uploads(void)
{
    return apr_pstrcat(pool, root, "/uploads", NULL);
}

START_TEST(test_write_hash_commit)
{
    qnft_store_writer *w;
    const char *hex;
    int existed = -1;
    apr_pool_t *rp;
    apr_finfo_t fi;

    apr_pool_create(&rp, pool);
    ck_assert_int_eq(qnft_store_begin(&w, rp, uploads()), APR_SUCCESS);
    ck_assert_int_eq(qnft_store_write(w, "ab", 2), APR_SUCCESS);
    ck_assert_int_eq(qnft_store_write(w, "c", 1), APR_SUCCESS);
    ck_assert_int_eq(qnft_store_size(w), 3);
    ck_assert_int_eq(qnft_store_finish(w, &hex), APR_SUCCESS);
    /* SHA-256("abc") */
    ck_assert_str_eq(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    ck_assert_int_eq(count_entries(uploads()), 1);      /* the temp file */
    ck_assert_int_eq(qnft_store_commit(w, "abc.bin", &existed), APR_SUCCESS);
    ck_assert_int_eq(existed, 0);
    apr_pool_destroy(rp);
    ck_assert_int_eq(apr_stat(&fi, apr_pstrcat(pool, uploads(), "/abc.bin", NULL),
                              APR_FINFO_SIZE, pool), APR_SUCCESS);
    ck_assert_int_eq(fi.size, 3);
    ck_assert_int_eq(count_entries(uploads()), 1);      /* only the real file */
}
END_TEST

START_TEST(test_same_content_twice)
{
    int i, existed;
    for (i = 0; i < 2; i++) {
        qnft_store_writer *w;
        apr_pool_t *rp;
        apr_pool_create(&rp, pool);
        ck_assert_int_eq(qnft_store_begin(&w, rp, uploads()), APR_SUCCESS);
        ck_assert_int_eq(qnft_store_write(w, "same", 4), APR_SUCCESS);
        ck_assert_int_eq(qnft_store_commit(w, "same.bin", &existed), APR_SUCCESS);
        ck_assert_int_eq(existed, i);
        apr_pool_destroy(rp);
    }
    ck_assert_int_eq(count_entries(uploads()), 1);
}
END_TEST

START_TEST(test_abort_leaves_nothing)
{
    qnft_store_writer *w;
    apr_pool_t *rp;

    apr_pool_create(&rp, pool);
    ck_assert_int_eq(qnft_store_begin(&w, rp, uploads()), APR_SUCCESS);
    ck_assert_int_eq(qnft_store_write(w, "partial", 7), APR_SUCCESS);
    ck_assert_int_eq(count_entries(uploads()), 1);
    /* A request pool going away without commit removes the temp file. */
    apr_pool_destroy(rp);
    ck_assert_int_eq(count_entries(uploads()), 0);

    apr_pool_create(&rp, pool);
    ck_assert_int_eq(qnft_store_begin(&w, rp, uploads()), APR_SUCCESS);
    qnft_store_abort(w);
    ck_assert_int_eq(count_entries(uploads()), 0);
    apr_pool_destroy(rp);
}
END_TEST

START_TEST(test_map_and_put)
{
    qnft_store_writer *w;
    const unsigned char *data;
    apr_size_t len;
    apr_pool_t *rp;
    apr_file_t *f;
    char buf[16];
    apr_size_t n = sizeof(buf);

    apr_pool_create(&rp, pool);
    ck_assert_int_eq(qnft_store_begin(&w, rp, uploads()), APR_SUCCESS);
    ck_assert_int_eq(qnft_store_write(w, "mapped bytes", 12), APR_SUCCESS);
    ck_assert_int_eq(qnft_store_finish(w, NULL), APR_SUCCESS);
    ck_assert_int_eq(qnft_store_map(w, &data, &len), APR_SUCCESS);
    ck_assert_uint_eq(len, 12);
    ck_assert(memcmp(data, "mapped bytes", 12) == 0);
    apr_pool_destroy(rp);

    ck_assert_int_eq(qnft_store_put(pool, apr_pstrcat(pool, root, "/meta", NULL), "m.json",
                                    "{\"a\":1}", 7), APR_SUCCESS);
    ck_assert_int_eq(qnft_store_put(pool, apr_pstrcat(pool, root, "/meta", NULL), "m.json",
                                    "{\"b\":2}", 7), APR_SUCCESS);
    ck_assert_int_eq(apr_file_open(&f, apr_pstrcat(pool, root, "/meta/m.json", NULL),
                                   APR_FOPEN_READ, 0, pool), APR_SUCCESS);
    ck_assert_int_eq(apr_file_read(f, buf, &n), APR_SUCCESS);
    ck_assert_uint_eq(n, 7);
    ck_assert(memcmp(buf, "{\"b\":2}", 7) == 0);
    apr_file_close(f);
    ck_assert_int_eq(count_entries(apr_pstrcat(pool, root, "/meta", NULL)), 1);
}
END_TEST

START_TEST(test_sweep_stale_temp)
{
    apr_file_t *f;
    const char *stale = apr_pstrcat(pool, uploads(), "/" QNFT_STORE_TMP_PREFIX "old", NULL);
    const char *real = apr_pstrcat(pool, uploads(), "/keep.png", NULL);

    ck_assert_int_eq(apr_file_open(&f, stale, APR_FOPEN_CREATE | APR_FOPEN_WRITE,
                                   APR_FPROT_OS_DEFAULT, pool), APR_SUCCESS);
    apr_file_close(f);
    ck_assert_int_eq(apr_file_open(&f, real, APR_FOPEN_CREATE | APR_FOPEN_WRITE,
                                   APR_FPROT_OS_DEFAULT, pool), APR_SUCCESS);
    apr_file_close(f);
    /* Fresh temp files belong to running requests: left alone. */
    ck_assert_int_eq(qnft_store_sweep(pool, uploads(), apr_time_from_sec(3600)), 0);
    ck_assert_int_eq(apr_file_mtime_set(stale, apr_time_now() - apr_time_from_sec(7200), pool),
                     APR_SUCCESS);
    ck_assert_int_eq(qnft_store_sweep(pool, uploads(), apr_time_from_sec(3600)), 1);
    ck_assert_int_eq(count_entries(uploads()), 1);
}
END_TEST

Suite *qnft_suite_store(void)
{
    Suite *s = suite_create("store");
    TCase *tc = tcase_create("store");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_write_hash_commit);
    tcase_add_test(tc, test_same_content_twice);
    tcase_add_test(tc, test_abort_leaves_nothing);
    tcase_add_test(tc, test_map_and_put);
    tcase_add_test(tc, test_sweep_stale_temp);
    suite_add_tcase(s, tc);
    return s;
}
