//! ListCashDrawerShiftEvents pages (`GET /v2/cash-drawers/shifts/{shift_id}/events`):
//! `{"cash_drawer_shift_events": [CashDrawerShiftEvent…], "cursor": …}`.
//!
//! Only here does Square report a NO_SALE: the drawer opened with nothing sold, which no order
//! shows. No-sales per cashier are a loss-prevention signal (`pos.cashier_daily.no_sales`, the
//! fraud scorer), so each NO_SALE event becomes a `no_sale` drawer event. Every other event type
//! stays in the inbox only: PAID_IN / PAID_OUT are already counted from the shift's totals
//! (`drawer`), and mapping them again would count them twice; payments and refunds come from
//! orders and the Payments API.
//!
//! The events name neither the location nor the shift: the caller adds the `location_id` the
//! request named beside `cash_drawer_shift_events` (and may add `cash_drawer_shift_id`), as for
//! old shifts that lack `location_id`.
//!
//! Square deprecated the page's older field, `events`, for `cash_drawer_shift_events`; clients
//! pinned to an older API version still get `events`, so it is read too. Square's Events API
//! also answers an `events` array (of `{event_id, type, data}`), which must not be taken for
//! drawer events: `events` counts as shift events only when an element has `event_type` (which
//! only shift events carry), or when it is empty and the caller added `location_id`.

use super::{money, store_of, Parsed};
use crate::adapters::json::{array, err, get, opt_text, text, time, utc};
use crate::adapters::{check_time, drawer_page, Context, PayloadError};
use crate::config::SquareNoSales;
use pos_core::model::{DrawerEvent, DrawerEventKind};
use rust_decimal::Decimal;
use serde_json::Value;

const KEY: &str = "cash_drawer_shift_events";
/// The field Square used before `cash_drawer_shift_events` (deprecated, still answered to
/// clients pinned to older API versions).
const OLDER_KEY: &str = "events";

/// The field holding the events when `v` is a ListCashDrawerShiftEvents page, else `None`.
pub(super) fn events_key(v: &Value) -> Option<&'static str> {
    let o = v.as_object()?;
    if o.contains_key(KEY) {
        return Some(KEY);
    }
    let Some(Value::Array(events)) = o.get(OLDER_KEY) else {
        return None;
    };
    let shift_events = events.iter().any(|e| e.get("event_type").is_some())
        || (events.is_empty() && o.contains_key("location_id"));
    shift_events.then_some(OLDER_KEY)
}

/// Maps the page's NO_SALE events; a bad event rejects itself alone. The page's event id is a
/// hash of the location, the shift and its events' ids (a bad event counts by its hashed
/// text), so the same page fetched twice is one inbox row whatever its `cursor`.
pub(super) fn events_page(
    ctx: &Context,
    v: &Value,
    key: &'static str,
) -> Result<Parsed, PayloadError> {
    let location = location(v, key)?;
    let shift = opt_text(v, "", "cash_drawer_shift_id")?.unwrap_or_default();
    let store = store_of(ctx, &location);
    let events = array(v, "", key)?;
    let (records, hash) = drawer_page(
        ctx,
        super::SOURCE,
        events,
        (key, "id"),
        vec![location, shift],
        |e, path| no_sale(ctx, &store, e, path),
    );
    Ok(Parsed {
        kind: KEY.into(),
        event_id: format!("{KEY}/{hash}"),
        records,
        ..Parsed::default()
    })
}

/// The `location_id` the caller put beside the events: without it (or with `""`) they cannot
/// be placed in a store, so the whole page is refused, saying what to add.
fn location(v: &Value, key: &str) -> Result<String, PayloadError> {
    let given = opt_text(v, "", "location_id")?.filter(|l| !l.is_empty());
    given.ok_or_else(|| {
        err(
            "location_id",
            format!(
                "is missing: Square's shift events name neither location nor shift; add the \
                 location the request named (its `location_id` query parameter) as \
                 `location_id` beside `{key}` (and, optionally, the shift as \
                 `cash_drawer_shift_id`)"
            ),
        )
    })
}

/// A NO_SALE event as a `no_sale` drawer event; `None` for any other type, which is not
/// mapped, and for every event when no-sales come from orders (`[square] no_sales_from`).
/// Square gives a NO_SALE zero money, so the amount is 0; `event_money` gives only the
/// currency, else the store's configured one.
fn no_sale(
    ctx: &Context,
    store: &str,
    e: &Value,
    path: &str,
) -> Result<Option<DrawerEvent>, PayloadError> {
    if ctx.square_no_sales == SquareNoSales::Orders || text(e, path, "event_type")? != "NO_SALE" {
        return Ok(None);
    }
    let id = text(e, path, "id")?;
    let at = utc(time(e, path, "created_at")?);
    let field = format!("{path}.created_at");
    check_time(ctx, &field, at).map_err(|m| PayloadError::new(Some(&field), m))?;
    Ok(Some(DrawerEvent {
        tenant_id: ctx.tenant_id.clone(),
        store_id: store.to_string(),
        source: super::SOURCE.into(),
        source_event_id: id,
        source_version: 0, // an event never changes
        register_id: None,
        cashier_id: cashier(e, path)?,
        kind: DrawerEventKind::NoSale,
        amount: Decimal::ZERO,
        currency: currency(ctx, store, e, path)?,
        occurred_at: at,
        business_date: ctx.business_date(store, at),
    }))
}

/// The currency of `event_money`, else the store's (or the tenant's) configured currency; an
/// error naming `event_money` when neither says.
fn currency(ctx: &Context, store: &str, e: &Value, path: &str) -> Result<String, PayloadError> {
    if get(e, "event_money").is_some() {
        return Ok(money(e, path, "event_money")?.1);
    }
    let configured = ctx.currency_of(store);
    if configured.is_empty() {
        return Err(err(
            &format!("{path}.event_money"),
            format!(
                "is missing and no currency is configured for store `{store}`: set \
                 [stores.{store}] currency or the tenant's `currency`"
            ),
        ));
    }
    Ok(configured)
}

/// Who opened the drawer: `team_member_id`, else the older `employee_id`; empty means none
/// (Square writes `""` when nobody was signed in).
fn cashier(e: &Value, path: &str) -> Result<Option<String>, PayloadError> {
    for key in ["team_member_id", "employee_id"] {
        if let Some(id) = opt_text(e, path, key)?.filter(|id| !id.is_empty()) {
            return Ok(Some(id));
        }
    }
    Ok(None)
}
