#include <apr_strings.h>
#include <http_protocol.h>
#include <http_request.h>
#include <http_core.h>

#include "apache/mod_qnft.h"
#include "apache/qnft_config.h"
#include "apache/qnft_respond.h"
#include "util/qnft_json.h"

int qnft_respond_json(request_rec *r, int status, const json_t *body)
{
    apr_size_t len = 0;
    const char *text = qnft_json_dump(r->pool, body, &len);

    if (!text) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    return qnft_respond_text(r, status, text, len);
}

int qnft_respond_text(request_rec *r, int status, const char *text, apr_size_t len)
{
    r->status = status;
    ap_set_content_type(r, "application/json; charset=utf-8");
    apr_table_setn(r->headers_out, "Cache-Control", "no-store");
    /* JSON is data: never sniffed into something else, never framed,
     * never allowed to load anything if opened as a document */
    apr_table_setn(r->headers_out, "X-Content-Type-Options", "nosniff");
    apr_table_setn(r->headers_out, "X-Frame-Options", "DENY");
    apr_table_setn(r->headers_out, "Content-Security-Policy",
                   "default-src 'none'; frame-ancestors 'none'");
    apr_table_setn(r->headers_out, "Referrer-Policy", "no-referrer");
    ap_set_content_length(r, (apr_off_t)len + 1);
    if (!r->header_only) {
        ap_rwrite(text, (int)len, r);
        ap_rputc('\n', r);
    }
    return DONE;
}

static int respond_error_v(request_rec *r, int status, const char *code,
                           const char *fmt, va_list ap)
{
    const char *message = apr_pvsprintf(r->pool, fmt, ap);
    json_t *body = qnft_json_pooled(r->pool, json_pack("{s:s, s:s, s:s, s:s}",
                                    "status", "error", "message", message, "error", code,
                                    "request_id", qnft_request_id(r)));

    if (status < 500) {
        qnft_log_rerror(APLOG_INFO, 0, r, QNFTLOGNO(01001)
                      "%s %s answered %d %s: %s", r->method, r->uri, status, code, message);
    }
    else {
        qnft_log_rerror(APLOG_DEBUG, 0, r, QNFTLOGNO(01002)
                      "%s %s answered %d %s", r->method, r->uri, status, code);
    }
    return qnft_respond_json(r, status, body);
}

int qnft_respond_error(request_rec *r, int status, const char *code, const char *fmt, ...)
{
    va_list ap;
    int rc;
    va_start(ap, fmt);
    rc = respond_error_v(r, status, code, fmt, ap);
    va_end(ap);
    return rc;
}

int qnft_respond_unavailable(request_rec *r, int retry_after, const char *code,
                             const char *message)
{
    apr_table_setn(r->headers_out, "Retry-After", apr_itoa(r->pool, retry_after));
    return qnft_respond_error(r, HTTP_SERVICE_UNAVAILABLE, code, "%s", message);
}

int qnft_respond_storage_error(request_rec *r, apr_status_t rv, const char *what)
{
    qnft_log_rerror(APLOG_ERR, rv, r, QNFTLOGNO(01003)
                  "%s %s: cannot %s in the storage directory", r->method, r->uri, what);
    if (APR_STATUS_IS_ENOSPC(rv)) {
        return qnft_respond_error(r, HTTP_INSUFFICIENT_STORAGE, "insufficient_storage",
                                  "The server has no room to store this right now.");
    }
    apr_table_setn(r->headers_out, "Retry-After", "30");
    return qnft_respond_error(r, HTTP_SERVICE_UNAVAILABLE, "storage_unavailable",
                              "The file could not be stored right now; try again later.");
}

int qnft_respond_method(request_rec *r, const char *allow)
{
    apr_table_setn(r->headers_out, "Allow", allow);
    return qnft_respond_error(r, HTTP_METHOD_NOT_ALLOWED, "method_not_allowed",
                              "Method %s is not allowed here; use %s.", r->method, allow);
}

const char *qnft_public_base(request_rec *r)
{
    const qnft_srv_conf *c = qnft_srv_config(r->server);
    apr_port_t port = r->server->port;

    if (c->public_url) {
        return c->public_url;
    }
    /* From ServerName, never from the client's Host header: these links
     * end up in NFT metadata that others fetch. */
    if (port == 0 || port == ap_default_port(r)) {
        return apr_pstrcat(r->pool, ap_http_scheme(r), "://", r->server->server_hostname, NULL);
    }
    return apr_psprintf(r->pool, "%s://%s:%u", ap_http_scheme(r), r->server->server_hostname,
                        (unsigned)port);
}
