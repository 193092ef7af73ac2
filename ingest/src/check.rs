//! `pos-ingest check FILE… [--format F]`: files mapped exactly as `import` maps them (CSV files
//! in the same chunks), without a database: what would land — transactions by status, lines,
//! tenders, money per currency — and what would be rejected, and why. For trying a CSV mapping
//! on a real export before importing it, or a new till's POSLog. Nothing is written anywhere.

use crate::adapters::csv::Mapping;
use crate::adapters::format::{csv_plan, map, text_of, Events, Format, Meta};
use crate::adapters::Context;
use crate::envelope::{Envelope, Record};
use anyhow::Context as _;
use chrono::NaiveDate;
use pos_core::model::{TenderStatus, Transaction, TxnStatus};
use rust_decimal::Decimal;
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

/// Rejects printed in full; the rest are counted.
const SHOWN_REJECTS: usize = 20;

/// Money of the completed transactions of one currency.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Money {
    /// Of the revenue lines, as the views count net sales.
    pub net: Decimal,
    pub tax: Decimal,
    /// Lines paid for that are not revenue (gift cards sold…): in the tenders, not in `net`.
    pub non_revenue: Decimal,
    pub discount: Decimal,
    /// Approved tenders (declined and voided attempts took no money), as `pos.store_daily`
    /// sums them.
    pub tenders: Decimal,
    /// The tips inside `tenders` (staff's money, in no line).
    pub tips: Decimal,
    /// Transactions whose tenders less tips are not their lines' net plus tax plus non-revenue
    /// (and that have tenders).
    pub unbalanced: usize,
}

/// One business day of one currency.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Day {
    /// Completed transactions with at least one line, as `pos.store_daily.transactions` counts
    /// them (`pos.txn_has_lines`): a part holding money only (a Toast check's payment taken on a
    /// later day, a Shopify refund of shipping alone) is no transaction of its day, though its
    /// tenders are money of it.
    pub txns: usize,
    pub net: Decimal,
    pub tax: Decimal,
    pub non_revenue: Decimal,
    /// Approved tenders of the day's completed transactions, and the tips inside them.
    pub tenders: Decimal,
    pub tips: Decimal,
}

#[derive(Debug, Default)]
pub struct Report {
    pub files: usize,
    pub payloads: usize,
    /// Transactions by status (`completed`, `post_voided`, `cancelled`).
    pub txns: BTreeMap<&'static str, usize>,
    pub lines: usize,
    pub tenders: usize,
    /// Payments, drawer events and stock levels sent on their own.
    pub other_records: usize,
    pub money: BTreeMap<String, Money>,
    /// Drawer events per currency and kind: how many, and the cash they moved. Loans,
    /// pickups, paid-ins and paid-outs are what a till's cash report holds besides the sales.
    pub drawer: BTreeMap<(String, &'static str), (usize, Decimal)>,
    /// Completed transactions per currency and business day: what a POS's own daily report
    /// is compared with.
    pub days: BTreeMap<(String, NaiveDate), Day>,
    pub rejects: usize,
    pub shown: Vec<String>,
    /// Files (or chunks) nothing could be read from, with the reason.
    pub unreadable: Vec<String>,
    /// Files with nothing in them: `import` skips them, saying so, and so does `check`.
    pub empty: Vec<String>,
}

impl Report {
    /// Whether everything read would land: no reject, no unreadable file.
    pub fn clean(&self) -> bool {
        self.rejects == 0 && self.unreadable.is_empty()
    }

    fn add(&mut self, envs: Vec<Envelope>) {
        for e in envs {
            self.payloads += 1;
            self.rejects += e.rejects.len();
            for r in e.rejects {
                if self.shown.len() < SHOWN_REJECTS {
                    self.shown.push(r.reason);
                }
            }
            for rec in e.records {
                match rec {
                    Record::Txn(t) => self.add_txn(&t),
                    // Deletes a derived transaction an earlier version wrote: nothing to count.
                    Record::Retract(_) => {}
                    Record::Drawer(d) => {
                        self.other_records += 1;
                        let (n, cash) = self
                            .drawer
                            .entry((d.currency.clone(), d.kind.as_str()))
                            .or_default();
                        *n += 1;
                        *cash = cash.saturating_add(d.kind.counted(d.amount));
                    }
                    _ => self.other_records += 1,
                }
            }
        }
    }

    fn add_txn(&mut self, t: &Transaction) {
        *self.txns.entry(t.status.as_str()).or_default() += 1;
        self.lines += t.lines.len();
        self.tenders += t.tenders.len();
        if t.status != TxnStatus::Completed {
            return;
        }
        let m = self.money.entry(t.currency.clone()).or_default();
        // Saturating: a report of absurd amounts must not panic (the writer refuses them).
        let sum = |it: &mut dyn Iterator<Item = Decimal>| {
            it.fold(Decimal::ZERO, |a, b| a.saturating_add(b))
        };
        let of = |non_revenue: bool| {
            let lines = t.lines.iter().filter(|l| l.non_revenue == non_revenue);
            sum(&mut lines.map(|l| l.net_amount))
        };
        let (net, non_revenue) = (of(false), of(true));
        let tax = sum(&mut t.lines.iter().map(|l| l.tax));
        let approved = || {
            t.tenders
                .iter()
                .filter(|p| p.status == TenderStatus::Approved)
        };
        let paid = sum(&mut approved().map(|p| p.amount));
        let tips = sum(&mut approved().map(|p| p.tip));
        m.net = m.net.saturating_add(net);
        m.tax = m.tax.saturating_add(tax);
        m.non_revenue = m.non_revenue.saturating_add(non_revenue);
        m.discount = m
            .discount
            .saturating_add(sum(&mut t.lines.iter().map(|l| l.discount)));
        m.tenders = m.tenders.saturating_add(paid);
        m.tips = m.tips.saturating_add(tips);
        let day = self
            .days
            .entry((t.currency.clone(), t.business_date))
            .or_default();
        if !t.lines.is_empty() {
            day.txns += 1;
        }
        day.net = day.net.saturating_add(net);
        day.tax = day.tax.saturating_add(tax);
        day.non_revenue = day.non_revenue.saturating_add(non_revenue);
        day.tenders = day.tenders.saturating_add(paid);
        day.tips = day.tips.saturating_add(tips);
        let goods = net.saturating_add(tax).saturating_add(non_revenue);
        if approved().next().is_some() && paid.saturating_sub(tips) != goods {
            m.unbalanced += 1;
        }
    }
}

impl Report {
    /// The days as CSV (`currency,business_date,transactions,net,tax,non_revenue,tenders,tips`),
    /// for comparing with the source's own daily totals (sales and payments) in another tool.
    pub fn days_csv(&self) -> String {
        let mut out =
            String::from("currency,business_date,transactions,net,tax,non_revenue,tenders,tips\n");
        for ((ccy, date), d) in &self.days {
            let (n, net, tax, nr) = (d.txns, d.net, d.tax, d.non_revenue);
            let (paid, tips) = (d.tenders, d.tips);
            out.push_str(&format!(
                "{ccy},{date},{n},{net},{tax},{nr},{paid},{tips}\n"
            ));
        }
        out
    }
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "files:        {} ({} payloads)",
            self.files, self.payloads
        )?;
        let txns: Vec<String> = self.txns.iter().map(|(s, n)| format!("{n} {s}")).collect();
        writeln!(f, "transactions: {}", none_if_empty(&txns.join(", ")))?;
        writeln!(
            f,
            "lines:        {}; tenders {}; other records {}",
            self.lines, self.tenders, self.other_records
        )?;
        for (ccy, m) in &self.money {
            writeln!(
                f,
                "money {ccy}:    net {} tax {} non-revenue {} discount {} tenders {} tips {} (completed; {} with tenders − tips ≠ net + tax + non-revenue)",
                m.net, m.tax, m.non_revenue, m.discount, m.tenders, m.tips, m.unbalanced
            )?;
        }
        let mut drawer: BTreeMap<&str, Vec<String>> = BTreeMap::new();
        for ((ccy, kind), (n, cash)) in &self.drawer {
            drawer
                .entry(ccy)
                .or_default()
                .push(format!("{n} {kind} ({cash})"));
        }
        for (ccy, kinds) in drawer {
            writeln!(f, "drawer {ccy}:   {}", kinds.join(", "))?;
        }
        writeln!(f, "rejected:     {}", self.rejects)?;
        for r in &self.shown {
            writeln!(f, "  {r}")?;
        }
        if self.rejects > self.shown.len() {
            writeln!(f, "  … and {} more", self.rejects - self.shown.len())?;
        }
        for u in &self.unreadable {
            writeln!(f, "unreadable:   {u}")?;
        }
        for e in &self.empty {
            writeln!(f, "empty:        {e}: nothing to import")?;
        }
        Ok(())
    }
}

fn none_if_empty(s: &str) -> &str {
    if s.is_empty() {
        "none"
    } else {
        s
    }
}

/// Maps each file as `import` would and sums up what would land.
pub fn run(
    files: &[PathBuf],
    format: Option<&Format>,
    ctx: &Context,
    mappings: &HashMap<String, Mapping>,
) -> anyhow::Result<Report> {
    let mut r = Report::default();
    for file in files {
        let format = crate::import::format_of(format, file)?;
        let bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
        r.files += 1;
        // As `import`: an empty file is said to be empty, not mapped. Mapped, an empty POSLog
        // or Square file was "unreadable" and failed the check that `import` passes (exit 0,
        // "empty: nothing to import").
        if bytes.is_empty() {
            r.empty.push(file.display().to_string());
            continue;
        }
        let text = match text_of(mappings, &format, &bytes) {
            Ok(t) => t,
            Err(e) => {
                r.unreadable
                    .push(format!("{}: {}", file.display(), e.message));
                continue;
            }
        };
        let mut one = |body: &str, meta: &Meta| match map(ctx, mappings, &format, body, meta) {
            Ok(m) => r.add(m.envelopes),
            Err(e) => r.unreadable.push(format!(
                "{}: {}{}",
                file.display(),
                e.message,
                e.field.map(|f| format!(" (at {f})")).unwrap_or_default()
            )),
        };
        match csv_plan(mappings, &format, &text, CHUNK_ROWS) {
            Some(plan) => {
                for c in plan.chunks(&text, 0) {
                    one(&c.body, &Meta::of_chunk(&c));
                }
            }
            // NDJSON as `import` reads it, in chunks of lines; a JSON array whole, as it does.
            None if format == Format::Canonical => one(
                &text,
                &Meta {
                    events: match crate::adapters::canonical::opens_array(&text) {
                        true => Events::Body,
                        false => Events::Lines,
                    },
                    ..Meta::default()
                },
            ),
            None => one(&text, &Meta::default()),
        }
    }
    Ok(r)
}

/// Rows per CSV chunk: `import`'s default. The records do not depend on it (a chunk holds
/// whole transactions and numbers rows as the file does); memory does.
const CHUNK_ROWS: usize = 5000;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adapters::csv::parse;

    fn fixture(path: &str) -> PathBuf {
        PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/")).join(path)
    }

    fn retail() -> HashMap<String, Mapping> {
        let toml = std::fs::read_to_string(fixture("mappings/uci_online_retail.toml")).unwrap();
        HashMap::from([("uci".to_string(), Mapping::from_toml(&toml).unwrap())])
    }

    /// The report counts what the adapter maps: the same transactions, lines, net and rejects.
    #[test]
    fn a_csv_file_is_summed_as_the_adapter_maps_it() {
        let file = fixture("tests/data/real/datasets/online_retail.csv");
        let (ctx, mappings) = (Context::for_tenant("t"), retail());
        let r = run(
            std::slice::from_ref(&file),
            Some(&Format::Csv("uci".into())),
            &ctx,
            &mappings,
        )
        .unwrap();
        let p = parse(
            &ctx,
            &mappings["uci"],
            &std::fs::read_to_string(&file).unwrap(),
        )
        .unwrap();
        let txns: Vec<&Transaction> = p
            .records
            .iter()
            .filter_map(|x| match x {
                Ok(Record::Txn(t)) => Some(&**t),
                _ => None,
            })
            .collect();
        let rejects = p.records.len() - txns.len();
        assert!(
            rejects > 0 && !r.clean(),
            "the fixture has rows that are no sale"
        );
        assert_eq!((r.files, r.rejects, r.shown.len()), (1, rejects, rejects));
        assert_eq!(r.txns.values().sum::<usize>(), txns.len());
        assert_eq!(r.lines, txns.iter().map(|t| t.lines.len()).sum::<usize>());
        let net: Decimal = txns
            .iter()
            .filter(|t| t.status == TxnStatus::Completed)
            .flat_map(|t| &t.lines)
            .map(|l| l.net_amount)
            .sum();
        assert_eq!(r.money["GBP"].net, net);
        let by_day: Decimal = r.days.values().map(|d| d.net).sum();
        assert_eq!(by_day, net, "the days add up to the total");
        let csv = r.days_csv();
        assert_eq!(csv.lines().count(), r.days.len() + 1);
        assert!(
            csv.starts_with(
                "currency,business_date,transactions,net,tax,non_revenue,tenders,tips\nGBP,20"
            ),
            "{csv}"
        );
        assert!(r.to_string().contains(&format!("rejected:     {rejects}")));
    }

    #[test]
    fn drawer_events_are_counted_by_currency_and_kind() {
        let file = fixture("tests/data/real/square/retrieve_cash_drawer_shift_closed.json");
        let (ctx, mappings) = (Context::for_tenant("t"), retail());
        let r = run(&[file], Some(&Format::Square), &ctx, &mappings).unwrap();
        let usd = |kind: &'static str| r.drawer.get(&("USD".to_string(), kind)).cloned();
        assert_eq!(usd("loan"), Some((1, "150.00".parse().unwrap())));
        assert_eq!(usd("paid_in"), Some((1, "20.00".parse().unwrap())));
        assert_eq!(usd("paid_out"), Some((1, "34.50".parse().unwrap())));
        assert_eq!(usd("over_short"), Some((1, "-0.50".parse().unwrap())));
        assert_eq!(r.other_records, 4);
        let shown = r.to_string();
        assert!(
            shown.contains(
                "drawer USD:   1 loan (150.00), 1 over_short (-0.50), 1 paid_in (20.00), 1 paid_out (34.50)"
            ),
            "{shown}"
        );
    }

    #[test]
    fn a_shift_events_page_counts_its_no_sales_only() {
        let file = fixture("tests/data/real/square/list_cash_drawer_shift_events_page.json");
        let (ctx, mappings) = (Context::for_tenant("t"), retail());
        let r = run(&[file], Some(&Format::Square), &ctx, &mappings).unwrap();
        assert!(r.clean(), "{r}");
        // Its paid-in and paid-out come from the shift's totals, not from the events.
        let no_sales = (2, Decimal::ZERO);
        assert_eq!(
            r.drawer.get(&("USD".to_string(), "no_sale")),
            Some(&no_sales)
        );
        assert_eq!((r.drawer.len(), r.other_records), (1, 2));
        assert!(r.to_string().contains("drawer USD:   2 no_sale"), "{r}");
    }

    #[test]
    fn a_toast_business_day_counts_its_drawer_events_by_kind() {
        let file = fixture("tests/data/real/toast/cashmgmt_entries_business_day.json");
        let (ctx, mappings) = (Context::for_tenant("t"), retail());
        let r = run(&[file], Some(&Format::Toast), &ctx, &mappings).unwrap();
        assert!(r.clean(), "{r}");
        // 15 entries: CASH_COLLECTED and CLOSE_OUT_EXACT give no event.
        assert_eq!((r.payloads, r.other_records), (1, 13));
        let shown = r.to_string();
        assert!(
            shown.contains(
                "drawer USD:   2 no_sale (0), 2 over_short (-3.15), 3 paid_in (67), 5 paid_out (96.9), 1 pickup (200)"
            ),
            "{shown}"
        );
    }

    #[test]
    fn a_toast_orders_page_counts_its_checks() {
        let file = fixture("tests/data/real/toast/orders_bulk_business_day.json");
        let (ctx, mappings) = (Context::for_tenant("t"), retail());
        let r = run(&[file], Some(&Format::Toast), &ctx, &mappings).unwrap();
        assert!(r.clean(), "{r}");
        // Three orders, four checks: two paid, one of a deleted order, one still open.
        assert_eq!(r.payloads, 1);
        assert_eq!(r.txns.get("completed"), Some(&2));
        assert_eq!(r.txns.get("cancelled"), Some(&2));
        assert_eq!(r.txns.values().sum::<usize>(), 4);
        let usd = &r.money["USD"];
        assert_eq!(
            (usd.net, usd.tax, usd.tenders),
            (
                "53.10".parse().unwrap(),
                "4.71".parse().unwrap(),
                "67.81".parse().unwrap()
            )
        );
        // Tenders hold the tips (10.00), which no line does: less their tips they balance.
        assert_eq!((usd.tips, usd.unbalanced), ("10.00".parse().unwrap(), 0));
        let day = NaiveDate::from_ymd_opt(2026, 10, 9).unwrap();
        assert_eq!(r.days[&("USD".to_string(), day)].txns, 2);
    }

    /// A gift card sold is in the tenders but not in net sales: reported apart, and the
    /// transaction still balances.
    #[test]
    fn non_revenue_lines_are_reported_apart_and_balance_the_tenders() {
        use crate::adapters::testkit::{line, txn};
        use pos_core::model::{LineKind, Tender, TenderMethod, TenderStatus};
        let mut t = txn("g1", 1);
        let mut card = line(2, LineKind::Sale, "1", "25.00", "0");
        card.non_revenue = true;
        t.lines = vec![line(1, LineKind::Sale, "2", "5.00", "0"), card];
        t.tenders = vec![Tender {
            tender_no: 1,
            method: TenderMethod::Cash,
            amount: "35.00".parse().unwrap(),
            status: TenderStatus::Approved,
            card_fingerprint: None,
            card_bin: None,
            card_entry: None,
            occurred_at: t.occurred_at,
            tip: Decimal::ZERO,
        }];
        let mut r = Report::default();
        r.add_txn(&t);
        let m = &r.money[&t.currency];
        let d = |s: &str| s.parse::<Decimal>().unwrap();
        assert_eq!(
            (m.net, m.non_revenue, m.unbalanced),
            (d("10.00"), d("25.00"), 0)
        );
        assert!(
            r.days_csv().ends_with(",1,10.00,0,25.00,35.00,0\n"),
            "{}",
            r.days_csv()
        );
    }

    /// A tipped card sale pays the goods and the tip: balanced once the tip is taken out, and
    /// unbalanced when the tip is not said (the report then counts it, as before tips were read).
    #[test]
    fn a_tenders_tip_is_taken_out_before_it_is_balanced() {
        use crate::adapters::testkit::{line, txn};
        use pos_core::model::{LineKind, Tender, TenderMethod};
        let d = |s: &str| s.parse::<Decimal>().unwrap();
        let report = |t: &Transaction| {
            let mut r = Report::default();
            r.add_txn(t);
            r
        };
        let mut t = txn("tip1", 1);
        t.lines = vec![line(1, LineKind::Sale, "2", "20.00", "0")];
        let card = |tip: &str| Tender {
            tip: d(tip),
            ..Tender::approved(1, TenderMethod::Card, d("47.50"), t.occurred_at)
        };
        let balanced = |r: &Report| {
            let m = &r.money["USD"];
            (m.tenders, m.tips, m.unbalanced)
        };
        t.tenders = vec![card("7.50")];
        let r = report(&t);
        assert_eq!(balanced(&r), (d("47.50"), d("7.50"), 0));
        let shown = r.to_string();
        assert!(
            shown.contains("tenders 47.50 tips 7.50 (completed; 0 with"),
            "{shown}"
        );
        let csv = r.days_csv();
        assert!(csv.ends_with(",1,40.00,0,0,47.50,7.50\n"), "{csv}");
        // A declined attempt before it took no money: not in the tenders, still balanced.
        let declined = Tender {
            tender_no: 2,
            status: pos_core::model::TenderStatus::Declined,
            ..card("7.50")
        };
        t.tenders = vec![declined, card("7.50")];
        assert_eq!(balanced(&report(&t)), (d("47.50"), d("7.50"), 0));
        t.tenders = vec![card("0")];
        assert_eq!(balanced(&report(&t)).2, 1);
    }

    /// A part holding money only (Toast's `<check>/paid`: no line, the payment taken on a later
    /// day) is no transaction of its day in `--by-day`, as in `pos.store_daily`; its tenders
    /// still count in the money.
    #[test]
    fn a_payment_only_part_is_no_transaction_of_its_day() {
        use crate::adapters::testkit::{line, txn};
        use pos_core::model::{LineKind, Tender, TenderMethod, TenderStatus};
        let tender = |t: &Transaction, amount: &str| Tender {
            tender_no: 1,
            method: TenderMethod::Cash,
            amount: amount.parse().unwrap(),
            status: TenderStatus::Approved,
            card_fingerprint: None,
            card_bin: None,
            card_entry: None,
            occurred_at: t.occurred_at,
            tip: Decimal::ZERO,
        };
        let mut sale = txn("c1", 1);
        sale.lines = vec![line(1, LineKind::Sale, "2", "5.00", "0")];
        let mut paid = txn("c1/paid", 1);
        paid.tenders = vec![tender(&paid, "10.00")];
        let mut r = Report::default();
        r.add_txn(&sale);
        r.add_txn(&paid);
        assert_eq!(r.txns.get("completed"), Some(&2), "both land");
        let d = &r.days[&(sale.currency.clone(), sale.business_date)];
        assert_eq!((d.txns, d.net), (1, "10.00".parse().unwrap()));
        assert_eq!(r.money[&sale.currency].tenders, "10.00".parse().unwrap());
    }

    #[test]
    fn unreadable_files_are_reported_and_unknown_formats_refused() {
        let dir = std::env::temp_dir().join(format!("pos-check-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let bad = dir.join("bad.csv");
        std::fs::write(&bad, b"InvoiceNo\xff\n").unwrap();
        let (ctx, mappings) = (Context::for_tenant("t"), retail());
        let r = run(
            std::slice::from_ref(&bad),
            Some(&Format::Csv("uci".into())),
            &ctx,
            &mappings,
        )
        .unwrap();
        assert_eq!((r.payloads, r.unreadable.len()), (0, 1));
        assert!(
            r.unreadable[0].contains("not valid UTF-8"),
            "{:?}",
            r.unreadable
        );
        let e = run(&[bad], None, &ctx, &mappings).unwrap_err();
        assert!(e.to_string().contains("pass --format"), "{e}");
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// An empty file is listed as empty and the check is clean, as `import` takes it; an empty
    /// POSLog file was "unreadable" (exit 1).
    #[test]
    fn empty_files_are_said_to_be_empty_as_import_says() {
        let dir = std::env::temp_dir().join(format!("pos-check-empty-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let (xml, ndjson) = (dir.join("day.xml"), dir.join("day.ndjson"));
        std::fs::write(&xml, b"").unwrap();
        std::fs::write(&ndjson, b"").unwrap();
        let ctx = Context::for_tenant("t");
        let r = run(&[xml, ndjson], None, &ctx, &HashMap::new()).unwrap();
        assert!(r.clean(), "{r}");
        assert_eq!((r.files, r.empty.len()), (2, 2));
        assert!(r.to_string().contains("day.xml: nothing to import"), "{r}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
