#include <string.h>

#include "solana/qnft_base58.h"

static const char alphabet[] = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

/* Longest input we accept: 1 KiB of bytes is far beyond any key,
 * signature or transaction id, and bounds the quadratic loops below. */
#define MAX_BYTES 1024

char *qnft_base58_encode(apr_pool_t *p, const unsigned char *in, apr_size_t len)
{
    /* log(256)/log(58) ~ 1.37: digits needed, base 58, little-endian */
    apr_size_t cap = len * 138 / 100 + 2, n = 0, zeros = 0, i, j;
    unsigned char *digits = apr_pcalloc(p, cap);
    char *out;

    while (zeros < len && in[zeros] == 0) {
        zeros++;
    }
    for (i = zeros; i < len; i++) {
        unsigned int carry = in[i];
        for (j = 0; j < n; j++) {
            carry += (unsigned int)digits[j] << 8;
            digits[j] = (unsigned char)(carry % 58);
            carry /= 58;
        }
        while (carry) {
            digits[n++] = (unsigned char)(carry % 58);
            carry /= 58;
        }
    }
    out = apr_palloc(p, zeros + n + 1);
    memset(out, '1', zeros);
    for (i = 0; i < n; i++) {
        out[zeros + i] = alphabet[digits[n - 1 - i]];
    }
    out[zeros + n] = '\0';
    return out;
}

static int digit_of(char c)
{
    const char *q = c ? strchr(alphabet, c) : NULL;
    return q ? (int)(q - alphabet) : -1;
}

long qnft_base58_decode(const char *text, unsigned char *out, apr_size_t cap)
{
    unsigned char bytes[MAX_BYTES];       /* little-endian while building */
    apr_size_t n = 0, zeros = 0, len = strlen(text), i, j;

    if (len > MAX_BYTES * 138 / 100 + 1) {
        return -1;
    }
    while (zeros < len && text[zeros] == '1') {
        zeros++;
    }
    for (i = zeros; i < len; i++) {
        int d = digit_of(text[i]);
        unsigned int carry;
        if (d < 0) {
            return -1;
        }
        carry = (unsigned int)d;
        for (j = 0; j < n; j++) {
            carry += (unsigned int)bytes[j] * 58;
            bytes[j] = (unsigned char)(carry & 0xff);
            carry >>= 8;
        }
        while (carry) {
            if (n == MAX_BYTES) {
                return -1;
            }
            bytes[n++] = (unsigned char)(carry & 0xff);
            carry >>= 8;
        }
    }
    if (zeros + n > cap) {
        return -1;
    }
    memset(out, 0, zeros);
    for (i = 0; i < n; i++) {
        out[zeros + i] = bytes[n - 1 - i];
    }
    return (long)(zeros + n);
}

int qnft_base58_decode_exact(const char *text, unsigned char *out, apr_size_t n)
{
    unsigned char tmp[MAX_BYTES];
    long got;
    /* 32 bytes need at most 44 characters, 64 at most 88 */
    if (!text || strlen(text) > n * 138 / 100 + 1) {
        return -1;
    }
    got = qnft_base58_decode(text, tmp, sizeof(tmp));
    if (got != (long)n) {
        return -1;
    }
    memcpy(out, tmp, n);
    return 0;
}
