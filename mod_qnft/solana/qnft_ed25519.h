/* Ed25519 signatures through OpenSSL 3 (one-shot EVP_DigestSign/Verify
 * with a NULL digest, as Ed25519 requires). */
#ifndef QNFT_ED25519_H
#define QNFT_ED25519_H

#include <apr.h>

#define QNFT_ED25519_SEED_LEN 32
#define QNFT_ED25519_PUB_LEN  32
#define QNFT_ED25519_SIG_LEN  64

/* 1 when sig is a valid signature of msg by the 32-byte public key pub. */
int qnft_ed25519_verify(const unsigned char *pub, const unsigned char *msg, apr_size_t len,
                        const unsigned char *sig);

/* Sign msg with the 32-byte seed; 0 on success. */
int qnft_ed25519_sign(const unsigned char *seed, const unsigned char *msg, apr_size_t len,
                      unsigned char *sig);

/* The public key of a seed; 0 on success. */
int qnft_ed25519_public(const unsigned char *seed, unsigned char *pub);

/* A fresh seed from OpenSSL's CSPRNG; 0 on success. */
int qnft_ed25519_generate(unsigned char *seed);

#endif
