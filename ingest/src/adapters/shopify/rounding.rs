//! Shopify POS cash rounding (developer changelog "Cash transaction rounding for Point of Sale
//! purchases in selected countries", 2025: CAD, AUD, NZD, DKK, SEK, NOK, CHF and EUR in
//! Switzerland, Belgium and Finland). A cash sale is rounded to the smallest coin; the REST
//! order carries the difference in `total_cash_rounding_payment_adjustment_set` (GraphQL
//! `Order.totalCashRoundingAdjustment.paymentSet`), zero for non-cash payments.
//!
//! Its direction: the adjustment is what the rounding added to the amount due to give the cash
//! taken. `total_price` stays the goods' total (subtotal + shipping + tax), and a transaction's
//! amount stays before rounding too: Microsoft's Shopify connector for Business Central books
//! the adjustment as a line of the invoice (lines + adjustment = the invoice paid) and applies
//! each payment as transaction amount + its rounding amount. So a sale of 10.02 with −0.02
//! took 10.00 in cash.
//!
//! The convention is the POSLog and Square adapters': tenders are the money that changed
//! hands, and a tender `other` carries the rounding with its sign turned, so that the tenders
//! still add up to the lines.

use super::{money, set_currency};
use crate::adapters::json::{err, join};
use crate::adapters::{number_from_id, PayloadError};
use crate::envelope::TenderRecord;
use pos_core::model::*;
use rust_decimal::Decimal;
use serde_json::Value;

const PAYMENT: &str = "total_cash_rounding_payment_adjustment";

/// The order's payment rounding in shop money, `None` when absent or zero. A rounding in
/// another currency than the order's is an error naming it (presentment money is never read).
pub(super) fn payment_adjustment(
    o: &Value,
    path: &str,
    currency: &str,
) -> Result<Option<Decimal>, PayloadError> {
    let Some(amount) = money(o, path, PAYMENT)? else {
        return Ok(None);
    };
    let set = format!("{PAYMENT}_set");
    if let Some(c) = set_currency(o, path, &set)? {
        if c != currency {
            return Err(err(
                &join(path, &format!("{set}.shop_money.currency_code")),
                format!("is {c} but the order is in {currency}"),
            ));
        }
    }
    Ok((!amount.is_zero()).then_some(amount))
}

/// `[shopify] tenders = "order"`: the order's one tender becomes the money taken (its total
/// plus the adjustment) and a rounding tender brings the tenders back to the total. An order
/// that received nothing yet has no tender to round.
pub(super) fn order_tenders(
    tender: Option<Tender>,
    adjustment: Option<Decimal>,
    order_id: &str,
) -> Vec<Tender> {
    let Some(mut t) = tender else {
        return vec![];
    };
    let Some(a) = adjustment else {
        return vec![t];
    };
    t.amount += a;
    let rounding = rounding_tender(order_id, "", TenderMethod::Other, -a, t.occurred_at);
    vec![t, rounding]
}

/// `[shopify] tenders = "transactions"`: the cash transactions are tenders of their own, at
/// their amount before rounding, and the order writes none (a new order version must leave
/// them alone). So the order adds two tenders of its own, keyed by the order: the cash
/// correction (the adjustment, as a change tender is: cash not taken) and the rounding (its
/// sign turned). Cash then counts what the drawer holds, and all tenders still add up to the
/// lines. They carry the order's version, store, day and currency.
pub(super) fn transaction_tenders(t: &Transaction, adjustment: Decimal) -> Vec<TenderRecord> {
    let id = &t.key.source_txn_id;
    [
        rounding_tender(id, "/cash", TenderMethod::Cash, adjustment, t.occurred_at),
        rounding_tender(id, "", TenderMethod::Other, -adjustment, t.occurred_at),
    ]
    .into_iter()
    .map(|tender| TenderRecord {
        key: t.key.clone(),
        source_version: t.source_version,
        business_date: t.business_date,
        currency: t.currency.clone(),
        register_id: t.register_id.clone(),
        cashier_id: t.cashier_id.clone(),
        tender,
    })
    .collect()
}

/// A rounding tender, numbered from the order id so that every version writes the same row.
fn rounding_tender(
    order_id: &str,
    suffix: &str,
    method: TenderMethod,
    amount: Decimal,
    at: chrono::DateTime<chrono::Utc>,
) -> Tender {
    Tender::approved(
        number_from_id(&format!("{order_id}/cash_rounding/payment{suffix}")),
        method,
        amount,
        at,
    )
}
