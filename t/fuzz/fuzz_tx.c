/* libFuzzer target: base58 and the Solana transaction decoder; anything
 * accepted must re-encode to the same bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <apr_general.h>
#include <apr_strings.h>

#include "solana/qnft_base58.h"
#include "solana/qnft_tx.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
    static apr_pool_t *p;
    qnft_tx *tx;
    const char *err;
    unsigned char *again, out[64];
    apr_size_t len;

    if (!p) {
        apr_initialize();
        apr_pool_create(&p, NULL);
    }
    if (qnft_tx_decode(p, d, n, &tx, &err) == APR_SUCCESS) {
        if (qnft_tx_serialize(p, tx, &again, &len, &err) != APR_SUCCESS || len != n
            || memcmp(again, d, n)) {
            abort();
        }
        qnft_tx_to_json(p, tx);
    }
    if (n <= 128) {
        char *text = apr_pstrndup(p, (const char *)d, n);
        char *enc;
        long k = qnft_base58_decode(text, out, sizeof(out));
        if (k >= 0) {
            enc = qnft_base58_encode(p, out, (apr_size_t)k);
            if (strcmp(enc, text)) abort();     /* decoding is exact both ways */
        }
        qnft_base58_decode_exact(text, out, 32);
    }
    apr_pool_clear(p);
    return 0;
}
