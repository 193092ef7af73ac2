//! Shared helpers for the end-to-end tests: they need a running cluster (scripts/test starts one).
