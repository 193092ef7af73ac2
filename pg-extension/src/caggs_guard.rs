//! `pos._cagg_path_covered(rel, lo, hi)`, the test behind `pos.cagg_require_materialized`, the
//! guard of a materialized path (sql/90_caggs.sql), in C. Same answer as the PL/pgSQL guard it
//! replaces: true when every part of `rel` (pos.cagg_view_path.parts) exists in
//! pos.continuous_aggregate and none aggregates live (`view_live`, NULL meaning unknown) a bucket
//! key in `[lo, hi]` (NULL: unbounded). It reads both tables in the calling statement's snapshot,
//! with the caller's privileges, so a refresh that commits during the statement is not seen by
//! it, exactly as before. The guard itself stays SQL (inlined into the query), which raises
//! SQLSTATE PCA01 when this returns false: an error raised from Rust would reach the client as
//! XX000. In C the test costs a few µs instead of ~80 µs of PL/pgSQL and SPI per API request
//! (benches/api/RESULTS.md). The answer is also kept across statements, under the change epoch of
//! the two tables (caggs_coverage.rs explains when that is exact), which skips opening and
//! scanning them in most API requests; the caller's SELECT privilege on both is checked anyway.
use std::cell::RefCell;

use pgrx::pg_sys;
use pgrx::{FromDatum, IntoDatum};

use crate::caggs_coverage;
use crate::table_scan::{self, column, pos_table};

/// What one test was asked: the relation, the bounds (NULL: unbounded) and the user it ran as.
type Question = (pg_sys::Oid, Option<i64>, Option<i64>, pg_sys::Oid);

/// Answers kept in this backend, all read under one epoch of caggs_coverage.
struct Answers {
    epoch: u64,
    kept: Vec<(Question, bool)>,
}

/// A client can ask about many ranges; past this many answers the backend forgets them all.
const KEPT_MAX: usize = 256;

thread_local! {
    static ANSWERS: RefCell<Answers> = const { RefCell::new(Answers { epoch: 0, kept: Vec::new() }) };
}

v1_function!(pg_finfo_pos_cagg_path_covered);

/// `pos._cagg_path_covered(rel regclass, lo timestamptz, hi timestamptz) RETURNS boolean`
/// (STABLE, not STRICT: NULL bounds are unbounded; a NULL relation has no path).
#[pgrx::pg_guard]
#[unsafe(no_mangle)]
pub extern "C-unwind" fn pos_cagg_path_covered(fcinfo: pg_sys::FunctionCallInfo) -> pg_sys::Datum {
    let arg = |i: usize| unsafe {
        let a = (*fcinfo).args.as_slice(3)[i];
        (!a.isnull).then_some(a.value)
    };
    let (rel, lo, hi) = (arg(0), arg(1), arg(2));
    let bound = |d: Option<pg_sys::Datum>| d.map(|d| d.value() as i64);
    if let (Some(l), Some(h)) = (bound(lo), bound(hi)) {
        if l > h {
            return true.into_datum().unwrap(); // no bucket at all
        }
    }
    let covered = rel.is_some_and(|rel| {
        let tables = readable_tables();
        let question = (
            pg_sys::Oid::from(rel.value() as u32),
            bound(lo),
            bound(hi),
            unsafe { pg_sys::GetUserId() },
        );
        kept_or(question, || unsafe { covered(tables, rel, lo, hi) })
    });
    covered.into_datum().unwrap()
}

/// pos.cagg_view_path and pos.continuous_aggregate, once the caller may read both (else the
/// usual "permission denied", whether or not an answer is kept).
fn readable_tables() -> (pg_sys::Oid, pg_sys::Oid) {
    let paths = pos_table(c"cagg_view_path");
    let caggs = pos_table(c"continuous_aggregate");
    table_scan::require_select(paths);
    table_scan::require_select(caggs);
    (paths, caggs)
}

/// The answer kept for `q` when the statement's snapshot may reuse it, else `test()`'s (kept
/// when the snapshot allows).
fn kept_or(q: Question, test: impl FnOnce() -> bool) -> bool {
    let Some(epoch) = caggs_coverage::stamp() else {
        return test();
    };
    let hit = ANSWERS.with(|a| {
        let a = a.borrow();
        (a.epoch == epoch)
            .then(|| a.kept.iter().find(|(k, _)| *k == q).map(|&(_, v)| v))
            .flatten()
    });
    if let Some(v) = hit {
        return v;
    }
    let v = test();
    ANSWERS.with(|a| {
        let mut a = a.borrow_mut();
        if a.epoch != epoch || a.kept.len() >= KEPT_MAX {
            a.epoch = epoch;
            a.kept.clear();
        }
        a.kept.push((q, v));
    });
    v
}

/// Whether the path of `rel` covers `[lo, hi]`: it has a row in pos.cagg_view_path, all its parts
/// exist, and no part's `view_live` is NULL or overlaps the range.
unsafe fn covered(
    (paths, caggs): (pg_sys::Oid, pg_sys::Oid),
    rel: pg_sys::Datum,
    lo: Option<pg_sys::Datum>,
    hi: Option<pg_sys::Datum>,
) -> bool {
    let (view_name, parts_col) = (column(paths, c"view_name"), column(paths, c"parts"));
    // Sequential scans: both tables are small, and five index scans (the path, then each part)
    // cost three times one scan of continuous_aggregate with its dead versions (measured: ~40
    // against ~14 µs per call).
    let none = pg_sys::InvalidOid;
    let mut parts: Option<Vec<Option<i32>>> = None;
    let key = (view_name, pg_sys::F_OIDEQ, rel);
    table_scan::for_each_row(paths, none, &[key], |row| {
        parts = row
            .get(parts_col)
            .and_then(|d| unsafe { Vec::<Option<i32>>::from_datum(d, false) });
    });
    // No path, no parts, or a NULL part (which the SQL's join never matched): not covered.
    let Some(parts) = parts.and_then(|p| p.into_iter().collect::<Option<Vec<i32>>>()) else {
        return false;
    };
    if parts.is_empty() {
        return false;
    }
    let (id_col, live_col) = (column(caggs, c"cagg_id"), column(caggs, c"view_live"));
    let range = unsafe { key_range(lo, hi) };
    // As the SQL did: one row per existing aggregate listed in parts, which must be as many as
    // its elements (count(*) = cardinality(parts): a part listed twice counts as missing).
    let (mut found, mut live) = (0usize, false);
    table_scan::for_each_row(caggs, none, &[], |row| {
        let Some(id) = row.get(id_col).map(|d| d.value() as i32) else {
            return;
        };
        if live || !parts.contains(&id) {
            return;
        }
        found += 1;
        live = match row.get(live_col) {
            None => true,
            Some(mr) => unsafe {
                pg_sys::OidFunctionCall2Coll(
                    pg_sys::Oid::from(pg_sys::F_MULTIRANGE_OVERLAPS_RANGE),
                    pg_sys::InvalidOid,
                    mr,
                    range,
                )
                .value()
                    != 0
            },
        };
    });
    !live && found == parts.len()
}

/// `tstzrange(lo, hi, '[]')`, a NULL bound unbounded.
unsafe fn key_range(lo: Option<pg_sys::Datum>, hi: Option<pg_sys::Datum>) -> pg_sys::Datum {
    unsafe {
        let tc =
            pg_sys::lookup_type_cache(pg_sys::TSTZRANGEOID, pg_sys::TYPECACHE_RANGE_INFO as i32);
        let bound = |d: Option<pg_sys::Datum>, lower: bool| pg_sys::RangeBound {
            val: d.unwrap_or(pg_sys::Datum::from(0)),
            infinite: d.is_none(),
            inclusive: d.is_some(),
            lower,
        };
        let (mut l, mut u) = (bound(lo, true), bound(hi, false));
        pg_sys::Datum::from(pg_sys::make_range(tc, &mut l, &mut u, false))
    }
}
