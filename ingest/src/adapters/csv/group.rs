//! Rows grouped into transactions: returns split off their sale, the transaction-level
//! fields (time, business day, currency, status) from its rows, and the transaction assembled.

use super::cells::{is_excel_scientific, matches, scientific_id, Col, Cols, Row};
use super::dates::{read_date, read_datetime, read_time, Stamp};
use super::line::line_of;
use super::order::{spread_order_discount, spread_order_duties, spread_order_tax};
use super::tender::tender_of;
use super::{day_start, id_cell, parse_zone, Mapping, RejectScope, Zone};
use crate::adapters::Context;
use crate::envelope::{Record, Reject};
use chrono::{DateTime, FixedOffset, NaiveDate, NaiveTime, Utc};
use pos_core::model::*;
use rust_decimal::Decimal;

/// The rows of one transaction.
pub(super) struct Group {
    pub(super) store: String,
    /// Why the store column's value gives no store id (`reject_unknown_stores`).
    pub(super) store_error: Option<String>,
    pub(super) txn_id: String,
    /// For a return split off its sale (`split_returns`): the sale's id.
    pub(super) original: Option<String>,
    pub(super) rows: Vec<Row>,
    /// Rows a `[[reject_rows]]` rule of `scope = "row"` took out, and rows of the transaction
    /// itself (`[[transaction_rows]]`). They are still in `rows`, for the transaction-level
    /// cells they carry, but give no line.
    pub(super) dropped: Vec<Dropped>,
}

/// A row that gives its transaction no line.
pub(super) struct Dropped {
    /// Its place among the group's `rows`: what tells it from the others. Its line number
    /// does not: a file with old Mac line ends (`\r` alone) was all line 1 to the reader, and
    /// one fee row taken out took every row of its transaction with it.
    pub(super) at: usize,
    /// Its line number, for the reject.
    pub(super) no: usize,
    pub(super) out: Out,
}

/// Why a row gives no line.
pub(super) enum Out {
    /// A row-scoped rule took it out: a reject of its own, saying why.
    Rejected(String),
    /// It is a row of the transaction itself (`column` `value`): no reject.
    Described(String),
}

impl Dropped {
    /// Why a row-scoped rule took it out, if one did.
    fn rejected(&self) -> Option<&str> {
        match &self.out {
            Out::Rejected(why) => Some(why),
            Out::Described(_) => None,
        }
    }
}

impl Group {
    /// Whether the row at `at` among `rows` was taken out by a row-scoped rule.
    fn is_dropped(&self, at: usize) -> bool {
        self.dropped.iter().any(|d| d.at == at)
    }

    /// The rows that give lines: all but those taken out.
    fn kept(&self) -> impl Iterator<Item = &Row> {
        self.rows
            .iter()
            .enumerate()
            .filter(|&(i, _)| !self.is_dropped(i))
            .map(|(_, r)| r)
    }
}

/// Whether a row is a return before it is read in full: its kind says so, or (without a
/// kind) its quantity is negative.
pub(super) fn is_return_row(m: &Mapping, cols: &Cols, row: &Row) -> bool {
    match row.get(&cols.kind) {
        Some(k) if matches(&m.kinds.ret, k) => true,
        Some(k) if matches(&m.kinds.sale, k) || matches(&m.kinds.void, k) => {
            matches(&m.kinds.sale, k) && negative_quantity(m, cols, row)
        }
        _ => negative_quantity(m, cols, row),
    }
}

/// Whether the row's kind marks it as a line voided in place (`[kinds] voided`).
fn is_voided_row(m: &Mapping, cols: &Cols, row: &Row) -> bool {
    row.get(&cols.kind)
        .is_some_and(|k| matches(&m.kinds.voided, k))
}

/// The void of a line voided in place, numbered `no`: the same item, quantity, discount, net
/// and tax with the opposite sign of the line it takes back (a void's quantity is never
/// positive), so the two add up to nothing while the void is counted as one.
fn void_of(line: &Line, no: usize) -> Line {
    let back = if line.kind == LineKind::Sale {
        -Decimal::ONE
    } else {
        Decimal::ONE
    };
    Line {
        line_no: no as i32,
        kind: LineKind::Void,
        quantity: -line.quantity.abs(),
        net_amount: back * line.net_amount.abs(),
        tax: back * line.tax.abs(),
        ..line.clone()
    }
}

fn negative_quantity(m: &Mapping, cols: &Cols, row: &Row) -> bool {
    matches!(row.num(m, &cols.quantity), Ok(Some(q)) if q < Decimal::ZERO)
}

/// `<id>/return/<digits of the row's date and time>`: the same refund gets the same id in
/// every export, and two refunds of one sale at different times stay apart.
pub(super) fn return_txn_id(cols: &Cols, row: &Row, txn_id: &str) -> String {
    let stamp: String = [&cols.datetime, &cols.date, &cols.time]
        .into_iter()
        .filter_map(|c| row.get(c))
        .flat_map(str::chars)
        .filter(char::is_ascii_digit)
        .collect();
    if stamp.is_empty() {
        format!("{txn_id}/return")
    } else {
        format!("{txn_id}/return/{stamp}")
    }
}

/// The transaction-level fields, each from the first row of the transaction that has it.
struct Header {
    at: DateTime<Utc>,
    business_date: NaiveDate,
    register: Option<String>,
    cashier: Option<String>,
    customer: Option<String>,
    currency: String,
    status: TxnStatus,
    version: i64,
}

/// The first non-blank cell of `col` among `rows`.
pub(super) fn first<'a>(rows: &'a [Row], col: &Option<Col>) -> Option<(&'a Row, &'a str)> {
    rows.iter().find_map(|r| r.get(col).map(|v| (r, v)))
}

fn header_of(ctx: &Context, m: &Mapping, cols: &Cols, g: &Group) -> Result<Header, String> {
    let currency = match first(&g.rows, &cols.currency) {
        Some((row, c)) if !is_currency_code(c) => {
            return Err(row.err(
                cols.currency.as_ref().expect("a cell was found"),
                format!("`{c}` is not an ISO 4217 currency code (e.g. EUR)"),
            ))
        }
        Some((_, c)) => c.to_uppercase(),
        None => m
            .currency
            .clone()
            .unwrap_or_else(|| ctx.currency_of(&g.store)),
    };
    // Whether a zone is given for the business day (a column, the mapping, the store's
    // config); else the offset a time is written with says where the sale was.
    let zone_given = first(&g.rows, &cols.time_zone).is_some()
        || m.time_zone.is_some()
        || ctx.store_tz.contains_key(&g.store);
    let zone = match first(&g.rows, &cols.time_zone) {
        Some((row, v)) => parse_zone(v).ok_or_else(|| {
            row.err(
                cols.time_zone.as_ref().expect("a cell was found"),
                format!(
                    "`{v}` is not a time zone this adapter reads (an IANA name such as \
                     America/Los_Angeles, an offset such as -08:00, or a Rails/Windows name \
                     such as Pacific Time (US & Canada))"
                ),
            )
        })?,
        None => match &m.time_zone {
            // `Mapping::check` refuses a mapping whose zone does not parse; a mapping built
            // around it still gets an error, not a panic.
            Some(z) => parse_zone(z)
                .ok_or_else(|| format!("mapping time_zone = \"{z}\" is not a time zone"))?,
            None => Zone::Named(ctx.tz(&g.store)),
        },
    };
    let (at, written) = when(m, cols, &g.rows, zone)?;
    let day_zone = match written {
        Some(offset) if !zone_given => Zone::Fixed(offset),
        _ => zone,
    };
    let business_date = match first(&g.rows, &cols.business_date) {
        Some((row, s)) => {
            let col = cols.business_date.as_ref().expect("a cell was found");
            read_date(s, m).map_err(|e| row.err(col, e))?.0
        }
        None => business_day(m, ctx, &g.store, day_zone, at),
    };
    let status = status_of(m, cols, &g.rows);
    let version = match first(&g.rows, &cols.version) {
        Some((row, s)) => s.parse::<i64>().map_err(|_| {
            row.err(
                cols.version.as_ref().expect("a cell was found"),
                format!("`{s}` is not an integer"),
            )
        })?,
        None => 0,
    };
    Ok(Header {
        at,
        business_date,
        register: header_id(m, &g.rows, &cols.register_id, "register_id")?,
        cashier: header_id(m, &g.rows, &cols.cashier_id, "cashier_id")?,
        customer: header_id(m, &g.rows, &cols.customer_id, "customer_id")?,
        currency,
        status,
        version,
    })
}

/// The transaction's register, cashier or customer id (`key`): its first cell, `integer_ids`
/// applied. A cell Excel wrote in scientific notation is refused as a `txn_id` is: kept as
/// written, `1.23457E+12` merged every customer (cashier, register) it stands for into one.
fn header_id(
    m: &Mapping,
    rows: &[Row],
    col: &Option<Col>,
    key: &str,
) -> Result<Option<String>, String> {
    let Some((row, v)) = first(rows, col) else {
        return Ok(None);
    };
    if is_excel_scientific(v) {
        return Err(row.err(col.as_ref().expect("a cell was found"), scientific_id(v)));
    }
    Ok(Some(id_cell(m, key, v).to_string()))
}

/// The transaction's status: its `status` cell through `[statuses]`; an order with a
/// `cancelled_at` cell was called off after it was placed, so it is no sale even when its
/// status is a paid one (Shopify keeps `paid` / `refunded` on a cancelled order): cancelled
/// when never paid (`cancelled` or `unpaid` values), else post-voided.
fn status_of(m: &Mapping, cols: &Cols, rows: &[Row]) -> TxnStatus {
    let status = first(rows, &cols.status).map(|(_, s)| s);
    let is = |values: &[String]| status.is_some_and(|s| matches(values, s));
    let called_off = first(rows, &cols.cancelled_at).is_some();
    if is(&m.statuses.cancelled) || (called_off && is(&m.statuses.unpaid)) {
        TxnStatus::Cancelled
    } else if called_off || is(&m.statuses.post_voided) {
        TxnStatus::PostVoided
    } else {
        TxnStatus::Completed
    }
}

/// The business day of `at` in `zone`: the local date less the day's start (with 04:00, 00:36
/// on the 10th is the 9th's business day). The start is the mapping's `business_day_start`,
/// else the store's configured one (`[stores.X] business_day_start`, else the top-level one),
/// as for every other source: a bar's 01:30 sale imported from its CSV export lands on the day
/// its API orders do.
fn business_day(
    m: &Mapping,
    ctx: &Context,
    store: &str,
    zone: Zone,
    at: DateTime<Utc>,
) -> NaiveDate {
    let local = zone.local_at(at);
    let start = match m.business_day_start.as_deref() {
        Some(s) => day_start(s),
        None => Some(ctx.day_start(store)),
    };
    start
        .and_then(|start| local.checked_sub_signed(start))
        .unwrap_or(local)
        .date()
}

/// Three ASCII letters, as ISO 4217 codes are (case is forgiven: "usd").
fn is_currency_code(s: &str) -> bool {
    s.len() == 3 && s.chars().all(|c| c.is_ascii_alphabetic())
}

/// When the transaction happened: the first row with a date-time (or date) cell, read in
/// `zone` unless the cell carries its own offset (`%z`), which is returned too: it is the
/// local time of the sale as the export wrote it (Shopify writes the shop's offset).
fn when(
    m: &Mapping,
    cols: &Cols,
    rows: &[Row],
    zone: Zone,
) -> Result<(DateTime<Utc>, Option<FixedOffset>), String> {
    if let (Some(_), Some(formats)) = (&cols.datetime, &m.datetime_format) {
        let (row, v) =
            first(rows, &cols.datetime).ok_or_else(|| empty_everywhere(&cols.datetime))?;
        let col = cols.datetime.as_ref().expect("a cell was found");
        return match read_datetime(v, &formats.names(), m).map_err(|e| row.err(col, e))? {
            Stamp::Written(t) => Ok((t.with_timezone(&Utc), Some(*t.offset()))),
            Stamp::Local(local) => zone
                .to_utc(local)
                .map(|t| (t, None))
                .map_err(|e| row.err(col, e)),
        };
    }
    let (row, v) = first(rows, &cols.date).ok_or_else(|| empty_everywhere(&cols.date))?;
    let col = cols.date.as_ref().expect("a cell was found");
    let (date, serial_time) = read_date(v, m).map_err(|e| row.err(col, e))?;
    // The time cell of the same row: a date from one row and a time from another would be
    // no time at all. Without a time column, the time an Excel serial's fraction gives, else
    // midnight. A time column blank there is refused: read as midnight, a sale went to the
    // day before under `business_day_start` and to a midnight that never was.
    let time = match (row.get(&cols.time), &cols.time, serial_time) {
        (Some(t), _, _) => read_time(t, m)
            .map_err(|e| row.err(cols.time.as_ref().expect("a cell was found"), e))?,
        (None, Some(c), None) => {
            return Err(row.err(
                c,
                "is empty on the row that gives the date: the time of the sale is unknown",
            ))
        }
        (None, _, serial) => serial.unwrap_or(NaiveTime::MIN),
    };
    zone.to_utc(date.and_time(time))
        .map(|t| (t, None))
        .map_err(|e| row.err(col, e))
}

fn empty_everywhere(col: &Option<Col>) -> String {
    format!(
        "column `{}` is empty on every row of the transaction",
        col.as_ref().map_or("", |c| c.name.as_str())
    )
}

/// The first row that a `[[reject_rows]]` rule of `scope` names: the error naming its row,
/// column, value and the rule's reason.
fn rule_match(m: &Mapping, cols: &Cols, row: &Row, scope: RejectScope) -> Option<String> {
    let rules = m
        .reject_rows
        .iter()
        .zip(&cols.reject_rows)
        .zip(&cols.reject_blank);
    rules
        .filter(|((rule, _), _)| rule.scope == scope)
        .find_map(|((rule, col), blank)| {
            let v = row.cell(col).filter(|v| matches(&rule.values, v))?;
            if blank.iter().any(|c| row.cell(c).is_some()) {
                return None;
            }
            Some(row.err(col, format!("`{v}`: {}", rule.reason)))
        })
}

/// Why a transaction-scoped rule rejects these rows' transaction, if one does.
fn rejected_row(m: &Mapping, cols: &Cols, rows: &[Row]) -> Result<(), String> {
    match rows
        .iter()
        .find_map(|r| rule_match(m, cols, r, RejectScope::Transaction))
    {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// What the rows a row-scoped rule took out of `g` came to (net plus tax, as lines would
/// have read them): money in the order's total that is no goods (Shopify's checkout tip), so
/// the totals' test of tax-inclusive prices leaves it out. A row that does not read as a line
/// counts 0, and amounts too large to add up count 0 in all (the test then falls back to
/// `prices_include_tax`, as for any total that fits neither sum).
fn taken_out_amount(m: &Mapping, cols: &Cols, g: &Group, currency: &str) -> Decimal {
    let mut amounts = g
        .dropped
        .iter()
        .filter(|d| d.rejected().is_some())
        .map(|d| &g.rows[d.at])
        .filter_map(|r| line_of(m, cols, r, currency, &None).ok())
        .map(|l| l.net_amount.abs().checked_add(l.tax.abs()));
    amounts
        .try_fold(Decimal::ZERO, |sum, a| sum.checked_add(a?))
        .unwrap_or_default()
}

/// Why a row-scoped rule takes this row out of its transaction, if one does.
pub(super) fn dropped_row(m: &Mapping, cols: &Cols, row: &Row) -> Option<String> {
    rule_match(m, cols, row, RejectScope::Row)
}

/// The rejects of the rows a row-scoped rule took out of `g`, one per row.
pub(super) fn row_rejects<'a>(
    ctx: &'a Context,
    m: &'a Mapping,
    g: &'a Group,
) -> impl Iterator<Item = Result<Record, Reject>> + 'a {
    g.dropped.iter().filter_map(move |d| {
        let why = d.rejected()?;
        Some(Err(Reject {
            tenant_id: Some(ctx.tenant_id.clone()),
            source: m.source.clone(),
            event_id: Some(g.txn_id.clone()),
            payload: None,
            reason: format!("transaction {}: {why} (the row alone)", g.txn_id),
            detail: serde_json::json!({
                "store_id": g.store,
                "txn_id": g.txn_id,
                "rows": [d.no],
            }),
        }))
    })
}

/// The reject of a transaction that has rows of its own (`[[transaction_rows]]`) and no line
/// at all, naming those rows: without it the transaction would vanish without a word (a
/// payment of an earlier sale, a sale whose items the file lacks). Rows a row-scoped rule
/// took out are rejects already.
pub(super) fn no_line_reject<'a>(
    ctx: &'a Context,
    m: &'a Mapping,
    g: &'a Group,
) -> Option<Result<Record, Reject>> {
    if g.rows.len() > g.dropped.len() {
        return None;
    }
    let described: Vec<&Dropped> = g
        .dropped
        .iter()
        .filter(|d| d.rejected().is_none())
        .collect();
    let first = described.first()?;
    let Out::Described(what) = &first.out else {
        return None;
    };
    Some(Err(Reject {
        tenant_id: Some(ctx.tenant_id.clone()),
        source: m.source.clone(),
        event_id: Some(g.txn_id.clone()),
        payload: None,
        reason: format!(
            "transaction {}: no line: its rows are rows of the transaction ([[transaction_rows]]: \
             row {} {what}{})",
            g.txn_id,
            first.no,
            if described.len() > 1 { ", …" } else { "" }
        ),
        detail: serde_json::json!({
            "store_id": g.store,
            "txn_id": g.txn_id,
            "rows": described.iter().map(|d| d.no).collect::<Vec<_>>(),
        }),
    }))
}

pub(super) fn assemble(
    ctx: &Context,
    m: &Mapping,
    cols: &Cols,
    g: &Group,
) -> Result<Record, Reject> {
    let reject = |reason: String| Reject {
        tenant_id: Some(ctx.tenant_id.clone()),
        source: m.source.clone(),
        event_id: Some(g.txn_id.clone()),
        payload: None,
        reason,
        detail: serde_json::json!({
            "store_id": g.store,
            "txn_id": g.txn_id,
            "rows": g.rows.iter().map(|r| r.no).collect::<Vec<_>>(),
        }),
    };
    if g.txn_id.is_empty() {
        return Err(reject(format!(
            "{} row(s) without a transaction id (column `{}`), first at row {}",
            g.rows.len(),
            m.columns.txn_id,
            g.rows[0].no
        )));
    }
    if g.store.is_empty() {
        return Err(reject(format!(
            "transaction {}: column `{}` is empty and the mapping names no store_id",
            g.txn_id,
            m.columns.store_id.as_deref().unwrap_or_default()
        )));
    }
    let in_txn = |e: String| reject(format!("transaction {}: {e}", g.txn_id));
    // The `txn_id` cell itself: the group's id may carry qualifiers (`txn_id_with`).
    let id_cell = g.rows[0].get(&cols.txn_id).unwrap_or("");
    if is_excel_scientific(id_cell) {
        let c = cols.txn_id.as_ref().expect("required columns are resolved");
        return Err(in_txn(g.rows[0].err(c, scientific_id(id_cell))));
    }
    if let Some(e) = &g.store_error {
        return Err(in_txn(e.clone()));
    }
    rejected_row(m, cols, &g.rows).map_err(in_txn)?;
    let h = header_of(ctx, m, cols, g).map_err(in_txn)?;
    let mut lines = Vec::with_capacity(g.rows.len());
    for row in g.kept() {
        let mut line = line_of(m, cols, row, &h.currency, &g.original).map_err(in_txn)?;
        if line.line_no == 0 {
            line.line_no = lines.len() as i32 + 1;
        }
        let voided = is_voided_row(m, cols, row).then(|| void_of(&line, lines.len() + 2));
        lines.push(line);
        lines.extend(voided);
    }
    spread_order_discount(m, cols, &g.rows, &h.currency, &mut lines).map_err(in_txn)?;
    let taken_out = taken_out_amount(m, cols, g, &h.currency);
    spread_order_tax(m, cols, &g.rows, &h.currency, &mut lines, taken_out).map_err(in_txn)?;
    spread_order_duties(m, cols, &g.rows, &h.currency, &mut lines).map_err(in_txn)?;
    // Money a row-scoped rule took out is in a `tender_amount` cell written for all rows;
    // rows of the transaction itself take none out.
    let from_lines = g.dropped.iter().any(|d| d.rejected().is_some());
    let tender =
        tender_of(m, cols, &g.rows, &h.currency, &lines, from_lines, h.at).map_err(in_txn)?;
    let t = Transaction {
        key: TxnKey {
            tenant_id: ctx.tenant_id.clone(),
            store_id: g.store.clone(),
            source: m.source.clone(),
            source_txn_id: g.txn_id.clone(),
        },
        source_version: h.version,
        occurred_at: h.at,
        business_date: h.business_date,
        register_id: h.register,
        cashier_id: h.cashier,
        customer_id: h.customer,
        status: h.status,
        currency: h.currency,
        lines,
        tenders: tender.into_iter().collect(),
    };
    crate::adapters::finish(ctx, t, Some(&g.txn_id), "")
}
