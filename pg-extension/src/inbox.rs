//! SQL face of `pos_core::raw_payload`: long raw inbox payloads are stored as zstd frames
//! (`pos.raw_inbox.payload_zstd`), and an analyst or DBA reads them back as text with
//! `pos.inbox_payload(r)` or `pos.unpack_payload(bytea)`. The codec lives in core.
use pgrx::prelude::*;
use pos_core::raw_payload;

extension_sql_file!(
    "../../sql/35_inbox.sql",
    name = "inbox_sql",
    requires = ["reference", unpack_payload, pack_payload]
);

/// The text of a zstd-packed payload, byte for byte as it arrived. A damaged frame is an
/// error (SQLSTATE XX001), never a different text.
#[pg_extern(immutable, parallel_safe, strict)]
fn unpack_payload(frame: &[u8]) -> String {
    raw_payload::unpack_zstd(frame).unwrap_or_else(|e| {
        ereport!(
            ERROR,
            PgSqlErrorCode::ERRCODE_DATA_CORRUPTED,
            format!("pos.unpack_payload: {e}"),
            "the value is not a payload packed by pos-ingest (a zstd frame of UTF-8 text)"
        );
    })
}

/// A zstd frame of `payload`, as pos-ingest writes into `payload_zstd` (e.g. to pack rows
/// that were written as text: `UPDATE pos.raw_inbox SET payload_zstd = pos.pack_payload(payload),
/// payload = NULL WHERE …`).
#[pg_extern(immutable, parallel_safe, strict)]
fn pack_payload(payload: &str) -> Vec<u8> {
    raw_payload::pack_zstd(payload)
}
