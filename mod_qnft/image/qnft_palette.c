#include <string.h>

#include "image/qnft_palette.h"

#define HBITS 5
#define HSIZE (1 << (3 * HBITS))

/* A histogram cell: how many samples fell in it and their colour sums. */
typedef struct {
    apr_uint32_t count;
    apr_uint64_t sum[3];
} cell;

typedef struct {
    int *idx;          /* indices of non-empty cells in this box */
    int n;
    apr_uint64_t count;
    int lo[3], hi[3];  /* bounds in cell coordinates */
} box;

static int cell_coord(int key, int k)
{
    return (key >> (HBITS * (2 - k))) & ((1 << HBITS) - 1);
}

static void box_bounds(box *b)
{
    int i, k;
    b->count = 0;
    for (k = 0; k < 3; k++) {
        b->lo[k] = (1 << HBITS);
        b->hi[k] = -1;
    }
    for (i = 0; i < b->n; i++) {
        for (k = 0; k < 3; k++) {
            int c = cell_coord(b->idx[i], k);
            if (c < b->lo[k]) b->lo[k] = c;
            if (c > b->hi[k]) b->hi[k] = c;
        }
    }
}

/* Order a box's cells along one axis: a counting sort over the 32
 * coordinate values (stable, no shared state, so thread-safe). */
static void sort_by_axis(int *idx, int n, int axis, int *tmp)
{
    int counts[(1 << HBITS) + 1];
    int i;
    memset(counts, 0, sizeof(counts));
    for (i = 0; i < n; i++) counts[cell_coord(idx[i], axis) + 1]++;
    for (i = 1; i <= (1 << HBITS); i++) counts[i] += counts[i - 1];
    for (i = 0; i < n; i++) tmp[counts[cell_coord(idx[i], axis)]++] = idx[i];
    memcpy(idx, tmp, sizeof(int) * (size_t)n);
}

int qnft_palette_nearest(const qnft_palette *pal, int r, int g, int b)
{
    int i, best = 0;
    long bestd = 0x7fffffff;
    for (i = 0; i < pal->n; i++) {
        const unsigned char *c = pal->rgb + i * 3;
        /* weights close to perceived brightness contributions */
        long dr = r - c[0], dg = g - c[1], db = b - c[2];
        long d = 3 * dr * dr + 4 * dg * dg + 2 * db * db;
        if (d < bestd) {
            bestd = d;
            best = i;
        }
    }
    return best;
}

qnft_palette *qnft_palette_build(apr_pool_t *p, qnft_rgb *const *samples, int nsamples,
                                 int max_colors)
{
    qnft_palette *pal = apr_pcalloc(p, sizeof(*pal));
    apr_pool_t *tp;
    cell *h;
    int *used, *tmp;
    box *boxes;
    int nused = 0, nboxes, s, i, k, iter;

    /* Working memory lives in a sub-pool, gone when the palette is made. */
    apr_pool_create(&tp, p);
    h = apr_pcalloc(tp, sizeof(cell) * HSIZE);
    used = apr_palloc(tp, sizeof(int) * HSIZE);
    tmp = apr_palloc(tp, sizeof(int) * HSIZE);
    boxes = apr_pcalloc(tp, sizeof(box) * 256);

    if (max_colors > 255) max_colors = 255;
    if (max_colors < 2) max_colors = 2;
    for (s = 0; s < nsamples; s++) {
        const qnft_rgb *img = samples[s];
        size_t npx = (size_t)img->w * (size_t)img->h, j;
        /* every pixel of small images, a grid of them of larger ones */
        size_t step = npx > 65536 ? 3 : 1;
        for (j = 0; j < npx; j += step) {
            const unsigned char *px = img->px + j * 3;
            int key = ((px[0] >> (8 - HBITS)) << (2 * HBITS)) | ((px[1] >> (8 - HBITS)) << HBITS)
                      | (px[2] >> (8 - HBITS));
            if (h[key].count++ == 0) {
                used[nused++] = key;
            }
            h[key].sum[0] += px[0];
            h[key].sum[1] += px[1];
            h[key].sum[2] += px[2];
        }
    }

    /* Median cut over the occupied cells. */
    boxes[0].idx = used;
    boxes[0].n = nused;
    box_bounds(&boxes[0]);
    nboxes = nused > 0 ? 1 : 0;
    while (nboxes < max_colors) {
        int bi = -1, axis = 0, cut, j;
        apr_uint64_t bestscore = 0, half, acc;
        box *b, *nb;
        for (i = 0; i < nboxes; i++) {
            apr_uint64_t cnt = 0, score;
            int range = 0;
            if (boxes[i].n < 2) continue;
            for (j = 0; j < boxes[i].n; j++) cnt += h[boxes[i].idx[j]].count;
            for (k = 0; k < 3; k++) {
                if (boxes[i].hi[k] - boxes[i].lo[k] > range) range = boxes[i].hi[k] - boxes[i].lo[k];
            }
            score = cnt * (apr_uint64_t)(range + 1) * (apr_uint64_t)(range + 1);
            if (score > bestscore) {
                bestscore = score;
                bi = i;
            }
        }
        if (bi < 0) break;
        b = &boxes[bi];
        for (k = 0; k < 3; k++) {
            if (b->hi[k] - b->lo[k] > b->hi[axis] - b->lo[axis]) axis = k;
        }
        sort_by_axis(b->idx, b->n, axis, tmp);
        for (half = 0, j = 0; j < b->n; j++) half += h[b->idx[j]].count;
        half /= 2;
        for (acc = 0, cut = 0; cut < b->n - 1; cut++) {
            acc += h[b->idx[cut]].count;
            if (acc >= half) break;
        }
        cut++;                                  /* first index of the upper half */
        nb = &boxes[nboxes++];
        nb->idx = b->idx + cut;
        nb->n = b->n - cut;
        b->n = cut;
        box_bounds(b);
        box_bounds(nb);
    }

    pal->n = nboxes > 0 ? nboxes : 1;
    for (i = 0; i < nboxes; i++) {
        apr_uint64_t cnt = 0, sum[3] = { 0, 0, 0 };
        int j;
        for (j = 0; j < boxes[i].n; j++) {
            const cell *c = &h[boxes[i].idx[j]];
            cnt += c->count;
            for (k = 0; k < 3; k++) sum[k] += c->sum[k];
        }
        for (k = 0; k < 3; k++) {
            pal->rgb[i * 3 + k] = (unsigned char)(cnt ? (sum[k] + cnt / 2) / cnt : 0);
        }
    }

    /* A few k-means rounds over the cells pull each colour to the centre
     * of what it stands for. */
    for (iter = 0; iter < 3 && nused > 0; iter++) {
        apr_uint64_t *acc = apr_pcalloc(tp, sizeof(apr_uint64_t) * (size_t)pal->n * 4);
        for (i = 0; i < nused; i++) {
            const cell *c = &h[used[i]];
            int m = qnft_palette_nearest(pal, (int)(c->sum[0] / c->count),
                                         (int)(c->sum[1] / c->count), (int)(c->sum[2] / c->count));
            acc[m * 4] += c->count;
            for (k = 0; k < 3; k++) acc[m * 4 + 1 + k] += c->sum[k];
        }
        for (i = 0; i < pal->n; i++) {
            if (acc[i * 4]) {
                for (k = 0; k < 3; k++) {
                    pal->rgb[i * 3 + k] = (unsigned char)((acc[i * 4 + 1 + k] + acc[i * 4] / 2)
                                                          / acc[i * 4]);
                }
            }
        }
    }
    apr_pool_destroy(tp);

    pal->lut = apr_palloc(p, sizeof(apr_uint16_t) * 64 * 64 * 64);
    memset(pal->lut, 0xff, sizeof(apr_uint16_t) * 64 * 64 * 64);
    return pal;
}
