/* Unit tests for the streaming multipart/form-data parser. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <apr_general.h>
#include <apr_pools.h>

#include "upload/qnft_multipart.h"
#include "qnft_unit.h"

static apr_pool_t *pool;

static void setup(void)
{
    apr_initialize();
    apr_pool_create(&pool, NULL);
}

static void teardown(void)
{
    apr_pool_destroy(pool);
    apr_terminate();
}

/* ---- a recorder that serialises the callbacks into one byte log ----
 *
 * part_begin writes "{index|name|filename|content-type}" ("~" for NULL),
 * part_data appends the raw bytes, part_end writes "{/}". Adjacent data
 * calls merge, so any way of splitting the body must give the same log. */
typedef struct {
    char *log;
    size_t len, cap;
    int keep_data;           /* append data bytes to the log */
    int begins, ends, data_calls;
    size_t data_bytes;
    unsigned long hash;      /* FNV-1a over all data bytes */
    int abort_on_begin;      /* abort in the n-th part_begin (1-based), 0 = never */
    int abort_on_data;       /* abort in the n-th part_data call */
    int abort_on_end;        /* abort in the n-th part_end */
    int aborted;
    int calls_after_abort;
} recorder;

static void rec_init(recorder *rec)
{
    memset(rec, 0, sizeof(*rec));
    rec->keep_data = 1;
    rec->cap = 256;
    rec->log = malloc(rec->cap);
    ck_assert_ptr_nonnull(rec->log);
    rec->hash = 2166136261UL;
}

static void rec_free(recorder *rec)
{
    free(rec->log);
    rec->log = NULL;
}

static void rec_append(recorder *rec, const char *data, size_t len)
{
    if (rec->len + len > rec->cap) {
        while (rec->len + len > rec->cap)
            rec->cap *= 2;
        rec->log = realloc(rec->log, rec->cap);
        ck_assert_ptr_nonnull(rec->log);
    }
    memcpy(rec->log + rec->len, data, len);
    rec->len += len;
}

static void rec_append_str(recorder *rec, const char *s)
{
    rec_append(rec, s != NULL ? s : "~", strlen(s != NULL ? s : "~"));
}

static int on_begin(void *baton, const qnft_mp_part *part)
{
    recorder *rec = baton;
    char index[16];

    if (rec->aborted)
        rec->calls_after_abort++;
    rec->begins++;
    ck_assert_ptr_nonnull(part->name);
    snprintf(index, sizeof(index), "{%d|", part->index);
    rec_append_str(rec, index);
    rec_append_str(rec, part->name);
    rec_append_str(rec, "|");
    rec_append_str(rec, part->filename);
    rec_append_str(rec, "|");
    rec_append_str(rec, part->content_type);
    rec_append_str(rec, "}");
    if (rec->begins == rec->abort_on_begin) {
        rec->aborted = 1;
        return 1;
    }
    return 0;
}

static int on_data(void *baton, const char *data, apr_size_t len)
{
    recorder *rec = baton;
    size_t i;

    if (rec->aborted)
        rec->calls_after_abort++;
    ck_assert_uint_gt(len, 0);
    rec->data_calls++;
    rec->data_bytes += len;
    for (i = 0; i < len; i++) {
        rec->hash ^= (unsigned char)data[i];
        rec->hash = (rec->hash * 16777619UL) & 0xffffffffUL;
    }
    if (rec->keep_data)
        rec_append(rec, data, len);
    if (rec->data_calls == rec->abort_on_data) {
        rec->aborted = 1;
        return 1;
    }
    return 0;
}

static int on_end(void *baton)
{
    recorder *rec = baton;

    if (rec->aborted)
        rec->calls_after_abort++;
    rec->ends++;
    rec_append_str(rec, "{/}");
    if (rec->ends == rec->abort_on_end) {
        rec->aborted = 1;
        return 1;
    }
    return 0;
}

static const qnft_mp_callbacks recorder_cb = { on_begin, on_data, on_end };

/* Parse body in pieces cut at the ascending offsets cuts[0..ncuts), then
 * finish. Returns the first error (feeding stops there) or finish's result.
 * The parser lives in a subpool so loops over many splits stay small. */
static qnft_mp_status parse_cuts(const char *boundary, const char *body,
                                 size_t len, const qnft_mp_limits *limits,
                                 const size_t *cuts, size_t ncuts,
                                 recorder *rec, int *part_count)
{
    apr_pool_t *sub;
    qnft_mp_parser *mp;
    qnft_mp_status st = QNFT_MP_OK;
    size_t prev = 0, i;

    apr_pool_create(&sub, pool);
    mp = qnft_mp_create(sub, boundary, limits, &recorder_cb, rec);
    ck_assert_ptr_nonnull(mp);
    for (i = 0; i <= ncuts && st == QNFT_MP_OK; i++) {
        size_t next = i < ncuts ? cuts[i] : len;
        st = qnft_mp_feed(mp, body + prev, next - prev);
        prev = next;
    }
    if (st == QNFT_MP_OK)
        st = qnft_mp_finish(mp);
    if (part_count != NULL)
        *part_count = qnft_mp_part_count(mp);
    apr_pool_destroy(sub);
    return st;
}

static qnft_mp_status parse_whole(const char *boundary, const char *body,
                                  size_t len, const qnft_mp_limits *limits,
                                  recorder *rec, int *part_count)
{
    return parse_cuts(boundary, body, len, limits, NULL, 0, rec, part_count);
}

/* Feed in fixed-size pieces. */
static qnft_mp_status parse_chunked(const char *boundary, const char *body,
                                    size_t len, size_t piece, recorder *rec)
{
    apr_pool_t *sub;
    qnft_mp_parser *mp;
    qnft_mp_status st = QNFT_MP_OK;
    size_t pos;

    apr_pool_create(&sub, pool);
    mp = qnft_mp_create(sub, boundary, NULL, &recorder_cb, rec);
    for (pos = 0; pos < len && st == QNFT_MP_OK; pos += piece)
        st = qnft_mp_feed(mp, body + pos, len - pos < piece ? len - pos : piece);
    if (st == QNFT_MP_OK)
        st = qnft_mp_finish(mp);
    apr_pool_destroy(sub);
    return st;
}

/* String literals may hold NULs, so their size comes from sizeof. */
#define LIT(s) (s), (sizeof(s) - 1)

#define ck_assert_log(rec, expected) do {                              \
        ck_assert_uint_eq((rec)->len, sizeof(expected) - 1);            \
        ck_assert_mem_eq((rec)->log, (expected), sizeof(expected) - 1); \
    } while (0)

#define ck_assert_st(actual, expected) \
    ck_assert_int_eq((int)(actual), (int)(expected))

#define CD "Content-Disposition: form-data"

/* ---- well-formed bodies ---- */

START_TEST(single_file_part)
{
    static const char body[] =
        "--XyZ\r\n"
        CD "; name=\"upload\"; filename=\"cat.png\"\r\n"
        "Content-Type: image/png\r\n"
        "\r\n"
        "\x89PNG\r\n\x1a\n"
        "\r\n--XyZ--\r\n";
    recorder rec;
    int parts = -1;

    rec_init(&rec);
    ck_assert_st(parse_whole("XyZ", LIT(body), NULL, &rec, &parts), QNFT_MP_OK);
    ck_assert_log(&rec, "{0|upload|cat.png|image/png}\x89PNG\r\n\x1a\n{/}");
    ck_assert_int_eq(parts, 1);
    ck_assert_int_eq(rec.begins, 1);
    ck_assert_int_eq(rec.ends, 1);
    ck_assert_uint_eq(rec.data_bytes, 8);
    rec_free(&rec);
}
END_TEST

START_TEST(several_parts)
{
    static const char body[] =
        "--AaB03x\r\n"
        CD "; name=\"title\"\r\n"
        "\r\n"
        "Hello world\r\n"
        "--AaB03x\r\n"
        CD "; name=\"desc\"\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
        "\r\n"
        "line1\r\nline2\r\n"
        "--AaB03x\r\n"
        CD "; name=\"photo\"; filename=\"me.jpg\"\r\n"
        "Content-Type: image/jpeg\r\n"
        "\r\n"
        "\xff\xd8\xff\xe0JFIF\r\n"
        "--AaB03x--";
    recorder rec;
    int parts = -1;

    rec_init(&rec);
    ck_assert_st(parse_whole("AaB03x", LIT(body), NULL, &rec, &parts),
                 QNFT_MP_OK);
    ck_assert_log(&rec,
                  "{0|title|~|~}Hello world{/}"
                  "{1|desc|~|text/plain; charset=utf-8}line1\r\nline2{/}"
                  "{2|photo|me.jpg|image/jpeg}\xff\xd8\xff\xe0JFIF{/}");
    ck_assert_int_eq(parts, 3);
    ck_assert_int_eq(rec.begins, 3);
    ck_assert_int_eq(rec.ends, 3);
    rec_free(&rec);
}
END_TEST

START_TEST(preamble_and_epilogue_ignored)
{
    static const char body[] =
        "This is the preamble.\r\n"
        "It mentions --XyZ but not at a line start.\r\n"
        "\r\n--XyZ\r\n"
        CD "; name=\"only\"\r\n"
        "\r\n"
        "real data\r\n"
        "--XyZ--\r\n"
        "epilogue text\r\n"
        "--XyZ\r\n"
        CD "; name=\"ghost\"\r\n"
        "\r\n"
        "boo\r\n"
        "--XyZ--\r\n"
        "garbage \x01\x02";
    recorder rec;
    int parts = -1;

    rec_init(&rec);
    ck_assert_st(parse_whole("XyZ", LIT(body), NULL, &rec, &parts), QNFT_MP_OK);
    ck_assert_log(&rec, "{0|only|~|~}real data{/}");
    ck_assert_int_eq(parts, 1);
    rec_free(&rec);
}
END_TEST

START_TEST(epilogue_feed_after_close)
{
    static const char body[] =
        "--XyZ\r\n" CD "; name=\"a\"\r\n\r\nA\r\n--XyZ--";
    recorder rec;
    qnft_mp_parser *mp;

    rec_init(&rec);
    mp = qnft_mp_create(pool, "XyZ", NULL, &recorder_cb, &rec);
    ck_assert_st(qnft_mp_feed(mp, LIT(body)), QNFT_MP_OK);
    ck_assert_st(qnft_mp_feed(mp, LIT("\r\n--XyZ\r\nnot a header\r\n")),
                 QNFT_MP_OK);
    ck_assert_st(qnft_mp_finish(mp), QNFT_MP_OK);
    ck_assert_st(qnft_mp_finish(mp), QNFT_MP_OK);
    ck_assert_log(&rec, "{0|a|~|~}A{/}");
    rec_free(&rec);
}
END_TEST

START_TEST(quoted_params_with_escapes)
{
    /* On the wire: name="a;b=\"c\"\\d"; filename="x\\y;z \q.txt" */
    static const char body[] =
        "--XyZ\r\n"
        CD "; name=\"a;b=\\\"c\\\"\\\\d\"; filename=\"x\\\\y;z \\q.txt\"\r\n"
        "\r\n"
        "v\r\n"
        "--XyZ--";
    recorder rec;

    rec_init(&rec);
    ck_assert_st(parse_whole("XyZ", LIT(body), NULL, &rec, NULL), QNFT_MP_OK);
    ck_assert_log(&rec, "{0|a;b=\"c\"\\d|x\\y;z q.txt|~}v{/}");
    rec_free(&rec);
}
END_TEST

START_TEST(unquoted_params)
{
    static const char body[] =
        "--XyZ\r\n"
        "Content-Disposition: form-data;name=field1;filename=notes.txt\r\n"
        "\r\n"
        "one\r\n"
        "--XyZ\r\n"
        "Content-Disposition: form-data ; name = files[] ;\tfilename= a.txt ;\r\n"
        "\r\n"
        "two\r\n"
        "--XyZ\r\n"
        "Content-Disposition: form-data; name=\"\"; filename=\"\"\r\n"
        "\r\n"
        "three\r\n"
        "--XyZ--";
    recorder rec;

    rec_init(&rec);
    ck_assert_st(parse_whole("XyZ", LIT(body), NULL, &rec, NULL), QNFT_MP_OK);
    /* filename="" is present (empty), not absent. */
    ck_assert_log(&rec,
                  "{0|field1|notes.txt|~}one{/}"
                  "{1|files[]|a.txt|~}two{/}"
                  "{2|||~}three{/}");
    rec_free(&rec);
}
END_TEST

START_TEST(unknown_params_and_filename_star_ignored)
{
    static const char body[] =
        "--XyZ\r\n"
        CD "; foo=bar; name=\"n\"; filename*=UTF-8''%e2%82%ac.txt;"
        " filename=\"euro.txt\"; size=12\r\n"
        "X-Other: whatever; name=\"nope\"\r\n"
        "\r\n"
        "x\r\n"
        "--XyZ--";
    recorder rec;

    rec_init(&rec);
    ck_assert_st(parse_whole("XyZ", LIT(body), NULL, &rec, NULL), QNFT_MP_OK);
    ck_assert_log(&rec, "{0|n|euro.txt|~}x{/}");
    rec_free(&rec);
}
END_TEST

START_TEST(case_insensitive_headers)
{
    static const char body[] =
        "--XyZ\r\n"
        "content-DISPOSITION: Form-Data; NAME=\"f\"; FileName=\"g.TXT\"\r\n"
        "CONTENT-type:Text/Plain\r\n"
        "\r\n"
        "data\r\n"
        "--XyZ--";
    recorder rec;

    rec_init(&rec);
    ck_assert_st(parse_whole("XyZ", LIT(body), NULL, &rec, NULL), QNFT_MP_OK);
    /* Names are case-insensitive, values are kept as sent. */
    ck_assert_log(&rec, "{0|f|g.TXT|Text/Plain}data{/}");
    rec_free(&rec);
}
END_TEST

START_TEST(content_type_verbatim_trimmed)
{
    static const char body[] =
        "--XyZ\r\n"
        CD "; name=\"t\"\r\n"
        "Content-Type: \t text/plain; charset=\"UTF-8\" \t\r\n"
        "\r\n"
        "x\r\n"
        "--XyZ--";
    recorder rec;

    rec_init(&rec);
    ck_assert_st(parse_whole("XyZ", LIT(body), NULL, &rec, NULL), QNFT_MP_OK);
    ck_assert_log(&rec, "{0|t|~|text/plain; charset=\"UTF-8\"}x{/}");
    rec_free(&rec);
}
END_TEST

START_TEST(header_folding)
{
    static const char body[] =
        "--XyZ\r\n"
        "Content-Disposition: form-data;\r\n"
        " name=\"folded\";\r\n"
        "\tfilename=\"f.txt\"\r\n"
        "Content-Type: text/plain;\r\n"
        "  charset=utf-8\r\n"
        "\r\n"
        "x\r\n"
        "--XyZ--";
    recorder rec;

    rec_init(&rec);
    ck_assert_st(parse_whole("XyZ", LIT(body), NULL, &rec, NULL), QNFT_MP_OK);
    ck_assert_log(&rec, "{0|folded|f.txt|text/plain;  charset=utf-8}x{/}");
    rec_free(&rec);
}
END_TEST

START_TEST(part_without_headers)
{
    static const char body[] =
        "--XyZ\r\n"
        "\r\n"
        "anonymous\r\n"
        "--XyZ\r\n"
        "X-Note: no disposition here\r\n"
        "\r\n"
        "second\r\n"
        "--XyZ--";
    recorder rec;

    rec_init(&rec);
    ck_assert_st(parse_whole("XyZ", LIT(body), NULL, &rec, NULL), QNFT_MP_OK);
    ck_assert_log(&rec, "{0||~|~}anonymous{/}{1||~|~}second{/}");
    rec_free(&rec);
}
END_TEST

START_TEST(lf_only_header_lines)
{
    static const char body[] =
        "--XyZ\r\n"
        CD "; name=\"a\"\n"
        "Content-Type: text/plain\n"
        "\n"
        "hello\r\n"
        "--XyZ\r\n"
        CD "; name=\"b\"\r\n"
        "Content-Type: text/html\n"
        "\r\n"
        "mixed\r\n"
        "--XyZ--";
    recorder rec;

    rec_init(&rec);
    ck_assert_st(parse_whole("XyZ", LIT(body), NULL, &rec, NULL), QNFT_MP_OK);
    ck_assert_log(&rec, "{0|a|~|text/plain}hello{/}{1|b|~|text/html}mixed{/}");
    rec_free(&rec);
}
END_TEST

START_TEST(transport_padding)
{
    static const char body[] =
        "--XyZ  \t \r\n"
        CD "; name=\"a\"\r\n"
        "\r\n"
        "A\r\n"
        "--XyZ\t\r\n"
        CD "; name=\"b\"\r\n"
        "\r\n"
        "B\r\n"
        "--XyZ--  \r\n";
    recorder rec;

    rec_init(&rec);
    ck_assert_st(parse_whole("XyZ", LIT(body), NULL, &rec, NULL), QNFT_MP_OK);
    ck_assert_log(&rec, "{0|a|~|~}A{/}{1|b|~|~}B{/}");
    rec_free(&rec);
}
END_TEST

START_TEST(empty_part_body)
{
    static const char body[] =
        "--XyZ\r\n"
        CD "; name=\"empty\"\r\n"
        "\r\n"
        "\r\n--XyZ\r\n"
        CD "; name=\"nofile\"; filename=\"\"\r\n"
        "Content-Type: application/octet-stream\r\n"
        "\r\n"
        "\r\n--XyZ--";
    recorder rec;
    int parts = -1;

    rec_init(&rec);
    ck_assert_st(parse_whole("XyZ", LIT(body), NULL, &rec, &parts), QNFT_MP_OK);
    ck_assert_log(&rec,
                  "{0|empty|~|~}{/}{1|nofile||application/octet-stream}{/}");
    ck_assert_int_eq(rec.data_calls, 0);
    ck_assert_int_eq(parts, 2);
    rec_free(&rec);
}
END_TEST

/* ---- tricky body bytes ---- */

START_TEST(delimiter_prefix_in_data)
{
    static const char body[] =
        "--XyZ\r\n"
        CD "; name=\"a\"\r\n"
        "\r\n"
        "x\r\n--XyQ\r\n--X\r\n--\r\n-\r\n\r\r\n--Xy\r\n-"
        "\r\n--XyZ--";
    recorder rec;

    rec_init(&rec);
    ck_assert_st(parse_whole("XyZ", LIT(body), NULL, &rec, NULL), QNFT_MP_OK);
    ck_assert_log(&rec,
                  "{0|a|~|~}x\r\n--XyQ\r\n--X\r\n--\r\n-\r\n\r\r\n--Xy\r\n-{/}");
    rec_free(&rec);
}
END_TEST

START_TEST(lone_cr_and_lf_in_data)
{
    static const char body[] =
        "--XyZ\r\n"
        CD "; name=\"a\"\r\n"
        "\r\n"
        "\r"
        "\r\n--XyZ\r\n"
        CD "; name=\"b\"\r\n"
        "\r\n"
        "\n"
        "\r\n--XyZ\r\n"
        CD "; name=\"c\"\r\n"
        "\r\n"
        "a\rb\nc\n\rd\r\r"
        "\r\n--XyZ--";
    recorder rec;

    rec_init(&rec);
    ck_assert_st(parse_whole("XyZ", LIT(body), NULL, &rec, NULL), QNFT_MP_OK);
    ck_assert_log(&rec,
                  "{0|a|~|~}\r{/}{1|b|~|~}\n{/}{2|c|~|~}a\rb\nc\n\rd\r\r{/}");
    rec_free(&rec);
}
END_TEST

START_TEST(binary_data_with_nuls)
{
    static const char body[] =
        "--XyZ\r\n"
        CD "; name=\"bin\"; filename=\"b.bin\"\r\n"
        "\r\n"
        "\0\0\x01\xff\r\n\0--XyZ\r\0\n--XyZ\0"
        "\r\n--XyZ--";
    recorder rec;

    rec_init(&rec);
    ck_assert_st(parse_whole("XyZ", LIT(body), NULL, &rec, NULL), QNFT_MP_OK);
    ck_assert_log(&rec,
                  "{0|bin|b.bin|~}\0\0\x01\xff\r\n\0--XyZ\r\0\n--XyZ\0{/}");
    ck_assert_uint_eq(rec.data_bytes, 21);
    rec_free(&rec);
}
END_TEST

/* A body that exercises every state; the log of the whole-body parse is the
 * reference for all the split tests. */
static const char rich_body[] =
    "preamble\r\n--Xy\r\r\n"
    "--XyZ \t\r\n"
    CD "; name=\"f1\"; filename=\"a \\\"b\\\".txt\"\r\n"
    "Content-Type: text/plain\n"
    "X-Folded: one\r\n two\r\n"
    "\r\n"
    "a\rb\nc\r\n--X\r\n--XyQ\0\xff\r\r\n--Xy\r"
    "\r\n--XyZ\r\n"
    CD "; name=\"empty\"\r\n"
    "\r\n"
    "\r\n--XyZ\r\n"
    "\r\n"
    "\r\n\r\n"
    "\r\n--XyZ--\r\nepilogue\r\n--XyZ\r\n";
static const char rich_log[] =
    "{0|f1|a \"b\".txt|text/plain}a\rb\nc\r\n--X\r\n--XyQ\0\xff\r\r\n--Xy\r{/}"
    "{1|empty|~|~}{/}"
    "{2||~|~}\r\n\r\n{/}";

START_TEST(rich_body_reference)
{
    recorder rec;
    int parts = -1;

    rec_init(&rec);
    ck_assert_st(parse_whole("XyZ", LIT(rich_body), NULL, &rec, &parts),
                 QNFT_MP_OK);
    ck_assert_log(&rec, rich_log);
    ck_assert_int_eq(parts, 3);
    rec_free(&rec);
}
END_TEST

START_TEST(one_byte_at_a_time)
{
    recorder rec;

    rec_init(&rec);
    ck_assert_st(parse_chunked("XyZ", LIT(rich_body), 1, &rec), QNFT_MP_OK);
    ck_assert_log(&rec, rich_log);
    rec_free(&rec);
}
END_TEST

START_TEST(every_single_split_point)
{
    size_t cut;

    for (cut = 0; cut <= sizeof(rich_body) - 1; cut++) {
        recorder rec;

        rec_init(&rec);
        ck_assert_st(parse_cuts("XyZ", LIT(rich_body), NULL, &cut, 1, &rec,
                                NULL), QNFT_MP_OK);
        ck_assert_log(&rec, rich_log);
        rec_free(&rec);
    }
}
END_TEST

START_TEST(every_pair_of_split_points)
{
    size_t cuts[2];
    const size_t len = sizeof(rich_body) - 1;

    for (cuts[0] = 0; cuts[0] <= len; cuts[0]++) {
        for (cuts[1] = cuts[0]; cuts[1] <= len; cuts[1]++) {
            recorder rec;

            rec_init(&rec);
            ck_assert_st(parse_cuts("XyZ", LIT(rich_body), NULL, cuts, 2,
                                    &rec, NULL), QNFT_MP_OK);
            ck_assert_log(&rec, rich_log);
            rec_free(&rec);
        }
    }
}
END_TEST

START_TEST(every_piece_size)
{
    size_t piece;

    for (piece = 1; piece <= sizeof(rich_body); piece++) {
        recorder rec;

        rec_init(&rec);
        ck_assert_st(parse_chunked("XyZ", LIT(rich_body), piece, &rec),
                     QNFT_MP_OK);
        ck_assert_log(&rec, rich_log);
        rec_free(&rec);
    }
}
END_TEST

/* Data before a delimiter split across two reads is delivered at once; only
 * the possible delimiter prefix waits for the next read. */
START_TEST(boundary_split_across_reads)
{
    static const char head[] =
        "--boundary42\r\n" CD "; name=\"a\"\r\n\r\n" "payload";
    static const char delim[] = "\r\n--boundary42--";
    size_t split;

    for (split = 0; split <= sizeof(delim) - 1; split++) {
        recorder rec;
        qnft_mp_parser *mp;
        apr_pool_t *sub;

        rec_init(&rec);
        apr_pool_create(&sub, pool);
        mp = qnft_mp_create(sub, "boundary42", NULL, &recorder_cb, &rec);
        ck_assert_st(qnft_mp_feed(mp, LIT(head)), QNFT_MP_OK);
        ck_assert_st(qnft_mp_feed(mp, delim, split), QNFT_MP_OK);
        ck_assert_uint_eq(rec.data_bytes, 7);
        ck_assert_int_eq(rec.ends, split >= 14 ? 1 : 0);
        ck_assert_st(qnft_mp_feed(mp, delim + split, sizeof(delim) - 1 - split),
                     QNFT_MP_OK);
        ck_assert_st(qnft_mp_finish(mp), QNFT_MP_OK);
        ck_assert_log(&rec, "{0|a|~|~}payload{/}");
        apr_pool_destroy(sub);
        rec_free(&rec);
    }
}
END_TEST

START_TEST(data_delivered_promptly)
{
    /* "\r\n--XyZ" is 7 bytes, so at most 6 may be held back. */
    static const char head[] = "--XyZ\r\n" CD "; name=\"big\"\r\n\r\n";
    char piece[1000];
    recorder rec;
    qnft_mp_parser *mp;
    size_t fed = 0;
    int i;

    rec_init(&rec);
    rec.keep_data = 0;
    mp = qnft_mp_create(pool, "XyZ", NULL, &recorder_cb, &rec);
    ck_assert_st(qnft_mp_feed(mp, LIT(head)), QNFT_MP_OK);
    memset(piece, 'a', sizeof(piece));
    for (i = 0; i < 100; i++) {
        ck_assert_st(qnft_mp_feed(mp, piece, sizeof(piece)), QNFT_MP_OK);
        fed += sizeof(piece);
        ck_assert_uint_eq(rec.data_bytes, fed);
    }
    /* A possible delimiter prefix at the end is held, nothing else. */
    memcpy(piece + sizeof(piece) - 6, "\r\n--Xy", 6);
    ck_assert_st(qnft_mp_feed(mp, piece, sizeof(piece)), QNFT_MP_OK);
    fed += sizeof(piece);
    ck_assert_uint_eq(rec.data_bytes, fed - 6);
    /* It was not a delimiter: the held bytes come out with the next read. */
    ck_assert_st(qnft_mp_feed(mp, LIT("Q")), QNFT_MP_OK);
    fed += 1;
    ck_assert_uint_eq(rec.data_bytes, fed);
    ck_assert_st(qnft_mp_feed(mp, LIT("\r\n--XyZ--")), QNFT_MP_OK);
    ck_assert_st(qnft_mp_finish(mp), QNFT_MP_OK);
    ck_assert_uint_eq(rec.data_bytes, fed);
    ck_assert_int_eq(rec.ends, 1);
    rec_free(&rec);
}
END_TEST

/* 10 MiB of pseudo-random bytes (CR and LF included) fed in 8 KiB pieces. */
START_TEST(large_body_in_8k_pieces)
{
    static const char boundary[] = "----qnftBoundary7MA4YWxkTrZu0gW";
    const size_t data_len = (size_t)10 * 1024 * 1024;
    const size_t piece = 8192;
    size_t head_len, total, pos, i;
    unsigned long expected_hash = 2166136261UL;
    unsigned int seed = 12345;
    char *body;
    recorder rec;
    apr_pool_t *sub;
    qnft_mp_parser *mp;
    qnft_mp_status st = QNFT_MP_OK;
    char head[200];

    head_len = (size_t)snprintf(head, sizeof(head),
                                "--%s\r\n" CD "; name=\"file\"; "
                                "filename=\"big.bin\"\r\n\r\n", boundary);
    total = head_len + data_len + 2 + 2 + strlen(boundary) + 2;
    body = malloc(total + 1);      /* + 1 for snprintf's NUL */
    ck_assert_ptr_nonnull(body);
    memcpy(body, head, head_len);
    for (i = 0; i < data_len; i++) {
        unsigned char b;
        seed = seed * 1103515245u + 12345u;
        b = (unsigned char)(seed >> 16);
        if (b % 64 == 0)
            b = '\r';           /* plenty of CRs to test the search */
        else if (b % 64 == 1)
            b = '\n';
        body[head_len + i] = (char)b;
        expected_hash ^= b;
        expected_hash = (expected_hash * 16777619UL) & 0xffffffffUL;
    }
    snprintf(body + head_len + data_len, total - head_len - data_len + 1,
             "\r\n--%s--", boundary);

    rec_init(&rec);
    rec.keep_data = 0;
    apr_pool_create(&sub, pool);
    mp = qnft_mp_create(sub, boundary, NULL, &recorder_cb, &rec);
    for (pos = 0; pos < total && st == QNFT_MP_OK; pos += piece)
        st = qnft_mp_feed(mp, body + pos, total - pos < piece ? total - pos : piece);
    ck_assert_st(st, QNFT_MP_OK);
    ck_assert_st(qnft_mp_finish(mp), QNFT_MP_OK);
    ck_assert_uint_eq(rec.data_bytes, data_len);
    ck_assert_uint_eq(rec.hash, expected_hash);
    ck_assert_int_eq(rec.begins, 1);
    ck_assert_int_eq(rec.ends, 1);
    ck_assert_log(&rec, "{0|file|big.bin|~}{/}");
    apr_pool_destroy(sub);
    rec_free(&rec);
    free(body);
}
END_TEST

/* ---- errors ---- */

START_TEST(missing_final_boundary_truncated)
{
    static const struct { const char *body; size_t len; } cases[] = {
        { LIT("") },
        { LIT("just a preamble\r\n") },
        { LIT("--XyZ") },
        { LIT("--XyZ\r\n") },
        { LIT("--XyZ\r\n" CD "; name=\"a\"\r\n") },
        { LIT("--XyZ\r\n" CD "; name=\"a\"\r\n\r\nsome data") },
        { LIT("--XyZ\r\n" CD "; name=\"a\"\r\n\r\nsome data\r\n--Xy") },
        { LIT("--XyZ\r\n" CD "; name=\"a\"\r\n\r\nsome data\r\n--XyZ") },
        { LIT("--XyZ\r\n" CD "; name=\"a\"\r\n\r\nsome data\r\n--XyZ-") },
        { LIT("--XyZ\r\n" CD "; name=\"a\"\r\n\r\nsome data\r\n--XyZ\r\n") },
    };
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        recorder rec;

        rec_init(&rec);
        ck_assert_st(parse_whole("XyZ", cases[i].body, cases[i].len, NULL,
                                 &rec, NULL), QNFT_MP_ETRUNCATED);
        rec_free(&rec);
    }
}
END_TEST

START_TEST(truncated_delivers_data_seen)
{
    static const char body[] =
        "--XyZ\r\n" CD "; name=\"a\"\r\n\r\nsome data\r\n--Xy";
    recorder rec;
    qnft_mp_parser *mp;

    rec_init(&rec);
    mp = qnft_mp_create(pool, "XyZ", NULL, &recorder_cb, &rec);
    ck_assert_st(qnft_mp_feed(mp, LIT(body)), QNFT_MP_OK);
    ck_assert_st(qnft_mp_finish(mp), QNFT_MP_ETRUNCATED);
    ck_assert_st(qnft_mp_finish(mp), QNFT_MP_ETRUNCATED);
    ck_assert_st(qnft_mp_feed(mp, LIT("Z--")), QNFT_MP_ETRUNCATED);
    /* The held "\r\n--Xy" could still have been a delimiter: not data. */
    ck_assert_log(&rec, "{0|a|~|~}some data");
    rec_free(&rec);
}
END_TEST

START_TEST(garbage_after_delimiter_syntax)
{
    static const struct { const char *body; size_t len; } cases[] = {
        { LIT("--XyZabc\r\n") },
        { LIT("--XyZ-x") },
        { LIT("--XyZ\rX") },
        { LIT("--XyZ\n" CD "; name=\"a\"\r\n\r\nx\r\n--XyZ--") },
        { LIT("--XyZ \tx\r\n") },
        { LIT("--XyZ -\r\n") },
        { LIT("--XyZ\r\n" CD "; name=\"a\"\r\n\r\nx\r\n--XyZ!\r\n") },
        { LIT("--XyZ\r\n" CD "; name=\"a\"\r\n\r\nx\r\n--XyZZ--") },
    };
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        recorder rec;

        rec_init(&rec);
        ck_assert_st(parse_whole("XyZ", cases[i].body, cases[i].len, NULL,
                                 &rec, NULL), QNFT_MP_ESYNTAX);
        rec_free(&rec);
    }
}
END_TEST

START_TEST(syntax_error_is_sticky)
{
    static const char body[] =
        "--XyZ\r\n" CD "; name=\"a\"\r\n\r\nvalue\r\n--XyZ?\r\n";
    recorder rec;
    qnft_mp_parser *mp;

    rec_init(&rec);
    mp = qnft_mp_create(pool, "XyZ", NULL, &recorder_cb, &rec);
    ck_assert_st(qnft_mp_feed(mp, LIT(body)), QNFT_MP_ESYNTAX);
    ck_assert_st(qnft_mp_feed(mp, LIT("--XyZ--")), QNFT_MP_ESYNTAX);
    ck_assert_st(qnft_mp_finish(mp), QNFT_MP_ESYNTAX);
    /* Everything before the bad delimiter line was reported. */
    ck_assert_log(&rec, "{0|a|~|~}value{/}");
    rec_free(&rec);
}
END_TEST

START_TEST(bad_part_headers_syntax)
{
    static const char *const headers[] = {
        "Content-Disposition: attachment; name=\"a\"\r\n",
        "Content-Disposition: form-datax; name=\"a\"\r\n",
        "Content-Disposition: form-data; name=\"a\r\n",
        "Content-Disposition: form-data; name=\"a\\\r\n",
        "Content-Disposition: form-data; name=\r\n",
        "Content-Disposition: form-data; name\r\n",
        "Content-Disposition: form-data; =x\r\n",
        "Content-Disposition: form-data name=\"a\"\r\n",
        "Content-Disposition: form-data; name=\"a\" junk\r\n",
        "Content-Disposition: form-data; name=\"a\"; name=\"b\"\r\n",
        "Content-Disposition: form-data; filename=a; FILENAME=b\r\n",
        "Content-Disposition: form-data; name=a\r\n"
        "Content-Disposition: form-data; name=b\r\n",
        "Content-Type: text/plain\r\nContent-Type: text/html\r\n",
        "Content-Disposition form-data; name=a\r\n",
        ": form-data\r\n",
        " folded-first: line\r\n",
    };
    size_t i;

    for (i = 0; i < sizeof(headers) / sizeof(headers[0]); i++) {
        char body[512];
        int n = snprintf(body, sizeof(body),
                         "--XyZ\r\n%s\r\nvalue\r\n--XyZ--", headers[i]);
        recorder rec;

        rec_init(&rec);
        ck_assert_st(parse_whole("XyZ", body, (size_t)n, NULL, &rec, NULL),
                     QNFT_MP_ESYNTAX);
        ck_assert_int_eq(rec.begins, 0);
        rec_free(&rec);
    }
}
END_TEST

START_TEST(nul_in_headers_syntax)
{
    static const char body[] =
        "--XyZ\r\n" CD "; name=\"a\0b\"\r\n\r\nx\r\n--XyZ--";
    recorder rec;

    rec_init(&rec);
    ck_assert_st(parse_whole("XyZ", LIT(body), NULL, &rec, NULL),
                 QNFT_MP_ESYNTAX);
    ck_assert_int_eq(rec.begins, 0);
    rec_free(&rec);
}
END_TEST

/* Header block of exactly n bytes, the closing empty line included. */
static size_t make_header_body(char *body, size_t cap, size_t block_len)
{
    static const char prefix[] = "--XyZ\r\n" CD "; name=\"a\"\r\nX-Pad: ";
    static const char suffix[] = "\r\n\r\nvalue\r\n--XyZ--";
    size_t fixed = sizeof(CD "; name=\"a\"\r\nX-Pad: ") - 1 + 4;
    size_t pad = block_len - fixed;
    size_t len = sizeof(prefix) - 1 + pad + sizeof(suffix) - 1;

    ck_assert_uint_ge(block_len, fixed);
    ck_assert_uint_le(len, cap);
    memcpy(body, prefix, sizeof(prefix) - 1);
    memset(body + sizeof(prefix) - 1, 'p', pad);
    memcpy(body + sizeof(prefix) - 1 + pad, suffix, sizeof(suffix) - 1);
    return len;
}

START_TEST(headers_too_large)
{
    static char body[20000];
    qnft_mp_limits limits = { 100, 0 };
    size_t len;
    recorder rec;

    /* Exactly at the limit is fine, one byte more is not. */
    len = make_header_body(body, sizeof(body), 100);
    rec_init(&rec);
    ck_assert_st(parse_whole("XyZ", body, len, &limits, &rec, NULL), QNFT_MP_OK);
    ck_assert_log(&rec, "{0|a|~|~}value{/}");
    rec_free(&rec);

    len = make_header_body(body, sizeof(body), 101);
    rec_init(&rec);
    ck_assert_st(parse_whole("XyZ", body, len, &limits, &rec, NULL),
                 QNFT_MP_EHEADERS);
    ck_assert_int_eq(rec.begins, 0);
    rec_free(&rec);

    /* The same one byte at a time. */
    rec_init(&rec);
    {
        apr_pool_t *sub;
        qnft_mp_parser *mp;
        qnft_mp_status st = QNFT_MP_OK;
        size_t i;

        apr_pool_create(&sub, pool);
        mp = qnft_mp_create(sub, "XyZ", &limits, &recorder_cb, &rec);
        for (i = 0; i < len && st == QNFT_MP_OK; i++)
            st = qnft_mp_feed(mp, body + i, 1);
        ck_assert_st(st, QNFT_MP_EHEADERS);
        ck_assert_st(qnft_mp_finish(mp), QNFT_MP_EHEADERS);
        apr_pool_destroy(sub);
    }
    rec_free(&rec);

    /* Default limit is 8192. */
    len = make_header_body(body, sizeof(body), 8192);
    rec_init(&rec);
    ck_assert_st(parse_whole("XyZ", body, len, NULL, &rec, NULL), QNFT_MP_OK);
    rec_free(&rec);
    len = make_header_body(body, sizeof(body), 8193);
    rec_init(&rec);
    ck_assert_st(parse_whole("XyZ", body, len, NULL, &rec, NULL),
                 QNFT_MP_EHEADERS);
    rec_free(&rec);

    /* A header block that never ends is stopped at the limit too. */
    memset(body, 'h', sizeof(body));
    memcpy(body, "--XyZ\r\n", 7);
    rec_init(&rec);
    ck_assert_st(parse_whole("XyZ", body, sizeof(body), NULL, &rec, NULL),
                 QNFT_MP_EHEADERS);
    rec_free(&rec);
}
END_TEST

static size_t make_parts_body(char *body, size_t cap, int nparts)
{
    size_t len = 0;
    int i;

    for (i = 0; i < nparts; i++) {
        int n = snprintf(body + len, cap - len,
                         "--XyZ\r\n" CD "; name=\"f%d\"\r\n\r\nv%d\r\n", i, i);
        ck_assert_int_gt(n, 0);
        len += (size_t)n;
        ck_assert_uint_lt(len, cap);
    }
    len += (size_t)snprintf(body + len, cap - len, "--XyZ--");
    ck_assert_uint_lt(len, cap);
    return len;
}

START_TEST(too_many_parts)
{
    static char body[8192];
    qnft_mp_limits limits = { 0, 2 };
    size_t len;
    recorder rec;
    int parts = -1;

    len = make_parts_body(body, sizeof(body), 2);
    rec_init(&rec);
    ck_assert_st(parse_whole("XyZ", body, len, &limits, &rec, &parts),
                 QNFT_MP_OK);
    ck_assert_log(&rec, "{0|f0|~|~}v0{/}{1|f1|~|~}v1{/}");
    ck_assert_int_eq(parts, 2);
    rec_free(&rec);

    len = make_parts_body(body, sizeof(body), 3);
    rec_init(&rec);
    ck_assert_st(parse_whole("XyZ", body, len, &limits, &rec, &parts),
                 QNFT_MP_EPARTS);
    ck_assert_log(&rec, "{0|f0|~|~}v0{/}{1|f1|~|~}v1{/}");
    ck_assert_int_eq(parts, 2);
    rec_free(&rec);

    /* Default limit is 32. */
    len = make_parts_body(body, sizeof(body), 32);
    rec_init(&rec);
    ck_assert_st(parse_whole("XyZ", body, len, NULL, &rec, &parts), QNFT_MP_OK);
    ck_assert_int_eq(parts, 32);
    ck_assert_int_eq(rec.ends, 32);
    rec_free(&rec);

    len = make_parts_body(body, sizeof(body), 33);
    rec_init(&rec);
    ck_assert_st(parse_whole("XyZ", body, len, NULL, &rec, &parts),
                 QNFT_MP_EPARTS);
    ck_assert_int_eq(parts, 32);
    rec_free(&rec);
}
END_TEST

static const char abort_body[] =
    "--XyZ\r\n" CD "; name=\"a\"\r\n\r\nAAAA\r\n"
    "--XyZ\r\n" CD "; name=\"b\"\r\n\r\nBBBB\r\n"
    "--XyZ--";

/* Abort in one callback; the error must be sticky and no callback may run
 * after the abort, whatever is fed afterwards. */
static void check_abort(recorder *rec, const char *expected_log,
                        size_t expected_len)
{
    apr_pool_t *sub;
    qnft_mp_parser *mp;
    const size_t len = sizeof(abort_body) - 1;
    size_t i;
    qnft_mp_status st = QNFT_MP_OK;

    apr_pool_create(&sub, pool);
    mp = qnft_mp_create(sub, "XyZ", NULL, &recorder_cb, rec);
    /* One byte at a time: every body byte is its own data call. */
    for (i = 0; i < len && st == QNFT_MP_OK; i++)
        st = qnft_mp_feed(mp, abort_body + i, 1);
    ck_assert_st(st, QNFT_MP_EABORTED);
    ck_assert_uint_lt(i, len);
    ck_assert_st(qnft_mp_feed(mp, abort_body + i, len - i), QNFT_MP_EABORTED);
    ck_assert_st(qnft_mp_feed(mp, LIT("--XyZ--")), QNFT_MP_EABORTED);
    ck_assert_st(qnft_mp_finish(mp), QNFT_MP_EABORTED);
    ck_assert_int_eq(rec->aborted, 1);
    ck_assert_int_eq(rec->calls_after_abort, 0);
    ck_assert_uint_eq(rec->len, expected_len);
    ck_assert_mem_eq(rec->log, expected_log, expected_len);
    apr_pool_destroy(sub);
}

START_TEST(callback_abort_sticky)
{
    recorder rec;

    rec_init(&rec);
    rec.abort_on_begin = 2;
    check_abort(&rec, LIT("{0|a|~|~}AAAA{/}{1|b|~|~}"));
    rec_free(&rec);

    rec_init(&rec);
    rec.abort_on_data = 2;
    check_abort(&rec, LIT("{0|a|~|~}AA"));
    ck_assert_int_eq(rec.data_calls, 2);
    rec_free(&rec);

    rec_init(&rec);
    rec.abort_on_end = 1;
    check_abort(&rec, LIT("{0|a|~|~}AAAA{/}"));
    rec_free(&rec);
}
END_TEST

START_TEST(invalid_boundary_at_create)
{
    static const char *const bad[] = {
        "", "bad\r\n", "ends with space ", "a@b",
        "0123456789012345678901234567890123456789012345678901234567890123456789X",
    };
    recorder rec;
    size_t i;
    qnft_mp_parser *mp;

    rec_init(&rec);
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        mp = qnft_mp_create(pool, bad[i], NULL, &recorder_cb, &rec);
        ck_assert_ptr_nonnull(mp);
        ck_assert_st(qnft_mp_feed(mp, LIT("--x\r\n\r\n")), QNFT_MP_EBOUNDARY);
        ck_assert_st(qnft_mp_finish(mp), QNFT_MP_EBOUNDARY);
    }
    mp = qnft_mp_create(pool, NULL, NULL, &recorder_cb, &rec);
    ck_assert_st(qnft_mp_finish(mp), QNFT_MP_EBOUNDARY);
    ck_assert_int_eq(rec.begins, 0);
    rec_free(&rec);
}
END_TEST

START_TEST(no_callbacks_is_fine)
{
    qnft_mp_parser *mp = qnft_mp_create(pool, "XyZ", NULL, NULL, NULL);

    ck_assert_st(qnft_mp_feed(mp, LIT(rich_body)), QNFT_MP_OK);
    ck_assert_st(qnft_mp_finish(mp), QNFT_MP_OK);
    ck_assert_int_eq(qnft_mp_part_count(mp), 3);
}
END_TEST

START_TEST(strerror_texts)
{
    const char *seen[QNFT_MP_EABORTED + 1];
    int st;

    for (st = QNFT_MP_OK; st <= QNFT_MP_EABORTED; st++) {
        int prev;
        seen[st] = qnft_mp_strerror((qnft_mp_status)st);
        ck_assert_ptr_nonnull(seen[st]);
        ck_assert_uint_gt(strlen(seen[st]), 0);
        for (prev = QNFT_MP_OK; prev < st; prev++)
            ck_assert_str_ne(seen[prev], seen[st]);
    }
}
END_TEST

/* ---- qnft_mp_boundary ---- */

static void expect_boundary(const char *content_type, const char *expected)
{
    const char *boundary = "unset";
    qnft_mp_status st = qnft_mp_boundary(pool, content_type, &boundary);

    if (expected != NULL) {
        ck_assert_msg(st == QNFT_MP_OK, "rejected: %s", content_type);
        ck_assert_str_eq(boundary, expected);
    }
    else {
        ck_assert_msg(st == QNFT_MP_EBOUNDARY, "accepted: %s", content_type);
        ck_assert_ptr_null(boundary);
    }
}

START_TEST(boundary_valid)
{
    expect_boundary("multipart/form-data; boundary=AaB03x", "AaB03x");
    expect_boundary("multipart/form-data; boundary=\"AaB03x\"", "AaB03x");
    expect_boundary("Multipart/Form-Data; BOUNDARY=AaB03x", "AaB03x");
    expect_boundary("multipart/form-data;boundary=----WebKitFormBoundary7MA4Y",
                    "----WebKitFormBoundary7MA4Y");
    expect_boundary("  multipart/form-data ; charset=utf-8 ; boundary = xyz ;"
                    " foo=\"b;ar\"", "xyz");
    expect_boundary("multipart/form-data; foo=bar; boundary=\"a b\"", "a b");
    expect_boundary("multipart/form-data; boundary=\"'()+_,-./:=?\"",
                    "'()+_,-./:=?");
    expect_boundary("multipart/form-data; boundary=\"es\\c\"", "esc");
    expect_boundary("multipart/form-data; boundary="
                    "0123456789012345678901234567890123456789"
                    "012345678901234567890123456789",
                    "0123456789012345678901234567890123456789"
                    "012345678901234567890123456789");
    expect_boundary("multipart/form-data; boundary=1", "1");
}
END_TEST

START_TEST(boundary_invalid)
{
    const char *boundary = "unset";

    ck_assert_st(qnft_mp_boundary(pool, NULL, &boundary), QNFT_MP_EBOUNDARY);
    ck_assert_ptr_null(boundary);

    expect_boundary("", NULL);
    expect_boundary("multipart/form-data", NULL);                  /* missing */
    expect_boundary("multipart/form-data;", NULL);
    expect_boundary("multipart/form-data; charset=utf-8", NULL);
    expect_boundary("multipart/form-data; boundary=", NULL);       /* empty */
    expect_boundary("multipart/form-data; boundary=\"\"", NULL);
    expect_boundary("multipart/mixed; boundary=abc", NULL);        /* wrong type */
    expect_boundary("text/plain; boundary=abc", NULL);
    expect_boundary("multipart/form-datax; boundary=abc", NULL);
    expect_boundary("form-data; boundary=abc", NULL);
    expect_boundary("multipart/form-data; boundary="               /* 71 chars */
                    "0123456789012345678901234567890123456789"
                    "0123456789012345678901234567890", NULL);
    expect_boundary("multipart/form-data; boundary=abc@def", NULL); /* not bchars */
    expect_boundary("multipart/form-data; boundary=\"abc\tdef\"", NULL);
    expect_boundary("multipart/form-data; boundary=\"a\\\"b\"", NULL);
    expect_boundary("multipart/form-data; boundary=\"abc\xc3\xa9\"", NULL);
    expect_boundary("multipart/form-data; boundary=\"abc \"", NULL); /* ends in SP */
    expect_boundary("multipart/form-data; boundary=abc def", NULL);
    expect_boundary("multipart/form-data; boundary=\"abc", NULL);  /* unterminated */
    expect_boundary("multipart/form-data; boundary=a; boundary=b", NULL);
    expect_boundary("multipart/form-data; boundary", NULL);
    expect_boundary("multipart/form-data boundary=abc", NULL);
}
END_TEST

START_TEST(boundary_from_content_type_round_trip)
{
    static const char body[] =
        "--a b\r\n" CD "; name=\"x\"\r\n\r\nspaced\r\n--a b--";
    const char *boundary = NULL;
    recorder rec;

    ck_assert_st(qnft_mp_boundary(pool, "multipart/form-data; boundary=\"a b\"",
                                  &boundary), QNFT_MP_OK);
    rec_init(&rec);
    ck_assert_st(parse_whole(boundary, LIT(body), NULL, &rec, NULL), QNFT_MP_OK);
    ck_assert_log(&rec, "{0|x|~|~}spaced{/}");
    rec_free(&rec);
}
END_TEST

Suite *qnft_suite_multipart(void)
{
    Suite *s = suite_create("multipart");
    TCase *parse = tcase_create("parse");
    TCase *split = tcase_create("split");
    TCase *errors = tcase_create("errors");
    TCase *boundary = tcase_create("boundary");

    tcase_add_checked_fixture(parse, setup, teardown);
    tcase_add_test(parse, single_file_part);
    tcase_add_test(parse, several_parts);
    tcase_add_test(parse, preamble_and_epilogue_ignored);
    tcase_add_test(parse, epilogue_feed_after_close);
    tcase_add_test(parse, quoted_params_with_escapes);
    tcase_add_test(parse, unquoted_params);
    tcase_add_test(parse, unknown_params_and_filename_star_ignored);
    tcase_add_test(parse, case_insensitive_headers);
    tcase_add_test(parse, content_type_verbatim_trimmed);
    tcase_add_test(parse, header_folding);
    tcase_add_test(parse, part_without_headers);
    tcase_add_test(parse, lf_only_header_lines);
    tcase_add_test(parse, transport_padding);
    tcase_add_test(parse, empty_part_body);
    tcase_add_test(parse, delimiter_prefix_in_data);
    tcase_add_test(parse, lone_cr_and_lf_in_data);
    tcase_add_test(parse, binary_data_with_nuls);
    tcase_add_test(parse, no_callbacks_is_fine);
    tcase_add_test(parse, strerror_texts);
    suite_add_tcase(s, parse);

    /* The exhaustive split loops and the 10 MiB body are slow under
     * valgrind; give them room. */
    tcase_add_checked_fixture(split, setup, teardown);
    tcase_set_timeout(split, 300);
    tcase_add_test(split, rich_body_reference);
    tcase_add_test(split, one_byte_at_a_time);
    tcase_add_test(split, every_single_split_point);
    tcase_add_test(split, every_pair_of_split_points);
    tcase_add_test(split, every_piece_size);
    tcase_add_test(split, boundary_split_across_reads);
    tcase_add_test(split, data_delivered_promptly);
    tcase_add_test(split, large_body_in_8k_pieces);
    suite_add_tcase(s, split);

    tcase_add_checked_fixture(errors, setup, teardown);
    tcase_add_test(errors, missing_final_boundary_truncated);
    tcase_add_test(errors, truncated_delivers_data_seen);
    tcase_add_test(errors, garbage_after_delimiter_syntax);
    tcase_add_test(errors, syntax_error_is_sticky);
    tcase_add_test(errors, bad_part_headers_syntax);
    tcase_add_test(errors, nul_in_headers_syntax);
    tcase_add_test(errors, headers_too_large);
    tcase_add_test(errors, too_many_parts);
    tcase_add_test(errors, callback_abort_sticky);
    tcase_add_test(errors, invalid_boundary_at_create);
    suite_add_tcase(s, errors);

    tcase_add_checked_fixture(boundary, setup, teardown);
    tcase_add_test(boundary, boundary_valid);
    tcase_add_test(boundary, boundary_invalid);
    tcase_add_test(boundary, boundary_from_content_type_round_trip);
    suite_add_tcase(s, boundary);

    return s;
}
