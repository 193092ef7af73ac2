//! Pre-processing before anything touches the database: keep one version per natural key, and
//! compute the header totals `pos.txn` carries so reports need no join.

use super::upsert::Guard;
use crate::envelope::{InventoryRecord, Record, Retraction, TenderRecord};
use pos_core::model::{DrawerEvent, LineKind, TenderStatus, Transaction};
use rust_decimal::Decimal;
use std::collections::HashMap;

/// Header totals (see the `pos.txn` column comments): `net = gross - discount - returns - voids`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Totals {
    pub line_count: i32,
    /// Sale lines before discount.
    pub gross: Decimal,
    /// Discounts on sale lines, positive.
    pub discount: Decimal,
    /// Returned value, positive.
    pub returns: Decimal,
    /// Voided value, positive.
    pub voids: Decimal,
    /// Sum of the signed net amounts of the revenue lines.
    pub net: Decimal,
    /// Sum of the signed net amounts of the non-revenue lines (gift cards sold…): paid for,
    /// so in the tenders, but in none of the sales figures above.
    pub non_revenue: Decimal,
    pub tax: Decimal,
    /// Approved tenders (refunds and change negative).
    pub tender: Decimal,
}

pub fn totals(t: &Transaction) -> Totals {
    let mut s = Totals {
        line_count: t.lines.len() as i32,
        ..Totals::default()
    };
    for l in &t.lines {
        s.tax += l.tax;
        if l.non_revenue {
            s.non_revenue += l.net_amount;
            continue;
        }
        s.net += l.net_amount;
        match l.kind {
            LineKind::Sale => {
                s.gross += l.net_amount + l.discount;
                s.discount += l.discount;
            }
            LineKind::Return => s.returns -= l.net_amount,
            LineKind::Void => s.voids -= l.net_amount,
        }
    }
    s.tender = t
        .tenders
        .iter()
        .filter(|x| x.status == TenderStatus::Approved)
        .map(|x| x.amount)
        .sum();
    s
}

/// The records of one batch, one per natural key: two versions of one transaction in a batch
/// would make `ON CONFLICT DO UPDATE` touch a row twice, which PostgreSQL refuses. Borrowed from
/// the envelopes (copying every record of a batch was 7 % of the service's CPU).
#[derive(Debug, Default)]
pub struct Deduped<'a> {
    pub txns: Vec<&'a Transaction>,
    /// Derived transactions to delete where stored at an older version (not deduplicated: a
    /// key retracted twice is deleted once).
    pub retractions: Vec<&'a Retraction>,
    pub drawers: Vec<&'a DrawerEvent>,
    pub inventory: Vec<&'a InventoryRecord>,
    pub tenders: Vec<&'a TenderRecord>,
    /// Records dropped because a newer (or equal, later) version of the same key was in the
    /// batch, or a newer version of their payload had retracted the key.
    pub superseded: usize,
}

impl Deduped<'_> {
    /// Leaves out the transactions at positions `at`, counting them as superseded.
    pub fn drop_txns(&mut self, at: &std::collections::HashSet<usize>) {
        if at.is_empty() {
            return;
        }
        let mut i = 0;
        self.txns.retain(|_| {
            i += 1;
            !at.contains(&(i - 1))
        });
        self.superseded += at.len();
    }
}

type TxnId<'a> = (&'a str, &'a str, &'a str, &'a str, i64);

/// A record that says which of its versions it is (larger is newer).
trait Versioned {
    fn version(&self) -> i64;
}

macro_rules! versioned {
    ($($t:ty),*) => {$(impl Versioned for $t {
        fn version(&self) -> i64 {
            self.source_version
        }
    })*};
}
versioned!(Transaction, DrawerEvent, InventoryRecord, TenderRecord);

/// Puts `rec` under `id` unless a record of a higher version is there, or of an equal one
/// under [`Guard::Newer`]; whether a record was dropped.
fn keep_newest<'a, K: Eq + std::hash::Hash, T: Versioned>(
    map: &mut HashMap<K, &'a T>,
    id: K,
    rec: &'a T,
    guard: Guard,
) -> bool {
    match map.get(&id) {
        Some(old) if old.version() > rec.version() => true,
        Some(old) if old.version() == rec.version() && guard == Guard::Newer => true,
        old => {
            let dropped = old.is_some();
            map.insert(id, rec);
            dropped
        }
    }
}

/// Keeps, per key, the highest `source_version`. On ties the batch does what the database does
/// across batches under `guard`: [`Guard::Newer`] keeps the first (an equal version changes
/// nothing, so two deliveries land alike whether they share a batch or not; before s26 the
/// last won inside a batch and the first across batches), [`Guard::NewerOrEqual`] the last (a
/// replay of a corrected mapping arrives after the original). Output is sorted by key so
/// concurrent batches lock rows in the same order and cannot deadlock on each other.
pub fn dedup<'a>(records: impl IntoIterator<Item = &'a Record>, guard: Guard) -> Deduped<'a> {
    let mut txns: HashMap<TxnId, &Transaction> = HashMap::new();
    let mut drawers: HashMap<(&str, &str, &str, &str, i64), &DrawerEvent> = HashMap::new();
    let mut inventory: HashMap<(&str, &str, &str, i64), &InventoryRecord> = HashMap::new();
    let mut tenders: HashMap<(&str, &str, &str, &str, i32, i64), &TenderRecord> = HashMap::new();
    let mut retractions = Vec::new();
    let mut superseded = 0;
    for r in records {
        match r {
            Record::Tender(x) => {
                let k = &x.key;
                let id = (
                    k.tenant_id.as_str(),
                    k.store_id.as_str(),
                    k.source.as_str(),
                    k.source_txn_id.as_str(),
                    x.tender.tender_no,
                    x.tender.occurred_at.timestamp_micros(),
                );
                superseded += usize::from(keep_newest(&mut tenders, id, x, guard));
            }
            Record::Txn(t) => {
                let k = &t.key;
                let id = (
                    k.tenant_id.as_str(),
                    k.store_id.as_str(),
                    k.source.as_str(),
                    k.source_txn_id.as_str(),
                    t.occurred_at.timestamp_micros(),
                );
                superseded += usize::from(keep_newest(&mut txns, id, t, guard));
            }
            Record::Retract(r) => retractions.push(r),
            Record::Drawer(d) => {
                let id = (
                    d.tenant_id.as_str(),
                    d.store_id.as_str(),
                    d.source.as_str(),
                    d.source_event_id.as_str(),
                    d.occurred_at.timestamp_micros(),
                );
                superseded += usize::from(keep_newest(&mut drawers, id, d, guard));
            }
            Record::Inventory(i) => {
                let l = &i.level;
                let id = (
                    l.tenant_id.as_str(),
                    l.store_id.as_str(),
                    l.sku.as_str(),
                    l.as_of.timestamp_micros(),
                );
                superseded += usize::from(keep_newest(&mut inventory, id, i, guard));
            }
        }
    }
    let mut out = Deduped {
        superseded,
        retractions,
        ..Deduped::default()
    };
    let mut x: Vec<_> = tenders.into_iter().collect();
    x.sort_by(|a, b| a.0.cmp(&b.0));
    out.tenders = x.into_iter().map(|(_, v)| v).collect();
    let mut t: Vec<_> = txns.into_iter().collect();
    t.sort_by(|a, b| a.0.cmp(&b.0));
    out.txns = t.into_iter().map(|(_, v)| v).collect();
    let mut d: Vec<_> = drawers.into_iter().collect();
    d.sort_by(|a, b| a.0.cmp(&b.0));
    out.drawers = d.into_iter().map(|(_, v)| v).collect();
    let mut i: Vec<_> = inventory.into_iter().collect();
    i.sort_by(|a, b| a.0.cmp(&b.0));
    out.inventory = i.into_iter().map(|(_, v)| v).collect();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adapters::testkit::{line, txn};

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn totals_separate_gross_discount_returns_and_voids() {
        let mut t = txn("1", 1);
        t.lines = vec![
            line(1, LineKind::Sale, "2", "5.00", "1.00"),
            line(2, LineKind::Void, "-1", "2.50", "0"),
            line(3, LineKind::Return, "-1", "3.00", "0"),
        ];
        let s = totals(&t);
        assert_eq!(s.gross, d("10.00"));
        assert_eq!(s.discount, d("1.00"));
        assert_eq!(s.voids, d("2.50"));
        assert_eq!(s.returns, d("3.00"));
        assert_eq!(s.net, d("3.50"));
        assert_eq!(s.net, s.gross - s.discount - s.returns - s.voids);
        assert_eq!(s.line_count, 3);
    }

    #[test]
    fn gift_cards_sold_are_kept_out_of_the_sales_figures_but_not_out_of_tax_or_count() {
        let mut t = txn("1", 1);
        let mut card = line(2, LineKind::Sale, "1", "25.00", "0");
        card.non_revenue = true;
        card.tax = d("0.40");
        let mut card_back = line(3, LineKind::Return, "-1", "10.00", "0");
        card_back.non_revenue = true;
        t.lines = vec![
            line(1, LineKind::Sale, "2", "5.00", "1.00"),
            card,
            card_back,
        ];
        let s = totals(&t);
        assert_eq!(
            (s.gross, s.discount, s.returns),
            (d("10.00"), d("1.00"), d("0"))
        );
        assert_eq!(s.net, d("9.00"));
        assert_eq!(s.non_revenue, d("15.00"));
        assert_eq!(s.tax, d("0.40"));
        assert_eq!(s.line_count, 3);
    }

    #[test]
    fn dedup_keeps_the_newest_version_whatever_the_order() {
        let recs = vec![
            Record::Txn(Box::new(txn("a", 3))),
            Record::Txn(Box::new(txn("a", 5))),
            Record::Txn(Box::new(txn("a", 4))),
            Record::Txn(Box::new(txn("b", 1))),
        ];
        let d = dedup(&recs, Guard::Newer);
        assert_eq!(d.txns.len(), 2);
        assert_eq!(d.superseded, 2);
        assert_eq!(d.txns[0].key.source_txn_id, "a");
        assert_eq!(d.txns[0].source_version, 5);
    }

    #[test]
    fn dedup_breaks_ties_as_the_guard_does_across_batches() {
        let mut first = txn("a", 2);
        first.lines = vec![line(1, LineKind::Sale, "1", "1.00", "0")];
        let recs = vec![
            Record::Txn(Box::new(first)),
            Record::Txn(Box::new(txn("a", 2))),
        ];
        let first = dedup(&recs, Guard::Newer);
        assert_eq!((first.txns[0].lines.len(), first.superseded), (1, 1));
        let last = dedup(&recs, Guard::NewerOrEqual);
        assert_eq!((last.txns[0].lines.len(), last.superseded), (0, 1));
    }
}
