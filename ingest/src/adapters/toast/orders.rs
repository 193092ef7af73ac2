//! A page of Toast orders (`GET /orders/v2/ordersBulk`, wrapped with its restaurant): one
//! transaction per check, since a check is what a guest pays and Toast splits an order's bill
//! into checks (and more for a check's payments applied and refunds made on another day, see
//! `paid` and `refunds`).
//! The table is in docs/ingest.md → Toast orders.
//!
//! A bad order (no GUID, no readable `modifiedDate`) rejects itself and its checks; a bad check
//! rejects itself alone, its JSON path named; the rest of the page lands.

use super::read::{business_date, flag, opt_toast_time, reference};
use super::{check, paid, refunds};
use super::{Parsed, SOURCE};
use crate::adapters::json::{array, err, hash_hex, join, req, text};
use crate::adapters::{element_reject, finish, Context, PayloadError};
use crate::envelope::{Record, Reject, Retraction};
use chrono::{DateTime, NaiveDate, Utc};
use pos_core::model::Transaction;
use serde_json::Value;

/// What every check of an order shares.
#[derive(Debug)]
pub(super) struct Order<'a> {
    pub(super) ctx: &'a Context,
    pub(super) store: &'a str,
    pub(super) guid: String,
    /// The latest `modifiedDate` of the order, its checks and their selections, in epoch
    /// milliseconds: a newer fetch of the order replaces its checks, an older one never
    /// overwrites them.
    pub(super) version: i64,
    /// Toast's own business day (its closeout hour applied), when the order has one.
    pub(super) business_date: Option<NaiveDate>,
    pub(super) opened: Option<DateTime<Utc>>,
    /// Deleted orders (combined into another, or removed) sold nothing.
    pub(super) deleted: bool,
    /// Toast's daily excess food order (`excessFood: true`, its waste tracking): food thrown
    /// away, each selection discounted to 0 by a 100 % "Waste" discount. Sold nothing either;
    /// as a sale, its `preDiscountPrice`s would count as gross sales and discounts, and its
    /// items as sold, where Toast's net sales leave the order out.
    pub(super) excess_food: bool,
    pub(super) voided: bool,
    /// When the order was voided (`voidDate`), if it says.
    pub(super) void_date: Option<DateTime<Utc>>,
    pub(super) server: Option<String>,
}

impl<'a> Order<'a> {
    fn read(ctx: &'a Context, store: &'a str, o: &Value, path: &str) -> Result<Self, PayloadError> {
        if !o.is_object() {
            return Err(err(path, format!("expected an Order object, got {o}")));
        }
        let modified = super::read::toast_time(o, path, "modifiedDate")?;
        // The version: a date years ahead (a clock or a bug) would outrank every real change
        // after it, each dropped as older, so it is refused as any time out of range is.
        crate::adapters::check_time(ctx, "modifiedDate", modified)
            .map_err(|m| err(&join(path, "modifiedDate"), m))?;
        Ok(Order {
            ctx,
            store,
            guid: text(o, path, "guid")?,
            version: latest_change(ctx, o, modified).timestamp_millis(),
            business_date: business_date(o, path, "businessDate")?,
            opened: opt_toast_time(o, path, "openedDate")?,
            deleted: flag(o, path, "deleted")?,
            excess_food: flag(o, path, "excessFood")?,
            voided: flag(o, path, "voided")?,
            void_date: opt_toast_time(o, path, "voidDate")?,
            server: reference(o, path, "server")?,
        })
    }

    /// The order's share of the page's dedup id: its GUID and version, so a page re-fetched
    /// unchanged is a duplicate and one holding a newer version of an order is not.
    fn identity(&self) -> String {
        format!("{}@{}", self.guid, self.version)
    }
}

/// The latest of the order's `modifiedDate` (`modified`) and those of its checks and their
/// selections. Toast's own payloads show a check modified after its order (the orders webhook
/// sample: order `…15:10:59.817`, its checks `…59.829` and `…59.833`), so the order's date
/// alone may stay put while a check changes, and the newer version would then be dropped as
/// a replay. A nested date that is absent, does not read or is out of range (before 1990, or
/// in the future: it would outrank every later change) is passed over: the order's is the one
/// required.
fn latest_change(ctx: &Context, o: &Value, modified: DateTime<Utc>) -> DateTime<Utc> {
    fn listed<'v>(v: &'v Value, key: &str) -> &'v [Value] {
        v.get(key)
            .and_then(Value::as_array)
            .map_or(&[], Vec::as_slice)
    }
    let dated = |v: &Value| {
        super::read::toast_time(v, "", "modifiedDate")
            .ok()
            .filter(|at| crate::adapters::check_time(ctx, "", *at).is_ok())
    };
    let mut latest = modified;
    for c in listed(o, "checks") {
        let nested = std::iter::once(c).chain(listed(c, "selections"));
        if let Some(at) = nested.filter_map(dated).max() {
            latest = latest.max(at);
        }
    }
    latest
}

/// Maps a page of orders; see the module docs.
pub(super) fn page(ctx: &Context, store: &str, restaurant: String, list: &[Value]) -> Parsed {
    let orders = list
        .iter()
        .enumerate()
        .map(|(i, o)| (format!("{}[{i}]", super::ORDERS), o));
    let (records, ids) = map_orders(ctx, store, restaurant, orders);
    Parsed {
        event_id: format!("toast_orders/{}", hash_hex(&ids.join(","), 12)),
        records,
    }
}

/// The records of `orders` (each with its JSON path), and the identities of the restaurant
/// and the orders (a bad order by its hashed text), for a dedup id.
pub(super) fn map_orders<'v>(
    ctx: &Context,
    store: &str,
    restaurant: String,
    orders: impl Iterator<Item = (String, &'v Value)>,
) -> (Vec<Result<Record, Reject>>, Vec<String>) {
    let mut ids = vec![restaurant];
    let mut records = Vec::new();
    for (path, o) in orders {
        let checks = Order::read(ctx, store, o, &path).and_then(|order| {
            req(o, &path, "checks")?;
            Ok((array(o, &path, "checks")?, order))
        });
        match checks {
            Ok((checks, order)) => {
                ids.push(order.identity());
                records.extend(checks.iter().enumerate().flat_map(|(j, c)| {
                    let cp = format!("{}[{j}]", join(&path, "checks"));
                    one_check(&order, c, &cp)
                }));
            }
            Err(why) => {
                let raw = o.to_string();
                ids.push(format!("bad:{}", hash_hex(&raw, 12)));
                records.push(Err(element_reject(ctx, SOURCE, None, &raw, why)));
            }
        }
    }
    (records, ids)
}

/// One check as a transaction record (and its payments applied and refunds made on another day
/// as transactions of their own, see `paid` and `refunds`, with the retractions of what an
/// earlier version may have split off), or the reject naming what is wrong with it.
fn one_check(order: &Order, c: &Value, path: &str) -> Vec<Result<Record, Reject>> {
    let raw = c.to_string();
    match check_and_splits(order, c, path) {
        Ok((ts, retract)) => ts
            .into_iter()
            .map(|t| finish(order.ctx, t, None, &raw))
            .chain(retract.into_iter().map(|r| Ok(Record::Retract(r))))
            .collect(),
        Err(why) => vec![Err(element_reject(order.ctx, SOURCE, None, &raw, why))],
    }
}

/// The check's transaction, then what it moves to other days, and the retractions.
fn check_and_splits(
    order: &Order,
    c: &Value,
    path: &str,
) -> Result<(Vec<Transaction>, Vec<Retraction>), PayloadError> {
    let mut t = check::transaction(order, c, path)?;
    let (paid, paid_retract) = paid::split(order, c, path, &mut t)?;
    let (refunds, refunds_retract) = refunds::split(order, c, path, &mut t)?;
    let ts = std::iter::once(t).chain(paid).chain(refunds).collect();
    let retract = paid_retract.into_iter().chain(refunds_retract).collect();
    Ok((ts, retract))
}
