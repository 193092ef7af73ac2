//! Runs the SQL in docs/*.md as tests, like timescaledb-toolkit's sql-doctester.
//!
//! Each ```sql block runs through psql (aligned format, no footer) in a fresh database per file;
//! when the next fenced block is ```output its text must equal psql's stdout (trailing spaces
//! ignored). A ```sql-error block must fail, and its ```output holds the ERROR/DETAIL/HINT lines.
//! Usage: doc-sql [--record] URL FILE.md… (URL points at any database of the cluster; exit 1 on
//! any failure). `--record` writes what psql printed into the ```output blocks (adding them where
//! a block printed something and had none) instead of comparing: review the diff before committing.
use pos_e2e::docs::{parse_blocks, record_outputs, Block};
use std::process::{Command, ExitCode};

fn main() -> ExitCode {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let record = args.first().is_some_and(|a| a == "--record");
    if record {
        args.remove(0);
    }
    if args.len() < 2 {
        eprintln!("usage: doc-sql [--record] URL FILE.md…");
        return ExitCode::from(2);
    }
    let (url, files) = (&args[0], &args[1..]);
    let mut failures = 0;
    let mut checked = 0;
    for file in files {
        let text = match std::fs::read_to_string(file) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("{file}: {e}");
                return ExitCode::from(2);
            }
        };
        let db = fresh_database(url, file);
        let blocks = parse_blocks(&text);
        let mut recorded = Vec::new();
        for b in &blocks {
            checked += 1;
            match run_block(&db, b) {
                Ok(_) => {}
                Err(Failure::Differs(got)) if record => recorded.push((b.line, got)),
                Err(Failure::Differs(_)) if b.expected.is_none() => {}
                Err(e) => {
                    failures += 1;
                    eprintln!("FAIL {file}:{}: {}", b.line, e.message(b));
                }
            }
        }
        if record && !recorded.is_empty() {
            if let Err(e) = std::fs::write(file, record_outputs(&text, &blocks, &recorded)) {
                eprintln!("{file}: {e}");
                return ExitCode::from(2);
            }
            println!("{file}: recorded {} outputs", recorded.len());
        }
    }
    println!("doc-sql: {checked} blocks checked, {failures} failed");
    if failures == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn psql(url: &str, sql: &str) -> std::process::Output {
    use std::io::Write;
    let mut child = Command::new("psql")
        .args([
            "-X",
            "-q",
            "-v",
            "ON_ERROR_STOP=1",
            "-P",
            "footer=off",
            url,
            "-f",
            "-",
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("psql must be installed");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(sql.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

/// Creates (or re-creates) a database named after the doc file, with the extension installed.
fn fresh_database(url: &str, file: &str) -> String {
    let stem = std::path::Path::new(file)
        .file_stem()
        .unwrap()
        .to_string_lossy();
    let name: String = format!("doc_{}", stem.to_lowercase())
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    let out = psql(
        url,
        &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE);\nCREATE DATABASE {name};\n"),
    );
    assert!(
        out.status.success(),
        "cannot create {name}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let base = url.rsplit_once('/').map(|(b, _)| b).unwrap_or(url);
    let db = format!("{base}/{name}");
    let out = psql(&db, "CREATE EXTENSION pos_analytics;");
    assert!(
        out.status.success(),
        "CREATE EXTENSION failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    db
}

/// Why a block failed; `Differs` carries what psql printed, which `--record` writes down.
enum Failure {
    Other(String),
    Differs(String),
}

impl Failure {
    fn message(&self, b: &Block) -> String {
        match self {
            Failure::Other(m) => m.clone(),
            Failure::Differs(got) => format!(
                "output differs\n--- expected\n{}\n--- got\n{got}",
                normalize(b.expected.as_deref().unwrap_or("(no output block)"))
            ),
        }
    }
}

/// Runs one block. A block without an output block passes whenever psql succeeds (or fails, for
/// `sql-error`); its output is reported as `Differs` only so that `--record` can add it.
fn run_block(db: &str, b: &Block) -> Result<(), Failure> {
    let out = psql(db, &b.sql);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let got = if b.expect_error {
        if out.status.success() {
            return Err(Failure::Other(
                "expected an error, the block succeeded".into(),
            ));
        }
        error_lines(&stderr)
    } else {
        if !out.status.success() {
            return Err(Failure::Other(format!("psql failed:\n{stderr}")));
        }
        normalize(&stdout)
    };
    match &b.expected {
        Some(want) if normalize(want) != got => Err(Failure::Differs(got)),
        None if !got.is_empty() => Err(Failure::Differs(got)),
        _ => Ok(()),
    }
}

fn normalize(s: &str) -> String {
    let lines: Vec<&str> = s.lines().map(str::trim_end).collect();
    lines.join("\n").trim_matches('\n').to_string()
}

/// The ERROR/DETAIL/HINT lines of psql's stderr, without the `psql:<stdin>:N: ` prefix.
fn error_lines(stderr: &str) -> String {
    stderr
        .lines()
        .map(|l| match l.find(": ERROR:") {
            Some(i) if l.starts_with("psql:") => &l[i + 2..],
            _ => l,
        })
        .filter(|l| {
            ["ERROR:", "DETAIL:", "HINT:"]
                .iter()
                .any(|p| l.starts_with(p))
        })
        .map(str::trim_end)
        .collect::<Vec<_>>()
        .join("\n")
}
