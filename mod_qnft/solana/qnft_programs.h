/* Solana program and sysvar ids (base58) and the 32-byte public key type
 * used wherever an address travels in binary form. */
#ifndef QNFT_PROGRAMS_H
#define QNFT_PROGRAMS_H

#include <apr_pools.h>

#define QNFT_PROGRAM_SYSTEM         "11111111111111111111111111111111"
#define QNFT_PROGRAM_TOKEN          "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA"
#define QNFT_PROGRAM_TOKEN_2022     "TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb"
#define QNFT_PROGRAM_ATA            "ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL"
#define QNFT_PROGRAM_METADATA       "metaqbxxUerdq28cj1RbAWkYQm3ybzjb6a8bt518x1s"
#define QNFT_SYSVAR_RENT            "SysvarRent111111111111111111111111111111111"
#define QNFT_SYSVAR_INSTRUCTIONS    "Sysvar1nstructions1111111111111111111111111"
#define QNFT_PROGRAM_MEMO           "MemoSq4gqABAXKb96qnH8TysNcWxMyWCqXgDLGmfcHr"
#define QNFT_PROGRAM_COMPUTE_BUDGET "ComputeBudget111111111111111111111111111111"

#define QNFT_PUBKEY_LEN 32

/* A struct rather than a bare array so keys copy by assignment and cannot
 * be confused with seeds or signatures in a prototype. */
typedef struct {
    unsigned char b[QNFT_PUBKEY_LEN];
} qnft_pubkey;

/* Decode a base58 address that must be exactly 32 bytes; 0 on success,
 * -1 otherwise (out is then unspecified). */
int qnft_pubkey_parse(const char *b58, qnft_pubkey *out);

/* The base58 form of k, allocated from p. */
const char *qnft_pubkey_str(apr_pool_t *p, const qnft_pubkey *k);

#endif
