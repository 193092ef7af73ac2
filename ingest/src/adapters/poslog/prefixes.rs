//! Namespace prefixes a document uses but never declares (`<x:Sale>`, `dtv:Attr="…"` with no
//! `xmlns:x` in scope). Hand-made or truncated exports and middleware that strips the root's
//! declarations produce them; a namespace-aware parser refuses such a document, yet the adapter
//! matches elements and attributes by local name only, so the namespace is never needed.
//! The parse then runs on a copy whose root declares each missing prefix (under a placeholder
//! URI); [`Shift`] maps positions back so the raw payloads kept are the body as received.

use roxmltree::{Document, Error};

/// Upper bound on the prefixes declared; a document with more is refused as it was.
const MAX_PREFIXES: usize = 64;

/// Where the declarations were inserted and how long they are, to map positions of the
/// parsed copy back to the body.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Shift {
    at: usize,
    len: usize,
}

impl Shift {
    /// The body's range of a node's range in the parsed copy. Node boundaries are never inside
    /// the inserted text (it sits within the root's start tag, after its name).
    pub(super) fn original(self, r: std::ops::Range<usize>) -> std::ops::Range<usize> {
        let back = |x: usize| if x > self.at { x - self.len } else { x };
        back(r.start)..back(r.end)
    }
}

/// The body with every undeclared prefix declared on its root, or the parse error that remains
/// (a document broken otherwise, or a prefix still unknown after being declared).
pub(super) fn declare_missing(body: &str) -> Result<(String, Shift), Error> {
    let mut prefixes: Vec<String> = Vec::new();
    loop {
        let (text, shift) = with_declarations(body, &prefixes);
        match Document::parse(&text) {
            Ok(_) => return Ok((text, shift)),
            Err(Error::UnknownNamespace(p, _))
                if !prefixes.contains(&p) && prefixes.len() < MAX_PREFIXES && shift.at > 0 =>
            {
                prefixes.push(p)
            }
            Err(e) => return Err(e),
        }
    }
}

fn with_declarations(body: &str, prefixes: &[String]) -> (String, Shift) {
    let at = root_name_end(body).unwrap_or(0);
    let decls: String = prefixes
        .iter()
        .map(|p| format!(" xmlns:{p}=\"urn:pos-analytics:undeclared:{p}\""))
        .collect();
    let mut text = String::with_capacity(body.len() + decls.len());
    text.push_str(&body[..at]);
    text.push_str(&decls);
    text.push_str(&body[at..]);
    (
        text,
        Shift {
            at,
            len: decls.len(),
        },
    )
}

/// The byte position just after the root element's name (`<x:POSLog` ↑), skipping the XML
/// declaration, processing instructions, comments and a DOCTYPE (with its internal subset).
fn root_name_end(body: &str) -> Option<usize> {
    let mut i = 0;
    loop {
        i += body[i..].find('<')?;
        let rest = &body[i..];
        if rest.starts_with("<?") {
            i += rest.find("?>")? + 2;
        } else if rest.starts_with("<!--") {
            i += rest.find("-->")? + 3;
        } else if rest.starts_with("<!") {
            let subset = rest
                .find('[')
                .filter(|b| rest.find('>').is_some_and(|g| *b < g));
            let from = match subset {
                Some(_) => rest.find(']')?,
                None => 0,
            };
            i += from + rest[from..].find('>')? + 1;
        } else {
            let name = rest[1..].find(|c: char| c.is_whitespace() || c == '/' || c == '>')?;
            return Some(i + 1 + name);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_root_name_is_found_past_declaration_comments_and_doctype() {
        let body = "<?xml version=\"1.0\"?><!-- <a> --><!DOCTYPE p [<!ENTITY e \"x\">]>\n<x:POSLog a=\"1\"/>";
        let at = root_name_end(body).unwrap();
        assert_eq!(&body[at - 9..at], "<x:POSLog");
        assert_eq!(root_name_end("<Transaction>"), Some(12));
    }

    #[test]
    fn positions_map_back_to_the_body() {
        let body = "<x:A><x:B y:c=\"1\">t</x:B></x:A>";
        let (text, shift) = declare_missing(body).unwrap();
        let doc = Document::parse(&text).unwrap();
        for n in doc.descendants().filter(|n| n.is_element()) {
            let r = shift.original(n.range());
            assert_eq!(
                &body[r.clone()],
                &text[n.range()].replace(&text[4..4 + shift.len], "")
            );
        }
        let b = doc
            .descendants()
            .find(|n| n.tag_name().name() == "B")
            .unwrap();
        assert_eq!(&body[shift.original(b.range())], "<x:B y:c=\"1\">t</x:B>");
        assert_eq!(
            b.attribute(("urn:pos-analytics:undeclared:y", "c")),
            Some("1")
        );
    }

    #[test]
    fn other_errors_stay_errors() {
        assert!(matches!(
            declare_missing("<x:A><B></x:A>"),
            Err(Error::UnexpectedCloseTag(..))
        ));
    }
}
