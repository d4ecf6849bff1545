/* The animated styles: each turns the prepared source picture into frame
 * i of n. Everything a style needs across frames is computed once in its
 * setup; frames are then independent, so they can be made one at a time
 * and streamed to the encoder. Randomness comes from the image's hash. */
#ifndef QNFT_STYLES_H
#define QNFT_STYLES_H

#include <apr_pools.h>

#include "image/qnft_raster.h"

typedef enum {
    QNFT_STYLE_DEFAULT = 0,    /* the original: sepia-grey blend, surroundings, zoom */
    QNFT_STYLE_NOISE,          /* quantum grain flickering over the colour photo */
    QNFT_STYLE_KALEIDOSCOPE,   /* mirrored wedges rotating about the centre */
    QNFT_STYLE_WAVE_WARP,      /* sinusoidal displacement travelling across */
    QNFT_STYLE_COUNT
} qnft_style;

const char *qnft_style_name(qnft_style s);
/* Returns 0 and sets *s when name is a style. */
int qnft_style_parse(const char *name, qnft_style *s);
/* "default, noise, kaleidoscope, wave_warp" */
const char *qnft_style_list(void);

typedef struct qnft_styler qnft_styler;

qnft_styler *qnft_styler_make(apr_pool_t *p, qnft_style style, const qnft_rgb *src,
                              int frames, const unsigned char *seed32);

/* Frame i (0 <= i < frames) into out (same size as src), before text. */
void qnft_styler_frame(qnft_styler *s, int i, qnft_rgb *out);

/* How far (weighted squared RGB distance) a pixel may drift from what the
 * viewer already sees before the encoder sends it again. */
long qnft_styler_keep_threshold(const qnft_styler *s);

#endif
