/* Base58 with the Bitcoin alphabet, as Solana writes keys and signatures:
 * big-endian, each leading zero byte is one leading '1'. */
#ifndef QNFT_BASE58_H
#define QNFT_BASE58_H

#include <apr_pools.h>

/* Encode len bytes; the result lives in p. */
char *qnft_base58_encode(apr_pool_t *p, const unsigned char *in, apr_size_t len);

/* Decode text into out (capacity cap). Returns the decoded length, or -1
 * when text has a character outside the alphabet or does not fit. */
long qnft_base58_decode(const char *text, unsigned char *out, apr_size_t cap);

/* Decode text that must be exactly n bytes (32: an address, 64: a
 * signature); returns 0 on success. */
int qnft_base58_decode_exact(const char *text, unsigned char *out, apr_size_t n);

#endif
