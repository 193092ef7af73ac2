//! The Square orders a replayed notification names. A notification whose order Square refused
//! to give (401 a token gone bad, 403, 404) is kept with a reject and answered 200, so Square
//! never sends it again: after the fix, `replay --fetch` fetches its orders as the service
//! would have, each stored as a payload of its own, and the notification loses its reject.
//!
//! Without `--fetch` nothing is fetched, and a notification that was rejected keeps a reject
//! saying its orders were not fetched: replayed, it used to lose its reject while its orders
//! stayed unfetched, and nothing showed the sale missing any more. So does a rejected Clover
//! notification, whose objects replay never fetches (Clover's tokens are per merchant).

use super::Summary;
use crate::adapters::csv::Mapping;
use crate::adapters::{clover, square, Context};
use crate::envelope::{Envelope, Reject};
use crate::serve::fetch::{order_envelopes, SquareFetcher};
use serde_json::json;
use std::collections::HashMap;

/// The orders one replayed inbox row names.
pub struct Named<'a> {
    pub ctx: &'a Context,
    pub inbox_id: i64,
    /// The row's status before the replay.
    pub was_rejected: bool,
    pub orders: Vec<String>,
    /// The Clover objects it names (`order …`, `payment …`): replay fetches none of them.
    pub clover: Vec<String>,
}

impl Named<'_> {
    /// Fetches the orders with `fetcher` (`--fetch`) into `out`, each failure a reject on
    /// `env` (the row); without a fetcher, a rejected row keeps a reject saying how to fetch.
    pub async fn settle(
        self,
        fetcher: Option<&SquareFetcher>,
        mappings: &HashMap<String, Mapping>,
        env: &mut Envelope,
        out: &mut Vec<Envelope>,
        s: &mut Summary,
    ) {
        if !self.clover.is_empty() && self.was_rejected {
            let reason = format!(
                "Clover {} not fetched: replay fetches nothing from Clover; post this \
                 notification again (its inbox payload, to /v1/ingest/clover)",
                self.clover.join(", ")
            );
            env.rejects.push(self.reject(
                clover::SOURCE,
                reason,
                json!({ "objects": self.clover }),
            ));
        }
        if self.orders.is_empty() {
            return;
        }
        let Some(f) = fetcher else {
            if self.was_rejected {
                s.not_fetched += self.orders.len();
                let reason = format!(
                    "orders {:?} not fetched: `pos-ingest replay` fetches them with --fetch \
                     (and [square] api_base_url and access_token set)",
                    self.orders
                );
                let detail = json!({ "orders": self.orders });
                env.rejects
                    .push(self.reject(square::SOURCE, reason, detail));
            }
            return;
        };
        for id in &self.orders {
            match f.order(id).await {
                Ok(body) => {
                    s.fetched += 1;
                    match order_envelopes(self.ctx, mappings, id, body) {
                        Ok(envs) => out.extend(envs),
                        Err(kept) => out.push(*kept),
                    }
                }
                Err(e) => {
                    s.not_fetched += 1;
                    let reason = format!(
                        "{e}; run `pos-ingest replay --fetch` again once Square gives the order"
                    );
                    let detail = json!({ "order": id });
                    env.rejects
                        .push(self.reject(square::SOURCE, reason, detail));
                }
            }
        }
    }

    fn reject(&self, source: &str, reason: String, mut detail: serde_json::Value) -> Reject {
        detail["inbox_id"] = json!(self.inbox_id);
        Reject {
            tenant_id: Some(self.ctx.tenant_id.clone()),
            source: source.into(),
            event_id: None,
            payload: None,
            reason,
            detail,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What a replay without `--fetch` leaves on a notification row naming orders: a reject
    /// saying how to fetch them if the row was rejected (its orders were never fetched), none
    /// if it was processed (they were, and are rows of their own).
    async fn settled(
        was_rejected: bool,
        orders: &[&str],
        clover: &[&str],
    ) -> (Vec<String>, Summary) {
        let ctx = Context::for_tenant("t");
        let named = Named {
            ctx: &ctx,
            inbox_id: 3,
            was_rejected,
            orders: orders.iter().map(|o| o.to_string()).collect(),
            clover: clover.iter().map(|o| o.to_string()).collect(),
        };
        let mut env = Envelope {
            origin: crate::envelope::Origin::Inbox(3),
            records: vec![],
            rejects: vec![],
        };
        let (mut out, mut s) = (vec![], Summary::default());
        named
            .settle(None, &HashMap::new(), &mut env, &mut out, &mut s)
            .await;
        assert!(out.is_empty(), "nothing is fetched");
        (env.rejects.into_iter().map(|j| j.reason).collect(), s)
    }

    #[tokio::test]
    async fn without_fetch_a_rejected_notification_keeps_a_reject_and_a_processed_one_none() {
        let (reasons, s) = settled(true, &["O1"], &[]).await;
        assert_eq!(s.not_fetched, 1);
        assert!(
            reasons.len() == 1 && reasons[0].contains("O1") && reasons[0].contains("--fetch"),
            "{reasons:?}"
        );
        let (reasons, s) = settled(true, &[], &["order C1", "payment P1"]).await;
        assert!(
            reasons.len() == 1 && reasons[0].contains("order C1, payment P1"),
            "{reasons:?}"
        );
        assert_eq!(s.not_fetched, 0, "only Square orders are counted");
        assert_eq!(
            settled(false, &["O1"], &["order C1"]).await.0,
            Vec::<String>::new()
        );
        assert_eq!(settled(true, &[], &[]).await.0, Vec::<String>::new());
    }
}
