/* GET /generate_gif/<image_id>?style=<name> (handler qnft-gif): render the
 * quantum GIF of an uploaded image, or find the one already rendered for
 * the same inputs. The file is then served by Apache itself. */
#include <string.h>
#include <apr_atomic.h>
#include <apr_mmap.h>
#include <apr_strings.h>
#include <http_protocol.h>
#include <http_request.h>

#include "apache/mod_qnft.h"
#include "apache/qnft_config.h"
#include "apache/qnft_db.h"
#include "apache/qnft_prices.h"
#include "apache/qnft_guard.h"
#include "apache/qnft_metrics.h"
#include "apache/qnft_respond.h"
#include "image/qnft_decode.h"
#include "image/qnft_render.h"
#include "store/qnft_store.h"
#include "util/qnft_digest.h"
#include "util/qnft_json.h"

/* Bumped when the renderer's output changes, so old GIFs are not reused
 * for new inputs' names. */
#define RENDER_VERSION "qnft-gif-1"

/* Renders running in this process (threads of one child share it). */
static apr_uint32_t renders_running;

typedef struct {
    const char *image_id;
    const char *mime;
    qnft_style style;
    const char *btc, *sol;        /* overlay prices as decimal text; NULL = N/A */
    apr_time_t prices_at;         /* when the source gave them (0: no prices) */
    const qnft_srv_conf *conf;
} gif_request;

typedef struct {
    const char *id;
    int width, height, frames;
    apr_off_t bytes;
    int reused;
} gif_result;

static apr_status_t release_slot(void *data)
{
    apr_atomic_dec32(&renders_running);
    return APR_SUCCESS;
}

/* The id names everything that decides the bytes: with prices, their
 * "as of" time is the overlay's time; without, the first render fixes the
 * time and the row keeps it. */
static const char *gif_key(apr_pool_t *p, const gif_request *g)
{
    const char *material = apr_psprintf(p, RENDER_VERSION "|%s|%s|%d|%d|%d|%s|%s|%"
                                        APR_TIME_T_FMT, g->image_id, qnft_style_name(g->style),
                                        g->conf->gif_frames, g->conf->gif_delay_ms,
                                        g->conf->gif_max_side, g->btc ? g->btc : "N/A",
                                        g->sol ? g->sol : "N/A", apr_time_sec(g->prices_at));
    unsigned char md[QNFT_SHA256_LEN];
    char *hex = apr_palloc(p, QNFT_SHA256_HEX_LEN + 1);
    qnft_sha256_once(material, strlen(material), md);
    qnft_hex_encode(md, sizeof(md), hex);
    return hex;
}

/* The image id is the last path segment: the handler works wherever the
 * admin mounts it. */
static const char *last_segment(request_rec *r)
{
    const char *slash = strrchr(r->uri, '/');
    return slash ? slash + 1 : r->uri;
}

static int parse_style(request_rec *r, qnft_style *style)
{
    char *args, *pair, *state = NULL;

    *style = QNFT_STYLE_DEFAULT;
    if (!r->args) {
        return OK;
    }
    args = apr_pstrdup(r->pool, r->args);
    for (pair = apr_strtok(args, "&", &state); pair; pair = apr_strtok(NULL, "&", &state)) {
        char *eq = strchr(pair, '=');
        const char *value;
        if (!eq || strncmp(pair, "style", (apr_size_t)(eq - pair)) || eq - pair != 5) {
            continue;       /* other parameters are not ours to judge */
        }
        value = eq + 1;
        if (ap_unescape_url(eq + 1) != OK || (*value && qnft_style_parse(value, style) != 0)) {
            return qnft_respond_error(r, HTTP_BAD_REQUEST, "unknown_style",
                                      "Unknown style; valid styles are: %s.", qnft_style_list());
        }
    }
    return OK;
}

static apr_status_t write_to_store(void *baton, const void *data, apr_size_t len)
{
    return qnft_store_write(baton, data, len);
}

static int decode_source(request_rec *r, const gif_request *g, qnft_rgb **rgb)
{
    const char *path = qnft_store_path(r->pool, g->conf->storage_dir, QNFT_AREA_UPLOADS,
                                       apr_pstrcat(r->pool, g->image_id, ".",
                                                   qnft_img_ext(qnft_img_type_from_ext(
                                                       strchr(g->mime, '/') + 1)), NULL));
    apr_file_t *f;
    apr_finfo_t fi;
    apr_mmap_t *mm;
    qnft_img_info info;
    apr_status_t rv;

    rv = apr_file_open(&f, path, APR_FOPEN_READ, 0, r->pool);
    if (rv == APR_SUCCESS) {
        rv = apr_file_info_get(&fi, APR_FINFO_SIZE, f);
    }
    if (rv == APR_SUCCESS) {
        rv = apr_mmap_create(&mm, f, 0, (apr_size_t)fi.size, APR_MMAP_READ, r->pool);
    }
    if (rv != APR_SUCCESS) {
        if (APR_STATUS_IS_ENOENT(rv)) {
            qnft_log_rerror(APLOG_ERR, rv, r, QNFTLOGNO(01301)
                          "gif: image %s is recorded but its file is missing", g->image_id);
            return qnft_respond_error(r, HTTP_NOT_FOUND, "image_not_found",
                                      "The image's file is missing on the server.");
        }
        return qnft_respond_storage_error(r, rv, "read the image");
    }
    switch (qnft_decode(r->pool, mm->mm, mm->size, g->conf->image_max_pixels,
                        g->conf->gif_max_side, rgb, &info)) {
    case QNFT_DECODE_OK:
        return OK;
    case QNFT_DECODE_TOO_LARGE:
        return qnft_respond_error(r, HTTP_REQUEST_ENTITY_TOO_LARGE, "too_many_pixels",
                                  "The image has more pixels than this server renders.");
    default:
        return qnft_respond_error(r, HTTP_UNPROCESSABLE_ENTITY, "undecodable_image",
                                  "The image could not be decoded: it is damaged or truncated.");
    }
}

static int render(request_rec *r, ap_dbd_t *db, const gif_request *g, apr_time_t overlay_at,
                  gif_result *res)
{
    qnft_render_opts o;
    qnft_render_stats st;
    qnft_store_writer *w;
    qnft_rgb *rgb;
    unsigned char md[QNFT_SHA256_LEN];
    const char *args[12], *err = NULL;
    double btc_v = g->btc ? atof(g->btc) : 0, sol_v = g->sol ? atof(g->sol) : 0;
    apr_time_t t0 = apr_time_now();
    apr_status_t rv;
    qnft_db_status dst;
    int rc, existed = 0;
    const char *dir = apr_pstrcat(r->pool, g->conf->storage_dir, "/" QNFT_AREA_GIFS, NULL);

    /* A render holds a thread and tens of MB: a few per process at most. */
    if (apr_atomic_inc32(&renders_running) >= (apr_uint32_t)g->conf->gif_concurrency) {
        apr_atomic_dec32(&renders_running);
        apr_table_setn(r->headers_out, "Retry-After", "2");
        return qnft_respond_error(r, HTTP_SERVICE_UNAVAILABLE, "busy",
                                  "The server is rendering as many GIFs as it can; "
                                  "try again in a moment.");
    }
    apr_pool_cleanup_register(r->pool, NULL, release_slot, apr_pool_cleanup_null);

    rc = decode_source(r, g, &rgb);
    if (rc != OK) {
        return rc;
    }
    memset(&o, 0, sizeof(o));
    o.style = g->style;
    o.frames = g->conf->gif_frames;
    o.delay_ms = g->conf->gif_delay_ms;
    o.deadline = t0 + apr_time_from_sec(g->conf->gif_time_budget);
    qnft_hex_decode_sha256(g->image_id, md);
    memcpy(o.seed, md, sizeof(o.seed));
    qnft_render_caption(r->pool, g->btc ? &btc_v : NULL, g->sol ? &sol_v : NULL,
                        overlay_at, o.lines);

    rv = qnft_store_begin(&w, r->pool, dir);
    if (rv == APR_SUCCESS) {
        rv = qnft_render_gif(r->pool, rgb, &o, write_to_store, w, &st);
        if (rv != APR_SUCCESS) {
            qnft_store_abort(w);    /* now, not with the pool: before the answer */
        }
    }
    if (rv == APR_SUCCESS) {
        qnft_metrics_render(apr_time_now() - t0);
    }
    if (rv == APR_TIMEUP) {
        qnft_log_rerror(APLOG_WARNING, 0, r, QNFTLOGNO(01302)
                      "gif: rendering %s took longer than QNFTGifTimeBudget (%d s)",
                      res->id, g->conf->gif_time_budget);
        apr_table_setn(r->headers_out, "Retry-After", "10");
        return qnft_respond_error(r, HTTP_SERVICE_UNAVAILABLE, "render_timeout",
                                  "Rendering took too long; try again later.");
    }
    if (rv != APR_SUCCESS) {
        return qnft_respond_storage_error(r, rv, "write the GIF");
    }
    rv = qnft_store_commit(w, apr_pstrcat(r->pool, res->id, ".gif", NULL), &existed);
    if (rv != APR_SUCCESS) {
        return qnft_respond_storage_error(r, rv, "save the GIF");
    }
    res->width = st.width;
    res->height = st.height;
    res->frames = st.frames;
    res->bytes = st.bytes;

    args[0] = res->id;
    args[1] = g->image_id;
    args[2] = qnft_style_name(g->style);
    args[3] = apr_itoa(r->pool, st.frames);
    args[4] = apr_itoa(r->pool, g->conf->gif_delay_ms);
    args[5] = apr_itoa(r->pool, st.width);
    args[6] = apr_itoa(r->pool, st.height);
    args[7] = apr_off_t_toa(r->pool, st.bytes);
    args[8] = g->btc;
    args[9] = g->sol;
    args[10] = apr_psprintf(r->pool, "%" APR_TIME_T_FMT, apr_time_sec(overlay_at));
    dst = qnft_db_query(r, db, QNFT_SQL_GIF_INSERT, NULL, 11, args, &err);
    if (dst != QNFT_DB_OK) {
        /* The file stays: it is named by its inputs, and the next request
         * for them records it. */
        qnft_log_rerror(APLOG_ERR, 0, r, QNFTLOGNO(01303)
                      "gif: recording %s failed: %s", res->id, err);
        return qnft_db_respond(r, dst);
    }
    qnft_log_rerror(APLOG_DEBUG, 0, r, QNFTLOGNO(01304)
                  "gif: rendered %s (%s, %dx%d, %d frames, %" APR_OFF_T_FMT " bytes) in %"
                  APR_TIME_T_FMT " ms", res->id, args[2], st.width, st.height, st.frames,
                  st.bytes, apr_time_as_msec(apr_time_now() - t0));
    return OK;
}

static int generate(request_rec *r, gif_request *g, gif_result *res)
{
    ap_dbd_t *db;
    apr_dbd_results_t *rows = NULL;
    apr_dbd_row_t *row;
    const char *args[1], *err = NULL;
    qnft_db_status dst;
    apr_time_t overlay_at;
    apr_finfo_t fi;
    qnft_price_snapshot snap;
    int rc;

    g->image_id = last_segment(r);
    if (!qnft_is_hex_id(g->image_id, QNFT_SHA256_HEX_LEN)) {
        return qnft_respond_error(r, HTTP_BAD_REQUEST, "bad_image_id",
                                  "The image id must be the 64 hex digits returned by "
                                  "/upload_image.");
    }
    rc = parse_style(r, &g->style);
    if (rc != OK) {
        return rc;
    }
    db = qnft_db_acquire(r);
    if (!db) {
        return qnft_db_respond(r, QNFT_DB_DOWN);
    }
    args[0] = g->image_id;
    dst = qnft_db_select(r, db, QNFT_SQL_IMAGE_GET, &rows, 1, args, &err);
    if (dst != QNFT_DB_OK) {
        qnft_log_rerror(APLOG_ERR, 0, r, QNFTLOGNO(01305)
                      "gif: looking up image %s failed: %s", g->image_id, err);
        return qnft_db_respond(r, dst);
    }
    row = qnft_db_row(r, db, rows, 0);
    if (!row) {
        return qnft_respond_error(r, HTTP_NOT_FOUND, "image_not_found",
                                  "No image with this id has been uploaded.");
    }
    g->mime = apr_pstrdup(r->pool, qnft_db_col(db, row, 0));
    /* The shared price snapshot: what the GIF shows is what a mint of it
     * records (the gifs row carries it on). N/A only when none is known. */
    dst = qnft_prices_spot(r, db, &snap);
    if (dst != QNFT_DB_OK) {
        return qnft_db_respond(r, dst);
    }
    g->btc = snap.btc_usdc;
    g->sol = snap.sol_usdc;
    g->prices_at = (g->btc || g->sol) ? snap.as_of : 0;

    res->id = gif_key(r->pool, g);
    args[0] = res->id;
    dst = qnft_db_select(r, db, QNFT_SQL_GIF_GET, &rows, 1, args, &err);
    if (dst != QNFT_DB_OK) {
        qnft_log_rerror(APLOG_ERR, 0, r, QNFTLOGNO(01306)
                      "gif: looking up gif %s failed: %s", res->id, err);
        return qnft_db_respond(r, dst);
    }
    row = qnft_db_row(r, db, rows, 0);
    overlay_at = g->prices_at ? g->prices_at : apr_time_from_sec(apr_time_sec(apr_time_now()));
    if (row) {
        const char *file = qnft_store_path(r->pool, g->conf->storage_dir, QNFT_AREA_GIFS,
                                           apr_pstrcat(r->pool, res->id, ".gif", NULL));
        res->frames = atoi(qnft_db_col(db, row, 0));
        res->width = atoi(qnft_db_col(db, row, 1));
        res->height = atoi(qnft_db_col(db, row, 2));
        res->bytes = apr_atoi64(qnft_db_col(db, row, 3));
        overlay_at = apr_time_from_sec(apr_atoi64(qnft_db_col(db, row, 4)));
        if (apr_stat(&fi, file, APR_FINFO_SIZE, r->pool) == APR_SUCCESS && fi.size == res->bytes) {
            res->reused = 1;
            qnft_log_rerror(APLOG_DEBUG, 0, r, QNFTLOGNO(01307)
                          "gif: reusing %s", res->id);
            return OK;
        }
        /* Recorded but the file is gone: render it again, same overlay. */
    }
    return render(r, db, g, overlay_at, res);
}

int qnft_gif_handler(request_rec *r)
{
    gif_request g;
    gif_result res;
    json_t *body;
    int rc;

    if (!r->handler || strcmp(r->handler, "qnft-gif")) {
        return DECLINED;
    }
    if (r->method_number != M_GET) {
        return qnft_respond_method(r, "GET");
    }
    if ((rc = qnft_guard(r, QNFT_AREA_GIF, 0)) != OK) {
        return rc;
    }
    memset(&g, 0, sizeof(g));
    memset(&res, 0, sizeof(res));
    g.conf = qnft_srv_config(r->server);
    rc = generate(r, &g, &res);
    if (rc != OK) {
        return rc;
    }
    body = qnft_json_pooled(r->pool, json_pack(
        "{s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:b}",
        "status", "success",
        "message", res.reused ? "This GIF was made before; here it is again."
                              : "GIF generated successfully.",
        "gif_url", apr_pstrcat(r->pool, qnft_public_base(r), "/qnft/gifs/", res.id, ".gif", NULL),
        "gif_id", res.id,
        "style", qnft_style_name(g.style),
        "width", (json_int_t)res.width,
        "height", (json_int_t)res.height,
        "frames", (json_int_t)res.frames,
        "bytes", (json_int_t)res.bytes,
        "reused", res.reused));
    return qnft_respond_json(r, HTTP_OK, body);
}
