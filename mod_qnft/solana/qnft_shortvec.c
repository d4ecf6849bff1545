#include "solana/qnft_shortvec.h"

int qnft_shortvec_size(apr_uint32_t v)
{
    if (v > QNFT_SHORTVEC_MAX_VALUE) {
        return 0;
    }
    return v < 0x80 ? 1 : v < 0x4000 ? 2 : 3;
}

int qnft_shortvec_encode(apr_uint32_t v, unsigned char *out)
{
    int n = 0;
    if (v > QNFT_SHORTVEC_MAX_VALUE) {
        return 0;
    }
    for (;;) {
        unsigned char b = (unsigned char)(v & 0x7f);
        v >>= 7;
        if (v == 0) {
            out[n++] = b;
            return n;
        }
        out[n++] = (unsigned char)(b | 0x80);
    }
}

int qnft_shortvec_decode(const unsigned char *in, apr_size_t len, apr_uint32_t *v)
{
    apr_uint32_t val = 0;
    int i;

    for (i = 0; i < QNFT_SHORTVEC_MAX_LEN; i++) {
        unsigned char b;
        if ((apr_size_t)i >= len) {
            return -1;
        }
        b = in[i];
        /* a zero byte after the first adds nothing: an alias of a shorter
         * encoding, which would let two byte strings mean one message */
        if (b == 0 && i > 0) {
            return -1;
        }
        val |= (apr_uint32_t)(b & 0x7f) << (7 * i);
        if (!(b & 0x80)) {
            if (val > QNFT_SHORTVEC_MAX_VALUE) {
                return -1;
            }
            *v = val;
            return i + 1;
        }
    }
    /* the third byte still had its continuation bit: a 4th byte */
    return -1;
}
