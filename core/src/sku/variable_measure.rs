//! Variable-measure (random-weight) barcodes: in-store labels in the GS1 restricted-circulation
//! ranges `02` (UPC-A starting with 2) and `20`–`29` (EAN-13) that carry a price or a weight.
//!
//! Layouts differ by country and retailer, so a [`Scheme`] maps prefixes to layouts per tenant.
//! A layout is 13 letters over the EAN-13 form of the code (the GTIN-14 without its leading 0):
//! `P` prefix, `I` item reference, `V` value, `C` value check digit, `K` GS1 check digit.
//! The item key is the code with `V` and `C` zeroed and `K` recomputed, so every label of one
//! item maps to one GTIN-14; the value comes back separately.

use rust_decimal::Decimal;
use serde_json::Value;

use super::gtin::Gtin14;

/// What the value field holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Measure {
    Price,
    Weight,
}

impl Measure {
    pub fn as_str(self) -> &'static str {
        match self {
            Measure::Price => "price",
            Measure::Weight => "weight",
        }
    }
}

/// One prefix's layout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    pub prefix: String,
    pub layout: String,
    pub measure: Measure,
    pub decimals: u32,
}

/// Prefix → layout rules; the longest matching prefix wins.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scheme {
    rules: Vec<Rule>,
}

/// A decoded variable-measure label.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VariableMeasure {
    /// The item's key: the code with value (and value check) digits zeroed.
    pub item_key: Gtin14,
    pub measure: Measure,
    pub value: Decimal,
    pub prefix: String,
    /// `(found, expected)` when the layout's value check digit `C` does not match the value
    /// (GS1 price or weight field check digit, 4- or 5-digit values): the value is then not
    /// to be trusted. `None` when it matches or the layout has no verifiable one.
    pub value_check_mismatch: Option<(u8, u8)>,
}

impl Default for Scheme {
    fn default() -> Self {
        Scheme::gs1_default()
    }
}

impl Scheme {
    /// The default when a tenant has none: GS1 US `02` = 5-digit item, price check digit, price
    /// in cents (4 digits); `2x` EAN-13 = 5-digit item, price in cents (5 digits).
    pub fn gs1_default() -> Scheme {
        let rule = |prefix: &str, layout: &str| Rule {
            prefix: prefix.into(),
            layout: layout.into(),
            measure: Measure::Price,
            decimals: 2,
        };
        Scheme {
            rules: vec![rule("02", "PPIIIIICVVVVK"), rule("2", "PPIIIIIVVVVVK")],
        }
    }

    /// No variable-measure ranges at all (every 02/2x code is then a plain GTIN).
    pub fn none() -> Scheme {
        Scheme { rules: Vec::new() }
    }

    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// From JSON like `{"02": {"layout": "PPIIIIICVVVVK", "measure": "price", "decimals": 2}}`.
    /// `decimals` defaults to 2 for price and 3 for weight.
    pub fn from_json(text: &str) -> Result<Scheme, String> {
        let value: Value =
            serde_json::from_str(text).map_err(|e| format!("scheme is not JSON: {e}"))?;
        Scheme::from_value(&value)
    }

    pub fn from_value(value: &Value) -> Result<Scheme, String> {
        let map = value
            .as_object()
            .ok_or("scheme must be a JSON object: prefix -> layout")?;
        let mut rules = map
            .iter()
            .map(|(prefix, spec)| parse_rule(prefix, spec))
            .collect::<Result<Vec<_>, _>>()?;
        rules.sort_by(|a, b| {
            b.prefix
                .len()
                .cmp(&a.prefix.len())
                .then(a.prefix.cmp(&b.prefix))
        });
        Ok(Scheme { rules })
    }

    /// Decode `gtin` if a rule's prefix matches its EAN-13 form.
    pub fn decode(&self, gtin: &Gtin14) -> Option<VariableMeasure> {
        let thirteen = gtin.as_str().strip_prefix('0')?;
        let rule = self
            .rules
            .iter()
            .find(|r| thirteen.starts_with(&r.prefix))?;
        Some(rule.decode(thirteen))
    }
}

impl Rule {
    fn decode(&self, thirteen: &str) -> VariableMeasure {
        let mut data = [0u8; 12];
        let mut value_digits = Vec::with_capacity(6);
        let mut check = None;
        for ((slot, role), d) in data
            .iter_mut()
            .zip(self.layout.bytes())
            .zip(thirteen.bytes())
        {
            let d = d - b'0';
            match role {
                b'V' => value_digits.push(d),
                b'C' => check = Some(d),
                _ => *slot = d,
            }
        }
        let value = value_digits
            .iter()
            .fold(0i64, |acc, &d| acc * 10 + i64::from(d));
        let expected = check.and_then(|_| value_check_digit(&value_digits));
        VariableMeasure {
            item_key: Gtin14::with_computed_check(&data),
            measure: self.measure,
            value: Decimal::new(value, self.decimals),
            prefix: self.prefix.clone(),
            value_check_mismatch: check.zip(expected).filter(|(found, want)| found != want),
        }
    }
}

/// The check digit of a 4- or 5-digit price or weight field (GS1 General Specifications
/// 7.9.2 to 7.9.4: each digit through its weighting table, 2-, 2-, 3, 5- for four digits and
/// 5+, 2-, 5-, 5+, 2- for five); `None` for other lengths, which have none.
pub fn value_check_digit(value: &[u8]) -> Option<u8> {
    const TWO_MINUS: [u8; 10] = [0, 2, 4, 6, 8, 9, 1, 3, 5, 7];
    const THREE: [u8; 10] = [0, 3, 6, 9, 2, 5, 8, 1, 4, 7];
    const FIVE_PLUS: [u8; 10] = [0, 5, 1, 6, 2, 7, 3, 8, 4, 9];
    const FIVE_MINUS: [u8; 10] = [0, 5, 9, 4, 8, 3, 7, 2, 6, 1];
    let weighted = |tables: &[[u8; 10]]| -> u32 {
        value
            .iter()
            .zip(tables)
            .map(|(&d, t)| u32::from(t[usize::from(d)]))
            .sum()
    };
    match value.len() {
        4 => Some((weighted(&[TWO_MINUS, TWO_MINUS, THREE, FIVE_MINUS]) * 3 % 10) as u8),
        5 => {
            let sum = weighted(&[FIVE_PLUS, TWO_MINUS, FIVE_MINUS, FIVE_PLUS, TWO_MINUS]);
            let target = ((10 - sum % 10) % 10) as u8;
            // The check digit is the one whose 5- product is that remainder.
            FIVE_MINUS
                .iter()
                .position(|&p| p == target)
                .map(|d| d as u8)
        }
        _ => None,
    }
}

fn parse_rule(prefix: &str, spec: &Value) -> Result<Rule, String> {
    let ok_prefix = !prefix.is_empty()
        && prefix.len() <= 3
        && prefix.bytes().all(|b| b.is_ascii_digit())
        && (prefix.starts_with('2') || prefix.starts_with("02"));
    if !ok_prefix {
        return Err(format!(
            "prefix {prefix:?}: variable-measure prefixes are 1-3 digits in the GS1 ranges 02 and 20-29 (EAN-13 form)"
        ));
    }
    let field = |name: &str| spec.get(name).and_then(Value::as_str);
    let layout = field("layout").ok_or(format!("prefix {prefix}: missing \"layout\""))?;
    check_layout(prefix, layout)?;
    let measure = match field("measure") {
        Some("price") => Measure::Price,
        Some("weight") => Measure::Weight,
        other => {
            return Err(format!(
                "prefix {prefix}: \"measure\" must be \"price\" or \"weight\", got {other:?}"
            ))
        }
    };
    let default_decimals = if measure == Measure::Price { 2 } else { 3 };
    let decimals = match spec.get("decimals") {
        None => default_decimals,
        Some(v) => {
            v.as_u64()
                .filter(|d| *d <= 4)
                .ok_or(format!("prefix {prefix}: \"decimals\" must be 0 to 4"))? as u32
        }
    };
    Ok(Rule {
        prefix: prefix.into(),
        layout: layout.into(),
        measure,
        decimals,
    })
}

/// 13 letters, `P`s first (at least the prefix's length), one or more `I`, 1–6 contiguous `V`,
/// at most one `C`, and `K` last.
fn check_layout(prefix: &str, layout: &str) -> Result<(), String> {
    let err = |why: &str| Err(format!("prefix {prefix}: layout {layout:?} {why}"));
    let b = layout.as_bytes();
    if b.len() != 13 || !b.iter().all(|c| b"PICVK".contains(c)) {
        return err("must be 13 letters of P, I, C, V, K over the EAN-13 form");
    }
    let count = |c: u8| b.iter().filter(|&&x| x == c).count();
    let p = b.iter().take_while(|&&x| x == b'P').count();
    if p < prefix.len() || count(b'P') != p {
        return err(
            "must start with at least as many P as the prefix has digits, and have no other P",
        );
    }
    if b[12] != b'K' || count(b'K') != 1 {
        return err("must end with K, the only K");
    }
    let v = count(b'V');
    let first_v = b.iter().position(|&x| x == b'V').unwrap_or(0);
    if !(1..=6).contains(&v) || b[first_v..first_v + v].iter().any(|&x| x != b'V') {
        return err("needs 1 to 6 contiguous V (the value digits)");
    }
    if count(b'C') > 1 || count(b'I') == 0 {
        return err("needs at least one I and at most one C");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::gtin::normalize_gtin14;
    use super::*;

    #[test]
    fn default_us_price_label() {
        // UPC-A 2 12345 6 0599 8: item 12345, price check 6, $5.99.
        let code = normalize_gtin14("212345605998").unwrap();
        let vm = Scheme::gs1_default().decode(&code).unwrap();
        assert_eq!(vm.item_key.as_str(), "00212345000007");
        assert_eq!(
            (vm.measure, vm.value),
            (Measure::Price, Decimal::new(599, 2))
        );
    }

    /// GS1 General Specifications 7.9.3 and 7.9.4 (price or weight field check digits): the
    /// worked examples 2875 → 9 and 14685 → 6; zeros give 0, so a zeroed key stays valid.
    #[test]
    fn value_check_digits() {
        let v = |s: &str| super::super::check_digit::digit_values(s).unwrap();
        assert_eq!(value_check_digit(&v("2875")), Some(9));
        assert_eq!(value_check_digit(&v("14685")), Some(6));
        assert_eq!(value_check_digit(&v("0599")), Some(1));
        assert_eq!(value_check_digit(&v("0000")), Some(0));
        assert_eq!(value_check_digit(&v("00000")), Some(0));
        assert_eq!(value_check_digit(&v("123")), None);
    }

    /// A layout with a `C` says the label carries a value check digit: when it does not
    /// match, the value is not read (the item key still is: the GTIN check digit covers it).
    /// It was zeroed unverified, so 2 12345 6 0599 8 gave a price of 5.99 whose own check
    /// digit (1) says it is not one.
    #[test]
    fn value_check_digit_is_verified() {
        let bad = Scheme::gs1_default()
            .decode(&normalize_gtin14("212345605998").unwrap())
            .unwrap();
        assert_eq!(bad.item_key.as_str(), "00212345000007");
        assert_eq!(bad.value_check_mismatch, Some((6, 1)));
        let good = Scheme::gs1_default()
            .decode(&normalize_gtin14("212345105993").unwrap())
            .unwrap();
        assert_eq!(good.value_check_mismatch, None);
        assert_eq!(good.value, Decimal::new(599, 2));
        // A 5-digit value with its check digit (GS1 Germany's 2x PPPPPPCVVVVV layout).
        let de = Scheme::from_json(r#"{"22": {"layout": "PPIIIICVVVVVK", "measure": "price"}}"#)
            .unwrap();
        let code = |c: &str| {
            let data = format!("221234{c}14685");
            let values = super::super::check_digit::digit_values(&data).unwrap();
            let k = super::super::check_digit::gs1_check_digit(&values);
            normalize_gtin14(&format!("{data}{k}")).unwrap()
        };
        assert_eq!(de.decode(&code("6")).unwrap().value_check_mismatch, None);
        assert_eq!(
            de.decode(&code("5")).unwrap().value_check_mismatch,
            Some((5, 6))
        );
    }

    #[test]
    fn tenant_weight_scheme() {
        let s = Scheme::from_json(r#"{"28": {"layout": "PPIIIIIVVVVVK", "measure": "weight"}}"#)
            .unwrap();
        let code = normalize_gtin14("2800123012502").unwrap();
        let vm = s.decode(&code).unwrap();
        assert_eq!(vm.value, Decimal::new(1250, 3));
        assert_eq!(vm.item_key.as_str(), "02800123000004");
        assert!(s
            .decode(&normalize_gtin14("4006381333931").unwrap())
            .is_none());
    }

    #[test]
    fn bad_schemes_say_why() {
        assert!(
            Scheme::from_json(r#"{"40": {"layout": "PPIIIIIVVVVVK", "measure": "price"}}"#)
                .unwrap_err()
                .contains("GS1 ranges")
        );
        assert!(
            Scheme::from_json(r#"{"2": {"layout": "PPIIIIIVVVVV", "measure": "price"}}"#)
                .unwrap_err()
                .contains("13 letters")
        );
        assert!(
            Scheme::from_json(r#"{"2": {"layout": "PPIIIVVIVVVVK", "measure": "price"}}"#)
                .unwrap_err()
                .contains("contiguous")
        );
        assert!(
            Scheme::from_json(r#"{"2": {"layout": "PPIIIIIVVVVVK", "measure": "kg"}}"#)
                .unwrap_err()
                .contains("measure")
        );
        assert!(Scheme::from_json("[1]").is_err());
    }
}
