//! SQL face of `pos_core::identity`: normalizers, name similarity, explained match scores, model
//! training and identity resolution into `pos.identity_link`. Thin wrappers: every rule lives in
//! core (see docs/identity.md). NULL in → NULL out; bad input → ERROR with a HINT.
// pgrx spells a set-returning function's SQL columns in its Rust return type
// (TableIterator<(name!(…), …)>); that type *is* the signature, so it stays inline.
#![allow(clippy::type_complexity)]
use crate::args::required;
use crate::json_arg::JsonArg;
use pgrx::pg_sys::panic::ErrorReport;
use pgrx::prelude::*;
use pgrx::{JsonB, PgLogLevel, PgSqlErrorCode};
use pos_core::identity::blocking::PairScope;
use pos_core::identity::customer::{
    customer_blocking, customer_field_specs, customer_record, customer_swappable,
    customer_term_frequency, default_customer_model, CustomerFields, Locale,
};
use pos_core::identity::dob::DateOrder;
use pos_core::identity::email::EmailRules;
use pos_core::identity::fellegi_sunter::Model;
use pos_core::identity::keys::assign_keys;
use pos_core::identity::record::Record;
use pos_core::identity::resolve::{cluster_config, resolve};
use pos_core::identity::train::{train, TrainingConfig};
use pos_core::identity::{address, dob, email, name, phone, IdentityError};
use serde_json::{json, Value};
use std::collections::HashMap;

extension_sql_file!(
    "../../sql/50_identity.sql",
    name = "identity_sql",
    requires = [
        "security",
        "inbox_sql",
        train_identity_model,
        resolve_identities
    ]
);

/// Raises the core error as `ERROR: <message>` with `HINT: <hint>`; never returns.
fn raise(e: &IdentityError) -> ! {
    ErrorReport::new(
        PgSqlErrorCode::ERRCODE_INVALID_PARAMETER_VALUE,
        e.message.clone(),
        "pos_analytics::identity",
    )
    .set_hint(e.hint.clone())
    .report(PgLogLevel::ERROR);
    unreachable!("ERROR does not return")
}

fn ok<T>(r: Result<T, IdentityError>) -> T {
    r.unwrap_or_else(|e| raise(&e))
}

use pos_core::identity::dob::today_utc as today;

/// `' Jane.Doe+news@GoogleMail.com '` → `janedoe@gmail.com`.
#[pg_extern(immutable, strict, parallel_safe)]
fn normalize_email(email: &str) -> String {
    ok(email::normalize_email(email, &EmailRules::default()))
}

/// E.164 form of a phone number; `region` (ISO alpha-2) reads numbers without a country code.
#[pg_extern(immutable, strict, parallel_safe)]
fn normalize_phone(phone: &str, region: &str) -> String {
    ok(phone::normalize_phone(phone, region))
}

/// ASCII, lower case, no titles or suffixes, "Family, Given" reordered.
#[pg_extern(immutable, strict, parallel_safe)]
fn normalize_name(name: &str) -> String {
    ok(name::normalize_name(name))
}

#[pg_extern(immutable, strict, parallel_safe)]
fn normalize_address(address: &str) -> String {
    ok(address::normalize_address(address))
}

#[pg_extern(immutable, strict, parallel_safe)]
fn normalize_postcode(postcode: &str, country: &str) -> String {
    ok(address::normalize_postcode(postcode, country))
}

/// A date of birth from ISO, compact, dotted, slashed (day first unless `month_first`) or
/// month-name forms; STABLE because future dates are rejected against today.
#[pg_extern(stable, strict, parallel_safe)]
fn normalize_dob(dob: &str, month_first: default!(bool, false)) -> Date {
    let order = if month_first {
        DateOrder::MonthFirst
    } else {
        DateOrder::DayFirst
    };
    let (y, m, d) = dob::ymd_parts(ok(dob::normalize_dob(dob, order, today())));
    Date::new(y, m as u8, d as u8).expect("a validated date fits PostgreSQL's range")
}

/// Similarity of two person names in [0, 1] after normalization; token order does not matter,
/// and umlauts count in both ASCII spellings (Müller = Muller = Mueller), as in the matcher.
#[pg_extern(immutable, strict, parallel_safe)]
fn name_similarity(a: &str, b: &str) -> f64 {
    ok(name::name_similarity(a, b))
}

fn parse_model(model: Option<&Value>) -> Model {
    let Some(v) = model else {
        return default_customer_model();
    };
    let m: Model = serde_json::from_value(v.clone()).unwrap_or_else(|e| {
        raise(&IdentityError::new(
            format!("invalid identity model: {e}"),
            "pass the model column of pos.identity_model, or omit the argument to use the default model",
        ))
    });
    ok(m.validate());
    m
}

fn locale(region: &str, order: DateOrder) -> Locale {
    ok(phone::parse_region(region));
    Locale {
        region: region.to_ascii_uppercase(),
        date_order: order,
        email: EmailRules::default(),
        today: today(),
    }
}

/// Match probability, weight and per-field explanation for two customers given as JSON
/// (`full_name`, `email`, `phone`, `address`, `postcode`, `country`, `date_of_birth`).
#[pg_extern(stable, parallel_safe)]
fn match_score(
    a: Option<JsonArg>,
    b: Option<JsonArg>,
    model: default!(Option<JsonArg>, "NULL"),
    region: default!(Option<&str>, "'US'"),
) -> Option<JsonB> {
    let region = required(region, "pos.match_score", "region", Some("'US'"));
    let (JsonArg(a), JsonArg(b)) = (a?, b?);
    let m = parse_model(model.as_ref().map(|m| &m.0));
    let loc = locale(region, DateOrder::DayFirst);
    let (ra, wa) = customer_record(&ok(CustomerFields::from_json(&a)), &loc, 0);
    let (rb, wb) = customer_record(&ok(CustomerFields::from_json(&b)), &loc, 1);
    let mut out = serde_json::to_value(m.explain(&ra, &rb)).expect("explanations serialize");
    out["model"] = json!(if model.is_some() { "given" } else { "default" });
    out["threshold"] = json!(m.threshold);
    out["warnings"] = json!(wa.into_iter().chain(wb).collect::<Vec<_>>());
    Some(JsonB(out))
}

struct TenantSettings {
    region: String,
    order: DateOrder,
    threshold: Option<f64>,
}

fn settings(tenant: &str) -> TenantSettings {
    let row = Spi::get_three_with_args::<String, String, f64>(
        "SELECT default_region, date_order, match_threshold FROM pos.identity_settings WHERE tenant_id = $1",
        &[tenant.into()],
    );
    let (region, order, threshold) = match row {
        Ok((r, o, t)) => (r, o, t),
        Err(_) => (None, None, None), // no settings row: defaults
    };
    let order = if order.as_deref() == Some("month_first") {
        DateOrder::MonthFirst
    } else {
        DateOrder::DayFirst
    };
    TenantSettings {
        region: region.unwrap_or_else(|| "US".into()),
        order,
        threshold,
    }
}

/// The tenant's customers as (record id, record), sources numbered in order.
fn load_customers(tenant: &str, loc: &Locale) -> (Vec<(String, String)>, Vec<Record>) {
    let rows = Spi::get_one_with_args::<JsonB>(
        "SELECT coalesce(jsonb_agg(jsonb_build_array(source, source_customer_id, jsonb_strip_nulls(jsonb_build_object(
                    'full_name', full_name, 'email', email, 'phone', phone, 'address', address,
                    'postcode', postcode, 'country', country, 'date_of_birth', date_of_birth::text)))
                ORDER BY source, source_customer_id), '[]')
           FROM pos.customer WHERE tenant_id = $1",
        &[tenant.into()],
    )
    .unwrap_or_else(|e| error!("reading pos.customer failed: {e}"))
    .map(|j| j.0)
    .unwrap_or(Value::Null);
    let mut sources: HashMap<String, u32> = HashMap::new();
    let (mut ids, mut records) = (Vec::new(), Vec::new());
    for row in rows.as_array().into_iter().flatten() {
        let (src, id) = (
            row[0].as_str().unwrap_or_default().to_string(),
            row[1].as_str().unwrap_or_default().to_string(),
        );
        let n = sources.len() as u32;
        let source = *sources.entry(src.clone()).or_insert(n);
        let fields = ok(CustomerFields::from_json(&row[2]));
        records.push(customer_record(&fields, loc, source).0);
        ids.push((src, id));
    }
    (ids, records)
}

/// Estimates the tenant's model from its customers (no labels needed) and stores it in
/// `pos.identity_model`; returns a summary.
#[pg_extern(volatile, strict)]
fn train_identity_model(tenant: &str) -> JsonB {
    let s = settings(tenant);
    let loc = locale(&s.region, s.order);
    let (_, records) = load_customers(tenant, &loc);
    if records.len() < 20 {
        raise(&IdentityError::new(
            format!("tenant {tenant} has {} customer records; training needs at least 20", records.len()),
            "load more customers first; until then pos.resolve_identities uses the built-in default model",
        ));
    }
    let cfg = TrainingConfig {
        threshold: s.threshold.unwrap_or(0.9),
        swappable: customer_swappable(),
        term_frequency: customer_term_frequency(),
        ..TrainingConfig::default()
    };
    let model = ok(train(
        &customer_field_specs(),
        &customer_blocking(),
        &records,
        &cfg,
    ));
    let stored = serde_json::to_value(&model).expect("models serialize");
    Spi::run_with_args(
        "INSERT INTO pos.identity_model (tenant_id, model, records) VALUES ($1, $2, $3)
         ON CONFLICT (tenant_id) DO UPDATE SET model = EXCLUDED.model, records = EXCLUDED.records, trained_at = now()",
        &[tenant.into(), JsonB(stored).into(), (records.len() as i32).into()],
    )
    .unwrap_or_else(|e| error!("storing the identity model failed: {e}"));
    let t = model
        .training
        .as_ref()
        .expect("trained models carry a summary");
    let fields: serde_json::Map<String, Value> = model
        .fields
        .iter()
        .map(|f| {
            (
                f.name.clone(),
                json!({"m_exact": f.m[0], "u_exact": f.u[0]}),
            )
        })
        .collect();
    JsonB(
        json!({"records": t.records, "candidate_pairs": t.candidate_pairs, "expected_matches": t.expected_matches,
                 "prior": model.prior, "threshold": model.threshold, "fields": fields}),
    )
}

fn tenant_model(tenant: &str, threshold: Option<f64>) -> Model {
    let stored = Spi::get_one_with_args::<JsonB>(
        "SELECT model FROM pos.identity_model WHERE tenant_id = $1",
        &[tenant.into()],
    )
    .ok()
    .flatten();
    let mut m = parse_model(stored.as_ref().map(|s| &s.0));
    if let Some(t) = threshold {
        m.threshold = t;
    }
    m
}

/// Resolves the tenant's customers into identities and brings `pos.identity_link` up to date:
/// keys stay stable for people already known, only changed links are written.
#[pg_extern(volatile, strict)]
fn resolve_identities(
    tenant: &str,
) -> TableIterator<
    'static,
    (
        name!(customers, i64),
        name!(identities, i64),
        name!(links_added, i64),
        name!(links_changed, i64),
        name!(links_removed, i64),
    ),
> {
    let s = settings(tenant);
    let loc = locale(&s.region, s.order);
    let model = tenant_model(tenant, s.threshold);
    let (ids, records) = load_customers(tenant, &loc);
    let res = ok(resolve(
        &model,
        &records,
        &PairScope::default(),
        &cluster_config(&model),
    ));
    let previous = previous_keys(tenant);
    let id_strings: Vec<String> = ids.iter().map(|(s, i)| format!("{s}\u{1f}{i}")).collect();
    let keys = assign_keys(tenant, &res.groups, &id_strings, &previous);
    let mut rows = Vec::with_capacity(records.len());
    for (g, members) in res.groups.iter().enumerate() {
        for &r in members {
            let (src, id) = &ids[r as usize];
            let p = res.confidence[r as usize].map(|p| (p * 1e6).round() / 1e6);
            rows.push(json!({"source": src, "id": id, "key": keys[g], "p": p}));
        }
    }
    let (removed, added, changed) = write_links(tenant, rows);
    TableIterator::once((
        records.len() as i64,
        res.groups.len() as i64,
        added,
        changed,
        removed,
    ))
}

fn previous_keys(tenant: &str) -> HashMap<String, String> {
    let v = Spi::get_one_with_args::<JsonB>(
        "SELECT coalesce(jsonb_object_agg(source || chr(31) || source_customer_id, customer_key), '{}')
           FROM pos.identity_link WHERE tenant_id = $1",
        &[tenant.into()],
    )
    .unwrap_or_else(|e| error!("reading pos.identity_link failed: {e}"));
    v.and_then(|j| serde_json::from_value(j.0).ok())
        .unwrap_or_default()
}

/// Upserts changed links and removes links of customers that no longer exist, in one statement.
fn write_links(tenant: &str, rows: Vec<Value>) -> (i64, i64, i64) {
    let sql = "
        WITH new AS (SELECT * FROM jsonb_to_recordset($2) AS x(source text, id text, key text, p float8)),
        del AS (DELETE FROM pos.identity_link l WHERE l.tenant_id = $1
                AND NOT EXISTS (SELECT 1 FROM new WHERE new.source = l.source AND new.id = l.source_customer_id)
                RETURNING 1),
        up AS (INSERT INTO pos.identity_link AS l (tenant_id, source, source_customer_id, customer_key, match_probability)
               SELECT $1, source, id, key, p FROM new
               ON CONFLICT (tenant_id, source, source_customer_id) DO UPDATE
                  SET customer_key = EXCLUDED.customer_key, match_probability = EXCLUDED.match_probability, linked_at = now()
                WHERE (l.customer_key, l.match_probability) IS DISTINCT FROM (EXCLUDED.customer_key, EXCLUDED.match_probability)
               RETURNING (xmax = 0) AS inserted)
        SELECT (SELECT count(*) FROM del), count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM up";
    let r = Spi::get_three_with_args::<i64, i64, i64>(
        sql,
        &[tenant.into(), JsonB(Value::Array(rows)).into()],
    )
    .unwrap_or_else(|e| error!("writing pos.identity_link failed: {e}"));
    (r.0.unwrap_or(0), r.1.unwrap_or(0), r.2.unwrap_or(0))
}

#[cfg(any(test, feature = "pg_test"))]
#[pg_schema]
mod tests {
    use pgrx::prelude::*;

    fn one(sql: &str) -> Option<String> {
        Spi::get_one::<String>(sql).unwrap()
    }

    #[pg_test]
    fn normalizers_and_null_in_null_out() {
        assert_eq!(
            one("SELECT pos.normalize_email(' J.Doe+x@GoogleMail.com ')").as_deref(),
            Some("jdoe@gmail.com")
        );
        assert_eq!(
            one("SELECT pos.normalize_phone('020 7946 0018', 'GB')").as_deref(),
            Some("+442079460018")
        );
        assert_eq!(
            one("SELECT pos.normalize_name('Müller, José')").as_deref(),
            Some("jose muller")
        );
        assert_eq!(
            one("SELECT pos.normalize_dob('03.04.1980')::text").as_deref(),
            Some("1980-04-03")
        );
        assert_eq!(one("SELECT pos.normalize_email(NULL)"), None);
        let sim = Spi::get_one::<f64>("SELECT pos.name_similarity('Jane Doe', 'DOE, Jane')")
            .unwrap()
            .unwrap();
        assert!((sim - 1.0).abs() < 1e-9);
        let umlaut =
            Spi::get_one::<f64>("SELECT pos.name_similarity('Jürgen Müller', 'MUELLER, Juergen')")
                .unwrap()
                .unwrap();
        assert!((umlaut - 1.0).abs() < 1e-9, "{umlaut}");
    }

    #[pg_test(error = "invalid email address \"jane\": it must contain exactly one '@'")]
    fn bad_email_is_an_error() {
        Spi::run("SELECT pos.normalize_email('jane')").unwrap();
    }

    #[pg_test]
    fn match_score_explains_fields() {
        let p = Spi::get_one::<f64>(
            "SELECT (pos.match_score('{\"full_name\":\"Jane Doe\",\"email\":\"jane@example.com\"}',
                                     '{\"name\":\"DOE, Jane\",\"email\":\"JANE@example.com\"}')->>'match_probability')::float8",
        )
        .unwrap()
        .unwrap();
        assert!(p > 0.99, "{p}");
        let fields = Spi::get_one::<i64>(
            "SELECT jsonb_array_length(pos.match_score('{\"email\":\"a@b.com\"}', '{\"email\":\"c@d.com\"}')->'fields')",
        )
        .unwrap();
        assert_eq!(fields, Some(7));
    }

    fn load(sql_values: &str) {
        Spi::run(&format!(
            "INSERT INTO pos.customer (tenant_id, source, source_customer_id, full_name, email, phone, postcode, date_of_birth) VALUES {sql_values}"
        ))
        .unwrap();
    }

    fn key_of(source: &str, id: &str) -> String {
        one(&format!("SELECT customer_key FROM pos.identity_link WHERE tenant_id = 't1' AND source = '{source}' AND source_customer_id = '{id}'")).unwrap()
    }

    #[pg_test]
    fn resolution_keys_are_stable_and_erasure_leaves_no_pii() {
        load("('t1','web','w1','Jane Doe','jane@example.com','+1 202 555 0143','20500','1980-04-03'),
              ('t1','pos','p9','DOE, JANE','JANE@EXAMPLE.COM',NULL,'20500',NULL),
              ('t1','web','w2','John Roe','john@example.org',NULL,'10001','1975-01-01')");
        Spi::run("SELECT * FROM pos.resolve_identities('t1')").unwrap();
        let jane = key_of("web", "w1");
        assert_eq!(key_of("pos", "p9"), jane);
        assert_ne!(key_of("web", "w2"), jane);
        let john = key_of("web", "w2");
        // New records arrive: keys of known people do not move.
        load("('t1','crm','c1','Jane M. Doe','jane@example.com','(202) 555-0143','20500','1980-04-03'),
              ('t1','crm','c2','Ann Poe','ann@example.net',NULL,'60601',NULL)");
        let changed =
            Spi::get_one::<i64>("SELECT links_changed FROM pos.resolve_identities('t1')").unwrap();
        assert_eq!(changed, Some(0));
        assert_eq!(
            (
                key_of("web", "w1"),
                key_of("crm", "c1"),
                key_of("web", "w2")
            ),
            (jane.clone(), jane.clone(), john)
        );
        // A payload copy that mentions Jane, and one that does not.
        Spi::run("INSERT INTO pos.raw_inbox (tenant_id, source, source_event_id, payload) VALUES
                  ('t1','web','e1','{\"customer\":{\"id\":\"w1\",\"email\":\"jane@example.com\"}}'),
                  ('t1','pos','e2','{\"customer_phone\":\"202-555-0143\"}'),
                  ('t1','web','e3','{\"customer\":{\"id\":\"w2\",\"email\":\"john@example.org\"}}')").unwrap();
        let erased = Spi::get_one::<i32>(&format!(
            "SELECT inbox_payloads_erased FROM pos.forget_customer('t1', '{jane}')"
        ))
        .unwrap();
        assert_eq!(erased, Some(2));
        for (table, col) in [
            ("pos.customer", "c"),
            ("pos.raw_inbox", "r"),
            ("pos.identity_link", "l"),
        ] {
            let hits = Spi::get_one::<i64>(&format!(
                "SELECT count(*) FROM {table} {col} WHERE {col}::text ILIKE '%jane%' OR {col}::text LIKE '%0143%' OR {col}::text LIKE '%{jane}%'"
            ))
            .unwrap();
            assert_eq!(hits, Some(0), "{table} still mentions the erased person");
        }
        assert_eq!(
            Spi::get_one::<i64>("SELECT count(*) FROM pos.raw_inbox WHERE payload LIKE '%john@%'")
                .unwrap(),
            Some(1)
        );
        assert_eq!(
            Spi::get_one::<i64>(
                "SELECT count(*) FROM pos.identity_erasure WHERE customer_records = 3"
            )
            .unwrap(),
            Some(1)
        );
    }
}
