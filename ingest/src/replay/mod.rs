//! `pos-ingest replay`: re-reads raw inbox rows with the current adapters (after a mapping fix)
//! and writes them again. Rows are replaced when the stored version is older *or equal*
//! (`Guard::NewerOrEqual`), so a corrected mapping overwrites what the old one produced, while
//! a newer version that arrived since is still never overwritten. The rejects an inbox row had
//! are replaced by the ones the new mapping gives (none, if it is fixed).
//!
//! A replay maps and fetches nothing, unless `--fetch` asks it to fetch the Square orders the
//! replayed notifications name ([`fetch`]): the way to land the orders of notifications kept
//! while Square refused the fetch (a token gone bad), once the token is fixed.

mod fetch;

use crate::adapters::csv::Mapping;
use crate::adapters::format::{map, quarantine_rejected, Events, Format, Meta};
use crate::adapters::Context;
use crate::envelope::{Envelope, Origin, Reject};
use crate::serve::fetch::SquareFetcher;
use crate::writer::{Counts, Guard, Writer};
use anyhow::Context as _;
use chrono::{DateTime, Utc};
use pos_core::raw_payload;
use std::collections::HashMap;

pub struct ReplayArgs {
    pub url: String,
    pub source: Option<String>,
    /// `rejected`, `processed`, or `all` (default: rejected).
    pub status: String,
    pub since: Option<DateTime<Utc>>,
    /// Only rows received before this instant.
    pub until: Option<DateTime<Utc>>,
    /// Only rows with a reject whose reason contains this text (in any case).
    pub reason: Option<String>,
    pub ids: Vec<i64>,
    pub batch: i64,
    /// `--fetch`: the fetcher of the Square orders the replayed notifications name.
    pub fetch: Option<SquareFetcher>,
}

#[derive(Debug, Default)]
pub struct Summary {
    pub rows: usize,
    pub counts: Counts,
    pub unreadable: usize,
    /// Ids named with `--id` that no row replayed had: no such row, an erased one, or one the
    /// other filters (`--status` is `rejected` unless given) left out.
    pub missed_ids: Vec<i64>,
    /// Square orders fetched (`--fetch`) and written as payloads of their own.
    pub fetched: usize,
    /// Square orders named that were not fetched: a reject on their notification.
    pub not_fetched: usize,
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let c = &self.counts;
        if self.rows == 0 {
            write!(f, "no inbox rows match the filters: nothing replayed")?;
        } else {
            write!(
            f,
            "replayed {} inbox rows: {} transactions and {} lines written, {} rows changed, {} records still rejected ({} rows unreadable)",
            self.rows, c.txns_written, c.lines_written, c.rows_written, c.rejects, self.unreadable
        )?;
        }
        if self.fetched + self.not_fetched > 0 {
            write!(
                f,
                "\nSquare orders: {} fetched, {} not (a reject on their notification says why)",
                self.fetched, self.not_fetched
            )?;
        }
        if !self.missed_ids.is_empty() {
            let ids: Vec<String> = self.missed_ids.iter().map(i64::to_string).collect();
            write!(
                f,
                "\nnot replayed: inbox ids {} (no such row, erased, or left out by --source, \
                 --since or --status, which is `rejected` unless given: add --status all)",
                ids.join(", ")
            )?;
        }
        Ok(())
    }
}

/// `--since`: an instant with its offset (RFC 3339, `2026-01-05T00:00:00Z`), or a day
/// (`2026-01-05`, from its start in UTC). A time without an offset is refused, not guessed.
pub fn parse_since(s: &str) -> Result<DateTime<Utc>, String> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    if let Ok(d) = chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return Ok(d.and_time(chrono::NaiveTime::MIN).and_utc());
    }
    Err(format!(
        "`{s}` is neither a time with its offset (RFC 3339, e.g. 2026-01-05T00:00:00Z or \
         2026-01-05T08:00:00-05:00) nor a day (2026-01-05, from midnight UTC)"
    ))
}

const SELECT: &str = "
SELECT inbox_id, tenant_id, source, content_type, payload, payload_zstd, status FROM pos.raw_inbox
 WHERE inbox_id > $1 AND ($2::text IS NULL OR source = $2) AND ($3 = 'all' OR status = $3)
   AND ($4::timestamptz IS NULL OR received_at >= $4) AND (cardinality($5::bigint[]) = 0 OR inbox_id = ANY($5))
   AND ($7::timestamptz IS NULL OR received_at < $7)
   AND ($8::text IS NULL OR inbox_id IN (
        SELECT inbox_id FROM pos.reject WHERE strpos(lower(reason), lower($8)) > 0))
   AND status <> 'erased'
 ORDER BY inbox_id LIMIT $6";

pub async fn run(
    a: ReplayArgs,
    base: &Context,
    mappings: &HashMap<String, Mapping>,
) -> anyhow::Result<Summary> {
    if !["rejected", "processed", "all"].contains(&a.status.as_str()) {
        anyhow::bail!(
            "--status must be rejected, processed or all, not `{}`",
            a.status
        );
    }
    let mut w = Writer::connect(&a.url)
        .await
        .context("connecting to PostgreSQL")?;
    w.set_guard(Guard::NewerOrEqual).await?;
    let mut s = Summary::default();
    let mut after = 0i64;
    let mut seen = Vec::new();
    loop {
        let rows = w
            .client()
            .query(
                SELECT,
                &[
                    &after,
                    &a.source,
                    &a.status,
                    &a.since,
                    &a.ids,
                    &a.batch.max(1),
                    &a.until,
                    &a.reason,
                ],
            )
            .await?;
        if rows.is_empty() {
            let seen: std::collections::HashSet<i64> = seen.into_iter().collect();
            s.missed_ids = a
                .ids
                .iter()
                .copied()
                .filter(|i| !seen.contains(i))
                .collect();
            s.missed_ids.sort_unstable();
            s.missed_ids.dedup();
            return Ok(s);
        }
        let mut envs = Vec::with_capacity(rows.len());
        let mut fetched = Vec::new();
        for r in &rows {
            let (id, tenant, source, ct): (i64, String, String, String) =
                (r.get(0), r.get(1), r.get(2), r.get(3));
            let payload = stored_payload(r.get(4), r.get(5));
            after = id;
            if !a.ids.is_empty() {
                seen.push(id);
            }
            let (mut env, orders, clover) =
                remap(base, mappings, id, &tenant, &source, &ct, payload, &mut s);
            let named = fetch::Named {
                ctx: &row_context(base, &tenant),
                inbox_id: id,
                was_rejected: r.get::<_, String>(6) == "rejected",
                orders,
                clover,
            };
            named
                .settle(a.fetch.as_ref(), mappings, &mut env, &mut fetched, &mut s)
                .await;
            envs.push(env);
        }
        s.rows += envs.len();
        quarantine_rejected(&mut fetched);
        envs.extend(fetched);
        let o = w.write("replay", &envs).await?;
        s.counts.add(&o.counts);
    }
}

/// The payload of an inbox row from whichever column holds it (see `pos_core::raw_payload`).
fn stored_payload(text: Option<String>, zstd: Option<Vec<u8>>) -> Result<String, String> {
    match (text, zstd) {
        (Some(t), _) => Ok(t),
        (None, Some(frame)) => {
            raw_payload::unpack_zstd(&frame).map_err(|e| format!("payload_zstd unreadable: {e}"))
        }
        (None, None) => Err("no payload stored".into()),
    }
}

/// The context a row of `tenant` is mapped in. Bound to the row's tenant: a canonical row's
/// events name its tenant or none, except an event a token-bound sender was refused for naming
/// another (kept under the sender's tenant). Unbound, a replay of that reject would write it
/// into the tenant it named.
fn row_context(base: &Context, tenant: &str) -> Context {
    let mut ctx = base.clone();
    ctx.tenant_id = tenant.to_string();
    ctx.tenant_bound = true;
    ctx
}

/// The facts of one inbox row under the current mapping, as an envelope linked to that row,
/// the Square orders it names (a notification's, fetched only with `--fetch`) and the Clover
/// objects it names (never fetched here).
#[allow(clippy::too_many_arguments)]
fn remap(
    base: &Context,
    mappings: &HashMap<String, Mapping>,
    id: i64,
    tenant: &str,
    source: &str,
    ct: &str,
    payload: Result<String, String>,
    s: &mut Summary,
) -> (Envelope, Vec<String>, Vec<String>) {
    let ctx = row_context(base, tenant);
    let mut env = Envelope {
        origin: Origin::Inbox(id),
        records: vec![],
        rejects: vec![],
    };
    let reject = |reason: String| Reject {
        tenant_id: Some(tenant.to_string()),
        source: source.to_string(),
        event_id: None,
        payload: None,
        reason,
        detail: serde_json::json!({ "inbox_id": id }),
    };
    let payload = match payload {
        Ok(p) => p,
        Err(why) => {
            s.unreadable += 1;
            env.rejects.push(reject(format!("inbox row {id}: {why}")));
            return (env, vec![], vec![]);
        }
    };
    if ct.split(';').any(|p| p.trim() == crate::import::LOSSY) {
        s.unreadable += 1;
        env.rejects.push(reject(format!(
            "inbox row {id}: its file did not decode and was kept with its undecodable bytes \
             replaced, so it cannot be mapped again: import the file again (with the encoding \
             named, or fixed)"
        )));
        return (env, vec![], vec![]);
    }
    let Some(format) = Format::from_content_type(ct) else {
        s.unreadable += 1;
        env.rejects.push(reject(format!(
            "inbox row {id}: unknown content type `{ct}`"
        )));
        return (env, vec![], vec![]);
    };
    match map(
        &ctx,
        mappings,
        &format,
        &payload,
        // As it was stored: a kept canonical event is that one event, not a body to split.
        &Meta {
            events: Events::Stored,
            ..Meta::from_content_type(ct)
        },
    ) {
        Ok(m) => {
            for e in m.envelopes {
                env.records.extend(e.records);
                env.rejects.extend(e.rejects);
            }
            let clover = (m.fetch_clover.iter().map(|(_, o)| format!("order {o}")))
                .chain(
                    m.fetch_clover_payments
                        .iter()
                        .map(|(_, p)| format!("payment {p}")),
                )
                .collect();
            return (env, m.fetch_orders, clover);
        }
        Err(e) => {
            s.unreadable += 1;
            env.rejects
                .push(reject(format!("inbox row {id}: {}", e.message)));
        }
    }
    (env, vec![], vec![])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The facts and reasons a replay of one canonical inbox row holding `payload` gives.
    fn replayed(payload: &str) -> (usize, Vec<String>) {
        let mut s = Summary::default();
        let (env, _, _) = remap(
            &Context::for_tenant("t"),
            &HashMap::new(),
            7,
            "t",
            "canonical",
            crate::adapters::canonical::CONTENT_TYPE,
            Ok(payload.to_string()),
            &mut s,
        );
        let reasons = env.rejects.iter().map(|j| j.reason.clone()).collect();
        (env.records.len(), reasons)
    }

    /// A kept event is replayed as the one event it was kept as: an NDJSON line that is a JSON
    /// array (one reject when it came) was read as a body, its elements two events; an
    /// element of a pretty-printed array, one "not JSON" per line.
    #[test]
    fn a_kept_event_is_replayed_as_one_event_whatever_its_text_looks_like() {
        let (facts, reasons) = replayed("[1,2]");
        assert_eq!((facts, reasons.len()), (0, 1), "{reasons:?}");
        let drawer = |id: &str| {
            format!(
                r#"{{"schema_version":1,"type":"drawer_event","store_id":"S1","source":"pos","drawer_event_id":"{id}","occurred_at":"2026-01-05T10:00:00Z","kind":"no_sale","currency":"USD"}}"#
            )
        };
        let event = drawer("d1");
        let (facts, reasons) = replayed(&format!("[{event}]"));
        assert_eq!(
            (facts, reasons.len()),
            (0, 1),
            "an array line stays one reject: {reasons:?}"
        );
        let pretty = serde_json::to_string_pretty(
            &serde_json::from_str::<serde_json::Value>(&event).unwrap(),
        )
        .unwrap();
        assert!(pretty.lines().count() > 3);
        assert_eq!(
            replayed(&pretty),
            (1, vec![]),
            "a pretty-printed element is its event"
        );
        // The lines of a stock list (several events in one row) are still read as lines.
        assert_eq!(replayed(&format!("{event}\n{}\n", drawer("d2"))).0, 2);
    }

    #[test]
    fn since_takes_an_instant_with_its_offset_or_a_day_and_explains_anything_else() {
        let t = |s| parse_since(s).map(|t| t.to_rfc3339());
        assert_eq!(
            t("2026-01-05T08:00:00-05:00").unwrap(),
            "2026-01-05T13:00:00+00:00"
        );
        assert_eq!(t("2026-01-05").unwrap(), "2026-01-05T00:00:00+00:00");
        for bad in ["2026-01-05T08:00:00", "yesterday", "05.01.2026", ""] {
            let e = t(bad).unwrap_err();
            assert!(e.contains("RFC 3339") && e.contains(bad), "{e}");
        }
    }

    #[test]
    fn a_replay_that_matched_nothing_says_so_and_names_ids_it_did_not_replay() {
        let mut s = Summary::default();
        assert_eq!(
            s.to_string(),
            "no inbox rows match the filters: nothing replayed"
        );
        s.rows = 2;
        s.missed_ids = vec![7, 9];
        let shown = s.to_string();
        assert!(shown.starts_with("replayed 2 inbox rows"), "{shown}");
        assert!(
            shown.contains("not replayed: inbox ids 7, 9") && shown.contains("--status all"),
            "{shown}"
        );
    }
}
