//! A check's lines: its selections (menu items) and applied service charges as sale lines,
//! a voided selection's reversal beside it, and what was refunded of either as return lines.
//!
//! Numbering: selections 1…n in Toast's order, service charges after them; a void is its
//! line's number plus `VOID_LINE_OFFSET` (as POSLog numbers its reversals), a return its
//! line's number plus `RETURN_LINE_OFFSET`, so each stays beside the line it reverses. The
//! numbers need only hold within one version: a newer version of the check replaces all its
//! lines (the writer removes those it no longer has).

use super::read::{opt_toast_time, reference, Amounts};
use crate::adapters::json::{array, err, get, join, opt_text};
use crate::adapters::poslog::VOID_LINE_OFFSET;
use crate::adapters::{charge_line, PayloadError};
use crate::sku::item_key;
use chrono::{DateTime, Duration, Utc};
use pos_core::model::{EntryMethod, Line, LineKind};
use rust_decimal::Decimal;
use serde_json::Value;

/// Return lines are numbered above the void reversals.
const RETURN_LINE_OFFSET: i32 = 2 * VOID_LINE_OFFSET;

/// The void of a whole check (or of its order), and when it happened when Toast says.
#[derive(Debug, Clone, Copy)]
pub(super) struct WholeVoid {
    pub(super) at: Option<DateTime<Utc>>,
}

/// A selection voided this long before its whole check was voided on its own first: an item
/// void the cashier rang, then the check voided later. Toast stamps the selections a whole-check
/// void marks with that void's own time (one request); a minute leaves room for clocks and
/// retries without taking in a void rung minutes before.
const VOIDED_BEFORE_THE_CHECK: Duration = Duration::seconds(60);

impl WholeVoid {
    /// Whether this void is what marked the selection at `sp` voided. A selection whose own
    /// `voidDate` lies well before the check's was voided by itself first: it keeps its void
    /// line, so the post-void figures count only what the whole void took back, and the
    /// item-void figures count it once. Either date unknown: the check's void marked it.
    fn covers(&self, s: &Value, sp: &str) -> Result<bool, PayloadError> {
        let (Some(check), Some(own)) = (self.at, opt_toast_time(s, sp, "voidDate")?) else {
            return Ok(true);
        };
        Ok(own > check - VOIDED_BEFORE_THE_CHECK)
    }
}

/// The lines of the check at `path`, whose GUID (`check`) the return lines link to.
///
/// `whole_void`: the check (or its order) is voided. Toast then marks every selection
/// voided too ("Void an order": "The selections object's voided value updates to true"), and
/// the check's status (post-voided, else cancelled) says what happened: its selections stay
/// sales, with no void line each. Reversed, the post-voided check would net to nothing, so the
/// post-void figures (the post-voided checks' net) would miss it, and the item-void figures
/// would count every item of it besides. A selection voided on its own before (see
/// [`WholeVoid::covers`]) keeps its void line.
pub(super) fn check_lines(
    c: &Value,
    path: &str,
    (check, whole_void): (&str, Option<WholeVoid>),
    money: Amounts,
) -> Result<Vec<Line>, PayloadError> {
    let mut lines = Vec::new();
    // Toast always sends the check's selections (`[]` when none): a check without them is a
    // trimmed or foreign copy, and landing it would book its payments against no sales.
    if get(c, "selections").is_none() {
        return Err(err(
            &join(path, "selections"),
            "is missing: Toast sends a check's selections ([] when it has none); send the \
             check as Toast answered it",
        ));
    }
    let selections = array(c, path, "selections")?;
    let mut taxes = TaxRounding::new(money);
    for (i, s) in selections.iter().enumerate() {
        let sp = format!("{path}.selections[{i}]");
        let mut line = selection_line(s, &sp, i as i32 + 1, money)?;
        let voided = super::read::flag(s, &sp, "voided")?
            && match &whole_void {
                Some(w) => !w.covers(s, &sp)?,
                None => true,
            };
        let exact = money.exact_or_zero(s, &sp, "tax")?;
        // A voided selection is out of the check's tax, and its void reverses it exactly.
        line.tax = if voided {
            money.round(exact)
        } else {
            taxes.take(exact, &join(&sp, "tax"))?
        };
        let returned = returned(s, &sp, &line, check, money)?;
        let void = voided.then(|| void_of(&line));
        lines.push(line);
        lines.extend(void);
        lines.extend(returned);
    }
    let first_charge = selections.len() as i32 + 1;
    for (j, sc) in array(c, path, "appliedServiceCharges")?.iter().enumerate() {
        let sp = format!("{path}.appliedServiceCharges[{j}]");
        let line = charge(sc, &sp, first_charge + j as i32, money, &mut taxes)?;
        let returned = returned(sc, &sp, &line, check, money)?;
        lines.push(line);
        lines.extend(returned);
    }
    Ok(lines)
}

/// A selection as a sale line. Toast's `price` is the selection's net: after its discounts
/// (check-level ones spread on it too), quantity and modifiers included, tax excluded, so the
/// modifiers (nested `modifiers[]`) are not read again. `preDiscountPrice` is the gross.
fn selection_line(s: &Value, sp: &str, line_no: i32, money: Amounts) -> Result<Line, PayloadError> {
    if !s.is_object() {
        return Err(err(sp, format!("expected a Selection object, got {s}")));
    }
    let quantity = match get(s, "quantity") {
        Some(_) => super::read::quantity(s, sp, "quantity")?,
        None => Decimal::ONE, // Toast: "Quantity defaults to 1"
    };
    if quantity < Decimal::ZERO {
        return Err(err(
            &join(sp, "quantity"),
            format!("is {quantity}: Toast quantities are never negative"),
        ));
    }
    let net = money.req(s, sp, "price")?;
    let gross = money.opt(s, sp, "preDiscountPrice")?.unwrap_or(net);
    let unit_price = unit_price(gross, quantity, sp, money)?;
    let (raw, description) = item(s, sp)?;
    let key = item_key(&raw).ok_or_else(|| {
        err(
            &join(sp, "item"),
            format!("`{raw}` holds no usable item code"),
        )
    })?;
    Ok(Line {
        line_no,
        kind: LineKind::Sale,
        sku: key.sku,
        gtin: key.gtin,
        raw_item_id: raw,
        description,
        quantity,
        unit_price,
        discount: money
            .add(gross, -net, &join(sp, "preDiscountPrice"))?
            .max(Decimal::ZERO),
        net_amount: net,
        tax: Decimal::ZERO, // set by `check_lines`, which rounds the check's taxes together
        entry_method: EntryMethod::Other,
        price_override: false,
        non_revenue: not_revenue(s, sp)?,
        original_txn_id: None,
        original_line_no: None,
    })
}

/// The price of one unit: `gross ÷ quantity` (a weight's price per unit of measure), `gross`
/// for a quantity of 0. A quantity so small that the division leaves `Decimal`'s range (10^-27
/// of an item) is an error naming it, not the whole price taken as the unit's.
fn unit_price(
    gross: Decimal,
    quantity: Decimal,
    sp: &str,
    money: Amounts,
) -> Result<Decimal, PayloadError> {
    if quantity.is_zero() {
        return Ok(gross);
    }
    gross
        .checked_div(quantity)
        .map(|u| u.round_dp(money.dp + 4).normalize())
        .ok_or_else(|| {
            err(
                &join(sp, "quantity"),
                format!("{quantity} divides the price beyond any amount: check the quantity"),
            )
        })
}

/// The item rung: the menu item's GUID, else (gift cards and special requests have no item)
/// the display name, else the selection type; and the display name as description.
fn item(s: &Value, sp: &str) -> Result<(String, Option<String>), PayloadError> {
    let name = opt_text(s, sp, "displayName")?.filter(|n| !n.trim().is_empty());
    let raw = reference(s, sp, "item")?
        .or(name.clone())
        .or(opt_text(s, sp, "selectionType")?)
        .unwrap_or_else(|| "OPEN_ITEM".into());
    Ok((raw, name))
}

/// The reversal of a selection voided on its check (`voided: true`): Toast keeps the voided
/// selection with its amounts, so it lands as its sale and this void beside it, netting to
/// nothing while the voids figures still count it.
fn void_of(line: &Line) -> Line {
    Line {
        line_no: VOID_LINE_OFFSET + line.line_no,
        kind: LineKind::Void,
        quantity: -line.quantity,
        net_amount: -line.net_amount,
        tax: -line.tax,
        ..line.clone()
    }
}

/// What `refundDetails` says was refunded of `line` (a selection or a service charge), as a
/// return line linked to it: `refundAmount` (pre-tax) and `taxRefundAmount` given back, the
/// quantity in proportion to the net refunded. `None` without a refund or when it is zero.
fn returned(
    v: &Value,
    path: &str,
    line: &Line,
    check: &str,
    money: Amounts,
) -> Result<Option<Line>, PayloadError> {
    let Some(r) = get(v, "refundDetails") else {
        return Ok(None);
    };
    let rp = join(path, "refundDetails");
    let net = money.or_zero(r, &rp, "refundAmount")?;
    let tax = money.or_zero(r, &rp, "taxRefundAmount")?;
    if net < Decimal::ZERO || tax < Decimal::ZERO {
        return Err(err(
            &rp,
            "refunded amounts are never negative in Toast's reference",
        ));
    }
    if net.is_zero() && tax.is_zero() {
        return Ok(None);
    }
    // A share of a positive net only: refunding a free or negative line returns it whole. A
    // refund of its tax alone (net 0) returns no units.
    let share = match net.checked_div(line.net_amount) {
        Some(s) if line.net_amount > Decimal::ZERO && s < Decimal::ONE => s,
        _ => Decimal::ONE,
    };
    Ok(Some(Line {
        line_no: RETURN_LINE_OFFSET + line.line_no,
        kind: LineKind::Return,
        quantity: -(line.quantity * share).round_dp(4).normalize(),
        discount: Decimal::ZERO,
        net_amount: -net,
        tax: -tax,
        original_txn_id: Some(check.to_string()),
        original_line_no: Some(line.line_no),
        ..line.clone()
    }))
}

/// An applied service charge (gratuity, delivery fee, card surcharge, cash rounding) as a sale
/// line `service_charge:<its configuration GUID, else name>`, quantity 1, as every adapter
/// books charges: net `chargeAmount` (before tax), tax the sum of its `appliedTaxes`.
fn charge(
    sc: &Value,
    sp: &str,
    line_no: i32,
    money: Amounts,
    taxes: &mut TaxRounding,
) -> Result<Line, PayloadError> {
    let net = money.req(sc, sp, "chargeAmount")?;
    let mut exact = Decimal::ZERO;
    for (k, t) in array(sc, sp, "appliedTaxes")?.iter().enumerate() {
        let tp = format!("{sp}.appliedTaxes[{k}]");
        exact = money.add(
            exact,
            money.exact_or_zero(t, &tp, "taxAmount")?,
            &join(&tp, "taxAmount"),
        )?;
    }
    let tax = taxes.take(exact, &join(sp, "appliedTaxes"))?;
    let name = opt_text(sc, sp, "name")?;
    let id = reference(sc, sp, "serviceCharge")?
        .or(name.clone())
        .unwrap_or_else(|| "charge".into());
    let raw = format!("service_charge:{id}");
    let mut line = charge_line(
        line_no,
        raw,
        name,
        (net, net, tax),
        &join(sp, "serviceCharge"),
    )?;
    line.non_revenue = passed_on(sc, sp)?;
    Ok(line)
}

/// Whether a service charge is money the restaurant passes on, which Toast's net sales leave
/// out ("amounts that are paid to other entities, such as gratuity service charges"): a
/// gratuity (`gratuity: true`, to the staff, as card tips) or a fundraising charge
/// (`serviceChargeCategory` FUNDRAISING_CAMPAIGN, a donation to a charity: its ServiceCharge's
/// `destination` is THIRD_PARTY). Card surcharges and cash rounding stay revenue.
fn passed_on(sc: &Value, sp: &str) -> Result<bool, PayloadError> {
    let category = opt_text(sc, sp, "serviceChargeCategory")?;
    Ok(super::read::flag(sc, sp, "gratuity")?
        || category.as_deref() == Some("FUNDRAISING_CAMPAIGN"))
}

/// Selections Toast counts as deferred revenue or as no sale at all: gift cards sold or
/// reloaded and house-account balances paid ("Calculating net sales using the orders API").
const NOT_REVENUE_SELECTIONS: [&str; 4] = [
    "TOAST_CARD_SELL",
    "TOAST_CARD_RELOAD",
    "CASH_CARD_SELL",
    "HOUSE_ACCOUNT_PAY_BALANCE",
];

/// Whether a selection is paid for but not revenue: `deferred: true` ("a deferred revenue
/// transaction, such as a gift card sale"), or one of [`NOT_REVENUE_SELECTIONS`].
fn not_revenue(s: &Value, sp: &str) -> Result<bool, PayloadError> {
    let kind = opt_text(s, sp, "selectionType")?;
    Ok(super::read::flag(s, sp, "deferred")?
        || kind.is_some_and(|k| NOT_REVENUE_SELECTIONS.contains(&k.as_str())))
}

/// The taxes of a check's lines, rounded so that they add up to their exact sum rounded once,
/// as the check's `taxAmount` is. Toast writes a line's `tax` as computed (its own Check JSON
/// has `"tax": 5.49612811` beside `"taxAmount": 6.09`), and rounding each line alone can leave
/// the lines a cent or more off the check's tax, and so off its payments: each line books the
/// rounded running sum less what the lines before it booked.
struct TaxRounding {
    money: Amounts,
    exact: Decimal,
    booked: Decimal,
}

impl TaxRounding {
    fn new(money: Amounts) -> Self {
        TaxRounding {
            money,
            exact: Decimal::ZERO,
            booked: Decimal::ZERO,
        }
    }

    /// The rounded tax of the next line, whose exact tax is `exact`.
    fn take(&mut self, exact: Decimal, field: &str) -> Result<Decimal, PayloadError> {
        self.exact = self.money.add(self.exact, exact, field)?;
        let total = self.money.round(self.exact);
        let tax = total - self.booked;
        self.booked = total;
        Ok(tax)
    }
}
