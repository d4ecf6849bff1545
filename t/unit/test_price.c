/* The price source's parsers: CoinGecko's shapes, and the wrong ones. */
#include <string.h>

#include "qnft_unit.h"
#include "price/qnft_price.h"

Suite *qnft_suite_price(void);

static apr_pool_t *pool;

static void setup(void)
{
    apr_pool_create(&pool, NULL);
}

static void teardown(void)
{
    apr_pool_destroy(pool);
}

static qnft_price_status spot(const char *text, qnft_spot *s)
{
    qnft_price_error e;
    return qnft_price_parse_spot(pool, text, strlen(text), s, &e);
}

static qnft_price_status chart(const char *text, apr_array_header_t **pts)
{
    qnft_price_error e;
    return qnft_price_parse_chart(pool, text, strlen(text), pts, &e);
}

START_TEST(test_spot_shapes)
{
    qnft_spot s;
    ck_assert_int_eq(spot("{\"bitcoin\":{\"usd\":76497.1},\"solana\":{\"usd\":231.5},"
                          "\"usd-coin\":{\"usd\":0.9998}}", &s), QNFT_PRICE_OK);
    ck_assert(s.have_btc && s.have_sol && s.have_usdc);
    ck_assert(s.btc_usd == 76497.1 && s.sol_usd == 231.5 && s.usdc_usd == 0.9998);
    /* a missing id is just absent */
    ck_assert_int_eq(spot("{\"solana\":{\"usd\":231}}", &s), QNFT_PRICE_OK);
    ck_assert(!s.have_btc && s.have_sol && !s.have_usdc);
    ck_assert_int_eq(spot("{}", &s), QNFT_PRICE_OK);
    /* wrong shapes are upstream errors */
    ck_assert_int_eq(spot("{\"bitcoin\":\"76497\"}", &s), QNFT_PRICE_BAD_ANSWER);
    ck_assert_int_eq(spot("{\"bitcoin\":{\"usd\":\"76497\"}}", &s), QNFT_PRICE_BAD_ANSWER);
    ck_assert_int_eq(spot("{\"bitcoin\":{\"usd\":-1}}", &s), QNFT_PRICE_BAD_ANSWER);
    ck_assert_int_eq(spot("[1,2]", &s), QNFT_PRICE_BAD_ANSWER);
    ck_assert_int_eq(spot("{\"bitcoin\":{\"usd\":764", &s), QNFT_PRICE_BAD_ANSWER);
    ck_assert_int_eq(spot("", &s), QNFT_PRICE_BAD_ANSWER);
}
END_TEST

START_TEST(test_chart_shapes)
{
    apr_array_header_t *pts;
    ck_assert_int_eq(chart("{\"prices\":[[1700000000000,230.5],[1700000300000,231]],"
                           "\"market_caps\":[],\"total_volumes\":[]}", &pts), QNFT_PRICE_OK);
    ck_assert_int_eq(pts->nelts, 2);
    ck_assert(APR_ARRAY_IDX(pts, 0, qnft_price_point).ms == APR_INT64_C(1700000000000));
    ck_assert(APR_ARRAY_IDX(pts, 1, qnft_price_point).price == 231.0);
    ck_assert_int_eq(chart("{\"prices\":[]}", &pts), QNFT_PRICE_OK);
    ck_assert_int_eq(pts->nelts, 0);
    ck_assert_int_eq(chart("{\"prices\":\"none\"}", &pts), QNFT_PRICE_BAD_ANSWER);
    ck_assert_int_eq(chart("{\"prices\":[[1,2,3]]}", &pts), QNFT_PRICE_BAD_ANSWER);
    ck_assert_int_eq(chart("{\"prices\":[[\"1\",2]]}", &pts), QNFT_PRICE_BAD_ANSWER);
    ck_assert_int_eq(chart("{\"prices\":[[5,2],[4,2]]}", &pts), QNFT_PRICE_BAD_ANSWER);
    ck_assert_int_eq(chart("{}", &pts), QNFT_PRICE_BAD_ANSWER);
    /* found by t/fuzz/run json: a time beyond any integer was cast anyway */
    ck_assert_int_eq(chart("{\"prices\":[[444444444444441710000.0,20],[17]],\"mps\":[],"
                           "\"to\":[]}", &pts), QNFT_PRICE_BAD_ANSWER);
    ck_assert_int_eq(chart("{\"prices\":[[-5,20]]}", &pts), QNFT_PRICE_BAD_ANSWER);
}
END_TEST

START_TEST(test_key_header)
{
    ck_assert_str_eq(qnft_price_key_header("https://api.coingecko.com/api/v3"),
                     "x-cg-demo-api-key");
    ck_assert_str_eq(qnft_price_key_header("https://pro-api.coingecko.com/api/v3"),
                     "x-cg-pro-api-key");
}
END_TEST

Suite *qnft_suite_price(void)
{
    Suite *s = suite_create("price");
    TCase *tc = tcase_create("price");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_spot_shapes);
    tcase_add_test(tc, test_chart_shapes);
    tcase_add_test(tc, test_key_header);
    suite_add_tcase(s, tc);
    return s;
}
