//! A large export cut into chunks of whole transactions, so that `import` maps, holds and
//! writes one chunk at a time: a 541 917-row file read as one payload peaked at 415 MB.
//!
//! A transaction's rows may stand anywhere in a file (UCI Online Retail lists an invoice's
//! rows together, but nothing promises it), and a chunk must hold all of them: otherwise its
//! lines would land as two versions of one transaction, the second dropping the first's lines.
//! So a chunk ends only after a row at which every transaction id seen so far has had its last
//! row. Ids are compared as the adapter groups them (by the `txn_id` cell, which is coarser than
//! its store + id key, so a cut is never inside a group). In a file sorted by transaction that
//! is after almost any row; in a file whose first and last rows share an id there is no cut,
//! and it stays one payload, as before.
//!
//! Each chunk is the file's head (header, and Excel's `sep=` line) followed by a run of its
//! rows, so it is a CSV of its own: stored in the inbox as such, it replays alone. Its
//! `line_offset` keeps row numbers in reject reasons those of the file.

use super::cells::{Cols, Row};
use super::day_month::DayMonth;
use super::{columns, header_of, open, LineCount, Mapping};
use crate::adapters::PayloadError;
use std::collections::HashMap;

/// Where a text's chunks end.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// Bytes before the first data row (the head every chunk repeats).
    head: usize,
    /// End of each chunk, increasing; the last is the text's length.
    ends: Vec<usize>,
}

/// One chunk: a CSV body of its own, the lines of the file before its first row that its
/// body lacks, and where in the text it ends.
#[derive(Debug, Clone, PartialEq)]
pub struct Chunk {
    pub body: String,
    pub line_offset: usize,
    pub end: usize,
}

impl Plan {
    /// Cuts `text` after runs of at least `rows` data rows, only where no transaction spans
    /// the cut. Errors as `parse` would on the header; a row the CSV reader cannot read ends
    /// the planning with that error too (the caller then reads the file whole, as `parse`
    /// reports it).
    pub fn new(m: &Mapping, text: &str, rows: usize) -> Result<Plan, PayloadError> {
        let (skipped, mut rdr) = open(m, text);
        let cols = columns(m, &mut rdr)?;
        let header = header_of(&mut rdr)?;
        let Rows { starts, last } = rows_and_last(m, &cols, &header, &mut rdr, text, skipped)?;
        let head = starts.first().map_or(text.len(), |s| s.0);
        let mut ends = Vec::new();
        let (mut reach, mut run) = (0, 0);
        for (i, &(_, key)) in starts.iter().enumerate() {
            reach = reach.max(last[key]);
            run += 1;
            if reach == i && run >= rows.max(1) {
                ends.push(starts.get(i + 1).map_or(text.len(), |s| s.0));
                run = 0;
            }
        }
        if ends.last() != Some(&text.len()) {
            ends.push(text.len());
        }
        Ok(Plan { head, ends })
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Whether a chunk starts at `offset` (a saved resume point), or it is the start.
    pub fn starts_at(&self, offset: usize) -> bool {
        offset == 0 || offset == self.head || self.ends.contains(&offset)
    }

    /// The chunks of `text` after `from` (a resume point: 0 or the end of a chunk).
    ///
    /// A chunk's `line_offset` is the line of its first row in the file less its line in the
    /// chunk's body, both counted up to the row's first character. The two can differ by more
    /// than the line ends between chunks: the reader starts a row after `\r\n` at its `\n`,
    /// so the head every chunk repeats may end in a `\r` that is half of a CRLF in the file but
    /// a line end of its own before a chunk whose text starts otherwise (after a lone `\r`).
    pub fn chunks<'a>(&'a self, text: &'a str, from: usize) -> impl Iterator<Item = Chunk> + 'a {
        let head = &text[..self.head];
        let mut start = self.head;
        // Line ends in `text` before `counted`, the first character of the chunk's first row.
        let (mut counted, mut breaks) = (0, 0);
        self.ends.iter().filter_map(move |&end| {
            let s = start;
            start = end;
            let first = content_start(text, s).min(end);
            breaks += super::line_breaks(text, counted..first);
            counted = first;
            if end <= from {
                return None;
            }
            let body = format!("{head}{}", &text[s..end]);
            let in_body = super::line_breaks(&body, 0..head.len() + (first - s));
            Some(Chunk {
                body,
                line_offset: breaks.saturating_sub(in_body),
                end,
            })
        })
    }
}

/// The first byte at or after `at` that is not a line end.
fn content_start(text: &str, at: usize) -> usize {
    let b = text.as_bytes();
    let mut i = at;
    while i < b.len() && (b[i] == b'\n' || b[i] == b'\r') {
        i += 1;
    }
    i
}

/// The rows of a text as planning sees them.
struct Rows {
    /// Each non-blank row's start (in the text) and transaction key.
    starts: Vec<(usize, usize)>,
    /// Each key's last row.
    last: Vec<usize>,
}

/// The rows of `text` (read by `rdr` after its first `skipped` bytes). A date column in the
/// other day/month order than the mapping's refuses the file as `parse` does (see
/// `day_month`), in this same pass: the whole file is looked at before its first chunk is
/// mapped, so no chunk of a refused file is written.
fn rows_and_last(
    m: &Mapping,
    cols: &Cols,
    header: &csv::StringRecord,
    rdr: &mut csv::Reader<&[u8]>,
    text: &str,
    skipped: usize,
) -> Result<Rows, PayloadError> {
    let mut keys: HashMap<String, usize> = HashMap::new();
    let mut txn_keys = super::txn_key::TxnKeys::default();
    let mut dates = DayMonth::new(m, cols);
    let mut starts = Vec::new();
    let mut last = Vec::new();
    for rec in rdr.records() {
        let rec = rec.map_err(|e| PayloadError::new(None, format!("CSV: {e}")))?;
        let rec = super::wrapped::unwrapped(m.delimiter as u8, header, rec);
        if super::is_no_data(header, &rec) {
            continue;
        }
        let pos = rec.position().map_or(0, |p| p.byte() as usize);
        let at = skipped + pos;
        let row = Row { no: 0, rec };
        // The row's line, as `parse` numbers it, counted only for a row a message names.
        dates.see(&row, || {
            super::line_breaks(text, 0..skipped) + LineCount::new(&text[skipped..]).at(pos)
        });
        if dates.refused() {
            if dates.settled() {
                break;
            }
            continue;
        }
        let id = txn_keys.of(m, cols, &row);
        let next = keys.len();
        let key = *keys.entry(id).or_insert(next);
        if key == last.len() {
            last.push(0);
        }
        last[key] = starts.len();
        starts.push((at, key));
    }
    dates.verdict()?;
    Ok(Rows { starts, last })
}
