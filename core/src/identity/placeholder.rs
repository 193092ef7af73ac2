//! Values a till or a form writes when it has no real one: "Walk-in Customer", "Guest",
//! `none@none.com`, `noemail@…`, a date of birth of 1900-01-01. They are valid-looking, so they
//! normalize, but every record carrying one agrees with every other on it: scored as evidence,
//! two walk-in customers with different phones came out the same person (probability 0.99997),
//! and a store's walk-in records chained into one identity. For matching they are missing.

/// Whole names (normalized tokens joined by a space) that name no person.
const NAMES: [&str; 30] = [
    "walk in",
    "walkin",
    "walk in customer",
    "walkin customer",
    "walk in client",
    "guest",
    "guest customer",
    "guest user",
    "customer",
    "cash customer",
    "cash sale",
    "cash",
    "counter sale",
    "store customer",
    "in store customer",
    "pos customer",
    "retail customer",
    "default customer",
    "unknown",
    "unknown customer",
    "n a",
    "na",
    "none",
    "no name",
    "noname",
    "anonymous",
    "anonymous customer",
    "test",
    "test customer",
    "not provided",
];

/// Local parts of an e-mail address that say "no address".
const EMAIL_LOCALS: [&str; 18] = [
    "none",
    "noemail",
    "no-email",
    "no_email",
    "no.email",
    "nomail",
    "no-mail",
    "noreply",
    "no-reply",
    "donotreply",
    "do-not-reply",
    "na",
    "n.a",
    "null",
    "unknown",
    "declined",
    "refused",
    "noaddress",
];

/// Domains that exist only to fill an e-mail field.
const EMAIL_DOMAINS: [&str; 7] = [
    "none.com",
    "noemail.com",
    "no-email.com",
    "nomail.com",
    "noemail.net",
    "unknown.com",
    "na.com",
];

/// Dates of birth that forms default to (nobody alive was born on them).
const DOBS: [&str; 2] = ["1900-01-01", "1901-01-01"];

/// Whether normalized name tokens are a placeholder rather than a person's name.
pub fn is_placeholder_name(tokens: &[String]) -> bool {
    NAMES.contains(&tokens.join(" ").as_str())
}

/// Whether a normalized e-mail address is a placeholder (`none@none.com`, `noemail@gmail.com`).
pub fn is_placeholder_email(email: &str) -> bool {
    let (local, domain) = email.rsplit_once('@').unwrap_or((email, ""));
    EMAIL_LOCALS.contains(&local) || EMAIL_DOMAINS.contains(&domain)
}

/// Whether a normalized (ISO) date of birth is a form's default.
pub fn is_placeholder_dob(iso: &str) -> bool {
    DOBS.contains(&iso)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(s: &str) -> Vec<String> {
        s.split(' ').map(str::to_string).collect()
    }

    #[test]
    fn placeholders_are_told_from_people() {
        for n in [
            "walk in customer",
            "guest",
            "n a",
            "cash customer",
            "unknown",
        ] {
            assert!(is_placeholder_name(&toks(n)), "{n}");
        }
        for n in ["jane doe", "guest smith", "walker", "cash", "na"] {
            let want = matches!(n, "cash" | "na");
            assert_eq!(is_placeholder_name(&toks(n)), want, "{n}");
        }
        for e in [
            "none@none.com",
            "noemail@gmail.com",
            "jane@noemail.com",
            "na@x.org",
        ] {
            assert!(is_placeholder_email(e), "{e}");
        }
        for e in [
            "jane@example.com",
            "none.smith@gmail.com",
            "nona@none.co.uk",
        ] {
            assert!(!is_placeholder_email(e), "{e}");
        }
        assert!(is_placeholder_dob("1900-01-01"));
        assert!(!is_placeholder_dob("1980-04-03"));
    }
}
