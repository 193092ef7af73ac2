//! An order's payments as tenders. A Clover payment's `amount` is what it paid of the order;
//! the tip (`tipAmount`) and the cash given back on a debit card (`cashbackAmount`) are
//! separate fields, so the card was charged all three: the tender is their sum, and the cash
//! back is a negative cash tender (it left the drawer). The tender's `tip` is the `tipAmount`
//! (cash back is no tip: it stays in the tender's amount and leaves as its own negative cash
//! tender). A tip that does not fit inside what was charged (a `tipAmount` on a negative
//! payment, a manual transaction's) stays in the tender's amount as before, with tip 0: the
//! money is right either way, and a whole order is not refused over how a tip was split. A
//! cash payment's `cashTendered` is
//! what the customer handed over; the change is a negative cash tender, as the model writes it.
//! A payment's `additionalCharges` (card surcharge, Interac fee…) are outside `amount` too
//! (Clover: "the total amount paid by the customer is the sum of the payment amount and
//! additionalCharges.amount"): they are in the tender, and become lines (charges.rs).

use super::read::{elements, millis, money, opt_int, opt_money, opt_positive_money};
use crate::adapters::json::{err, get, join, opt_text, text};
use crate::adapters::money::from_minor;
use crate::adapters::{number_from_id, PayloadError};
use chrono::{DateTime, Utc};
use pos_core::model::*;
use rust_decimal::Decimal;
use serde_json::Value;
use std::collections::HashMap;

/// How a payment was made, for the refunds that go back to it.
#[derive(Debug, Clone)]
pub struct Paid {
    pub method: TenderMethod,
    pub bin: Option<String>,
}

/// A surcharge an approved payment collected: its `type` (CREDIT_SURCHARGE, INTERAC_V2, …),
/// amount, and the path of its `type` for errors.
#[derive(Debug, Clone)]
pub struct Surcharge {
    pub kind: String,
    pub amount: Decimal,
    pub path: String,
}

#[derive(Debug, Default)]
pub struct Payments {
    pub tenders: Vec<Tender>,
    pub by_id: HashMap<String, Paid>,
    /// When the first approved payment was taken: the business day of a tab paid after midnight.
    pub first_paid: Option<DateTime<Utc>>,
    pub approved: usize,
    pub voided: usize,
    pub surcharges: Vec<Surcharge>,
    /// The approved payments' `serviceCharge.amount` summed, with the first charge's id;
    /// `None` when no payment records one.
    pub service_charge: Option<(Option<String>, Decimal)>,
    /// The approved payments' `taxAmount` summed: the order's tax when its line items' tax
    /// rates were not expanded.
    pub tax: Decimal,
    /// The approved payments' `amount` summed (tax and service charge inside, tips, cash back
    /// and additional charges apart): what an order without line items sold (unitemized.rs).
    pub paid: Decimal,
}

/// The order's `payments`, and the voided payments older API versions list under `voids`
/// (each payment once: one listed in both is taken from `payments`).
pub fn payments(
    o: &Value,
    path: &str,
    currency: &str,
    created: DateTime<Utc>,
) -> Result<Payments, PayloadError> {
    let mut out = Payments::default();
    for (key, voids) in [("payments", false), ("voids", true)] {
        let (list, lp) = elements(o, path, key)?;
        for (i, p) in list.iter().enumerate() {
            let pp = format!("{lp}[{i}]");
            let id = text(p, &pp, "id")?;
            if out.by_id.contains_key(&id) {
                continue;
            }
            payment(&mut out, p, &pp, &id, voids, currency, created)?;
        }
    }
    Ok(out)
}

fn payment(
    out: &mut Payments,
    p: &Value,
    pp: &str,
    id: &str,
    voids: bool,
    currency: &str,
    created: DateTime<Utc>,
) -> Result<(), PayloadError> {
    let status = if voids {
        TenderStatus::Voided
    } else {
        result(p, pp)?
    };
    let (method, bin, entry) = how_paid(p, pp)?;
    let at = millis(p, pp, "createdTime")?.unwrap_or(created);
    let cashback = opt_positive_money(p, pp, "cashbackAmount", currency)?;
    let surcharges = additional_charges(p, pp, currency)?;
    let extra: Decimal = surcharges.iter().map(|s| s.amount).sum();
    let amount = money(p, pp, "amount", currency)?;
    let tip = opt_positive_money(p, pp, "tipAmount", currency)?;
    let charged = amount + tip + extra;
    let tendered = match (method, opt_int(p, pp, "cashTendered")?) {
        (TenderMethod::Cash, Some(c)) if from_minor(c, currency) > charged => {
            from_minor(c, currency)
        }
        _ => charged,
    };
    let tax = payment_tax(p, pp, amount, currency)?;
    let approved = status == TenderStatus::Approved;
    out.tenders.push(Tender {
        tender_no: number_from_id(id),
        method,
        amount: tendered + cashback,
        status,
        card_fingerprint: None,
        card_bin: bin.clone(),
        card_entry: entry,
        occurred_at: at,
        // Inside what was charged, or not split out (see the module's doc).
        tip: if tip <= charged { tip } else { Decimal::ZERO },
    });
    let change = tendered - charged;
    for (what, back) in [("change", change), ("cashback", cashback)] {
        if approved && back > Decimal::ZERO {
            let no = number_from_id(&format!("{id}/{what}"));
            out.tenders
                .push(Tender::approved(no, TenderMethod::Cash, -back, at));
        }
    }
    match status {
        TenderStatus::Approved => {
            out.tax += tax;
            out.paid += amount;
            out.surcharges.extend(surcharges);
            service_charge(out, p, pp, currency)?;
            out.approved += 1;
            out.first_paid = Some(out.first_paid.map_or(at, |f| f.min(at)));
        }
        TenderStatus::Voided => out.voided += 1,
        TenderStatus::Declined => {}
    }
    out.by_id.insert(id.to_string(), Paid { method, bin });
    Ok(())
}

/// The payment's `taxAmount`, part of its `amount`: of the same sign (a negative amount, a
/// manual transaction's, may carry a negative tax); of the other sign it is refused naming it,
/// rather than taken off the order's tax.
fn payment_tax(
    p: &Value,
    pp: &str,
    amount: Decimal,
    currency: &str,
) -> Result<Decimal, PayloadError> {
    let tax = opt_money(p, pp, "taxAmount", currency)?;
    if !tax.is_zero() && (tax < Decimal::ZERO) != (amount < Decimal::ZERO) {
        return Err(err(
            &join(pp, "taxAmount"),
            format!("{tax} on a payment of {amount}: the tax is part of the amount, of its sign"),
        ));
    }
    Ok(tax)
}

/// The payment's `additionalCharges` (Android SDK `payments.AdditionalChargeAmount`: `amount`
/// in minor units, never negative; `type`). Absent `amount` is no money.
fn additional_charges(p: &Value, pp: &str, currency: &str) -> Result<Vec<Surcharge>, PayloadError> {
    let (list, lp) = elements(p, pp, "additionalCharges")?;
    let mut out = Vec::with_capacity(list.len());
    for (i, c) in list.iter().enumerate() {
        let cp = format!("{lp}[{i}]");
        let amount = opt_money(c, &cp, "amount", currency)?;
        if amount < Decimal::ZERO {
            return Err(err(
                &join(&cp, "amount"),
                "is negative: Clover writes an additional charge as a positive amount",
            ));
        }
        let kind = opt_text(c, &cp, "type")?.unwrap_or_else(|| "other".into());
        if !amount.is_zero() {
            out.push(Surcharge {
                kind,
                amount,
                path: join(&cp, "type"),
            });
        }
    }
    Ok(out)
}

/// Adds the payment's `serviceCharge.amount` (Android SDK `payments.ServiceChargeAmount`: the
/// part of `amount` recorded as service charge) to what the approved payments recorded.
fn service_charge(
    out: &mut Payments,
    p: &Value,
    pp: &str,
    currency: &str,
) -> Result<(), PayloadError> {
    let Some(sc) = get(p, "serviceCharge") else {
        return Ok(());
    };
    let sp = join(pp, "serviceCharge");
    if get(sc, "amount").is_none() {
        return Ok(());
    }
    let amount = opt_positive_money(sc, &sp, "amount", currency)?;
    let id = opt_text(sc, &sp, "id")?;
    let (first, sum) = out.service_charge.take().unwrap_or((None, Decimal::ZERO));
    out.service_charge = Some((first.or(id), sum + amount));
    Ok(())
}

/// `result` (Android SDK `payments.Result`): SUCCESS, and AUTH (a pre-authorization, money
/// held) are approved; FAIL and INITIATED (never completed) are declined; VOIDED and VOIDING
/// are voided. Absent is approved (a payment recorded by an app without a result).
///
/// DISCOUNT is one of Clover's published results (`payments.Result`, the REST `Payment.result`
/// enum); what it means is not published. It was refused as unknown, and with it the whole
/// order, its other payments and lines: it is taken as approved (a payment recorded as a
/// discount, as a coupon tender is), so the order lands and its tenders still add up.
fn result(p: &Value, pp: &str) -> Result<TenderStatus, PayloadError> {
    Ok(match opt_text(p, pp, "result")?.as_deref() {
        None | Some("SUCCESS" | "AUTH" | "AUTH_COMPLETED" | "PENDING" | "OFFLINE_RETRYING") => {
            TenderStatus::Approved
        }
        // The void failed: the payment stands.
        Some("VOID_FAILED") => TenderStatus::Approved,
        Some("DISCOUNT") => TenderStatus::Approved,
        Some("VOIDED" | "VOIDING") => TenderStatus::Voided,
        Some("FAIL" | "INITIATED") => TenderStatus::Declined,
        Some(other) => {
            return Err(err(
                &join(pp, "result"),
                format!("`{other}` is not a Clover payment result (SUCCESS, FAIL, VOIDED, …)"),
            ))
        }
    })
}

/// The method from the tender's `labelKey` (`com.clover.tender.cash`, `….credit_card`,
/// `….debit_card`, `….external_gift_card`, `….check`, `….external_payment`, or a custom
/// tender's own key), and for cards the BIN (`cardTransaction.first6`) and entry mode. An
/// order fetched without `expand=payments.tender` has tenders as bare references: a payment
/// with a `cardTransaction` is then a card, one with `cashTendered` (only cash payments record
/// the cash handed over) is cash.
pub fn how_paid(
    p: &Value,
    pp: &str,
) -> Result<(TenderMethod, Option<String>, Option<CardEntry>), PayloadError> {
    let label = match get(p, "tender") {
        Some(t) => opt_text(t, &join(pp, "tender"), "labelKey")?,
        None => None,
    };
    let card = get(p, "cardTransaction");
    let method = match label.as_deref() {
        Some("com.clover.tender.cash") => TenderMethod::Cash,
        Some(
            "com.clover.tender.credit_card"
            | "com.clover.tender.debit_card"
            | "com.clover.tender.external_pin_debit",
        ) => TenderMethod::Card,
        Some(l) if l.contains("gift_card") => TenderMethod::GiftCard,
        _ if card.is_some() => TenderMethod::Card,
        // Tender not expanded (only `{href, id}`): cash handed over says cash.
        None if opt_int(p, pp, "cashTendered")?.is_some_and(|c| c > 0) => TenderMethod::Cash,
        _ => TenderMethod::Other,
    };
    let Some(c) = card else {
        return Ok((method, None, None));
    };
    let cp = join(pp, "cardTransaction");
    let bin = opt_text(c, &cp, "first6")?
        .filter(|b| b.len() == 6 && b.bytes().all(|x| x.is_ascii_digit()));
    let entry = opt_text(c, &cp, "entryType")?.map(|e| match e.as_str() {
        "EMV_CONTACT" => CardEntry::Chip,
        "SWIPED" | "OFFLINE_SWIPED" => CardEntry::Swipe,
        "EMV_CONTACTLESS" | "MSD_CONTACTLESS" => CardEntry::Contactless,
        "KEYED" | "OFFLINE_KEYED" | "PINPAD_MANUAL_ENTRY" => CardEntry::Keyed,
        _ => CardEntry::Other,
    });
    Ok((method, bin, entry))
}
