use super::*;
use crate::db::Param;
use crate::views::Column;
use axum::http::HeaderValue;
use std::sync::Arc;

/// A nullable, undocumented column of type `t`.
fn col(n: &str, t: &str) -> Column {
    Column {
        name: n.into(),
        type_name: t.into(),
        nullable: true,
        description: None,
    }
}

fn rel() -> Relation {
    Relation::new(
        "sales_daily",
        "view",
        "pos.sales_daily",
        vec![
            col("tenant_id", "text"),
            col("store_id", "text"),
            col("business_date", "date"),
            col("net_amount", "numeric"),
            col("odd\"name", "text"),
            col("voided", "boolean"),
        ],
        &["pos_api"],
    )
}

fn pairs(q: &str) -> Vec<(String, String)> {
    form_urlencoded::parse(q.as_bytes()).into_owned().collect()
}

fn parse_q(q: &str) -> Result<ViewQuery, ApiError> {
    parse(&rel(), &pairs(q), &HeaderMap::new(), 100, &[])
}

#[test]
fn filters_become_bound_casts() {
    let q = parse_q("store_id=eq.S1&business_date=gte.2026-01-01&net_amount=not.lt.0").unwrap();
    let s = page_sql(&rel(), "acme", &q, Shape::TextColumns, None);
    assert!(s.sql.contains("WHERE \"tenant_id\" = $1::text AND \"store_id\" = $2::text AND \"business_date\" >= $3::date AND NOT (\"net_amount\" < $4::numeric)"), "{}", s.sql);
    assert!(
        s.sql.ends_with("LIMIT $5::bigint OFFSET $6::bigint"),
        "{}",
        s.sql
    );
    assert_eq!(s.params.len(), 6);
}

#[test]
fn injection_in_values_stays_a_value() {
    let q = parse_q("store_id=eq.x'%20OR%201=1--").unwrap();
    let s = page_sql(&rel(), "acme", &q, Shape::Json, None);
    assert!(!s.sql.contains("OR 1=1"));
    assert!(matches!(&s.params[1], Param::Text(v) if v == "x' OR 1=1--"));
}

#[test]
fn unknown_columns_and_operators_are_400() {
    for bad in [
        "nope=eq.1",
        "store_id=like.x",
        "store_id=eq",
        "select=store_id,1;drop table x",
        "order=net_amount.sideways",
        "order=\"net_amount\"",
        "limit=-1",
        "offset=abc",
        "store_id=is.true",
        "store_id=in.(a,\"b)",
    ] {
        let e = parse_q(bad).unwrap_err();
        assert_eq!(e.status, 400, "{bad}: {e}");
    }
}

#[test]
fn in_lists_honour_quotes_and_escapes() {
    assert_eq!(parse_list("(a,b)").unwrap(), ["a", "b"]);
    assert_eq!(parse_list("(\"a,b\",c)").unwrap(), ["a,b", "c"]);
    assert_eq!(parse_list("(\"x\\\"y\")").unwrap(), ["x\"y"]);
    assert_eq!(parse_list("()").unwrap(), Vec::<String>::new());
    assert!(parse_list("a,b").is_none());
    // As PostgREST: only an element that starts with a quote is quoted; a quote elsewhere is a
    // character of the value (it toggled quoting: `5"x7"` became `5x7`, `12"` a 400).
    assert_eq!(parse_list("(5\"x7\",12\")").unwrap(), ["5\"x7\"", "12\""]);
    assert_eq!(parse_list("(\"a\",b,)").unwrap(), ["a", "b", ""]);
    assert_eq!(parse_list("(\"(x)\",\"\")").unwrap(), ["(x)", ""]);
    assert!(parse_list("(\"a\"b)").is_none());
    assert!(parse_list("(\"a)").is_none());
    assert!(parse_list("(\"a\\)").is_none());
    let q = parse_q("store_id=in.(S1,S2)").unwrap();
    let s = page_sql(&rel(), "t", &q, Shape::Json, None);
    assert!(
        s.sql.contains("\"store_id\" = ANY($2::text[])"),
        "{}",
        s.sql
    );
}

#[test]
fn quoted_identifiers_come_from_the_catalog() {
    let q = parse_q("select=odd\"name&order=odd\"name.desc.nullslast").unwrap();
    let s = page_sql(&rel(), "t", &q, Shape::Json, None);
    assert!(
        s.sql
            .contains("SELECT \"odd\"\"name\" FROM pos.sales_daily"),
        "{}",
        s.sql
    );
    assert!(
        s.sql.contains("ORDER BY \"odd\"\"name\" DESC NULLS LAST"),
        "{}",
        s.sql
    );
}

#[test]
fn limit_is_capped_and_range_header_parsed() {
    let q = parse_q("limit=100000").unwrap();
    assert_eq!((q.limit, q.offset, q.ranged), (100, 0, true));
    let mut h = HeaderMap::new();
    h.insert(header::RANGE, HeaderValue::from_static("10-19"));
    h.insert(
        "prefer",
        HeaderValue::from_static("return=minimal, count=exact"),
    );
    let q = parse(&rel(), &[], &h, 100, &[]).unwrap();
    assert_eq!((q.offset, q.limit, q.count), (10, 10, Count::Exact));
    h.insert(header::RANGE, HeaderValue::from_static("items=5-"));
    assert_eq!(parse(&rel(), &[], &h, 100, &[]).unwrap().offset, 5);
    h.insert(header::RANGE, HeaderValue::from_static("9-3"));
    assert_eq!(parse(&rel(), &[], &h, 100, &[]).unwrap_err().status, 416);
    h.insert(header::RANGE, HeaderValue::from_static("0-9"));
    assert_eq!(
        parse(&rel(), &pairs("limit=5"), &h, 100, &[])
            .unwrap_err()
            .status,
        400
    );
}

#[test]
fn count_statements() {
    let mut q = parse_q("store_id=eq.S1").unwrap();
    assert!(count_sql(&rel(), "t", &q, None).is_none());
    q.count = Count::Exact;
    assert_eq!(
        &*count_sql(&rel(), "t", &q, None).unwrap().sql,
        "SELECT count(*) FROM pos.sales_daily WHERE \"tenant_id\" = $1::text AND \"store_id\" = $2::text"
    );
}

/// `Prefer: count=exact` puts the total in the page's own statement (one snapshot): a scalar
/// subquery over the same filters, in both shapes, and a shape of its own in the cache.
#[test]
fn an_exact_total_rides_in_the_page_statement() {
    let r = rel();
    let mut q = parse_q("store_id=eq.S1&limit=5").unwrap();
    let plain = page_sql(&r, "acme", &q, Shape::Json, None);
    q.count = Count::Exact;
    let counted = page_sql(&r, "acme", &q, Shape::Json, None);
    assert_ne!(plain.sql, counted.sql);
    let total = "(SELECT count(*) FROM pos.sales_daily WHERE \"tenant_id\" = $1::text AND \"store_id\" = $2::text)";
    assert!(
        counted.sql.starts_with(&format!(
            "SELECT coalesce(json_agg(t.*), '[]')::text, count(*), {total} FROM (SELECT"
        )),
        "{}",
        counted.sql
    );
    assert_eq!(texts(&counted)[..4], ["acme", "S1", "acme", "S1"]);
    let csv = page_sql(&r, "acme", &q, Shape::TextColumns, None);
    assert!(
        csv.sql
            .contains(&format!("::text, {total} FROM pos.sales_daily WHERE")),
        "{}",
        csv.sql
    );
    assert!(
        csv.sql.ends_with("LIMIT $5::bigint OFFSET $6::bigint"),
        "{}",
        csv.sql
    );
}

fn texts(s: &Stmt) -> Vec<String> {
    s.params
        .iter()
        .map(|p| match p {
            Param::Text(t) => t.clone(),
            Param::List(l) => format!("{l:?}"),
        })
        .collect()
}

#[test]
fn a_shape_is_built_once_and_binds_each_requests_values() {
    let r = rel();
    let a = parse_q("store_id=eq.S1&business_date=gte.2026-01-01").unwrap();
    let b = parse_q("business_date=gte.2026-02-01&store_id=eq.S2&limit=5").unwrap();
    let b_swapped = parse_q("store_id=eq.S2&business_date=gte.2026-02-01&limit=5").unwrap();
    let sa = page_sql(&r, "acme", &a, Shape::Json, None);
    let sb = page_sql(&r, "beta", &b_swapped, Shape::Json, None);
    // same shape: the kept text, this request's values
    assert!(Arc::ptr_eq(&sa.sql, &sb.sql));
    assert_eq!(texts(&sb), ["beta", "S2", "2026-02-01", "5", "0"]);
    assert_eq!(r.shapes().len(), 1);
    // another order of the filters, another operator, a negation, a list, CSV, a total: each
    // its own text, equal to what a fresh relation builds
    let shapes = [
        (b, Shape::Json),
        (
            parse_q("store_id=neq.S1&business_date=gte.2026-01-01").unwrap(),
            Shape::Json,
        ),
        (
            parse_q("store_id=not.eq.S1&business_date=gte.2026-01-01").unwrap(),
            Shape::Json,
        ),
        (
            parse_q("store_id=in.(S1,S2)&business_date=gte.2026-01-01").unwrap(),
            Shape::Json,
        ),
        (
            parse_q("store_id=eq.S1&business_date=gte.2026-01-01").unwrap(),
            Shape::TextColumns,
        ),
        (
            parse_q("store_id=eq.S1&select=net_amount").unwrap(),
            Shape::Json,
        ),
        (
            parse_q("store_id=eq.S1&order=net_amount.desc").unwrap(),
            Shape::Json,
        ),
    ];
    let mut seen = vec![sa.sql.to_string()];
    for (q, shape) in &shapes {
        let s = page_sql(&r, "acme", q, *shape, None);
        assert_eq!(s.sql, page_sql(&rel(), "acme", q, *shape, None).sql);
        assert!(!seen.contains(&s.sql.to_string()), "{}", s.sql);
        seen.push(s.sql.to_string());
    }
    assert_eq!(r.shapes().len(), 1 + shapes.len());
    let mut q = parse_q("store_id=eq.S1").unwrap();
    q.count = Count::Exact;
    let exact = count_sql(&r, "acme", &q, None).unwrap();
    q.count = Count::Estimated;
    let estimated = count_sql(&r, "acme", &q, None).unwrap();
    assert_ne!(exact.sql, estimated.sql);
    assert_eq!(texts(&estimated), ["acme", "S1"]);
}

#[test]
fn the_cache_of_shapes_is_bounded() {
    let r = rel();
    for n in 0..300 {
        // 300 shapes: 1 to 60 filters, each with one of 5 selected columns
        let q = parse_q(&format!("limit=1{}", "&store_id=eq.x".repeat(n / 5 + 1))).unwrap();
        let mut q2 = q.clone();
        q2.select = vec![n % 5];
        page_sql(&r, "acme", &q2, Shape::Json, None);
    }
    assert!(r.shapes().len() <= 256);
}

#[test]
fn huge_range_ends_are_capped_not_overflowed() {
    // `last - first + 1` overflowed i64 here: a panic (debug) or a negative LIMIT (release).
    let mut h = HeaderMap::new();
    for (range, offset) in [
        ("0-9223372036854775807", 0),
        ("items=0-9223372036854775807", 0),
        ("5-9223372036854775807", 5),
        ("9223372036854775807-9223372036854775807", i64::MAX),
    ] {
        h.insert(header::RANGE, HeaderValue::from_static(range));
        let q = parse(&rel(), &[], &h, 100, &[]).unwrap();
        assert_eq!(
            (q.offset, q.limit),
            (offset, if offset == i64::MAX { 1 } else { 100 }),
            "{range}"
        );
    }
}

#[test]
fn is_takes_null_true_false_as_postgrest() {
    for (q, cond) in [
        ("store_id=is.null", "\"store_id\" IS NULL"),
        ("store_id=is.NULL", "\"store_id\" IS NULL"),
        ("voided=is.true", "\"voided\" IS TRUE"),
        ("voided=not.is.False", "NOT (\"voided\" IS FALSE)"),
    ] {
        let s = page_sql(&rel(), "t", &parse_q(q).unwrap(), Shape::Json, None);
        assert!(s.sql.contains(cond), "{q}: {}", s.sql);
        assert_eq!(s.params.len(), 3, "{q}: no value is bound");
    }
    for (q, code) in [
        // IS TRUE on a text column is an error PostgreSQL answers with SQLSTATE 42804 (a 500)
        ("store_id=is.true", "invalid_filter"),
        ("voided=is.maybe", "invalid_filter"),
        ("voided=is.1", "invalid_filter"),
        ("voided=is.null;drop", "invalid_filter"),
    ] {
        let e = parse_q(q).unwrap_err();
        assert_eq!((e.status.as_u16(), e.code), (400, code), "{q}");
    }
}

/// A Range in another unit than items is not ours and is ignored (RFC 9110 §14.2); it was 416.
#[test]
fn a_range_in_another_unit_is_ignored() {
    let mut h = HeaderMap::new();
    for (range, offset, limit) in [
        ("bytes=0-1", 0, 100),
        ("bytes=100-", 0, 100),
        ("Bytes = 5-9", 0, 100),
        ("ITEMS=5-9", 5, 5),
        ("items = 5-9", 5, 5),
    ] {
        h.insert(header::RANGE, HeaderValue::from_static(range));
        let q = parse(&rel(), &[], &h, 100, &[]).unwrap();
        assert_eq!((q.offset, q.limit), (offset, limit), "{range}");
    }
    // Ignored, so limit/offset are not in conflict with it.
    h.insert(header::RANGE, HeaderValue::from_static("bytes=0-1"));
    let q = parse(&rel(), &pairs("limit=3&offset=2"), &h, 100, &[]).unwrap();
    assert_eq!((q.offset, q.limit, q.ranged), (2, 3, true));
    // A malformed range of items is still refused.
    h.insert(header::RANGE, HeaderValue::from_static("items=x-1"));
    assert_eq!(parse(&rel(), &[], &h, 100, &[]).unwrap_err().status, 416);
}

/// Prefer as RFC 7240 defines it: the first count preference wins (the last one did), names
/// compare case-insensitively, quoted values and parameters are allowed (both were 400), and
/// PostgREST's `count=planned` is the planner's estimate (was 400).
#[test]
fn prefer_count_follows_rfc_7240() {
    let count = |values: &[&'static str]| {
        let mut h = HeaderMap::new();
        for v in values {
            h.append("prefer", HeaderValue::from_static(v));
        }
        parse(&rel(), &[], &h, 100, &[]).map(|q| q.count)
    };
    for (values, want) in [
        (&["count=exact, count=estimated"][..], Count::Exact),
        (&["count=estimated", "count=exact"], Count::Estimated),
        (&["return=minimal, count=exact"], Count::Exact),
        (&["Count=exact"], Count::Exact),
        (&["count=\"exact\""], Count::Exact),
        (&["count = exact"], Count::Exact),
        (&["count=exact; foo=bar"], Count::Exact),
        (&["count=planned"], Count::Estimated),
        (&["handling=lenient, timezone=UTC"], Count::None),
        (&["count=exact, count=bogus"], Count::Exact),
    ] {
        assert_eq!(count(values).unwrap(), want, "{values:?}");
    }
    // A preference that is not ours may hold non-ASCII bytes (the header was a 400).
    let mut h = HeaderMap::new();
    h.insert(
        "prefer",
        HeaderValue::from_bytes("foo=\"Zürich\", count=exact".as_bytes()).unwrap(),
    );
    assert_eq!(
        parse(&rel(), &[], &h, 100, &[]).unwrap().count,
        Count::Exact
    );
    // A count preference we cannot fulfil is ignored (RFC 7240 §2: MUST ignore, as PostgREST
    // does by default); it was a 400. Only `handling=strict` asks for the error.
    for values in [
        &["count=bogus"][..],
        &["count=Exact"],
        &["count"],
        &["count=bogus, count=exact"],
        &["handling=lenient, count=bogus"],
    ] {
        assert_eq!(count(values).unwrap(), Count::None, "{values:?}");
    }
    for values in [
        &["handling=strict, count=bogus"][..],
        &["count=Exact; x=y", "Handling=\"strict\""],
        &["count", "handling=strict, handling=lenient"],
    ] {
        let e = count(values).unwrap_err();
        assert_eq!(
            (e.status.as_u16(), e.code),
            (400, "invalid_prefer"),
            "{values:?}"
        );
    }
    assert_eq!(
        count(&["handling=strict, count=exact"]).unwrap(),
        Count::Exact
    );
    assert_eq!(
        count(&["handling=lenient, handling=strict, count=x"]).unwrap(),
        Count::None
    );
}

/// select, order, limit and offset once each (a second one silently replaced the first); a
/// filter given twice is still two filters, ANDed.
#[test]
fn paging_and_shaping_parameters_are_given_once() {
    for q in [
        "select=store_id&select=net_amount",
        "order=store_id&order=net_amount.desc",
        "limit=5&limit=500",
        "offset=0&offset=10",
        "limit=5&store_id=eq.S1&limit=5",
    ] {
        let e = parse_q(q).unwrap_err();
        assert_eq!(
            (e.status.as_u16(), e.code),
            (400, "duplicate_parameter"),
            "{q}"
        );
    }
    let q = parse_q("store_id=eq.A&store_id=eq.B&select=store_id&order=store_id&limit=1&offset=2")
        .unwrap();
    assert_eq!(q.filters.len(), 2);
    assert_eq!((q.limit, q.offset), (1, 2));
}

/// PostgREST's `is.unknown` on a boolean column (`IS UNKNOWN`: the rows where it is NULL); it was
/// a 400. Elsewhere it is refused like is.true.
#[test]
fn is_unknown_on_booleans() {
    let f = &parse_q("voided=is.UNKNOWN").unwrap().filters[0];
    assert_eq!((f.op, f.negate), (Op::IsNull, false));
    let f = &parse_q("voided=not.is.unknown").unwrap().filters[0];
    assert_eq!((f.op, f.negate), (Op::IsNull, true));
    assert_eq!(
        parse_q("store_id=is.unknown").unwrap_err().code,
        "invalid_filter"
    );
}

/// More digits than a bigint holds are "everything" (capped), not a 400/416 that calls them
/// no integer; signs, spaces and other notations are still refused.
#[test]
fn integers_beyond_a_bigint_saturate() {
    let q = parse_q("limit=99999999999999999999&offset=99999999999999999999").unwrap();
    assert_eq!((q.limit, q.offset), (100, i64::MAX));
    let mut h = HeaderMap::new();
    h.insert(
        header::RANGE,
        HeaderValue::from_static("0-99999999999999999999"),
    );
    assert_eq!(parse(&rel(), &[], &h, 100, &[]).unwrap().limit, 100);
    h.insert(
        header::RANGE,
        HeaderValue::from_static("99999999999999999999-"),
    );
    assert_eq!(parse(&rel(), &[], &h, 100, &[]).unwrap().offset, i64::MAX);
    for bad in [
        "limit=-1",
        "limit=1e3",
        "limit=",
        "limit=%205",
        "offset=0x10",
        "limit=1.0",
    ] {
        assert_eq!(parse_q(bad).unwrap_err().code, "invalid_range", "{bad}");
    }
}

/// PostgreSQL's message for a value it cannot read names the type, not the parameter: with
/// several filters the client could not tell which one was wrong. The filter's column is named.
#[test]
fn a_value_postgresql_cannot_read_names_its_filter() {
    let r = rel();
    let q = parse_q("store_id=eq.S1&business_date=gte.2026-13-45&net_amount=in.(1,x)&voided=eq.1")
        .unwrap();
    let named = |m: &str| name_bad_values(ApiError::bad_request("invalid_value", m), &r, &q);
    for (pg, want) in [
        (
            "date/time field value out of range: \"2026-13-45\"",
            "business_date: date/time field value out of range: \"2026-13-45\"",
        ),
        (
            "invalid input syntax for type numeric: \"x\"",
            "net_amount: invalid input syntax for type numeric: \"x\"",
        ),
        // a part of the value quoted (a time zone)
        (
            "time zone \"45\" not recognized",
            "business_date: time zone \"45\" not recognized",
        ),
        // no value of the request quoted: an error of the data, left alone
        ("division by zero", "division by zero"),
    ] {
        let e = named(pg);
        assert_eq!((e.status.as_u16(), e.code), (400, "invalid_value"));
        assert_eq!(e.message, want);
    }
    // Other errors are not about a value.
    let e = name_bad_values(ApiError::internal("invalid input \"x\""), &r, &q);
    assert_eq!(e.message, "invalid input \"x\"");
    // A value given to two filters of one column names the column once.
    let q = parse_q("net_amount=gt.y&net_amount=lt.y").unwrap();
    let e = name_bad_values(
        ApiError::bad_request(
            "invalid_value",
            "invalid input syntax for type numeric: \"y\"",
        ),
        &r,
        &q,
    );
    assert_eq!(
        e.message,
        "net_amount: invalid input syntax for type numeric: \"y\""
    );
}

/// PostgreSQL text cannot hold a NUL character: a `%00` in a value was sent and refused with
/// `invalid byte sequence for encoding "UTF8": 0x00`, which names no parameter.
#[test]
fn a_nul_in_a_value_is_a_400_naming_the_filter() {
    for q in [
        "store_id=eq.a%00b",
        "store_id=in.(a,%00)",
        "store_id=not.lt.%00",
    ] {
        let e = parse_q(q).unwrap_err();
        assert_eq!((e.status.as_u16(), e.code), (400, "invalid_value"), "{q}");
        assert!(e.message.starts_with("store_id: "), "{q}: {}", e.message);
    }
}

/// A value is cast to the column's type without its modifier: `::numeric(12,2)` rounded
/// `eq.1.005` to 1.01 and matched it, `::character varying(4)` cut `eq.ABCDE` to `ABCD`
/// and matched that. Compared as the column's type itself, neither matches.
#[test]
fn values_are_cast_without_the_type_modifier() {
    let r = Relation::new(
        "prices",
        "table",
        "pos.prices",
        vec![
            col("tenant_id", "text"),
            col("amount", "numeric(12,2)"),
            col("code", "character varying(4)"),
            col("flag", "character(1)"),
            col("at", "timestamp(0) with time zone"),
            col("codes", "character varying(4)[]"),
            col("bits", "bit(8)"),
        ],
        &["pos_api"],
    );
    let q = parse(
        &r,
        &pairs("amount=eq.1.005&code=in.(ABCDE)&flag=eq.yes&at=lt.2026-01-01T00:00:00.6Z&codes=eq.{ABCDE}&bits=eq.10101010"),
        &HeaderMap::new(),
        100,
        &[],
    )
    .unwrap();
    let s = page_sql(&r, "acme", &q, Shape::Json, None);
    for cond in [
        "\"amount\" = $2::numeric AND",
        "\"code\" = ANY($3::character varying[]) AND",
        "\"flag\" = $4::bpchar AND",
        "\"at\" < $5::timestamp with time zone AND",
        "\"codes\" = $6::character varying[] AND",
        // no type of its own without a length: bit without one is bit(1)
        "\"bits\" = $7::bit(8) ",
    ] {
        assert!(s.sql.contains(cond), "{cond}: {}", s.sql);
    }
    for (ty, cast) in [
        ("interval day", "interval"),
        ("interval day to second(3)", "interval"),
        ("time(3) without time zone", "time without time zone"),
        ("timestamp without time zone", "timestamp without time zone"),
        ("numeric", "numeric"),
        ("numeric(5,0)[]", "numeric[]"),
        ("pos.\"odd(type)\"", "pos.\"odd(type)\""),
    ] {
        assert_eq!(cast_type(ty), cast, "{ty}");
    }
}

/// Every parse error names the parameter it is about: `in.` without a list, an order modifier
/// and a column of `select`/`order` did not say which parameter held them.
#[test]
fn parse_errors_name_their_parameter() {
    for (q, code, start) in [
        ("store_id=in.a,b", "invalid_list", "store_id=in.a,b: "),
        (
            "store_id=not.in.(\"a)",
            "invalid_list",
            "store_id=not.in.(\"a): ",
        ),
        (
            "order=net_amount.up",
            "invalid_order",
            "order=net_amount.up: ",
        ),
        ("select=store_id,nett", "unknown_column", "select: "),
        ("order=nett.desc", "unknown_column", "order: "),
    ] {
        let e = parse_q(q).unwrap_err();
        assert_eq!((e.status.as_u16(), e.code), (400, code), "{q}");
        assert!(e.message.starts_with(start), "{q}: {}", e.message);
    }
    // A filter's unknown column is the parameter itself.
    assert_eq!(
        parse_q("nett=eq.1").unwrap_err().message,
        "view \"sales_daily\" has no column \"nett\""
    );
}

/// A term gives at most one direction and one nulls placement: `net_amount.asc.desc` was
/// ordered by the last one given, silently dropping the first (PostgREST refuses both).
#[test]
fn an_order_term_takes_one_direction_and_one_nulls_placement() {
    for q in [
        "order=net_amount.asc.desc",
        "order=net_amount.desc.desc",
        "order=net_amount.nullsfirst.nullslast",
        "order=store_id,net_amount.desc.nullslast.nullslast",
    ] {
        let e = parse_q(q).unwrap_err();
        assert_eq!((e.status.as_u16(), e.code), (400, "invalid_order"), "{q}");
        assert!(e.message.starts_with(q), "{q}: {}", e.message);
    }
    let q = parse_q("order=net_amount.desc.nullslast,store_id.nullsfirst").unwrap();
    let s = page_sql(&rel(), "t", &q, Shape::Json, None);
    assert!(
        s.sql
            .contains("ORDER BY \"net_amount\" DESC NULLS LAST, \"store_id\" NULLS FIRST"),
        "{}",
        s.sql
    );
}

/// The JSON page aggregates whole rows. PostgreSQL reads a bare name as a column before a table
/// alias, so `json_agg(t)` over a relation with a column named `t` aggregated that column's
/// values (`[1,2]`, not objects); `t.*` is always the row.
#[test]
fn the_json_page_aggregates_rows_whatever_the_columns_are_named() {
    let r = Relation::new(
        "odd",
        "view",
        "pos.odd",
        vec![col("tenant_id", "text"), col("t", "text")],
        &["pos_api"],
    );
    let q = parse(&r, &pairs("t=eq.1"), &HeaderMap::new(), 100, &[]).unwrap();
    let s = page_sql(&r, "acme", &q, Shape::Json, None);
    assert!(
        s.sql
            .starts_with("SELECT coalesce(json_agg(t.*), '[]')::text, count(*) FROM (SELECT"),
        "{}",
        s.sql
    );
}

/// An operator the column's type lacks (`json = json`, `text[] = text` for `in.` on an array
/// column) is PostgreSQL's `invalid_operator`, whose message names types only: the filter
/// whose column and operator it is gets named.
#[test]
fn a_missing_operator_names_its_filter() {
    let r = Relation::new(
        "docs",
        "table",
        "pos.docs",
        vec![
            col("tenant_id", "text"),
            col("payload", "json"),
            col("tags", "text[]"),
            col("labels", "text[]"),
        ],
        &["pos_api"],
    );
    let q = parse(
        &r,
        &pairs("tenant_id=eq.x&labels=eq.{a}&payload=eq.{}&tags=in.(a,b)"),
        &HeaderMap::new(),
        100,
        &[],
    )
    .unwrap();
    let named =
        |m: &str| name_bad_values(ApiError::bad_request("invalid_operator", m), &r, &q).message;
    assert_eq!(
        named("operator does not exist: json = json"),
        "payload: operator does not exist: json = json"
    );
    assert_eq!(
        named("operator does not exist: text[] = text"),
        "tags: operator does not exist: text[] = text"
    );
    assert_eq!(
        named("operator does not exist: point < point"),
        "operator does not exist: point < point"
    );
}

/// Some of PostgreSQL's messages quote no value, only the type: `invalid input syntax for type
/// json` (the rest is in its DETAIL, and jsonb's input says json too), `bit string length 4 does
/// not match type bit(8)`. The filters on columns of that type are named.
#[test]
fn a_bad_value_quoted_by_type_only_names_the_filters_of_that_type() {
    let r = Relation::new(
        "alerts",
        "view",
        "pos.alerts",
        vec![
            col("tenant_id", "text"),
            col("reasons", "jsonb"),
            col("path", "jsonpath"),
            col("flags", "bit(8)"),
        ],
        &["pos_api"],
    );
    let q = parse(
        &r,
        &pairs("reasons=eq.[1&flags=eq.1010&tenant_id=eq.x"),
        &HeaderMap::new(),
        100,
        &[],
    )
    .unwrap();
    let named =
        |m: &str| name_bad_values(ApiError::bad_request("invalid_value", m), &r, &q).message;
    assert_eq!(
        named("invalid input syntax for type json"),
        "reasons: invalid input syntax for type json"
    );
    assert_eq!(
        named("bit string length 4 does not match type bit(8)"),
        "flags: bit string length 4 does not match type bit(8)"
    );
    // `type json` is not `type jsonpath`; no filter on a jsonpath column here.
    assert_eq!(
        named("invalid input syntax for type jsonpath"),
        "invalid input syntax for type jsonpath"
    );
    assert_eq!(named("division by zero"), "division by zero");
    // A message quoting a value no filter has is about the data (a cast inside the view).
    assert_eq!(
        named("invalid input syntax for type json: \"zz\""),
        "invalid input syntax for type json: \"zz\""
    );
}
