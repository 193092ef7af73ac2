//! `pos-query-api`: a thin HTTP face over the pos_analytics views.
//!
//! Every request authenticates an API key (stored hashed), then runs its query read-only as the
//! key's database role with `pos.tenant` set to the key's tenant (see `db`), so that
//! PostgreSQL's row-level security decides what is visible. Identifiers come only from the catalog
//! read from PostgreSQL; every value a caller sends is a bound parameter.
pub mod alerts;
pub mod app;
pub mod auth;
pub mod config;
pub mod db;
pub mod error;
pub mod filters;
pub mod handlers;
pub mod head_limits;
pub mod matpath;
pub mod metrics;
pub mod migrate;
pub mod openapi;
pub mod render;
pub mod shapes;
pub mod views;

pub use app::{build_app, serve, AppState};
pub use config::ServeConfig;
