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

/// Compares two records field by field.
pub fn gamma(comparisons: &[&Comparison], a: &Record, b: &Record) -> Gamma {
    let mut g = Gamma::all_missing();
    for (f, cmp) in comparisons.iter().enumerate() {
        if let (Some(x), Some(y)) = (&a.values[f], &b.values[f]) {
            g = g.with(f, Some(cmp.level(x, y)));
        }
    }
    g
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
        let g = gamma(&[&ex, &ex], &a, &b);
        assert_eq!((g.get(0), g.get(1)), (Some(1), None));
    }
}
