#include <openssl/evp.h>
#include <openssl/rand.h>

#include "solana/qnft_ed25519.h"

int qnft_ed25519_verify(const unsigned char *pub, const unsigned char *msg, apr_size_t len,
                        const unsigned char *sig)
{
    EVP_PKEY *key = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pub,
                                                QNFT_ED25519_PUB_LEN);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int ok = 0;

    if (key && ctx && EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, key) == 1) {
        ok = EVP_DigestVerify(ctx, sig, QNFT_ED25519_SIG_LEN, msg, len) == 1;
    }
    EVP_MD_CTX_free(ctx);
    EVP_PKEY_free(key);
    return ok;
}

int qnft_ed25519_sign(const unsigned char *seed, const unsigned char *msg, apr_size_t len,
                      unsigned char *sig)
{
    EVP_PKEY *key = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed,
                                                 QNFT_ED25519_SEED_LEN);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    size_t siglen = QNFT_ED25519_SIG_LEN;
    int rc = -1;

    if (key && ctx && EVP_DigestSignInit(ctx, NULL, NULL, NULL, key) == 1
        && EVP_DigestSign(ctx, sig, &siglen, msg, len) == 1 && siglen == QNFT_ED25519_SIG_LEN) {
        rc = 0;
    }
    EVP_MD_CTX_free(ctx);
    EVP_PKEY_free(key);
    return rc;
}

int qnft_ed25519_public(const unsigned char *seed, unsigned char *pub)
{
    EVP_PKEY *key = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed,
                                                 QNFT_ED25519_SEED_LEN);
    size_t n = QNFT_ED25519_PUB_LEN;
    int rc = key && EVP_PKEY_get_raw_public_key(key, pub, &n) == 1 && n == 32 ? 0 : -1;
    EVP_PKEY_free(key);
    return rc;
}

int qnft_ed25519_generate(unsigned char *seed)
{
    return RAND_priv_bytes(seed, QNFT_ED25519_SEED_LEN) == 1 ? 0 : -1;
}
