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
        let mut value: i64 = 0;
        for ((slot, role), d) in data
            .iter_mut()
            .zip(self.layout.bytes())
            .zip(thirteen.bytes())
        {
            let d = d - b'0';
            match role {
                b'V' => value = value * 10 + i64::from(d),
                b'C' => {}
                _ => *slot = d,
            }
        }
        VariableMeasure {
            item_key: Gtin14::with_computed_check(&data),
            measure: self.measure,
            value: Decimal::new(value, self.decimals),
            prefix: self.prefix.clone(),
        }
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
