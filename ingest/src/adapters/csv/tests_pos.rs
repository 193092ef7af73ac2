//! Exports of other POS systems with their ready mappings (Toast item selections, Loyverse
//! receipts by item, Clover line items, SumUp transactions), and the
//! mapping keys they needed: lines voided in place (`[kinds] voided`), several date forms
//! (`datetime_format` as a list).

use super::tests::{d, txn};
use super::*;
use pos_core::model::*;

const TOAST: &str = include_str!("../../../mappings/toast_item_selection_details.toml");
const LOYVERSE: &str = include_str!("../../../mappings/loyverse_receipts_by_item.toml");
const LOYVERSE_FILE: &str = "loyverse/receipts-by-item-2026-08-17-2026-08-17.csv";

fn real(path: &str) -> String {
    let dir = std::env::var("CARGO_MANIFEST_DIR")
        .unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").to_string());
    let p = format!("{dir}/tests/data/real/{path}");
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{p}: {e}"))
}

/// Two restaurants in two zones; the default zone is neither, so a time read in the wrong
/// zone shows.
fn toast_ctx() -> Context {
    let mut c = Context::for_tenant("t");
    c.default_tz = chrono_tz::Europe::Berlin;
    c.store_tz
        .insert("Riverside Grill".into(), chrono_tz::America::Chicago);
    c.store_tz
        .insert("Lakeview".into(), chrono_tz::America::Denver);
    c.default_currency = "USD".into();
    c
}

/// The transactions of a parse by id; panics on a reject.
fn by_id(p: &Parsed) -> BTreeMap<String, &Transaction> {
    p.records
        .iter()
        .map(|r| {
            let t = txn(r);
            (t.key.source_txn_id.clone(), t)
        })
        .collect()
}

/// (line no, kind, raw item id, quantity, unit price, discount, net, tax) of each line.
type LineSum<'a> = (
    i32,
    LineKind,
    &'a str,
    Decimal,
    Decimal,
    Decimal,
    Decimal,
    Decimal,
);

fn lines(t: &Transaction) -> Vec<LineSum<'_>> {
    t.lines
        .iter()
        .map(|l| {
            (
                l.line_no,
                l.kind,
                l.raw_item_id.as_str(),
                l.quantity,
                l.unit_price,
                l.discount,
                l.net_amount,
                l.tax,
            )
        })
        .collect()
}

pub(super) fn net_tax(t: &Transaction) -> (Decimal, Decimal) {
    (
        t.lines.iter().map(|l| l.net_amount).sum(),
        t.lines.iter().map(|l| l.tax).sum(),
    )
}

#[test]
fn toast_item_selections_voided_items_discounts_tax_and_store_zones() {
    let m = Mapping::from_toml(TOAST).unwrap();
    let p = parse(&toast_ctx(), &m, &real("toast/ItemSelectionDetails.csv")).unwrap();
    assert_eq!(p.rows, 6);
    let ok = by_id(&p);
    assert_eq!(ok.len(), 4);
    let t = ok["4100000020110001001"];
    assert_eq!(t.key.store_id, "Riverside Grill");
    assert_eq!(t.cashier_id.as_deref(), Some("Dana K"));
    // `10/9/26 6:38 PM` in Chicago (CDT, UTC−5).
    assert_eq!(t.occurred_at.to_rfc3339(), "2026-10-09T23:38:00+00:00");
    assert_eq!(t.business_date.to_string(), "2026-10-09");
    assert_eq!(t.currency, "USD");
    // The fries' discount, the burger by its Master Id (no SKU, no PLU), the voided IPA
    // as the line and its void.
    assert_eq!(
        lines(t),
        [
            (
                1,
                LineKind::Sale,
                "4100000003300000100",
                d("1.0"),
                d("14"),
                d("0"),
                d("14.00"),
                d("1.155")
            ),
            (
                2,
                LineKind::Sale,
                "FRY-REG",
                d("2.0"),
                d("4.5"),
                d("2.00"),
                d("7.00"),
                d("0.5775")
            ),
            (
                3,
                LineKind::Sale,
                "4011",
                d("1.0"),
                d("7"),
                d("0"),
                d("7.00"),
                d("0.5775")
            ),
            (
                4,
                LineKind::Void,
                "4011",
                d("-1.0"),
                d("7"),
                d("0"),
                d("-7.00"),
                d("-0.5775")
            ),
        ]
    );
    assert_eq!(net_tax(t), (d("21.00"), d("1.7325")));
    assert_eq!(t.lines[3].description.as_deref(), Some("Craft IPA"));
    assert_eq!(t.tenders, vec![]);
    assert_eq!(net_tax(ok["4100000020110001021"]), (d("12.00"), d("0.99")));

    // Lakeview, in Denver (MDT, UTC−6): a grouped gross `1,240.00` for two platters.
    let t = ok["4200000020110002001"];
    assert_eq!(t.key.store_id, "Lakeview");
    assert_eq!(t.occurred_at.to_rfc3339(), "2026-10-10T01:12:00+00:00");
    assert_eq!(t.business_date.to_string(), "2026-10-09");
    assert_eq!(
        lines(t),
        [(
            1,
            LineKind::Sale,
            "4100000003300000500",
            d("2.0"),
            d("620"),
            d("124.00"),
            d("1116.00"),
            d("92.07")
        )]
    );
    // Opened at 00:36 on the 10th: before the 04:00 closeout, so the 9th's business day.
    let t = ok["4200000020110002021"];
    assert_eq!(t.occurred_at.to_rfc3339(), "2026-10-10T06:36:00+00:00");
    assert_eq!(t.business_date.to_string(), "2026-10-09");
}

#[test]
fn business_day_start_moves_sales_before_it_to_the_day_before() {
    let body = real("toast/ItemSelectionDetails.csv");
    let day = |start: &str| {
        let text = TOAST.replace(
            "business_day_start = \"04:00\"",
            &format!("business_day_start = \"{start}\""),
        );
        let m = Mapping::from_toml(&text).unwrap();
        let p = parse(&toast_ctx(), &m, &body).unwrap();
        let ok = by_id(&p);
        [
            "4200000020110002021", // 00:36 on the 10th
            "4100000020110001001", // 18:38 on the 9th
        ]
        .map(|id| ok[id].business_date.to_string())
    };
    assert_eq!(day("04:00"), ["2026-10-09", "2026-10-09"]);
    assert_eq!(day("00:30"), ["2026-10-10", "2026-10-09"]);
    assert_eq!(day("00:00"), ["2026-10-10", "2026-10-09"]);
    let m = Mapping::from_toml(&TOAST.replace("business_day_start = \"04:00\"", "")).unwrap();
    let p = parse(&toast_ctx(), &m, &body).unwrap();
    assert_eq!(
        by_id(&p)["4200000020110002021"].business_date.to_string(),
        "2026-10-10"
    );
    let e = Mapping::from_toml(&TOAST.replace("\"04:00\"", "\"4am\"")).unwrap_err();
    assert!(e.contains("business_day_start = \"4am\""), "{e}");
}

#[test]
fn a_voided_row_is_the_line_and_its_void_and_needs_a_kind_column() {
    let m = Mapping::from_toml(TOAST).unwrap();
    let body = real("toast/ItemSelectionDetails.csv");
    // A voided return (negative quantity) is taken back the other way: its void adds back.
    let body = body.replace(
        "Craft IPA,Draft,Beer,Bar,Alcohol,7.00,0.00,7.00,1.0,0.57750000,true",
        "Craft IPA,Draft,Beer,Bar,Alcohol,7.00,0.00,7.00,-1.0,0.57750000,true",
    );
    let p = parse(&toast_ctx(), &m, &body).unwrap();
    let t = by_id(&p)["4100000020110001001"];
    assert_eq!(
        lines(t)[2..],
        [
            (
                3,
                LineKind::Return,
                "4011",
                d("-1.0"),
                d("7"),
                d("0"),
                d("-7.00"),
                d("-0.5775")
            ),
            (
                4,
                LineKind::Void,
                "4011",
                d("-1.0"),
                d("7"),
                d("0"),
                d("7.00"),
                d("0.5775")
            ),
        ]
    );
    assert_eq!(net_tax(t), (d("21.00"), d("1.7325")));

    let no_kind = TOAST.replace("kind = \"Void?\"", "");
    let e = Mapping::from_toml(&no_kind).unwrap_err();
    assert!(e.contains("kinds.voided needs columns.kind"), "{e}");
    let numbered = TOAST.replace(
        "kind = \"Void?\"",
        "kind = \"Void?\"\nline_no = \"Order #\"",
    );
    let e = Mapping::from_toml(&numbered).unwrap_err();
    assert!(e.contains("columns.line_no"), "{e}");
    let both = TOAST.replace("sale = [\"false\"]", "sale = [\"false\", \"TRUE\"]");
    let e = Mapping::from_toml(&both).unwrap_err();
    assert!(e.contains("kinds.voided: `true` is also"), "{e}");
}

#[test]
fn several_datetime_formats_are_tried_in_order() {
    let m = Mapping::from_toml(TOAST).unwrap();
    let body = real("toast/ItemSelectionDetails.csv")
        .replace("10/9/26 6:38 PM", "10/09/2026 18:38:00")
        .replace("10/9/26 7:12 PM", "10/09/2026 19:12");
    let p = parse(&toast_ctx(), &m, &body).unwrap();
    let ok = by_id(&p);
    assert_eq!(
        ok["4100000020110001001"].occurred_at.to_rfc3339(),
        "2026-10-09T23:38:00+00:00"
    );
    assert_eq!(
        ok["4200000020110002001"].occurred_at.to_rfc3339(),
        "2026-10-10T01:12:00+00:00"
    );
    // A form none of them reads names them all.
    let body = body.replace("10/09/2026 19:12", "2026-10-09T19:12");
    let p = parse(&toast_ctx(), &m, &body).unwrap();
    let e = p.records.iter().find_map(|r| r.as_ref().err()).unwrap();
    assert!(
        e.reason.contains("`2026-10-09T19:12` does not match the format `%m/%d/%y %I:%M %p` or `%m/%d/%Y %H:%M:%S` or `%m/%d/%Y %H:%M`"),
        "{}",
        e.reason
    );
    let empty = TOAST.replace(
        "datetime_format = [\"%m/%d/%y %I:%M %p\", \"%m/%d/%Y %H:%M:%S\", \"%m/%d/%Y %H:%M\"]",
        "datetime_format = []",
    );
    let e = Mapping::from_toml(&empty).unwrap_err();
    assert!(e.contains("needs datetime_format"), "{e}");
}

/// Two Loyverse stores in Manila; the default zone is not theirs.
fn loyverse_ctx() -> Context {
    let mut c = Context::for_tenant("t");
    c.default_tz = chrono_tz::Europe::Berlin;
    for store in ["Kapihan Makati", "Kapihan BGC"] {
        c.store_tz.insert(store.into(), chrono_tz::Asia::Manila);
        c.store_currency.insert(store.into(), "PHP".into());
    }
    c
}

#[test]
fn loyverse_receipts_by_item_vat_inside_refunds_and_cancelled_receipts() {
    let m = Mapping::from_toml(LOYVERSE).unwrap();
    let p = parse(&loyverse_ctx(), &m, &real(LOYVERSE_FILE)).unwrap();
    assert_eq!(p.rows, 6);
    let ok = by_id(&p);
    assert_eq!(
        ok.keys().collect::<Vec<_>>(),
        ["1-1001", "1-1002", "2-0457", "2-0458"]
    );
    let t = ok["1-1001"];
    assert_eq!(
        (t.key.store_id.as_str(), t.currency.as_str(), t.status),
        ("Kapihan Makati", "PHP", TxnStatus::Completed)
    );
    assert_eq!(
        (t.register_id.as_deref(), t.cashier_id.as_deref()),
        (Some("POS 1"), Some("Ana"))
    );
    // `8/17/26 7:52 AM` in Manila (UTC+8).
    assert_eq!(t.occurred_at.to_rfc3339(), "2026-08-16T23:52:00+00:00");
    assert_eq!(t.business_date.to_string(), "2026-08-17");
    // VAT included: net = Net sales − Taxes (342.00 − 36.64).
    assert_eq!(
        lines(t),
        [
            (
                1,
                LineKind::Sale,
                "10001",
                d("2"),
                d("190"),
                d("38.00"),
                d("305.36"),
                d("36.64")
            ),
            (
                2,
                LineKind::Sale,
                "10020",
                d("1"),
                d("95"),
                d("0"),
                d("84.82"),
                d("10.18")
            ),
        ]
    );
    assert_eq!(net_tax(t), (d("390.18"), d("46.82")));
    assert_eq!(
        t.lines[0].description.as_deref(),
        Some("Cafe Latte (Grande, Oat milk, Extra shot)")
    );
    assert_eq!(t.tenders, vec![]);
    // The refund: a receipt of its own, every amount negative.
    let r = ok["1-1002"];
    assert_eq!(
        lines(r),
        [(
            1,
            LineKind::Return,
            "10020",
            d("-1"),
            d("95"),
            d("0"),
            d("-84.82"),
            d("-10.18")
        )]
    );
    assert_eq!(r.lines[0].original_txn_id, None);
    // An item without a SKU is keyed by its name; a cancelled receipt is post-voided.
    let t = ok["2-0457"];
    assert_eq!(t.key.store_id, "Kapihan BGC");
    assert_eq!(t.lines[1].raw_item_id, "Tote Bag, Canvas");
    assert_eq!(net_tax(t), (d("504.47"), d("60.53")));
    assert_eq!(ok["2-0458"].status, TxnStatus::PostVoided);
}

#[test]
fn loyverse_added_taxes_and_the_account_s_date_forms() {
    // A US shop: tax added to the price, so Net sales is the net.
    let added = LOYVERSE.replace("prices_include_tax = true", "prices_include_tax = false");
    let m = Mapping::from_toml(&added).unwrap();
    let p = parse(&loyverse_ctx(), &m, &real(LOYVERSE_FILE)).unwrap();
    assert_eq!(net_tax(by_id(&p)["1-1001"]), (d("437.00"), d("46.82")));
    // Outside the US the account writes day first, 24-hour: `17/08/2026 19:52` is the 17th.
    let m = Mapping::from_toml(LOYVERSE).unwrap();
    let body = real(LOYVERSE_FILE)
        .replace("8/17/26 7:52 AM", "17/08/2026 19:52")
        .replace("8/17/26 12:16 PM", "2026-08-17 12:16:00");
    let p = parse(&loyverse_ctx(), &m, &body).unwrap();
    let ok = by_id(&p);
    assert_eq!(
        ok["1-1001"].occurred_at.to_rfc3339(),
        "2026-08-17T11:52:00+00:00"
    );
    assert_eq!(
        ok["2-0457"].occurred_at.to_rfc3339(),
        "2026-08-17T04:16:00+00:00"
    );
}

/// Toast's `Deferred` = true (a gift card sold) is a non-revenue line; a value that is no
/// yes/no rejects its transaction naming the column, and the rest lands.
#[test]
fn toast_deferred_rows_are_non_revenue_lines() {
    let m = Mapping::from_toml(TOAST).unwrap();
    let with = |value: &str| -> String {
        real("toast/ItemSelectionDetails.csv")
            .lines()
            .map(|l| {
                if l.contains("Hand-Cut Fries") {
                    l.replacen(",false,false,false,", &format!(",false,{value},false,"), 1)
                } else {
                    l.to_string()
                }
            })
            .collect::<Vec<_>>()
            .join("\n")
    };
    let flags = |body: &str| -> Vec<bool> {
        let p = parse(&toast_ctx(), &m, body).unwrap();
        let t = by_id(&p)["4100000020110001001"];
        t.lines.iter().map(|l| l.non_revenue).collect()
    };
    let plain = flags(&real("toast/ItemSelectionDetails.csv"));
    assert!(plain.iter().all(|f| !f), "{plain:?}");
    let deferred = flags(&with("true"));
    assert_eq!(deferred.iter().filter(|f| **f).count(), 1, "{deferred:?}");
    assert_eq!(flags(&with("TRUE")), deferred);
    let p = parse(&toast_ctx(), &m, &with("maybe")).unwrap();
    let rejects: Vec<_> = p.records.iter().filter_map(|r| r.as_ref().err()).collect();
    assert_eq!(rejects.len(), 1);
    assert!(
        rejects[0]
            .reason
            .contains("column `Deferred`: `maybe` is not a yes/no value"),
        "{}",
        rejects[0].reason
    );
    assert_eq!(p.records.len(), 4);
    // An export without the column (the mapping lists it as optional): nothing is deferred.
    let without = with("true").replacen(",Deferred,", ",Not Deferred,", 1);
    assert!(flags(&without).iter().all(|f| !f));
}

/// An export that names the kind of item (a type column holding `Gift Card`) instead of a
/// yes/no: `non_revenue_values` lists the kinds that are not revenue; any other is a sale.
#[test]
fn non_revenue_values_read_a_type_column() {
    let body = "id,when,item,qty,price,type\n\
                1,2026-03-05 10:00,coffee,1,4.00,Physical Good\n\
                1,2026-03-05 10:00,card,1,50.00, gift card \n\
                1,2026-03-05 10:00,cake,1,3.00,\n";
    let mapping = |extra: &str| {
        Mapping::from_toml(&format!(
            "source = \"t\"\nstore_id = \"S\"\ndatetime_format = \"%Y-%m-%d %H:%M\"\n{extra}\n\
             [columns]\ntxn_id = \"id\"\ndatetime = \"when\"\nitem_id = \"item\"\n\
             quantity = \"qty\"\nunit_price = \"price\"\nnon_revenue = \"type\"\n"
        ))
    };
    let m = mapping("non_revenue_values = [\"Gift Card\"]").unwrap();
    let p = parse(&toast_ctx(), &m, body).unwrap();
    let flags: Vec<_> = by_id(&p)["1"].lines.iter().map(|l| l.non_revenue).collect();
    assert_eq!(flags, [false, true, false]);
    // Read as yes/no, the type is no yes/no value: the transaction is rejected, naming it.
    let p = parse(&toast_ctx(), &mapping("").unwrap(), body).unwrap();
    let r = p.records[0].as_ref().unwrap_err();
    assert!(
        r.reason.contains("`Physical Good` is not a yes/no value"),
        "{}",
        r.reason
    );
    // Values without the column they are in: the mapping says so.
    let e = Mapping::from_toml(
        "source = \"t\"\nstore_id = \"S\"\ndatetime_format = \"%Y-%m-%d %H:%M\"\n\
         non_revenue_values = [\"Gift Card\"]\n[columns]\ntxn_id = \"id\"\n\
         datetime = \"when\"\nitem_id = \"item\"\nquantity = \"qty\"\nunit_price = \"price\"\n",
    )
    .unwrap_err();
    assert!(
        e.contains("non_revenue_values needs columns.non_revenue"),
        "{e}"
    );
}

const CLOVER_LINE_ITEMS: &str = include_str!("../../../mappings/clover_line_items_export.toml");
const CLOVER_FILE: &str = "clover-csv/LineItemsExport-20261005_0000_EDT-20261103_2359_EST.csv";
const SUMUP: &str = include_str!("../../../mappings/sumup_transactions_report.toml");
const SUMUP_FILE: &str = "sumup/20260314-20260315-transactions-report.csv";

/// The transactions of a parse by id, and the reasons of its rejects in file order.
pub(super) fn split(p: &Parsed) -> (BTreeMap<String, &Transaction>, Vec<&str>) {
    let mut ok = BTreeMap::new();
    let mut rejects = Vec::new();
    for r in &p.records {
        match r {
            Ok(_) => {
                let t = txn(r);
                ok.insert(t.key.source_txn_id.clone(), t);
            }
            Err(e) => rejects.push(e.reason.as_str()),
        }
    }
    (ok, rejects)
}

/// One store in `zone`; the default zone and currency are other ones, so a time read in the
/// wrong zone or a currency not taken from the file shows.
fn one_store(store: &str, zone: chrono_tz::Tz, currency: &str) -> Context {
    let mut c = Context::for_tenant("t");
    c.default_tz = chrono_tz::Asia::Tokyo;
    c.default_currency = "JPY".into();
    c.store_tz.insert(store.into(), zone);
    c.store_currency.insert(store.into(), currency.into());
    c
}

#[test]
fn clover_line_items_discount_shares_tax_on_top_fees_and_given_back_items() {
    let m = Mapping::from_toml(CLOVER_LINE_ITEMS).unwrap();
    let ctx = one_store("clover", chrono_tz::America::New_York, "EUR");
    let p = parse(&ctx, &m, &real(CLOVER_FILE)).unwrap();
    assert_eq!(p.rows, 8);
    let (ok, rejects) = split(&p);
    assert_eq!(
        ok.keys().collect::<Vec<_>>(),
        [
            "AB12CD34EF56G",
            "HJ34KL56MN78P",
            "QR90ST12UV34W",
            "WX56YZ78AB90C"
        ]
    );
    let t = ok["AB12CD34EF56G"];
    assert_eq!(
        (t.key.store_id.as_str(), t.currency.as_str(), t.status),
        ("clover", "USD", TxnStatus::Completed)
    );
    assert_eq!(t.cashier_id.as_deref(), Some("EMPL0K2M9X4QA"));
    // `05-Oct-2026 08:14 AM EDT`: 08:14 in New York (UTC−4).
    assert_eq!(t.occurred_at.to_rfc3339(), "2026-10-05T12:14:00+00:00");
    assert_eq!(t.business_date.to_string(), "2026-10-05");
    // Order discount shares (written -0.45, -0.28) are the discounts; Item Total the net;
    // tax on top. The gratuity: no Item ID, so its name; not revenue.
    assert_eq!(
        lines(t),
        [
            (
                1,
                LineKind::Sale,
                "ITEM7QF3K2J1A",
                d("1"),
                d("5.25"),
                d("0.45"),
                d("4.80"),
                d("0.31")
            ),
            (
                2,
                LineKind::Sale,
                "012345678905",
                d("1"),
                d("2.75"),
                d("0.28"),
                d("2.47"),
                d("0.16")
            ),
            (
                3,
                LineKind::Sale,
                "Gratuity",
                d("1"),
                d("1.00"),
                d("0"),
                d("1.00"),
                d("0")
            ),
        ]
    );
    // 4.80 + 2.47 + 1.00 = 8.27 net, 0.31 + 0.16 = 0.47 tax; revenue 7.27 (the fee is not).
    assert_eq!(net_tax(t), (d("8.27"), d("0.47")));
    let revenue: Decimal = t
        .lines
        .iter()
        .filter(|l| !l.non_revenue)
        .map(|l| l.net_amount)
        .sum();
    assert_eq!(revenue, d("7.27"));
    assert_eq!(
        t.lines[0].description.as_deref(),
        Some("Latte (Oat Milk (MOD4H8K2P1Q9R) $0.75)")
    );
    assert_eq!(t.lines[1].description.as_deref(), Some("Bagel, Everything"));
    assert_eq!(t.tenders, vec![]);
    // Sold by weight (`0.750` lb): one unit, its money as written.
    let t = ok["HJ34KL56MN78P"];
    assert_eq!(
        lines(t),
        [(
            1,
            LineKind::Sale,
            "ITEM3TURKEY4Z",
            d("1"),
            d("6.74"),
            d("0"),
            d("6.74"),
            d("0")
        )]
    );
    // The refunded iced tea and the exchanged hoodie are rejects of their own; their
    // orders land without them.
    assert_eq!(rejects.len(), 2);
    assert!(
        rejects[0].contains("refunded after the sale"),
        "{}",
        rejects[0]
    );
    assert!(
        rejects[1].contains("given back in an exchange"),
        "{}",
        rejects[1]
    );
    let t = ok["QR90ST12UV34W"];
    assert_eq!(
        lines(t),
        [(
            1,
            LineKind::Sale,
            "ITEM8TOTEBAG2",
            d("1"),
            d("12.00"),
            d("0"),
            d("12.00"),
            d("0.78")
        )]
    );
    // `06-Oct-2026 12:05 AM EDT` is five past midnight: the 6th's business day.
    assert_eq!(t.occurred_at.to_rfc3339(), "2026-10-06T04:05:00+00:00");
    assert_eq!(t.business_date.to_string(), "2026-10-06");
    // `03-Nov-2026 06:30 PM EST`: after the autumn change, UTC−5.
    let t = ok["WX56YZ78AB90C"];
    assert_eq!(t.occurred_at.to_rfc3339(), "2026-11-03T23:30:00+00:00");
    // The file: 8.27 + 6.74 + 12.00 + 2.25 = 29.26 net, 0.47 + 0.78 + 0.15 = 1.40 tax.
    let all: Vec<_> = ok.values().map(|t| net_tax(t)).collect();
    let net: Decimal = all.iter().map(|(n, _)| n).sum();
    let tax: Decimal = all.iter().map(|(_, t)| t).sum();
    assert_eq!((net, tax), (d("29.26"), d("1.40")));
}

#[test]
fn clover_line_items_zone_abbreviation_is_not_read() {
    // The store is configured in Chicago: `08:14 AM EDT` is read as 08:14 there (UTC−5), not
    // as New York time; the store's zone decides (the dashboard writes the merchant's).
    let m = Mapping::from_toml(CLOVER_LINE_ITEMS).unwrap();
    let ctx = one_store("clover", chrono_tz::America::Chicago, "USD");
    let p = parse(&ctx, &m, &real(CLOVER_FILE)).unwrap();
    let (ok, _) = split(&p);
    assert_eq!(
        ok["AB12CD34EF56G"].occurred_at.to_rfc3339(),
        "2026-10-05T13:14:00+00:00"
    );
    // A store id set in the mapping (or beside `path`) replaces the placeholder.
    let named = CLOVER_LINE_ITEMS.replace("store_id = \"clover\"", "store_id = \"S01\"");
    let p = parse(
        &ctx,
        &Mapping::from_toml(&named).unwrap(),
        &real(CLOVER_FILE),
    )
    .unwrap();
    assert_eq!(split(&p).0["WX56YZ78AB90C"].key.store_id, "S01");
}

#[test]
fn sumup_transactions_one_line_per_payment_payouts_and_failed_payments_rejected() {
    let m = Mapping::from_toml(SUMUP).unwrap();
    let ctx = one_store("sumup", chrono_tz::Europe::Berlin, "EUR");
    let p = parse(&ctx, &m, &real(SUMUP_FILE)).unwrap();
    assert_eq!(p.rows, 9);
    let (ok, rejects) = split(&p);
    assert_eq!(
        ok.keys().collect::<Vec<_>>(),
        ["TAAAB3KX2Q9", "TC6XLX9E7M", "TQ4M8N2RST", "TX7K2P9QAB"]
    );
    // Three payout rows (one per card payment), then the failed and the aborted payment.
    assert_eq!(rejects.len(), 5, "{rejects:?}");
    let payouts = rejects
        .iter()
        .filter(|r| r.contains("a payout to the bank"))
        .count();
    let failed = rejects
        .iter()
        .filter(|r| r.contains("no money moved"))
        .count();
    assert_eq!((payouts, failed), (3, 2), "{rejects:?}");
    // A card payment: one line, its item the cart summary, Netto the net, VAT as written.
    let t = ok["TX7K2P9QAB"];
    assert_eq!(
        (t.key.store_id.as_str(), t.currency.as_str(), t.status),
        ("sumup", "EUR", TxnStatus::Completed)
    );
    assert_eq!(t.cashier_id.as_deref(), Some("kasse@cafe-linde.example"));
    // `2026-03-14 17:42:10` in Berlin (CET, UTC+1).
    assert_eq!(t.occurred_at.to_rfc3339(), "2026-03-14T16:42:10+00:00");
    let cart = "2 x Cappuccino 3.60.-, 1 x Kuchen 4.20.-";
    assert_eq!(
        lines(t),
        [(
            1,
            LineKind::Sale,
            cart,
            d("1"),
            d("11.4"),
            d("0"),
            d("9.98"),
            d("1.42")
        )]
    );
    // The payout row (11.29 after the 0.11 fee) is not the payment: 9.98 + 1.42 = 11.40.
    assert_eq!(t.tenders.len(), 1);
    assert_eq!(
        (t.tenders[0].method, t.tenders[0].amount),
        (TenderMethod::Card, d("11.40"))
    );
    let t = ok["TAAAB3KX2Q9"];
    assert_eq!(
        (t.tenders[0].method, t.tenders[0].amount),
        (TenderMethod::Cash, d("2.40"))
    );
    // 00:20 on the 15th in Berlin is 23:20 UTC on the 14th, and the 15th's business day.
    let t = ok["TQ4M8N2RST"];
    assert_eq!(t.occurred_at.to_rfc3339(), "2026-03-14T23:20:05+00:00");
    assert_eq!(t.business_date.to_string(), "2026-03-15");
    assert_eq!(t.cashier_id.as_deref(), Some("theke@cafe-linde.example"));
    // The file: 4.62 + 9.98 + 2.02 + 3.93 = 20.55 net, 0.88 + 1.42 + 0.38 + 0.27 = 2.95
    // VAT; tenders 5.50 + 11.40 + 2.40 + 4.20 = 23.50 = net + VAT.
    let net: Decimal = ok.values().map(|t| net_tax(t).0).sum();
    let tax: Decimal = ok.values().map(|t| net_tax(t).1).sum();
    let paid: Decimal = ok.values().flat_map(|t| &t.tenders).map(|t| t.amount).sum();
    assert_eq!((net, tax, paid), (d("20.55"), d("2.95"), d("23.50")));
}

#[test]
fn sumup_types_and_methods_not_listed_reject_and_the_older_header_is_named() {
    let m = Mapping::from_toml(SUMUP).unwrap();
    let ctx = one_store("sumup", chrono_tz::Europe::Berlin, "EUR");
    // A type the mapping does not list (a refund's value is not in the sources) rejects its
    // transaction naming it, instead of landing as a sale.
    let body = real(SUMUP_FILE).replace(
        "TAAAB3KX2Q9,Umsatz,Erfolgreich",
        "TAAAB3KX2Q9,Unbekannt,Erfolgreich",
    );
    let p = parse(&ctx, &m, &body).unwrap();
    let (ok, rejects) = split(&p);
    assert!(!ok.contains_key("TAAAB3KX2Q9"));
    assert!(
        rejects.iter().any(|r| r.contains("`Unbekannt`")),
        "{rejects:?}"
    );
    // So does a payment method in no [tenders] list.
    let body = real(SUMUP_FILE).replace(",CASH,N/A,", ",ECOM,N/A,");
    let p = parse(&ctx, &m, &body).unwrap();
    let (ok, rejects) = split(&p);
    assert!(!ok.contains_key("TAAAB3KX2Q9"));
    assert!(rejects.iter().any(|r| r.contains("`ECOM`")), "{rejects:?}");
    // The January 2025 layout calls the type column `Zahlungsart`: the file is refused
    // naming the column it lacks, not read without types.
    let old = real(SUMUP_FILE).replacen("Transaktionsart", "Zahlungsart", 1);
    let e = parse(&ctx, &m, &old).unwrap_err();
    assert!(format!("{e:?}").contains("Transaktionsart"), "{e:?}");
}
