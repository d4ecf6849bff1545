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

/* Directive names, used in the table and in error messages. */
#define QNFT_DIR_STORAGE        "QNFTStorageDir"
#define QNFT_DIR_PUBLIC_URL     "QNFTPublicURL"
#define QNFT_DIR_UPLOAD_MAX     "QNFTUploadMaxBytes"
#define QNFT_DIR_MAX_PIXELS     "QNFTImageMaxPixels"
#define QNFT_DIR_DB_RETRY       "QNFTDBRetryAfter"

/* Defaults, in one place. */
static const qnft_srv_conf qnft_defaults = {
    "qnft",                      /* relative to ServerRoot, like mod_md's store */
    NULL,
    10 * 1024 * 1024,
    40000000,
    5,
};

void *qnft_create_srv_conf(apr_pool_t *p, server_rec *s)
{
    qnft_srv_conf *c = apr_pcalloc(p, sizeof(*c));
    c->storage_dir = NULL;
    c->public_url = NULL;
    c->upload_max_bytes = QNFT_UNSET_INT;
    c->image_max_pixels = QNFT_UNSET_INT;
    c->db_retry_after = QNFT_UNSET_INT;
    return c;
}

#define MERGE_PTR(m)  c->m = add->m ? add->m : base->m
#define MERGE_NUM(m)  c->m = add->m != QNFT_UNSET_INT ? add->m : base->m

void *qnft_merge_srv_conf(apr_pool_t *p, void *basev, void *addv)
{
    const qnft_srv_conf *base = basev, *add = addv;
    qnft_srv_conf *c = apr_pcalloc(p, sizeof(*c));
    MERGE_PTR(storage_dir);
    MERGE_PTR(public_url);
    MERGE_NUM(upload_max_bytes);
    MERGE_NUM(image_max_pixels);
    MERGE_NUM(db_retry_after);
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
    c->storage_dir = ap_server_root_relative(p, c->storage_dir);
}

static const char *check_server_context(cmd_parms *cmd)
{
    return ap_check_cmd_context(cmd, NOT_IN_DIR_LOC_FILE);
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
    return apr_psprintf(cmd->pool, "%s: '%s' is not a whole number "
                        "(optionally followed by K, M or G)", cmd->cmd->name, arg);
}

static const char *set_storage_dir(cmd_parms *cmd, void *dc, const char *arg)
{
    qnft_srv_conf *c = ap_get_module_config(cmd->server->module_config, &qnft_module);
    const char *err = check_server_context(cmd);
    if (err) {
        return err;
    }
    if (!*arg) {
        return apr_psprintf(cmd->pool, "%s: an empty path is not a directory", cmd->cmd->name);
    }
    c->storage_dir = arg;
    return NULL;
}

static const char *set_public_url(cmd_parms *cmd, void *dc, const char *arg)
{
    qnft_srv_conf *c = ap_get_module_config(cmd->server->module_config, &qnft_module);
    const char *err = check_server_context(cmd);
    apr_uri_t uri;
    apr_size_t n;
    char *url;

    if (err) {
        return err;
    }
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
    const char *err = check_server_context(cmd);
    apr_int64_t v;
    if (err || (err = parse_scaled(cmd, arg, 1024, 1024, APR_INT64_C(1) << 32, &v))) {
        return err;
    }
    c->upload_max_bytes = (apr_off_t)v;
    return NULL;
}

static const char *set_max_pixels(cmd_parms *cmd, void *dc, const char *arg)
{
    qnft_srv_conf *c = ap_get_module_config(cmd->server->module_config, &qnft_module);
    const char *err = check_server_context(cmd);
    apr_int64_t v;
    /* 1 Gpx would need 4 GiB per decoded frame: far past any sane photo. */
    if (err || (err = parse_scaled(cmd, arg, 1000, 1, APR_INT64_C(1000000000), &v))) {
        return err;
    }
    c->image_max_pixels = v;
    return NULL;
}

static const char *set_db_retry(cmd_parms *cmd, void *dc, const char *arg)
{
    qnft_srv_conf *c = ap_get_module_config(cmd->server->module_config, &qnft_module);
    const char *err = check_server_context(cmd);
    apr_int64_t v;
    if (err || (err = parse_scaled(cmd, arg, 1, 1, 3600, &v))) {
        return err;
    }
    c->db_retry_after = (int)v;
    return NULL;
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
    { NULL }
};
