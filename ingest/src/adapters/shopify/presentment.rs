//! Refund transactions in the customer's (presentment) currency.
//!
//! A REST transaction gives `amount` and `currency` as the customer paid (`GET
//! /orders/{id}/transactions.json` takes `in_shop_currency` to ask otherwise) and carries no
//! `amount_set`: not in the live POS refund of `webhook_refunds_create_pos_return_cad_gst_rst_card.json`,
//! nor in Shopify's own 2025-07 transaction fixtures (Shopify/shopify-api-ruby
//! `test/rest/2025_07/transaction_test.rb`). So every refund of an order paid in another
//! currency than the shop's (Shopify Markets: a USD shop selling in CAD) was refused whole,
//! return lines and all, and its goods stayed sold.
//!
//! The refund's other parts name both currencies (`subtotal_set`, `total_tax_set`, the
//! duties', fees' and adjustments' `amount_set`, `tax_amount_set`, the shipping lines'
//! `subtotal_amount_set`, `tax_amount_set`), and its transactions are those parts' sum: lines
//! and shipping lines (with their tax, or without it when the prices include it) plus duties
//! and fees, less `order_adjustments` (negative when money goes back). When the
//! customer's transactions add up to that sum in the customer's currency, the same sum in
//! shop money is what they were worth to the shop: no exchange rate is guessed.

use super::duties::refund_duty_entries;
use super::{amount, money};
use crate::adapters::json::{array, get, join, opt_text};
use crate::adapters::PayloadError;
use rust_decimal::Decimal;
use serde_json::Value;

/// An amount in the shop's and in the customer's currency.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
struct Sides {
    shop: Decimal,
    presentment: Decimal,
}

impl Sides {
    fn plus(self, o: Sides) -> Sides {
        Sides {
            shop: self.shop + o.shop,
            presentment: self.presentment + o.presentment,
        }
    }

    fn minus(self, o: Sides) -> Sides {
        Sides {
            shop: self.shop - o.shop,
            presentment: self.presentment - o.presentment,
        }
    }
}

/// What a refund's parts come to in both currencies: `goods` (subtotals, duties and fees less
/// adjustments) and the lines' `tax`, apart, as the shop's prices may include it.
#[derive(Debug)]
pub(super) struct Worth {
    /// The customer's currency, the one every part names.
    currency: String,
    goods: Sides,
    tax: Sides,
}

impl Worth {
    /// The shop value of `paid`, the refund's transactions in the customer's `currency`: the
    /// parts' shop sum, when `paid` is their sum in that currency (tax added or included);
    /// `None` when it is not (a part the refund does not list, such as a shipping refund named
    /// neither in its `order_adjustments` nor in its `refund_shipping_lines`) or the currency is
    /// another.
    pub(super) fn shop_total(&self, currency: &str, paid: Decimal) -> Option<Decimal> {
        if currency != self.currency {
            return None;
        }
        let added = self.goods.plus(self.tax);
        [added, self.goods]
            .into_iter()
            .find(|s| s.presentment == paid)
            .map(|s| s.shop)
    }
}

/// Reads a refund's parts in both currencies. `None` when a part with money has no
/// `*_set` (nothing to tell its customer's amount), or the parts name different currencies.
pub(super) fn worth(r: &Value, path: &str) -> Result<Option<Worth>, PayloadError> {
    let mut w = Parts::default();
    for (i, rl) in array(r, path, "refund_line_items")?.iter().enumerate() {
        let rp = join(path, &format!("refund_line_items[{i}]"));
        let (Some(sub), Some(tax)) = (w.side(rl, &rp, "subtotal")?, w.side(rl, &rp, "total_tax")?)
        else {
            return Ok(None);
        };
        w.goods = w.goods.plus(sub);
        w.tax = w.tax.plus(tax);
    }
    for (du, dp) in refund_duty_entries(r, path)? {
        let Some(s) = w.side(du, &dp, "amount")? else {
            return Ok(None);
        };
        w.goods = w.goods.plus(s);
    }
    for (i, f) in array(r, path, "additional_fees")?.iter().enumerate() {
        let Some(s) = w.side(f, &join(path, &format!("additional_fees[{i}]")), "amount")? else {
            return Ok(None);
        };
        w.goods = w.goods.plus(s);
    }
    for (s, sp) in super::refund::shipping_lines(r, path)? {
        let (Some(sub), Some(tax)) = (
            w.side(s, &sp, "subtotal_amount")?,
            w.side(s, &sp, "tax_amount")?,
        ) else {
            return Ok(None);
        };
        w.goods = w.goods.plus(sub);
        w.tax = w.tax.plus(tax);
    }
    for (i, a) in array(r, path, "order_adjustments")?.iter().enumerate() {
        let ap = join(path, &format!("order_adjustments[{i}]"));
        let (Some(am), Some(tax)) = (w.side(a, &ap, "amount")?, w.side(a, &ap, "tax_amount")?)
        else {
            return Ok(None);
        };
        w.goods = w.goods.minus(am.plus(tax));
    }
    Ok(match (w.currency, w.mixed) {
        (Some(currency), false) => Some(Worth {
            currency,
            goods: w.goods,
            tax: w.tax,
        }),
        _ => None,
    })
}

/// The parts read so far.
#[derive(Default)]
struct Parts {
    currency: Option<String>,
    /// Two parts named different customer currencies.
    mixed: bool,
    goods: Sides,
    tax: Sides,
}

impl Parts {
    /// `key` of `v` in both currencies, from `{key}_set`; zero when the part has no money at
    /// all (no `{key}` or a zero one, no set); `None` when it has money but no set to say
    /// what that was in the customer's currency.
    fn side(&mut self, v: &Value, path: &str, key: &str) -> Result<Option<Sides>, PayloadError> {
        let set = format!("{key}_set");
        let (shop, pres) = match get(v, &set) {
            Some(s) => (get(s, "shop_money"), get(s, "presentment_money")),
            None => (None, None),
        };
        let (Some(shop), Some(pres)) = (shop, pres) else {
            let plain = money(v, path, key)?.unwrap_or_default();
            return Ok(plain.is_zero().then(Sides::default));
        };
        let sp = join(path, &format!("{set}.presentment_money"));
        match opt_text(pres, &sp, "currency_code")? {
            Some(c) if self.currency.as_ref().is_some_and(|k| *k != c) => self.mixed = true,
            Some(c) => self.currency = Some(c),
            None => return Ok(None),
        }
        Ok(Some(Sides {
            shop: amount(shop, &join(path, &format!("{set}.shop_money")), "amount")?,
            presentment: amount(pres, &sp, "amount")?,
        }))
    }
}
