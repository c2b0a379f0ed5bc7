-- Every signed inbox POST looks its signer up by key id; without an index that is a
-- sequential scan of all known accounts (found by `cargo bench --bench inbox`).
CREATE INDEX accounts_public_key_id_idx ON accounts (public_key_id) WHERE public_key_id IS NOT NULL;
