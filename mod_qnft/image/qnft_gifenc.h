/* A streaming GIF89a writer: global palette, infinite loop, one frame at a
 * time (the caller never holds more than the current frame), frames
 * cropped to the pixels that changed, LZW with 12-bit codes. */
#ifndef QNFT_GIFENC_H
#define QNFT_GIFENC_H

#include <apr_pools.h>

/* Index meaning "leave the previous pixel": the transparent colour. */
#define QNFT_GIF_KEEP 255

typedef apr_status_t qnft_gif_write_fn(void *baton, const void *data, apr_size_t len);

typedef struct qnft_gifenc qnft_gifenc;

/* pal: ncolors (<= 255) RGB triples. loops: 0 = forever. */
qnft_gifenc *qnft_gifenc_begin(apr_pool_t *p, int w, int h, const unsigned char *pal,
                               int ncolors, int loops, qnft_gif_write_fn *write, void *baton,
                               apr_status_t *rv);

/* A whole-canvas frame of w*h indices; QNFT_GIF_KEEP where nothing changes.
 * delay in hundredths of a second. */
apr_status_t qnft_gifenc_add(qnft_gifenc *e, const unsigned char *idx, int delay_cs);

/* The same when the caller already knows the rectangle (x0,y0)-(x1,y1)
 * (inclusive) outside which every index is QNFT_GIF_KEEP, and whether any
 * inside is; x1 < 0 means nothing changed. */
apr_status_t qnft_gifenc_add_rect(qnft_gifenc *e, const unsigned char *idx, int x0, int y0,
                                  int x1, int y1, int any_keep, int delay_cs);

apr_status_t qnft_gifenc_end(qnft_gifenc *e);

/* Bytes written so far. */
apr_off_t qnft_gifenc_bytes(const qnft_gifenc *e);

#endif
