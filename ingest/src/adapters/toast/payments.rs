//! A check's payments as tenders, and what each gave back (its `refund`) as a negative one.

use super::read::Amounts;
use crate::adapters::json::{array, err, get, join, opt_text, text};
use crate::adapters::money::negated;
use crate::adapters::{number_from_id, PayloadError};
use chrono::{DateTime, Utc};
use pos_core::model::{CardEntry, Tender, TenderMethod, TenderStatus};
use rust_decimal::Decimal;
use serde_json::Value;

/// The tenders of the check at `path`. Voided payments (`paymentStatus` VOIDED and the states
/// on the way to it, or a `voidInfo`) took no money and are left out.
///
/// Every tender is dated `at`, the check's `occurred_at`: a tender's time is part of its stored
/// key, and a payment's `paidDate` is absent until it is paid, so dating by it would leave the
/// unpaid version's row beside the paid one. Refunds too: a payment has one `refund`, whose
/// `refundDate` may move when more is refunded later. (A refund or a payment moved to a day of
/// its own takes that transaction's time instead, and its older rows are retracted: see `days`.)
pub(super) fn check_tenders(
    c: &Value,
    path: &str,
    at: DateTime<Utc>,
    money: Amounts,
) -> Result<Vec<Tender>, PayloadError> {
    let mut out = Vec::new();
    for (k, p) in array(c, path, "payments")?.iter().enumerate() {
        let pp = format!("{path}.payments[{k}]");
        if !p.is_object() {
            return Err(err(&pp, format!("expected a Payment object, got {p}")));
        }
        if voided(p, &pp)? {
            continue;
        }
        let tender = payment(p, &pp, at, money)?;
        let refund = refund(p, &pp, &tender, money)?;
        out.push(tender);
        out.extend(refund);
    }
    Ok(out)
}

/// Whether the payment was voided (or is on its way to it): it took no money.
pub(super) fn voided(p: &Value, pp: &str) -> Result<bool, PayloadError> {
    let status = opt_text(p, pp, "paymentStatus")?;
    Ok(get(p, "voidInfo").is_some()
        || matches!(
            status.as_deref(),
            Some("VOIDED" | "PROCESSING_VOID" | "VOIDED_AT_RISK")
        ))
}

/// Whether the payment was declined (`paymentStatus` DENIED, ERROR, ERROR_NETWORK, CANCELLED):
/// a `declined` tender; other states (CAPTURED, AUTHORIZED, none for cash…) are `approved`.
pub(super) fn declined(p: &Value, pp: &str) -> Result<bool, PayloadError> {
    Ok(matches!(
        opt_text(p, pp, "paymentStatus")?.as_deref(),
        Some("DENIED" | "ERROR" | "ERROR_NETWORK" | "CANCELLED")
    ))
}

/// The tender number of payment `guid`.
pub(super) fn tender_no(guid: &str) -> i32 {
    number_from_id(guid)
}

/// One payment: `amount` ("excluding tips", Toast's `Payment`) plus `tipAmount`, as the model
/// keeps tips in the tender, so a check's tenders are its lines plus its tips; the tender's
/// `tip` is the `tipAmount`. A negative tip, or one on a negative amount, is not part of the
/// tender: the check is rejected naming it (`validate_tip`).
fn payment(p: &Value, pp: &str, at: DateTime<Utc>, money: Amounts) -> Result<Tender, PayloadError> {
    let guid = text(p, pp, "guid")?;
    let method = method(&text(p, pp, "type")?);
    let (paid, tip) = (
        money.req(p, pp, "amount")?,
        money.or_zero(p, pp, "tipAmount")?,
    );
    let amount = money.add(paid, tip, &join(pp, "tipAmount"))?;
    let status = if declined(p, pp)? {
        TenderStatus::Declined
    } else {
        TenderStatus::Approved
    };
    let card = method == TenderMethod::Card;
    let card_text = |key: &str| -> Result<Option<String>, PayloadError> {
        Ok(opt_text(p, pp, key)?.filter(|s| card && !s.trim().is_empty()))
    };
    Ok(Tender {
        tender_no: tender_no(&guid),
        method,
        amount,
        status,
        // Toast's token for the card, "unique within your restaurant management group" and
        // holding nothing of the card account; null for chip and keyed payments.
        card_fingerprint: card_text("cardPaymentId")?,
        card_bin: card_text("first6Digits")?.filter(|d| is_bin(d)),
        card_entry: card_text("cardEntryMode")?.map(|mode| card_entry(&mode)),
        occurred_at: at,
        tip,
    })
}

/// The tender number of what payment `guid` gave back (a payment has one `refund`).
pub(super) fn refund_tender_no(guid: &str) -> i32 {
    number_from_id(&format!("{guid}/refund"))
}

/// Toast's payment `type` as a tender method.
fn method(kind: &str) -> TenderMethod {
    match kind {
        "CASH" => TenderMethod::Cash,
        "CREDIT" => TenderMethod::Card,
        // Stored value: Toast gift cards, rewards cards and Toast Cash.
        "GIFTCARD" | "REWARDCARD" | "TOAST_SV" => TenderMethod::GiftCard,
        // HOUSE_ACCOUNT (charged to an account), LEVELUP, OTHER (a restaurant's own
        // types), UNDETERMINED, and types Toast may add.
        _ => TenderMethod::Other,
    }
}

fn card_entry(mode: &str) -> CardEntry {
    match mode {
        "EMV_CHIP_SIGN" => CardEntry::Chip,
        "SWIPED" => CardEntry::Swipe,
        "CONTACTLESS" => CardEntry::Contactless,
        "KEYED" => CardEntry::Keyed,
        // ONLINE, TOKENIZED, PRE_AUTHED, SAVED_CARD, wallets, and modes Toast may add.
        _ => CardEntry::Other,
    }
}

/// A BIN is the card number's first six digits; anything else (Toast masks them for some
/// cards) is not stored as one.
fn is_bin(d: &str) -> bool {
    d.len() == 6 && d.bytes().all(|b| b.is_ascii_digit())
}

/// What the payment's `refund` gave back, `refundAmount` ("excluding the tip") +
/// `tipRefundAmount`, as a negative tender of the payment's method and card, keyed by the
/// payment (a payment has one `refund`), its `tip` the `−tipRefundAmount`. `None` without a
/// refund or when it is zero.
fn refund(
    p: &Value,
    pp: &str,
    paid: &Tender,
    money: Amounts,
) -> Result<Option<Tender>, PayloadError> {
    let Some(r) = get(p, "refund") else {
        return Ok(None);
    };
    let rp = join(pp, "refund");
    let refunded = money.or_zero(r, &rp, "refundAmount")?;
    let tip = money.or_zero(r, &rp, "tipRefundAmount")?;
    let back = money.add(refunded, tip, &join(&rp, "tipRefundAmount"))?;
    if back < Decimal::ZERO {
        return Err(err(
            &rp,
            "refunded amounts are never negative in Toast's reference",
        ));
    }
    if back.is_zero() {
        return Ok(None);
    }
    let guid = text(p, pp, "guid")?;
    Ok(Some(Tender {
        tender_no: refund_tender_no(&guid),
        amount: -back,
        tip: negated(tip),
        status: TenderStatus::Approved,
        card_entry: None, // a refund is not presented
        ..paid.clone()
    }))
}
