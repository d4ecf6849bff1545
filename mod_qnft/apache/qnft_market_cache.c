/* A small per-process cache of marketplace pages: the same page asked for
 * within QNFTMarketCacheTTL is answered from memory. Bounded in entries
 * and bytes; all of it lives in one sub-pool that is dropped whole when
 * full or when this process changes the marketplace. */
#include <string.h>
#include <apr_hash.h>
#include <apr_strings.h>
#include <apr_thread_mutex.h>

#include "apache/qnft_market.h"

#define CACHE_MAX_ENTRIES 512
#define CACHE_MAX_BYTES (8 * 1024 * 1024)

typedef struct {
    const char *body;
    apr_size_t len;
    const char *link;            /* Link header or NULL */
    apr_time_t expires;
} cache_entry;

static apr_thread_mutex_t *lock;
static apr_pool_t *parent, *store;
static apr_hash_t *entries;
static apr_size_t bytes;

static void reset(void)
{
    if (store) {
        apr_pool_destroy(store);
    }
    apr_pool_create(&store, parent);
    entries = apr_hash_make(store);
    bytes = 0;
}

void qnft_market_cache_init(apr_pool_t *pchild)
{
    parent = pchild;
    if (apr_thread_mutex_create(&lock, APR_THREAD_MUTEX_DEFAULT, pchild) != APR_SUCCESS) {
        lock = NULL;            /* no lock, no cache */
        return;
    }
    reset();
}

int qnft_market_cache_get(apr_pool_t *p, const char *key, const char **body, apr_size_t *len,
                          const char **link)
{
    cache_entry *e;
    int hit = 0;

    if (!lock || apr_thread_mutex_lock(lock) != APR_SUCCESS) {
        return 0;
    }
    e = apr_hash_get(entries, key, APR_HASH_KEY_STRING);
    if (e && e->expires > apr_time_now()) {
        /* copied out: the store may be dropped as soon as we unlock */
        *body = apr_pmemdup(p, e->body, e->len + 1);
        *len = e->len;
        *link = e->link ? apr_pstrdup(p, e->link) : NULL;
        hit = 1;
    }
    apr_thread_mutex_unlock(lock);
    return hit;
}

void qnft_market_cache_put(const char *key, const char *body, apr_size_t len, const char *link,
                           apr_time_t ttl)
{
    cache_entry *e;

    if (!lock || ttl <= 0 || apr_thread_mutex_lock(lock) != APR_SUCCESS) {
        return;
    }
    if (apr_hash_count(entries) >= CACHE_MAX_ENTRIES || bytes + len > CACHE_MAX_BYTES) {
        reset();
    }
    e = apr_palloc(store, sizeof(*e));
    e->body = apr_pmemdup(store, body, len + 1);
    e->len = len;
    e->link = link ? apr_pstrdup(store, link) : NULL;
    e->expires = apr_time_now() + ttl;
    apr_hash_set(entries, apr_pstrdup(store, key), APR_HASH_KEY_STRING, e);
    bytes += len + strlen(key);
    apr_thread_mutex_unlock(lock);
}

void qnft_market_cache_flush(void)
{
    if (!lock || apr_thread_mutex_lock(lock) != APR_SUCCESS) {
        return;
    }
    reset();
    apr_thread_mutex_unlock(lock);
}
