/* An 8-bit RGB raster owned by a pool: the working format of the GIF
 * renderer (libgd images are only used at the edges: decode and text). */
#ifndef QNFT_RASTER_H
#define QNFT_RASTER_H

#include <apr_pools.h>

typedef struct {
    int w, h;
    unsigned char *px;      /* w * h * 3 bytes, rows top to bottom */
} qnft_rgb;

qnft_rgb *qnft_rgb_make(apr_pool_t *p, int w, int h);

/* Fills rgb (w * 3 bytes) with source row y; rows are asked in order. */
typedef void qnft_row_reader(void *baton, int y, unsigned char *rgb);

/* Area-averaging downscale of a w x h source read row by row, so the
 * longer side is at most max_side (a box filter over the exact source
 * footprint: the right filter for large reductions, and the source never
 * has to exist as a whole RGB copy). Sources already small are copied. */
qnft_rgb *qnft_rgb_fit(apr_pool_t *p, int w, int h, qnft_row_reader *read_row,
                       void *baton, int max_side);

/* Apply an EXIF orientation (1..8) so the picture stands upright. */
qnft_rgb *qnft_rgb_orient(apr_pool_t *p, qnft_rgb *src, int orientation);

/* Bilinear sample at (fx, fy) in 16.16 fixed point, clamped to the edges. */
static inline void qnft_rgb_sample(const qnft_rgb *s, long fx, long fy, unsigned char *out)
{
    long x0, y0, ax, ay;
    const unsigned char *a, *b, *c, *d;
    int k, x1, y1;

    if (fx < 0) fx = 0;
    if (fy < 0) fy = 0;
    x0 = fx >> 16;
    y0 = fy >> 16;
    if (x0 >= s->w - 1) { x0 = s->w - 1; fx = x0 << 16; }
    if (y0 >= s->h - 1) { y0 = s->h - 1; fy = y0 << 16; }
    ax = (fx & 0xffff) >> 8;     /* 8-bit weights keep products in 32 bits */
    ay = (fy & 0xffff) >> 8;
    x1 = x0 + 1 < s->w ? (int)x0 + 1 : (int)x0;
    y1 = y0 + 1 < s->h ? (int)y0 + 1 : (int)y0;
    a = s->px + ((size_t)y0 * (size_t)s->w + (size_t)x0) * 3;
    b = s->px + ((size_t)y0 * (size_t)s->w + (size_t)x1) * 3;
    c = s->px + ((size_t)y1 * (size_t)s->w + (size_t)x0) * 3;
    d = s->px + ((size_t)y1 * (size_t)s->w + (size_t)x1) * 3;
    for (k = 0; k < 3; k++) {
        long top = a[k] * (256 - ax) + b[k] * ax;
        long bot = c[k] * (256 - ax) + d[k] * ax;
        out[k] = (unsigned char)((top * (256 - ay) + bot * ay + 32768) >> 16);
    }
}

#endif
