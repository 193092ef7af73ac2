//! How a raw payload is kept in `pos.raw_inbox`: verbatim text when small, otherwise a zstd
//! frame of its exact UTF-8 bytes. The ingest service packs (so PostgreSQL writes a third of
//! the bytes to the heap and the WAL: inbox rows are ~1–2 kB, under the 2 kB TOAST threshold,
//! so PostgreSQL's own compression never applies to them); `replay` and the SQL function
//! `pos.inbox_payload` unpack. Unpacking gives back the very bytes that arrived, vendor
//! extensions included.

use std::io::Read;

/// Payloads shorter than this stay text: a zstd frame has ~10 bytes of overhead and short
/// payloads barely compress.
pub const MIN_PACKED_BYTES: usize = 256;

/// zstd level 1: on single POS events (~1.4 kB each, 200 of them packed one by one with
/// `zstd -b`) it packs as well as zstd's default level 3 (2.483× vs 2.485×) and 15 % faster;
/// higher levels cost more CPU for nothing on payloads this small, and the `--fast` levels give
/// up a fifth of the packing (1.97× at `--fast=1`). Packing is ~18 % of `generate`'s own CPU.
pub const LEVEL: i32 = 1;

/// The largest payload unpacking will produce: PostgreSQL's limit for one text value (1 GB).
pub const MAX_UNPACKED_BYTES: u64 = (1 << 30) - 1;

/// A payload as stored: one of the two inbox columns is set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stored<'a> {
    /// `payload text`: kept as it is.
    Text(&'a str),
    /// `payload_zstd bytea`: a zstd frame of the payload's UTF-8 bytes.
    Zstd(Vec<u8>),
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum UnpackError {
    #[error("not a valid zstd frame: {0}")]
    Corrupt(String),
    #[error("the unpacked payload exceeds {MAX_UNPACKED_BYTES} bytes")]
    TooLarge,
    #[error("the unpacked payload is not UTF-8: {0}")]
    NotUtf8(String),
}

/// Packs payloads with one reusable zstd context (creating one per payload costs more than
/// compressing a small payload).
pub struct Packer {
    zstd: zstd::bulk::Compressor<'static>,
}

impl Packer {
    pub fn new() -> Packer {
        let mut zstd = zstd::bulk::Compressor::new(LEVEL).expect("zstd context at a valid level");
        // A checksum of the content in each frame (4 bytes): damage is an error on unpacking,
        // never a silently different payload.
        zstd.include_checksum(true)
            .expect("zstd accepts the checksum flag");
        Packer { zstd }
    }

    /// The stored form of `payload`: zstd when it is long enough and the frame is smaller
    /// than 90 % of the text, the text itself otherwise.
    pub fn pack<'a>(&mut self, payload: &'a str) -> Stored<'a> {
        if payload.len() < MIN_PACKED_BYTES {
            return Stored::Text(payload);
        }
        let frame = self.compress(payload);
        if frame.len() * 10 < payload.len() * 9 {
            Stored::Zstd(frame)
        } else {
            Stored::Text(payload)
        }
    }

    fn compress(&mut self, payload: &str) -> Vec<u8> {
        // Compressing into a growable buffer fails only on allocation failure.
        self.zstd
            .compress(payload.as_bytes())
            .expect("zstd compresses any input")
    }
}

impl Default for Packer {
    fn default() -> Packer {
        Packer::new()
    }
}

/// A zstd frame of `payload` (with a content checksum) however short it is: for SQL
/// (`pos.pack_payload`), e.g. to pack rows written as text.
pub fn pack_zstd(payload: &str) -> Vec<u8> {
    Packer::new().compress(payload)
}

/// The payload of a `payload_zstd` value, byte for byte as it arrived.
pub fn unpack_zstd(frame: &[u8]) -> Result<String, UnpackError> {
    let decoder =
        zstd::stream::read::Decoder::new(frame).map_err(|e| UnpackError::Corrupt(e.to_string()))?;
    let mut out = Vec::with_capacity(frame.len() * 4);
    decoder
        .take(MAX_UNPACKED_BYTES + 1)
        .read_to_end(&mut out)
        .map_err(|e| UnpackError::Corrupt(e.to_string()))?;
    if out.len() as u64 > MAX_UNPACKED_BYTES {
        return Err(UnpackError::TooLarge);
    }
    String::from_utf8(out).map_err(|e| UnpackError::NotUtf8(e.utf8_error().to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(i: usize) -> String {
        format!(
            r#"{{"schema_version":1,"type":"transaction","txn_id":"{i}","lines":[{}],"ext":{{"acme:Ä":"ünïcödé ✓"}}}}"#,
            (0..12)
                .map(|k| format!(
                    r#"{{"line_no":{k},"item_id":"40{k}","quantity":"1","unit_price":"2.50"}}"#
                ))
                .collect::<Vec<_>>()
                .join(",")
        )
    }

    #[test]
    fn long_payloads_are_packed_and_come_back_byte_for_byte() {
        let mut p = Packer::new();
        for i in 0..50 {
            let text = event(i);
            match p.pack(&text) {
                Stored::Zstd(frame) => {
                    assert!(
                        frame.len() * 2 < text.len(),
                        "{} of {}",
                        frame.len(),
                        text.len()
                    );
                    assert_eq!(unpack_zstd(&frame).unwrap(), text);
                }
                Stored::Text(_) => panic!("a {}-byte event was not packed", text.len()),
            }
        }
    }

    #[test]
    fn short_or_incompressible_payloads_stay_text() {
        let mut p = Packer::new();
        assert_eq!(p.pack(r#"{"a":1}"#), Stored::Text(r#"{"a":1}"#));
        // 400 bytes without repetition (a xorshift sequence over printable characters).
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let noise: String = (0..400)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                char::from(b'!' + (x % 94) as u8)
            })
            .collect();
        assert_eq!(p.pack(&noise), Stored::Text(noise.as_str()));
    }

    #[test]
    fn short_payloads_can_be_packed_on_request() {
        for text in ["", "x", r#"{"a":1}"#] {
            assert_eq!(unpack_zstd(&pack_zstd(text)).unwrap(), text);
        }
    }

    #[test]
    fn damaged_frames_are_errors_not_garbage() {
        let mut p = Packer::new();
        let text = event(1);
        let Stored::Zstd(mut frame) = p.pack(&text) else {
            panic!("not packed")
        };
        assert!(matches!(
            unpack_zstd(b"not zstd"),
            Err(UnpackError::Corrupt(_))
        ));
        frame.truncate(frame.len() / 2);
        assert!(matches!(unpack_zstd(&frame), Err(UnpackError::Corrupt(_))));
        let latin1 = zstd::bulk::compress(&[0x66, 0xE9, 0x65][..], LEVEL).unwrap();
        assert!(matches!(unpack_zstd(&latin1), Err(UnpackError::NotUtf8(_))));
    }
}
