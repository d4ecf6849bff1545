#include <stdio.h>
#include <string.h>
#include <gd.h>
#include <gd_errors.h>

#include "image/qnft_decode.h"

/* libgd reports through one global callback with no context: a
 * thread-local flag tells the decode running on this thread that the
 * decoder complained about the data (libjpeg only warns on truncation and
 * fills the rest with grey, which must not pass as a picture). */
static __thread int decode_damaged;

static void gd_message(int priority, const char *format, va_list args)
{
    char msg[256];

    vsnprintf(msg, sizeof(msg), format, args);
    /* Errors stop the decoder anyway; of the warnings only truncation
     * matters (libpng's profile warnings and the like are harmless). */
    if (priority <= GD_ERROR || strstr(msg, "Premature end")) {
        decode_damaged = 1;
    }
}

void qnft_decode_init(void)
{
    gdSetErrorMethod(gd_message);
}

/* libpng allocates a chunk's declared length before reading it: a 43-byte
 * file declaring a 2 GB sPLT chunk costs 2 GB (found by t/fuzz/run image).
 * Every chunk must fit in the bytes we have before libpng sees them. */
static int png_chunks_fit(const unsigned char *d, apr_size_t len)
{
    apr_size_t off = 8;
    while (off + 12 <= len) {
        apr_size_t n = ((apr_size_t)d[off] << 24) | ((apr_size_t)d[off + 1] << 16)
                       | ((apr_size_t)d[off + 2] << 8) | d[off + 3];
        if (n > len - off - 12) {
            return 0;
        }
        if (!memcmp(d + off + 4, "IEND", 4)) {
            return 1;
        }
        off += 12 + n;
    }
    return 0;           /* no IEND: truncated */
}

static apr_status_t image_release(void *data)
{
    gdImageDestroy((gdImagePtr)data);
    return APR_SUCCESS;
}

/* One source row as RGB, transparency composited over white. */
static void read_gd_row(void *baton, int y, unsigned char *rgb)
{
    gdImagePtr im = baton;
    int x, w = gdImageSX(im);

    for (x = 0; x < w; x++, rgb += 3) {
        int c = gdImageGetTrueColorPixel(im, x, y);
        int a = gdTrueColorGetAlpha(c);          /* 0 opaque .. 127 transparent */
        int r = gdTrueColorGetRed(c), g = gdTrueColorGetGreen(c), b = gdTrueColorGetBlue(c);
        if (a) {
            r = (r * (127 - a) + 255 * a + 63) / 127;
            g = (g * (127 - a) + 255 * a + 63) / 127;
            b = (b * (127 - a) + 255 * a + 63) / 127;
        }
        rgb[0] = (unsigned char)r;
        rgb[1] = (unsigned char)g;
        rgb[2] = (unsigned char)b;
    }
}

qnft_decode_status qnft_decode(apr_pool_t *p, const unsigned char *data, apr_size_t len,
                               apr_int64_t max_pixels, int max_side, qnft_rgb **out,
                               qnft_img_info *info)
{
    gdImagePtr im = NULL;
    qnft_rgb *rgb;
    int size;

    memset(info, 0, sizeof(*info));
    switch (qnft_img_probe(data, len, info)) {
    case QNFT_PROBE_OK:
        break;
    case QNFT_PROBE_UNSUPPORTED:
        return QNFT_DECODE_UNSUPPORTED;
    default:
        return QNFT_DECODE_CORRUPT;
    }
    /* Checked again here: the limit may have been lowered since upload. */
    if ((apr_int64_t)info->width * (apr_int64_t)info->height > max_pixels) {
        return QNFT_DECODE_TOO_LARGE;
    }
    if (len > (apr_size_t)0x7fffffff) {
        return QNFT_DECODE_TOO_LARGE;
    }
    size = (int)len;
    decode_damaged = 0;
    if (info->type == QNFT_IMG_PNG && !png_chunks_fit(data, len)) {
        return QNFT_DECODE_CORRUPT;
    }
    switch (info->type) {
    case QNFT_IMG_PNG:  im = gdImageCreateFromPngPtr(size, (void *)data); break;
    case QNFT_IMG_JPEG: im = gdImageCreateFromJpegPtr(size, (void *)data); break;
    case QNFT_IMG_GIF:  im = gdImageCreateFromGifPtr(size, (void *)data); break;
    case QNFT_IMG_WEBP: im = gdImageCreateFromWebpPtr(size, (void *)data); break;
    default: return QNFT_DECODE_UNSUPPORTED;
    }
    if (!im) {
        return QNFT_DECODE_CORRUPT;
    }
    apr_pool_cleanup_register(p, im, image_release, apr_pool_cleanup_null);
    if (decode_damaged || gdImageSX(im) != (int)info->width || gdImageSY(im) != (int)info->height) {
        return QNFT_DECODE_CORRUPT;
    }
    rgb = qnft_rgb_fit(p, gdImageSX(im), gdImageSY(im), read_gd_row, im, max_side);
    /* The full-size decode is no longer needed: free it now, not with p. */
    apr_pool_cleanup_run(p, im, image_release);
    *out = qnft_rgb_orient(p, rgb, info->type == QNFT_IMG_JPEG ? info->orientation : 1);
    return QNFT_DECODE_OK;
}
