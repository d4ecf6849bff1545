/* The jansson wrapper: depth limit, integers beyond int64 (Solana's
 * rentEpoch) that must not fail a whole RPC answer, and reals printed as
 * the decimals they came from. */
#include <stdlib.h>
#include <string.h>

#include "qnft_unit.h"
#include "util/qnft_json.h"

Suite *qnft_suite_json(void);

static apr_pool_t *pool;

static void setup(void)
{
    apr_pool_create(&pool, NULL);
}

static void teardown(void)
{
    apr_pool_destroy(pool);
}

START_TEST(test_rent_epoch_beyond_int64)
{
    const char *text = "{\"value\":{\"lamports\":1461600,\"rentEpoch\":18446744073709551615,"
                       "\"owner\":\"x\",\"note\":\"18446744073709551615 in a string\","
                       "\"neg\":-9223372036854775809,\"max\":9223372036854775807,"
                       "\"min\":-9223372036854775808,\"real\":1.8446744073709552e19}}";
    const char *err = NULL;
    json_t *j = qnft_json_parse(pool, text, strlen(text), 8, &err);
    json_t *v;

    ck_assert_ptr_null(j);                 /* plain jansson refuses the document */
    j = qnft_json_parse_bigint(pool, text, strlen(text), 8, &err);
    ck_assert_ptr_nonnull(j);
    v = json_object_get(j, "value");
    ck_assert_int_eq(json_integer_value(json_object_get(v, "lamports")), 1461600);
    ck_assert_str_eq(json_string_value(json_object_get(v, "rentEpoch")), "18446744073709551615");
    ck_assert_str_eq(json_string_value(json_object_get(v, "note")), "18446744073709551615 in a string");
    ck_assert_str_eq(json_string_value(json_object_get(v, "neg")), "-9223372036854775809");
    ck_assert(json_is_integer(json_object_get(v, "max")));
    ck_assert(json_is_integer(json_object_get(v, "min")));
    ck_assert(json_is_real(json_object_get(v, "real")));
}
END_TEST

START_TEST(test_depth_limit)
{
    char deep[200];
    const char *err = NULL;
    memset(deep, '[', 100);
    memset(deep + 100, ']', 100);
    ck_assert_ptr_null(qnft_json_parse(pool, deep, 200, 32, &err));
    ck_assert_ptr_nonnull(strstr(err, "deeper"));
    ck_assert_ptr_nonnull(qnft_json_parse(pool, deep + 90, 20, 32, &err));
    /* brackets inside strings do not count */
    {
        const char *quoted = "{\"a\":\"[[[[[[[[[[[[\"}";
        ck_assert_ptr_nonnull(qnft_json_parse(pool, quoted, strlen(quoted), 2, &err));
    }
}
END_TEST

START_TEST(test_reals_print_as_written)
{
    json_t *j = json_pack("{s:f, s:f, s:f, s:f}", "btc", strtod("77301.77", NULL),
                          "sol", strtod("233.94", NULL), "usdc", 0.9998, "tiny", 1e-9);
    const char *text = qnft_json_dump(pool, j, NULL);

    ck_assert_str_eq(text, "{\"btc\":77301.77,\"sol\":233.94,\"usdc\":0.9998,\"tiny\":1e-9}");
    json_decref(j);
}
END_TEST

Suite *qnft_suite_json(void)
{
    Suite *s = suite_create("json");
    TCase *tc = tcase_create("json");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_rent_epoch_beyond_int64);
    tcase_add_test(tc, test_depth_limit);
    tcase_add_test(tc, test_reals_print_as_written);
    suite_add_tcase(s, tc);
    return s;
}
