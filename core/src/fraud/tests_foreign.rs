//! A transaction in another currency than its baseline's is not judged by that baseline's money
//! (amount tails, value-per-item norms, shelf prices, the cheap-item cut-off): its counts and
//! behaviour still are, and a note says why its amounts were not.

use super::tests::{base, codes, declined_burst, expensive, fixture, repay_cash, score};
use super::tests_currency::{drawer_reasons, store_rows};
use super::*;
use crate::model::*;
use rust_decimal::Decimal;

/// Codes of reasons that come from money: amounts, prices, value per item.
fn money_codes(s: &Score) -> Vec<&str> {
    codes(s)
        .into_iter()
        .filter(|c| {
            *c == "low_value_per_item"
                || FEATURES
                    .iter()
                    .any(|d| d.code == *c && d.money != Money::No)
        })
        .collect()
}

fn note_codes(s: &Score) -> Vec<&str> {
    s.notes.iter().map(|n| n.code.as_str()).collect()
}

/// Two items refunded at 12 000 each in cash, citing a receipt never rung, in `currency`, while
/// three keyed cards on one BIN were declined after a burst of declines at the store.
fn refund_during_a_card_burst(currency: &str) -> (Transaction, TxnContext) {
    let mut t = base();
    t.customer_id = None;
    t.currency = currency.into();
    t.lines = expensive(2)
        .into_iter()
        .map(|mut l| {
            l.kind = LineKind::Return;
            l.quantity = -Decimal::ONE;
            l.unit_price = Decimal::from(12_000);
            l.net_amount = -l.unit_price;
            l.original_txn_id = Some("no-such-receipt".into());
            l
        })
        .collect();
    repay_cash(&mut t);
    let declined = |k: i32| Tender {
        tender_no: k,
        method: TenderMethod::Card,
        amount: Decimal::from(50),
        status: TenderStatus::Declined,
        card_fingerprint: Some(format!("fp{k}")),
        card_bin: Some("999999".into()),
        card_entry: Some(CardEntry::Keyed),
        occurred_at: t.occurred_at,
        tip: Decimal::ZERO,
    };
    t.tenders.extend((2..=4).map(declined));
    let ctx = TxnContext {
        recent_card_attempts: declined_burst(t.occurred_at),
        ..TxnContext::default()
    };
    (t, ctx)
}

/// 24 000 yen refunded at a dollar store was "1 in a billion" dollars; the card burst in the
/// same transaction is one whatever the currency.
#[test]
fn a_foreign_refund_is_not_judged_by_dollars_but_its_card_burst_is() {
    let (jpy, ctx) = refund_during_a_card_burst("JPY");
    assert_eq!(fixture().0.store(&jpy.key.store_id).currencies, ["USD"]);
    let s = score(&jpy, ctx.clone());
    assert!(money_codes(&s).is_empty(), "{s:?}");
    assert!(s.hits.contains(&Family::CardTesting), "{s:?}");
    assert!(
        codes(&s)
            .iter()
            .any(|c| c.starts_with("card_") || c.starts_with("burst_")),
        "{s:?}"
    );
    assert_eq!(note_codes(&s), ["amounts_not_judged"]);
    assert!(s.notes[0].detail.contains("JPY") && s.notes[0].detail.contains("USD"));

    let (usd, ctx) = refund_during_a_card_burst("USD");
    let s = score(&usd, ctx);
    assert!(
        money_codes(&s).iter().any(|c| c.starts_with("refund_")),
        "{s:?}"
    );
    assert!(s.hits.contains(&Family::CardTesting), "{s:?}");
    assert!(s.notes.is_empty(), "{s:?}");
}

/// Items rung at 0.3 of their dollar shelf price are under-rung in dollars; in another currency
/// the dollar shelf prices, cheap-item cut-off and basket norms say nothing about them.
#[test]
fn a_foreign_basket_is_not_measured_against_the_stores_shelf_prices() {
    let rung = |currency: &str| {
        let mut t = base();
        t.currency = currency.into();
        t.lines = expensive(6);
        for l in t.lines.iter_mut() {
            l.unit_price = (l.unit_price * Decimal::new(3, 1)).round_dp(2);
            l.net_amount = l.unit_price;
        }
        repay_cash(&mut t);
        t
    };
    let usd = score(&rung("USD"), TxnContext::default());
    assert!(codes(&usd).contains(&"below_price_lines"), "{usd:?}");
    let kwd = score(&rung("KWD"), TxnContext::default());
    assert!(money_codes(&kwd).is_empty(), "{kwd:?}");
    assert!(!kwd.hits.contains(&Family::Sweetheart), "{kwd:?}");
    assert_eq!(note_codes(&kwd), ["amounts_not_judged"]);
}

/// A store first seen after training is judged by the chain: a refund in the chain's currency
/// is, one in another currency is not (its counts still are).
#[test]
fn a_store_unseen_in_training_is_judged_by_the_chain_in_the_chains_currency_only() {
    let unseen = |currency: &str| {
        let (mut t, ctx) = refund_during_a_card_burst(currency);
        t.key.store_id = "opened-after-training".into();
        score(&t, ctx)
    };
    let jpy = unseen("JPY");
    assert!(money_codes(&jpy).is_empty(), "{jpy:?}");
    assert!(jpy.hits.contains(&Family::CardTesting), "{jpy:?}");
    assert_eq!(note_codes(&jpy), ["amounts_not_judged"]);
    let usd = unseen("USD");
    assert!(!money_codes(&usd).is_empty(), "{usd:?}");
    assert!(usd.notes.is_empty(), "{usd:?}");
}

/// A dollar chain (Boston refunds 10–50) with a yen store (Tokyo refunds 1000–5000).
fn dollar_chain_with_a_yen_store() -> (Baselines, baseline::DrawerHistory) {
    let mut drawer = baseline::DrawerHistory::default();
    let usd_off = |d: u32| -0.5 - f64::from(d % 9) * 0.5;
    let mut rows = store_rows("boston", "USD", 300, (10.0, 50.0), usd_off, &mut drawer);
    let jpy_off = |d: u32| -(500.0 + f64::from(d % 7) * 300.0);
    let tokyo = store_rows("tokyo", "JPY", 150, (1000.0, 5000.0), jpy_off, &mut drawer);
    rows.extend(tokyo);
    (Baselines::fit(&rows, &drawer), drawer)
}

fn refund_evidence(b: &Baselines, store: &str, currency: &str, refunded: f64) -> Option<f64> {
    let mut f = TxnFeatures {
        values: vec![0.0; FEATURES.len()],
        currency: currency.into(),
        ..TxnFeatures::default()
    };
    f.values[7] = refunded;
    let fams = score::family_evidence(&f, false, b.store(store), Some(&b.chain));
    fams.get(&Family::Refund).map(|x| x.0)
}

/// 400 dollars refunded at the yen store was judged by its yen refunds (ordinary: they run to
/// thousands); it is judged by the dollar chain's now, where it is rare. Yen at the dollar store
/// is not judged at all; money of unknown currency is judged as before.
#[test]
fn money_the_store_is_not_in_is_judged_by_the_chain_when_the_chain_is_in_it() {
    let (b, _) = dollar_chain_with_a_yen_store();
    let usd_at_tokyo = refund_evidence(&b, "tokyo", "USD", 400.0).unwrap();
    assert!(usd_at_tokyo >= score::HIT_NATS, "{usd_at_tokyo}");
    let unknown = refund_evidence(&b, "tokyo", "", 400.0).unwrap();
    assert!(unknown < score::HIT_NATS, "{unknown}");
    let jpy = refund_evidence(&b, "tokyo", "JPY", 3000.0).unwrap();
    assert!(jpy < score::HIT_NATS, "{jpy}");
    assert_eq!(refund_evidence(&b, "boston", "JPY", 3000.0), None);
    assert_eq!(refund_evidence(&b, "tokyo", "EUR", 400.0), None);

    let f = TxnFeatures {
        values: vec![0.0; FEATURES.len()],
        currency: "USD".into(),
        ..TxnFeatures::default()
    };
    let day = DaySoFar::default();
    let cal = Calibration::default();
    let s = score_transaction(&f, false, &day, b.store("tokyo"), Some(&b.chain), &cal);
    assert_eq!(note_codes(&s), ["amounts_judged_by_chain"]);
}

/// A dollar count at the yen store was not judged (the store has no dollar counts); the dollar
/// chain's counts judge it now. A count in a currency neither is in stays unjudged, with a note.
#[test]
fn a_drawer_count_the_store_is_not_in_is_judged_by_the_chain_when_the_chain_is_in_it() {
    let (b, _) = dollar_chain_with_a_yen_store();
    let day = |currency: &str| CashierDay {
        transactions: 20,
        over_short_by_currency: [(currency.to_string(), -300.0)].into(),
        ..CashierDay::default()
    };
    let cal = Calibration::default();
    let tokyo = b.store("tokyo");
    let usd = score_cashier_day(&day("USD"), tokyo, Some(&b.chain), &cal);
    assert_eq!(drawer_reasons(&usd).len(), 1, "{usd:?}");
    assert_eq!(note_codes(&usd), ["amounts_judged_by_chain"]);
    let cad = score_cashier_day(&day("CAD"), tokyo, Some(&b.chain), &cal);
    assert!(drawer_reasons(&cad).is_empty(), "{cad:?}");
    assert_eq!(note_codes(&cad), ["amounts_not_judged"]);
    let jpy = score_cashier_day(&day("JPY"), tokyo, Some(&b.chain), &cal);
    assert!(jpy.notes.is_empty(), "{jpy:?}");
}

/// Baselines fitted before currencies were kept judge every transaction's money as before:
/// the yen refund scores exactly as the dollar one does against current baselines, no note.
#[test]
fn baselines_without_currencies_judge_money_as_before() {
    let mut old = fixture().0.clone();
    old.chain.currencies.clear();
    old.stores.values_mut().for_each(|s| s.currencies.clear());
    let (jpy, ctx) = refund_during_a_card_burst("JPY");
    let cal = Calibration::default();
    let before = score_in_context(&jpy, ctx.clone(), &old, &cal).1;
    let (usd, _) = refund_during_a_card_burst("USD");
    let now = score_in_context(&usd, ctx, &fixture().0, &cal).1;
    assert_eq!(before, now);
    assert!(!money_codes(&before).is_empty() && before.notes.is_empty());
}

/// Scores without notes serialize as before (no `notes` key), and JSON written before notes and
/// transaction currencies existed still reads.
#[test]
fn notes_are_absent_from_json_when_empty_and_old_json_reads() {
    let (usd, ctx) = refund_during_a_card_burst("USD");
    let s = score(&usd, ctx);
    let v = serde_json::to_value(&s).unwrap();
    assert!(v.get("notes").is_none(), "{v}");
    let back: Score = serde_json::from_value(v).unwrap();
    assert_eq!(back, s);
    let f: TxnFeatures = serde_json::from_str(
        r#"{"values":[],"units":0.0,"ln_value_per_unit":0.0,"hour":9,"customer_id":null}"#,
    )
    .unwrap();
    assert_eq!(f.currency, "");
}

/// A store whose customers pay in dollars and Canadian dollars alike, two no-sales a day in 40
/// transactions: its norm is 2 in 40, not 2 in the 20 of its main currency (which expected
/// twice the opens it has, so a drawer-happy cashier passed unremarked).
#[test]
fn the_no_sale_norm_counts_transactions_of_every_currency() {
    let mut drawer = baseline::DrawerHistory::default();
    let mut rows = store_rows("border", "USD", 30, (1.0, 2.0), |_| 0.0, &mut drawer);
    rows.extend(store_rows(
        "border",
        "CAD",
        30,
        (1.0, 2.0),
        |_| 0.0,
        &mut drawer,
    ));
    for r in &rows {
        drawer.no_sales.insert(r.cashier_day.clone(), 2);
    }
    let b = Baselines::fit(&rows, &drawer);
    assert_eq!(b.store("border").currencies.len(), 1);
    for norm in [b.chain.no_sale_rate, b.store("border").no_sale_rate] {
        assert!((norm - 2.0 / 40.0).abs() < 1e-9, "{norm}");
    }
}
