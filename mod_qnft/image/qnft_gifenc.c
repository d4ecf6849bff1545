#include <string.h>

#include "image/qnft_gifenc.h"

#define MAX_CODES 4096
/* Open addressing with linear probing at load <= 1/4: one probe almost
 * always. An entry packs the 20-bit key (prefix, byte) and the 12-bit code. */
#define HBITS 14
#define HSIZE (1 << HBITS)
#define HEMPTY 0xffffffffu

struct qnft_gifenc {
    apr_pool_t *pool;
    int w, h;
    qnft_gif_write_fn *write;
    void *baton;
    apr_off_t bytes;
    /* LZW state */
    apr_uint32_t htab[HSIZE];
    /* output of one frame: bit accumulator and 255-byte sub-blocks */
    unsigned char *out;
    apr_size_t out_len, out_cap;
    unsigned long bits;
    int nbits;
    unsigned char block[256];
    int block_len;
};

static apr_status_t emit(qnft_gifenc *e, const void *data, apr_size_t len)
{
    e->bytes += (apr_off_t)len;
    return e->write(e->baton, data, len);
}

static inline void out_byte(qnft_gifenc *e, unsigned char c)
{
    e->block[1 + e->block_len++] = c;
    if (e->block_len == 255) {
        e->block[0] = 255;
        /* the frame buffer is sized for the worst case up front */
        memcpy(e->out + e->out_len, e->block, 256);
        e->out_len += 256;
        e->block_len = 0;
    }
}

static inline void out_code(qnft_gifenc *e, int code, int size)
{
    e->bits |= (unsigned long)code << e->nbits;
    e->nbits += size;
    while (e->nbits >= 8) {
        out_byte(e, (unsigned char)(e->bits & 0xff));
        e->bits >>= 8;
        e->nbits -= 8;
    }
}

static void out_flush(qnft_gifenc *e)
{
    if (e->nbits > 0) {
        out_byte(e, (unsigned char)(e->bits & 0xff));
    }
    e->bits = 0;
    e->nbits = 0;
    if (e->block_len > 0) {
        e->block[0] = (unsigned char)e->block_len;
        memcpy(e->out + e->out_len, e->block, (apr_size_t)e->block_len + 1);
        e->out_len += (apr_size_t)e->block_len + 1;
        e->block_len = 0;
    }
    e->out[e->out_len++] = 0;   /* block terminator */
}

/* LZW over the rectangle (x0,y0,fw,fh) of the canvas-sized index array. */
static void lzw(qnft_gifenc *e, const unsigned char *idx, int x0, int y0, int fw, int fh)
{
    const int clear = 256, eoi = 257;
    int next = eoi + 1, size = 9, prefix = -1, x, y;

    memset(e->htab, 0xff, sizeof(e->htab));
    out_code(e, clear, size);
    for (y = y0; y < y0 + fh; y++) {
        const unsigned char *row = idx + (size_t)y * (size_t)e->w;
        for (x = x0; x < x0 + fw; x++) {
            int c = row[x];
            apr_uint32_t key, i;
            if (prefix < 0) {
                prefix = c;
                continue;
            }
            key = ((apr_uint32_t)prefix << 8) | (apr_uint32_t)c;
            i = (key * 2654435761u) >> (32 - HBITS);
            while (e->htab[i] != HEMPTY && (e->htab[i] >> 12) != key) {
                i = (i + 1) & (HSIZE - 1);
            }
            if (e->htab[i] != HEMPTY) {
                prefix = (int)(e->htab[i] & 0xfff);
                continue;
            }
            out_code(e, prefix, size);
            prefix = c;
            if (next < MAX_CODES) {
                /* the decoder's table grows one step behind ours */
                if (next == (1 << size) && size < 12) {
                    size++;
                }
                e->htab[i] = (key << 12) | (apr_uint32_t)next++;
            }
            else {
                out_code(e, clear, size);
                memset(e->htab, 0xff, sizeof(e->htab));
                next = eoi + 1;
                size = 9;
            }
        }
    }
    if (prefix >= 0) {
        out_code(e, prefix, size);
        /* the decoder adds an entry after this code and may widen */
        if (next == (1 << size) && size < 12) {
            size++;
        }
    }
    out_code(e, eoi, size);
    out_flush(e);
}

qnft_gifenc *qnft_gifenc_begin(apr_pool_t *p, int w, int h, const unsigned char *pal,
                               int ncolors, int loops, qnft_gif_write_fn *write, void *baton,
                               apr_status_t *rv)
{
    qnft_gifenc *e = apr_pcalloc(p, sizeof(*e));
    unsigned char head[13 + 256 * 3 + 19];
    unsigned char *q = head;

    e->pool = p;
    e->w = w;
    e->h = h;
    e->write = write;
    e->baton = baton;
    /* Worst case: every pixel a 12-bit code plus clears, in sub-blocks. */
    e->out_cap = (apr_size_t)w * (apr_size_t)h * 2 + 1024;
    e->out = apr_palloc(p, e->out_cap);

    memcpy(q, "GIF89a", 6);
    q += 6;
    *q++ = (unsigned char)(w & 0xff);
    *q++ = (unsigned char)(w >> 8);
    *q++ = (unsigned char)(h & 0xff);
    *q++ = (unsigned char)(h >> 8);
    *q++ = 0xf7;        /* global table, 8-bit colour resolution, 256 entries */
    *q++ = 0;           /* background index */
    *q++ = 0;           /* no aspect ratio */
    memset(q, 0, 256 * 3);
    memcpy(q, pal, (size_t)ncolors * 3);
    q += 256 * 3;
    /* NETSCAPE2.0 application extension: loop count */
    memcpy(q, "\x21\xff\x0bNETSCAPE2.0\x03\x01", 16);
    q += 16;
    *q++ = (unsigned char)(loops & 0xff);
    *q++ = (unsigned char)((loops >> 8) & 0xff);
    *q++ = 0;
    *rv = emit(e, head, (apr_size_t)(q - head));
    return e;
}

apr_status_t qnft_gifenc_add(qnft_gifenc *e, const unsigned char *idx, int delay_cs)
{
    int x0 = e->w, y0 = e->h, x1 = -1, y1 = -1, x, y, keep = 0;

    for (y = 0; y < e->h; y++) {
        const unsigned char *row = idx + (size_t)y * (size_t)e->w;
        int first = -1, last = -1;
        for (x = 0; x < e->w; x++) {
            if (row[x] != QNFT_GIF_KEEP) {
                if (first < 0) first = x;
                last = x;
            }
            else {
                keep = 1;
            }
        }
        if (first >= 0) {
            if (first < x0) x0 = first;
            if (last > x1) x1 = last;
            if (y < y0) y0 = y;
            y1 = y;
        }
    }
    return qnft_gifenc_add_rect(e, idx, x0, y0, x1, y1, keep, delay_cs);
}

apr_status_t qnft_gifenc_add_rect(qnft_gifenc *e, const unsigned char *idx, int x0, int y0,
                                  int x1, int y1, int keep, int delay_cs)
{
    unsigned char head[8 + 10];

    if (x1 < 0) {           /* nothing changed: a 1x1 transparent frame keeps time */
        x0 = y0 = x1 = y1 = 0;
        keep = 1;
    }
    /* Graphic control: disposal "leave in place", transparency if used. */
    head[0] = 0x21; head[1] = 0xf9; head[2] = 4;
    head[3] = (unsigned char)((1 << 2) | (keep ? 1 : 0));
    head[4] = (unsigned char)(delay_cs & 0xff);
    head[5] = (unsigned char)((delay_cs >> 8) & 0xff);
    head[6] = QNFT_GIF_KEEP;
    head[7] = 0;
    /* Image descriptor, no local table; then the LZW minimum code size. */
    head[8] = 0x2c;
    head[9] = (unsigned char)(x0 & 0xff); head[10] = (unsigned char)(x0 >> 8);
    head[11] = (unsigned char)(y0 & 0xff); head[12] = (unsigned char)(y0 >> 8);
    head[13] = (unsigned char)((x1 - x0 + 1) & 0xff); head[14] = (unsigned char)((x1 - x0 + 1) >> 8);
    head[15] = (unsigned char)((y1 - y0 + 1) & 0xff); head[16] = (unsigned char)((y1 - y0 + 1) >> 8);
    head[17] = 0;
    memcpy(e->out, head, 18);
    e->out_len = 18;
    e->out[e->out_len++] = 8;
    if (x1 == 0 && y1 == 0 && idx[0] == QNFT_GIF_KEEP) {
        /* Nothing changed: the one pixel is the transparent index. (Row 0
         * of a one-byte array is all lzw() reads for a 1x1 rectangle.) */
        static const unsigned char transparent = QNFT_GIF_KEEP;
        lzw(e, &transparent, 0, 0, 1, 1);
    }
    else {
        lzw(e, idx, x0, y0, x1 - x0 + 1, y1 - y0 + 1);
    }
    return emit(e, e->out, e->out_len);
}

apr_status_t qnft_gifenc_end(qnft_gifenc *e)
{
    return emit(e, ";", 1);
}

apr_off_t qnft_gifenc_bytes(const qnft_gifenc *e)
{
    return e->bytes;
}
