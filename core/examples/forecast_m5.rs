//! M5 benchmark runner for pos-core forecasting (see benches/forecast/RESULTS.md).
//!
//! Reads the evaluation window exported by benches/forecast/export_m5.py, trains on the first
//! `train` days of every series, forecasts the next `horizon`, writes the forecasts as CSV and
//! prints the wall time and mean RMSSE against the official scales.
//!
//! cargo run --release -p pos-core --example forecast_m5 -- IN.csv OUT.csv [method] [threads] [store|none]
//!
//! `store` (the default) pools a weekday profile per store that each series' own is shrunk
//! towards, as `pos.forecast_all` does; `none` forecasts every series on its own.
use std::error::Error;
use std::fs;
use std::io::Write;
use std::time::Instant;

use pos_core::forecast::batch::{forecast_grouped, Batch};
use pos_core::forecast::metrics::rmsse_with_scale;
use pos_core::forecast::Spec;

const TRAIN: usize = 21;
const HORIZON: usize = 7;

struct Series {
    id: String,
    scale: f64,
    values: Vec<f64>,
}

fn read(path: &str) -> Result<Vec<Series>, Box<dyn Error>> {
    let text = fs::read_to_string(path)?;
    let mut out = Vec::new();
    for line in text.lines().skip(1) {
        let mut cols = line.split(',');
        let id = cols.next().ok_or("missing id")?.to_string();
        let scale: f64 = cols.next().ok_or("missing scale")?.parse()?;
        let _weight = cols.next();
        let values = cols.map(str::parse).collect::<Result<Vec<f64>, _>>()?;
        if values.len() < TRAIN + HORIZON {
            return Err(format!("{id}: {} days, need {}", values.len(), TRAIN + HORIZON).into());
        }
        out.push(Series { id, scale, values });
    }
    Ok(out)
}

/// Dense group ids by store: ids look like `FOODS_1_001_CA_1_evaluation`.
fn store_groups(series: &[Series]) -> Vec<usize> {
    let mut stores: Vec<String> = Vec::new();
    series
        .iter()
        .map(|s| {
            let parts: Vec<&str> = s.id.rsplitn(4, '_').collect();
            let store = format!(
                "{}_{}",
                parts.get(2).unwrap_or(&""),
                parts.get(1).unwrap_or(&"")
            );
            stores.iter().position(|k| *k == store).unwrap_or_else(|| {
                stores.push(store);
                stores.len() - 1
            })
        })
        .collect()
}

fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().collect();
    let (input, output) = (
        args.get(1)
            .ok_or("usage: IN.csv OUT.csv [method] [threads]")?,
        args.get(2).ok_or("OUT.csv")?,
    );
    let method = args.get(3).map_or("auto", String::as_str);
    let threads = args.get(4).map_or(Ok(2), |t| t.parse())?;
    let pooled = match args.get(5).map_or("store", String::as_str) {
        "store" => true,
        "none" => false,
        other => return Err(format!("grouping must be store or none, not {other}").into()),
    };
    let series = read(input)?;
    let groups = pooled.then(|| store_groups(&series));
    let spec = Spec::new(HORIZON as i64, 7, 0.95, method)?;
    let train: Vec<Vec<f64>> = series.iter().map(|s| s.values[..TRAIN].to_vec()).collect();

    let started = Instant::now();
    let results = forecast_grouped(
        &train,
        groups.as_deref(),
        &spec,
        Batch {
            threads,
            on_thread_start: None,
        },
    );
    let seconds = started.elapsed().as_secs_f64();

    let mut file = std::io::BufWriter::new(fs::File::create(output)?);
    writeln!(
        file,
        "id,method,{}",
        (1..=HORIZON)
            .map(|h| format!("f{h}"))
            .collect::<Vec<_>>()
            .join(",")
    )?;
    let (mut sum, mut failed) = (0.0, 0usize);
    for (s, r) in series.iter().zip(&results) {
        let fc = r.as_ref().map_err(|e| format!("{}: {e}", s.id))?;
        let actual = &s.values[TRAIN..TRAIN + HORIZON];
        match rmsse_with_scale(actual, &fc.mean, s.scale) {
            Some(v) => sum += v,
            None => failed += 1,
        }
        let cols: Vec<String> = fc.mean.iter().map(|v| format!("{v:.6}")).collect();
        writeln!(file, "{},{},{}", s.id, fc.method.name(), cols.join(","))?;
    }
    let n = series.len() - failed;
    println!("method={method} pooled={pooled} series={} threads={threads} seconds={seconds:.3} mean_rmsse={:.5}", series.len(), sum / n as f64);
    Ok(())
}
