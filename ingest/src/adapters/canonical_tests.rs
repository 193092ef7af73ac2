//! Red-team review of the canonical adapter (s25): money read exactly, bounds, NDJSON framing,
//! ids, dates, and the schema kept in step with what the adapter reads.

use super::*;
use crate::adapters::format::{map_unguarded, Format, Meta};
use std::collections::HashMap;

fn ctx() -> Context {
    Context::for_tenant("t")
}

/// A transaction event with `extra` header fields (each ending in a comma) and one line.
fn txn(extra: &str, line: &str) -> String {
    format!(
        r#"{{"schema_version":1,"type":"transaction","store_id":"S1","source":"pos","txn_id":"7",{extra}"occurred_at":"2026-01-05T10:00:00Z","currency":"USD","lines":[{line}]}}"#
    )
}

/// A line with `price` written as given (a JSON number or a quoted string).
fn priced(price: &str) -> String {
    txn(
        "",
        &format!(r#"{{"line_no":1,"item_id":"4011","quantity":"1","unit_price":{price}}}"#),
    )
}

fn decoded(text: &str) -> Decoded {
    decode(&ctx(), text).unwrap_or_else(|e| panic!("{text}: {e}"))
}

fn transaction(text: &str) -> Transaction {
    match decoded(text).record {
        Ok(Record::Txn(t)) => *t,
        other => panic!("{text}: {other:?}"),
    }
}

fn refused(text: &str) -> PayloadError {
    match decode(&ctx(), text) {
        Err(e) => e,
        Ok(d) => panic!("{text} was read: {:?}", d.record),
    }
}

fn rejected(text: &str) -> String {
    match decoded(text).record {
        Err(j) => j.reason,
        Ok(r) => panic!("{text} was accepted: {r:?}"),
    }
}

#[test]
fn money_written_as_a_json_number_is_read_exactly_not_through_a_float() {
    let price = |p: &str| transaction(&priced(p)).lines[0].unit_price.to_string();
    // An f64 holds ~16 digits: this was stored as 1234567.8901234567.
    assert_eq!(price("1234567.8901234567891"), "1234567.8901234567891");
    assert_eq!(price("0.30000000000000004"), "0.30000000000000004");
    assert_eq!(price("19.990"), "19.990");
    assert_eq!(price("1e3"), "1000");
    assert_eq!(price("1.5E-2"), "0.015");
    assert_eq!(price("-0"), "0");
    assert_eq!(price(r#""19.990""#), "19.990");
    assert_eq!(price(r#""+2""#), "2");
}

#[test]
fn money_beyond_range_or_precision_is_refused_naming_the_field() {
    for (p, why) in [
        // Stored as 12345678901234568 before.
        ("12345678901234567.89", "beyond ±10^12"),
        // Beyond u64: stored as 123456789012345670000.
        ("123456789012345678901", "beyond ±10^12"),
        ("1e30", "beyond"),
        ("1e999", "exponent out of range"),
        // Stored as 0 before.
        ("1e-30", "more digits than the 28"),
        // Rounded to 28 digits before.
        (
            r#""0.123456789012345678901234567891""#,
            "more digits than the 28",
        ),
    ] {
        let e = refused(&priced(p));
        assert_eq!(e.field.as_deref(), Some("lines[0].unit_price"), "{p}");
        assert!(e.message.contains(why), "{p}: {}", e.message);
    }
    // Zeros past 28 decimals lose nothing.
    let t = transaction(&priced(r#""1.000000000000000000000000000000""#));
    assert_eq!(t.lines[0].unit_price, Decimal::ONE);
}

#[test]
fn a_quantity_times_price_beyond_the_decimal_range_is_a_reject_not_a_panic() {
    // Panicked in `quantity * unit_price` ("Multiplication overflowed"), which failed the
    // whole body, every good event in it too.
    let text = txn(
        "",
        r#"{"line_no":1,"item_id":"4011","quantity":"79228162514264337593543950335","unit_price":"2"}"#,
    );
    let e = refused(&text);
    assert_eq!(e.field.as_deref(), Some("lines[0].quantity"));
    assert!(e.message.contains("beyond ±10^9"), "{}", e.message);
    // The largest quantity and price still multiply.
    let text = txn(
        "",
        r#"{"line_no":1,"item_id":"4011","quantity":"1000000000","unit_price":"-1000000000000","discount":"1000000000000"}"#,
    );
    let net = transaction(&text).lines[0].net_amount;
    assert_eq!(net.to_string(), "-1000000001000000000000");
}

#[test]
fn decimal_strings_follow_the_schema_pattern() {
    // rust_decimal read all of these (as 1000, 0.5, 1000, 5); the schema refuses them.
    for p in [
        r#""1_000""#,
        r#"".5""#,
        r#""1e3""#,
        r#""5.""#,
        r#""""#,
        r#""0x10""#,
    ] {
        let e = refused(&priced(p));
        assert_eq!(e.field.as_deref(), Some("lines[0].unit_price"), "{p}");
        assert!(
            e.message.contains("is not a decimal number"),
            "{p}: {}",
            e.message
        );
    }
    for p in ["null", "true", "[1]"] {
        assert_eq!(
            refused(&priced(p)).field.as_deref(),
            Some("lines[0].unit_price"),
            "{p}"
        );
    }
}

#[test]
fn every_amount_field_is_read_exactly() {
    let text = r#"{"schema_version":1,"type":"transaction","store_id":"S1","source":"pos","txn_id":"7","occurred_at":"2026-01-05T10:00:00Z","currency":"USD","lines":[{"line_no":1,"item_id":"4011","quantity":0.1000000000000000001,"unit_price":"1","discount":0.1000000000000000001,"net_amount":0.1000000000000000001,"tax":0.1000000000000000001}],"tenders":[{"tender_no":1,"method":"cash","amount":0.1000000000000000001}]}"#;
    let t = transaction(text);
    let l = &t.lines[0];
    let exact = "0.1000000000000000001";
    for (name, v) in [
        ("quantity", l.quantity),
        ("discount", l.discount),
        ("net_amount", l.net_amount),
        ("tax", l.tax),
        ("tender amount", t.tenders[0].amount),
    ] {
        assert_eq!(v.to_string(), exact, "{name}");
    }
    let drawer = r#"{"schema_version":1,"type":"drawer_event","store_id":"S1","source":"pos","drawer_event_id":"d1","occurred_at":"2026-01-05T10:00:00Z","kind":"paid_in","amount":0.1000000000000000001,"currency":"USD"}"#;
    let Ok(Record::Drawer(d)) = decoded(drawer).record else {
        panic!("not a drawer event")
    };
    assert_eq!(d.amount.to_string(), exact);
    let stock = r#"{"schema_version":1,"type":"inventory_level","store_id":"S1","item_id":"4011","on_hand":12345678901.5,"as_of":"2026-01-05T10:00:00Z"}"#;
    let Ok(Record::Inventory(i)) = decoded(stock).record else {
        panic!("not a stock level")
    };
    assert_eq!(i.level.on_hand.to_string(), "12345678901.5");
    let e = refused(&stock.replace("12345678901.5", "1e13"));
    assert_eq!(e.field.as_deref(), Some("on_hand"));
}

#[test]
fn a_bad_line_among_good_ones_is_refused_alone_with_its_line_number() {
    let good = |id: &str| txn("", "").replace(r#""txn_id":"7""#, &format!(r#""txn_id":"{id}""#));
    // CRLF, blank lines, and a byte-order mark where a second file was appended with `cat`
    // (that line was "not JSON" before).
    let body = format!(
        "\u{feff}{}\r\n\r\n{}\r\n{{\"schema_version\":1,\r\n\u{feff}{}\r\n   \n{}\n",
        good("a"),
        good("b"),
        good("c"),
        priced("1e-30")
    );
    let got: Vec<(usize, bool)> = envelopes(&ctx(), &body)
        .into_iter()
        .map(|(no, _, env)| (no, env.is_ok_and(|e| e.rejects.is_empty())))
        .collect();
    assert_eq!(
        got,
        [(1, true), (3, true), (4, false), (5, true), (7, false)]
    );
    // Through the service's mapping: each bad line is its own reject naming its line.
    let mapped = map_unguarded(
        &ctx(),
        &HashMap::new(),
        &Format::Canonical,
        &body,
        &Meta::default(),
    )
    .unwrap();
    let lines: Vec<_> = mapped
        .envelopes
        .iter()
        .flat_map(|e| &e.rejects)
        .map(|j| j.detail["line"].clone())
        .collect();
    assert_eq!(lines, [serde_json::json!(4), serde_json::json!(7)]);
    assert_eq!(mapped.records, 5);
}

/// Each element of a JSON array that cannot be decoded is kept as itself. Its reject kept
/// "line n" of the body instead: in a one-line array the whole array for every element, so all
/// had one event id, the second and later were counted as duplicates and their rejects never
/// written (`[{bad 1},{bad 2}]` answered `"duplicates":1` and stored one reject); in a
/// pretty-printed array another element (`replay` would have mapped the wrong event).
#[test]
fn each_bad_element_of_an_array_is_kept_as_itself() {
    let bad = |x: u32| format!(r#"{{"schema_version":1,"x":{x}}}"#);
    let payloads = |body: &str| -> Vec<(String, String, serde_json::Value)> {
        let mut m = map_unguarded(
            &ctx(),
            &HashMap::new(),
            &Format::Canonical,
            body,
            &Meta::default(),
        )
        .unwrap();
        crate::adapters::format::quarantine_rejected(&mut m.envelopes);
        m.envelopes
            .iter()
            .map(|e| match &e.origin {
                crate::envelope::Origin::New(raw) => (
                    raw.event_id.clone(),
                    raw.payload.clone(),
                    e.rejects[0].detail["line"].clone(),
                ),
                _ => panic!("a new payload"),
            })
            .collect()
    };
    let one_line = format!("[{},{}]", bad(1), bad(2));
    let pretty = format!("[\n  {},\n  {}\n]\n", bad(1), bad(2));
    for body in [one_line, pretty] {
        let got = payloads(&body);
        assert_eq!(got.len(), 2, "{body}");
        assert_eq!(
            (got[0].1.as_str(), &got[0].2),
            (bad(1).as_str(), &serde_json::json!(1))
        );
        assert_eq!(
            (got[1].1.as_str(), &got[1].2),
            (bad(2).as_str(), &serde_json::json!(2))
        );
        assert_ne!(got[0].0, got[1].0, "two events, two ids: {body}");
    }
}

#[test]
fn a_drawer_event_the_database_would_refuse_is_rejected_here() {
    let drawer = |fields: &str| {
        format!(
            r#"{{"schema_version":1,"type":"drawer_event","source":"pos","occurred_at":"2026-01-05T10:00:00Z","kind":"no_sale",{fields}}}"#
        )
    };
    // A lower-case currency failed the CHECK of pos.drawer_event, and with it the batch.
    let reason = rejected(&drawer(
        r#""store_id":"S1","drawer_event_id":"d1","currency":"usd""#,
    ));
    assert!(reason.contains("currency `usd`"), "{reason}");
    for (fields, name) in [
        (
            r#""store_id":" ","drawer_event_id":"d1","currency":"USD""#,
            "store_id",
        ),
        (
            r#""store_id":"S1","drawer_event_id":"","currency":"USD""#,
            "drawer_event_id",
        ),
        (
            r#""store_id":"S1","drawer_event_id":"d1","currency":"USD","tenant_id":"""#,
            "tenant_id",
        ),
    ] {
        let reason = rejected(&drawer(fields));
        assert_eq!(reason, format!("field `{name}` is blank"), "{fields}");
    }
    let stock = r#"{"schema_version":1,"type":"inventory_level","store_id":"","item_id":"4011","on_hand":"1","as_of":"2026-01-05T10:00:00Z"}"#;
    assert_eq!(rejected(stock), "field `store_id` is blank");
}

#[test]
fn a_blank_event_id_or_sku_is_refused() {
    // Every event sent with "event_id": "" was one inbox row: all but the first were dropped
    // as duplicates.
    for text in [txn(r#""event_id":"","#, ""), txn(r#""event_id":"  ","#, "")] {
        let e = refused(&text);
        assert_eq!(e.field.as_deref(), Some("event_id"), "{text}");
    }
    // A blank sku put every such item under the key "".
    let line = r#"{"line_no":1,"item_id":"4011","quantity":"1","unit_price":"1","sku":""}"#;
    assert_eq!(rejected(&txn("", line)), "line 1: `sku` is blank");
    let stock = r#"{"schema_version":1,"type":"inventory_level","store_id":"S1","item_id":"4011","sku":" ","on_hand":"1","as_of":"2026-01-05T10:00:00Z"}"#;
    assert_eq!(rejected(stock), "`sku` is blank");
}

#[test]
fn a_business_date_far_from_occurred_at_is_rejected() {
    // Stored, but outside date_slack of its day: no daily view ever counted it.
    let reason = rejected(&txn(r#""business_date":"2062-01-05","#, ""));
    assert!(reason.contains("more than two days"), "{reason}");
    let drawer = |date: &str| {
        format!(
            r#"{{"schema_version":1,"type":"drawer_event","store_id":"S1","source":"pos","drawer_event_id":"d1","occurred_at":"2026-01-05T10:00:00Z","business_date":"{date}","kind":"no_sale","currency":"USD"}}"#
        )
    };
    assert!(rejected(&drawer("2026-01-08")).contains("more than two days"));
    // A store's day that started the evening before, or ends after midnight UTC, is near.
    for date in ["2026-01-04", "2026-01-06", "2026-01-03"] {
        let t = transaction(&txn(&format!(r#""business_date":"{date}","#), ""));
        assert_eq!(t.business_date.to_string(), date);
        assert!(decoded(&drawer(date)).record.is_ok(), "{date}");
    }
}

#[test]
fn a_schema_version_written_otherwise_is_not_called_missing() {
    for v in [r#""1""#, "1.0", "-1", "true"] {
        let text = format!(r#"{{"schema_version":{v},"type":"transaction"}}"#);
        let e = refused(&text);
        assert_eq!(e.field.as_deref(), Some("schema_version"));
        assert!(!e.message.contains("missing"), "{v}: {}", e.message);
        assert!(e.message.contains(v), "{v}: {}", e.message);
    }
    let e = refused(r#"{"schema_version":2,"type":"transaction"}"#);
    assert!(
        e.message.contains("schema_version 2 is not supported"),
        "{}",
        e.message
    );
    for text in [
        r#"{"type":"transaction"}"#,
        r#"{"schema_version":null,"type":"transaction"}"#,
    ] {
        assert!(refused(text).message.contains("is missing"), "{text}");
    }
}

#[test]
fn derived_event_ids_keep_ids_with_a_slash_apart() {
    let id = |store: &str, txn_id: &str| {
        decoded(
            &txn("", "")
                .replace(r#""store_id":"S1""#, &format!(r#""store_id":"{store}""#))
                .replace(r#""txn_id":"7""#, &format!(r#""txn_id":"{txn_id}""#)),
        )
        .event_id
    };
    // Both were pos/S/1/2/v0: the second sale was dropped as a duplicate.
    assert_ne!(id("S/1", "2"), id("S", "1/2"));
    assert_eq!(id("S", "1/2"), "pos/S/1%2F2/v0");
    // Ids without a slash keep the event id they always had.
    assert_eq!(id("S1", "7"), "pos/S1/7/v0");
    assert_eq!(id("S1", "7 ü"), "pos/S1/7 ü/v0");
}

#[test]
fn a_nul_escape_in_any_text_is_refused_naming_the_field() {
    // check_transaction looks at some fields only: a cashier id holding NUL reached COPY and
    // failed the whole batch.
    let e = refused(&txn(r#""cashier_id":"C\u0000","#, ""));
    assert_eq!(e.field.as_deref(), Some("cashier_id"));
    assert!(e.message.contains("U+0000"), "{}", e.message);
    let line = r#"{"line_no":1,"item_id":"4011","quantity":"1","unit_price":"1","gtin":"\u0000"}"#;
    assert_eq!(
        refused(&txn("", line)).field.as_deref(),
        Some("lines[0].gtin")
    );
    // A backslash followed by "u0000" is text, not NUL.
    let t = transaction(&txn(r#""cashier_id":"C\\u0000","#, ""));
    assert_eq!(t.cashier_id.as_deref(), Some(r"C\u0000"));
}

/// The schema and the structs the adapter reads agree: every property the schema lists is
/// read (the adapter refuses unknown fields), the required ones are exactly those the adapter
/// cannot do without, and the sample below uses every property.
#[test]
fn the_schema_lists_what_the_adapter_reads_and_requires() {
    let dir = std::env::var("CARGO_MANIFEST_DIR")
        .unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").to_string());
    let path = format!("{dir}/../schemas/canonical-event.v1.json");
    let schema: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let full_line = serde_json::json!({"line_no":1,"kind":"sale","item_id":"4011","sku":"4011","gtin":"00000000040116","description":"Bananas","quantity":"2","unit_price":"0.50","discount":"0","net_amount":"1.00","tax":"0.07","entry_method":"keyed","price_override":false,"non_revenue":false,"original_txn_id":"6","original_line_no":1});
    let full_tender = serde_json::json!({"tender_no":1,"method":"card","amount":"1.07","tip":"0.10","status":"approved","card_fingerprint":"fp","card_bin":"411111","card_entry":"chip","occurred_at":"2026-01-05T10:01:00Z"});
    let events = [
        (
            "transaction",
            serde_json::json!({"schema_version":1,"type":"transaction","event_id":"e1","tenant_id":"t","store_id":"S1","source":"pos","txn_id":"7","version":1,"occurred_at":"2026-01-05T10:00:00Z","business_date":"2026-01-05","register_id":"R1","cashier_id":"C1","customer_id":"K1","status":"completed","currency":"USD","lines":[full_line],"tenders":[full_tender]}),
        ),
        (
            "drawer_event",
            serde_json::json!({"schema_version":1,"type":"drawer_event","event_id":"e2","tenant_id":"t","store_id":"S1","source":"pos","drawer_event_id":"d1","version":1,"occurred_at":"2026-01-05T10:00:00Z","business_date":"2026-01-05","register_id":"R1","cashier_id":"C1","kind":"paid_in","amount":"5","currency":"USD"}),
        ),
        (
            "inventory_level",
            serde_json::json!({"schema_version":1,"type":"inventory_level","event_id":"e3","tenant_id":"t","store_id":"S1","source":"pos","item_id":"4011","sku":"4011","on_hand":"12","as_of":"2026-01-05T10:00:00Z","version":1}),
        ),
    ];
    let reads = |v: &Value| decode(&ctx(), &v.to_string()).is_ok_and(|d| d.record.is_ok());
    let agree = |def: &str, sample: &Value, wrap: &dyn Fn(Value) -> Value| {
        let d = &schema["$defs"][def];
        let props: Vec<&String> = d["properties"].as_object().unwrap().keys().collect();
        let mut keys: Vec<&String> = sample.as_object().unwrap().keys().collect();
        keys.sort();
        let mut sorted = props.clone();
        sorted.sort();
        assert_eq!(keys, sorted, "{def}: the sample uses every property");
        let required: Vec<&str> = d["required"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r.as_str().unwrap())
            .collect();
        for p in props {
            let mut without = sample.clone();
            without.as_object_mut().unwrap().remove(p);
            let is_required = required.contains(&p.as_str());
            assert_eq!(!reads(&wrap(without)), is_required, "{def}.{p}");
        }
        assert!(reads(&wrap(sample.clone())), "{def}");
    };
    for (def, sample) in &events {
        agree(def, sample, &|v| v);
    }
    let txn = &events[0].1;
    for (def, key) in [("line", "lines"), ("tender", "tenders")] {
        let wrap = |item: Value| {
            let mut t = txn.clone();
            t[key] = serde_json::json!([item]);
            t
        };
        agree(def, &txn[key][0], &wrap);
    }
}

/// The schema says a discount is the positive amount taken off a line; a negative one counted
/// a surcharge as a negative discount (gross below what was charged). Refused, naming the line.
#[test]
fn a_negative_discount_is_refused_naming_the_line() {
    let text = r#"{"schema_version":1,"type":"transaction","store_id":"S1","source":"pos","txn_id":"9","occurred_at":"2026-01-05T10:00:00Z","currency":"USD","lines":[{"line_no":3,"item_id":"4011","quantity":"1","unit_price":"5","discount":"-1.00"}]}"#;
    let reason = match decode(&ctx(), text).unwrap().record {
        Err(r) => r.reason,
        other => panic!("{other:?}"),
    };
    assert!(
        reason.contains("line 3: discount -1.00 is negative"),
        "{reason}"
    );
}

/// Fix (s26): NDJSON whose first line is a JSON array of its own (a bad event) was read as one
/// broken array: the whole body one reject, an import chunk's 5 000 events with it. Now that line
/// is one reject and the events after it land; a pretty-printed array with an error stays one
/// reject (its first line, `[`, is no JSON alone), and a well-formed array is still an array.
#[test]
fn ndjson_opening_with_an_array_line_keeps_the_lines_after_it() {
    let (a, b) = (
        txn("", &line_of("1")),
        txn("", &line_of("2")).replace("\"7\"", "\"8\""),
    );
    let body = format!("[1,2]\n{a}\n{b}\n");
    let got: Vec<(usize, &str)> = events(&body).collect();
    assert_eq!(got, [(1, "[1,2]"), (2, a.as_str()), (3, b.as_str())]);
    let broken = format!("[\n{a},\n{b}\n");
    assert_eq!(events(&broken).count(), 1);
    let array = format!("[\n{a},\n{b}\n]\n");
    assert_eq!(events(&array).map(|(i, _)| i).collect::<Vec<_>>(), [1, 2]);
    assert_eq!(events("[1,2").count(), 1);
}

/// One line of `qty` units of item 4011 at 1.00.
fn line_of(qty: &str) -> String {
    format!(r#"{{"line_no":1,"item_id":"4011","quantity":"{qty}","unit_price":"1.00"}}"#)
}

/// A tender's `tip` is read exactly, defaults to 0, comes back out of `encode`, and a tip
/// outside its amount (larger, or of the other sign) rejects the event naming the tender.
#[test]
fn a_tenders_tip_is_read_and_checked_against_its_amount() {
    let line = r#"{"line_no":1,"item_id":"4011","quantity":"1","unit_price":"40.00"}"#;
    let paid = |tender: &str| txn(&format!(r#""tenders":[{tender}],"#), line);
    let t = transaction(&paid(
        r#"{"tender_no":1,"method":"card","amount":"47.50","tip":"7.50"}"#,
    ));
    assert_eq!(t.tenders[0].tip.to_string(), "7.50");
    let back = serde_json::to_string(&encode_transaction(&t)).unwrap();
    assert!(back.contains(r#""tip":"7.50""#), "{back}");
    let untipped = transaction(&paid(r#"{"tender_no":1,"method":"cash","amount":"40.00"}"#));
    assert!(untipped.tenders[0].tip.is_zero());
    let back = serde_json::to_string(&encode_transaction(&untipped)).unwrap();
    assert!(!back.contains("tip"), "{back}");
    for tender in [
        r#"{"tender_no":1,"method":"card","amount":"47.50","tip":"47.51"}"#,
        r#"{"tender_no":1,"method":"card","amount":"47.50","tip":"-1"}"#,
        r#"{"tender_no":1,"method":"card","amount":"-5.00","tip":"1.00"}"#,
    ] {
        let why = rejected(&paid(tender));
        assert!(why.contains("tender 1: tip"), "{tender}: {why}");
    }
    let e = refused(&paid(
        r#"{"tender_no":1,"method":"card","amount":"47.50","tip":"x"}"#,
    ));
    assert!(
        e.message.contains("tip") || e.field.as_deref() == Some("tip"),
        "{e:?}"
    );
}
