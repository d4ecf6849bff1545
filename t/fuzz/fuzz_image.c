/* libFuzzer target: the image sniff and header probe (hostile headers),
 * then the libgd decode path behind it with a small pixel limit. */
#include <stdint.h>
#include <stdlib.h>
#include <apr_general.h>

#include "image/qnft_decode.h"
#include "image/qnft_probe.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
    static apr_pool_t *p;
    qnft_img_info info;
    qnft_rgb *rgb;
    qnft_probe_status st;

    if (!p) {
        apr_initialize();
        apr_pool_create(&p, NULL);
        qnft_decode_init();
    }
    st = qnft_img_probe(d, n, &info);
    if (st == QNFT_PROBE_OK && (info.width == 0 || info.height == 0)) abort();
    (void)qnft_img_sniff(d, n);
    /* what the GIF renderer does with an upload: decode (at most 65536 pixels)
     * and scale to at most 64 px a side, small to keep executions fast */
    if (st == QNFT_PROBE_OK && qnft_decode(p, d, n, 65536, 64, &rgb, &info) == QNFT_DECODE_OK) {
        if (rgb->w < 1 || rgb->h < 1 || rgb->w > 64 || rgb->h > 64) abort();
    }
    apr_pool_clear(p);
    return 0;
}
