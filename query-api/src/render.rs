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

/// `first-last/total` (`*` when unknown), or `*/total` for an empty page.
pub fn content_range(offset: i64, n: i64, total: Option<i64>) -> String {
    let t = total.map_or("*".to_string(), |t| t.to_string());
    if n == 0 {
        format!("*/{t}")
    } else {
        format!("{}-{}/{t}", offset, offset + n - 1)
    }
}

/// Status for a page: 416 past the end, 206 when the page is part of a known larger total.
pub fn page_status(q: &ViewQuery, n: i64, total: Option<i64>) -> StatusCode {
    match total {
        Some(t) if q.offset > 0 && q.offset >= t => StatusCode::RANGE_NOT_SATISFIABLE,
        Some(t) if n < t => StatusCode::PARTIAL_CONTENT,
        _ => StatusCode::OK,
    }
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
    let status = page_status(q, n, total);
    let mut resp = (status, Body::from(body)).into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(ctype));
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

/// RFC 4180 CSV with a header line; NULL is an empty field.
pub fn csv(columns: &[&str], rows: &[Row]) -> Result<String, ApiError> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let io = |e: csv::Error| ApiError::internal(format!("CSV encoding failed: {e}"));
    w.write_record(columns).map_err(io)?;
    for r in rows {
        let fields: Vec<Option<String>> = (0..columns.len()).map(|i| r.get(i)).collect();
        w.write_record(fields.iter().map(|f| f.as_deref().unwrap_or("")))
            .map_err(io)?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| ApiError::internal(e.to_string()))?;
    String::from_utf8(bytes).map_err(|e| ApiError::internal(e.to_string()))
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

    #[test]
    fn accept_csv() {
        let mut h = HeaderMap::new();
        assert_eq!(negotiate(&h), Shape::Json);
        h.insert(header::ACCEPT, HeaderValue::from_static("text/csv"));
        assert_eq!(negotiate(&h), Shape::TextColumns);
    }
}
