//! `pos.visible_tenants()`, the tenant list every row-security policy compares with, computed once
//! per statement instead of once per table. Each policy evaluates it in its own InitPlan, so a
//! query over a view reading four materializations called the PL/pgSQL function four times (about
//! a third of such a query's CPU, benches/api/RESULTS.md). The list is a function of what the
//! query can see: the current user, the `pos.tenant` setting, and the rows of pos.tenant_access
//! visible in the active snapshot. So the last list is kept with exactly that key and reused while
//! the key is unchanged: the same transaction, a snapshot with the same visibility (bounds,
//! in-progress transactions and command id: equal snapshots see the same rows), the same user
//! and setting. A grant or revoke committed by anyone, a new statement's
//! snapshot, SET ROLE or a SECURITY DEFINER function, or a changed `pos.tenant` all change the
//! key, so nothing outlives what a STABLE function may assume. `pos._visible_tenants_uncached()`
//! (sql/40_security.sql) computes the list.
use std::cell::RefCell;
use std::ffi::CStr;

use pgrx::prelude::*;
use pgrx::{pg_sys, FromDatum, IntoDatum};

#[derive(Debug, Clone, PartialEq, Eq)]
struct Key {
    lxid: pg_sys::LocalTransactionId,
    /// The snapshot's visibility: its bounds, in-progress transactions and command.
    xmin: pg_sys::TransactionId,
    xmax: pg_sys::TransactionId,
    xip: Vec<pg_sys::TransactionId>,
    subxip: Vec<pg_sys::TransactionId>,
    suboverflowed: bool,
    curcid: pg_sys::CommandId,
    user: pg_sys::Oid,
    tenant: Option<Vec<u8>>,
}

thread_local! {
    static LAST: RefCell<Option<(Key, Vec<String>)>> = const { RefCell::new(None) };
}

/// The key of the running statement, or `None` when there is no snapshot to tie a list to.
fn current_key() -> Option<Key> {
    unsafe {
        let snap = pg_sys::GetActiveSnapshot();
        if snap.is_null()
            || (*snap).snapshot_type != pg_sys::SnapshotType::SNAPSHOT_MVCC
            || pg_sys::MyProc.is_null()
        {
            return None;
        }
        let ids = |p: *mut pg_sys::TransactionId, n: i32| match (p.is_null(), n) {
            (true, _) | (_, ..=0) => Vec::new(),
            _ => std::slice::from_raw_parts(p, n as usize).to_vec(),
        };
        let tenant = pg_sys::GetConfigOption(c"pos.tenant".as_ptr(), true, false);
        Some(Key {
            lxid: (*pg_sys::MyProc).lxid,
            xmin: (*snap).xmin,
            xmax: (*snap).xmax,
            xip: ids((*snap).xip, (*snap).xcnt as i32),
            subxip: ids((*snap).subxip, (*snap).subxcnt),
            suboverflowed: (*snap).suboverflowed,
            curcid: (*snap).curcid,
            user: pg_sys::GetUserId(),
            tenant: (!tenant.is_null()).then(|| CStr::from_ptr(tenant).to_bytes().to_vec()),
        })
    }
}

/// Calls `pos._visible_tenants_uncached()` directly (looked up by name each time, so a re-created
/// extension is found again; no SQL to parse and plan).
fn compute() -> Vec<String> {
    unsafe {
        let name = pg_sys::stringToQualifiedNameList(c"pos._visible_tenants_uncached".as_ptr());
        let f = pg_sys::LookupFuncName(name, 0, std::ptr::null(), false);
        let d = pg_sys::OidFunctionCall0Coll(f, pg_sys::InvalidOid);
        Vec::<String>::from_datum(d, false).unwrap_or_default()
    }
}

/// The version-1 calling convention record that `CREATE FUNCTION ... LANGUAGE c` looks for.
#[unsafe(no_mangle)]
#[doc(hidden)]
pub extern "C" fn pg_finfo_pos_visible_tenants() -> &'static pg_sys::Pg_finfo_record {
    const V1: pg_sys::Pg_finfo_record = pg_sys::Pg_finfo_record { api_version: 1 };
    &V1
}

/// `pos.visible_tenants() RETURNS text[]` (STABLE).
#[pg_guard]
#[unsafe(no_mangle)]
pub extern "C-unwind" fn pos_visible_tenants(_fcinfo: pg_sys::FunctionCallInfo) -> pg_sys::Datum {
    let key = current_key();
    let hit = LAST.with(|l| match (&*l.borrow(), &key) {
        (Some((k, v)), Some(key)) if k == key => Some(v.clone()),
        _ => None,
    });
    let tenants = hit.unwrap_or_else(|| {
        let v = compute();
        if let Some(key) = key {
            LAST.with(|l| *l.borrow_mut() = Some((key, v.clone())));
        }
        v
    });
    tenants.into_datum().unwrap_or(pg_sys::Datum::from(0))
}
