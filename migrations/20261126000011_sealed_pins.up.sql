-- PINs sealed at rest (issue 8): the code Seam holds for a credential, and the code a manager
-- chose, are stored encrypted (XChaCha20-Poly1305, bound to the credential) like every other
-- secret, and opened only for callers who may see them. The clear columns stay for rows written
-- before this migration; the service seals them at start-up and clears them (the database
-- cannot: it does not hold the key).
alter table credentials add column code_sealed bytea;
alter table credentials add column requested_code_sealed bytea;
