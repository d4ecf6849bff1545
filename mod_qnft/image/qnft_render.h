/* The quantum GIF: a styled animation of a picture with a text overlay,
 * rendered frame by frame straight into the GIF encoder, so memory holds
 * a few frames whatever the frame count. Same inputs, same bytes. */
#ifndef QNFT_RENDER_H
#define QNFT_RENDER_H

#include <apr_pools.h>
#include <apr_time.h>

#include "image/qnft_gifenc.h"
#include "image/qnft_raster.h"
#include "image/qnft_styles.h"

#define QNFT_OVERLAY_LINES 3

typedef struct {
    qnft_style style;
    int frames;                                   /* >= 2 */
    int delay_ms;                                 /* per frame */
    const char *lines[QNFT_OVERLAY_LINES];        /* overlay text; NULL: none */
    unsigned char seed[32];                       /* the image's SHA-256 */
    apr_time_t deadline;                          /* 0: no time budget */
    int measure;                                  /* compute PSNR (costs ~10%) */
} qnft_render_opts;

typedef struct {
    int width, height, frames, colors;
    apr_off_t bytes;
    double psnr_mean;       /* dB, GIF frames as shown vs. truecolor frames */
    double psnr_min;
} qnft_render_stats;

/* The three overlay lines of the original: "BTC/USDC: 12345.67" (or N/A
 * when the price is unknown: NULL), "SOL/USDC: ...", "YYYY-mm-dd HH:MM:SS UTC". */
void qnft_render_caption(apr_pool_t *p, const double *btc_usdc, const double *sol_usdc,
                         apr_time_t when, const char **lines);

/* Renders src (already upright and downscaled) to write. Returns
 * APR_TIMEUP when the deadline passes between frames, or the writer's
 * error. */
apr_status_t qnft_render_gif(apr_pool_t *p, const qnft_rgb *src, const qnft_render_opts *o,
                             qnft_gif_write_fn *write, void *baton, qnft_render_stats *st);

#endif
