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
//! key, so nothing outlives what a STABLE function may assume. A miss (at least once per
//! transaction) reads pos.tenant_access directly ([`compute`]); `pos._visible_tenants_uncached()`
//! (sql/40_security.sql) is the same list in PL/pgSQL, the reference the tests compare with.
use std::cell::RefCell;
use std::ffi::CStr;

use pgrx::prelude::*;
use pgrx::{pg_sys, FromDatum, IntoDatum};

use crate::snapshot_key::SnapshotKey;
use crate::table_scan::{self, column, pos_table};

/// The statement's visibility and the `pos.tenant` setting: what the list depends on.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Key {
    snapshot: SnapshotKey,
    tenant: Option<Vec<u8>>,
}

thread_local! {
    static LAST: RefCell<Option<(Key, Vec<String>)>> = const { RefCell::new(None) };
}

/// The key of the running statement, or `None` when there is no snapshot to tie a list to.
fn current_key() -> Option<Key> {
    let snapshot = SnapshotKey::current()?;
    let tenant = unsafe {
        let t = pg_sys::GetConfigOption(c"pos.tenant".as_ptr(), true, false);
        (!t.is_null()).then(|| CStr::from_ptr(t).to_bytes().to_vec())
    };
    Some(Key { snapshot, tenant })
}

/// What `pos._visible_tenants_uncached()` (sql/40_security.sql) returns, read directly: the
/// tenant_access rows the current user sees (under its row security: rows of roles the user is a
/// member of; all rows when row security does not apply to the user, e.g. a superuser), plus
/// `pos.tenant` for members of pos_api; sorted, without duplicates. The PL/pgSQL function's
/// query cost ~60 µs per statement (executor set-up of a query with row security over
/// pg_roles), about a sixth of an API request; this is a scan of a few heap pages.
fn compute() -> Vec<String> {
    let access = pos_table(c"tenant_access");
    table_scan::require_select(access);
    let (role_col, tenant_col) = (column(access, c"role_name"), column(access, c"tenant_id"));
    let user = unsafe { pg_sys::GetUserId() };
    // noError = false: with row_security = off this errors exactly as the query did.
    let own_rows_only = unsafe { pg_sys::check_enable_rls(access, pg_sys::InvalidOid, false) }
        == pg_sys::CheckEnableRlsResult::RLS_ENABLED as i32;
    // The policy own_roles: pg_has_role(current_user, role, 'MEMBER'), i.e. is_member_of_role.
    let mut members: Vec<(Vec<u8>, bool)> = Vec::new();
    let mut is_member = |role: &CStr| -> bool {
        if let Some((_, m)) = members
            .iter()
            .find(|(r, _)| r.as_slice() == role.to_bytes())
        {
            return *m;
        }
        let oid = unsafe { pg_sys::get_role_oid(role.as_ptr(), true) };
        let m = oid != pg_sys::InvalidOid && unsafe { pg_sys::is_member_of_role(user, oid) };
        members.push((role.to_bytes().to_vec(), m));
        m
    };
    let mut tenants = Vec::new();
    table_scan::for_each_row(access, pg_sys::InvalidOid, &[], |row| {
        let (Some(role), Some(tenant)) = (row.get(role_col), row.get(tenant_col)) else {
            return;
        };
        // `name` is a fixed-size, NUL-terminated C string.
        let role = unsafe { CStr::from_ptr(role.cast_mut_ptr::<std::ffi::c_char>()) };
        if !own_rows_only || is_member(role) {
            tenants.extend(unsafe { String::from_datum(tenant, false) });
        }
    });
    let api = unsafe { pg_sys::get_role_oid(c"pos_api".as_ptr(), false) };
    if unsafe { pg_sys::is_member_of_role(user, api) } {
        let setting = unsafe { pg_sys::GetConfigOption(c"pos.tenant".as_ptr(), true, false) };
        if !setting.is_null() {
            let t = unsafe { CStr::from_ptr(setting) }.to_string_lossy();
            if !t.is_empty() {
                tenants.push(t.into_owned());
            }
        }
    }
    // Sorted as the function's ORDER BY t sorts text: in the database's collation.
    sort_unique(&mut tenants);
    tenants
}

/// Sorts in the database's default collation (as `ORDER BY` on text did) and drops duplicates
/// (the default collation is deterministic: equal means byte-equal).
fn sort_unique(v: &mut Vec<String>) {
    if v.len() < 2 {
        return;
    }
    v.sort_by(|a, b| {
        let c = unsafe {
            pg_sys::varstr_cmp(
                a.as_ptr().cast(),
                a.len() as i32,
                b.as_ptr().cast(),
                b.len() as i32,
                pg_sys::DEFAULT_COLLATION_OID,
            )
        };
        c.cmp(&0)
    });
    v.dedup();
}

v1_function!(pg_finfo_pos_visible_tenants);

/// `pos.visible_tenants() RETURNS text[]` (STABLE).
#[pg_guard]
#[unsafe(no_mangle)]
pub extern "C-unwind" fn pos_visible_tenants(_fcinfo: pg_sys::FunctionCallInfo) -> pg_sys::Datum {
    visible().into_datum().unwrap_or(pg_sys::Datum::from(0))
}

/// The list `pos.visible_tenants()` returns, sorted in the database's collation: the last one
/// computed while the statement's key is unchanged, else computed afresh.
pub fn visible() -> Vec<String> {
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
    tenants
}
