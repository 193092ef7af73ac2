//! Clover webhook notifications: they name changed objects (`O:` orders, `P:` payments…) per
//! merchant but carry no data, and no event id. They land in the inbox (deduplicated by a hash
//! of the body) so nothing is lost; fetching the named objects from the Clover API is not
//! implemented yet, so they produce no facts.

use super::PayloadError;
use serde_json::Value;

pub const SOURCE: &str = "clover";
pub const CONTENT_TYPE: &str = "application/json; format=clover";

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Parsed {
    pub event_id: String,
    /// `(merchant, object id, change type, ts)` of every change named.
    pub changes: Vec<(String, String, String, i64)>,
}

pub fn parse(body: &str) -> Result<Parsed, PayloadError> {
    let v: Value = serde_json::from_str(body)
        .map_err(|e| PayloadError::new(None, format!("not JSON: {e}")))?;
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
        changes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adapters::testkit::sample;

    #[test]
    fn docs_sample_names_two_order_changes() {
        let p = parse(&sample("clover_webhook_notification_docs_example.json")).unwrap();
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
    }
}
