-- The partially signed transaction handed to a wallet, so the same
-- Idempotency-Key gets the same transaction again (never a second mint).
ALTER TABLE mint_prepared ADD COLUMN prepared_tx text;
