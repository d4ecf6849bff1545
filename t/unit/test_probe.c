/* Unit tests for qnft_probe: type sniffing and header probing.
 *
 * Every input is built byte by byte here, so the tests need no files. The
 * prefix and mutation tests copy each input into a heap block of exactly
 * its length, so that a read past the end shows up under valgrind/ASan.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "image/qnft_probe.h"
#include "qnft_unit.h"

/* ------------------------------------------------------------ byte builder */

typedef struct {
    unsigned char *d;
    size_t n, cap;
} bb;

static bb *bb_new(void)
{
    bb *b = calloc(1, sizeof(*b));
    ck_assert_ptr_nonnull(b);
    b->cap = 256;
    b->d = malloc(b->cap);
    ck_assert_ptr_nonnull(b->d);
    return b;
}

static void bb_free(bb *b)
{
    free(b->d);
    free(b);
}

static void put(bb *b, const void *p, size_t n)
{
    if (b->n + n > b->cap) {
        while (b->n + n > b->cap)
            b->cap *= 2;
        b->d = realloc(b->d, b->cap);
        ck_assert_ptr_nonnull(b->d);
    }
    memcpy(b->d + b->n, p, n);
    b->n += n;
}

static void put8(bb *b, unsigned v)
{
    unsigned char c = (unsigned char)(v & 0xFF);
    put(b, &c, 1);
}

static void fill(bb *b, unsigned v, size_t n)
{
    while (n--)
        put8(b, v);
}

static void put16be(bb *b, unsigned long v) { put8(b, (unsigned)(v >> 8)); put8(b, (unsigned)v); }
static void put16le(bb *b, unsigned long v) { put8(b, (unsigned)v); put8(b, (unsigned)(v >> 8)); }
static void put24le(bb *b, unsigned long v) { put16le(b, v); put8(b, (unsigned)(v >> 16)); }
static void put32be(bb *b, unsigned long v) { put16be(b, v >> 16); put16be(b, v); }
static void put32le(bb *b, unsigned long v) { put16le(b, v); put16le(b, v >> 16); }
static void puts_(bb *b, const char *s) { put(b, s, strlen(s)); }

/* byte-order aware, for TIFF/EXIF */
static void put16o(bb *b, int little, unsigned long v)
{
    if (little) put16le(b, v); else put16be(b, v);
}

static void put32o(bb *b, int little, unsigned long v)
{
    if (little) put32le(b, v); else put32be(b, v);
}

/* Probe a heap copy of exactly n bytes (so over-reads are detectable). */
static qnft_probe_status probe_exact(const unsigned char *d, size_t n,
                                     qnft_img_info *info)
{
    unsigned char *c = malloc(n ? n : 1);
    qnft_probe_status st;
    ck_assert_ptr_nonnull(c);
    if (n)
        memcpy(c, d, n);
    st = qnft_img_probe(c, n, info);
    free(c);
    return st;
}

static qnft_probe_status probe_bb(const bb *b, qnft_img_info *info)
{
    return probe_exact(b->d, b->n, info);
}

#define ASSERT_INFO(inf, t, w, h, o, a) do {                    \
        ck_assert_int_eq((inf).type, (t));                      \
        ck_assert_uint_eq((inf).width, (w));                    \
        ck_assert_uint_eq((inf).height, (h));                   \
        ck_assert_int_eq((inf).orientation, (o));               \
        ck_assert_int_eq((inf).animated, (a));                  \
    } while (0)

/* After a failed probe: type as given, every other field at its default. */
#define ASSERT_FAILED(inf, t) ASSERT_INFO(inf, t, 0, 0, 1, 0)

/* -------------------------------------------------------------- samples */

static const unsigned char PNG_SIG[8] = { 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A };

/* PNG: signature, IHDR (optionally with a wrong length/type), IEND. */
static bb *mk_png_ex(unsigned long w, unsigned long h, unsigned long ihdr_len,
                     const char *type, unsigned depth, unsigned color,
                     unsigned interlace)
{
    bb *b = bb_new();
    put(b, PNG_SIG, 8);
    put32be(b, ihdr_len);
    puts_(b, type);
    put32be(b, w);
    put32be(b, h);
    put8(b, depth);
    put8(b, color);
    put8(b, 0);                 /* compression */
    put8(b, 0);                 /* filter */
    put8(b, interlace);
    put32be(b, 0xDEADBEEF);     /* CRC: not checked by the probe */
    put32be(b, 0);
    puts_(b, "IEND");
    put32be(b, 0xAE426082);
    return b;
}

static bb *mk_png(unsigned long w, unsigned long h)
{
    return mk_png_ex(w, h, 13, "IHDR", 8, 2, 0);
}

#define PNG_MIN 29              /* signature + chunk header + 13 IHDR bytes */

static void jpeg_seg(bb *b, unsigned marker, const bb *payload)
{
    put8(b, 0xFF);
    put8(b, marker);
    put16be(b, (payload ? payload->n : 0) + 2);
    if (payload)
        put(b, payload->d, payload->n);
}

static void jpeg_sof(bb *b, unsigned marker, unsigned w, unsigned h)
{
    unsigned i;
    bb *p = bb_new();
    put8(p, 8);                 /* precision */
    put16be(p, h);
    put16be(p, w);
    put8(p, 3);                 /* components */
    for (i = 1; i <= 3; i++) {
        put8(p, i);
        put8(p, i == 1 ? 0x22 : 0x11);
        put8(p, i == 1 ? 0 : 1);
    }
    jpeg_seg(b, marker, p);
    bb_free(p);
}

static void jpeg_app0_jfif(bb *b)
{
    bb *p = bb_new();
    put(p, "JFIF\0", 5);
    put8(p, 1); put8(p, 1); put8(p, 0);
    put16be(p, 72); put16be(p, 72);
    put8(p, 0); put8(p, 0);
    jpeg_seg(b, 0xE0, p);
    bb_free(p);
}

/* Everything after the frame header: DHT, SOS, a little scan data, EOI. */
static void jpeg_tail(bb *b)
{
    bb *p = bb_new();
    put8(p, 0x00);
    fill(p, 1, 16);
    put8(p, 0);
    jpeg_seg(b, 0xC4, p);
    bb_free(p);
    p = bb_new();
    put8(p, 1); put8(p, 1); put8(p, 0x00);
    put8(p, 0); put8(p, 63); put8(p, 0);
    jpeg_seg(b, 0xDA, p);
    bb_free(p);
    put8(b, 0x12); put8(b, 0xFF); put8(b, 0x00); put8(b, 0x34);
    put8(b, 0xFF); put8(b, 0xD9);
}

/* A realistic TIFF block: IFD0 with Make, Orientation, XResolution. */
static bb *mk_tiff(int little, unsigned long orient)
{
    bb *t = bb_new();
    put(t, little ? "II" : "MM", 2);
    put16o(t, little, 42);
    put32o(t, little, 8);                       /* IFD0 right after */
    put16o(t, little, 3);                       /* 3 entries, 8+2+36+4 = 50 */
    put16o(t, little, 0x010F); put16o(t, little, 2);   /* Make, ASCII */
    put32o(t, little, 6); put32o(t, little, 50);
    put16o(t, little, 0x0112); put16o(t, little, 3);   /* Orientation */
    put32o(t, little, 1); put16o(t, little, orient); put16o(t, little, 0);
    put16o(t, little, 0x011A); put16o(t, little, 5);   /* XResolution */
    put32o(t, little, 1); put32o(t, little, 56);
    put32o(t, little, 0);                       /* no IFD1 */
    put(t, "Canon\0", 6);
    put32o(t, little, 72); put32o(t, little, 1);
    return t;
}

static void jpeg_app1_exif_raw(bb *b, const bb *tiff)
{
    bb *p = bb_new();
    put(p, "Exif\0\0", 6);
    if (tiff)
        put(p, tiff->d, tiff->n);
    jpeg_seg(b, 0xE1, p);
    bb_free(p);
}

static void jpeg_app1_exif(bb *b, int little, unsigned long orient)
{
    bb *t = mk_tiff(little, orient);
    jpeg_app1_exif_raw(b, t);
    bb_free(t);
}

/* SOI, APP0, APP1 Exif, DQT, SOFn, tail. *sof_end: length that completes
 * the header. */
static bb *mk_jpeg_exif(int little, unsigned long orient, unsigned sof,
                        unsigned w, unsigned h, size_t *sof_end)
{
    bb *b = bb_new(), *q = bb_new();
    put8(b, 0xFF); put8(b, 0xD8);
    jpeg_app0_jfif(b);
    jpeg_app1_exif(b, little, orient);
    put8(q, 0); fill(q, 1, 64);
    jpeg_seg(b, 0xDB, q);
    bb_free(q);
    jpeg_sof(b, sof, w, h);
    if (sof_end)
        *sof_end = b->n;
    jpeg_tail(b);
    return b;
}

/* GIF header and screen descriptor with a 2-entry global table. */
static void gif_head(bb *b, const char *ver, unsigned w, unsigned h)
{
    puts_(b, ver);
    put16le(b, w);
    put16le(b, h);
    put8(b, 0x80);              /* GCT, 2 entries */
    put8(b, 0);
    put8(b, 0);
    fill(b, 0x00, 3); fill(b, 0xFF, 3);
}

/* One frame: GCE, image descriptor, a little LZW data. *desc_end (if not
 * NULL) receives the length at which the descriptor is complete. */
static void gif_frame(bb *b, unsigned left, unsigned top, unsigned w,
                      unsigned h, int local_table, size_t *desc_end)
{
    put8(b, 0x21); put8(b, 0xF9); put8(b, 4);
    put8(b, 0); put16le(b, 10); put8(b, 0); put8(b, 0);
    put8(b, 0x2C);
    put16le(b, left); put16le(b, top); put16le(b, w); put16le(b, h);
    if (local_table) {
        put8(b, 0x81);          /* LCT, 4 entries */
        if (desc_end)
            *desc_end = b->n;
        fill(b, 0x80, 12);
    } else {
        put8(b, 0);
        if (desc_end)
            *desc_end = b->n;
    }
    put8(b, 2);                 /* LZW min code size */
    put8(b, 3); put8(b, 0x44); put8(b, 0x01); put8(b, 0x05);
    put8(b, 2); put8(b, 0x00); put8(b, 0x00);
    put8(b, 0);
}

/* GIF: header, screen descriptor, optional NETSCAPE loop extension, n
 * frames covering the screen each preceded by a GCE, trailer. *desc_end:
 * length at which the first image descriptor is complete. */
static bb *mk_gif_ex(const char *ver, unsigned w, unsigned h, int frames,
                     int local_table, size_t *desc_end)
{
    int i;
    bb *b = bb_new();
    gif_head(b, ver, w, h);
    if (frames > 1) {
        put8(b, 0x21); put8(b, 0xFF); put8(b, 11);
        puts_(b, "NETSCAPE2.0");
        put8(b, 3); put8(b, 1); put16le(b, 0); put8(b, 0);
    }
    for (i = 0; i < frames; i++)
        gif_frame(b, 0, 0, w, h, local_table, i == 0 ? desc_end : NULL);
    put8(b, 0x3B);
    return b;
}

static bb *mk_gif(const char *ver, unsigned w, unsigned h, int frames,
                  int local_table)
{
    return mk_gif_ex(ver, w, h, frames, local_table, NULL);
}

static void riff_hdr(bb *b, unsigned long riff_size)
{
    puts_(b, "RIFF");
    put32le(b, riff_size);
    puts_(b, "WEBP");
}

/* Lossy WebP; the top two bits of each dimension are scaling bits. */
static bb *mk_webp_vp8_ex(unsigned w, unsigned h, unsigned long tag,
                          unsigned start0)
{
    bb *b = bb_new();
    riff_hdr(b, 4 + 8 + 20);
    puts_(b, "VP8 ");
    put32le(b, 20);
    put24le(b, tag);
    put8(b, start0); put8(b, 0x01); put8(b, 0x2A);
    put16le(b, w);
    put16le(b, h);
    fill(b, 0x5A, 10);
    return b;
}

/* key frame, version 0, show_frame, first partition 5 bytes */
#define VP8_TAG_OK (0x10UL | (5UL << 5))

static bb *mk_webp_vp8(unsigned w, unsigned h)
{
    return mk_webp_vp8_ex(w, h, VP8_TAG_OK, 0x9D);
}

static bb *mk_webp_vp8l_ex(unsigned long bits, unsigned sig)
{
    bb *b = bb_new();
    riff_hdr(b, 4 + 8 + 10);
    puts_(b, "VP8L");
    put32le(b, 10);
    put8(b, sig);
    put32le(b, bits);
    fill(b, 0x11, 5);
    return b;
}

static bb *mk_webp_vp8l(unsigned long w, unsigned long h, int alpha)
{
    return mk_webp_vp8l_ex((w - 1) | ((h - 1) << 14)
                           | ((unsigned long)(alpha != 0) << 28), 0x2F);
}

static bb *mk_webp_vp8x_ex(unsigned long w, unsigned long h, unsigned flags,
                           unsigned long chunk_size)
{
    bb *b = bb_new();
    riff_hdr(b, 4 + 8 + 10 + 8 + 6);
    puts_(b, "VP8X");
    put32le(b, chunk_size);
    put8(b, flags);
    fill(b, 0, 3);
    put24le(b, w - 1);
    put24le(b, h - 1);
    puts_(b, "ANIM");
    put32le(b, 6);
    fill(b, 0, 6);
    return b;
}

static bb *mk_webp_vp8x(unsigned long w, unsigned long h, unsigned flags)
{
    return mk_webp_vp8x_ex(w, h, flags, 10);
}

/* A RIFF chunk, padded to even as the format wants. */
static void riff_chunk(bb *b, const char *fourcc, const bb *payload)
{
    puts_(b, fourcc);
    put32le(b, payload->n);
    put(b, payload->d, payload->n);
    if (payload->n & 1)
        put8(b, 0);
}

/* Payloads of the chunks that may follow VP8X. */
static bb *vp8l_payload(unsigned long w, unsigned long h)
{
    bb *p = bb_new();
    put8(p, 0x2F);
    put32le(p, (w - 1) | ((h - 1) << 14));
    fill(p, 0x11, 5);
    return p;
}

static bb *vp8_payload(unsigned w, unsigned h)
{
    bb *p = bb_new();
    put24le(p, VP8_TAG_OK);
    put8(p, 0x9D); put8(p, 0x01); put8(p, 0x2A);
    put16le(p, w);
    put16le(p, h);
    fill(p, 0x5A, 10);
    return p;
}

static bb *raw_payload(size_t n)
{
    bb *p = bb_new();
    fill(p, 0x77, n);
    return p;
}

/* ANMF: offset (stored halved), size, duration, flags, frame chunks. */
static bb *anmf_payload(unsigned long x, unsigned long y, unsigned long w,
                        unsigned long h, const bb *frame)
{
    bb *p = bb_new();
    put24le(p, x / 2);
    put24le(p, y / 2);
    put24le(p, w - 1);
    put24le(p, h - 1);
    put24le(p, 100);
    put8(p, 0);
    if (frame)
        put(p, frame->d, frame->n);
    return p;
}

/* Append chunk fourcc with payload p to b, then free p. */
static void add_chunk(bb *b, const char *fourcc, bb *p)
{
    riff_chunk(b, fourcc, p);
    bb_free(p);
}

/* Extended WebP: VP8X with canvas w x h, then the given chunks; the RIFF
 * size covers exactly this. */
static bb *mk_webp_ext(unsigned long w, unsigned long h, unsigned flags,
                       const bb *chunks)
{
    bb *b = bb_new();
    riff_hdr(b, 4 + 8 + 10 + chunks->n);
    puts_(b, "VP8X");
    put32le(b, 10);
    put8(b, flags);
    fill(b, 0, 3);
    put24le(b, w - 1);
    put24le(b, h - 1);
    put(b, chunks->d, chunks->n);
    return b;
}

#define VP8X_MIN 30             /* RIFF header + complete VP8X chunk */

/* -------------------------------------------------------------- sniffing */

START_TEST(test_sniff)
{
    bb *b;
    static const unsigned char jpg[] = { 0xFF, 0xD8, 0xFF, 0xE0 };

    b = mk_png(1, 1);
    ck_assert_int_eq(qnft_img_sniff(b->d, b->n), QNFT_IMG_PNG);
    ck_assert_int_eq(qnft_img_sniff(b->d, 8), QNFT_IMG_PNG);
    ck_assert_int_eq(qnft_img_sniff(b->d, 7), QNFT_IMG_UNKNOWN);
    bb_free(b);
    ck_assert_int_eq(qnft_img_sniff(jpg, 4), QNFT_IMG_JPEG);
    ck_assert_int_eq(qnft_img_sniff(jpg, 2), QNFT_IMG_UNKNOWN);
    ck_assert_int_eq(qnft_img_sniff((const unsigned char *)"GIF87a", 6), QNFT_IMG_GIF);
    ck_assert_int_eq(qnft_img_sniff((const unsigned char *)"GIF89a", 6), QNFT_IMG_GIF);
    ck_assert_int_eq(qnft_img_sniff((const unsigned char *)"GIF88a", 6), QNFT_IMG_UNKNOWN);
    ck_assert_int_eq(qnft_img_sniff((const unsigned char *)"RIFF\0\0\0\0WEBPVP8 ", 16), QNFT_IMG_WEBP);
    ck_assert_int_eq(qnft_img_sniff((const unsigned char *)"RIFF\0\0\0\0WAVEfmt ", 16), QNFT_IMG_UNKNOWN);
    ck_assert_int_eq(qnft_img_sniff((const unsigned char *)"RIFF\0\0\0\0WEB", 11), QNFT_IMG_UNKNOWN);
    ck_assert_int_eq(qnft_img_sniff((const unsigned char *)"<svg xmlns=\"x\">", 16), QNFT_IMG_UNKNOWN);
    ck_assert_int_eq(qnft_img_sniff((const unsigned char *)"II*\0\x08\0\0\0", 8), QNFT_IMG_UNKNOWN);
    ck_assert_int_eq(qnft_img_sniff((const unsigned char *)"", 0), QNFT_IMG_UNKNOWN);
    ck_assert_int_eq(qnft_img_sniff(NULL, 100), QNFT_IMG_UNKNOWN);
}
END_TEST

/* ------------------------------------------------------------------- PNG */

START_TEST(test_png_ok)
{
    qnft_img_info inf;
    bb *b = mk_png(640, 480);
    ck_assert_int_eq(probe_bb(b, &inf), QNFT_PROBE_OK);
    ASSERT_INFO(inf, QNFT_IMG_PNG, 640, 480, 1, 0);
    bb_free(b);

    b = mk_png_ex(3, 5, 13, "IHDR", 1, 3, 1);    /* palette, 1 bit, Adam7 */
    ck_assert_int_eq(probe_bb(b, &inf), QNFT_PROBE_OK);
    ASSERT_INFO(inf, QNFT_IMG_PNG, 3, 5, 1, 0);
    bb_free(b);

    b = mk_png_ex(7, 9, 13, "IHDR", 16, 6, 0);   /* RGBA 16 bit */
    ck_assert_int_eq(probe_bb(b, &inf), QNFT_PROBE_OK);
    ASSERT_INFO(inf, QNFT_IMG_PNG, 7, 9, 1, 0);
    bb_free(b);
}
END_TEST

START_TEST(test_png_large_dims)
{
    /* A pixel bomb is a valid header: refusing it is the caller's job. */
    qnft_img_info inf;
    bb *b = mk_png(20000, 20000);
    ck_assert_int_eq(probe_bb(b, &inf), QNFT_PROBE_OK);
    ASSERT_INFO(inf, QNFT_IMG_PNG, 20000, 20000, 1, 0);
    bb_free(b);

    b = mk_png(0x7FFFFFFFUL, 1);
    ck_assert_int_eq(probe_bb(b, &inf), QNFT_PROBE_OK);
    ASSERT_INFO(inf, QNFT_IMG_PNG, 0x7FFFFFFFu, 1, 1, 0);
    bb_free(b);
}
END_TEST

START_TEST(test_png_corrupt)
{
    qnft_img_info inf;
    struct { unsigned long w, h, len; const char *type; unsigned depth, color, il; } c[] = {
        { 0, 10, 13, "IHDR", 8, 2, 0 },                 /* zero width */
        { 10, 0, 13, "IHDR", 8, 2, 0 },                 /* zero height */
        { 0x80000000UL, 10, 13, "IHDR", 8, 2, 0 },      /* > 2^31-1 */
        { 10, 0xFFFFFFFFUL, 13, "IHDR", 8, 2, 0 },
        { 10, 10, 12, "IHDR", 8, 2, 0 },                /* wrong IHDR length */
        { 10, 10, 13, "sRGB", 8, 2, 0 },                /* IHDR not first */
        { 10, 10, 13, "ihdr", 8, 2, 0 },
        { 10, 10, 13, "IHDR", 4, 2, 0 },                /* RGB needs 8/16 */
        { 10, 10, 13, "IHDR", 16, 3, 0 },               /* palette <= 8 */
        { 10, 10, 13, "IHDR", 8, 5, 0 },                /* no colour type 5 */
        { 10, 10, 13, "IHDR", 8, 2, 2 },                /* interlace 0/1 */
    };
    size_t i;
    for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
        bb *b = mk_png_ex(c[i].w, c[i].h, c[i].len, c[i].type, c[i].depth,
                          c[i].color, c[i].il);
        ck_assert_msg(probe_bb(b, &inf) == QNFT_PROBE_CORRUPT, "case %u", (unsigned)i);
        ASSERT_FAILED(inf, QNFT_IMG_PNG);
        bb_free(b);
    }
    {
        bb *b = mk_png(10, 10);
        b->d[26] = 1;           /* compression method */
        ck_assert_int_eq(probe_bb(b, &inf), QNFT_PROBE_CORRUPT);
        bb_free(b);
    }
}
END_TEST

/* ------------------------------------------------------------------ JPEG */

START_TEST(test_jpeg_exif_ii)
{
    qnft_img_info inf;
    unsigned long o;
    for (o = 1; o <= 8; o++) {
        bb *b = mk_jpeg_exif(1, o, 0xC0, 1024, 768, NULL);
        ck_assert_int_eq(probe_bb(b, &inf), QNFT_PROBE_OK);
        ASSERT_INFO(inf, QNFT_IMG_JPEG, 1024, 768, (int)o, 0);
        bb_free(b);
    }
}
END_TEST

START_TEST(test_jpeg_exif_mm)
{
    qnft_img_info inf;
    unsigned long o;
    for (o = 1; o <= 8; o++) {
        bb *b = mk_jpeg_exif(0, o, 0xC2, 4000, 3000, NULL);   /* progressive */
        ck_assert_int_eq(probe_bb(b, &inf), QNFT_PROBE_OK);
        ASSERT_INFO(inf, QNFT_IMG_JPEG, 4000, 3000, (int)o, 0);
        bb_free(b);
    }
}
END_TEST

START_TEST(test_jpeg_no_exif)
{
    qnft_img_info inf;
    bb *b = bb_new();
    put8(b, 0xFF); put8(b, 0xD8);
    jpeg_app0_jfif(b);
    jpeg_sof(b, 0xC0, 65535, 1);
    jpeg_tail(b);
    ck_assert_int_eq(probe_bb(b, &inf), QNFT_PROBE_OK);
    ASSERT_INFO(inf, QNFT_IMG_JPEG, 65535, 1, 1, 0);
    bb_free(b);

    /* the bare minimum: SOI then SOF */
    b = bb_new();
    put8(b, 0xFF); put8(b, 0xD8);
    jpeg_sof(b, 0xC1, 17, 33);
    ck_assert_int_eq(probe_bb(b, &inf), QNFT_PROBE_OK);
    ASSERT_INFO(inf, QNFT_IMG_JPEG, 17, 33, 1, 0);
    bb_free(b);
}
END_TEST

START_TEST(test_jpeg_sof_markers)
{
    /* every SOFn is a frame header; C4/C8/CC are not, even when their
     * payload happens to look like one */
    static const unsigned sofs[] = { 0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7,
                                     0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF };
    static const unsigned not_sof[] = { 0xC4, 0xC8, 0xCC };
    qnft_img_info inf;
    size_t i;

    for (i = 0; i < sizeof(sofs) / sizeof(sofs[0]); i++) {
        bb *b = bb_new();
        put8(b, 0xFF); put8(b, 0xD8);
        jpeg_sof(b, sofs[i], 100 + (unsigned)i, 200 + (unsigned)i);
        ck_assert_int_eq(probe_bb(b, &inf), QNFT_PROBE_OK);
        ASSERT_INFO(inf, QNFT_IMG_JPEG, 100 + i, 200 + i, 1, 0);
        bb_free(b);
    }
    for (i = 0; i < sizeof(not_sof) / sizeof(not_sof[0]); i++) {
        bb *b = bb_new();
        put8(b, 0xFF); put8(b, 0xD8);
        jpeg_sof(b, not_sof[i], 11, 22);        /* decoy */
        jpeg_sof(b, 0xC0, 33, 44);
        ck_assert_int_eq(probe_bb(b, &inf), QNFT_PROBE_OK);
        ASSERT_INFO(inf, QNFT_IMG_JPEG, 33, 44, 1, 0);
        bb_free(b);
    }
}
END_TEST

START_TEST(test_jpeg_large_app)
{
    /* SOF behind a maximal APP2 (ICC-like), an APP13 and a comment */
    qnft_img_info inf;
    bb *b = bb_new(), *p = bb_new();
    size_t app_end, sof_end, L;

    put8(b, 0xFF); put8(b, 0xD8);
    jpeg_app1_exif(b, 0, 6);
    puts_(p, "ICC_PROFILE");
    fill(p, 0xFF, 65533 - p->n);               /* 0xFF inside is data */
    jpeg_seg(b, 0xE2, p);
    bb_free(p);
    p = bb_new();
    fill(p, 0xC0, 30000);                        /* looks like SOF markers */
    jpeg_seg(b, 0xED, p);
    bb_free(p);
    p = bb_new();
    puts_(p, "comment");
    jpeg_seg(b, 0xFE, p);
    bb_free(p);
    app_end = b->n;
    jpeg_sof(b, 0xC2, 6000, 4000);
    sof_end = b->n;
    jpeg_tail(b);

    ck_assert_uint_gt(app_end, 95000);
    ck_assert_int_eq(probe_bb(b, &inf), QNFT_PROBE_OK);
    ASSERT_INFO(inf, QNFT_IMG_JPEG, 6000, 4000, 6, 0);

    /* every prefix that stops short of the end of SOF needs more */
    for (L = 3; L < sof_end; L++)
        ck_assert_int_eq(qnft_img_probe(b->d, L, &inf), QNFT_PROBE_NEED_MORE);
    ck_assert_int_eq(qnft_img_probe(b->d, sof_end, &inf), QNFT_PROBE_OK);
    ck_assert_int_eq(probe_exact(b->d, sof_end, &inf), QNFT_PROBE_OK);
    ck_assert_int_eq(probe_exact(b->d, sof_end - 1, &inf), QNFT_PROBE_NEED_MORE);
    ck_assert_int_eq(probe_exact(b->d, app_end - 1, &inf), QNFT_PROBE_NEED_MORE);
    bb_free(b);
}
END_TEST

START_TEST(test_jpeg_fill_and_standalone)
{
    /* fill bytes before markers; TEM, RSTn and a repeated SOI carry no
     * length and are stepped over */
    qnft_img_info inf;
    bb *b = bb_new();
    put8(b, 0xFF); put8(b, 0xD8);
    fill(b, 0xFF, 5);
    jpeg_app0_jfif(b);
    put8(b, 0xFF); put8(b, 0x01);
    put8(b, 0xFF); put8(b, 0xD0);
    put8(b, 0xFF); put8(b, 0xD7);
    put8(b, 0xFF); put8(b, 0xD8);
    fill(b, 0xFF, 3);
    jpeg_sof(b, 0xC0, 320, 240);
    jpeg_tail(b);
    ck_assert_int_eq(probe_bb(b, &inf), QNFT_PROBE_OK);
    ASSERT_INFO(inf, QNFT_IMG_JPEG, 320, 240, 1, 0);
    bb_free(b);
}
END_TEST

START_TEST(test_jpeg_truncated)
{
    qnft_img_info inf;
    bb *b;
    static const unsigned char soi[] = { 0xFF, 0xD8, 0xFF };
    static const unsigned char fills[] = { 0xFF, 0xD8, 0xFF, 0xFF, 0xFF };
    static const unsigned char lenhalf[] = { 0xFF, 0xD8, 0xFF, 0xE0, 0x00 };

    ck_assert_int_eq(probe_exact(soi, 3, &inf), QNFT_PROBE_NEED_MORE);
    ASSERT_FAILED(inf, QNFT_IMG_JPEG);
    ck_assert_int_eq(probe_exact(fills, 5, &inf), QNFT_PROBE_NEED_MORE);
    ck_assert_int_eq(probe_exact(lenhalf, 5, &inf), QNFT_PROBE_NEED_MORE);

    /* a complete APP0 followed by nothing */
    b = bb_new();
    put8(b, 0xFF); put8(b, 0xD8);
    jpeg_app0_jfif(b);
    ck_assert_int_eq(probe_bb(b, &inf), QNFT_PROBE_NEED_MORE);
    ASSERT_FAILED(inf, QNFT_IMG_JPEG);
    /* and an SOF cut after its dimensions: the whole segment is needed */
    jpeg_sof(b, 0xC0, 10, 10);
    ck_assert_int_eq(probe_exact(b->d, b->n - 1, &inf), QNFT_PROBE_NEED_MORE);
    ck_assert_int_eq(probe_exact(b->d, b->n, &inf), QNFT_PROBE_OK);
    bb_free(b);
}
END_TEST

START_TEST(test_jpeg_corrupt)
{
    qnft_img_info inf;
    bb *b, *p;
    int i;

    /* segment length 0 and 1 */
    for (i = 0; i < 2; i++) {
        b = bb_new();
        put8(b, 0xFF); put8(b, 0xD8);
        put8(b, 0xFF); put8(b, 0xE0); put16be(b, (unsigned long)i);
        fill(b, 0, 20);
        jpeg_sof(b, 0xC0, 10, 10);
        ck_assert_int_eq(probe_bb(b, &inf), QNFT_PROBE_CORRUPT);
        ASSERT_FAILED(inf, QNFT_IMG_JPEG);
        bb_free(b);
    }
    /* SOS before SOF */
    b = bb_new();
    put8(b, 0xFF); put8(b, 0xD8);
    jpeg_tail(b);
    jpeg_sof(b, 0xC0, 10, 10);
    ck_assert_int_eq(probe_bb(b, &inf), QNFT_PROBE_CORRUPT);
    bb_free(b);
    /* EOI before SOF */
    b = bb_new();
    put8(b, 0xFF); put8(b, 0xD8); put8(b, 0xFF); put8(b, 0xD9);
    ck_assert_int_eq(probe_bb(b, &inf), QNFT_PROBE_CORRUPT);
    bb_free(b);
    /* FF 00 is not a marker */
    b = bb_new();
    put8(b, 0xFF); put8(b, 0xD8); put8(b, 0xFF); put8(b, 0x00);
    jpeg_sof(b, 0xC0, 10, 10);
    ck_assert_int_eq(probe_bb(b, &inf), QNFT_PROBE_CORRUPT);
    bb_free(b);
    /* junk where a marker must be */
    b = bb_new();
    put8(b, 0xFF); put8(b, 0xD8);
    jpeg_app0_jfif(b);
    put8(b, 0x55);
    jpeg_sof(b, 0xC0, 10, 10);
    ck_assert_int_eq(probe_bb(b, &inf), QNFT_PROBE_CORRUPT);
    bb_free(b);
    /* height 0 (DNL) and width 0 */
    b = bb_new();
    put8(b, 0xFF); put8(b, 0xD8);
    jpeg_sof(b, 0xC0, 10, 0);
    ck_assert_int_eq(probe_bb(b, &inf), QNFT_PROBE_CORRUPT);
    ASSERT_FAILED(inf, QNFT_IMG_JPEG);
    bb_free(b);
    b = bb_new();
    put8(b, 0xFF); put8(b, 0xD8);
    jpeg_sof(b, 0xC2, 0, 10);
    ck_assert_int_eq(probe_bb(b, &inf), QNFT_PROBE_CORRUPT);
    bb_free(b);
    /* SOF too short, zero components, length disagreeing with Nf */
    b = bb_new();
    put8(b, 0xFF); put8(b, 0xD8);
    put8(b, 0xFF); put8(b, 0xC0); put16be(b, 7);
    put8(b, 8); put16be(b, 10); put16be(b, 10);
    fill(b, 0, 10);
    ck_assert_int_eq(probe_bb(b, &inf), QNFT_PROBE_CORRUPT);
    bb_free(b);
    b = bb_new();
    p = bb_new();
    put8(p, 8); put16be(p, 10); put16be(p, 10); put8(p, 0);
    put8(b, 0xFF); put8(b, 0xD8);
    jpeg_seg(b, 0xC0, p);
    ck_assert_int_eq(probe_bb(b, &inf), QNFT_PROBE_CORRUPT);
    bb_free(b);
    b = bb_new();
    put8(p, 0);
    put8(b, 0xFF); put8(b, 0xD8);
    p->d[5] = 3;                /* claims 3 components, carries 1 byte */
    jpeg_seg(b, 0xC0, p);
    ck_assert_int_eq(probe_bb(b, &inf), QNFT_PROBE_CORRUPT);
    bb_free(b);
    bb_free(p);
}
END_TEST

/* JPEG with the given TIFF bytes in its Exif APP1; must probe OK with the
 * given orientation (malformed EXIF is never fatal). */
static void expect_orientation_raw(const bb *tiff, int want)
{
    qnft_img_info inf;
    bb *b = bb_new();
    put8(b, 0xFF); put8(b, 0xD8);
    jpeg_app1_exif_raw(b, tiff);
    jpeg_sof(b, 0xC0, 8, 8);
    ck_assert_int_eq(probe_bb(b, &inf), QNFT_PROBE_OK);
    ASSERT_INFO(inf, QNFT_IMG_JPEG, 8, 8, want, 0);
    bb_free(b);
}

START_TEST(test_jpeg_exif_hostile)
{
    int little;
    size_t cut;

    for (little = 0; little <= 1; little++) {
        bb *t;
        static const unsigned long bad_vals[] = { 0, 9, 0xFFFF };
        size_t i;

        /* out-of-range values */
        for (i = 0; i < 3; i++) {
            t = mk_tiff(little, bad_vals[i]);
            expect_orientation_raw(t, 1);
            bb_free(t);
        }
        /* IFD0 offset past the end, at the very end, and huge */
        {
            static const unsigned long offs[] = { 0xFFFFFFFFUL, 0x7FFFFFFFUL,
                                                  0xFFFFFFF8UL, 1000, 65, 66 };
            for (i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
                t = mk_tiff(little, 6);
                ck_assert_uint_eq(t->n, 64);
                t->n = 4;
                put32o(t, little, offs[i]);
                t->n = 64;
                expect_orientation_raw(t, 1);
                bb_free(t);
            }
        }
        /* IFD0 entry count far larger than the data */
        t = mk_tiff(little, 6);
        t->n = 8;
        put16o(t, little, 0xFFFF);
        t->n = 64;
        /* orientation is the 2nd entry and is still inside: found */
        expect_orientation_raw(t, 6);
        t->n = 8;
        put16o(t, little, 0xFFFF);
        put16o(t, little, 0x0100);      /* first entry is not orientation */
        t->n = 8 + 2 + 12;              /* and nothing after it */
        expect_orientation_raw(t, 1);
        bb_free(t);
        /* orientation entry cut in the middle by the end of the segment */
        t = mk_tiff(little, 6);
        for (cut = 0; cut <= 64; cut++) {
            size_t n = t->n;
            t->n = cut;
            expect_orientation_raw(t, cut >= 8 + 2 + 24 ? 6 : 1);
            t->n = n;
        }
        bb_free(t);
        /* wrong type (LONG) and wrong count */
        t = mk_tiff(little, 6);
        t->n = 8 + 2 + 12 + 2;
        put16o(t, little, 4);
        t->n = 64;
        expect_orientation_raw(t, 1);
        t->n = 8 + 2 + 12 + 2;
        put16o(t, little, 3);
        put32o(t, little, 2);
        t->n = 64;
        expect_orientation_raw(t, 1);
        bb_free(t);
        /* wrong TIFF magic */
        t = mk_tiff(little, 6);
        t->n = 2;
        put16o(t, little, 43);
        t->n = 64;
        expect_orientation_raw(t, 1);
        bb_free(t);
    }
    {
        /* mixed byte-order mark, empty Exif, stray bytes */
        bb *t = mk_tiff(1, 6);
        t->d[1] = 'M';
        expect_orientation_raw(t, 1);
        bb_free(t);
        expect_orientation_raw(NULL, 1);
        t = bb_new();
        puts_(t, "II*");
        expect_orientation_raw(t, 1);
        bb_free(t);
    }
}
END_TEST

START_TEST(test_jpeg_exif_which_app1)
{
    qnft_img_info inf;
    bb *b = bb_new(), *p = bb_new(), *t;

    /* XMP first, then Exif: Exif is found */
    put8(b, 0xFF); put8(b, 0xD8);
    puts_(p, "http://ns.adobe.com/xap/1.0/");
    put8(p, 0);
    puts_(p, "<x:xmpmeta/>");
    jpeg_seg(b, 0xE1, p);
    jpeg_app1_exif(b, 1, 8);
    jpeg_app1_exif(b, 1, 3);           /* second Exif block: ignored */
    jpeg_sof(b, 0xC0, 5, 6);
    ck_assert_int_eq(probe_bb(b, &inf), QNFT_PROBE_OK);
    ASSERT_INFO(inf, QNFT_IMG_JPEG, 5, 6, 8, 0);
    bb_free(b);
    bb_free(p);

    /* an Exif payload in APP0 is not EXIF */
    b = bb_new();
    p = bb_new();
    t = mk_tiff(0, 6);
    put8(b, 0xFF); put8(b, 0xD8);
    put(p, "Exif\0\0", 6);
    put(p, t->d, t->n);
    jpeg_seg(b, 0xE0, p);
    jpeg_sof(b, 0xC0, 5, 6);
    ck_assert_int_eq(probe_bb(b, &inf), QNFT_PROBE_OK);
    ASSERT_INFO(inf, QNFT_IMG_JPEG, 5, 6, 1, 0);
    bb_free(t);
    bb_free(b);
    bb_free(p);

    /* Exif after SOF is never reached */
    b = bb_new();
    put8(b, 0xFF); put8(b, 0xD8);
    jpeg_sof(b, 0xC0, 5, 6);
    jpeg_app1_exif(b, 1, 6);
    ck_assert_int_eq(probe_bb(b, &inf), QNFT_PROBE_OK);
    ASSERT_INFO(inf, QNFT_IMG_JPEG, 5, 6, 1, 0);
    bb_free(b);
}
END_TEST

/* ------------------------------------------------------------------- GIF */

START_TEST(test_gif_basic)
{
    qnft_img_info inf;
    bb *b = mk_gif("GIF87a", 300, 200, 1, 0);
    ck_assert_int_eq(probe_bb(b, &inf), QNFT_PROBE_OK);
    ASSERT_INFO(inf, QNFT_IMG_GIF, 300, 200, 1, 0);
    bb_free(b);
    b = mk_gif("GIF89a", 65535, 1, 1, 1);
    ck_assert_int_eq(probe_bb(b, &inf), QNFT_PROBE_OK);
    ASSERT_INFO(inf, QNFT_IMG_GIF, 65535, 1, 1, 0);
    bb_free(b);
    /* header only, no frame at all yet: a frame may still change the
     * size, so more is needed (as long as the data simply ends) */
    b = mk_gif("GIF89a", 2, 3, 0, 0);
    ck_assert_int_eq(probe_exact(b->d, 13, &inf), QNFT_PROBE_NEED_MORE);
    ASSERT_FAILED(inf, QNFT_IMG_GIF);
    ck_assert_int_eq(probe_exact(b->d, 13 + 6, &inf), QNFT_PROBE_NEED_MORE);
    /* ... but a trailer with no frame before it ends the file: the screen
     * is all there is */
    ck_assert_int_eq(probe_bb(b, &inf), QNFT_PROBE_OK);
    ASSERT_INFO(inf, QNFT_IMG_GIF, 2, 3, 1, 0);
    bb_free(b);
}
END_TEST

START_TEST(test_gif_frame_extents)
{
    /* The screen descriptor can lie: the reported size covers every
     * frame's left+width and top+height. */
    qnft_img_info inf;
    bb *b;

    /* 1x1 screen, one 65535x65535 frame */
    b = bb_new();
    gif_head(b, "GIF89a", 1, 1);
    gif_frame(b, 0, 0, 65535, 65535, 0, NULL);
    put8(b, 0x3B);
    ck_assert_int_eq(probe_bb(b, &inf), QNFT_PROBE_OK);
    ASSERT_INFO(inf, QNFT_IMG_GIF, 65535, 65535, 1, 0);
    bb_free(b);

    /* 10x10 screen, frame at left 65000, width 1000 */
    b = bb_new();
    gif_head(b, "GIF87a", 10, 10);
    gif_frame(b, 65000, 0, 1000, 4, 0, NULL);
    put8(b, 0x3B);
    ck_assert_int_eq(probe_bb(b, &inf), QNFT_PROBE_OK);
    ASSERT_INFO(inf, QNFT_IMG_GIF, 66000, 10, 1, 0);
    bb_free(b);

    /* both offsets and sizes at their maximum: 2 * 65535 each way */
    b = bb_new();
    gif_head(b, "GIF89a", 3, 3);
    gif_frame(b, 65535, 65535, 65535, 65535, 1, NULL);
    put8(b, 0x3B);
    ck_assert_int_eq(probe_bb(b, &inf), QNFT_PROBE_OK);
    ASSERT_INFO(inf, QNFT_IMG_GIF, 131070, 131070, 1, 0);
    bb_free(b);

    /* frames inside the screen leave it alone */
    b = bb_new();
    gif_head(b, "GIF89a", 100, 80);
    gif_frame(b, 0, 0, 100, 80, 0, NULL);
    gif_frame(b, 90, 70, 10, 10, 1, NULL);
    gif_frame(b, 5, 6, 1, 1, 0, NULL);
    put8(b, 0x3B);
    ck_assert_int_eq(probe_bb(b, &inf), QNFT_PROBE_OK);
    ASSERT_INFO(inf, QNFT_IMG_GIF, 100, 80, 1, 1);
    bb_free(b);

    /* the bomb hides in the last of several frames, after extensions;
     * width and height may come from different frames */
    b = bb_new();
    gif_head(b, "GIF89a", 16, 16);
    put8(b, 0x21); put8(b, 0xFE); put8(b, 3); puts_(b, "hi!"); put8(b, 0);
    gif_frame(b, 0, 0, 16, 16, 0, NULL);
    gif_frame(b, 0, 40000, 16, 20000, 1, NULL);
    put8(b, 0x21); put8(b, 0xFE); put8(b, 1); put8(b, 0x2C); put8(b, 0);
    gif_frame(b, 30000, 0, 30000, 16, 0, NULL);
    put8(b, 0x3B);
    ck_assert_int_eq(probe_bb(b, &inf), QNFT_PROBE_OK);
    ASSERT_INFO(inf, QNFT_IMG_GIF, 60000, 60000, 1, 1);
    bb_free(b);
}
END_TEST

START_TEST(test_gif_frame_walk)
{
    qnft_img_info inf;
    bb *b;
    size_t d1, d2, L;

    /* LZW data holding bytes that look like a descriptor is stepped over
     * by its sub-block lengths, never read as blocks */
    b = bb_new();
    gif_head(b, "GIF89a", 20, 20);
    put8(b, 0x2C);
    put16le(b, 0); put16le(b, 0); put16le(b, 20); put16le(b, 20); put8(b, 0);
    put8(b, 2);
    put8(b, 10);
    put8(b, 0x2C); put16le(b, 0); put16le(b, 0);
    put16le(b, 60000); put16le(b, 60000); put8(b, 0);
    put8(b, 1); put8(b, 0x2C);
    put8(b, 0);
    put8(b, 0x3B);
    ck_assert_int_eq(probe_bb(b, &inf), QNFT_PROBE_OK);
    ASSERT_INFO(inf, QNFT_IMG_GIF, 20, 20, 1, 0);
    bb_free(b);

    /* a local colour table is stepped over too: its bytes are not blocks */
    b = bb_new();
    gif_head(b, "GIF89a", 20, 20);
    put8(b, 0x2C);
    put16le(b, 0); put16le(b, 0); put16le(b, 20); put16le(b, 20);
    put8(b, 0x82);              /* LCT, 8 entries = 24 bytes */
    put8(b, 0x2C);
    put16le(b, 0); put16le(b, 0); put16le(b, 60000); put16le(b, 60000);
    fill(b, 0, 24 - 9);
    put8(b, 2); put8(b, 1); put8(b, 0); put8(b, 0);
    put8(b, 0x3B);
    ck_assert_int_eq(probe_bb(b, &inf), QNFT_PROBE_OK);
    ASSERT_INFO(inf, QNFT_IMG_GIF, 20, 20, 1, 0);
    bb_free(b);

    /* frames after the trailer or after garbage are not reached (the
     * decoder does not reach them either) */
    b = bb_new();
    gif_head(b, "GIF89a", 8, 8);
    gif_frame(b, 0, 0, 8, 8, 0, NULL);
    put8(b, 0x3B);
    gif_frame(b, 0, 0, 5000, 5000, 0, NULL);
    ck_assert_int_eq(probe_bb(b, &inf), QNFT_PROBE_OK);
    ASSERT_INFO(inf, QNFT_IMG_GIF, 8, 8, 1, 0);
    bb_free(b);

    /* truncation: small first frame, huge second one. Until the first
     * descriptor is whole, more is needed; then what has been seen is
     * reported, growing once the second descriptor is whole. */
    b = bb_new();
    gif_head(b, "GIF89a", 8, 8);
    gif_frame(b, 0, 0, 8, 8, 1, &d1);
    gif_frame(b, 0, 0, 50000, 40000, 1, &d2);
    put8(b, 0x3B);
    for (L = 13; L <= b->n; L++) {
        qnft_probe_status st = probe_exact(b->d, L, &inf);
        if (L < d1) {
            ck_assert_msg(st == QNFT_PROBE_NEED_MORE, "prefix %u", (unsigned)L);
            ASSERT_FAILED(inf, QNFT_IMG_GIF);
        } else if (L < d2) {
            ck_assert_msg(st == QNFT_PROBE_OK, "prefix %u", (unsigned)L);
            ck_assert_uint_eq(inf.width, 8);
            ck_assert_uint_eq(inf.height, 8);
        } else {
            ck_assert_msg(st == QNFT_PROBE_OK, "prefix %u", (unsigned)L);
            ASSERT_INFO(inf, QNFT_IMG_GIF, 50000, 40000, 1, 1);
        }
    }
    /* the second frame's colour table claiming more than is there, or its
     * sub-blocks running off the end, do not undo what was seen */
    b->d[d2 - 1] = 0x87;
    ck_assert_int_eq(probe_bb(b, &inf), QNFT_PROBE_OK);
    ASSERT_INFO(inf, QNFT_IMG_GIF, 50000, 40000, 1, 1);
    b->d[d2 - 1] = 0x81;
    b->d[d2 + 12 + 1] = 0xFF;   /* first LZW sub-block length */
    ck_assert_int_eq(probe_bb(b, &inf), QNFT_PROBE_OK);
    ASSERT_INFO(inf, QNFT_IMG_GIF, 50000, 40000, 1, 1);
    bb_free(b);

    /* the first frame's data cut short: its descriptor still counts */
    b = bb_new();
    gif_head(b, "GIF89a", 8, 8);
    gif_frame(b, 100, 0, 8, 8, 0, &d1);
    ck_assert_int_eq(probe_exact(b->d, d1, &inf), QNFT_PROBE_OK);
    ASSERT_INFO(inf, QNFT_IMG_GIF, 108, 8, 1, 0);
    ck_assert_int_eq(probe_exact(b->d, d1 - 1, &inf), QNFT_PROBE_NEED_MORE);
    bb_free(b);
}
END_TEST

START_TEST(test_gif_animated)
{
    qnft_img_info inf;
    int lct;
    for (lct = 0; lct <= 1; lct++) {
        bb *b = mk_gif("GIF89a", 48, 32, 2, lct);
        ck_assert_int_eq(probe_bb(b, &inf), QNFT_PROBE_OK);
        ASSERT_INFO(inf, QNFT_IMG_GIF, 48, 32, 1, 1);
        bb_free(b);
        b = mk_gif("GIF89a", 48, 32, 5, lct);
        ck_assert_int_eq(probe_bb(b, &inf), QNFT_PROBE_OK);
        ASSERT_INFO(inf, QNFT_IMG_GIF, 48, 32, 1, 1);
        bb_free(b);
        b = mk_gif("GIF89a", 48, 32, 1, lct);
        ck_assert_int_eq(probe_bb(b, &inf), QNFT_PROBE_OK);
        ASSERT_INFO(inf, QNFT_IMG_GIF, 48, 32, 1, 0);
        bb_free(b);
    }
    {
        /* second frame after the trailer does not count; garbage stops
         * the walk without failing the probe */
        bb *b = mk_gif("GIF89a", 4, 4, 1, 0), *f = mk_gif("GIF89a", 4, 4, 1, 0);
        put(b, f->d + 13 + 6, f->n - 13 - 6);
        ck_assert_int_eq(probe_bb(b, &inf), QNFT_PROBE_OK);
        ASSERT_INFO(inf, QNFT_IMG_GIF, 4, 4, 1, 0);
        b->d[13 + 6] = 0x99;
        ck_assert_int_eq(probe_bb(b, &inf), QNFT_PROBE_OK);
        ASSERT_INFO(inf, QNFT_IMG_GIF, 4, 4, 1, 0);
        bb_free(b);
        bb_free(f);
    }
}
END_TEST

START_TEST(test_gif_corrupt)
{
    qnft_img_info inf;
    bb *b = mk_gif("GIF89a", 0, 10, 1, 0);
    ck_assert_int_eq(probe_bb(b, &inf), QNFT_PROBE_CORRUPT);
    ASSERT_FAILED(inf, QNFT_IMG_GIF);
    bb_free(b);
    b = mk_gif("GIF87a", 10, 0, 1, 0);
    ck_assert_int_eq(probe_bb(b, &inf), QNFT_PROBE_CORRUPT);
    bb_free(b);
    b = mk_gif("GIF88a", 10, 10, 1, 0);
    ck_assert_int_eq(probe_bb(b, &inf), QNFT_PROBE_UNSUPPORTED);
    ASSERT_FAILED(inf, QNFT_IMG_UNKNOWN);
    bb_free(b);
    b = mk_gif("GIF89a", 10, 10, 1, 0);
    ck_assert_int_eq(probe_exact(b->d, 12, &inf), QNFT_PROBE_NEED_MORE);
    ASSERT_FAILED(inf, QNFT_IMG_GIF);
    /* colour-table size byte pointing far beyond the data: no frame can
     * be reached, so more is needed */
    b->d[10] = 0x87;
    ck_assert_int_eq(probe_exact(b->d, 20, &inf), QNFT_PROBE_NEED_MORE);
    ASSERT_FAILED(inf, QNFT_IMG_GIF);
    ck_assert_int_eq(probe_bb(b, &inf), QNFT_PROBE_NEED_MORE);
    bb_free(b);
    /* a frame of zero width or height, first or later */
    {
        static const unsigned z[][2] = { { 0, 5 }, { 5, 0 }, { 0, 0 } };
        size_t i;
        int later;
        for (later = 0; later <= 1; later++) {
            for (i = 0; i < 3; i++) {
                b = bb_new();
                gif_head(b, "GIF89a", 10, 10);
                if (later)
                    gif_frame(b, 0, 0, 10, 10, 0, NULL);
                gif_frame(b, 1, 1, z[i][0], z[i][1], 0, NULL);
                put8(b, 0x3B);
                ck_assert_msg(probe_bb(b, &inf) == QNFT_PROBE_CORRUPT,
                              "case %u/%d", (unsigned)i, later);
                ASSERT_FAILED(inf, QNFT_IMG_GIF);
                bb_free(b);
            }
        }
    }
}
END_TEST

/* ------------------------------------------------------------------ WebP */

START_TEST(test_webp_vp8)
{
    qnft_img_info inf;
    /* scaling bits in the top two bits must be masked off */
    bb *b = mk_webp_vp8(400 | (1u << 14), 300 | (2u << 14));
    ck_assert_int_eq(probe_bb(b, &inf), QNFT_PROBE_OK);
    ASSERT_INFO(inf, QNFT_IMG_WEBP, 400, 300, 1, 0);
    bb_free(b);
    b = mk_webp_vp8(16383, 1);
    ck_assert_int_eq(probe_bb(b, &inf), QNFT_PROBE_OK);
    ASSERT_INFO(inf, QNFT_IMG_WEBP, 16383, 1, 1, 0);
    bb_free(b);
}
END_TEST

START_TEST(test_webp_vp8l)
{
    qnft_img_info inf;
    bb *b = mk_webp_vp8l(640, 427, 1);
    ck_assert_int_eq(probe_bb(b, &inf), QNFT_PROBE_OK);
    ASSERT_INFO(inf, QNFT_IMG_WEBP, 640, 427, 1, 0);
    bb_free(b);
    b = mk_webp_vp8l(16384, 16384, 0);
    ck_assert_int_eq(probe_bb(b, &inf), QNFT_PROBE_OK);
    ASSERT_INFO(inf, QNFT_IMG_WEBP, 16384, 16384, 1, 0);
    bb_free(b);
    b = mk_webp_vp8l(1, 1, 0);
    ck_assert_int_eq(probe_bb(b, &inf), QNFT_PROBE_OK);
    ASSERT_INFO(inf, QNFT_IMG_WEBP, 1, 1, 1, 0);
    bb_free(b);
}
END_TEST

START_TEST(test_webp_vp8x)
{
    qnft_img_info inf;
    bb *b = mk_webp_vp8x(500, 250, 0x12);       /* animated + alpha */
    ck_assert_int_eq(probe_bb(b, &inf), QNFT_PROBE_OK);
    ASSERT_INFO(inf, QNFT_IMG_WEBP, 500, 250, 1, 1);
    bb_free(b);
    b = mk_webp_vp8x(500, 250, 0x10);           /* alpha only */
    ck_assert_int_eq(probe_bb(b, &inf), QNFT_PROBE_OK);
    ASSERT_INFO(inf, QNFT_IMG_WEBP, 500, 250, 1, 0);
    bb_free(b);
    b = mk_webp_vp8x(1UL << 24, 70000, 0x02);   /* 24-bit fields */
    ck_assert_int_eq(probe_bb(b, &inf), QNFT_PROBE_OK);
    ASSERT_INFO(inf, QNFT_IMG_WEBP, 1u << 24, 70000, 1, 1);
    bb_free(b);
}
END_TEST

START_TEST(test_webp_vp8x_bitstream)
{
    /* The VP8X canvas can lie: the bitstream after it has its own size. */
    qnft_img_info inf;
    bb *c, *b;

    /* canvas 2x2, lossless bitstream 16383x16383 */
    c = bb_new();
    add_chunk(c, "VP8L", vp8l_payload(16383, 16383));
    b = mk_webp_ext(2, 2, 0x00, c);
    ck_assert_int_eq(probe_bb(b, &inf), QNFT_PROBE_OK);
    ASSERT_INFO(inf, QNFT_IMG_WEBP, 16383, 16383, 1, 0);
    bb_free(b);
    bb_free(c);

    /* canvas 2x2, then an odd-sized ICCP (padded), ALPH, lossy bitstream
     * 16383x9000 with scaling bits set */
    c = bb_new();
    add_chunk(c, "ICCP", raw_payload(7));
    add_chunk(c, "ALPH", raw_payload(12));
    add_chunk(c, "VP8 ", vp8_payload(16383 | (3u << 14), 9000 | (1u << 14)));
    add_chunk(c, "EXIF", raw_payload(3));
    b = mk_webp_ext(2, 2, 0x30, c);
    ck_assert_int_eq(probe_bb(b, &inf), QNFT_PROBE_OK);
    ASSERT_INFO(inf, QNFT_IMG_WEBP, 16383, 9000, 1, 0);
    bb_free(b);
    bb_free(c);

    /* an honest file, and a bitstream smaller than the canvas */
    c = bb_new();
    add_chunk(c, "VP8L", vp8l_payload(640, 427));
    b = mk_webp_ext(640, 427, 0x10, c);
    ck_assert_int_eq(probe_bb(b, &inf), QNFT_PROBE_OK);
    ASSERT_INFO(inf, QNFT_IMG_WEBP, 640, 427, 1, 0);
    bb_free(b);
    b = mk_webp_ext(1000, 1000, 0x10, c);
    ck_assert_int_eq(probe_bb(b, &inf), QNFT_PROBE_OK);
    ASSERT_INFO(inf, QNFT_IMG_WEBP, 1000, 1000, 1, 0);
    bb_free(b);
    bb_free(c);

    /* a chunk too small to hold a bitstream header is not read as one */
    c = bb_new();
    add_chunk(c, "VP8L", raw_payload(4));
    add_chunk(c, "VP8 ", raw_payload(9));
    b = mk_webp_ext(3, 3, 0, c);
    memset(b->d + VP8X_MIN + 8, 0xFF, 4);
    ck_assert_int_eq(probe_bb(b, &inf), QNFT_PROBE_OK);
    ASSERT_INFO(inf, QNFT_IMG_WEBP, 3, 3, 1, 0);
    bb_free(b);
    bb_free(c);
}
END_TEST

START_TEST(test_webp_vp8x_walk_bounds)
{
    qnft_img_info inf;
    bb *c, *b;
    size_t L, hdr;

    /* a chunk whose size runs past the data ends the walk: the bitstream
     * behind it is not reached (nor would a decoder reach it) */
    c = bb_new();
    puts_(c, "ICCP");
    put32le(c, 0x7FFFFFF0UL);
    add_chunk(c, "VP8L", vp8l_payload(16383, 16383));
    b = mk_webp_ext(2, 2, 0, c);
    ck_assert_int_eq(probe_bb(b, &inf), QNFT_PROBE_OK);
    ASSERT_INFO(inf, QNFT_IMG_WEBP, 2, 2, 1, 0);
    bb_free(b);
    bb_free(c);
    /* the same with the largest size (no wrap-around to a small one) */
    c = bb_new();
    puts_(c, "ICCP");
    put32le(c, 0xFFFFFFFFUL);
    add_chunk(c, "VP8L", vp8l_payload(16383, 16383));
    b = mk_webp_ext(2, 2, 0, c);
    ck_assert_int_eq(probe_bb(b, &inf), QNFT_PROBE_OK);
    ASSERT_INFO(inf, QNFT_IMG_WEBP, 2, 2, 1, 0);
    bb_free(b);
    bb_free(c);

    /* chunks after the end of the RIFF payload are not part of the file */
    c = bb_new();
    b = mk_webp_ext(2, 2, 0, c);
    add_chunk(b, "VP8L", vp8l_payload(16383, 16383));
    ck_assert_int_eq(probe_bb(b, &inf), QNFT_PROBE_OK);
    ASSERT_INFO(inf, QNFT_IMG_WEBP, 2, 2, 1, 0);
    bb_free(b);
    bb_free(c);

    /* truncation: the canvas is needed; after it, what has been seen is
     * reported, and the bitstream counts once its header is in */
    c = bb_new();
    add_chunk(c, "ICCP", raw_payload(5));
    hdr = VP8X_MIN + c->n + 8 + 5;      /* end of the VP8L header */
    add_chunk(c, "VP8L", vp8l_payload(16383, 300));
    b = mk_webp_ext(2, 2, 0, c);
    for (L = 12; L <= b->n; L++) {
        qnft_probe_status st = probe_exact(b->d, L, &inf);
        if (L < VP8X_MIN) {
            ck_assert_msg(st == QNFT_PROBE_NEED_MORE, "prefix %u", (unsigned)L);
            ASSERT_FAILED(inf, QNFT_IMG_WEBP);
        } else if (L < hdr) {
            ck_assert_msg(st == QNFT_PROBE_OK, "prefix %u", (unsigned)L);
            ASSERT_INFO(inf, QNFT_IMG_WEBP, 2, 2, 1, 0);
        } else {
            ck_assert_msg(st == QNFT_PROBE_OK, "prefix %u", (unsigned)L);
            ASSERT_INFO(inf, QNFT_IMG_WEBP, 16383, 300, 1, 0);
        }
    }
    bb_free(b);
    bb_free(c);
}
END_TEST

START_TEST(test_webp_anmf)
{
    qnft_img_info inf;
    bb *c, *f, *b;

    /* frame extents: offset (always even) plus size */
    c = bb_new();
    add_chunk(c, "ANIM", raw_payload(6));
    f = bb_new();
    add_chunk(f, "VP8L", vp8l_payload(50, 60));
    add_chunk(c, "ANMF", anmf_payload(2000, 6, 50, 60, f));
    bb_free(f);
    b = mk_webp_ext(10, 10, 0x02, c);
    ck_assert_int_eq(probe_bb(b, &inf), QNFT_PROBE_OK);
    ASSERT_INFO(inf, QNFT_IMG_WEBP, 2050, 66, 1, 1);
    bb_free(b);
    bb_free(c);

    /* a frame's bitstream larger than the frame says */
    c = bb_new();
    f = bb_new();
    add_chunk(f, "ALPH", raw_payload(3));
    add_chunk(f, "VP8 ", vp8_payload(16383, 16383));
    add_chunk(c, "ANMF", anmf_payload(4, 4, 2, 2, f));
    bb_free(f);
    b = mk_webp_ext(2, 2, 0x02, c);
    ck_assert_int_eq(probe_bb(b, &inf), QNFT_PROBE_OK);
    ASSERT_INFO(inf, QNFT_IMG_WEBP, 16387, 16387, 1, 1);
    bb_free(b);
    bb_free(c);

    /* the largest fields: offset 2 * (2^24 - 1), size 2^24 */
    c = bb_new();
    add_chunk(c, "ANMF", anmf_payload(2 * 0xFFFFFFUL, 0, 1UL << 24, 1, NULL));
    b = mk_webp_ext(1, 1, 0x02, c);
    ck_assert_int_eq(probe_bb(b, &inf), QNFT_PROBE_OK);
    ASSERT_INFO(inf, QNFT_IMG_WEBP, 2 * 0xFFFFFFu + (1u << 24), 1, 1, 1);
    bb_free(b);
    bb_free(c);

    /* several frames, the last one the largest; honest frames inside the
     * canvas leave it as it is */
    c = bb_new();
    add_chunk(c, "ANIM", raw_payload(6));
    f = bb_new();
    add_chunk(f, "VP8L", vp8l_payload(300, 200));
    add_chunk(c, "ANMF", anmf_payload(0, 0, 300, 200, f));
    bb_free(f);
    f = bb_new();
    add_chunk(f, "VP8L", vp8l_payload(100, 50));
    add_chunk(c, "ANMF", anmf_payload(200, 150, 100, 50, f));
    bb_free(f);
    b = mk_webp_ext(300, 200, 0x12, c);
    ck_assert_int_eq(probe_bb(b, &inf), QNFT_PROBE_OK);
    ASSERT_INFO(inf, QNFT_IMG_WEBP, 300, 200, 1, 1);
    bb_free(b);
    add_chunk(c, "ANMF", anmf_payload(10, 12, 9000, 7000, NULL));
    b = mk_webp_ext(300, 200, 0x12, c);
    ck_assert_int_eq(probe_bb(b, &inf), QNFT_PROBE_OK);
    ASSERT_INFO(inf, QNFT_IMG_WEBP, 9010, 7012, 1, 1);
    bb_free(b);
    bb_free(c);

    /* an ANMF chunk too short for its header is not read; a frame whose
     * inner chunks claim more than the frame holds ends there, and the
     * walk goes on with the next top-level chunk */
    c = bb_new();
    add_chunk(c, "ANMF", raw_payload(15));
    f = bb_new();
    puts_(f, "ALPH");
    put32le(f, 1000);
    add_chunk(f, "VP8L", vp8l_payload(16000, 16000));
    add_chunk(c, "ANMF", anmf_payload(0, 0, 4, 4, f));
    bb_free(f);
    add_chunk(c, "ANMF", anmf_payload(0, 0, 5, 6, NULL));
    b = mk_webp_ext(2, 2, 0x02, c);
    memset(b->d + VP8X_MIN + 8, 0xFF, 15);
    ck_assert_int_eq(probe_bb(b, &inf), QNFT_PROBE_OK);
    ASSERT_INFO(inf, QNFT_IMG_WEBP, 5, 6, 1, 1);
    bb_free(b);
    bb_free(c);
}
END_TEST

START_TEST(test_webp_corrupt)
{
    qnft_img_info inf;
    bb *b;
    size_t i;
    bb *bad[10];

    bad[0] = mk_webp_vp8_ex(10, 10, VP8_TAG_OK, 0x9C);            /* start code */
    bad[1] = mk_webp_vp8_ex(10, 10, VP8_TAG_OK | 1, 0x9D);        /* inter frame */
    bad[2] = mk_webp_vp8_ex(10, 10, VP8_TAG_OK & ~0x10UL, 0x9D);  /* not shown */
    bad[3] = mk_webp_vp8_ex(10, 10, 0x10UL | (20UL << 5), 0x9D);  /* partition */
    bad[4] = mk_webp_vp8_ex(0, 10, VP8_TAG_OK, 0x9D);             /* zero width */
    bad[5] = mk_webp_vp8l_ex(0, 0x2E);                            /* signature */
    bad[6] = mk_webp_vp8l_ex(1UL << 29, 0x2F);                    /* version */
    bad[7] = mk_webp_vp8x_ex(5, 5, 0, 9);                         /* VP8X size */
    bad[8] = mk_webp_vp8(10, 10);
    bad[8]->d[4] = 11; bad[8]->d[5] = 0; bad[8]->d[6] = 0; bad[8]->d[7] = 0;
    bad[9] = mk_webp_vp8(10, 10);
    memcpy(bad[9]->d + 12, "ALPH", 4);                            /* no VP8X */
    for (i = 0; i < 10; i++) {
        ck_assert_msg(probe_bb(bad[i], &inf) == QNFT_PROBE_CORRUPT, "case %u", (unsigned)i);
        ASSERT_FAILED(inf, QNFT_IMG_WEBP);
        bb_free(bad[i]);
    }
    /* chunk claims more than the RIFF container holds */
    b = mk_webp_vp8l(5, 5, 0);
    b->d[16] = 0xF0;
    ck_assert_int_eq(probe_bb(b, &inf), QNFT_PROBE_CORRUPT);
    bb_free(b);
    /* RIFF but not WebP */
    b = bb_new();
    puts_(b, "RIFF");
    put32le(b, 100);
    puts_(b, "WAVEfmt ");
    fill(b, 0, 40);
    ck_assert_int_eq(probe_bb(b, &inf), QNFT_PROBE_UNSUPPORTED);
    ASSERT_FAILED(inf, QNFT_IMG_UNKNOWN);
    bb_free(b);
}
END_TEST

/* ----------------------------------------------------------- unsupported */

START_TEST(test_unsupported)
{
    static const struct { const char *s; size_t n; } texts[] = {
#define T(lit) { lit, sizeof(lit) - 1 }
        T("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"10\" height=\"10\"/>"),
        T("<?xml version=\"1.0\"?><svg/>"),
        T("<!DOCTYPE html><html><body><img src=x onerror=alert(1)></body></html>"),
        T("<html>"),
        T("hello, world\n"),
        T("GIF\0"),                                    /* a word, not a magic */
        T("PNG image"),
        T("BM\x36\x00\x0c\x00\x00\x00\x00\x00\x36\x00\x00\x00"),  /* BMP */
        T("II*\x00\x08\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"), /* TIFF */
        T("MM\x00*\x00\x00\x00\x08\x00\x00\x00\x00\x00\x00\x00\x00"),
        T("\x00\x00\x00\x0c" "jP  \r\n\x87\n"),       /* JPEG 2000 */
        T("\x00\x00\x00\x1c" "ftypavif"),              /* AVIF */
        T("<"),
        T("x"),
        T("\x89PNX"),
        T("\xFF\xD9"),
        T("GIF90a"),
#undef T
    };
    qnft_img_info inf;
    size_t i;

    for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        const unsigned char *d = (const unsigned char *)texts[i].s;
        ck_assert_msg(probe_exact(d, texts[i].n, &inf) == QNFT_PROBE_UNSUPPORTED,
                      "case %u", (unsigned)i);
        ASSERT_FAILED(inf, QNFT_IMG_UNKNOWN);
        ck_assert_int_eq(qnft_img_sniff(d, texts[i].n), QNFT_IMG_UNKNOWN);
    }
    /* empty, NULL */
    ck_assert_int_eq(probe_exact((const unsigned char *)"", 0, &inf), QNFT_PROBE_UNSUPPORTED);
    ASSERT_FAILED(inf, QNFT_IMG_UNKNOWN);
    ck_assert_int_eq(qnft_img_probe(NULL, 0, &inf), QNFT_PROBE_UNSUPPORTED);
    ck_assert_int_eq(qnft_img_probe(NULL, 1234, &inf), QNFT_PROBE_UNSUPPORTED);
    ASSERT_FAILED(inf, QNFT_IMG_UNKNOWN);
}
END_TEST

START_TEST(test_partial_magic)
{
    /* A proper prefix of a magic could still become an image: NEED_MORE,
     * with the type still unknown. */
    static const struct { const char *s; size_t n; } pre[] = {
        { "\x89", 1 }, { "\x89PNG\r\n\x1a", 7 }, { "\xFF", 1 }, { "\xFF\xD8", 2 },
        { "G", 1 }, { "GIF8", 4 }, { "GIF87", 5 }, { "GIF89", 5 },
        { "R", 1 }, { "RIFF\xff\xff\xff\xff", 8 }, { "RIFF\0\0\0\0WEB", 11 },
    };
    qnft_img_info inf;
    size_t i;
    for (i = 0; i < sizeof(pre) / sizeof(pre[0]); i++) {
        ck_assert_msg(probe_exact((const unsigned char *)pre[i].s, pre[i].n, &inf)
                      == QNFT_PROBE_NEED_MORE, "case %u", (unsigned)i);
        ASSERT_FAILED(inf, QNFT_IMG_UNKNOWN);
    }
    ck_assert_int_eq(probe_exact((const unsigned char *)"GIF88", 5, &inf), QNFT_PROBE_UNSUPPORTED);
    ck_assert_int_eq(probe_exact((const unsigned char *)"RIFF\0\0\0\0WAV", 11, &inf),
                     QNFT_PROBE_UNSUPPORTED);
}
END_TEST

START_TEST(test_info_null)
{
    bb *b = mk_png(2, 2);
    ck_assert_int_eq(qnft_img_probe(b->d, b->n, NULL), QNFT_PROBE_OK);
    ck_assert_int_eq(qnft_img_probe(b->d, 3, NULL), QNFT_PROBE_NEED_MORE);
    ck_assert_int_eq(qnft_img_probe((const unsigned char *)"<svg", 4, NULL),
                     QNFT_PROBE_UNSUPPORTED);
    bb_free(b);
}
END_TEST

/* -------------------------------------------- prefixes and mutations */

#define MAX_SAMPLES 24

typedef struct {
    const char *name;
    bb *b;
    size_t min_ok;      /* shortest prefix that probes OK */
    int grows;          /* hostile: a later frame/bitstream is larger, so
                         * the size grows as more of the file is seen */
} sample;

static size_t magic_len(qnft_img_type t)
{
    switch (t) {
    case QNFT_IMG_PNG:  return 8;
    case QNFT_IMG_JPEG: return 3;
    case QNFT_IMG_GIF:  return 6;
    case QNFT_IMG_WEBP: return 12;
    default:            return 0;
    }
}

static size_t make_samples(sample *s)
{
    size_t n = 0, e;
    bb *c, *f;

    memset(s, 0, sizeof(sample) * MAX_SAMPLES);
    s[n].name = "png";  s[n].b = mk_png(640, 480); s[n++].min_ok = PNG_MIN;
    s[n].name = "png-big"; s[n].b = mk_png(20000, 20000); s[n++].min_ok = PNG_MIN;
    s[n].name = "jpeg-ii-sof0"; s[n].b = mk_jpeg_exif(1, 6, 0xC0, 1024, 768, &e);
    s[n++].min_ok = e;
    s[n].name = "jpeg-mm-sof2"; s[n].b = mk_jpeg_exif(0, 8, 0xC2, 480, 640, &e);
    s[n++].min_ok = e;
    /* a GIF needs its first image descriptor */
    s[n].name = "gif87"; s[n].b = mk_gif_ex("GIF87a", 300, 200, 1, 0, &e);
    s[n++].min_ok = e;
    s[n].name = "gif89-anim"; s[n].b = mk_gif_ex("GIF89a", 48, 32, 3, 1, &e);
    s[n++].min_ok = e;
    s[n].name = "gif-offsets"; s[n].b = bb_new();
    gif_head(s[n].b, "GIF89a", 100, 80);
    gif_frame(s[n].b, 0, 0, 100, 80, 0, &e);
    gif_frame(s[n].b, 90, 70, 10, 10, 1, NULL);
    put8(s[n].b, 0x3B);
    s[n++].min_ok = e;
    s[n].name = "gif-bomb"; s[n].b = bb_new();
    gif_head(s[n].b, "GIF89a", 1, 1);
    gif_frame(s[n].b, 0, 0, 1, 1, 0, &e);
    gif_frame(s[n].b, 0, 0, 65535, 65535, 1, NULL);
    put8(s[n].b, 0x3B);
    s[n].grows = 1;
    s[n++].min_ok = e;
    s[n].name = "webp-vp8"; s[n].b = mk_webp_vp8(400, 300); s[n++].min_ok = 30;
    s[n].name = "webp-vp8l"; s[n].b = mk_webp_vp8l(640, 427, 1); s[n++].min_ok = 25;
    s[n].name = "webp-vp8x"; s[n].b = mk_webp_vp8x(500, 250, 0x12); s[n++].min_ok = 30;
    c = bb_new();
    add_chunk(c, "ICCP", raw_payload(9));
    add_chunk(c, "VP8L", vp8l_payload(640, 427));
    s[n].name = "webp-vp8x-vp8l"; s[n].b = mk_webp_ext(640, 427, 0x20, c);
    s[n++].min_ok = VP8X_MIN;
    bb_free(c);
    c = bb_new();
    add_chunk(c, "ANIM", raw_payload(6));
    f = bb_new();
    add_chunk(f, "VP8L", vp8l_payload(300, 200));
    add_chunk(c, "ANMF", anmf_payload(0, 0, 300, 200, f));
    bb_free(f);
    f = bb_new();
    add_chunk(f, "ALPH", raw_payload(5));
    add_chunk(f, "VP8 ", vp8_payload(100, 50));
    add_chunk(c, "ANMF", anmf_payload(200, 150, 100, 50, f));
    bb_free(f);
    s[n].name = "webp-anim"; s[n].b = mk_webp_ext(300, 200, 0x12, c);
    s[n++].min_ok = VP8X_MIN;
    bb_free(c);
    c = bb_new();
    add_chunk(c, "ANIM", raw_payload(6));
    f = bb_new();
    add_chunk(f, "VP8L", vp8l_payload(16383, 16383));
    add_chunk(c, "ANMF", anmf_payload(8, 8, 2, 2, f));
    bb_free(f);
    s[n].name = "webp-bomb"; s[n].b = mk_webp_ext(2, 2, 0x02, c);
    s[n].grows = 1;
    s[n++].min_ok = VP8X_MIN;
    bb_free(c);
    ck_assert_uint_le(n, MAX_SAMPLES);
    return n;
}

START_TEST(test_every_prefix)
{
    sample s[MAX_SAMPLES];
    size_t ns = make_samples(s), i, L;

    for (i = 0; i < ns; i++) {
        qnft_img_info full, inf, prev;
        const bb *b = s[i].b;
        int gif = 0;

        ck_assert_msg(probe_bb(b, &full) == QNFT_PROBE_OK, "%s", s[i].name);
        gif = full.type == QNFT_IMG_GIF;
        memset(&prev, 0, sizeof(prev));
        for (L = 0; L <= b->n; L++) {
            qnft_probe_status st = probe_exact(b->d, L, &inf);
            qnft_img_type t = L >= magic_len(full.type) ? full.type : QNFT_IMG_UNKNOWN;
            if (L < s[i].min_ok) {
                ck_assert_msg(st == (L == 0 ? QNFT_PROBE_UNSUPPORTED : QNFT_PROBE_NEED_MORE),
                              "%s: prefix %u gave %d", s[i].name, (unsigned)L, (int)st);
                ASSERT_FAILED(inf, t);
                continue;
            }
            ck_assert_msg(st == QNFT_PROBE_OK, "%s: prefix %u gave %d",
                          s[i].name, (unsigned)L, (int)st);
            ck_assert_int_eq(inf.type, full.type);
            ck_assert_int_eq(inf.orientation, full.orientation);
            if (s[i].grows) {
                /* what has been seen so far: never shrinking, never more
                 * than the whole file */
                ck_assert_uint_ge(inf.width, prev.width);
                ck_assert_uint_ge(inf.height, prev.height);
                ck_assert_uint_le(inf.width, full.width);
                ck_assert_uint_le(inf.height, full.height);
            } else {
                ck_assert_uint_eq(inf.width, full.width);
                ck_assert_uint_eq(inf.height, full.height);
            }
            /* GIF animation is only known once the 2nd frame is in */
            if (gif)
                ck_assert_int_le(inf.animated, full.animated);
            else
                ck_assert_int_eq(inf.animated, full.animated);
            prev = inf;
        }
        /* a hostile sample must really grow, or it tests nothing */
        if (s[i].grows)
            ck_assert_msg(probe_exact(b->d, s[i].min_ok, &inf) == QNFT_PROBE_OK
                          && (inf.width < full.width || inf.height < full.height),
                          "%s", s[i].name);
        bb_free(s[i].b);
    }
}
END_TEST

/* Small deterministic PRNG (xorshift32) so failures reproduce. */
static unsigned long rng_next(unsigned long *st)
{
    unsigned long x = *st & 0xFFFFFFFFUL;
    x ^= (x << 13) & 0xFFFFFFFFUL;
    x ^= x >> 17;
    x ^= (x << 5) & 0xFFFFFFFFUL;
    *st = x;
    return x;
}

START_TEST(test_mutations)
{
    sample s[MAX_SAMPLES];
    size_t ns = make_samples(s), i;
    unsigned long seed = 0x2545F491UL;
    int iter;

    for (i = 0; i < ns; i++) {
        const bb *b = s[i].b;
        unsigned char *c = malloc(b->n);
        ck_assert_ptr_nonnull(c);
        for (iter = 0; iter < 3000; iter++) {
            qnft_img_info inf;
            qnft_probe_status st;
            size_t n = b->n, k, nmut = 1 + rng_next(&seed) % 6;
            unsigned char *x;

            memcpy(c, b->d, n);
            for (k = 0; k < nmut; k++) {
                size_t at = rng_next(&seed) % n;
                unsigned long r = rng_next(&seed);
                /* bias towards values that break length/offset fields */
                c[at] = (unsigned char)((r & 3) == 0 ? 0xFF : (r & 3) == 1 ? 0x00 : (r >> 8));
            }
            if (rng_next(&seed) % 4 == 0)
                n = rng_next(&seed) % (n + 1);
            x = malloc(n ? n : 1);      /* exact size: over-reads show */
            ck_assert_ptr_nonnull(x);
            memcpy(x, c, n);
            st = qnft_img_probe(x, n, &inf);
            free(x);
            ck_assert(st == QNFT_PROBE_OK || st == QNFT_PROBE_UNSUPPORTED
                      || st == QNFT_PROBE_NEED_MORE || st == QNFT_PROBE_CORRUPT);
            ck_assert_int_ge(inf.orientation, 1);
            ck_assert_int_le(inf.orientation, 8);
            ck_assert(inf.animated == 0 || inf.animated == 1);
            if (st == QNFT_PROBE_OK) {
                ck_assert_int_ne(inf.type, QNFT_IMG_UNKNOWN);
                ck_assert_uint_gt(inf.width, 0);
                ck_assert_uint_gt(inf.height, 0);
            } else {
                ck_assert_uint_eq(inf.width, 0);
                ck_assert_uint_eq(inf.height, 0);
            }
            if (st == QNFT_PROBE_UNSUPPORTED)
                ck_assert_int_eq(inf.type, QNFT_IMG_UNKNOWN);
        }
        free(c);
        bb_free(s[i].b);
    }
}
END_TEST

/* ------------------------------------------------------------ name tables */

START_TEST(test_mime_ext)
{
    static const qnft_img_type all[] = { QNFT_IMG_PNG, QNFT_IMG_JPEG,
                                         QNFT_IMG_GIF, QNFT_IMG_WEBP };
    size_t i;

    ck_assert_str_eq(qnft_img_mime(QNFT_IMG_PNG), "image/png");
    ck_assert_str_eq(qnft_img_mime(QNFT_IMG_JPEG), "image/jpeg");
    ck_assert_str_eq(qnft_img_mime(QNFT_IMG_GIF), "image/gif");
    ck_assert_str_eq(qnft_img_mime(QNFT_IMG_WEBP), "image/webp");
    ck_assert_ptr_null(qnft_img_mime(QNFT_IMG_UNKNOWN));
    ck_assert_ptr_null(qnft_img_mime((qnft_img_type)99));

    ck_assert_str_eq(qnft_img_ext(QNFT_IMG_PNG), "png");
    ck_assert_str_eq(qnft_img_ext(QNFT_IMG_JPEG), "jpg");
    ck_assert_str_eq(qnft_img_ext(QNFT_IMG_GIF), "gif");
    ck_assert_str_eq(qnft_img_ext(QNFT_IMG_WEBP), "webp");
    ck_assert_ptr_null(qnft_img_ext(QNFT_IMG_UNKNOWN));
    ck_assert_ptr_null(qnft_img_ext((qnft_img_type)-1));

    ck_assert_int_eq(qnft_img_type_from_ext("png"), QNFT_IMG_PNG);
    ck_assert_int_eq(qnft_img_type_from_ext("PNG"), QNFT_IMG_PNG);
    ck_assert_int_eq(qnft_img_type_from_ext("jpg"), QNFT_IMG_JPEG);
    ck_assert_int_eq(qnft_img_type_from_ext("JpG"), QNFT_IMG_JPEG);
    ck_assert_int_eq(qnft_img_type_from_ext("jpeg"), QNFT_IMG_JPEG);
    ck_assert_int_eq(qnft_img_type_from_ext("JPEG"), QNFT_IMG_JPEG);
    ck_assert_int_eq(qnft_img_type_from_ext("Gif"), QNFT_IMG_GIF);
    ck_assert_int_eq(qnft_img_type_from_ext("WEBP"), QNFT_IMG_WEBP);
    ck_assert_int_eq(qnft_img_type_from_ext(NULL), QNFT_IMG_UNKNOWN);
    ck_assert_int_eq(qnft_img_type_from_ext(""), QNFT_IMG_UNKNOWN);
    ck_assert_int_eq(qnft_img_type_from_ext("svg"), QNFT_IMG_UNKNOWN);
    ck_assert_int_eq(qnft_img_type_from_ext("jpe"), QNFT_IMG_UNKNOWN);
    ck_assert_int_eq(qnft_img_type_from_ext("pn"), QNFT_IMG_UNKNOWN);
    ck_assert_int_eq(qnft_img_type_from_ext("pngg"), QNFT_IMG_UNKNOWN);
    ck_assert_int_eq(qnft_img_type_from_ext(".png"), QNFT_IMG_UNKNOWN);
    ck_assert_int_eq(qnft_img_type_from_ext("png "), QNFT_IMG_UNKNOWN);
    ck_assert_int_eq(qnft_img_type_from_ext("p\xc3\xa9ng"), QNFT_IMG_UNKNOWN);

    for (i = 0; i < 4; i++)
        ck_assert_int_eq(qnft_img_type_from_ext(qnft_img_ext(all[i])), all[i]);
}
END_TEST

Suite *qnft_suite_probe(void)
{
    Suite *s = suite_create("probe");
    TCase *tc = tcase_create("core");
    TCase *tf = tcase_create("robustness");

    tcase_add_test(tc, test_sniff);
    tcase_add_test(tc, test_png_ok);
    tcase_add_test(tc, test_png_large_dims);
    tcase_add_test(tc, test_png_corrupt);
    tcase_add_test(tc, test_jpeg_exif_ii);
    tcase_add_test(tc, test_jpeg_exif_mm);
    tcase_add_test(tc, test_jpeg_no_exif);
    tcase_add_test(tc, test_jpeg_sof_markers);
    tcase_add_test(tc, test_jpeg_large_app);
    tcase_add_test(tc, test_jpeg_fill_and_standalone);
    tcase_add_test(tc, test_jpeg_truncated);
    tcase_add_test(tc, test_jpeg_corrupt);
    tcase_add_test(tc, test_jpeg_exif_hostile);
    tcase_add_test(tc, test_jpeg_exif_which_app1);
    tcase_add_test(tc, test_gif_basic);
    tcase_add_test(tc, test_gif_animated);
    tcase_add_test(tc, test_gif_corrupt);
    tcase_add_test(tc, test_gif_frame_extents);
    tcase_add_test(tc, test_gif_frame_walk);
    tcase_add_test(tc, test_webp_vp8);
    tcase_add_test(tc, test_webp_vp8l);
    tcase_add_test(tc, test_webp_vp8x);
    tcase_add_test(tc, test_webp_vp8x_bitstream);
    tcase_add_test(tc, test_webp_vp8x_walk_bounds);
    tcase_add_test(tc, test_webp_anmf);
    tcase_add_test(tc, test_webp_corrupt);
    tcase_add_test(tc, test_unsupported);
    tcase_add_test(tc, test_partial_magic);
    tcase_add_test(tc, test_info_null);
    tcase_add_test(tc, test_mime_ext);
    suite_add_tcase(s, tc);

    /* slow under valgrind: allow for it */
    tcase_set_timeout(tf, 120);
    tcase_add_test(tf, test_every_prefix);
    tcase_add_test(tf, test_mutations);
    suite_add_tcase(s, tf);
    return s;
}
