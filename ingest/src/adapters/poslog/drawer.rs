//! Control transactions that move money in or out of the cash drawer: no-sale, paid-in,
//! paid-out, loans into the till and pickups (skims) out of it → one [`DrawerEvent`] per
//! transaction, `source_event_id` = the transaction id.
//!
//! Shapes seen in public material (ingest/tests/data/real/poslog/PROVENANCE.md):
//! - ARTS, written by a POS-ticket-to-POSLog XSLT: `TenderControlTransaction` with a
//!   `Totals/Amount`, a `TypeCode`, and `TenderLoan` / `TenderPickup` holding a `SafeID` and
//!   one `TenderControlTransactionTenderLineItem` per tender moved (`VoidFlag`,
//!   `SequenceNumber`, `TenderTypeCode`, `Amount`).
//! - An XStream mapping of a Latin-American POSLog: `TenderPickup` / `TenderLoan` with only
//!   `Inbound`/`Outbound`/`OperatorCode`, the `TenderControlTransactionTenderLineItem`s
//!   (`Amount`, `TenderTypeCode`, `Count`, `Denomination`) directly under
//!   `TenderControlTransaction`.
//! - A SAP PI mapping: `TenderLoan/Totals/Amount Currency="…"`.
//! - NCR Emerald (R10): `TenderControlTransaction` with several `PaidIn`/`PaidOut` (each an
//!   `Amount`, `Reason`, `TenderID`), and `ControlTransaction/BlindPickup` (`DropAmount`,
//!   `TenderId`, `EnvelopeId`): a drop of cash into the safe. R10's till and session
//!   settlements (`TillSettle`, `BusinessEOD/SessionSettle`, `SafeSettle`) repeat `PaidIn`,
//!   `Loans`, `TenderPickup` as day totals; only direct children of the control element are
//!   movements, so a settlement never counts twice.

use super::tenders::method_of;
use super::xml::{attr, child, child_dec, child_text, children, dec, flag};
use super::{Bad, R};
use pos_core::model::{DrawerEventKind, TenderMethod};
use roxmltree::Node;
use rust_decimal::Decimal;

/// The element (a direct child of `ControlTransaction` / `TenderControlTransaction`) that
/// makes a control transaction a drawer event. Only spellings seen in real payloads: no
/// `Loan`, `Pickup`, `TillLoan` or `Skim` element was found in public POSLog material.
const KINDS: &[(&str, DrawerEventKind)] = &[
    ("NoSale", DrawerEventKind::NoSale),
    ("PaidIn", DrawerEventKind::PaidIn),
    ("PaidOut", DrawerEventKind::PaidOut),
    ("TenderLoan", DrawerEventKind::Loan),
    ("TenderPickup", DrawerEventKind::Pickup),
    ("BlindPickup", DrawerEventKind::Pickup),
];

const LINE: &str = "TenderControlTransactionTenderLineItem";

/// The kind of drawer event a control element records, with the elements that carry it
/// (NCR writes several `PaidIn`s in one transaction). None for sign-on/off, settlements,
/// counts and other control records; an error when it mixes kinds (nothing says which wins).
pub(super) fn kind_of<'a, 'i>(c: Node<'a, 'i>) -> R<Option<(DrawerEventKind, Vec<Node<'a, 'i>>)>> {
    let mut found: Option<(DrawerEventKind, Vec<Node>)> = None;
    for n in c.children().filter(|n| n.is_element()) {
        let Some(&(_, kind)) = KINDS.iter().find(|(name, _)| *name == n.tag_name().name()) else {
            continue;
        };
        match &mut found {
            None => found = Some((kind, vec![n])),
            Some((k, nodes)) if *k == kind => nodes.push(n),
            Some((k, _)) => {
                return Err(Bad(format!(
                    "<{}> holds both a {} and a {} (one drawer event per transaction)",
                    c.tag_name().name(),
                    k.as_str(),
                    kind.as_str()
                )))
            }
        }
    }
    Ok(found)
}

/// The money the event moved, as a positive amount in `currency`.
///
/// With tender line items (`TenderControlTransactionTenderLineItem`, inside the movement or
/// directly under the control element): the sum of those not voided. A loan or pickup moves
/// drawer money — cash, or a vendor's own tender code (numbers, `EFECTIVO`) — so a line whose
/// tender type names a card, gift card or store credit, or an amount in another currency,
/// cannot be one cash figure and rejects the transaction, naming the line (not dropped).
/// Without lines: the movements' `Amount`, `Totals/Amount` or `DropAmount`, else the control
/// element's `Totals/Amount`. Then a loan or pickup with no amount at all is an error, while a
/// no-sale, paid-in or paid-out keeps the reading it always had: the first `Amount` anywhere
/// below the control element, else 0.
pub(super) fn amount(
    c: Node,
    kind: DrawerEventKind,
    movements: &[Node],
    currency: &str,
) -> R<Decimal> {
    let mut lines: Vec<Node> = movements.iter().flat_map(|m| children(*m, LINE)).collect();
    if lines.is_empty() {
        lines = children(c, LINE).collect();
    }
    if !lines.is_empty() {
        let mut sum = Decimal::ZERO;
        for l in lines.into_iter().filter(|l| !flag(*l, "VoidFlag")) {
            sum += line_amount(l, currency)?;
        }
        return Ok(sum.abs());
    }
    let mut sum = None;
    for m in movements {
        if let Some(a) = own_amount(*m)? {
            *sum.get_or_insert(Decimal::ZERO) += a;
        }
    }
    if let Some(a) = sum
        .map(Ok)
        .or_else(|| totals_of(c).transpose())
        .transpose()?
    {
        return Ok(a.abs());
    }
    if matches!(kind, DrawerEventKind::Loan | DrawerEventKind::Pickup) {
        let name = movements.first().map_or("", |m| m.tag_name().name());
        return Err(Bad(format!(
            "<{name}> gives no amount (no <{LINE}>, <Amount>, <Totals><Amount> nor <DropAmount>)"
        )));
    }
    let first = c.descendants().find(|n| n.tag_name().name() == "Amount");
    Ok(first
        .map(|n| dec(n, "Amount"))
        .transpose()?
        .unwrap_or_default()
        .abs())
}

/// `Totals/Amount` of an element, if written.
fn totals_of(n: Node) -> R<Option<Decimal>> {
    match child(n, "Totals") {
        Some(t) => child_dec(t, "Amount"),
        None => Ok(None),
    }
}

/// One movement element's own amount: `Amount`, `Totals/Amount`, or `DropAmount` (NCR blind
/// pickup).
fn own_amount(m: Node) -> R<Option<Decimal>> {
    if let Some(a) = child_dec(m, "Amount")? {
        return Ok(Some(a));
    }
    if let Some(a) = totals_of(m)? {
        return Ok(Some(a));
    }
    child_dec(m, "DropAmount")
}

/// The signed amount of one tender line of a loan or pickup, refused when it is not drawer
/// money in the transaction's currency.
fn line_amount(l: Node, currency: &str) -> R<Decimal> {
    let seq = child_text(l, "SequenceNumber").unwrap_or("?");
    let where_ = format!("<{LINE}> {seq}");
    let a = child(l, "Amount").ok_or_else(|| Bad(format!("{where_} without <Amount>")))?;
    let value = dec(a, "Amount").map_err(|Bad(m)| Bad(format!("{where_}: {m}")))?;
    let code = attr(a, "Currency")
        .or_else(|| attr(a, "CurrencyCode"))
        .or_else(|| child_text(l, "CurrencyCode"));
    if let Some(code) = code.filter(|c| !c.eq_ignore_ascii_case(currency)) {
        return Err(Bad(format!(
            "{where_}: <Amount> in {code}, not the transaction's {currency} (no rate to convert it)"
        )));
    }
    let tender = child_text(l, "TenderTypeCode")
        .or_else(|| attr(l, "TenderType"))
        .or_else(|| child_text(l, "TenderType"));
    if let Some(t) = tender {
        let m = method_of(t);
        if matches!(
            m,
            TenderMethod::Card | TenderMethod::GiftCard | TenderMethod::StoreCredit
        ) {
            return Err(Bad(format!(
                "{where_}: <TenderTypeCode> `{t}` is not drawer cash (drawer events carry cash only)"
            )));
        }
    }
    Ok(value)
}
