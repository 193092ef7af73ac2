//! The transaction id of a row: its `txn_id` cell, qualified by the cells of `txn_id_with`.
//!
//! Many tills number receipts from 1 again every day (or per register), so a week's export
//! holds several "Bon 1": grouped by the number alone, Monday's and Tuesday's receipt 1 would
//! be one transaction. `txn_id_with = ["Datum", "Kasse"]` makes the id `Datum/Kasse/Bon`.
//! Exports that write order-level cells on an order's first row only (Shopify) leave the
//! qualifier blank on its other rows: such a row takes the qualifiers its number was last seen
//! with, so the order stays one transaction. Planning (chunks) and parsing both key rows here,
//! so a chunk never cuts a transaction.

use super::cells::{Cols, Row};
use super::{id_cell, Mapping};
use std::collections::HashMap;

/// Keys rows in file order (see the module doc).
#[derive(Default)]
pub(super) struct TxnKeys {
    /// The qualifiers each `txn_id` cell was last seen with.
    last: HashMap<String, String>,
}

impl TxnKeys {
    /// The transaction id of `row`.
    pub(super) fn of(&mut self, m: &Mapping, cols: &Cols, row: &Row) -> String {
        let id = id_cell(m, "txn_id", row.get(&cols.txn_id).unwrap_or("")).to_string();
        if cols.txn_id_with.is_empty() {
            return id;
        }
        let parts: Vec<&str> = cols
            .txn_id_with
            .iter()
            .map(|c| row.cell(c).unwrap_or(""))
            .collect();
        let qualifiers = if parts.iter().all(|p| p.is_empty()) {
            match self.last.get(&id) {
                Some(q) => q.clone(),
                None => parts.join("/"),
            }
        } else {
            let q = parts.join("/");
            self.last.insert(id.clone(), q.clone());
            q
        };
        format!("{qualifiers}/{id}")
    }
}
