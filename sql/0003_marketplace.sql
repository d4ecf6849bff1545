-- Minted NFTs and their marketplace listings.
-- Serial numbers ("QNFT #0007") come from a sequence: never reset by a
-- restart, never reused.
CREATE SEQUENCE nft_serial AS bigint;

CREATE TABLE nfts (
    mint              text        PRIMARY KEY CHECK (mint ~ '^[1-9A-HJ-NP-Za-km-z]{32,44}$'),
    serial            bigint      NOT NULL UNIQUE DEFAULT nextval('nft_serial'),
    name              text        NOT NULL CHECK (octet_length(name) <= 32),
    symbol            text        NOT NULL CHECK (octet_length(symbol) <= 10),
    owner             text        NOT NULL CHECK (owner ~ '^[1-9A-HJ-NP-Za-km-z]{32,44}$'),
    metadata_uri      text        NOT NULL CHECK (octet_length(metadata_uri) <= 200),
    image_id          char(64)    NOT NULL REFERENCES images (id),
    gif_id            char(64)    NOT NULL REFERENCES gifs (id),
    mint_type         text        NOT NULL CHECK (mint_type IN ('long', 'short')),
    description       text        CHECK (char_length(description) <= 500),
    btc_price_at_mint numeric,
    sol_price_at_mint numeric,
    mint_standard     text        NOT NULL CHECK (mint_standard IN ('metaplex', 'token2022')),
    tx_signature      text        NOT NULL UNIQUE CHECK (tx_signature ~ '^[1-9A-HJ-NP-Za-km-z]{64,88}$'),
    status            text        NOT NULL DEFAULT 'pending'
                                  CHECK (status IN ('pending', 'confirmed', 'failed')),
    created_at        timestamptz NOT NULL DEFAULT now(),
    confirmed_at      timestamptz,
    CHECK ((status = 'confirmed') = (confirmed_at IS NOT NULL))
);
-- The marketplace shows confirmed NFTs: newest/oldest by serial, filtered
-- by mint type or owner.
CREATE INDEX nfts_confirmed_serial ON nfts (serial) WHERE status = 'confirmed';
CREATE INDEX nfts_confirmed_type_serial ON nfts (mint_type, serial) WHERE status = 'confirmed';
CREATE INDEX nfts_confirmed_owner_serial ON nfts (owner, serial) WHERE status = 'confirmed';
-- Chart events: confirmed mints by time.
CREATE INDEX nfts_confirmed_created ON nfts (created_at) WHERE status = 'confirmed';
-- Pending mints to resolve.
CREATE INDEX nfts_pending ON nfts (created_at) WHERE status = 'pending';

CREATE TABLE listings (
    id             bigserial   PRIMARY KEY,
    mint           text        NOT NULL REFERENCES nfts (mint),
    seller         text        NOT NULL CHECK (seller ~ '^[1-9A-HJ-NP-Za-km-z]{32,44}$'),
    price_lamports bigint      NOT NULL CHECK (price_lamports > 0),
    status         text        NOT NULL DEFAULT 'listed'
                               CHECK (status IN ('listed', 'delisted', 'sold')),
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now()
);
-- At most one active listing per NFT, enforced here and nowhere else.
CREATE UNIQUE INDEX listings_one_active ON listings (mint) WHERE status = 'listed';
-- Price sorts walk the active listings in price order.
CREATE INDEX listings_active_price ON listings (price_lamports, id) WHERE status = 'listed';
CREATE INDEX listings_mint_history ON listings (mint, id);

-- Nonces of signed listing messages: a message is good once.
CREATE TABLE listing_nonces (
    seller     text        NOT NULL,
    nonce      text        NOT NULL,
    expires_at timestamptz NOT NULL,
    PRIMARY KEY (seller, nonce)
);
