/* Shared declarations of the httpd glue. */
#ifndef MOD_QNFT_H
#define MOD_QNFT_H

#include <httpd.h>
#include <http_config.h>
#include <http_log.h>

extern module AP_MODULE_DECLARE_DATA qnft_module;

/* mod_qnft.c declares the module itself (AP_DECLARE_MODULE does this). */
#if defined(APLOG_USE_MODULE) && !defined(QNFT_MODULE_RECORD)
APLOG_USE_MODULE(qnft);
#endif

/* Log tags of this module: "QNFT" + five digits, unique per call site. */
#define QNFTLOGNO(n) "QNFT" #n ": "

/* Handlers, one file each. */
int qnft_upload_handler(request_rec *r);
int qnft_gif_handler(request_rec *r);
int qnft_market_handler(request_rec *r);
int qnft_listing_handler(request_rec *r);
int qnft_mint_handler(request_rec *r);
int qnft_chart_handler(request_rec *r);

#endif
