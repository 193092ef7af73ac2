//! What the running statement can see, as a value: the key of per-statement caches of STABLE
//! functions (`pos.visible_tenants()` in tenancy.rs, `pos._fraud_realtime()` in fraud_gate.rs).
//!
//! A STABLE function's answer may be reused while its inputs cannot change, and for answers read
//! from tables that holds exactly while the statement sees the same rows as the user it ran as.
//! Two snapshots with the same bounds, in-progress transactions and command id see the same rows;
//! the local transaction id keeps a key from outliving its transaction, the user id from crossing
//! SET ROLE or a SECURITY DEFINER function.
use pgrx::pg_sys;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotKey {
    lxid: pg_sys::LocalTransactionId,
    xmin: pg_sys::TransactionId,
    xmax: pg_sys::TransactionId,
    xip: Vec<pg_sys::TransactionId>,
    subxip: Vec<pg_sys::TransactionId>,
    suboverflowed: bool,
    curcid: pg_sys::CommandId,
    user: pg_sys::Oid,
}

impl SnapshotKey {
    /// The running statement's key, or `None` without an MVCC snapshot (then nothing may be kept).
    pub fn current() -> Option<Self> {
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
            Some(Self {
                lxid: (*pg_sys::MyProc).lxid,
                xmin: (*snap).xmin,
                xmax: (*snap).xmax,
                xip: ids((*snap).xip, (*snap).xcnt as i32),
                subxip: ids((*snap).subxip, (*snap).subxcnt),
                suboverflowed: (*snap).suboverflowed,
                curcid: (*snap).curcid,
                user: pg_sys::GetUserId(),
            })
        }
    }
}
