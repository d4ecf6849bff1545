#include <string.h>
#include <apr_strings.h>
#include <apr_lib.h>
#include <http_protocol.h>

#include "apache/mod_qnft.h"
#include "apache/qnft_request.h"
#include "apache/qnft_respond.h"
#include "util/qnft_json.h"

/* Requests are small flat objects; deeper nesting is an attack. */
#define JSON_MAX_DEPTH 8

/* The parameters after "application/json": a charset, if named, must be
 * UTF-8 (a UTF-16 body would otherwise be misread, not refused). */
static int charset_is_utf8(apr_pool_t *p, const char *params)
{
    char *copy = apr_pstrdup(p, params), *last = NULL, *param;

    for (param = apr_strtok(copy, ";", &last); param; param = apr_strtok(NULL, ";", &last)) {
        char *eq = strchr(param, '='), *name = param, *value;
        if (!eq) {
            continue;
        }
        *eq = '\0';
        value = eq + 1;
        while (apr_isspace(*name)) {
            name++;
        }
        apr_collapse_spaces(name, name);
        if (strcasecmp(name, "charset")) {
            continue;
        }
        apr_collapse_spaces(value, value);
        if (*value == '"') {
            apr_size_t n = strlen(value);
            if (n < 2 || value[n - 1] != '"') {
                return 0;
            }
            value[n - 1] = '\0';
            value++;
        }
        if (strcasecmp(value, "utf-8") && strcasecmp(value, "utf8")) {
            return 0;
        }
    }
    return 1;
}

int qnft_read_json(request_rec *r, apr_size_t max, json_t **obj)
{
    const char *ctype = apr_table_get(r->headers_in, "Content-Type");
    apr_bucket_brigade *bb;
    char *buf;
    apr_size_t len = 0;
    const char *err = NULL;
    int seen_eos = 0;

    if (!ctype || strncasecmp(ctype, "application/json", 16)
        || (ctype[16] && ctype[16] != ';' && ctype[16] != ' ')) {
        return qnft_respond_error(r, HTTP_UNSUPPORTED_MEDIA_TYPE, "unsupported_content_type",
                                  "Send the request as application/json.");
    }
    if (!charset_is_utf8(r->pool, ctype + 16)) {
        return qnft_respond_error(r, HTTP_UNSUPPORTED_MEDIA_TYPE, "unsupported_content_type",
                                  "JSON is read as UTF-8 only (RFC 8259).");
    }
    {
        const char *clen = apr_table_get(r->headers_in, "Content-Length");
        apr_off_t n;
        if (clen && apr_strtoff(&n, clen, NULL, 10) == APR_SUCCESS && n > (apr_off_t)max) {
            r->connection->keepalive = AP_CONN_CLOSE;
            return qnft_respond_error(r, HTTP_REQUEST_ENTITY_TOO_LARGE, "too_large",
                                      "The request body exceeds %" APR_SIZE_T_FMT " bytes.", max);
        }
    }
    buf = apr_palloc(r->pool, max + 1);
    bb = apr_brigade_create(r->pool, r->connection->bucket_alloc);
    while (!seen_eos) {
        apr_bucket *b;
        apr_status_t rv = ap_get_brigade(r->input_filters, bb, AP_MODE_READBYTES,
                                         APR_BLOCK_READ, 8192);
        if (rv != APR_SUCCESS) {
            if (rv == AP_FILTER_ERROR) {
                return rv;
            }
            r->connection->keepalive = AP_CONN_CLOSE;
            return qnft_respond_error(r, ap_map_http_request_error(rv, HTTP_BAD_REQUEST),
                                      "bad_body", "The request body could not be read completely.");
        }
        for (b = APR_BRIGADE_FIRST(bb); b != APR_BRIGADE_SENTINEL(bb); b = APR_BUCKET_NEXT(b)) {
            const char *data;
            apr_size_t n;
            if (APR_BUCKET_IS_EOS(b)) {
                seen_eos = 1;
                break;
            }
            if (APR_BUCKET_IS_METADATA(b)) {
                continue;
            }
            if (apr_bucket_read(b, &data, &n, APR_BLOCK_READ) != APR_SUCCESS) {
                r->connection->keepalive = AP_CONN_CLOSE;
                return qnft_respond_error(r, HTTP_BAD_REQUEST, "bad_body",
                                          "The request body could not be read completely.");
            }
            if (len + n > max) {
                r->connection->keepalive = AP_CONN_CLOSE;
                return qnft_respond_error(r, HTTP_REQUEST_ENTITY_TOO_LARGE, "too_large",
                                          "The request body exceeds %" APR_SIZE_T_FMT " bytes.",
                                          max);
            }
            memcpy(buf + len, data, n);
            len += n;
        }
        apr_brigade_cleanup(bb);
    }
    buf[len] = '\0';
    *obj = qnft_json_parse(r->pool, buf, len, JSON_MAX_DEPTH, &err);
    if (!*obj) {
        return qnft_respond_error(r, HTTP_BAD_REQUEST, "bad_json", "The body is not valid JSON: %s.",
                                  err);
    }
    if (!json_is_object(*obj)) {
        return qnft_respond_error(r, HTTP_BAD_REQUEST, "bad_json",
                                  "The body must be a JSON object.");
    }
    return OK;
}

const char *qnft_json_str(const json_t *obj, const char *key)
{
    const json_t *v = json_object_get(obj, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

int qnft_json_int(const json_t *obj, const char *key, apr_int64_t *v)
{
    const json_t *j = json_object_get(obj, key);
    if (!json_is_integer(j)) {
        return -1;
    }
    *v = (apr_int64_t)json_integer_value(j);
    return 0;
}
