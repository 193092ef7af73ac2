//! Lightspeed X-Series (formerly Vend) sales history export with its ready mapping: `Sale` and
//! `Payment` rows of the transaction beside its `Sale Line` rows (`[[transaction_rows]]`),
//! receipt numbers reused across sales (`txn_id_with = ["Date"]`), US dates and `$1,234.56`.
//! Sources: `ingest/tests/data/real/lightspeed-x/PROVENANCE.md`.

use super::tests::{d, real, txn};
use super::tests_pos::{net_tax, split};
use super::*;
use pos_core::model::*;

const LIGHTSPEED_X: &str = include_str!("../../../mappings/lightspeed_x_sales_history.toml");
const LIGHTSPEED_X_FILE: &str = "lightspeed-x/sales-history-2026-03-14-2026-03-15.csv";
const HEADER: &str = "Date,Receipt Number,Line Type,Customer Code,Customer Name,Note,Quantity,\
Subtotal,Sales Tax,Discount,Loyalty,Total,Paid,Details,Register,User,Status,Sku,AccountCodeSale,\
AccountCodePurchase,State,Attributes\n";

/// The outlet's store in Chicago; the default zone and currency are other ones, so a time
/// read in the wrong zone or a currency not the store's shows.
fn ctx() -> Context {
    let mut c = Context::for_tenant("t");
    c.default_tz = chrono_tz::Asia::Tokyo;
    c.default_currency = "JPY".into();
    c.store_tz
        .insert("lightspeed-x".into(), chrono_tz::America::Chicago);
    c.store_currency.insert("lightspeed-x".into(), "USD".into());
    c
}

/// (kind, item, quantity, unit price, net, tax) of each line.
fn lines(t: &Transaction) -> Vec<(LineKind, &str, Decimal, Decimal, Decimal, Decimal)> {
    t.lines
        .iter()
        .map(|l| {
            (
                l.kind,
                l.raw_item_id.as_str(),
                l.quantity,
                l.unit_price,
                l.net_amount,
                l.tax,
            )
        })
        .collect()
}

#[test]
fn lightspeed_x_sales_history_sale_lines_returns_voids_parked_sales_and_reused_receipts() {
    let m = Mapping::from_toml(LIGHTSPEED_X).unwrap();
    let p = parse(&ctx(), &m, &real(LIGHTSPEED_X_FILE)).unwrap();
    assert_eq!(p.rows, 18);
    let (ok, rejects) = split(&p);
    // `Sale` and `Payment` rows are no lines and no rejects.
    assert!(rejects.is_empty(), "{rejects:?}");
    // Receipt 1001 twice, a day apart: two sales.
    assert_eq!(
        ok.keys().collect::<Vec<_>>(),
        [
            "03/14/2026 10:02:11/1001",
            "03/14/2026 10:15:40/1002",
            "03/14/2026 16:40:05/1003",
            "03/14/2026 17:05:00/1004",
            "03/14/2026 17:30:00/1005",
            "03/15/2026 09:00:00/1001",
        ]
    );
    // A sale of two products: the `Sale Line` rows only, Subtotal the net, tax on top; the
    // sale's register, user and status from its `Sale` row.
    let t = ok["03/14/2026 10:02:11/1001"];
    assert_eq!(
        (t.key.store_id.as_str(), t.currency.as_str(), t.status),
        ("lightspeed-x", "USD", TxnStatus::Completed)
    );
    assert_eq!(
        (t.register_id.as_deref(), t.cashier_id.as_deref()),
        (Some("Main Register"), Some("staff-01"))
    );
    assert_eq!(t.customer_id, None);
    // 10:02:11 in Chicago, daylight time since March 8 (UTC−5).
    assert_eq!(t.occurred_at.to_rfc3339(), "2026-03-14T15:02:11+00:00");
    assert_eq!(t.business_date.to_string(), "2026-03-14");
    assert_eq!(
        lines(t),
        [
            (
                LineKind::Sale,
                "CAN-01",
                d("2"),
                d("10"),
                d("20.00"),
                d("2.05")
            ),
            (
                LineKind::Sale,
                "MUG-02",
                d("1"),
                d("10"),
                d("10.00"),
                d("1.03")
            ),
        ]
    );
    assert_eq!(t.lines[0].description.as_deref(), Some("Beeswax Candle"));
    assert!(t.tenders.is_empty(), "payments are not read");
    // `$1,250.00` quoted with its group; the discounted scarf at its price after discount.
    let t = ok["03/14/2026 10:15:40/1002"];
    assert_eq!(t.customer_id.as_deref(), Some("C-0042"));
    assert_eq!(t.cashier_id.as_deref(), Some("staff-02"));
    assert_eq!(
        lines(t),
        [
            (
                LineKind::Sale,
                "SCF-07",
                d("1"),
                d("36"),
                d("36.00"),
                d("3.69")
            ),
            (
                LineKind::Sale,
                "JKT-11",
                d("1"),
                d("1250"),
                d("1250.00"),
                d("128.13")
            ),
        ]
    );
    assert_eq!(t.lines.iter().map(|l| l.discount).sum::<Decimal>(), d("0"));
    // A return: negative quantity and amounts, a return line.
    let t = ok["03/14/2026 16:40:05/1003"];
    assert_eq!(
        lines(t),
        [(
            LineKind::Return,
            "MUG-02",
            d("-1"),
            d("10"),
            d("-10.00"),
            d("-1.03")
        )]
    );
    assert_eq!(t.status, TxnStatus::Completed);
    // VOIDED is post-voided (kept, not sales), SAVED (parked, never paid) cancelled.
    assert_eq!(ok["03/14/2026 17:05:00/1004"].status, TxnStatus::PostVoided);
    assert_eq!(ok["03/14/2026 17:30:00/1005"].status, TxnStatus::Cancelled);
    // AWAITING_PICKUP is a paid sale; receipt 1001 again, the next day.
    let t = ok["03/15/2026 09:00:00/1001"];
    assert_eq!(t.status, TxnStatus::Completed);
    assert_eq!(t.occurred_at.to_rfc3339(), "2026-03-15T14:00:00+00:00");
    assert_eq!(t.business_date.to_string(), "2026-03-15");
    assert_eq!(net_tax(t), (d("10.00"), d("1.03")));
    // Hand sums (PROVENANCE.md): completed sales net 1 316.00, tax 134.90.
    let (net, tax) = ok
        .values()
        .filter(|t| t.status == TxnStatus::Completed)
        .map(|t| net_tax(t))
        .fold((d("0"), d("0")), |(n, x), (a, b)| (n + a, x + b));
    assert_eq!((net, tax), (d("1316.00"), d("134.90")));
}

#[test]
fn lightspeed_x_dates_as_the_rebuild_tool_writes_them_and_the_store_set_beside_path() {
    let m = Mapping::from_toml(LIGHTSPEED_X).unwrap();
    // The rebuild tool writes `2026-03-14 10:02:11` and amounts without `$`.
    let body = format!(
        "{HEADER}\
2026-03-14 10:02:11,77,Sale,,,,1,4.50000,0.46000,0.00000,0.00000,4.96000,,1 X Tea,Bar,staff-03,CLOSED,,,,,\n\
2026-03-14 10:02:11,77,Sale Line,,,,1.00000,4.50000,0.46000,0.00000,0.00000,4.96000,,Tea,,,,TEA-1,,,,\n\
2026-03-14 10:02:11,77,Payment,,,,,,,,,,4.96000,Cash,,,,,,,,\n"
    );
    let p = parse(&ctx(), &m, &body).unwrap();
    let (ok, rejects) = split(&p);
    assert!(rejects.is_empty(), "{rejects:?}");
    let t = ok["2026-03-14 10:02:11/77"];
    assert_eq!(t.occurred_at.to_rfc3339(), "2026-03-14T15:02:11+00:00");
    assert_eq!(net_tax(t), (d("4.5"), d("0.46")));
    // The file names no outlet: the store is set beside `path` (here, as a config would).
    let m = Mapping::from_toml(
        &LIGHTSPEED_X.replace("store_id = \"lightspeed-x\"", "store_id = \"chicago-1\""),
    )
    .unwrap();
    let p = parse(&ctx(), &m, &body).unwrap();
    assert_eq!(txn(&p.records[0]).key.store_id, "chicago-1");
}

#[test]
fn lightspeed_x_unknown_line_types_and_sales_without_lines_are_rejects() {
    let m = Mapping::from_toml(LIGHTSPEED_X).unwrap();
    // A line type in no list (the sources show Sale, Sale Line and Payment only) rejects its
    // sale naming it, instead of landing as a product line.
    let body = real(LIGHTSPEED_X_FILE).replacen(
        "1002,Sale Line,,,,1,$36.00",
        "1002,Surcharge,,,,1,$36.00",
        1,
    );
    let p = parse(&ctx(), &m, &body).unwrap();
    let (ok, rejects) = split(&p);
    assert!(!ok.contains_key("03/14/2026 10:15:40/1002"));
    assert_eq!(rejects.len(), 1);
    assert!(
        rejects[0].contains("`Surcharge`") && rejects[0].contains("Line Type"),
        "{rejects:?}"
    );
    // A payment whose sale is not in the file (paid on a later day: another Date) has no
    // line: one reject naming its row, not lost without a word.
    let body = format!("{HEADER}03/16/2026 12:00:00,1001,Payment,,,,,,,,,,$5.00,Cash,,,,,,,,\n");
    let p = parse(&ctx(), &m, &body).unwrap();
    let (ok, rejects) = split(&p);
    assert!(ok.is_empty());
    assert_eq!(rejects.len(), 1, "{rejects:?}");
    assert!(
        rejects[0].contains("no line") && rejects[0].contains("`Line Type` `Payment`"),
        "{rejects:?}"
    );
}
