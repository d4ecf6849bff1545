#include <string.h>
#include <apr_strings.h>

#include "qnft_json.h"

static apr_status_t json_release(void *data)
{
    json_decref((json_t *)data);
    return APR_SUCCESS;
}

json_t *qnft_json_pooled(apr_pool_t *p, json_t *j)
{
    if (j) {
        apr_pool_cleanup_register(p, j, json_release, apr_pool_cleanup_null);
    }
    return j;
}

/* jansson has no depth limit of its own below its compile-time 2048; a
 * cheap pre-scan keeps hostile nesting from costing stack and memory. */
static int depth_ok(const char *text, apr_size_t len, int max_depth)
{
    int depth = 0, in_string = 0;
    apr_size_t i;
    for (i = 0; i < len; i++) {
        char c = text[i];
        if (in_string) {
            if (c == '\\') {
                i++;
            }
            else if (c == '"') {
                in_string = 0;
            }
            continue;
        }
        if (c == '"') {
            in_string = 1;
        }
        else if (c == '{' || c == '[') {
            if (++depth > max_depth) {
                return 0;
            }
        }
        else if (c == '}' || c == ']') {
            depth--;
        }
    }
    return 1;
}

json_t *qnft_json_parse(apr_pool_t *p, const char *text, apr_size_t len,
                        int max_depth, const char **err)
{
    json_error_t jerr;
    json_t *j;

    if (max_depth > 0 && !depth_ok(text, len, max_depth)) {
        *err = apr_psprintf(p, "JSON nested deeper than %d levels", max_depth);
        return NULL;
    }
    j = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!j) {
        *err = apr_psprintf(p, "invalid JSON at line %d column %d: %s",
                            jerr.line, jerr.column, jerr.text);
        return NULL;
    }
    return qnft_json_pooled(p, j);
}

/* Is text[0..n) (a bare integer literal) outside int64? */
static int beyond_int64(const char *t, apr_size_t n)
{
    static const char max[] = "9223372036854775807";
    apr_size_t digits = n - (t[0] == '-');
    const char *d = t + (t[0] == '-');
    if (digits != sizeof(max) - 1) {
        return digits > sizeof(max) - 1;
    }
    /* same length: compare as text (the minimum's last digit is 8) */
    return memcmp(d, max, digits) > 0 && !(t[0] == '-' && !memcmp(d, "9223372036854775808", digits));
}

json_t *qnft_json_parse_bigint(apr_pool_t *p, const char *text, apr_size_t len,
                               int max_depth, const char **err)
{
    char *out = NULL;
    apr_size_t i = 0, o = 0, copied = 0;
    int in_string = 0;

    while (i < len) {
        char c = text[i];
        if (in_string) {
            if (c == '\\') {
                i += 2;
                continue;
            }
            in_string = c != '"';
            i++;
            continue;
        }
        if (c == '"') {
            in_string = 1;
            i++;
            continue;
        }
        if (c == '-' || (c >= '0' && c <= '9')) {
            apr_size_t start = i, end = i + 1;
            while (end < len && text[end] >= '0' && text[end] <= '9') {
                end++;
            }
            if ((end >= len || (text[end] != '.' && text[end] != 'e' && text[end] != 'E'))
                && beyond_int64(text + start, end - start)) {
                if (!out) {
                    out = apr_palloc(p, len * 2 + 2);   /* room for the quotes */
                }
                memcpy(out + o, text + copied, start - copied);
                o += start - copied;
                out[o++] = '"';
                memcpy(out + o, text + start, end - start);
                o += end - start;
                out[o++] = '"';
                copied = end;
            }
            i = end;
            continue;
        }
        i++;
    }
    if (!out) {
        return qnft_json_parse(p, text, len, max_depth, err);
    }
    memcpy(out + o, text + copied, len - copied);
    o += len - copied;
    return qnft_json_parse(p, out, o, max_depth, err);
}

/* Reals with 15 significant digits: every decimal of up to 15 digits (a
 * NUMERIC price, a quote) reads back as written, 77301.77 and not
 * 77301.770000000004 as jansson's default 17 would print it. */
const char *qnft_json_dump(apr_pool_t *p, const json_t *j, apr_size_t *len)
{
    char *s = json_dumps(j, JSON_COMPACT | JSON_REAL_PRECISION(15));
    char *copy;
    apr_size_t n;

    if (!s) {
        if (len) {
            *len = 0;
        }
        return NULL;
    }
    n = strlen(s);
    copy = apr_pmemdup(p, s, n + 1);
    free(s);
    if (len) {
        *len = n;
    }
    return copy;
}

void qnft_json_init(void)
{
    json_object_seed(0);
}
