/* Image type detection and header probing, httpd-free.
 *
 * The type is decided from the bytes only (magic numbers), never from a file
 * name or a client's Content-Type. Dimensions come from the header, so a
 * pixel bomb is refused before any decoder allocates a frame buffer.
 */
#ifndef QNFT_PROBE_H
#define QNFT_PROBE_H

#include <apr.h>

typedef enum {
    QNFT_IMG_UNKNOWN = 0,
    QNFT_IMG_PNG,
    QNFT_IMG_JPEG,
    QNFT_IMG_GIF,
    QNFT_IMG_WEBP
} qnft_img_type;

typedef enum {
    QNFT_PROBE_OK = 0,
    QNFT_PROBE_UNSUPPORTED,   /* not one of the four types (SVG, text, TIFF, ...) */
    QNFT_PROBE_NEED_MORE,     /* magic matched but the header is not complete in buf */
    QNFT_PROBE_CORRUPT        /* magic matched but the header is invalid */
} qnft_probe_status;

typedef struct {
    qnft_img_type type;
    apr_uint32_t width;
    apr_uint32_t height;
    int orientation;          /* JPEG EXIF orientation 1..8; 1 when absent or not JPEG */
    int animated;             /* GIF with more than one image / animated WebP, when known */
    int cut;                  /* GIF: the first image's data is damaged or runs past the
                               * end of buf (decoders show the rest blank) */
} qnft_img_info;

/* Smallest number of leading bytes qnft_img_sniff needs. */
#define QNFT_SNIFF_BYTES 16

/* Decide the type from the first bytes (len >= QNFT_SNIFF_BYTES for a sure
 * answer). Returns QNFT_IMG_UNKNOWN for anything else. */
qnft_img_type qnft_img_sniff(const unsigned char *buf, apr_size_t len);

/* Parse the header of a complete or partial image held in buf: type,
 * width, height, EXIF orientation. Never reads outside buf, never decodes
 * pixel data. */
qnft_probe_status qnft_img_probe(const unsigned char *buf, apr_size_t len,
                                 qnft_img_info *info);

const char *qnft_img_mime(qnft_img_type t);       /* "image/png", ... or NULL */
const char *qnft_img_ext(qnft_img_type t);        /* "png", "jpg", "gif", "webp" or NULL */
qnft_img_type qnft_img_type_from_ext(const char *ext);

#endif
