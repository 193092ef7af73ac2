//! `[[transaction_rows]]`: rows that describe their transaction and are no line of it.
//!
//! Some exports interleave the transaction's own rows with its item rows: Lightspeed
//! X-Series (formerly Vend) writes, under one receipt number, a `Sale` row (the sale's totals,
//! status, register, cashier and customer), a `Sale Line` row per item and a `Payment` row per
//! payment, told apart by a `Line Type` column. Read as lines, the `Sale` row would count the
//! sale a second time; rejected row by row (`[[reject_rows]]` with `scope = "row"`), every sale
//! would leave two or more rejects behind though nothing is wrong with it. A row a rule here
//! names gives its transaction the transaction-level cells it carries (status, register,
//! cashier, customer, time, as every row does) and no line, and is no reject. A transaction
//! made of such rows only (a payment of an earlier sale, a sale whose items the file lacks)
//! has nothing to land: it is one reject naming its rows, not lost without a word.

use super::cells::{header_key, matches, Col, Cols, Row};
use super::Mapping;
use serde::Deserialize;

/// One `[[transaction_rows]]` rule: rows whose `column` cell is one of `values` (compared
/// without case or surrounding spaces).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransactionRows {
    /// A header name, as in `[columns]`; the file must have it (a 400 naming it).
    pub column: String,
    pub values: Vec<String>,
}

/// The rules' columns must be named and their values listed; a value a rule shares with a
/// `[kinds]` list would make the same rows both lines and no lines.
pub(super) fn check(m: &Mapping) -> Result<(), String> {
    for r in &m.transaction_rows {
        if r.values.is_empty() {
            return Err(format!(
                "[[transaction_rows]] column = \"{}\" lists no values",
                r.column
            ));
        }
        let on_kind = m
            .columns
            .kind
            .as_deref()
            .is_some_and(|k| header_key(k) == header_key(&r.column));
        let k = &m.kinds;
        let kinds = [&k.sale, &k.ret, &k.void, &k.voided];
        if let Some(v) = r
            .values
            .iter()
            .find(|v| on_kind && kinds.iter().any(|list| matches(list, v)))
        {
            return Err(format!(
                "[[transaction_rows]]: `{v}` is also a [kinds] value of column `{}`: a row \
                 cannot be both a line and no line",
                r.column
            ));
        }
    }
    Ok(())
}

/// The rule that names `row` as a row of its transaction, as `column` `value` (for a
/// transaction of such rows only), if one does.
pub(super) fn described_by(m: &Mapping, cols: &Cols, row: &Row) -> Option<String> {
    m.transaction_rows
        .iter()
        .zip(&cols.transaction_rows)
        .find_map(|(rule, col): (&TransactionRows, &Col)| {
            let v = row.cell(col).filter(|v| matches(&rule.values, v))?;
            Some(format!("`{}` `{v}`", col.name))
        })
}

#[cfg(test)]
mod tests {
    use super::super::tests::txn;
    use super::super::*;
    use pos_core::model::*;

    const MAPPING: &str = r#"
source = "t"
store_id = "S1"
currency = "EUR"
datetime_format = "%Y-%m-%d %H:%M"
[columns]
txn_id = "Bon"
datetime = "Zeit"
kind = "Art"
status = "Status"
cashier_id = "Kasse"
item_id = "Artikel"
quantity = "Menge"
gross_amount = "Betrag"
[kinds]
sale = ["Position"]
return = []
void = []
[statuses]
post_voided = ["STORNO"]
[[transaction_rows]]
column = "Art"
values = ["Kopf", "Zahlung"]
"#;

    fn ctx() -> Context {
        Context::for_tenant("t")
    }

    #[test]
    fn header_and_payment_rows_give_their_cells_and_no_line_and_no_reject() {
        let m = Mapping::from_toml(MAPPING).unwrap();
        let body = "Bon,Zeit,Art,Status,Kasse,Artikel,Menge,Betrag\n\
1,2026-03-02 10:00,Kopf,STORNO,anna,Beleg,3,9.00\n\
1,2026-03-02 10:00,Position,,,A,1,2.00\n\
1,2026-03-02 10:00,Position,,,B,2,7.00\n\
1,2026-03-02 10:00,Zahlung,,,Bar,,9.00\n\
2,2026-03-02 10:05,Position,,,A,1,2.00\n";
        let p = parse(&ctx(), &m, body).unwrap();
        assert_eq!(p.records.len(), 2, "{:?}", p.records);
        let t = txn(&p.records[0]);
        let items: Vec<_> = t.lines.iter().map(|l| l.raw_item_id.as_str()).collect();
        assert_eq!(
            items,
            ["A", "B"],
            "the header and payment rows are no lines"
        );
        assert_eq!(
            t.lines.iter().map(|l| l.net_amount).sum::<Decimal>(),
            9.into()
        );
        assert_eq!(t.status, TxnStatus::PostVoided, "from the header row");
        assert_eq!(t.cashier_id.as_deref(), Some("anna"));
        assert_eq!(txn(&p.records[1]).lines.len(), 1);
    }

    #[test]
    fn a_transaction_of_such_rows_only_is_one_reject_naming_them() {
        let m = Mapping::from_toml(MAPPING).unwrap();
        let body = "Bon,Zeit,Art,Status,Kasse,Artikel,Menge,Betrag\n\
7,2026-03-02 11:00,Kopf,,anna,Beleg,1,4.00\n\
7,2026-03-02 11:00,Zahlung,,,Karte,,4.00\n";
        let p = parse(&ctx(), &m, body).unwrap();
        assert_eq!(p.records.len(), 1);
        let e = p.records[0].as_ref().unwrap_err();
        assert!(
            e.reason.contains("transaction 7")
                && e.reason.contains("no line")
                && e.reason.contains("`Art` `Kopf`"),
            "{}",
            e.reason
        );
        assert_eq!(e.detail["rows"], serde_json::json!([2, 3]));
    }

    #[test]
    fn a_rule_needs_values_its_column_and_no_kind_value() {
        let no_values = MAPPING.replace(r#"values = ["Kopf", "Zahlung"]"#, "values = []");
        let e = Mapping::from_toml(&no_values).unwrap_err();
        assert!(e.contains("lists no values"), "{e}");
        let both = MAPPING.replace(r#"sale = ["Position"]"#, r#"sale = ["Position", "kopf"]"#);
        let e = Mapping::from_toml(&both).unwrap_err();
        assert!(e.contains("`Kopf`") && e.contains("[kinds]"), "{e}");
        // The rule's column, not mapped otherwise, must be in the header.
        let m = Mapping::from_toml(&MAPPING.replace("kind = \"Art\"\n", "")).unwrap();
        let e = parse(&ctx(), &m, "Bon,Zeit,Status,Kasse,Artikel,Menge,Betrag\n").unwrap_err();
        assert_eq!(e.field.as_deref(), Some("Art"));
    }
}
