//! `pos-ingest import FILE… --format F`: batch files through the writer, with a progress bar,
//! a summary, and resumption. NDJSON files are read in chunks of `--batch` events, each chunk
//! one transaction; after each commit the byte offset is saved in the state directory, so an
//! interrupted import restarts after the last committed chunk (and a chunk committed just
//! before a crash, replayed, is recognised by its event ids and skipped). CSV files go the same
//! way in chunks of whole transactions (`csv_file`). Other formats are one payload per file.

mod csv_file;
mod state;

use crate::adapters::csv::Mapping;
use crate::adapters::format::{
    map, quarantine_rejected, text_of, unreadable, Events, Format, Meta,
};
use crate::adapters::Context;
use crate::envelope::{prepack, Envelope};
use crate::writer::phases::Phases;
use crate::writer::{Counts, Writer};
use anyhow::Context as _;
use futures_util::future::try_join_all;
use indicatif::{ProgressBar, ProgressStyle};
use sha2::Digest;
use state::{hex_of, Mark, Resume, Slot};
use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::time::Instant;
use tokio::sync::mpsc;

pub struct ImportArgs {
    pub url: String,
    pub files: Vec<PathBuf>,
    pub format: Option<Format>,
    pub batch: usize,
    /// Connections writing an NDJSON file's chunks at once.
    pub writers: usize,
    pub state_dir: Option<PathBuf>,
    pub progress: bool,
}

#[derive(Debug, Default)]
pub struct Summary {
    pub files: usize,
    pub resumed_files: usize,
    pub counts: Counts,
    /// The writer's time per step, summed over the chunks: where an import's time went.
    pub phases: Phases,
    pub payload_errors: Vec<String>,
    /// Files whose saved offset was not used: they changed since the run that saved it.
    pub restarted: Vec<String>,
    /// Files with nothing in them.
    pub empty: Vec<String>,
    pub seconds: f64,
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let c = &self.counts;
        writeln!(
            f,
            "files:      {} ({} resumed)",
            self.files, self.resumed_files
        )?;
        writeln!(
            f,
            "payloads:   {} stored, {} duplicates skipped",
            c.envelopes - c.duplicates,
            c.duplicates
        )?;
        writeln!(
            f,
            "written:    {} transactions, {} lines, {} rows; {} records rejected (see pos.reject)",
            c.txns_written, c.lines_written, c.rows_written, c.rejects
        )?;
        for e in &self.payload_errors {
            writeln!(f, "unreadable: {e}")?;
        }
        for r in &self.restarted {
            writeln!(
                f,
                "restarted:  {r}: changed since the run that saved its offset; imported from the start (what was stored already is skipped)"
            )?;
        }
        for e in &self.empty {
            writeln!(f, "empty:      {e}: nothing to import")?;
        }
        writeln!(f, "steps:      {}", self.phases)?;
        write!(
            f,
            "time:       {:.1} s, {:.0} lines/s",
            self.seconds,
            c.lines_staged as f64 / self.seconds.max(1e-9)
        )
    }
}

pub async fn run(
    a: ImportArgs,
    ctx: &Context,
    mappings: &HashMap<String, Mapping>,
) -> anyhow::Result<Summary> {
    let mut s = Summary::default();
    run_into(a, ctx, mappings, &mut s).await?;
    Ok(s)
}

/// [`run`], counting into `s` as it goes: when a file fails half-way (a line over the cap, a
/// lost connection), `s` still says what the files and chunks before it committed. The command
/// prints it before the error: before, a run whose second file failed printed only the error,
/// and the first file's commits were reported nowhere.
pub async fn run_into(
    a: ImportArgs,
    ctx: &Context,
    mappings: &HashMap<String, Mapping>,
    s: &mut Summary,
) -> anyhow::Result<()> {
    let started = Instant::now();
    let r = import_all(a, ctx, mappings, s).await;
    s.seconds = started.elapsed().as_secs_f64();
    r
}

async fn import_all(
    a: ImportArgs,
    ctx: &Context,
    mappings: &HashMap<String, Mapping>,
    s: &mut Summary,
) -> anyhow::Result<()> {
    // Every file is looked at, and its state locked, before anything is written: a typo in
    // the last name, a directory, a compressed file or an import of the same file already
    // running fails the run at once, not after hours of the files before it.
    let mut plan = Vec::with_capacity(a.files.len());
    // A file named twice (`a.ndjson ./a.ndjson`, overlapping globs) is refused naming both: its
    // second lock failed as "being imported by another pos-ingest right now", which sent the
    // operator looking for a process that was not there (or, spelt differently, it was
    // imported twice).
    let mut seen: HashMap<PathBuf, &Path> = HashMap::new();
    for file in &a.files {
        let format = format_of(a.format.as_ref(), file)?;
        let len = std::fs::metadata(file)
            .with_context(|| format!("reading {}", file.display()))?
            .len();
        let real = std::fs::canonicalize(file).unwrap_or_else(|_| file.clone());
        if let Some(first) = seen.insert(real, file) {
            anyhow::bail!(
                "{} is named twice (as {} and {}): name each file once",
                file.display(),
                first.display(),
                file.display()
            );
        }
        plan.push((file, format, len));
    }
    if let Some(d) = &a.state_dir {
        std::fs::create_dir_all(d)
            .with_context(|| format!("creating state directory {}", d.display()))?;
    }
    let mut slots = Vec::with_capacity(plan.len());
    for (file, format, len) in &plan {
        let kind = match format {
            Format::Csv(_) => "text-offset",
            _ => "offset",
        };
        // A pipe (`/dev/stdin`, `<(zcat …)`) is read once, from its start: no offset of it
        // can be saved or resumed from, and one saved under its name would be another stream's.
        let regular = std::fs::metadata(file).is_ok_and(|m| m.is_file());
        let slot = match &a.state_dir {
            Some(d) if regular => Some(Slot::open(d, file, *len, kind)?),
            _ => None,
        };
        slots.push(slot);
    }
    let mut ws = Vec::new();
    for _ in 0..a.writers.max(1) {
        ws.push(
            Writer::connect(&a.url)
                .await
                .context("connecting to PostgreSQL")?,
        );
    }
    for ((file, format, len), slot) in plan.into_iter().zip(&slots) {
        let file: &Path = file;
        let saved = slot.as_ref().and_then(Slot::read);
        if len == 0 && std::fs::metadata(file).is_ok_and(|m| m.is_file()) {
            s.empty.push(file.display().to_string());
            s.files += 1;
            continue;
        }
        let bar = bar(a.progress, len, file);
        // A canonical file that opens a JSON array (`[` on its own line, pretty-printed) is
        // read whole, as `check` reads it: cut into chunks of lines, each chunk was no JSON and
        // a file of more lines than `--batch` was stored as rejects, exit 0.
        let array = format == Format::Canonical && opens_array(file)?;
        if format == Format::Canonical && !array {
            let resume = {
                let (file, saved) = (file.to_path_buf(), saved.clone());
                tokio::task::spawn_blocking(move || state::resume_bytes(&file, saved.as_ref()))
                    .await
                    .context("the import reader panicked")??
            };
            s.note_resume(file, resume.from, resume.changed);
            bar.set_position(resume.from);
            let job = LinesJob {
                file,
                resume,
                batch: a.batch,
                state: slot.as_ref(),
            };
            import_lines(&mut ws, ctx, mappings, job, &bar, s).await?;
        } else if let Format::Csv(_) = format {
            let job = csv_file::Job {
                format: &format,
                file,
                saved,
                rows: a.batch,
                state: slot.as_ref(),
            };
            csv_file::import(&mut ws, ctx, mappings, job, &bar, s).await?;
        } else {
            let bytes =
                std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
            let mut h = sha2::Sha256::new();
            h.update(&bytes);
            let done = Mark {
                end: bytes.len() as u64,
                digest: Some(hex_of(&h)),
            };
            let same = saved.as_ref().map(|m| {
                m.end >= done.end
                    && m.digest
                        .as_ref()
                        .is_none_or(|d| Some(d) == done.digest.as_ref())
            });
            s.note_resume(file, u64::from(same == Some(true)), same == Some(false));
            if same != Some(true) {
                import_whole(&mut ws[0], ctx, mappings, &format, file, bytes, s).await?;
                if let Some(slot) = slot {
                    slot.save(&done)?;
                }
            }
        }
        bar.finish_and_clear();
        s.files += 1;
    }
    Ok(())
}

impl Summary {
    /// An error naming the files that could not be read, if any: they are kept as rejected
    /// payloads and the other files imported, but the run did not import them, so the command
    /// exits non-zero (it exited 0, and a CSV refused whole, such as one whose dates are in
    /// the other day/month order, looked imported to a script).
    pub fn unreadable(&self) -> Option<anyhow::Error> {
        let n = self.payload_errors.len();
        (n > 0).then(|| {
            anyhow::anyhow!(
                "{n} file{} could not be read (kept as rejected payloads, see pos.reject; \
                 `replay` once fixed): {}",
                if n == 1 { "" } else { "s" },
                self.payload_errors.join("; ")
            )
        })
    }

    /// Counts a file resumed from `from`, or notes one whose saved offset was refused.
    fn note_resume(&mut self, file: &Path, from: u64, changed: bool) {
        if changed {
            tracing::warn!(file = %file.display(), "the file changed since its offset was saved; importing it from the start");
            self.restarted.push(file.display().to_string());
        } else if from > 0 {
            self.resumed_files += 1;
        }
    }
}

/// The format of `file`: the one given, else guessed from its extension (any case), and
/// never a compressed file, which no adapter reads (it failed as "not valid UTF-8" at byte 0,
/// or was kept as an unreadable payload). `check` asks the same.
pub fn format_of(given: Option<&Format>, file: &Path) -> anyhow::Result<Format> {
    let md = std::fs::metadata(file).with_context(|| format!("reading {}", file.display()))?;
    if md.is_dir() {
        anyhow::bail!("{} is a directory, not a file", file.display());
    }
    let mut head = [0u8; 6];
    // Only a regular file is sniffed: reading a pipe's first bytes would take them away.
    let n = if md.is_file() {
        std::fs::File::open(file)
            .and_then(|mut f| f.read(&mut head))
            .with_context(|| format!("reading {}", file.display()))?
    } else {
        0
    };
    let packed = |what: &str, how: &str| {
        anyhow::anyhow!(
            "{} is {what}: pos-ingest reads the plain file; {how}",
            file.display()
        )
    };
    match &head[..n] {
        [0x1f, 0x8b, ..] => return Err(packed("gzip-compressed", "gunzip it first")),
        [0x28, 0xb5, 0x2f, 0xfd, ..] => return Err(packed("zstd-compressed", "unzstd it first")),
        [b'B', b'Z', b'h', ..] => return Err(packed("bzip2-compressed", "bunzip2 it first")),
        [0xfd, b'7', b'z', b'X', b'Z', 0] => return Err(packed("xz-compressed", "unxz it first")),
        [b'P', b'K', 3, 4, ..] => {
            return Err(packed(
                "a zip archive (or an Excel workbook)",
                "unzip it, or save the sheet as CSV",
            ))
        }
        _ => {}
    }
    if let Some(f) = given {
        return Ok(f.clone());
    }
    let ext = file
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase());
    match ext.as_deref() {
        Some("ndjson" | "jsonl") => Ok(Format::Canonical),
        Some("xml") => Ok(Format::Poslog),
        Some("gz" | "zst" | "bz2" | "xz" | "zip") => {
            Err(packed("compressed (by its name)", "decompress it first"))
        }
        _ => anyhow::bail!(
            "{}: cannot tell the format from the name (only .ndjson, .jsonl and .xml are \
             guessed); pass --format canonical, square, shopify, poslog, clover, toast or \
             csv:<mapping>",
            file.display()
        ),
    }
}

/// Whether a canonical file opens a JSON array: its first bytes past a byte-order mark and
/// blanks are `[` (see `canonical::opens_array`). Looks at most at its first 64 KiB.
fn opens_array(file: &Path) -> anyhow::Result<bool> {
    // A pipe's first bytes, once read, are gone: it is read as NDJSON.
    if !std::fs::metadata(file).is_ok_and(|m| m.is_file()) {
        return Ok(false);
    }
    let mut head = Vec::with_capacity(1 << 16);
    std::fs::File::open(file)
        .and_then(|f| f.take(1 << 16).read_to_end(&mut head))
        .with_context(|| format!("reading {}", file.display()))?;
    Ok(crate::adapters::canonical::opens_array(
        &String::from_utf8_lossy(&head),
    ))
}

/// The content-type parameter of an inbox row holding a file whose bytes did not decode,
/// replaced (`replay` leaves such a row rejected: the file must be imported again).
pub const LOSSY: &str = "lossy=1";

fn bar(show: bool, len: u64, file: &Path) -> ProgressBar {
    if !show {
        return ProgressBar::hidden();
    }
    let b = ProgressBar::new(len);
    b.set_style(
        ProgressStyle::with_template(
            "{msg} [{bar:40}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
        )
        .expect("valid template")
        .progress_chars("=> "),
    );
    b.set_message(
        file.file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default(),
    );
    b
}

/// Chunks a file's reader may map ahead of the writers. One keeps them busy; more would only
/// hold more decoded envelopes in memory.
const CHUNKS_AHEAD: usize = 1;

/// The longest NDJSON line `import` reads: one POS event is kilobytes, and an unbounded line (a
/// binary file, a file of no newlines) was read whole into memory before failing.
const MAX_LINE_BYTES: u64 = 64 << 20;

/// One chunk of an NDJSON file, mapped: its place in the file, its envelopes, and the file
/// offset just after it with the digest of everything before that (what is saved once the
/// chunk and every chunk before it are committed).
struct MappedChunk {
    seq: u64,
    envelopes: Vec<Envelope>,
    end: Mark,
}

/// The committed chunks of a file, for the offset to save: with several writers a later chunk
/// may commit first, and the saved offset must never pass a chunk not committed yet.
#[derive(Default)]
struct InOrder {
    next: u64,
    done: BTreeMap<u64, Mark>,
}

impl InOrder {
    /// Records chunk `seq` (ending at `end`) as committed; returns the new offset to save when
    /// the run of committed chunks from the file's start (or resume point) grew.
    fn commit(&mut self, seq: u64, end: Mark) -> Option<Mark> {
        self.done.insert(seq, end);
        let mut saved = None;
        while let Some(e) = self.done.remove(&self.next) {
            self.next += 1;
            saved = Some(e);
        }
        saved
    }
}

/// What the writers of one file share: the summary and the offsets.
struct Progress<'a> {
    order: InOrder,
    summary: &'a mut Summary,
}

/// An NDJSON file to import, from where its last run stopped.
struct LinesJob<'a> {
    file: &'a Path,
    resume: Resume,
    batch: usize,
    state: Option<&'a Slot>,
}

/// Reads and maps the file's chunks on a thread of their own while the writers send earlier
/// chunks, each writer a connection of its own. One after the other, decoding left PostgreSQL
/// idle and writing left the decoder idle; overlapped, 120 days of events took a median 10.9 s
/// against 12.4 s on 2 cores (six alternated pairs, `benches/ingest/ab-import.sh`, RESULTS.md).
/// Chunks may commit out of order (the writes are order-proof: versions, event ids); offsets
/// are saved only up to the last chunk before which everything is committed.
async fn import_lines(
    ws: &mut [Writer],
    ctx: &Context,
    mappings: &HashMap<String, Mapping>,
    job: LinesJob<'_>,
    bar: &ProgressBar,
    s: &mut Summary,
) -> anyhow::Result<()> {
    let (tx, rx) = mpsc::channel(CHUNKS_AHEAD);
    let reader = {
        let (ctx, mappings, file) = (ctx.clone(), mappings.clone(), job.file.to_path_buf());
        let (resume, batch) = (job.resume, job.batch.max(1));
        tokio::task::spawn_blocking(move || read_chunks(&ctx, &mappings, &file, resume, batch, &tx))
    };
    write_chunks(ws, rx, job.state, bar, s).await?;
    // The channel closes when the reader is done: every chunk it read has been written, so an
    // error it met (an unreadable line) is reported after what came before it is committed.
    reader.await.context("the import reader panicked")?
}

/// Writes the chunks `rx` yields, each writer a connection of its own taking the next chunk,
/// and saves the offset up to which every chunk is committed.
async fn write_chunks(
    ws: &mut [Writer],
    rx: mpsc::Receiver<MappedChunk>,
    state: Option<&Slot>,
    bar: &ProgressBar,
    s: &mut Summary,
) -> anyhow::Result<()> {
    let rx = tokio::sync::Mutex::new(rx);
    let progress = RefCell::new(Progress {
        order: InOrder::default(),
        summary: s,
    });
    try_join_all(ws.iter_mut().map(|w| async {
        // The receiver is held while waiting, so each chunk goes to exactly one writer.
        while let Some(chunk) = rx.lock().await.recv().await {
            let o = w.write("import", &chunk.envelopes).await?;
            let mut p = progress.borrow_mut();
            p.summary.counts.add(&o.counts);
            p.summary.phases.absorb(&o.phases);
            if let Some(end) = p.order.commit(chunk.seq, chunk.end) {
                if let Some(slot) = state {
                    slot.save(&end)?;
                }
                bar.set_position(end.end);
            }
        }
        anyhow::Ok(())
    }))
    .await?;
    Ok(())
}

/// Reads `file` from where `resume` says in chunks of `batch` lines, maps each and hands it to
/// the writer. Stops early, without error, if the writer has stopped (its error is the one
/// shown).
fn read_chunks(
    ctx: &Context,
    mappings: &HashMap<String, Mapping>,
    file: &Path,
    resume: Resume,
    batch: usize,
    tx: &mpsc::Sender<MappedChunk>,
) -> anyhow::Result<()> {
    let mut f = std::fs::File::open(file).with_context(|| format!("reading {}", file.display()))?;
    // Only to resume: a pipe cannot seek, even to 0 ("Illegal seek" failed every import of
    // one, although `format_of` takes care not to read a pipe's first bytes).
    if resume.from > 0 {
        f.seek(SeekFrom::Start(resume.from))
            .with_context(|| format!("reading {}", file.display()))?;
    }
    let mut reader = BufReader::new(f);
    let (mut offset, mut hasher, mut lines) = (resume.from, resume.hasher, resume.lines);
    let mut chunk = String::new();
    let mut n = 0;
    let mut seq = 0;
    loop {
        let start = chunk.len();
        let read =
            read_capped_line(&mut reader, &mut chunk, MAX_LINE_BYTES).with_context(|| {
                format!(
                    "{}: reading line {} (at byte {})",
                    file.display(),
                    lines + n as u64 + 1,
                    offset + chunk.len() as u64
                )
            })?;
        let Some(read) = read else {
            anyhow::bail!(
                "{}: line {} (at byte {}) is over {} MiB with no end: no event is that long (a \
                 binary file?); fix the file and run again: the chunks before it are committed, \
                 and the import resumes after them",
                file.display(),
                lines + n as u64 + 1,
                offset + start as u64,
                MAX_LINE_BYTES >> 20
            );
        };
        n += usize::from(read > 0);
        if (read == 0 && n > 0) || n >= batch {
            offset += chunk.len() as u64;
            hasher.update(chunk.as_bytes());
            let meta = Meta {
                events: Events::Lines,
                ..Meta::default()
            };
            let mut m = map(ctx, mappings, &Format::Canonical, &chunk, &meta)
                .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
            place_rejects(
                &mut m.envelopes,
                crate::adapters::canonical::lines(&chunk),
                file,
                lines,
            );
            quarantine_rejected(&mut m.envelopes);
            without_nul(&mut m.envelopes);
            prepack(&mut m.envelopes);
            let mapped = MappedChunk {
                seq,
                envelopes: m.envelopes,
                end: Mark {
                    end: offset,
                    digest: Some(hex_of(&hasher)),
                },
            };
            seq += 1;
            lines += n as u64;
            if tx.blocking_send(mapped).is_err() {
                return Ok(());
            }
            chunk.clear();
            n = 0;
        }
        if read == 0 {
            return Ok(());
        }
    }
}

/// Appends the next line of `reader` to `buf`: its length, or `None` when it runs past `cap`
/// bytes without ending (what was read of it stays in `buf`).
fn read_capped_line(
    reader: &mut impl BufRead,
    buf: &mut String,
    cap: u64,
) -> std::io::Result<Option<usize>> {
    let read = reader.take(cap + 1).read_line(buf)?;
    Ok((read as u64 <= cap || buf.ends_with('\n')).then_some(read))
}

/// A NUL byte in a payload (a binary file, a line of a crashed writer's zeroed blocks) made
/// PostgreSQL refuse the whole batch (`invalid byte sequence for encoding "UTF8": 0x00`) and
/// the import stop, where a payload nothing can be read from is to be kept as a reject and the
/// rest go on. No adapter reads a payload with one (JSON and XML forbid it, and the
/// database's text cannot hold it), so it is kept with each NUL written U+FFFD, under the
/// event id it was given.
fn without_nul(envs: &mut [Envelope]) {
    for env in envs {
        if let crate::envelope::Origin::New(raw) = &mut env.origin {
            if raw.payload.contains('\0') {
                raw.payload = raw.payload.replace('\0', "\u{fffd}");
            }
        }
        for r in &mut env.rejects {
            if let Some(p) = r.payload.as_mut().filter(|p| p.contains('\0')) {
                *p = p.replace('\0', "\u{fffd}");
            }
        }
    }
}

/// Names the file and its line in every reject of a chunk's envelopes. The adapter numbers the
/// lines of the body it is given, a chunk: its `detail.line` 3 was line 5 003 of the file in
/// the second chunk of 5 000, and a transaction it refused had no line at all. The envelopes
/// are the chunk's events in order, one each (`canonical::events`).
fn place_rejects<'a>(
    envs: &mut [Envelope],
    events: impl Iterator<Item = (usize, &'a str)>,
    file: &Path,
    before: u64,
) {
    for (env, (no, _)) in envs.iter_mut().zip(events) {
        for r in &mut env.rejects {
            if let Some(d) = r.detail.as_object_mut() {
                d.insert("line".into(), (before + no as u64).into());
                d.insert("file".into(), file.display().to_string().into());
            }
        }
    }
}

async fn import_whole(
    w: &mut Writer,
    ctx: &Context,
    mappings: &HashMap<String, Mapping>,
    format: &Format,
    file: &Path,
    bytes: Vec<u8>,
    s: &mut Summary,
) -> anyhow::Result<()> {
    // A file that cannot be decoded is kept as a reject like one that cannot be mapped.
    // Bytes that do not decode are kept with replacements: marked so (`; lossy=1`), for
    // `replay` not to map the replacements as if they were the file's text once the mapping
    // names the encoding (it would have stored `K\u{fffd}se` for `Käse` without a word).
    let (body, mapped, lossy) = match text_of(mappings, format, &bytes) {
        Ok(text) => {
            let m = map(ctx, mappings, format, &text, &Meta::default());
            (text.into_owned(), m, false)
        }
        Err(e) => (String::from_utf8_lossy(&bytes).into_owned(), Err(e), true),
    };
    match mapped {
        Ok(mut m) => {
            if *format == Format::Canonical {
                // A JSON array's elements: `line` is the element's place in it.
                place_rejects(
                    &mut m.envelopes,
                    crate::adapters::canonical::events(&body),
                    file,
                    0,
                );
            }
            quarantine_rejected(&mut m.envelopes);
            without_nul(&mut m.envelopes);
            let o = w.write("import", &m.envelopes).await?;
            s.counts.add(&o.counts);
            s.phases.absorb(&o.phases);
        }
        // An unreadable file is kept with its reason in pos.reject, and the other files go on.
        Err(e) => {
            let reason = format!(
                "{}: {}{}",
                file.display(),
                e.message,
                e.field
                    .as_ref()
                    .map(|f| format!(" (at {f})"))
                    .unwrap_or_default()
            );
            let detail =
                serde_json::json!({ "file": file.display().to_string(), "field": e.field });
            let content_type = match lossy {
                true => format!("{}; {LOSSY}", format.content_type()),
                false => format.content_type(),
            };
            let mut envs = [unreadable(
                ctx,
                "import",
                content_type,
                body,
                reason.clone(),
                detail,
            )];
            without_nul(&mut envs);
            let o = w.write("import", &envs).await?;
            s.counts.add(&o.counts);
            s.phases.absorb(&o.phases);
            s.payload_errors.push(reason);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A line past the cap is refused, not read whole into memory; one of the cap's length
    /// (its newline beyond it) and the lines after it are read.
    #[test]
    fn a_line_past_the_cap_is_refused() {
        let mut r = BufReader::new(&b"0123456789\nabc\n0123456789ABC"[..]);
        let mut buf = String::new();
        assert_eq!(read_capped_line(&mut r, &mut buf, 10).unwrap(), Some(11));
        assert_eq!(read_capped_line(&mut r, &mut buf, 10).unwrap(), Some(4));
        assert_eq!(read_capped_line(&mut r, &mut buf, 10).unwrap(), None);
        assert_eq!(buf, "0123456789\nabc\n0123456789A");
        let mut end = BufReader::new(&b""[..]);
        assert_eq!(read_capped_line(&mut end, &mut buf, 10).unwrap(), Some(0));
    }

    #[test]
    fn the_saved_offset_never_passes_an_uncommitted_chunk() {
        let mut o = InOrder::default();
        let at = |end| Mark { end, digest: None };
        assert_eq!(o.commit(1, at(200)), None, "chunk 0 is still being written");
        assert_eq!(o.commit(2, at(300)), None);
        assert_eq!(
            o.commit(0, at(100)),
            Some(at(300)),
            "0, 1 and 2 are all committed"
        );
        assert_eq!(o.commit(4, at(500)), None);
        assert_eq!(o.commit(3, at(400)), Some(at(500)));
        assert_eq!(o.commit(5, at(600)), Some(at(600)));
        assert!(o.done.is_empty());
    }

    fn scratch(tag: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("pos-import-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn formats_are_guessed_in_any_case_and_compressed_files_refused() {
        let dir = scratch("formats");
        let write = |name: &str, bytes: &[u8]| {
            let p = dir.join(name);
            std::fs::write(&p, bytes).unwrap();
            p
        };
        let upper = write("SALES.NDJSON", b"{}\n");
        assert_eq!(format_of(None, &upper).unwrap(), Format::Canonical);
        let jsonl = write("a.JsonL", b"{}\n");
        assert_eq!(format_of(None, &jsonl).unwrap(), Format::Canonical);
        assert_eq!(
            format_of(None, &write("b.XML", b"<POSLog/>")).unwrap(),
            Format::Poslog
        );
        let msg = |r: anyhow::Result<Format>| format!("{:#}", r.unwrap_err());
        // Named as compressed (whatever the bytes), or compressed whatever the name or format.
        let named = write("c.jsonl.gz", b"{}\n");
        assert!(msg(format_of(None, &named)).contains("decompress it first"));
        let gz = write("d.ndjson", &[0x1f, 0x8b, 8, 0, 0, 0]);
        let m = msg(format_of(Some(&Format::Canonical), &gz));
        assert!(
            m.contains("d.ndjson is gzip-compressed") && m.contains("gunzip"),
            "{m}"
        );
        let xlsx = write("e.csv", b"PK\x03\x04rest");
        let m = msg(format_of(Some(&Format::Csv("x".into())), &xlsx));
        assert!(m.contains("save the sheet as CSV"), "{m}");
        let m = msg(format_of(None, &write("f.csv", b"a;b\n")));
        assert!(
            m.contains("f.csv: cannot tell the format") && m.contains("--format"),
            "{m}"
        );
        let m = msg(format_of(Some(&Format::Canonical), &dir));
        assert!(m.contains("is a directory"), "{m}");
        let m = msg(format_of(None, &dir.join("missing.ndjson")));
        assert!(
            m.contains("missing.ndjson") && m.contains("No such file"),
            "{m}"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// A run with a file it could not read is an error naming it; one without is none.
    #[test]
    fn a_file_that_could_not_be_read_fails_the_run() {
        let mut s = Summary::default();
        assert!(s.unreadable().is_none());
        s.payload_errors
            .push("a.csv: column \"Date\": row 4 has \"25/03/2024\"".into());
        let e = s.unreadable().expect("an error").to_string();
        assert!(
            e.starts_with("1 file could not be read") && e.contains("a.csv: column \"Date\""),
            "{e}"
        );
    }

    /// The same file named twice, however spelt, fails the run before it connects, saying so.
    #[tokio::test]
    async fn a_file_named_twice_is_refused_before_anything_is_written() {
        let dir = scratch("twice");
        let f = dir.join("a.ndjson");
        std::fs::write(&f, "{}\n").unwrap();
        let again = dir.join(".").join("a.ndjson");
        let args = ImportArgs {
            url: "postgresql://nobody@127.0.0.1:1/none".into(),
            files: vec![f.clone(), again],
            format: None,
            batch: 10,
            writers: 1,
            state_dir: Some(dir.join("state")),
            progress: false,
        };
        let e = run(args, &Context::for_tenant("t"), &HashMap::new())
            .await
            .expect_err("refused");
        let msg = format!("{e:#}");
        assert!(msg.contains("is named twice"), "{msg}");
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// Rejects name the file's line, not the line in their chunk, also on a resumed run, and
    /// a transaction the adapter refused has its line too.
    #[test]
    fn rejects_name_the_line_of_the_file_not_of_the_chunk() {
        let dir = scratch("lines");
        let file = dir.join("events.ndjson");
        let good = |id: &str| {
            format!(
                r#"{{"schema_version":1,"type":"transaction","store_id":"S1","source":"t","txn_id":"{id}","version":1,"occurred_at":"2026-11-02T10:00:00Z","currency":"USD","lines":[{{"line_no":1,"item_id":"A","quantity":"1","unit_price":"1.00"}}]}}"#
            ) + "\n"
        };
        let text = [
            good("1"),
            good("2"),
            "\n".into(),
            good("4"),
            "not json\n".into(),
            good("6").replace(r#""quantity":"1""#, r#""quantity":"oops""#),
            good("7"),
        ]
        .concat();
        std::fs::write(&file, &text).unwrap();
        let lines_of = |resume: Resume| {
            let (tx, mut rx) = mpsc::channel(16);
            let ctx = Context::for_tenant("t");
            read_chunks(&ctx, &HashMap::new(), &file, resume, 3, &tx).unwrap();
            drop(tx);
            let mut out = vec![];
            while let Ok(c) = rx.try_recv() {
                for e in c.envelopes {
                    for r in e.rejects {
                        assert_eq!(r.detail["file"], file.display().to_string());
                        out.push(r.detail["line"].as_u64().unwrap());
                    }
                }
            }
            out
        };
        assert_eq!(lines_of(state::resume_bytes(&file, None).unwrap()), [5, 6]);
        // Resumed after the first chunk (3 lines).
        let end = text
            .split_inclusive('\n')
            .take(3)
            .map(str::len)
            .sum::<usize>() as u64;
        let saved = Mark { end, digest: None };
        let resume = state::resume_bytes(&file, Some(&saved)).unwrap();
        assert_eq!((resume.from, resume.lines), (end, 3));
        assert_eq!(lines_of(resume), [5, 6]);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
