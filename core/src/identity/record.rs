//! Records as the model sees them, and the comparison vector ("gamma") of a pair packed into one
//! integer so that EM can count identical patterns instead of iterating over every pair.

use super::compare::Comparison;

/// One customer record: the source it came from (sources matter for link-only runs and
/// one-record-per-source clusters) and its normalized field values, in model field order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub source: u32,
    pub values: Vec<Option<String>>,
}

/// Most fields a model may have: 4 bits per field in a `u64`.
pub const MAX_FIELDS: usize = 16;
/// Most levels a comparison may have (the 16th nibble value marks "missing").
pub const MAX_LEVELS: usize = 15;

/// Per-field comparison levels of one pair; `None` where either value is missing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Gamma(pub u64);

const MISSING: u64 = 0xF;

impl Gamma {
    pub fn all_missing() -> Gamma {
        Gamma(u64::MAX)
    }

    pub fn get(self, field: usize) -> Option<u8> {
        let v = (self.0 >> (4 * field)) & 0xF;
        (v != MISSING).then_some(v as u8)
    }

    pub fn with(self, field: usize, level: Option<u8>) -> Gamma {
        let v = level.map(u64::from).unwrap_or(MISSING);
        Gamma((self.0 & !(0xF << (4 * field))) | (v << (4 * field)))
    }

    /// The same pattern with `fields` hidden (used to leave a blocking rule's own fields out of EM).
    pub fn masked(self, fields: &[usize]) -> Gamma {
        fields.iter().fold(self, |g, f| g.with(*f, None))
    }
}

/// Compares two records field by field. `swappable` lists field pairs that people fill in the
/// wrong way round (given and family name on a form): such a pair is compared crosswise instead
/// when both crosswise comparisons agree at some level (one shared token such as "James" as one
/// person's given and another's family name is not a swap) and that is at least as good on both
/// fields and better on one.
///
/// Crosswise, a's first field meets b's second and a's second meets b's first, but which of those
/// two value pairs is scored as the first field depends on which record is `a`. Both assignments
/// are tried and the better acceptable one kept (fewer levels in total, then the better first
/// field), so the result is the same whichever record comes first.
pub fn gamma(
    comparisons: &[&Comparison],
    swappable: &[(usize, usize)],
    a: &Record,
    b: &Record,
) -> Gamma {
    let mut g = Gamma::all_missing();
    for (f, cmp) in comparisons.iter().enumerate() {
        if let (Some(x), Some(y)) = (&a.values[f], &b.values[f]) {
            g = g.with(f, Some(cmp.level(x, y)));
        }
    }
    for &(f, h) in swappable {
        if (g.get(f), g.get(h)) == (Some(0), Some(0)) {
            continue; // nothing agrees better than exactly
        }
        let (sf, sh) = (g.get(f).unwrap_or(u8::MAX), g.get(h).unwrap_or(u8::MAX));
        let agree = |f: usize, l: u8| usize::from(l) + 1 < comparisons[f].levels();
        let acceptable = |&(lf, lh): &(u8, u8)| {
            agree(f, lf) && agree(h, lh) && lf <= sf && lh <= sh && (lf, lh) != (sf, sh)
        };
        let best = [
            crossed_levels(comparisons, f, h, a, b),
            crossed_levels(comparisons, f, h, b, a),
        ]
        .into_iter()
        .flatten()
        .filter(acceptable)
        .min_by_key(|&(lf, lh)| (u16::from(lf) + u16::from(lh), lf));
        if let Some((lf, lh)) = best {
            g = g.with(f, Some(lf)).with(h, Some(lh));
        }
    }
    g
}

/// Levels of field `f` of `a` against field `h` of `b` (with `f`'s comparison) and of field `h`
/// of `a` against field `f` of `b` (with `h`'s); None unless all four values are present.
fn crossed_levels(
    comparisons: &[&Comparison],
    f: usize,
    h: usize,
    a: &Record,
    b: &Record,
) -> Option<(u8, u8)> {
    let (af, ah) = (a.values[f].as_deref()?, a.values[h].as_deref()?);
    let (bf, bh) = (b.values[f].as_deref()?, b.values[h].as_deref()?);
    Some((comparisons[f].level(af, bh), comparisons[h].level(ah, bf)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gamma_packs_levels_and_missing() {
        let g = Gamma::all_missing().with(0, Some(2)).with(3, Some(0));
        assert_eq!((g.get(0), g.get(1), g.get(3)), (Some(2), None, Some(0)));
        assert_eq!(g.masked(&[0]).get(0), None);
        let ex = Comparison::Exact;
        let a = Record {
            source: 0,
            values: vec![Some("x".into()), None],
        };
        let b = Record {
            source: 1,
            values: vec![Some("y".into()), Some("z".into())],
        };
        let g = gamma(&[&ex, &ex], &[], &a, &b);
        assert_eq!((g.get(0), g.get(1)), (Some(1), None));
    }

    #[test]
    fn swappable_fields_are_compared_crosswise_only_when_that_agrees_better() {
        let jw = Comparison::JaroWinkler {
            thresholds: vec![0.9],
        };
        let r = |g: &str, f: &str| Record {
            source: 0,
            values: vec![Some(g.into()), Some(f.into())],
        };
        let cmps = [&jw, &jw];
        let swapped = gamma(&cmps, &[(0, 1)], &r("kyra", "wilde"), &r("wilde", "kyra"));
        assert_eq!((swapped.get(0), swapped.get(1)), (Some(0), Some(0)));
        let plain = gamma(&cmps, &[], &r("kyra", "wilde"), &r("wilde", "kyra"));
        assert_eq!((plain.get(0), plain.get(1)), (Some(2), Some(2)));
        // Same family name, other given name: crosswise would be worse on both, so it stays.
        let sibling = gamma(&cmps, &[(0, 1)], &r("anna", "wilde"), &r("kyra", "wilde"));
        assert_eq!((sibling.get(0), sibling.get(1)), (Some(2), Some(0)));
        // A given name that equals the other's family name alone does not make a swap.
        let half = gamma(&cmps, &[(0, 1)], &r("james", "wilde"), &r("kyra", "james"));
        assert_eq!((half.get(0), half.get(1)), (Some(2), Some(2)));
    }

    #[test]
    fn crosswise_comparison_does_not_depend_on_record_order() {
        let jw = Comparison::JaroWinkler {
            thresholds: vec![0.92, 0.8],
        };
        let r = |g: &str, f: &str| Record {
            source: 0,
            values: vec![Some(g.into()), Some(f.into())],
        };
        let cmps = [&jw, &jw];
        // Swapped with a typo on one side: "jane"/"jnae" one level down, "doe"/"doe" exact. Which
        // of the two crosswise value pairs lands in the given-name slot must not depend on which
        // record comes first.
        for (a, b) in [
            (r("jane", "doe"), r("doe", "jnae")),
            (r("jane", "doe"), r("dooe", "jane")),
            (r("kyra", "wilde"), r("wilde", "kyra")),
            (r("anna", "wilde"), r("kyra", "wilde")),
        ] {
            let (ab, ba) = (
                gamma(&cmps, &[(0, 1)], &a, &b),
                gamma(&cmps, &[(0, 1)], &b, &a),
            );
            assert_eq!(ab, ba, "{a:?} / {b:?}");
        }
        // The typo case is recognised as a swap at all (both crosswise levels agree).
        let g = gamma(&cmps, &[(0, 1)], &r("jane", "doe"), &r("doe", "jnae"));
        assert_eq!(g.get(0).max(g.get(1)), Some(1));
        assert_eq!(g.get(0).min(g.get(1)), Some(0));
        // Fields with different comparisons: still the same gamma both ways.
        let ex = Comparison::Exact;
        let mixed = [&jw, &ex];
        for (a, b) in [
            (r("jane", "doe"), r("doe", "jnae")),
            (r("jnae", "doe"), r("doe", "jane")),
        ] {
            assert_eq!(
                gamma(&mixed, &[(0, 1)], &a, &b),
                gamma(&mixed, &[(0, 1)], &b, &a),
                "{a:?} / {b:?}"
            );
        }
    }
}
