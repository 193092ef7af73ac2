//! The python-stdnum vectors (tests/vectors/sku/vectors.json, made by make_vectors.sh) run
//! against this module. Where our documented rule differs from stdnum, the vector names the
//! rule in `differs`; we assert that stdnum really disagrees there and agrees everywhere else.

use serde_json::Value;

use super::*;

const VECTORS: &str = include_str!("../../../tests/vectors/sku/vectors.json");

fn vectors(kind: &str) -> Vec<Value> {
    let all: Value = serde_json::from_str(VECTORS).expect("vectors.json is JSON");
    let list = all["vectors"].as_array().expect("vectors array").clone();
    list.into_iter().filter(|v| v["fn"] == kind).collect()
}

fn mode(v: &Value) -> Mode {
    if v["mode"] == "strict" {
        Mode::Strict
    } else {
        Mode::Lenient
    }
}

fn category(e: &SkuError) -> &'static str {
    match e {
        SkuError::Empty => "empty",
        SkuError::Character { .. } => "character",
        SkuError::ScientificNotation => "scientific",
        SkuError::Length { .. } | SkuError::Incomplete { .. } => "length",
        SkuError::TooLong { .. } => "too_long",
        SkuError::CheckDigit { .. } => "check_digit",
        SkuError::Mod11Check { .. } => "mod11",
        SkuError::AmbiguousTenDigits { .. } => "ambiguous",
        SkuError::UpcE { .. } => "upce",
        SkuError::ElementString { .. } => "element_string",
    }
}

#[test]
fn at_least_400_vectors_of_every_kind() {
    let total: usize = ["gtin", "upce", "barcode"]
        .iter()
        .map(|k| vectors(k).len())
        .sum();
    assert!(total >= 400, "only {total} vectors");
    assert!(vectors("upce").len() >= 50 && vectors("barcode").len() >= 100);
}

#[test]
fn gtin_vectors_match_the_oracle() {
    let mut failures = Vec::new();
    for v in vectors("gtin") {
        let input = v["input"].as_str().unwrap();
        let got = normalize_gtin(input, mode(&v));
        let (valid, gtin) = match &got {
            Ok(n) => (true, Value::from(n.gtin.as_str())),
            Err(_) => (false, Value::Null),
        };
        let err = got.as_ref().err().map(category);
        if valid != v["valid"] || gtin != v["gtin14"] || err != v["error"].as_str() {
            failures.push(format!("{input:?} {:?}: got {got:?}, vector {v}", mode(&v)));
        }
    }
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn differences_from_stdnum_are_exactly_the_documented_rules() {
    let mut documented = std::collections::BTreeMap::<String, usize>::new();
    for v in vectors("gtin") {
        let agrees = v["valid"] == v["stdnum_valid"] && v["gtin14"] == v["stdnum_gtin14"];
        match v["differs"].as_str() {
            None => assert!(agrees, "undocumented difference from stdnum: {v}"),
            Some("unlabelled") => panic!("difference without a rule: {v}"),
            Some(rule) => {
                assert!(!agrees, "labelled {rule:?} but stdnum agrees: {v}");
                *documented.entry(rule.to_string()).or_default() += 1;
            }
        }
    }
    // Every rule in docs/sku.md "Where we differ from python-stdnum" is exercised.
    for rule in [
        "lenient: spreadsheet .0 suffix",
        "lenient: spreadsheet leading apostrophe",
        "lenient: tab inside a code is a separator",
        "lenient: lost leading zeros restored",
        "lenient: extra leading zeros beyond 14 dropped",
        "lenient: NNNN-NNNC is read as an ISSN, never as an EAN-8",
        "strict: separators rejected",
        "strict: surrounding whitespace rejected",
    ] {
        assert!(
            documented.contains_key(rule),
            "no vector for {rule:?}: {documented:?}"
        );
    }
}

#[test]
fn upce_vectors_match_the_gs1_table() {
    for v in vectors("upce") {
        let input = v["input"].as_str().unwrap();
        let got = upce_to_upca(input, mode(&v)).ok();
        assert_eq!(got.as_deref(), v["upca"].as_str(), "{v}");
    }
}

#[test]
fn barcode_vectors_match() {
    let scheme = Scheme::gs1_default();
    for v in vectors("barcode") {
        let b = parse_barcode(v["input"].as_str().unwrap(), &scheme, Mode::Lenient);
        let ctx = format!("{v} -> {b:?}");
        assert_eq!(b.kind.as_str(), v["kind"], "{ctx}");
        assert_eq!(b.valid, v["valid"], "{ctx}");
        assert_eq!(
            b.gtin14.map(|g| g.to_string()).as_deref(),
            v["gtin14"].as_str(),
            "{ctx}"
        );
        assert_eq!(
            b.plu.map(|p| p.base()).as_deref(),
            v["plu"].as_str(),
            "{ctx}"
        );
        assert_eq!(b.plu.map(|p| p.organic), v["organic"].as_bool(), "{ctx}");
        assert_eq!(
            b.embedded_price.map(|d| d.to_string()).as_deref(),
            v["price"].as_str(),
            "{ctx}"
        );
        assert_eq!(
            b.embedded_weight.map(|d| d.to_string()).as_deref(),
            v["weight"].as_str(),
            "{ctx}"
        );
    }
}
