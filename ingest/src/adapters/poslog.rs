//! ARTS POSLog XML, 2.x (NCR ACS) and 6.0. Elements are matched by local name, so the default
//! namespace (which differs between versions and vendors) does not matter and vendor extensions
//! (`acs:`, `fu:`, `DKT:`) are skipped here but kept verbatim in the raw inbox.
//!
//! Mapping rules (docs/ingest.md lists them with the samples that exercise each):
//! - `RetailTransaction` → a transaction; `ControlTransaction/NoSale` and
//!   `TenderControlTransaction/PaidIn|PaidOut` → drawer events; sign-on/off → nothing (kept in
//!   the inbox only).
//! - Id: `TransactionID`, else `store-workstation-BusinessDayDate-SequenceNumber` (sequence
//!   numbers restart). A `TransactionLink` is resolved to the same form.
//! - Times: `BeginDateTime`, else `EndDateTime`, else `POSLogDateTime`/`ReceiptDateTime`; a time
//!   without an offset is local to the store (configured zone). `business_date` is
//!   `BusinessDayDate` when present (after-midnight sales of the previous day stay there).
//! - Lines: `Sale` (a negative quantity is a return), `Return`; `VoidFlag="true"` adds a void
//!   reversal line numbered 100000 + sequence; voided lines the POS dropped leave only gaps in
//!   the sequence numbers and are not counted. Prices may include VAT
//!   (`TaxIncludedInPriceFlag`, or totals showing it): net amounts are then net of tax.
//! - Transaction-level discounts and rewards are taken from the totals (sum of lines − grand
//!   total) and spread over the sale lines, because vendors report them in several redundant
//!   places (NCR repeats a reward as detailed and summarized activity).
//! - `Tender` (TypeCode Refund → negative), `TenderChange` (change given → negative cash).

use super::{Context, PayloadError};
use crate::envelope::{Record, Reject};
use crate::sku::item_key;
use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};
use pos_core::model::*;
use roxmltree::{Document, Node};
use rust_decimal::Decimal;
use std::str::FromStr;

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

fn dec(n: Node, what: &str) -> R<Decimal> {
    let s = text(n);
    Decimal::from_str(s)
        .or_else(|_| Decimal::from_scientific(s))
        .map_err(|_| Bad(format!("<{what}> `{s}` is not a decimal number")))
}

fn child_dec(n: Node, name: &str) -> R<Option<Decimal>> {
    child(n, name)
        .filter(|c| !text(*c).is_empty())
        .map(|c| dec(c, name))
        .transpose()
}

/// An xs:dateTime, with or without offset (then local to the store).
fn when(ctx: &Context, store: &str, s: &str) -> R<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    let local = NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f")
        .map_err(|_| Bad(format!("`{s}` is not an xs:dateTime")))?;
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
    if root.tag_name().name() != "POSLog" && root.tag_name().name() != "Transaction" {
        return Err(PayloadError::new(
            Some(root.tag_name().name()),
            format!(
                "root element is <{}>, expected <POSLog>",
                root.tag_name().name()
            ),
        ));
    }
    let txns: Vec<Node> = if root.tag_name().name() == "Transaction" {
        vec![root]
    } else {
        children(root, "Transaction").collect()
    };
    if txns.is_empty() {
        return Err(PayloadError::new(
            Some("POSLog"),
            "<POSLog> holds no <Transaction>",
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
    let logtime = children(t, "POSLogDateTime")
        .find(|n| n.attribute("TypeCode") != Some("Message"))
        .map(text);
    let time_text = child_text(t, "BeginDateTime")
        .or_else(|| child_text(t, "EndDateTime"))
        .or(logtime)
        .or_else(|| child(t, "RetailTransaction").and_then(|r| child_text(r, "ReceiptDateTime")))
        .or_else(|| child_text(t, "ReceiptDateTime"))
        .ok_or_else(|| {
            Bad("no BeginDateTime, EndDateTime, POSLogDateTime or ReceiptDateTime".into())
        })?;
    let occurred_at = when(ctx, &store, time_text)?;
    let business_date = match bdd {
        Some(d) => NaiveDate::parse_from_str(d, "%Y-%m-%d")
            .map_err(|_| Bad(format!("<BusinessDayDate> `{d}` is not a date")))?,
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
    let version = match children(t, "POSLogDateTime").map(text).next() {
        Some(s) => when(ctx, &store, s)?.timestamp_millis(),
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

fn currency_attr(n: Node) -> Option<String> {
    n.descendants()
        .filter_map(|d| {
            d.attribute("Currency")
                .or_else(|| d.attribute("CurrencyCode"))
        })
        .find(|c| c.len() == 3 && *c != "XXX")
        .map(str::to_string)
}

fn status_of(t: Node, rt: Node) -> TxnStatus {
    match rt.attribute("TransactionStatus").unwrap_or("") {
        "PostVoided" | "Voided" => TxnStatus::PostVoided,
        "Cancelled" | "Canceled" | "Suspended" | "SuspendedDeleted" => TxnStatus::Cancelled,
        _ if t.attribute("CancelFlag") == Some("true") => TxnStatus::Cancelled,
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
        let voided = li.attribute("VoidFlag") == Some("true");
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
            tenders.push(
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
fn item_line(ctx: &Context, h: &Head, li: Node, item: Node, seq: i32) -> R<(Line, bool)> {
    let item_id = child(item, "ItemID")
        .map(text)
        .filter(|s| !s.is_empty())
        .or_else(|| child(item, "POSIdentity").and_then(|p| child_text(p, "POSItemID")));
    let item_id = item_id
        .ok_or_else(|| Bad("no <ItemID> nor <POSIdentity><POSItemID>".into()))?
        .to_string();
    let gtin_serial = children(item, "SerialNumber")
        .find(|s| s.attribute("Type") == Some("GTIN"))
        .map(text);
    let key = gtin_serial
        .and_then(item_key)
        .or_else(|| item_key(&item_id))
        .ok_or_else(|| Bad(format!("<ItemID> `{item_id}` holds no usable item code")))?;
    let qty_raw = child_dec(item, "Quantity")?.unwrap_or(Decimal::ONE);
    let price = child_dec(item, "ActualSalesUnitPrice")?
        .or(child_dec(item, "RegularSalesUnitPrice")?)
        .ok_or_else(|| Bad("no unit price".into()))?
        .abs();
    let extended = child_dec(item, "ExtendedAmount")?
        .map(|d| d.abs())
        .unwrap_or_else(|| (qty_raw * price).abs());
    let discount = child_dec(item, "ExtendedDiscountAmount")?
        .or(child_dec(item, "DiscountAmount")?)
        .unwrap_or_default()
        .abs();
    let is_return = item.tag_name().name() == "Return" || qty_raw < Decimal::ZERO;
    let sign = if is_return {
        -Decimal::ONE
    } else {
        Decimal::ONE
    };
    let mut tax = Decimal::ZERO;
    for t in children(item, "Tax") {
        tax += child_dec(t, "Amount")?.unwrap_or_default().abs();
    }
    let inclusive = child_text(item, "TaxIncludedInPriceFlag") == Some("true");
    let net = if inclusive {
        extended - discount - tax
    } else {
        extended - discount
    };
    let link = child(item, "TransactionLink");
    let (original_txn_id, original_line_no) = match link {
        Some(l) => (
            Some(link_id(ctx, h, l)),
            child_text(l, "LineItemSequenceNumber").and_then(|s| s.parse().ok()),
        ),
        None => (None, None),
    };
    let entry = match li.attribute("EntryMethod").unwrap_or("") {
        "Keyed" => EntryMethod::Keyed,
        "Scanned" | "RFID" | "Scan" => EntryMethod::Scanned,
        _ => EntryMethod::Other,
    };
    let description = child(item, "ItemID")
        .and_then(|n| n.attribute("Name"))
        .or_else(|| child_text(item, "Description"))
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
        quantity: sign * qty_raw.abs(),
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

/// The id the linked (original) transaction got when it was ingested.
fn link_id(_ctx: &Context, h: &Head, l: Node) -> String {
    let store = child_text(l, "BusinessUnit")
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

fn method_of(kind: &str) -> TenderMethod {
    let k = kind.rsplit(':').next().unwrap_or(kind).to_ascii_lowercase();
    match k.as_str() {
        "cash" => TenderMethod::Cash,
        "giftcard" | "giftcertificate" | "voucher" => TenderMethod::GiftCard,
        "storecredit" | "customeraccount" => TenderMethod::StoreCredit,
        k if k.contains("credit") || k.contains("debit") || k.contains("card") => {
            TenderMethod::Card
        }
        _ => TenderMethod::Other,
    }
}

fn tender(li: Node, x: Node, seq: i32, at: DateTime<Utc>, voided: bool) -> R<Tender> {
    let amount = child_dec(x, "Amount")?
        .ok_or_else(|| Bad("<Tender> without <Amount>".into()))?
        .abs();
    let refund = x.attribute("TypeCode") == Some("Refund");
    let method = method_of(x.attribute("TenderType").unwrap_or(""));
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
    let card_entry =
        (method == TenderMethod::Card).then(|| match li.attribute("EntryMethod").unwrap_or("") {
            "MSR" | "Swiped" => CardEntry::Swipe,
            "ICC" | "Chip" | "EMV" => CardEntry::Chip,
            "Contactless" | "RFID" | "NFC" => CardEntry::Contactless,
            "Keyed" => CardEntry::Keyed,
            _ => CardEntry::Other,
        });
    Ok(Tender {
        tender_no: seq,
        method,
        amount: if refund { -amount } else { amount },
        status,
        card_fingerprint: None,
        card_bin: None,
        card_entry,
        occurred_at: at,
    })
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
