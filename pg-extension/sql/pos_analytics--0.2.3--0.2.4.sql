-- pos_analytics 0.2.3 -> 0.2.4: the library packs inbox payloads with a zstd dictionary
-- (pos_core::raw_payload::DICTIONARY) and unpacks frames packed with it or with none. No table,
-- index or function signature changes; the functions' comments say so.
COMMENT ON FUNCTION pos.unpack_payload(bytea) IS 'The text of a zstd frame written by pos-ingest into pos.raw_inbox.payload_zstd, packed with the inbox dictionary (0.2.4 on) or without one; an error if the bytes are not such a frame.';
COMMENT ON FUNCTION pos.pack_payload(text) IS 'A zstd frame of the text, packed with the inbox dictionary: the form pos-ingest stores long payloads in (pos.raw_inbox.payload_zstd). Libraries older than 0.2.4 cannot unpack it.';
