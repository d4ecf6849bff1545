/* The NFT mint transaction and its metadata, httpd-free: one transaction
 * that creates the mint, gives the owner the single token and makes more
 * impossible, in either standard. */
#ifndef QNFT_MINT_H
#define QNFT_MINT_H

#include <apr_pools.h>
#include <jansson.h>

#include "solana/qnft_ix.h"
#include "solana/qnft_programs.h"
#include "solana/qnft_tx.h"

typedef enum { QNFT_MINT_METAPLEX = 0, QNFT_MINT_TOKEN2022 = 1 } qnft_mint_standard;

#define QNFT_SYMBOL "QNFT"
#define QNFT_TOKEN_ACCOUNT_SIZE 165
#define QNFT_MAX_EXTRA_FIELDS 4
/* Two signatures (payer, mint) at the base fee. */
#define QNFT_NETWORK_FEE 10000

typedef struct {
    qnft_mint_standard standard;
    qnft_pubkey payer;              /* fee payer; also the (short-lived) mint authority */
    qnft_pubkey update_authority;   /* may change the metadata later; signs too */
    qnft_pubkey owner;              /* receives the token */
    qnft_pubkey mint;               /* the fresh mint account */
    const char *name, *symbol, *uri;
    /* token2022: extra metadata fields (mint type, prices) */
    const char *extra_keys[QNFT_MAX_EXTRA_FIELDS];
    const char *extra_values[QNFT_MAX_EXTRA_FIELDS];
    int num_extra;
    /* metaplex: creators (share sum 100) and royalty */
    qnft_mpl_creator creators[1];
    apr_size_t num_creators;
    unsigned int seller_fee_basis_points;
    /* a fee transfer payer -> fee_to, in the same transaction (0: none) */
    apr_uint64_t fee_lamports;
    qnft_pubkey fee_to;
    apr_uint64_t mint_rent;         /* lamports for the mint account's final size */
    unsigned char blockhash[32];
} qnft_mint_plan;

/* Bytes the mint account ends up with: what its rent must cover. */
apr_size_t qnft_mint_account_size(const qnft_mint_plan *plan);

/* The unsigned transaction of the plan. */
apr_status_t qnft_mint_build(apr_pool_t *p, const qnft_mint_plan *plan, qnft_tx **tx,
                             const char **err);

/* The Metaplex JSON metadata standard document of an NFT. */
typedef struct {
    const char *name;
    const char *description;        /* user text + " | " + generated sentence */
    const char *gif_url;
    const char *image_url;
    const char *image_mime;
    const char *external_url;
    const char *mint_type;          /* "long" or "short" */
    const char *timestamp_iso;
    const char *btc_price;          /* decimal text or NULL (unknown) */
    const char *sol_price;
    const char *creator;            /* address, share 100 */
} qnft_metadata;

json_t *qnft_metadata_json(const qnft_metadata *md);

/* "Minted <time> as a Long position (a bet that SOL rises); BTC/USDC ..., SOL/USDC ..." */
const char *qnft_mint_sentence(apr_pool_t *p, const char *mint_type, const char *timestamp,
                               const char *btc, const char *sol);

#endif
