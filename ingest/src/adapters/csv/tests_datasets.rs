//! Public retail datasets (UCI Online Retail and Online Retail II, Kaggle "Supermarket
//! sales") with their ready mappings, and the mapping keys they needed: `time_zone`,
//! `integer_ids`, `[[reject_rows]]`, tenders.

use super::tests::d;
use super::*;
use pos_core::model::*;

const RETAIL: &str = include_str!("../../../mappings/uci_online_retail.toml");
const RETAIL_II: &str = include_str!("../../../mappings/uci_online_retail_ii.toml");
const MARKET: &str = include_str!("../../../mappings/kaggle_supermarket_sales.toml");

pub(super) fn real(name: &str) -> String {
    let dir = std::env::var("CARGO_MANIFEST_DIR")
        .unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").to_string());
    let p = format!("{dir}/tests/data/real/datasets/{name}");
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{p}: {e}"))
}

/// A context whose default zone is not the datasets' own, so a zone taken from the store
/// instead of the mapping shows up in the times.
pub(super) fn ctx() -> Context {
    let mut c = Context::for_tenant("t");
    c.default_tz = chrono_tz::America::New_York;
    c
}

/// Transactions by id, and (id, reason) of the rejects.
pub(super) fn split(p: &Parsed) -> (BTreeMap<String, &Transaction>, Vec<(String, String)>) {
    let mut ok = BTreeMap::new();
    let mut rejects = vec![];
    for r in &p.records {
        match r {
            Ok(Record::Txn(t)) => {
                ok.insert(t.key.source_txn_id.clone(), &**t);
            }
            Err(e) => rejects.push((e.event_id.clone().unwrap_or_default(), e.reason.clone())),
            other => panic!("unexpected {other:?}"),
        }
    }
    (ok, rejects)
}

pub(super) fn net(t: &Transaction) -> Decimal {
    t.lines.iter().map(|l| l.net_amount).sum()
}

/// (kind, item, quantity, unit price, net) of each line.
pub(super) fn lines(t: &Transaction) -> Vec<(LineKind, &str, Decimal, Decimal, Decimal)> {
    t.lines
        .iter()
        .map(|l| {
            (
                l.kind,
                l.raw_item_id.as_str(),
                l.quantity,
                l.unit_price,
                l.net_amount,
            )
        })
        .collect()
}

#[test]
fn uci_online_retail_sales_cancellations_and_non_product_codes() {
    let m = Mapping::from_toml(RETAIL).unwrap();
    let p = parse(&ctx(), &m, &real("online_retail.csv")).unwrap();
    assert_eq!(p.rows, 25);
    let (ok, rejects) = split(&p);
    let ids: Vec<&str> = ok.keys().map(String::as_str).collect();
    assert_eq!(
        ids,
        [
            "540010", "540011", "540013", "540014", "540019", "540020", "562001", "581530",
            "C540012"
        ]
    );
    let t = ok["540010"];
    assert_eq!(
        (t.key.store_id.as_str(), t.currency.as_str(), net(t)),
        ("uci-online-retail", "GBP", d("48.32"))
    );
    assert_eq!(t.customer_id.as_deref(), Some("14911"));
    // `1/4/2011 9:05`: month and hour not padded; London is on GMT in January, on BST in
    // August.
    assert_eq!(t.occurred_at.to_rfc3339(), "2011-01-04T09:05:00+00:00");
    assert_eq!(
        ok["562001"].occurred_at.to_rfc3339(),
        "2011-08-02T07:26:00+00:00"
    );
    assert_eq!(
        ok["581530"].business_date,
        chrono::NaiveDate::from_ymd_opt(2011, 12, 9).unwrap()
    );
    // Postage and carriage are sale lines: the customer paid them.
    assert_eq!(
        lines(ok["540011"])[2],
        (LineKind::Sale, "POST", d("3"), d("18"), d("54"))
    );
    assert_eq!(net(ok["581530"]), d("66.60"));
    // A cancellation: every line a return, the discount row too.
    assert_eq!(
        lines(ok["C540012"]),
        [
            (LineKind::Return, "22728", d("-2"), d("3.75"), d("-7.50")),
            (LineKind::Return, "D", d("-1"), d("12.5"), d("-12.5")),
        ]
    );
    // A zero-priced stock write-off moves units, no money.
    assert_eq!(
        lines(ok["540020"]),
        [(LineKind::Return, "21777", d("-10"), d("0"), d("0"))]
    );
    assert_eq!(ok["540020"].lines[0].description, None);
    assert_eq!(
        ok["540019"].lines[1].description.as_deref(),
        Some("PARTY BUNTING, RED/WHITE")
    );
    let reasons: Vec<(&str, bool)> = rejects
        .iter()
        .map(|(id, r)| (id.as_str(), r.contains("column `StockCode`")))
        .collect();
    assert_eq!(
        reasons,
        [
            ("C540015", true),
            ("A540016", true),
            ("540017", true),
            ("C540018", true)
        ]
    );
    assert!(
        rejects[1].1.contains("`B`: a bad-debt adjustment"),
        "{rejects:?}"
    );
    assert!(
        rejects[2].1.contains("`BANK CHARGES`: a fee"),
        "{rejects:?}"
    );
}

#[test]
fn rows_of_one_invoice_apart_in_the_file_form_one_transaction() {
    let m = Mapping::from_toml(RETAIL).unwrap();
    let p = parse(&ctx(), &m, &real("online_retail.csv")).unwrap();
    let (ok, _) = split(&p);
    // 540013's rows are at file lines 10, 11, 13 and 15, with 540014's between them.
    let t = ok["540013"];
    let items: Vec<(i32, &str)> = t
        .lines
        .iter()
        .map(|l| (l.line_no, l.raw_item_id.as_str()))
        .collect();
    assert_eq!(
        items,
        [(1, "21175"), (2, "22086"), (3, "21080"), (4, "DOT")]
    );
    assert_eq!(net(t), d("44.17"));
    assert_eq!(t.customer_id, None);
    let items: Vec<&str> = ok["540014"]
        .lines
        .iter()
        .map(|l| l.raw_item_id.as_str())
        .collect();
    assert_eq!(items, ["85099B", "M"]);
}

#[test]
fn uci_online_retail_ii_float_ids_and_the_year_both_datasets_hold() {
    let m = Mapping::from_toml(RETAIL_II).unwrap();
    let p = parse(&ctx(), &m, &real("online_retail_II.csv")).unwrap();
    let (ok, rejects) = split(&p);
    let ids: Vec<&str> = ok.keys().map(String::as_str).collect();
    assert_eq!(ids, ["489500", "510101", "510102", "540010", "C489501"]);
    let t = ok["489500"];
    assert_eq!(t.customer_id.as_deref(), Some("13085"));
    assert_eq!(t.occurred_at.to_rfc3339(), "2009-12-01T07:45:00+00:00");
    assert_eq!(
        t.lines[1].description.as_deref(),
        Some("PHOTO FRAME 5\" X 7\" WHITE")
    );
    assert_eq!(net(t), d("214.20"));
    assert_eq!(net(ok["C489501"]), d("-25.50"));
    assert_eq!(
        ok["510101"].occurred_at.to_rfc3339(),
        "2010-06-15T07:26:00+00:00"
    );
    let rejected: Vec<&str> = rejects.iter().map(|(id, _)| id.as_str()).collect();
    // 489503 holds a product row too: the whole invoice waits for a decision.
    assert_eq!(rejected, ["489502", "489503", "A503000"]);
    assert!(rejects[0].1.contains("`TEST001`: a test product"));

    // Invoice 540010 is in both datasets: it lands as the same transaction from either.
    let old = Mapping::from_toml(RETAIL).unwrap();
    let p_old = parse(&ctx(), &old, &real("online_retail.csv")).unwrap();
    let (ok_old, _) = split(&p_old);
    assert_eq!(ok["540010"], ok_old["540010"]);
}

#[test]
fn kaggle_supermarket_sales_branches_tax_and_payment() {
    let m = Mapping::from_toml(MARKET).unwrap();
    let p = parse(&ctx(), &m, &real("supermarket_sales.csv")).unwrap();
    let (ok, rejects) = split(&p);
    assert_eq!((ok.len(), rejects.len()), (11, 0), "{rejects:?}");
    let t = ok["412-08-3391"];
    assert_eq!((t.key.store_id.as_str(), t.currency.as_str()), ("A", "USD"));
    // `1/5/2019` `13:08` in Yangon (+06:30).
    assert_eq!(t.occurred_at.to_rfc3339(), "2019-01-05T06:38:00+00:00");
    assert_eq!(
        lines(t),
        [(
            LineKind::Sale,
            "Health and beauty",
            d("3"),
            d("61.42"),
            d("184.26")
        )]
    );
    assert_eq!(t.lines[0].tax, d("9.213"));
    assert_eq!(
        t.tenders
            .iter()
            .map(|x| (x.method, x.amount))
            .collect::<Vec<_>>(),
        [(TenderMethod::Other, d("193.473"))]
    );
    let methods: Vec<TenderMethod> = ["508-66-1204", "287-14-9920"]
        .iter()
        .map(|id| ok[*id].tenders[0].method)
        .collect();
    assert_eq!(methods, [TenderMethod::Cash, TenderMethod::Card]);
    let stores: std::collections::BTreeSet<&str> =
        ok.values().map(|t| t.key.store_id.as_str()).collect();
    assert_eq!(stores.into_iter().collect::<Vec<_>>(), ["A", "B", "C"]);
    // Every invoice: net plus tax is what was paid.
    for t in ok.values() {
        let l = &t.lines[0];
        assert_eq!(
            l.net_amount + l.tax,
            t.tenders[0].amount,
            "{}",
            t.key.source_txn_id
        );
    }
}

/// A small mapping for the keys' own tests.
const SMALL: &str = r#"
source = "s"
store_id = "S1"
currency = "EUR"
datetime_format = "%Y-%m-%d %H:%M"
[columns]
txn_id = "Id"
datetime = "At"
customer_id = "Cust"
item_id = "Item"
quantity = "Qty"
unit_price = "Price"
tax = "Tax"
tender_method = "Paid"
[tenders]
cash = ["Cash"]
card = ["Card", "Debit"]
"#;

const SMALL_BODY: &str = "Id,At,Cust,Item,Qty,Price,Tax,Paid\n\
1.0,2026-01-05 10:00,17850.0,A1,2,5.00,0.95,debit\n\
1.0,2026-01-05 10:00,17850.0,B2,1,1.50,0.29,\n\
2,2026-01-05 11:00,C17850.5,A1,-1,5.00,0.95,Cash\n";

#[test]
fn integer_ids_drop_a_float_suffix_of_the_named_id_columns_only() {
    let m = Mapping::from_toml(
        &SMALL.replace("[columns]", "integer_ids = [\"customer_id\"]\n[columns]"),
    )
    .unwrap();
    let p = parse(&ctx(), &m, SMALL_BODY).unwrap();
    let t = |i: usize| match &p.records[i] {
        Ok(Record::Txn(t)) => t,
        other => panic!("{other:?}"),
    };
    // txn_id is not named: `1.0` stays as written; the customer id loses `.0`, but a cell
    // that is not digits and zeros after a dot stays.
    assert_eq!(t(0).key.source_txn_id, "1.0");
    assert_eq!(t(0).customer_id.as_deref(), Some("17850"));
    assert_eq!(t(1).customer_id.as_deref(), Some("C17850.5"));
    let both = Mapping::from_toml(&SMALL.replace(
        "[columns]",
        "integer_ids = [\"customer_id\", \"txn_id\"]\n[columns]",
    ))
    .unwrap();
    let p = parse(&ctx(), &both, SMALL_BODY).unwrap();
    assert_eq!(txn_id(&p.records[0]), "1");
    for (cell, out) in [
        ("17850.", "17850"),
        (".0", ".0"),
        ("1.05", "1.05"),
        ("12", "12"),
    ] {
        assert_eq!(id_cell(&both, "customer_id", cell), out);
    }
    let e =
        Mapping::from_toml(&SMALL.replace("[columns]", "integer_ids = [\"item_id\"]\n[columns]"))
            .unwrap_err();
    assert!(e.contains("`item_id`") && e.contains("customer_id"), "{e}");
}

fn txn_id(r: &Result<Record, Reject>) -> &str {
    match r {
        Ok(Record::Txn(t)) => &t.key.source_txn_id,
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_tender_without_an_amount_column_is_the_lines_net_plus_tax() {
    let m = Mapping::from_toml(SMALL).unwrap();
    let p = parse(&ctx(), &m, SMALL_BODY).unwrap();
    let tenders = |i: usize| match &p.records[i] {
        Ok(Record::Txn(t)) => t
            .tenders
            .iter()
            .map(|x| (x.tender_no, x.method, x.amount, x.status))
            .collect::<Vec<_>>(),
        other => panic!("{other:?}"),
    };
    // The method from the first row that has one, compared without case.
    assert_eq!(
        tenders(0),
        [(1, TenderMethod::Card, d("12.74"), TenderStatus::Approved)]
    );
    // A return: money paid back is a negative tender.
    assert_eq!(
        tenders(1),
        [(1, TenderMethod::Cash, d("-5.95"), TenderStatus::Approved)]
    );
    // No method cell on any row: the export does not say, so no tender.
    let body = SMALL_BODY.replace(",debit\n", ",\n");
    let p = parse(&ctx(), &m, &body).unwrap();
    assert!(matches!(&p.records[0], Ok(Record::Txn(t)) if t.tenders.is_empty()));
}

#[test]
fn an_unlisted_tender_value_rejects_naming_the_column_and_value() {
    let m = Mapping::from_toml(SMALL).unwrap();
    let p = parse(&ctx(), &m, &SMALL_BODY.replace("debit", "Voucher")).unwrap();
    let e = p.records[0].as_ref().unwrap_err();
    assert!(
        e.reason.contains("row 2") && e.reason.contains("`Paid`") && e.reason.contains("Voucher"),
        "{}",
        e.reason
    );
    assert!(p.records[1].is_ok());
    let e =
        Mapping::from_toml(&SMALL.replace("tender_method = \"Paid\"", "tender_amount = \"Price\""))
            .unwrap_err();
    assert!(e.contains("tender_method"), "{e}");
}

#[test]
fn reject_rows_name_row_column_value_and_reason_and_need_their_column() {
    let rule = "\n[[reject_rows]]\ncolumn = \"Item\"\nvalues = [\"fee\"]\nreason = \"a fee\"\n";
    let m = Mapping::from_toml(&format!("{SMALL}{rule}")).unwrap();
    let p = parse(&ctx(), &m, &SMALL_BODY.replace("B2", " FEE ")).unwrap();
    let e = p.records[0].as_ref().unwrap_err();
    assert_eq!(
        e.reason,
        "transaction 1.0: row 3: column `Item`: `FEE`: a fee"
    );
    assert!(p.records[1].is_ok());
    let e = parse(
        &ctx(),
        &Mapping::from_toml(&format!("{SMALL}{}", rule.replace("\"Item\"", "\"Kind\""))).unwrap(),
        SMALL_BODY,
    )
    .unwrap_err();
    assert_eq!(e.field.as_deref(), Some("Kind"));
}

/// `scope = "row"`: a fee row on an invoice that also sold goods rejects itself only; the
/// goods land without it (their tender is their own net plus tax), and an invoice of fee rows
/// only is no transaction at all. Chunked, the file maps the same.
#[test]
fn reject_rows_of_row_scope_take_out_the_row_alone() {
    let rule = "\n[[reject_rows]]\ncolumn = \"Item\"\nvalues = [\"fee\"]\nreason = \"a fee\"\nscope = \"row\"\n";
    let m = Mapping::from_toml(&format!("{SMALL}{rule}")).unwrap();
    let body = SMALL_BODY.replace("B2", " FEE ");
    let p = parse(&ctx(), &m, &body).unwrap();
    assert_eq!(p.records.len(), 3);
    let e = p.records[0].as_ref().unwrap_err();
    assert_eq!(
        e.reason,
        "transaction 1.0: row 3: column `Item`: `FEE`: a fee (the row alone)"
    );
    assert_eq!(e.detail["rows"], serde_json::json!([3]));
    let Ok(Record::Txn(t)) = &p.records[1] else {
        panic!("{:?}", p.records[1])
    };
    assert_eq!((t.lines.len(), t.tenders[0].amount), (1, d("10.95")));
    assert!(p.records[2].is_ok());
    let only_fees = body.replace(",A1,-1,", ",fee,-1,");
    let p = parse(&ctx(), &m, &only_fees).unwrap();
    assert_eq!(p.records.len(), 3, "invoice 2 is its reject alone");
    assert!(p.records[2].as_ref().unwrap_err().reason.contains("row 4"));
    let plan = Plan::new(&m, &only_fees, 1).unwrap();
    let chunked: Vec<_> = plan
        .chunks(&only_fees, 0)
        .flat_map(|c| {
            parse_at(&ctx(), &m, &c.body, c.line_offset)
                .unwrap()
                .records
        })
        .collect();
    assert_eq!(chunked, p.records);
    let bad = Mapping::from_toml(&format!("{SMALL}{}", rule.replace("\"row\"", "\"line\"")));
    assert!(bad.unwrap_err().contains("scope"));
}

#[test]
fn the_mapping_time_zone_is_used_unless_a_column_gives_one() {
    let m =
        Mapping::from_toml(&SMALL.replace("[columns]", "time_zone = \"Europe/Berlin\"\n[columns]"))
            .unwrap();
    let p = parse(&ctx(), &m, SMALL_BODY).unwrap();
    let Ok(Record::Txn(t)) = &p.records[0] else {
        panic!()
    };
    assert_eq!(t.occurred_at.to_rfc3339(), "2026-01-05T09:00:00+00:00");
    let with_col = m_with_zone_column(&m);
    let body = SMALL_BODY
        .replace("Paid\n", "Paid,Zone\n")
        .replace("debit\n", "debit,UTC\n");
    let p = parse(&ctx(), &with_col, &body).unwrap();
    let Ok(Record::Txn(t)) = &p.records[0] else {
        panic!("{:?}", p.records[0])
    };
    assert_eq!(t.occurred_at.to_rfc3339(), "2026-01-05T10:00:00+00:00");
    let e =
        Mapping::from_toml(&SMALL.replace("[columns]", "time_zone = \"Mars/Olympus\"\n[columns]"))
            .unwrap_err();
    assert!(e.contains("Mars/Olympus"), "{e}");
}

fn m_with_zone_column(m: &Mapping) -> Mapping {
    let mut m = m.clone();
    m.columns.time_zone = Some("Zone".into());
    m
}

#[test]
fn a_row_without_a_store_joins_its_transaction_even_when_not_adjacent() {
    // The store on the first row of a transaction only (Shopify's `Location`), in a file
    // not sorted by transaction: row 4 belongs to X at "Main St", not to the mapping's S1.
    let m =
        Mapping::from_toml(&SMALL.replace("[columns]", "[columns]\nstore_id = \"Store\"")).unwrap();
    let body = "Id,At,Store,Item,Qty,Price,Cust,Tax,Paid\n\
X,2026-01-05 10:00,Main St,A1,1,2.00\n\
Y,2026-01-05 10:01,Dock,A1,1,2.00\n\
X,,,B2,3,1.00\n\
Z,2026-01-05 10:02,,C3,1,4.00\n";
    let p = parse(&ctx(), &m, body).unwrap();
    let got: Vec<(String, String, usize)> = p
        .records
        .iter()
        .map(|r| match r {
            Ok(Record::Txn(t)) => (
                t.key.store_id.clone(),
                t.key.source_txn_id.clone(),
                t.lines.len(),
            ),
            other => panic!("{other:?}"),
        })
        .collect();
    let want = [("Main St", "X", 2), ("Dock", "Y", 1), ("S1", "Z", 1)];
    assert_eq!(got, want.map(|(s, i, n)| (s.to_string(), i.to_string(), n)));
}

/// Copies of UCI Online Retail in circulation write the same invoice as `12/1/2010 8:26`
/// (Kaggle's `data.csv`), `12/1/10 8:26` (two-digit years, another Kaggle copy) and
/// `2010-12-01 08:26:00` (re-saved by pandas, with `17850.0` ids): the ready mapping reads
/// all three as the same instant. The two-digit year used to be read by `%Y` as year 10.
#[test]
fn uci_online_retail_copies_with_two_digit_or_iso_years_land_in_2010() {
    let m = Mapping::from_toml(RETAIL).unwrap();
    let head =
        "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n";
    for (when, cust) in [
        ("12/1/2010 8:26", "17850"),
        ("12/1/10 8:26", "17850"),
        ("2010-12-01 08:26:00", "17850.0"),
    ] {
        let body = format!(
            "{head}536401,84029G,KNITTED UNION FLAG HOT WATER BOTTLE,6,{when},3.39,{cust},United Kingdom\n"
        );
        let p = parse(&ctx(), &m, &body).unwrap();
        let (ok, rejects) = split(&p);
        assert!(rejects.is_empty(), "{when}: {rejects:?}");
        let t = ok["536401"];
        assert_eq!(
            t.occurred_at.to_rfc3339(),
            "2010-12-01T08:26:00+00:00",
            "{when}"
        );
        assert_eq!(
            (t.customer_id.as_deref(), net(t)),
            (Some("17850"), d("20.34"))
        );
    }
}

/// A year of fewer than four digits under a `%Y` format is no match: the transaction is
/// rejected naming the cell, instead of landing in year 16.
#[test]
fn a_two_digit_year_under_a_four_digit_format_rejects_naming_the_cell() {
    let m = Mapping::from_toml(&SMALL.replace("%Y-%m-%d %H:%M", "%m/%d/%Y %H:%M")).unwrap();
    let body = "Id,At,Cust,Item,Qty,Price,Tax,Paid\n7,11/8/16 10:00,1,A1,1,5.00,0,Cash\n";
    let p = parse(&ctx(), &m, body).unwrap();
    let (ok, rejects) = split(&p);
    assert!(ok.is_empty(), "{ok:?}");
    assert!(
        rejects[0].1.contains("`11/8/16 10:00` does not match") && rejects[0].1.contains("`At`"),
        "{rejects:?}"
    );
    let dates = Mapping::from_toml(
        &SMALL
            .replace(
                "datetime_format = \"%Y-%m-%d %H:%M\"",
                "date_format = \"%m/%d/%Y\"",
            )
            .replace("datetime = \"At\"", "date = \"At\""),
    )
    .unwrap();
    let body = "Id,At,Cust,Item,Qty,Price,Tax,Paid\n7,11/8/16,1,A1,1,5.00,0,Cash\n";
    let p = parse(&ctx(), &dates, body).unwrap();
    let (ok, rejects) = split(&p);
    assert!(
        ok.is_empty() && rejects[0].1.contains("`11/8/16` does not match"),
        "{rejects:?}"
    );
}

/// Copies of Kaggle's Supermarket sales re-saved by pandas write `2019-01-05` for `1/5/2019`.
#[test]
fn kaggle_supermarket_sales_copies_with_iso_dates_read_the_same() {
    let m = Mapping::from_toml(MARKET).unwrap();
    let text = real("supermarket_sales.csv");
    let iso = text.replace(",1/5/2019,", ",2019-01-05,");
    assert_ne!(text, iso);
    let (a, b) = (
        parse(&ctx(), &m, &text).unwrap(),
        parse(&ctx(), &m, &iso).unwrap(),
    );
    assert_eq!(a.records, b.records);
}
