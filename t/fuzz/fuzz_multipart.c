/* libFuzzer target: the streaming multipart parser, fed in pieces whose
 * sizes come from the input itself, with every callback checking what it
 * is handed. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <apr_general.h>

#include "upload/qnft_multipart.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

static int on_begin(void *b, const qnft_mp_part *part)
{
    if (!part->name) abort();
    return 0;
}

static int on_data(void *b, const char *data, apr_size_t len)
{
    *(apr_size_t *)b += len;
    if (len && !data) abort();
    return 0;
}

static int on_end(void *b)
{
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
    static apr_pool_t *p;
    static const qnft_mp_callbacks cb = { on_begin, on_data, on_end };
    qnft_mp_parser *mp;
    apr_size_t seen = 0, off = 2, step;

    if (!p) {
        apr_initialize();
        apr_pool_create(&p, NULL);
    }
    if (n < 2) {
        return 0;
    }
    /* first byte: piece size; second: boundary choice */
    step = (apr_size_t)(d[0] % 64) + 1;
    mp = qnft_mp_create(p, (d[1] & 1) ? "b0undary" : "----WebKitFormBoundary7MA4YWxkTrZu0gW",
                        NULL, &cb, &seen);
    while (off < n) {
        apr_size_t take = n - off < step ? n - off : step;
        if (qnft_mp_feed(mp, (const char *)d + off, take) != QNFT_MP_OK) {
            break;
        }
        off += take;
    }
    qnft_mp_finish(mp);
    if (seen > n) abort();
    {
        const char *boundary;
        char ct[96];
        apr_size_t k = n < 80 ? n : 80;
        memcpy(ct, "multipart/form-data; boundary=", 30);
        memcpy(ct + 30, d, k < 60 ? k : 60);
        ct[30 + (k < 60 ? k : 60)] = '\0';
        qnft_mp_boundary(p, ct, &boundary);
    }
    apr_pool_clear(p);
    return 0;
}
