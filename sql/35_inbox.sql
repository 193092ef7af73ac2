-- Reading raw inbox payloads. pos-ingest stores a long payload as a zstd frame of its exact
-- bytes in pos.raw_inbox.payload_zstd (inbox rows stay under the 2 kB TOAST threshold, so
-- PostgreSQL would never compress them itself: packing cuts the inbox's heap and WAL bytes
-- about threefold); short ones stay text in payload. pos.unpack_payload (Rust, codec in
-- pos-core) unpacks a frame. From 0.2.4 frames are packed with a zstd dictionary the library
-- carries (the formats' keys and shapes: a one-event payload packs ~1.7 times smaller); a frame
-- names its dictionary, so frames packed without one read as before, and a library older than
-- 0.2.4 cannot read the new ones (pos-ingest checks before it packs with it).

CREATE FUNCTION pos.inbox_payload(r pos.raw_inbox) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN coalesce(r.payload, pos.unpack_payload(r.payload_zstd));
COMMENT ON FUNCTION pos.inbox_payload(pos.raw_inbox) IS 'The raw payload of an inbox row as text, exactly as it arrived, whether it is stored as text or zstd-packed: SELECT pos.inbox_payload(i) FROM pos.raw_inbox i WHERE …';
COMMENT ON FUNCTION pos.unpack_payload(bytea) IS 'The text of a zstd frame written by pos-ingest into pos.raw_inbox.payload_zstd, packed with the inbox dictionary (0.2.4 on) or without one; an error if the bytes are not such a frame.';
COMMENT ON FUNCTION pos.pack_payload(text) IS 'A zstd frame of the text, packed with the inbox dictionary: the form pos-ingest stores long payloads in (pos.raw_inbox.payload_zstd). Libraries older than 0.2.4 cannot unpack it.';
