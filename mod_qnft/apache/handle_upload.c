/* POST /upload_image (handler qnft-upload): a streamed multipart upload
 * of one photo, field "file", stored by the SHA-256 of its bytes. */
#include <string.h>
#include <apr_strings.h>
#include <http_protocol.h>
#include <http_request.h>
#include <util_filter.h>

#include "apache/mod_qnft.h"
#include "apache/qnft_config.h"
#include "apache/qnft_db.h"
#include "apache/qnft_guard.h"
#include "apache/qnft_respond.h"
#include "image/qnft_probe.h"
#include "store/qnft_store.h"
#include "upload/qnft_multipart.h"
#include "util/qnft_json.h"

#define UPLOAD_FIELD "file"
#define READ_CHUNK (64 * 1024)
/* The multipart framing around the file (boundaries, part headers, other
 * small fields) may add this much to the body beyond the file's limit. */
#define FRAMING_ALLOWANCE 16384

#define NOT_AN_IMAGE "Only PNG, JPEG, GIF and WebP images are accepted."

/* Why a parse callback stopped the upload; turned into the answer. */
typedef enum {
    UP_OK = 0,
    UP_TWO_FILES,
    UP_NO_FILENAME,
    UP_NOT_IMAGE,
    UP_TOO_LARGE,
    UP_STORE_FAILED
} upload_stop;

typedef struct {
    request_rec *r;
    const char *dir;              /* storage uploads/ directory */
    apr_off_t max_bytes;
    qnft_store_writer *writer;    /* set from the file part on */
    int in_file;                  /* current part is the file field */
    int file_done;
    int body_done;                /* the whole request body was read */
    unsigned char head[QNFT_SNIFF_BYTES];
    apr_size_t head_len;
    int sniffed;
    upload_stop stop;
    apr_status_t store_rv;
} upload_ctx;

static int on_part_begin(void *baton, const qnft_mp_part *part)
{
    upload_ctx *u = baton;
    apr_status_t rv;

    u->in_file = 0;
    /* Other fields, and a plain text field named "file" (no filename
     * parameter: not a file part), are read past and ignored. */
    if (strcmp(part->name, UPLOAD_FIELD) != 0 || !part->filename) {
        return 0;
    }
    if (u->writer) {
        u->stop = UP_TWO_FILES;
        return 1;
    }
    if (!*part->filename) {
        u->stop = UP_NO_FILENAME;
        return 1;
    }
    rv = qnft_store_begin(&u->writer, u->r->pool, u->dir);
    if (rv != APR_SUCCESS) {
        u->stop = UP_STORE_FAILED;
        u->store_rv = rv;
        return 1;
    }
    u->in_file = 1;
    return 0;
}

/* The type is known from the first bytes: refuse non-images before the
 * rest of a large body is read or written. */
static int sniff_head(upload_ctx *u, const char *data, apr_size_t len)
{
    apr_size_t take = QNFT_SNIFF_BYTES - u->head_len;
    if (take > len) {
        take = len;
    }
    memcpy(u->head + u->head_len, data, take);
    u->head_len += take;
    if (u->head_len == QNFT_SNIFF_BYTES) {
        u->sniffed = 1;
        if (qnft_img_sniff(u->head, u->head_len) == QNFT_IMG_UNKNOWN) {
            u->stop = UP_NOT_IMAGE;
            return 1;
        }
    }
    return 0;
}

static int on_part_data(void *baton, const char *data, apr_size_t len)
{
    upload_ctx *u = baton;
    apr_status_t rv;

    if (!u->in_file) {
        return 0;
    }
    if (qnft_store_size(u->writer) + (apr_off_t)len > u->max_bytes) {
        u->stop = UP_TOO_LARGE;
        return 1;
    }
    if (!u->sniffed && sniff_head(u, data, len)) {
        return 1;
    }
    rv = qnft_store_write(u->writer, data, len);
    if (rv != APR_SUCCESS) {
        u->stop = UP_STORE_FAILED;
        u->store_rv = rv;
        return 1;
    }
    return 0;
}

static int on_part_end(void *baton)
{
    upload_ctx *u = baton;
    if (u->in_file) {
        u->file_done = 1;
        u->in_file = 0;
    }
    return 0;
}

static const qnft_mp_callbacks upload_callbacks = {
    on_part_begin, on_part_data, on_part_end
};

static int too_large(request_rec *r, const qnft_srv_conf *conf)
{
    return qnft_respond_error(r, HTTP_REQUEST_ENTITY_TOO_LARGE, "too_large",
                              "The upload exceeds the limit of %" APR_OFF_T_FMT " bytes.",
                              conf->upload_max_bytes);
}

static int answer_stop(request_rec *r, upload_ctx *u, const qnft_srv_conf *conf)
{
    switch (u->stop) {
    case UP_TWO_FILES:
        return qnft_respond_error(r, HTTP_BAD_REQUEST, "too_many_files",
                                  "Send exactly one file in the field 'file'.");
    case UP_NO_FILENAME:
        return qnft_respond_error(r, HTTP_BAD_REQUEST, "no_selected_file",
                                  "No file was selected: the 'file' part has no file name.");
    case UP_NOT_IMAGE:
        return qnft_respond_error(r, HTTP_UNSUPPORTED_MEDIA_TYPE, "unsupported_type",
                                  NOT_AN_IMAGE);
    case UP_TOO_LARGE:
        return too_large(r, conf);
    case UP_STORE_FAILED:
        return qnft_respond_storage_error(r, u->store_rv, "write the upload");
    case UP_OK:
        break;
    }
    return HTTP_INTERNAL_SERVER_ERROR;
}

/* Read the whole body through the parser; returns OK or an answer. */
static int read_body(request_rec *r, qnft_mp_parser *mp, upload_ctx *u,
                     const qnft_srv_conf *conf)
{
    apr_bucket_brigade *bb = apr_brigade_create(r->pool, r->connection->bucket_alloc);
    apr_off_t total = 0;
    qnft_mp_status st = QNFT_MP_OK;

    while (!u->body_done && st == QNFT_MP_OK) {
        apr_bucket *b;
        apr_status_t rv = ap_get_brigade(r->input_filters, bb, AP_MODE_READBYTES,
                                         APR_BLOCK_READ, READ_CHUNK);
        if (rv != APR_SUCCESS) {
            int status;
            if (rv == AP_FILTER_ERROR) {
                return rv;      /* a filter has answered already */
            }
            /* short body, stalled or vanished client, bad chunking */
            status = ap_map_http_request_error(rv, HTTP_BAD_REQUEST);
            qnft_log_rerror(APLOG_INFO, rv, r, QNFTLOGNO(01202)
                          "upload: reading the request body failed");
            return qnft_respond_error(r, status, "bad_body",
                                      "The request body could not be read completely.");
        }
        for (b = APR_BRIGADE_FIRST(bb); b != APR_BRIGADE_SENTINEL(bb) && st == QNFT_MP_OK;
             b = APR_BUCKET_NEXT(b)) {
            const char *data;
            apr_size_t len;
            if (APR_BUCKET_IS_EOS(b)) {
                u->body_done = 1;
                break;
            }
            if (APR_BUCKET_IS_METADATA(b)) {
                continue;
            }
            rv = apr_bucket_read(b, &data, &len, APR_BLOCK_READ);
            if (rv != APR_SUCCESS) {
                return qnft_respond_error(r, HTTP_BAD_REQUEST, "bad_body",
                                          "The request body could not be read completely.");
            }
            /* Chunked bodies announce no length: count as they come. */
            total += (apr_off_t)len;
            if (total > conf->upload_max_bytes + FRAMING_ALLOWANCE) {
                return too_large(r, conf);
            }
            st = qnft_mp_feed(mp, data, len);
        }
        apr_brigade_cleanup(bb);
    }
    if (st == QNFT_MP_OK) {
        st = qnft_mp_finish(mp);
    }
    if (st == QNFT_MP_EABORTED) {
        return answer_stop(r, u, conf);
    }
    if (st != QNFT_MP_OK) {
        return qnft_respond_error(r, HTTP_BAD_REQUEST, "bad_multipart",
                                  "The multipart/form-data body is malformed: %s.",
                                  qnft_mp_strerror(st));
    }
    return OK;
}

/* Check the stored bytes: a known type whose header is sound and whose
 * pixel count is within the limit (refused before any decoder runs). */
static int check_image(request_rec *r, upload_ctx *u, const qnft_srv_conf *conf,
                       qnft_img_info *info)
{
    const unsigned char *data;
    apr_size_t len;
    apr_status_t rv = qnft_store_map(u->writer, &data, &len);
    qnft_probe_status ps;

    if (rv != APR_SUCCESS) {
        return qnft_respond_storage_error(r, rv, "read back the upload");
    }
    ps = qnft_img_probe(data, len, info);
    if (ps == QNFT_PROBE_UNSUPPORTED) {
        return qnft_respond_error(r, HTTP_UNSUPPORTED_MEDIA_TYPE, "unsupported_type",
                                  NOT_AN_IMAGE);
    }
    if (ps != QNFT_PROBE_OK) {
        return qnft_respond_error(r, HTTP_BAD_REQUEST, "corrupt_image",
                                  "The image is damaged: its header could not be read.");
    }
    if ((apr_int64_t)info->width * (apr_int64_t)info->height > conf->image_max_pixels) {
        return qnft_respond_error(r, HTTP_REQUEST_ENTITY_TOO_LARGE, "too_many_pixels",
                                  "The image is %u x %u pixels; at most %" APR_INT64_T_FMT
                                  " pixels are accepted.", info->width, info->height,
                                  conf->image_max_pixels);
    }
    if (info->type == QNFT_IMG_WEBP && info->animated) {
        /* libgd decodes still WebP only: refused now, not at every GIF */
        return qnft_respond_error(r, HTTP_UNSUPPORTED_MEDIA_TYPE, "unsupported_type",
                                  "Animated WebP is not supported; send a still image (PNG, "
                                  "JPEG, WebP) or a GIF.");
    }
    return OK;
}

/* Row first, file second: a refused insert leaves nothing behind, and a
 * committed file is never removed again (another request may share it).
 * An insert whose outcome is unknown keeps the file: never a row alone. */
static int store_image(request_rec *r, upload_ctx *u, const qnft_srv_conf *conf,
                       const char *id, const qnft_img_info *info, const char *name)
{
    const char *args[5], *err = NULL;
    apr_dbd_results_t *res = NULL;
    ap_dbd_t *db;
    qnft_db_status dst;
    apr_status_t rv;
    int nrows = 0, existed = 0;

    /* Acquired only now: a pooled connection is not held through a slow
     * client's upload. */
    db = qnft_db_acquire(r);
    if (!db) {
        return qnft_db_respond(r, QNFT_DB_DOWN);
    }
    args[0] = id;
    args[1] = qnft_img_mime(info->type);
    args[2] = apr_psprintf(r->pool, "%u", info->width);
    args[3] = apr_psprintf(r->pool, "%u", info->height);
    args[4] = apr_off_t_toa(r->pool, qnft_store_size(u->writer));
    /* One round trip before the insert: a pooled connection that died with
     * the database fails here (or is brought back), before anything is
     * sent that could commit unseen. */
    dst = qnft_db_select(r, db, QNFT_SQL_SCHEMA_VERSION, &res, 0, NULL, &err);
    if (dst == QNFT_DB_OK) {
        dst = qnft_db_query(r, db, QNFT_SQL_IMAGE_INSERT, &nrows, 5, args, &err);
        /* Lost with the insert in flight, it may have committed: keep the
         * file, so that such a row never names a missing file; if it did
         * not commit, the client's retry brings the same bytes. */
        if (dst == QNFT_DB_DOWN) {
            qnft_store_commit(u->writer, name, &existed);
        }
    }
    if (dst != QNFT_DB_OK) {
        qnft_log_rerror(APLOG_ERR, 0, r, QNFTLOGNO(01203)
                      "upload: recording image %s failed: %s", id, err);
        return qnft_db_respond(r, dst);
    }
    rv = qnft_store_commit(u->writer, name, &existed);
    if (rv != APR_SUCCESS) {
        /* Our row alone would point at nothing; one that was there before
         * belongs to a file that exists. */
        if (nrows == 1) {
            qnft_db_query(r, db, QNFT_SQL_IMAGE_FORGET, NULL, 1, args, &err);
        }
        return qnft_respond_storage_error(r, rv, "save the upload");
    }
    qnft_log_rerror(APLOG_DEBUG, 0, r, QNFTLOGNO(01204)
                  "upload: %s %s %ux%u %s bytes%s", id, args[1], info->width, info->height,
                  args[4], existed ? " (already stored)" : "");
    return OK;
}

static int upload_image(request_rec *r, upload_ctx *u, const qnft_srv_conf *conf)
{
    const char *ctype, *clen, *boundary = NULL, *id, *name, *url;
    qnft_mp_parser *mp;
    qnft_img_info info;
    json_t *body;
    apr_status_t rv;
    int rc;

    ctype = apr_table_get(r->headers_in, "Content-Type");
    if (!ctype || qnft_mp_boundary(r->pool, ctype, &boundary) != QNFT_MP_OK) {
        if (ctype && !strncasecmp(ctype, "multipart/form-data", 19)
            && (ctype[19] == '\0' || ctype[19] == ';' || ctype[19] == ' ' || ctype[19] == '\t')) {
            return qnft_respond_error(r, HTTP_BAD_REQUEST, "bad_multipart",
                                      "The multipart/form-data Content-Type lacks a valid boundary.");
        }
        return qnft_respond_error(r, HTTP_UNSUPPORTED_MEDIA_TYPE, "unsupported_content_type",
                                  "Send the image as multipart/form-data in a field named 'file'.");
    }
    /* Refuse an announced oversize body before reading any of it. */
    clen = apr_table_get(r->headers_in, "Content-Length");
    if (clen) {
        apr_off_t n;
        if (apr_strtoff(&n, clen, NULL, 10) == APR_SUCCESS
            && n > conf->upload_max_bytes + FRAMING_ALLOWANCE) {
            return too_large(r, conf);
        }
    }

    u->r = r;
    u->dir = apr_pstrcat(r->pool, conf->storage_dir, "/" QNFT_AREA_UPLOADS, NULL);
    u->max_bytes = conf->upload_max_bytes;
    mp = qnft_mp_create(r->pool, boundary, NULL, &upload_callbacks, u);

    rc = read_body(r, mp, u, conf);
    if (rc != OK) {
        return rc;
    }
    if (!u->writer || !u->file_done) {
        return qnft_respond_error(r, HTTP_BAD_REQUEST, "no_file_part",
                                  "The request has no file part named 'file'.");
    }
    if (qnft_store_size(u->writer) == 0) {
        return qnft_respond_error(r, HTTP_BAD_REQUEST, "empty_file", "The uploaded file is empty.");
    }
    if (!u->sniffed && qnft_img_sniff(u->head, u->head_len) == QNFT_IMG_UNKNOWN) {
        u->stop = UP_NOT_IMAGE;      /* shorter than any image header */
        return answer_stop(r, u, conf);
    }
    rv = qnft_store_finish(u->writer, &id);
    if (rv != APR_SUCCESS) {
        return qnft_respond_storage_error(r, rv, "finish the upload");
    }
    rc = check_image(r, u, conf, &info);
    if (rc != OK) {
        return rc;
    }
    name = apr_pstrcat(r->pool, id, ".", qnft_img_ext(info.type), NULL);
    rc = store_image(r, u, conf, id, &info, name);
    if (rc != OK) {
        return rc;
    }
    url = apr_pstrcat(r->pool, qnft_public_base(r), "/qnft/uploads/", name, NULL);
    body = qnft_json_pooled(r->pool, json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:I}",
                            "status", "success",
                            "message", "File uploaded successfully.",
                            "file_id", id,
                            "image_url", url,
                            "mime_type", qnft_img_mime(info.type),
                            "width", (json_int_t)info.width,
                            "height", (json_int_t)info.height,
                            "bytes", (json_int_t)qnft_store_size(u->writer)));
    return qnft_respond_json(r, HTTP_OK, body);
}

int qnft_upload_handler(request_rec *r)
{
    upload_ctx u;
    int rc;

    if (!r->handler || strcmp(r->handler, "qnft-upload")) {
        return DECLINED;
    }
    if (r->method_number != M_POST) {
        return qnft_respond_method(r, "POST");
    }
    if ((rc = qnft_guard(r, QNFT_AREA_UPLOAD, QNFT_GUARD_FORM)) != OK) {
        return rc;
    }
    memset(&u, 0, sizeof(u));
    rc = upload_image(r, &u, qnft_srv_config(r->server));
    /* Whatever happened, no temporary file outlives the answer (which is
     * still buffered here), so a client never sees one. */
    if (u.writer) {
        qnft_store_abort(u.writer);
    }
    /* An answer before the end of the body: do not read the rest of it
     * (httpd would, to keep the connection), close instead. */
    if (!u.body_done) {
        r->connection->keepalive = AP_CONN_CLOSE;
    }
    return rc;
}
