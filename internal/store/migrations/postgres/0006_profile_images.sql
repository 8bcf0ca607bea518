-- Uploaded profile images (PostgreSQL). One per user; the bytes were sniffed
-- as PNG, JPEG, GIF or WebP before insert and are served with that type only.
-- users.image_url holds the server-relative path of the current image.
CREATE TABLE profile_images (
    id            TEXT PRIMARY KEY,
    user_id       TEXT NOT NULL UNIQUE REFERENCES users (id) ON DELETE CASCADE,
    content_type  TEXT NOT NULL,
    data          BYTEA NOT NULL,
    created_at    BIGINT NOT NULL
);
