//! The `pos_analytics` extension. Thin: algorithms come from `pos-core`; the schema, hypertables
//! and jobs are hand-written SQL under `sql/` (installed first, as bootstrap), and the scheduler
//! is a background worker that runs `pos.job` rows.
use pgrx::prelude::*;

/// Declares the record of a C function of the version-1 calling convention (the `pg_finfo_`
/// symbol that `CREATE FUNCTION ... LANGUAGE c` looks for), for the functions written against
/// the fmgr interface directly instead of through `#[pg_extern]`.
macro_rules! v1_function {
    ($finfo:ident) => {
        #[unsafe(no_mangle)]
        #[doc(hidden)]
        pub extern "C" fn $finfo() -> &'static pgrx::pg_sys::Pg_finfo_record {
            const V1: pgrx::pg_sys::Pg_finfo_record =
                pgrx::pg_sys::Pg_finfo_record { api_version: 1 };
            &V1
        }
    };
}

mod args;
mod caggs;
mod caggs_coverage;
mod caggs_guard;
mod caggs_invalidation;
mod caggs_threshold;
mod forecast;
mod fraud;
mod identity;
mod inbox;
mod json_arg;
mod scheduler;
mod shmem;
mod sku;
mod snapshot_key;
mod table_scan;
mod tenancy;
mod tenant_policy;

::pgrx::pg_module_magic!(name, version);

extension_sql_file!("../../sql/00_schema.sql", name = "schema", bootstrap);
extension_sql_file!(
    "../../sql/10_hypertable.sql",
    name = "hypertable",
    requires = ["schema"]
);
extension_sql_file!(
    "../../sql/15_jobs.sql",
    name = "jobs",
    requires = ["hypertable"]
);
extension_sql_file!(
    "../../sql/20_facts.sql",
    name = "facts",
    requires = ["jobs", is_currency_code]
);

/// The fact tables' currency CHECK: three ASCII capitals, as `currency ~ '^[A-Z]{3}$'` said. It
/// runs for every header, line and tender written, and the regex (compiled-pattern lookup,
/// conversion to wide characters, matching) was 2.2 % of PostgreSQL's CPU in the write path
/// (benches/ingest/RESULTS.md).
#[pg_extern(immutable, parallel_safe, strict)]
fn is_currency_code(code: &str) -> bool {
    pos_core::model::is_currency_code(code)
}
extension_sql_file!(
    "../../sql/30_reference.sql",
    name = "reference",
    requires = ["facts"]
);
extension_sql_file!(
    "../../sql/40_security.sql",
    name = "security",
    requires = ["reference"]
);
// Last of all: marks what pg_dump must write (every table and install-time row exists by then).
extension_sql_file!("../../sql/99_dump.sql", name = "dump", finalize);

/// Runs in every process that loads the library: defines the settings and, when preloaded by the
/// postmaster, registers the scheduler and the shared memory.
#[pg_guard]
pub extern "C-unwind" fn _PG_init() {
    scheduler::init();
    caggs_threshold::init();
    caggs_coverage::init();
    shmem::init();
}

#[cfg(any(test, feature = "pg_test"))]
#[pg_schema]
mod tests {
    use pgrx::prelude::*;

    #[pg_test]
    fn schema_objects_are_installed() {
        let n = Spi::get_one::<i64>(
            "SELECT count(*) FROM pos.hypertable WHERE relid::text IN
             ('pos.txn','pos.sale_line','pos.tender','pos.drawer_event','pos.inventory_level')",
        );
        assert_eq!(n, Ok(Some(5)));
    }
}

/// Required by `cargo pgrx test`.
#[cfg(test)]
pub mod pg_test {
    pub fn setup(_options: Vec<&str>) {}

    #[must_use]
    pub fn postgresql_conf_options() -> Vec<&'static str> {
        vec![]
    }
}
