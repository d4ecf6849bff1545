#include <math.h>
#include <string.h>
#include <apr_strings.h>

#include "image/qnft_overlay.h"
#include "image/qnft_palette.h"
#include "image/qnft_render.h"

#define PALETTE_SAMPLES 5

static void render_frame(qnft_styler *sty, const qnft_overlay *text, int i, qnft_rgb *out)
{
    qnft_styler_frame(sty, i, out);
    qnft_overlay_apply(text, out);
}

apr_status_t qnft_render_gif(apr_pool_t *p, const qnft_rgb *src, const qnft_render_opts *o,
                             qnft_gif_write_fn *write, void *baton, qnft_render_stats *st)
{
    apr_pool_t *tp;
    qnft_styler *sty;
    qnft_overlay *text;
    qnft_palette *pal;
    qnft_gifenc *enc;
    qnft_rgb *frame, *samples[PALETTE_SAMPLES];
    unsigned char *canvas, *idx;
    size_t np = (size_t)src->w * (size_t)src->h, j;
    int n = o->frames < 2 ? 2 : o->frames;
    int delay_cs = (o->delay_ms + 5) / 10, i, x, y, x0, y0, x1, y1, any_keep;
    long keep;
    double psnr_sum = 0, psnr_min = 1e9;
    apr_status_t rv;

    if (delay_cs < 2) {
        delay_cs = 2;       /* browsers stretch shorter delays to 100 ms */
    }
    apr_pool_create(&tp, p);
    sty = qnft_styler_make(tp, o->style, src, n, o->seed);
    text = qnft_overlay_text(tp, src->w, src->h, o->lines, QNFT_OVERLAY_LINES);
    keep = qnft_styler_keep_threshold(sty);

    /* One palette for the whole loop, from frames spread over it. */
    for (i = 0; i < PALETTE_SAMPLES; i++) {
        samples[i] = qnft_rgb_make(tp, src->w, src->h);
        render_frame(sty, text, (int)((long)i * (n - 1) / (PALETTE_SAMPLES - 1)), samples[i]);
    }
    pal = qnft_palette_build(tp, samples, PALETTE_SAMPLES, 255);

    frame = samples[0];                      /* reused as the working frame */
    canvas = apr_palloc(tp, np);
    idx = apr_palloc(tp, np);
    enc = qnft_gifenc_begin(tp, src->w, src->h, pal->rgb, pal->n, 0, write, baton, &rv);
    for (i = 0; rv == APR_SUCCESS && i < n; i++) {
        const unsigned char *c = frame->px;
        apr_uint64_t sq = 0;

        if (o->deadline && apr_time_now() > o->deadline) {
            rv = APR_TIMEUP;
            break;
        }
        render_frame(sty, text, i, frame);
        x0 = src->w; y0 = src->h; x1 = y1 = -1; any_keep = 0;
        for (y = 0, j = 0; y < src->h; y++) {
            int first = -1, last = -1;
            for (x = 0; x < src->w; x++, j++, c += 3) {
                int q = qnft_palette_index(pal, c);
                if (i == 0 || q != canvas[j]) {
                    /* keep what the viewer sees while it is close enough:
                     * unchanged pixels cost almost nothing to encode */
                    const unsigned char *s = pal->rgb + canvas[j] * 3;
                    long dr = c[0] - s[0], dg = c[1] - s[1], db = c[2] - s[2];
                    if (i == 0 || 3 * dr * dr + 4 * dg * dg + 2 * db * db > keep) {
                        idx[j] = canvas[j] = (unsigned char)q;
                        if (first < 0) first = x;
                        last = x;
                        continue;
                    }
                }
                idx[j] = QNFT_GIF_KEEP;
                any_keep = 1;
            }
            if (first >= 0) {
                if (first < x0) x0 = first;
                if (last > x1) x1 = last;
                if (y < y0) y0 = y;
                y1 = y;
            }
        }
        if (o->measure) {
            c = frame->px;
            for (j = 0; j < np; j++, c += 3) {
                const unsigned char *s = pal->rgb + canvas[j] * 3;
                int dr = c[0] - s[0], dg = c[1] - s[1], db = c[2] - s[2];
                sq += (apr_uint64_t)(dr * dr + dg * dg + db * db);
            }
        }
        if (o->measure) {
            double mse = (double)sq / (double)(np * 3);
            double psnr = mse > 0 ? 10.0 * log10(255.0 * 255.0 / mse) : 99.0;
            psnr_sum += psnr;
            if (psnr < psnr_min) psnr_min = psnr;
        }
        rv = qnft_gifenc_add_rect(enc, idx, x0, y0, x1, y1, any_keep, delay_cs);
    }
    if (rv == APR_SUCCESS) {
        rv = qnft_gifenc_end(enc);
    }
    if (st) {
        st->width = src->w;
        st->height = src->h;
        st->frames = n;
        st->colors = pal->n;
        st->bytes = qnft_gifenc_bytes(enc);
        st->psnr_mean = o->measure ? psnr_sum / n : 0;
        st->psnr_min = o->measure ? psnr_min : 0;
    }
    apr_pool_destroy(tp);
    return rv;
}

void qnft_render_caption(apr_pool_t *p, const double *btc_usdc, const double *sol_usdc,
                         apr_time_t when, const char **lines)
{
    apr_time_exp_t tm;
    char stamp[32];
    apr_size_t len = 0;

    lines[0] = btc_usdc ? apr_psprintf(p, "BTC/USDC: %.2f", *btc_usdc) : "BTC/USDC: N/A";
    lines[1] = sol_usdc ? apr_psprintf(p, "SOL/USDC: %.2f", *sol_usdc) : "SOL/USDC: N/A";
    apr_time_exp_gmt(&tm, when);
    apr_strftime(stamp, &len, sizeof(stamp), "%Y-%m-%d %H:%M:%S UTC", &tm);
    lines[2] = apr_pstrndup(p, stamp, len);
}
