//! One Toast `CashEntry` as a drawer event. The table is in docs/ingest.md → Toast; the
//! meanings are those of Toast's "Getting cash entries" guide and `CashEntry` reference.
//!
//! Toast writes `amount` signed by direction (positive into the drawer, negative out of it);
//! the kind gives the direction here, so moved cash counts by absolute value, and an
//! over/short takes its sign from the type (an overage positive, a shortage negative), however
//! the amount was written.
//!
//! An undo is an entry of the opposite type whose `undoes` names the entry it reverses (a
//! CASH_OUT undoing a CASH_IN, a CASH_IN a CASH_OUT, a CASH_COLLECTED a TIP_OUT, a TIP_OUT a
//! CASH_COLLECTED, an UNDO_PAY_OUT a PAY_OUT). It is mapped as the movement that reverses what
//! the undone entry was mapped to, so the two net to zero in `pos.store_daily` whichever pages,
//! days and order they arrive in. Dropping both when they share a page would not do: the
//! original may have been written from an earlier fetch of the same business day.

use super::read::{amount, currency, reference, toast_time, Amounts};
use crate::adapters::json::{err, get, join, text};
use crate::adapters::{check_time, Context, PayloadError};
use pos_core::model::{DrawerEvent, DrawerEventKind};
use rust_decimal::Decimal;
use serde_json::Value;

/// What an entry's type does to the drawer events.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Effect {
    /// Cash moved, of this kind, by the amount's absolute value.
    Moves(DrawerEventKind),
    NoSale,
    /// The count at close: the amount's absolute value times this sign.
    Count(Decimal),
    /// No event: the entry stays in the inbox with its page.
    None,
}

/// The effect of an entry of type `kind`, `undo` when it names an entry it reverses.
fn effect(kind: &str, undo: bool) -> Effect {
    use DrawerEventKind::*;
    match (kind, undo) {
        ("NO_SALE", _) => Effect::NoSale,
        ("CASH_IN", false) => Effect::Moves(PaidIn),
        // Gives back what a CASH_OUT took to the safe (its pickup).
        ("CASH_IN", true) => Effect::Moves(Loan),
        // Cash "stored in a different restaurant location": to the safe.
        ("CASH_OUT", false) => Effect::Moves(Pickup),
        // Takes back a CASH_IN's paid-in.
        ("CASH_OUT", true) => Effect::Moves(PaidOut),
        ("PAY_OUT" | "DRIVER_REIMBURSEMENT", _) => Effect::Moves(PaidOut),
        ("UNDO_PAY_OUT", _) => Effect::Moves(PaidIn),
        ("TIP_OUT", false) => Effect::Moves(PaidOut),
        // Takes back a CASH_COLLECTED, which is not mapped.
        ("TIP_OUT", true) => Effect::None,
        // A server's cash takings handed in at the end of the shift: the orders carry them as
        // cash tenders, so a drawer event would count them twice.
        ("CASH_COLLECTED", false) => Effect::None,
        // Gives back a TIP_OUT's paid-out.
        ("CASH_COLLECTED", true) => Effect::Moves(PaidIn),
        ("CLOSE_OUT_OVERAGE", _) => Effect::Count(Decimal::ONE),
        ("CLOSE_OUT_SHORTAGE", _) => Effect::Count(Decimal::NEGATIVE_ONE),
        // CLOSE_OUT_EXACT (nothing found), and types Toast may add.
        _ => Effect::None,
    }
}

/// The drawer event of one entry; `None` for a type that gives none, or a zero amount (no
/// cash moved, nothing found at the count). `store` is the page's store.
pub(super) fn drawer_event(
    ctx: &Context,
    store: &str,
    e: &Value,
    path: &str,
) -> Result<Option<DrawerEvent>, PayloadError> {
    let kind = text(e, path, "type")?;
    let (kind, amount) = match effect(&kind, undoes(e, path)?.is_some()) {
        Effect::None => return Ok(None),
        Effect::NoSale => (DrawerEventKind::NoSale, Decimal::ZERO),
        Effect::Moves(k) => (k, amount(e, path, "amount")?.abs()),
        Effect::Count(sign) => (
            DrawerEventKind::OverShort,
            amount(e, path, "amount")?.abs() * sign,
        ),
    };
    if amount.is_zero() && kind != DrawerEventKind::NoSale {
        return Ok(None);
    }
    let at = toast_time(e, path, "date")?;
    let field = join(path, "date");
    check_time(ctx, &field, at).map_err(|m| PayloadError::new(Some(&field), m))?;
    let currency = currency(ctx, store, &join(path, "amount"))?;
    // A double, as the orders' amounts: rounded to the currency's minor unit alike, so that
    // binary noise (`0.30000000000000004`) does not land in the drawer's figures.
    let amount = Amounts::of(&currency).round(amount);
    if amount.is_zero() && kind != DrawerEventKind::NoSale {
        return Ok(None);
    }
    Ok(Some(DrawerEvent {
        tenant_id: ctx.tenant_id.clone(),
        store_id: store.to_string(),
        source: super::SOURCE.into(),
        source_event_id: text(e, path, "guid")?,
        source_version: 0, // an entry never changes; an undo is an entry of its own
        register_id: reference(e, path, "cashDrawer")?,
        cashier_id: reference(e, path, "employee1")?,
        kind,
        amount,
        currency,
        occurred_at: at,
        business_date: ctx.business_date(store, at),
    }))
}

/// The GUID of the entry an undo reverses: `undoes` is a GUID string in Toast's reference
/// (`null` when the entry undoes nothing); a reference object `{"guid": …}` is read too.
fn undoes(e: &Value, path: &str) -> Result<Option<String>, PayloadError> {
    match get(e, "undoes") {
        Some(Value::String(g)) => Ok(Some(g.clone()).filter(|g| !g.is_empty())),
        Some(Value::Object(_)) => reference(e, path, "undoes"),
        None => Ok(None),
        Some(other) => Err(err(
            &join(path, "undoes"),
            format!("expected the GUID of the entry undone, got {other}"),
        )),
    }
}
