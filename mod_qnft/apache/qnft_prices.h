/* Prices as the module uses them: from the PostgreSQL cache shared by
 * every process and server, refreshed from the price source at most once
 * per QNFTPriceTTL (single flight, advisory lock), served stale when the
 * source fails. */
#ifndef QNFT_PRICES_H
#define QNFT_PRICES_H

#include <httpd.h>
#include <jansson.h>

#include "apache/qnft_db.h"

typedef struct {
    const char *btc_usdc;        /* "76512.40" or NULL (unknown) */
    const char *sol_usdc;
    double usdc_usd;             /* 0 when unknown */
    apr_time_t as_of;            /* when the source gave them (0: never) */
    int stale;
    const char *error;           /* why they are stale */
} qnft_price_snapshot;

/* The spot snapshot; returns QNFT_DB_OK or the database's trouble. */
qnft_db_status qnft_prices_spot(request_rec *r, ap_dbd_t *db, qnft_price_snapshot *snap);

/* SOL/USDC points of the last `hours` hours as [[ms, price], ...] (new
 * reference), refreshing the missing span first. */
qnft_db_status qnft_prices_history(request_rec *r, ap_dbd_t *db, int hours, double usdc_usd,
                                   json_t **points, int *stale, const char **error);

#endif
