//! FEBRL benchmark driver for the identity matcher (benches/identity/run.sh runs it).
//!
//! Reads a TSV exported by benches/identity/febrl_bench.py (header `rec_id source <fields…>`),
//! trains the Fellegi–Sunter model on it without labels, resolves identities and writes the
//! predicted pairs: `pairs` (every scored candidate at or above the threshold) and `clusters`
//! (every pair inside a resolved identity). Prints one JSON line with timings.
//!
//! usage: identity_febrl <in.tsv> <all|no_dob_ssid> <link_only: true|false> <out_prefix> [tf]
//!
//! `tf` lists the fields with the term-frequency adjustment, comma-separated, or `none`; by
//! default [`DEFAULT_TF`], the columns febrl_bench.py gives Splink's adjustment.

use pos_core::identity::address::normalize_address;
use pos_core::identity::blocking::{BlockingRule, PairScope};
use pos_core::identity::compare::Comparison;
use pos_core::identity::record::Record;
use pos_core::identity::resolve::{cluster_config, resolve};
use pos_core::identity::term_frequency::TermFrequency;
use pos_core::identity::train::{train, FieldSpec, TrainingConfig};
use std::io::Write;
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 5 && args.len() != 6 {
        eprintln!(
            "usage: identity_febrl <in.tsv> <all|no_dob_ssid> <link_only: true|false> <out_prefix> [tf fields|none]"
        );
        std::process::exit(2);
    }
    let all_fields = match args[2].as_str() {
        "all" => true,
        "no_dob_ssid" => false,
        v => fail(&format!("variant must be 'all' or 'no_dob_ssid', got {v}")),
    };
    let link_only = args[3] == "true";
    let term_frequency = match args.get(5).map(String::as_str).unwrap_or(DEFAULT_TF) {
        "none" => None,
        fields => Some(TermFrequency::on(&fields.split(',').collect::<Vec<_>>())),
    };
    let (ids, records) = read(&args[1], all_fields);
    let (fields, rules) = febrl_setup(all_fields);

    let started = Instant::now();
    let scope = PairScope {
        link_only,
        ..PairScope::default()
    };
    let cfg = TrainingConfig {
        scope,
        swappable: vec![["given_name".into(), "surname".into()]],
        term_frequency,
        ..TrainingConfig::default()
    };
    let model = train(&fields, &rules, &records, &cfg).unwrap_or_else(|e| fail(&e.to_string()));
    let trained = started.elapsed();
    let mut ccfg = cluster_config(&model);
    ccfg.one_per_source = link_only;
    let res = resolve(&model, &records, &scope, &ccfg).unwrap_or_else(|e| fail(&e.to_string()));
    let total = started.elapsed();

    let accept = ccfg.accept_weight;
    let pairs: Vec<(u32, u32)> = res
        .scored
        .iter()
        .filter(|p| p.2 >= accept)
        .map(|p| (p.0, p.1))
        .collect();
    write_pairs(&format!("{}_pairs.tsv", args[4]), &ids, pairs.into_iter());
    let cluster_pairs = res.groups.iter().flat_map(|g| {
        g.iter()
            .enumerate()
            .flat_map(move |(x, &i)| g[x + 1..].iter().map(move |&j| (i, j)))
    });
    let cluster_pairs: Vec<_> = cluster_pairs
        .filter(|&(i, j)| !link_only || records[i as usize].source != records[j as usize].source)
        .collect();
    write_pairs(
        &format!("{}_clusters.tsv", args[4]),
        &ids,
        cluster_pairs.into_iter(),
    );
    std::fs::write(
        format!("{}_model.json", args[4]),
        serde_json::to_string_pretty(&model).unwrap(),
    )
    .unwrap();
    println!(
        "{{\"records\": {}, \"candidate_pairs\": {}, \"train_s\": {:.4}, \"total_s\": {:.4}, \"prior\": {:e}}}",
        records.len(),
        res.scored.len(),
        trained.as_secs_f64(),
        total.as_secs_f64(),
        model.prior
    );
}

/// Fields with the term-frequency adjustment unless the command line says otherwise: the names
/// and the places, whose values range from very common to nearly unique; febrl_bench.py gives
/// Splink the adjustment on the same columns. Not street_number (a house number says nothing
/// without its street), not state (eight values: the exact level's own u covers it).
const DEFAULT_TF: &str = "given_name,surname,postcode,suburb";

/// Field comparisons and blocking rules; Splink gets the same ones in febrl_bench.py.
fn febrl_setup(all_fields: bool) -> (Vec<FieldSpec>, Vec<BlockingRule>) {
    let jw = || Comparison::JaroWinkler {
        thresholds: vec![0.92, 0.8],
    };
    let lev = |k: Vec<usize>| Comparison::Levenshtein {
        max_edits: k,
        digits_exact: false,
    };
    let mut fields = vec![
        ("given_name", jw()),
        ("surname", jw()),
        ("street_number", lev(vec![1])),
        (
            "address_1",
            Comparison::TokenSet {
                thresholds: vec![0.92, 0.8],
            },
        ),
        (
            "address_2",
            Comparison::TokenSet {
                thresholds: vec![0.92, 0.8],
            },
        ),
        ("suburb", jw()),
        ("postcode", lev(vec![1])),
        ("state", Comparison::Exact),
    ];
    let mut rules = vec![
        "given_name & surname",
        "surname & postcode",
        "given_name & postcode",
        "postcode & street_number",
        "suburb & surname:2",
    ];
    if all_fields {
        fields.push((
            "date_of_birth",
            Comparison::DateDistance {
                max_days: vec![366],
            },
        ));
        fields.push(("soc_sec_id", lev(vec![1, 2])));
        rules.extend(["date_of_birth", "soc_sec_id"]);
    }
    let fields = fields
        .into_iter()
        .map(|(n, c)| FieldSpec {
            name: n.into(),
            comparison: c,
        })
        .collect();
    (
        fields,
        rules
            .into_iter()
            .map(|r| BlockingRule::parse(r).unwrap())
            .collect(),
    )
}

fn read(path: &str, all_fields: bool) -> (Vec<String>, Vec<Record>) {
    let text =
        std::fs::read_to_string(path).unwrap_or_else(|e| fail(&format!("cannot read {path}: {e}")));
    let mut lines = text.lines();
    let header: Vec<&str> = lines
        .next()
        .unwrap_or_else(|| fail("empty input"))
        .split('\t')
        .collect();
    let wanted = [
        "given_name",
        "surname",
        "street_number",
        "address_1",
        "address_2",
        "suburb",
        "postcode",
        "state",
        "date_of_birth",
        "soc_sec_id",
    ];
    let wanted = if all_fields {
        &wanted[..]
    } else {
        &wanted[..8]
    };
    let col = |name: &str| {
        header
            .iter()
            .position(|h| *h == name)
            .unwrap_or_else(|| fail(&format!("column {name} missing")))
    };
    let cols: Vec<usize> = wanted.iter().map(|w| col(w)).collect();
    let address_col = col("address_1");
    let (mut ids, mut records) = (Vec::new(), Vec::new());
    for line in lines {
        let cells: Vec<&str> = line.split('\t').collect();
        let values = cols
            .iter()
            .map(|&c| {
                let v = cells.get(c).map(|s| s.trim()).filter(|s| !s.is_empty())?;
                // Our address normalizer is part of the matcher; other fields are already folded.
                Some(if c == address_col {
                    normalize_address(v).unwrap_or_else(|_| v.to_string())
                } else {
                    v.to_string()
                })
            })
            .collect();
        ids.push(cells[0].to_string());
        records.push(Record {
            source: cells[1].parse().unwrap_or(0),
            values,
        });
    }
    (ids, records)
}

fn write_pairs(path: &str, ids: &[String], pairs: impl Iterator<Item = (u32, u32)>) {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    for (i, j) in pairs {
        writeln!(out, "{}\t{}", ids[i as usize], ids[j as usize]).unwrap();
    }
}

fn fail(msg: &str) -> ! {
    eprintln!("identity_febrl: {msg}");
    std::process::exit(1)
}
