//! `pos._fraud_realtime(tenant)`: whether commit-time fraud scoring applies to a tenant's rows
//! (real-time switched on and a baseline fitted), for the WHEN clause of the trigger on pos.txn
//! (sql/80_fraud.sql). Without the clause every inserted header queued a deferred PL/pgSQL call
//! that looked the settings up and found, for a tenant without a baseline, nothing to do: about
//! 20 µs per header, half the cost of writing the header (benches/ingest/RESULTS.md). A PL/pgSQL
//! WHEN function still cost ~14 µs per row; this one answers from a cache.
//!
//! The answer depends only on rows of pos.fraud_settings and pos.fraud_baseline visible to the
//! statement, so it is kept per tenant for exactly that key: the same transaction, a snapshot with
//! the same visibility (bounds, in-progress transactions, command id) and the same user. A COPY of
//! a thousand headers asks once; a new statement, or a settings change committed by anyone, makes
//! it ask again. `pos._fraud_realtime_uncached(text)` computes the answer.
use std::cell::RefCell;
use std::collections::HashMap;

use pgrx::pg_sys;
use pgrx::prelude::*;

use crate::snapshot_key::SnapshotKey;

type Key = SnapshotKey;

type Answers = HashMap<String, bool>;

thread_local! {
    static LAST: RefCell<Option<(Key, Answers)>> = const { RefCell::new(None) };
}

/// Calls `pos._fraud_realtime_uncached(tenant)` (looked up by name each time, so a re-created
/// extension is found again).
fn compute(tenant: pg_sys::Datum) -> bool {
    unsafe {
        let name = pg_sys::stringToQualifiedNameList(c"pos._fraud_realtime_uncached".as_ptr());
        let args = [pg_sys::TEXTOID];
        let f = pg_sys::LookupFuncName(name, 1, args.as_ptr(), false);
        let d = pg_sys::OidFunctionCall1Coll(f, pg_sys::DEFAULT_COLLATION_OID, tenant);
        d.value() != 0
    }
}

v1_function!(pg_finfo_pos_fraud_realtime);

/// `pos._fraud_realtime(tenant text) RETURNS boolean` (STABLE STRICT).
#[pg_guard]
#[unsafe(no_mangle)]
pub extern "C-unwind" fn pos_fraud_realtime(fcinfo: pg_sys::FunctionCallInfo) -> pg_sys::Datum {
    let raw = unsafe { (*fcinfo).args.as_slice(1)[0].value };
    let tenant: String = unsafe { pgrx::fcinfo::pg_getarg(fcinfo, 0) }.unwrap_or_default();
    let key = SnapshotKey::current();
    let hit = LAST.with(|l| match (&*l.borrow(), &key) {
        (Some((k, answers)), Some(key)) if k == key => answers.get(&tenant).copied(),
        _ => None,
    });
    let answer = hit.unwrap_or_else(|| {
        let a = compute(raw);
        if let Some(key) = key {
            LAST.with(|l| {
                let mut l = l.borrow_mut();
                match &mut *l {
                    Some((k, answers)) if *k == key => {
                        answers.insert(tenant, a);
                    }
                    slot => *slot = Some((key, HashMap::from([(tenant, a)]))),
                }
            });
        }
        a
    });
    pg_sys::Datum::from(answer)
}
