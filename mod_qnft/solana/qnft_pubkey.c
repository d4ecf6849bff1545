#include "solana/qnft_programs.h"
#include "solana/qnft_base58.h"

int qnft_pubkey_parse(const char *b58, qnft_pubkey *out)
{
    if (!b58 || !out) {
        return -1;
    }
    return qnft_base58_decode_exact(b58, out->b, QNFT_PUBKEY_LEN) == 0 ? 0 : -1;
}

const char *qnft_pubkey_str(apr_pool_t *p, const qnft_pubkey *k)
{
    return qnft_base58_encode(p, k->b, QNFT_PUBKEY_LEN);
}
