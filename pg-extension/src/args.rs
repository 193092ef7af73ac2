//! NULL in an argument that has no meaning for NULL. A function with one optional (`Option`)
//! argument is not STRICT, so PostgreSQL calls it with NULL in any position; pgrx would then
//! stop a plain argument with "argument 3 must not be null" (counted from 0, no hint, a Rust
//! backtrace where `RUST_BACKTRACE` is set). These name the function and the argument instead.
use pgrx::pg_sys::panic::ErrorReport;
use pgrx::{PgLogLevel, PgSqlErrorCode};

/// The value of `arg` of `func`, or `ERROR: <func>: <arg> must not be NULL` with a hint saying
/// what to pass (`default`: the SQL default, for an argument that has one).
pub(crate) fn required<T>(value: Option<T>, func: &str, arg: &str, default: Option<&str>) -> T {
    value.unwrap_or_else(|| {
        let hint = match default {
            Some(d) => format!("omit {arg} to use its default ({d}), or pass a value"),
            None => format!("pass a value for {arg}"),
        };
        ErrorReport::new(
            PgSqlErrorCode::ERRCODE_NULL_VALUE_NOT_ALLOWED,
            format!("{func}: {arg} must not be NULL"),
            "pos_analytics::args",
        )
        .set_hint(hint)
        .report(PgLogLevel::ERROR);
        unreachable!("ERROR does not return")
    })
}

/// The elements of a one-dimensional array argument, in order. pgrx hands an array over as its
/// elements and forgets the dimensions, so `ARRAY[[1,2],[3,4]]` would arrive as four values of one
/// series: refused here instead (`ERROR: <func>: <arg> has 2 dimensions`), with `hint` saying how
/// to pass what the caller meant.
pub(crate) fn one_dimensional<T>(
    values: pgrx::Array<'_, T>,
    func: &str,
    arg: &str,
    hint: &str,
) -> Vec<Option<T>>
where
    for<'arr> T: pgrx::datum::UnboxDatum<As<'arr> = T> + 'arr,
{
    let elements: Vec<Option<T>> = values.iter().collect();
    // SAFETY: the pointer is the argument's own detoasted ArrayType (pgrx checked its header when
    // it made the Array); `ndim` is the first field after the varlena length.
    let ndim = unsafe { (*values.into_array_type()).ndim };
    if ndim > 1 {
        ErrorReport::new(
            PgSqlErrorCode::ERRCODE_INVALID_PARAMETER_VALUE,
            format!("{func}: {arg} has {ndim} dimensions; it must be a one-dimensional array"),
            "pos_analytics::args",
        )
        .set_hint(hint)
        .report(PgLogLevel::ERROR);
    }
    elements
}

#[cfg(any(test, feature = "pg_test"))]
#[pgrx::pg_schema]
mod tests {
    use pgrx::prelude::*;

    /// SQLSTATE and message of what `sql` raises, or NULL when it runs.
    fn error_of(sql: &str) -> Option<String> {
        Spi::run(
            "CREATE OR REPLACE FUNCTION pg_temp.error_of(q text) RETURNS text LANGUAGE plpgsql AS $$
             BEGIN EXECUTE q; RETURN NULL;
             EXCEPTION WHEN OTHERS THEN RETURN SQLSTATE || ' ' || SQLERRM; END $$",
        )
        .unwrap();
        Spi::get_one_with_args::<String>("SELECT pg_temp.error_of($1)", &[sql.into()]).unwrap()
    }

    /// Each function with optional arguments names the NULL argument it cannot use (pgrx's
    /// own check said "argument 3 must not be null", counting from 0).
    #[pg_test]
    fn a_null_argument_is_named() {
        let cases = [
            ("SELECT pos.forecast_all(NULL)", "pos.forecast_all: tenant"),
            (
                "SELECT pos.forecast_all('t', 7, NULL)",
                "pos.forecast_all: season_length",
            ),
            (
                "SELECT * FROM pos.reorder_suggestions('t', NULL)",
                "pos.reorder_suggestions: store",
            ),
            (
                "SELECT * FROM pos.reorder_suggestions('t', 's', 7, NULL)",
                "pos.reorder_suggestions: service_level",
            ),
            (
                "SELECT pos.fraud_score_json('{}', '{}', 't', NULL)",
                "pos.fraud_score_json: txn_offset",
            ),
            (
                "SELECT pos.fraud_no_sale_json('t', 's', 0, 0, NULL)",
                "pos.fraud_no_sale_json: txn_offset",
            ),
            (
                "SELECT pos.fraud_cashier_day_json('t', 's', '{}', NULL)",
                "pos.fraud_cashier_day_json: cashier_day_offset",
            ),
            (
                "SELECT pos.match_score('{}', '{}', NULL, NULL)",
                "pos.match_score: region",
            ),
            (
                "SELECT pos.parse_barcode('123', NULL, NULL)",
                "pos.parse_barcode: strict_mode",
            ),
        ];
        for (sql, what) in cases {
            assert_eq!(
                error_of(sql).as_deref(),
                Some(format!("22004 {what} must not be NULL").as_str()),
                "{sql}"
            );
        }
        // NULL where it means "nothing to score" or "no scheme" stays an answer, not an error
        assert_eq!(
            error_of("SELECT pos.fraud_score_json(NULL, '{}', 't')"),
            None
        );
        assert_eq!(
            error_of("SELECT pos.parse_barcode('4006381333931', NULL)"),
            None
        );
    }
}
