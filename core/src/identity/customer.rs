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
use super::name::person_name;
use super::phone::normalize_phone;
use super::placeholder::{is_placeholder_dob, is_placeholder_email, is_placeholder_name};
use super::record::Record;
use super::term_frequency::TermFrequency;
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

/// Model field order for customer records. The name is split into given and family name because
/// households share a family name, phone, address and postcode: only the given name tells them
/// apart, so its disagreement must weigh on its own.
pub const CUSTOMER_FIELDS: [&str; 7] = [
    "given_name",
    "family_name",
    "email",
    "phone",
    "address",
    "postcode",
    "dob",
];

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
    let (given, family) = match c.full_name.as_deref().map(person_name) {
        Some(Ok(name)) if is_placeholder_name(&name.tokens) => {
            warnings.push(placeholder(
                "name",
                c.full_name.as_deref().unwrap_or_default(),
            ));
            (None, None)
        }
        Some(Ok(name)) => name.given_and_family(),
        Some(Err(e)) => {
            warnings.push(e.message);
            (None, None)
        }
        None => (None, None),
    };
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
        given,
        family,
        keep(c.email.as_deref().map(|e| {
            normalize_email(e, &locale.email)
                .and_then(|n| not_placeholder("email", n, is_placeholder_email))
        })),
        keep(c.phone.as_deref().map(|p| normalize_phone(p, region))),
        keep(c.address.as_deref().map(normalize_address)),
        keep(c.postcode.as_deref().map(|p| normalize_postcode(p, region))),
        keep(c.date_of_birth.as_deref().map(|d| {
            normalize_dob(d, locale.date_order, locale.today)
                .and_then(|d| not_placeholder("date of birth", d.to_string(), is_placeholder_dob))
        })),
    ];
    (Record { source, values }, warnings)
}

/// The warning for a placeholder value (see [`super::placeholder`]), which counts as missing.
fn placeholder(field: &str, raw: &str) -> String {
    format!("{field} \"{raw}\" is a placeholder, not the customer's: ignored for matching")
}

/// `value` unless `is_placeholder` says it is one, then the warning as an error.
fn not_placeholder(field: &str, value: String, is_placeholder: fn(&str) -> bool) -> Result<String> {
    if is_placeholder(&value) {
        return Err(IdentityError::new(placeholder(field, &value), ""));
    }
    Ok(value)
}

/// Fields and comparisons of the customer model. E-mail tolerates a letter typo but not a
/// different digit (see `digits_exact` in [`Comparison::Levenshtein`]): people who share a name
/// tell their mailboxes apart with digits. Phone numbers and postcodes are all digits, and a
/// one-digit slip at a till or in a form is the commonest typo they get, so they keep the plain
/// one-edit level.
pub fn customer_field_specs() -> Vec<FieldSpec> {
    let lev1 = || Comparison::Levenshtein {
        max_edits: vec![1],
        digits_exact: false,
    };
    let spec = |name: &str, comparison| FieldSpec {
        name: name.into(),
        comparison,
    };
    vec![
        spec(
            "given_name",
            Comparison::JaroWinkler {
                thresholds: vec![0.92, 0.8],
            },
        ),
        spec(
            "family_name",
            Comparison::JaroWinkler {
                thresholds: vec![0.92, 0.8],
            },
        ),
        spec(
            "email",
            Comparison::Levenshtein {
                max_edits: vec![1],
                digits_exact: true,
            },
        ),
        spec("phone", lev1()),
        spec(
            "address",
            Comparison::TokenSet {
                thresholds: vec![0.92, 0.8],
            },
        ),
        spec("postcode", lev1()),
        spec(
            "dob",
            Comparison::DateDistance {
                max_days: vec![366],
            },
        ),
    ]
}

/// Given and family name are compared in the better of the two orders: forms and tills swap
/// them ("Doe Jane" typed into one name field, family-name-first conventions).
pub fn customer_swappable() -> Vec<[String; 2]> {
    vec![["given_name".into(), "family_name".into()]]
}

/// Exact agreement on given name, family name and postcode weighs by how common the value is
/// among the tenant's customers (see [`super::term_frequency`]): "Smith" or the store's own
/// postcode, shared by many customers, is weaker evidence than a rare name or a postcode across
/// the country. Not e-mail and phone: an exact agreement on them is rare whatever the value.
pub fn customer_term_frequency() -> Option<TermFrequency> {
    Some(TermFrequency::on(&[
        "given_name",
        "family_name",
        "postcode",
    ]))
}

/// Candidate pairs: same email, same phone, same family name and given initial (also with given
/// and family name swapped, see [`super::blocking::rule_pairs`]), or same postcode with the same
/// birth date, family name or start of the address.
pub fn customer_blocking() -> Vec<BlockingRule> {
    [
        "email",
        "phone",
        "family_name & given_name:1",
        "postcode & dob",
        "postcode & family_name",
        "postcode & address:6",
    ]
    .iter()
    .map(|r| BlockingRule::parse(r).expect("built-in rules parse"))
    .collect()
}

/// A hand-set model for tenants without a trained one. The m values say how often one person's
/// records agree at each level across systems; the u values how often two different people do
/// (an exact shared email about 1 in 100,000 pairs, a family name 1 in 500, a postcode 1 in 100).
/// A household shares family name, phone, address and postcode, which together outweigh any prior;
/// only the given name tells its members apart. So a clearly different given name (Jaro–Winkler
/// below 0.8) counts as near-certain evidence of two people (m = 1e-6, about −20 bits): precision
/// first, at the price that a nickname ("Bob" / "Robert") or a lone initial does not match under
/// the default model (a trained model learns its own m). Phones get a weaker u (1 in 500) than
/// their rarity suggests because households share them. The prior assumes
/// about one duplicate per 10,000 pairs; the threshold is strict (0.9) because merging two people
/// is the costlier mistake.
pub fn default_customer_model() -> Model {
    let f = |spec: FieldSpec, m: &[f64], u: &[f64]| FieldModel {
        name: spec.name,
        comparison: spec.comparison,
        m: m.to_vec(),
        u: u.to_vec(),
    };
    let mut s = customer_field_specs().into_iter();
    let mut next = || s.next().expect("seven fields");
    Model {
        version: MODEL_VERSION,
        fields: vec![
            f(
                next(),
                &[0.85, 0.08, 0.069999, 0.000001],
                &[0.01, 0.005, 0.03, 0.955],
            ),
            f(
                next(),
                &[0.85, 0.08, 0.04, 0.03],
                &[0.002, 0.002, 0.02, 0.976],
            ),
            f(next(), &[0.85, 0.05, 0.1], &[0.00001, 0.00001, 0.99998]),
            f(next(), &[0.85, 0.05, 0.1], &[0.002, 0.0002, 0.9978]),
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
        swappable: customer_swappable(),
        term_frequency: customer_term_frequency(),
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
                Some("jane".into()),
                Some("doe".into()),
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
        assert_eq!(
            (r.values[0].as_deref(), r.values[1].as_deref()),
            (Some("jane"), None)
        );
        assert_eq!(r.values[2], None);
        assert_eq!(r.values[3], None);
        assert_eq!(w.len(), 2);
        assert!(CustomerFields::from_json(&json!({"emial": "x"}))
            .unwrap_err()
            .message
            .contains("emial"));
        assert!(CustomerFields::from_json(&json!([1])).is_err());
        assert!(CustomerFields::from_json(&json!({"email": {"a": 1}})).is_err());
    }

    /// Two walk-in customers with a placeholder name and e-mail and different phones scored
    /// 0.99997 (one person); the placeholders are now missing, with a warning each.
    #[test]
    fn placeholder_values_are_no_evidence() {
        let walk_in = |phone: &str| {
            CustomerFields::from_json(&json!({"full_name": "Walk-in Customer",
                "email": "none@none.com", "phone": phone, "dob": "1900-01-01"}))
            .unwrap()
        };
        let (a, w) = customer_record(&walk_in("+1 415 555 0100"), &locale(), 0);
        let (b, _) = customer_record(&walk_in("+1 212 555 0100"), &locale(), 0);
        assert_eq!(a.values[0], None);
        assert_eq!(a.values[1], None);
        assert_eq!(a.values[2], None);
        assert_eq!(a.values[6], None);
        assert_eq!(w.len(), 3, "{w:?}");
        assert!(
            w[0].contains("\"Walk-in Customer\" is a placeholder"),
            "{w:?}"
        );
        let m = default_customer_model();
        assert!(m.explain(&a, &b).match_probability < 0.5);
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

    /// Given- and family-name levels of two names under the default model, checked to be the
    /// same whichever record comes first.
    fn name_levels(a: &str, b: &str) -> (Option<u8>, Option<u8>) {
        let m = default_customer_model();
        let rec = |name: &str| {
            let c = CustomerFields::from_json(&json!({ "name": name })).unwrap();
            customer_record(&c, &locale(), 0).0
        };
        let (ab, ba) = (m.gamma(&rec(a), &rec(b)), m.gamma(&rec(b), &rec(a)));
        assert_eq!(ab, ba, "{a} / {b} (symmetry)");
        (ab.get(0), ab.get(1))
    }

    #[test]
    fn umlauts_written_either_way_are_the_same_name() {
        for other in [
            "Juergen Mueller",
            "Jurgen Muller",
            "JÜRGEN MÜLLER",
            "Müller, Jürgen",
        ] {
            assert_eq!(
                name_levels("Jürgen Müller", other),
                (Some(0), Some(0)),
                "{other}"
            );
        }
        assert_eq!(
            name_levels("Søren Kjærgård", "Soeren Kjaergaard"),
            (Some(0), Some(0))
        );
        // Both without the umlaut, in two spellings: strong, not exact (Muller is a name too).
        assert_eq!(
            name_levels("Juergen Mueller", "Jurgen Muller"),
            (Some(1), Some(1))
        );
    }

    #[test]
    fn a_couple_form_names_the_family_not_a_given_name() {
        let split = |raw: &str| {
            let c = CustomerFields::from_json(&json!({ "name": raw })).unwrap();
            let r = customer_record(&c, &locale(), 0).0;
            (r.values[0].clone(), r.values[1].clone())
        };
        let smith = (None, Some("smith".to_string()));
        for raw in [
            "Mr & Mrs Smith",
            "Mr and Mrs Smith",
            "Mr Smith",
            "SMITH, MR & MRS",
        ] {
            assert_eq!(split(raw), smith, "{raw}");
        }
        let john = (Some("john".to_string()), Some("smith".to_string()));
        for raw in [
            "Mr & Mrs John Smith",
            "Mr and Mrs John Smith",
            "John & Jane Smith",
        ] {
            assert_eq!(split(raw), john, "{raw}");
        }
        // A lone name without a title is still the given name (receipts, loyalty apps).
        assert_eq!(split("Jane"), (Some("jane".to_string()), None));
        // Against John Smith: the family agrees and the given name is missing, not "different".
        assert_eq!(name_levels("Mr & Mrs Smith", "John Smith"), (None, Some(0)));
        assert_eq!(
            name_levels("Mr & Mrs John Smith", "John Smith"),
            (Some(0), Some(0))
        );
        assert_eq!(
            name_levels("Mr & Mrs John Smith", "Mr and Mrs John Smith"),
            (Some(0), Some(0))
        );
    }

    #[test]
    fn a_double_barrelled_family_name_agrees_with_each_part() {
        for (a, b, want) in [
            ("Ana García", "Ana García-López", (Some(0), Some(1))),
            ("Ana López", "Ana García-López", (Some(0), Some(1))),
            ("Tom Smith", "Tom Smith-Jones", (Some(0), Some(1))),
            ("Ana García-López", "García-López, Ana", (Some(0), Some(0))),
            ("Ana Pérez", "Ana García-López", (Some(0), Some(3))),
            // Space-separated, the last word is the family name, as before.
            ("Ana López", "Ana García López", (Some(0), Some(0))),
        ] {
            assert_eq!(name_levels(a, b), want, "{a} / {b}");
        }
    }

    #[test]
    fn a_household_is_not_one_person() {
        let m = default_customer_model();
        let rec = |v: serde_json::Value| {
            customer_record(&CustomerFields::from_json(&v).unwrap(), &locale(), 0).0
        };
        let home = |name: &str, email: &str| {
            rec(
                json!({"name": name, "email": email, "phone": "020 7946 0018", "address": "22 North Road", "postcode": "N1 9GU"}),
            )
        };
        let (jane, john) = (
            home("Jane Doe", "jane@example.com"),
            home("John Doe", "john@example.com"),
        );
        let e = m.explain(&jane, &john);
        assert!(e.match_probability < 0.5, "{e:?}");
        // The same person with a typo in the given name still matches.
        let jnae = home("Jnae Doe", "jane@example.com");
        assert!(m.explain(&jane, &jnae).match_probability > 0.99);
        // Names typed the wrong way round are compared crosswise: still Jane, still not John.
        let swapped = home("Doe Jane", "jane@example.com");
        let e = m.explain(&jane, &swapped);
        assert!(e.match_probability > 0.99);
        assert_eq!(e.fields[0].label, "exact (against family_name)");
        assert_eq!(e.fields[1].label, "exact (against given_name)");
        assert_eq!(m.explain(&jane, &jnae).fields[1].label, "exact");
        assert!(m.explain(&john, &swapped).match_probability < 0.5);
        assert!(m.explain(&swapped, &john).match_probability < 0.5);
    }

    #[test]
    fn swapped_names_are_candidates_even_without_a_shared_contact() {
        use super::super::blocking::PairScope;
        use super::super::resolve::{cluster_config, resolve};
        let m = default_customer_model();
        let rec = |v: serde_json::Value| {
            customer_record(&CustomerFields::from_json(&v).unwrap(), &locale(), 0).0
        };
        // One person who moved (other postcode), the name typed the wrong way round on one till.
        let records = vec![
            rec(json!({"name": "Jane Doe", "dob": "1980-04-03", "postcode": "SW1A 1AA"})),
            rec(json!({"name": "Doe Jane", "dob": "1980-04-03", "postcode": "N1 9GU"})),
            rec(json!({"name": "John Doe", "dob": "1980-04-03", "postcode": "E1 6AN"})),
        ];
        let scope = PairScope::default();
        let r = resolve(&m, &records, &scope, &cluster_config(&m)).unwrap();
        assert!(
            r.scored.iter().any(|&(i, j, _)| (i, j) == (0, 1)),
            "{:?}",
            r.scored
        );
        assert!(r.groups.contains(&vec![0, 1]), "{:?}", r.groups);
        assert!(r.groups.contains(&vec![2]), "{:?}", r.groups);
    }

    #[test]
    fn namesakes_with_email_tags_one_digit_apart_are_two_people() {
        let m = default_customer_model();
        let rec = |email: &str, phone: &str| {
            let c = CustomerFields::from_json(
                &json!({"name": "Logan Taylor", "email": email, "phone": phone}),
            )
            .unwrap();
            customer_record(&c, &locale(), 0).0
        };
        // The demo's w-13 / w-113: same name, e-mail tags 680 / 600, other phones.
        let a = rec("logan.taylor680@example.com", "020 7946 2396");
        let b = rec("logan.taylor600@example.com", "020 7946 4972");
        for (x, y) in [(&a, &b), (&b, &a)] {
            let e = m.explain(x, y);
            assert_eq!(e.fields[2].label, "different", "{e:?}");
            assert!(e.match_probability < 0.5, "{e:?}");
        }
        // A letter typo in the e-mail of the same person (same phone) is still a typo: merged.
        let typo = rec("logan.tailor680@example.com", "020 7946 2396");
        for (x, y) in [(&a, &typo), (&typo, &a)] {
            let e = m.explain(x, y);
            assert_eq!(e.fields[2].label, "levenshtein <= 1, same digits", "{e:?}");
            assert!(e.match_probability > 0.99, "{e:?}");
        }
        // Levels are symmetric for every field on these pairs.
        for (x, y) in [(&a, &b), (&a, &typo), (&b, &typo)] {
            let (xy, yx) = (m.explain(x, y), m.explain(y, x));
            let levels = |e: &super::super::fellegi_sunter::Explanation| {
                e.fields.iter().map(|f| f.level).collect::<Vec<_>>()
            };
            assert_eq!(levels(&xy), levels(&yx));
        }
    }
}
