/* GET /studio: what the pages need to know about this server before they
 * offer anything: the styles, who may sign a mint, the cluster, the fee
 * and the limits. Nothing secret: the signer's address is public anyway. */
#include <apr_strings.h>
#include <http_protocol.h>

#include "apache/mod_qnft.h"
#include "apache/qnft_config.h"
#include "apache/qnft_guard.h"
#include "apache/qnft_respond.h"
#include "image/qnft_styles.h"
#include "util/qnft_json.h"

int qnft_studio_handler(request_rec *r)
{
    const qnft_srv_conf *c;
    json_t *body, *styles;
    int i;

    if (!r->handler || strcmp(r->handler, "qnft-studio")) {
        return DECLINED;
    }
    if (r->method_number != M_GET) {
        return qnft_respond_method(r, "GET");
    }
    c = qnft_srv_config(r->server);
    styles = json_array();
    for (i = 0; i < QNFT_STYLE_COUNT; i++) {
        json_array_append_new(styles, json_string(qnft_style_name((qnft_style)i)));
    }
    body = qnft_json_pooled(r->pool, json_pack(
        "{s:s, s:s, s:o, s:s, s:b, s:b, s:s, s:s, s:I, s:I, s:s}",
        "status", "success",
        "public_url", qnft_public_base(r),
        "styles", styles,
        "default_style", qnft_style_name(QNFT_STYLE_DEFAULT),
        "server_signing", c->solana_rpc && c->signer,
        "wallet_signing", c->solana_rpc != NULL,
        "cluster", c->solana_cluster,
        "mint_standard", c->mint_standard == QNFT_STANDARD_TOKEN2022 ? "token2022" : "metaplex",
        "mint_fee_lamports", (json_int_t)c->mint_fee_lamports,
        "upload_max_bytes", (json_int_t)c->upload_max_bytes,
        "csrf_header", QNFT_CSRF_HEADER));
    if (!body) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    return qnft_respond_json(r, HTTP_OK, body);
}
