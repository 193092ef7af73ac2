//! ARTS POSLog XML, 2.x (NCR ACS) and 6.0 (roqqio, Decathlon, GK/SAP, NCR Emerald, Xstore).
//! Elements and attributes are matched by local name, so namespace prefixes (`ns2:`,
//! `poslog:`) and the default namespace (which differs between versions and vendors) do not
//! matter and vendor extensions are skipped here but kept verbatim in the raw inbox. Prefixes
//! used without a declaration are declared on a parsed copy ([`prefixes`]).
//!
//! Mapping rules (docs/ingest.md lists them with the samples that exercise each):
//! - Every outermost `Transaction` of the document (root `POSLog`, a single `Transaction`, or a
//!   vendor wrapper). `RetailTransaction` → a transaction; `ControlTransaction/NoSale`,
//!   `TenderControlTransaction/PaidIn|PaidOut|TenderLoan|TenderPickup` and NCR's
//!   `ControlTransaction/BlindPickup` → drawer events ([`drawer`]); sign-on/off, settlements
//!   and training-mode transactions → nothing (kept in the inbox only).
//! - Id: `TransactionID`, else `store-workstation-BusinessDayDate-SequenceNumber` (sequence
//!   numbers restart). A `TransactionLink` is resolved to the same form.
//! - Times: `BeginDateTime`, else `EndDateTime`, else `POSLogDateTime`/`ReceiptDateTime`; a time
//!   without an offset (nor an `Offset` attribute) is local to the store (configured zone).
//!   `business_date` is `BusinessDayDate` when present (after-midnight sales of the previous
//!   day stay there).
//! - Lines: `Sale` (a negative quantity is a return), `Return`, a priced `SaleForPickup` /
//!   `SaleForDelivery`; `VoidFlag="true"` adds a void reversal line numbered 100000 + sequence
//!   (with a TP.net `CreateRefNumber`, the reversal of the earlier line it names instead); a
//!   voided return is left out (or reduced), as a void line cannot take back a return's units;
//!   voided lines the POS dropped leave only gaps in the sequence numbers and are not counted.
//!   `ExtendedAmount` before or after the line discount is told by arithmetic. Prices may
//!   include VAT (seen from `TaxableAmount`, `TaxIncludedInPriceFlag`, or totals): net amounts
//!   are then net of tax.
//! - Transaction-level discounts and rewards are taken from the totals (sum of lines − grand
//!   total) and spread over the sale lines, because vendors report them in several redundant
//!   places (NCR repeats a reward as detailed and summarized activity). A transaction-level
//!   tax given only as a rate is computed where the document says what it applies to; one with
//!   a `TaxableAmount` goes to the lines that make it up ([`bearers`]).
//! - A line without `ActualSalesUnitPrice` whose `ExtendedAmount` is not quantity × regular
//!   price and has no discount (NCR deal prices) is priced at `ExtendedAmount` ÷ quantity.
//! - `Tender` (TypeCode Refund or a negative amount → negative), `TenderChange` and cash back
//!   (→ negative cash), rounding tenders. Voided tender, change and tax line items count not.

use super::money::exponent;
use super::{Context, PayloadError};
use crate::envelope::{Record, Reject};
use chrono::{DateTime, NaiveDate, Utc};
use pos_core::model::*;
use roxmltree::{Document, Node};
use rust_decimal::Decimal;

mod bearers;
mod drawer;
mod encoding;
mod lines;
mod orders;
mod post_void;
mod prefixes;
mod rated;
mod rewards;
mod stored_value;
mod tenders;
mod txn_tax;
mod voids;
mod xml;

use bearers::taxable_flag;
pub use encoding::decode;
use lines::{goods_of, item_line, reconcile};
use tenders::{method_of, settle_roundings, tender};
use txn_tax::{rated_tax, TxnLevel};
use voids::{push_line, Created};
use xml::{
    attr, business_day, child, child_dec, child_text, children, dec, flag, local_date,
    parse_offset, text, when_node,
};

pub const SOURCE: &str = "poslog";
pub const CONTENT_TYPE: &str = "application/xml; format=poslog";
/// Void reversal lines are numbered above every real sequence number.
pub const VOID_LINE_OFFSET: i32 = 100_000;

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Parsed {
    pub event_id: String,
    pub records: Vec<Result<Record, Reject>>,
    /// Transactions with nothing to store (sign-on/off, other control records).
    pub skipped: usize,
}

/// A mapping problem inside one `Transaction`, naming the element.
#[derive(Debug)]
struct Bad(String);

type R<T> = Result<T, Bad>;

pub fn parse(ctx: &Context, body: &str) -> Result<Parsed, PayloadError> {
    let not_xml =
        |e: roxmltree::Error| PayloadError::new(None, format!("not well-formed XML: {e}"));
    let declared;
    let (doc, shift) = match Document::parse(body) {
        Ok(doc) => (doc, prefixes::Shift::default()),
        Err(roxmltree::Error::UnknownNamespace(..)) => {
            let (text, shift) = prefixes::declare_missing(body).map_err(not_xml)?;
            declared = text;
            (Document::parse(&declared).map_err(not_xml)?, shift)
        }
        Err(e) => return Err(not_xml(e)),
    };
    let root = doc.root_element();
    let txns = transactions(root);
    if txns.is_empty() {
        return Err(PayloadError::new(
            Some(root.tag_name().name()),
            format!(
                "<{}> holds no <Transaction> (expected a <POSLog> of transactions or one <Transaction>)",
                root.tag_name().name()
            ),
        ));
    }
    use sha2::{Digest, Sha256};
    let mut out = Parsed {
        event_id: format!(
            "poslog/{}",
            hex::encode(&Sha256::digest(body.as_bytes())[..16])
        ),
        ..Parsed::default()
    };
    for (i, t) in txns.into_iter().enumerate() {
        let raw = &body[shift.original(t.range())];
        if is_training(t) {
            out.skipped += 1;
            continue;
        }
        match transaction(ctx, t) {
            Ok(Some(rec)) => out.records.push(match rec {
                Record::Txn(txn) => super::finish(ctx, *txn, None, raw),
                other => Ok(other),
            }),
            Ok(None) => out.skipped += 1,
            Err(Bad(reason)) => out.records.push(Err(Reject {
                tenant_id: Some(ctx.tenant_id.clone()),
                source: SOURCE.into(),
                event_id: None,
                payload: Some(raw.to_string()),
                reason: format!("Transaction {}: {reason}", i + 1),
                detail: serde_json::json!({ "transaction_index": i + 1 }),
            })),
        }
    }
    Ok(out)
}

/// The `Transaction` elements of a document: the root itself, the children of `<POSLog>`, or
/// (vendor wrappers such as NCR Emerald's `TransactionLogLookupResponse/LogDocuments`) every
/// outermost `Transaction` below the root.
fn transactions<'a, 'i>(root: Node<'a, 'i>) -> Vec<Node<'a, 'i>> {
    let is_txn = |n: &Node| n.is_element() && n.tag_name().name() == "Transaction";
    if is_txn(&root) {
        return vec![root];
    }
    if root.tag_name().name() == "POSLog" {
        return root.children().filter(is_txn).collect();
    }
    root.descendants()
        .filter(|n| is_txn(n) && !n.ancestors().skip(1).any(|a| is_txn(&a)))
        .collect()
}

/// Training-mode transactions (cashier practice) are not business: they are skipped (counted
/// in `skipped`, kept verbatim in the inbox) rather than stored as cancelled, so they never
/// reach sales nor the cancellation figures loss prevention watches.
fn is_training(t: Node) -> bool {
    flag(t, "TrainingModeFlag") || retail_body(t).is_some_and(|r| flag(r, "TrainingModeFlag"))
}

/// Header fields every kind of POSLog transaction shares.
struct Head {
    store: String,
    workstation: Option<String>,
    id: String,
    operator: Option<String>,
    occurred_at: DateTime<Utc>,
    business_date: NaiveDate,
    version: i64,
    currency: Option<String>,
}

/// The store: `BusinessUnit/UnitID` (the `RetailStore` one when several), else
/// `BusinessUnit/BusinessUnitNumber` (an ARTS-derived retailer dialect, FGL Sports' EAI
/// `arts:` messages, which name no `UnitID`), else `RetailStoreID`.
fn store_of(t: Node) -> Option<String> {
    let units: Vec<Node> = children(t, "BusinessUnit")
        .filter_map(|b| child(b, "UnitID").or_else(|| child(b, "BusinessUnitNumber")))
        .collect();
    let unit = units
        .iter()
        .find(|u| u.attribute("TypeCode") == Some("RetailStore"))
        .or(units.first());
    unit.map(|u| text(*u).to_string())
        .or_else(|| child_text(t, "RetailStoreID").map(str::to_string))
}

fn head(ctx: &Context, t: Node) -> R<Head> {
    let store =
        store_of(t).ok_or_else(|| Bad("no <BusinessUnit><UnitID> nor <RetailStoreID>".into()))?;
    let workstation = child_text(t, "WorkstationID").map(str::to_string);
    let seq = child_text(t, "SequenceNumber");
    let bdd = child_text(t, "BusinessDayDate");
    let nonempty = |n: &Node| !text(*n).is_empty();
    let logtime = children(t, "POSLogDateTime")
        .filter(nonempty)
        .find(|n| n.attribute("TypeCode") != Some("Message"));
    let rt = retail_body(t);
    let time_node = child(t, "BeginDateTime")
        .filter(nonempty)
        .or_else(|| child(t, "EndDateTime").filter(nonempty))
        .or(logtime)
        .or_else(|| {
            rt.and_then(|r| child(r, "ReceiptDateTime"))
                .filter(nonempty)
        })
        .or_else(|| child(t, "ReceiptDateTime").filter(nonempty))
        .ok_or_else(|| {
            Bad("no BeginDateTime, EndDateTime, POSLogDateTime or ReceiptDateTime".into())
        })?;
    let time_text = text(time_node);
    let occurred_at = when_node(ctx, &store, time_node)
        .map_err(|Bad(m)| Bad(format!("<{}>: {m}", time_node.tag_name().name())))?;
    let business_date = match bdd {
        Some(d) => business_day(d)?,
        None if attr(time_node, "Offset").is_some() => occurred_at
            .with_timezone(
                &parse_offset(attr(time_node, "Offset").unwrap_or(""))
                    .unwrap_or(chrono::FixedOffset::east_opt(0).expect("zero offset")),
            )
            .date_naive(),
        None => local_date(ctx, &store, time_text, occurred_at),
    };
    let id = match child_text(t, "TransactionID") {
        Some(id) => id.to_string(),
        None => {
            let seq = seq.ok_or_else(|| Bad("no <TransactionID> nor <SequenceNumber>".into()))?;
            compose_id(
                &store,
                workstation.as_deref(),
                &business_date.to_string(),
                seq,
            )
        }
    };
    // The message time orders resends of one transaction: a later message is a newer version.
    // Vendors write the transaction's own time beside it (Decathlon: `TypeCode="Transaction"`
    // first, then `"Message"`), which stays the same in every resend: the message's decides.
    let message = children(t, "POSLogDateTime")
        .filter(nonempty)
        .find(|n| n.attribute("TypeCode") == Some("Message"));
    let version = match message.or_else(|| children(t, "POSLogDateTime").find(nonempty)) {
        Some(n) => when_node(ctx, &store, n)
            .map_err(|Bad(m)| Bad(format!("<POSLogDateTime>: {m}")))?
            .timestamp_millis(),
        None => 0,
    };
    // A post-void restating the sale it voids (NCR RES) is newer than that sale.
    let version = match rt.filter(|r| status_of(t, *r) == TxnStatus::PostVoided) {
        Some(body) => post_void::version(ctx, &store, body, version)?,
        None => version,
    };
    Ok(Head {
        store,
        workstation,
        id,
        operator: child_text(t, "OperatorID").map(str::to_string),
        occurred_at,
        business_date,
        version,
        currency: child_text(t, "CurrencyCode").map(str::to_string),
    })
}

fn compose_id(store: &str, workstation: Option<&str>, day: &str, seq: &str) -> String {
    format!("{store}-{}-{day}-{seq}", workstation.unwrap_or("0"))
}

/// The element holding a transaction's goods and money: `RetailTransaction`, else a
/// `CustomerOrderTransaction`. ARTS lets a `Transaction` be either, with the same line items
/// (`Sale`, `Return`, `Tender`, `Tax`, the customer-order kinds); NCR RES (2012, Japan) writes
/// its ordinary cash sales as `CustomerOrderTransaction`, and the Swedish digital-receipt
/// profile of ARTS names both as what a receipt holds. Skipped as an unknown kind, such a sale
/// and its tenders vanished without a reject.
///
/// IXRetail POSLog 1.0 has no such element: the `Transaction` is typed by `xsi:type`
/// (`RetailTransactionStockView`, the ARTS example "Item Purchase from shelf" of 2001–2005)
/// and holds its `LineItem`s itself, beside `RetailStoreID`, the flags as attributes and the
/// `Total`s. A `Transaction` with line items of its own is read as its own body; before, it
/// was no transaction and no reject, its sale gone.
fn retail_body<'a, 'i>(t: Node<'a, 'i>) -> Option<Node<'a, 'i>> {
    child(t, "RetailTransaction")
        .or_else(|| child(t, "CustomerOrderTransaction"))
        .or_else(|| child(t, "LineItem").map(|_| t))
}

fn transaction(ctx: &Context, t: Node) -> R<Option<Record>> {
    if let Some(rt) = retail_body(t) {
        // A retail transaction without any line item (Wincor TP.net writes one at sign-on,
        // holding only vendor extensions) sold nothing: no sale to count in the baskets. Its
        // header is still read, so a broken one is a reject naming the field.
        if children(rt, "LineItem").next().is_none() && status_of(t, rt) == TxnStatus::Completed {
            return head(ctx, t).map(|_| None);
        }
        return retail(ctx, t, rt).map(|x| Some(Record::Txn(Box::new(x))));
    }
    let control = child(t, "ControlTransaction").or_else(|| child(t, "TenderControlTransaction"));
    if let Some(c) = control {
        // Sign-on/off, settlements, counts…: nothing in the model (kept in the inbox).
        let Some((kind, movements)) = drawer::kind_of(c)? else {
            return Ok(None);
        };
        if control_not_done(t, c) {
            return head(ctx, t).map(|_| None);
        }
        let h = head(ctx, t)?;
        let currency = h
            .currency
            .clone()
            .or_else(|| currency_attr(c))
            .unwrap_or_else(|| ctx.currency_of(&h.store));
        let amount = drawer::amount(c, kind, &movements, &currency)?;
        return Ok(Some(Record::Drawer(DrawerEvent {
            tenant_id: ctx.tenant_id.clone(),
            store_id: h.store,
            source: SOURCE.into(),
            source_event_id: h.id,
            source_version: 0,
            register_id: h.workstation,
            cashier_id: h.operator,
            kind,
            amount,
            currency,
            occurred_at: h.occurred_at,
            business_date: h.business_date,
        })));
    }
    Ok(None)
}

/// The currency written on amounts (`Currency`/`CurrencyCode` attributes), looking at the
/// totals first, then the items, and last anything else: a foreign-currency tender
/// (`ForeignCurrency`, a tourist paying in USD) must not decide the transaction's currency.
fn currency_attr(n: Node) -> Option<String> {
    fn code<'a>(d: Node<'a, '_>) -> Option<&'a str> {
        attr(d, "Currency")
            .or_else(|| attr(d, "CurrencyCode"))
            .filter(|c| c.len() == 3 && *c != "XXX")
    }
    // Inside `ForeignCurrency`, or anywhere in a tender that has one (its `Amount` may be
    // written in the foreign currency, which is then refused by name, not adopted).
    let in_foreign = |d: &Node| {
        d.ancestors().any(|a| {
            a.tag_name().name() == "ForeignCurrency"
                || (a.tag_name().name() == "Tender" && child(a, "ForeignCurrency").is_some())
        })
    };
    children(n, "Total")
        .find_map(code)
        .or_else(|| {
            n.descendants()
                .filter(|d| {
                    matches!(
                        d.tag_name().name(),
                        "Sale"
                            | "Return"
                            | "SaleForDelivery"
                            | "SaleForPickup"
                            | "SaleForPickUp"
                            | "PreviousCustomerOrder"
                            | "PreviousLayaway"
                    )
                })
                .flat_map(|s| s.descendants())
                .find_map(code)
        })
        .or_else(|| n.descendants().filter(|d| !in_foreign(d)).find_map(code))
        .map(str::to_string)
}

/// Post-voided stays distinct; a transaction that never completed (cancelled, suspended, or
/// the suspended original of one resumed elsewhere — the resuming transaction carries the sale,
/// NCR links it with `TransactionLink ReasonCode="Resume"`) is cancelled: not a sale.
fn status_of(t: Node, rt: Node) -> TxnStatus {
    let status = attr(rt, "TransactionStatus")
        .or_else(|| child_text(rt, "TransactionStatus"))
        .unwrap_or("");
    let status = status.rsplit(':').next().unwrap_or(status);
    match status.to_ascii_lowercase().as_str() {
        "postvoided" | "voided" | "postvoid" => TxnStatus::PostVoided,
        "cancelled" | "canceled" | "suspended" | "suspendeddeleted" | "suspendedretrieved"
        | "aborted" => TxnStatus::Cancelled,
        _ if either(t, rt, "VoidedFlag") => TxnStatus::PostVoided,
        _ if either(t, rt, "CancelFlag") || suspended(t) || suspended(rt) => TxnStatus::Cancelled,
        _ => TxnStatus::Completed,
    }
}

/// A transaction-level adjustment line: a `Discount`, loyalty reward or price modifier.
fn adjustment<'a, 'i>(li: Node<'a, 'i>) -> Option<Node<'a, 'i>> {
    [
        "Discount",
        "LoyaltyReward",
        "RetailPriceModifier",
        "PriceDerivationResult",
    ]
    .into_iter()
    .find_map(|name| child(li, name))
}

/// What the approved tenders took in, change given back deducted; `None` without tenders.
fn paid_of(tenders: &[Tender]) -> Option<Decimal> {
    let approved = tenders
        .iter()
        .filter(|t| t.status == TenderStatus::Approved);
    (!tenders.is_empty()).then(|| {
        approved
            .map(|t| t.amount)
            .fold(Decimal::ZERO, |a, b| a.saturating_add(b))
    })
}

/// A flag set on the `Transaction` or on its `RetailTransaction`.
fn either(t: Node, rt: Node, name: &str) -> bool {
    flag(t, name) || flag(rt, name)
}

/// `SuspendedFlag` (or `SuspendFlag`): a ticket parked unfinished, which producers without a
/// `TransactionStatus` (the ticket-to-POSLog stylesheets) mark only this way. Not a sale: the
/// transaction that resumes it carries the sale.
fn suspended(n: Node) -> bool {
    flag(n, "SuspendedFlag") || flag(n, "SuspendFlag")
}

/// Whether a control transaction (a paid-in or -out, a loan, a pickup, a no-sale) did not
/// happen: cancelled, suspended or voided as a whole. Such a movement is skipped (kept in the
/// inbox), as a drawer event has no status to carry it.
fn control_not_done(t: Node, c: Node) -> bool {
    either(t, c, "CancelFlag") || either(t, c, "VoidedFlag") || suspended(t) || suspended(c)
}

/// A `Total` of the transaction, signed. GK writes the totals as magnitudes and says by
/// `NegativeTotalFlag` (true when the total is below zero) that a return's are negative; read
/// as written, a return's grand total 11.90 matched no goods of −11.90, and a tax only at
/// transaction level went on top with the wrong sign.
fn total(rt: Node, kind: &str) -> R<Option<Decimal>> {
    let value = children(rt, "Total")
        .find(|n| n.attribute("TotalType") == Some(kind))
        .map(|n| dec(n, "Total"))
        .transpose()?;
    let negative = flag(rt, "NegativeTotalFlag");
    Ok(value.map(|v| if negative { -v.abs() } else { v }))
}

/// The number of each line item: its `SequenceNumber` (its position when it has none), unless
/// two line items end up with the same number. Some tills (a KLog export, hand-made files)
/// write `1` on every line item; the transaction would then be refused for duplicate lines, so
/// every line item is numbered by its position instead.
fn line_numbers(rt: Node) -> R<Vec<i32>> {
    let mut numbers = Vec::new();
    for (pos, li) in children(rt, "LineItem").enumerate() {
        let seq = child_text(li, "SequenceNumber")
            .map(|s| {
                s.parse::<i32>()
                    .map_err(|_| Bad(format!("LineItem <SequenceNumber> `{s}` is not an integer")))
            })
            .transpose()?;
        numbers.push(seq.unwrap_or(pos as i32 + 1));
    }
    let mut seen = std::collections::HashSet::new();
    if !numbers.iter().all(|n| seen.insert(*n)) {
        numbers = (1..=numbers.len() as i32).collect();
    }
    Ok(numbers)
}

/// The change given back (`TenderChange`): a negative approved tender.
fn change(x: Node, seq: i32, occurred_at: DateTime<Utc>) -> R<Tender> {
    let amount = x
        .descendants()
        .find(|n| n.tag_name().name() == "Amount")
        .map(|n| dec(n, "Amount"))
        .transpose()?
        .unwrap_or_default();
    let kind = x
        .descendants()
        .filter_map(|n| n.attribute("TenderType"))
        .next()
        .unwrap_or("Cash");
    Ok(Tender {
        tender_no: seq,
        method: method_of(kind),
        amount: -amount.abs(),
        status: TenderStatus::Approved,
        card_fingerprint: None,
        card_bin: None,
        card_entry: None,
        occurred_at,
        tip: Decimal::ZERO,
    })
}

/// Adds a transaction-level `Tax` line item `li` (its `Tax` is `x`) to `level`: its amount,
/// else its rate. A tax given back is negative: `TypeCode="Refund"` on the `Tax` (ARTS gives
/// it the `TypeCode` of a `Tender`) or GK's `NegativeAmountFlag` on the line item, whose
/// amounts are magnitudes. Read as written, a refunded 1.90 went onto a return line as +1.90
/// and its net took 1.90 more off (−13.80 for a return of 11.90).
fn level_tax(level: &mut TxnLevel, li: Node, x: Node, seq: i32) -> R<()> {
    let refund = attr(x, "TypeCode").is_some_and(|c| c.eq_ignore_ascii_case("Refund"))
        || flag(li, "NegativeAmountFlag");
    match child_dec(x, "Amount")? {
        Some(a) => {
            let a = if refund { -a.abs() } else { a };
            level.tax += a;
            level.amounts.push((a, child_dec(x, "TaxableAmount")?));
        }
        None => level
            .rated
            .extend(rated_tax(x).map_err(|Bad(m)| Bad(format!("LineItem {seq}: {m}")))?),
    }
    Ok(())
}

/// A sale, return or mixed transaction. Read first with the tax of lines taxed only by a rate
/// on top of their prices, and again with it inside them when the transaction shows so
/// ([`rated::prices_hold_tax`]).
fn retail(ctx: &Context, t: Node, rt: Node) -> R<Transaction> {
    retail_read(ctx, t, rt, false)
}

fn retail_read(ctx: &Context, t: Node, rt: Node, held: bool) -> R<Transaction> {
    let h = head(ctx, t)?;
    let currency = h
        .currency
        .clone()
        .or_else(|| currency_attr(rt))
        .unwrap_or_else(|| ctx.currency_of(&h.store));
    let mut lines: Vec<Line> = Vec::new();
    let mut tenders = Vec::new();
    let mut inclusive = false;
    let mut level = TxnLevel::default();
    let mut created = Created::new();
    let numbers = line_numbers(rt)?;
    // The taxable flag of each line by its number, for a transaction-level tax's bearers.
    let mut taxable = std::collections::HashMap::new();
    // Sale lines by their `OperatorSequence`, and the item-level rewards naming them.
    let mut ops = std::collections::HashMap::new();
    let mut item_rewards = Vec::new();
    let mut rated = std::collections::HashSet::new();
    for (li, &seq) in children(rt, "LineItem").zip(&numbers) {
        let voided = flag(li, "VoidFlag");
        let goods = goods_of(li).map_err(|Bad(m)| Bad(format!("LineItem {seq}: {m}")))?;
        if let Some(item) = goods {
            let (line, incl) = item_line(ctx, &h, li, item, seq, (exponent(&currency), held))
                .map_err(|Bad(m)| Bad(format!("LineItem {seq}: {m}")))?;
            rated::note(&mut rated, item, seq);
            if let Some(f) = taxable_flag(item) {
                taxable.insert(seq, f);
            }
            if let Some(op) = rewards::operator_sequence(item).filter(|_| !voided) {
                ops.insert(op.to_string(), seq);
            }
            inclusive |= incl;
            push_line(&mut lines, &mut created, li, line, voided);
        } else if let Some(x) = child(li, "Tender") {
            tenders.extend(
                tender(li, x, seq, h.occurred_at, voided, &currency)
                    .map_err(|Bad(m)| Bad(format!("LineItem {seq}: {m}")))?,
            );
        } else if let Some(x) = child(li, "TenderChange") {
            // A voided change line item gave no money back: not counted, as voided tenders.
            if !voided {
                tenders.push(change(x, seq, h.occurred_at)?);
            }
        } else if let Some(x) = child(li, "Tax") {
            // A voided tax line item was taken back: it adds no tax to the transaction.
            if !voided {
                level_tax(&mut level, li, x, seq)?;
            }
        } else if let Some(v) = child(li, "Voids") {
            if !voided {
                voids::void_named(&mut lines, v);
            }
        } else if let Some(x) = adjustment(li) {
            level.has_adjustment = true;
            let item =
                rewards::item_reward(x).map_err(|Bad(m)| Bad(format!("LineItem {seq}: {m}")))?;
            if let Some(r) = item.filter(|_| !voided) {
                item_rewards.push(r);
            } else if !voided {
                let stated = child_dec(x, "Amount")?.unwrap_or_default().abs();
                level.stated_discounts = level
                    .stated_discounts
                    .checked_add(stated)
                    .ok_or_else(|| Bad(format!("LineItem {seq}: <Amount> out of range")))?;
            }
        }
    }
    rewards::apply(&mut lines, &ops, &item_rewards)?;
    if !held
        && !rated.is_empty()
        && rated::prices_hold_tax(rt, &lines, &rated, &level, exponent(&currency))?
    {
        return retail_read(ctx, t, rt, true);
    }
    let paid = paid_of(&tenders);
    reconcile(
        rt,
        &mut lines,
        inclusive,
        (&level, paid),
        &taxable,
        exponent(&currency),
    )?;
    settle_roundings(rt, &mut tenders)?;
    let customer = child(rt, "Customer")
        .and_then(|c| child_text(c, "CustomerID"))
        .or_else(|| child(rt, "LoyaltyAccount").and_then(|c| child_text(c, "CustomerID")))
        // GK puts the loyalty account on the `Transaction`, beside the `RetailTransaction`.
        .or_else(|| child(t, "LoyaltyAccount").and_then(|c| child_text(c, "CustomerID")))
        .or_else(|| {
            rt.descendants()
                .find(|n| n.tag_name().name() == "LoyaltyID")
                .map(text)
        })
        .map(str::to_string);
    Ok(Transaction {
        key: TxnKey {
            tenant_id: ctx.tenant_id.clone(),
            store_id: h.store.clone(),
            source: SOURCE.into(),
            source_txn_id: h.id,
        },
        source_version: h.version,
        occurred_at: h.occurred_at,
        business_date: h.business_date,
        register_id: h.workstation,
        cashier_id: h.operator,
        customer_id: customer,
        status: status_of(t, rt),
        currency,
        lines,
        tenders,
    })
}

#[cfg(test)]
mod drawer_tests;
#[cfg(test)]
mod shape_tests;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_amounts;
#[cfg(test)]
mod tests_flags;
#[cfg(test)]
mod tests_redteam;
#[cfg(test)]
mod tests_s28;
#[cfg(test)]
mod tests_s29;
#[cfg(test)]
mod tests_s33;
