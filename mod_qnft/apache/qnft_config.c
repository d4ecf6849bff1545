#include <httpd.h>
#include <http_config.h>
#include <apr_strings.h>
#include <apr_uri.h>
#include <apr_lib.h>
#include <errno.h>
#include <strings.h>

#include <http_log.h>

#include "apache/mod_qnft.h"
#include "apache/qnft_config.h"
#include "solana/qnft_base58.h"
#include "apache/qnft_guard.h"

/* Directive names, used in the table and in error messages. */
#define QNFT_DIR_STORAGE        "QNFTStorageDir"
#define QNFT_DIR_PUBLIC_URL     "QNFTPublicURL"
#define QNFT_DIR_UPLOAD_MAX     "QNFTUploadMaxBytes"
#define QNFT_DIR_MAX_PIXELS     "QNFTImageMaxPixels"
#define QNFT_DIR_DB_RETRY       "QNFTDBRetryAfter"
#define QNFT_DIR_GIF_MAX_SIDE   "QNFTGifMaxSide"
#define QNFT_DIR_GIF_FRAMES     "QNFTGifFrames"
#define QNFT_DIR_GIF_DELAY      "QNFTGifFrameDelay"
#define QNFT_DIR_GIF_CONCUR     "QNFTGifConcurrency"
#define QNFT_DIR_GIF_BUDGET     "QNFTGifTimeBudget"
#define QNFT_DIR_RPC            "QNFTSolanaRPC"
#define QNFT_DIR_CLUSTER        "QNFTSolanaCluster"
#define QNFT_DIR_SIGNER         "QNFTSignerKeypair"
#define QNFT_DIR_ADMIN          "QNFTAdminWallet"
#define QNFT_DIR_FEE            "QNFTMintFeeLamports"
#define QNFT_DIR_STANDARD       "QNFTMintStandard"
#define QNFT_DIR_COMMITMENT     "QNFTSolanaCommitment"
#define QNFT_DIR_MINT_DEADLINE  "QNFTMintDeadline"
#define QNFT_DIR_RPC_TIMEOUT    "QNFTRPCTimeout"
#define QNFT_DIR_MARKET_CACHE   "QNFTMarketCacheTTL"
#define QNFT_DIR_PRICE_URL      "QNFTPriceSourceURL"
#define QNFT_DIR_PRICE_KEY      "QNFTPriceAPIKey"
#define QNFT_DIR_PRICE_TTL      "QNFTPriceTTL"
#define QNFT_DIR_PRICE_TIMEOUT  "QNFTPriceTimeout"
#define QNFT_DIR_ORIGINS        "QNFTAllowedOrigins"
#define QNFT_DIR_RATE_LIMIT     "QNFTRateLimit"
#define QNFT_DIR_RATE_CACHE     "QNFTRateLimitCache"

const char *const qnft_area_names[QNFT_AREA_COUNT] = { "upload", "gif", "mint", "listing" };

/* No limit unless configured: conf/qnft.conf sets the shipped ones. */
static qnft_rate_rule no_rate_limits[QNFT_AREA_COUNT];

/* Defaults, in one place. */
static const qnft_srv_conf qnft_defaults = {
    "qnft",                      /* relative to ServerRoot, like mod_md's store */
    NULL,
    10 * 1024 * 1024,
    40000000,
    5,
    512,
    50,
    100,
    2,
    20,
    NULL,                        /* no chain configured: minting answers 503 */
    "devnet",
    NULL,
    NULL,
    20000000,                    /* 0.02 SOL, as the original */
    QNFT_STANDARD_METAPLEX,
    QNFT_COMMIT_CONFIRMED,
    20,
    10000,
    1000,                        /* a busy front page costs one query a second */
    "https://api.coingecko.com/api/v3",
    NULL,
    180,
    10000,
    NULL,                        /* only this server's own origin writes */
    no_rate_limits,
    NULL,
};

void *qnft_create_srv_conf(apr_pool_t *p, server_rec *s)
{
    qnft_srv_conf *c = apr_pcalloc(p, sizeof(*c));
    c->storage_dir = NULL;
    c->public_url = NULL;
    c->upload_max_bytes = QNFT_UNSET_INT;
    c->image_max_pixels = QNFT_UNSET_INT;
    c->db_retry_after = QNFT_UNSET_INT;
    c->gif_max_side = QNFT_UNSET_INT;
    c->gif_frames = QNFT_UNSET_INT;
    c->gif_delay_ms = QNFT_UNSET_INT;
    c->gif_concurrency = QNFT_UNSET_INT;
    c->gif_time_budget = QNFT_UNSET_INT;
    c->mint_fee_lamports = QNFT_UNSET_INT;
    c->mint_standard = QNFT_UNSET_INT;
    c->commitment = QNFT_UNSET_INT;
    c->mint_deadline = QNFT_UNSET_INT;
    c->rpc_timeout_ms = QNFT_UNSET_INT;
    c->market_cache_ms = QNFT_UNSET_INT;
    c->price_ttl = QNFT_UNSET_INT;
    c->price_timeout_ms = QNFT_UNSET_INT;
    return c;
}

#define MERGE_PTR(m)  c->m = add->m ? add->m : base->m
#define MERGE_NUM(m)  c->m = add->m != QNFT_UNSET_INT ? add->m : base->m
/* Rate limits merge area by area: a virtual host that limits uploads
 * keeps the main server's other limits. */
#define MERGE_RATES(m) c->m = merge_rates(p, base->m, add->m)

static qnft_rate_rule *merge_rates(apr_pool_t *p, const qnft_rate_rule *base,
                                   const qnft_rate_rule *add)
{
    qnft_rate_rule *r;
    int i;
    if (!base || !add) {
        return (qnft_rate_rule *)(add ? add : base);
    }
    r = apr_pmemdup(p, base, sizeof(*r) * QNFT_AREA_COUNT);
    for (i = 0; i < QNFT_AREA_COUNT; i++) {
        if (add[i].period) {
            r[i] = add[i];
        }
    }
    return r;
}

void *qnft_merge_srv_conf(apr_pool_t *p, void *basev, void *addv)
{
    const qnft_srv_conf *base = basev, *add = addv;
    qnft_srv_conf *c = apr_pcalloc(p, sizeof(*c));
    MERGE_PTR(storage_dir);
    MERGE_PTR(public_url);
    MERGE_NUM(upload_max_bytes);
    MERGE_NUM(image_max_pixels);
    MERGE_NUM(db_retry_after);
    MERGE_NUM(gif_max_side);
    MERGE_NUM(gif_frames);
    MERGE_NUM(gif_delay_ms);
    MERGE_NUM(gif_concurrency);
    MERGE_NUM(gif_time_budget);
    MERGE_PTR(solana_rpc);
    MERGE_PTR(solana_cluster);
    MERGE_PTR(signer_keypair);
    MERGE_PTR(admin_wallet);
    MERGE_NUM(mint_fee_lamports);
    MERGE_NUM(mint_standard);
    MERGE_NUM(commitment);
    MERGE_NUM(mint_deadline);
    MERGE_NUM(rpc_timeout_ms);
    MERGE_NUM(market_cache_ms);
    MERGE_PTR(price_url);
    MERGE_PTR(price_key);
    MERGE_NUM(price_ttl);
    MERGE_NUM(price_timeout_ms);
    MERGE_PTR(allowed_origins);
    MERGE_RATES(rate_limits);
    MERGE_PTR(signer);
    return c;
}

#define DEFAULT_PTR(m)  if (!c->m) c->m = qnft_defaults.m
#define DEFAULT_NUM(m)  if (c->m == QNFT_UNSET_INT) c->m = qnft_defaults.m

/* Defaults are applied in place once in post_config (qnft_config_finalize),
 * so request code only reads. */
const qnft_srv_conf *qnft_srv_config(const server_rec *s)
{
    return ap_get_module_config(s->module_config, &qnft_module);
}

/* Called from post_config for every server: apply defaults and resolve
 * relative paths, so request code never sees an unset value. */
void qnft_config_finalize(apr_pool_t *p, server_rec *s)
{
    qnft_srv_conf *c = ap_get_module_config(s->module_config, &qnft_module);
    DEFAULT_PTR(storage_dir);
    DEFAULT_PTR(public_url);
    DEFAULT_NUM(upload_max_bytes);
    DEFAULT_NUM(image_max_pixels);
    DEFAULT_NUM(db_retry_after);
    DEFAULT_NUM(gif_max_side);
    DEFAULT_NUM(gif_frames);
    DEFAULT_NUM(gif_delay_ms);
    DEFAULT_NUM(gif_concurrency);
    DEFAULT_NUM(gif_time_budget);
    DEFAULT_PTR(solana_rpc);
    DEFAULT_PTR(solana_cluster);
    DEFAULT_PTR(signer_keypair);
    DEFAULT_PTR(admin_wallet);
    DEFAULT_NUM(mint_fee_lamports);
    DEFAULT_NUM(mint_standard);
    DEFAULT_NUM(commitment);
    DEFAULT_NUM(mint_deadline);
    DEFAULT_NUM(rpc_timeout_ms);
    DEFAULT_NUM(market_cache_ms);
    DEFAULT_PTR(price_url);
    DEFAULT_PTR(price_key);
    DEFAULT_NUM(price_ttl);
    DEFAULT_NUM(price_timeout_ms);
    DEFAULT_PTR(allowed_origins);
    DEFAULT_PTR(rate_limits);
    DEFAULT_PTR(signer);
    c->storage_dir = ap_server_root_relative(p, c->storage_dir);
}

/* check_config: what the directive handlers alone cannot tell. */
const char *qnft_config_check(apr_pool_t *p, server_rec *s)
{
    server_rec *sp;
    for (sp = s; sp; sp = sp->next) {
        qnft_srv_conf *c = ap_get_module_config(sp->module_config, &qnft_module);
        if (c->storage_dir && !ap_server_root_relative(p, c->storage_dir)) {
            return apr_psprintf(p, QNFT_DIR_STORAGE " %s: not a valid path", c->storage_dir);
        }
        if (c->solana_rpc && !c->admin_wallet && !c->signer_keypair) {
            return apr_psprintf(p, QNFT_DIR_RPC " is set but neither " QNFT_DIR_ADMIN " nor "
                                QNFT_DIR_SIGNER ": the mint fee would have no recipient");
        }
        /* a keypair that will not load must fail configtest, not a reload */
        if (c->signer_keypair) {
            qnft_keypair kp;
            const char *err = NULL;
            apr_status_t rv = qnft_keypair_read(p, c->signer_keypair, &kp, &err);
            qnft_keypair_clear(&kp);
            if (rv != APR_SUCCESS) {
                return apr_psprintf(p, QNFT_DIR_SIGNER ": %s", err);
            }
        }
    }
    return NULL;
}

/* A whole number with an optional K/M/G suffix (powers of 1024 for bytes,
 * of 1000 for pixel counts). */
static const char *parse_scaled(cmd_parms *cmd, const char *arg, apr_int64_t unit,
                                apr_int64_t min, apr_int64_t max, apr_int64_t *out)
{
    char *end = NULL;
    apr_int64_t v, mult = 1;

    if (!arg[0] || !apr_isdigit(arg[0])) {
        goto bad;
    }
    errno = 0;
    v = apr_strtoi64(arg, &end, 10);
    if (errno) {
        goto bad;
    }
    if (*end) {
        if (unit == 1) {
            goto bad;       /* a plain count: no suffixes */
        }
        switch (apr_toupper(*end)) {
        case 'K': mult = unit; break;
        case 'M': mult = unit * unit; break;
        case 'G': mult = unit * unit * unit; break;
        default: goto bad;
        }
        if (end[1]) {
            goto bad;
        }
    }
    if (v > max / mult || v * mult < min) {
        return apr_psprintf(cmd->pool, "%s: '%s' is out of range (%" APR_INT64_T_FMT
                            " .. %" APR_INT64_T_FMT ")", cmd->cmd->name, arg, min, max);
    }
    *out = v * mult;
    return NULL;
bad:
    return apr_psprintf(cmd->pool, "%s: '%s' is not a whole number%s", cmd->cmd->name, arg,
                        unit == 1 ? "" : " (optionally followed by K, M or G)");
}

static const char *set_storage_dir(cmd_parms *cmd, void *dc, const char *arg)
{
    qnft_srv_conf *c = ap_get_module_config(cmd->server->module_config, &qnft_module);
    if (!*arg) {
        return apr_psprintf(cmd->pool, "%s: an empty path is not a directory", cmd->cmd->name);
    }
    c->storage_dir = arg;
    return NULL;
}

static const char *set_public_url(cmd_parms *cmd, void *dc, const char *arg)
{
    qnft_srv_conf *c = ap_get_module_config(cmd->server->module_config, &qnft_module);
    apr_uri_t uri;
    apr_size_t n;
    char *url;

    if (apr_uri_parse(cmd->pool, arg, &uri) != APR_SUCCESS || !uri.scheme || !uri.hostname
        || (strcasecmp(uri.scheme, "http") && strcasecmp(uri.scheme, "https"))
        || uri.query || uri.fragment || uri.user) {
        return apr_psprintf(cmd->pool, "%s: '%s' is not an absolute http(s) URL without "
                            "query, fragment or user (e.g. https://nft.example.com)",
                            cmd->cmd->name, arg);
    }
    url = apr_pstrdup(cmd->pool, arg);
    n = strlen(url);
    while (n > 0 && url[n - 1] == '/') {
        url[--n] = '\0';
    }
    c->public_url = url;
    return NULL;
}

static const char *set_upload_max(cmd_parms *cmd, void *dc, const char *arg)
{
    qnft_srv_conf *c = ap_get_module_config(cmd->server->module_config, &qnft_module);
    apr_int64_t v;
    const char *err;
    if ((err = parse_scaled(cmd, arg, 1024, 1024, APR_INT64_C(1) << 32, &v))) {
        return err;
    }
    c->upload_max_bytes = (apr_off_t)v;
    return NULL;
}

static const char *set_max_pixels(cmd_parms *cmd, void *dc, const char *arg)
{
    qnft_srv_conf *c = ap_get_module_config(cmd->server->module_config, &qnft_module);
    apr_int64_t v;
    const char *err;
    /* 1 Gpx would need 4 GiB per decoded frame: far past any sane photo. */
    if ((err = parse_scaled(cmd, arg, 1000, 1, APR_INT64_C(1000000000), &v))) {
        return err;
    }
    c->image_max_pixels = v;
    return NULL;
}

static const char *set_db_retry(cmd_parms *cmd, void *dc, const char *arg)
{
    qnft_srv_conf *c = ap_get_module_config(cmd->server->module_config, &qnft_module);
    apr_int64_t v;
    const char *err;
    if ((err = parse_scaled(cmd, arg, 1, 1, 3600, &v))) {
        return err;
    }
    c->db_retry_after = (int)v;
    return NULL;
}

/* Whole-number directives: the member's offset and range ride in cmd->info. */
typedef struct {
    apr_size_t offset;
    apr_int64_t min, max;
} int_directive;

static const int_directive gif_max_side_d = { APR_OFFSETOF(qnft_srv_conf, gif_max_side), 16, 2048 };
static const int_directive gif_frames_d = { APR_OFFSETOF(qnft_srv_conf, gif_frames), 2, 500 };
static const int_directive gif_delay_d = { APR_OFFSETOF(qnft_srv_conf, gif_delay_ms), 20, 10000 };
static const int_directive gif_concur_d = { APR_OFFSETOF(qnft_srv_conf, gif_concurrency), 1, 256 };
static const int_directive gif_budget_d = { APR_OFFSETOF(qnft_srv_conf, gif_time_budget), 1, 600 };

static const char *set_int(cmd_parms *cmd, void *dc, const char *arg)
{
    const int_directive *d = cmd->info;
    char *c = ap_get_module_config(cmd->server->module_config, &qnft_module);
    apr_int64_t v;
    const char *err = parse_scaled(cmd, arg, 1, d->min, d->max, &v);
    if (err) {
        return err;
    }
    *(int *)(void *)(c + d->offset) = (int)v;
    return NULL;
}

static const int_directive mint_deadline_d = { APR_OFFSETOF(qnft_srv_conf, mint_deadline), 1, 300 };
static const int_directive market_cache_d = { APR_OFFSETOF(qnft_srv_conf, market_cache_ms), 0, 60000 };
static const int_directive price_ttl_d = { APR_OFFSETOF(qnft_srv_conf, price_ttl), 10, 86400 };
static const int_directive price_timeout_d = { APR_OFFSETOF(qnft_srv_conf, price_timeout_ms), 100, 60000 };
static const int_directive rpc_timeout_d = { APR_OFFSETOF(qnft_srv_conf, rpc_timeout_ms), 100, 120000 };

static const char *set_url(cmd_parms *cmd, const char *arg, const char **out)
{
    apr_uri_t uri;
    if (apr_uri_parse(cmd->pool, arg, &uri) != APR_SUCCESS || !uri.scheme || !uri.hostname
        || (strcasecmp(uri.scheme, "http") && strcasecmp(uri.scheme, "https"))) {
        return apr_psprintf(cmd->pool, "%s: '%s' is not an http(s) URL", cmd->cmd->name, arg);
    }
    *out = arg;
    return NULL;
}

static const char *set_rpc(cmd_parms *cmd, void *dc, const char *arg)
{
    qnft_srv_conf *c = ap_get_module_config(cmd->server->module_config, &qnft_module);
    return set_url(cmd, arg, &c->solana_rpc);
}

static const char *set_cluster(cmd_parms *cmd, void *dc, const char *arg)
{
    qnft_srv_conf *c = ap_get_module_config(cmd->server->module_config, &qnft_module);
    if (strcmp(arg, "mainnet-beta") && strcmp(arg, "devnet") && strcmp(arg, "testnet")
        && strcmp(arg, "local")) {
        return apr_psprintf(cmd->pool, "%s: '%s' is not one of mainnet-beta, devnet, testnet, "
                            "local", cmd->cmd->name, arg);
    }
    c->solana_cluster = arg;
    return NULL;
}

static const char *set_signer(cmd_parms *cmd, void *dc, const char *arg)
{
    qnft_srv_conf *c = ap_get_module_config(cmd->server->module_config, &qnft_module);
    c->signer_keypair = ap_server_root_relative(cmd->pool, arg);
    if (!c->signer_keypair) {
        return apr_psprintf(cmd->pool, "%s: '%s' is not a valid path", cmd->cmd->name, arg);
    }
    return NULL;
}

static const char *set_admin(cmd_parms *cmd, void *dc, const char *arg)
{
    qnft_srv_conf *c = ap_get_module_config(cmd->server->module_config, &qnft_module);
    unsigned char key[32];
    if (qnft_base58_decode_exact(arg, key, sizeof(key)) != 0) {
        return apr_psprintf(cmd->pool, "%s: '%s' is not a Solana address (base58, 32 bytes)",
                            cmd->cmd->name, arg);
    }
    c->admin_wallet = arg;
    return NULL;
}

static const char *set_fee(cmd_parms *cmd, void *dc, const char *arg)
{
    qnft_srv_conf *c = ap_get_module_config(cmd->server->module_config, &qnft_module);
    apr_int64_t v;
    const char *err = parse_scaled(cmd, arg, 1, 0, APR_INT64_C(1000000000000), &v);
    if (err) {
        return err;
    }
    c->mint_fee_lamports = v;
    return NULL;
}

/* Two-keyword directives: the member's offset and the words ride in
 * cmd->info. */
typedef struct {
    apr_size_t offset;
    const char *word[2];
    int value[2];
} choice_directive;

static const choice_directive standard_d = {
    APR_OFFSETOF(qnft_srv_conf, mint_standard), { "metaplex", "token2022" },
    { QNFT_STANDARD_METAPLEX, QNFT_STANDARD_TOKEN2022 }
};
static const choice_directive commitment_d = {
    APR_OFFSETOF(qnft_srv_conf, commitment), { "confirmed", "finalized" },
    { QNFT_COMMIT_CONFIRMED, QNFT_COMMIT_FINALIZED }
};

static const char *set_choice(cmd_parms *cmd, void *dc, const char *arg)
{
    const choice_directive *d = cmd->info;
    char *c = ap_get_module_config(cmd->server->module_config, &qnft_module);
    int i;
    for (i = 0; i < 2; i++) {
        if (!strcmp(arg, d->word[i])) {
            *(int *)(void *)(c + d->offset) = d->value[i];
            return NULL;
        }
    }
    return apr_psprintf(cmd->pool, "%s: '%s' is neither %s nor %s", cmd->cmd->name, arg,
                        d->word[0], d->word[1]);
}

static const char *set_price_url(cmd_parms *cmd, void *dc, const char *arg)
{
    qnft_srv_conf *c = ap_get_module_config(cmd->server->module_config, &qnft_module);
    const char *checked;
    char *url;
    apr_size_t n;
    const char *err = set_url(cmd, arg, &checked);
    if (err) {
        return err;
    }
    url = apr_pstrdup(cmd->pool, checked);
    n = strlen(url);
    while (n > 0 && url[n - 1] == '/') {
        url[--n] = '\0';
    }
    c->price_url = url;
    return NULL;
}

static const char *set_price_key(cmd_parms *cmd, void *dc, const char *arg)
{
    qnft_srv_conf *c = ap_get_module_config(cmd->server->module_config, &qnft_module);
    const char *q;
    for (q = arg; *q; q++) {
        if (!apr_isgraph(*q)) {
            return apr_psprintf(cmd->pool, "%s: the key has spaces or control characters",
                                cmd->cmd->name);
        }
    }
    c->price_key = arg;
    return NULL;
}

/* "https://shop.example.com" or "http://127.0.0.1:8080": an origin exactly
 * as browsers send it, compared case-insensitively. */
static const char *set_origins(cmd_parms *cmd, void *dc, const char *arg)
{
    qnft_srv_conf *c = ap_get_module_config(cmd->server->module_config, &qnft_module);
    const char *origin = qnft_origin_of(cmd->pool, arg);

    if (!origin || strcasecmp(origin, arg)) {
        return apr_psprintf(cmd->pool, "%s: '%s' is not an origin: scheme://host[:port], "
                            "http or https, no path (e.g. https://shop.example.com)",
                            cmd->cmd->name, arg);
    }
    if (!c->allowed_origins) {
        c->allowed_origins = apr_array_make(cmd->pool, 2, sizeof(const char *));
    }
    APR_ARRAY_PUSH(c->allowed_origins, const char *) = origin;
    return NULL;
}

/* QNFTRateLimit upload 30/min | QNFTRateLimit gif off */
static const char *set_rate_limit(cmd_parms *cmd, void *dc, const char *area,
                                  const char *rule)
{
    qnft_srv_conf *c = ap_get_module_config(cmd->server->module_config, &qnft_module);
    static const struct { const char *unit; int seconds; } units[] = {
        { "s", 1 }, { "sec", 1 }, { "min", 60 }, { "h", 3600 }, { "hour", 3600 },
        { "d", 86400 }, { "day", 86400 }
    };
    const char *slash = strchr(rule, '/');
    apr_int64_t count;
    int i, a, period = 0;

    for (a = 0; a < QNFT_AREA_COUNT && strcasecmp(area, qnft_area_names[a]); a++) {
    }
    if (a == QNFT_AREA_COUNT) {
        return apr_psprintf(cmd->pool, "%s: '%s' is not one of upload, gif, mint, listing",
                            cmd->cmd->name, area);
    }
    if (!strcasecmp(rule, "off")) {
        count = 0;
        period = 1;
    }
    else {
        const char *err;
        if (slash) {
            for (i = 0; i < (int)(sizeof(units) / sizeof(units[0])); i++) {
                if (!strcasecmp(slash + 1, units[i].unit)) {
                    period = units[i].seconds;
                }
            }
        }
        if (!period) {
            return apr_psprintf(cmd->pool, "%s: '%s' is not <count>/<s|min|h|d> "
                                "(e.g. 30/min) or off", cmd->cmd->name, rule);
        }
        err = parse_scaled(cmd, apr_pstrndup(cmd->pool, rule, (apr_size_t)(slash - rule)),
                           1, 1, 1000000, &count);
        if (err) {
            return err;
        }
    }
    if (!c->rate_limits) {
        c->rate_limits = apr_pcalloc(cmd->pool, sizeof(*c->rate_limits) * QNFT_AREA_COUNT);
    }
    c->rate_limits[a].count = (int)count;
    c->rate_limits[a].period = period;
    return NULL;
}

static const char *set_rate_cache(cmd_parms *cmd, void *dc, const char *arg)
{
    const char *err = ap_check_cmd_context(cmd, GLOBAL_ONLY);
    if (err) {
        return err;
    }
    return qnft_guard_set_cache(cmd->pool, arg);
}

const command_rec qnft_cmds[] = {
    AP_INIT_TAKE1(QNFT_DIR_STORAGE, set_storage_dir, NULL, RSRC_CONF,
                  "Directory holding uploads/, gifs/ and meta/ (default: qnft under ServerRoot)"),
    AP_INIT_TAKE1(QNFT_DIR_PUBLIC_URL, set_public_url, NULL, RSRC_CONF,
                  "Public base URL of this server, used in links and NFT metadata"),
    AP_INIT_TAKE1(QNFT_DIR_UPLOAD_MAX, set_upload_max, NULL, RSRC_CONF,
                  "Largest accepted upload request body in bytes (K/M/G suffixes; default 10M)"),
    AP_INIT_TAKE1(QNFT_DIR_MAX_PIXELS, set_max_pixels, NULL, RSRC_CONF,
                  "Largest accepted image, width x height in pixels (K/M suffixes; default 40M)"),
    AP_INIT_TAKE1(QNFT_DIR_DB_RETRY, set_db_retry, NULL, RSRC_CONF,
                  "Seconds announced in Retry-After when the database is unavailable (default 5)"),
    AP_INIT_TAKE1(QNFT_DIR_GIF_MAX_SIDE, set_int, (void *)&gif_max_side_d, RSRC_CONF,
                  "Longest side of a rendered GIF in pixels (default 512)"),
    AP_INIT_TAKE1(QNFT_DIR_GIF_FRAMES, set_int, (void *)&gif_frames_d, RSRC_CONF,
                  "Frames per GIF (default 50)"),
    AP_INIT_TAKE1(QNFT_DIR_GIF_DELAY, set_int, (void *)&gif_delay_d, RSRC_CONF,
                  "Milliseconds per GIF frame (default 100)"),
    AP_INIT_TAKE1(QNFT_DIR_GIF_CONCUR, set_int, (void *)&gif_concur_d, RSRC_CONF,
                  "GIF renders running at once in one server process (default 2)"),
    AP_INIT_TAKE1(QNFT_DIR_GIF_BUDGET, set_int, (void *)&gif_budget_d, RSRC_CONF,
                  "Seconds one GIF render may take before it is abandoned (default 20)"),
    AP_INIT_TAKE1(QNFT_DIR_RPC, set_rpc, NULL, RSRC_CONF,
                  "Solana JSON-RPC URL used for minting (no default: minting is off)"),
    AP_INIT_TAKE1(QNFT_DIR_CLUSTER, set_cluster, NULL, RSRC_CONF,
                  "Cluster name for explorer links: mainnet-beta, devnet, testnet or local"),
    AP_INIT_TAKE1(QNFT_DIR_SIGNER, set_signer, NULL, RSRC_CONF,
                  "solana-keygen JSON keypair of the server's signer (mode 0600; enables "
                  "server-signed mints)"),
    AP_INIT_TAKE1(QNFT_DIR_ADMIN, set_admin, NULL, RSRC_CONF,
                  "Wallet that receives the mint fee and is the NFTs' creator"),
    AP_INIT_TAKE1(QNFT_DIR_FEE, set_fee, NULL, RSRC_CONF,
                  "Mint fee in lamports paid by wallet-signed mints (default 20000000)"),
    AP_INIT_TAKE1(QNFT_DIR_STANDARD, set_choice, (void *)&standard_d, RSRC_CONF,
                  "metaplex (classic 1-of-1 with Token Metadata) or token2022 (on-mint metadata)"),
    AP_INIT_TAKE1(QNFT_DIR_COMMITMENT, set_choice, (void *)&commitment_d, RSRC_CONF,
                  "confirmed or finalized: when a mint counts as done (default confirmed)"),
    AP_INIT_TAKE1(QNFT_DIR_MINT_DEADLINE, set_int, (void *)&mint_deadline_d, RSRC_CONF,
                  "Seconds a mint request waits for confirmation before answering 202 (default 20)"),
    AP_INIT_TAKE1(QNFT_DIR_RPC_TIMEOUT, set_int, (void *)&rpc_timeout_d, RSRC_CONF,
                  "Milliseconds one RPC call may take (default 10000)"),
    AP_INIT_TAKE1(QNFT_DIR_MARKET_CACHE, set_int, (void *)&market_cache_d, RSRC_CONF,
                  "Milliseconds a marketplace page is kept in each server process (default "
                  "1000; 0 turns the cache off)"),
    AP_INIT_TAKE1(QNFT_DIR_PRICE_URL, set_price_url, NULL, RSRC_CONF,
                  "CoinGecko v3 API base URL (default https://api.coingecko.com/api/v3)"),
    AP_INIT_TAKE1(QNFT_DIR_PRICE_KEY, set_price_key, NULL, RSRC_CONF,
                  "CoinGecko API key, sent in its API-key header (default none)"),
    AP_INIT_TAKE1(QNFT_DIR_PRICE_TTL, set_int, (void *)&price_ttl_d, RSRC_CONF,
                  "Seconds spot prices are reused before the source is asked again (default 180)"),
    AP_INIT_TAKE1(QNFT_DIR_PRICE_TIMEOUT, set_int, (void *)&price_timeout_d, RSRC_CONF,
                  "Milliseconds one price-source request may take (default 10000)"),
    AP_INIT_ITERATE(QNFT_DIR_ORIGINS, set_origins, NULL, RSRC_CONF,
                    "Other origins (scheme://host[:port]) whose pages may POST here"),
    AP_INIT_TAKE2(QNFT_DIR_RATE_LIMIT, set_rate_limit, NULL, RSRC_CONF,
                  "Requests per client address: upload|gif|mint|listing <count>/<s|min|h|d> "
                  "or off"),
    AP_INIT_TAKE1(QNFT_DIR_RATE_CACHE, set_rate_cache, NULL, RSRC_CONF,
                  "Shared object cache of the rate limits: provider[:arguments] "
                  "(default shmcb)"),
    { NULL }
};
