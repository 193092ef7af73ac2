-- For ab-generate.sh / cpu-generate.sh as BIN+benches/ingest/inbox-plain.sql: the answer of an
-- extension library built before the inbox dictionary, so that pos-ingest packs without it.
CREATE OR REPLACE FUNCTION pos.unpack_payload(frame bytea) RETURNS text LANGUAGE plpgsql IMMUTABLE STRICT AS $$
BEGIN RAISE EXCEPTION 'pos.unpack_payload: not a valid zstd frame: Dictionary mismatch' USING ERRCODE = 'data_corrupted'; END $$;
