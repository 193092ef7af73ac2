//! ListPayments (`GET /v2/payments`) and ListPaymentRefunds (`GET /v2/refunds`) pages:
//! `{"payments":[Payment…],"cursor":…}` and `{"refunds":[PaymentRefund…],"cursor":…}`.
//!
//! A backfill of what the webhooks missed reads these pages. Each element is mapped exactly as
//! the object sent alone (`{"payment":…}`, a `payment.*` webhook), so the page and the webhook
//! of one payment land on the same tender row. One bad element rejects that element alone,
//! its path named (`payments[3].amount_money`); the rest of the page goes on.

use super::{payment, refund, reject, short_hash, tender_record, Parsed};
use crate::adapters::json::array;
use crate::adapters::{Context, PayloadError};
use crate::envelope::TenderRecord;
use serde_json::Value;

type Mapper = fn(&Context, &Value, &str) -> Result<(String, TenderRecord), PayloadError>;

/// The lists a page can hold, with the mapper of a single element. An order's own `refunds`
/// sit inside `order` and never reach here (orders are told apart first).
const LISTS: [(&str, Mapper); 2] = [("payments", payment), ("refunds", refund)];

/// Whether `v` is a ListPayments / ListPaymentRefunds page: a top-level `payments` or
/// `refunds` key.
pub(super) fn is_list_page(v: &Value) -> bool {
    v.as_object()
        .is_some_and(|o| LISTS.iter().any(|(k, _)| o.contains_key(*k)))
}

/// Maps every element of the page. The page's event id is a hash of its elements' own event
/// ids (`payment/{id}/{version}`), so the same page fetched twice is one event, and a page
/// whose payments changed since is a new one; a bad element counts by its hashed text.
pub(super) fn list_page(ctx: &Context, v: &Value) -> Result<Parsed, PayloadError> {
    let mut p = Parsed::default();
    let mut ids = Vec::new();
    let mut kinds = Vec::new();
    for (key, map) in LISTS {
        if v.get(key).is_none() {
            continue;
        }
        kinds.push(key);
        for (i, el) in array(v, "", key)?.iter().enumerate() {
            let path = format!("{key}[{i}]");
            match map(ctx, el, &path) {
                Ok((id, rec)) => {
                    p.records
                        .push(tender_record(ctx, &id, &format!("{path}.created_at"), rec));
                    ids.push(id);
                }
                Err(e) => {
                    let raw = el.to_string();
                    ids.push(format!("bad:{}", short_hash(&raw)));
                    p.records.push(Err(reject(ctx, None, &raw, e)));
                }
            }
        }
    }
    p.kind = kinds.join("+");
    p.event_id = format!("{}/{}", p.kind, short_hash(&ids.join(",")));
    Ok(p)
}
