#include <string.h>
#include <math.h>
#include <gd.h>
#include <gdfonts.h>
#include <gdfontl.h>
#include <gdfontt.h>

#include "image/qnft_overlay.h"

/* A straight-alpha RGBA layer the size of the frame, flattened to the
 * sparse form at the end. */
typedef struct {
    int w, h;
    float *rgba;
} layer;

static layer *layer_make(apr_pool_t *p, int w, int h)
{
    layer *l = apr_palloc(p, sizeof(*l));
    l->w = w;
    l->h = h;
    l->rgba = apr_pcalloc(p, sizeof(float) * 4 * (apr_size_t)w * (apr_size_t)h);
    return l;
}

/* "Source over" of one colour onto the layer at (x, y). */
static void layer_put(layer *l, int x, int y, int r, int g, int b, float a)
{
    float *d;
    float out_a;
    if (x < 0 || y < 0 || x >= l->w || y >= l->h || a <= 0) {
        return;
    }
    d = l->rgba + 4 * ((size_t)y * (size_t)l->w + (size_t)x);
    out_a = a + d[3] * (1 - a);
    d[0] = (r * a + d[0] * d[3] * (1 - a)) / out_a;
    d[1] = (g * a + d[1] * d[3] * (1 - a)) / out_a;
    d[2] = (b * a + d[2] * d[3] * (1 - a)) / out_a;
    d[3] = out_a;
}

static qnft_overlay *flatten(apr_pool_t *p, const layer *l)
{
    qnft_overlay *o = apr_pcalloc(p, sizeof(*o));
    size_t i, n = (size_t)l->w * (size_t)l->h, count = 0;

    for (i = 0; i < n; i++) {
        if (l->rgba[4 * i + 3] > 0) {
            count++;
        }
    }
    o->px = apr_palloc(p, sizeof(qnft_overlay_px) * (count ? count : 1));
    for (i = 0; i < n; i++) {
        const float *s = l->rgba + 4 * i;
        qnft_overlay_px *q;
        if (s[3] <= 0) {
            continue;
        }
        q = &o->px[o->n++];
        q->offset = (apr_uint32_t)i;
        q->rgb[0] = (unsigned char)lrintf(s[0] * s[3]);
        q->rgb[1] = (unsigned char)lrintf(s[1] * s[3]);
        q->rgb[2] = (unsigned char)lrintf(s[2] * s[3]);
        q->keep = (unsigned char)lrintf(255.0f * (1 - s[3]));
    }
    return o;
}

qnft_overlay *qnft_overlay_surroundings(apr_pool_t *p, int w, int h)
{
    /* five 2-px magenta diagonals from (x,0) to (w-x,h) and a 3-px yellow
     * outline from 20% to 80% of the frame, as the original drew them */
    static const double line_at[5] = { 0.0, 0.14, 0.16, 0.30, 0.32 };
    layer *l = layer_make(p, w, h);
    int i, x, y, t;

    for (i = 0; i < 5; i++) {
        double x0 = line_at[i] * w, x1 = w - x0;
        for (y = 0; y < h; y++) {
            double xc = x0 + (x1 - x0) * (y + 0.5) / h;
            int xs = (int)floor(xc - 1.0 + 0.5);
            layer_put(l, xs, y, 193, 50, 140, 128 / 255.0f);
            layer_put(l, xs + 1, y, 193, 50, 140, 128 / 255.0f);
        }
    }
    {
        int rx0 = (int)lrint(w * 0.2), ry0 = (int)lrint(h * 0.2);
        int rx1 = (int)lrint(w * 0.8), ry1 = (int)lrint(h * 0.8);
        for (t = 0; t < 3; t++) {
            for (x = rx0; x <= rx1; x++) {
                layer_put(l, x, ry0 + t, 200, 200, 50, 38 / 255.0f);
                layer_put(l, x, ry1 - t, 200, 200, 50, 38 / 255.0f);
            }
            for (y = ry0 + 3; y <= ry1 - 3; y++) {
                layer_put(l, rx0 + t, y, 200, 200, 50, 38 / 255.0f);
                layer_put(l, rx1 - t, y, 200, 200, 50, 38 / 255.0f);
            }
        }
    }
    return flatten(p, l);
}

static apr_status_t image_release(void *data)
{
    gdImageDestroy((gdImagePtr)data);
    return APR_SUCCESS;
}

qnft_overlay *qnft_overlay_text(apr_pool_t *p, int w, int h, const char *const *lines,
                                int nlines)
{
    gdFontPtr font = w >= 320 ? gdFontGetLarge() : w >= 120 ? gdFontGetSmall() : gdFontGetTiny();
    const int pad = 5, gap = 2;
    int i, x, y, shown = 0, tw = 0, th, white;
    layer *l = layer_make(p, w, h);
    gdImagePtr im;

    for (i = 0; i < nlines; i++) {
        if (lines[i]) {
            int lw = (int)strlen(lines[i]) * font->w;
            if (lw > tw) tw = lw;
            shown++;
        }
    }
    if (!shown) {
        return flatten(p, l);
    }
    th = shown * font->h + (shown - 1) * gap;
    /* Text drawn into a scratch image with a 1-px border for the outline. */
    im = gdImageCreate(tw + 2, th + 2);
    if (!im) {
        return flatten(p, l);
    }
    apr_pool_cleanup_register(p, im, image_release, apr_pool_cleanup_null);
    gdImageColorAllocate(im, 0, 0, 0);
    white = gdImageColorAllocate(im, 255, 255, 255);
    for (i = 0, y = 1; i < nlines; i++) {
        if (lines[i]) {
            gdImageString(im, font, 1, y, (unsigned char *)lines[i], white);
            y += font->h + gap;
        }
    }
    {
        int ox = pad - 1, oy = h - pad - th - 1;     /* frame position of im's (0,0) */
        for (y = 0; y < th + 2; y++) {
            for (x = 0; x < tw + 2; x++) {
                int dx, dy, near = 0;
                if (gdImageGetPixel(im, x, y) == white) {
                    layer_put(l, ox + x, oy + y, 255, 255, 255, 1.0f);
                    continue;
                }
                for (dy = -1; dy <= 1 && !near; dy++) {
                    for (dx = -1; dx <= 1 && !near; dx++) {
                        near = gdImageBoundsSafe(im, x + dx, y + dy)
                               && gdImageGetPixel(im, x + dx, y + dy) == white;
                    }
                }
                if (near) {
                    layer_put(l, ox + x, oy + y, 0, 0, 0, 1.0f);
                }
            }
        }
    }
    apr_pool_cleanup_run(p, im, image_release);
    return flatten(p, l);
}

void qnft_overlay_apply(const qnft_overlay *o, qnft_rgb *frame)
{
    int i;
    for (i = 0; i < o->n; i++) {
        const qnft_overlay_px *q = &o->px[i];
        unsigned char *d = frame->px + (size_t)q->offset * 3;
        int k;
        for (k = 0; k < 3; k++) {
            int v = q->rgb[k] + (d[k] * q->keep + 127) / 255;
            d[k] = (unsigned char)(v > 255 ? 255 : v);     /* two roundings may add 1 */
        }
    }
}
