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
int qnft_studio_handler(request_rec *r);

/* This request's id: mod_unique_id's UNIQUE_ID when it is loaded, else
 * one made here; the same id as %L in an ErrorLogFormat. */
const char *qnft_request_id(request_rec *r);

/* ap_log_rerror with the request's id at the end of the line, so an id
 * from a JSON error answer finds its log lines whatever ErrorLogFormat. */
#define qnft_log_rerror(level, status, r, fmt, ...) \
    ap_log_rerror(APLOG_MARK, level, status, r, fmt " [request %s]", ##__VA_ARGS__, \
                  qnft_request_id(r))

#endif
