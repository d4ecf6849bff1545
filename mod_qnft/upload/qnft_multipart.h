/* Streaming multipart/form-data parser (RFC 7578 / RFC 2046), httpd-free.
 *
 * The parser is fed the request body in pieces of any size (a boundary may be
 * split across two pieces) and reports each part through callbacks, so a
 * file part is never held in memory whole. Memory use is bounded by the
 * boundary length plus the part-header limit.
 */
#ifndef QNFT_MULTIPART_H
#define QNFT_MULTIPART_H

#include <apr_pools.h>

/* Result codes; QNFT_MP_OK is 0, everything else stops the parse. */
typedef enum {
    QNFT_MP_OK = 0,
    QNFT_MP_EBOUNDARY,      /* Content-Type has no usable boundary parameter */
    QNFT_MP_ESYNTAX,        /* malformed delimiter line or part header */
    QNFT_MP_EHEADERS,       /* part headers larger than the limit */
    QNFT_MP_EPARTS,         /* more parts than the limit */
    QNFT_MP_ETRUNCATED,     /* body ended before the closing delimiter */
    QNFT_MP_EABORTED        /* a callback asked to stop (its own reason) */
} qnft_mp_status;

/* What the headers of one part said. Strings live in the parser's pool
 * until the next part begins; copy what must outlive that. */
typedef struct {
    const char *name;          /* Content-Disposition name=, never NULL ("" if absent) */
    const char *filename;      /* filename=, NULL when the parameter is absent */
    const char *content_type;  /* the part's Content-Type, NULL when absent */
    int index;                 /* 0 for the first part */
} qnft_mp_part;

typedef struct {
    /* A new part's headers are complete. Return non-zero to abort. */
    int (*part_begin)(void *baton, const qnft_mp_part *part);
    /* Body bytes of the current part, in order, possibly in many calls. */
    int (*part_data)(void *baton, const char *data, apr_size_t len);
    /* The current part's body is complete. */
    int (*part_end)(void *baton);
} qnft_mp_callbacks;

typedef struct {
    apr_size_t max_header_bytes;   /* per part; 0 = 8192 */
    int max_parts;                 /* 0 = 32 */
} qnft_mp_limits;

typedef struct qnft_mp_parser qnft_mp_parser;

/* Extract the boundary parameter from a Content-Type value of type
 * multipart/form-data (type and parameter names case-insensitive, value
 * token or quoted-string, 1..70 characters). Returns QNFT_MP_EBOUNDARY when
 * the type is not multipart/form-data or the boundary is missing/invalid. */
qnft_mp_status qnft_mp_boundary(apr_pool_t *p, const char *content_type,
                                const char **boundary);

qnft_mp_parser *qnft_mp_create(apr_pool_t *p, const char *boundary,
                               const qnft_mp_limits *limits,
                               const qnft_mp_callbacks *cb, void *baton);

/* Feed the next piece of the body. Returns the first error seen; after an
 * error every further call returns the same error. Data after the closing
 * delimiter (the epilogue) is ignored. */
qnft_mp_status qnft_mp_feed(qnft_mp_parser *mp, const char *data, apr_size_t len);

/* The body is complete: QNFT_MP_OK only when the closing delimiter was seen. */
qnft_mp_status qnft_mp_finish(qnft_mp_parser *mp);

/* Number of parts begun so far. */
int qnft_mp_part_count(const qnft_mp_parser *mp);

/* A short English description of a status, for error messages. */
const char *qnft_mp_strerror(qnft_mp_status st);

#endif
