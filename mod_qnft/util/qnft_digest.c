#include <string.h>
#include <openssl/evp.h>

#include "qnft_digest.h"

struct qnft_sha256 {
    EVP_MD_CTX *ctx;
};

static apr_status_t sha256_release(void *data)
{
    qnft_sha256 *h = data;
    EVP_MD_CTX_free(h->ctx);
    h->ctx = NULL;
    return APR_SUCCESS;
}

qnft_sha256 *qnft_sha256_create(apr_pool_t *p)
{
    qnft_sha256 *h = apr_pcalloc(p, sizeof(*h));
    h->ctx = EVP_MD_CTX_new();
    if (!h->ctx) {
        return NULL;
    }
    apr_pool_cleanup_register(p, h, sha256_release, apr_pool_cleanup_null);
    if (EVP_DigestInit_ex(h->ctx, EVP_sha256(), NULL) != 1) {
        return NULL;
    }
    return h;
}

void qnft_sha256_update(qnft_sha256 *h, const void *data, apr_size_t len)
{
    EVP_DigestUpdate(h->ctx, data, len);
}

void qnft_sha256_final(qnft_sha256 *h, unsigned char *out)
{
    unsigned int n = 0;
    EVP_DigestFinal_ex(h->ctx, out, &n);
}

void qnft_sha256_once(const void *data, apr_size_t len, unsigned char *out)
{
    unsigned int n = 0;
    EVP_Digest(data, len, out, &n, EVP_sha256(), NULL);
}

void qnft_hex_encode(const unsigned char *in, apr_size_t len, char *out)
{
    static const char digits[] = "0123456789abcdef";
    apr_size_t i;
    for (i = 0; i < len; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 0x0f];
    }
    out[2 * len] = '\0';
}

int qnft_is_hex_id(const char *s, apr_size_t n)
{
    apr_size_t i;
    if (!s) {
        return 0;
    }
    for (i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
            return 0;
        }
    }
    return s[n] == '\0';
}

static int hexval(char c)
{
    return c <= '9' ? c - '0' : c - 'a' + 10;
}

void qnft_hex_decode_sha256(const char *hex, unsigned char *out)
{
    int i;
    for (i = 0; i < QNFT_SHA256_LEN; i++) {
        out[i] = (unsigned char)(hexval(hex[2 * i]) << 4 | hexval(hex[2 * i + 1]));
    }
}
