//! Clover webhook notifications: they name changed objects (`O:` orders, `P:` payments…) per
//! merchant but carry no data, and no event id. They land in the inbox (deduplicated by a hash
//! of the body) so nothing is lost, and the orders they name as created or updated are fetched
//! (`serve::fetch_clover`) and mapped like a posted order. So are the orders of the payments
//! they name: Clover's event types are subscribed to one by one (`P` needs only the Read
//! payments permission) and it promises no `O:` UPDATE for a payment, so a payment may be the
//! only news of a sale.
//!
//! A DELETE of an order is kept without facts: it carries no order data, the order can no
//! longer be fetched (`GET` answers 404 for a deleted order), and the payments of a paid order
//! are voided or refunded first, which Clover reports as UPDATEs of the order (fetched, they
//! map the order with its voided payments or refunds).

use super::Parsed;
use crate::adapters::PayloadError;
use serde_json::Value;

pub fn parse(v: &Value, body: &str) -> Result<Parsed, PayloadError> {
    let merchants = v
        .get("merchants")
        .and_then(Value::as_object)
        .ok_or_else(|| {
            PayloadError::new(
                Some("merchants"),
                "field `merchants` is missing or not an object",
            )
        })?;
    let mut changes = Vec::new();
    for (mid, list) in merchants {
        let list = list.as_array().ok_or_else(|| {
            PayloadError::new(
                Some(&format!("merchants.{mid}")),
                "expected an array of changes",
            )
        })?;
        for (i, c) in list.iter().enumerate() {
            let field = |k: &str| {
                c.get(k).ok_or_else(|| {
                    PayloadError::new(
                        Some(&format!("merchants.{mid}[{i}].{k}")),
                        format!("field `{k}` is missing"),
                    )
                })
            };
            let id = field("objectId")?.as_str().unwrap_or_default().to_string();
            let kind = field("type")?.as_str().unwrap_or_default().to_string();
            let ts = field("ts")?.as_i64().unwrap_or_default();
            changes.push((mid.clone(), id, kind, ts));
        }
    }
    use sha2::{Digest, Sha256};
    Ok(Parsed {
        event_id: format!(
            "clover/{}",
            hex::encode(&Sha256::digest(body.as_bytes())[..16])
        ),
        fetch: created_or_updated(&changes, "O:"),
        fetch_payments: created_or_updated(&changes, "P:"),
        changes,
        records: vec![],
    })
}

/// `(merchant, id)` of every object of one event type (`O:`, `P:`) created or updated, once each.
fn created_or_updated(
    changes: &[(String, String, String, i64)],
    key: &str,
) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for (mid, object, kind, _) in changes {
        let Some(id) = object.strip_prefix(key) else {
            continue;
        };
        let wanted = matches!(kind.as_str(), "CREATE" | "UPDATE");
        let pair = (mid.clone(), id.to_string());
        if wanted && !id.is_empty() && !out.contains(&pair) {
            out.push(pair);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adapters::testkit::sample;

    fn parse_text(body: &str) -> Parsed {
        parse(&serde_json::from_str(body).unwrap(), body).unwrap()
    }

    #[test]
    fn docs_sample_names_two_order_changes() {
        let p = parse_text(&sample("clover_webhook_notification_docs_example.json"));
        assert_eq!(p.changes.len(), 2);
        assert_eq!(
            p.changes[0],
            (
                "XYZVJT2ZRRRSC".into(),
                "O:GHIVJT2ABCRSC".into(),
                "CREATE".into(),
                1537970958000
            )
        );
        assert!(p.records.is_empty());
    }

    #[test]
    fn created_and_updated_payments_are_named_once_for_their_orders() {
        let p = parse_text(
            r#"{"appId":"A","merchants":{"M1":[
                {"objectId":"P:PAY1","type":"CREATE","ts":1},
                {"objectId":"P:PAY1","type":"UPDATE","ts":2},
                {"objectId":"O:ORD1","type":"UPDATE","ts":3},
                {"objectId":"P:PAY2","type":"DELETE","ts":4},
                {"objectId":"P:","type":"CREATE","ts":5}],
              "M2":[{"objectId":"P:PAY3","type":"UPDATE","ts":6}]}}"#,
        );
        assert_eq!(
            p.fetch_payments,
            vec![
                ("M1".to_string(), "PAY1".to_string()),
                ("M2".to_string(), "PAY3".to_string())
            ]
        );
        assert_eq!(p.fetch, vec![("M1".to_string(), "ORD1".to_string())]);
    }

    #[test]
    fn created_and_updated_orders_are_fetched_once_deletes_and_payments_are_not() {
        let p = parse_text(
            r#"{"appId":"A","merchants":{"M1":[
                {"objectId":"O:AAA","type":"CREATE","ts":1},
                {"objectId":"O:AAA","type":"UPDATE","ts":2},
                {"objectId":"O:BBB","type":"DELETE","ts":3},
                {"objectId":"P:CCC","type":"CREATE","ts":4}],
              "M2":[{"objectId":"O:DDD","type":"UPDATE","ts":5}]}}"#,
        );
        assert_eq!(
            p.fetch,
            vec![
                ("M1".to_string(), "AAA".to_string()),
                ("M2".to_string(), "DDD".to_string())
            ]
        );
    }
}
