-- Prices from the price source, cached for every process and server.

-- The latest spot prices (one row). retry_until: after a 429 the source is
-- left alone until then.
CREATE TABLE price_spot (
    id           integer     PRIMARY KEY CHECK (id = 1),
    btc_usd      numeric,
    sol_usd      numeric,
    usdc_usd     numeric,
    fetched_at   timestamptz,
    retry_until  timestamptz,
    last_error   text
);
INSERT INTO price_spot (id) VALUES (1);

-- SOL/USD history, at the granularity the source gave for each span.
CREATE TABLE price_points (
    ts       timestamptz PRIMARY KEY,
    sol_usd  numeric     NOT NULL CHECK (sol_usd > 0)
);

-- What span of history the table covers and when it was last brought up
-- to date (only the missing span is asked for).
CREATE TABLE price_history (
    id            integer     PRIMARY KEY CHECK (id = 1),
    covered_from  timestamptz,
    covered_until timestamptz,
    fetched_at    timestamptz,
    retry_until   timestamptz,
    last_error    text
);
INSERT INTO price_history (id) VALUES (1);
