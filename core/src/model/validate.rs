use super::{LineKind, Tender, Transaction};
use rust_decimal::Decimal;

/// Why a transaction cannot be stored as it is. Adapters turn this into a reject row.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ModelError {
    #[error("field `{0}` is empty")]
    Empty(&'static str),
    #[error("line {line_no}: {kind} line has quantity {quantity} but its sign must be {expected}")]
    Sign {
        line_no: i32,
        kind: &'static str,
        quantity: Decimal,
        expected: &'static str,
    },
    #[error("line number {0} appears twice")]
    DuplicateLine(i32),
    #[error("tender number {0} appears twice at {1}")]
    DuplicateTender(i32, String),
    #[error(
        "tender {tender_no}: tip {tip} is not part of its amount {amount} (a tip has the \
         amount's sign and is at most the amount)"
    )]
    Tip {
        tender_no: i32,
        tip: Decimal,
        amount: Decimal,
    },
    #[error("currency `{0}` is not a 3-letter ISO 4217 code")]
    Currency(String),
    #[error("the {0} add up beyond 10^24, more than any sale: a unit or mapping error")]
    Magnitude(&'static str),
}

/// Whether the absolute values of `amounts` add up to at most 10^24: far beyond any sale, far
/// below `Decimal`'s range (7.9·10^28), so that every total taken over a transaction (gross,
/// net, tax, tenders, in the writer) is computed without overflow, whichever adapter mapped
/// it. Adapters bound single amounts themselves, naming the field; this is the guard behind
/// them, for a sum of many large ones.
fn bounded(amounts: impl IntoIterator<Item = Decimal>) -> bool {
    let max = Decimal::from_i128_with_scale(10_i128.pow(24), 0);
    let mut sum = Decimal::ZERO;
    for a in amounts {
        match sum.checked_add(a.abs()) {
            Some(s) if s <= max => sum = s,
            _ => return false,
        }
    }
    true
}

/// Whether `code` has the form of an ISO 4217 code: three ASCII capitals (what the fact
/// tables' CHECK `pos.is_currency_code(currency)` requires, the regex `^[A-Z]{3}$`).
pub fn is_currency_code(code: &str) -> bool {
    code.len() == 3 && code.bytes().all(|b| b.is_ascii_uppercase())
}

/// Checks the invariants the database relies on, so a bad record is rejected with a reason
/// at the edge instead of failing a whole batch later.
pub fn validate_transaction(t: &Transaction) -> Result<(), ModelError> {
    for (name, v) in [
        ("tenant_id", &t.key.tenant_id),
        ("store_id", &t.key.store_id),
        ("source", &t.key.source),
        ("source_txn_id", &t.key.source_txn_id),
    ] {
        if v.trim().is_empty() {
            return Err(ModelError::Empty(name));
        }
    }
    if !is_currency_code(&t.currency) {
        return Err(ModelError::Currency(t.currency.clone()));
    }
    let mut seen = std::collections::HashSet::new();
    for l in &t.lines {
        if !seen.insert(l.line_no) {
            return Err(ModelError::DuplicateLine(l.line_no));
        }
        let (ok, expected) = match l.kind {
            LineKind::Sale => (l.quantity >= Decimal::ZERO, "positive"),
            LineKind::Return | LineKind::Void => (l.quantity <= Decimal::ZERO, "negative"),
        };
        if !ok {
            return Err(ModelError::Sign {
                line_no: l.line_no,
                kind: l.kind.as_str(),
                quantity: l.quantity,
                expected,
            });
        }
    }
    duplicate_tender(t)?;
    for x in &t.tenders {
        validate_tip(x)?;
    }
    let line_amounts = t
        .lines
        .iter()
        .flat_map(|l| [l.net_amount, l.discount, l.tax]);
    if !bounded(line_amounts) {
        return Err(ModelError::Magnitude("line amounts"));
    }
    if !bounded(t.tenders.iter().map(|x| x.amount)) {
        return Err(ModelError::Magnitude("tender amounts"));
    }
    Ok(())
}

/// A tender's tip is part of its amount: of its sign (a refunded tip is negative, on a negative
/// tender) and no larger, so `amount - tip` (the store's money) keeps the amount's sign too.
pub fn validate_tip(x: &Tender) -> Result<(), ModelError> {
    let inside = if x.amount >= Decimal::ZERO {
        x.tip >= Decimal::ZERO && x.tip <= x.amount
    } else {
        x.tip <= Decimal::ZERO && x.tip >= x.amount
    };
    if inside {
        Ok(())
    } else {
        Err(ModelError::Tip {
            tender_no: x.tender_no,
            tip: x.tip,
            amount: x.amount,
        })
    }
}

/// Two tenders of one number at one instant (to the microsecond PostgreSQL keeps) are one key
/// of `pos.tender`: the batch's upsert would touch that row twice, which PostgreSQL refuses for
/// the whole batch.
fn duplicate_tender(t: &Transaction) -> Result<(), ModelError> {
    let mut seen = std::collections::HashSet::new();
    for x in &t.tenders {
        if !seen.insert((x.tender_no, x.occurred_at.timestamp_micros())) {
            return Err(ModelError::DuplicateTender(
                x.tender_no,
                x.occurred_at.to_rfc3339(),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::*;
    use chrono::{NaiveDate, TimeZone, Utc};

    fn txn() -> Transaction {
        Transaction {
            key: TxnKey {
                tenant_id: "t1".into(),
                store_id: "s1".into(),
                source: "test".into(),
                source_txn_id: "1".into(),
            },
            source_version: 1,
            occurred_at: Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap(),
            business_date: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
            register_id: None,
            cashier_id: None,
            customer_id: None,
            status: TxnStatus::Completed,
            currency: "USD".into(),
            lines: vec![line(1, LineKind::Sale, 2)],
            tenders: vec![],
        }
    }

    fn line(no: i32, kind: LineKind, qty: i64) -> Line {
        Line {
            line_no: no,
            kind,
            sku: "x".into(),
            gtin: None,
            raw_item_id: "x".into(),
            description: None,
            quantity: Decimal::from(qty),
            unit_price: Decimal::ONE,
            discount: Decimal::ZERO,
            net_amount: Decimal::from(qty),
            tax: Decimal::ZERO,
            entry_method: EntryMethod::Scanned,
            price_override: false,
            non_revenue: false,
            original_txn_id: None,
            original_line_no: None,
        }
    }

    #[test]
    fn amounts_adding_up_beyond_any_sale_are_refused_not_left_to_overflow_a_total() {
        let mut t = txn();
        let big = Decimal::from_i128_with_scale(6 * 10_i128.pow(23), 0);
        t.lines = vec![line(1, LineKind::Sale, 1), line(2, LineKind::Sale, 1)];
        t.lines[0].net_amount = big;
        assert_eq!(validate_transaction(&t), Ok(()));
        t.lines[1].net_amount = -big; // signs do not cancel: each is money that moved
        assert_eq!(
            validate_transaction(&t),
            Err(ModelError::Magnitude("line amounts"))
        );
        t.lines[1].net_amount = Decimal::ZERO;
        t.lines[1].tax = Decimal::MAX;
        assert_eq!(
            validate_transaction(&t),
            Err(ModelError::Magnitude("line amounts"))
        );
        t.lines[1].tax = Decimal::ZERO;
        t.tenders = vec![Tender::approved(
            1,
            TenderMethod::Cash,
            Decimal::MAX,
            t.occurred_at,
        )];
        assert_eq!(
            validate_transaction(&t),
            Err(ModelError::Magnitude("tender amounts"))
        );
    }

    /// A tip is inside its tender: a refunded tip on a refund, never more than the amount.
    #[test]
    fn a_tip_outside_its_tenders_amount_is_refused() {
        let mut t = txn();
        let tipped = |amount: &str, tip: &str| Tender {
            tip: tip.parse().unwrap(),
            ..Tender::approved(
                1,
                TenderMethod::Card,
                amount.parse().unwrap(),
                t.occurred_at,
            )
        };
        for (amount, tip) in [
            ("50.00", "7.50"),
            ("50.00", "50.00"),
            ("-12.00", "-2.00"),
            ("0", "0"),
        ] {
            t.tenders = vec![tipped(amount, tip)];
            assert_eq!(validate_transaction(&t), Ok(()), "{amount} {tip}");
        }
        for (amount, tip) in [
            ("50.00", "50.01"),
            ("50.00", "-1.00"),
            ("-12.00", "2.00"),
            ("-12.00", "-12.01"),
        ] {
            t.tenders = vec![tipped(amount, tip)];
            let e = validate_transaction(&t).unwrap_err();
            assert!(
                matches!(e, ModelError::Tip { tender_no: 1, .. }),
                "{amount} {tip}: {e}"
            );
        }
        t.tenders = vec![tipped("50.00", "60.00")];
        assert_eq!(
            validate_transaction(&t).unwrap_err().to_string(),
            "tender 1: tip 60.00 is not part of its amount 50.00 (a tip has the amount's sign and \
             is at most the amount)"
        );
    }

    /// Two tenders of one number at one instant are refused by name here, before the writer's
    /// upsert fails its whole batch on them; one number at two instants is two payments.
    #[test]
    fn a_tender_number_twice_at_one_instant_is_refused() {
        let mut t = txn();
        let cash = |no, at| Tender::approved(no, TenderMethod::Cash, Decimal::ONE, at);
        let later = t.occurred_at + chrono::Duration::seconds(30);
        t.tenders = vec![cash(1, t.occurred_at), cash(1, later), cash(2, later)];
        assert_eq!(validate_transaction(&t), Ok(()));
        // Nanoseconds PostgreSQL does not keep make no second instant.
        t.tenders
            .push(cash(2, later + chrono::Duration::nanoseconds(300)));
        assert!(matches!(
            validate_transaction(&t),
            Err(ModelError::DuplicateTender(2, _))
        ));
    }

    #[test]
    fn accepts_a_plain_sale() {
        assert_eq!(validate_transaction(&txn()), Ok(()));
    }

    #[test]
    fn currency_codes_are_three_ascii_capitals() {
        for ok in ["USD", "EUR", "XAU"] {
            assert!(is_currency_code(ok), "{ok}");
        }
        for bad in ["usd", "US", "USDD", "US1", "ÄUS", "", "U D", "USD\n"] {
            assert!(!is_currency_code(bad), "{bad:?}");
        }
    }

    #[test]
    fn rejects_positive_return_and_duplicate_lines_and_bad_currency() {
        let mut t = txn();
        t.lines.push(line(2, LineKind::Return, 1));
        assert!(matches!(
            validate_transaction(&t),
            Err(ModelError::Sign { line_no: 2, .. })
        ));
        let mut t = txn();
        t.lines.push(line(1, LineKind::Sale, 1));
        assert_eq!(validate_transaction(&t), Err(ModelError::DuplicateLine(1)));
        let mut t = txn();
        t.currency = "usd".into();
        assert!(matches!(
            validate_transaction(&t),
            Err(ModelError::Currency(_))
        ));
        let mut t = txn();
        t.key.store_id = " ".into();
        assert_eq!(validate_transaction(&t), Err(ModelError::Empty("store_id")));
    }
}
