//! Our own limits on a request's target and headers, checked before anything else, so that a
//! request over them gets the JSON 414 or 431 every other error is. hyper has limits of its own
//! (a target of 65 534 bytes, a head of about 408 KiB, 100 headers) and answers them itself,
//! with an empty body, before any code of ours runs: ours are lower, so a sender that is merely
//! over a sane size is told in JSON what was too long. What hyper still answers itself (past its
//! limits, or a request it cannot parse: two `Content-Length`s that differ, a bad header byte)
//! is listed in docs/ingest.md.

use axum::http::{HeaderMap, StatusCode, Uri};

/// The longest request target (path and query) taken, in bytes. Our routes' are short; a
/// webhook provider never sends a long one.
pub const MAX_URI_BYTES: usize = 8 * 1024;

/// The most bytes of headers taken (each counted as `name: value` and its line end). Far
/// above what a provider sends (signatures, ids), as nginx's default of 4 × 8 KiB.
pub const MAX_HEADER_BYTES: usize = 32 * 1024;

/// What is over our limits in a request's head: its status, message and the field to blame.
pub fn over(uri: &Uri, headers: &HeaderMap) -> Option<(StatusCode, String, &'static str)> {
    let target = uri.path_and_query().map_or(0, |p| p.as_str().len())
        + uri.authority().map_or(0, |a| a.as_str().len());
    if target > MAX_URI_BYTES {
        return Some((
            StatusCode::URI_TOO_LONG,
            format!(
                "the request target is {target} bytes, over the {MAX_URI_BYTES} this service \
                 takes: the routes are short, and a payload belongs in the body"
            ),
            "uri",
        ));
    }
    let size = header_bytes(headers);
    (size > MAX_HEADER_BYTES).then(|| {
        (
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            format!(
                "the headers are {size} bytes, over the {MAX_HEADER_BYTES} this service takes: \
                 send fewer or shorter headers"
            ),
            "headers",
        )
    })
}

/// The headers' size as sent: `name: value\r\n` for each.
fn header_bytes(headers: &HeaderMap) -> usize {
    headers
        .iter()
        .map(|(k, v)| k.as_str().len() + v.len() + 4)
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn a_target_or_headers_at_the_limit_pass_and_one_byte_more_does_not() {
        let at = format!("/{}", "a".repeat(MAX_URI_BYTES - 1));
        let uri: Uri = at.parse().unwrap();
        assert!(over(&uri, &HeaderMap::new()).is_none());
        let uri: Uri = format!("{at}b").parse().unwrap();
        let (status, message, field) = over(&uri, &HeaderMap::new()).unwrap();
        assert_eq!((status, field), (StatusCode::URI_TOO_LONG, "uri"));
        assert!(
            message.contains(&format!("{}", MAX_URI_BYTES + 1)),
            "{message}"
        );

        let mut h = HeaderMap::new();
        // `x-a: ` + value + CRLF is the value's length + 7.
        let value = "v".repeat(MAX_HEADER_BYTES - 7);
        h.insert("x-a", HeaderValue::from_str(&value).unwrap());
        assert!(over(&"/".parse().unwrap(), &h).is_none());
        h.insert("x-b", HeaderValue::from_static(""));
        let (status, _, field) = over(&"/".parse().unwrap(), &h).unwrap();
        assert_eq!(
            (status, field),
            (StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE, "headers")
        );
    }
}
