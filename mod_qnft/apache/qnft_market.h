/* Shared by the marketplace handlers. */
#ifndef QNFT_MARKET_H
#define QNFT_MARKET_H

#include <httpd.h>
#include <jansson.h>

#include "apache/qnft_db.h"

/* An NFT row (QNFT_COL_* order) as the marketplace's JSON item; a new
 * reference. */
json_t *qnft_market_item(request_rec *r, ap_dbd_t *db, apr_dbd_row_t *row);

#endif
