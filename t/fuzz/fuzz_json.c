/* libFuzzer target: the JSON request and answer parsers (depth limit,
 * integers beyond int64, the price source's shapes). */
#include <stdint.h>
#include <stdlib.h>
#include <apr_general.h>

#include "price/qnft_price.h"
#include "util/qnft_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
    static apr_pool_t *p;
    const char *err;
    qnft_spot spot;
    qnft_price_error perr;
    apr_array_header_t *pts;

    if (!p) {
        apr_initialize();
        apr_pool_create(&p, NULL);
    }
    qnft_json_parse(p, (const char *)d, n, 8, &err);
    qnft_json_parse_bigint(p, (const char *)d, n, 32, &err);
    qnft_price_parse_spot(p, (const char *)d, n, &spot, &perr);
    qnft_price_parse_chart(p, (const char *)d, n, &pts, &perr);
    apr_pool_clear(p);
    return 0;
}
