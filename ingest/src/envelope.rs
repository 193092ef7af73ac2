//! What an adapter hands to the writer: the facts mapped from one payload, the records it could
//! not map, and where the payload comes from (new, or already in the raw inbox for a replay).

use chrono::NaiveDate;
use chrono::{DateTime, Utc};
use pos_core::model::{DrawerEvent, InventoryLevel, Tender, Transaction, TxnKey};
use pos_core::raw_payload::{Packer, Stored};
use serde_json::Value;
use std::cell::RefCell;
use std::sync::atomic::{AtomicBool, Ordering};

/// A payload as it arrived, stored verbatim in `pos.raw_inbox` (vendor extensions included).
#[derive(Debug, Clone, PartialEq)]
pub struct RawPayload {
    pub tenant_id: String,
    pub source: String,
    /// The provider's event id: a second delivery with the same id is a duplicate.
    pub event_id: String,
    /// `application/json; format=square` etc.: `replay` picks the adapter from it.
    pub content_type: String,
    pub payload: String,
    /// How the payload will be stored, when that was decided before the writer
    /// ([`RawPayload::prepack`]); `None`: the writer packs it.
    pub packed: Option<Packed>,
}

/// A payload's stored form, decided ahead of the writer (see `pos_core::raw_payload`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Packed {
    /// Stored as the text itself (short, or barely compressible).
    Text,
    /// Stored as this zstd frame of the text.
    Zstd(Vec<u8>),
}

/// Whether new payloads are packed with pos_core's inbox dictionary. Off until a writer has
/// found that the database's extension unpacks such frames ([`use_inbox_dictionary`]): an
/// extension built before the dictionary could not read them back (`pos.inbox_payload`, erasure),
/// while frames packed without it read everywhere.
static INBOX_DICTIONARY: AtomicBool = AtomicBool::new(false);

/// Packs new payloads with the inbox dictionary from now on (`true`), or without it.
pub fn use_inbox_dictionary(on: bool) {
    INBOX_DICTIONARY.store(on, Ordering::Relaxed);
}

thread_local! {
    /// One zstd context per thread that packs: HTTP threads, import's reader, generate's.
    static PACKER: RefCell<Option<Packer>> = const { RefCell::new(None) };
}

impl RawPayload {
    /// Packs the payload now, on the calling thread. Every batch waits on its writer's
    /// thread, so packing where the payload was decoded (in parallel with the writer) takes
    /// the compression off the batch's path; the writer then only copies the frame.
    pub fn prepack(&mut self) {
        if self.packed.is_some() {
            return;
        }
        let packed = PACKER.with(|p| {
            let mut p = p.borrow_mut();
            let want = INBOX_DICTIONARY.load(Ordering::Relaxed);
            let packer = match p.as_mut() {
                Some(packer) if packer.uses_dictionary() == want => packer,
                _ => p.insert(Packer::choose(want)),
            };
            match packer.pack(&self.payload) {
                Stored::Text(_) => Packed::Text,
                Stored::Zstd(frame) => Packed::Zstd(frame),
            }
        });
        self.packed = Some(packed);
    }
}

/// [`RawPayload::prepack`] for the new payloads of `envs` (a replay's have none).
pub fn prepack(envs: &mut [Envelope]) {
    for e in envs {
        if let Origin::New(p) = &mut e.origin {
            p.prepack();
        }
    }
}

/// Where the facts of an envelope come from.
#[derive(Debug, Clone, PartialEq)]
pub enum Origin {
    /// A new payload: stored in the inbox; skipped as a duplicate when its event id is known.
    New(RawPayload),
    /// A payload already in the inbox (`replay`): its row is re-linked to the new batch.
    Inbox(i64),
}

/// Stock level with the source metadata `pos.inventory_level` keeps beside the model.
#[derive(Debug, Clone, PartialEq)]
pub struct InventoryRecord {
    pub level: InventoryLevel,
    pub source: String,
    pub source_version: i64,
}

/// A payment reported on its own (Square payments and refunds), attached to its transaction
/// by key. It is upserted into `pos.tender` by itself and survives new versions of the
/// transaction that list no tenders.
#[derive(Debug, Clone, PartialEq)]
pub struct TenderRecord {
    pub key: TxnKey,
    pub source_version: i64,
    pub business_date: NaiveDate,
    pub currency: String,
    pub register_id: Option<String>,
    pub cashier_id: Option<String>,
    pub tender: Tender,
}

/// A transaction an earlier version of a payload derived and this version no longer does: a
/// refund split off onto its own business day (`<check>/refunds`, `<order>/refund/<id>`) whose
/// refund was since voided, moved to another day, or whose order moved onto the refund's day.
/// Stored at a version older than `source_version`, it is deleted with its lines and tenders; a
/// newer one is kept (this payload is then the stale one), and so is one this same payload
/// writes, which carries its version.
#[derive(Debug, Clone, PartialEq)]
pub struct Retraction {
    pub key: TxnKey,
    /// Its `occurred_at`, or `None` for every time it may have been stored at (a key whose
    /// time moves with the refund it holds).
    pub occurred_at: Option<DateTime<Utc>>,
    /// Where a stale row can be, as a time range (both ends included): the delete looks in
    /// those chunks only, as one over every chunk of three hypertables takes PostgreSQL
    /// ~300 ms to plan with 400 daily chunks (benches/ingest/RESULTS.md).
    pub between: (DateTime<Utc>, DateTime<Utc>),
    pub source_version: i64,
}

/// The sources whose adapters emit [`Retraction`]s (`square`, `clover`, `toast`). Only their
/// transactions can have been retracted, so only theirs are checked against the tombstones a
/// retraction leaves before they are written: a batch of any other source pays nothing.
pub const RETRACTING_SOURCES: &[&str] = &[
    crate::adapters::square::SOURCE,
    crate::adapters::clover::SOURCE,
    crate::adapters::toast::SOURCE,
];

/// One canonical fact.
#[derive(Debug, Clone, PartialEq)]
pub enum Record {
    Txn(Box<Transaction>),
    Retract(Retraction),
    Drawer(DrawerEvent),
    Inventory(InventoryRecord),
    Tender(TenderRecord),
}

/// A record that could not be mapped, with the reason; it lands in `pos.reject`.
#[derive(Debug, Clone, PartialEq)]
pub struct Reject {
    pub tenant_id: Option<String>,
    pub source: String,
    pub event_id: Option<String>,
    /// The offending record (not the whole payload, which stays in the inbox).
    pub payload: Option<String>,
    pub reason: String,
    /// Machine-readable details, e.g. `{"field": "lines[0].quantity", "line": 12}`.
    pub detail: Value,
}

/// The unit the writer takes: one payload and everything mapped from it.
#[derive(Debug, Clone, PartialEq)]
pub struct Envelope {
    pub origin: Origin,
    pub records: Vec<Record>,
    pub rejects: Vec<Reject>,
}

impl Envelope {
    pub fn new(raw: RawPayload) -> Envelope {
        Envelope {
            origin: Origin::New(raw),
            records: Vec::new(),
            rejects: Vec::new(),
        }
    }

    /// Number of sale lines in the envelope (what throughput is measured in).
    /// Bytes of the raw payload it carries (0 for a replay of an inbox row).
    pub fn payload_bytes(&self) -> usize {
        match &self.origin {
            Origin::New(r) => r.payload.len(),
            Origin::Inbox(_) => 0,
        }
    }

    pub fn line_count(&self) -> usize {
        self.records
            .iter()
            .map(|r| match r {
                Record::Txn(t) => t.lines.len(),
                _ => 0,
            })
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pos_core::raw_payload::{unpack_zstd, MIN_PACKED_BYTES};

    fn raw(payload: String) -> RawPayload {
        RawPayload {
            tenant_id: "t".into(),
            source: "s".into(),
            event_id: "e".into(),
            content_type: "application/json".into(),
            payload,
            packed: None,
        }
    }

    #[test]
    fn prepack_decides_the_stored_form_once() {
        let long: String = (0..40)
            .map(|i| format!(r#"{{"line_no":{i},"sku":"4011"}}"#))
            .collect();
        let mut envs = vec![
            Envelope::new(raw(long.clone())),
            Envelope::new(raw("x".repeat(MIN_PACKED_BYTES - 1))),
            Envelope {
                origin: Origin::Inbox(7),
                records: Vec::new(),
                rejects: Vec::new(),
            },
        ];
        prepack(&mut envs);
        let Origin::New(p) = &envs[0].origin else {
            unreachable!()
        };
        let Some(Packed::Zstd(frame)) = &p.packed else {
            panic!("a long payload is packed: {:?}", p.packed)
        };
        assert_eq!(unpack_zstd(frame).unwrap(), long);
        let Origin::New(p) = &envs[1].origin else {
            unreachable!()
        };
        assert_eq!(p.packed, Some(Packed::Text), "a short one stays text");
        assert_eq!(envs[2].origin, Origin::Inbox(7), "a replay has no payload");

        let mut p = raw(long);
        p.packed = Some(Packed::Text);
        p.prepack();
        assert_eq!(p.packed, Some(Packed::Text), "a decision is not redone");
    }
}
