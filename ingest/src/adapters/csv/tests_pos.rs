//! Exports of other POS systems with their ready mappings (Toast item selections), and the
//! mapping keys they needed: lines voided in place (`[kinds] voided`), several date forms
//! (`datetime_format` as a list).

use super::tests::{d, txn};
use super::*;
use pos_core::model::*;

const TOAST: &str = include_str!("../../../mappings/toast_item_selection_details.toml");

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
type LineSum<'a> = (i32, LineKind, &'a str, Decimal, Decimal, Decimal, Decimal, Decimal);

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

fn net_tax(t: &Transaction) -> (Decimal, Decimal) {
    (
        t.lines.iter().map(|l| l.net_amount).sum(),
        t.lines.iter().map(|l| l.tax).sum(),
    )
}

#[test]
fn toast_item_selections_voided_items_discounts_tax_and_store_zones() {
    let m = Mapping::from_toml(TOAST).unwrap();
    let p = parse(
        &toast_ctx(),
        &m,
        &real("toast/ItemSelectionDetails.csv"),
    )
    .unwrap();
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
            (1, LineKind::Sale, "4100000003300000100", d("1.0"), d("14"), d("0"), d("14.00"), d("1.155")),
            (2, LineKind::Sale, "FRY-REG", d("2.0"), d("4.5"), d("2.00"), d("7.00"), d("0.5775")),
            (3, LineKind::Sale, "4011", d("1.0"), d("7"), d("0"), d("7.00"), d("0.5775")),
            (4, LineKind::Void, "4011", d("-1.0"), d("7"), d("0"), d("-7.00"), d("-0.5775")),
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
        [(1, LineKind::Sale, "4100000003300000500", d("2.0"), d("620"), d("124.00"), d("1116.00"), d("92.07"))]
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
    let body = body.replace("Craft IPA,Draft,Beer,Bar,Alcohol,7.00,0.00,7.00,1.0,0.57750000,true",
        "Craft IPA,Draft,Beer,Bar,Alcohol,7.00,0.00,7.00,-1.0,0.57750000,true");
    let p = parse(&toast_ctx(), &m, &body).unwrap();
    let t = by_id(&p)["4100000020110001001"];
    assert_eq!(
        lines(t)[2..],
        [
            (3, LineKind::Return, "4011", d("-1.0"), d("7"), d("0"), d("-7.00"), d("-0.5775")),
            (4, LineKind::Void, "4011", d("-1.0"), d("7"), d("0"), d("7.00"), d("0.5775")),
        ]
    );
    assert_eq!(net_tax(t), (d("21.00"), d("1.7325")));

    let no_kind = TOAST.replace("kind = \"Void?\"", "");
    let e = Mapping::from_toml(&no_kind).unwrap_err();
    assert!(e.contains("kinds.voided needs columns.kind"), "{e}");
    let numbered = TOAST.replace("kind = \"Void?\"", "kind = \"Void?\"\nline_no = \"Order #\"");
    let e = Mapping::from_toml(&numbered).unwrap_err();
    assert!(e.contains("columns.line_no"), "{e}");
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
