//! SKU normalization throughput, one thread (= per core). Run in release:
//! `cargo bench -p pos-core --bench sku` (prints one line per workload).
//! Goal from issue 4: >= 10 M GTIN normalizations per second per core.

use std::hint::black_box;
use std::time::{Duration, Instant};

use pos_core::sku::check_digit::gs1_check_digit;
use pos_core::sku::{normalize_gtin, normalize_item_id, parse_barcode, sku_key, Mode, Scheme};

/// Deterministic digits (xorshift), so every run measures the same inputs.
struct Rng(u64);
impl Rng {
    fn digit(&mut self) -> u8 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % 10) as u8
    }
}

fn valid_code(rng: &mut Rng, len: usize) -> String {
    let mut data: Vec<u8> = (0..len - 1).map(|_| rng.digit()).collect();
    data[0] = 1 + data[0] % 8; // no leading zero, no 9 (keeps PLU/variable-measure out)
    data.push(gs1_check_digit(&data));
    data.iter().map(|d| char::from(b'0' + d)).collect()
}

fn inputs() -> (Vec<String>, Vec<String>, Vec<String>) {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let clean: Vec<String> = (0..4096)
        .map(|i| valid_code(&mut rng, [12, 13, 8, 14][i % 4]))
        .collect();
    let messy: Vec<String> = clean
        .iter()
        .enumerate()
        .map(|(i, c)| match i % 4 {
            0 => format!(" {} {} ", &c[..4], &c[4..]),
            1 => format!("{c}.0"),
            2 => format!("'{c}"),
            _ => c
                .chars()
                .map(|ch| char::from_u32(ch as u32 + 0xFEE0).unwrap())
                .collect(),
        })
        .collect();
    let items: Vec<String> = clean
        .iter()
        .enumerate()
        .map(|(i, c)| match i % 5 {
            0 => "4011".to_string(),
            1 => format!("sku-{i:05}_x"),
            _ => c.clone(),
        })
        .collect();
    (clean, messy, items)
}

/// Nanoseconds this thread has spent on a CPU (Linux schedstat), so a busy shared machine
/// measures the code, not the queue for a core.
fn cpu_ns() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    stat.split_whitespace().next()?.parse().ok()
}

/// Runs `f` over `data` repeatedly for about `budget` of wall time; returns calls per wall
/// second and per on-CPU second.
fn measure(data: &[String], budget: Duration, f: impl Fn(&str) -> usize) -> (f64, Option<f64>) {
    let (mut calls, mut sink) = (0u64, 0usize);
    let (start, cpu_start) = (Instant::now(), cpu_ns());
    while start.elapsed() < budget {
        for s in data {
            sink = sink.wrapping_add(f(black_box(s)));
        }
        calls += data.len() as u64;
    }
    black_box(sink);
    let wall = calls as f64 / start.elapsed().as_secs_f64();
    let cpu = cpu_start
        .zip(cpu_ns())
        .map(|(a, b)| calls as f64 / ((b - a) as f64 / 1e9));
    (wall, cpu)
}

/// One measured row: label, inputs, and the function under test (returns a length so the
/// optimizer cannot drop the call).
type BenchRow<'a> = (&'a str, &'a [String], Box<dyn Fn(&str) -> usize + 'a>);

fn main() {
    let (clean, messy, items) = inputs();
    let budget = Duration::from_secs(2);
    let scheme = Scheme::gs1_default();
    let rows: [BenchRow; 6] = [
        (
            "normalize_gtin strict, clean 8/12/13/14 digits",
            &clean,
            Box::new(|s| normalize_gtin(s, Mode::Strict).map_or(0, |n| n.gtin.as_str().len())),
        ),
        (
            "normalize_gtin lenient, clean",
            &clean,
            Box::new(|s| normalize_gtin(s, Mode::Lenient).map_or(0, |n| n.gtin.as_str().len())),
        ),
        (
            "normalize_gtin lenient, messy (spaces, .0, ', full-width)",
            &messy,
            Box::new(|s| normalize_gtin(s, Mode::Lenient).map_or(0, |n| n.gtin.as_str().len())),
        ),
        (
            "parse_barcode lenient, clean",
            &clean,
            Box::new(|s| usize::from(parse_barcode(s, &scheme, Mode::Lenient).valid)),
        ),
        (
            "normalize_item_id (60% GTIN, 20% PLU, 20% vendor SKU)",
            &items,
            Box::new(|s| normalize_item_id(s).sku.len()),
        ),
        (
            "sku_key (vendor SKU match key)",
            &items,
            Box::new(|s| sku_key(s).len()),
        ),
    ];
    println!(
        "{:<60} {:>11} {:>11} {:>9}",
        "workload (1 thread)", "M/s wall", "M/s on-CPU", "ns (CPU)"
    );
    for (name, data, f) in rows.iter() {
        let (wall, cpu) = measure(data, budget, f);
        let cpu = cpu.unwrap_or(wall);
        println!(
            "{name:<60} {:>11.2} {:>11.2} {:>9.1}",
            wall / 1e6,
            cpu / 1e6,
            1e9 / cpu
        );
    }
}
