/* solana-keygen keypair files: a JSON array of 64 integers 0..255, the
 * 32-byte Ed25519 seed followed by its 32-byte public key. The seed is a
 * secret: files must be private to their owner, like a TLS key file. */
#ifndef QNFT_KEYPAIR_H
#define QNFT_KEYPAIR_H

#include <apr_pools.h>
#include <apr_errno.h>

#include "solana/qnft_programs.h"

#define QNFT_KEYPAIR_SEED_LEN 32

typedef struct {
    unsigned char seed[QNFT_KEYPAIR_SEED_LEN];
    qnft_pubkey pub;
} qnft_keypair;

/* Read and validate the file at path into *kp. Refuses files that group or
 * others may access, anything but exactly 64 integers 0..255, and a public
 * half that is not the seed's public key. On failure *err (when err is not
 * NULL) holds a message from p that names the file; the seed never appears
 * in it. */
apr_status_t qnft_keypair_read(apr_pool_t *p, const char *path, qnft_keypair *kp,
                               const char **err);

/* Write kp to path in solana-keygen's format, mode 0600, through a temp
 * file in the same directory renamed into place (readers never see half a
 * key, an old file is replaced atomically). */
apr_status_t qnft_keypair_write(apr_pool_t *p, const char *path, const qnft_keypair *kp);

/* A fresh keypair from OpenSSL's CSPRNG; 0 on success. */
int qnft_keypair_generate(qnft_keypair *kp);

/* The keypair of a given 32-byte seed; 0 on success. */
int qnft_keypair_from_seed(qnft_keypair *kp, const unsigned char *seed);

/* Ed25519 signature (64 bytes into sig) of msg; 0 on success. */
int qnft_keypair_sign(const qnft_keypair *kp, const unsigned char *msg, apr_size_t len,
                      unsigned char *sig);

/* Wipe the seed (and the rest) of kp. */
void qnft_keypair_clear(qnft_keypair *kp);

#endif
