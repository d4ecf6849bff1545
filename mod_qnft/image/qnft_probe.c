/* Image type detection and header probing, httpd-free.
 *
 * Everything here reads untrusted upload bytes, so every access is preceded
 * by an explicit bounds check against the caller's length (see have()); no
 * offset taken from the data is trusted before it has been compared with
 * what is left in the buffer.
 */
#include "qnft_probe.h"

#include <string.h>

static const unsigned char png_sig[8] = {
    0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A
};

/* True when n bytes starting at off lie inside a buffer of len bytes.
 * Written so that neither side can overflow. */
static int have(apr_size_t len, apr_size_t off, apr_size_t n)
{
    return off <= len && n <= len - off;
}

static apr_uint32_t be16(const unsigned char *p)
{
    return ((apr_uint32_t)p[0] << 8) | (apr_uint32_t)p[1];
}

static apr_uint32_t be32(const unsigned char *p)
{
    return ((apr_uint32_t)p[0] << 24) | ((apr_uint32_t)p[1] << 16)
         | ((apr_uint32_t)p[2] << 8) | (apr_uint32_t)p[3];
}

static apr_uint32_t le16(const unsigned char *p)
{
    return (apr_uint32_t)p[0] | ((apr_uint32_t)p[1] << 8);
}

static apr_uint32_t le24(const unsigned char *p)
{
    return (apr_uint32_t)p[0] | ((apr_uint32_t)p[1] << 8)
         | ((apr_uint32_t)p[2] << 16);
}

static apr_uint32_t le32(const unsigned char *p)
{
    return le24(p) | ((apr_uint32_t)p[3] << 24);
}

/* ------------------------------------------------------------------ sniff */

qnft_img_type qnft_img_sniff(const unsigned char *buf, apr_size_t len)
{
    if (buf == NULL)
        return QNFT_IMG_UNKNOWN;
    if (len >= 8 && memcmp(buf, png_sig, 8) == 0)
        return QNFT_IMG_PNG;
    if (len >= 3 && buf[0] == 0xFF && buf[1] == 0xD8 && buf[2] == 0xFF)
        return QNFT_IMG_JPEG;
    if (len >= 6 && (memcmp(buf, "GIF87a", 6) == 0
                     || memcmp(buf, "GIF89a", 6) == 0))
        return QNFT_IMG_GIF;
    if (len >= 12 && memcmp(buf, "RIFF", 4) == 0
        && memcmp(buf + 8, "WEBP", 4) == 0)
        return QNFT_IMG_WEBP;
    return QNFT_IMG_UNKNOWN;
}

/* True when buf (len > 0) is a proper prefix of one of the magics, i.e.
 * more bytes could still make it a supported image. A caller that probes
 * as data arrives must not reject a PNG just because it has 3 bytes yet. */
static int magic_prefix(const unsigned char *buf, apr_size_t len)
{
    static const unsigned char jpg[3] = { 0xFF, 0xD8, 0xFF };
    apr_size_t i;

    if (len == 0)
        return 0;
    if (len < 8 && memcmp(buf, png_sig, len) == 0)
        return 1;
    if (len < 3 && memcmp(buf, jpg, len) == 0)
        return 1;
    if (len < 6 && memcmp(buf, "GIF8", len < 4 ? len : 4) == 0
        && (len < 5 || buf[4] == '7' || buf[4] == '9'))
        return 1;
    if (len < 12 && memcmp(buf, "RIFF", len < 4 ? len : 4) == 0) {
        /* bytes 4..7 are the RIFF size and may be anything */
        for (i = 8; i < len; i++)
            if (buf[i] != (unsigned char)"WEBP"[i - 8])
                return 0;
        return 1;
    }
    return 0;
}

/* -------------------------------------------------------------------- PNG */

/* Bit depths allowed for each PNG colour type (PNG spec 11.2.2). */
static int png_depth_ok(unsigned color, unsigned depth)
{
    switch (color) {
    case 0: return depth == 1 || depth == 2 || depth == 4 || depth == 8
                   || depth == 16;
    case 3: return depth == 1 || depth == 2 || depth == 4 || depth == 8;
    case 2: case 4: case 6: return depth == 8 || depth == 16;
    default: return 0;
    }
}

static qnft_probe_status probe_png(const unsigned char *b, apr_size_t len,
                                   qnft_img_info *out)
{
    /* signature(8) + length(4) + "IHDR"(4) + 13 data bytes; the CRC is
     * left to the decoder. */
    const unsigned char *d;

    if (!have(len, 0, 8 + 8 + 13))
        return QNFT_PROBE_NEED_MORE;
    if (be32(b + 8) != 13 || memcmp(b + 12, "IHDR", 4) != 0)
        return QNFT_PROBE_CORRUPT;        /* IHDR must come first, 13 bytes */
    d = b + 16;
    out->width = be32(d);
    out->height = be32(d + 4);
    /* PNG limits both to 2^31-1; zero is never valid */
    if (out->width == 0 || out->height == 0
        || out->width > 0x7FFFFFFFu || out->height > 0x7FFFFFFFu)
        return QNFT_PROBE_CORRUPT;
    if (!png_depth_ok(d[9], d[8])      /* colour type, bit depth */
        || d[10] != 0                  /* compression method */
        || d[11] != 0                  /* filter method */
        || d[12] > 1)                  /* interlace: none or Adam7 */
        return QNFT_PROBE_CORRUPT;
    return QNFT_PROBE_OK;
}

/* ------------------------------------------------------------------- JPEG */

/* EXIF byte-order aware readers. */
static apr_uint32_t rd16(const unsigned char *p, int little)
{
    return little ? le16(p) : be16(p);
}

static apr_uint32_t rd32(const unsigned char *p, int little)
{
    return little ? le32(p) : be32(p);
}

/* Orientation from a TIFF structure (the body of an APP1 "Exif\0\0"
 * segment after those 6 bytes). Malformed EXIF is not a reason to refuse
 * the image (the decoder ignores it), so every failure simply means 1. */
static int exif_orientation(const unsigned char *t, apr_size_t tlen)
{
    int little;
    apr_uint32_t ifd, count, i, v;

    if (tlen < 8)
        return 1;
    if (t[0] == 'I' && t[1] == 'I')
        little = 1;
    else if (t[0] == 'M' && t[1] == 'M')
        little = 0;
    else
        return 1;
    if (rd16(t + 2, little) != 42)
        return 1;
    ifd = rd32(t + 4, little);
    if (!have(tlen, ifd, 2))
        return 1;
    count = rd16(t + ifd, little);
    for (i = 0; i < count; i++) {
        /* ifd <= tlen < 64 KiB and i < 64 Ki: cannot overflow */
        apr_size_t e = (apr_size_t)ifd + 2 + (apr_size_t)i * 12;
        if (!have(tlen, e, 12))
            break;                      /* entry table runs off the end */
        if (rd16(t + e, little) != 0x0112)
            continue;
        /* type 3 = SHORT, one value stored inline (left-justified) */
        if (rd16(t + e + 2, little) != 3 || rd32(t + e + 4, little) != 1)
            return 1;
        v = rd16(t + e + 8, little);
        return (v >= 1 && v <= 8) ? (int)v : 1;
    }
    return 1;
}

/* SOFn markers: C0..CF except DHT (C4), JPG (C8) and DAC (CC). */
static int is_sof(unsigned m)
{
    return m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC;
}

static qnft_probe_status probe_jpeg(const unsigned char *b, apr_size_t len,
                                    qnft_img_info *out)
{
    apr_size_t pos = 2;             /* just after SOI */
    int seen_exif = 0;

    for (;;) {
        unsigned m;
        apr_size_t seglen;

        if (pos >= len)
            return QNFT_PROBE_NEED_MORE;
        /* Strict: a marker must follow the previous segment directly.
         * (libjpeg tolerates junk here with a warning; we do not.) */
        if (b[pos] != 0xFF)
            return QNFT_PROBE_CORRUPT;
        while (pos < len && b[pos] == 0xFF)     /* fill bytes */
            pos++;
        if (pos >= len)
            return QNFT_PROBE_NEED_MORE;
        m = b[pos++];

        if (m == 0x00)                  /* stuffed byte outside scan data */
            return QNFT_PROBE_CORRUPT;
        if (m == 0x01 || (m >= 0xD0 && m <= 0xD8))
            continue;                   /* TEM, RSTn, SOI: no length field */
        if (m == 0xD9 || m == 0xDA)     /* EOI or SOS before any frame */
            return QNFT_PROBE_CORRUPT;

        if (!have(len, pos, 2))
            return QNFT_PROBE_NEED_MORE;
        seglen = be16(b + pos);         /* includes the 2 length bytes */
        if (seglen < 2)
            return QNFT_PROBE_CORRUPT;
        /* We must see the whole segment: either to parse it (SOF, EXIF)
         * or to step over it to the next marker. */
        if (!have(len, pos, seglen))
            return QNFT_PROBE_NEED_MORE;

        if (is_sof(m)) {
            /* len(2) P(1) Y(2) X(2) Nf(1), then 3 bytes per component */
            const unsigned char *s = b + pos;
            apr_uint32_t nf;
            if (seglen < 8)
                return QNFT_PROBE_CORRUPT;
            nf = s[7];
            if (nf == 0 || seglen != 8 + 3 * (apr_size_t)nf)
                return QNFT_PROBE_CORRUPT;
            out->height = be16(s + 3);
            out->width = be16(s + 5);
            /* height 0 means "defined later by DNL": not supported */
            if (out->height == 0 || out->width == 0)
                return QNFT_PROBE_CORRUPT;
            return QNFT_PROBE_OK;
        }

        /* Only the first EXIF block counts; XMP also lives in APP1. */
        if (m == 0xE1 && !seen_exif && seglen >= 2 + 6
            && memcmp(b + pos + 2, "Exif\0\0", 6) == 0) {
            seen_exif = 1;
            out->orientation = exif_orientation(b + pos + 8, seglen - 8);
        }
        pos += seglen;
    }
}

/* -------------------------------------------------------------------- GIF */

/* Step over a chain of GIF data sub-blocks starting at *pos. Returns 0 if
 * the buffer ends before the terminating zero-length block. */
static int gif_skip_subblocks(const unsigned char *b, apr_size_t len,
                              apr_size_t *pos)
{
    apr_size_t p = *pos;

    while (p < len) {
        apr_size_t n = b[p++];
        if (n == 0) {
            *pos = p;
            return 1;
        }
        if (!have(len, p, n))
            return 0;
        p += n;
    }
    return 0;
}

/* Counts image descriptors as far as the buffer allows; stops at the
 * second one, at the trailer, at anything unexpected or at the end of
 * buf. Only affects info->animated: the decoder judges the rest. */
static int gif_animated(const unsigned char *b, apr_size_t len)
{
    apr_size_t pos = 13;
    int frames = 0;

    if (b[10] & 0x80)                   /* global colour table */
        pos += (apr_size_t)3 << ((b[10] & 7) + 1);

    while (pos < len) {
        unsigned char c = b[pos];
        if (c == 0x2C) {                /* image descriptor */
            if (++frames > 1)
                return 1;
            if (!have(len, pos, 10))
                return 0;
            if (b[pos + 9] & 0x80)      /* local colour table */
                pos += (apr_size_t)3 << ((b[pos + 9] & 7) + 1);
            pos += 10 + 1;              /* descriptor + LZW min code size */
            if (pos > len || !gif_skip_subblocks(b, len, &pos))
                return 0;
        } else if (c == 0x21) {         /* extension: introducer, label */
            pos += 2;
            if (pos > len || !gif_skip_subblocks(b, len, &pos))
                return 0;
        } else {                        /* trailer (0x3B) or garbage */
            return 0;
        }
    }
    return 0;
}

static qnft_probe_status probe_gif(const unsigned char *b, apr_size_t len,
                                   qnft_img_info *out)
{
    /* header(6) + logical screen descriptor(7) */
    if (!have(len, 0, 13))
        return QNFT_PROBE_NEED_MORE;
    out->width = le16(b + 6);
    out->height = le16(b + 8);
    if (out->width == 0 || out->height == 0)
        return QNFT_PROBE_CORRUPT;
    out->animated = gif_animated(b, len);
    return QNFT_PROBE_OK;
}

/* ------------------------------------------------------------------- WebP */

static qnft_probe_status probe_webp(const unsigned char *b, apr_size_t len,
                                    qnft_img_info *out)
{
    apr_uint32_t riff_size, chunk_size;
    const unsigned char *d;

    /* "RIFF" size "WEBP" + first chunk header (fourcc, size) */
    if (!have(len, 0, 20))
        return QNFT_PROBE_NEED_MORE;
    riff_size = le32(b + 4);
    chunk_size = le32(b + 16);
    /* RIFF payload holds at least "WEBP" and one chunk header, and the
     * first chunk must fit in it (as libwebp checks). */
    if (riff_size < 12 || chunk_size > riff_size - 12)
        return QNFT_PROBE_CORRUPT;
    d = b + 20;

    if (memcmp(b + 12, "VP8 ", 4) == 0) {
        /* lossy: 3-byte frame tag, start code 9d 01 2a, 2x16-bit dims */
        apr_uint32_t tag;
        if (chunk_size < 10)
            return QNFT_PROBE_CORRUPT;
        if (!have(len, 20, 10))
            return QNFT_PROBE_NEED_MORE;
        tag = le24(d);
        if ((tag & 1) != 0              /* must be a key frame */
            || ((tag >> 1) & 7) > 3     /* profile/version 0..3 */
            || ((tag >> 4) & 1) == 0    /* show_frame */
            || (tag >> 5) >= chunk_size /* first partition fits */
            || d[3] != 0x9D || d[4] != 0x01 || d[5] != 0x2A)
            return QNFT_PROBE_CORRUPT;
        /* top 2 bits of each are the scaling mode, not size */
        out->width = le16(d + 6) & 0x3FFF;
        out->height = le16(d + 8) & 0x3FFF;
        if (out->width == 0 || out->height == 0)
            return QNFT_PROBE_CORRUPT;
        return QNFT_PROBE_OK;
    }
    if (memcmp(b + 12, "VP8L", 4) == 0) {
        /* lossless: signature 0x2f, then 14-bit w-1, 14-bit h-1,
         * 1-bit alpha hint, 3-bit version (must be 0) */
        apr_uint32_t bits;
        if (chunk_size < 5)
            return QNFT_PROBE_CORRUPT;
        if (!have(len, 20, 5))
            return QNFT_PROBE_NEED_MORE;
        if (d[0] != 0x2F)
            return QNFT_PROBE_CORRUPT;
        bits = le32(d + 1);
        if ((bits >> 29) != 0)
            return QNFT_PROBE_CORRUPT;
        out->width = (bits & 0x3FFF) + 1;
        out->height = ((bits >> 14) & 0x3FFF) + 1;
        return QNFT_PROBE_OK;
    }
    if (memcmp(b + 12, "VP8X", 4) == 0) {
        /* extended: flags(1) reserved(3) canvas w-1 (24) canvas h-1 (24);
         * the chunk has exactly this size (libwebp insists too) */
        if (chunk_size != 10)
            return QNFT_PROBE_CORRUPT;
        if (!have(len, 20, 10))
            return QNFT_PROBE_NEED_MORE;
        out->width = le24(d + 4) + 1;
        out->height = le24(d + 7) + 1;
        out->animated = (d[0] & 0x02) != 0;     /* ANIMATION flag */
        return QNFT_PROBE_OK;
    }
    /* A simple-format file starts with its bitstream chunk; anything else
     * (ALPH, ANIM, ... without VP8X) is not a valid WebP. */
    return QNFT_PROBE_CORRUPT;
}

/* ------------------------------------------------------------------ probe */

qnft_probe_status qnft_img_probe(const unsigned char *buf, apr_size_t len,
                                 qnft_img_info *info)
{
    qnft_img_info tmp, scratch;
    qnft_probe_status st;

    if (info == NULL)                   /* allow a status-only call */
        info = &scratch;
    if (buf == NULL)
        len = 0;

    info->type = QNFT_IMG_UNKNOWN;
    info->width = 0;
    info->height = 0;
    info->orientation = 1;
    info->animated = 0;

    if (len == 0)
        return QNFT_PROBE_UNSUPPORTED;

    tmp = *info;
    tmp.type = qnft_img_sniff(buf, len);
    switch (tmp.type) {
    case QNFT_IMG_PNG:  st = probe_png(buf, len, &tmp);  break;
    case QNFT_IMG_JPEG: st = probe_jpeg(buf, len, &tmp); break;
    case QNFT_IMG_GIF:  st = probe_gif(buf, len, &tmp);  break;
    case QNFT_IMG_WEBP: st = probe_webp(buf, len, &tmp); break;
    case QNFT_IMG_UNKNOWN:
    default:
        return magic_prefix(buf, len) ? QNFT_PROBE_NEED_MORE
                                      : QNFT_PROBE_UNSUPPORTED;
    }

    /* The type is reported whatever the status; the other fields only
     * once the header has been accepted, so a caller cannot act on
     * half-parsed values. */
    info->type = tmp.type;
    if (st == QNFT_PROBE_OK)
        *info = tmp;
    return st;
}

/* ----------------------------------------------------------- name tables */

const char *qnft_img_mime(qnft_img_type t)
{
    switch (t) {
    case QNFT_IMG_PNG:  return "image/png";
    case QNFT_IMG_JPEG: return "image/jpeg";
    case QNFT_IMG_GIF:  return "image/gif";
    case QNFT_IMG_WEBP: return "image/webp";
    case QNFT_IMG_UNKNOWN:
    default:            return NULL;
    }
}

const char *qnft_img_ext(qnft_img_type t)
{
    switch (t) {
    case QNFT_IMG_PNG:  return "png";
    case QNFT_IMG_JPEG: return "jpg";
    case QNFT_IMG_GIF:  return "gif";
    case QNFT_IMG_WEBP: return "webp";
    case QNFT_IMG_UNKNOWN:
    default:            return NULL;
    }
}

/* ASCII-only case-insensitive compare: strcasecmp depends on the locale
 * and is not C99. */
static int ext_eq(const char *a, const char *lower)
{
    for (; *a != '\0' && *lower != '\0'; a++, lower++) {
        char c = *a;
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c != *lower)
            return 0;
    }
    return *a == '\0' && *lower == '\0';
}

qnft_img_type qnft_img_type_from_ext(const char *ext)
{
    if (ext == NULL)
        return QNFT_IMG_UNKNOWN;
    if (ext_eq(ext, "png"))
        return QNFT_IMG_PNG;
    if (ext_eq(ext, "jpg") || ext_eq(ext, "jpeg"))
        return QNFT_IMG_JPEG;
    if (ext_eq(ext, "gif"))
        return QNFT_IMG_GIF;
    if (ext_eq(ext, "webp"))
        return QNFT_IMG_WEBP;
    return QNFT_IMG_UNKNOWN;
}
