/* Builders for the instructions mod_qnft sends: exact data bytes and
 * account lists of the System, SPL Token / Token-2022, Associated Token
 * Account, token-metadata interface, Metaplex Token Metadata and Compute
 * Budget programs (see spec/solana.md). W = writable, S = signer.
 * Everything is allocated from p; key arguments are copied. */
#ifndef QNFT_IX_H
#define QNFT_IX_H

#include <apr_pools.h>

#include "solana/qnft_programs.h"
#include "solana/qnft_tx.h"

/* Sizes the token programs give accounts. */
#define QNFT_MINT_SIZE 82
#define QNFT_TOKEN_ACCOUNT_SIZE 165
/* Token-2022 mint with the MetadataPointer extension, before the
 * token-metadata extension is written (which reallocates the account). */
#define QNFT_MINT2022_POINTER_SIZE 234

/* --- System ---------------------------------------------------------------------- */

/* [u32 0, u64 lamports, u64 space, owner]; payer WS, new_account WS. */
qnft_instruction *qnft_ix_system_create_account(apr_pool_t *p, const qnft_pubkey *payer,
                                                const qnft_pubkey *new_account,
                                                apr_uint64_t lamports, apr_uint64_t space,
                                                const qnft_pubkey *owner);

/* [u32 2, u64 lamports]; from WS, to W. */
qnft_instruction *qnft_ix_system_transfer(apr_pool_t *p, const qnft_pubkey *from,
                                          const qnft_pubkey *to, apr_uint64_t lamports);

/* --- SPL Token and Token-2022 (token_program picks which) --------------------------- */

/* [20, decimals, mint_authority, 0 | 1 + freeze]; mint W. freeze may be NULL. */
qnft_instruction *qnft_ix_token_initialize_mint2(apr_pool_t *p, const qnft_pubkey *token_program,
                                                 const qnft_pubkey *mint, unsigned char decimals,
                                                 const qnft_pubkey *mint_authority,
                                                 const qnft_pubkey *freeze_authority);

/* [7, u64 amount]; mint W, destination W, authority S. */
qnft_instruction *qnft_ix_token_mint_to(apr_pool_t *p, const qnft_pubkey *token_program,
                                        const qnft_pubkey *mint, const qnft_pubkey *destination,
                                        const qnft_pubkey *authority, apr_uint64_t amount);

typedef enum {
    QNFT_AUTHORITY_MINT_TOKENS = 0,
    QNFT_AUTHORITY_FREEZE_ACCOUNT = 1,
    QNFT_AUTHORITY_ACCOUNT_OWNER = 2,
    QNFT_AUTHORITY_CLOSE_ACCOUNT = 3
} qnft_authority_type;

/* [6, type, 0 | 1 + new]; target W, current S. new_authority NULL
 * revokes (None): revoking minting is 06 00 00. */
qnft_instruction *qnft_ix_token_set_authority(apr_pool_t *p, const qnft_pubkey *token_program,
                                              const qnft_pubkey *target,
                                              const qnft_pubkey *current_authority,
                                              qnft_authority_type type,
                                              const qnft_pubkey *new_authority);

/* --- Associated Token Account ------------------------------------------------------- */

/* Create (empty data, as @solana/spl-token sends) or CreateIdempotent
 * ([1]); payer WS, ata W, wallet, mint, System, token program. */
qnft_instruction *qnft_ix_ata_create(apr_pool_t *p, const qnft_pubkey *payer,
                                     const qnft_pubkey *ata, const qnft_pubkey *wallet,
                                     const qnft_pubkey *mint, const qnft_pubkey *token_program,
                                     int idempotent);

/* --- Token-2022 extensions and the token-metadata interface ------------------------ */

/* MetadataPointer Initialize [39, 0, authority, metadata_address] (a NULL
 * key is written as 32 zero bytes, the extension's None); mint W.
 * Must come before InitializeMint2. */
qnft_instruction *qnft_ix_metadata_pointer_initialize(apr_pool_t *p, const qnft_pubkey *mint,
                                                      const qnft_pubkey *authority,
                                                      const qnft_pubkey *metadata_address);

/* token-metadata Initialize: d2 e1 1e a2 58 b8 4d 8d + name, symbol, uri
 * (Borsh strings); metadata W, update_authority, mint, mint_authority S.
 * program is the one that stores the metadata (Token-2022 when it lives on
 * the mint). */
qnft_instruction *qnft_ix_token_metadata_initialize(apr_pool_t *p, const qnft_pubkey *program,
                                                    const qnft_pubkey *metadata,
                                                    const qnft_pubkey *update_authority,
                                                    const qnft_pubkey *mint,
                                                    const qnft_pubkey *mint_authority,
                                                    const char *name, const char *symbol,
                                                    const char *uri);

typedef enum {
    QNFT_FIELD_NAME = 0,
    QNFT_FIELD_SYMBOL = 1,
    QNFT_FIELD_URI = 2,
    QNFT_FIELD_KEY = 3          /* an extra key/value field */
} qnft_metadata_field;

/* token-metadata UpdateField: first 8 bytes of
 * sha256("spl_token_metadata_interface:updating_field") + field (Borsh
 * enum; QNFT_FIELD_KEY carries key) + value; metadata W, update_authority
 * S. NULL when field is QNFT_FIELD_KEY without a key. */
qnft_instruction *qnft_ix_token_metadata_update_field(apr_pool_t *p, const qnft_pubkey *program,
                                                      const qnft_pubkey *metadata,
                                                      const qnft_pubkey *update_authority,
                                                      qnft_metadata_field field,
                                                      const char *key, const char *value);

/* --- Metaplex Token Metadata -------------------------------------------------------- */

#define QNFT_MPL_MAX_NAME 32
#define QNFT_MPL_MAX_SYMBOL 10
#define QNFT_MPL_MAX_URI 200
#define QNFT_MPL_MAX_FEE 10000
#define QNFT_MPL_MAX_CREATORS 5

typedef struct {
    qnft_pubkey address;
    int verified;               /* only the update authority, when it signs */
    unsigned char share;        /* percent; all shares sum to 100 */
} qnft_mpl_creator;

typedef struct {
    unsigned char use_method;   /* 0 Burn, 1 Multiple, 2 Single */
    apr_uint64_t remaining;
    apr_uint64_t total;
} qnft_mpl_uses;

typedef struct {
    const char *name;
    const char *symbol;
    const char *uri;
    unsigned int seller_fee_basis_points;
    const qnft_mpl_creator *creators;
    apr_size_t num_creators;
    const qnft_pubkey *collection;      /* NULL: None; written unverified */
    const qnft_mpl_uses *uses;          /* NULL: None */
    int is_mutable;
    const apr_uint64_t *collection_size;    /* NULL: None; else V1 { size } */
} qnft_mpl_metadata;

/* CreateMetadataAccountV3 = 33 || DataV2 || is_mutable ||
 * Option<CollectionDetails>; metadata W, mint, mint_authority S, payer WS,
 * update_authority (S when update_authority_signs), System, Rent when
 * with_rent. APR_EINVAL and *err when md breaks the program's limits:
 * name <= 32 bytes, symbol <= 10, uri <= 200, fee <= 10000, 1..5 distinct
 * creators whose shares sum to 100, verified only the signing update
 * authority. */
apr_status_t qnft_ix_mpl_create_metadata_v3(apr_pool_t *p, const qnft_pubkey *metadata,
                                            const qnft_pubkey *mint,
                                            const qnft_pubkey *mint_authority,
                                            const qnft_pubkey *payer,
                                            const qnft_pubkey *update_authority,
                                            int update_authority_signs,
                                            const qnft_mpl_metadata *md, int with_rent,
                                            qnft_instruction **out, const char **err);

/* CreateMasterEditionV3 = 17 || Option<u64> max_supply (NULL: None;
 * pointing at 0: a 1-of-1); edition W, mint W, update_authority S,
 * mint_authority S, payer WS, metadata W, token program, System, Rent
 * when with_rent. */
qnft_instruction *qnft_ix_mpl_create_master_edition_v3(apr_pool_t *p,
                                                       const qnft_pubkey *edition,
                                                       const qnft_pubkey *mint,
                                                       const qnft_pubkey *update_authority,
                                                       const qnft_pubkey *mint_authority,
                                                       const qnft_pubkey *payer,
                                                       const qnft_pubkey *metadata,
                                                       const qnft_pubkey *token_program,
                                                       const apr_uint64_t *max_supply,
                                                       int with_rent);

/* --- Compute Budget ------------------------------------------------------------------- */

/* [2, u32 units] */
qnft_instruction *qnft_ix_compute_unit_limit(apr_pool_t *p, apr_uint32_t units);
/* [3, u64 micro-lamports per unit] */
qnft_instruction *qnft_ix_compute_unit_price(apr_pool_t *p, apr_uint64_t micro_lamports);

#endif
