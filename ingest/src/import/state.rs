//! Where the import of a file stands, kept in the state directory between runs: one small file
//! per input (keyed by a hash of its path and size) holding the committed offset and a SHA-256
//! of everything before it (`<offset> sha256:<hex>`), and a lock file beside it held while the
//! file is imported.
//!
//! The digest is what makes resuming safe. The key alone (path and size) matched a file that
//! was replaced by another of the same size — a daily export under the same name, a line
//! fixed in place before the offset — and the run then skipped the new file's start, or all
//! of it, without a word. A saved offset is now used only when the file's first `offset`
//! bytes (or characters of its text, for CSV) are those that were committed; otherwise the
//! file is imported from the start (what is stored already is skipped by its event ids) and
//! the summary says so. A state written before the digest (`<offset>` alone) is trusted as
//! it was.

use anyhow::Context as _;
use sha2::{Digest, Sha256};
use std::fs::{File, OpenOptions};
use std::io::Read;
use std::path::{Path, PathBuf};

/// The committed end of a file: an offset and the digest of what precedes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Mark {
    pub end: u64,
    /// SHA-256 (hex) of the bytes, or text, before `end`; `None` in a state of an older version.
    pub digest: Option<String>,
}

impl Mark {
    fn parse(s: &str) -> Option<Mark> {
        let mut parts = s.split_whitespace();
        let end = parts.next()?.parse().ok()?;
        let digest = match parts.next() {
            None => None,
            Some(d) => Some(d.strip_prefix("sha256:")?.to_string()),
        };
        Some(Mark { end, digest })
    }

    fn render(&self) -> String {
        match &self.digest {
            Some(d) => format!("{} sha256:{d}\n", self.end),
            None => format!("{}\n", self.end),
        }
    }
}

/// The state of one input file, locked for this run.
pub(crate) struct Slot {
    path: PathBuf,
    /// Held (an advisory lock) until the slot is dropped: a second import of the same file
    /// at the same time is refused instead of racing this one on the offset file.
    _lock: File,
}

impl Slot {
    /// Opens and locks the state of `file` (of `len` bytes) in `dir`; `kind` is `offset` for
    /// byte offsets, `text-offset` for offsets in a CSV file's decoded text.
    pub fn open(dir: &Path, file: &Path, len: u64, kind: &str) -> anyhow::Result<Slot> {
        let key = Sha256::digest(format!("{}\0{len}", file.display()).as_bytes());
        let stem = dir.join(hex::encode(&key[..12]));
        let lock_path = with_suffix(&stem, "lock");
        let lock = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .with_context(|| {
                format!(
                    "cannot write in the state directory {} (creating {}); pass a writable \
                     --state-dir, or --state-dir '' to import without resuming",
                    dir.display(),
                    lock_path.display()
                )
            })?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => anyhow::bail!(
                "{} is being imported by another pos-ingest right now (it holds {}); wait for \
                 it to finish, then run again to resume",
                file.display(),
                lock_path.display()
            ),
            Err(std::fs::TryLockError::Error(e)) => {
                return Err(e).with_context(|| format!("locking {}", lock_path.display()))
            }
        }
        Ok(Slot {
            path: with_suffix(&stem, kind),
            _lock: lock,
        })
    }

    /// The saved mark, if any (an unreadable or garbled state counts as none: start over).
    pub fn read(&self) -> Option<Mark> {
        Mark::parse(&std::fs::read_to_string(&self.path).ok()?)
    }

    pub fn save(&self, mark: &Mark) -> anyhow::Result<()> {
        let tmp = with_suffix(&self.path, "tmp");
        std::fs::write(&tmp, mark.render())
            .and_then(|()| std::fs::rename(&tmp, &self.path))
            .with_context(|| format!("saving import progress in {}", self.path.display()))
    }

    #[cfg(test)]
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// `stem.suffix` (not `with_extension`, which would give `x.text-offset` and `x.offset` one
/// temporary file).
fn with_suffix(stem: &Path, suffix: &str) -> PathBuf {
    let mut s = stem.as_os_str().to_owned();
    s.push(".");
    s.push(suffix);
    PathBuf::from(s)
}

pub(crate) fn hex_of(h: &Sha256) -> String {
    hex::encode(h.clone().finalize())
}

/// Where to resume a byte-offset file: the saved mark when the file's first `end` bytes are
/// still what was committed, with the hasher over them and the number of lines they hold (for
/// line numbers in rejects); else the start. `Err` only for a file that cannot be read.
pub(crate) fn resume_bytes(file: &Path, saved: Option<&Mark>) -> anyhow::Result<Resume> {
    let Some(mark) = saved.filter(|m| m.end > 0) else {
        return Ok(Resume::start());
    };
    let mut f = File::open(file).with_context(|| format!("reading {}", file.display()))?;
    let mut h = Sha256::new();
    let (mut left, mut lines) = (mark.end, 0u64);
    let mut buf = vec![0u8; 1 << 16];
    while left > 0 {
        let want = usize::try_from(left.min(buf.len() as u64)).unwrap_or(buf.len());
        let n = f
            .read(&mut buf[..want])
            .with_context(|| format!("reading {}", file.display()))?;
        if n == 0 {
            return Ok(Resume::changed());
        }
        h.update(&buf[..n]);
        lines += bytecount(&buf[..n]);
        left -= n as u64;
    }
    match &mark.digest {
        Some(d) if *d != hex_of(&h) => Ok(Resume::changed()),
        _ => Ok(Resume {
            from: mark.end,
            hasher: h,
            lines,
            changed: false,
        }),
    }
}

fn bytecount(b: &[u8]) -> u64 {
    b.iter().filter(|&&c| c == b'\n').count() as u64
}

/// Where a file's import starts.
pub(crate) struct Resume {
    pub from: u64,
    /// SHA-256 over the file before `from`, continued as chunks are read.
    pub hasher: Sha256,
    /// Lines before `from`.
    pub lines: u64,
    /// A saved offset was refused: the file is not the one it was saved for.
    pub changed: bool,
}

impl Resume {
    fn start() -> Resume {
        Resume {
            from: 0,
            hasher: Sha256::new(),
            lines: 0,
            changed: false,
        }
    }

    fn changed() -> Resume {
        Resume {
            changed: true,
            ..Resume::start()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(tag: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("pos-state-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn marks_read_back_and_older_states_are_understood() {
        let m = Mark {
            end: 42,
            digest: Some("ab".into()),
        };
        assert_eq!(Mark::parse(&m.render()), Some(m));
        assert_eq!(
            Mark::parse("17\n"),
            Some(Mark {
                end: 17,
                digest: None
            })
        );
        assert_eq!(Mark::parse("17 md5:x"), None);
        assert_eq!(Mark::parse("garbage"), None);
    }

    /// The same name and size but other bytes before the saved offset: not resumed.
    #[test]
    fn a_saved_offset_is_used_only_while_the_bytes_before_it_are_unchanged() {
        let dir = scratch("resume");
        let file = dir.join("a.ndjson");
        std::fs::write(&file, "line one\nline two\nline three\n").unwrap();
        let mut h = Sha256::new();
        h.update(b"line one\nline two\n");
        let mark = Mark {
            end: 18,
            digest: Some(hex_of(&h)),
        };
        let r = resume_bytes(&file, Some(&mark)).unwrap();
        assert_eq!((r.from, r.lines, r.changed), (18, 2, false));
        std::fs::write(&file, "LINE ONE\nline two\nline three\n").unwrap();
        let r = resume_bytes(&file, Some(&mark)).unwrap();
        assert_eq!((r.from, r.lines, r.changed), (0, 0, true));
        std::fs::write(&file, "short").unwrap();
        assert!(resume_bytes(&file, Some(&mark)).unwrap().changed);
        let legacy = Mark {
            end: 3,
            digest: None,
        };
        assert_eq!(resume_bytes(&file, Some(&legacy)).unwrap().from, 3);
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// Two imports of one file at once: the second is refused, naming the file; once the
    /// first is done the file can be imported again.
    #[test]
    fn a_second_import_of_the_same_file_at_once_is_refused() {
        let dir = scratch("lock");
        let file = dir.join("a.ndjson");
        let first = Slot::open(&dir, &file, 10, "offset").unwrap();
        let e = Slot::open(&dir, &file, 10, "offset")
            .err()
            .expect("the second is refused");
        assert!(
            e.to_string()
                .contains("being imported by another pos-ingest"),
            "{e}"
        );
        // Another file (or the same name at another size) is not held up.
        Slot::open(&dir, &file, 11, "offset").unwrap();
        drop(first);
        let again = Slot::open(&dir, &file, 10, "offset").unwrap();
        again
            .save(&Mark {
                end: 5,
                digest: None,
            })
            .unwrap();
        assert_eq!(again.read().map(|m| m.end), Some(5));
        assert!(again.path().to_string_lossy().ends_with(".offset"));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_state_directory_that_cannot_be_written_is_named() {
        // Nothing can be created in /proc, not even by root.
        let dir = Path::new("/proc/self");
        let e = Slot::open(dir, Path::new("a.ndjson"), 1, "offset")
            .err()
            .expect("refused");
        let msg = format!("{e:#}");
        assert!(
            msg.contains("cannot write in the state directory /proc/self")
                && msg.contains("--state-dir"),
            "{msg}"
        );
    }
}
