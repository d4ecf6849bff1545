/* The module's own counters, shared by all server processes (anonymous
 * shared memory made in post_config), shown by the qnft-metrics handler
 * in Prometheus text format and in mod_status's server-status page. */
#ifndef QNFT_METRICS_H
#define QNFT_METRICS_H

#include <httpd.h>

#include "apache/qnft_config.h"

/* post_config: create the shared counters (zero after each restart). */
int qnft_metrics_post_config(apr_pool_t *pconf, server_rec *s);

/* log_transaction: count a request of a qnft-* handler and its class. */
int qnft_metrics_log(request_rec *r);

/* Observations; each is a few atomic additions, a no-op before
 * post_config. */
void qnft_metrics_render(apr_interval_time_t took);
void qnft_metrics_rpc(apr_interval_time_t took, int failed);
void qnft_metrics_price(apr_interval_time_t took, int failed);
void qnft_metrics_db_error(void);
void qnft_metrics_rate_limited(qnft_area area);
void qnft_metrics_csrf_refused(void);

/* Handler qnft-metrics: GET, Prometheus text exposition format 0.0.4. */
int qnft_metrics_handler(request_rec *r);

/* mod_status hook: a section of server-status. */
int qnft_metrics_status(request_rec *r, int flags);

#endif
