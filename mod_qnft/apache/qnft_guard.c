/* CSRF refusal and rate limits (see qnft_guard.h).
 *
 * Rate limits use GCRA (the generic cell rate algorithm): each client and
 * area keeps one timestamp, the "theoretical arrival time", in the
 * socache; a request is admitted when that time is at most one period
 * minus one interval ahead of now, which allows bursts of the full count
 * and then one request per interval. One 8-byte value per client, and
 * an exact Retry-After. */
#include <string.h>
#include <strings.h>
#include <netinet/in.h>
#include <apr_strings.h>
#include <apr_uri.h>
#include <apr_global_mutex.h>
#include <ap_provider.h>
#include <ap_socache.h>
#include <http_protocol.h>
#include <http_config.h>
#include <http_log.h>
#include <http_vhost.h>
#include <util_mutex.h>

#include "apache/mod_qnft.h"
#include "apache/qnft_guard.h"
#include "apache/qnft_metrics.h"
#include "apache/qnft_respond.h"
#include "util/qnft_digest.h"

#define RATE_MUTEX "qnft-ratelimit"
#define RATE_CACHE_ID "qnft-ratelimit"
#define DEFAULT_CACHE "shmcb"

/* Set while reading the configuration and in post_config; read-only in
 * the children afterwards. */
static const char *cache_spec;
static const ap_socache_provider_t *cache_provider;
static ap_socache_instance_t *cache;
static apr_global_mutex_t *cache_mutex;

const char *qnft_origin_of(apr_pool_t *p, const char *url)
{
    apr_uri_t u;
    const char *host;
    char *origin;
    apr_port_t dflt;

    if (apr_uri_parse(p, url, &u) != APR_SUCCESS || !u.scheme || !u.hostname || !*u.hostname
        || u.user || u.password) {
        return NULL;
    }
    if (!strcasecmp(u.scheme, "http")) {
        dflt = 80;
    }
    else if (!strcasecmp(u.scheme, "https")) {
        dflt = 443;
    }
    else {
        return NULL;
    }
    host = strchr(u.hostname, ':') ? apr_pstrcat(p, "[", u.hostname, "]", NULL) : u.hostname;
    origin = apr_pstrcat(p, u.scheme, "://", host, NULL);
    if (u.port_str && u.port != dflt) {
        origin = apr_pstrcat(p, origin, ":", apr_itoa(p, u.port), NULL);
    }
    ap_str_tolower(origin);
    return origin;
}

/* The port to compare with the virtual host's: a ServerName without a
 * port (port 0) names the host on whatever port it is reached. */
static apr_port_t own_port(request_rec *r, const apr_uri_t *u)
{
    if (!r->server->port) {
        return 0;
    }
    return u->port_str ? u->port : apr_uri_port_of_scheme(u->scheme);
}

/* Origins allowed to write: QNFTPublicURL's, else the request's own when
 * its Host is a name of this virtual host (ServerName, ServerAlias): a
 * Host of any other name may be a DNS-rebinding page posing as us. Then
 * QNFTAllowedOrigins. */
static int origin_allowed(request_rec *r, const char *origin)
{
    const qnft_srv_conf *c = qnft_srv_config(r->server);
    const char *host = apr_table_get(r->headers_in, "Host");
    const char *own;
    apr_uri_t u;
    int i;

    if (c->public_url) {
        own = qnft_origin_of(r->pool, c->public_url);
        if (own && !strcmp(origin, own)) {
            return 1;
        }
    }
    else if (host && r->hostname
             && (own = qnft_origin_of(r->pool, apr_pstrcat(r->pool, ap_http_scheme(r), "://",
                                                            host, NULL)))
             && !strcmp(origin, own)
             && apr_uri_parse(r->pool, own, &u) == APR_SUCCESS
             && ap_matches_request_vhost(r, r->hostname, own_port(r, &u))) {
        return 1;
    }
    for (i = 0; c->allowed_origins && i < c->allowed_origins->nelts; i++) {
        if (!strcmp(origin, APR_ARRAY_IDX(c->allowed_origins, i, const char *))) {
            return 1;
        }
    }
    return 0;
}

static int refuse(request_rec *r, int status, const char *code, const char *message)
{
    /* the body was not read: do not spend time draining it */
    r->connection->keepalive = AP_CONN_CLOSE;
    qnft_metrics_csrf_refused();
    return qnft_respond_error(r, status, code, "%s", message);
}

/* Browsers send Origin with every cross-origin POST (and Referer when
 * Origin is withheld); a client that sends neither is not a browser
 * page, and cannot be driven by one. A GET that writes (a GIF render) can
 * be an <img> on any page, which sends no Origin and may withhold Referer,
 * but browsers also say Sec-Fetch-Site, which no page can change: from
 * another site, only a CORS request naming an allowed Origin may write. */
static int check_csrf(request_rec *r, int flags)
{
    const char *origin = apr_table_get(r->headers_in, "Origin");
    const char *site = apr_table_get(r->headers_in, "Sec-Fetch-Site");
    const char *seen = NULL;

    if (!origin && site && strcasecmp(site, "same-origin") && strcasecmp(site, "none")) {
        return refuse(r, HTTP_FORBIDDEN, "cross_origin",
                      "Requests from another site may not change anything here.");
    }
    if (origin) {
        seen = qnft_origin_of(r->pool, origin);
        if (!seen || strcasecmp(seen, origin)) {
            return refuse(r, HTTP_FORBIDDEN, "cross_origin",
                          "This request comes from an opaque or malformed origin; it may not "
                          "change anything here.");
        }
    }
    else if ((origin = apr_table_get(r->headers_in, "Referer"))) {
        seen = qnft_origin_of(r->pool, origin);
    }
    if (origin && (!seen || !origin_allowed(r, seen))) {
        return refuse(r, HTTP_FORBIDDEN, "cross_origin",
                      "Requests from another site may not change anything here.");
    }
    if (flags & QNFT_GUARD_FORM) {
        const char *h = apr_table_get(r->headers_in, QNFT_CSRF_HEADER);
        if (!h || !*h) {
            return refuse(r, HTTP_FORBIDDEN, "csrf_header_missing",
                          "This request must carry the " QNFT_CSRF_HEADER " header (the "
                          "studio's pages send it).");
        }
    }
    return OK;
}

/* The client's address; IPv6 clients by their /64, which one host or
 * household usually owns whole. */
static const char *client_key(request_rec *r)
{
    const apr_sockaddr_t *a = r->useragent_addr;

    if (a && a->family == APR_INET6) {
        const struct in6_addr *in6 = (const struct in6_addr *)a->ipaddr_ptr;
        const unsigned char *b = in6->s6_addr;
        if (!IN6_IS_ADDR_V4MAPPED(in6)) {
            return apr_psprintf(r->pool, "%02x%02x:%02x%02x:%02x%02x:%02x%02x::/64",
                                b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]);
        }
        return apr_psprintf(r->pool, "%u.%u.%u.%u", b[12], b[13], b[14], b[15]);
    }
    return r->useragent_ip;
}

/* GCRA: 1 when over the limit, with the time to wait in *wait. */
static int over_limit(request_rec *r, qnft_area area, const qnft_rate_rule *rule,
                      apr_interval_time_t *wait)
{
    apr_interval_time_t interval = apr_time_from_sec(rule->period) / rule->count;
    apr_interval_time_t tolerance = apr_time_from_sec(rule->period) - interval;
    /* one state per rule: a virtual host with a lenient rule must not
     * reset the clock of a strict one, and servers that share a cache
     * with the same rule share a client's budget */
    const char *id = apr_psprintf(r->pool, "%s|%d/%d|%s", qnft_area_names[area], rule->count,
                                  rule->period, client_key(r));
    unsigned char digest[QNFT_SHA256_LEN], key[16];
    unsigned char buf[8];
    unsigned int len = sizeof(buf);
    apr_time_t now = apr_time_now(), tat = now;
    apr_status_t rv;
    int i, over = 0;

    /* A short, fixed-size key with uniform bytes: shmcb picks its
     * sub-cache from the first byte, memcache and redis limit key sizes. */
    qnft_sha256_once(id, strlen(id), digest);
    memcpy(key, digest, sizeof(key));
    if (cache_mutex && (rv = apr_global_mutex_lock(cache_mutex)) != APR_SUCCESS) {
        qnft_log_rerror(APLOG_WARNING, rv, r, QNFTLOGNO(01901)
                      "rate limit: cannot lock the cache; request let through");
        return 0;
    }
    if (cache_provider->retrieve(cache, r->server, key, sizeof(key), buf, &len, r->pool)
        == APR_SUCCESS && len == sizeof(buf)) {
        apr_uint64_t v = 0;
        for (i = 0; i < 8; i++) {
            v = (v << 8) | buf[i];
        }
        tat = (apr_time_t)v;
        /* before now: the bucket is full; beyond a period ahead: the clock
         * went back, and nobody should wait for that */
        if (tat < now || tat - now > apr_time_from_sec(rule->period)) {
            tat = now;
        }
    }
    if (tat - now > tolerance) {
        *wait = tat - tolerance - now;
        over = 1;
    }
    else {
        apr_uint64_t v = (apr_uint64_t)(tat + interval);
        for (i = 7; i >= 0; i--, v >>= 8) {
            buf[i] = (unsigned char)(v & 0xff);
        }
        /* one second more: memcache and redis count expiry in whole
         * seconds and refuse an entry that would expire at once */
        rv = cache_provider->store(cache, r->server, key, sizeof(key),
                                   tat + interval + apr_time_from_sec(1), buf, sizeof(buf),
                                   r->pool);
        if (rv != APR_SUCCESS) {
            qnft_log_rerror(APLOG_WARNING, rv, r, QNFTLOGNO(01902)
                          "rate limit: storing the client's state failed; request let through");
        }
    }
    if (cache_mutex) {
        apr_global_mutex_unlock(cache_mutex);
    }
    return over;
}

int qnft_guard(request_rec *r, qnft_area area, int flags)
{
    const qnft_rate_rule *rule = &qnft_srv_config(r->server)->rate_limits[area];
    apr_interval_time_t wait = 0;
    int rc;

    if ((rc = check_csrf(r, flags)) != OK) {
        return rc;
    }
    if (rule->count > 0 && cache && over_limit(r, area, rule, &wait)) {
        apr_int64_t secs = (wait + APR_USEC_PER_SEC - 1) / APR_USEC_PER_SEC;
        if (secs < 1) {
            secs = 1;
        }
        qnft_metrics_rate_limited(area);
        r->connection->keepalive = AP_CONN_CLOSE;
        apr_table_setn(r->headers_out, "Retry-After",
                       apr_psprintf(r->pool, "%" APR_INT64_T_FMT, secs));
        return qnft_respond_error(r, HTTP_TOO_MANY_REQUESTS, "rate_limited",
                                  "Too many %s requests from your address; try again in %"
                                  APR_INT64_T_FMT " s.", qnft_area_names[area], secs);
    }
    return OK;
}

/* ---- the shared cache ------------------------------------------------------ */

const char *qnft_guard_set_cache(apr_pool_t *p, const char *spec)
{
    cache_spec = spec;
    return NULL;
}

void qnft_guard_pre_config(apr_pool_t *pconf)
{
    cache_spec = NULL;
    cache_provider = NULL;
    cache = NULL;
    cache_mutex = NULL;
    ap_mutex_register(pconf, RATE_MUTEX, NULL, APR_LOCK_DEFAULT, 0);
}

static int limits_used(server_rec *s)
{
    server_rec *sp;
    int a;
    for (sp = s; sp; sp = sp->next) {
        const qnft_rate_rule *rules = qnft_srv_config(sp)->rate_limits;
        for (a = 0; rules && a < QNFT_AREA_COUNT; a++) {
            if (rules[a].count > 0) {
                return 1;
            }
        }
    }
    return 0;
}

/* "shmcb:/run/x(512000)" -> provider "shmcb", arguments "/run/x(512000)". */
static const ap_socache_provider_t *provider_of(apr_pool_t *p, const char **args)
{
    const char *spec = cache_spec ? cache_spec : DEFAULT_CACHE;
    const char *colon = strchr(spec, ':');
    const char *name = colon ? apr_pstrndup(p, spec, (apr_size_t)(colon - spec)) : spec;

    *args = colon ? colon + 1 : NULL;
    return ap_lookup_provider(AP_SOCACHE_PROVIDER_GROUP, name, AP_SOCACHE_PROVIDER_VERSION);
}

const char *qnft_guard_check(apr_pool_t *p, server_rec *s)
{
    const char *args;
    if (!limits_used(s) && !cache_spec) {
        return NULL;
    }
    if (!provider_of(p, &args)) {
        return apr_psprintf(p, "QNFTRateLimit needs the shared object cache '%s': load its "
                            "module (mod_socache_%s) or name another provider with "
                            "QNFTRateLimitCache", cache_spec ? cache_spec : DEFAULT_CACHE,
                            cache_spec ? cache_spec : DEFAULT_CACHE);
    }
    return NULL;
}

static apr_status_t destroy_cache(void *data)
{
    if (cache) {
        cache_provider->destroy(cache, data);
        cache = NULL;
    }
    return APR_SUCCESS;
}

int qnft_guard_post_config(apr_pool_t *pconf, apr_pool_t *ptemp, server_rec *s)
{
    static const struct ap_socache_hints hints = { 64, 8, apr_time_from_sec(60) };
    const char *args, *err;
    apr_status_t rv;

    if (!limits_used(s)) {
        return OK;
    }
    cache_provider = provider_of(ptemp, &args);
    if (!cache_provider) {
        return !OK;    /* check_config said why */
    }
    err = cache_provider->create(&cache, args, ptemp, pconf);
    if (err) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, QNFTLOGNO(00010)
                     "QNFTRateLimitCache: %s", err);
        return !OK;
    }
    /* Always: even where the provider is safe across processes, the read
     * and the write of one check must not interleave with another's. */
    rv = ap_global_mutex_create(&cache_mutex, NULL, RATE_MUTEX, NULL, s, pconf, 0);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, QNFTLOGNO(00011)
                     "rate limits: cannot create the cache mutex");
        return !OK;
    }
    rv = cache_provider->init(cache, RATE_CACHE_ID, &hints, s, pconf);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, QNFTLOGNO(00012)
                     "rate limits: cannot initialise the shared object cache");
        return !OK;
    }
    apr_pool_cleanup_register(pconf, s, destroy_cache, apr_pool_cleanup_null);
    return OK;
}

void qnft_guard_child_init(apr_pool_t *pchild, server_rec *s)
{
    if (cache_mutex) {
        apr_status_t rv = apr_global_mutex_child_init(&cache_mutex,
                                                      apr_global_mutex_lockfile(cache_mutex),
                                                      pchild);
        if (rv != APR_SUCCESS) {
            ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, QNFTLOGNO(00013)
                         "rate limits: cannot attach to the cache mutex");
        }
    }
}
