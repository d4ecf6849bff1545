/* Layers drawn over the frames, computed once per animation and applied
 * to every frame as a sparse list of pixels: the "quantum surroundings"
 * (magenta diagonals, yellow frame) and the text block (libgd's bitmap
 * font, white with a 1-px black outline, bottom-left). */
#ifndef QNFT_OVERLAY_H
#define QNFT_OVERLAY_H

#include <apr_pools.h>

#include "image/qnft_raster.h"

typedef struct {
    apr_uint32_t offset;          /* pixel index in the frame */
    unsigned char rgb[3];         /* colour premultiplied by alpha (0..255) */
    unsigned char keep;           /* 255 - alpha: how much of the frame shows through */
} qnft_overlay_px;

typedef struct {
    int n;
    qnft_overlay_px *px;
} qnft_overlay;

/* The original's surroundings for a w x h frame. */
qnft_overlay *qnft_overlay_surroundings(apr_pool_t *p, int w, int h);

/* Up to nlines lines of text (NULL entries skipped) at the bottom-left,
 * 5 px from the edges; the font size follows the frame width. */
qnft_overlay *qnft_overlay_text(apr_pool_t *p, int w, int h, const char *const *lines,
                                int nlines);

void qnft_overlay_apply(const qnft_overlay *o, qnft_rgb *frame);

#endif
