//! Turning query results into HTTP responses: JSON or CSV bodies, `Content-Range`, and the
//! 200 / 206 / 416 status that PostgREST clients expect.
use axum::body::Body;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use tokio_postgres::Row;

use crate::error::ApiError;
use crate::filters::{Count, Shape, ViewQuery};

/// JSON unless the client prefers CSV (`Accept: text/csv`).
pub fn negotiate(headers: &HeaderMap) -> Shape {
    let wants_csv = headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.split(',').any(|m| m.trim().starts_with("text/csv")));
    if wants_csv {
        Shape::TextColumns
    } else {
        Shape::Json
    }
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
/// estimate, the page's end is the exact total when it came back short of its limit. (An exact
/// total comes from the page's own snapshot and agrees with it; the rule costs it nothing.)
pub fn reported_total(q: &ViewQuery, n: i64, total: Option<i64>) -> Option<i64> {
    let t = total?;
    let seen = q.offset.saturating_add(n);
    if q.count == Count::Estimated && n < q.limit && (n > 0 || q.offset == 0) {
        return Some(seen);
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

/// RFC 4180 CSV with a header line; NULL is an empty field. Text a spreadsheet would run as a
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
    let mut w = csv::Writer::from_writer(Vec::new());
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
        // Nothing at the offset: the estimate is all there is.
        assert_eq!(
            reported_total(&q(40, 10, Count::Estimated), 0, Some(17)),
            Some(17)
        );
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
            "name,amount\n\
             \"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",-12.50\n\
             '=cmd|' /C calc'!A0,+3\n\
             '@SUM(A1),-1e3\n\
             '+1 555 0100,'\t=1\n\
             '-2+3,\n\
             \"a=b, \"\"c\"\"\",\"line\nbreak\"\n"
        );
    }

    #[test]
    fn accept_csv() {
        let mut h = HeaderMap::new();
        assert_eq!(negotiate(&h), Shape::Json);
        h.insert(header::ACCEPT, HeaderValue::from_static("text/csv"));
        assert_eq!(negotiate(&h), Shape::TextColumns);
    }
}
