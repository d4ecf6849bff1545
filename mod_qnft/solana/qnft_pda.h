/* Program derived addresses: SHA-256 of seeds, program id and the marker
 * "ProgramDerivedAddress", accepted only when the hash is NOT a point of
 * the Ed25519 curve (so no private key can exist for it). */
#ifndef QNFT_PDA_H
#define QNFT_PDA_H

#include <apr.h>

#include "solana/qnft_programs.h"

#define QNFT_PDA_MAX_SEEDS    16    /* the bump counts as a seed */
#define QNFT_PDA_MAX_SEED_LEN 32

/* Results of the functions below besides 0 (success). */
#define QNFT_PDA_ERROR     (-1)     /* OpenSSL could not allocate */
#define QNFT_PDA_ON_CURVE  1        /* the hash is a curve point: no PDA */
#define QNFT_PDA_BAD_SEEDS 2        /* too many seeds or a seed too long */
#define QNFT_PDA_NO_BUMP   3        /* every bump 255..1 landed on the curve */

/* 1 when the 32 bytes decompress to an Ed25519 point the way
 * curve25519-dalek's CompressedEdwardsY::decompress does (sign bit
 * ignored, y reduced mod p, non-canonical y accepted; small-order points
 * count), 0 when they do not, -1 when OpenSSL could not allocate. */
int qnft_ed25519_on_curve(const unsigned char y32[32]);

/* Solana's create_program_address: 0 and *out on success, otherwise one of
 * the codes above. seeds[i] may be NULL only when seed_lens[i] is 0. */
int qnft_create_program_address(const unsigned char *const *seeds,
                                const apr_size_t *seed_lens, int nseeds,
                                const qnft_pubkey *program, qnft_pubkey *out);

/* Solana's find_program_address: appends a bump byte from 255 down to 1,
 * the first off-curve address wins. nseeds <= 15 (room for the bump).
 * bump may be NULL. 0 on success, otherwise a code above. */
int qnft_find_program_address(const unsigned char *const *seeds,
                              const apr_size_t *seed_lens, int nseeds,
                              const qnft_pubkey *program, qnft_pubkey *out,
                              unsigned char *bump);

/* The associated token account of wallet for mint under token_program
 * (SPL Token or Token-2022): PDA of [wallet, token_program, mint] under
 * the ATA program. 0 on success. */
int qnft_ata_address(const qnft_pubkey *wallet, const qnft_pubkey *mint,
                     const qnft_pubkey *token_program, qnft_pubkey *out);

/* Metaplex metadata account: PDA of ["metadata", metadata program, mint]
 * under the metadata program. bump may be NULL. 0 on success. */
int qnft_metadata_pda(const qnft_pubkey *mint, qnft_pubkey *out, unsigned char *bump);

/* Metaplex (master) edition account: PDA of ["metadata", metadata program,
 * mint, "edition"] under the metadata program. bump may be NULL. */
int qnft_edition_pda(const qnft_pubkey *mint, qnft_pubkey *out, unsigned char *bump);

#endif
