/* Directives of mod_qnft: per-server configuration with explicit "unset"
 * values, so a virtual host inherits what it does not set itself. */
#ifndef QNFT_CONFIG_H
#define QNFT_CONFIG_H

#include <httpd.h>
#include <http_config.h>

#include "solana/qnft_keypair.h"

#define QNFT_UNSET_INT  (-1)

#define QNFT_STANDARD_METAPLEX  0
#define QNFT_STANDARD_TOKEN2022 1
#define QNFT_COMMIT_CONFIRMED   0
#define QNFT_COMMIT_FINALIZED   1

/* What QNFTRateLimit limits, per client address. */
typedef enum {
    QNFT_AREA_UPLOAD, QNFT_AREA_GIF, QNFT_AREA_MINT, QNFT_AREA_LISTING, QNFT_AREA_COUNT
} qnft_area;

extern const char *const qnft_area_names[QNFT_AREA_COUNT];

/* count requests per period seconds, with bursts up to count; count 0:
 * no limit (explicitly off); period 0: not set here (inherited). */
typedef struct qnft_rate_rule {
    int count;
    int period;
} qnft_rate_rule;

typedef struct {
    const char *storage_dir;        /* QNFTStorageDir */
    const char *public_url;         /* QNFTPublicURL, no trailing slash; NULL = from request */
    apr_off_t upload_max_bytes;     /* QNFTUploadMaxBytes */
    apr_int64_t image_max_pixels;   /* QNFTImageMaxPixels */
    int db_retry_after;             /* QNFTDBRetryAfter (seconds) */
    int gif_max_side;               /* QNFTGifMaxSide (pixels) */
    int gif_frames;                 /* QNFTGifFrames */
    int gif_delay_ms;               /* QNFTGifFrameDelay */
    int gif_concurrency;            /* QNFTGifConcurrency (per process) */
    int gif_time_budget;            /* QNFTGifTimeBudget (seconds) */
    const char *solana_rpc;         /* QNFTSolanaRPC; NULL: minting off */
    const char *solana_cluster;     /* QNFTSolanaCluster: for explorer links */
    const char *signer_keypair;     /* QNFTSignerKeypair (path); NULL: no server signing */
    const char *admin_wallet;       /* QNFTAdminWallet; NULL: the signer's address */
    apr_int64_t mint_fee_lamports;  /* QNFTMintFeeLamports */
    int mint_standard;              /* QNFTMintStandard: QNFT_STANDARD_* */
    int commitment;                 /* QNFTSolanaCommitment: QNFT_COMMIT_* */
    int mint_deadline;              /* QNFTMintDeadline (seconds before 202) */
    int rpc_timeout_ms;             /* QNFTRPCTimeout (milliseconds) */
    int market_cache_ms;            /* QNFTMarketCacheTTL (milliseconds; 0: off) */
    const char *price_url;          /* QNFTPriceSourceURL */
    const char *price_key;          /* QNFTPriceAPIKey; NULL: none */
    int price_ttl;                  /* QNFTPriceTTL (seconds) */
    int price_timeout_ms;           /* QNFTPriceTimeout (milliseconds) */
    apr_array_header_t *allowed_origins; /* QNFTAllowedOrigins: "scheme://host[:port]" */
    qnft_rate_rule *rate_limits;    /* QNFTRateLimit: QNFT_AREA_COUNT rules */
    qnft_keypair *signer;           /* read in post_config from signer_keypair */
} qnft_srv_conf;

extern const command_rec qnft_cmds[];

void *qnft_create_srv_conf(apr_pool_t *p, server_rec *s);
void *qnft_merge_srv_conf(apr_pool_t *p, void *basev, void *addv);

/* The effective configuration of a server, defaults applied. */
const qnft_srv_conf *qnft_srv_config(const server_rec *s);

/* check_config: cross-checks; an error sentence or NULL. */
const char *qnft_config_check(apr_pool_t *p, server_rec *s);

/* post_config: apply defaults and resolve paths for server s. */
void qnft_config_finalize(apr_pool_t *p, server_rec *s);

#endif
