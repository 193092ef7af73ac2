//! `pos.tenant_visible(tenant_id)`, the row-security policy of every tenant table: true when
//! `tenant_id` is one of `pos.visible_tenants()` (tenancy.rs), the rule the policies stated before
//! as `tenant_id = ANY ((SELECT pos.visible_tenants())::text[])`.
//!
//! That form cost every query one InitPlan per table, and worse, a bad plan: the planner takes
//! the array of an InitPlan for ten elements, so an index leading with tenant_id looked like ten
//! descents and lost to an index on the date plus a filter (or a sequential scan). The API's
//! one-store-one-day request read ten rows per materialization instead of one, through bitmap
//! scans (benches/api/RESULTS.md). Here the test is a function evaluated per row, and its
//! planner support function ([`pos_tenant_visible_support`]) hands the planner a lossy index
//! condition on a btree column of tenant_id: `tenant_id BETWEEN first AND last` of the sorted
//! list (`pos._visible_tenants_first()` / `_last()`, evaluated once per scan), which it costs as
//! one range. A single tenant, as for every API key, makes that range exact; the function still
//! checks every row the index returns, so the range can only let too many rows reach the test.
//!
//! The list is computed once per expression evaluation context (the executor's per-query
//! `fn_extra`), as the InitPlan computed it once per query, and kept sorted bytewise for a
//! binary search per row.
use std::ffi::c_void;

use pgrx::pg_sys;
use pgrx::prelude::*;
use pgrx::IntoDatum;

use crate::tenancy;

v1_function!(pg_finfo_pos_tenant_visible);
v1_function!(pg_finfo_pos_visible_tenants_first);
v1_function!(pg_finfo_pos_visible_tenants_last);
v1_function!(pg_finfo_pos_tenant_visible_support);

/// The visible tenants of one query's evaluation of the policy, sorted bytewise (the database's
/// collations are deterministic: equal means byte-equal).
struct Tenants(Vec<Vec<u8>>);

unsafe extern "C-unwind" fn drop_tenants(arg: *mut c_void) {
    drop(unsafe { Box::from_raw(arg.cast::<Tenants>()) });
}

/// The list kept in `flinfo`, computed at the first call of this evaluation context and dropped
/// with it.
unsafe fn tenants_of(flinfo: *mut pg_sys::FmgrInfo) -> &'static Tenants {
    unsafe {
        if (*flinfo).fn_extra.is_null() {
            let mut v: Vec<Vec<u8>> = tenancy::visible()
                .into_iter()
                .map(String::into_bytes)
                .collect();
            v.sort_unstable();
            let kept = Box::into_raw(Box::new(Tenants(v)));
            let cx = (*flinfo).fn_mcxt;
            let cb = pg_sys::MemoryContextAlloc(cx, size_of::<pg_sys::MemoryContextCallback>())
                .cast::<pg_sys::MemoryContextCallback>();
            cb.write(pg_sys::MemoryContextCallback {
                func: Some(drop_tenants),
                arg: kept.cast(),
                next: std::ptr::null_mut(),
            });
            pg_sys::MemoryContextRegisterResetCallback(cx, cb);
            (*flinfo).fn_extra = kept.cast();
        }
        &*(*flinfo).fn_extra.cast::<Tenants>()
    }
}

/// `pos.tenant_visible(tenant text) RETURNS boolean` (STABLE, STRICT: a NULL tenant is never
/// visible, as `NULL = ANY (…)` never was).
#[pg_guard]
#[unsafe(no_mangle)]
pub extern "C-unwind" fn pos_tenant_visible(fcinfo: pg_sys::FunctionCallInfo) -> pg_sys::Datum {
    unsafe {
        let tenants = tenants_of((*fcinfo).flinfo);
        let arg = (*fcinfo).args.as_slice(1)[0].value;
        let text = pg_sys::pg_detoast_datum_packed(arg.cast_mut_ptr());
        let bytes = std::slice::from_raw_parts(
            pgrx::varlena::vardata_any(text).cast::<u8>(),
            pgrx::varlena::varsize_any_exhdr(text),
        );
        let found = tenants.0.binary_search_by(|t| t.as_slice().cmp(bytes));
        pg_sys::Datum::from(found.is_ok())
    }
}

/// `pos._visible_tenants_first() RETURNS text` (STABLE): the least visible tenant in the
/// database's collation, NULL when there is none.
#[pg_guard]
#[unsafe(no_mangle)]
pub extern "C-unwind" fn pos_visible_tenants_first(
    fcinfo: pg_sys::FunctionCallInfo,
) -> pg_sys::Datum {
    end_of_list(fcinfo, |v| v.first())
}

/// `pos._visible_tenants_last() RETURNS text` (STABLE): the greatest, NULL when there is none.
#[pg_guard]
#[unsafe(no_mangle)]
pub extern "C-unwind" fn pos_visible_tenants_last(
    fcinfo: pg_sys::FunctionCallInfo,
) -> pg_sys::Datum {
    end_of_list(fcinfo, |v| v.last())
}

fn end_of_list(
    fcinfo: pg_sys::FunctionCallInfo,
    pick: impl FnOnce(&[String]) -> Option<&String>,
) -> pg_sys::Datum {
    let v = tenancy::visible();
    match pick(&v).and_then(|t| t.as_str().into_datum()) {
        Some(d) => d,
        None => unsafe {
            (*fcinfo).isnull = true;
            pg_sys::Datum::from(0)
        },
    }
}

/// `pos._tenant_visible_support(internal) RETURNS internal`: for a btree index column of type
/// text in the database's collation matched by `pos.tenant_visible`'s argument, the lossy index
/// condition `arg >= pos._visible_tenants_first() AND arg <= pos._visible_tenants_last()`.
/// Any other request: no answer (NULL pointer), and the planner does without.
#[pg_guard]
#[unsafe(no_mangle)]
pub extern "C-unwind" fn pos_tenant_visible_support(
    fcinfo: pg_sys::FunctionCallInfo,
) -> pg_sys::Datum {
    unsafe {
        let node = (*fcinfo).args.as_slice(1)[0]
            .value
            .cast_mut_ptr::<pg_sys::Node>();
        if node.is_null() || (*node).type_ != pg_sys::NodeTag::T_SupportRequestIndexCondition {
            return pg_sys::Datum::from(0);
        }
        let req = node.cast::<pg_sys::SupportRequestIndexCondition>();
        match range_condition(&*req) {
            Some(list) => {
                (*req).lossy = true;
                pg_sys::Datum::from(list)
            }
            None => pg_sys::Datum::from(0),
        }
    }
}

/// The two conditions of [`pos_tenant_visible_support`], when the request is one it can serve.
unsafe fn range_condition(req: &pg_sys::SupportRequestIndexCondition) -> Option<*mut pg_sys::List> {
    unsafe {
        let func = req.node.cast::<pg_sys::FuncExpr>();
        if (*req.node).type_ != pg_sys::NodeTag::T_FuncExpr
            || req.indexarg != 0
            || req.opfamily != pg_sys::TEXT_BTREE_FAM_OID
            || req.indexcollation != pg_sys::DEFAULT_COLLATION_OID
            || (*func).args.is_null()
            || (*(*func).args).length != 1
        {
            return None;
        }
        let arg = (*(*(*func).args).elements).ptr_value.cast::<pg_sys::Expr>();
        let bound = |name: &std::ffi::CStr, strategy: u32| -> Option<*mut pg_sys::Expr> {
            let op = pg_sys::get_opfamily_member(
                req.opfamily,
                pg_sys::TEXTOID,
                pg_sys::TEXTOID,
                strategy as i16,
            );
            let names = pg_sys::stringToQualifiedNameList(name.as_ptr());
            let f = pg_sys::LookupFuncName(names, 0, std::ptr::null(), true);
            if op == pg_sys::InvalidOid || f == pg_sys::InvalidOid {
                return None;
            }
            let call = pg_sys::makeFuncExpr(
                f,
                pg_sys::TEXTOID,
                std::ptr::null_mut(),
                pg_sys::InvalidOid,
                pg_sys::DEFAULT_COLLATION_OID,
                pg_sys::CoercionForm::COERCE_EXPLICIT_CALL,
            );
            Some(pg_sys::make_opclause(
                op,
                pg_sys::BOOLOID,
                false,
                pg_sys::copyObjectImpl(arg.cast()).cast(),
                call.cast(),
                pg_sys::InvalidOid,
                req.indexcollation,
            ))
        };
        let lo = bound(
            c"pos._visible_tenants_first",
            pg_sys::BTGreaterEqualStrategyNumber,
        )?;
        let hi = bound(
            c"pos._visible_tenants_last",
            pg_sys::BTLessEqualStrategyNumber,
        )?;
        let list = pg_sys::lappend(std::ptr::null_mut(), lo.cast());
        Some(pg_sys::lappend(list, hi.cast()))
    }
}
