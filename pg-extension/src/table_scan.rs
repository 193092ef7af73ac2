//! Reading one of the extension's small bookkeeping tables (pos.tenant_access,
//! pos.cagg_view_path, pos.continuous_aggregate) straight from the heap, in the running
//! statement's snapshot and with the caller's SELECT privilege checked, as a query would.
//! Functions that every API request calls (row security, the materialized-path guard) read their
//! tables this way: a query through SPI or PL/pgSQL costs 50–80 µs per call in executor set-up,
//! which was a fifth of a one-row request (benches/api/RESULTS.md).
use std::ffi::CStr;

use pgrx::pg_sys;

/// The OID of table (or index) `pos.<name>`; an error when it does not exist.
pub fn pos_table(name: &CStr) -> pg_sys::Oid {
    unsafe {
        let ns = pg_sys::get_namespace_oid(c"pos".as_ptr(), false);
        let rel = pg_sys::get_relname_relid(name.as_ptr(), ns);
        if rel == pg_sys::InvalidOid {
            pgrx::error!("relation pos.{} does not exist", name.to_string_lossy());
        }
        rel
    }
}

/// The attribute number of `column` in `rel`; an error when there is none.
pub fn column(rel: pg_sys::Oid, column: &CStr) -> i16 {
    let n = unsafe { pg_sys::get_attnum(rel, column.as_ptr()) };
    if n <= 0 {
        pgrx::error!("column {} is missing", column.to_string_lossy());
    }
    n
}

/// Raises the usual "permission denied for table" unless the current user may SELECT from `rel`.
pub fn require_select(rel: pg_sys::Oid) {
    unsafe {
        let r = pg_sys::pg_class_aclcheck(rel, pg_sys::GetUserId(), pg_sys::ACL_SELECT as _);
        if r != pg_sys::AclResult::ACLCHECK_OK {
            pg_sys::aclcheck_error(
                r,
                pg_sys::ObjectType::OBJECT_TABLE,
                pg_sys::get_rel_name(rel),
            );
        }
    }
}

/// An equality condition on one column: (attribute number, equality function, value).
pub type Key = (i16, u32, pg_sys::Datum);

/// One row of a scan: reads attributes of the current tuple.
pub struct Row {
    tuple: pg_sys::HeapTuple,
    desc: pg_sys::TupleDesc,
}

impl Row {
    /// The attribute's datum, `None` when NULL. Valid until the scan moves on.
    pub fn get(&self, attnum: i16) -> Option<pg_sys::Datum> {
        let mut isnull = false;
        let d = unsafe { pg_sys::heap_getattr(self.tuple, attnum.into(), self.desc, &mut isnull) };
        (!isnull).then_some(d)
    }
}

/// Calls `f` on every row of `rel` matching `keys` that the active snapshot sees, through `index`
/// (an index of `rel` on the keys' columns; `keys` name heap columns) or by a sequential scan
/// (`InvalidOid`). Takes ACCESS SHARE on `rel` like a query. No snapshot (outside a statement) is
/// an error rather than a read of the latest rows.
pub fn for_each_row(rel: pg_sys::Oid, index: pg_sys::Oid, keys: &[Key], mut f: impl FnMut(&Row)) {
    unsafe {
        let snapshot = pg_sys::GetActiveSnapshot();
        if snapshot.is_null() {
            pgrx::error!("no active snapshot to read {}", rel.to_u32());
        }
        let mut scankeys: Vec<pg_sys::ScanKeyData> = keys
            .iter()
            .map(|&(attnum, eq, value)| {
                let mut k = pg_sys::ScanKeyData::default();
                pg_sys::ScanKeyInit(
                    &mut k,
                    attnum,
                    pg_sys::BTEqualStrategyNumber as _,
                    pg_sys::Oid::from(eq),
                    value,
                );
                k
            })
            .collect();
        let lock = pg_sys::AccessShareLock as pg_sys::LOCKMODE;
        let heap = pg_sys::table_open(rel, lock);
        let scan = pg_sys::systable_beginscan(
            heap,
            index,
            index != pg_sys::InvalidOid,
            snapshot,
            scankeys.len() as i32,
            scankeys.as_mut_ptr(),
        );
        let desc = (*heap).rd_att;
        loop {
            let tuple = pg_sys::systable_getnext(scan);
            if tuple.is_null() {
                break;
            }
            f(&Row { tuple, desc });
        }
        pg_sys::systable_endscan(scan);
        // The lock is kept to the end of the transaction, as a query keeps it.
        pg_sys::table_close(heap, pg_sys::NoLock as pg_sys::LOCKMODE);
    }
}
