#include <string.h>
#include <apr_strings.h>

#include "mint/qnft_mint.h"
#include "solana/qnft_pda.h"

apr_size_t qnft_mint_account_size(const qnft_mint_plan *plan)
{
    apr_size_t n;
    int i;

    if (plan->standard == QNFT_MINT_METAPLEX) {
        return QNFT_MINT_SIZE;
    }
    /* mint + MetadataPointer (234), then the metadata TLV: type and length
     * (4), update authority and mint (64), three Borsh strings and the
     * extra fields vector (4 each for lengths) */
    n = QNFT_MINT2022_POINTER_SIZE + 4 + 64 + 4 + strlen(plan->name) + 4 + strlen(plan->symbol)
        + 4 + strlen(plan->uri) + 4;
    for (i = 0; i < plan->num_extra; i++) {
        n += 4 + strlen(plan->extra_keys[i]) + 4 + strlen(plan->extra_values[i]);
    }
    return n;
}

static apr_status_t token2022_ixs(apr_pool_t *p, const qnft_mint_plan *pl,
                                  qnft_instruction **ix, apr_size_t *n, const char **err)
{
    qnft_pubkey prog, ata;
    int i;

    qnft_pubkey_parse(QNFT_PROGRAM_TOKEN_2022, &prog);
    if (qnft_ata_address(&pl->owner, &pl->mint, &prog, &ata) != 0) {
        *err = "no associated token account address";
        return APR_EGENERAL;
    }
    /* space for mint + pointer now; the metadata instructions grow the
     * account into the lamports paid here for its final size */
    ix[(*n)++] = qnft_ix_system_create_account(p, &pl->payer, &pl->mint, pl->mint_rent,
                                               QNFT_MINT2022_POINTER_SIZE, &prog);
    ix[(*n)++] = qnft_ix_metadata_pointer_initialize(p, &pl->mint, &pl->update_authority,
                                                     &pl->mint);
    ix[(*n)++] = qnft_ix_token_initialize_mint2(p, &prog, &pl->mint, 0, &pl->payer, NULL);
    ix[(*n)++] = qnft_ix_token_metadata_initialize(p, &prog, &pl->mint, &pl->update_authority,
                                                   &pl->mint, &pl->payer, pl->name, pl->symbol,
                                                   pl->uri);
    for (i = 0; i < pl->num_extra; i++) {
        ix[(*n)++] = qnft_ix_token_metadata_update_field(p, &prog, &pl->mint, &pl->update_authority,
                                                         QNFT_FIELD_KEY, pl->extra_keys[i],
                                                         pl->extra_values[i]);
    }
    ix[(*n)++] = qnft_ix_ata_create(p, &pl->payer, &ata, &pl->owner, &pl->mint, &prog, 1);
    ix[(*n)++] = qnft_ix_token_mint_to(p, &prog, &pl->mint, &ata, &pl->payer, 1);
    /* supply stays 1 for ever */
    ix[(*n)++] = qnft_ix_token_set_authority(p, &prog, &pl->mint, &pl->payer,
                                             QNFT_AUTHORITY_MINT_TOKENS, NULL);
    return APR_SUCCESS;
}

static apr_status_t metaplex_ixs(apr_pool_t *p, const qnft_mint_plan *pl,
                                 qnft_instruction **ix, apr_size_t *n, const char **err)
{
    qnft_pubkey prog, ata, metadata, edition;
    qnft_mpl_metadata md;
    unsigned char bump;
    apr_uint64_t zero = 0;
    apr_status_t rv;

    qnft_pubkey_parse(QNFT_PROGRAM_TOKEN, &prog);
    if (qnft_ata_address(&pl->owner, &pl->mint, &prog, &ata) != 0
        || qnft_metadata_pda(&pl->mint, &metadata, &bump) != 0
        || qnft_edition_pda(&pl->mint, &edition, &bump) != 0) {
        *err = "no derived address";
        return APR_EGENERAL;
    }
    memset(&md, 0, sizeof(md));
    md.name = pl->name;
    md.symbol = pl->symbol;
    md.uri = pl->uri;
    md.seller_fee_basis_points = pl->seller_fee_basis_points;
    md.creators = pl->creators;
    md.num_creators = pl->num_creators;
    md.is_mutable = 1;
    ix[(*n)++] = qnft_ix_system_create_account(p, &pl->payer, &pl->mint, pl->mint_rent,
                                               QNFT_MINT_SIZE, &prog);
    /* the master edition needs a freeze authority equal to the mint
     * authority; it takes both over */
    ix[(*n)++] = qnft_ix_token_initialize_mint2(p, &prog, &pl->mint, 0, &pl->payer, &pl->payer);
    ix[(*n)++] = qnft_ix_ata_create(p, &pl->payer, &ata, &pl->owner, &pl->mint, &prog, 0);
    ix[(*n)++] = qnft_ix_token_mint_to(p, &prog, &pl->mint, &ata, &pl->payer, 1);
    rv = qnft_ix_mpl_create_metadata_v3(p, &metadata, &pl->mint, &pl->payer, &pl->payer,
                                        &pl->update_authority, 1, &md, 0, &ix[*n], err);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    (*n)++;
    /* Some(0): no prints, a 1-of-1 */
    ix[(*n)++] = qnft_ix_mpl_create_master_edition_v3(p, &edition, &pl->mint,
                                                      &pl->update_authority, &pl->payer,
                                                      &pl->payer, &metadata, &prog, &zero, 0);
    return APR_SUCCESS;
}

apr_status_t qnft_mint_build(apr_pool_t *p, const qnft_mint_plan *plan, qnft_tx **tx,
                             const char **err)
{
    qnft_instruction *ix[16];
    qnft_message *msg;
    apr_size_t n = 0;
    apr_status_t rv;

    if (plan->fee_lamports > 0) {
        /* the fee first: if anything later fails, it is not paid either */
        ix[n++] = qnft_ix_system_transfer(p, &plan->payer, &plan->fee_to, plan->fee_lamports);
    }
    rv = plan->standard == QNFT_MINT_TOKEN2022 ? token2022_ixs(p, plan, ix, &n, err)
                                               : metaplex_ixs(p, plan, ix, &n, err);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    rv = qnft_message_compile(p, &plan->payer, (const qnft_instruction *const *)ix, n,
                              plan->blockhash, &msg, err);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    return qnft_tx_create(p, msg, tx, err);
}

const char *qnft_mint_sentence(apr_pool_t *p, const char *mint_type, const char *timestamp,
                               const char *btc, const char *sol)
{
    int is_long = !strcmp(mint_type, "long");
    return apr_psprintf(p, "Quantum NFT minted %s as a %s position (predicting a price %s); "
                        "BTC/USDC %s, SOL/USDC %s at mint.", timestamp,
                        is_long ? "Long" : "Short", is_long ? "increase" : "decrease",
                        btc ? btc : "N/A", sol ? sol : "N/A");
}

json_t *qnft_metadata_json(const qnft_metadata *md)
{
    json_t *attrs = json_pack("[{s:s, s:s}, {s:s, s:s}]",
                              "trait_type", "Mint Type",
                              "value", !strcmp(md->mint_type, "long") ? "Long" : "Short",
                              "trait_type", "Timestamp", "value", md->timestamp_iso);
    if (md->btc_price) {
        json_array_append_new(attrs, json_pack("{s:s, s:s}", "trait_type", "BTC Price at Mint",
                                               "value", md->btc_price));
    }
    if (md->sol_price) {
        json_array_append_new(attrs, json_pack("{s:s, s:s}", "trait_type", "SOL Price at Mint",
                                               "value", md->sol_price));
    }
    return json_pack("{s:s, s:s, s:s, s:i, s:s, s:s, s:s, s:o, s:{s:[{s:s, s:s}, {s:s, s:s}],"
                     " s:s, s:[{s:s, s:i}]}}",
                     "name", md->name,
                     "symbol", QNFT_SYMBOL,
                     "description", md->description,
                     "seller_fee_basis_points", 500,
                     "image", md->gif_url,
                     "animation_url", md->gif_url,
                     "external_url", md->external_url,
                     "attributes", attrs,
                     "properties",
                       "files", "uri", md->gif_url, "type", "image/gif",
                                "uri", md->image_url, "type", md->image_mime,
                       "category", "image",
                       "creators", "address", md->creator, "share", 100);
}
