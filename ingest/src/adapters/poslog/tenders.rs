//! Tender line items: payment methods, refunds, change, rounding and cash back.

use super::xml::{attr, child, child_dec, child_text, dec, text};
use super::{total, Bad, R};
use chrono::{DateTime, Utc};
use pos_core::model::*;
use roxmltree::Node;
use rust_decimal::Decimal;

/// A tender type as vendors spell it: ARTS enumerations (`Cash`, `CreditDebit`,
/// `GiftCertificate`, `StoredValue`…), prefixed vendor codes (`x:TTID3030CCARD`, `acs:…`).
pub(super) fn method_of(kind: &str) -> TenderMethod {
    let k = kind.rsplit(':').next().unwrap_or(kind).to_ascii_lowercase();
    let has = |w: &[&str]| w.iter().any(|x| k.contains(x));
    if has(&["gift", "voucher", "storedvalue", "certificate"]) {
        TenderMethod::GiftCard
    } else if has(&[
        "storecredit",
        "customeraccount",
        "houseaccount",
        "credit note",
        "creditnote",
    ]) {
        TenderMethod::StoreCredit
    } else if has(&[
        "credit", "debit", "card", "eft", "visa", "master", "amex", "maestro",
    ]) {
        TenderMethod::Card
    } else if has(&["cash", "bar"]) && !has(&["cashback"]) {
        TenderMethod::Cash
    } else {
        TenderMethod::Other
    }
}

/// The method of a tender without a usable `TenderType`: from the child element ARTS uses for
/// its details (`CreditDebit`, `GiftCard`, `Voucher`, `Check`…).
fn method_of_tender(x: Node) -> TenderMethod {
    let declared = attr(x, "TenderType")
        .or_else(|| child_text(x, "TenderType"))
        .map(method_of);
    match declared {
        Some(m) if m != TenderMethod::Other => m,
        _ => x
            .children()
            .filter(|c| c.is_element())
            .map(|c| match c.tag_name().name() {
                "CreditDebit" => TenderMethod::Card,
                "GiftCard" | "GiftCertificate" | "Voucher" | "StoredValue" => {
                    TenderMethod::GiftCard
                }
                "CustomerAccount" | "StoreCredit" => TenderMethod::StoreCredit,
                _ => TenderMethod::Other,
            })
            .find(|m| *m != TenderMethod::Other)
            .or(declared)
            .unwrap_or(TenderMethod::Other),
    }
}

/// Tender numbers for what one `Tender` element yields besides itself.
const CHANGE_TENDER_OFFSET: i32 = 200_000;
const CASHBACK_TENDER_OFFSET: i32 = 300_000;
const ROUNDING_TENDER_OFFSET: i32 = 400_000;

/// Whether a `Rounding` element says the cash was rounded up, i.e. the customer paid more
/// than the total (`RoundingDirection="Up"`); anything else is down. The one rule for
/// rounding tenders and for roundings inside ordinary tenders.
fn rounded_up(n: Node) -> bool {
    attr(n, "RoundingDirection").is_some_and(|d| d.eq_ignore_ascii_case("Up"))
}

/// The cash rounding inside an ordinary tender (`Tender/Rounding`, Swiss 0.05, Danish or
/// Swedish rounding), signed as what it adds to what the customer paid: + rounded up,
/// − rounded down. None when absent or zero. Its tender carries it with the sign turned, as a
/// rounding tender does.
fn rounding_in(x: Node) -> R<Option<Decimal>> {
    let Some(n) = child(x, "Rounding").filter(|n| !text(*n).is_empty()) else {
        return Ok(None);
    };
    let r = dec(n, "Tender><Rounding")?.abs();
    Ok((!r.is_zero()).then(|| if rounded_up(n) { r } else { -r }))
}

/// Whether a tender is the rounding taken from inside another tender.
fn is_inner_rounding(t: &Tender) -> bool {
    (ROUNDING_TENDER_OFFSET..ROUNDING_TENDER_OFFSET + 100_000).contains(&t.tender_no)
}

/// Settles the roundings taken from inside tenders so that, as for rounding tenders, the cash
/// tender is the money that changed hands and the rounding tender (the rounding with its sign
/// turned) brings the tenders back to the grand total. Vendors differ on the `Amount`: some
/// write it before rounding (the tenders then add up to the grand total, and the rounding is
/// added to its own tender here), others after it (they add up to the grand total plus the
/// rounding, and nothing is added). Without a grand total, the `Amount` is taken as written
/// before rounding.
pub(super) fn settle_roundings(rt: Node, tenders: &mut [Tender]) -> R<()> {
    let approved = |t: &&Tender| t.status == TenderStatus::Approved;
    let rounding: Decimal = -tenders
        .iter()
        .filter(approved)
        .filter(|t| is_inner_rounding(t))
        .map(|t| t.amount)
        .sum::<Decimal>();
    if rounding.is_zero() {
        return Ok(());
    }
    let paid: Decimal = tenders
        .iter()
        .filter(approved)
        .filter(|t| !is_inner_rounding(t))
        .map(|t| t.amount)
        .sum();
    if total(rt, "TransactionGrandAmount")?.is_some_and(|grand| paid == grand + rounding) {
        return Ok(());
    }
    let inner: Vec<(i32, Decimal)> = tenders
        .iter()
        .filter(|t| is_inner_rounding(t))
        .map(|t| (t.tender_no - ROUNDING_TENDER_OFFSET, -t.amount))
        .collect();
    for (no, r) in inner {
        if let Some(t) = tenders.iter_mut().find(|t| t.tender_no == no) {
            t.amount += r;
        }
    }
    Ok(())
}

/// A foreign-currency tender (a tourist paying USD in a EUR store) must carry its `Amount` in
/// the transaction's currency: ARTS gives the local `Amount` and, beside it, `ForeignCurrency`
/// with `CurrencyCode`, `OriginalFaceAmount` (the notes handed over) and `ExchangeRate`; NCR
/// Emerald writes `OriginalFaceAmount Currency="…"`. Those are read as written. An `Amount`
/// whose own `Currency` attribute names another currency holds foreign money with no local
/// figure (which way the rate goes is not stated anywhere), so the transaction is refused,
/// naming the field, rather than storing dollars as euros.
fn in_transaction_currency(x: Node, currency: &str) -> R<()> {
    let Some(a) = child(x, "Amount") else {
        return Ok(());
    };
    match attr(a, "Currency").or_else(|| attr(a, "CurrencyCode")) {
        Some(c) if c.len() == 3 && c != "XXX" && !c.eq_ignore_ascii_case(currency) => {
            Err(Bad(format!(
                "<Tender><Amount Currency=\"{c}\"> is not in the transaction's {currency}: \
                 the tender needs its amount in {currency} (ARTS: <Amount> local, \
                 <ForeignCurrency><OriginalFaceAmount> foreign)"
            )))
        }
        _ => Ok(()),
    }
}

/// One `Tender` line item. Besides the payment it may yield: change given inside the tender
/// (`Tender/TenderChange`, ARTS 2.x and NCR Emerald) and cash back, each as a negative cash
/// tender so that tenders add up to what the store kept; a rounding tender (`TenderType`
/// containing `Rounding`) is negative when the cash was rounded up (`RoundingDirection="Up"`:
/// the customer paid more than the total) and positive when rounded down. The amount of a
/// refund is negative (`TypeCode="Refund"` or a negative `Amount`). Cash back is assumed to be
/// inside the tendered `Amount`, as card authorizations carry it. A `Rounding` inside an
/// ordinary tender yields a tender `other` numbered 400000 + sequence, signed as a rounding
/// tender (negative when rounded up); [`settle_roundings`] adds the rounding to the tender it
/// came from when the `Amount` left it out.
pub(super) fn tender(
    li: Node,
    x: Node,
    seq: i32,
    at: DateTime<Utc>,
    voided: bool,
    currency: &str,
) -> R<Vec<Tender>> {
    in_transaction_currency(x, currency)?;
    let raw = child_dec(x, "Amount")?;
    let change = match child(x, "TenderChange") {
        Some(c) => child_dec(c, "Amount")?.unwrap_or_default().abs(),
        None => Decimal::ZERO,
    };
    let raw = match raw {
        Some(a) => a,
        None if !change.is_zero() => Decimal::ZERO,
        None => return Err(Bad("<Tender> without <Amount>".into())),
    };
    let type_text = attr(x, "TenderType").unwrap_or("");
    let refund = attr(x, "TypeCode").is_some_and(|c| c.eq_ignore_ascii_case("Refund"));
    let rounding = type_text.to_ascii_lowercase().contains("rounding");
    let method = if rounding {
        TenderMethod::Other
    } else {
        method_of_tender(x)
    };
    let declined = x.descendants().any(|n| {
        n.tag_name().name() == "Authorization" && n.attribute("HostAuthorized") == Some("false")
    });
    let status = if voided {
        TenderStatus::Voided
    } else if declined {
        TenderStatus::Declined
    } else {
        TenderStatus::Approved
    };
    let amount = if rounding {
        let up = x
            .descendants()
            .any(|n| n.tag_name().name() == "Rounding" && rounded_up(n));
        if up {
            -raw.abs()
        } else {
            raw.abs()
        }
    } else if refund || raw < Decimal::ZERO {
        -raw.abs()
    } else {
        raw
    };
    let card_entry = (method == TenderMethod::Card).then(|| {
        let e = attr(li, "EntryMethod").unwrap_or("");
        match e.rsplit(':').next().unwrap_or(e) {
            "MSR" | "Swiped" | "Swipe" => CardEntry::Swipe,
            "ICC" | "Chip" | "EMV" | "Inserted" => CardEntry::Chip,
            "Contactless" | "RFID" | "NFC" | "Tapped" => CardEntry::Contactless,
            "Keyed" | "Manual" => CardEntry::Keyed,
            _ => CardEntry::Other,
        }
    });
    let base = Tender {
        tender_no: seq,
        method,
        amount,
        status,
        card_fingerprint: None,
        card_bin: None,
        card_entry,
        occurred_at: at,
        tip: Decimal::ZERO,
    };
    let cash = |no: i32, amount: Decimal| Tender {
        tender_no: no,
        method: TenderMethod::Cash,
        amount,
        status,
        card_fingerprint: None,
        card_bin: None,
        card_entry: None,
        occurred_at: at,
        tip: Decimal::ZERO,
    };
    let mut out = Vec::new();
    // A tender line that only carries the change (amount 0) is the change itself.
    if raw.is_zero() && !change.is_zero() {
        out.push(cash(seq, -change));
    } else {
        out.push(base);
        if !change.is_zero() {
            out.push(cash(CHANGE_TENDER_OFFSET + seq, -change));
        }
    }
    let cashback = match x
        .children()
        .find(|c| c.is_element() && c.tag_name().name().eq_ignore_ascii_case("Cashback"))
    {
        Some(c) if c.children().any(|g| g.is_element()) => child_dec(c, "Amount")?,
        Some(c) if !text(c).is_empty() => Some(dec(c, "Cashback")?),
        _ => None,
    }
    .unwrap_or_default()
    .abs();
    if !cashback.is_zero() {
        out.push(cash(CASHBACK_TENDER_OFFSET + seq, -cashback));
    }
    if let Some(r) = rounding_in(x)?.filter(|_| !rounding) {
        out.push(Tender {
            tender_no: ROUNDING_TENDER_OFFSET + seq,
            method: TenderMethod::Other,
            amount: -r,
            ..cash(seq, -r)
        });
    }
    Ok(out)
}
