#include <string.h>
#include <strings.h>
#include <apr_strings.h>
#include <curl/curl.h>

#include "util/qnft_http.h"

void qnft_http_init(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

typedef struct {
    apr_pool_t *pool;
    char *buf;
    apr_size_t len, cap, max;
    int overflow;
    const char *retry_after;
} sink;

static size_t on_body(char *data, size_t size, size_t n, void *baton)
{
    sink *s = baton;
    size_t add = size * n;
    if (s->len + add > s->max) {
        s->overflow = 1;
        return 0;                     /* makes curl stop with a write error */
    }
    if (s->len + add + 1 > s->cap) {
        apr_size_t cap = (s->len + add + 1) * 2;
        char *nb;
        if (cap > s->max + 1) {
            cap = s->max + 1;
        }
        nb = apr_palloc(s->pool, cap);
        if (s->len) {
            memcpy(nb, s->buf, s->len);
        }
        s->buf = nb;
        s->cap = cap;
    }
    memcpy(s->buf + s->len, data, add);
    s->len += add;
    return add;
}

static size_t on_header(char *data, size_t size, size_t n, void *baton)
{
    sink *s = baton;
    size_t len = size * n;
    if (len > 12 && !strncasecmp(data, "Retry-After:", 12)) {
        const char *v = data + 12;
        apr_size_t vl = len - 12;
        while (vl && (*v == ' ' || *v == '\t')) { v++; vl--; }
        while (vl && (v[vl - 1] == '\r' || v[vl - 1] == '\n' || v[vl - 1] == ' ')) vl--;
        s->retry_after = apr_pstrndup(s->pool, v, vl);
    }
    return len;
}

static apr_status_t easy_release(void *data)
{
    curl_easy_cleanup(data);
    return APR_SUCCESS;
}

static apr_status_t slist_release(void *data)
{
    curl_slist_free_all(data);
    return APR_SUCCESS;
}

qnft_http_status qnft_http_request(apr_pool_t *p, const char *method, const char *url,
                                   const char *const *headers, const char *body,
                                   apr_size_t body_len, long timeout_ms,
                                   apr_size_t max_bytes, qnft_http_response *resp)
{
    CURL *c = curl_easy_init();
    struct curl_slist *hl = NULL;
    sink s;
    CURLcode rc;
    int i;

    memset(resp, 0, sizeof(*resp));
    if (!c) {
        resp->error = "curl_easy_init failed";
        return QNFT_HTTP_FAILED;
    }
    apr_pool_cleanup_register(p, c, easy_release, apr_pool_cleanup_null);
    memset(&s, 0, sizeof(s));
    s.pool = p;
    s.max = max_bytes;
    for (i = 0; headers && headers[i]; i++) {
        struct curl_slist *n = curl_slist_append(hl, headers[i]);
        if (!n) {
            break;
        }
        hl = n;
    }
    if (hl) {
        apr_pool_cleanup_register(p, hl, slist_release, apr_pool_cleanup_null);
    }
    /* Every option checked: a silently ignored one is a bug in waiting. */
    if (curl_easy_setopt(c, CURLOPT_URL, url) != CURLE_OK
#if LIBCURL_VERSION_NUM >= 0x075500
        || curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK
#else
        || curl_easy_setopt(c, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS)) != CURLE_OK
#endif
        || curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L) != CURLE_OK
        || curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms) != CURLE_OK
        || curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms) != CURLE_OK
        || curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L) != CURLE_OK
        || curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body) != CURLE_OK
        || curl_easy_setopt(c, CURLOPT_WRITEDATA, &s) != CURLE_OK
        || curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header) != CURLE_OK
        || curl_easy_setopt(c, CURLOPT_HEADERDATA, &s) != CURLE_OK
        || curl_easy_setopt(c, CURLOPT_USERAGENT, "mod_qnft") != CURLE_OK
        || (hl && curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl) != CURLE_OK)
        || (!strcmp(method, "POST")
            && (curl_easy_setopt(c, CURLOPT_POST, 1L) != CURLE_OK
                || curl_easy_setopt(c, CURLOPT_POSTFIELDS, body) != CURLE_OK
                || curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)body_len) != CURLE_OK))) {
        resp->error = "setting up the request failed";
        return QNFT_HTTP_FAILED;
    }
    rc = curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &resp->status);
    /* close the connection now, not with the pool: a request that polls
     * would otherwise hold a socket per call until it ends */
    apr_pool_cleanup_run(p, c, easy_release);
    resp->retry_after = s.retry_after;
    resp->body = s.buf ? s.buf : "";
    if (s.buf) {
        s.buf[s.len] = '\0';
    }
    resp->len = s.len;
    if (rc == CURLE_OK) {
        return QNFT_HTTP_OK;
    }
    resp->error = apr_pstrdup(p, curl_easy_strerror(rc));
    if (s.overflow) {
        return QNFT_HTTP_TOO_LARGE;
    }
    if (rc == CURLE_OPERATION_TIMEDOUT) {
        return QNFT_HTTP_TIMEOUT;
    }
    if (rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_HOST
        || rc == CURLE_SSL_CONNECT_ERROR || rc == CURLE_PEER_FAILED_VERIFICATION) {
        return QNFT_HTTP_UNREACHABLE;
    }
    return QNFT_HTTP_FAILED;
}
