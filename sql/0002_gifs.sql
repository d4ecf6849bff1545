-- Rendered quantum GIFs. id is the hex SHA-256 of everything that decides
-- the bytes (image, style, options, overlay values), so a repeat request
-- finds the GIF already made.
CREATE TABLE gifs (
    id          char(64)    PRIMARY KEY CHECK (id ~ '^[0-9a-f]{64}$'),
    image_id    char(64)    NOT NULL REFERENCES images (id),
    style       text        NOT NULL CHECK (style IN ('default', 'noise', 'kaleidoscope', 'wave_warp')),
    frames      integer     NOT NULL CHECK (frames > 1),
    delay_ms    integer     NOT NULL CHECK (delay_ms > 0),
    width       integer     NOT NULL CHECK (width > 0),
    height      integer     NOT NULL CHECK (height > 0),
    bytes       bigint      NOT NULL CHECK (bytes > 0),
    -- what the overlay shows: prices (NULL = N/A) and the time they are "as of"
    btc_usdc    numeric,
    sol_usdc    numeric,
    overlay_at  timestamptz NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX gifs_image_id ON gifs (image_id);
