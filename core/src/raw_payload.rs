//! How a raw payload is kept in `pos.raw_inbox`: verbatim text when small, otherwise a zstd
//! frame of its exact UTF-8 bytes. The ingest service packs (so PostgreSQL writes a third of
//! the bytes to the heap and the WAL: inbox rows are ~1–2 kB, under the 2 kB TOAST threshold,
//! so PostgreSQL's own compression never applies to them); `replay` and the SQL function
//! `pos.inbox_payload` unpack. Unpacking gives back the very bytes that arrived, vendor
//! extensions included.
//!
//! Frames are packed with a zstd dictionary ([`DICTIONARY`]) unless the packer is made
//! [`Packer::plain`]: a payload of one POS event is too small for zstd to learn the format's keys
//! from it, and a dictionary that already holds them packs it ~1.7 times smaller and twice as
//! fast (benches/ingest/RESULTS.md, 2026-12-06). A frame names its dictionary by id, so frames
//! packed with none (before the dictionary, or by a plain packer) unpack as before.

use std::io::Read;
use std::sync::OnceLock;
use zstd::dict::{DecoderDictionary, EncoderDictionary};

/// Payloads shorter than this stay text: a zstd frame has ~10 bytes of overhead and short
/// payloads barely compress.
pub const MIN_PACKED_BYTES: usize = 256;

/// zstd level 1: on single POS events (~1.4 kB each, 200 of them packed one by one with
/// `zstd -b`) it packs as well as zstd's default level 3 (2.483× vs 2.485×) and 15 % faster;
/// higher levels cost more CPU for nothing on payloads this small, and the `--fast` levels give
/// up a fifth of the packing (1.97× at `--fast=1`).
pub const LEVEL: i32 = 1;

/// The inbox's zstd dictionary: the keys and shapes of the canonical events and of the POS
/// formats the adapters read, trained by `core/dict/train.sh` on a generated chain's events with
/// every value scrambled and on the real payloads under `ingest/tests/data/real`. Never changed
/// once shipped: rows packed with it must stay readable. A better one gets a new id and file, and
/// this one stays for unpacking.
pub const DICTIONARY: &[u8] = include_bytes!("../dict/inbox-1.zdict");

/// The id [`DICTIONARY`] carries and every frame packed with it names (0x504F5301, "POS" 1).
pub const DICTIONARY_ID: u32 = 0x504F_5301;

fn encoder_dictionary() -> &'static EncoderDictionary<'static> {
    static D: OnceLock<EncoderDictionary<'static>> = OnceLock::new();
    D.get_or_init(|| EncoderDictionary::copy(DICTIONARY, LEVEL))
}

fn decoder_dictionary() -> &'static DecoderDictionary<'static> {
    static D: OnceLock<DecoderDictionary<'static>> = OnceLock::new();
    D.get_or_init(|| DecoderDictionary::copy(DICTIONARY))
}

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
    dictionary: bool,
}

impl Packer {
    /// A packer that packs with [`DICTIONARY`].
    pub fn new() -> Packer {
        let zstd = zstd::bulk::Compressor::with_prepared_dictionary(encoder_dictionary())
            .expect("zstd context with the inbox dictionary");
        Packer::checked(zstd, true)
    }

    /// A packer without the dictionary: its frames unpack with any version of this module,
    /// for a database whose extension predates the dictionary.
    pub fn plain() -> Packer {
        let zstd = zstd::bulk::Compressor::new(LEVEL).expect("zstd context at a valid level");
        Packer::checked(zstd, false)
    }

    /// [`Packer::new`] when `dictionary`, else [`Packer::plain`]: for a caller that learns at run
    /// time whether the reader of its frames has the dictionary.
    pub fn choose(dictionary: bool) -> Packer {
        if dictionary {
            Packer::new()
        } else {
            Packer::plain()
        }
    }

    fn checked(mut zstd: zstd::bulk::Compressor<'static>, dictionary: bool) -> Packer {
        // A checksum of the content in each frame (4 bytes): damage is an error on unpacking,
        // never a silently different payload.
        zstd.include_checksum(true)
            .expect("zstd accepts the checksum flag");
        Packer { zstd, dictionary }
    }

    /// Whether this packer's frames need [`DICTIONARY`] to unpack.
    pub fn uses_dictionary(&self) -> bool {
        self.dictionary
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

/// A zstd frame of `payload` (with a content checksum and [`DICTIONARY`]) however short it is:
/// for SQL (`pos.pack_payload`), e.g. to pack rows written as text.
pub fn pack_zstd(payload: &str) -> Vec<u8> {
    Packer::new().compress(payload)
}

/// The id of the dictionary a frame needs to unpack ([`DICTIONARY_ID`]), or `None` for a frame
/// packed without one.
pub fn frame_dictionary(frame: &[u8]) -> Option<u32> {
    zstd::zstd_safe::get_dict_id_from_frame(frame).map(|id| id.get())
}

/// The payload of a `payload_zstd` value, byte for byte as it arrived: a frame packed with
/// [`DICTIONARY`] or with none.
pub fn unpack_zstd(frame: &[u8]) -> Result<String, UnpackError> {
    let corrupt = |e: std::io::Error| UnpackError::Corrupt(e.to_string());
    let decoder: Box<dyn Read + '_> = match frame_dictionary(frame) {
        None => Box::new(zstd::stream::read::Decoder::new(frame).map_err(corrupt)?),
        Some(DICTIONARY_ID) => Box::new(
            zstd::stream::read::Decoder::with_prepared_dictionary(frame, decoder_dictionary())
                .map_err(corrupt)?,
        ),
        Some(id) => {
            return Err(UnpackError::Corrupt(format!(
                "the frame was packed with zstd dictionary {id}, which this build does not have \
                 (it has {DICTIONARY_ID}): a newer pos_analytics packed it"
            )))
        }
    };
    let mut out = Vec::with_capacity(frame.len() * 4);
    decoder
        .take(MAX_UNPACKED_BYTES + 1)
        .read_to_end(&mut out)
        .map_err(corrupt)?;
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
    fn the_embedded_dictionary_carries_its_id() {
        let id = zstd::zstd_safe::get_dict_id_from_dict(DICTIONARY).map(|id| id.get());
        assert_eq!(id, Some(DICTIONARY_ID));
    }

    #[test]
    fn frames_name_the_dictionary_they_need_and_plain_ones_none() {
        let text = event(3);
        let Stored::Zstd(with) = Packer::new().pack(&text) else {
            panic!("not packed")
        };
        let Stored::Zstd(plain) = Packer::plain().pack(&text) else {
            panic!("not packed")
        };
        assert_eq!(frame_dictionary(&with), Some(DICTIONARY_ID));
        assert_eq!(frame_dictionary(&plain), None);
        assert_eq!(unpack_zstd(&with).unwrap(), text);
        assert_eq!(unpack_zstd(&plain).unwrap(), text);
        assert!(Packer::new().uses_dictionary() && !Packer::plain().uses_dictionary());
        assert!(Packer::choose(true).uses_dictionary() && !Packer::choose(false).uses_dictionary());
    }

    #[test]
    fn frames_packed_before_the_dictionary_still_unpack() {
        // What Packer::new() wrote before the dictionary: level 1, a checksum, no dictionary.
        let text = event(4);
        let mut old = zstd::bulk::Compressor::new(LEVEL).unwrap();
        old.include_checksum(true).unwrap();
        let frame = old.compress(text.as_bytes()).unwrap();
        assert_eq!(unpack_zstd(&frame).unwrap(), text);
    }

    #[test]
    fn the_dictionary_packs_an_event_smaller_than_zstd_alone() {
        // A canonical event with values of its own (not from any sample the dictionary saw).
        let text = r#"{"schema_version":1,"type":"transaction","tenant_id":"kiosk-co","store_id":"N-117","source":"till","txn_id":"N-117-0042-77","version":3,"occurred_at":"2025-05-02T08:15:04Z","business_date":"2025-05-02","register_id":"N-117-T1","cashier_id":"emp-0931","status":"completed","currency":"NOK","lines":[{"line_no":1,"kind":"sale","item_id":"7038010009457","quantity":"2","unit_price":"24.90","net_amount":"49.80","entry_method":"scanned"},{"line_no":2,"kind":"sale","item_id":"7311041013656","quantity":"1","unit_price":"39.00","net_amount":"39.00","entry_method":"scanned"},{"line_no":3,"kind":"sale","item_id":"bag-l","description":"Bærepose","quantity":"1","unit_price":"3.00","net_amount":"3.00","entry_method":"keyed"}],"tenders":[{"tender_no":1,"method":"card","amount":"91.80","currency":"NOK","status":"approved","card_entry":"contactless"}]}"#;
        let (Stored::Zstd(with), Stored::Zstd(plain)) =
            (Packer::new().pack(text), Packer::plain().pack(text))
        else {
            panic!("not packed")
        };
        assert!(
            with.len() * 5 < plain.len() * 4,
            "{} bytes with the dictionary, {} without",
            with.len(),
            plain.len()
        );
    }

    #[test]
    fn a_frame_of_an_unknown_dictionary_is_an_error_naming_it() {
        let mut other = DICTIONARY.to_vec();
        other[4..8].copy_from_slice(&0x504F_5399u32.to_le_bytes());
        let mut z = zstd::bulk::Compressor::with_dictionary(LEVEL, &other).unwrap();
        let frame = z.compress(event(5).as_bytes()).unwrap();
        assert_eq!(frame_dictionary(&frame), Some(0x504F_5399));
        let Err(UnpackError::Corrupt(m)) = unpack_zstd(&frame) else {
            panic!("read with the wrong dictionary")
        };
        assert!(m.contains("dictionary 1347376025"), "{m}");
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
        let mut flipped = frame.clone();
        let k = flipped.len() - 6;
        flipped[k] ^= 0x20;
        assert!(
            unpack_zstd(&flipped).is_err(),
            "a changed byte went unnoticed"
        );
        frame.truncate(frame.len() / 2);
        assert!(matches!(unpack_zstd(&frame), Err(UnpackError::Corrupt(_))));
        let latin1 = zstd::bulk::compress(&[0x66, 0xE9, 0x65][..], LEVEL).unwrap();
        assert!(matches!(unpack_zstd(&latin1), Err(UnpackError::NotUtf8(_))));
    }
}
