//! `jsonb` arguments read as serde_json values, with an ERROR of ours when they cannot be.
//!
//! pgrx's own `JsonB` reads an argument by printing the jsonb and parsing the text with
//! serde_json, and `expect`s the parse to succeed. jsonb holds numbers as `numeric`, so
//! `{"amount": 1e400}` is a valid jsonb that no f64 holds: the call stopped with pgrx's "a text
//! version of jsonb must be a valid json: Error(\"number out of range\", …)" and no hint. This
//! type reads the same way (same cost) and names what is wrong instead. Results stay `JsonB`.
use core::ffi::CStr;

use pgrx::callconv::{Arg, ArgAbi};
use pgrx::nullable::Nullable;
use pgrx::pg_sys::panic::ErrorReport;
use pgrx::{direct_function_call, pg_sys, FromDatum, PgLogLevel, PgSqlErrorCode};

/// A `jsonb` argument (SQL type `jsonb`, as with pgrx's `JsonB`).
pub struct JsonArg(pub serde_json::Value);

impl FromDatum for JsonArg {
    unsafe fn from_polymorphic_datum(
        datum: pg_sys::Datum,
        is_null: bool,
        _: pg_sys::Oid,
    ) -> Option<JsonArg> {
        if is_null {
            return None;
        }
        // SAFETY: `datum` is a non-null jsonb (the argument's declared type); jsonb_out detoasts
        // it itself and returns a palloc'd C string.
        let text = unsafe { direct_function_call::<&CStr>(pg_sys::jsonb_out, &[Some(datum)]) }
            .expect("jsonb_out returns text for a non-null jsonb");
        let parsed = text
            .to_str()
            .map_err(|e| e.to_string())
            .and_then(|s| serde_json::from_str(s).map_err(|e| e.to_string()));
        // SAFETY: the string was allocated by jsonb_out and is not used past this point.
        unsafe { pg_sys::pfree(text.as_ptr() as *mut core::ffi::c_void) };
        Some(JsonArg(parsed.unwrap_or_else(|e| refuse(&e))))
    }
}

/// `ERROR: a jsonb argument cannot be read: <why>` with a hint on numbers, the one way a valid
/// jsonb fails to parse (a number past f64's range, about ±1.8e308).
fn refuse(why: &str) -> ! {
    ErrorReport::new(
        PgSqlErrorCode::ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE,
        format!("a jsonb argument cannot be read: {why}"),
        "pos_analytics::json_arg",
    )
    .set_hint(
        "numbers in this argument must be within about ±1.8e308 (a double precision); \
         pass amounts, quantities and settings as ordinary numbers",
    )
    .report(PgLogLevel::ERROR);
    unreachable!("ERROR does not return")
}

// SAFETY: unboxed through FromDatum above, as pgrx unboxes its own JsonB.
unsafe impl<'fcx> ArgAbi<'fcx> for JsonArg {
    unsafe fn unbox_arg_unchecked(arg: Arg<'_, 'fcx>) -> Self {
        let index = arg.index();
        unsafe { arg.unbox_arg_using_from_datum() }
            .unwrap_or_else(|| panic!("argument {index} must not be null"))
    }

    unsafe fn unbox_nullable_arg(arg: Arg<'_, 'fcx>) -> Nullable<Self> {
        unsafe { arg.unbox_arg_using_from_datum() }.into()
    }
}

pgrx::impl_sql_translatable!(JsonArg, arg_only = "jsonb");

#[cfg(any(test, feature = "pg_test"))]
#[pgrx::pg_schema]
mod tests {
    use pgrx::prelude::*;

    /// Each function taking jsonb refuses a number past f64 with our message and hint.
    #[pg_test]
    fn a_number_past_f64_is_refused_by_name() {
        Spi::run(
            "CREATE OR REPLACE FUNCTION pg_temp.error_of(q text) RETURNS text LANGUAGE plpgsql AS $$
             DECLARE h text;
             BEGIN EXECUTE q; RETURN NULL;
             EXCEPTION WHEN OTHERS THEN GET STACKED DIAGNOSTICS h = PG_EXCEPTION_HINT;
               RETURN SQLSTATE || ' ' || SQLERRM || ' / ' || h; END $$",
        )
        .unwrap();
        for sql in [
            r#"SELECT pos.match_score('{"full_name": "Ann Lee", "x": 1e400}', '{"full_name": "Ann Lee"}')"#,
            r#"SELECT pos.match_score('{"full_name": "Ann Lee"}', '{"full_name": "Ann Lee"}', '{"version": -1e999}')"#,
            r#"SELECT pos.parse_barcode('2012345012345', '{"20": {"decimals": 1e400}}')"#,
            r#"SELECT pos.fraud_score_json('{"lines": [1e400]}', '{}', 't', 0)"#,
        ] {
            let e = Spi::get_one_with_args::<String>("SELECT pg_temp.error_of($1)", &[sql.into()])
                .unwrap()
                .unwrap_or_default();
            assert!(
                e.starts_with("22003 a jsonb argument cannot be read: number out of range"),
                "{sql}: {e}"
            );
            assert!(e.contains("±1.8e308"), "{e}");
        }
        // Ordinary jsonb still reads.
        let ok = Spi::get_one::<bool>(
            r#"SELECT pos.match_score('{"full_name": "Ann Lee"}', '{"full_name": "Ann Lee"}') IS NOT NULL"#,
        );
        assert_eq!(ok, Ok(Some(true)));
    }
}
