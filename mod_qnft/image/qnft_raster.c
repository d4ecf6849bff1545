#include <string.h>

#include "image/qnft_raster.h"

qnft_rgb *qnft_rgb_make(apr_pool_t *p, int w, int h)
{
    qnft_rgb *r = apr_palloc(p, sizeof(*r));
    r->w = w;
    r->h = h;
    r->px = apr_pcalloc(p, (apr_size_t)w * (apr_size_t)h * 3);
    return r;
}

/* Source span [lo, hi) in 1/256 pixel units for output index i. */
static void footprint(int i, int out_n, int in_n, long *lo, long *hi)
{
    *lo = (long)((long long)i * in_n * 256 / out_n);
    *hi = (long)((long long)(i + 1) * in_n * 256 / out_n);
}

qnft_rgb *qnft_rgb_fit(apr_pool_t *p, int w, int h, qnft_row_reader *read_row,
                       void *baton, int max_side)
{
    int ow, oh, x, y, have_row = -1;
    qnft_rgb *dst;
    unsigned char *line;
    struct { int w, h; } srcdim, *src = &srcdim;
    apr_uint64_t *acc;      /* 64-bit: a 1 x 40M-pixel strip must not overflow */
    long *xw;      /* per output column: weights of the source columns it covers */
    int *xs, *xn;

    src->w = w;
    src->h = h;
    line = apr_palloc(p, (apr_size_t)w * 3);
    if (w <= max_side && h <= max_side) {
        dst = qnft_rgb_make(p, w, h);
        for (y = 0; y < h; y++) {
            read_row(baton, y, dst->px + (size_t)y * (size_t)w * 3);
        }
        return dst;
    }
    if (src->w >= src->h) {
        ow = max_side;
        oh = (int)(((long long)src->h * max_side + src->w / 2) / src->w);
    }
    else {
        oh = max_side;
        ow = (int)(((long long)src->w * max_side + src->h / 2) / src->h);
    }
    if (ow < 1) ow = 1;
    if (oh < 1) oh = 1;
    dst = qnft_rgb_make(p, ow, oh);

    /* Separable box filter with fractional edges: rows first into a
     * 32-bit accumulator line, then columns. Weights are in 1/256 px. */
    xs = apr_palloc(p, sizeof(int) * (apr_size_t)ow);
    xn = apr_palloc(p, sizeof(int) * (apr_size_t)ow);
    xw = apr_palloc(p, sizeof(long) * (apr_size_t)ow * (apr_size_t)(src->w / ow + 3));
    {
        int stride = src->w / ow + 3;
        for (x = 0; x < ow; x++) {
            long lo, hi, s;
            int n = 0;
            footprint(x, ow, src->w, &lo, &hi);
            xs[x] = (int)(lo >> 8);
            for (s = (lo >> 8) << 8; s < hi; s += 256) {
                long a = s < lo ? lo : s, b = s + 256 > hi ? hi : s + 256;
                xw[x * stride + n++] = b - a;
            }
            xn[x] = n;
        }
        acc = apr_palloc(p, sizeof(apr_uint64_t) * (apr_size_t)ow * 3);
        for (y = 0; y < oh; y++) {
            long lo, hi, s, total = 0;
            unsigned char *out = dst->px + (size_t)y * (size_t)ow * 3;
            memset(acc, 0, sizeof(apr_uint64_t) * (apr_size_t)ow * 3);
            footprint(y, oh, src->h, &lo, &hi);
            for (s = (lo >> 8) << 8; s < hi; s += 256) {
                long a = s < lo ? lo : s, b = s + 256 > hi ? hi : s + 256;
                long wy = b - a;
                const unsigned char *row = line;
                if ((s >> 8) >= src->h) {
                    break;
                }
                if (have_row != (int)(s >> 8)) {
                    have_row = (int)(s >> 8);
                    read_row(baton, have_row, line);
                }
                for (x = 0; x < ow; x++) {
                    const unsigned char *q = row + (size_t)xs[x] * 3;
                    long r = 0, g = 0, bl = 0;
                    int k;
                    for (k = 0; k < xn[x]; k++, q += 3) {
                        long wx = xw[x * stride + k];
                        r += q[0] * wx;
                        g += q[1] * wx;
                        bl += q[2] * wx;
                    }
                    /* scale down by 256 early to stay in 32 bits */
                    acc[x * 3] += (apr_uint64_t)((r >> 8) * wy);
                    acc[x * 3 + 1] += (apr_uint64_t)((g >> 8) * wy);
                    acc[x * 3 + 2] += (apr_uint64_t)((bl >> 8) * wy);
                }
                total += wy;
            }
            for (x = 0; x < ow; x++) {
                long lx, hx;
                apr_uint64_t area;
                footprint(x, ow, src->w, &lx, &hx);
                area = (apr_uint64_t)(hx - lx) * (apr_uint64_t)total / 256;
                out[x * 3] = (unsigned char)((acc[x * 3] + area / 2) / area);
                out[x * 3 + 1] = (unsigned char)((acc[x * 3 + 1] + area / 2) / area);
                out[x * 3 + 2] = (unsigned char)((acc[x * 3 + 2] + area / 2) / area);
            }
        }
    }
    return dst;
}

qnft_rgb *qnft_rgb_orient(apr_pool_t *p, qnft_rgb *src, int orientation)
{
    /* For each orientation: whether axes swap, and whether the output x/y
     * run backwards over the source (EXIF 2..8, TIFF 6.0 / CIPA DC-008). */
    int swap = orientation >= 5 && orientation <= 8;
    int x, y, ow, oh;
    qnft_rgb *dst;

    if (orientation < 2 || orientation > 8) {
        return src;
    }
    ow = swap ? src->h : src->w;
    oh = swap ? src->w : src->h;
    dst = qnft_rgb_make(p, ow, oh);
    for (y = 0; y < oh; y++) {
        for (x = 0; x < ow; x++) {
            int sx, sy;
            switch (orientation) {
            case 2: sx = src->w - 1 - x; sy = y; break;                 /* mirror */
            case 3: sx = src->w - 1 - x; sy = src->h - 1 - y; break;    /* 180 */
            case 4: sx = x; sy = src->h - 1 - y; break;                 /* flip */
            case 5: sx = y; sy = x; break;                              /* transpose */
            case 6: sx = y; sy = src->h - 1 - x; break;                 /* 90 CW */
            case 7: sx = src->w - 1 - y; sy = src->h - 1 - x; break;    /* transverse */
            default: sx = src->w - 1 - y; sy = x; break;                /* 8: 90 CCW */
            }
            memcpy(dst->px + ((size_t)y * (size_t)ow + (size_t)x) * 3,
                   src->px + ((size_t)sy * (size_t)src->w + (size_t)sx) * 3, 3);
        }
    }
    return dst;
}
