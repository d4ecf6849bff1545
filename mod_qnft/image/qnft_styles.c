#include <math.h>
#include <string.h>

#include "image/qnft_overlay.h"
#include "image/qnft_styles.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

#define ANGLE_STEPS 4096       /* angles in 1/4096 of a turn */

static const char *const style_names[QNFT_STYLE_COUNT] = {
    "default", "noise", "kaleidoscope", "wave_warp"
};

const char *qnft_style_name(qnft_style s)
{
    return (unsigned)s < QNFT_STYLE_COUNT ? style_names[s] : NULL;
}

int qnft_style_parse(const char *name, qnft_style *s)
{
    int i;
    for (i = 0; name && i < QNFT_STYLE_COUNT; i++) {
        if (!strcmp(name, style_names[i])) {
            *s = (qnft_style)i;
            return 0;
        }
    }
    return -1;
}

const char *qnft_style_list(void)
{
    return "default, noise, kaleidoscope, wave_warp";
}

struct qnft_styler {
    qnft_style style;
    int frames;
    const qnft_rgb *src;
    qnft_rgb *work;                 /* pre-zoom frame of the default style */
    unsigned char *gray;            /* default: luminance of src */
    qnft_overlay *surroundings;     /* default */
    int *taps;                      /* default: zoom source index and weight per column/row */
    apr_uint16_t *zoom_row;         /* default: one vertically blended row */
    apr_uint64_t seed;              /* noise */
    apr_int32_t *polar;             /* kaleidoscope: per pixel radius (16.16) and angle */
    long *trig;                     /* kaleidoscope: cos, sin per angle step (16.16) */
    long *shift_x, *shift_y;        /* wave_warp: this frame's displacements (16.16) */
};

/* splitmix64: a small, well-mixed generator; the state is ours alone. */
static apr_uint64_t mix64(apr_uint64_t x)
{
    x += APR_UINT64_C(0x9e3779b97f4a7c15);
    x = (x ^ (x >> 30)) * APR_UINT64_C(0xbf58476d1ce4e5b9);
    x = (x ^ (x >> 27)) * APR_UINT64_C(0x94d049bb133111eb);
    return x ^ (x >> 31);
}

qnft_styler *qnft_styler_make(apr_pool_t *p, qnft_style style, const qnft_rgb *src,
                              int frames, const unsigned char *seed32)
{
    qnft_styler *s = apr_pcalloc(p, sizeof(*s));
    size_t n = (size_t)src->w * (size_t)src->h, i;
    int k;

    s->style = style;
    s->frames = frames;
    s->src = src;
    for (k = 0; k < 8; k++) {
        s->seed = (s->seed << 8) | seed32[k];
    }
    switch (style) {
    case QNFT_STYLE_DEFAULT:
        s->work = qnft_rgb_make(p, src->w, src->h);
        s->gray = apr_palloc(p, n);
        for (i = 0; i < n; i++) {
            const unsigned char *q = src->px + i * 3;
            /* ITU-R 601 luma, as PIL's convert("L") */
            s->gray[i] = (unsigned char)((q[0] * 299 + q[1] * 587 + q[2] * 114 + 500) / 1000);
        }
        s->surroundings = qnft_overlay_surroundings(p, src->w, src->h);
        s->taps = apr_palloc(p, sizeof(int) * 2 * (size_t)(src->w + src->h));
        s->zoom_row = apr_palloc(p, sizeof(apr_uint16_t) * 3 * (size_t)src->w);
        break;
    case QNFT_STYLE_KALEIDOSCOPE: {
        double cx = (src->w - 1) / 2.0, cy = (src->h - 1) / 2.0;
        int x, y;
        s->polar = apr_palloc(p, sizeof(apr_int32_t) * 2 * n);
        s->trig = apr_palloc(p, sizeof(long) * 2 * ANGLE_STEPS);
        for (y = 0; y < src->h; y++) {
            for (x = 0; x < src->w; x++) {
                double dx = x - cx, dy = y - cy;
                double t = atan2(dy, dx) / (2 * M_PI) * ANGLE_STEPS;
                size_t o = (size_t)y * (size_t)src->w + (size_t)x;
                s->polar[2 * o] = (apr_int32_t)lrint(sqrt(dx * dx + dy * dy) * 65536.0);
                /* lround is symmetric, so mirror pixels get mirror angles */
                s->polar[2 * o + 1] = (apr_int32_t)lround(t);
            }
        }
        for (k = 0; k < ANGLE_STEPS; k++) {
            s->trig[2 * k] = lrint(cos(2 * M_PI * k / ANGLE_STEPS) * 65536.0);
            s->trig[2 * k + 1] = lrint(sin(2 * M_PI * k / ANGLE_STEPS) * 65536.0);
        }
        break;
    }
    case QNFT_STYLE_WAVE_WARP:
        s->shift_x = apr_palloc(p, sizeof(long) * (size_t)src->h);
        s->shift_y = apr_palloc(p, sizeof(long) * (size_t)src->w);
        break;
    default:
        break;
    }
    return s;
}

long qnft_styler_keep_threshold(const qnft_styler *s)
{
    /* In units of the encoder's weighted distance 3dr^2+4dg^2+2db^2:
     * 9 * 12 ~ an error of about 3.5 levels per channel. Grain must move,
     * so it gets a lower bar. */
    return s->style == QNFT_STYLE_NOISE ? 9 * 6 : 9 * 12;
}

/* Source position of each output column (or row) under a zoom by scale
 * about the centre: index and 8-bit weight of the next pixel. Indices stay
 * below n - 1, so the resampler needs no bounds checks. */
static void zoom_taps(int n, double scale, int *at, int *wt)
{
    double c = (n - 1) / 2.0;
    int i;
    for (i = 0; i < n; i++) {
        double f = c + (i - c) / scale;
        int k = (int)floor(f);
        int w = (int)lrint((f - k) * 256.0);
        if (w == 256) { k++; w = 0; }
        if (k >= n - 1) { k = n - 2; w = 256; }
        if (k < 0) { k = 0; w = 0; }
        at[i] = k;
        wt[i] = w;
    }
}

/* Zoom in by scale (>= 1) about the centre, bilinear, cropped to size:
 * a vertical pass into one 16-bit row, then a horizontal one. */
static void zoom(qnft_styler *s, const qnft_rgb *in, double scale, qnft_rgb *out)
{
    int w = in->w, h = in->h, x, y;
    int *xat = s->taps, *xwt = s->taps + w, *yat = s->taps + 2 * w, *ywt = s->taps + 2 * w + h;
    apr_uint16_t *row = s->zoom_row;

    if (w < 2 || h < 2) {
        memcpy(out->px, in->px, (size_t)w * (size_t)h * 3);
        return;
    }
    zoom_taps(w, scale, xat, xwt);
    zoom_taps(h, scale, yat, ywt);
    for (y = 0; y < h; y++) {
        const unsigned char *r0 = in->px + (size_t)yat[y] * (size_t)w * 3;
        const unsigned char *r1 = r0 + (size_t)w * 3;
        int b = ywt[y], a = 256 - b;
        unsigned char *d = out->px + (size_t)y * (size_t)w * 3;
        for (x = 0; x < w * 3; x++) {
            row[x] = (apr_uint16_t)((r0[x] * a + r1[x] * b + 8) >> 4);   /* 12 bits */
        }
        for (x = 0; x < w; x++, d += 3) {
            const apr_uint16_t *p0 = row + xat[x] * 3;
            int bx = xwt[x], ax = 256 - bx;
            d[0] = (unsigned char)((p0[0] * ax + p0[3] * bx + 2048) >> 12);
            d[1] = (unsigned char)((p0[1] * ax + p0[4] * bx + 2048) >> 12);
            d[2] = (unsigned char)((p0[2] * ax + p0[5] * bx + 2048) >> 12);
        }
    }
}

/* The original pipeline: grey blended towards flat sepia (112,66,20) by
 * 0 -> 0.6 over the frames, surroundings, then the 1 + 0.03 sin zoom. */
static void frame_default(qnft_styler *s, int i, qnft_rgb *out)
{
    static const int sepia[3] = { 112, 66, 20 };
    int n = s->frames;
    /* blend weight in 1/4096 */
    int a = n > 1 ? (int)lrint(0.6 * 4096.0 * i / (n - 1)) : 0;
    size_t np = (size_t)s->src->w * (size_t)s->src->h, j;
    int k, add[3];
    unsigned char *d = s->work->px;

    for (k = 0; k < 3; k++) {
        add[k] = sepia[k] * a + 2048;
    }
    for (j = 0; j < np; j++, d += 3) {
        int g = s->gray[j] * (4096 - a);
        d[0] = (unsigned char)((g + add[0]) >> 12);
        d[1] = (unsigned char)((g + add[1]) >> 12);
        d[2] = (unsigned char)((g + add[2]) >> 12);
    }
    qnft_overlay_apply(s->surroundings, s->work);
    zoom(s, s->work, 1.0 + 0.03 * sin(M_PI * i / n), out);
}

/* Grain on 2x2 cells: each cell's value is redrawn every few frames at a
 * moment of its own (so the field shimmers instead of flashing), with
 * rare bright "quantum" sparks; its strength breathes with the loop. */
static void frame_noise(qnft_styler *s, int i, qnft_rgb *out)
{
    const qnft_rgb *src = s->src;
    int n = s->frames, x, y;
    double breathe = 0.75 + 0.25 * sin(2 * M_PI * i / n);
    int amp = (int)lrint(28 * breathe);
    const int period = 4;

    for (y = 0; y < src->h; y++) {
        const unsigned char *q = src->px + (size_t)y * (size_t)src->w * 3;
        unsigned char *d = out->px + (size_t)y * (size_t)out->w * 3;
        for (x = 0; x < src->w; x++, q += 3, d += 3) {
            apr_uint64_t cellid = ((apr_uint64_t)(y >> 1) << 32) | (apr_uint64_t)(x >> 1);
            apr_uint64_t phase = mix64(s->seed ^ cellid) % period;
            /* the draw this cell shows at frame i; wraps with the loop */
            apr_uint64_t epoch = ((apr_uint64_t)i + phase) / period;
            apr_uint64_t h = mix64(s->seed + cellid * 0x100000001b3ULL + epoch * 0x9e37ULL);
            int v = (int)(h & 0xff) - 128;
            int k, delta = v * amp / 128;
            if (((h >> 8) & 0x3ff) < 3) {
                /* a spark: cyan or magenta, like the surroundings' palette */
                static const unsigned char spark[2][3] = { { 80, 255, 255 }, { 255, 60, 200 } };
                memcpy(d, spark[(h >> 20) & 1], 3);
                continue;
            }
            for (k = 0; k < 3; k++) {
                int c = q[k] + delta;
                d[k] = (unsigned char)(c < 0 ? 0 : c > 255 ? 255 : c);
            }
        }
    }
}

/* Eight mirrored wedges; the pattern turns by one wedge pair over the
 * loop, which brings it back exactly to the first frame. */
static void frame_kaleidoscope(qnft_styler *s, int i, qnft_rgb *out)
{
    const qnft_rgb *src = s->src;
    const int wedges = 8, half = ANGLE_STEPS / (2 * wedges);
    int rot = (int)(2L * half * i / s->frames);
    double cx = (src->w - 1) / 2.0, cy = (src->h - 1) / 2.0;
    long fcx = lrint(cx * 65536.0), fcy = lrint(cy * 65536.0);
    /* the wedge samples the upper middle of the picture, where the
     * subject of a photo usually is */
    const int base = 3 * ANGLE_STEPS / 4 - half / 2;
    size_t np = (size_t)src->w * (size_t)src->h, j;
    unsigned char *d = out->px;

    for (j = 0; j < np; j++, d += 3) {
        long r = s->polar[2 * j];
        int a = s->polar[2 * j + 1] - rot;
        int m = a % (2 * half);
        long fx, fy;
        if (m < 0) m += 2 * half;
        if (m >= half) m = 2 * half - m;        /* mirror inside the pair */
        m = (m + base) & (ANGLE_STEPS - 1);
        /* keep the sampled radius inside the picture */
        if (r > fcx) r = fcx;
        if (r > fcy) r = fcy;
        fx = fcx + ((r >> 8) * s->trig[2 * m] >> 8);
        fy = fcy + ((r >> 8) * s->trig[2 * m + 1] >> 8);
        qnft_rgb_sample(src, fx, fy, d);
    }
}

/* Horizontal and vertical sine displacement whose phase travels one full
 * period over the loop (so the last frame runs into the first). */
static void frame_wave(qnft_styler *s, int i, qnft_rgb *out)
{
    const qnft_rgb *src = s->src;
    int w = src->w, h = src->h, x, y;
    int side = w > h ? w : h;
    double amp = side / 40.0 + 1.0;
    double lambda = side / 3.0;
    double phase = 2 * M_PI * i / s->frames;

    /* rows shift sideways by a wave along y, columns up/down along x */
    for (y = 0; y < h; y++) {
        s->shift_x[y] = lrint(amp * sin(2 * M_PI * y / lambda + phase) * 65536.0);
    }
    for (x = 0; x < w; x++) {
        s->shift_y[x] = lrint(amp * sin(2 * M_PI * x / lambda - phase) * 65536.0);
    }
    for (y = 0; y < h; y++) {
        unsigned char *d = out->px + (size_t)y * (size_t)w * 3;
        long fy = (long)y << 16, fx0 = s->shift_x[y];
        for (x = 0; x < w; x++, d += 3) {
            qnft_rgb_sample(src, ((long)x << 16) + fx0, fy + s->shift_y[x], d);
        }
    }
}

void qnft_styler_frame(qnft_styler *s, int i, qnft_rgb *out)
{
    switch (s->style) {
    case QNFT_STYLE_NOISE:        frame_noise(s, i, out); break;
    case QNFT_STYLE_KALEIDOSCOPE: frame_kaleidoscope(s, i, out); break;
    case QNFT_STYLE_WAVE_WARP:    frame_wave(s, i, out); break;
    default:                      frame_default(s, i, out); break;
    }
}
