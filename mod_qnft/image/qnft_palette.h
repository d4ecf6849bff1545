/* One palette for a whole animation, chosen from sample frames (median
 * cut refined by k-means), with a lazily filled 18-bit lookup table so
 * mapping a pixel costs one table read. */
#ifndef QNFT_PALETTE_H
#define QNFT_PALETTE_H

#include <apr_pools.h>

#include "image/qnft_raster.h"

#define QNFT_LUT_UNSET 0xffff

typedef struct {
    int n;                            /* colours in use, <= 255 */
    unsigned char rgb[256 * 3];
    apr_uint16_t *lut;                /* 64*64*64 entries, QNFT_LUT_UNSET until asked */
} qnft_palette;

/* Build from nsamples rasters (pixels sampled on a step grid). */
qnft_palette *qnft_palette_build(apr_pool_t *p, qnft_rgb *const *samples, int nsamples,
                                 int max_colors);

int qnft_palette_nearest(const qnft_palette *pal, int r, int g, int b);

static inline int qnft_palette_index(qnft_palette *pal, const unsigned char *rgb)
{
    unsigned key = ((unsigned)(rgb[0] >> 2) << 12) | ((unsigned)(rgb[1] >> 2) << 6)
                   | (unsigned)(rgb[2] >> 2);
    apr_uint16_t v = pal->lut[key];
    if (v == QNFT_LUT_UNSET) {
        /* the centre of the 4x4x4 cell stands for all of it */
        v = (apr_uint16_t)qnft_palette_nearest(pal, (rgb[0] & 0xfc) | 2, (rgb[1] & 0xfc) | 2,
                                                (rgb[2] & 0xfc) | 2);
        pal->lut[key] = v;
    }
    return v;
}

#endif
