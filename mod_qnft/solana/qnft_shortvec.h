/* Solana's compact-u16 ("shortvec"): 7 bits per byte, least significant
 * group first, high bit set when another byte follows, at most 3 bytes.
 * It prefixes every variable-length array of the transaction format. */
#ifndef QNFT_SHORTVEC_H
#define QNFT_SHORTVEC_H

#include <apr.h>

#define QNFT_SHORTVEC_MAX_LEN 3
#define QNFT_SHORTVEC_MAX_VALUE 65535u

/* Bytes needed for v (1..3); 0 when v > 65535. */
int qnft_shortvec_size(apr_uint32_t v);

/* Encode v into out (room for QNFT_SHORTVEC_MAX_LEN bytes); returns the
 * number of bytes written, or 0 (nothing written) when v > 65535. */
int qnft_shortvec_encode(apr_uint32_t v, unsigned char *out);

/* Decode from in[0..len). Strict like solana-sdk: no alias encodings (a
 * zero byte after the first), no 4th byte, no value above 65535, no
 * reading past len. Returns the bytes consumed (1..3) and sets *v, or -1. */
int qnft_shortvec_decode(const unsigned char *in, apr_size_t len, apr_uint32_t *v);

#endif
