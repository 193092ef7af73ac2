//! The key qualifiers of a GS1 Digital Link URI path: after the primary key
//! (`/01/{gtin}`) the path holds only that key's qualifiers, each at most once and in the
//! order the standard gives them (GS1 Digital Link URI syntax 1.2 and later; the `dlpkey`
//! entries of the GS1 Barcode Syntax Dictionary): `/01/{gtin}/22/{cpv}/10/{lot}/21/{serial}`,
//! any of them left out. A URI that breaks the order is no GS1 Digital Link; and the qualifiers
//! are what tells one lot or one serialised piece from another, so a path read in any order
//! would let two writings of one item differ, or a data attribute (an expiry, `/17/`) pass as
//! part of the identity. Data attributes belong in the query string, which is not checked here.

use super::error::SkuError;

/// The qualifier slots of a primary key, in their order; a slot of two AIs takes either, not
/// both (`21|235`: a GTIN's serial is GS1's or a third party's TPX). Keys not listed take
/// none. From the GS1 Barcode Syntax Dictionary (release 2025): 01 `22,10,21|235`, 8006
/// `22,10,21`, 414 `254|7040`, 415 `8020`, 417 and 8004 `7040`, 8010 `8011`, 8017 and 8018
/// `8019`.
fn slots(key: &str) -> &'static [&'static [&'static str]] {
    match key {
        "01" => &[&["22"], &["10"], &["21", "235"]],
        "8006" => &[&["22"], &["10"], &["21"]],
        "414" => &[&["254", "7040"]],
        "415" => &[&["8020"]],
        "417" | "8004" => &[&["7040"]],
        "8010" => &[&["8011"]],
        "8017" | "8018" => &[&["8019"]],
        _ => &[],
    }
}

/// The order a key's qualifiers take, as messages write it: `22, 10, 21 or 235`.
fn order(key: &str) -> String {
    slots(key)
        .iter()
        .map(|slot| slot.join(" or "))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `Ok` when `path` (the AIs after the primary key `key`, in the order the URI writes them)
/// holds only qualifiers of `key`, each at most once, in the standard's order; else an error
/// naming the AI and the order expected. Qualifiers may be left out (`/01/{gtin}/21/{serial}`).
pub(super) fn check_qualifiers(key: &str, path: &[&str]) -> Result<(), SkuError> {
    let mut last: Option<(usize, &str)> = None;
    for (i, &ai) in path.iter().enumerate() {
        let Some(slot) = slots(key).iter().position(|s| s.contains(&ai)) else {
            return Err(not_a_qualifier(key, ai));
        };
        if path[..i].contains(&ai) {
            return Err(bad(format!(
                "AI ({ai}) twice in the path of a GS1 Digital Link keyed on AI ({key}): each \
                 qualifier comes at most once ({})",
                order(key)
            )));
        }
        match last {
            Some((at, before)) if at == slot => {
                return Err(bad(format!(
                    "AI ({ai}) beside AI ({before}) in the path of a GS1 Digital Link keyed on \
                     AI ({key}): the link takes one of {}",
                    slots(key)[slot].join(" or ")
                )))
            }
            Some((at, before)) if at > slot => {
                return Err(bad(format!(
                    "AI ({ai}) after AI ({before}) in the path of a GS1 Digital Link keyed on \
                     AI ({key}): its qualifiers come in the order {}",
                    order(key)
                )))
            }
            _ => last = Some((slot, ai)),
        }
    }
    Ok(())
}

/// An AI in the path that is no qualifier of the key: a data attribute (an expiry, a weight)
/// goes in the query string.
fn not_a_qualifier(key: &str, ai: &str) -> SkuError {
    let takes = if slots(key).is_empty() {
        "that key takes no qualifiers".to_string()
    } else {
        format!("its path holds that key's qualifiers only ({})", order(key))
    };
    bad(format!(
        "AI ({ai}) in the path of a GS1 Digital Link keyed on AI ({key}) is no qualifier of \
         that key: {takes}; a data attribute goes in the query string (?{ai}=…)"
    ))
}

fn bad(detail: String) -> SkuError {
    SkuError::ElementString { detail }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(key: &str, path: &[&str]) -> Result<(), String> {
        check_qualifiers(key, path).map_err(|e| e.to_string())
    }

    /// Every order the standard allows, qualifiers left out or not.
    #[test]
    fn qualifiers_in_order_are_accepted() {
        for path in [
            &[][..],
            &["22"],
            &["10"],
            &["21"],
            &["235"],
            &["22", "10"],
            &["22", "21"],
            &["10", "21"],
            &["10", "235"],
            &["22", "10", "21"],
            &["22", "10", "235"],
        ] {
            assert_eq!(check("01", path), Ok(()), "{path:?}");
        }
        for (key, path) in [
            ("8006", &["22", "10", "21"][..]),
            ("8006", &["10"]),
            ("414", &["254"]),
            ("414", &["7040"]),
            ("415", &["8020"]),
            ("417", &["7040"]),
            ("8004", &["7040"]),
            ("8010", &["8011"]),
            ("8017", &["8019"]),
            ("8018", &["8019"]),
            ("00", &[]),
        ] {
            assert_eq!(check(key, path), Ok(()), "{key} {path:?}");
        }
    }

    #[test]
    fn a_qualifier_out_of_order_is_refused_naming_the_order() {
        for (key, path, ai, before) in [
            ("01", &["21", "10"][..], "10", "21"),
            ("01", &["10", "22"], "22", "10"),
            ("01", &["22", "235", "10"], "10", "235"),
            ("8006", &["21", "22"], "22", "21"),
        ] {
            let e = check(key, path).unwrap_err();
            assert!(
                e.contains(&format!("AI ({ai}) after AI ({before})")),
                "{key} {path:?}: {e}"
            );
            assert!(e.contains("in the order 22, 10, 21"), "{e}");
        }
    }

    #[test]
    fn a_qualifier_given_twice_is_refused() {
        for (key, path, ai) in [
            ("01", &["10", "10"][..], "10"),
            ("01", &["22", "10", "22"], "22"),
            ("8010", &["8011", "8011"], "8011"),
        ] {
            let e = check(key, path).unwrap_err();
            assert!(e.contains(&format!("AI ({ai}) twice")), "{path:?}: {e}");
            assert!(e.contains("at most once"), "{e}");
        }
    }

    /// `21|235` and `254|7040` are one slot: a serial is GS1's or a third party's, not both.
    #[test]
    fn alternatives_of_one_slot_are_not_both_taken() {
        let e = check("01", &["21", "235"]).unwrap_err();
        assert!(e.contains("one of 21 or 235"), "{e}");
        let e = check("414", &["7040", "254"]).unwrap_err();
        assert!(e.contains("one of 254 or 7040"), "{e}");
    }

    /// A data attribute or another key's qualifier in the path is refused: the message points
    /// to the query string.
    #[test]
    fn an_ai_that_is_no_qualifier_of_the_key_is_refused() {
        for (key, path, ai) in [
            ("01", &["17"][..], "17"),
            ("01", &["10", "3103"], "3103"),
            ("01", &["254"], "254"),
            ("8006", &["235"], "235"),
            ("414", &["10"], "10"),
            ("8010", &["21"], "21"),
        ] {
            let e = check(key, path).unwrap_err();
            assert!(
                e.contains(&format!("AI ({ai}) in the path")) && e.contains("no qualifier"),
                "{key} {path:?}: {e}"
            );
            assert!(e.contains(&format!("?{ai}=")), "{e}");
        }
        let e = check("00", &["10"]).unwrap_err();
        assert!(e.contains("that key takes no qualifiers"), "{e}");
        let e = check("01", &["17"]).unwrap_err();
        assert!(e.contains("(22, 10, 21 or 235)"), "{e}");
    }
}
