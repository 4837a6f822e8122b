-- A published document's extracted text, sealed in a text pack like a
-- submission's: the desk shows the published passage beside the leaked one.
ALTER TABLE published_documents ADD COLUMN text_blob TEXT;
ALTER TABLE published_documents ADD COLUMN text_offset INTEGER;
ALTER TABLE published_documents ADD COLUMN text_len INTEGER;
