/* Streaming multipart/form-data parser (RFC 7578 / RFC 2046), httpd-free.
 *
 * The body is scanned for the delimiter "\r\n--" boundary. Only a tail that
 * could still turn into a delimiter is held back between feed() calls, and
 * since that tail is always a prefix of the delimiter it is remembered as a
 * length, not copied. Everything else goes to part_data at once, so memory
 * stays bounded by the part-header limit whatever the part sizes are.
 */
#include "qnft_multipart.h"

#include <string.h>

#include <apr_lib.h>
#include <apr_strings.h>

#define QNFT_MP_DEFAULT_HEADER_BYTES 8192
#define QNFT_MP_DEFAULT_PARTS 32
#define QNFT_MP_MAX_BOUNDARY 70          /* RFC 2046 section 5.1.1 */

typedef enum {
    MP_PREAMBLE,      /* before the first delimiter; bytes are discarded */
    MP_DELIM_TAIL,    /* right after a delimiter: "--", or padding + CRLF */
    MP_HEADERS,       /* collecting one part's header block */
    MP_BODY,          /* part body; bytes go to part_data */
    MP_EPILOGUE       /* after the close delimiter; bytes are discarded */
} mp_state;

/* Where we are inside the few bytes that follow a delimiter. */
typedef enum {
    TAIL_START,       /* nothing seen yet */
    TAIL_DASH,        /* one '-' seen, a second one closes the body */
    TAIL_PADDING,     /* transport padding (SP/HT) seen */
    TAIL_CR           /* CR seen, LF must follow */
} mp_tail_state;

struct qnft_mp_parser {
    apr_pool_t *part_pool;      /* callback strings; cleared per part */
    qnft_mp_callbacks cb;
    void *baton;

    char *delim;                /* "\r\n--" boundary */
    apr_size_t delim_len;
    apr_size_t held_len;        /* delim[0..held_len) matched at the end of
                                   the previous piece, not yet delivered */

    char *header_buf;           /* max_header_bytes + 1 for a terminating NUL */
    apr_size_t header_len;
    apr_size_t header_line_start;
    apr_size_t max_header_bytes;
    int max_parts;

    mp_state state;
    mp_tail_state tail_state;
    int part_count;
    qnft_mp_status status;      /* sticky: first error seen */
};

/* ---- character classes and small string helpers ---- */

static int is_ows(char c)
{
    return c == ' ' || c == '\t';
}

static int is_ctl(char c)
{
    unsigned char u = (unsigned char)c;
    return u < 0x20 || u == 0x7f;
}

/* Bytes allowed in an unquoted parameter value. Wider than the RFC 7230
 * token on purpose: clients send unquoted names such as "files[]"; what
 * matters is that the value cannot run into a delimiter of the syntax. */
static int is_value_char(char c)
{
    return !is_ctl(c) && c != ' ' && c != '"' && c != ';';
}

static int is_param_name_char(char c)
{
    return is_value_char(c) && c != '=';
}

/* RFC 2046 bchars (space included; it may not be the last character). */
static int is_bchar(char c)
{
    return apr_isalnum(c) || (c != '\0' && strchr("'()+_,-./:=? ", c) != NULL);
}

static const char *skip_ows(const char *s)
{
    while (is_ows(*s))
        s++;
    return s;
}

/* ASCII case-insensitive comparison of s[0..len) against a NUL-terminated
 * lower-case literal; locale-independent, unlike strcasecmp. */
static int equals_lower(const char *s, apr_size_t len, const char *lower)
{
    apr_size_t i;
    for (i = 0; i < len; i++) {
        if (lower[i] == '\0' || apr_tolower(s[i]) != lower[i])
            return 0;
    }
    return lower[len] == '\0';
}

/* Parse a quoted-string starting at the opening quote. Backslash escapes
 * any following byte. On success the unescaped value is allocated from p and
 * *cursor moves past the closing quote. */
static int parse_quoted(apr_pool_t *p, const char **cursor, char **value)
{
    const char *start = *cursor + 1, *s = start;
    apr_size_t n = 0;
    char *out;

    /* Measure first, so the allocation is the value's size and not the rest
     * of the header (many short parameters must not cost quadratic memory). */
    for (;; s++, n++) {
        if (*s == '\\')
            s++;
        else if (*s == '"')
            break;
        if (*s == '\0')
            return 0;                   /* unterminated, or a trailing '\\' */
    }
    *cursor = s + 1;

    out = apr_palloc(p, n + 1);
    *value = out;
    for (s = start; n > 0; n--) {
        if (*s == '\\')
            s++;
        *out++ = *s++;
    }
    *out = '\0';
    return 1;
}

typedef enum { PARAM_END, PARAM_FOUND, PARAM_BAD } param_result;

/* Read the next ";" name "=" value parameter, whitespace allowed around
 * ';' and '='. Empty parameters (";;" or a trailing ';') are skipped. */
static param_result next_param(apr_pool_t *p, const char **cursor,
                               const char **name, apr_size_t *name_len,
                               char **value)
{
    const char *s = skip_ows(*cursor);
    const char *start;

    for (;;) {
        if (*s == '\0')
            return PARAM_END;
        if (*s != ';')
            return PARAM_BAD;
        s = skip_ows(s + 1);
        if (*s != ';')
            break;
    }
    if (*s == '\0')
        return PARAM_END;

    start = s;
    while (is_param_name_char(*s))
        s++;
    if (s == start)
        return PARAM_BAD;
    *name = start;
    *name_len = (apr_size_t)(s - start);

    s = skip_ows(s);
    if (*s != '=')
        return PARAM_BAD;
    s = skip_ows(s + 1);

    if (*s == '"') {
        if (!parse_quoted(p, &s, value))
            return PARAM_BAD;
    }
    else {
        start = s;
        while (is_value_char(*s))
            s++;
        if (s == start)
            return PARAM_BAD;
        *value = apr_pstrmemdup(p, start, (apr_size_t)(s - start));
    }
    *cursor = s;
    return PARAM_FOUND;
}

/* ---- boundary from the request Content-Type ---- */

static int boundary_is_valid(const char *b)
{
    apr_size_t len = strlen(b);
    apr_size_t i;

    if (len < 1 || len > QNFT_MP_MAX_BOUNDARY || b[len - 1] == ' ')
        return 0;
    for (i = 0; i < len; i++) {
        if (!is_bchar(b[i]))
            return 0;
    }
    return 1;
}

qnft_mp_status qnft_mp_boundary(apr_pool_t *p, const char *content_type,
                                const char **boundary)
{
    static const char media_type[] = "multipart/form-data";
    const char *s, *type_start, *name;
    apr_size_t name_len;
    char *value, *found = NULL;
    param_result r;

    if (boundary != NULL)
        *boundary = NULL;
    if (content_type == NULL || boundary == NULL)
        return QNFT_MP_EBOUNDARY;

    s = skip_ows(content_type);
    type_start = s;
    while (*s != '\0' && *s != ';' && !is_ows(*s))
        s++;
    if (!equals_lower(type_start, (apr_size_t)(s - type_start), media_type))
        return QNFT_MP_EBOUNDARY;

    while ((r = next_param(p, &s, &name, &name_len, &value)) == PARAM_FOUND) {
        if (equals_lower(name, name_len, "boundary")) {
            /* Two boundaries are ambiguous; refuse rather than guess. */
            if (found != NULL)
                return QNFT_MP_EBOUNDARY;
            found = value;
        }
    }
    if (r == PARAM_BAD || found == NULL || !boundary_is_valid(found))
        return QNFT_MP_EBOUNDARY;

    *boundary = found;
    return QNFT_MP_OK;
}

/* ---- parser ---- */

qnft_mp_parser *qnft_mp_create(apr_pool_t *p, const char *boundary,
                               const qnft_mp_limits *limits,
                               const qnft_mp_callbacks *cb, void *baton)
{
    qnft_mp_parser *mp = apr_pcalloc(p, sizeof(*mp));

    apr_pool_create(&mp->part_pool, p);
    if (cb != NULL)
        mp->cb = *cb;
    mp->baton = baton;

    mp->max_header_bytes = QNFT_MP_DEFAULT_HEADER_BYTES;
    mp->max_parts = QNFT_MP_DEFAULT_PARTS;
    if (limits != NULL && limits->max_header_bytes > 0)
        mp->max_header_bytes = limits->max_header_bytes;
    if (limits != NULL && limits->max_parts > 0)
        mp->max_parts = limits->max_parts;

    /* The search relies on '\r' occurring only at delim[0]; a boundary
     * outside bchars could break that, so such a parser only reports the
     * error (the API has no failure return for create). */
    if (boundary == NULL || !boundary_is_valid(boundary)) {
        mp->status = QNFT_MP_EBOUNDARY;
        return mp;
    }
    mp->delim = apr_pstrcat(p, "\r\n--", boundary, NULL);
    mp->delim_len = strlen(mp->delim);
    mp->header_buf = apr_palloc(p, mp->max_header_bytes + 1);

    /* Pretend the body starts with CRLF so a delimiter at byte 0 matches. */
    mp->state = MP_PREAMBLE;
    mp->held_len = 2;
    return mp;
}

static qnft_mp_status fail(qnft_mp_parser *mp, qnft_mp_status st)
{
    mp->status = st;
    return st;
}

/* Hand body bytes to the application; preamble bytes are dropped. */
static qnft_mp_status deliver(qnft_mp_parser *mp, const char *data,
                              apr_size_t len)
{
    if (len == 0 || mp->state != MP_BODY || mp->cb.part_data == NULL)
        return QNFT_MP_OK;
    if (mp->cb.part_data(mp->baton, data, len) != 0)
        return fail(mp, QNFT_MP_EABORTED);
    return QNFT_MP_OK;
}

/* Scan preamble or body bytes for the delimiter. Sets *consumed to the bytes
 * used (through the end of the delimiter when one completes, else all of
 * them) and *found when a delimiter completed. */
static qnft_mp_status scan_delimiter(qnft_mp_parser *mp, const char *data,
                                     apr_size_t len, apr_size_t *consumed,
                                     int *found)
{
    const char *delim = mp->delim;
    apr_size_t delim_len = mp->delim_len;
    apr_size_t emit_from = 0, search_from = 0;
    qnft_mp_status st;

    *found = 0;
    *consumed = len;

    if (mp->held_len > 0) {
        apr_size_t want = delim_len - mp->held_len;
        apr_size_t n = len < want ? len : want;
        apr_size_t matched = 0;

        while (matched < n && data[matched] == delim[mp->held_len + matched])
            matched++;
        if (matched == n) {
            if (n == want) {
                mp->held_len = 0;
                *consumed = n;
                *found = 1;
            }
            else {
                mp->held_len += n;
            }
            return QNFT_MP_OK;
        }
        /* Not a delimiter after all: the held prefix was data. Since '\r'
         * appears in the delimiter only at index 0, no delimiter can start
         * inside the held bytes or data[0..matched). */
        st = deliver(mp, delim, mp->held_len);
        mp->held_len = 0;
        if (st != QNFT_MP_OK)
            return st;
        search_from = matched;
    }

    while (search_from < len) {
        const char *cr = memchr(data + search_from, '\r', len - search_from);
        apr_size_t at, n;

        if (cr == NULL)
            break;
        at = (apr_size_t)(cr - data);
        n = len - at < delim_len ? len - at : delim_len;
        if (memcmp(cr, delim, n) == 0) {
            st = deliver(mp, data + emit_from, at - emit_from);
            if (st != QNFT_MP_OK)
                return st;
            if (n == delim_len) {
                *consumed = at + delim_len;
                *found = 1;
            }
            else {
                mp->held_len = n;   /* may complete in the next piece */
            }
            return QNFT_MP_OK;
        }
        search_from = at + 1;
    }
    return deliver(mp, data + emit_from, len - emit_from);
}

static void begin_headers(qnft_mp_parser *mp)
{
    mp->state = MP_HEADERS;
    mp->header_len = 0;
    mp->header_line_start = 0;
    /* The previous part's strings are no longer promised to anyone. */
    apr_pool_clear(mp->part_pool);
}

/* Consume the bytes after a delimiter. They are few (two, or padding plus
 * CRLF), so going byte by byte costs nothing. */
static qnft_mp_status scan_delim_tail(qnft_mp_parser *mp, const char *data,
                                      apr_size_t len, apr_size_t *consumed)
{
    apr_size_t i;

    for (i = 0; i < len; i++) {
        char c = data[i];

        switch (mp->tail_state) {
        case TAIL_START:
        case TAIL_PADDING:
            if (c == '-' && mp->tail_state == TAIL_START)
                mp->tail_state = TAIL_DASH;
            else if (is_ows(c))
                mp->tail_state = TAIL_PADDING;
            else if (c == '\r')
                mp->tail_state = TAIL_CR;
            else
                return fail(mp, QNFT_MP_ESYNTAX);
            continue;
        case TAIL_DASH:
            if (c != '-')
                return fail(mp, QNFT_MP_ESYNTAX);
            mp->state = MP_EPILOGUE;
            *consumed = i + 1;
            return QNFT_MP_OK;
        case TAIL_CR:
            if (c != '\n')
                return fail(mp, QNFT_MP_ESYNTAX);
            /* Check the limit before reading headers nobody will use. */
            if (mp->part_count >= mp->max_parts)
                return fail(mp, QNFT_MP_EPARTS);
            begin_headers(mp);
            *consumed = i + 1;
            return QNFT_MP_OK;
        }
    }
    *consumed = len;
    return QNFT_MP_OK;
}

/* Content-Disposition: form-data *( ";" param ). Only name= and filename=
 * are kept; other parameters (filename* included) are ignored. */
static qnft_mp_status parse_disposition(qnft_mp_parser *mp, const char *value,
                                        qnft_mp_part *part)
{
    const char *s = value, *type_start = value, *name;
    apr_size_t name_len;
    char *param_value;
    int have_name = 0;
    param_result r;

    while (*s != '\0' && *s != ';' && !is_ows(*s))
        s++;
    if (!equals_lower(type_start, (apr_size_t)(s - type_start), "form-data"))
        return QNFT_MP_ESYNTAX;

    while ((r = next_param(mp->part_pool, &s, &name, &name_len,
                           &param_value)) == PARAM_FOUND) {
        /* A repeated name or filename is ambiguous; refuse it. */
        if (equals_lower(name, name_len, "name")) {
            if (have_name)
                return QNFT_MP_ESYNTAX;
            have_name = 1;
            part->name = param_value;
        }
        else if (equals_lower(name, name_len, "filename")) {
            if (part->filename != NULL)
                return QNFT_MP_ESYNTAX;
            part->filename = param_value;
        }
    }
    return r == PARAM_BAD ? QNFT_MP_ESYNTAX : QNFT_MP_OK;
}

/* Parse the complete header block header_buf[0..len), which ends with the
 * line terminator of its last header line (the empty line is excluded). */
static qnft_mp_status parse_headers(qnft_mp_parser *mp, apr_size_t len,
                                    qnft_mp_part *part)
{
    char *buf = mp->header_buf;
    char *line, *end = buf + len;
    char *disposition = NULL;
    int have_type = 0;

    /* A NUL would silently cut the strings handed to the application. */
    if (memchr(buf, '\0', len) != NULL)
        return QNFT_MP_ESYNTAX;

    line = buf;
    while (line < end) {
        char *field_end = line, *out, *colon, *v, *v_end;
        char *lf;

        /* Find the end of this field: a line break not followed by SP/HT
         * (those are folded continuation lines). Unfold in place by
         * dropping the line breaks; the result only gets shorter. */
        out = line;
        for (;;) {
            char *seg_end;
            lf = memchr(field_end, '\n', (apr_size_t)(end - field_end));
            /* The block always ends with '\n', so lf is never NULL. */
            seg_end = lf;
            if (seg_end > field_end && seg_end[-1] == '\r')
                seg_end--;
            memmove(out, field_end, (apr_size_t)(seg_end - field_end));
            out += seg_end - field_end;
            field_end = lf + 1;
            if (field_end >= end || !is_ows(*field_end))
                break;
        }
        *out = '\0';

        if (is_ows(*line))
            return QNFT_MP_ESYNTAX;     /* continuation without a field */
        colon = strchr(line, ':');
        if (colon == NULL || colon == line)
            return QNFT_MP_ESYNTAX;

        v_end = colon;                  /* the name, minus stray whitespace */
        while (v_end > line && is_ows(v_end[-1]))
            v_end--;

        if (equals_lower(line, (apr_size_t)(v_end - line),
                         "content-disposition")) {
            if (disposition != NULL)
                return QNFT_MP_ESYNTAX;
            disposition = colon + 1 + strspn(colon + 1, " \t");
        }
        else if (equals_lower(line, (apr_size_t)(v_end - line),
                              "content-type")) {
            if (have_type)
                return QNFT_MP_ESYNTAX;
            have_type = 1;
            v = colon + 1 + strspn(colon + 1, " \t");
            v_end = out;
            while (v_end > v && is_ows(v_end[-1]))
                v_end--;
            part->content_type = apr_pstrmemdup(mp->part_pool, v,
                                                (apr_size_t)(v_end - v));
        }
        line = field_end;
    }

    if (disposition != NULL) {
        /* Trailing whitespace would otherwise read as a bad parameter. */
        char *d_end = disposition + strlen(disposition);
        while (d_end > disposition && is_ows(d_end[-1]))
            d_end--;
        *d_end = '\0';
        return parse_disposition(mp, disposition, part);
    }
    return QNFT_MP_OK;
}

static qnft_mp_status finish_headers(qnft_mp_parser *mp)
{
    qnft_mp_part part;
    qnft_mp_status st;

    part.name = "";
    part.filename = NULL;
    part.content_type = NULL;
    part.index = mp->part_count;

    st = parse_headers(mp, mp->header_line_start, &part);
    if (st != QNFT_MP_OK)
        return fail(mp, st);

    mp->part_count++;
    mp->state = MP_BODY;
    mp->held_len = 0;
    if (mp->cb.part_begin != NULL && mp->cb.part_begin(mp->baton, &part) != 0)
        return fail(mp, QNFT_MP_EABORTED);
    return QNFT_MP_OK;
}

/* Copy header bytes line by line until the empty line that ends them. */
static qnft_mp_status scan_headers(qnft_mp_parser *mp, const char *data,
                                   apr_size_t len, apr_size_t *consumed)
{
    apr_size_t pos = 0;

    while (pos < len) {
        const char *lf = memchr(data + pos, '\n', len - pos);
        apr_size_t chunk = lf != NULL ? (apr_size_t)(lf - data) + 1 - pos
                                      : len - pos;
        apr_size_t line_len;

        if (chunk > mp->max_header_bytes - mp->header_len)
            return fail(mp, QNFT_MP_EHEADERS);
        memcpy(mp->header_buf + mp->header_len, data + pos, chunk);
        mp->header_len += chunk;
        pos += chunk;
        if (lf == NULL)
            break;

        line_len = mp->header_len - mp->header_line_start;
        if (line_len == 1 || (line_len == 2
                              && mp->header_buf[mp->header_line_start] == '\r')) {
            *consumed = pos;
            return finish_headers(mp);
        }
        mp->header_line_start = mp->header_len;
    }
    *consumed = len;
    return QNFT_MP_OK;
}

qnft_mp_status qnft_mp_feed(qnft_mp_parser *mp, const char *data, apr_size_t len)
{
    apr_size_t pos = 0;

    if (mp->status != QNFT_MP_OK)
        return mp->status;

    while (pos < len && mp->state != MP_EPILOGUE) {
        apr_size_t consumed = 0;
        qnft_mp_status st = QNFT_MP_OK;
        int found;

        switch (mp->state) {
        case MP_PREAMBLE:
        case MP_BODY:
            st = scan_delimiter(mp, data + pos, len - pos, &consumed, &found);
            if (st == QNFT_MP_OK && found) {
                if (mp->state == MP_BODY && mp->cb.part_end != NULL
                    && mp->cb.part_end(mp->baton) != 0)
                    st = fail(mp, QNFT_MP_EABORTED);
                mp->state = MP_DELIM_TAIL;
                mp->tail_state = TAIL_START;
            }
            break;
        case MP_DELIM_TAIL:
            st = scan_delim_tail(mp, data + pos, len - pos, &consumed);
            break;
        case MP_HEADERS:
            st = scan_headers(mp, data + pos, len - pos, &consumed);
            break;
        case MP_EPILOGUE:
            break;
        }
        if (st != QNFT_MP_OK)
            return st;
        pos += consumed;
    }
    return QNFT_MP_OK;
}

qnft_mp_status qnft_mp_finish(qnft_mp_parser *mp)
{
    if (mp->status != QNFT_MP_OK)
        return mp->status;
    if (mp->state != MP_EPILOGUE)
        return fail(mp, QNFT_MP_ETRUNCATED);
    return QNFT_MP_OK;
}

int qnft_mp_part_count(const qnft_mp_parser *mp)
{
    return mp->part_count;
}

const char *qnft_mp_strerror(qnft_mp_status st)
{
    switch (st) {
    case QNFT_MP_OK:         return "no error";
    case QNFT_MP_EBOUNDARY:  return "missing or invalid multipart boundary";
    case QNFT_MP_ESYNTAX:    return "malformed multipart delimiter or part header";
    case QNFT_MP_EHEADERS:   return "multipart part headers too large";
    case QNFT_MP_EPARTS:     return "too many multipart parts";
    case QNFT_MP_ETRUNCATED: return "multipart body ended before the closing delimiter";
    case QNFT_MP_EABORTED:   return "multipart parsing aborted";
    }
    return "unknown multipart error";
}
