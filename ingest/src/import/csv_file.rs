//! A CSV file imported in chunks of whole transactions (`csv::Plan`): mapped on a thread of its
//! own while the writers send earlier chunks, each chunk one payload and one database
//! transaction, the offset in the decoded text saved after each commit. Read whole, a
//! 541 917-row export peaked at 415 MB; in chunks, memory follows the chunk, not the file.

use super::state::{hex_of, Mark, Slot};
use super::{import_whole, without_nul, write_chunks, MappedChunk, Summary, CHUNKS_AHEAD};
use crate::adapters::csv::{Mapping, Plan};
use crate::adapters::format::{csv_plan, map, quarantine_rejected, text_of, Format, Meta};
use crate::adapters::Context;
use crate::envelope::prepack;
use crate::writer::Writer;
use anyhow::Context as _;
use indicatif::ProgressBar;
use sha2::{Digest, Sha256};
use std::borrow::Cow;
use std::collections::HashMap;
use std::path::Path;
use tokio::sync::mpsc;

/// One CSV file to import.
pub(super) struct Job<'a> {
    pub format: &'a Format,
    pub file: &'a Path,
    /// Where a previous run stopped (a chunk's end in the decoded text), if it did.
    pub saved: Option<Mark>,
    /// Rows per chunk (at least; a chunk ends only between transactions).
    pub rows: usize,
    pub state: Option<&'a Slot>,
}

/// Imports the file in chunks. A file that cannot be decoded or whose header or rows the CSV
/// reader refuses goes the whole-file way, which keeps it as a reject with the reason.
pub(super) async fn import(
    ws: &mut [Writer],
    ctx: &Context,
    mappings: &HashMap<String, Mapping>,
    job: Job<'_>,
    bar: &ProgressBar,
    s: &mut Summary,
) -> anyhow::Result<()> {
    let planned = {
        let (mappings, format, file) = (mappings.clone(), job.format.clone(), job.file.to_owned());
        tokio::task::spawn_blocking(move || plan_file(&mappings, &format, &file, job.rows))
            .await
            .context("the CSV planner panicked")??
    };
    let (text, plan) = match planned {
        Planned::Chunks(text, plan) => (text, plan),
        Planned::Whole(bytes) => {
            return import_whole(&mut ws[0], ctx, mappings, job.format, job.file, bytes, s).await
        }
    };
    let (from, changed) = resume_point(&plan, &text, job.saved.as_ref(), job.file);
    s.note_resume(job.file, from as u64, changed);
    bar.set_length(text.len() as u64);
    bar.set_position(from as u64);
    let (tx, rx) = mpsc::channel(CHUNKS_AHEAD);
    let mapper = {
        let (ctx, mappings, format) = (ctx.clone(), mappings.clone(), job.format.clone());
        tokio::task::spawn_blocking(move || {
            map_chunks(&ctx, &mappings, &format, &text, &plan, from, &tx)
        })
    };
    write_chunks(ws, rx, job.state, bar, s).await?;
    mapper.await.context("the CSV mapper panicked")?
}

/// What a CSV file is imported as, read once.
#[derive(Debug)]
enum Planned {
    /// Its decoded text and its chunks.
    Chunks(String, Plan),
    /// Its bytes, for the whole-file way to report why it cannot be cut (a header, row,
    /// encoding or date order it refuses). The bytes read here, not a second read: a pipe
    /// (`/dev/stdin`) gives its bytes once, and a second read kept an empty payload with a
    /// message about the empty header, neither the file nor its reason.
    Whole(Vec<u8>),
}

/// The file read once, and planned into chunks when it can be.
fn plan_file(
    mappings: &HashMap<String, Mapping>,
    format: &Format,
    file: &Path,
    rows: usize,
) -> anyhow::Result<Planned> {
    let bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    let Ok(text) = text_of(mappings, format, &bytes) else {
        return Ok(Planned::Whole(bytes));
    };
    let Some(plan) = csv_plan(mappings, format, &text, rows) else {
        return Ok(Planned::Whole(bytes));
    };
    // UTF-8 (the usual case) is taken as it is, not copied: the file may be large.
    let text = match text {
        Cow::Owned(t) => t,
        Cow::Borrowed(_) => String::from_utf8(bytes).context("text_of checked it is UTF-8")?,
    };
    Ok(Planned::Chunks(text, plan))
}

/// Where the saved mark says when a chunk starts there and the text before it is what was
/// committed; else (the state of another version, or a file changed in place to the same
/// size) the start, which is safe: the writes are idempotent. The flag: a saved mark was
/// refused because the file changed.
fn resume_point(plan: &Plan, text: &str, saved: Option<&Mark>, file: &Path) -> (usize, bool) {
    let Some(mark) = saved.filter(|m| m.end > 0) else {
        return (0, false);
    };
    let from = usize::try_from(mark.end).unwrap_or(usize::MAX);
    let between = plan.starts_at(from) || from == text.len();
    let same = text.get(..from).is_some_and(|before| {
        mark.digest
            .as_ref()
            .is_none_or(|d| *d == hex::encode(Sha256::digest(before.as_bytes())))
    });
    if between && same {
        return (from, false);
    }
    if same {
        tracing::warn!(
            file = %file.display(),
            offset = from,
            "the saved offset is not between two chunks of this file; importing it from the start"
        );
    }
    (0, !same)
}

/// Maps each chunk after `from` and hands it to the writers; stops early, without error, when
/// they have stopped (their error is the one shown).
fn map_chunks(
    ctx: &Context,
    mappings: &HashMap<String, Mapping>,
    format: &Format,
    text: &str,
    plan: &Plan,
    from: usize,
    tx: &mpsc::Sender<MappedChunk>,
) -> anyhow::Result<()> {
    let mut hasher = Sha256::new();
    hasher.update(&text.as_bytes()[..from]);
    let mut hashed = from;
    for (seq, chunk) in plan.chunks(text, from).enumerate() {
        hasher.update(&text.as_bytes()[hashed..chunk.end]);
        hashed = chunk.end;
        let mut m =
            map(ctx, mappings, format, &chunk.body, &Meta::of_chunk(&chunk)).map_err(|e| {
                anyhow::anyhow!(
                    "the chunk ending at byte {} of the text: {}",
                    chunk.end,
                    e.message
                )
            })?;
        quarantine_rejected(&mut m.envelopes);
        without_nul(&mut m.envelopes);
        prepack(&mut m.envelopes);
        let mapped = MappedChunk {
            seq: seq as u64,
            envelopes: m.envelopes,
            end: Mark {
                end: chunk.end as u64,
                digest: Some(hex_of(&hasher)),
            },
        };
        if tx.blocking_send(mapped).is_err() {
            return Ok(());
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mappings() -> HashMap<String, Mapping> {
        let m = Mapping::from_toml(
            "source = \"p\"\nstore_id = \"S\"\ncurrency = \"USD\"\n\
             date_format = \"%m/%d/%Y\"\n[columns]\ntxn_id = \"id\"\ndate = \"Date\"\n\
             item_id = \"sku\"\nquantity = \"qty\"\nunit_price = \"price\"\n",
        )
        .unwrap();
        HashMap::from([("d".to_string(), m)])
    }

    /// A file written day-first under a month-first mapping, piped in (`/dev/stdin`): it is
    /// refused before any chunk, and the whole-file way gets the bytes the pipe gave. It read
    /// the pipe a second time, found it empty, and kept an empty payload whose reason spoke
    /// of the header, not of the file's dates.
    #[test]
    fn a_refused_pipe_goes_the_whole_file_way_with_the_bytes_it_gave() {
        let dir = std::env::temp_dir().join(format!("pos-csv-pipe-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let fifo = dir.join("in.csv");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        assert!(made.is_ok_and(|s| s.success()), "mkfifo");
        let text = "id,Date,sku,qty,price\n1,01/02/2024,A,1,1.00\n2,13/02/2024,A,1,1.00\n";
        let writer = {
            let fifo = fifo.clone();
            std::thread::spawn(move || std::fs::write(fifo, text).unwrap())
        };
        let format = Format::Csv("d".into());
        let planned = plan_file(&mappings(), &format, &fifo, 1).unwrap();
        writer.join().unwrap();
        let Planned::Whole(bytes) = planned else {
            panic!("planned into chunks: {planned:?}")
        };
        assert_eq!(bytes, text.as_bytes());
        let e = crate::adapters::format::map(
            &Context::for_tenant("t"),
            &mappings(),
            &format,
            text,
            &Meta::default(),
        )
        .unwrap_err();
        assert!(e.message.contains("row 3 has \"13/02/2024\""), "{e:?}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
