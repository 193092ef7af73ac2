//! Cash Drawer Shifts API: RetrieveCashDrawerShift (`{"cash_drawer_shift": …}`) and
//! ListCashDrawerShifts pages (`{"cash_drawer_shifts": [summary…], "cursor": …}`).
//!
//! Square's orders show what was sold and how it was paid, but not what else moved through the
//! drawer: the float put in at the start of a shift and the paid-ins and paid-outs. A shift
//! holds them:
//! - `opened_cash_money` → a `loan` at `opened_at` (the float is fixed when the shift opens);
//! - `cash_paid_in_money` / `cash_paid_out_money` → one `paid_in` / `paid_out` at `ended_at`,
//!   once the shift is ENDED or CLOSED. An OPEN shift's totals still grow, and drawer events are
//!   immutable facts, so they wait for the ended shift;
//! - `closed_cash_money` − `expected_cash_money` → an `over_short` at `closed_at`, signed, once
//!   the shift is CLOSED (its drawer counted by an auditing team member).
//!
//! Event ids are `{shift}/float`, `{shift}/paid_in`, `{shift}/paid_out` and `{shift}/over_short`, so the same shift
//! fetched again (or first as a summary, then in full) lands on the same rows. Their version is
//! the shift's `updated_at`, the full shift ranking above a summary of the same moment, so the
//! full shift's device and team members replace a summary's blanks and a later state (a
//! recount) replaces an earlier one, whatever order they arrive in. The business day
//! is that of `opened_at` in the store's zone: a shift that ends after midnight belongs to the
//! day it opened; an event timed more than a business day later (a shift left open over a
//! weekend, a drawer audited days after) is timed at the end of the day after the opening
//! instead ([`within_reach`]). Amounts count by absolute value (the API reference says they
//! are never negative; the SDK examples write paid-outs negative). The shift's events
//! (ListCashDrawerShiftEvents) are read apart, for their no-sales (`shift_events`).

use super::{money, reject, short_hash, store_of, Parsed};
use crate::adapters::json::{array, get, opt_text, text, time, utc};
use crate::adapters::{check_time, local_to_utc, Context, PayloadError};
use crate::envelope::Record;
use chrono::{DateTime, Days, NaiveDate, Utc};
use pos_core::model::{DrawerEvent, DrawerEventKind};
use rust_decimal::Decimal;
use serde_json::Value;

/// Whether `v` is a RetrieveCashDrawerShift answer or a ListCashDrawerShifts page.
pub(super) fn is_shift_payload(v: &Value) -> bool {
    v.as_object().is_some_and(|o| {
        o.contains_key("cash_drawer_shift") || o.contains_key("cash_drawer_shifts")
    })
}

/// Maps one shift, or every shift of a page: a bad shift on a page rejects itself alone.
pub(super) fn shifts(ctx: &Context, v: &Value) -> Result<Parsed, PayloadError> {
    let mut p = Parsed {
        kind: "cash_drawer_shift".into(),
        ..Parsed::default()
    };
    if let Some(s) = get(v, "cash_drawer_shift") {
        p.event_id = version_id(s, "cash_drawer_shift")?;
        p.records = shift(ctx, s, "cash_drawer_shift", Detail::Full)?
            .into_iter()
            .map(|e| Ok(Record::Drawer(e)))
            .collect();
        return Ok(p);
    }
    let mut ids = Vec::new();
    for (i, s) in array(v, "", "cash_drawer_shifts")?.iter().enumerate() {
        let path = format!("cash_drawer_shifts[{i}]");
        match version_id(s, &path).and_then(|id| Ok((id, shift(ctx, s, &path, Detail::Summary)?))) {
            Ok((id, events)) => {
                ids.push(id);
                p.records
                    .extend(events.into_iter().map(|e| Ok(Record::Drawer(e))));
            }
            Err(e) => {
                let raw = s.to_string();
                ids.push(format!("bad:{}", short_hash(&raw)));
                p.records.push(Err(reject(ctx, None, &raw, e)));
            }
        }
    }
    p.kind = "cash_drawer_shifts".into();
    p.event_id = format!("cash_drawer_shifts/{}", short_hash(&ids.join(",")));
    Ok(p)
}

/// The dedup key of one state of a shift: its id with `updated_at` (else its state), so a
/// shift fetched again unchanged is a duplicate and an ended one is news.
fn version_id(s: &Value, path: &str) -> Result<String, PayloadError> {
    let id = text(s, path, "id")?;
    let version = match opt_text(s, path, "updated_at")? {
        Some(t) => t,
        None => opt_text(s, path, "state")?.unwrap_or_default(),
    };
    Ok(format!("cash_drawer_shift/{id}/{version}"))
}

/// What a shift payload tells: RetrieveCashDrawerShift gives the whole shift, a
/// ListCashDrawerShifts page a summary (no device, no team members, no paid-in/out totals).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Detail {
    Summary,
    Full,
}

/// The version of a shift's events: `updated_at` in milliseconds, doubled, plus one for the
/// full shift, so that of two payloads of the same moment the full one (which names the
/// device and team members) replaces the summary, and any later state replaces both.
fn shift_version(s: &Value, path: &str, detail: Detail) -> Result<i64, PayloadError> {
    let at = match opt_text(s, path, "updated_at")? {
        Some(_) => utc(time(s, path, "updated_at")?).timestamp_millis(),
        None => 0,
    };
    Ok(at.saturating_mul(2) + i64::from(detail == Detail::Full))
}

/// The drawer events of one shift (full or summary).
fn shift(
    ctx: &Context,
    s: &Value,
    path: &str,
    detail: Detail,
) -> Result<Vec<DrawerEvent>, PayloadError> {
    let id = text(s, path, "id")?;
    let location = text(s, path, "location_id").map_err(|e| {
        PayloadError::new(
            e.field.as_deref(),
            "is missing: the shift cannot be placed in a store (older API versions leave it \
             out; add the location the shift was listed for, as `location_id`)",
        )
    })?;
    let store = store_of(ctx, &location);
    let opened = utc(time(s, path, "opened_at")?);
    let field = format!("{path}.opened_at");
    check_time(ctx, &field, opened).map_err(|m| PayloadError::new(Some(&field), m))?;
    let day = ctx.business_date(&store, opened);
    let version = shift_version(s, path, detail)?;
    let event = |suffix: &str, kind, (amount, currency): (Decimal, String), at| DrawerEvent {
        tenant_id: ctx.tenant_id.clone(),
        store_id: store.clone(),
        source: super::SOURCE.into(),
        source_event_id: format!("{id}/{suffix}"),
        source_version: version,
        register_id: get(s, "device").and_then(|d| d.get("id")?.as_str().map(str::to_string)),
        cashier_id: None,
        kind,
        amount: amount.abs(),
        currency,
        occurred_at: within_reach(ctx, &store, day, at),
        business_date: day,
    };
    let mut v = Vec::new();
    if let Some(float) = opt_money(s, path, "opened_cash_money")? {
        let mut e = event("float", DrawerEventKind::Loan, float, opened);
        e.cashier_id = team_member(s, path, "opening")?;
        v.push(e);
    }
    let Some(ended) = ended_at(s, path)? else {
        return Ok(v); // OPEN: its totals are not final yet
    };
    for (key, suffix, kind) in [
        ("cash_paid_in_money", "paid_in", DrawerEventKind::PaidIn),
        ("cash_paid_out_money", "paid_out", DrawerEventKind::PaidOut),
    ] {
        if let Some(m) = opt_money(s, path, key)? {
            let mut e = event(suffix, kind, m, ended);
            e.cashier_id = team_member(s, path, "ending")?;
            v.push(e);
        }
    }
    if let Some((diff, currency, at)) = over_short(s, path, ended)? {
        let mut e = event(
            "over_short",
            DrawerEventKind::OverShort,
            (diff, currency),
            at,
        );
        e.amount = diff; // signed: over positive, short negative
        e.cashier_id = team_member(s, path, "ending")?;
        v.push(e);
    }
    Ok(v)
}

/// `at`, or, when it falls more than a business day after the shift's day `day`, the last
/// second of the day after `day` (store time). The daily views find a day's rows among those
/// timed within two days of it (`date_slack`, docs/continuous-aggregates.md): an over/short
/// counted on Monday for Friday's shift, timed Monday, would be in no day's figures. Clamped,
/// it counts on the shift's day, as every event of a shift does; the time is the same for every
/// fetch of the shift, so the event keeps its stored key.
fn within_reach(ctx: &Context, store: &str, day: NaiveDate, at: DateTime<Utc>) -> DateTime<Utc> {
    if (ctx.business_date(store, at) - day).num_days() <= 1 {
        return at;
    }
    day.checked_add_days(Days::new(2))
        .and_then(|d| local_to_utc(&ctx.tz(store), d.and_hms_opt(0, 0, 0)?))
        .map_or(at, |end| (end - chrono::Duration::seconds(1)).min(at))
}

/// The count at close against the drawer's expected cash (`closed_cash_money` −
/// `expected_cash_money`) and when it was found: at `closed_at`, since only a CLOSED shift has
/// had its drawer counted (an ENDED one awaits the audit). `None` before that, when either
/// amount is missing, or when the count matched.
fn over_short(
    s: &Value,
    path: &str,
    ended: DateTime<Utc>,
) -> Result<Option<(Decimal, String, DateTime<Utc>)>, PayloadError> {
    if opt_text(s, path, "state")?.as_deref() != Some("CLOSED") {
        return Ok(None);
    }
    let (Some(_), Some(_)) = (get(s, "closed_cash_money"), get(s, "expected_cash_money")) else {
        return Ok(None);
    };
    let (counted, currency) = money(s, path, "closed_cash_money")?;
    let (expected, expected_currency) = money(s, path, "expected_cash_money")?;
    if currency != expected_currency {
        return Err(PayloadError::new(
            Some(&format!("{path}.closed_cash_money")),
            format!("is in {currency}, expected_cash_money in {expected_currency}"),
        ));
    }
    let at = match opt_text(s, path, "closed_at")? {
        Some(_) => utc(time(s, path, "closed_at")?),
        None => ended,
    };
    let diff = counted - expected;
    Ok((!diff.is_zero()).then_some((diff, currency, at)))
}

/// `ended_at` of an ENDED or CLOSED shift; `None` while it is OPEN. An ended shift without
/// `ended_at` is refused: its totals would have no time.
fn ended_at(s: &Value, path: &str) -> Result<Option<DateTime<Utc>>, PayloadError> {
    match opt_text(s, path, "state")?.as_deref() {
        Some("ENDED" | "CLOSED") => Ok(Some(utc(time(s, path, "ended_at")?))),
        Some("OPEN") => Ok(None),
        Some(other) => Err(PayloadError::new(
            Some(&format!("{path}.state")),
            format!("unknown shift state {other:?} (expected OPEN, ENDED or CLOSED)"),
        )),
        None => Err(PayloadError::new(
            Some(&format!("{path}.state")),
            "is missing",
        )),
    }
}

/// A money field that is present and not zero.
fn opt_money(s: &Value, path: &str, key: &str) -> Result<Option<(Decimal, String)>, PayloadError> {
    if get(s, key).is_none() {
        return Ok(None);
    }
    let m = money(s, path, key)?;
    Ok((!m.0.is_zero()).then_some(m))
}

/// `{role}_team_member_id`, else the older `{role}_employee_id`; empty means none.
fn team_member(s: &Value, path: &str, role: &str) -> Result<Option<String>, PayloadError> {
    let member = opt_text(s, path, &format!("{role}_team_member_id"))?;
    let member = match member {
        Some(m) => Some(m),
        None => opt_text(s, path, &format!("{role}_employee_id"))?,
    };
    Ok(member.filter(|m| !m.is_empty()))
}
