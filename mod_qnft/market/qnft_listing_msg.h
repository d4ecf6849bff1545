/* The text a seller's wallet signs to list or delist an NFT, so the
 * server never holds the seller's key. It names the marketplace (domain),
 * so a message signed for one marketplace means nothing to another. Wallets sign these bytes as they
 * are (Solana's signMessage); the server rebuilds them from the request's
 * fields and checks the Ed25519 signature. */
#ifndef QNFT_LISTING_MSG_H
#define QNFT_LISTING_MSG_H

#include <apr_pools.h>

#define QNFT_NONCE_MIN 8
#define QNFT_NONCE_MAX 64
/* A signed message may not be valid for longer than this. */
#define QNFT_LISTING_MAX_TTL 3600

typedef struct {
    const char *domain;          /* the marketplace's public base URL */
    const char *action;          /* "list" or "delist" */
    const char *mint;
    const char *seller;
    apr_int64_t price_lamports;  /* list only */
    apr_int64_t listing_id;      /* delist only */
    const char *nonce;
    apr_int64_t expires_at;      /* unix seconds */
} qnft_listing_msg;

/* The canonical text, e.g.
 *   QNFT marketplace
 *   domain: https://nft.example.com
 *   action: list
 *   price_lamports: 1500000000
 *   mint: <address>
 *   seller: <address>
 *   nonce: <nonce>
 *   expires_at: 1764766800
 * (delist has "listing_id: <id>" in place of the price line), lines
 * joined by a single LF, no trailing newline. */
const char *qnft_listing_msg_text(apr_pool_t *p, const qnft_listing_msg *m);

/* Nonce form: QNFT_NONCE_MIN..MAX of [A-Za-z0-9_-]. */
int qnft_listing_nonce_ok(const char *nonce);

#endif
