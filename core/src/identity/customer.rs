//! The customer record as `pos.customer` stores it (full name, email, phone, address, postcode,
//! country, date of birth), its normalization into model fields, the fields and blocking rules a
//! tenant model is trained with, and a hand-set default model for tenants that have not trained.

use super::address::{normalize_address, normalize_postcode};
use super::blocking::BlockingRule;
use super::compare::Comparison;
use super::dob::{normalize_dob, DateOrder};
use super::email::{normalize_email, EmailRules};
use super::error::{IdentityError, Result};
use super::fellegi_sunter::{FieldModel, Model, MODEL_VERSION};
use super::name::normalize_name;
use super::phone::normalize_phone;
use super::record::Record;
use super::train::FieldSpec;
use chrono::NaiveDate;

/// Raw values as a source delivered them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CustomerFields {
    pub full_name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub postcode: Option<String>,
    pub country: Option<String>,
    pub date_of_birth: Option<String>,
}

const KEYS: &str =
    "full_name (or name), email, phone, address, postcode, country, date_of_birth (or dob)";

impl CustomerFields {
    /// Reads a JSON object such as `{"full_name": "Jane Doe", "email": "…"}`; unknown keys are an
    /// error so that a typo does not silently drop evidence.
    pub fn from_json(v: &serde_json::Value) -> Result<CustomerFields> {
        let obj = v.as_object().ok_or_else(|| {
            IdentityError::new(
                format!("customer must be a JSON object, got {v}"),
                format!("pass an object with keys {KEYS}"),
            )
        })?;
        let mut c = CustomerFields::default();
        for (k, val) in obj {
            let text = match val {
                serde_json::Value::Null => None,
                serde_json::Value::String(s) if s.trim().is_empty() => None,
                serde_json::Value::String(s) => Some(s.clone()),
                serde_json::Value::Number(n) => Some(n.to_string()),
                other => {
                    return Err(IdentityError::new(
                        format!("customer field \"{k}\" must be a string, got {other}"),
                        "pass text values (or null)",
                    ))
                }
            };
            let slot = match k.as_str() {
                "full_name" | "name" => &mut c.full_name,
                "email" => &mut c.email,
                "phone" => &mut c.phone,
                "address" => &mut c.address,
                "postcode" | "zip" => &mut c.postcode,
                "country" => &mut c.country,
                "date_of_birth" | "dob" => &mut c.date_of_birth,
                _ => {
                    return Err(IdentityError::new(
                        format!("unknown customer field \"{k}\""),
                        format!("use {KEYS}"),
                    ))
                }
            };
            *slot = text;
        }
        Ok(c)
    }
}

/// Model field order for customer records.
pub const CUSTOMER_FIELDS: [&str; 6] = ["name", "email", "phone", "address", "postcode", "dob"];

/// How a tenant reads its raw values.
#[derive(Debug, Clone)]
pub struct Locale {
    /// Region for phone numbers and postcodes that carry no country.
    pub region: String,
    pub date_order: DateOrder,
    pub email: EmailRules,
    pub today: NaiveDate,
}

/// Normalizes one customer into a model record. Values that fail normalization become missing
/// (evidence we cannot read is no evidence) and are reported in the returned warnings.
pub fn customer_record(c: &CustomerFields, locale: &Locale, source: u32) -> (Record, Vec<String>) {
    let mut warnings = Vec::new();
    let mut keep = |r: Option<Result<String>>| match r {
        Some(Ok(v)) => Some(v),
        Some(Err(e)) => {
            warnings.push(e.message);
            None
        }
        None => None,
    };
    let region = c
        .country
        .as_deref()
        .filter(|s| !s.trim().is_empty())
        .unwrap_or(&locale.region);
    let values = vec![
        keep(c.full_name.as_deref().map(normalize_name)),
        keep(
            c.email
                .as_deref()
                .map(|e| normalize_email(e, &locale.email)),
        ),
        keep(c.phone.as_deref().map(|p| normalize_phone(p, region))),
        keep(c.address.as_deref().map(normalize_address)),
        keep(c.postcode.as_deref().map(|p| normalize_postcode(p, region))),
        keep(
            c.date_of_birth
                .as_deref()
                .map(|d| normalize_dob(d, locale.date_order, locale.today).map(|d| d.to_string())),
        ),
    ];
    (Record { source, values }, warnings)
}

/// Fields and comparisons of the customer model.
pub fn customer_field_specs() -> Vec<FieldSpec> {
    let spec = |name: &str, comparison| FieldSpec {
        name: name.into(),
        comparison,
    };
    vec![
        spec(
            "name",
            Comparison::TokenSet {
                thresholds: vec![0.92, 0.8],
            },
        ),
        spec("email", Comparison::Levenshtein { max_edits: vec![1] }),
        spec("phone", Comparison::Levenshtein { max_edits: vec![1] }),
        spec(
            "address",
            Comparison::TokenSet {
                thresholds: vec![0.92, 0.8],
            },
        ),
        spec("postcode", Comparison::Levenshtein { max_edits: vec![1] }),
        spec(
            "dob",
            Comparison::DateDistance {
                max_days: vec![366],
            },
        ),
    ]
}

/// Candidate pairs: same email, same phone, same name, or same postcode with the same birth date
/// or the same start of the address.
pub fn customer_blocking() -> Vec<BlockingRule> {
    [
        "email",
        "phone",
        "name",
        "postcode & dob",
        "postcode & address:6",
    ]
    .iter()
    .map(|r| BlockingRule::parse(r).expect("built-in rules parse"))
    .collect()
}

/// A hand-set model for tenants without a trained one. The m values say how often one person's
/// records agree at each level across systems; the u values how often two different people do
/// (an exact shared email about 1 in 100,000 pairs, a shared full name 1 in 2,000, a postcode
/// 1 in 100). The prior assumes about one duplicate per 10,000 pairs and the threshold is strict
/// (0.9), because merging two people is the costlier mistake.
pub fn default_customer_model() -> Model {
    let f = |spec: FieldSpec, m: &[f64], u: &[f64]| FieldModel {
        name: spec.name,
        comparison: spec.comparison,
        m: m.to_vec(),
        u: u.to_vec(),
    };
    let s = customer_field_specs();
    let mut s = s.into_iter();
    let mut next = || s.next().expect("six fields");
    Model {
        version: MODEL_VERSION,
        fields: vec![
            f(
                next(),
                &[0.72, 0.08, 0.1, 0.04, 0.06],
                &[0.0005, 0.0001, 0.002, 0.01, 0.9874],
            ),
            f(next(), &[0.85, 0.05, 0.1], &[0.00001, 0.00001, 0.99998]),
            f(next(), &[0.85, 0.05, 0.1], &[0.00001, 0.0001, 0.99989]),
            f(
                next(),
                &[0.65, 0.1, 0.1, 0.05, 0.1],
                &[0.0005, 0.0001, 0.002, 0.01, 0.9874],
            ),
            f(next(), &[0.85, 0.05, 0.1], &[0.01, 0.02, 0.97]),
            f(
                next(),
                &[0.9, 0.04, 0.02, 0.04],
                &[0.00003, 0.0002, 0.003, 0.99677],
            ),
        ],
        prior: 0.0001,
        threshold: 0.9,
        blocking: customer_blocking(),
        training: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn locale() -> Locale {
        Locale {
            region: "GB".into(),
            date_order: DateOrder::DayFirst,
            email: EmailRules::default(),
            today: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
        }
    }

    #[test]
    fn json_to_normalized_record() {
        let c = CustomerFields::from_json(&json!({"name": "Dr. Jane Doe", "email": "J.Doe+shop@gmail.com", "phone": "020 7946 0018", "postcode": "sw1a1aa", "dob": "03/04/1980", "address": null})).unwrap();
        let (r, w) = customer_record(&c, &locale(), 0);
        assert!(w.is_empty(), "{w:?}");
        assert_eq!(
            r.values,
            vec![
                Some("jane doe".into()),
                Some("jdoe@gmail.com".into()),
                Some("+442079460018".into()),
                None,
                Some("SW1A 1AA".into()),
                Some("1980-04-03".into())
            ]
        );
    }

    #[test]
    fn unreadable_values_become_missing_with_a_warning() {
        let c = CustomerFields::from_json(
            &json!({"email": "not-an-email", "phone": "n/a", "full_name": "Jane"}),
        )
        .unwrap();
        let (r, w) = customer_record(&c, &locale(), 0);
        assert_eq!(r.values[1], None);
        assert_eq!(r.values[2], None);
        assert_eq!(w.len(), 2);
        assert!(CustomerFields::from_json(&json!({"emial": "x"}))
            .unwrap_err()
            .message
            .contains("emial"));
        assert!(CustomerFields::from_json(&json!([1])).is_err());
        assert!(CustomerFields::from_json(&json!({"email": {"a": 1}})).is_err());
    }

    #[test]
    fn default_model_is_valid_and_separates_people() {
        let m = default_customer_model();
        m.validate().unwrap();
        let rec = |v: serde_json::Value| {
            customer_record(&CustomerFields::from_json(&v).unwrap(), &locale(), 0).0
        };
        let a =
            rec(json!({"name": "Jane Doe", "email": "jane@example.com", "postcode": "SW1A 1AA"}));
        let b = rec(
            json!({"name": "DOE, Jane", "email": "JANE@example.com", "phone": "+44 20 7946 0018"}),
        );
        let c = rec(json!({"name": "John Doe", "postcode": "SW1A 1AA"}));
        assert!(m.explain(&a, &b).match_probability > 0.99);
        assert!(m.explain(&a, &c).match_probability < 0.5);
    }
}
