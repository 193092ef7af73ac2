//! Square orders as transactions: the order itself, its state, and its lines (line items,
//! service charges, returns), with their prices, modifiers and item codes.

use super::rounding::{add_roundings, Due};
use super::tenders::{order_tenders, Where};
use super::unitemized::unitemized_line;
use super::{store_of, OrderMoney, SOURCE};
use crate::adapters::json::{array, decimal, err, get, int, join, opt_text, text, time, utc};
use crate::adapters::money::{exponent, negated};
use crate::adapters::{charge_line, stored_time, Context, PayloadError};
use crate::config::SquareNoSales;
use crate::envelope::{Record, Reject, Retraction, TenderRecord};
use crate::sku::item_key;
use pos_core::model::*;
use rust_decimal::Decimal;
use serde_json::Value;

/// A mapped order: the transaction (none for a pure "no sale", which is a drawer event and not
/// a customer transaction), the drawer openings its NO_SALE tenders stand for, and the cash
/// roundings of a version that lists no tenders (written as tenders of their own, see
/// `rounding::add_roundings`).
#[derive(Debug)]
pub struct MappedOrder {
    pub id: String,
    pub version: i64,
    pub txn: Option<Transaction>,
    /// The order itself at any time, when it is stored at its payment (see `stored_time`).
    pub retract: Option<Retraction>,
    pub drawer: Vec<DrawerEvent>,
    pub solo: Vec<TenderRecord>,
}

impl MappedOrder {
    pub(super) fn event_id(&self) -> String {
        format!("order/{}/v{}", self.id, self.version)
    }

    pub(super) fn records(
        self,
        ctx: &Context,
        event_id: &str,
        raw: &str,
    ) -> Vec<Result<Record, Reject>> {
        let mut out: Vec<_> = self
            .drawer
            .into_iter()
            .map(|d| Ok(Record::Drawer(d)))
            .collect();
        if let Some(t) = self.txn {
            let txn = crate::adapters::finish(ctx, t, Some(event_id), raw);
            // The roundings belong to the order: written only with it.
            let written = txn.is_ok();
            out.push(txn);
            if written {
                out.extend(self.solo.into_iter().map(|r| Ok(Record::Tender(r))));
                out.extend(self.retract.map(|r| Ok(Record::Retract(r))));
            }
        }
        out
    }
}

/// A Square order as a transaction: line items and non-apportioned service charges are sale
/// lines, return line items and returned service charges are return lines, the order's
/// tenders and refunds are its tenders.
///
/// `occurred_at` is `created_at`, because it is part of the stored key and must not move when
/// a later version closes the order; `business_date` is the local day it was paid (see
/// [`paid_at`]; an open ticket paid after midnight belongs to the day it was paid). An order
/// paid more than a day after it was opened (an invoice paid a week later) is stored at that
/// payment instead, and retracts its earlier rows (see `adapters::stored_time`).
pub fn order(ctx: &Context, o: &Value, path: &str) -> Result<MappedOrder, PayloadError> {
    let id = text(o, path, "id")?;
    let location = text(o, path, "location_id")?;
    let store = store_of(ctx, &location);
    let created = utc(time(o, path, "created_at")?);
    let closed = match get(o, "closed_at") {
        Some(_) => utc(time(o, path, "closed_at")?),
        None => created,
    };
    let version = version_of(o, path)?;
    let state = opt_text(o, path, "state")?.unwrap_or_else(|| "OPEN".into());
    let m = OrderMoney::read(o, path)?;
    let (mut lines, return_due) = order_lines(o, path, &m)?;
    let at = Where {
        ctx,
        store: &store,
        order_id: &id,
        created,
    };
    let (mut tenders, drawer) = order_tenders(o, path, &m, &at)?;
    let mut solo = Vec::new();
    let mut retract = None;
    let txn = if lines.is_empty() && tenders.is_empty() && !drawer.is_empty() {
        None
    } else {
        let status = status_of(o, path, &state, &tenders, &m)?;
        lines.extend(unitemized_line(o, path, &m, status, &lines)?);
        let paid = paid_at(&tenders).unwrap_or(closed);
        let key = TxnKey {
            tenant_id: ctx.tenant_id.clone(),
            store_id: store.clone(),
            source: SOURCE.into(),
            source_txn_id: id.clone(),
        };
        let (stored, gone) = stored_time(ctx, &key, version, created, paid);
        retract = gone;
        // The roundings are timed with the order, where its day's views look.
        let due = Due::new(&id, &lines, &return_due, stored);
        let alone = add_roundings(o, path, &m, &due, &mut tenders)?;
        solo = solo_roundings(&at, version, paid, &m.currency, alone);
        Some(Transaction {
            key,
            source_version: version,
            occurred_at: stored,
            business_date: ctx.business_date(&store, paid),
            register_id: None,
            cashier_id: None,
            customer_id: opt_text(o, path, "customer_id")?,
            status,
            currency: m.currency.clone(),
            lines,
            tenders,
        })
    };
    // Decided after the transaction: an order that is only a no-sale is still no customer
    // transaction when its no-sale is left to the shift events.
    let drawer = match ctx.square_no_sales {
        SquareNoSales::ShiftEvents => Vec::new(),
        SquareNoSales::Both | SquareNoSales::Orders => drawer,
    };
    Ok(MappedOrder {
        id,
        version,
        txn,
        retract,
        drawer,
        solo,
    })
}

/// The order's version: `version`, or for an order without one (Square: "Orders not created
/// through the API do not include a version number", the Point of Sale's own), `updated_at` in
/// ms, which grows with every change as `version` does. Read as 0, a later state of such an
/// order (an open ticket paid) could never replace the first one stored, and every fetch of it
/// would be the same inbox event. An order keeps one kind of version all its life.
fn version_of(o: &Value, path: &str) -> Result<i64, PayloadError> {
    if get(o, "version").is_some() {
        return int(o, path, "version");
    }
    Ok(match get(o, "updated_at") {
        Some(_) => utc(time(o, path, "updated_at")?).timestamp_millis(),
        None => 0,
    })
}

/// When the order was paid: its latest approved payment. Square counts a sale on the day it is
/// paid, not when its fulfilment completes ("Regardless of whether the order has a fulfillment
/// or not, it will be reported in gross sales when it is paid"), and `closed_at` of a pickup,
/// shipment or delivery is when the fulfilment completed, days later maybe. `None` for an
/// order without payments (open, or a return whose tenders are refunds): then `closed_at`.
fn paid_at(tenders: &[Tender]) -> Option<chrono::DateTime<chrono::Utc>> {
    tenders
        .iter()
        .filter(|t| t.status == TenderStatus::Approved && t.amount > Decimal::ZERO)
        .map(|t| t.occurred_at)
        .max()
}

/// Rounding tenders of an order version without tenders, as tenders of their own: keyed by
/// the order and versioned by it, so a later version listing its tenders (and the rounding
/// among them, the same row) replaces them.
fn solo_roundings(
    w: &Where,
    version: i64,
    closed: chrono::DateTime<chrono::Utc>,
    currency: &str,
    roundings: Vec<Tender>,
) -> Vec<TenderRecord> {
    roundings
        .into_iter()
        .map(|tender| TenderRecord {
            key: TxnKey {
                tenant_id: w.ctx.tenant_id.clone(),
                store_id: w.store.to_string(),
                source: SOURCE.into(),
                source_txn_id: w.order_id.to_string(),
            },
            source_version: version,
            business_date: w.ctx.business_date(w.store, closed),
            currency: currency.to_string(),
            register_id: None,
            cashier_id: None,
            tender,
        })
        .collect()
}

/// COMPLETED is a sale; so is an OPEN order that is already paid in full (Square Online and
/// pickup orders stay OPEN until fulfilled, but the money was taken when they were paid, and
/// that is when Square's own sales reports count them). DRAFT, CANCELED and unpaid OPEN orders
/// are not sales: a later COMPLETED version replaces the row.
fn status_of(
    o: &Value,
    path: &str,
    state: &str,
    tenders: &[Tender],
    m: &OrderMoney,
) -> Result<TxnStatus, PayloadError> {
    if state == "COMPLETED" {
        return Ok(TxnStatus::Completed);
    }
    if state != "OPEN" {
        return Ok(TxnStatus::Cancelled);
    }
    let paid: Decimal = tenders
        .iter()
        .filter(|t| t.status == TenderStatus::Approved && t.amount > Decimal::ZERO)
        .map(|t| t.amount)
        .sum();
    if paid <= Decimal::ZERO {
        return Ok(TxnStatus::Cancelled);
    }
    let due = match m.opt(o, path, "net_amount_due_money")? {
        Some(due) => due,
        None => m.or_zero(o, path, "total_money")? - paid,
    };
    Ok(if due <= Decimal::ZERO {
        TxnStatus::Completed
    } else {
        TxnStatus::Cancelled
    })
}

/// Lines in Square's order: line items, service charges, then each return's items and charges;
/// and, per return, what its lines come to (net + tax, positive), for its cash rounding.
fn order_lines(
    o: &Value,
    path: &str,
    m: &OrderMoney,
) -> Result<(Vec<Line>, Vec<Decimal>), PayloadError> {
    let mut return_due = Vec::new();
    let mut lines = Vec::new();
    let next = |lines: &Vec<Line>| lines.len() as i32 + 1;
    for (i, li) in array(o, path, "line_items")?.iter().enumerate() {
        let lp = format!("{path}.line_items[{i}]");
        let line = item_line(li, &lp, next(&lines), m, false)?;
        lines.push(line);
    }
    for (i, sc) in array(o, path, "service_charges")?.iter().enumerate() {
        let sp = format!("{path}.service_charges[{i}]");
        if let Some(line) = service_charge_line(sc, &sp, next(&lines), m)? {
            lines.push(line);
        }
    }
    for (r, ret) in array(o, path, "returns")?.iter().enumerate() {
        let rp = format!("{path}.returns[{r}]");
        let source_order = opt_text(ret, &rp, "source_order_id")?;
        let mut returned = Vec::new();
        for (i, li) in array(ret, &rp, "return_line_items")?.iter().enumerate() {
            let lp = format!("{rp}.return_line_items[{i}]");
            returned.push(item_line(
                li,
                &lp,
                next(&lines) + returned.len() as i32,
                m,
                true,
            )?);
        }
        for (i, sc) in array(ret, &rp, "return_service_charges")?
            .iter()
            .enumerate()
        {
            let sp = format!("{rp}.return_service_charges[{i}]");
            let no = next(&lines) + returned.len() as i32;
            returned.extend(service_charge_line(sc, &sp, no, m)?);
        }
        return_due.push(returned.iter().map(|l| l.net_amount + l.tax).sum());
        for mut line in returned {
            negate_as_return(&mut line);
            line.original_txn_id = source_order.clone();
            lines.push(line);
        }
    }
    Ok((lines, return_due))
}

/// Square reports returned quantities and money as positive numbers; the model signs them,
/// never as a negative zero (an untaxed return's tax, a free item's net: "-0.00").
fn negate_as_return(line: &mut Line) {
    line.kind = LineKind::Return;
    line.quantity = negated(line.quantity);
    line.net_amount = negated(line.net_amount);
    line.tax = negated(line.tax);
}

/// One line item (or return line item).
///
/// Net = `total_money` − `total_tax_money`, right for ADDITIVE and INCLUSIVE taxes alike; a
/// line without `total_money` is its price (`price_gross`, INCLUSIVE tax inside) − discount +
/// its apportioned service charges (`total_service_charge_money`) − its INCLUSIVE taxes. Not
/// `gross_sales_money`: Square deducts inclusive tax from it in the US, Canada and Japan (and
/// leaves it in Europe and Australia), so taking the tax out of it again made such a line's
/// net short by its tax. Apportioned service charges stay
/// inside the line, as Square counts them (their own entries are skipped). The unit price
/// includes the modifiers (a latte with an oat-milk shot sells at base + shot). A `GIFT_CARD`
/// item (a gift card sold or reloaded) is not revenue: Square reports it apart from net sales.
fn item_line(
    li: &Value,
    lp: &str,
    line_no: i32,
    m: &OrderMoney,
    is_return: bool,
) -> Result<Line, PayloadError> {
    let qty = decimal(li, lp, "quantity")?;
    if qty < Decimal::ZERO {
        return Err(err(
            &join(lp, "quantity"),
            format!(
                "is {qty}: Square quantities are never negative (returns are return_line_items)"
            ),
        ));
    }
    let gross_key = if is_return {
        "gross_return_money"
    } else {
        "gross_sales_money"
    };
    let tax = m.or_zero(li, lp, "total_tax_money")?;
    let discount = m.or_zero(li, lp, "total_discount_money")?;
    let total = m.opt(li, lp, "total_money")?;
    let unit_price = unit_price(li, lp, qty, m, gross_key, total)?;
    let net = match total {
        Some(total) => total - tax,
        None => {
            let gross = match price_gross(li, lp, qty, m)? {
                Some(g) => g,
                // Only the gross is known: read as holding the inclusive tax (Europe,
                // Australia); see the limit in docs/ingest.md.
                None => m.or_zero(li, lp, gross_key)?,
            };
            let charges = m.or_zero(li, lp, "total_service_charge_money")?;
            let incl = m.inclusive_tax(li, lp)?;
            let net = gross
                .checked_sub(discount)
                .and_then(|x| x.checked_add(charges));
            checked(net.and_then(|x| x.checked_sub(incl)), lp, "quantity")?
        }
    };
    in_range(net, lp)?;
    in_range(unit_price, lp)?;
    let (raw, key) = item_id(li, lp)?;
    let name = opt_text(li, lp, "name")?;
    let description = match (name, opt_text(li, lp, "variation_name")?) {
        (Some(n), Some(v)) if !v.is_empty() => Some(format!("{n} ({v})")),
        (n, _) => n,
    };
    Ok(Line {
        line_no,
        kind: LineKind::Sale,
        sku: key.sku,
        gtin: key.gtin,
        raw_item_id: raw,
        description,
        quantity: qty,
        unit_price,
        discount,
        net_amount: net,
        tax,
        entry_method: EntryMethod::Other,
        price_override: false,
        non_revenue: opt_text(li, lp, "item_type")?.as_deref() == Some("GIFT_CARD"),
        original_txn_id: None,
        original_line_no: None,
    })
}

/// The price of one unit with its modifiers: `base_price_money` + each modifier's
/// `base_price_money` × its `quantity`. Without a base price (return line items often have
/// none), the variations' total price with the modifiers' (`price_gross`), else the gross,
/// else the total, divided by the quantity. The price comes before the gross because it is
/// the price the buyer saw in every country, INCLUSIVE tax inside, as a base price is; the
/// gross is that in Europe and Australia but net of the inclusive tax in the US, Canada and
/// Japan (Square's `OrderLineItem.gross_sales_money`), so a return line without base price
/// was priced below its own sale line there.
fn unit_price(
    li: &Value,
    lp: &str,
    qty: Decimal,
    m: &OrderMoney,
    gross_key: &str,
    total: Option<Decimal>,
) -> Result<Decimal, PayloadError> {
    if let Some(base) = m.opt(li, lp, "base_price_money")? {
        return Ok(base + modifiers_per_unit(li, lp, qty, m)?);
    }
    let whole = match price_gross(li, lp, qty, m)? {
        Some(p) => Some(p),
        None => m.opt(li, lp, gross_key)?.or(total),
    };
    match whole {
        Some(w) if !qty.is_zero() => Ok(checked(w.checked_div(qty), lp, "quantity")?
            .round_dp(exponent(&m.currency) + 4)
            .normalize()),
        _ => Ok(Decimal::ZERO),
    }
}

/// What the line's units cost at their price, before discounts: `base_price_money` × quantity,
/// else `variation_total_price_money` (which is that), plus the modifiers. An INCLUSIVE tax is
/// inside it whatever the country. `None` when the line names neither price.
fn price_gross(
    li: &Value,
    lp: &str,
    qty: Decimal,
    m: &OrderMoney,
) -> Result<Option<Decimal>, PayloadError> {
    let variations = match m.opt(li, lp, "base_price_money")? {
        Some(base) => checked(base.checked_mul(qty), lp, "quantity")?,
        None => match m.opt(li, lp, "variation_total_price_money")? {
            Some(v) => v,
            None => return Ok(None),
        },
    };
    let mut whole = variations;
    for (md, mp) in modifiers(li, lp)? {
        // As `modifiers_per_unit` reads it, on every unit of the line; a modifier without a
        // base price by its total, which is already the line's.
        let part = match modifier_per_unit(md, &mp, m)? {
            Some(per_unit) => checked(per_unit.checked_mul(qty), lp, "quantity")?,
            None => m.or_zero(md, &mp, "total_price_money")?,
        };
        whole = checked(whole.checked_add(part), lp, "quantity")?;
    }
    Ok(Some(whole))
}

/// A line's `modifiers` (sales) and `return_modifiers` (returns), with their paths.
fn modifiers<'a>(li: &'a Value, lp: &str) -> Result<Vec<(&'a Value, String)>, PayloadError> {
    let mut out = Vec::new();
    for key in ["modifiers", "return_modifiers"] {
        for (i, md) in array(li, lp, key)?.iter().enumerate() {
            out.push((md, format!("{lp}.{key}[{i}]")));
        }
    }
    Ok(out)
}

/// One modifier's money on one unit of its line: `base_price_money` × the modifier's
/// `quantity` (1 when absent); `None` without a base price.
fn modifier_per_unit(
    md: &Value,
    mp: &str,
    m: &OrderMoney,
) -> Result<Option<Decimal>, PayloadError> {
    let Some(base) = m.opt(md, mp, "base_price_money")? else {
        return Ok(None);
    };
    let n = if get(md, "quantity").is_some() {
        decimal(md, mp, "quantity")?
    } else {
        Decimal::ONE
    };
    checked(base.checked_mul(n), mp, "quantity").map(Some)
}

/// Modifier money per unit of the line (`modifiers` on sales, `return_modifiers` on returns).
fn modifiers_per_unit(
    li: &Value,
    lp: &str,
    qty: Decimal,
    m: &OrderMoney,
) -> Result<Decimal, PayloadError> {
    let mut sum = Decimal::ZERO;
    for (md, mp) in modifiers(li, lp)? {
        let per_unit = match modifier_per_unit(md, &mp, m)? {
            Some(p) => p,
            None => match m.opt(md, &mp, "total_price_money")? {
                Some(t) if !qty.is_zero() => checked(t.checked_div(qty), lp, "quantity")?,
                _ => Decimal::ZERO,
            },
        };
        sum = checked(sum.checked_add(per_unit), &mp, "quantity")?;
    }
    Ok(sum)
}

/// A line's money beyond 10^20 (a quantity of 6·10^11 at the largest price Square can write)
/// is a unit or mapping error, and refused naming the quantity: left in, the order's sums
/// (what was due, what was paid) would overflow `Decimal` and panic instead. Below it, any
/// number of lines adds up safely.
fn in_range(v: Decimal, path: &str) -> Result<(), PayloadError> {
    let limit = Decimal::from_i128_with_scale(10_i128.pow(20), 0);
    if v.abs() > limit {
        return Err(err(
            &join(path, "quantity"),
            format!("makes an amount of {v}, beyond 10^20: check the quantity"),
        ));
    }
    Ok(())
}

/// Arithmetic on sender-chosen quantities can leave `Decimal`'s range (a quantity of 1e-28
/// divides a price into overflow): a 400 naming the field, never a panic.
fn checked(v: Option<Decimal>, path: &str, key: &str) -> Result<Decimal, PayloadError> {
    v.ok_or_else(|| {
        err(
            &join(path, key),
            "makes the amounts overflow: check the quantity",
        )
    })
}

/// The item: its catalog variation id, else its name (ad-hoc items), else its `item_type`
/// (a nameless custom amount is still money taken, not a reason to drop the whole order).
fn item_id(li: &Value, lp: &str) -> Result<(String, crate::sku::ItemKey), PayloadError> {
    let candidates = [
        opt_text(li, lp, "catalog_object_id")?,
        opt_text(li, lp, "name")?,
        opt_text(li, lp, "item_type")?,
        Some("CUSTOM_AMOUNT".to_string()),
    ];
    for raw in candidates.into_iter().flatten() {
        if let Some(key) = item_key(&raw) {
            return Ok((raw, key));
        }
    }
    Err(err(
        &join(lp, "catalog_object_id"),
        "holds no usable item code",
    ))
}

/// An order-level service charge (delivery fee, packaging, auto-gratuity) as a line of its
/// own, quantity 1; apportioned ones are already inside the line items' totals and are skipped
/// so they are not counted twice.
///
/// Net = `total_money` − `total_tax_money` for every phase and tax kind: `total_money` is
/// `applied_money` plus ADDITIVE tax, and `applied_money` already holds INCLUSIVE tax (Square's
/// OrderServiceCharge reference), so an additive tax leaves `applied_money` and an inclusive
/// one takes its tax out. Without `total_money` the charge's INCLUSIVE `applied_taxes` come
/// out of `applied_money` (else `amount_money`), as for line items.
fn service_charge_line(
    sc: &Value,
    sp: &str,
    line_no: i32,
    m: &OrderMoney,
) -> Result<Option<Line>, PayloadError> {
    if is_apportioned(sc, sp)? {
        return Ok(None);
    }
    let tax = m.or_zero(sc, sp, "total_tax_money")?;
    let charged = match m.opt(sc, sp, "applied_money")? {
        Some(a) => Some(a),
        None => m.opt(sc, sp, "amount_money")?,
    };
    let net = match (m.opt(sc, sp, "total_money")?, charged) {
        (Some(total), _) => total - tax,
        (None, Some(c)) => c - m.inclusive_tax(sc, sp)?,
        (None, None) => {
            return Err(err(
                &join(sp, "total_money"),
                "is missing, and so are applied_money and amount_money",
            ))
        }
    };
    let name = opt_text(sc, sp, "name")?;
    let id = opt_text(sc, sp, "catalog_object_id")?
        .or(name.clone())
        .or(opt_text(sc, sp, "uid")?)
        .unwrap_or_else(|| "charge".into());
    let raw = format!("service_charge:{id}");
    let money = (charged.unwrap_or(net), net, tax);
    charge_line(line_no, raw, name, money, &join(sp, "name")).map(Some)
}

/// Whether a service charge is apportioned to the line items (its money is in their
/// `total_money`): `treatment_type` APPORTIONED_TREATMENT, or, in payloads from before Square
/// added `treatment_type`, an APPORTIONED_PERCENTAGE_PHASE / APPORTIONED_AMOUNT_PHASE
/// `calculation_phase`, the only phases an apportioned charge can have.
fn is_apportioned(sc: &Value, sp: &str) -> Result<bool, PayloadError> {
    Ok(match opt_text(sc, sp, "treatment_type")? {
        Some(t) => t == "APPORTIONED_TREATMENT",
        None => {
            opt_text(sc, sp, "calculation_phase")?.is_some_and(|p| p.starts_with("APPORTIONED_"))
        }
    })
}
