#include <stdio.h>
#include <string.h>
#include <zlib.h>
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

/* The most a PNG's image data can inflate to: its rows with their filter
 * bytes (interlaced images have up to seven passes, each row with one
 * more filter byte). 0 when IHDR makes no sense. */
static apr_uint64_t png_raw_bound(const unsigned char *ihdr)
{
    static const int channels[7] = { 1, 0, 3, 1, 2, 0, 4 };
    apr_uint64_t w = ((apr_uint64_t)ihdr[0] << 24) | ((apr_uint64_t)ihdr[1] << 16)
                     | ((apr_uint64_t)ihdr[2] << 8) | ihdr[3];
    apr_uint64_t h = ((apr_uint64_t)ihdr[4] << 24) | ((apr_uint64_t)ihdr[5] << 16)
                     | ((apr_uint64_t)ihdr[6] << 8) | ihdr[7];
    int depth = ihdr[8], type = ihdr[9];

    if (type > 6 || !channels[type] || depth < 1 || depth > 16) {
        return 0;
    }
    return ((w * (apr_uint64_t)(channels[type] * depth) + 7) / 8 + 1) * h
           + (ihdr[12] ? 7 * (h + 1) : 0);
}

/* Two things libpng does not do for us, checked before it sees the file:
 * - it allocates a chunk's declared length before reading it: a 43-byte
 *   file declaring a 2 GB sPLT chunk cost 2 GB (found by t/fuzz/run image);
 *   every chunk must fit in the bytes we have;
 * - it inflates all of the image data, however much more there is than the
 *   rows need (png_read_end): 2 MB of compressed zeros behind a 100x100
 *   image cost 6 s of CPU (found by test_hostile.py). The stream is
 *   inflated here into a scratch buffer and refused once it yields more
 *   than the rows can hold; a real image costs one more inflate, which is
 *   small beside the decode. */
static int png_check(const unsigned char *d, apr_size_t len)
{
    unsigned char scratch[16384];
    apr_uint64_t bound = 0, out = 0;
    apr_size_t off = 8;
    z_stream z;
    int zrv = Z_OK, ok = 0, started = 0;

    memset(&z, 0, sizeof(z));
    if (inflateInit(&z) != Z_OK) {
        return 0;
    }
    while (off + 12 <= len) {
        apr_size_t n = ((apr_size_t)d[off] << 24) | ((apr_size_t)d[off + 1] << 16)
                       | ((apr_size_t)d[off + 2] << 8) | d[off + 3];
        const unsigned char *type = d + off + 4;
        if (n > len - off - 12) {
            break;
        }
        if (!memcmp(type, "IHDR", 4) && n == 13) {
            bound = png_raw_bound(d + off + 8);
        }
        else if (!memcmp(type, "IDAT", 4) && zrv == Z_OK) {
            if (!bound) {
                break;
            }
            started = 1;
            z.next_in = (Bytef *)(d + off + 8);
            z.avail_in = (uInt)n;
            while (z.avail_in && zrv == Z_OK) {
                z.next_out = scratch;
                z.avail_out = sizeof(scratch);
                zrv = inflate(&z, Z_NO_FLUSH);
                out += sizeof(scratch) - z.avail_out;
                if (out > bound) {
                    zrv = Z_DATA_ERROR;        /* more than the rows: a bomb */
                }
                else if (zrv == Z_BUF_ERROR) {
                    zrv = Z_OK;                /* wants the next chunk */
                }
            }
        }
        else if (!memcmp(type, "IEND", 4)) {
            /* the stream may end short (libpng then says so); too long, never */
            ok = started && (zrv == Z_OK || zrv == Z_STREAM_END);
            break;
        }
        off += 12 + n;
    }
    inflateEnd(&z);
    return ok;
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
    /* libgd reads neither: a cut GIF comes out partly blank, an animated
     * WebP not at all */
    if (info->cut) {
        return QNFT_DECODE_CORRUPT;
    }
    if (info->type == QNFT_IMG_WEBP && info->animated) {
        return QNFT_DECODE_UNSUPPORTED;
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
    if (info->type == QNFT_IMG_PNG && !png_check(data, len)) {
        return QNFT_DECODE_CORRUPT;
    }
    switch (info->type) {
    case QNFT_IMG_PNG:  im = gdImageCreateFromPngPtr(size, (void *)data); break;
    /* warnings on: libjpeg's "Premature end" is how a cut scan shows */
    case QNFT_IMG_JPEG: im = gdImageCreateFromJpegPtrEx(size, (void *)data, 0); break;
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
