//! Where the time of a batch goes: wall time per step of its transaction, summed over the
//! attempts it took (a fresh batch that collides is written again). The service exports them as
//! a histogram per step and logs the steps of slow batches, so a latency tail can be traced to
//! a step (waiting for a lock, a checkpoint's fsync, planning) instead of guessed.

use std::fmt;
use std::time::{Duration, Instant};

/// The steps of a batch, in the order they run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Sorting out the batch on the client (duplicates within it, the records to write): CPU
    /// of this process.
    Prepare,
    /// `pos.ensure_chunks` for days not seen yet (outside the transaction).
    Chunks,
    /// BEGIN with the batch's ids.
    Open,
    /// Inbox ids and the inbox COPY (or upsert), with the packing of payloads that reach the
    /// writer unpacked.
    Inbox,
    /// Headers, lines, tenders, SKU aliases.
    Facts,
    /// Drawer events, stock levels, solo tenders, rejects.
    Others,
    /// The end of the last COPY, the audit row and COMMIT (one round trip): the WAL flush,
    /// and the commit-time triggers.
    Commit,
}

impl Phase {
    pub const ALL: [Phase; 7] = [
        Phase::Prepare,
        Phase::Chunks,
        Phase::Open,
        Phase::Inbox,
        Phase::Facts,
        Phase::Others,
        Phase::Commit,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Phase::Prepare => "prepare",
            Phase::Chunks => "chunks",
            Phase::Open => "open",
            Phase::Inbox => "inbox",
            Phase::Facts => "facts",
            Phase::Others => "others",
            Phase::Commit => "commit",
        }
    }
}

/// Wall time per [`Phase`] of one batch, and how many attempts it took.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Phases {
    spent: [Duration; Phase::ALL.len()],
    pub attempts: u32,
}

impl Phases {
    pub fn get(&self, p: Phase) -> Duration {
        self.spent[p as usize]
    }

    pub fn add(&mut self, p: Phase, d: Duration) {
        self.spent[p as usize] += d;
    }

    /// Adds another batch's times and attempts (an import's totals over its chunks).
    pub fn absorb(&mut self, o: &Phases) {
        for (a, b) in self.spent.iter_mut().zip(o.spent) {
            *a += b;
        }
        self.attempts += o.attempts;
    }

    pub fn total(&self) -> Duration {
        self.spent.iter().sum()
    }
}

impl fmt::Display for Phases {
    /// `prepare=1.2ms chunks=0.0ms …`, for logs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (k, p) in Phase::ALL.iter().enumerate() {
            let sep = if k == 0 { "" } else { " " };
            let ms = self.get(*p).as_secs_f64() * 1000.0;
            write!(f, "{sep}{}={ms:.1}ms", p.name())?;
        }
        write!(f, " attempts={}", self.attempts)
    }
}

/// A stopwatch that charges the time since its last lap to a phase.
pub struct Laps<'a> {
    phases: &'a mut Phases,
    last: Instant,
}

impl<'a> Laps<'a> {
    pub fn start(phases: &'a mut Phases) -> Laps<'a> {
        phases.attempts += 1;
        Laps {
            phases,
            last: Instant::now(),
        }
    }

    pub fn lap(&mut self, p: Phase) {
        let now = Instant::now();
        self.phases.add(p, now - self.last);
        self.last = now;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn laps_charge_each_interval_to_one_phase() {
        let mut ph = Phases::default();
        let mut l = Laps::start(&mut ph);
        std::thread::sleep(Duration::from_millis(2));
        l.lap(Phase::Inbox);
        l.lap(Phase::Commit);
        let mut l = Laps::start(&mut ph);
        std::thread::sleep(Duration::from_millis(1));
        l.lap(Phase::Inbox);
        assert_eq!(ph.attempts, 2);
        assert!(ph.get(Phase::Inbox) >= Duration::from_millis(3));
        assert!(ph.get(Phase::Commit) < Duration::from_millis(1));
        assert_eq!(ph.get(Phase::Facts), Duration::ZERO);
        assert_eq!(ph.total(), ph.spent.iter().sum());
        let text = ph.to_string();
        assert!(
            text.starts_with("prepare=0.0ms chunks=0.0ms open=0.0ms inbox="),
            "{text}"
        );
        assert!(text.ends_with("attempts=2"), "{text}");
    }

    #[test]
    fn absorbing_sums_each_phase_and_the_attempts() {
        let mut a = Phases::default();
        a.add(Phase::Facts, Duration::from_millis(5));
        a.attempts = 1;
        let mut b = Phases::default();
        b.add(Phase::Facts, Duration::from_millis(2));
        b.add(Phase::Commit, Duration::from_millis(1));
        b.attempts = 2;
        a.absorb(&b);
        assert_eq!(a.get(Phase::Facts), Duration::from_millis(7));
        assert_eq!(a.get(Phase::Commit), Duration::from_millis(1));
        assert_eq!(a.get(Phase::Inbox), Duration::ZERO);
        assert_eq!(a.attempts, 3);
    }
}
