-- Uploaded photos, content-addressed: id is the hex SHA-256 of the bytes.
CREATE TABLE images (
    id          char(64)    PRIMARY KEY CHECK (id ~ '^[0-9a-f]{64}$'),
    mime_type   text        NOT NULL CHECK (mime_type IN ('image/png', 'image/jpeg',
                                                          'image/gif', 'image/webp')),
    width       integer     NOT NULL CHECK (width > 0),
    height      integer     NOT NULL CHECK (height > 0),
    bytes       bigint      NOT NULL CHECK (bytes > 0),
    created_at  timestamptz NOT NULL DEFAULT now()
);
