/* Every answer of a mod_qnft endpoint is JSON, errors included:
 * {"status":"error","message":"<sentence>","error":"<machine_code>"}. */
#ifndef QNFT_RESPOND_H
#define QNFT_RESPOND_H

#include <httpd.h>
#include <jansson.h>

/* Each qnft_respond_* sends a whole answer and returns DONE, which a
 * handler passes back to httpd; helpers of a handler return OK to mean
 * "nothing sent yet, carry on". */

/* Send body (a JSON value owned by r->pool) with the given status. */
int qnft_respond_json(request_rec *r, int status, const json_t *body);

/* Send JSON text already serialised (len bytes). */
int qnft_respond_text(request_rec *r, int status, const char *text, apr_size_t len);

/* Send an error. Client errors (4xx) are logged here once at level info;
 * for 5xx the caller logs the cause (with its detail) and this logs only
 * at debug, so each failure appears once in the error log. */
int qnft_respond_error(request_rec *r, int status, const char *code,
                       const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* 503 with Retry-After. */
int qnft_respond_unavailable(request_rec *r, int retry_after, const char *code,
                             const char *message);

/* The storage directory failed at step what (logged with rv): 507 when
 * the disk is full, else 503 with Retry-After. */
int qnft_respond_storage_error(request_rec *r, apr_status_t rv, const char *what);

/* 405 with an Allow header. */
int qnft_respond_method(request_rec *r, const char *allow);

/* Base URL for public links: QNFTPublicURL, or this request's own origin. */
const char *qnft_public_base(request_rec *r);

#endif
