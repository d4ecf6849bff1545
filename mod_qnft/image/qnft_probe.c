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

/* Widen *w x *h so that it covers a frame at (x, y) of size fw x fh.
 * Callers keep every operand below 2^26, so the sums cannot overflow. */
static void grow_extent(apr_uint32_t x, apr_uint32_t y, apr_uint32_t fw,
                        apr_uint32_t fh, apr_uint32_t *w, apr_uint32_t *h)
{
    if (x + fw > *w)
        *w = x + fw;
    if (y + fh > *h)
        *h = y + fh;
}

/* The logical screen is only what the file says; each image descriptor
 * carries its own left, top, width and height, and a decoder may allocate
 * for those. So every frame is visited (LZW data is stepped over by its
 * sub-block lengths, never decoded) and the reported size is the screen
 * grown to cover each frame: the caller's pixel limit then applies to
 * anything a decoder could be asked to hold. The walk ends at the trailer,
 * at a byte that starts no block, or where buf ends; in the last case the
 * frames seen so far are reported, but at least one image descriptor must
 * have been read whole, or more data is needed. */
static qnft_probe_status probe_gif(const unsigned char *b, apr_size_t len,
                                   qnft_img_info *out)
{
    apr_uint32_t w, h;
    apr_size_t pos = 13;
    int frames = 0;                     /* complete image descriptors */
    int intros = 0;                     /* 0x2C bytes met, for "animated" */
    int ended = 1;                      /* the walk ran out of data */

    /* header(6) + logical screen descriptor(7) */
    if (!have(len, 0, 13))
        return QNFT_PROBE_NEED_MORE;
    w = le16(b + 6);
    h = le16(b + 8);
    if (w == 0 || h == 0)
        return QNFT_PROBE_CORRUPT;

    if (b[10] & 0x80)                   /* global colour table */
        pos += (apr_size_t)3 << ((b[10] & 7) + 1);

    while (pos < len) {
        unsigned char c = b[pos];
        if (c == 0x2C) {                /* image descriptor */
            /* left(2) top(2) width(2) height(2) flags(1) after 0x2C */
            const unsigned char *d = b + pos + 1;
            apr_uint32_t fw, fh;
            if (intros < 2)             /* only "more than one" matters */
                intros++;
            if (!have(len, pos, 10))
                break;
            fw = le16(d + 4);
            fh = le16(d + 6);
            if (fw == 0 || fh == 0)
                return QNFT_PROBE_CORRUPT;
            grow_extent(le16(d), le16(d + 2), fw, fh, &w, &h);
            frames++;
            if (d[8] & 0x80)            /* local colour table */
                pos += (apr_size_t)3 << ((d[8] & 7) + 1);
            pos += 10 + 1;              /* descriptor + LZW min code size */
            if (pos <= len && frames == 1 && (b[pos - 1] < 2 || b[pos - 1] > 8))
                out->cut = 1;           /* no GIF encoder writes such a code size */
            if (pos > len || !gif_skip_subblocks(b, len, &pos)) {
                if (frames == 1)
                    out->cut = 1;
                break;
            }
        } else if (c == 0x21) {         /* extension: introducer, label */
            pos += 2;
            if (pos > len || !gif_skip_subblocks(b, len, &pos))
                break;
        } else {                        /* trailer (0x3B) or garbage */
            ended = 0;
            break;
        }
    }
    if (ended && frames == 0)
        return QNFT_PROBE_NEED_MORE;
    out->width = w;
    out->height = h;
    out->animated = intros > 1;
    return QNFT_PROBE_OK;
}

/* ------------------------------------------------------------------- WebP */

/* Chunks after VP8X. The canvas is only what the file says: the VP8 or
 * VP8L bitstream that follows carries its own size, and each ANMF frame
 * its own offset and size (and a bitstream of its own inside), any of
 * which a decoder may allocate for. Grow *w x *h over all of them. pos
 * is the first chunk header, end the end of the RIFF payload or of buf,
 * whichever comes first; (x, y) is the offset of the enclosing ANMF frame
 * (0, 0 at top level). Chunk sizes are padded to even. A chunk whose size
 * runs past end ends the walk, after its header has been looked at. Only
 * one level of ANMF is entered (frames do not nest). */
static void webp_walk(const unsigned char *b, apr_size_t pos, apr_size_t end,
                      apr_uint32_t x, apr_uint32_t y, int in_frame,
                      apr_uint32_t *w, apr_uint32_t *h)
{
    while (have(end, pos, 8)) {
        const unsigned char *p = b + pos + 8;
        apr_uint32_t size = le32(b + pos + 4);
        apr_size_t avail = end - pos - 8;      /* payload bytes present */

        /* x, y < 2^25 and the sizes below < 2^24 + 1: no overflow */
        if (memcmp(b + pos, "VP8 ", 4) == 0) {
            if (size >= 10 && avail >= 10)
                grow_extent(x, y, le16(p + 6) & 0x3FFF,
                            le16(p + 8) & 0x3FFF, w, h);
        } else if (memcmp(b + pos, "VP8L", 4) == 0) {
            if (size >= 5 && avail >= 5) {
                apr_uint32_t bits = le32(p + 1);
                grow_extent(x, y, (bits & 0x3FFF) + 1,
                            ((bits >> 14) & 0x3FFF) + 1, w, h);
            }
        } else if (memcmp(b + pos, "ANMF", 4) == 0 && !in_frame) {
            /* X/2 (24) Y/2 (24) width-1 (24) height-1 (24) duration (24)
             * flags (8), then the frame's own chunks */
            if (size >= 16 && avail >= 16) {
                apr_uint32_t fx = 2 * le24(p), fy = 2 * le24(p + 3);
                apr_size_t fend = size < avail ? pos + 8 + size : end;
                grow_extent(fx, fy, le24(p + 6) + 1, le24(p + 9) + 1, w, h);
                webp_walk(b, pos + 8 + 16, fend, fx, fy, 1, w, h);
            }
        }
        if (size > avail)
            break;
        /* pos + 8 + size <= end here, so neither sum can wrap */
        pos += 8 + (apr_size_t)size + (size & 1);
    }
}

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
         * the chunk has exactly this size (libwebp insists too). The
         * result is the canvas grown over every bitstream and frame that
         * follows (see webp_walk). */
        apr_size_t end = len;

        if (chunk_size != 10)
            return QNFT_PROBE_CORRUPT;
        if (!have(len, 20, 10))
            return QNFT_PROBE_NEED_MORE;
        out->width = le24(d + 4) + 1;
        out->height = le24(d + 7) + 1;
        out->animated = (d[0] & 0x02) != 0;     /* ANIMATION flag */
        /* decoders stop at the end of the RIFF payload */
        if (riff_size <= len - 8)
            end = 8 + (apr_size_t)riff_size;
        webp_walk(b, 30, end, 0, 0, 0, &out->width, &out->height);
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
    info->cut = 0;

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
