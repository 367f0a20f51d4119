-- A document's heads (32-byte hashes, sorted, concatenated), written with each save, so a
-- device's quiet document (its heads only) is answered without loading the document.
-- NULL until the document is next loaded or saved.
ALTER TABLE docs ADD COLUMN heads BLOB;
