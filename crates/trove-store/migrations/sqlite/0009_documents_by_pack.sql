-- Later stages read a submission's documents pack by pack (each sealed
-- text pack decrypted once, front to back), so that memory stays flat
-- however large the submission is.
CREATE INDEX documents_by_pack ON documents (submission_id, text_blob, text_offset);
