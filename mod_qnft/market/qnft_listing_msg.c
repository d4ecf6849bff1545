#include <string.h>
#include <apr_lib.h>
#include <apr_strings.h>

#include "market/qnft_listing_msg.h"

const char *qnft_listing_msg_text(apr_pool_t *p, const qnft_listing_msg *m)
{
    int delist = !strcmp(m->action, "delist");
    return apr_psprintf(p,
                        "QNFT marketplace\n"
                        "domain: %s\n"
                        "action: %s\n"
                        "%s: %" APR_INT64_T_FMT "\n"
                        "mint: %s\n"
                        "seller: %s\n"
                        "nonce: %s\n"
                        "expires_at: %" APR_INT64_T_FMT,
                        m->domain ? m->domain : "",
                        m->action,
                        delist ? "listing_id" : "price_lamports",
                        delist ? m->listing_id : m->price_lamports,
                        m->mint, m->seller, m->nonce, m->expires_at);
}

int qnft_listing_nonce_ok(const char *nonce)
{
    apr_size_t n, i;
    if (!nonce) {
        return 0;
    }
    n = strlen(nonce);
    if (n < QNFT_NONCE_MIN || n > QNFT_NONCE_MAX) {
        return 0;
    }
    for (i = 0; i < n; i++) {
        if (!apr_isalnum(nonce[i]) && nonce[i] != '_' && nonce[i] != '-') {
            return 0;
        }
    }
    return 1;
}
