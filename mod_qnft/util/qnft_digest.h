/* SHA-256 over OpenSSL's EVP interface, tied to a pool. */
#ifndef QNFT_DIGEST_H
#define QNFT_DIGEST_H

#include <apr_pools.h>

#define QNFT_SHA256_LEN 32
#define QNFT_SHA256_HEX_LEN 64

typedef struct qnft_sha256 qnft_sha256;

/* NULL when OpenSSL cannot allocate; freed by a cleanup of p. */
qnft_sha256 *qnft_sha256_create(apr_pool_t *p);
void qnft_sha256_update(qnft_sha256 *h, const void *data, apr_size_t len);
/* Writes QNFT_SHA256_LEN bytes; the context is then spent. */
void qnft_sha256_final(qnft_sha256 *h, unsigned char *out);

void qnft_sha256_once(const void *data, apr_size_t len, unsigned char *out);

/* Lower-case hex of len bytes into out (2*len+1 bytes, NUL-terminated). */
void qnft_hex_encode(const unsigned char *in, apr_size_t len, char *out);

/* 64 hex digits (already validated) back to the 32 bytes. */
void qnft_hex_decode_sha256(const char *hex, unsigned char *out);

/* True when s is exactly n lower-case hex digits (the id form). */
int qnft_is_hex_id(const char *s, apr_size_t n);

#endif
