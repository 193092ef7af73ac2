//! Clover: REST order objects (`GET /v3/merchants/{mId}/orders/{id}?expand=…`, posted or
//! fetched), pages of them (`{"elements":[…]}`, `GET …/orders`), and webhook notifications,
//! which name changed objects but carry no data: they land in the inbox, and the orders they
//! name as created or updated are fetched by `serve` and mapped like a posted order.

mod charges;
mod lines;
mod notification;
mod order;
mod read;
mod refund_charge;
mod refunds;
mod tax;
mod tenders;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_charges;
#[cfg(test)]
mod tests_fixtures;
#[cfg(test)]
mod tests_redteam;
#[cfg(test)]
mod tests_redteam2;
#[cfg(test)]
mod tests_review;
#[cfg(test)]
mod tests_s29;
#[cfg(test)]
mod tests_tips;
#[cfg(test)]
mod tests_unitemized;
mod unitemized;

use super::{finish, Context, PayloadError};
use crate::envelope::{Record, Reject};
use serde_json::Value;

pub const SOURCE: &str = "clover";
pub const CONTENT_TYPE: &str = "application/json; format=clover";

/// The `expand` of the order fetch: everything the mapping reads.
pub const EXPAND: &str = "lineItems,lineItems.discounts,lineItems.modifications,lineItems.taxRates,discounts,payments,payments.tender,payments.cardTransaction,payments.additionalCharges,serviceCharge,refunds,refunds.lineItems,credits,credits.tender,voids,customers,employee,device";

#[derive(Debug, Default)]
pub struct Parsed {
    pub event_id: String,
    /// `(merchant, object id, change type, ts)` of every change a notification names.
    pub changes: Vec<(String, String, String, i64)>,
    pub records: Vec<Result<Record, Reject>>,
    /// `(merchant, order id)` to fetch.
    pub fetch: Vec<(String, String)>,
    /// `(merchant, payment id)` whose order is to be fetched.
    pub fetch_payments: Vec<(String, String)>,
}

/// A notification (`merchants`), a page of orders (`elements`) or one order (`id`).
/// `merchant`: the merchant the body was fetched for, when the caller knows it.
pub fn parse(ctx: &Context, body: &str, merchant: Option<&str>) -> Result<Parsed, PayloadError> {
    let v: Value = serde_json::from_str(body)
        .map_err(|e| PayloadError::new(None, format!("not JSON: {e}")))?;
    if v.get("merchants").is_some() {
        return notification::parse(&v, body);
    }
    // Clover verifies a webhook URL by posting `{"verificationCode": …}` and needs a 200; the
    // code is then read from the inbox row and entered in Clover's dashboard.
    if v.get("verificationCode").is_some() {
        return Ok(Parsed {
            event_id: format!("clover/{}", hash(body)),
            ..Parsed::default()
        });
    }
    if v.get("elements").is_some() {
        return page(ctx, &v, merchant);
    }
    if v.get("id").is_none() {
        return Err(PayloadError::new(
            Some("id"),
            "neither a Clover order (`id`), a page of orders (`elements`) nor a notification (`merchants`)",
        ));
    }
    let m = order::order(ctx, &v, "", merchant)?;
    let event_id = order_event(&m.txns[0]);
    let records = records_of(ctx, m, &event_id, body).collect();
    Ok(Parsed {
        event_id,
        records,
        ..Parsed::default()
    })
}

/// An order's transactions, validated, then its retractions.
fn records_of<'a>(
    ctx: &'a Context,
    m: order::Mapped,
    event_id: &'a str,
    raw: &'a str,
) -> impl Iterator<Item = Result<Record, Reject>> + 'a {
    let txns = m
        .txns
        .into_iter()
        .map(move |t| finish(ctx, t, Some(event_id), raw));
    txns.chain(m.retractions.into_iter().map(|r| Ok(Record::Retract(r))))
}

fn order_event(t: &pos_core::model::Transaction) -> String {
    format!("clover/order/{}/{}", t.key.source_txn_id, t.source_version)
}

/// Every order of the page; one that cannot be read is a reject naming its path
/// (`elements[3].lineItems.elements[0].price`) while the others land. The event id is a hash
/// of the orders' ids and versions: the same page fetched again is a duplicate.
fn page(ctx: &Context, v: &Value, merchant: Option<&str>) -> Result<Parsed, PayloadError> {
    let list = crate::adapters::json::array(v, "", "elements")?;
    let mut p = Parsed::default();
    let mut ids = Vec::new();
    for (i, o) in list.iter().enumerate() {
        let raw = o.to_string();
        match order::order(ctx, o, &format!("elements[{i}]"), merchant) {
            Ok(m) => {
                let id = order_event(&m.txns[0]);
                p.records.extend(records_of(ctx, m, &id, &raw));
                ids.push(id);
            }
            Err(e) => {
                ids.push(format!("bad:{}", hash(&raw)));
                p.records.push(Err(Reject {
                    tenant_id: Some(ctx.tenant_id.clone()),
                    source: SOURCE.into(),
                    event_id: None,
                    payload: Some(raw),
                    reason: e.message,
                    detail: serde_json::json!({ "field": e.field }),
                }));
            }
        }
    }
    p.event_id = format!("clover/orders/{}", hash(&ids.join(",")));
    Ok(p)
}

fn hash(s: &str) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(&Sha256::digest(s.as_bytes())[..16])
}
