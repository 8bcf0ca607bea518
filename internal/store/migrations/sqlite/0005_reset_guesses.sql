-- Per-account budget of password-reset code guesses (sqlite). Requesting a
-- new code does not refill it; a completed reset or the window's end does.
ALTER TABLE users ADD COLUMN reset_guesses INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN reset_window_until INTEGER;
