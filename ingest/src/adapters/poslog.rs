//! ARTS POSLog XML, 2.x (NCR ACS) and 6.0 (roqqio, Decathlon, GK/SAP, NCR Emerald, Xstore).
//! Elements and attributes are matched by local name, so namespace prefixes (`ns2:`,
//! `poslog:`) and the default namespace (which differs between versions and vendors) do not
//! matter and vendor extensions are skipped here but kept verbatim in the raw inbox.
//!
//! Mapping rules (docs/ingest.md lists them with the samples that exercise each):
//! - Every outermost `Transaction` of the document (root `POSLog`, a single `Transaction`, or a
//!   vendor wrapper). `RetailTransaction` → a transaction; `ControlTransaction/NoSale` and
//!   `TenderControlTransaction/PaidIn|PaidOut` → drawer events; sign-on/off and training-mode
//!   transactions → nothing (kept in the inbox only).
//! - Id: `TransactionID`, else `store-workstation-BusinessDayDate-SequenceNumber` (sequence
//!   numbers restart). A `TransactionLink` is resolved to the same form.
//! - Times: `BeginDateTime`, else `EndDateTime`, else `POSLogDateTime`/`ReceiptDateTime`; a time
//!   without an offset (nor an `Offset` attribute) is local to the store (configured zone).
//!   `business_date` is `BusinessDayDate` when present (after-midnight sales of the previous
//!   day stay there).
//! - Lines: `Sale` (a negative quantity is a return), `Return`; `VoidFlag="true"` adds a void
//!   reversal line numbered 100000 + sequence; voided lines the POS dropped leave only gaps in
//!   the sequence numbers and are not counted. `ExtendedAmount` before or after the line
//!   discount is told by arithmetic. Prices may include VAT (seen from `TaxableAmount`,
//!   `TaxIncludedInPriceFlag`, or totals): net amounts are then net of tax.
//! - Transaction-level discounts and rewards are taken from the totals (sum of lines − grand
//!   total) and spread over the sale lines, because vendors report them in several redundant
//!   places (NCR repeats a reward as detailed and summarized activity).
//! - `Tender` (TypeCode Refund or a negative amount → negative), `TenderChange` and cash back
//!   (→ negative cash), rounding tenders.

use super::{Context, PayloadError};
use crate::envelope::{Record, Reject};
use crate::sku::item_key;
use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};
use pos_core::model::*;
use roxmltree::{Document, Node};
use rust_decimal::Decimal;
use std::str::FromStr;

mod encoding;
pub use encoding::decode;

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

fn child<'a, 'i>(n: Node<'a, 'i>, name: &str) -> Option<Node<'a, 'i>> {
    n.children()
        .find(|c| c.is_element() && c.tag_name().name() == name)
}

fn children<'a, 'i: 'a>(n: Node<'a, 'i>, name: &'a str) -> impl Iterator<Item = Node<'a, 'i>> + 'a {
    n.children()
        .filter(move |c| c.is_element() && c.tag_name().name() == name)
}

fn text<'a>(n: Node<'a, '_>) -> &'a str {
    n.text().map(str::trim).unwrap_or("")
}

fn child_text<'a>(n: Node<'a, '_>, name: &str) -> Option<&'a str> {
    child(n, name).map(text).filter(|s| !s.is_empty())
}

/// Numbers beyond this (a trillion) are never real quantities or amounts; refusing them keeps
/// the products and sums below from overflowing `Decimal` (which panics).
const MAX_NUMBER: Decimal = Decimal::from_parts(3_567_587_328, 232, 0, false, 0);

fn dec(n: Node, what: &str) -> R<Decimal> {
    let s = text(n);
    let v = Decimal::from_str(s)
        .or_else(|_| Decimal::from_scientific(s))
        .map_err(|_| Bad(format!("<{what}> `{s}` is not a decimal number")))?;
    if v.abs() > MAX_NUMBER {
        return Err(Bad(format!("<{what}> `{s}` is out of range")));
    }
    Ok(v)
}

fn child_dec(n: Node, name: &str) -> R<Option<Decimal>> {
    child(n, name)
        .filter(|c| !text(*c).is_empty())
        .map(|c| dec(c, name))
        .transpose()
}

/// An xs:dateTime, with or without offset (then local to the store). Also taken: `+0200`
/// offsets without a colon, a space instead of `T`, and a separate offset (NCR Emerald writes
/// local times with an `r10Ex:Offset="07:00:00"` attribute), passed as `offset`.
fn when_with(ctx: &Context, store: &str, s: &str, offset: Option<&str>) -> R<DateTime<Utc>> {
    let s = s.trim();
    let t = s.replacen(' ', "T", 1);
    if let Ok(t) = DateTime::parse_from_rfc3339(&t) {
        return Ok(t.with_timezone(&Utc));
    }
    if let Ok(t) = DateTime::parse_from_str(&t, "%Y-%m-%dT%H:%M:%S%.f%z") {
        return Ok(t.with_timezone(&Utc));
    }
    let local = NaiveDateTime::parse_from_str(&t, "%Y-%m-%dT%H:%M:%S%.f")
        .or_else(|_| NaiveDateTime::parse_from_str(&t, "%Y-%m-%dT%H:%M"))
        .map_err(|_| Bad(format!("`{s}` is not an xs:dateTime")))?;
    if let Some(o) = offset.filter(|o| !o.trim().is_empty()) {
        let fixed = parse_offset(o)
            .ok_or_else(|| Bad(format!("time offset `{o}` (of `{s}`) is not ±HH:MM[:SS]")))?;
        return fixed
            .from_local_datetime(&local)
            .single()
            .map(|t| t.with_timezone(&Utc))
            .ok_or_else(|| Bad(format!("`{s}` with offset `{o}` is out of range")));
    }
    ctx.tz(store)
        .from_local_datetime(&local)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
        .ok_or_else(|| {
            Bad(format!(
                "`{s}` does not exist in time zone {} (skipped by a DST change)",
                ctx.tz(store)
            ))
        })
}

/// A time element, honouring an `Offset` attribute in any namespace.
fn when_node(ctx: &Context, store: &str, n: Node) -> R<DateTime<Utc>> {
    when_with(ctx, store, text(n), attr(n, "Offset"))
}

/// `07:00:00`, `+07:00`, `-0500`, `Z` → a fixed offset.
fn parse_offset(o: &str) -> Option<chrono::FixedOffset> {
    let o = o.trim();
    if o == "Z" {
        return chrono::FixedOffset::east_opt(0);
    }
    let (sign, rest) = match o.as_bytes().first()? {
        b'-' => (-1, &o[1..]),
        b'+' => (1, &o[1..]),
        _ => (1, o),
    };
    let digits: String = rest.chars().filter(|c| *c != ':').collect();
    if digits.len() < 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let h: i32 = digits[0..2].parse().ok()?;
    let m: i32 = digits[2..4].parse().ok()?;
    let sec: i32 = digits.get(4..6).map_or(Some(0), |x| x.parse().ok())?;
    chrono::FixedOffset::east_opt(sign * (h * 3600 + m * 60 + sec))
}

/// An attribute by local name, whatever its namespace (`r10Ex:Offset`, `Offset`).
fn attr<'a>(n: Node<'a, '_>, name: &str) -> Option<&'a str> {
    n.attributes().find(|a| a.name() == name).map(|a| a.value())
}

/// An xs:boolean flag written as an attribute or a child element (`true`/`1`).
fn flag(n: Node, name: &str) -> bool {
    attr(n, name)
        .or_else(|| child_text(n, name))
        .is_some_and(|v| matches!(v.trim(), "true" | "1" | "True" | "TRUE"))
}

/// An xs:date, tolerating a zone (`2017-06-21Z`, `2017-06-21+01:00`) or a time part: the
/// trading day is the calendar date as written.
fn business_day(d: &str) -> R<NaiveDate> {
    d.get(..10)
        .and_then(|x| NaiveDate::parse_from_str(x, "%Y-%m-%d").ok())
        .ok_or_else(|| Bad(format!("<BusinessDayDate> `{d}` is not a date")))
}

/// The local date of a timestamp as written: its own offset if it has one, else the store zone.
fn local_date(ctx: &Context, store: &str, s: &str, at: DateTime<Utc>) -> NaiveDate {
    match DateTime::parse_from_rfc3339(s) {
        Ok(t) if !ctx.store_tz.contains_key(store) => t.date_naive(),
        _ => ctx.business_date(store, at),
    }
}

pub fn parse(ctx: &Context, body: &str) -> Result<Parsed, PayloadError> {
    let doc = Document::parse(body)
        .map_err(|e| PayloadError::new(None, format!("not well-formed XML: {e}")))?;
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
        let raw = &body[t.range()];
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
    flag(t, "TrainingModeFlag")
        || child(t, "RetailTransaction").is_some_and(|r| flag(r, "TrainingModeFlag"))
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

fn store_of(t: Node) -> Option<String> {
    let units: Vec<Node> = children(t, "BusinessUnit")
        .filter_map(|b| child(b, "UnitID"))
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
    let rt = child(t, "RetailTransaction");
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
    let version = match children(t, "POSLogDateTime").find(|n| !text(*n).is_empty()) {
        Some(n) => when_node(ctx, &store, n)
            .map_err(|Bad(m)| Bad(format!("<POSLogDateTime>: {m}")))?
            .timestamp_millis(),
        None => 0,
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

fn transaction(ctx: &Context, t: Node) -> R<Option<Record>> {
    if let Some(rt) = child(t, "RetailTransaction") {
        return retail(ctx, t, rt).map(|x| Some(Record::Txn(Box::new(x))));
    }
    let control = child(t, "ControlTransaction").or_else(|| child(t, "TenderControlTransaction"));
    if let Some(c) = control {
        let kind = if child(c, "NoSale").is_some() {
            DrawerEventKind::NoSale
        } else if child(c, "PaidIn").is_some() {
            DrawerEventKind::PaidIn
        } else if child(c, "PaidOut").is_some() {
            DrawerEventKind::PaidOut
        } else {
            return Ok(None); // sign-on/off, till loans…: nothing in the model
        };
        let h = head(ctx, t)?;
        let amount = c
            .descendants()
            .find(|n| n.tag_name().name() == "Amount")
            .map(|n| dec(n, "Amount"))
            .transpose()?
            .unwrap_or_default();
        let currency = h
            .currency
            .clone()
            .or_else(|| currency_attr(c))
            .unwrap_or_else(|| ctx.currency_of(&h.store));
        return Ok(Some(Record::Drawer(DrawerEvent {
            tenant_id: ctx.tenant_id.clone(),
            store_id: h.store,
            source: SOURCE.into(),
            source_event_id: h.id,
            register_id: h.workstation,
            cashier_id: h.operator,
            kind,
            amount: amount.abs(),
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
    let in_foreign = |d: &Node| {
        d.ancestors()
            .any(|a| a.tag_name().name() == "ForeignCurrency")
    };
    children(n, "Total")
        .find_map(code)
        .or_else(|| {
            n.descendants()
                .filter(|d| matches!(d.tag_name().name(), "Sale" | "Return"))
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
        _ if flag(t, "CancelFlag") || flag(rt, "CancelFlag") => TxnStatus::Cancelled,
        _ => TxnStatus::Completed,
    }
}

fn total(rt: Node, kind: &str) -> R<Option<Decimal>> {
    children(rt, "Total")
        .find(|n| n.attribute("TotalType") == Some(kind))
        .map(|n| dec(n, "Total"))
        .transpose()
}

fn retail(ctx: &Context, t: Node, rt: Node) -> R<Transaction> {
    let h = head(ctx, t)?;
    let currency = h
        .currency
        .clone()
        .or_else(|| currency_attr(rt))
        .unwrap_or_else(|| ctx.currency_of(&h.store));
    let mut lines = Vec::new();
    let mut tenders = Vec::new();
    let mut inclusive = false;
    let mut summary_tax = Decimal::ZERO;
    let mut has_adjustment = false;
    for (pos, li) in children(rt, "LineItem").enumerate() {
        let seq = child_text(li, "SequenceNumber")
            .map(|s| {
                s.parse::<i32>()
                    .map_err(|_| Bad(format!("LineItem <SequenceNumber> `{s}` is not an integer")))
            })
            .transpose()?
            .unwrap_or(pos as i32 + 1);
        let voided = flag(li, "VoidFlag");
        if let Some(item) = child(li, "Sale").or_else(|| child(li, "Return")) {
            let (line, incl) = item_line(ctx, &h, li, item, seq)
                .map_err(|Bad(m)| Bad(format!("LineItem {seq}: {m}")))?;
            inclusive |= incl;
            if voided {
                let mut v = line.clone();
                v.line_no = VOID_LINE_OFFSET + seq;
                v.kind = LineKind::Void;
                v.quantity = -line.quantity.abs();
                v.net_amount = -line.net_amount;
                v.tax = -line.tax;
                lines.push(line);
                lines.push(v);
            } else {
                lines.push(line);
            }
        } else if let Some(x) = child(li, "Tender") {
            tenders.extend(
                tender(li, x, seq, h.occurred_at, voided)
                    .map_err(|Bad(m)| Bad(format!("LineItem {seq}: {m}")))?,
            );
        } else if let Some(x) = child(li, "TenderChange") {
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
            tenders.push(Tender {
                tender_no: seq,
                method: method_of(kind),
                amount: -amount.abs(),
                status: TenderStatus::Approved,
                card_fingerprint: None,
                card_bin: None,
                card_entry: None,
                occurred_at: h.occurred_at,
            });
        } else if let Some(x) = child(li, "Tax") {
            summary_tax += child_dec(x, "Amount")?.unwrap_or_default();
        } else if child(li, "Discount").is_some()
            || child(li, "LoyaltyReward").is_some()
            || child(li, "RetailPriceModifier").is_some()
            || child(li, "PriceDerivationResult").is_some()
        {
            has_adjustment = true;
        }
    }
    reconcile(rt, &mut lines, inclusive, summary_tax, has_adjustment)?;
    let customer = child(rt, "Customer")
        .and_then(|c| child_text(c, "CustomerID"))
        .or_else(|| child(rt, "LoyaltyAccount").and_then(|c| child_text(c, "CustomerID")))
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

/// One Sale/Return element; the bool says whether its price includes tax.
/// Whether an `ItemID` `Type` (or `Name`, which some exports use the same way) names a
/// barcode: `GTIN`, `EAN13`, `EAN8`, `UPC`, `UPCA`, vendor-prefixed `X:EANNON`…
fn is_barcode_type(t: &str) -> bool {
    let t = t.rsplit(':').next().unwrap_or(t).to_ascii_uppercase();
    t.contains("GTIN") || t.contains("EAN") || t.contains("UPC") || t == "BARCODE"
}

/// The item codes of a `Sale`/`Return`: the POS's own id (`raw_item_id`) and the product key.
/// Several `ItemID`s may be sent (SKU and barcode, each with `Type`): the raw id is the first
/// that is not a barcode, the key a barcode when one is given (`SerialNumber Type="GTIN"`, an
/// `ItemID` of a barcode type), as for the other sources where the GTIN is the product key.
fn item_codes(item: Node) -> R<(String, crate::sku::ItemKey)> {
    let ids: Vec<(Option<&str>, &str)> = children(item, "ItemID")
        .map(|n| (attr(n, "Type").or_else(|| attr(n, "Name")), text(n)))
        .filter(|(_, v)| !v.is_empty())
        .collect();
    let barcode = |t: &Option<&str>| t.is_some_and(is_barcode_type);
    let raw = ids
        .iter()
        .find(|(t, _)| !barcode(t))
        .or(ids.first())
        .map(|(_, v)| *v)
        .or_else(|| child(item, "POSIdentity").and_then(|p| child_text(p, "POSItemID")))
        .ok_or_else(|| Bad("no <ItemID> nor <POSIdentity><POSItemID>".into()))?;
    let gtin = children(item, "SerialNumber")
        .find(|s| s.attribute("Type") == Some("GTIN"))
        .map(text)
        .and_then(item_key)
        .or_else(|| {
            ids.iter()
                .filter(|(t, _)| barcode(t))
                .find_map(|(_, v)| item_key(v))
        });
    let key = gtin
        .or_else(|| item_key(raw))
        .ok_or_else(|| Bad(format!("<ItemID> `{raw}` holds no usable item code")))?;
    Ok((raw.to_string(), key))
}

/// Money of one line as the POS reported it, normalized: quantity (unsigned), gross (before
/// line discounts) and the line discount.
struct LineMoney {
    quantity: Decimal,
    gross: Decimal,
    discount: Decimal,
}

/// Sum of line-level price modifiers (`RetailPriceModifier`, `PriceDerivationResult`):
/// `Action="Subtract"` (or none) is a discount, `Action="Add"` a surcharge.
fn modifiers(item: Node) -> R<Option<Decimal>> {
    let mut sum = None;
    for m in item.children().filter(|c| {
        c.is_element()
            && matches!(
                c.tag_name().name(),
                "RetailPriceModifier" | "PriceDerivationResult"
            )
    }) {
        let Some(a) = child(m, "Amount").filter(|a| !text(*a).is_empty()) else {
            continue;
        };
        let v = dec(a, "RetailPriceModifier/Amount")?.abs();
        let add = attr(a, "Action")
            .or_else(|| attr(m, "Action"))
            .is_some_and(|x| x.eq_ignore_ascii_case("Add"));
        *sum.get_or_insert(Decimal::ZERO) += if add { -v } else { v };
    }
    Ok(sum)
}

/// Quantity, gross and discount of a line. Vendors disagree on `ExtendedAmount`: NCR (ACS,
/// Emerald) and roqqio send it before the line discount (`ExtendedDiscountAmount` being the
/// discount), SAP and GK after it; which one is meant is told by the arithmetic against
/// quantity × unit price. A `Quantity` with a `Units` attribute other than 1 counts packages
/// of `Units` each (weight, length) when that is what the extended amount was priced on.
fn line_money(item: Node) -> R<LineMoney> {
    let q_node = child(item, "Quantity").filter(|q| !text(*q).is_empty());
    let qty_text = q_node
        .map(|q| dec(q, "Quantity"))
        .transpose()?
        .unwrap_or(Decimal::ONE)
        .abs();
    let units = q_node
        .and_then(|q| attr(q, "Units"))
        .and_then(|u| Decimal::from_str(u.trim()).ok())
        .map(|u| u.abs())
        .filter(|u| *u <= MAX_NUMBER)
        .filter(|u| !u.is_zero() && *u != Decimal::ONE);
    let regular = child_dec(item, "RegularSalesUnitPrice")?.map(|d| d.abs());
    let actual = child_dec(item, "ActualSalesUnitPrice")?.map(|d| d.abs());
    let extended = child_dec(item, "ExtendedAmount")?.map(|d| d.abs());
    let list = regular.or(actual);
    let near = |a: Decimal, b: Decimal| (a - b).abs();
    let quantity = match (units, extended, actual.or(regular)) {
        (Some(u), Some(e), Some(p)) if near(qty_text * u * p, e) < near(qty_text * p, e) => {
            qty_text * u
        }
        _ => qty_text,
    };
    let discount = match child_dec(item, "ExtendedDiscountAmount")?
        .or(child_dec(item, "DiscountAmount")?)
        .map(|d| d.abs())
        .filter(|d| !d.is_zero())
    {
        Some(d) => d,
        None => modifiers(item)?.unwrap_or_default(),
    };
    let gross = match (extended, list) {
        (Some(e), Some(p)) if !discount.is_zero() => {
            let base = quantity * p;
            if near(e, base - discount) < near(e, base) {
                e + discount // ExtendedAmount is after the discount
            } else {
                e
            }
        }
        (Some(e), _) => e,
        (None, _) => {
            let p = actual
                .or(regular)
                .ok_or_else(|| Bad("no unit price nor <ExtendedAmount>".into()))?;
            (quantity * p).round_dp(2)
        }
    };
    Ok(LineMoney {
        quantity,
        gross,
        discount,
    })
}

/// The tax of a line and whether its price includes it. Known from the amounts when the POS
/// gives a `TaxableAmount`: taxable + tax = net means VAT-inclusive, taxable = net exclusive
/// (vendors use `TaxIncludedInTaxableAmountFlag` in opposite senses, so the flag is not
/// trusted); otherwise `TaxIncludedInPriceFlag`.
fn line_tax(item: Node, net: Decimal) -> R<(Decimal, bool)> {
    let mut tax = Decimal::ZERO;
    let mut taxable = None;
    for t in children(item, "Tax") {
        tax += child_dec(t, "Amount")?.unwrap_or_default().abs();
        if let Some(x) = child_dec(t, "TaxableAmount")? {
            *taxable.get_or_insert(Decimal::ZERO) += x.abs();
        }
    }
    let flagged = flag(item, "TaxIncludedInPriceFlag");
    let tolerance = Decimal::new(2, 2);
    let inclusive = match taxable {
        Some(x) if !tax.is_zero() && (x + tax - net).abs() <= tolerance => true,
        Some(x) if !tax.is_zero() && (x - net).abs() <= tolerance => false,
        _ => flagged,
    };
    Ok((tax, inclusive))
}

/// One Sale/Return element; the bool says whether its price includes tax.
fn item_line(ctx: &Context, h: &Head, li: Node, item: Node, seq: i32) -> R<(Line, bool)> {
    let (item_id, key) = item_codes(item)?;
    let money = line_money(item)?;
    let qty_signed = child_dec(item, "Quantity")?.unwrap_or(Decimal::ONE);
    let price = child_dec(item, "ActualSalesUnitPrice")?
        .or(child_dec(item, "RegularSalesUnitPrice")?)
        .map(|p| p.abs())
        .unwrap_or_else(|| {
            if money.quantity.is_zero() {
                money.gross
            } else {
                (money.gross / money.quantity).round_dp(4)
            }
        });
    let extended_signed = child_dec(item, "ExtendedAmount")?.unwrap_or_default();
    let is_return = item.tag_name().name() == "Return"
        || qty_signed < Decimal::ZERO
        || extended_signed < Decimal::ZERO;
    let sign = if is_return {
        -Decimal::ONE
    } else {
        Decimal::ONE
    };
    let discount = money.discount;
    let (tax, inclusive) = line_tax(item, money.gross - discount)?;
    let net = if inclusive {
        money.gross - discount - tax
    } else {
        money.gross - discount
    };
    let link = child(item, "TransactionLink");
    let (original_txn_id, original_line_no) = match link {
        Some(l) => (
            Some(link_id(ctx, h, l)),
            child_text(l, "LineItemSequenceNumber").and_then(|s| s.parse().ok()),
        ),
        None => (None, None),
    };
    let entry = entry_method(li);
    // `Description` first: some exports use `ItemID Name` as a label of the id kind ("SKU").
    let description = child_text(item, "Description")
        .or_else(|| {
            child(item, "ItemID")
                .and_then(|n| attr(n, "Name"))
                .filter(|n| !is_barcode_type(n) && !is_id_kind(n))
        })
        .map(str::to_string);
    let line = Line {
        line_no: seq,
        kind: if is_return {
            LineKind::Return
        } else {
            LineKind::Sale
        },
        sku: key.sku,
        gtin: key.gtin,
        raw_item_id: item_id,
        description,
        quantity: sign * money.quantity,
        unit_price: price,
        discount,
        net_amount: sign * net,
        tax: sign * tax,
        entry_method: entry,
        price_override: child_dec(item, "ActualSalesUnitPrice")?
            .zip(child_dec(item, "RegularSalesUnitPrice")?)
            .is_some_and(|(a, r)| a.abs() < r.abs()),
        original_txn_id,
        original_line_no,
    };
    Ok((line, inclusive))
}

/// How the item was entered, from `LineItem/@EntryMethod`: scanning vs keying matters to
/// loss prevention, anything else (`Automatic`, `acs:Auto`) is "other".
fn entry_method(li: Node) -> EntryMethod {
    let e = attr(li, "EntryMethod").unwrap_or("");
    match e
        .rsplit(':')
        .next()
        .unwrap_or(e)
        .to_ascii_lowercase()
        .as_str()
    {
        "keyed" | "manual" | "keyedin" | "keyboard" => EntryMethod::Keyed,
        "scanned" | "scan" | "rfid" | "barcode" | "scanner" => EntryMethod::Scanned,
        _ => EntryMethod::Other,
    }
}

/// Labels some exports put in `ItemID Name` to say what kind of id it is.
fn is_id_kind(name: &str) -> bool {
    matches!(
        name.to_ascii_uppercase().as_str(),
        "SKU" | "PLU" | "ITEMID" | "ITEM" | "ARTICLE" | "CODABAR" | "POSITEMID"
    )
}

/// The id the linked (original) transaction got when it was ingested.
fn link_id(_ctx: &Context, h: &Head, l: Node) -> String {
    let store = child(l, "BusinessUnit")
        .and_then(|b| child_text(b, "UnitID").or(Some(text(b)).filter(|s| !s.is_empty())))
        .or_else(|| child_text(l, "RetailStoreID"))
        .map(str::to_string)
        .unwrap_or_else(|| h.store.clone());
    let ws = child_text(l, "WorkstationID")
        .map(str::to_string)
        .or_else(|| h.workstation.clone());
    let day = child(l, "BusinessDayDate")
        .and_then(|d| child_text(d, "Date").or(Some(text(d)).filter(|s| !s.is_empty())));
    match (day, child_text(l, "SequenceNumber")) {
        (Some(day), Some(seq)) => compose_id(&store, ws.as_deref(), day, seq),
        _ => child_text(l, "TransactionID").unwrap_or("").to_string(),
    }
}

/// A tender type as vendors spell it: ARTS enumerations (`Cash`, `CreditDebit`,
/// `GiftCertificate`, `StoredValue`…), prefixed vendor codes (`x:TTID3030CCARD`, `acs:…`).
fn method_of(kind: &str) -> TenderMethod {
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

/// One `Tender` line item. Besides the payment it may yield: change given inside the tender
/// (`Tender/TenderChange`, ARTS 2.x and NCR Emerald) and cash back, each as a negative cash
/// tender so that tenders add up to what the store kept; a rounding tender (`TenderType`
/// containing `Rounding`) is negative when the cash was rounded up (`RoundingDirection="Up"`:
/// the customer paid more than the total) and positive when rounded down. The amount of a
/// refund is negative (`TypeCode="Refund"` or a negative `Amount`). Cash back is assumed to be
/// inside the tendered `Amount`, as card authorizations carry it.
fn tender(li: Node, x: Node, seq: i32, at: DateTime<Utc>, voided: bool) -> R<Vec<Tender>> {
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
        let up = x.descendants().any(|n| {
            n.tag_name().name() == "Rounding"
                && attr(n, "RoundingDirection").is_some_and(|d| d.eq_ignore_ascii_case("Up"))
        });
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
    Ok(out)
}

/// Brings lines in line with the transaction totals: a transaction-level tax when lines carry
/// none (VAT-inclusive prices lose it from net), and transaction-level discounts.
fn reconcile(
    rt: Node,
    lines: &mut [Line],
    mut inclusive: bool,
    summary_tax: Decimal,
    has_adjustment: bool,
) -> R<()> {
    let line_tax: Decimal = lines.iter().map(|l| l.tax).sum();
    let grand = total(rt, "TransactionGrandAmount")?;
    let txn_tax = total(rt, "TransactionTaxAmount")?.unwrap_or(summary_tax);
    let counted: Vec<usize> = (0..lines.len())
        .filter(|i| lines[*i].kind != LineKind::Void && !voided_later(lines, *i))
        .collect();
    let goods: Decimal = counted.iter().map(|i| lines[*i].net_amount).sum();
    if line_tax.is_zero() && !txn_tax.is_zero() {
        // Tax only at transaction level: inclusive when the grand total equals the goods.
        inclusive |= grand == Some(goods);
        let weights: Vec<Decimal> = counted.iter().map(|i| lines[*i].net_amount).collect();
        for (k, share) in spread(txn_tax, &weights).into_iter().enumerate() {
            let l = &mut lines[counted[k]];
            l.tax = share;
            if inclusive {
                l.net_amount -= share;
            }
        }
    }
    let tax_now: Decimal = counted.iter().map(|i| lines[*i].tax).sum();
    let net_now: Decimal = counted.iter().map(|i| lines[*i].net_amount).sum();
    if let (Some(grand), true) = (grand, has_adjustment) {
        let residual = net_now + tax_now - grand;
        if residual > Decimal::ZERO {
            let sales: Vec<usize> = counted
                .iter()
                .copied()
                .filter(|i| lines[*i].kind == LineKind::Sale)
                .collect();
            let weights: Vec<Decimal> = sales.iter().map(|i| lines[*i].net_amount).collect();
            for (k, share) in spread(residual, &weights).into_iter().enumerate() {
                let l = &mut lines[sales[k]];
                l.discount += share;
                l.net_amount -= share;
            }
        }
    }
    Ok(())
}

fn voided_later(lines: &[Line], i: usize) -> bool {
    lines
        .iter()
        .any(|v| v.kind == LineKind::Void && v.line_no == VOID_LINE_OFFSET + lines[i].line_no)
}

/// Splits `amount` in proportion to `weights` (signed), rounded to cents, the last share
/// taking the rest so the shares always add up to `amount`.
fn spread(amount: Decimal, weights: &[Decimal]) -> Vec<Decimal> {
    let sum: Decimal = weights.iter().sum();
    let mut out = Vec::with_capacity(weights.len());
    let mut left = amount;
    for (k, w) in weights.iter().enumerate() {
        let share = if k + 1 == weights.len() {
            left
        } else if sum.is_zero() {
            Decimal::ZERO
        } else {
            (amount * w / sum).round_dp(2)
        };
        left -= share;
        out.push(share);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adapters::testkit::sample;
    use crate::envelope::Record;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    fn berlin() -> Context {
        let mut c = Context::for_tenant("t");
        c.default_tz = chrono_tz::Europe::Berlin;
        c.default_currency = "EUR".into();
        c
    }

    fn only_txn(p: &Parsed) -> &Transaction {
        let txns: Vec<&Transaction> = p
            .records
            .iter()
            .filter_map(|r| match r {
                Ok(Record::Txn(t)) => Some(t.as_ref()),
                Err(e) => panic!("rejected: {e:?}"),
                _ => None,
            })
            .collect();
        assert_eq!(txns.len(), 1);
        txns[0]
    }

    fn sums(t: &Transaction) -> (Decimal, Decimal, Decimal) {
        let net = t.lines.iter().map(|l| l.net_amount).sum();
        let tax = t.lines.iter().map(|l| l.tax).sum();
        let tender = t.tenders.iter().map(|x| x.amount).sum();
        (net, tax, tender)
    }

    #[test]
    fn roqqio_tender_change_vat_inclusive() {
        let p = parse(
            &berlin(),
            &sample("poslog_v6_roqqio_sale_with_tenderChange.xml"),
        )
        .unwrap();
        let t = only_txn(&p);
        assert_eq!(t.key.source_txn_id, "100-10001-2024-07-31-3");
        assert_eq!(t.currency, "EUR");
        assert_eq!(
            sums(t),
            (d("22.68"), d("4.31"), d("26.99")),
            "net + tax = grand 26.99, tender 27.00 − change 0.01"
        );
        assert_eq!(t.tenders[1].amount, d("-0.01"));
        assert_eq!(
            t.occurred_at.to_rfc3339(),
            "2024-07-31T10:21:14.639+00:00",
            "BeginDateTime with Z wins over local POSLogDateTime"
        );
        assert_eq!(
            t.source_version,
            chrono::DateTime::parse_from_rfc3339("2024-07-31T10:21:47.539Z")
                .unwrap()
                .timestamp_millis(),
            "local 12:21:47.539 in Berlin (CEST)"
        );
        assert_eq!(t.lines[0].sku, "08718824914435");
    }

    #[test]
    fn roqqio_return_linked_to_its_sale() {
        let p = parse(&berlin(), &sample("poslog_v6_roqqio_retoure_with_link.xml")).unwrap();
        let t = only_txn(&p);
        let l = &t.lines[0];
        assert_eq!((l.kind, l.quantity), (LineKind::Return, d("-1")));
        assert_eq!(
            l.original_txn_id.as_deref(),
            Some("100-10001-2024-10-15-3569")
        );
        assert_eq!(l.original_line_no, Some(4));
        assert_eq!(sums(t), (d("-1.08"), d("-0.21"), d("-1.29")));
        assert_eq!(t.customer_id.as_deref(), Some("22000129"));
    }

    #[test]
    fn roqqio_dropped_void_leaves_a_gap_and_is_not_counted() {
        let p = parse(
            &berlin(),
            &sample("poslog_v6_roqqio_sale_with_posStorno.xml"),
        )
        .unwrap();
        let t = only_txn(&p);
        assert_eq!(
            t.lines.iter().map(|l| l.line_no).collect::<Vec<_>>(),
            vec![11, 12]
        );
        let (net, tax, tender) = sums(t);
        assert_eq!(net + tax, d("2.78"));
        assert_eq!(tax, d("0.44"));
        assert_eq!(tender, d("2.78"));
    }

    #[test]
    fn jugi_v6_gtin_serials_vat_and_offsets() {
        let p = parse(
            &Context::for_tenant("t"),
            &sample("poslog_v6_jugi92_PosLog.xml"),
        )
        .unwrap();
        let t = only_txn(&p);
        assert_eq!(t.key.source_txn_id, "7-240-240-20170621133911-101-1966");
        assert_eq!(t.key.store_id, "7-240-240");
        assert_eq!(t.currency, "GBP");
        assert_eq!(t.lines.len(), 3);
        assert_eq!(t.lines[0].raw_item_id, "1607701");
        assert_eq!(
            t.lines[0].gtin.as_deref(),
            Some("03583788755593"),
            "SerialNumber Type=GTIN is the product key"
        );
        assert_eq!(sums(t), (d("108.73"), d("21.74"), d("130.47")));
        assert_eq!(t.business_date.to_string(), "2017-06-21");
        assert_eq!(t.tenders[0].method, TenderMethod::Card);
    }

    #[test]
    fn ncr_weighed_keyed_item_reward_and_business_day_before_midnight() {
        let mut ctx = Context::for_tenant("t");
        ctx.default_tz = chrono_tz::America::New_York;
        let p = parse(&ctx, &sample("poslog_ncr-acs_kjbreil_SMALL.xml")).unwrap();
        assert_eq!(
            p.skipped, 1,
            "the sign-on control transaction maps to nothing"
        );
        let t = only_txn(&p);
        let l = &t.lines[0];
        assert_eq!(
            (l.quantity, l.unit_price, l.entry_method),
            (d("0.42"), d("2.99"), EntryMethod::Keyed)
        );
        assert_eq!(
            (l.discount, l.net_amount),
            (d("0.19"), d("1.07")),
            "the 0.19 reward counted once"
        );
        assert_eq!(sums(t), (d("1.07"), d("0"), d("1.07")));
        assert_eq!(t.business_date.to_string(), "2017-09-30");
        assert_eq!(
            t.occurred_at.to_rfc3339(),
            "2017-10-01T06:02:54+00:00",
            "02:02:54 EDT"
        );
        assert_eq!(t.tenders[0].card_entry, Some(CardEntry::Swipe));
        assert_eq!(t.customer_id.as_deref(), Some("0000000000000040000066677"));
    }

    #[test]
    fn void_flag_adds_a_reversal_line() {
        let xml = r#"<POSLog><Transaction><RetailStoreID>1</RetailStoreID><WorkstationID>2</WorkstationID>
            <SequenceNumber>7</SequenceNumber><BusinessDayDate>2026-01-05</BusinessDayDate>
            <EndDateTime>2026-01-05T10:00:00Z</EndDateTime><CurrencyCode>USD</CurrencyCode><RetailTransaction>
            <LineItem VoidFlag="true"><SequenceNumber>1</SequenceNumber><Sale><ItemID>4011</ItemID>
            <RegularSalesUnitPrice>2.00</RegularSalesUnitPrice><Quantity>1</Quantity></Sale></LineItem>
            <LineItem><SequenceNumber>2</SequenceNumber><Sale><ItemID>4011</ItemID>
            <RegularSalesUnitPrice>2.00</RegularSalesUnitPrice><Quantity>1</Quantity></Sale></LineItem>
            </RetailTransaction></Transaction></POSLog>"#;
        let p = parse(&Context::for_tenant("t"), xml).unwrap();
        let t = only_txn(&p);
        let kinds: Vec<(i32, LineKind)> = t.lines.iter().map(|l| (l.line_no, l.kind)).collect();
        assert_eq!(
            kinds,
            vec![
                (1, LineKind::Sale),
                (100_001, LineKind::Void),
                (2, LineKind::Sale)
            ]
        );
        assert_eq!(sums(t).0, d("2.00"));
    }

    /// A fixture of ingest/tests/data/real/poslog (see PROVENANCE.md there).
    fn real(name: &str) -> String {
        let dir = std::env::var("CARGO_MANIFEST_DIR")
            .unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").to_string());
        let p = format!("{dir}/tests/data/real/poslog/{name}");
        std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{p}: {e}"))
    }

    fn txns(p: &Parsed) -> Vec<&Transaction> {
        p.records
            .iter()
            .filter_map(|r| match r {
                Ok(Record::Txn(t)) => Some(t.as_ref()),
                Err(e) => panic!("rejected: {e:?}"),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn emerald_wrapper_offset_attribute_vat_inclusive_and_rounding_tender() {
        let p = parse(
            &Context::for_tenant("t"),
            &real("ncr_emerald_r10_wrapped_offsets_vat_inclusive.xml"),
        )
        .unwrap();
        let t = only_txn(&p);
        assert_eq!(t.key.source_txn_id, "8UJUEBVZ2O");
        assert_eq!(
            (t.key.store_id.as_str(), t.currency.as_str()),
            ("1101", "THB")
        );
        assert_eq!(
            t.occurred_at.to_rfc3339(),
            "2023-12-19T04:42:40.973+00:00",
            "11:42:40.973 at the r10Ex:Offset +07:00, not in the store zone (UTC here)"
        );
        let l = &t.lines[0];
        assert_eq!(
            (l.unit_price, l.discount, l.net_amount, l.tax),
            (d("159.00"), d("27.05"), d("131.95"), d("0.00")),
            "ExtendedAmount before the discount"
        );
        assert_eq!(l.gtin.as_deref(), Some("08850187000018"));
        assert_eq!(l.description.as_deref(), Some("Jasmine rice 5kg"));
        assert_eq!(
            (t.lines[1].net_amount, t.lines[1].tax),
            (d("48.60"), d("3.40")),
            "VAT-inclusive: TaxableAmount + Amount = the line's price"
        );
        assert_eq!(sums(t), (d("311.62"), d("12.58"), d("324.20")));
        let amounts: Vec<(i32, TenderMethod, Decimal)> = t
            .tenders
            .iter()
            .map(|x| (x.tender_no, x.method, x.amount))
            .collect();
        assert_eq!(
            amounts,
            vec![
                (4, TenderMethod::Cash, d("500.00")),
                (5, TenderMethod::Cash, d("-175.75")),
                (6, TenderMethod::Other, d("-0.05")),
            ],
            "change inside a zero tender, rounding up is given back"
        );
    }

    #[test]
    fn ns2_prefixes_extended_after_discount_units_and_cash_back() {
        let p = parse(
            &Context::for_tenant("t"),
            &real("gk_sap_ns2_prefixed_extended_after_discount.xml"),
        )
        .unwrap();
        let t = only_txn(&p);
        assert_eq!(t.key.source_txn_id, "0815-3-2025-03-01-4711");
        assert_eq!(t.business_date.to_string(), "2025-03-01");
        assert_eq!(t.occurred_at.to_rfc3339(), "2025-03-01T17:59:02.500+00:00");
        let m = &t.lines[0];
        assert_eq!(m.raw_item_id, "COFFEE_MACHINE");
        assert_eq!(
            m.gtin.as_deref(),
            Some("04006381333931"),
            "typed GTIN is the key"
        );
        assert_eq!((m.net_amount, m.tax), (d("84.03"), d("15.97")));
        let free = &t.lines[1];
        assert_eq!(
            (free.quantity, free.discount, free.net_amount),
            (d("3"), d("30.00"), d("0.00")),
            "ExtendedAmount 0 is after the 30.00 discount: free, not -30"
        );
        let banana = &t.lines[2];
        assert_eq!(
            (banana.quantity, banana.net_amount),
            (d("0.532"), d("1.06")),
            "1 package of Units=0.532 kg"
        );
        assert_eq!(sums(t), (d("85.09"), d("15.97"), d("101.06")));
        assert_eq!(t.tenders[1].amount, d("-30.00"), "cash back paid out");
        assert_eq!(t.tenders[0].card_entry, Some(CardEntry::Other));
    }

    #[test]
    fn mixed_document_training_cancel_suspend_resume_and_return() {
        let p = parse(
            &Context::for_tenant("t"),
            &real("xstore_mixed_training_cancel_suspend.xml"),
        )
        .unwrap();
        assert_eq!(p.skipped, 1, "the training sale is not stored");
        let drawers = p
            .records
            .iter()
            .filter(|r| matches!(r, Ok(Record::Drawer(_))))
            .count();
        assert_eq!(drawers, 1);
        let t = txns(&p);
        let ids: Vec<(&str, TxnStatus)> = t
            .iter()
            .map(|x| (x.key.source_txn_id.as_str(), x.status))
            .collect();
        assert_eq!(
            ids,
            vec![
                ("101-1-2025-06-02-901", TxnStatus::Completed),
                ("101-1-2025-06-02-902", TxnStatus::Cancelled),
                ("101-1-2025-06-02-903", TxnStatus::Cancelled),
                ("101-2-2025-06-02-55", TxnStatus::Completed),
                ("101-2-2025-06-02-56", TxnStatus::Completed),
            ]
        );
        let sale = t[0];
        assert_eq!(sale.lines[0].raw_item_id, "54437934");
        assert_eq!(sale.lines[0].gtin.as_deref(), Some("00036000291452"));
        assert!(sale.lines[0].price_override);
        assert_eq!(sale.lines[0].description, None, "whitespace-only is absent");
        assert_eq!(
            sale.lines.iter().map(|l| l.kind).collect::<Vec<_>>(),
            vec![LineKind::Sale, LineKind::Sale, LineKind::Void],
            "<VoidFlag>true</VoidFlag> as an element"
        );
        assert_eq!(sums(sale), (d("20.00"), d("1.60"), d("21.60")));
        assert_eq!(
            sale.tenders.iter().map(|x| x.amount).collect::<Vec<_>>(),
            vec![d("30.00"), d("-8.40")],
            "change inside the cash tender"
        );
        assert_eq!(t[3].tenders[0].method, TenderMethod::Cash, "x:TTID1000CASH");
        let ret = t[4];
        assert_eq!(
            (
                ret.lines[0].kind,
                ret.lines[0].quantity,
                ret.lines[0].net_amount
            ),
            (LineKind::Return, d("-1"), d("-10.00"))
        );
        assert_eq!(
            ret.lines[0].original_txn_id.as_deref(),
            Some("101-1-2025-06-02-901")
        );
        assert_eq!(
            (ret.tenders[0].method, ret.tenders[0].amount),
            (TenderMethod::Card, d("-10.00")),
            "a negative Amount is a refund even without TypeCode"
        );
    }

    #[test]
    fn one_transaction_as_root_and_an_unknown_root_without_transactions() {
        let one = r#"<Transaction xmlns="http://www.nrf-arts.org/IXRetail/namespace/"><BusinessUnit><UnitID>9</UnitID></BusinessUnit>
            <SequenceNumber>3</SequenceNumber><BusinessDayDate>2025-02-03</BusinessDayDate>
            <EndDateTime>2025-02-03T23:59:59.999-05:00</EndDateTime><RetailTransaction><LineItem><SequenceNumber>1</SequenceNumber>
            <Sale><ItemID>4011</ItemID><RegularSalesUnitPrice>1.00</RegularSalesUnitPrice><Quantity> </Quantity></Sale>
            </LineItem></RetailTransaction></Transaction>"#;
        let p = parse(&Context::for_tenant("t"), one).unwrap();
        let t = only_txn(&p);
        assert_eq!(t.occurred_at.to_rfc3339(), "2025-02-04T04:59:59.999+00:00");
        assert_eq!(
            (t.lines[0].quantity, t.lines[0].net_amount),
            (d("1"), d("1.00"))
        );
        let e = parse(&Context::for_tenant("t"), "<Envelope><Body/></Envelope>").unwrap_err();
        assert!(
            e.message.contains("<Envelope> holds no <Transaction>"),
            "{}",
            e.message
        );
    }

    #[test]
    fn a_foreign_currency_tender_does_not_set_the_currency() {
        let xml = r#"<POSLog><Transaction><RetailStoreID>5</RetailStoreID><SequenceNumber>8</SequenceNumber>
            <EndDateTime>2025-04-01T12:00:00+02:00</EndDateTime><RetailTransaction>
            <LineItem><SequenceNumber>1</SequenceNumber><Sale><ItemID>99</ItemID>
            <RegularSalesUnitPrice>20.00</RegularSalesUnitPrice></Sale></LineItem>
            <LineItem><SequenceNumber>2</SequenceNumber><Tender TenderType="Cash"><Amount>20.00</Amount>
            <ForeignCurrency><OriginalFaceAmount Currency="CHF">19.00</OriginalFaceAmount>
            <ExchangeRate>1.0526</ExchangeRate></ForeignCurrency></Tender></LineItem>
            <Total TotalType="TransactionGrandAmount">20.00</Total></RetailTransaction></Transaction></POSLog>"#;
        let p = parse(&berlin(), xml).unwrap();
        let t = only_txn(&p);
        assert_eq!(
            t.currency, "EUR",
            "the store's currency, not the tourist's CHF"
        );
        assert_eq!(sums(t), (d("20.00"), d("0"), d("20.00")));
    }

    #[test]
    fn huge_numbers_are_refused_by_name_not_a_panic() {
        let xml = r#"<Transaction><RetailStoreID>5</RetailStoreID><SequenceNumber>8</SequenceNumber>
            <EndDateTime>2025-04-01T12:00:00Z</EndDateTime><RetailTransaction><LineItem><Sale><ItemID>9</ItemID>
            <RegularSalesUnitPrice>79228162514264337593543950</RegularSalesUnitPrice>
            <Quantity>79228162514264337593543950</Quantity></Sale></LineItem></RetailTransaction></Transaction>"#;
        let p = parse(&Context::for_tenant("t"), xml).unwrap();
        let reason = &p.records[0].as_ref().unwrap_err().reason;
        assert!(reason.contains("out of range"), "{reason}");
        assert!(reason.contains("LineItem 1"), "{reason}");
    }

    #[test]
    fn malformed_xml_and_missing_store_are_explained() {
        assert!(parse(&Context::for_tenant("t"), "<POSLog><Transaction>")
            .unwrap_err()
            .message
            .contains("not well-formed"));
        let p = parse(
            &Context::for_tenant("t"),
            "<POSLog><Transaction><RetailTransaction/></Transaction></POSLog>",
        )
        .unwrap();
        let reason = &p.records[0].as_ref().unwrap_err().reason;
        assert!(reason.contains("RetailStoreID"), "{reason}");
    }
}
