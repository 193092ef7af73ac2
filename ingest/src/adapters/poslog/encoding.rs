//! The text of a POSLog body received as bytes. POS back offices still write Latin-1,
//! Windows-1252 or ISO-8859-15 files (with the matching XML declaration), and some Windows tools
//! write UTF-16. The encoding is decided as XML 1.0 (appendix F) says: a byte-order mark, else
//! the shape of `<?xml` in UTF-16, else UTF-8 when the bytes are UTF-8, else the declaration's
//! `encoding`. Decoding is `encoding_rs` (the WHATWG encodings and labels); a label it does not
//! know, or bytes invalid in the declared encoding, is an error naming the encoding.

use super::PayloadError;
use encoding_rs::{Encoding, UTF_16BE, UTF_16LE};
use std::borrow::Cow;

pub fn decode(bytes: &[u8]) -> Result<Cow<'_, str>, PayloadError> {
    let (encoding, body) = match Encoding::for_bom(bytes) {
        Some((e, bom)) => (e, &bytes[bom..]),
        None if bytes.starts_with(b"<\0?\0") => (UTF_16LE, bytes),
        None if bytes.starts_with(b"\0<\0?") => (UTF_16BE, bytes),
        None => match std::str::from_utf8(bytes) {
            Ok(s) => return Ok(Cow::Borrowed(s)),
            Err(e) => (declared(bytes, e)?, bytes),
        },
    };
    let (text, bad) = encoding.decode_without_bom_handling(body);
    if bad {
        return Err(error(format!(
            "the body is not valid {} (the encoding its {} names)",
            encoding.name(),
            if body.len() == bytes.len() {
                "declaration"
            } else {
                "byte-order mark"
            }
        )));
    }
    Ok(text)
}

/// The encoding the XML declaration names, for a body that is not UTF-8.
fn declared(bytes: &[u8], utf8: std::str::Utf8Error) -> Result<&'static Encoding, PayloadError> {
    let Some(label) = declared_label(bytes) else {
        return Err(error(format!(
            "the body is not UTF-8 ({utf8}) and its XML declaration names no encoding"
        )));
    };
    Encoding::for_label(label.as_bytes()).ok_or_else(|| {
        error(format!(
            "the body declares encoding=\"{label}\", which is not an encoding we can read"
        ))
    })
}

/// The `encoding` pseudo-attribute of an XML declaration, read as ASCII.
fn declared_label(bytes: &[u8]) -> Option<String> {
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(200)]);
    let decl = head.strip_prefix("<?xml")?.split("?>").next()?;
    let rest = decl
        .split("encoding")
        .nth(1)?
        .trim_start()
        .strip_prefix('=')?;
    let rest = rest.trim_start();
    let quote = rest.chars().next().filter(|q| *q == '"' || *q == '\'')?;
    rest[1..].split(quote).next().map(str::to_string)
}

fn error(message: String) -> PayloadError {
    PayloadError::new(Some("encoding"), message)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn declared_as(enc: &str, body: &[u8]) -> Vec<u8> {
        let mut b = format!("<?xml version=\"1.0\" encoding=\"{enc}\"?><D>").into_bytes();
        b.extend_from_slice(body);
        b.extend_from_slice(b"</D>");
        b
    }

    #[test]
    fn declared_single_byte_encodings_and_utf16_by_bom_or_shape() {
        let cases: [(Vec<u8>, &str); 4] = [
            (declared_as("ISO-8859-1", b"K\xe4se"), "K\u{e4}se"),
            (declared_as("windows-1252", b"\x80 5"), "\u{20ac} 5"),
            (declared_as("ISO-8859-15", b"\xa4 \xbc"), "\u{20ac} \u{152}"),
            (declared_as("Shift_JIS", b"\x82\xa0"), "\u{3042}"),
        ];
        for (bytes, want) in cases {
            let text = decode(&bytes).unwrap();
            assert!(text.contains(&format!("<D>{want}</D>")), "{text}");
        }
        let xml = "<?xml version=\"1.0\" encoding=\"UTF-16\"?><D>Stra\u{df}e</D>";
        let le: Vec<u8> = xml.encode_utf16().flat_map(u16::to_le_bytes).collect();
        let be: Vec<u8> = xml.encode_utf16().flat_map(u16::to_be_bytes).collect();
        let bom_le: Vec<u8> = [0xFF, 0xFE].into_iter().chain(le.iter().copied()).collect();
        for bytes in [le, be, bom_le] {
            assert_eq!(decode(&bytes).unwrap(), xml);
        }
    }

    #[test]
    fn utf8_is_borrowed_with_or_without_bom() {
        assert!(matches!(
            decode(b"<D>\xc3\xa4</D>").unwrap(),
            Cow::Borrowed("<D>\u{e4}</D>")
        ));
        assert_eq!(decode(b"\xef\xbb\xbf<D/>").unwrap(), "<D/>");
    }

    #[test]
    fn unknown_labels_missing_declarations_and_bad_bytes_name_the_encoding() {
        let unknown = decode(&declared_as("EBCDIC-FOO", b"\xc1")).unwrap_err();
        assert!(
            unknown.message.contains("EBCDIC-FOO"),
            "{}",
            unknown.message
        );
        assert_eq!(unknown.field.as_deref(), Some("encoding"));
        let undeclared = decode(b"<D>\xe4</D>").unwrap_err();
        assert!(
            undeclared.message.contains("names no encoding"),
            "{}",
            undeclared.message
        );
        let bad_bom = decode(b"\xef\xbb\xbf<D>\xe4</D>").unwrap_err();
        assert!(bad_bom.message.contains("UTF-8"), "{}", bad_bom.message);
        let odd_utf16 = decode(b"\xff\xfe<\0D").unwrap_err();
        assert!(
            odd_utf16.message.contains("UTF-16LE"),
            "{}",
            odd_utf16.message
        );
    }
}
