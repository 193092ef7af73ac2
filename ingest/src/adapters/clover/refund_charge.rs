//! The service charge a refund gives back (`serviceChargeAmount`).
//!
//! Clover's REST `Refund` carries `serviceChargeAmount`, a `ServiceChargeAmount` (`id`, `name`,
//! `amount` in minor units), the type a payment's `serviceCharge` has (Android SDK
//! `payments.ServiceChargeAmount`, "amount recorded as a service charge"; goparrot
//! clover-api-client `ICloverApiRefund.serviceChargeAmount`). A payment's `amount` holds its
//! service charge (charges.rs books it from there), and a refund's `amount` is the "total
//! amount refunded, including tax and tip" (SDK `payments.Refund`): so the charge given back is
//! part of that `amount`, and not goods. Read as goods, it went onto the returned items and the
//! service charge stayed sold in full.

use super::charges::{is_service_charge, service_charge_item};
use super::lines::Sale;
use super::read::opt_positive_money;
use crate::adapters::json::{err, get, join, opt_text};
use crate::adapters::money::negated;
use crate::adapters::PayloadError;
use crate::sku::item_key;
use pos_core::model::*;
use rust_decimal::Decimal;
use serde_json::Value;

/// The service charge a refund gave back: the charge's id and name, and the amount.
#[derive(Debug, Clone, Default)]
pub struct ChargeBack {
    pub id: Option<String>,
    pub name: Option<String>,
    pub amount: Decimal,
}

/// The refund's `serviceChargeAmount`; absent, `{}` or an amount of 0 is none. A negative
/// amount is refused naming it (Clover writes refunds as positive amounts).
pub fn charge_back(
    r: &Value,
    rp: &str,
    currency: &str,
) -> Result<Option<ChargeBack>, PayloadError> {
    let sp = join(rp, "serviceChargeAmount");
    let sc = match get(r, "serviceChargeAmount") {
        None => return Ok(None),
        Some(sc @ Value::Object(_)) => sc,
        Some(other) => return Err(err(&sp, format!("expected an object, got {other}"))),
    };
    let amount = opt_positive_money(sc, &sp, "amount", currency)?;
    if amount.is_zero() {
        return Ok(None);
    }
    Ok(Some(ChargeBack {
        id: opt_text(sc, &sp, "id")?.filter(|id| !id.is_empty()),
        name: opt_text(sc, &sp, "name")?,
        amount,
    }))
}

/// The return line of a service charge given back, numbered `no`: a return of the order's
/// service charge line (its id, else the only one), quantity −1, no tax (Clover does not tax
/// service charges); when the order has no such line, a line `service_charge:<id>` of its own.
pub fn charge_return(c: &ChargeBack, no: i32, sales: &[Sale], order: &str) -> Line {
    let charges: Vec<&Sale> = sales.iter().filter(|s| is_service_charge(s)).collect();
    let named = c.id.as_ref().and_then(|id| {
        let raw = service_charge_item(Some(id));
        charges.iter().find(|s| s.line.raw_item_id == raw)
    });
    let sold = named.or(if charges.len() == 1 {
        charges.first()
    } else {
        None
    });
    let line = match sold {
        Some(s) => s.line.clone(),
        None => own_line(c),
    };
    Line {
        line_no: no,
        kind: LineKind::Return,
        quantity: -Decimal::ONE,
        unit_price: c.amount,
        discount: Decimal::ZERO,
        net_amount: negated(c.amount),
        tax: Decimal::ZERO,
        original_txn_id: Some(order.to_string()),
        original_line_no: sold.map(|s| s.line.line_no),
        ..line
    }
}

/// A service charge line for a charge the order does not list: named by its id, else its
/// name, as charges.rs names the order's charge.
fn own_line(c: &ChargeBack) -> Line {
    let of =
        c.id.clone()
            .or(c.name.clone())
            .unwrap_or_else(|| "charge".into());
    let raw = Some(service_charge_item(Some(&of)))
        .filter(|r| item_key(r).is_some())
        .unwrap_or_else(|| service_charge_item(None));
    let key = item_key(&raw).expect("a service charge id is an item id");
    Line {
        line_no: 0,
        kind: LineKind::Return,
        sku: key.sku,
        gtin: key.gtin,
        raw_item_id: raw,
        description: c.name.clone(),
        quantity: -Decimal::ONE,
        unit_price: c.amount,
        discount: Decimal::ZERO,
        net_amount: negated(c.amount),
        tax: Decimal::ZERO,
        entry_method: EntryMethod::Other,
        price_override: false,
        non_revenue: false,
        original_txn_id: None,
        original_line_no: None,
    }
}
