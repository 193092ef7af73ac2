//! CSV exports with a declarative column mapping (TOML). One row is one line; rows with the
//! same store and transaction id form one transaction. The mapping names the columns and how
//! the export writes dates, numbers, money units and line kinds, so a new export needs a file,
//! not code. Example (also in docs/ingest.md):
//!
//! ```toml
//! source = "legacy-pos"
//! delimiter = ";"
//! decimal = ","            # decimal separator; group = "." for 1.234,50
//! datetime_format = "%d.%m.%Y %H:%M"   # chrono format; local store time unless it has %z
//! money_unit = "major"     # or "minor" (cents)
//! quantity_divisor = 1     # e.g. 1000 when quantities are grams and the product sells per kg
//! currency = "EUR"         # or a `currency` column
//! store_id = "S01"         # or a `store_id` column
//! [columns]
//! txn_id = "Bon"
//! datetime = "Zeit"        # or date = "Datum" + time = "Uhrzeit"
//! item_id = "EAN"
//! quantity = "Menge"
//! unit_price = "Preis"
//! [kinds]                  # values of the `kind` column
//! sale = ["V"]
//! return = ["R"]
//! void = ["S"]
//! ```

use super::money::{from_minor, parse_formatted, NumberFormat};
use super::{Context, PayloadError};
use crate::envelope::{Record, Reject};
use crate::sku::item_key;
use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use pos_core::model::*;
use rust_decimal::Decimal;
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};

pub const CONTENT_TYPE: &str = "text/csv; format=csv-mapping";

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mapping {
    pub source: String,
    #[serde(default = "comma")]
    pub delimiter: char,
    #[serde(default = "dot")]
    pub decimal: char,
    pub group: Option<char>,
    /// chrono format of a combined date-time column.
    pub datetime_format: Option<String>,
    #[serde(default = "iso_date")]
    pub date_format: String,
    #[serde(default = "iso_time")]
    pub time_format: String,
    #[serde(default)]
    pub money_unit: MoneyUnit,
    #[serde(default = "one")]
    pub quantity_divisor: Decimal,
    pub currency: Option<String>,
    pub store_id: Option<String>,
    pub columns: Columns,
    #[serde(default)]
    pub kinds: Kinds,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MoneyUnit {
    #[default]
    Major,
    Minor,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Columns {
    pub txn_id: String,
    pub datetime: Option<String>,
    pub date: Option<String>,
    pub time: Option<String>,
    pub business_date: Option<String>,
    pub store_id: Option<String>,
    pub register_id: Option<String>,
    pub cashier_id: Option<String>,
    pub customer_id: Option<String>,
    pub line_no: Option<String>,
    pub kind: Option<String>,
    pub item_id: String,
    pub description: Option<String>,
    pub quantity: String,
    pub unit_price: String,
    pub discount: Option<String>,
    pub net_amount: Option<String>,
    pub tax: Option<String>,
    pub currency: Option<String>,
    pub version: Option<String>,
    pub original_txn_id: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Kinds {
    pub sale: Vec<String>,
    #[serde(rename = "return")]
    pub ret: Vec<String>,
    pub void: Vec<String>,
}

impl Default for Kinds {
    fn default() -> Self {
        Kinds {
            sale: vec!["sale".into()],
            ret: vec!["return".into()],
            void: vec!["void".into()],
        }
    }
}

fn comma() -> char {
    ','
}
fn dot() -> char {
    '.'
}
fn iso_date() -> String {
    "%Y-%m-%d".into()
}
fn iso_time() -> String {
    "%H:%M:%S".into()
}
fn one() -> Decimal {
    Decimal::ONE
}

impl Mapping {
    /// Parses and checks a mapping: a time source, a store and a currency must be named.
    pub fn from_toml(text: &str) -> Result<Mapping, String> {
        let m: Mapping = toml::from_str(text).map_err(|e| format!("invalid CSV mapping: {e}"))?;
        m.check()?;
        Ok(m)
    }

    pub fn check(&self) -> Result<(), String> {
        let c = &self.columns;
        if c.datetime.is_none() && c.date.is_none() {
            return Err("the mapping needs columns.datetime or columns.date".into());
        }
        if c.datetime.is_some() && self.datetime_format.is_none() {
            return Err(
                "columns.datetime needs datetime_format (chrono syntax, e.g. \"%d.%m.%Y %H:%M\")"
                    .into(),
            );
        }
        if self.store_id.is_none() && c.store_id.is_none() {
            return Err("name the store: store_id = \"…\" or columns.store_id".into());
        }
        if self.currency.is_none() && c.currency.is_none() {
            return Err("name the currency: currency = \"EUR\" or columns.currency".into());
        }
        if self.quantity_divisor <= Decimal::ZERO {
            return Err("quantity_divisor must be positive".into());
        }
        Ok(())
    }

    fn number_format(&self) -> NumberFormat {
        NumberFormat {
            decimal: self.decimal,
            group: self.group,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Parsed {
    pub records: Vec<Result<Record, Reject>>,
    pub rows: usize,
}

/// One CSV row read through the mapping.
struct Row<'a> {
    no: usize,
    rec: &'a csv::StringRecord,
    idx: &'a HashMap<String, usize>,
}

impl Row<'_> {
    fn get(&self, col: &Option<String>) -> Option<&str> {
        col.as_ref()
            .and_then(|c| self.idx.get(c))
            .and_then(|i| self.rec.get(*i))
            .map(str::trim)
            .filter(|s| !s.is_empty())
    }

    fn req(&self, col: &str) -> Result<&str, String> {
        self.idx
            .get(col)
            .and_then(|i| self.rec.get(*i))
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| format!("row {}: column `{col}` is empty", self.no))
    }

    fn num(&self, m: &Mapping, col: &str) -> Result<Decimal, String> {
        parse_formatted(self.req(col)?, m.number_format())
            .map_err(|e| format!("row {}: column `{col}`: {e}", self.no))
    }

    fn opt_num(&self, m: &Mapping, col: &Option<String>) -> Result<Option<Decimal>, String> {
        match (col, self.get(col)) {
            (Some(c), Some(_)) => self.num(m, c).map(Some),
            _ => Ok(None),
        }
    }
}

/// Reads a CSV body with `m`. A missing header column is a payload error; a bad row rejects
/// its whole transaction (a transaction missing a line would misstate the sale).
pub fn parse(ctx: &Context, m: &Mapping, body: &str) -> Result<Parsed, PayloadError> {
    let mut rdr = csv::ReaderBuilder::new()
        .delimiter(m.delimiter as u8)
        .flexible(true)
        .from_reader(body.as_bytes());
    let headers = rdr
        .headers()
        .map_err(|e| PayloadError::new(None, format!("cannot read the CSV header: {e}")))?
        .clone();
    let idx: HashMap<String, usize> = headers
        .iter()
        .enumerate()
        .map(|(i, h)| (h.trim().trim_start_matches('\u{feff}').to_string(), i))
        .collect();
    for col in required_columns(m) {
        if !idx.contains_key(col) {
            return Err(PayloadError::new(
                Some(col),
                format!(
                    "column `{col}` named by the mapping is not in the header ({})",
                    headers.iter().collect::<Vec<_>>().join(", ")
                ),
            ));
        }
    }
    let mut groups: BTreeMap<(String, String), Vec<RowResult>> = BTreeMap::new();
    let mut rows = 0;
    for (i, rec) in rdr.records().enumerate() {
        let no = i + 2; // 1-based, after the header
        let rec = rec.map_err(|e| PayloadError::new(None, format!("row {no}: {e}")))?;
        rows += 1;
        let row = Row {
            no,
            rec: &rec,
            idx: &idx,
        };
        let store = row
            .get(&m.columns.store_id)
            .map(str::to_string)
            .or_else(|| m.store_id.clone())
            .unwrap_or_default();
        let txn_id = row.req(&m.columns.txn_id).unwrap_or("").to_string();
        groups
            .entry((store.clone(), txn_id))
            .or_default()
            .push(line_of(ctx, m, &row, &store));
    }
    let mut out = Parsed {
        rows,
        ..Parsed::default()
    };
    for ((store, txn_id), lines) in groups {
        out.records.push(assemble(ctx, m, &store, &txn_id, lines));
    }
    Ok(out)
}

fn required_columns(m: &Mapping) -> Vec<&str> {
    let c = &m.columns;
    let mut v = vec![
        c.txn_id.as_str(),
        c.item_id.as_str(),
        c.quantity.as_str(),
        c.unit_price.as_str(),
    ];
    for o in [
        &c.datetime,
        &c.date,
        &c.time,
        &c.business_date,
        &c.store_id,
        &c.register_id,
        &c.cashier_id,
        &c.customer_id,
        &c.line_no,
        &c.kind,
        &c.description,
        &c.discount,
        &c.net_amount,
        &c.tax,
        &c.currency,
        &c.version,
        &c.original_txn_id,
    ]
    .into_iter()
    .flatten()
    {
        v.push(o.as_str());
    }
    v
}

/// One row read through the mapping, or why it could not be.
type RowResult = Result<(Line, Header), String>;

/// The transaction-level fields a row carries (taken from the first row of its transaction).
struct Header {
    at: DateTime<Utc>,
    business_date: Option<NaiveDate>,
    register: Option<String>,
    cashier: Option<String>,
    customer: Option<String>,
    currency: String,
    version: i64,
}

fn money(m: &Mapping, d: Decimal, currency: &str) -> Decimal {
    match m.money_unit {
        MoneyUnit::Major => d,
        MoneyUnit::Minor => from_minor(d.trunc().try_into().unwrap_or(0), currency),
    }
}

fn when(ctx: &Context, m: &Mapping, row: &Row, store: &str) -> Result<DateTime<Utc>, String> {
    let c = &m.columns;
    let err = |col: &str, v: &str, f: &str| {
        format!(
            "row {}: column `{col}`: `{v}` does not match the format `{f}`",
            row.no
        )
    };
    if let (Some(col), Some(f)) = (&c.datetime, &m.datetime_format) {
        let v = row.req(col)?;
        if let Ok(t) = DateTime::parse_from_str(v, f) {
            return Ok(t.with_timezone(&Utc));
        }
        let local = NaiveDateTime::parse_from_str(v, f).map_err(|_| err(col, v, f))?;
        return local_to_utc(ctx, store, local, row.no);
    }
    let col = c.date.as_deref().unwrap_or_default();
    let v = row.req(col)?;
    let date =
        NaiveDate::parse_from_str(v, &m.date_format).map_err(|_| err(col, v, &m.date_format))?;
    let time = match row.get(&c.time) {
        Some(t) => NaiveTime::parse_from_str(t, &m.time_format)
            .map_err(|_| err(c.time.as_deref().unwrap_or_default(), t, &m.time_format))?,
        None => NaiveTime::MIN,
    };
    local_to_utc(ctx, store, date.and_time(time), row.no)
}

fn local_to_utc(
    ctx: &Context,
    store: &str,
    local: NaiveDateTime,
    no: usize,
) -> Result<DateTime<Utc>, String> {
    ctx.tz(store)
        .from_local_datetime(&local)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
        .ok_or_else(|| {
            format!(
                "row {no}: {local} does not exist in {} (DST gap)",
                ctx.tz(store)
            )
        })
}

fn line_of(ctx: &Context, m: &Mapping, row: &Row, store: &str) -> Result<(Line, Header), String> {
    let c = &m.columns;
    let currency = row
        .get(&c.currency)
        .map(str::to_string)
        .or_else(|| m.currency.clone())
        .unwrap_or_default();
    let kind = match row.get(&c.kind) {
        None => LineKind::Sale,
        Some(k) if m.kinds.sale.iter().any(|x| x == k) => LineKind::Sale,
        Some(k) if m.kinds.ret.iter().any(|x| x == k) => LineKind::Return,
        Some(k) if m.kinds.void.iter().any(|x| x == k) => LineKind::Void,
        Some(k) => {
            return Err(format!(
            "row {}: kind `{k}` is none of the mapping's kinds (sale {:?}, return {:?}, void {:?})",
            row.no, m.kinds.sale, m.kinds.ret, m.kinds.void
        ))
        }
    };
    let sign = if kind == LineKind::Sale {
        Decimal::ONE
    } else {
        -Decimal::ONE
    };
    let qty = sign * (row.num(m, &c.quantity)? / m.quantity_divisor).abs();
    let price = money(m, row.num(m, &c.unit_price)?, &currency).abs();
    let discount = row
        .opt_num(m, &c.discount)?
        .map(|d| money(m, d, &currency).abs())
        .unwrap_or_default();
    let net = match row.opt_num(m, &c.net_amount)? {
        Some(n) => sign * money(m, n, &currency).abs(),
        None => qty * price - sign * discount,
    };
    let tax = row
        .opt_num(m, &c.tax)?
        .map(|t| sign * money(m, t, &currency).abs())
        .unwrap_or_default();
    let raw = row.req(&c.item_id)?.to_string();
    let key = item_key(&raw)
        .ok_or_else(|| format!("row {}: item id `{raw}` holds no usable item code", row.no))?;
    let line_no = match row.get(&c.line_no) {
        Some(s) => s
            .parse()
            .map_err(|_| format!("row {}: line number `{s}` is not an integer", row.no))?,
        None => 0, // numbered in row order by `assemble`
    };
    let header = Header {
        at: when(ctx, m, row, store)?,
        business_date: row
            .get(&c.business_date)
            .map(|s| {
                NaiveDate::parse_from_str(s, &m.date_format).map_err(|_| {
                    format!(
                        "row {}: business date `{s}` does not match `{}`",
                        row.no, m.date_format
                    )
                })
            })
            .transpose()?,
        register: row.get(&c.register_id).map(str::to_string),
        cashier: row.get(&c.cashier_id).map(str::to_string),
        customer: row.get(&c.customer_id).map(str::to_string),
        currency,
        version: row
            .get(&c.version)
            .map(|s| {
                s.parse::<i64>()
                    .map_err(|_| format!("row {}: version `{s}` is not an integer", row.no))
            })
            .transpose()?
            .unwrap_or(0),
    };
    let line = Line {
        line_no,
        kind,
        sku: key.sku,
        gtin: key.gtin,
        raw_item_id: raw,
        description: row.get(&c.description).map(str::to_string),
        quantity: qty,
        unit_price: price,
        discount,
        net_amount: net,
        tax,
        entry_method: EntryMethod::Other,
        price_override: false,
        original_txn_id: row.get(&c.original_txn_id).map(str::to_string),
        original_line_no: None,
    };
    Ok((line, header))
}

fn assemble(
    ctx: &Context,
    m: &Mapping,
    store: &str,
    txn_id: &str,
    rows: Vec<RowResult>,
) -> Result<Record, Reject> {
    let reject = |reason: String| Reject {
        tenant_id: Some(ctx.tenant_id.clone()),
        source: m.source.clone(),
        event_id: Some(txn_id.to_string()),
        payload: None,
        reason,
        detail: serde_json::json!({ "store_id": store, "txn_id": txn_id }),
    };
    if txn_id.is_empty() {
        return Err(reject(format!(
            "{} row(s) without a transaction id (column `{}`)",
            rows.len(),
            m.columns.txn_id
        )));
    }
    let mut lines = Vec::with_capacity(rows.len());
    let mut head = None;
    for r in rows {
        let (mut line, h) = r.map_err(|e| reject(format!("transaction {txn_id}: {e}")))?;
        if line.line_no == 0 {
            line.line_no = lines.len() as i32 + 1;
        }
        lines.push(line);
        head.get_or_insert(h);
    }
    let h = head.expect("a group has at least one row");
    let t = Transaction {
        key: TxnKey {
            tenant_id: ctx.tenant_id.clone(),
            store_id: store.to_string(),
            source: m.source.clone(),
            source_txn_id: txn_id.to_string(),
        },
        source_version: h.version,
        occurred_at: h.at,
        business_date: h
            .business_date
            .unwrap_or_else(|| ctx.business_date(store, h.at)),
        register_id: h.register,
        cashier_id: h.cashier,
        customer_id: h.customer,
        status: TxnStatus::Completed,
        currency: h.currency,
        lines,
        tenders: vec![],
    };
    super::finish(ctx, t, Some(txn_id), "")
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAPPING: &str = include_str!("../../tests/data/kasse.toml");

    const BODY: &str = "Bon;Zeit;EAN;Artikel;Menge_g;Preis;Art\n\
1001;05.01.2026 09:15;4011;Bananen;1.500;1,99;V\n\
1001;05.01.2026 09:15;4006381333931;Stift;1.000;1.234,50;V\n\
1001;05.01.2026 09:15;4011;Bananen;500;1,99;S\n\
1002;05.01.2026 23:30;4011;Bananen;1.000;1,99;R\n";

    fn ctx() -> Context {
        let mut c = Context::for_tenant("t");
        c.default_tz = chrono_tz::Europe::Berlin;
        c
    }

    #[test]
    fn grams_comma_decimals_kinds_and_local_times() {
        let m = Mapping::from_toml(MAPPING).unwrap();
        let p = parse(&ctx(), &m, BODY).unwrap();
        assert_eq!((p.rows, p.records.len()), (4, 2));
        let Ok(Record::Txn(t)) = &p.records[0] else {
            panic!("{:?}", p.records[0])
        };
        assert_eq!(t.lines.len(), 3);
        assert_eq!(t.lines[0].quantity, "1.5".parse::<Decimal>().unwrap());
        assert_eq!(t.lines[1].unit_price, "1234.50".parse::<Decimal>().unwrap());
        assert_eq!(t.lines[2].kind, LineKind::Void);
        assert_eq!(
            t.lines.iter().map(|l| l.net_amount).sum::<Decimal>(),
            "1236.49".parse::<Decimal>().unwrap()
        );
        assert_eq!(t.occurred_at.to_rfc3339(), "2026-01-05T08:15:00+00:00");
        let Ok(Record::Txn(r)) = &p.records[1] else {
            panic!()
        };
        assert_eq!(
            (r.lines[0].kind, r.lines[0].net_amount),
            (LineKind::Return, "-1.99".parse().unwrap())
        );
    }

    #[test]
    fn a_bad_row_rejects_its_transaction_only() {
        let m = Mapping::from_toml(MAPPING).unwrap();
        let body = BODY.replace("1.234,50", "12.5");
        let p = parse(&ctx(), &m, &body).unwrap();
        let e = p.records[0].as_ref().unwrap_err();
        assert!(
            e.reason.contains("row 3") && e.reason.contains("Preis"),
            "{}",
            e.reason
        );
        assert!(p.records[1].is_ok());
    }

    #[test]
    fn missing_columns_and_incomplete_mappings_are_named() {
        let m = Mapping::from_toml(MAPPING).unwrap();
        let e = parse(&ctx(), &m, "Bon;Zeit\n1;2\n").unwrap_err();
        assert_eq!(e.field.as_deref(), Some("EAN"));
        let e = Mapping::from_toml(&MAPPING.replace("currency = \"EUR\"", "")).unwrap_err();
        assert!(e.contains("currency"), "{e}");
    }
}
