/* Reading request bodies of the JSON endpoints. */
#ifndef QNFT_REQUEST_H
#define QNFT_REQUEST_H

#include <httpd.h>
#include <jansson.h>

/* Read a JSON object body of at most max bytes (Content-Type must be
 * application/json). On success *obj is set (owned by r->pool) and OK is
 * returned; otherwise an answer has been sent (400, 413, 415) and its
 * return code is returned. */
int qnft_read_json(request_rec *r, apr_size_t max, json_t **obj);

/* A string member that must be present: NULL when it is absent or not a
 * string. */
const char *qnft_json_str(const json_t *obj, const char *key);

/* An integer member: 0 and *v set when present and integral. */
int qnft_json_int(const json_t *obj, const char *key, apr_int64_t *v);

#endif
