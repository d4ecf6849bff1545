/* The one wrapper around libcurl: a POST of a JSON body with a deadline
 * and a cap on the answer's size, http and https only. */
#ifndef QNFT_HTTP_H
#define QNFT_HTTP_H

#include <apr_pools.h>
#include <apr_time.h>

typedef enum {
    QNFT_HTTP_OK = 0,
    QNFT_HTTP_UNREACHABLE,   /* refused, DNS, TLS: no answer at all */
    QNFT_HTTP_TIMEOUT,       /* no complete answer in time */
    QNFT_HTTP_TOO_LARGE,     /* the answer exceeded the cap */
    QNFT_HTTP_FAILED         /* anything else */
} qnft_http_status;

typedef struct {
    long status;             /* HTTP status code */
    const char *body;        /* NUL-terminated, in the call's pool */
    apr_size_t len;
    const char *retry_after; /* Retry-After header, if any */
    const char *error;       /* curl's words when not OK */
} qnft_http_response;

/* Told how long each call took and whether it failed (no usable
 * answer): the module's metrics. Optional. */
typedef void (*qnft_http_observer)(apr_interval_time_t took, int failed);

/* Process-wide setup, once, before threads (post_config / main). */
void qnft_http_init(void);

/* method "GET" or "POST" (body and content_type for POST). headers: NULL
 * or a NULL-terminated list of "Name: value" lines. */
qnft_http_status qnft_http_request(apr_pool_t *p, const char *method, const char *url,
                                   const char *const *headers, const char *body,
                                   apr_size_t body_len, long timeout_ms,
                                   apr_size_t max_bytes, qnft_http_response *resp);

#endif
