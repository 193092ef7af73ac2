//! SQL face of `pos_core::sku`: GTIN normalization, barcode parsing, vendor SKU keys and alias
//! resolution. Thin wrappers; every rule lives in core (see docs/sku.md). NULL in → NULL out.
// pgrx spells a set-returning function's SQL columns in its Rust return type
// (TableIterator<(name!(…), …)>); that type *is* the signature, so it stays inline.
#![allow(clippy::type_complexity)]
use crate::args::required;
use crate::json_arg::JsonArg;
use pgrx::pg_sys::panic::ErrorReport;
use pgrx::prelude::*;
use pgrx::{AnyNumeric, PgLogLevel, PgSqlErrorCode};
use pos_core::sku::{self, Mode, Scheme, SkuError, SkuKeyRules};
use std::cell::RefCell;

extension_sql_file!(
    "../../sql/60_sku.sql",
    name = "sku_sql",
    requires = ["security", item_sku, barcode_scheme_check]
);

fn mode(strict_mode: bool) -> Mode {
    if strict_mode {
        Mode::Strict
    } else {
        Mode::Lenient
    }
}

/// `ERROR: invalid GTIN "…": <why>` with the core's hint; never returns.
fn raise(what: &str, raw: &str, e: &SkuError) -> ! {
    ErrorReport::new(
        PgSqlErrorCode::ERRCODE_INVALID_PARAMETER_VALUE,
        format!("invalid {what} {}: {e}", shown(raw)),
        "pos_analytics::sku",
    )
    .set_hint(e.hint())
    .report(PgLogLevel::ERROR);
    unreachable!("ERROR does not return")
}

/// The tenant scheme from jsonb, cached per backend: bulk calls pass the same scheme each row.
fn with_scheme<R>(scheme: Option<&JsonArg>, f: impl FnOnce(&Scheme) -> R) -> R {
    thread_local! {
        static DEFAULT: Scheme = Scheme::gs1_default();
        static LAST: RefCell<Option<(serde_json::Value, Scheme)>> = const { RefCell::new(None) };
    }
    let Some(JsonArg(value)) = scheme else {
        return DEFAULT.with(f);
    };
    LAST.with(|cell| {
        let mut last = cell.borrow_mut();
        if last.as_ref().is_none_or(|(v, _)| v != value) {
            let parsed = Scheme::from_value(value).unwrap_or_else(|why| bad_scheme(&why));
            *last = Some((value.clone(), parsed));
        }
        f(&last.as_ref().expect("cached above").1)
    })
}

/// The code as the message quotes it: whole when short, else its first characters and its
/// length, so a pasted column or a 10 000-character value does not flood the log and the
/// client with its own text.
fn shown(raw: &str) -> String {
    const MAX: usize = 40;
    match raw.char_indices().nth(MAX) {
        None => format!("{raw:?}"),
        Some((cut, _)) => format!("{:?}… ({} characters)", &raw[..cut], raw.chars().count()),
    }
}

fn bad_scheme(why: &str) -> ! {
    ErrorReport::new(
        PgSqlErrorCode::ERRCODE_INVALID_PARAMETER_VALUE,
        format!("invalid variable-measure scheme: {why}"),
        "pos_analytics::sku",
    )
    .set_hint(r#"a scheme maps prefixes to layouts, e.g. {"02": {"layout": "PPIIIIICVVVVK", "measure": "price", "decimals": 2}}"#)
    .report(PgLogLevel::ERROR);
    unreachable!("ERROR does not return")
}

/// Any GTIN, UPC-A (with or without its leading zero), EAN-8/13, ISBN or ISSN as GTIN-14.
/// ERROR with a hint when invalid. Lenient unless `strict_mode`.
#[pg_extern(immutable, parallel_safe, strict)]
fn normalize_gtin(code: &str, strict_mode: default!(bool, false)) -> String {
    match sku::normalize_gtin(code, mode(strict_mode)) {
        Ok(n) => n.gtin.to_string(),
        Err(e) => raise("GTIN", code, &e),
    }
}

/// Like `pos.normalize_gtin`, but NULL when the code is invalid.
#[pg_extern(immutable, parallel_safe, strict)]
fn try_normalize_gtin(code: &str, strict_mode: default!(bool, false)) -> Option<String> {
    sku::normalize_gtin(code, mode(strict_mode))
        .ok()
        .map(|n| n.gtin.to_string())
}

/// True when `pos.normalize_gtin` would accept the code.
#[pg_extern(immutable, parallel_safe, strict)]
fn gtin_is_valid(code: &str, strict_mode: default!(bool, false)) -> bool {
    sku::gtin_is_valid(code, mode(strict_mode))
}

/// UPC-E (8 digits, number system 0 or 1; lenient also the 6 printed digits) to 12-digit UPC-A.
#[pg_extern(immutable, parallel_safe, strict)]
fn upce_to_upca(code: &str, strict_mode: default!(bool, false)) -> String {
    sku::upce_to_upca(code, mode(strict_mode)).unwrap_or_else(|e| raise("UPC-E", code, &e))
}

fn numeric<D: std::fmt::Display>(d: Option<D>) -> Option<AnyNumeric> {
    d.and_then(|d| AnyNumeric::try_from(d.to_string().as_str()).ok())
}

/// What a code is: one row (all NULL for a NULL code). Never raises for a bad code — `valid`
/// and `reason` say why; raises only for a malformed `scheme`.
#[pg_extern(immutable, parallel_safe)]
fn parse_barcode(
    code: Option<&str>,
    scheme: default!(Option<JsonArg>, "NULL"),
    strict_mode: default!(Option<bool>, false),
) -> TableIterator<
    'static,
    (
        name!(kind, Option<String>),
        name!(gtin14, Option<String>),
        name!(plu, Option<String>),
        name!(organic, Option<bool>),
        name!(embedded_price, Option<AnyNumeric>),
        name!(embedded_weight, Option<AnyNumeric>),
        name!(valid, Option<bool>),
        name!(reason, Option<String>),
    ),
> {
    let strict_mode = required(
        strict_mode,
        "pos.parse_barcode",
        "strict_mode",
        Some("false"),
    );
    let Some(code) = code else {
        return TableIterator::once((None, None, None, None, None, None, None, None));
    };
    let b = with_scheme(scheme.as_ref(), |s| {
        sku::parse_barcode(code, s, mode(strict_mode))
    });
    TableIterator::once((
        Some(b.kind.as_str().to_string()),
        b.gtin14.map(|g| g.to_string()),
        b.plu.map(|p| p.base()),
        b.plu.map(|p| p.organic),
        numeric(b.embedded_price),
        numeric(b.embedded_weight),
        Some(b.valid),
        b.reason,
    ))
}

/// Vendor SKU match key (trim, upper case, separators unified to `-`, one configured prefix
/// stripped). Keep the original next to it.
#[pg_extern(immutable, parallel_safe)]
fn sku_key(
    raw: Option<&str>,
    strip_prefixes: default!(Option<Vec<Option<String>>>, "NULL"),
) -> Option<String> {
    let raw = raw?;
    Some(match strip_prefixes {
        None => sku::sku_key(raw),
        Some(p) => sku::sku_key_with(
            raw,
            &SkuKeyRules::new(&p.into_iter().flatten().collect::<Vec<_>>()),
        ),
    })
}

/// The product key ingest would store for a raw item id: GTIN-14, PLU or vendor SKU key
/// (`pos_core::sku::normalize_item_id`). Empty ids give NULL.
#[pg_extern(immutable, parallel_safe)]
fn item_sku(
    raw: Option<&str>,
    scheme: default!(Option<JsonArg>, "NULL"),
    strip_prefixes: default!(Option<Vec<Option<String>>>, "NULL"),
) -> Option<String> {
    let raw = raw?;
    let rules = SkuKeyRules::new(
        &strip_prefixes
            .unwrap_or_default()
            .into_iter()
            .flatten()
            .collect::<Vec<_>>(),
    );
    let item = with_scheme(scheme.as_ref(), |s| {
        sku::normalize_item_id_with(raw, s, &rules)
    });
    (item.kind != sku::ItemKind::Empty).then_some(item.sku)
}

/// CHECK helper for stored schemes: true, or an ERROR that says what is wrong.
#[pg_extern(immutable, parallel_safe)]
fn barcode_scheme_check(scheme: Option<JsonArg>) -> bool {
    if let Some(JsonArg(value)) = scheme {
        if let Err(why) = Scheme::from_value(&value) {
            bad_scheme(&why);
        }
    }
    true
}

#[cfg(any(test, feature = "pg_test"))]
#[pg_schema]
mod tests {
    use pgrx::prelude::*;
    use serde_json::Value;

    const VECTORS: &str = include_str!("../../tests/vectors/sku/vectors.json");

    fn literal(s: &str) -> String {
        format!("'{}'", s.replace('\'', "''"))
    }

    fn text(sql: &str) -> Option<String> {
        Spi::get_one::<String>(sql).unwrap()
    }

    /// The python-stdnum oracle vectors through SQL (the same file core's tests read).
    #[pg_test]
    fn oracle_vectors_through_sql() {
        let all: Value = serde_json::from_str(VECTORS).unwrap();
        let mut checked = 0;
        for v in all["vectors"].as_array().unwrap() {
            let input = literal(v["input"].as_str().unwrap());
            let strict = v["mode"] == "strict";
            match v["fn"].as_str().unwrap() {
                "gtin" => {
                    let got = text(&format!("SELECT pos.try_normalize_gtin({input}, {strict})"));
                    assert_eq!(got.as_deref(), v["gtin14"].as_str(), "{v}");
                }
                "barcode" => {
                    let sql = format!("SELECT kind || '|' || coalesce(gtin14, '') || '|' || coalesce(plu, '') || '|' || coalesce(embedded_price::text, '') || '|' || valid FROM pos.parse_barcode({input})");
                    let want = format!(
                        "{}|{}|{}|{}|{}",
                        v["kind"].as_str().unwrap(),
                        v["gtin14"].as_str().unwrap_or(""),
                        v["plu"].as_str().unwrap_or(""),
                        v["price"].as_str().unwrap_or(""),
                        v["valid"]
                    );
                    assert_eq!(text(&sql).unwrap(), want, "{v}");
                }
                _ => continue,
            }
            checked += 1;
        }
        assert!(checked >= 400, "only {checked} vectors checked");
    }

    #[pg_test]
    fn null_in_null_out() {
        assert_eq!(text("SELECT pos.normalize_gtin(NULL)"), None);
        assert_eq!(text("SELECT pos.sku_key(NULL)"), None);
        assert_eq!(text("SELECT pos.item_sku(NULL)"), None);
        assert_eq!(text("SELECT kind FROM pos.parse_barcode(NULL)"), None);
        assert_eq!(text("SELECT pos.resolve_sku('t', 's', NULL)"), None);
    }

    #[pg_test(
        error = "invalid GTIN \"036000291453\": check digit of 036000291453 is 3, expected 2"
    )]
    fn invalid_gtin_raises() {
        text("SELECT pos.normalize_gtin('036000291453')");
    }

    /// A long value is quoted by its start and its length, not whole.
    #[pg_test(
        error = "invalid GTIN \"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"… (50 characters): character 'A' at position 1 is not part of a barcode"
    )]
    fn a_long_code_is_quoted_by_its_start() {
        text("SELECT pos.normalize_gtin(repeat('A', 50))");
    }

    #[pg_test(
        error = "invalid variable-measure scheme: prefix \"40\": variable-measure prefixes are 1-3 digits in the GS1 ranges 02 and 20-29 (EAN-13 form)"
    )]
    fn bad_scheme_raises() {
        text(
            r#"SELECT kind FROM pos.parse_barcode('212345605998', '{"40": {"layout": "PPIIIIIVVVVVK", "measure": "price"}}')"#,
        );
    }

    /// Exact alias, then match key, then the derived key; rebuild adds derived aliases from sales
    /// and never overwrites a manual one.
    #[pg_test]
    fn resolve_and_rebuild_aliases() {
        Spi::run(
            "INSERT INTO pos.sku_settings (tenant_id, strip_prefixes) VALUES ('t1', '{ACME}')",
        )
        .unwrap();
        Spi::run("INSERT INTO pos.sku_alias (tenant_id, source, raw_item_id, sku) VALUES ('t1', 'csv', 'acme_widget 7', 'P-1')").unwrap();
        assert_eq!(
            text("SELECT match_key FROM pos.sku_alias WHERE tenant_id = 't1'").as_deref(),
            Some("WIDGET7")
        );
        assert_eq!(
            text("SELECT pos.resolve_sku('t1', 'csv', 'acme_widget 7')").as_deref(),
            Some("P-1")
        );
        assert_eq!(
            text("SELECT pos.resolve_sku('t1', 'csv', 'Widget-7')").as_deref(),
            Some("P-1")
        );
        assert_eq!(
            text("SELECT pos.resolve_sku('t1', 'csv', '36000291452.0')").as_deref(),
            Some("00036000291452")
        );
        assert_eq!(
            text("SELECT pos.resolve_sku('t2', 'csv', 'acme_widget 7')").as_deref(),
            Some("ACMEWIDGET7")
        );
        Spi::run("UPDATE pos.sku_settings SET strip_prefixes = '{}' WHERE tenant_id = 't1'")
            .unwrap();
        let counts = text(
            "SELECT format('%s/%s/%s', added, updated, rekeyed) FROM pos.rebuild_sku_aliases('t1')",
        );
        assert_eq!(counts.as_deref(), Some("0/0/1"));
        assert_eq!(
            text("SELECT match_key FROM pos.sku_alias WHERE tenant_id = 't1'").as_deref(),
            Some("ACMEWIDGET7")
        );
    }
}
