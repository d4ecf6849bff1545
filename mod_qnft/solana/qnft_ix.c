#include <string.h>
#include <apr_strings.h>

#include "solana/qnft_ix.h"

/* First 8 bytes of sha256("spl_token_metadata_interface:<name>"), the
 * interface's instruction discriminators; t/unit/test_solana_tx.c
 * recomputes them. */
static const unsigned char tm_initialize[8] = {0xd2, 0xe1, 0x1e, 0xa2, 0x58, 0xb8, 0x4d, 0x8d};
static const unsigned char tm_update_field[8] = {0xdd, 0xe9, 0x31, 0x2d, 0xb5, 0xca, 0xdc, 0xc8};

/* Instruction tags */
#define SYS_CREATE_ACCOUNT 0
#define SYS_TRANSFER 2
#define TOKEN_SET_AUTHORITY 6
#define TOKEN_MINT_TO 7
#define TOKEN_INITIALIZE_MINT2 20
#define TOKEN_METADATA_POINTER 39
#define METADATA_POINTER_INITIALIZE 0
#define MPL_CREATE_METADATA_V3 33
#define MPL_CREATE_MASTER_EDITION_V3 17
#define CB_SET_UNIT_LIMIT 2
#define CB_SET_UNIT_PRICE 3

/* A sequential writer over an instruction's data, little-endian like
 * Borsh and bincode. Sizes are computed up front, so it never grows. */
typedef struct {
    unsigned char *w;
} writer;

static void put(writer *b, const void *src, apr_size_t n)
{
    if (n) {
        memcpy(b->w, src, n);
    }
    b->w += n;
}

static void put_u8(writer *b, unsigned int v)
{
    *b->w++ = (unsigned char)v;
}

static void put_le(writer *b, apr_uint64_t v, int bytes)
{
    int i;
    for (i = 0; i < bytes; i++) {
        *b->w++ = (unsigned char)(v >> (8 * i));
    }
}

static void put_key(writer *b, const qnft_pubkey *k)
{
    put(b, k->b, 32);
}

/* Borsh String: u32 length + UTF-8 bytes */
static void put_str(writer *b, const char *s)
{
    apr_size_t n = strlen(s);
    put_le(b, n, 4);
    put(b, s, n);
}

/* Option<Pubkey> as the token program packs it: 0, or 1 + key */
static void put_opt_key(writer *b, const qnft_pubkey *k)
{
    put_u8(b, k ? 1 : 0);
    if (k) {
        put_key(b, k);
    }
}

static qnft_pubkey program(const char *b58)
{
    qnft_pubkey k;
    /* the constants are valid; zeros would only show a broken header */
    if (qnft_pubkey_parse(b58, &k) != 0) {
        memset(&k, 0, sizeof(k));
    }
    return k;
}

static qnft_instruction *make(apr_pool_t *p, const char *program_b58, apr_size_t num_accounts,
                              apr_size_t data_len, writer *b)
{
    qnft_pubkey id = program(program_b58);
    qnft_instruction *ix = qnft_instruction_make(p, &id, num_accounts, data_len);
    b->w = ix->data;
    return ix;
}

static qnft_instruction *make_for(apr_pool_t *p, const qnft_pubkey *id, apr_size_t num_accounts,
                                  apr_size_t data_len, writer *b)
{
    qnft_instruction *ix = qnft_instruction_make(p, id, num_accounts, data_len);
    b->w = ix->data;
    return ix;
}

#define ACCT(ix, i, key, signer, writable) qnft_instruction_set_account(ix, i, key, signer, writable)

/* --- System ---------------------------------------------------------------------- */

qnft_instruction *qnft_ix_system_create_account(apr_pool_t *p, const qnft_pubkey *payer,
                                                const qnft_pubkey *new_account,
                                                apr_uint64_t lamports, apr_uint64_t space,
                                                const qnft_pubkey *owner)
{
    writer b;
    qnft_instruction *ix = make(p, QNFT_PROGRAM_SYSTEM, 2, 52, &b);
    put_le(&b, SYS_CREATE_ACCOUNT, 4);
    put_le(&b, lamports, 8);
    put_le(&b, space, 8);
    put_key(&b, owner);
    ACCT(ix, 0, payer, 1, 1);
    ACCT(ix, 1, new_account, 1, 1);
    return ix;
}

qnft_instruction *qnft_ix_system_transfer(apr_pool_t *p, const qnft_pubkey *from,
                                          const qnft_pubkey *to, apr_uint64_t lamports)
{
    writer b;
    qnft_instruction *ix = make(p, QNFT_PROGRAM_SYSTEM, 2, 12, &b);
    put_le(&b, SYS_TRANSFER, 4);
    put_le(&b, lamports, 8);
    ACCT(ix, 0, from, 1, 1);
    ACCT(ix, 1, to, 0, 1);
    return ix;
}

/* --- SPL Token and Token-2022 --------------------------------------------------------- */

qnft_instruction *qnft_ix_token_initialize_mint2(apr_pool_t *p, const qnft_pubkey *token_program,
                                                 const qnft_pubkey *mint, unsigned char decimals,
                                                 const qnft_pubkey *mint_authority,
                                                 const qnft_pubkey *freeze_authority)
{
    writer b;
    qnft_instruction *ix = make_for(p, token_program, 1, freeze_authority ? 67 : 35, &b);
    put_u8(&b, TOKEN_INITIALIZE_MINT2);
    put_u8(&b, decimals);
    put_key(&b, mint_authority);
    put_opt_key(&b, freeze_authority);
    ACCT(ix, 0, mint, 0, 1);
    return ix;
}

qnft_instruction *qnft_ix_token_mint_to(apr_pool_t *p, const qnft_pubkey *token_program,
                                        const qnft_pubkey *mint, const qnft_pubkey *destination,
                                        const qnft_pubkey *authority, apr_uint64_t amount)
{
    writer b;
    qnft_instruction *ix = make_for(p, token_program, 3, 9, &b);
    put_u8(&b, TOKEN_MINT_TO);
    put_le(&b, amount, 8);
    ACCT(ix, 0, mint, 0, 1);
    ACCT(ix, 1, destination, 0, 1);
    ACCT(ix, 2, authority, 1, 0);
    return ix;
}

qnft_instruction *qnft_ix_token_set_authority(apr_pool_t *p, const qnft_pubkey *token_program,
                                              const qnft_pubkey *target,
                                              const qnft_pubkey *current_authority,
                                              qnft_authority_type type,
                                              const qnft_pubkey *new_authority)
{
    writer b;
    qnft_instruction *ix = make_for(p, token_program, 2, new_authority ? 35 : 3, &b);
    put_u8(&b, TOKEN_SET_AUTHORITY);
    put_u8(&b, (unsigned int)type);
    put_opt_key(&b, new_authority);
    ACCT(ix, 0, target, 0, 1);
    ACCT(ix, 1, current_authority, 1, 0);
    return ix;
}

/* --- Associated Token Account ------------------------------------------------------- */

qnft_instruction *qnft_ix_ata_create(apr_pool_t *p, const qnft_pubkey *payer,
                                     const qnft_pubkey *ata, const qnft_pubkey *wallet,
                                     const qnft_pubkey *mint, const qnft_pubkey *token_program,
                                     int idempotent)
{
    writer b;
    qnft_pubkey sys = program(QNFT_PROGRAM_SYSTEM);
    qnft_instruction *ix = make(p, QNFT_PROGRAM_ATA, 6, idempotent ? 1 : 0, &b);
    if (idempotent) {
        put_u8(&b, 1);
    }
    ACCT(ix, 0, payer, 1, 1);
    ACCT(ix, 1, ata, 0, 1);
    ACCT(ix, 2, wallet, 0, 0);
    ACCT(ix, 3, mint, 0, 0);
    ACCT(ix, 4, &sys, 0, 0);
    ACCT(ix, 5, token_program, 0, 0);
    return ix;
}

/* --- Token-2022 extensions and the token-metadata interface ------------------------- */

qnft_instruction *qnft_ix_metadata_pointer_initialize(apr_pool_t *p, const qnft_pubkey *mint,
                                                      const qnft_pubkey *authority,
                                                      const qnft_pubkey *metadata_address)
{
    static const qnft_pubkey none;      /* OptionalNonZeroPubkey: zeros = None */
    writer b;
    qnft_instruction *ix = make(p, QNFT_PROGRAM_TOKEN_2022, 1, 66, &b);
    put_u8(&b, TOKEN_METADATA_POINTER);
    put_u8(&b, METADATA_POINTER_INITIALIZE);
    put_key(&b, authority ? authority : &none);
    put_key(&b, metadata_address ? metadata_address : &none);
    ACCT(ix, 0, mint, 0, 1);
    return ix;
}

qnft_instruction *qnft_ix_token_metadata_initialize(apr_pool_t *p, const qnft_pubkey *program_id,
                                                    const qnft_pubkey *metadata,
                                                    const qnft_pubkey *update_authority,
                                                    const qnft_pubkey *mint,
                                                    const qnft_pubkey *mint_authority,
                                                    const char *name, const char *symbol,
                                                    const char *uri)
{
    writer b;
    qnft_instruction *ix = make_for(p, program_id, 4,
                                    8 + 12 + strlen(name) + strlen(symbol) + strlen(uri), &b);
    put(&b, tm_initialize, 8);
    put_str(&b, name);
    put_str(&b, symbol);
    put_str(&b, uri);
    ACCT(ix, 0, metadata, 0, 1);
    ACCT(ix, 1, update_authority, 0, 0);
    ACCT(ix, 2, mint, 0, 0);
    ACCT(ix, 3, mint_authority, 1, 0);
    return ix;
}

qnft_instruction *qnft_ix_token_metadata_update_field(apr_pool_t *p, const qnft_pubkey *program_id,
                                                      const qnft_pubkey *metadata,
                                                      const qnft_pubkey *update_authority,
                                                      qnft_metadata_field field,
                                                      const char *key, const char *value)
{
    writer b;
    apr_size_t len = 8 + 1 + 4 + strlen(value);
    qnft_instruction *ix;

    if (field == QNFT_FIELD_KEY) {
        if (!key) {
            return NULL;
        }
        len += 4 + strlen(key);
    }
    ix = make_for(p, program_id, 2, len, &b);
    put(&b, tm_update_field, 8);
    put_u8(&b, (unsigned int)field);
    if (field == QNFT_FIELD_KEY) {
        put_str(&b, key);
    }
    put_str(&b, value);
    ACCT(ix, 0, metadata, 0, 1);
    ACCT(ix, 1, update_authority, 1, 0);
    return ix;
}

/* --- Metaplex Token Metadata -------------------------------------------------------- */

static const char *mpl_check(apr_pool_t *p, const qnft_pubkey *update_authority,
                             int update_authority_signs, const qnft_mpl_metadata *md)
{
    apr_size_t i, j;
    unsigned int total = 0;

    if (!md->name || !md->symbol || !md->uri) {
        return "name, symbol and uri are required";
    }
    if (strlen(md->name) > QNFT_MPL_MAX_NAME) {
        return apr_psprintf(p, "name longer than %d bytes", QNFT_MPL_MAX_NAME);
    }
    if (strlen(md->symbol) > QNFT_MPL_MAX_SYMBOL) {
        return apr_psprintf(p, "symbol longer than %d bytes", QNFT_MPL_MAX_SYMBOL);
    }
    if (strlen(md->uri) > QNFT_MPL_MAX_URI) {
        return apr_psprintf(p, "uri longer than %d bytes", QNFT_MPL_MAX_URI);
    }
    if (md->seller_fee_basis_points > QNFT_MPL_MAX_FEE) {
        return apr_psprintf(p, "seller fee over %d basis points", QNFT_MPL_MAX_FEE);
    }
    if (md->num_creators < 1 || md->num_creators > QNFT_MPL_MAX_CREATORS || !md->creators) {
        return apr_psprintf(p, "1 to %d creators needed", QNFT_MPL_MAX_CREATORS);
    }
    for (i = 0; i < md->num_creators; i++) {
        const qnft_mpl_creator *c = &md->creators[i];
        for (j = 0; j < i; j++) {
            if (!memcmp(c->address.b, md->creators[j].address.b, 32)) {
                return "a creator is listed twice";
            }
        }
        /* the program verifies a creator only when that creator signs,
         * and of the accounts here only the update authority can */
        if (c->verified && (!update_authority_signs
                            || memcmp(c->address.b, update_authority->b, 32))) {
            return "only the signing update authority can be a verified creator";
        }
        total += c->share;
    }
    if (total != 100) {
        return "creator shares must sum to 100";
    }
    if (md->uses && md->uses->use_method > 2) {
        return "unknown use method";
    }
    return NULL;
}

apr_status_t qnft_ix_mpl_create_metadata_v3(apr_pool_t *p, const qnft_pubkey *metadata,
                                            const qnft_pubkey *mint,
                                            const qnft_pubkey *mint_authority,
                                            const qnft_pubkey *payer,
                                            const qnft_pubkey *update_authority,
                                            int update_authority_signs,
                                            const qnft_mpl_metadata *md, int with_rent,
                                            qnft_instruction **out, const char **err)
{
    writer b;
    qnft_instruction *ix;
    qnft_pubkey sys = program(QNFT_PROGRAM_SYSTEM), rent = program(QNFT_SYSVAR_RENT);
    apr_size_t len, i;
    const char *why = mpl_check(p, update_authority, update_authority_signs, md);

    *out = NULL;
    if (why) {
        *err = why;
        return APR_EINVAL;
    }
    len = 1 + 12 + strlen(md->name) + strlen(md->symbol) + strlen(md->uri) + 2
        + 1 + 4 + 34 * md->num_creators
        + (md->collection ? 34 : 1)
        + (md->uses ? 18 : 1)
        + 1
        + (md->collection_size ? 10 : 1);
    ix = make(p, QNFT_PROGRAM_METADATA, with_rent ? 7 : 6, len, &b);
    put_u8(&b, MPL_CREATE_METADATA_V3);
    /* DataV2 */
    put_str(&b, md->name);
    put_str(&b, md->symbol);
    put_str(&b, md->uri);
    put_le(&b, md->seller_fee_basis_points, 2);
    put_u8(&b, 1);                                  /* Some(creators) */
    put_le(&b, md->num_creators, 4);
    for (i = 0; i < md->num_creators; i++) {
        put_key(&b, &md->creators[i].address);
        put_u8(&b, md->creators[i].verified ? 1 : 0);
        put_u8(&b, md->creators[i].share);
    }
    put_u8(&b, md->collection ? 1 : 0);
    if (md->collection) {
        put_u8(&b, 0);          /* verified: only a later Verify may set it */
        put_key(&b, md->collection);
    }
    put_u8(&b, md->uses ? 1 : 0);
    if (md->uses) {
        put_u8(&b, md->uses->use_method);
        put_le(&b, md->uses->remaining, 8);
        put_le(&b, md->uses->total, 8);
    }
    put_u8(&b, md->is_mutable ? 1 : 0);
    put_u8(&b, md->collection_size ? 1 : 0);
    if (md->collection_size) {
        put_u8(&b, 0);          /* CollectionDetails::V1 */
        put_le(&b, *md->collection_size, 8);
    }
    ACCT(ix, 0, metadata, 0, 1);
    ACCT(ix, 1, mint, 0, 0);
    ACCT(ix, 2, mint_authority, 1, 0);
    ACCT(ix, 3, payer, 1, 1);
    ACCT(ix, 4, update_authority, update_authority_signs, 0);
    ACCT(ix, 5, &sys, 0, 0);
    if (with_rent) {
        ACCT(ix, 6, &rent, 0, 0);
    }
    *out = ix;
    return APR_SUCCESS;
}

qnft_instruction *qnft_ix_mpl_create_master_edition_v3(apr_pool_t *p,
                                                       const qnft_pubkey *edition,
                                                       const qnft_pubkey *mint,
                                                       const qnft_pubkey *update_authority,
                                                       const qnft_pubkey *mint_authority,
                                                       const qnft_pubkey *payer,
                                                       const qnft_pubkey *metadata,
                                                       const qnft_pubkey *token_program,
                                                       const apr_uint64_t *max_supply,
                                                       int with_rent)
{
    writer b;
    qnft_pubkey sys = program(QNFT_PROGRAM_SYSTEM), rent = program(QNFT_SYSVAR_RENT);
    qnft_instruction *ix = make(p, QNFT_PROGRAM_METADATA, with_rent ? 9 : 8,
                                max_supply ? 10 : 2, &b);
    put_u8(&b, MPL_CREATE_MASTER_EDITION_V3);
    put_u8(&b, max_supply ? 1 : 0);
    if (max_supply) {
        put_le(&b, *max_supply, 8);
    }
    ACCT(ix, 0, edition, 0, 1);
    ACCT(ix, 1, mint, 0, 1);
    ACCT(ix, 2, update_authority, 1, 0);
    ACCT(ix, 3, mint_authority, 1, 0);
    ACCT(ix, 4, payer, 1, 1);
    ACCT(ix, 5, metadata, 0, 1);
    ACCT(ix, 6, token_program, 0, 0);
    ACCT(ix, 7, &sys, 0, 0);
    if (with_rent) {
        ACCT(ix, 8, &rent, 0, 0);
    }
    return ix;
}

/* --- Compute Budget ------------------------------------------------------------------- */

qnft_instruction *qnft_ix_compute_unit_limit(apr_pool_t *p, apr_uint32_t units)
{
    writer b;
    qnft_instruction *ix = make(p, QNFT_PROGRAM_COMPUTE_BUDGET, 0, 5, &b);
    put_u8(&b, CB_SET_UNIT_LIMIT);
    put_le(&b, units, 4);
    return ix;
}

qnft_instruction *qnft_ix_compute_unit_price(apr_pool_t *p, apr_uint64_t micro_lamports)
{
    writer b;
    qnft_instruction *ix = make(p, QNFT_PROGRAM_COMPUTE_BUDGET, 0, 9, &b);
    put_u8(&b, CB_SET_UNIT_PRICE);
    put_le(&b, micro_lamports, 8);
    return ix;
}
