//! The `pos_analytics` extension. Thin: algorithms come from `pos-core`; most of the schema is
//! hand-written SQL under `sql/`, included here in dependency order.
use pgrx::prelude::*;

::pgrx::pg_module_magic!(name, version);
