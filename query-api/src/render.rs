//! Turning query results into HTTP responses: JSON or CSV bodies, `Content-Range`, and the
//! 200 / 206 / 416 status that PostgREST clients expect.
use axum::body::Body;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use tokio_postgres::Row;

use crate::error::ApiError;
use crate::filters::{Count, Shape, ViewQuery};

/// The representation a request gets from its `Accept` header(s), as RFC 9110 §12.5.1 has it:
/// each media range's `q` weighs it (`q=0`: not acceptable), the most specific range naming a
/// type decides its weight (`text/csv;q=0, */*` is JSON), media types compare case-insensitively,
/// and between equal weights the one the client listed first wins (as PostgREST picks). No
/// `Accept`, `*/*` or `application/json; charset=utf-8` is JSON. `None` when the client accepts
/// neither JSON nor CSV (`application/xml`, PostgREST's `application/vnd.pgrst.object+json`):
/// 406, rather than JSON it did not ask for. (It was JSON unless some range merely started with
/// `text/csv`, which made `text/csv;q=0` CSV, `TEXT/CSV` JSON and anything unsupported JSON.)
/// No allocation: it runs on every request.
pub fn negotiate(headers: &HeaderMap) -> Option<Shape> {
    let Some((json, csv)) = weights(headers) else {
        return Some(Shape::Json);
    };
    match (json, csv) {
        (None, None) => None,
        (Some(j), Some(c)) if c.beats(j) => Some(Shape::TextColumns),
        (None, Some(_)) => Some(Shape::TextColumns),
        _ => Some(Shape::Json),
    }
}

/// 406 unless the client accepts JSON, for the endpoints that answer nothing else.
pub fn require_json(headers: &HeaderMap) -> Result<(), ApiError> {
    match weights(headers) {
        Some((None, _)) => Err(not_acceptable("application/json")),
        _ => Ok(()),
    }
}

/// 406 for a request whose `Accept` excludes every representation the endpoint has.
pub fn not_acceptable(offered: &str) -> ApiError {
    ApiError::new(
        StatusCode::NOT_ACCEPTABLE,
        "not_acceptable",
        format!("the Accept header excludes every representation of this endpoint ({offered})"),
    )
    .with_hint(format!("send Accept: {offered}, or none"))
}

/// How acceptable a representation is: the weight of the most specific media range that names it
/// (`specificity` 2: `type/subtype`, 1: `type/*`, 0: `*/*`) and that range's place in the header.
#[derive(Clone, Copy)]
struct Weight {
    q: u16,
    specificity: u8,
    position: u16,
}

impl Weight {
    fn beats(self, other: Weight) -> bool {
        self.q > other.q || (self.q == other.q && self.position < other.position)
    }
}

/// The weights of JSON and CSV (`None` in a slot: not acceptable, a weight of 0 included);
/// `None` overall when the request has no media range at all (then anything goes: JSON).
fn weights(headers: &HeaderMap) -> Option<(Option<Weight>, Option<Weight>)> {
    let (mut json, mut csv, mut position, mut any) = (None::<Weight>, None::<Weight>, 0u16, false);
    for value in headers.get_all(header::ACCEPT) {
        let Ok(value) = value.to_str() else { continue };
        for range in value.split(',') {
            let mut parts = range.split(';');
            let media = parts.next().unwrap_or_default().trim();
            let Some((ty, sub)) = media.split_once('/') else {
                continue;
            };
            any = true;
            position = position.saturating_add(1);
            let q = parts
                .filter_map(|p| p.split_once('='))
                .find(|(k, _)| k.trim().eq_ignore_ascii_case("q"))
                .map_or(1000, |(_, v)| qvalue(v.trim()));
            let is = |a: &str, b: &str| a.trim().eq_ignore_ascii_case(b);
            for (slot, want_ty, want_sub) in [
                (&mut json, "application", "json"),
                (&mut csv, "text", "csv"),
            ] {
                let specificity = match (is(ty, want_ty), is(sub, want_sub)) {
                    (true, true) => 2,
                    (true, false) if is(sub, "*") => 1,
                    _ if is(ty, "*") && is(sub, "*") => 0,
                    _ => continue,
                };
                if slot.is_none_or(|w| specificity > w.specificity) {
                    *slot = Some(Weight {
                        q,
                        specificity,
                        position,
                    });
                }
            }
        }
    }
    any.then(|| {
        let acceptable = |w: Option<Weight>| w.filter(|w| w.q > 0);
        (acceptable(json), acceptable(csv))
    })
}

/// A `q` value in thousandths; one that does not parse counts as 1 (the range is not refused).
fn qvalue(v: &str) -> u16 {
    v.parse::<f32>()
        .ok()
        .filter(|q| q.is_finite())
        .map_or(1000, |q| (q.clamp(0.0, 1.0) * 1000.0).round() as u16)
}

/// The total row count from a count statement's rows (exact count, or the planner's estimate).
pub fn total(count: Count, rows: Option<&Vec<Row>>) -> Result<Option<i64>, ApiError> {
    let Some(row) = rows.and_then(|r| r.first()) else {
        return Ok(None);
    };
    Ok(match count {
        Count::None => None,
        Count::Exact => Some(row.get::<_, i64>(0)),
        Count::Estimated => {
            let plan: serde_json::Value = row.get(0);
            plan.pointer("/0/Plan/Plan Rows")
                .and_then(|v| v.as_f64())
                .map(|r| r.round() as i64)
        }
    })
}

/// The exact total a page statement carries (`filters::page_sql` with `Prefer: count=exact`):
/// the JSON aggregate's third column, or the column after the `n_columns` selected ones of any
/// CSV row. `None` for a CSV page without rows: its total needs a statement of its own.
pub fn carried_total(shape: Shape, n_columns: usize, rows: &[Row]) -> Option<i64> {
    let row = rows.first()?;
    Some(match shape {
        Shape::Json => row.get::<_, i64>(2),
        Shape::TextColumns => row.get::<_, i64>(n_columns),
    })
}

/// `first-last/total` (`*` when unknown), or `*/total` for an empty page.
pub fn content_range(offset: i64, n: i64, total: Option<i64>) -> String {
    let t = total.map_or("*".to_string(), |t| t.to_string());
    if n == 0 {
        format!("*/{t}")
    } else {
        format!("{}-{}/{t}", offset, offset.saturating_add(n - 1))
    }
}

/// Status for a page, as PostgREST decides it: 416 when the first row asked for lies past the
/// end (`offset > total`; an offset equal to the total is an empty 206 page), 206 when the page
/// is part of a known larger total.
pub fn page_status(q: &ViewQuery, n: i64, total: Option<i64>) -> StatusCode {
    match total {
        Some(t) if q.offset > t => StatusCode::RANGE_NOT_SATISFIABLE,
        Some(t) if n < t => StatusCode::PARTIAL_CONTENT,
        _ => StatusCode::OK,
    }
}

/// The total to report for a page of `n` rows. A planner estimate may be below what the page
/// itself proves: never report fewer rows than `offset + n` when the page has rows, and for an
/// estimate, the page's end is the exact total when it came back short of its limit, and an
/// empty page at an offset caps the estimate there (there are at most `offset` rows; an estimate
/// above it had clients page on through empty pages). (An exact total comes from the page's own
/// snapshot and agrees with it; the rule costs it nothing.)
pub fn reported_total(q: &ViewQuery, n: i64, total: Option<i64>) -> Option<i64> {
    let t = total?;
    let seen = q.offset.saturating_add(n);
    if q.count == Count::Estimated && n < q.limit {
        return Some(if n > 0 || q.offset == 0 {
            seen
        } else {
            t.min(q.offset)
        });
    }
    Some(if n > 0 { t.max(seen) } else { t })
}

/// Builds the response of a page from its rows (see `filters::page_sql` for the two shapes).
pub fn page(
    q: &ViewQuery,
    shape: Shape,
    columns: &[&str],
    rows: &[Row],
    total: Option<i64>,
) -> Result<Response, ApiError> {
    let (body, n, ctype) = match shape {
        Shape::Json => {
            let row = rows
                .first()
                .ok_or_else(|| ApiError::internal("aggregate returned no row"))?;
            (
                row.get::<_, String>(0),
                row.get::<_, i64>(1),
                "application/json",
            )
        }
        Shape::TextColumns => (
            csv(columns, rows)?,
            rows.len() as i64,
            "text/csv; charset=utf-8",
        ),
    };
    let total = reported_total(q, n, total);
    let status = page_status(q, n, total);
    let mut resp = if status == StatusCode::RANGE_NOT_SATISFIABLE {
        // An error body like every other client error (PostgREST's PGRST103), not an empty page.
        ApiError::new(
            status,
            "invalid_range",
            format!(
                "an offset of {} was requested, but there are only {} rows",
                q.offset,
                total.unwrap_or(0)
            ),
        )
        .with_hint("Content-Range carries the total; ask for an offset below it")
        .into_response()
    } else {
        let mut resp = (status, Body::from(body)).into_response();
        resp.headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(ctype));
        resp
    };
    let h = resp.headers_mut();
    let range = if status == StatusCode::RANGE_NOT_SATISFIABLE {
        content_range(0, 0, total)
    } else {
        content_range(q.offset, n, total)
    };
    h.insert(
        header::CONTENT_RANGE,
        HeaderValue::from_str(&range).expect("ascii"),
    );
    h.insert("range-unit", HeaderValue::from_static("items"));
    Ok(resp)
}

/// RFC 4180 CSV with a header line, records ending with CRLF; NULL is an empty field. Text a spreadsheet would run as a
/// formula is defused (see `defuse`).
pub fn csv(columns: &[&str], rows: &[Row]) -> Result<String, ApiError> {
    csv_of(
        columns,
        rows.iter()
            .map(|r| (0..columns.len()).map(|i| r.get(i)).collect()),
    )
}

/// `csv` over the fields of each row.
pub fn csv_of(
    columns: &[&str],
    rows: impl IntoIterator<Item = Vec<Option<String>>>,
) -> Result<String, ApiError> {
    // RFC 4180 §2.1: each record ends with CRLF (the csv crate's default is a bare LF).
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    let io = |e: csv::Error| ApiError::internal(format!("CSV encoding failed: {e}"));
    w.write_record(columns).map_err(io)?;
    for fields in rows {
        for f in &fields {
            w.write_field(defuse(f.as_deref().unwrap_or("")).as_bytes())
                .map_err(io)?;
        }
        w.write_record(None::<&[u8]>).map_err(io)?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| ApiError::internal(e.to_string()))?;
    String::from_utf8(bytes).map_err(|e| ApiError::internal(e.to_string()))
}

/// CSV injection (OWASP): Excel, LibreOffice and Google Sheets run a cell starting with `=`, `+`,
/// `-`, `@`, a tab or a carriage return as a formula (`=HYPERLINK(…)`, `=cmd|' /C calc'!A0`), and
/// POS data (store names, SKU descriptions, cashier ids) comes from outside. Such a field gets a
/// leading `'`, which spreadsheets show as text; numbers (`-12.50`, `+3`) are left alone.
fn defuse(field: &str) -> std::borrow::Cow<'_, str> {
    let risky = field.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if risky && field.parse::<f64>().is_err() {
        format!("'{field}").into()
    } else {
        field.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_range_forms() {
        assert_eq!(content_range(0, 10, Some(25)), "0-9/25");
        assert_eq!(content_range(20, 5, None), "20-24/*");
        assert_eq!(content_range(30, 0, Some(25)), "*/25");
    }

    fn q(offset: i64, limit: i64, count: Count) -> ViewQuery {
        ViewQuery {
            select: Vec::new(),
            filters: Vec::new(),
            order: Vec::new(),
            limit,
            offset,
            count,
            ranged: true,
        }
    }

    #[test]
    fn past_the_end_is_416_only_beyond_the_total_as_in_postgrest() {
        let ok = |o: i64, n: i64, t: Option<i64>| page_status(&q(o, 10, Count::Exact), n, t);
        assert_eq!(ok(30, 0, Some(25)), StatusCode::RANGE_NOT_SATISFIABLE);
        // offset == total: an empty page of a known total, not an error (was 416)
        assert_eq!(ok(25, 0, Some(25)), StatusCode::PARTIAL_CONTENT);
        assert_eq!(ok(0, 0, Some(0)), StatusCode::OK);
        assert_eq!(ok(1, 0, Some(0)), StatusCode::RANGE_NOT_SATISFIABLE);
        assert_eq!(ok(20, 5, Some(25)), StatusCode::PARTIAL_CONTENT);
        assert_eq!(ok(0, 3, Some(3)), StatusCode::OK);
        assert_eq!(ok(30, 0, None), StatusCode::OK);
    }

    #[test]
    fn an_estimate_never_contradicts_the_rows_of_the_page() {
        // The planner estimated 17 rows; the page at offset 20 has 5: the answer was 416 with
        // those 5 rows in the body.
        let est = q(20, 10, Count::Estimated);
        let t = reported_total(&est, 5, Some(17));
        assert_eq!(t, Some(25));
        assert_eq!(page_status(&est, 5, t), StatusCode::PARTIAL_CONTENT);
        // A full page proves at least offset + n rows; an overestimate stands.
        assert_eq!(
            reported_total(&q(20, 5, Count::Estimated), 5, Some(17)),
            Some(25)
        );
        assert_eq!(
            reported_total(&q(0, 5, Count::Estimated), 5, Some(900)),
            Some(900)
        );
        // A short page ends the result: its end is the exact total.
        assert_eq!(
            reported_total(&q(0, 50, Count::Estimated), 3, Some(900)),
            Some(3)
        );
        // Nothing at the offset, an estimate below it: the estimate stands (416).
        assert_eq!(
            reported_total(&q(40, 10, Count::Estimated), 0, Some(17)),
            Some(17)
        );
        // Nothing at offset 500 proves at most 500 rows: an estimate of 900 said there were
        // 400 more to page through (206, `*/900`); it is cut to what the page allows.
        let est = q(500, 100, Count::Estimated);
        let t = reported_total(&est, 0, Some(900));
        assert_eq!(t, Some(500));
        assert_eq!(page_status(&est, 0, t), StatusCode::PARTIAL_CONTENT);
        assert_eq!(content_range(500, 0, t), "*/500");
        assert_eq!(reported_total(&q(0, 10, Count::Exact), 4, None), None);
        assert_eq!(
            content_range(i64::MAX, 1, None),
            format!("{}-{}/*", i64::MAX, i64::MAX)
        );
    }

    #[test]
    fn csv_defuses_formulas_but_not_numbers() {
        let rows = vec![
            vec![
                Some("=HYPERLINK(\"http://x\",\"y\")".into()),
                Some("-12.50".into()),
            ],
            vec![Some("=cmd|' /C calc'!A0".into()), Some("+3".into())],
            vec![Some("@SUM(A1)".into()), Some("-1e3".into())],
            vec![Some("+1 555 0100".into()), Some("\t=1".into())],
            vec![Some("-2+3".into()), None],
            vec![Some("a=b, \"c\"".into()), Some("line\nbreak".into())],
        ];
        assert_eq!(
            csv_of(&["name", "amount"], rows).unwrap(),
            "name,amount\r\n\
             \"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",-12.50\r\n\
             '=cmd|' /C calc'!A0,+3\r\n\
             '@SUM(A1),-1e3\r\n\
             '+1 555 0100,'\t=1\r\n\
             '-2+3,\r\n\
             \"a=b, \"\"c\"\"\",\"line\nbreak\"\r\n"
        );
    }

    /// RFC 4180 §2.1 (and RFC 2046 §4.1.1 for every text/* type): records end with CRLF. They
    /// ended with a bare LF. A line break inside a field is the field's own, quoted, unchanged.
    #[test]
    fn csv_records_end_with_crlf() {
        let rows = vec![
            vec![Some("a".into()), None],
            vec![Some("two\nlines".into()), Some("x\r\ny".into())],
        ];
        assert_eq!(
            csv_of(&["c1", "c2"], rows).unwrap(),
            "c1,c2\r\na,\r\n\"two\nlines\",\"x\r\ny\"\r\n"
        );
        assert_eq!(csv_of(&["only"], Vec::new()).unwrap(), "only\r\n");
    }

    #[test]
    fn accept_csv() {
        let mut h = HeaderMap::new();
        assert_eq!(negotiate(&h), Some(Shape::Json));
        h.insert(header::ACCEPT, HeaderValue::from_static("text/csv"));
        assert_eq!(negotiate(&h), Some(Shape::TextColumns));
    }

    /// `Accept` weighed as RFC 9110 says. Before, any range starting with `text/csv` meant CSV
    /// (`text/csv;q=0` included) and everything else JSON (`application/xml` included).
    #[test]
    fn accept_is_negotiated_with_weights_and_406_when_nothing_fits() {
        let (json, csv) = (Some(Shape::Json), Some(Shape::TextColumns));
        // (Accept, what a view answers, whether a JSON-only endpoint answers)
        for (accept, want, json_ok) in [
            ("*/*", json, true),
            ("", json, true),
            ("application/json; charset=utf-8", json, true),
            ("Application/JSON", json, true),
            ("application/*", json, true),
            ("text/*", csv, false),
            ("TEXT/CSV", csv, false),
            ("text/csv; charset=utf-8", csv, false),
            ("text/csv;q=0, application/json", json, true),
            ("text/csv;q=0, */*", json, true),
            ("application/json, text/csv;q=0.5", json, true),
            ("application/json;q=0.5, text/csv", csv, true),
            ("text/csv, */*", csv, true),
            ("text/csv, application/json", csv, true),
            ("application/json, text/csv", json, true),
            (
                "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
                json,
                true,
            ),
            ("text/csv;q=0.2, */*;q=0.1", csv, true),
            ("text/csv;q=oops", csv, false),
            ("text/csvx", None, false),
            ("application/xml", None, false),
            ("application/vnd.pgrst.object+json", None, false),
            ("application/json;q=0", None, false),
            ("application/json;q=0, text/csv;q=0.000", None, false),
            ("*/*;q=0", None, false),
            ("text/event-stream", None, false),
        ] {
            let mut h = HeaderMap::new();
            h.insert(header::ACCEPT, HeaderValue::from_static(accept));
            assert_eq!(negotiate(&h), want, "{accept:?}");
            assert_eq!(require_json(&h).is_ok(), json_ok, "{accept:?}");
        }
        // Several Accept headers are one list.
        let mut h = HeaderMap::new();
        h.append(
            header::ACCEPT,
            HeaderValue::from_static("application/json;q=0.1"),
        );
        h.append(header::ACCEPT, HeaderValue::from_static("text/csv"));
        assert_eq!(negotiate(&h), Some(Shape::TextColumns));
        let e = require_json(&{
            let mut h = HeaderMap::new();
            h.insert(header::ACCEPT, HeaderValue::from_static("text/csv"));
            h
        })
        .unwrap_err();
        assert_eq!((e.status.as_u16(), e.code), (406, "not_acceptable"));
    }
}
