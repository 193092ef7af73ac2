//! Webhook signatures. Square and Shopify sign with HMAC-SHA256 and send the MAC base64-encoded;
//! Square signs the notification URL followed by the raw body, Shopify the raw body alone.
//! Clover signs nothing: it sends the app's Clover Auth Code as `X-Clover-Auth`. Toast signs
//! the body followed by the message's `timestamp`, base64 as well.
//! Comparison is constant-time.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

fn mac(key: &[u8], parts: &[&[u8]]) -> Vec<u8> {
    let mut m = Hmac::<Sha256>::new_from_slice(key).expect("HMAC accepts keys of any length");
    for p in parts {
        m.update(p);
    }
    m.finalize().into_bytes().to_vec()
}

fn matches(expected: &[u8], header: &str) -> bool {
    match STANDARD.decode(header.trim()) {
        Ok(got) => got.len() == expected.len() && bool::from(got.ct_eq(expected)),
        Err(_) => false,
    }
}

/// `x-square-hmacsha256-signature` = base64(HMAC-SHA256(signature key, notification URL + body)).
pub fn square_valid(
    signature_key: &str,
    notification_url: &str,
    body: &[u8],
    header: &str,
) -> bool {
    matches(
        &mac(
            signature_key.as_bytes(),
            &[notification_url.as_bytes(), body],
        ),
        header,
    )
}

/// `X-Shopify-Hmac-Sha256` = base64(HMAC-SHA256(app secret, body)).
pub fn shopify_valid(secret: &str, body: &[u8], header: &str) -> bool {
    matches(&mac(secret.as_bytes(), &[body]), header)
}

/// `Toast-Signature` = base64(HMAC-SHA256(subscription secret, body + timestamp)), the
/// timestamp being the message's own `timestamp` (Toast's "Message signing").
pub fn toast_valid(secret: &str, body: &[u8], timestamp: &str, header: &str) -> bool {
    matches(
        &mac(secret.as_bytes(), &[body, timestamp.as_bytes()]),
        header,
    )
}

/// `X-Clover-Auth` is one of the apps' Clover Auth Codes (Clover's webhook guide: the code the
/// dashboard shows once the URL is verified, sent in every message's header; the body is not
/// signed). Every code is compared, in constant time, so the time taken says nothing about
/// which code or how much of it matched.
pub fn clover_valid(codes: &[String], header: &str) -> bool {
    let got = header.trim().as_bytes();
    codes
        .iter()
        .filter(|c| !c.is_empty())
        .fold(subtle::Choice::from(0), |acc, c| {
            acc | got.ct_eq(c.as_bytes())
        })
        .into()
}

/// The header value a sender would compute (tests and the load generator sign with it).
pub fn shopify_sign(secret: &str, body: &[u8]) -> String {
    STANDARD.encode(mac(secret.as_bytes(), &[body]))
}

pub fn toast_sign(secret: &str, body: &[u8], timestamp: &str) -> String {
    STANDARD.encode(mac(secret.as_bytes(), &[body, timestamp.as_bytes()]))
}

pub fn square_sign(signature_key: &str, notification_url: &str, body: &[u8]) -> String {
    STANDARD.encode(mac(
        signature_key.as_bytes(),
        &[notification_url.as_bytes(), body],
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adapters::testkit::sample;

    /// The Square SDK's known-answer vector (samples' PROVENANCE.md).
    #[test]
    fn square_sdk_known_answer() {
        let body = sample("square_webhook_test_notification.body.json");
        let url = "https://webhook.site/679a4f3a-dcfa-49ee-bac5-9d0edad886b9";
        let key = "Ibxx_5AKakO-3qeNVR61Dw";
        let header = "GF4YkrJgGBDZ9NIYbNXBnMzqb2HoL4RW/S6vkZ9/2N4=";
        assert!(square_valid(key, url, body.as_bytes(), header));
        assert_eq!(square_sign(key, url, body.as_bytes()), header);
        assert!(
            !square_valid(key, "https://webhook.site/other", body.as_bytes(), header),
            "the URL is signed too"
        );
        assert!(
            !square_valid(key, url, format!("{body} ").as_bytes(), header),
            "one extra byte breaks it"
        );
        assert!(!square_valid(key, url, body.as_bytes(), "not base64!"));
    }

    #[test]
    fn clover_auth_code_is_any_configured_code_exactly() {
        let codes = vec![
            "0b1f5d7e-3c2a-4e8b-9f60-7a1c2d3e4f50".to_string(),
            "app-two-code".to_string(),
        ];
        assert!(clover_valid(&codes, "0b1f5d7e-3c2a-4e8b-9f60-7a1c2d3e4f50"));
        assert!(
            clover_valid(&codes, " app-two-code\t"),
            "surrounding blanks"
        );
        assert!(!clover_valid(&codes, "0b1f5d7e-3c2a-4e8b-9f60-7a1c2d3e4f5"));
        assert!(!clover_valid(&codes, "APP-TWO-CODE"), "case matters");
        assert!(!clover_valid(&codes, ""));
        assert!(!clover_valid(&[], "app-two-code"));
        assert!(
            !clover_valid(&[String::new()], ""),
            "an empty code never matches"
        );
    }

    #[test]
    fn shopify_round_trip_and_tamper() {
        let sig = shopify_sign("s3cret", b"{\"id\":1}");
        assert!(shopify_valid("s3cret", b"{\"id\":1}", &sig));
        assert!(!shopify_valid("s3cret", b"{\"id\":2}", &sig));
        assert!(!shopify_valid("other", b"{\"id\":1}", &sig));
    }

    /// The value computed apart (Python's hmac, as Toast's Java sample: body, then timestamp).
    #[test]
    fn toast_signs_the_body_followed_by_the_timestamp() {
        let body = br#"{"timestamp":"2024-03-28T15:11:01.050Z","eventType":"order_updated","guid":"534bf25a"}"#;
        let ts = "2024-03-28T15:11:01.050Z";
        let known = "z6qOi8a12z0OMs5kEHdyn6iNf4n9Jj/q/Z1b+qdkgEs=";
        assert_eq!(toast_sign("toast-secret", body, ts), known);
        assert!(toast_valid("toast-secret", body, ts, known));
        assert!(!toast_valid(
            "toast-secret",
            body,
            "2024-03-28T15:11:01.051Z",
            known
        ));
        assert!(!toast_valid("other", body, ts, known));
        assert!(!toast_valid("toast-secret", &body[1..], ts, known));
    }
}
