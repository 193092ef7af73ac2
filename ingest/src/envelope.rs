//! What an adapter hands to the writer: the facts mapped from one payload, the records it could
//! not map, and where the payload comes from (new, or already in the raw inbox for a replay).

use chrono::NaiveDate;
use chrono::{DateTime, Utc};
use pos_core::model::{DrawerEvent, InventoryLevel, Tender, Transaction, TxnKey};
use serde_json::Value;

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

/// One canonical fact.
#[derive(Debug, Clone, PartialEq)]
pub enum Record {
    Txn(Box<Transaction>),
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

impl Record {
    /// The partition time of the record (the hypertable column it is stored under).
    pub fn time(&self) -> DateTime<Utc> {
        match self {
            Record::Txn(t) => t.occurred_at,
            Record::Drawer(d) => d.occurred_at,
            Record::Inventory(i) => i.level.as_of,
            Record::Tender(x) => x.tender.occurred_at,
        }
    }
}
