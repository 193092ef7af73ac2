//! The CSV mappings a config names: inline, or a ready mapping file with the user's own keys
//! laid over it.

use crate::adapters::csv::Mapping;
use crate::config::Config;
use std::collections::HashMap;

/// Reads the CSV mappings of the config: inline tables, or `path = "file.toml"` with the keys
/// written beside `path` laid over the file's (see [`overlay`]).
pub fn load_mappings(cfg: &Config) -> anyhow::Result<HashMap<String, Mapping>> {
    let mut out = HashMap::new();
    for (name, v) in &cfg.csv {
        let Some(v) = v.as_table() else {
            anyhow::bail!("[csv.{name}] must be a table: the mapping, or path = \"…\"");
        };
        let table = match v.get("path").and_then(toml::Value::as_str) {
            Some(p) => {
                let text = std::fs::read_to_string(p)
                    .map_err(|e| anyhow::anyhow!("[csv.{name}] path {p}: {e}"))?;
                let file: toml::Table = toml::from_str(&text).map_err(|e| {
                    anyhow::anyhow!("[csv.{name}] path {p}: invalid CSV mapping: {e}")
                })?;
                overlay(file, v)
            }
            None => v.clone(),
        };
        let m = toml::Value::Table(table)
            .try_into::<Mapping>()
            .map_err(|e| format!("invalid CSV mapping: {e}"))
            .and_then(|m| m.check().map(|_| m));
        // A mapping read from a file names the file: "[csv.kasse]: unknown field `delimter`"
        // sent the operator to the config, where the typo was not.
        let from = match v.get("path").and_then(toml::Value::as_str) {
            Some(p) => format!(" (path {p}, with the keys beside it)"),
            None => String::new(),
        };
        out.insert(
            name.clone(),
            m.map_err(|e| anyhow::anyhow!("[csv.{name}]{from}: {e}"))?,
        );
    }
    Ok(out)
}

/// A ready mapping file with the config's own keys over it, so that a shipped mapping is used
/// as it is with the few settings that are the user's: `day_one` of a day-numbered dataset, the
/// store, its currency or time zone, another column name (`[csv.NAME.columns] store_id = …`
/// replaces that one column and keeps the file's others). Tables merge one level deep; any
/// other key replaces the file's.
fn overlay(mut file: toml::Table, config: &toml::Table) -> toml::Table {
    for (k, v) in config.iter().filter(|(k, _)| k.as_str() != "path") {
        match (file.get_mut(k), v) {
            (Some(toml::Value::Table(base)), toml::Value::Table(over)) => {
                base.extend(over.iter().map(|(k, v)| (k.clone(), v.clone())));
            }
            _ => {
                file.insert(k.clone(), v.clone());
            }
        }
    }
    file
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adapters::{csv, Context};
    use crate::envelope::Record;

    fn config(name: &str, table: &str) -> Config {
        let mut cfg = Config::default();
        cfg.csv.insert(name.into(), toml::from_str(table).unwrap());
        cfg
    }

    const DUNNHUMBY: &str = "path = \"mappings/dunnhumby_complete_journey.toml\"\n";

    #[test]
    fn keys_beside_path_complete_a_ready_mapping() {
        // Shipped without the date of day 1, the mapping does not load ...
        let e = load_mappings(&config("dj", DUNNHUMBY)).unwrap_err();
        assert!(e.to_string().contains("day_one"), "{e}");
        // ... and loads with it written beside the path, counting days from it.
        let cfg = config("dj", &format!("{DUNNHUMBY}day_one = \"2011-03-01\"\n"));
        let m = &load_mappings(&cfg).unwrap()["dj"];
        let body =
            std::fs::read_to_string("tests/data/real/dunnhumby/transaction_data.csv").unwrap();
        let p = csv::parse(&Context::for_tenant("t"), m, &body).unwrap();
        let first = p.records.iter().find_map(|r| match r {
            Ok(Record::Txn(t)) => Some(t.business_date.to_string()),
            _ => None,
        });
        assert_eq!(first.as_deref(), Some("2011-03-01"));
    }

    #[test]
    fn a_column_beside_path_replaces_that_column_and_keeps_the_others() {
        let cfg = config(
            "dj",
            &format!("{DUNNHUMBY}day_one = \"2011-03-01\"\n[columns]\nstore_id = \"Shop\"\n"),
        );
        let m = &load_mappings(&cfg).unwrap()["dj"];
        assert_eq!(m.columns.store_id.as_deref(), Some("Shop"));
        assert_eq!(m.columns.txn_id, "BASKET_ID");
    }

    #[test]
    fn a_mapping_that_is_not_a_table_or_a_missing_file_is_named() {
        let mut cfg = Config::default();
        cfg.csv
            .insert("x".into(), toml::Value::String("kasse.toml".into()));
        let e = load_mappings(&cfg).unwrap_err().to_string();
        assert!(e.contains("[csv.x] must be a table"), "{e}");
        let e = load_mappings(&config("y", "path = \"no/such.toml\"")).unwrap_err();
        assert!(e.to_string().contains("[csv.y] path no/such.toml"), "{e}");
        // A typo in the mapping file names the file, not only the mapping.
        let file =
            std::env::temp_dir().join(format!("pos-mapping-typo-{}.toml", std::process::id()));
        let kasse = include_str!("../../tests/data/kasse.toml");
        std::fs::write(&file, kasse.replace("delimiter =", "delimter =")).unwrap();
        let cfg = config("k", &format!("path = {:?}\n", file.display().to_string()));
        let e = load_mappings(&cfg).unwrap_err().to_string();
        assert!(
            e.contains(&format!("[csv.k] (path {}", file.display())) && e.contains("delimter"),
            "{e}"
        );
        let _ = std::fs::remove_file(&file);
    }
}
