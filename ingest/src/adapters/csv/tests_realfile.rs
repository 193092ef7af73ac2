//! A probe for real exports that are not in the repository: reads a file the way `import`
//! does (decoded by the mapping's `encoding`, cut into chunks by [`Plan`], each chunk mapped
//! by [`parse_at`]) and prints what landed, so that the sums can be checked against the raw
//! file with another tool (pandas). Ignored: it needs a file.
//!
//! ```text
//! RT_FILE=/path/export.csv RT_MAPPING=ingest/mappings/x.toml \
//!   cargo test -p pos-ingest --lib probe_real_csv -- --ignored --nocapture
//! ```
//! `RT_CHUNK` sets the rows per chunk (default 5000, `import`'s default is of that order);
//! `RT_DAYS=<file>` writes the net per business day as `date,net` lines.

use super::*;
use crate::adapters::format::{text_of, Format};
use pos_core::model::*;
use std::collections::BTreeMap;

/// Sums over every line that landed, and the rejects by reason.
#[derive(Debug, Default)]
pub(super) struct Summary {
    pub rows: usize,
    pub txns: usize,
    pub lines: usize,
    pub quantity: Decimal,
    pub net: Decimal,
    pub discount: Decimal,
    pub tax: Decimal,
    pub tenders: Decimal,
    /// Descriptions that look like UTF-8 read as a single-byte encoding (`Ã¤` for `ä`).
    pub mojibake: usize,
    /// Reason (row numbers cut off) → count.
    pub rejects: BTreeMap<String, usize>,
    /// Net of the lines per business day, to compare day by day (`RT_DAYS` writes it).
    pub days: BTreeMap<chrono::NaiveDate, Decimal>,
}

impl Summary {
    pub(super) fn add(&mut self, p: &Parsed) {
        self.rows += p.rows;
        for r in &p.records {
            match r {
                Ok(Record::Txn(t)) => self.add_txn(t),
                Ok(_) => {}
                Err(e) => *self.rejects.entry(reason_kind(&e.reason)).or_default() += 1,
            }
        }
    }

    fn add_txn(&mut self, t: &Transaction) {
        self.txns += 1;
        self.lines += t.lines.len();
        *self.days.entry(t.business_date).or_default() += net_of(t);
        for l in &t.lines {
            self.quantity += l.quantity;
            self.net += l.net_amount;
            self.discount += l.discount;
            self.tax += l.tax;
            let desc = l.description.as_deref().unwrap_or("");
            self.mojibake += usize::from(desc.contains(['Ã', 'Â']) || desc.contains("â€"));
        }
        self.tenders += t.tenders.iter().map(|x| x.amount).sum::<Decimal>();
    }
}

fn net_of(t: &Transaction) -> Decimal {
    t.lines.iter().map(|l| l.net_amount).sum()
}

/// A reject reason with its row number left out, so that like reasons count together.
fn reason_kind(reason: &str) -> String {
    let mut out = String::new();
    let mut digits = false;
    for c in reason.chars() {
        if c.is_ascii_digit() {
            if !digits {
                out.push('#');
            }
            digits = true;
        } else {
            digits = false;
            out.push(c);
        }
    }
    out
}

#[test]
#[ignore = "needs RT_FILE and RT_MAPPING"]
fn probe_real_csv() {
    let file = std::env::var("RT_FILE").expect("RT_FILE");
    let toml = std::fs::read_to_string(std::env::var("RT_MAPPING").expect("RT_MAPPING")).unwrap();
    let m = Mapping::from_toml(&toml).unwrap();
    let rows: usize = std::env::var("RT_CHUNK").map_or(5000, |s| s.parse().unwrap());
    let bytes = std::fs::read(&file).unwrap();
    let mappings = HashMap::from([("m".to_string(), m.clone())]);
    let text = text_of(&mappings, &Format::Csv("m".into()), &bytes).unwrap();
    let mut ctx = Context::for_tenant("t");
    ctx.default_currency = "USD".into();
    let mut s = Summary::default();
    match Plan::new(&m, &text, rows) {
        Ok(plan) => {
            for c in plan.chunks(&text, 0) {
                s.add(&parse_at(&ctx, &m, &c.body, c.line_offset).unwrap());
            }
        }
        Err(e) => println!("PLAN ERROR (read whole): {e:?}"),
    }
    if let Ok(out) = std::env::var("RT_DAYS") {
        let csv: String = s.days.iter().map(|(d, n)| format!("{d},{n}\n")).collect();
        std::fs::write(out, csv).unwrap();
    }
    let (first, last) = (s.days.keys().next(), s.days.keys().last());
    println!("days {} from {first:?} to {last:?}", s.days.len());
    s.days.clear();
    println!("{s:#?}");
}

#[test]
fn reject_reasons_count_together_without_their_row_numbers() {
    assert_eq!(
        reason_kind("row 12: `Quantity` 1x is not a number"),
        reason_kind("row 345: `Quantity` 1x is not a number")
    );
}
