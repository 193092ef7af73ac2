//! Wiring: shared state, the router with its metrics middleware, the catalog refresher and `serve`.
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::get;
use axum::serve::ListenerExt;
use axum::Router;
use tokio::net::TcpListener;
use tokio::sync::Notify;

use crate::alerts;
use crate::auth::KeyCache;
use crate::config::ServeConfig;
use crate::db::Pool;
use crate::handlers as h;
use crate::metrics::Metrics;
use crate::views::{self, Catalog};

pub struct AppState {
    pub cfg: ServeConfig,
    pub pool: Pool,
    pub keys: KeyCache,
    pub metrics: Arc<Metrics>,
    pub alerts: alerts::Feed,
    catalog: RwLock<Option<Arc<Catalog>>>,
    /// Wakes the catalog refresher before its next period (a materialized path's hint is stale).
    catalog_stale: Arc<Notify>,
}

impl AppState {
    /// The current catalog (empty until the first successful load).
    pub fn catalog(&self) -> Arc<Catalog> {
        self.catalog
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
            .unwrap_or_default()
    }
    pub fn catalog_loaded(&self) -> bool {
        self.catalog
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .is_some()
    }
    /// Asks the background refresher to reload the catalog now rather than at its next period.
    pub fn refresh_catalog_soon(&self) {
        self.catalog_stale.notify_one();
    }
    /// Reloads the catalog now; keeps the previous one when PostgreSQL is unreachable.
    pub async fn refresh_catalog(&self) -> Result<(), crate::error::ApiError> {
        let cat = views::load(&self.pool, &self.cfg).await?;
        *self.catalog.write().unwrap_or_else(|p| p.into_inner()) = Some(Arc::new(cat));
        Ok(())
    }
}

/// State plus background tasks (catalog refresh, alert listener). Does not fail when PostgreSQL
/// is down: requests get 503 until it is back.
pub async fn build_state(cfg: ServeConfig) -> anyhow::Result<Arc<AppState>> {
    let pool = crate::db::make_pool(&cfg)?;
    let state = Arc::new(AppState {
        keys: KeyCache::new(Duration::from_secs(cfg.key_cache_s)),
        metrics: Arc::new(Metrics::default()),
        alerts: alerts::spawn_listener(cfg.database_url.clone(), cfg.alert_channel.clone()),
        catalog: RwLock::new(None),
        catalog_stale: Arc::new(Notify::new()),
        pool,
        cfg,
    });
    if let Err(e) = state.refresh_catalog().await {
        tracing::warn!(error = %e, "catalog not loaded at start; retrying in the background");
    }
    let weak = Arc::downgrade(&state);
    let stale = state.catalog_stale.clone();
    tokio::spawn(async move {
        loop {
            let Some(st) = weak.upgrade() else { return };
            let every = if st.catalog_loaded() {
                st.cfg.catalog_refresh_s.max(1)
            } else {
                1
            };
            drop(st);
            let early = tokio::select! {
                _ = tokio::time::sleep(Duration::from_secs(every)) => false,
                _ = stale.notified() => true,
            };
            let Some(st) = weak.upgrade() else { return };
            if let Err(e) = st.refresh_catalog().await {
                tracing::warn!(error = %e, "catalog refresh failed");
            }
            drop(st);
            if early {
                // at most one early reload a second, however many requests found the hint stale
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    });
    Ok(state)
}

pub fn build_app(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/v1/views", get(h::list_views))
        .route("/v1/views/{view}", get(h::get_view))
        .route("/v1/forecast", get(h::forecast))
        .route("/v1/reorder", get(h::reorder))
        .route("/v1/stores/{store_id}/end-of-day", get(h::end_of_day))
        .route("/v1/alerts", get(h::alerts))
        .route("/v1/alerts/stream", get(h::alert_stream))
        .route("/openapi.json", get(h::openapi))
        .route("/metrics", get(h::metrics))
        .route("/healthz", get(h::healthz))
        .route("/readyz", get(h::readyz))
        .fallback(h::no_route)
        .method_not_allowed_fallback(h::method_not_allowed)
        // Inside `observe`, so that a 414 or 431 is counted like any answer.
        .layer(middleware::from_fn(crate::head_limits::refuse_long_heads))
        .layer(middleware::from_fn_with_state(state.clone(), observe))
        .with_state(state)
}

/// Counts and times every request under its route pattern (not the raw path: bounded labels).
async fn observe(State(st): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    // A clone of the matched route is a reference count, not a copy of the text.
    let route = req.extensions().get::<MatchedPath>().cloned();
    let t = Instant::now();
    let resp = next.run(req).await;
    st.metrics.observe(
        route.as_ref().map_or("unmatched", |m| m.as_str()),
        resp.status().as_u16(),
        t.elapsed(),
    );
    resp
}

/// Serves on `listener` until the future resolves (Ctrl-C / SIGTERM in the binary).
pub async fn serve(
    state: Arc<AppState>,
    listener: TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    // Answers go out as soon as they are written, not held back by Nagle's algorithm until the
    // client acknowledges the previous segment (axum 0.8 no longer sets this itself).
    let listener = listener.tap_io(|tcp| {
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::warn!("TCP_NODELAY not set on a connection: {e}");
        }
    });
    axum::serve(listener, build_app(state))
        .with_graceful_shutdown(shutdown)
        .await?;
    Ok(())
}
