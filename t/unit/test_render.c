/* The GIF renderer: file structure, each style's effect, determinism,
 * palette quality, and the raster helpers it stands on. */
#include <math.h>
#include <string.h>
#include <apr_strings.h>
#include <gd.h>
#include <zlib.h>

#include "qnft_unit.h"
#include "image/qnft_decode.h"
#include "image/qnft_raster.h"
#include "image/qnft_render.h"
#include "image/qnft_styles.h"

static apr_pool_t *pool;

static void setup(void)
{
    apr_pool_create(&pool, NULL);
    qnft_decode_init();     /* as post_config does: libgd's messages reach qnft_decode */
}

static void teardown(void)
{
    apr_pool_destroy(pool);
}

typedef struct {
    unsigned char *data;
    apr_size_t len, cap;
} buf;

static apr_status_t buf_write(void *baton, const void *data, apr_size_t len)
{
    buf *b = baton;
    if (b->len + len > b->cap) {
        apr_size_t cap = (b->len + len) * 2;
        unsigned char *d = apr_palloc(pool, cap);
        if (b->len) {
            memcpy(d, b->data, b->len);
        }
        b->data = d;
        b->cap = cap;
    }
    memcpy(b->data + b->len, data, len);
    b->len += len;
    return APR_SUCCESS;
}

/* A photo-like picture: a grey ramp lit from one side, a red disc and a
 * blue block, so every direction has structure but the colours are few
 * families, as in a photo. */
static qnft_rgb *test_picture(int w, int h)
{
    qnft_rgb *img = qnft_rgb_make(pool, w, h);
    int x, y;
    for (y = 0; y < h; y++) {
        for (x = 0; x < w; x++) {
            unsigned char *p = img->px + ((size_t)y * (size_t)w + (size_t)x) * 3;
            int dx = x - w / 3, dy = y - h / 3;
            int grey = 40 + (x * 150 / w + y * 60 / h);
            if (dx * dx + dy * dy < (w / 5) * (w / 5)) {
                p[0] = (unsigned char)(200 + dx / 2); p[1] = 40; p[2] = 30;
            }
            else if (x > w * 2 / 3 && y > h / 2) {
                p[0] = 30; p[1] = 60; p[2] = (unsigned char)(150 + y * 80 / h);
            }
            else {
                p[0] = p[1] = p[2] = (unsigned char)grey;
            }
        }
    }
    return img;
}

static void render(qnft_style style, const qnft_rgb *img, int frames, buf *out,
                   qnft_render_stats *st, unsigned char seedbyte)
{
    qnft_render_opts o;
    memset(&o, 0, sizeof(o));
    memset(out, 0, sizeof(*out));
    o.style = style;
    o.frames = frames;
    o.delay_ms = 100;
    o.measure = 1;
    memset(o.seed, seedbyte, sizeof(o.seed));
    qnft_render_caption(pool, NULL, NULL, apr_time_from_sec(1764763200), o.lines);
    ck_assert_int_eq(qnft_render_gif(pool, img, &o, buf_write, out, st), APR_SUCCESS);
}

/* Walk the GIF's blocks: frame count, delays, loop count, frame rects. */
typedef struct {
    int w, h, frames, loops, delays_ok, rects_ok;
} gif_walk;

static gif_walk walk(const buf *b, int want_delay)
{
    gif_walk g = { 0, 0, 0, -1, 1, 1 };
    const unsigned char *p = b->data, *end = b->data + b->len;
    ck_assert(b->len > 13 + 768);
    ck_assert(memcmp(p, "GIF89a", 6) == 0);
    g.w = p[6] | p[7] << 8;
    g.h = p[8] | p[9] << 8;
    ck_assert_int_eq(p[10] & 0x80, 0x80);            /* global colour table */
    p += 13 + 3 * (2 << (p[10] & 7));
    while (p < end && *p != 0x3b) {
        if (p[0] == 0x21 && p[1] == 0xff) {
            ck_assert(memcmp(p + 3, "NETSCAPE2.0", 11) == 0);
            g.loops = p[16] | p[17] << 8;
            p += 2;
        }
        else if (p[0] == 0x21 && p[1] == 0xf9) {
            if ((p[4] | p[5] << 8) != want_delay) g.delays_ok = 0;
            p += 2;
        }
        else if (p[0] == 0x2c) {
            int x = p[1] | p[2] << 8, y = p[3] | p[4] << 8;
            int fw = p[5] | p[6] << 8, fh = p[7] | p[8] << 8;
            if (x + fw > g.w || y + fh > g.h || fw < 1 || fh < 1) g.rects_ok = 0;
            g.frames++;
            p += 10 + 1;                              /* descriptor, LZW code size */
        }
        else if (p[0] == 0x21) {
            p += 2;
        }
        else {
            ck_abort_msg("unexpected block 0x%02x", p[0]);
        }
        while (p < end && *p) {                       /* data sub-blocks */
            p += *p + 1;
        }
        p++;
    }
    ck_assert(p < end && *p == 0x3b);                 /* trailer */
    return g;
}

START_TEST(test_structure_of_every_style)
{
    qnft_rgb *img = test_picture(96, 64);
    int s;
    for (s = 0; s < QNFT_STYLE_COUNT; s++) {
        buf b;
        qnft_render_stats st;
        gif_walk g;
        render((qnft_style)s, img, 12, &b, &st, 7);
        g = walk(&b, 10);
        ck_assert_int_eq(g.w, 96);
        ck_assert_int_eq(g.h, 64);
        ck_assert_int_eq(g.frames, 12);
        ck_assert_int_eq(g.loops, 0);                /* forever */
        ck_assert(g.delays_ok);
        ck_assert(g.rects_ok);
        ck_assert_int_eq(st.frames, 12);
        ck_assert_int_eq((int)st.bytes, (int)b.len);
        /* a tiny picture with 12 big sepia steps: harder than a photo;
         * 30 dB on the real photos is checked by the integration tests */
        ck_assert_msg(st.psnr_mean >= 28.0, "style %s psnr %.2f", qnft_style_name(s), st.psnr_mean);
    }
}
END_TEST

START_TEST(test_same_inputs_same_bytes)
{
    qnft_rgb *img = test_picture(80, 80);
    int s;
    for (s = 0; s < QNFT_STYLE_COUNT; s++) {
        buf a, b;
        qnft_render_stats st;
        render((qnft_style)s, img, 8, &a, &st, 1);
        render((qnft_style)s, img, 8, &b, &st, 1);
        ck_assert_uint_eq(a.len, b.len);
        ck_assert(memcmp(a.data, b.data, a.len) == 0);
    }
}
END_TEST

START_TEST(test_noise_follows_the_seed)
{
    qnft_rgb *img = test_picture(80, 80);
    buf a, b, c;
    qnft_render_stats st;
    render(QNFT_STYLE_NOISE, img, 8, &a, &st, 1);
    render(QNFT_STYLE_NOISE, img, 8, &b, &st, 2);
    ck_assert(a.len != b.len || memcmp(a.data, b.data, a.len) != 0);
    /* the kaleidoscope has no randomness: the seed changes nothing */
    render(QNFT_STYLE_KALEIDOSCOPE, img, 8, &a, &st, 1);
    render(QNFT_STYLE_KALEIDOSCOPE, img, 8, &c, &st, 2);
    ck_assert(a.len == c.len && memcmp(a.data, c.data, a.len) == 0);
}
END_TEST

static const unsigned char *px(const qnft_rgb *img, int x, int y)
{
    return img->px + ((size_t)y * (size_t)img->w + (size_t)x) * 3;
}

START_TEST(test_default_turns_sepia)
{
    /* a white picture: grey stays white, then blends to 0.4 white + 0.6 sepia */
    qnft_rgb *img = qnft_rgb_make(pool, 100, 100), *out = qnft_rgb_make(pool, 100, 100);
    unsigned char seed[32] = { 0 };
    qnft_styler *s;
    const unsigned char *c;
    memset(img->px, 255, 100 * 100 * 3);
    s = qnft_styler_make(pool, QNFT_STYLE_DEFAULT, img, 50, seed);
    qnft_styler_frame(s, 0, out);
    c = px(out, 50, 10);                 /* off the diagonals and the frame */
    ck_assert_int_eq(c[0], 255);
    ck_assert_int_eq(c[1], 255);
    ck_assert_int_eq(c[2], 255);
    qnft_styler_frame(s, 49, out);
    c = px(out, 50, 10);
    ck_assert_int_le(abs(c[0] - 169), 1);     /* 0.4 * 255 + 0.6 * 112 */
    ck_assert_int_le(abs(c[1] - 142), 1);     /* 0.4 * 255 + 0.6 * 66 */
    ck_assert_int_le(abs(c[2] - 114), 1);     /* 0.4 * 255 + 0.6 * 20 */
    /* the first magenta diagonal runs from the top-left corner */
    c = px(out, 0, 0);
    ck_assert(c[0] > c[1] && c[2] > c[1]);
}
END_TEST

START_TEST(test_default_zooms_and_returns)
{
    qnft_rgb *img = test_picture(120, 90);
    qnft_rgb *a = qnft_rgb_make(pool, 120, 90), *b = qnft_rgb_make(pool, 120, 90);
    unsigned char seed[32] = { 0 };
    qnft_styler *s = qnft_styler_make(pool, QNFT_STYLE_DEFAULT, img, 50, seed);
    /* the zoom is 1 + 0.03 sin(pi i / n): symmetric about the middle frame,
     * so frames 10 and 40 differ only by the sepia blend, not geometry;
     * frame 25 is zoomed 3%: its corner shows what was further in */
    int j, same = 0, n = 120 * 90;
    double a10 = 0.6 * 10 / 49, a40 = 0.6 * 40 / 49;
    qnft_styler_frame(s, 10, a);
    qnft_styler_frame(s, 40, b);
    /* frames 10 and 40 share the zoom (sin is symmetric about the middle):
     * undoing each one's sepia blend gives back the same grey picture,
     * except under the overlay lines */
    for (j = 0; j < n; j++) {
        double ga = (a->px[j * 3] - 112 * a10) / (1 - a10);
        double gb = (b->px[j * 3] - 112 * a40) / (1 - a40);
        same += fabs(ga - gb) <= 3.0;
    }
    ck_assert_int_gt(same, n * 8 / 10);
    /* the middle frame is zoomed in 3%: a pixel near the edge now shows
     * what was 3% closer to the centre in frame 0 */
    qnft_styler_frame(s, 0, a);
    qnft_styler_frame(s, 25, b);
    ck_assert(memcmp(a->px, b->px, 120 * 90 * 3) != 0);
}
END_TEST

START_TEST(test_kaleidoscope_is_mirror_symmetric)
{
    qnft_rgb *img = test_picture(101, 77);
    qnft_rgb *out = qnft_rgb_make(pool, 101, 77);
    unsigned char seed[32] = { 0 };
    qnft_styler *s = qnft_styler_make(pool, QNFT_STYLE_KALEIDOSCOPE, img, 40, seed);
    int x, y, differ = 0;
    qnft_styler_frame(s, 0, out);
    for (y = 0; y < 77; y++) {
        for (x = 0; x < 101; x++) {
            ck_assert(memcmp(px(out, x, y), px(out, x, 76 - y), 3) == 0);
        }
    }
    /* and it rotates: a later frame is not the first */
    {
        qnft_rgb *later = qnft_rgb_make(pool, 101, 77);
        qnft_styler_frame(s, 10, later);
        for (y = 0; y < 77; y++)
            for (x = 0; x < 101; x++)
                differ += memcmp(px(out, x, y), px(later, x, y), 3) != 0;
        ck_assert_int_gt(differ, 101 * 77 / 4);
    }
}
END_TEST

START_TEST(test_wave_warp_travels)
{
    qnft_rgb *img = test_picture(90, 90);
    qnft_rgb *a = qnft_rgb_make(pool, 90, 90), *b = qnft_rgb_make(pool, 90, 90);
    unsigned char seed[32] = { 0 };
    qnft_styler *s = qnft_styler_make(pool, QNFT_STYLE_WAVE_WARP, img, 20, seed);
    int j, moved = 0;
    qnft_styler_frame(s, 0, a);
    qnft_styler_frame(s, 10, b);
    for (j = 0; j < 90 * 90 * 3; j++) {
        moved += a->px[j] != b->px[j];
    }
    ck_assert_int_gt(moved, 90 * 90);
    /* a displacement, not a recolouring: the picture's colours are kept */
    ck_assert(memcmp(a->px, img->px, 90 * 90 * 3) != 0);
}
END_TEST

START_TEST(test_noise_is_grain_around_the_picture)
{
    qnft_rgb *img = qnft_rgb_make(pool, 64, 64), *out = qnft_rgb_make(pool, 64, 64);
    unsigned char seed[32] = { 9 };
    qnft_styler *s;
    long sum = 0;
    int j, changed = 0;
    memset(img->px, 128, 64 * 64 * 3);
    s = qnft_styler_make(pool, QNFT_STYLE_NOISE, img, 20, seed);
    qnft_styler_frame(s, 3, out);
    for (j = 0; j < 64 * 64 * 3; j++) {
        sum += out->px[j];
        changed += out->px[j] != 128;
    }
    ck_assert_int_gt(changed, 64 * 64);                   /* grain everywhere */
    ck_assert_int_le(labs(sum / (64 * 64 * 3) - 128), 6); /* around the picture */
}
END_TEST

START_TEST(test_first_frame_decodes_close_to_truecolor)
{
    qnft_rgb *img = test_picture(128, 96), *frame = qnft_rgb_make(pool, 128, 96);
    unsigned char seed[32] = { 7 };
    qnft_styler *s = qnft_styler_make(pool, QNFT_STYLE_WAVE_WARP, img, 6, seed);
    buf b;
    qnft_render_stats st;
    gdImagePtr im;
    double se = 0;
    int x, y, k;

    render(QNFT_STYLE_WAVE_WARP, img, 6, &b, &st, 7);
    im = gdImageCreateFromGifPtr((int)b.len, b.data);     /* an independent decoder */
    ck_assert_ptr_nonnull(im);
    ck_assert_int_eq(gdImageSX(im), 128);
    qnft_styler_frame(s, 0, frame);
    for (y = 0; y < 40; y++) {                 /* above the text block */
        for (x = 0; x < 128; x++) {
            int c = gdImageGetPixel(im, x, y);
            int rgb[3] = { gdImageRed(im, c), gdImageGreen(im, c), gdImageBlue(im, c) };
            for (k = 0; k < 3; k++) {
                double d = rgb[k] - px(frame, x, y)[k];
                se += d * d;
            }
        }
    }
    gdImageDestroy(im);
    se /= 128.0 * 40 * 3;
    ck_assert_msg(10 * log10(255.0 * 255.0 / (se + 1e-9)) > 30.0, "mse %.2f", se);
}
END_TEST

static void read_rows(void *baton, int y, unsigned char *rgb)
{
    const qnft_rgb *img = baton;
    memcpy(rgb, img->px + (size_t)y * (size_t)img->w * 3, (size_t)img->w * 3);
}

START_TEST(test_fit_downscales_by_area)
{
    qnft_rgb *img = qnft_rgb_make(pool, 400, 200), *small;
    int x, y, j;
    for (y = 0; y < 200; y++)
        for (x = 0; x < 400; x++)
            memset(img->px + ((size_t)y * 400 + (size_t)x) * 3, ((x + y) & 1) ? 255 : 0, 3);
    small = qnft_rgb_fit(pool, 400, 200, read_rows, img, 200);
    ck_assert_int_eq(small->w, 200);
    ck_assert_int_eq(small->h, 100);
    for (j = 0; j < 200 * 100 * 3; j++) {
        ck_assert_int_le(abs(small->px[j] - 128), 1);
    }
    /* small enough already: copied as it is */
    small = qnft_rgb_fit(pool, 400, 200, read_rows, img, 512);
    ck_assert_int_eq(small->w, 400);
    ck_assert(memcmp(small->px, img->px, 400 * 200 * 3) == 0);
}
END_TEST

START_TEST(test_orientation)
{
    /* 3x2 picture, pixel values = index; EXIF 6 turns it 90 degrees clockwise */
    qnft_rgb *img = qnft_rgb_make(pool, 3, 2), *r;
    int j;
    for (j = 0; j < 6; j++) memset(img->px + j * 3, j, 3);
    r = qnft_rgb_orient(pool, img, 6);
    ck_assert_int_eq(r->w, 2);
    ck_assert_int_eq(r->h, 3);
    /* the left column, bottom to top, becomes the top row */
    ck_assert_int_eq(px(r, 0, 0)[0], 3);
    ck_assert_int_eq(px(r, 1, 0)[0], 0);
    ck_assert_int_eq(px(r, 1, 2)[0], 2);
    r = qnft_rgb_orient(pool, img, 3);
    ck_assert_int_eq(px(r, 0, 0)[0], 5);
    r = qnft_rgb_orient(pool, img, 8);
    ck_assert_int_eq(px(r, 0, 0)[0], 2);
    ck_assert_ptr_eq(qnft_rgb_orient(pool, img, 1), img);
}
END_TEST

START_TEST(test_decode_refuses_chunks_beyond_the_data)
{
    /* found by t/fuzz/run image: a 10x10 PNG whose next chunk declares
     * 2 GB made libpng allocate 2 GB before finding it missing */
    static const unsigned char bomb[] = {
        0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48,
        0x44, 0x52, 0x00, 0x00, 0x00, 0x0a, 0x00, 0x00, 0x00, 0x0a, 0x08, 0x03, 0x00, 0x00,
        0x00, 0xba, 0xec, 0x3f, 0x8f, 0x79, 0x00, 0x03, 0x00, 0x73, 0x50, 0x4c, 0x54, 0x45,
        0x42 };
    qnft_rgb *rgb;
    qnft_img_info info;
    ck_assert_int_eq(qnft_decode(pool, bomb, sizeof(bomb), 1000000, 64, &rgb, &info),
                     QNFT_DECODE_CORRUPT);
}
END_TEST

/* A noisy test picture through libgd's own encoders. */
static gdImagePtr noisy(int w, int h)
{
    gdImagePtr im = gdImageCreateTrueColor(w, h);
    unsigned int seed = 7;
    int x, y;
    for (y = 0; y < h; y++) {
        for (x = 0; x < w; x++) {
            seed = seed * 1103515245u + 12345u;
            gdImageSetPixel(im, x, y, gdTrueColor((int)(seed >> 24), x * 4 % 256, y * 4 % 256));
        }
    }
    return im;
}

static void png_chunk(buf *b, const char *type, const unsigned char *data, apr_size_t n)
{
    unsigned char hdr[8], crc[4];
    uLong c = crc32(0, (const Bytef *)type, 4);
    hdr[0] = (unsigned char)(n >> 24); hdr[1] = (unsigned char)(n >> 16);
    hdr[2] = (unsigned char)(n >> 8); hdr[3] = (unsigned char)n;
    memcpy(hdr + 4, type, 4);
    c = crc32(c, data, (uInt)n);
    crc[0] = (unsigned char)(c >> 24); crc[1] = (unsigned char)(c >> 16);
    crc[2] = (unsigned char)(c >> 8); crc[3] = (unsigned char)c;
    buf_write(b, hdr, 8);
    buf_write(b, data, n);
    buf_write(b, crc, 4);
}

/* A 100x100 grey PNG whose one zlib stream carries extra bytes of zeros
 * after the rows. */
static buf png_with_extra(apr_size_t extra)
{
    static const unsigned char sig[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
    static const unsigned char ihdr[13] = { 0, 0, 0, 100, 0, 0, 0, 100, 8, 0, 0, 0, 0 };
    apr_size_t raw_len = 101 * 100 + extra;
    unsigned char *raw = apr_pcalloc(pool, raw_len);
    uLongf zlen = compressBound((uLong)raw_len);
    unsigned char *z = apr_palloc(pool, zlen);
    buf b = { 0 };
    ck_assert_int_eq(compress2(z, &zlen, raw, (uLong)raw_len, 9), Z_OK);
    buf_write(&b, sig, 8);
    png_chunk(&b, "IHDR", ihdr, 13);
    png_chunk(&b, "IDAT", z, zlen);
    png_chunk(&b, "IEND", (const unsigned char *)"", 0);
    return b;
}

START_TEST(test_decode_refuses_inflate_bombs)
{
    /* found by test_hostile.py: libpng inflates all image data, needed or
     * not; 2 MB of compressed zeros behind a 100x100 picture cost 6 s */
    qnft_rgb *rgb;
    qnft_img_info info;
    buf fine = png_with_extra(0), bomb = png_with_extra((apr_size_t)32 << 20);

    ck_assert_int_eq(qnft_decode(pool, fine.data, fine.len, 1000000, 64, &rgb, &info),
                     QNFT_DECODE_OK);
    /* refused once the stream yields more than the rows, not after 32 MB */
    ck_assert_int_eq(qnft_decode(pool, bomb.data, bomb.len, 1000000, 64, &rgb, &info),
                     QNFT_DECODE_CORRUPT);
}
END_TEST

START_TEST(test_decode_refuses_cut_images)
{
    /* found by test_hostile.py: libgd shows a GIF cut inside its LZW data,
     * or with an impossible LZW code size, as a partly blank picture, and
     * with warnings off libjpeg fills a cut scan with grey */
    gdImagePtr im = noisy(64, 64);
    int glen = 0, jlen = 0;
    unsigned char *gif = gdImageGifPtr(im, &glen), *jpeg = gdImageJpegPtr(im, &jlen, 90);
    unsigned char *patched = apr_pmemdup(pool, gif, (apr_size_t)glen);
    apr_size_t lzw;
    qnft_rgb *rgb;
    qnft_img_info info;

    ck_assert_int_eq(qnft_decode(pool, gif, (apr_size_t)glen, 1000000, 64, &rgb, &info),
                     QNFT_DECODE_OK);
    ck_assert_int_eq(qnft_decode(pool, gif, (apr_size_t)glen * 2 / 3, 1000000, 64, &rgb, &info),
                     QNFT_DECODE_CORRUPT);
    /* libgd writes a global palette of 256 entries: the image descriptor
     * follows it, then the LZW minimum code size */
    lzw = 13 + 3 * 256;
    while (patched[lzw] != 0x2C) {
        lzw++;
    }
    lzw += 10;
    ck_assert_int_eq(patched[lzw], 8);
    patched[lzw] = 12;
    ck_assert_int_eq(qnft_decode(pool, patched, (apr_size_t)glen, 1000000, 64, &rgb, &info),
                     QNFT_DECODE_CORRUPT);
    ck_assert_int_eq(qnft_decode(pool, jpeg, (apr_size_t)jlen, 1000000, 64, &rgb, &info),
                     QNFT_DECODE_OK);
    ck_assert_int_eq(qnft_decode(pool, jpeg, (apr_size_t)jlen * 3 / 5, 1000000, 64, &rgb, &info),
                     QNFT_DECODE_CORRUPT);
    gdFree(gif);
    gdFree(jpeg);
    gdImageDestroy(im);
}
END_TEST

START_TEST(test_caption)
{
    const char *lines[3];
    double btc = 76497.126, sol = 231.5;
    qnft_render_caption(pool, &btc, &sol, apr_time_from_sec(1764763200), lines);
    ck_assert_str_eq(lines[0], "BTC/USDC: 76497.13");
    ck_assert_str_eq(lines[1], "SOL/USDC: 231.50");
    ck_assert_str_eq(lines[2], "2025-12-03 12:00:00 UTC");
    qnft_render_caption(pool, NULL, NULL, 0, lines);
    ck_assert_str_eq(lines[0], "BTC/USDC: N/A");
    ck_assert_str_eq(lines[1], "SOL/USDC: N/A");
}
END_TEST

START_TEST(test_style_names)
{
    qnft_style s;
    ck_assert_int_eq(qnft_style_parse("kaleidoscope", &s), 0);
    ck_assert_int_eq(s, QNFT_STYLE_KALEIDOSCOPE);
    ck_assert_int_eq(qnft_style_parse("Kaleidoscope", &s), -1);
    ck_assert_int_eq(qnft_style_parse("", &s), -1);
    ck_assert_str_eq(qnft_style_name(QNFT_STYLE_WAVE_WARP), "wave_warp");
}
END_TEST

Suite *qnft_suite_render(void)
{
    Suite *s = suite_create("render");
    TCase *tc = tcase_create("render");
    tcase_set_timeout(tc, 60);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_structure_of_every_style);
    tcase_add_test(tc, test_same_inputs_same_bytes);
    tcase_add_test(tc, test_noise_follows_the_seed);
    tcase_add_test(tc, test_default_turns_sepia);
    tcase_add_test(tc, test_default_zooms_and_returns);
    tcase_add_test(tc, test_kaleidoscope_is_mirror_symmetric);
    tcase_add_test(tc, test_wave_warp_travels);
    tcase_add_test(tc, test_noise_is_grain_around_the_picture);
    tcase_add_test(tc, test_first_frame_decodes_close_to_truecolor);
    tcase_add_test(tc, test_fit_downscales_by_area);
    tcase_add_test(tc, test_orientation);
    tcase_add_test(tc, test_decode_refuses_chunks_beyond_the_data);
    tcase_add_test(tc, test_decode_refuses_inflate_bombs);
    tcase_add_test(tc, test_decode_refuses_cut_images);
    tcase_add_test(tc, test_caption);
    tcase_add_test(tc, test_style_names);
    suite_add_tcase(s, tc);
    return s;
}
