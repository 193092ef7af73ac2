//! `pos-ingest import FILE… --format F`: batch files through the writer, with a progress bar,
//! a summary, and resumption. NDJSON files are read in chunks of `--batch` events, each chunk
//! one transaction; after each commit the byte offset is saved in the state directory, so an
//! interrupted import restarts after the last committed chunk (and a chunk committed just
//! before a crash, replayed, is recognised by its event ids and skipped). CSV files go the same
//! way in chunks of whole transactions (`csv_file`). Other formats are one payload per file.

mod csv_file;

use crate::adapters::csv::Mapping;
use crate::adapters::format::{map, quarantine_rejected, text_of, unreadable, Format, Meta};
use crate::adapters::Context;
use crate::envelope::{prepack, Envelope};
use crate::writer::phases::Phases;
use crate::writer::{Counts, Writer};
use anyhow::Context as _;
use futures_util::future::try_join_all;
use indicatif::{ProgressBar, ProgressStyle};
use sha2::{Digest, Sha256};
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
        writeln!(f, "steps:      {}", self.phases)?;
        write!(
            f,
            "time:       {:.1} s, {:.0} lines/s",
            self.seconds,
            c.lines_staged as f64 / self.seconds.max(1e-9)
        )
    }
}

/// Progress state of one file: keyed by a hash of its path and size, holds the committed offset
/// (`kind` `offset`: in the file's bytes; `text-offset`: in its decoded text, for CSV chunks).
fn state_path(dir: &Path, file: &Path, len: u64, kind: &str) -> PathBuf {
    let key = Sha256::digest(format!("{}\0{len}", file.display()).as_bytes());
    dir.join(format!("{}.{kind}", hex::encode(&key[..12])))
}

fn read_offset(p: &Path) -> u64 {
    std::fs::read_to_string(p)
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(0)
}

fn save_offset(p: &Path, offset: u64) -> anyhow::Result<()> {
    let tmp = p.with_extension("tmp");
    std::fs::write(&tmp, offset.to_string())?;
    std::fs::rename(&tmp, p).with_context(|| format!("saving import progress in {}", p.display()))
}

pub async fn run(
    a: ImportArgs,
    ctx: &Context,
    mappings: &HashMap<String, Mapping>,
) -> anyhow::Result<Summary> {
    let started = Instant::now();
    let mut ws = Vec::new();
    for _ in 0..a.writers.max(1) {
        ws.push(
            Writer::connect(&a.url)
                .await
                .context("connecting to PostgreSQL")?,
        );
    }
    let mut s = Summary::default();
    if let Some(d) = &a.state_dir {
        std::fs::create_dir_all(d)
            .with_context(|| format!("creating state directory {}", d.display()))?;
    }
    for file in &a.files {
        let format = match a.format.clone().or_else(|| Format::from_path(file)) {
            Some(f) => f,
            None => anyhow::bail!(
                "{}: cannot tell the format from the name; pass --format",
                file.display()
            ),
        };
        let len = std::fs::metadata(file)
            .with_context(|| format!("reading {}", file.display()))?
            .len();
        let kind = match format {
            Format::Csv(_) => "text-offset",
            _ => "offset",
        };
        let state = a.state_dir.as_ref().map(|d| state_path(d, file, len, kind));
        let from = state.as_deref().map(read_offset).unwrap_or(0);
        if from > 0 {
            s.resumed_files += 1;
        }
        let bar = bar(a.progress, len, file);
        bar.set_position(from);
        if format == Format::Canonical {
            import_lines(
                &mut ws,
                ctx,
                mappings,
                file,
                from,
                a.batch,
                state.as_deref(),
                &bar,
                &mut s,
            )
            .await?;
        } else if let Format::Csv(_) = format {
            let job = csv_file::Job {
                format: &format,
                file,
                from,
                rows: a.batch,
                state: state.as_deref(),
            };
            csv_file::import(&mut ws, ctx, mappings, job, &bar, &mut s).await?;
        } else if from < len {
            import_whole(&mut ws[0], ctx, mappings, &format, file, &mut s).await?;
            if let Some(p) = &state {
                save_offset(p, len)?;
            }
        }
        bar.finish_and_clear();
        s.files += 1;
    }
    s.seconds = started.elapsed().as_secs_f64();
    Ok(s)
}

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

/// One chunk of an NDJSON file, mapped: its place in the file, its envelopes, and the file
/// offset just after it (what is saved once the chunk and every chunk before it are committed).
struct MappedChunk {
    seq: u64,
    envelopes: Vec<Envelope>,
    end: u64,
}

/// The committed chunks of a file, for the offset to save: with several writers a later chunk
/// may commit first, and the saved offset must never pass a chunk not committed yet.
#[derive(Default)]
struct InOrder {
    next: u64,
    done: BTreeMap<u64, u64>,
}

impl InOrder {
    /// Records chunk `seq` (ending at `end`) as committed; returns the new offset to save when
    /// the run of committed chunks from the file's start (or resume point) grew.
    fn commit(&mut self, seq: u64, end: u64) -> Option<u64> {
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

/// Reads and maps the file's chunks on a thread of their own while the writers send earlier
/// chunks, each writer a connection of its own. One after the other, decoding left PostgreSQL
/// idle and writing left the decoder idle; overlapped, 120 days of events took a median 10.9 s
/// against 12.4 s on 2 cores (six alternated pairs, `benches/ingest/ab-import.sh`, RESULTS.md).
/// Chunks may commit out of order (the writes are order-proof: versions, event ids); offsets
/// are saved only up to the last chunk before which everything is committed.
#[allow(clippy::too_many_arguments)]
async fn import_lines(
    ws: &mut [Writer],
    ctx: &Context,
    mappings: &HashMap<String, Mapping>,
    file: &Path,
    from: u64,
    batch: usize,
    state: Option<&Path>,
    bar: &ProgressBar,
    s: &mut Summary,
) -> anyhow::Result<()> {
    let (tx, rx) = mpsc::channel(CHUNKS_AHEAD);
    let reader = {
        let (ctx, mappings, file) = (ctx.clone(), mappings.clone(), file.to_path_buf());
        tokio::task::spawn_blocking(move || {
            read_chunks(&ctx, &mappings, &file, from, batch.max(1), &tx)
        })
    };
    write_chunks(ws, rx, state, bar, s).await?;
    // The channel closes when the reader is done: every chunk it read has been written, so an
    // error it met (an unreadable line) is reported after what came before it is committed.
    reader.await.context("the import reader panicked")?
}

/// Writes the chunks `rx` yields, each writer a connection of its own taking the next chunk,
/// and saves the offset up to which every chunk is committed.
async fn write_chunks(
    ws: &mut [Writer],
    rx: mpsc::Receiver<MappedChunk>,
    state: Option<&Path>,
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
                if let Some(path) = state {
                    save_offset(path, end)?;
                }
                bar.set_position(end);
            }
        }
        anyhow::Ok(())
    }))
    .await?;
    Ok(())
}

/// Reads `file` from byte `from` in chunks of `batch` lines, maps each and hands it to the
/// writer. Stops early, without error, if the writer has stopped (its error is the one shown).
fn read_chunks(
    ctx: &Context,
    mappings: &HashMap<String, Mapping>,
    file: &Path,
    from: u64,
    batch: usize,
    tx: &mpsc::Sender<MappedChunk>,
) -> anyhow::Result<()> {
    let mut f = std::fs::File::open(file)?;
    f.seek(SeekFrom::Start(from))?;
    let mut reader = BufReader::new(f);
    let mut offset = from;
    let mut chunk = String::new();
    let mut n = 0;
    let mut seq = 0;
    loop {
        let read = reader.read_line(&mut chunk).with_context(|| {
            format!(
                "{}: reading at byte {}",
                file.display(),
                offset + chunk.len() as u64
            )
        })?;
        n += usize::from(read > 0);
        if (read == 0 && n > 0) || n >= batch {
            offset += chunk.len() as u64;
            let mut m = map(ctx, mappings, &Format::Canonical, &chunk, &Meta::default())
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            quarantine_rejected(&mut m.envelopes);
            prepack(&mut m.envelopes);
            let mapped = MappedChunk {
                seq,
                envelopes: m.envelopes,
                end: offset,
            };
            seq += 1;
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

async fn import_whole(
    w: &mut Writer,
    ctx: &Context,
    mappings: &HashMap<String, Mapping>,
    format: &Format,
    file: &Path,
    s: &mut Summary,
) -> anyhow::Result<()> {
    let mut bytes = Vec::new();
    std::fs::File::open(file)
        .and_then(|mut f| f.read_to_end(&mut bytes))
        .with_context(|| format!("reading {}", file.display()))?;
    // A file that cannot be decoded is kept as a reject like one that cannot be mapped.
    let (body, mapped) = match text_of(mappings, format, &bytes) {
        Ok(text) => {
            let m = map(ctx, mappings, format, &text, &Meta::default());
            (text.into_owned(), m)
        }
        Err(e) => (String::from_utf8_lossy(&bytes).into_owned(), Err(e)),
    };
    match mapped {
        Ok(mut m) => {
            quarantine_rejected(&mut m.envelopes);
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
            let envs = [unreadable(
                ctx,
                "import",
                format.content_type(),
                body,
                reason.clone(),
                detail,
            )];
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
    use super::InOrder;

    #[test]
    fn the_saved_offset_never_passes_an_uncommitted_chunk() {
        let mut o = InOrder::default();
        assert_eq!(o.commit(1, 200), None, "chunk 0 is still being written");
        assert_eq!(o.commit(2, 300), None);
        assert_eq!(o.commit(0, 100), Some(300), "0, 1 and 2 are all committed");
        assert_eq!(o.commit(4, 500), None);
        assert_eq!(o.commit(3, 400), Some(500));
        assert_eq!(o.commit(5, 600), Some(600));
        assert!(o.done.is_empty());
    }
}
