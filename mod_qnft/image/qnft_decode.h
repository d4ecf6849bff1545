/* Decoding uploads with libgd (the only file that calls its decoders):
 * bytes -> upright RGB no larger than max_side, never a full-size copy. */
#ifndef QNFT_DECODE_H
#define QNFT_DECODE_H

#include <apr_pools.h>

#include "image/qnft_probe.h"
#include "image/qnft_raster.h"

typedef enum {
    QNFT_DECODE_OK = 0,
    QNFT_DECODE_UNSUPPORTED,   /* not PNG/JPEG/GIF/WebP */
    QNFT_DECODE_TOO_LARGE,     /* header says more pixels than allowed */
    QNFT_DECODE_CORRUPT        /* the decoder failed or the data is truncated */
} qnft_decode_status;

/* Route libgd's messages (once per process, before threads). */
void qnft_decode_init(void);

/* Decode data, apply the JPEG EXIF orientation, composite transparency
 * over white, and downscale so the longer side is <= max_side. */
qnft_decode_status qnft_decode(apr_pool_t *p, const unsigned char *data, apr_size_t len,
                               apr_int64_t max_pixels, int max_side, qnft_rgb **out,
                               qnft_img_info *info);

#endif
