//! Every `curl` example of docs/api.md, run against an in-process server on a real cluster
//! (POS_TEST_URL, admin rights), as a reader would paste it.
//!
//! The examples are read from the document, not copied here: each `curl` command of a `sh` block
//! (continued over lines ending in `\`, up to a shell pipe or comment) is parsed for its URL,
//! `-H` headers and `-X`/`-d`, `localhost:8080` becomes the test server and `$KEY` the key of a
//! tenant seeded with the stores, dates and SKU the examples name. What the document promises
//! around an example is checked too:
//! - no 5xx, ever; 2xx unless the output shown is an error (`{"code":…}`), whose status the
//!   document's error table gives;
//! - a status or `Content-Range: a-b/…` named in the comment just above the command;
//! - the keys of the JSON shown after the command (a `# [{…}]` comment or the next `json` block)
//!   all appear in the answer, and a JSON array answer is not empty (the fixture has data);
//! - the header line of a CSV output shown after it;
//! - `| grep WORD` finds WORD, `| python3 -m json.tool` gets JSON;
//! - `curl -N` (a stream) answers 200 `text/event-stream`; it is then dropped.
//!
//! Run: POS_TEST_URL=postgresql://postgres@localhost:5544/pos cargo test -p pos-query-api --test doc_curl
//! POS_DOC_CURL_FILE=<path> reads another copy of the document.
mod common;

use std::collections::{BTreeSet, HashMap};
use std::time::Duration;

use common::*;
use pos_query_api::migrate;

const SKU: &str = "00012345678905";

/// One `curl` example of the document.
#[derive(Debug)]
struct Example {
    /// 1-based line of the document where the command starts.
    line: usize,
    /// The command as written (continuations joined), for messages.
    text: String,
    /// The curl words (after `curl`), variables expanded.
    args: Vec<String>,
    /// Commands piped after it, as words.
    pipes: Vec<Vec<String>>,
    /// Comment lines just above the command in its block.
    before: Vec<String>,
    /// What the document shows as its output: `# …` lines just below it, or for the block's last
    /// command the next non-shell block of the same section.
    output: Option<Output>,
}

#[derive(Debug)]
struct Output {
    lang: String,
    text: String,
}

struct Block {
    lang: String,
    /// (1-based line, text) of the lines inside the fence.
    lines: Vec<(usize, String)>,
    /// A heading lies between the previous block and this one.
    after_heading: bool,
}

fn blocks(doc: &str) -> Vec<Block> {
    let mut out = Vec::new();
    let mut open: Option<Block> = None;
    let mut heading = false;
    for (i, line) in doc.lines().enumerate() {
        let t = line.trim_start();
        if let Some(rest) = t.strip_prefix("```") {
            match open.take() {
                Some(b) => out.push(b),
                None => {
                    open = Some(Block {
                        lang: rest.trim().to_string(),
                        lines: Vec::new(),
                        after_heading: std::mem::take(&mut heading),
                    })
                }
            }
        } else if let Some(b) = open.as_mut() {
            b.lines.push((i + 1, line.to_string()));
        } else if t.starts_with('#') {
            heading = true;
        }
    }
    assert!(open.is_none(), "unterminated code fence");
    out
}

/// Shell words of one command line, split at unquoted `|` into the pipeline's commands; `$KEY`
/// (quoted or not) is replaced by `key`. Stops at an unquoted `#` that starts a word.
fn shell_words(cmd: &str, key: &str) -> Vec<Vec<String>> {
    let mut pipeline = vec![Vec::new()];
    let mut word: Option<String> = None;
    let mut chars = cmd.chars().peekable();
    let var = |chars: &mut std::iter::Peekable<std::str::Chars>| {
        let mut name = String::new();
        while let Some(&c) = chars.peek() {
            if c.is_ascii_alphanumeric() || c == '_' {
                name.push(c);
                chars.next();
            } else {
                break;
            }
        }
        match name.as_str() {
            "KEY" => key.to_string(),
            _ => panic!("unknown shell variable ${name} in {cmd:?}"),
        }
    };
    while let Some(c) = chars.next() {
        match c {
            ' ' | '\t' | '\n' => {
                if let Some(w) = word.take() {
                    pipeline.last_mut().unwrap().push(w);
                }
            }
            '#' if word.is_none() => break,
            '|' => {
                if let Some(w) = word.take() {
                    pipeline.last_mut().unwrap().push(w);
                }
                pipeline.push(Vec::new());
            }
            // A shell would split, redirect or fail on these unquoted, even inside a word.
            ';' | '&' | '<' | '>' | '`' | '(' | ')' => {
                panic!("unquoted {c:?} in {cmd:?}: the shell would not pass it to curl")
            }
            '\'' => {
                let w = word.get_or_insert_with(String::new);
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(c) => w.push(c),
                        None => panic!("unterminated ' in {cmd:?}"),
                    }
                }
            }
            '"' => {
                word.get_or_insert_with(String::new);
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(c @ ('"' | '\\' | '$' | '`')) => word.as_mut().unwrap().push(c),
                            Some(c) => {
                                let w = word.as_mut().unwrap();
                                w.push('\\');
                                w.push(c);
                            }
                            None => panic!("unterminated \" in {cmd:?}"),
                        },
                        Some('$') => {
                            let v = var(&mut chars);
                            word.as_mut().unwrap().push_str(&v);
                        }
                        Some('`') => panic!("command substitution in {cmd:?}"),
                        Some(c) => word.as_mut().unwrap().push(c),
                        None => panic!("unterminated \" in {cmd:?}"),
                    }
                }
            }
            '\\' => {
                if let Some(c) = chars.next() {
                    word.get_or_insert_with(String::new).push(c);
                }
            }
            '$' => {
                let v = var(&mut chars);
                word.get_or_insert_with(String::new).push_str(&v);
            }
            c => word.get_or_insert_with(String::new).push(c),
        }
    }
    if let Some(w) = word.take() {
        pipeline.last_mut().unwrap().push(w);
    }
    pipeline
}

/// Every `curl` command of the document's shell blocks.
fn examples(doc: &str, key: &str) -> Vec<Example> {
    let blocks = blocks(doc);
    let mut out = Vec::new();
    for (bi, b) in blocks.iter().enumerate() {
        if !matches!(b.lang.as_str(), "sh" | "bash" | "shell" | "console") {
            continue;
        }
        // Logical lines: a line ending in `\` continues on the next.
        let mut logical: Vec<(usize, String)> = Vec::new();
        let mut pending: Option<(usize, String)> = None;
        for (n, l) in &b.lines {
            let (start, mut text) = pending.take().unwrap_or((*n, String::new()));
            let t = l.trim_end();
            if let Some(cont) = t.strip_suffix('\\') {
                text.push_str(cont);
                text.push(' ');
                pending = Some((start, text));
            } else {
                text.push_str(t);
                logical.push((start, text));
            }
        }
        assert!(
            pending.is_none(),
            "line {}: `\\` at the end of a block",
            b.lines[0].0
        );
        let is_comment = |s: &str| s.trim_start().starts_with('#');
        let mut in_block = Vec::new();
        for (i, (line, text)) in logical.iter().enumerate() {
            if !text.trim_start().starts_with("curl ") {
                continue;
            }
            let mut pipeline = shell_words(text, key).into_iter();
            let mut args = pipeline.next().unwrap();
            assert_eq!(args.remove(0), "curl");
            let before = logical[..i]
                .iter()
                .rev()
                .take_while(|(_, t)| is_comment(t))
                .map(|(_, t)| t.trim_start().trim_start_matches('#').trim().to_string())
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            let after: Vec<&str> = logical[i + 1..]
                .iter()
                .take_while(|(_, t)| is_comment(t))
                .map(|(_, t)| t.trim_start().trim_start_matches('#').trim())
                .filter(|t| t.starts_with('[') || t.starts_with('{'))
                .collect();
            let output = (!after.is_empty()).then(|| Output {
                lang: "json".into(),
                text: after.join("\n"),
            });
            in_block.push(Example {
                line: *line,
                text: text.clone(),
                args,
                pipes: pipeline.collect(),
                before,
                output,
            });
        }
        // The block's last example: its output is the next block when that one is not a command
        // and no heading comes in between.
        if let (Some(last), Some(next)) = (in_block.last_mut(), blocks.get(bi + 1)) {
            if last.output.is_none()
                && !next.after_heading
                && matches!(next.lang.as_str(), "json" | "text")
            {
                let text: Vec<&str> = next.lines.iter().map(|(_, t)| t.as_str()).collect();
                last.output = Some(Output {
                    lang: next.lang.clone(),
                    text: text.join("\n"),
                });
            }
        }
        out.extend(in_block);
    }
    out
}

/// The request an example makes.
#[derive(Debug, Default)]
struct Request {
    method: Option<String>,
    url: String,
    headers: Vec<(String, String)>,
    data: Option<String>,
    stream: bool,
}

fn parse_curl(args: &[String]) -> Request {
    let mut r = Request::default();
    let mut urls = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut value = |what: &str| {
            it.next()
                .unwrap_or_else(|| panic!("{what} without a value"))
                .clone()
        };
        match a.as_str() {
            "-X" | "--request" => r.method = Some(value(a)),
            "-H" | "--header" => {
                let h = value(a);
                let (k, v) = h
                    .split_once(':')
                    .unwrap_or_else(|| panic!("header without ':': {h:?}"));
                r.headers.push((k.trim().to_string(), v.trim().to_string()));
            }
            "-d" | "--data" | "--data-raw" | "--data-binary" => r.data = Some(value(a)),
            "--silent" | "--show-error" | "--include" | "--fail" | "--verbose" => {}
            "-N" | "--no-buffer" => r.stream = true,
            s if s.starts_with("--") => panic!("curl option {s} is not understood by this test"),
            s if s.starts_with('-') && s.len() > 1 => {
                for f in s[1..].chars() {
                    match f {
                        's' | 'S' | 'i' | 'f' | 'v' => {}
                        'N' => r.stream = true,
                        _ => panic!("curl option -{f} (in {s}) is not understood by this test"),
                    }
                }
            }
            url => urls.push(url.to_string()),
        }
    }
    assert_eq!(urls.len(), 1, "one URL expected, got {urls:?}");
    r.url = urls.remove(0);
    r
}

/// Error code → the statuses the document's error table gives it.
fn error_table(doc: &str) -> HashMap<String, Vec<u16>> {
    let mut t: HashMap<String, Vec<u16>> = HashMap::new();
    for line in doc.lines() {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        // | 400 | `unknown_column`, … | when |
        if cells.len() < 4 || !cells[0].is_empty() {
            continue;
        }
        let Ok(status) = cells[1].parse::<u16>() else {
            continue;
        };
        for code in cells[2].split(',') {
            let code = code.trim().trim_matches('`');
            if !code.is_empty() {
                t.entry(code.to_string()).or_default().push(status);
            }
        }
    }
    t
}

/// The object keys of a JSON sample (which may hold `…` and so not parse): each string followed
/// by `:`.
fn sample_keys(sample: &str) -> BTreeSet<String> {
    let parts: Vec<&str> = sample.split('"').collect();
    let mut keys = BTreeSet::new();
    for i in (1..parts.len()).step_by(2) {
        if parts
            .get(i + 1)
            .is_some_and(|p| p.trim_start().starts_with(':'))
        {
            keys.insert(parts[i].to_string());
        }
    }
    keys
}

/// The `"code"` of a JSON error sample.
fn sample_code(sample: &str) -> Option<String> {
    let t = sample.trim_start();
    let rest = t
        .strip_prefix("{\"code\"")?
        .trim_start()
        .strip_prefix(':')?;
    let rest = rest.trim_start().strip_prefix('"')?;
    Some(rest.split('"').next()?.to_string())
}

fn json_keys(v: &serde_json::Value, into: &mut BTreeSet<String>) {
    match v {
        serde_json::Value::Object(m) => {
            for (k, v) in m {
                into.insert(k.clone());
                json_keys(v, into);
            }
        }
        serde_json::Value::Array(a) => a.iter().for_each(|v| json_keys(v, into)),
        _ => {}
    }
}

/// A tenant with the stores, days and SKU the examples name: S07 sells SKU 00012345678905 every
/// day of 2026-10-01..28 (history for the forecast, stock for reorder) and 25 SKUs on 2026-10-15
/// (more than a page of 10), S01 and S02 sell on 2026-10-01..07, and S07 has an open alert.
/// Returns its key.
async fn seed() -> String {
    let c = admin().await;
    let t = run_id("docs");
    c.batch_execute(&format!(
        "BEGIN;
         INSERT INTO pos.store (tenant_id, store_id, name)
         VALUES ('{t}','S01','One'),('{t}','S02','Two'),('{t}','S07','Seven');
         CREATE TEMP TABLE doc_txn ON COMMIT DROP AS
         SELECT s.store_id, s.store_id || '-' || d::date || '-' || i AS id,
                timestamptz '2026-10-01 09:00+00' + (d::date - date '2026-10-01') * interval '1 day' + i * interval '7 minutes' AS at,
                d::date AS day, i
           FROM (VALUES ('S07', date '2026-10-28'), ('S01', date '2026-10-07'), ('S02', date '2026-10-07')) s(store_id, last),
                generate_series(date '2026-10-01', s.last, interval '1 day') d,
                generate_series(1, 3) i;
         INSERT INTO pos.txn (tenant_id, store_id, source, source_txn_id, occurred_at, business_date, currency,
                              line_count, gross_amount, net_amount, tax_amount, tender_amount)
         SELECT '{t}', store_id, 'csv', id, at, day, 'EUR', 1, 10 * i + extract(day FROM day), 10 * i + extract(day FROM day), 1, 10 * i + extract(day FROM day)
           FROM doc_txn;
         INSERT INTO pos.sale_line (tenant_id, store_id, source, source_txn_id, line_no, occurred_at, business_date,
                                    kind, sku, raw_item_id, quantity, unit_price, net_amount, tax, currency)
         SELECT '{t}', store_id, 'csv', id, 1, at, day, 'sale', '{SKU}', '{SKU}', 1 + (i + extract(day FROM day)::int) % 3,
                10, 10 * i + extract(day FROM day), 1, 'EUR'
           FROM doc_txn;
         INSERT INTO pos.sale_line (tenant_id, store_id, source, source_txn_id, line_no, occurred_at, business_date,
                                    kind, sku, raw_item_id, quantity, unit_price, net_amount, currency)
         SELECT '{t}', store_id, 'csv', id, 1 + n, at, day, 'sale', 'SKU' || lpad(n::text, 2, '0'), 'SKU' || n, 1, n, n, 'EUR'
           FROM doc_txn, generate_series(1, 24) n
          WHERE store_id = 'S07' AND day = '2026-10-15' AND i = 1;
         INSERT INTO pos.inventory_level (tenant_id, store_id, sku, as_of, on_hand)
         VALUES ('{t}', 'S07', '{SKU}', '2026-10-28 20:00+00', 40);
         DO $$ BEGIN IF to_regclass('pos.fraud_alert') IS NOT NULL THEN
           INSERT INTO pos.fraud_alert (tenant_id, store_id, level, cashier_id, business_date, score, reasons)
           VALUES ('{t}', 'S07', 'cashier_day', 'C1', '2026-10-15', 0.9, '[]');
         END IF; END $$;
         COMMIT;"
    ))
    .await
    .expect("seed the docs tenant");
    // The views are exact up to their last refresh: refresh the seeded days.
    for r in c
        .query("SELECT view_name::text FROM pos.continuous_aggregate", &[])
        .await
        .expect("continuous aggregates")
    {
        let v: String = r.get(0);
        c.batch_execute(&format!(
            "CALL pos.refresh_continuous_aggregate('{v}', '2026-09-30', '2026-10-30')"
        ))
        .await
        .unwrap_or_else(|e| panic!("refresh {v}: {e}"));
    }
    migrate::create_key(&c, &t, "pos_api", Some("doc curl test"))
        .await
        .expect("key")
}

fn doc_path() -> String {
    std::env::var("POS_DOC_CURL_FILE")
        .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/api.md").to_string())
}

/// Runs one example; returns what is wrong with its answer.
async fn run(
    s: &Server,
    http: &reqwest::Client,
    ex: &Example,
    errors: &HashMap<String, Vec<u16>>,
) -> Vec<String> {
    let mut wrong = Vec::new();
    let r = parse_curl(&ex.args);
    // curl globs [] and {} in URLs (without -g); a pasted example must not contain them.
    if let Some(c) = r.url.chars().find(|c| "[]{} ".contains(*c)) {
        wrong.push(format!("the URL has {c:?}, which curl would glob or split"));
    }
    let path = r
        .url
        .strip_prefix("http://")
        .unwrap_or(&r.url)
        .strip_prefix("localhost:8080")
        .unwrap_or_else(|| panic!("URL {:?} is not on localhost:8080", r.url));
    assert!(
        path.is_empty() || path.starts_with('/') || path.starts_with('?'),
        "URL {:?}",
        r.url
    );
    let method = r
        .method
        .clone()
        .unwrap_or_else(|| if r.data.is_some() { "POST" } else { "GET" }.into());
    let mut req = http.request(
        method.parse().expect("method"),
        format!("{}{}", s.base, if path.is_empty() { "/" } else { path }),
    );
    for (k, v) in &r.headers {
        req = req.header(k, v);
    }
    if let Some(d) = &r.data {
        req = req
            .header("content-type", "application/x-www-form-urlencoded")
            .body(d.clone());
    }
    let resp = match tokio::time::timeout(Duration::from_secs(10), req.send()).await {
        Ok(Ok(resp)) => resp,
        Ok(Err(e)) => return vec![format!("request failed: {e}")],
        Err(_) => return vec!["no answer within 10 s".into()],
    };
    let status = resp.status().as_u16();
    eprintln!("docs/api.md:{}: {method} {path} -> {status}", ex.line);
    let header = |h: &str| {
        resp.headers()
            .get(h)
            .map(|v| v.to_str().unwrap_or("").to_string())
    };
    let ctype = header("content-type").unwrap_or_default();
    let range = header("content-range");
    if r.stream {
        if status != 200 || !ctype.starts_with("text/event-stream") {
            wrong.push(format!(
                "stream: {status} {ctype:?}, expected 200 text/event-stream"
            ));
        }
        return wrong; // dropped: the stream stays open otherwise
    }
    let body = match tokio::time::timeout(Duration::from_secs(10), resp.text()).await {
        Ok(Ok(b)) => b,
        other => return vec![format!("{status}: no body ({other:?})")],
    };
    let shown = |len: usize| body.chars().take(len).collect::<String>();
    if status >= 500 {
        return vec![format!("{status}: {}", shown(400))];
    }

    // What the document shows.
    let error_code = ex
        .output
        .as_ref()
        .filter(|o| o.lang == "json")
        .and_then(|o| sample_code(&o.text));
    let named_status: Vec<u16> = ex
        .before
        .iter()
        .flat_map(|c| c.split(|ch: char| ch.is_whitespace() || ";,+()".contains(ch)))
        .filter(|w| w.len() == 3)
        .filter_map(|w| w.parse::<u16>().ok())
        .filter(|n| (100..600).contains(n))
        .collect();
    match &error_code {
        Some(code) => {
            let statuses = errors
                .get(code)
                .unwrap_or_else(|| panic!("error code {code} is not in the error table"));
            if !statuses.contains(&status) {
                wrong.push(format!(
                    "status {status}, the error table gives {code} {statuses:?}: {}",
                    shown(400)
                ));
            }
            let got: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
            if got["code"] != code.as_str() {
                wrong.push(format!("code {}, the document shows {code}", got["code"]));
            }
            // The message and hint shown, up to a `…`.
            let sample = ex.output.as_ref().map_or("", |o| o.text.as_str());
            if let Ok(serde_json::Value::Object(m)) = serde_json::from_str(sample) {
                for (k, v) in m {
                    let (Some(v), Some(g)) = (v.as_str(), got[&k].as_str()) else {
                        continue;
                    };
                    let ok = match v.split_once('…') {
                        Some((head, _)) => g.starts_with(head),
                        None => g == v,
                    };
                    if !ok {
                        wrong.push(format!("{k} {g:?}, the document shows {v:?}"));
                    }
                }
            }
        }
        None if !(200..300).contains(&status) => {
            wrong.push(format!("status {status}: {}", shown(400)))
        }
        None if !named_status.is_empty() && !named_status.contains(&status) => wrong.push(format!(
            "status {status}, the comment above says {named_status:?}"
        )),
        None => {}
    }
    if let Some(cr) = ex
        .before
        .iter()
        .find_map(|c| c.split_once("Content-Range:").map(|(_, r)| r.trim()))
    {
        let first_last = cr.split('/').next().unwrap_or("");
        match &range {
            Some(got) if got.split('/').next() == Some(first_last) => {}
            _ => wrong.push(format!(
                "Content-Range {range:?}, the comment above says {first_last}/…"
            )),
        }
    }

    // The output shown after the command.
    if ctype.starts_with("application/json") {
        match serde_json::from_str::<serde_json::Value>(&body) {
            Err(e) => wrong.push(format!("not JSON ({e}): {}", shown(200))),
            Ok(v) => {
                if v.as_array().is_some_and(Vec::is_empty) {
                    wrong.push("an empty array: the fixture has data for this example".into());
                }
                if let Some(o) = ex.output.as_ref().filter(|o| o.lang == "json") {
                    let mut got = BTreeSet::new();
                    json_keys(&v, &mut got);
                    let missing: Vec<_> = sample_keys(&o.text).difference(&got).cloned().collect();
                    if !missing.is_empty() {
                        wrong.push(format!(
                            "keys {missing:?} of the output shown are not in the answer: {}",
                            shown(300)
                        ));
                    }
                }
            }
        }
    } else if ctype.starts_with("text/csv") {
        let lines: Vec<&str> = body.lines().collect();
        if lines.len() < 2 {
            wrong.push(format!("CSV without rows: {body:?}"));
        }
        if let Some(o) = ex.output.as_ref().filter(|o| o.lang == "text") {
            let shown_header = o.text.lines().next().unwrap_or("");
            if lines.first() != Some(&shown_header) {
                wrong.push(format!(
                    "CSV header {:?}, the document shows {shown_header:?}",
                    lines.first()
                ));
            }
        }
    }

    // Pipes: what `grep WORD` looks for must be there; `json.tool` needs JSON.
    for p in &ex.pipes {
        match p.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
            ["grep", word] if !body.contains(word) => wrong.push(format!(
                "`grep {word}` would find nothing in {}",
                shown(300)
            )),
            ["python3", "-m", "json.tool", ..]
                if serde_json::from_str::<serde_json::Value>(&body).is_err() =>
            {
                wrong.push(format!("`json.tool` would fail on {}", shown(200)))
            }
            _ => {}
        }
    }
    wrong
}

#[tokio::test]
async fn every_curl_example_of_the_api_doc_works() {
    let path = doc_path();
    let doc = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let service_url = fixture().service_url.clone();
    let key = seed().await;
    let s = server_at(&service_url, |_| {}).await;
    // Like curl: no redirects followed, no compression asked for.
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let errors = error_table(&doc);
    let examples = examples(&doc, &key);
    // Every line that starts a curl command is an example: none outside a shell block.
    let curl_lines = doc
        .lines()
        .filter(|l| l.trim_start().starts_with("curl "))
        .count();
    assert_eq!(
        examples.len(),
        curl_lines,
        "curl commands outside ```sh blocks: {:?}",
        examples.iter().map(|e| e.line).collect::<Vec<_>>()
    );
    assert!(
        examples.len() >= 10,
        "only {} examples found",
        examples.len()
    );
    let mut failures = Vec::new();
    for ex in &examples {
        let wrong = run(&s, &http, ex, &errors).await;
        if !wrong.is_empty() {
            failures.push(format!(
                "{path}:{}: {}\n    {}",
                ex.line,
                ex.text.split_whitespace().collect::<Vec<_>>().join(" "),
                wrong.join("\n    ")
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} curl examples fail:\n{}",
        failures.len(),
        examples.len(),
        failures.join("\n")
    );
}

/// The document parser on its own (no database).
#[test]
fn parses_curl_examples() {
    let doc = "## A\n\n```sh\n# top; 206 + Content-Range: 0-9/5\ncurl -si \"localhost:8080/v1/x?a=eq.1\" \\\n     -H \"Authorization: Bearer $KEY\" -H 'Prefer: count=exact'\n# [{\"k\":1,\"m\":…}]\ncurl -s localhost:8080/metrics | grep foo   # a comment | not a pipe\n```\n\n```json\n{\"code\":\"unknown_column\",\"message\":\"…\"}\n```\n\n| status | code | when |\n|---|---|---|\n| 400 | `unknown_column`, `x` | y |\n";
    let ex = examples(doc, "pak_1");
    assert_eq!(ex.len(), 2);
    assert_eq!(ex[0].line, 5);
    assert_eq!(ex[0].before, ["top; 206 + Content-Range: 0-9/5"]);
    assert_eq!(ex[0].output.as_ref().unwrap().text, "[{\"k\":1,\"m\":…}]");
    let r = parse_curl(&ex[0].args);
    assert_eq!(r.url, "localhost:8080/v1/x?a=eq.1");
    assert_eq!(
        r.headers,
        [
            ("Authorization".to_string(), "Bearer pak_1".to_string()),
            ("Prefer".to_string(), "count=exact".to_string())
        ]
    );
    assert_eq!(ex[1].pipes, [["grep", "foo"]]);
    assert_eq!(
        sample_code(&ex[1].output.as_ref().unwrap().text).as_deref(),
        Some("unknown_column")
    );
    assert_eq!(
        sample_keys("[{\"k\":1,\"m\" : \"a:b\"}]"),
        BTreeSet::from(["k".to_string(), "m".to_string()])
    );
    assert_eq!(error_table(doc)["x"], [400]);
}
