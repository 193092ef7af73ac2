//! Our own limits on a request's target and headers, checked before routing and the key, so
//! that a request over them gets a JSON 414 or 431 like every other error. hyper has limits of
//! its own (a target of 65 534 bytes, a head of about 408 KiB, 100 headers) and answers them
//! itself, with an empty body, before any code of ours runs: ours are lower, so a client merely
//! over a sane size is told in JSON what was too long and what to do. What hyper still answers
//! itself (past its limits, or a request it cannot parse) is listed in docs/api.md.

use axum::extract::Request;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;

/// The longest request target (path and query) taken, in bytes: room for filters with long
/// `in.(…)` lists, far below hyper's 65 534.
pub const MAX_URI_BYTES: usize = 16 * 1024;

/// The most bytes of headers taken (each counted as `name: value` and its line end), as
/// nginx's default of 4 × 8 KiB: a key and `Accept`, `Range`, `Prefer` need far less.
pub const MAX_HEADER_BYTES: usize = 32 * 1024;

/// What is over our limits in a request's head, as the error to answer.
pub fn over(uri: &Uri, headers: &HeaderMap) -> Option<ApiError> {
    let target = uri.path_and_query().map_or(0, |p| p.as_str().len())
        + uri.authority().map_or(0, |a| a.as_str().len());
    if target > MAX_URI_BYTES {
        let message = format!(
            "the request target is {target} bytes, over the {MAX_URI_BYTES} this API takes"
        );
        return Some(
            ApiError::new(StatusCode::URI_TOO_LONG, "uri_too_long", message).with_hint(
                "Shorten the filters: fewer values in an in.(…) list (split the request), or a \
                 range (gte./lte.) instead of a list.",
            ),
        );
    }
    let size: usize = headers
        .iter()
        .map(|(k, v)| k.as_str().len() + v.len() + 4)
        .sum();
    (size > MAX_HEADER_BYTES).then(|| {
        let message =
            format!("the headers are {size} bytes, over the {MAX_HEADER_BYTES} this API takes");
        ApiError::new(
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            "headers_too_large",
            message,
        )
        .with_hint("Send fewer or shorter headers (large cookies are a usual cause).")
    })
}

/// The middleware: a request over the limits is answered here, any other passes on.
pub async fn refuse_long_heads(req: Request, next: Next) -> Response {
    match over(req.uri(), req.headers()) {
        Some(e) => e.into_response(),
        None => next.run(req).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn a_target_or_headers_at_the_limit_pass_and_one_byte_more_does_not() {
        let at = format!("/{}", "a".repeat(MAX_URI_BYTES - 1));
        assert!(over(&at.parse().unwrap(), &HeaderMap::new()).is_none());
        let e = over(&format!("{at}b").parse().unwrap(), &HeaderMap::new()).unwrap();
        assert_eq!(
            (e.status, e.code),
            (StatusCode::URI_TOO_LONG, "uri_too_long")
        );
        assert!(
            e.message.contains(&(MAX_URI_BYTES + 1).to_string()),
            "{}",
            e.message
        );

        let mut h = HeaderMap::new();
        // `x-a: ` + value + CRLF is the value's length + 7.
        let value = "v".repeat(MAX_HEADER_BYTES - 7);
        h.insert("x-a", HeaderValue::from_str(&value).unwrap());
        assert!(over(&"/".parse().unwrap(), &h).is_none());
        h.insert("x-b", HeaderValue::from_static(""));
        let e = over(&"/".parse().unwrap(), &h).unwrap();
        assert_eq!(
            (e.status, e.code),
            (
                StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
                "headers_too_large"
            )
        );
    }
}
