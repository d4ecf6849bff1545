/* mod_qnft: a Quantum NFT studio inside Apache httpd.
 *
 * This file is the module record and its hooks; each endpoint has its own
 * handle_*.c, the directives live in qnft_config.c, and everything that
 * does not need httpd lives in the core library beside this folder. */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/stat.h>
#include <apr_strings.h>
#include <httpd.h>
#include <http_config.h>
#include <http_log.h>
#include <http_request.h>
#include <http_protocol.h>
#include <ap_mpm.h>
#include <http_core.h>
#include <unixd.h>
#include <apr_optional.h>
#include <apr_general.h>
#include <apr_base64.h>
#include <mod_status.h>

#define QNFT_MODULE_RECORD
#include "apache/mod_qnft.h"
#include "apache/qnft_config.h"
#include "apache/qnft_db.h"
#include "apache/qnft_market.h"
#include "apache/qnft_guard.h"
#include "apache/qnft_metrics.h"
#include "image/qnft_decode.h"
#include "solana/qnft_keypair.h"
#include "util/qnft_http.h"
#include "store/qnft_store.h"
#include "util/qnft_json.h"

/* Stale temporary files (from killed children) older than this go at start. */
#define QNFT_TMP_MAX_AGE apr_time_from_sec(3600)

static int qnft_pre_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp)
{
    qnft_guard_pre_config(pconf);
    return OK;
}

static int qnft_check_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp,
                             server_rec *s)
{
    const char *err = qnft_config_check(ptemp, s);
    if (!err) {
        err = qnft_guard_check(ptemp, s);
    }
    if (!err) {
        err = qnft_db_configure(s);
    }
    if (err) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, QNFTLOGNO(00001) "%s", err);
        return !OK;
    }
    return OK;
}

/* The children run as User/Group: hand them the areas they write to. This
 * runs as root in directories the children could have tampered with, so
 * a symbolic link in place of an area is refused, never followed. */
static apr_status_t give_to_child_user(const char *path)
{
    struct stat st;
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    apr_status_t rv = APR_SUCCESS;

    if (fd < 0) {
        return APR_FROM_OS_ERROR(errno);
    }
    if (fstat(fd, &st) != 0) {
        rv = APR_FROM_OS_ERROR(errno);
    }
    else if (geteuid() == 0
             && (st.st_uid != ap_unixd_config.user_id || st.st_gid != ap_unixd_config.group_id)
             && fchown(fd, ap_unixd_config.user_id, ap_unixd_config.group_id) != 0) {
        rv = APR_FROM_OS_ERROR(errno);
    }
    close(fd);
    return rv;
}

static int prepare_storage(apr_pool_t *p, server_rec *s)
{
    const qnft_srv_conf *c = qnft_srv_config(s);
    apr_status_t rv = qnft_store_prepare(p, c->storage_dir);
    int i;

    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, QNFTLOGNO(00002)
                     "QNFTStorageDir %s: cannot create the storage directories",
                     c->storage_dir);
        return !OK;
    }
    for (i = 0; qnft_store_areas[i]; i++) {
        const char *d = apr_pstrcat(p, c->storage_dir, "/", qnft_store_areas[i], NULL);
        rv = give_to_child_user(d);
        if (rv != APR_SUCCESS) {
            ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, QNFTLOGNO(00003)
                         "QNFTStorageDir: %s must be a directory (not a link) that can be "
                         "given to the server's User", d);
            return !OK;
        }
    }
    return OK;
}

/* In a child, with the User's rights: remove temporary files that killed
 * processes left behind. */
static void sweep_storage(apr_pool_t *p, server_rec *s)
{
    const qnft_srv_conf *c = qnft_srv_config(s);
    int i;

    for (i = 0; qnft_store_areas[i]; i++) {
        const char *d = apr_pstrcat(p, c->storage_dir, "/", qnft_store_areas[i], NULL);
        int n = qnft_store_sweep(p, d, QNFT_TMP_MAX_AGE);
        if (n > 0) {
            ap_log_error(APLOG_MARK, APLOG_NOTICE, 0, s, QNFTLOGNO(00004)
                         "removed %d stale temporary file(s) from %s", n, d);
        }
    }
}

static apr_status_t wipe_signer(void *data)
{
    qnft_keypair_clear(data);
    return APR_SUCCESS;
}

/* The signer's key is read here, while httpd still runs as root, like
 * SSLCertificateKeyFile: the file can stay readable by root alone. */
static int load_signer(apr_pool_t *pconf, server_rec *s)
{
    qnft_srv_conf *c = ap_get_module_config(s->module_config, &qnft_module);
    const char *err = NULL;

    if (!c->signer_keypair || c->signer) {
        return OK;
    }
    c->signer = apr_pcalloc(pconf, sizeof(*c->signer));
    if (qnft_keypair_read(pconf, c->signer_keypair, c->signer, &err) != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, QNFTLOGNO(00006)
                     "QNFTSignerKeypair: %s", err);
        return !OK;
    }
    apr_pool_cleanup_register(pconf, c->signer, wipe_signer, apr_pool_cleanup_null);
    ap_log_error(APLOG_MARK, APLOG_INFO, 0, s, QNFTLOGNO(00007)
                 "signer %s loaded", qnft_pubkey_str(pconf, &c->signer->pub));
    return OK;
}

static int qnft_post_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp,
                            server_rec *s)
{
    server_rec *sp;

    qnft_json_init();
    qnft_decode_init();
    qnft_http_init();
    for (sp = s; sp; sp = sp->next) {
        qnft_config_finalize(pconf, sp);
    }
    /* The first pass of startup only checks configuration. */
    if (ap_state_query(AP_SQ_MAIN_STATE) == AP_SQ_MS_CREATE_PRE_CONFIG) {
        return OK;
    }
    for (sp = s; sp; sp = sp->next) {
        if (prepare_storage(ptemp, sp) != OK || load_signer(pconf, sp) != OK) {
            return !OK;
        }
    }
    if (qnft_guard_post_config(pconf, ptemp, s) != OK || qnft_metrics_post_config(pconf, s) != OK) {
        return !OK;
    }
    ap_log_error(APLOG_MARK, APLOG_INFO, 0, s, QNFTLOGNO(00005)
                 "mod_qnft %s ready", QNFT_VERSION);
    return OK;
}

static void qnft_child_init(apr_pool_t *pchild, server_rec *s)
{
    apr_pool_t *p;
    server_rec *sp;

    apr_pool_create(&p, pchild);
    for (sp = s; sp; sp = sp->next) {
        sweep_storage(p, sp);
    }
    apr_pool_destroy(p);
    qnft_market_cache_init(pchild);
    qnft_guard_child_init(pchild, s);
    qnft_db_check_schema(pchild, s);
}

/* The endpoints are URL space, not files. pre_translate_name already sees
 * the <Location> configuration (SetHandler) of the request:
 * - DONE there keeps httpd from decoding the path, so a %2F or %00 in an
 *   id reaches the endpoint, which refuses it as a malformed id with its
 *   own JSON 400 (httpd would answer an HTML 404); ids are made of
 *   unreserved characters, which httpd decodes anyway;
 * - the note it leaves lets translate_name and map_to_storage skip the
 *   file system, as mod_proxy does: a 4 KB image id would otherwise be
 *   mapped under DocumentRoot and refused with an HTML 403 and an
 *   error-level "File name too long". */
#define ENDPOINT_NOTE "qnft-endpoint"

static int qnft_pre_translate_name(request_rec *r)
{
    core_dir_config *d = ap_get_core_module_config(r->per_dir_config);
    const char *handler, *err = NULL;

    if (d->expr_handler) {
        handler = ap_expr_str_exec(r, d->expr_handler, &err);
        if (handler && !err && !strncmp(handler, "qnft-", 5)) {
            apr_table_setn(r->notes, ENDPOINT_NOTE, "1");
            return DONE;
        }
    }
    return DECLINED;
}

static int qnft_translate_name(request_rec *r)
{
    if (!apr_table_get(r->notes, ENDPOINT_NOTE)) {
        return DECLINED;
    }
    r->filename = apr_pstrcat(r->pool, "qnft:", r->uri, NULL);    /* no file behind it */
    return OK;
}

static int qnft_map_to_storage(request_rec *r)
{
    return apr_table_get(r->notes, ENDPOINT_NOTE) ? OK : DECLINED;
}

/* 16 characters of base64url from 12 random bytes. */
static const char *make_request_id(apr_pool_t *p)
{
    unsigned char raw[12];
    char *id = apr_palloc(p, apr_base64_encode_len(sizeof(raw)));
    char *q;

    if (apr_generate_random_bytes(raw, sizeof(raw)) != APR_SUCCESS) {
        return apr_psprintf(p, "%" APR_TIME_T_FMT "-%" APR_PID_T_FMT, apr_time_now(), getpid());
    }
    apr_base64_encode(id, (const char *)raw, sizeof(raw));
    for (q = id; *q; q++) {
        *q = *q == '+' ? '-' : *q == '/' ? '_' : *q;
    }
    return id;
}

const char *qnft_request_id(request_rec *r)
{
    request_rec *top = r;
    const char *id;

    /* one id for a request, its subrequests and its internal redirects */
    while (top->main || top->prev) {
        top = top->main ? top->main : top->prev;
    }
    if (!top->log_id) {
        id = apr_table_get(top->subprocess_env, "UNIQUE_ID");
        top->log_id = id ? id : make_request_id(top->pool);
    }
    r->log_id = top->log_id;
    return top->log_id;
}

/* Without mod_unique_id, %L in an ErrorLogFormat shows the id this module
 * puts in its lines and JSON errors. */
static int qnft_generate_log_id(const conn_rec *c, const request_rec *r, const char **id)
{
    if (!r) {
        return DECLINED;
    }
    *id = qnft_request_id((request_rec *)r);
    return OK;
}

static void qnft_register_hooks(apr_pool_t *p)
{
    static const char *const after_dbd[] = { "mod_dbd.c", NULL };

    ap_hook_pre_config(qnft_pre_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_check_config(qnft_check_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_post_config(qnft_post_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_child_init(qnft_child_init, after_dbd, NULL, APR_HOOK_LAST);
    ap_hook_handler(qnft_upload_handler, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_handler(qnft_gif_handler, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_handler(qnft_market_handler, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_handler(qnft_listing_handler, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_handler(qnft_mint_handler, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_handler(qnft_chart_handler, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_pre_translate_name(qnft_pre_translate_name, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_translate_name(qnft_translate_name, NULL, NULL, APR_HOOK_FIRST);
    ap_hook_map_to_storage(qnft_map_to_storage, NULL, NULL, APR_HOOK_FIRST);
    ap_hook_handler(qnft_studio_handler, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_handler(qnft_metrics_handler, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_log_transaction(qnft_metrics_log, NULL, NULL, APR_HOOK_MIDDLE);
    /* after mod_unique_id (MIDDLE), before core's own (REALLY_LAST) */
    ap_hook_generate_log_id(qnft_generate_log_id, NULL, NULL, APR_HOOK_LAST);
    APR_OPTIONAL_HOOK(ap, status_hook, qnft_metrics_status, NULL, NULL, APR_HOOK_MIDDLE);
}

AP_DECLARE_MODULE(qnft) = {
    STANDARD20_MODULE_STUFF,
    NULL,                    /* per-directory config: none, all is per server */
    NULL,
    qnft_create_srv_conf,
    qnft_merge_srv_conf,
    qnft_cmds,
    qnft_register_hooks
};
