use super::*;
use crate::views::Column;

fn col(name: &str, ty: &str) -> Column {
    Column {
        name: name.into(),
        type_name: ty.into(),
        nullable: false,
        description: None,
    }
}

fn rel() -> Relation {
    Relation::new(
        "store_daily",
        "view",
        "pos.store_daily",
        vec![
            col("tenant_id", "text"),
            col("store_id", "text"),
            col("business_date", "date"),
        ],
        &["pos_api"],
    )
}

fn day(s: &str) -> i64 {
    iso_date(s).unwrap() * DAY_US
}

/// Live from 2026-10-20 on, and the late day 2026-10-05.
fn path() -> MatPath {
    MatPath {
        qualified: "pos_caggs.store_daily_materialized".into(),
        bucket: 2,
        bucket_type: BucketType::Date,
        readers: ["pos_api".to_string()].into(),
        live: vec![
            (Some(day("2026-10-05")), Some(day("2026-10-06"))),
            (Some(day("2026-10-20")), None),
        ],
    }
}

fn f(column: usize, op: Op, values: &[&str]) -> Filter {
    Filter {
        column,
        op,
        negate: false,
        values: values.iter().map(|v| v.to_string()).collect(),
    }
}

#[test]
fn iso_dates_and_timestamps_become_keys() {
    assert_eq!(iso_date("1970-01-01"), Some(0));
    assert_eq!(iso_date("2000-03-01"), Some(11_017));
    assert_eq!(iso_date("2026-10-15"), Some(20_741));
    assert_eq!(iso_date("2024-02-29"), Some(19_782));
    for bad in [
        "2025-02-29",
        "2026-13-01",
        "2026-1-01",
        "20261015",
        "today",
        "2026-10-15x",
    ] {
        assert_eq!(iso_date(bad), None, "{bad}");
    }
    let t = |s| iso_timestamptz(s);
    assert_eq!(t("1970-01-01T00:00:00Z"), Some(0));
    assert_eq!(t("1970-01-01 01:00+01"), Some(0));
    assert_eq!(t("1970-01-01T00:00:01.5-00:30"), Some(1_801_500_000));
    assert_eq!(
        t("2026-10-15T10:00:00Z"),
        Some(day("2026-10-15") + 36_000_000_000)
    );
    // no offset: the session's TimeZone would decide, so no key
    for bad in [
        "2026-10-15 10:00:00",
        "2026-10-15",
        "2026-10-15T25:00Z",
        "2026-10-15T10:00:00.1234567Z",
    ] {
        assert_eq!(t(bad), None, "{bad}");
    }
}

#[test]
fn tried_only_when_bounded_above_and_clear_of_live_buckets() {
    let p = path();
    let tried = |fs: &[Filter]| p.worth_trying("pos_api", fs);
    assert!(tried(&[f(2, Op::Eq, &["2026-10-15"])]));
    assert!(tried(&[
        f(1, Op::Eq, &["S1"]),
        f(2, Op::Lte, &["2026-10-04"])
    ]));
    assert!(tried(&[
        f(2, Op::Gte, &["2026-10-06"]),
        f(2, Op::Lt, &["2026-10-19"])
    ]));
    assert!(tried(&[f(2, Op::In, &["2026-10-06", "2026-10-19"])]));
    // live buckets: the late day, the watermark on, or no upper bound at all
    assert!(!tried(&[f(2, Op::Eq, &["2026-10-05"])]));
    assert!(!tried(&[f(2, Op::Eq, &["2026-10-20"])]));
    assert!(!tried(&[f(2, Op::Lte, &["2026-10-15"])]));
    assert!(!tried(&[f(2, Op::In, &["2026-10-06", "2026-10-21"])]));
    assert!(!tried(&[f(2, Op::Gte, &["2026-10-06"])]));
    assert!(!tried(&[f(1, Op::Eq, &["S1"])]));
    // negated filters bound nothing; values in other spellings are left to the view
    let mut not_eq = f(2, Op::Eq, &["2026-10-15"]);
    not_eq.negate = true;
    assert!(!tried(&[not_eq]));
    assert!(!tried(&[f(2, Op::Eq, &["Oct 15 2026"])]));
    // a role that cannot read the path
    assert!(!p.worth_trying("other", &[f(2, Op::Eq, &["2026-10-15"])]));
}

#[test]
fn the_guard_binds_every_bound_again() {
    let p = path();
    let guard = |fs: &[Filter]| {
        let mut sources = Vec::new();
        let g = p.guard(&rel(), fs, &mut |s| {
            sources.push(s);
            format!("${}", sources.len() + 10)
        });
        (g, sources)
    };
    assert_eq!(
        guard(&[f(2, Op::Eq, &["2026-10-15"])]),
        ("pos.cagg_require_materialized('pos.store_daily'::regclass, greatest($11::date), least($12::date))".into(),
         vec![Source::Value(0), Source::Value(0)])
    );
    // the sources index the request's filters, those on other columns included
    assert_eq!(
        guard(&[f(1, Op::Eq, &["S1"]), f(2, Op::Lt, &["2026-10-15"]), f(2, Op::In, &["2026-10-01", "2026-10-03"])]),
        ("pos.cagg_require_materialized('pos.store_daily'::regclass, greatest((SELECT min(v) FROM unnest($11::date[]) v)), \
          least($12::date, (SELECT max(v) FROM unnest($13::date[]) v)))".into(),
         vec![Source::List(2), Source::Value(1), Source::List(2)])
    );
    assert_eq!(
        guard(&[f(2, Op::Lte, &["2026-10-15"])]).0,
        "pos.cagg_require_materialized('pos.store_daily'::regclass, NULL::date, least($11::date))"
    );
}
