-- Minting state that must survive a crash or a restart.

-- The blockhash a pending transaction was built on expires at this block
-- height: past it, a transaction the cluster never saw can never land.
ALTER TABLE nfts ADD COLUMN last_valid_block_height bigint;
ALTER TABLE nfts ADD COLUMN sign_mode text NOT NULL DEFAULT 'server'
    CHECK (sign_mode IN ('server', 'wallet'));

-- Transactions prepared for a person's wallet to sign: /mint_nft/submit
-- accepts only these exact message bytes, signed.
CREATE TABLE mint_prepared (
    mint                    text        PRIMARY KEY,
    owner                   text        NOT NULL,
    message                 bytea       NOT NULL,
    mint_signature          bytea       NOT NULL CHECK (octet_length(mint_signature) = 64),
    serial                  bigint      NOT NULL,
    name                    text        NOT NULL,
    symbol                  text        NOT NULL,
    metadata_uri            text        NOT NULL,
    image_id                char(64)    NOT NULL REFERENCES images (id),
    gif_id                  char(64)    NOT NULL REFERENCES gifs (id),
    mint_type               text        NOT NULL CHECK (mint_type IN ('long', 'short')),
    description             text,
    btc_price_at_mint       numeric,
    sol_price_at_mint       numeric,
    mint_standard           text        NOT NULL,
    last_valid_block_height bigint      NOT NULL,
    created_at              timestamptz NOT NULL DEFAULT now()
);

-- Idempotency-Key: the same key never mints twice; its answer is replayed.
CREATE TABLE mint_requests (
    idempotency_key text        PRIMARY KEY,
    request_hash    char(64)    NOT NULL,
    mint            text        NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now()
);
