//! Email normalization. Sources differ in case, stray whitespace, `mailto:` prefixes and, for the
//! big providers, in the dots and `+tags` a person adds to the same mailbox; all of these must map
//! to one string or the strongest identifier we have stops agreeing with itself.

use super::error::{IdentityError, Result};

/// How far provider-specific rules go. Configurable because a tenant may treat `+tag` addresses as
/// distinct (e.g. a B2B shop where tags route to different buyers).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EmailRules {
    /// Drop `+tag` suffixes: only for providers that deliver them to the same mailbox, or for all.
    pub plus_tags: PlusTags,
    /// Drop dots in the local part for Gmail, which ignores them, and fold googlemail.com into gmail.com.
    pub gmail_dots: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlusTags {
    Keep,
    KnownProviders,
    All,
}

impl Default for EmailRules {
    fn default() -> Self {
        EmailRules {
            plus_tags: PlusTags::KnownProviders,
            gmail_dots: true,
        }
    }
}

/// Providers documented to deliver `local+anything@` to `local@`.
const PLUS_PROVIDERS: &[&str] = &[
    "gmail.com",
    "googlemail.com",
    "outlook.com",
    "hotmail.com",
    "live.com",
    "msn.com",
    "icloud.com",
    "me.com",
    "mac.com",
    "fastmail.com",
    "fastmail.fm",
    "protonmail.com",
    "proton.me",
    "pm.me",
    "gmx.de",
    "gmx.net",
    "web.de",
    "yandex.ru",
    "zoho.com",
];

/// Normalizes one address: trims, strips `mailto:` (any case), angle brackets and a display name
/// before them, drops quotes around a local part that needs none, lower-cases, validates the
/// shape and applies the provider rules.
pub fn normalize_email(raw: &str, rules: &EmailRules) -> Result<String> {
    let cleaned = unquote_local(strip_wrapping(raw.trim())).to_lowercase();
    let (local, domain) = split_address(&cleaned, raw)?;
    let domain = domain.trim_end_matches('.');
    check_domain(domain, raw)?;
    let is_gmail = domain == "gmail.com" || domain == "googlemail.com";
    let strip_tag = match rules.plus_tags {
        PlusTags::Keep => false,
        PlusTags::KnownProviders => PLUS_PROVIDERS.contains(&domain),
        PlusTags::All => true,
    };
    let mut local = local.to_string();
    if strip_tag {
        if let Some(pos) = local.find('+') {
            local.truncate(pos);
        }
    }
    let mut domain = domain.to_string();
    if is_gmail && rules.gmail_dots {
        local.retain(|c| c != '.');
        domain = "gmail.com".to_string();
    }
    if local.is_empty() {
        return Err(bad(
            raw,
            "the part before '@' is empty once tags and dots are removed",
        ));
    }
    Ok(format!("{local}@{domain}"))
}

fn strip_wrapping(s: &str) -> &str {
    let s = match s.get(..7) {
        Some(scheme) if scheme.eq_ignore_ascii_case("mailto:") => &s[7..],
        _ => without_label(s),
    };
    let s = s.trim();
    // `<jane@example.com>`, also after a display name: `Jane Doe <jane@example.com>`.
    match (s.strip_suffix('>'), s.rfind('<')) {
        (Some(inner), Some(open)) => inner[open + 1..].trim(),
        _ => s,
    }
}

/// `Email: jane@example.com` (CRM exports label the field's value): the address after a label
/// word and its colon. A colon is no part of an unquoted address, so nothing else is cut.
fn without_label(s: &str) -> &str {
    match s.split_once(':') {
        Some((label, rest))
            if ["email", "e-mail", "e mail", "mail", "courriel"]
                .iter()
                .any(|l| label.trim().eq_ignore_ascii_case(l)) =>
        {
            rest.trim_start()
        }
        _ => s,
    }
}

/// `"john.doe"@example.com` is the same mailbox as `john.doe@example.com` (RFC 5321 4.1.2): the
/// quotes are dropped when what they enclose is a valid dot-atom. Quoted content that needs its
/// quotes (spaces, a doubled dot, escapes) is left as it is.
fn unquote_local(s: &str) -> std::borrow::Cow<'_, str> {
    let Some(rest) = s.strip_prefix('"') else {
        return s.into();
    };
    let Some((inner, domain)) = rest.split_once("\"@") else {
        return s.into();
    };
    let atext = |c: char| c.is_alphanumeric() || "!#$%&'*+-/=?^_`{|}~".contains(c) || !c.is_ascii();
    let dot_atom = !inner.is_empty()
        && inner
            .split('.')
            .all(|p| !p.is_empty() && p.chars().all(atext));
    if dot_atom {
        format!("{inner}@{domain}").into()
    } else {
        s.into()
    }
}

fn split_address<'a>(s: &'a str, raw: &str) -> Result<(&'a str, &'a str)> {
    if s.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(bad(raw, "it contains whitespace"));
    }
    let mut parts = s.split('@');
    let (local, domain) = match (parts.next(), parts.next(), parts.next()) {
        (Some(l), Some(d), None) => (l, d),
        _ => return Err(bad(raw, "it must contain exactly one '@'")),
    };
    if local.is_empty() || local.len() > 64 {
        return Err(bad(raw, "the part before '@' must have 1 to 64 characters"));
    }
    if local.starts_with('.') || local.ends_with('.') || local.contains("..") {
        return Err(bad(raw, "the part before '@' has a misplaced dot"));
    }
    Ok((local, domain))
}

fn check_domain(domain: &str, raw: &str) -> Result<()> {
    let labels: Vec<&str> = domain.split('.').collect();
    let label_ok = |l: &&str| {
        !l.is_empty()
            && l.len() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.chars().all(|c| c.is_alphanumeric() || c == '-')
    };
    if labels.len() < 2 || !labels.iter().all(label_ok) {
        return Err(bad(raw, "the domain must look like 'example.com'"));
    }
    Ok(())
}

fn bad(raw: &str, why: &str) -> IdentityError {
    IdentityError::new(
        format!("invalid email address \"{raw}\": {why}"),
        "pass an address like name@example.com, or NULL when the source has none",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> Result<String> {
        normalize_email(s, &EmailRules::default())
    }

    #[test]
    fn trims_lowercases_and_unwraps() {
        assert_eq!(
            n("  <Jane.Doe@Example.COM> ").unwrap(),
            "jane.doe@example.com"
        );
        assert_eq!(n("mailto:jane@example.com").unwrap(), "jane@example.com");
        assert_eq!(n("jane@example.com.").unwrap(), "jane@example.com");
    }

    /// "Email: jane@example.com" was refused as containing whitespace.
    #[test]
    fn a_label_before_the_address_is_dropped() {
        for raw in [
            "Email: jane@example.com",
            "E-mail:jane@example.com",
            "MAIL : jane@example.com",
        ] {
            assert_eq!(n(raw).unwrap(), "jane@example.com", "{raw}");
        }
        assert!(n("Note: jane@example.com").is_err());
    }

    #[test]
    fn mailto_prefix_is_removed_in_any_case() {
        for raw in [
            "MAILTO:jane@example.com",
            "Mailto:jane@example.com",
            "mailTo: <Jane@Example.com>",
        ] {
            assert_eq!(n(raw).unwrap(), "jane@example.com", "{raw}");
        }
    }

    #[test]
    fn quoted_local_part_is_unquoted_when_it_needs_no_quotes() {
        assert_eq!(
            n("\"john.doe\"@example.com").unwrap(),
            "john.doe@example.com"
        );
        assert_eq!(
            n("<\"John.Doe\"@Example.com>").unwrap(),
            "john.doe@example.com"
        );
        assert_eq!(n("\"j.o.h.n+x\"@gmail.com").unwrap(), "john@gmail.com");
        // Content that needs its quotes (a misplaced dot, a space) is not unquoted into
        // something else.
        assert_ne!(
            n("\"john..doe\"@example.com").ok().as_deref(),
            Some("john..doe@example.com")
        );
        assert!(n("\"john doe\"@example.com").is_err());
    }

    #[test]
    fn display_name_form_keeps_the_address() {
        for raw in [
            "Jane Doe <Jane@Example.com>",
            "\"Doe, Jane\" <jane@example.com>",
            "mailto:Jane <jane@example.com>",
        ] {
            assert_eq!(n(raw).unwrap(), "jane@example.com", "{raw}");
        }
    }

    #[test]
    fn gmail_dots_and_tags_fold_to_one_mailbox() {
        assert_eq!(n("J.A.N.E+promo@googlemail.com").unwrap(), "jane@gmail.com");
        assert_eq!(n("jane+x@outlook.com").unwrap(), "jane@outlook.com");
    }

    #[test]
    fn other_providers_keep_dots_and_tags_by_default() {
        assert_eq!(
            n("jane.doe+shop@example.com").unwrap(),
            "jane.doe+shop@example.com"
        );
        let all = EmailRules {
            plus_tags: PlusTags::All,
            gmail_dots: true,
        };
        assert_eq!(
            normalize_email("jane.doe+shop@example.com", &all).unwrap(),
            "jane.doe@example.com"
        );
        let keep = EmailRules {
            plus_tags: PlusTags::Keep,
            gmail_dots: false,
        };
        assert_eq!(
            normalize_email("j.d+x@gmail.com", &keep).unwrap(),
            "j.d+x@gmail.com"
        );
    }

    #[test]
    fn bad_input_is_rejected_with_reason() {
        for (raw, why) in [
            ("", "exactly one '@'"),
            ("jane", "exactly one '@'"),
            ("a@b@c.com", "exactly one '@'"),
            ("jane doe@example.com", "whitespace"),
            ("@example.com", "1 to 64"),
            ("jane@localhost", "domain"),
            ("jane@-bad.com", "domain"),
            ("jane..doe@example.com", "misplaced dot"),
            ("+tag@gmail.com", "empty once tags"),
        ] {
            let e = n(raw).unwrap_err();
            assert!(e.message.contains(why), "{raw}: {}", e.message);
            assert!(!e.hint.is_empty());
        }
    }
}
