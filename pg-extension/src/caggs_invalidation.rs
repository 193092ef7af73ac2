//! Invalidation tracking for continuous aggregates: the write path of `sql/90_caggs.sql`.
//!
//! Every write to a source hypertable must either be logged in `pos.cagg_source_invalidation`
//! (when it lies below the source's invalidation threshold, i.e. in buckets a refresh may have
//! materialized) or be visible to the refresh that raises the threshold past it. This used to be
//! PL/pgSQL statement triggers with transition tables, which cost ~0.45 ms per statement however
//! few rows it wrote. Here, as in TimescaleDB, the work is split by how often it happens:
//!
//! * **per row** (`pos._cagg_invalidate()`, an AFTER ROW trigger cloned onto every chunk): read the
//!   row's time and compare it with the threshold cached for this transaction; below it, widen
//!   the transaction's `[min, max]` span of that chunk-sized slot ([`TouchedSpans`]). No SPI,
//!   no allocation on the common path.
//! * **per transaction and source**, at the first row: take the source's *threshold lock* (ROW
//!   EXCLUSIVE on its threshold sequence, held until the transaction ends), then get the
//!   threshold. A refresh raises the threshold holding SHARE ROW EXCLUSIVE on the sequence
//!   ([`pos_cagg_lock_threshold`]), which conflicts with it, so while this transaction runs the
//!   cached value
//!   cannot move — except by this backend itself, which then calls `pos._cagg_forget_threshold`
//!   so the next row reads it again. The lock is owned by the top transaction, not the current
//!   subtransaction: rolling back to a savepoint must not release it while the cached threshold
//!   is still in use. What the trigger's arguments stand for (source, sequence, time column,
//!   slots) is resolved once per backend and trigger ([`TriggerInfo`]) until the next relcache
//!   invalidation; after the lock, the rest of a one-row transaction's set-up is a few compares.
//! * **the threshold across transactions** (when the library is preloaded): the backend keeps
//!   the value it read from the sequence together with the shared change counter of
//!   [`caggs_threshold`] at the time, and reads the sequence again only when the counter moved.
//!   Why a writer never uses an out-of-date threshold: the raise bumps the counter *while holding
//!   the lock exclusively, before `setval`*; the writer reads the counter *after taking the lock
//!   shared*. The two locks exclude each other, and acquiring a lock is a full memory barrier, so
//!   either the whole raise (bump and `setval`) happened before the writer's lock — the writer
//!   sees a new counter and reads the new value — or it waits for the writer's transaction to
//!   end, and that transaction's rows are visible to the refresh's later snapshot. An unchanged
//!   counter therefore means the sequence holds the value read then. (A failed `setval` after the
//!   bump only costs a re-read.) The cache is also emptied by any relcache invalidation (a source
//!   unregistered and its sequence dropped or re-created). Without preloading there is no
//!   counter and every transaction reads the sequence, as before.
//! * **per transaction**, in a pre-commit callback: the spans go into the log, one row per span,
//!   inserted straight into its heap ([`insert_log_rows`]; the log has no index, see
//!   `sql/90_caggs.sql`), atomically with the rows. Spans recorded in a subtransaction that
//!   rolled back are logged anyway; that only re-materializes a few buckets for nothing.
//!
//! A refresh in the writing transaction itself first calls `pos._cagg_flush_invalidations()`, so
//! it sees that transaction's pending spans.
use crate::caggs_threshold;
use pgrx::prelude::*;
use pgrx::{pg_sys, PgTupleDesc};
use pos_core::caggs::TouchedSpans;
use std::cell::{Cell, RefCell};
use std::ffi::{c_char, CStr, CString};

/// Microseconds from the Unix epoch (thresholds and trigger arguments) to PostgreSQL's 2000-01-01.
const PG_EPOCH_US: i64 = 946_684_800_000_000;
const LOG_TABLE: &CStr = c"pos.cagg_source_invalidation";

/// One source written by the current transaction: its threshold (locked) and what lies below.
struct Source {
    relid: pg_sys::Oid,
    seq: pg_sys::Oid,
    spans: TouchedSpans,
    /// This backend raised the threshold: read it again before the next row.
    stale: bool,
}

/// A chunk (or the source itself, for TRUNCATE) seen by the trigger in this transaction.
struct Chunk {
    relid: pg_sys::Oid,
    source: usize,
    attnum: i32,
}

#[derive(Default)]
struct Xact {
    /// The trigger ran or tracking was paused: the transaction's end has something to reset.
    active: bool,
    sources: Vec<Source>,
    chunks: Vec<Chunk>,
    /// Index into `chunks` of the last hit: consecutive rows mostly go to the same chunk.
    last: usize,
    /// Writes are not tracked (retention deleting rows whose buckets must keep their values).
    paused: bool,
}

impl Xact {
    /// Forgets the transaction, keeping the vectors' memory for the next one.
    fn reset(&mut self) {
        self.active = false;
        self.sources.clear();
        self.chunks.clear();
        self.last = 0;
        self.paused = false;
    }
}

/// What one trigger (one per chunk and event) stands for, resolved from its arguments once per
/// backend: parsing them, looking the names up and finding the time column cost as much as the
/// rest of a one-row transaction's tracking.
#[derive(Clone, Copy)]
struct TriggerInfo {
    tgoid: pg_sys::Oid,
    source: pg_sys::Oid,
    seq: pg_sys::Oid,
    attnum: i32,
    slot_width_us: i64,
    /// PostgreSQL microseconds.
    slot_origin_us: i64,
}

/// A threshold read from its sequence, valid while the shared change counter
/// ([`caggs_threshold::generation`]) still has the value it had then.
struct KnownThreshold {
    source: pg_sys::Oid,
    seq: pg_sys::Oid,
    value: i64,
    generation: u64,
}

thread_local! {
    static XACT: RefCell<Xact> = RefCell::new(Xact::default());
    /// Relations looked up by name (see [`cached_regclass`]).
    static RELIDS: RefCell<Vec<(CString, pg_sys::Oid)>> = const { RefCell::new(Vec::new()) };
    /// Per-backend caches, emptied on every relcache invalidation ([`forget_relations`]).
    static TRIGGERS: RefCell<Vec<TriggerInfo>> = const { RefCell::new(Vec::new()) };
    static THRESHOLDS: RefCell<Vec<KnownThreshold>> = const { RefCell::new(Vec::new()) };
    /// The log's columns and indexes were checked ([`check_log_shape`], [`check_plain_indexes`]).
    static LOG_CHECKED: Cell<bool> = const { Cell::new(false) };
    static RELCACHE_CALLBACK_REGISTERED: Cell<bool> = const { Cell::new(false) };
    static CALLBACK_REGISTERED: Cell<bool> = const { Cell::new(false) };
}

/// The trigger's arguments, as written by `pos._cagg_register_hypertable`.
struct TriggerArgs {
    source: CString,
    threshold_seq: CString,
    time_column: String,
    slot_width_us: i64,
    slot_origin_unix_us: i64,
}

impl TriggerArgs {
    unsafe fn read(trigger: &pg_sys::Trigger) -> Self {
        let args: Vec<&CStr> = (0..trigger.tgnargs as usize)
            .map(|i| unsafe { CStr::from_ptr(*trigger.tgargs.add(i) as *const c_char) })
            .collect();
        let [source, seq, column, width, origin] = args[..] else {
            error!(
                "pos._cagg_invalidate() expects 5 trigger arguments, got {}",
                args.len()
            );
        };
        let int = |c: &CStr| -> i64 {
            c.to_str()
                .ok()
                .and_then(|s| s.parse().ok())
                .unwrap_or_else(|| error!("pos._cagg_invalidate(): bad integer argument {c:?}"))
        };
        TriggerArgs {
            source: source.to_owned(),
            threshold_seq: seq.to_owned(),
            time_column: column.to_string_lossy().into_owned(),
            slot_width_us: int(width),
            slot_origin_unix_us: int(origin),
        }
    }
}

v1_function!(pg_finfo_pos_cagg_invalidate);
v1_function!(pg_finfo_pos_cagg_flush_invalidations);
v1_function!(pg_finfo_pos_cagg_forget_threshold);
v1_function!(pg_finfo_pos_cagg_pause_invalidation);
v1_function!(pg_finfo_pos_cagg_lock_threshold);

/// `pos._cagg_lock_threshold(seq regclass, lock boolean)`: takes (true) or releases (false) the
/// lock that raising a threshold holds for an instant, at session level so that it ends before
/// the refresh's transaction does: SHARE ROW EXCLUSIVE on the threshold sequence. It conflicts
/// with the ROW EXCLUSIVE lock every writing transaction holds on the sequence from its first
/// tracked row ([`lock_shared_for_transaction`]) and with itself, not with reading the sequence.
/// Waiting obeys `lock_timeout`.
#[pg_guard]
#[unsafe(no_mangle)]
pub extern "C-unwind" fn pos_cagg_lock_threshold(
    fcinfo: pg_sys::FunctionCallInfo,
) -> pg_sys::Datum {
    let (seq, lock) = unsafe {
        (
            pgrx::fcinfo::pg_getarg::<pg_sys::Oid>(fcinfo, 0),
            pgrx::fcinfo::pg_getarg::<bool>(fcinfo, 1),
        )
    };
    let (Some(seq), Some(lock)) = (seq, lock) else {
        return pg_sys::Datum::from(0); // STRICT in SQL
    };
    let mut id = pg_sys::LockRelId {
        relId: seq,
        dbId: unsafe { pg_sys::MyDatabaseId },
    };
    let mode = pg_sys::ShareRowExclusiveLock as i32;
    unsafe {
        if lock {
            pg_sys::LockRelationIdForSession(&mut id, mode);
        } else {
            pg_sys::UnlockRelationIdForSession(&mut id, mode);
        }
    }
    pg_sys::Datum::from(0)
}

/// `pos._cagg_flush_invalidations()`: writes this transaction's pending spans into the log now
/// (a refresh calls it, so it sees what its own transaction wrote).
#[pg_guard]
#[unsafe(no_mangle)]
pub extern "C-unwind" fn pos_cagg_flush_invalidations(
    _fcinfo: pg_sys::FunctionCallInfo,
) -> pg_sys::Datum {
    flush(Visibility::NextCommand);
    pg_sys::Datum::from(0)
}

/// `pos._cagg_forget_threshold(source regclass)`: this backend raised the source's threshold,
/// so the value cached for the transaction is out of date.
#[pg_guard]
#[unsafe(no_mangle)]
pub extern "C-unwind" fn pos_cagg_forget_threshold(
    fcinfo: pg_sys::FunctionCallInfo,
) -> pg_sys::Datum {
    let source = unsafe { pgrx::fcinfo::pg_getarg::<pg_sys::Oid>(fcinfo, 0) };
    caggs_threshold::bump();
    XACT.with(|x| {
        for s in x.borrow_mut().sources.iter_mut() {
            if Some(s.relid) == source {
                s.stale = true;
            }
        }
    });
    pg_sys::Datum::from(0)
}

/// `pos._cagg_pause_invalidation(paused boolean) RETURNS boolean`: stops (or resumes) tracking
/// writes for the rest of the transaction; returns the previous state. For retention only.
#[pg_guard]
#[unsafe(no_mangle)]
pub extern "C-unwind" fn pos_cagg_pause_invalidation(
    fcinfo: pg_sys::FunctionCallInfo,
) -> pg_sys::Datum {
    let paused = unsafe { pgrx::fcinfo::pg_getarg::<bool>(fcinfo, 0) }.unwrap_or(false);
    register_callback(); // so that the flag is cleared when the transaction ends
    let was = XACT.with(|x| {
        let mut x = x.borrow_mut();
        x.active = true;
        std::mem::replace(&mut x.paused, paused)
    });
    pg_sys::Datum::from(was)
}

/// `pos._cagg_invalidate(source, threshold_seq, time_column, slot_width_us, slot_origin_us)`:
/// AFTER INSERT/UPDATE/DELETE FOR EACH ROW, and AFTER TRUNCATE FOR EACH STATEMENT.
#[pg_guard]
#[unsafe(no_mangle)]
pub extern "C-unwind" fn pos_cagg_invalidate(fcinfo: pg_sys::FunctionCallInfo) -> pg_sys::Datum {
    unsafe {
        if !pgrx::trigger_support::called_as_trigger(fcinfo) {
            error!("pos._cagg_invalidate() can only be called as a trigger");
        }
        let td = &*((*fcinfo).context as *const pg_sys::TriggerData);
        if XACT.with(|x| x.borrow().paused) {
            return pg_sys::Datum::from(0);
        }
        let event = td.tg_event & pg_sys::TRIGGER_EVENT_OPMASK;
        let relid = (*td.tg_relation).rd_id;
        let chunk = chunk_index(relid).unwrap_or_else(|| register_chunk(td));
        if event == pg_sys::TRIGGER_EVENT_TRUNCATE {
            with_source(chunk, |s| s.spans.record_everything());
            return pg_sys::Datum::from(0);
        }
        if td.tg_event & pg_sys::TRIGGER_EVENT_ROW == 0 {
            error!("pos._cagg_invalidate() must be a FOR EACH ROW trigger for INSERT, UPDATE and DELETE");
        }
        let attnum = XACT.with(|x| x.borrow().chunks[chunk].attnum);
        let old_or_new = slot_time(td.tg_trigslot, attnum);
        let new = if event == pg_sys::TRIGGER_EVENT_UPDATE {
            slot_time(td.tg_newslot, attnum)
        } else {
            None
        };
        with_source(chunk, |s| {
            for t in [old_or_new, new].into_iter().flatten() {
                s.spans.record(t);
            }
        });
        pg_sys::Datum::from(0)
    }
}

/// The time column of a trigger tuple, in PostgreSQL microseconds (NULL: nothing to record).
unsafe fn slot_time(slot: *mut pg_sys::TupleTableSlot, attnum: i32) -> Option<i64> {
    if slot.is_null() {
        return None;
    }
    let mut isnull = false;
    let d = unsafe { pg_sys::slot_getattr(slot, attnum, &mut isnull) };
    (!isnull).then(|| d.value() as i64)
}

fn chunk_index(relid: pg_sys::Oid) -> Option<usize> {
    XACT.with(|x| {
        let mut x = x.borrow_mut();
        if x.chunks.get(x.last).is_some_and(|c| c.relid == relid) {
            return Some(x.last);
        }
        let i = x.chunks.iter().position(|c| c.relid == relid)?;
        x.last = i;
        Some(i)
    })
}

/// Runs `f` on the source of a chunk, first re-reading its threshold if this backend raised it.
fn with_source<R>(chunk: usize, f: impl FnOnce(&mut Source) -> R) -> R {
    let (source, stale) = XACT.with(|x| {
        let x = x.borrow();
        let s = x.chunks[chunk].source;
        (s, x.sources[s].stale)
    });
    if stale {
        let (relid, seq) = XACT.with(|x| {
            let s = &x.borrow().sources[source];
            (s.relid, s.seq)
        });
        let threshold = unsafe { lock_and_read_threshold(relid, seq) };
        XACT.with(|x| {
            let s = &mut x.borrow_mut().sources[source];
            s.spans.set_threshold(threshold);
            s.stale = false;
        });
    }
    XACT.with(|x| f(&mut x.borrow_mut().sources[source]))
}

/// First row of this transaction in a chunk: resolve its source (locking the threshold on the
/// source's first row) and the time column's attribute number in this chunk.
unsafe fn register_chunk(td: &pg_sys::TriggerData) -> usize {
    register_callback();
    let info = unsafe { trigger_info(td) };
    let known = XACT.with(|x| {
        let mut x = x.borrow_mut();
        x.active = true;
        x.sources.iter().position(|s| s.relid == info.source)
    });
    let source = known.unwrap_or_else(|| {
        let threshold = unsafe { lock_and_read_threshold(info.source, info.seq) };
        let spans = TouchedSpans::new(threshold, info.slot_width_us, info.slot_origin_us);
        XACT.with(|x| {
            let mut x = x.borrow_mut();
            x.sources.push(Source {
                relid: info.source,
                seq: info.seq,
                spans,
                stale: false,
            });
            x.sources.len() - 1
        })
    });
    XACT.with(|x| {
        let mut x = x.borrow_mut();
        x.chunks.push(Chunk {
            relid: unsafe { (*td.tg_relation).rd_id },
            source,
            attnum: info.attnum,
        });
        x.last = x.chunks.len() - 1;
        x.last
    })
}

/// The trigger's arguments resolved, from the backend's cache or (first use since the last
/// relcache invalidation) parsed and looked up.
unsafe fn trigger_info(td: &pg_sys::TriggerData) -> TriggerInfo {
    let tgoid = unsafe { (*td.tg_trigger).tgoid };
    let cached = TRIGGERS.with(|t| t.borrow().iter().find(|i| i.tgoid == tgoid).copied());
    if let Some(info) = cached {
        return info;
    }
    let args = unsafe { TriggerArgs::read(&*td.tg_trigger) };
    let info = unsafe {
        TriggerInfo {
            tgoid,
            source: cached_regclass(&args.source),
            seq: cached_regclass(&args.threshold_seq),
            attnum: attnum_of(td.tg_relation, &args.time_column),
            slot_width_us: args.slot_width_us,
            slot_origin_us: args.slot_origin_unix_us.saturating_sub(PG_EPOCH_US),
        }
    };
    TRIGGERS.with(|t| t.borrow_mut().push(info));
    info
}

unsafe fn attnum_of(rel: pg_sys::Relation, column: &str) -> i32 {
    let desc = unsafe { PgTupleDesc::from_pg_unchecked((*rel).rd_att) };
    desc.iter()
        .position(|a| !a.is_dropped() && a.name() == column)
        .map(|i| i as i32 + 1)
        .unwrap_or_else(|| {
            error!(
                "column \"{column}\" of the continuous aggregate invalidation trigger does not exist in relation {:?}",
                unsafe { (*rel).rd_id }
            )
        })
}

/// The relation a schema-qualified name stands for, looked up without the caller's privileges
/// (a writer need not see schema pos_caggs, where thresholds live).
unsafe fn regclass(name: &CStr) -> pg_sys::Oid {
    unsafe {
        let range =
            pg_sys::makeRangeVarFromNameList(pg_sys::stringToQualifiedNameList(name.as_ptr()));
        if (*range).schemaname.is_null() {
            error!("relation name {name:?} must be schema-qualified");
        }
        let namespace = pg_sys::get_namespace_oid((*range).schemaname, false);
        let oid = pg_sys::get_relname_relid((*range).relname, namespace);
        if oid == pg_sys::InvalidOid {
            error!("relation {name:?} does not exist");
        }
        oid
    }
}

/// [`regclass`], remembered by the backend: looking names up cost more than the rest of a
/// one-line transaction's tracking (callgrind, `benches/caggs/RESULTS.md`). Forgotten on every
/// relcache invalidation (a relation dropped, renamed or created again under the name), which
/// PostgreSQL processes whenever a statement locks its relations, before any row reaches the
/// trigger.
unsafe fn cached_regclass(name: &CStr) -> pg_sys::Oid {
    let known = RELIDS.with(|r| {
        r.borrow()
            .iter()
            .find(|(n, _)| n.as_c_str() == name)
            .map(|(_, oid)| *oid)
    });
    if let Some(oid) = known {
        return oid;
    }
    register_relcache_callback();
    let oid = unsafe { regclass(name) };
    RELIDS.with(|r| r.borrow_mut().push((name.to_owned(), oid)));
    oid
}

fn register_relcache_callback() {
    if !RELCACHE_CALLBACK_REGISTERED.get() {
        unsafe {
            pg_sys::CacheRegisterRelcacheCallback(Some(forget_relations), pg_sys::Datum::from(0))
        };
        RELCACHE_CALLBACK_REGISTERED.set(true);
    }
}

/// Any relation changed: names may stand for other relations, triggers for other arguments or
/// columns, a threshold sequence may have been dropped or reset. Forget everything; the next
/// transaction to write resolves what it needs again.
#[pg_guard]
unsafe extern "C-unwind" fn forget_relations(_arg: pg_sys::Datum, _relid: pg_sys::Oid) {
    RELIDS.with(|r| r.borrow_mut().clear());
    TRIGGERS.with(|t| t.borrow_mut().clear());
    THRESHOLDS.with(|t| t.borrow_mut().clear());
    LOG_CHECKED.set(false);
}

/// Takes the source's threshold lock shared until the top transaction ends, then reads the
/// threshold (PostgreSQL microseconds; `i64::MIN` when never raised): the value this backend
/// read before if no threshold moved since (the shared change counter did not move), else from
/// the sequence.
unsafe fn lock_and_read_threshold(source: pg_sys::Oid, seq: pg_sys::Oid) -> i64 {
    unsafe { lock_shared_for_transaction(seq) };
    // After the lock: a raise bumps the counter while holding the lock exclusively.
    let Some(generation) = caggs_threshold::generation() else {
        return unsafe { read_threshold_sequence(seq) };
    };
    let known = THRESHOLDS.with(|t| {
        t.borrow()
            .iter()
            .find(|k| k.source == source && k.seq == seq)
            .map(|k| (k.value, k.generation))
    });
    match known {
        Some((value, g)) if g == generation => value,
        _ => {
            let value = unsafe { read_threshold_sequence(seq) };
            register_relcache_callback();
            THRESHOLDS.with(|t| {
                let mut t = t.borrow_mut();
                t.retain(|k| k.source != source);
                t.push(KnownThreshold {
                    source,
                    seq,
                    value,
                    generation,
                });
            });
            value
        }
    }
}

/// The threshold sequence's value, read as its owner (the writer may not read it itself).
unsafe fn read_threshold_sequence(seq: pg_sys::Oid) -> i64 {
    unsafe {
        let _as_owner = AsOwner::of(seq);
        let v = pgrx::direct_function_call::<i64>(
            pg_sys::pg_sequence_last_value,
            &[Some(pg_sys::Datum::from(seq))],
        );
        match v {
            None | Some(i64::MIN) => i64::MIN,
            Some(i64::MAX) => i64::MAX,
            Some(unix_us) => unix_us - PG_EPOCH_US,
        }
    }
}

/// The threshold lock, for the writer: ROW EXCLUSIVE on the threshold sequence, owned by the top
/// transaction (as PostgreSQL's own sequence functions do). It replaced a shared advisory lock:
/// advisory locks always go through the shared lock table (a partition LWLock and two shared
/// hash entries to take, and again to release), while a weak relation lock takes one of the
/// backend's fast-path slots. A raise (SHARE ROW EXCLUSIVE) first moves every backend's
/// fast-path entries for the sequence into the shared table, so it still waits for them.
unsafe fn lock_shared_for_transaction(seq: pg_sys::Oid) {
    let tag = pg_sys::LOCKTAG {
        locktag_field1: unsafe { pg_sys::MyDatabaseId }.to_u32(),
        locktag_field2: seq.to_u32(),
        locktag_field3: 0,
        locktag_field4: 0,
        locktag_type: pg_sys::LockTagType::LOCKTAG_RELATION as u8,
        locktag_lockmethodid: pg_sys::DEFAULT_LOCKMETHOD as u8,
    };
    unsafe {
        let saved = pg_sys::CurrentResourceOwner;
        pg_sys::CurrentResourceOwner = pg_sys::TopTransactionResourceOwner;
        let _restore = Restore(move || pg_sys::CurrentResourceOwner = saved);
        pg_sys::LockAcquire(&tag, pg_sys::RowExclusiveLock as i32, false, false);
    }
}

/// Runs its closure when dropped, also while unwinding from an error.
struct Restore<F: FnMut()>(F);

impl<F: FnMut()> Drop for Restore<F> {
    fn drop(&mut self) {
        (self.0)()
    }
}

/// Acts as the owner of a relation until dropped: the writer may not read the threshold
/// sequence nor write the log itself, exactly as with a SECURITY DEFINER function.
struct AsOwner {
    user: pg_sys::Oid,
    context: i32,
}

impl AsOwner {
    unsafe fn of(rel: pg_sys::Oid) -> Self {
        let (mut user, mut context) = (pg_sys::Oid::INVALID, 0);
        unsafe {
            pg_sys::GetUserIdAndSecContext(&mut user, &mut context);
            let tuple = pg_sys::SearchSysCache1(
                pg_sys::SysCacheIdentifier::RELOID as i32,
                pg_sys::Datum::from(rel),
            );
            if tuple.is_null() {
                error!("cache lookup failed for relation {rel:?}");
            }
            let owner =
                (*pg_sys::heap_tuple_get_struct::<pg_sys::FormData_pg_class>(tuple)).relowner;
            pg_sys::ReleaseSysCache(tuple);
            pg_sys::SetUserIdAndSecContext(
                owner,
                context | pg_sys::SECURITY_LOCAL_USERID_CHANGE as i32,
            );
        }
        AsOwner { user, context }
    }
}

impl Drop for AsOwner {
    fn drop(&mut self) {
        unsafe { pg_sys::SetUserIdAndSecContext(self.user, self.context) }
    }
}

fn register_callback() {
    if !CALLBACK_REGISTERED.get() {
        unsafe { pg_sys::RegisterXactCallback(Some(xact_callback), std::ptr::null_mut()) };
        CALLBACK_REGISTERED.set(true);
    }
}

#[pg_guard]
unsafe extern "C-unwind" fn xact_callback(
    event: pg_sys::XactEvent::Type,
    _arg: *mut std::ffi::c_void,
) {
    use pg_sys::XactEvent::*;
    if !XACT.with(|x| x.borrow().active) {
        return; // most transactions: the trigger did not run
    }
    match event {
        XACT_EVENT_PRE_COMMIT | XACT_EVENT_PRE_PREPARE => flush(Visibility::AtCommit),
        XACT_EVENT_COMMIT | XACT_EVENT_ABORT | XACT_EVENT_PREPARE => {
            XACT.with(|x| x.borrow_mut().reset());
        }
        _ => {}
    }
}

/// When the rows written into the log must be visible to the writing transaction.
#[derive(Clone, Copy, PartialEq)]
enum Visibility {
    /// To its next command: a refresh in the writing transaction reads them.
    NextCommand,
    /// Only once it commits (the pre-commit callback: nothing runs after it).
    AtCommit,
}

/// Writes the spans recorded so far into the log and forgets them (the lock and the thresholds
/// stay for the rest of the transaction). The spans are read in place: a late single-line
/// transaction writes one row, and copying them out first cost two allocations per commit.
fn flush(visibility: Visibility) {
    let any = XACT.with(|x| x.borrow().sources.iter().any(|s| !s.spans.is_empty()));
    if !any {
        return;
    }
    // No PostgreSQL call below runs the trigger (the log has none), so holding the borrow is safe;
    // an error unwinds through it and the transaction's end resets the state.
    XACT.with(|x| {
        let mut x = x.borrow_mut();
        unsafe { insert_log_rows(&mut x.sources) };
    });
    if visibility == Visibility::NextCommand {
        unsafe { pg_sys::CommandCounterIncrement() };
    }
}

/// Inserts `(source, lo, hi)` rows straight into the log's heap, the way PostgreSQL writes its
/// catalogs and TimescaleDB its own invalidation log: no SPI, no parse, plan or executor start,
/// no snapshot, no privilege check (the writer may not write the log itself). The rows are
/// WAL-logged in the writing transaction like any other, so a crash or an abort loses them
/// exactly when it loses the rows they describe. It replaces a prepared INSERT through SPI, whose
/// cost per commit is compared in `benches/caggs/RESULTS.md`.
///
/// The log has no index (`sql/90_caggs.sql`), so the rows go through `simple_heap_insert` alone:
/// no index state is built and torn down per commit. Should an index be added, it is maintained
/// through the catalog path (plain column indexes only, see [`check_plain_indexes`]).
unsafe fn insert_log_rows(sources: &mut [Source]) {
    unsafe {
        let rel = pg_sys::table_open(cached_regclass(LOG_TABLE), pg_sys::RowExclusiveLock as i32);
        // Once per backend until the next relcache invalidation (an ALTER of the log sends one).
        if !LOG_CHECKED.get() {
            check_log_shape(rel);
            LOG_CHECKED.set(true);
        }
        // Read under the lock: CREATE INDEX (SHARE) waits for this transaction, and the
        // relcache entry is current once the lock is granted.
        let indexes = if (*(*rel).rd_rel).relhasindex {
            let indexes = pg_sys::CatalogOpenIndexes(rel);
            check_plain_indexes(indexes);
            indexes
        } else {
            std::ptr::null_mut()
        };
        for source in sources.iter_mut().filter(|s| !s.spans.is_empty()) {
            for (lo, hi) in source.spans.take() {
                let mut values = [
                    pg_sys::Datum::from(source.relid),
                    pg_sys::Datum::from(lo),
                    pg_sys::Datum::from(hi),
                ];
                let mut nulls = [false; 3];
                // allocated in the transaction's memory, which commit frees
                let tuple =
                    pg_sys::heap_form_tuple((*rel).rd_att, values.as_mut_ptr(), nulls.as_mut_ptr());
                if indexes.is_null() {
                    pg_sys::simple_heap_insert(rel, tuple);
                } else {
                    pg_sys::CatalogTupleInsertWithInfo(rel, tuple, indexes);
                }
            }
        }
        if !indexes.is_null() {
            pg_sys::CatalogCloseIndexes(indexes);
        }
        // the lock is kept until the transaction ends, as after any INSERT
        pg_sys::table_close(rel, pg_sys::NoLock as i32);
    }
}

/// The heap tuple is formed positionally: the log must be exactly (source regclass, lo
/// timestamptz, hi timestamptz), as `sql/90_caggs.sql` creates it.
unsafe fn check_log_shape(rel: pg_sys::Relation) {
    const EXPECTED: [(&str, pg_sys::Oid); 3] = [
        ("source", pg_sys::REGCLASSOID),
        ("lo", pg_sys::TIMESTAMPTZOID),
        ("hi", pg_sys::TIMESTAMPTZOID),
    ];
    let desc = unsafe { PgTupleDesc::from_pg_unchecked((*rel).rd_att) };
    let matches = desc.len() == EXPECTED.len()
        && desc
            .iter()
            .zip(EXPECTED)
            .all(|(a, (name, ty))| a.name() == name && a.type_oid().value() == ty);
    if !matches {
        let found: Vec<String> = desc.iter().map(|a| a.name().to_string()).collect();
        error!("{LOG_TABLE:?} must have exactly the columns (source regclass, lo timestamptz, hi timestamptz), found {found:?}");
    }
}

/// Index entries are formed without an executor: only plain column indexes can be maintained.
unsafe fn check_plain_indexes(indexes: pg_sys::CatalogIndexState) {
    unsafe {
        let n = (*indexes).ri_NumIndices.max(0) as usize;
        for i in 0..n {
            let info = *(*indexes).ri_IndexRelationInfo.add(i);
            if !(*info).ii_Expressions.is_null()
                || !(*info).ii_Predicate.is_null()
                || !(*info).ii_ExclusionOps.is_null()
            {
                error!("{LOG_TABLE:?} may only have plain column indexes (no expression, partial or exclusion index)");
            }
        }
    }
}
