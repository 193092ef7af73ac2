//! The HTTP endpoints. Each authenticates, resolves its relation in the catalog for the key's
//! role, and runs one tenant query (`db::tenant_query`); the shared path is `serve_relation`.
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;

use crate::app::AppState;
use crate::auth::Principal;
use crate::db::{self, Param, Stmt};
use crate::error::ApiError;
use crate::filters::{self, Count, Shape, ViewQuery};
use crate::matpath::MatPath;
use crate::render;
use crate::views::{quote_ident, Function, Relation, TENANT_ARGS};

type St = State<Arc<AppState>>;

/// Relations behind the fixed endpoints (the issue's surface over the shipped views).
pub const ALERTS: &str = "fraud_alert";
pub const FORECAST: &str = "forecast_demand";
pub const REORDER: &str = "reorder_suggestions";
pub const END_OF_DAY: &str = "store_daily";
/// Functions the catalog looks for (served by /v1/forecast and /v1/reorder).
pub const FUNCTIONS: [&str; 2] = [FORECAST, REORDER];

/// The query's pairs, decoded as a form (`+` is a space, `%XX` a byte). Bytes that are no UTF-8
/// (`%E9`, a Latin-1 é) are a 400 naming the parameter: they were replaced by U+FFFD, and
/// `name=eq.Caf%E9` silently looked for `Caf\u{FFFD}` and found nothing.
fn decode(raw: Option<&str>) -> Result<Vec<(String, String)>, ApiError> {
    let raw = raw.unwrap_or("");
    let pairs: Vec<(String, String)> = form_urlencoded::parse(raw.as_bytes())
        .into_owned()
        .collect();
    let replaced = |s: &String| s.contains(char::REPLACEMENT_CHARACTER);
    if !pairs.iter().any(|(k, v)| replaced(k) || replaced(v)) {
        return Ok(pairs);
    }
    // A U+FFFD may also have been sent as such: find a piece whose bytes are no UTF-8.
    for piece in raw.split('&') {
        let (k, v) = piece.split_once('=').unwrap_or((piece, ""));
        let bytes = |x: &str| percent_encoding::percent_decode_str(x).collect::<Vec<u8>>();
        let (k, v) = (bytes(k), bytes(v));
        if std::str::from_utf8(&k).is_err() || std::str::from_utf8(&v).is_err() {
            return Err(ApiError::bad_request(
                "invalid_value",
                format!(
                    "{}: the value is not UTF-8 once percent-decoded",
                    String::from_utf8_lossy(&k)
                ),
            )
            .with_hint("percent-encode the UTF-8 bytes of the text (é is %C3%A9)"));
        }
    }
    Ok(pairs)
}

/// The views this key may read, with columns, types and descriptions from the COMMENTs.
#[utoipa::path(get, path = "/v1/views", tag = "views", security(("api_key" = [])),
    responses((status = 200, description = "Views readable with this key"), (status = 401, body = ApiError),
              (status = 406, body = ApiError)))]
pub async fn list_views(State(st): St, headers: HeaderMap) -> Result<Response, ApiError> {
    let who = st.keys.authenticate(&st.pool, &headers).await?;
    render::require_json(&headers)?;
    let cat = st.catalog();
    let views: Vec<&Relation> = cat
        .relations
        .values()
        .filter(|r| r.readers.contains(&*who.role))
        .collect();
    Ok(Json(views).into_response())
}

/// Rows of one view, filtered PostgREST-style; JSON, or CSV with `Accept: text/csv`.
#[utoipa::path(get, path = "/v1/views/{view}", tag = "views", security(("api_key" = [])),
    params(("view" = String, Path, description = "View name, see GET /v1/views")),
    responses((status = 200, description = "Rows"), (status = 206, description = "A page of a larger result"),
              (status = 400, body = ApiError), (status = 401, body = ApiError), (status = 404, body = ApiError),
              (status = 406, body = ApiError), (status = 416, body = ApiError), (status = 503, body = ApiError)))]
pub async fn get_view(
    State(st): St,
    view: Result<Path<String>, PathRejection>,
    RawQuery(q): RawQuery,
    // The request itself rather than a `HeaderMap`, which axum would copy.
    req: Request,
) -> Result<Response, ApiError> {
    let headers = req.headers();
    let who = st.keys.authenticate(&st.pool, headers).await?;
    let view = path_segment(view)?;
    serve_relation(&st, &who, &view, &decode(q.as_deref())?, headers).await
}

/// Filters, pages and renders `name` for `who`: the one query path of every relation endpoint.
pub async fn serve_relation(
    st: &AppState,
    who: &Principal,
    name: &str,
    pairs: &[(String, String)],
    headers: &HeaderMap,
) -> Result<Response, ApiError> {
    let cat = st.catalog();
    let rel = cat.readable(name, &who.role)?;
    let shape = render::negotiate(headers)
        .ok_or_else(|| render::not_acceptable("application/json or text/csv"))?;
    let q = filters::parse(rel, pairs, headers, st.cfg.max_rows, &[])?;
    let via = rel
        .path
        .as_ref()
        .filter(|p| p.worth_trying(&who.role, &q.filters));
    let rows = run_via(st, who, via, |via| {
        let mut stmts = vec![filters::page_sql(rel, &who.tenant, &q, shape, via)];
        if q.count == Count::Estimated {
            stmts.extend(filters::count_sql(rel, &who.tenant, &q, via));
        }
        stmts
    })
    .await
    .map_err(|e| filters::name_bad_values(e, rel, &q))?;
    // Column names head a CSV body only (JSON objects carry their own).
    let cols: Vec<&str> = if shape == Shape::Json {
        Vec::new()
    } else if q.select.is_empty() {
        rel.columns.iter().map(|c| c.name.as_str()).collect()
    } else {
        q.select
            .iter()
            .map(|&i| rel.columns[i].name.as_str())
            .collect()
    };
    let total = match q.count {
        Count::Exact => match render::carried_total(shape, cols.len(), &rows[0]) {
            Some(t) => Some(t),
            None => empty_page_total(st, who, rel, &q, via).await?,
        },
        count => render::total(count, rows.get(1))?,
    };
    render::page(&q, shape, &cols, &rows[0], total)
}

/// The exact total for a CSV page that came back without rows, which could carry none. It runs
/// in a snapshot of its own, but there is no row it could contradict.
async fn empty_page_total(
    st: &AppState,
    who: &Principal,
    rel: &Relation,
    q: &ViewQuery,
    via: Option<&MatPath>,
) -> Result<Option<i64>, ApiError> {
    let rows = run_via(st, who, via, |via| {
        filters::count_sql(rel, &who.tenant, q, via)
            .into_iter()
            .collect()
    })
    .await
    .map_err(|e| filters::name_bad_values(e, rel, q))?;
    render::total(Count::Exact, rows.first())
}

/// Runs the statements `build` makes for `via` (a materialized path) when given; if its guard
/// finds a requested bucket live (the catalog's hint was out of date), reloads the catalog in the
/// background and runs them on the relation itself.
async fn run_via(
    st: &AppState,
    who: &Principal,
    via: Option<&MatPath>,
    build: impl Fn(Option<&MatPath>) -> Vec<Stmt>,
) -> Result<Vec<Vec<tokio_postgres::Row>>, ApiError> {
    let timeout = st.cfg.statement_timeout_ms;
    if via.is_some() {
        match db::tenant_query(&st.pool, who, timeout, &build(via)).await {
            Err(e) if e.is_stale_path() => {
                st.metrics.paths_refused.fetch_add(1, Relaxed);
                st.refresh_catalog_soon();
            }
            Ok(rows) => {
                st.metrics.paths_used.fetch_add(1, Relaxed);
                return Ok(rows);
            }
            Err(e) => return Err(e),
        }
    }
    db::tenant_query(&st.pool, who, timeout, &build(None)).await
}

/// Alerts of this key's tenant (`pos.fraud_alert`), with the same filters as any view.
#[utoipa::path(get, path = "/v1/alerts", tag = "alerts", security(("api_key" = [])),
    responses((status = 200, description = "Alerts"), (status = 401, body = ApiError), (status = 404, body = ApiError),
              (status = 406, body = ApiError)))]
pub async fn alerts(
    State(st): St,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let who = st.keys.authenticate(&st.pool, &headers).await?;
    let mut pairs = decode(q.as_deref())?;
    // Newest first unless the caller orders otherwise.
    if !pairs.iter().any(|(k, _)| k == "order")
        && st
            .catalog()
            .relations
            .get(ALERTS)
            .is_some_and(|r| r.column("created_at").is_some())
    {
        pairs.push(("order".into(), "created_at.desc".into()));
    }
    serve_relation(&st, &who, ALERTS, &pairs, &headers).await
}

/// Daily demand forecast of one SKU at one store: `pos.forecast_demand` with the query
/// parameters as its named arguments (store, sku, horizon, …); the tenant is the key's.
#[utoipa::path(get, path = "/v1/forecast", tag = "forecast", security(("api_key" = [])),
    params(("store" = String, Query, description = "Store id"), ("sku" = String, Query, description = "SKU"),
           ("horizon" = i32, Query, description = "Days ahead; other arguments of pos.forecast_demand are optional parameters")),
    responses((status = 200, description = "Forecast rows"), (status = 400, body = ApiError), (status = 401, body = ApiError), (status = 404, body = ApiError),
              (status = 406, body = ApiError)))]
pub async fn forecast(
    State(st): St,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let who = st.keys.authenticate(&st.pool, &headers).await?;
    render::require_json(&headers)?;
    serve_function(&st, &who, FORECAST, &decode(q.as_deref())?).await
}

/// Reorder suggestions for a store's SKUs: `pos.reorder_suggestions` with the query parameters
/// as its named arguments (store, lead_time_days, service_level, …); the tenant is the key's.
#[utoipa::path(get, path = "/v1/reorder", tag = "forecast", security(("api_key" = [])),
    params(("store" = String, Query, description = "Store id; other arguments of pos.reorder_suggestions are optional parameters")),
    responses((status = 200, description = "Reorder suggestions"), (status = 400, body = ApiError), (status = 401, body = ApiError), (status = 404, body = ApiError),
              (status = 406, body = ApiError)))]
pub async fn reorder(
    State(st): St,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let who = st.keys.authenticate(&st.pool, &headers).await?;
    render::require_json(&headers)?;
    serve_function(&st, &who, REORDER, &decode(q.as_deref())?).await
}

/// Calls a set-returning function with named, bound, cast arguments and returns its rows as JSON.
pub async fn serve_function(
    st: &AppState,
    who: &Principal,
    name: &str,
    pairs: &[(String, String)],
) -> Result<Response, ApiError> {
    let cat = st.catalog();
    let f = cat.function(name, &who.role)?;
    let stmt = function_sql(f, &who.tenant, pairs, st.cfg.max_rows)?;
    let rows = db::tenant_query(&st.pool, who, st.cfg.statement_timeout_ms, &[stmt])
        .await
        .map_err(|e| name_bad_arguments(e, pairs))?;
    let body: String = rows[0]
        .first()
        .map(|r| r.get(0))
        .unwrap_or_else(|| "[]".into());
    Ok(([(header::CONTENT_TYPE, "application/json")], body).into_response())
}

/// `e` with the argument(s) named whose value PostgreSQL could not read as the argument's type
/// (`?horizon=two weeks`: `invalid input syntax for type integer: "two weeks"` named no argument).
fn name_bad_arguments(e: ApiError, pairs: &[(String, String)]) -> ApiError {
    e.naming_values(
        pairs
            .iter()
            .map(|(k, v)| (k.as_str(), std::slice::from_ref(v))),
    )
}

/// `SELECT json_agg(r.*) FROM (SELECT * FROM pos.f(arg => $n::type, …) LIMIT $m) r`: argument
/// names and types from pg_proc only; tenant arguments bound to the key's tenant. `r.*` is the
/// row even when the function returns a column named `r` (a bare `r` would be that column).
pub fn function_sql(
    f: &Function,
    tenant: &str,
    pairs: &[(String, String)],
    max_rows: i64,
) -> Result<Stmt, ApiError> {
    let mut given: Vec<(usize, String)> = Vec::new();
    let (mut limit, mut limited) = (max_rows, false);
    for (k, v) in pairs {
        if k == "limit" {
            // Once, as everywhere (a second limit silently replaced the first).
            if std::mem::replace(&mut limited, true) {
                return Err(ApiError::bad_request(
                    "duplicate_parameter",
                    "limit given more than once",
                ));
            }
            limit = filters::non_negative(v)
                .ok_or_else(|| {
                    ApiError::bad_request(
                        "invalid_range",
                        format!("limit must be a non-negative integer, got {v:?}"),
                    )
                })?
                .min(max_rows);
            continue;
        }
        let names: Vec<&str> = f
            .args
            .iter()
            .map(|a| a.name.as_str())
            .filter(|n| !TENANT_ARGS.contains(n))
            .collect();
        match f.arg(k) {
            Some(_) if TENANT_ARGS.contains(&k.as_str()) => {
                return Err(ApiError::bad_request(
                    "unknown_parameter",
                    format!("{k} is implied by the API key"),
                ))
            }
            Some(i) if given.iter().any(|(j, _)| *j == i) => {
                return Err(ApiError::bad_request(
                    "duplicate_parameter",
                    format!("{k} given twice"),
                ))
            }
            Some(i) => {
                filters::text_value(k, v)?;
                given.push((i, v.clone()))
            }
            None => {
                return Err(ApiError::bad_request(
                    "unknown_parameter",
                    format!("pos.{} has no argument {k:?}", f.name),
                )
                .with_hint(format!("arguments: {}", names.join(", "))))
            }
        }
    }
    for (i, a) in f.args.iter().enumerate() {
        if TENANT_ARGS.contains(&a.name.as_str()) {
            given.push((i, tenant.to_string()));
        } else if i < f.required && !given.iter().any(|(j, _)| *j == i) {
            return Err(ApiError::bad_request(
                "missing_parameter",
                format!("pos.{} needs {}", f.name, a.name),
            )
            .with_hint(format!("add ?{}=<{}>", a.name, a.type_name)));
        }
    }
    given.sort_by_key(|(i, _)| *i);
    let mut params = Vec::new();
    let mut args = Vec::new();
    for (i, v) in given {
        params.push(Param::Text(v));
        args.push(format!(
            "{} => ${}::{}",
            quote_ident(&f.args[i].name),
            params.len(),
            f.args[i].type_name
        ));
    }
    params.push(Param::Text(limit.to_string()));
    let sql = format!(
        "SELECT coalesce(json_agg(r.*), '[]')::text FROM (SELECT * FROM {}({}) LIMIT ${}::bigint) r",
        f.qualified,
        args.join(", "),
        params.len()
    );
    Ok(Stmt {
        types: params.iter().map(Param::sql_type).collect(),
        sql: sql.into(),
        params,
    })
}

/// One store's end-of-day report for one business date (a row of `pos.store_daily`).
#[utoipa::path(get, path = "/v1/stores/{store_id}/end-of-day", tag = "stores", security(("api_key" = [])),
    params(("store_id" = String, Path, description = "Store id"),
           ("date" = String, Query, description = "Business date, YYYY-MM-DD")),
    responses((status = 200, description = "The report (one object)"), (status = 400, body = ApiError),
              (status = 401, body = ApiError), (status = 404, body = ApiError), (status = 406, body = ApiError)))]
pub async fn end_of_day(
    State(st): St,
    store: Result<Path<String>, PathRejection>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let who = st.keys.authenticate(&st.pool, &headers).await?;
    render::require_json(&headers)?;
    let store = path_segment(store)?;
    filters::text_value("store_id", &store)?;
    let pairs = decode(q.as_deref())?;
    let date = business_date(&pairs)?;
    let cat = st.catalog();
    let rel = cat.readable(END_OF_DAY, &who.role)?;
    let (s, d) = (rel.column("store_id"), rel.column("business_date"));
    let (Some(_), Some(d)) = (s, d) else {
        return Err(ApiError::internal(format!(
            "{END_OF_DAY} lacks store_id/business_date columns"
        )));
    };
    let on_date = [filters::Filter {
        column: d,
        op: filters::Op::Eq,
        negate: false,
        values: vec![date.clone()],
    }];
    let via = rel
        .path
        .as_ref()
        .filter(|p| p.worth_trying(&who.role, &on_date));
    let rows = run_via(&st, &who, via, |via| {
        let mut params = vec![
            Param::Text(who.tenant.to_string()),
            Param::Text(store.clone()),
            Param::Text(date.clone()),
        ];
        let guard = via.map_or(String::new(), |p| {
            let g = p.guard(rel, &on_date, &mut |s| {
                params.push(s.value(&who.tenant, &on_date, 0, 0));
                format!("${}", params.len())
            });
            format!(" AND {g}")
        });
        vec![Stmt {
            sql: format!(
                "SELECT row_to_json(t.*)::text FROM (SELECT * FROM {} WHERE \"tenant_id\" = $1::text AND \"store_id\" = $2::text AND \"business_date\" = $3::date{guard}) t",
                via.map_or(&rel.qualified, |p| &p.qualified)
            )
            .into(),
            types: params.iter().map(Param::sql_type).collect(),
            params,
        }]
    })
    .await?;
    match rows[0].as_slice() {
        [row] => Ok((
            [(header::CONTENT_TYPE, "application/json")],
            row.get::<_, String>(0),
        )
            .into_response()),
        [] => Err(ApiError::not_found(
            "no_report",
            format!("no end-of-day data for store {store:?} on {date}"),
        )
        .with_hint(
            "check the store id and the business date; data appears once sales are ingested",
        )),
        _ => Err(ApiError::internal(
            "more than one end-of-day row for one store and day",
        )),
    }
}

/// The one `?date=` of an end-of-day request, strictly `YYYY-MM-DD`: PostgreSQL's own `date`
/// input would also take `11/01/2026` (read per the server's DateStyle, MDY or DMY), `today` or
/// `epoch`, and a second `date=` was silently ignored.
pub fn business_date(pairs: &[(String, String)]) -> Result<String, ApiError> {
    if let Some((k, _)) = pairs.iter().find(|(k, _)| k != "date") {
        return Err(
            ApiError::bad_request("unknown_parameter", format!("unknown parameter {k:?}"))
                .with_hint("only ?date= is accepted"),
        );
    }
    let date = match pairs {
        [] => {
            return Err(
                ApiError::bad_request("missing_date", "the business date is required")
                    .with_hint("add ?date=YYYY-MM-DD"),
            )
        }
        [(_, d)] => d,
        _ => {
            return Err(ApiError::bad_request(
                "duplicate_parameter",
                "date given more than once",
            ))
        }
    };
    if crate::matpath::iso_date(date).is_none() {
        return Err(ApiError::bad_request(
            "invalid_date",
            format!("date must be a calendar date written YYYY-MM-DD, got {date:?}"),
        )
        .with_hint("e.g. ?date=2026-10-15"));
    }
    Ok(date.clone())
}

/// Server-Sent Events: each new alert of this key's tenant as `event: alert`.
#[utoipa::path(get, path = "/v1/alerts/stream", tag = "alerts", security(("api_key" = [])),
    params(("Last-Event-ID" = Option<String>, Header, description = "The last alert id received: the alerts after it are sent first")),
    responses((status = 200, description = "text/event-stream of alerts", content_type = "text/event-stream"),
              (status = 400, body = ApiError), (status = 401, body = ApiError)))]
pub async fn alert_stream(
    State(st): St,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let who = st.keys.authenticate(&st.pool, &headers).await?;
    stream_takes_no_parameters(q.as_deref())?;
    let cat = st.catalog();
    // When the alert view is installed, the stream needs the same right as reading it.
    if cat.relations.contains_key(ALERTS) {
        cat.readable(ALERTS, &who.role)?;
    }
    // Subscribed before the start is read: an alert committed in between is in one or the
    // other (or both: the stream skips ids it has replayed).
    let sub = st.alerts.subscribe();
    let start = stream_start(&st, &who, &headers).await?;
    // Checked again every key-cache period: a revoked key's stream ends within about that long.
    let hash = crate::auth::hash_key(crate::auth::bearer(&headers)?);
    let every = st.keys.ttl();
    let state = st.clone();
    let recheck = move || {
        let state = state.clone();
        async move { state.keys.recheck(&state.pool, &hash).await }
    };
    // After the alert listener reconnects: what was missed, read as a replay is.
    let (state, tenant) = (st.clone(), who.tenant.clone());
    let catch_up = move |after| {
        let (state, who) = (state.clone(), who.clone());
        async move {
            match state.catalog().relations.contains_key(ALERTS) {
                true => missed_alerts(&state, &who, after).await,
                false => Ok(Vec::new()),
            }
        }
    };
    Ok(crate::alerts::stream(
        sub,
        start,
        tenant,
        st.metrics.clone(),
        every,
        recheck,
        catch_up,
    )
    .into_response())
}

/// The stream sends every alert of the key's tenant and reads no query parameter, so it refuses
/// them: `/v1/alerts/stream?store_id=eq.S07` streamed every store's alerts to a client that
/// believed them filtered.
fn stream_takes_no_parameters(raw: Option<&str>) -> Result<(), ApiError> {
    match decode(raw)?.first() {
        Some((k, _)) => Err(ApiError::bad_request(
            "unknown_parameter",
            format!("the alert stream takes no parameters, got {k:?}"),
        )
        .with_hint(
            "it sends every alert of the key's tenant; filter on the client, or GET /v1/alerts?…",
        )),
        None => Ok(()),
    }
}

/// Where a new stream starts: after its `Last-Event-ID`, with the alerts after it to send
/// first; or else after the tenant's newest alert, so that a catch-up after a LISTEN reconnect
/// sends what was raised since the stream opened and nothing older.
async fn stream_start(
    st: &AppState,
    who: &Principal,
    headers: &HeaderMap,
) -> Result<crate::alerts::Start, ApiError> {
    if !st.catalog().relations.contains_key(ALERTS) {
        return Ok(crate::alerts::Start::default());
    }
    let (backlog, after) = match last_event_id(headers) {
        Some(after) => (missed_alerts(st, who, after).await?, after),
        None => (Vec::new(), newest_alert_id(st, who).await?),
    };
    Ok(crate::alerts::Start {
        backlog,
        after: Some(after),
    })
}

/// The alert id a reconnecting client last received (`Last-Event-ID`, which `EventSource`
/// sends by itself), when it is one of ours (an alert id); anything else replays nothing.
fn last_event_id(headers: &HeaderMap) -> Option<i64> {
    headers
        .get("last-event-id")?
        .to_str()
        .ok()?
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|id| *id >= 0)
}

/// The most alerts one reconnection replays; a client further behind reloads `GET /v1/alerts`.
const REPLAY_MAX: i64 = 1000;

/// The key's tenant's alerts after `after`, oldest first, with the payload the notification
/// carried (the same `jsonb_build_object` as the triggers in sql/80_fraud.sql, so a replayed
/// event reads like a live one). Read under the key's role and tenant, as `GET /v1/alerts` is.
async fn missed_alerts(
    st: &AppState,
    who: &Principal,
    after: i64,
) -> Result<Vec<crate::alerts::Alert>, ApiError> {
    let sql = format!(
        "SELECT alert_id::text, CASE level
            WHEN 'transaction' THEN jsonb_build_object('alert_id', alert_id, 'tenant_id', tenant_id,
                'store_id', store_id, 'level', level, 'source_txn_id', source_txn_id,
                'cashier_id', cashier_id, 'score', round(score::numeric, 4))
            WHEN 'no_sale' THEN jsonb_build_object('alert_id', alert_id, 'tenant_id', tenant_id,
                'store_id', store_id, 'level', level, 'source_event_id', source_event_id,
                'cashier_id', cashier_id, 'score', round(score::numeric, 4))
            ELSE jsonb_build_object('alert_id', alert_id, 'tenant_id', tenant_id, 'store_id', store_id,
                'level', level, 'cashier_id', cashier_id, 'score', round(score::numeric, 4))
            END::text
           FROM pos.{ALERTS} WHERE tenant_id = $1::text AND alert_id > $2::bigint
          ORDER BY alert_id LIMIT {REPLAY_MAX}"
    );
    let params = vec![
        Param::Text(who.tenant.to_string()),
        Param::Text(after.to_string()),
    ];
    let stmt = Stmt {
        sql: sql.into(),
        types: params.iter().map(Param::sql_type).collect(),
        params,
    };
    let rows = db::tenant_query(&st.pool, who, st.cfg.statement_timeout_ms, &[stmt]).await?;
    Ok(rows[0]
        .iter()
        .map(|r| crate::alerts::Alert {
            tenant: who.tenant.to_string(),
            id: Some(r.get::<_, String>(0)),
            payload: r.get::<_, String>(1),
        })
        .collect())
}

/// The tenant's newest alert id (0 when it has none), read under the key's role and tenant.
async fn newest_alert_id(st: &AppState, who: &Principal) -> Result<i64, ApiError> {
    let params = vec![Param::Text(who.tenant.to_string())];
    let stmt = Stmt {
        sql: format!(
            "SELECT coalesce(max(alert_id), 0) FROM pos.{ALERTS} WHERE tenant_id = $1::text"
        )
        .into(),
        types: params.iter().map(Param::sql_type).collect(),
        params,
    };
    let rows = db::tenant_query(&st.pool, who, st.cfg.statement_timeout_ms, &[stmt]).await?;
    Ok(rows[0].first().map_or(0, |r| r.get::<_, i64>(0)))
}

/// The OpenAPI 3 document: fixed endpoints plus one path per served view with its columns.
pub async fn openapi(State(st): St) -> Response {
    let doc = crate::openapi::document(&st.catalog());
    ([(header::CONTENT_TYPE, "application/json")], doc).into_response()
}

pub async fn metrics(State(st): St) -> Response {
    let s = st.pool.status();
    let body = st
        .metrics
        .render((s.size, s.available, s.waiting, st.pool.joined()));
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], body).into_response()
}

/// Any other path: a JSON 404 like every other error (axum's default is an empty body).
pub async fn no_route() -> ApiError {
    ApiError::not_found("unknown_path", "no such endpoint")
        .with_hint("GET /openapi.json describes the endpoints")
}

/// A known path with a method other than GET: a JSON 405 (the API is read-only).
pub async fn method_not_allowed() -> Response {
    let mut resp = ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "the query API is read-only",
    )
    .with_hint("use GET")
    .into_response();
    resp.headers_mut()
        .insert(header::ALLOW, header::HeaderValue::from_static("GET, HEAD"));
    resp
}

/// A path segment axum cannot decode (e.g. `%FF`, not UTF-8): a JSON 400 instead of axum's text.
fn path_segment(p: Result<Path<String>, PathRejection>) -> Result<String, ApiError> {
    p.map(|Path(s)| s).map_err(|e| {
        ApiError::bad_request(
            "invalid_path",
            format!("path is not valid: {}", e.body_text()),
        )
    })
}

/// Liveness: the process answers.
pub async fn healthz() -> &'static str {
    "ok"
}

/// Readiness: PostgreSQL answers through the pool and the catalog is loaded.
pub async fn readyz(State(st): St) -> Result<Response, ApiError> {
    db::ping(&st.pool).await?;
    if !st.catalog_loaded() {
        return Err(ApiError::unavailable(
            "the view catalog has not been loaded yet",
        ));
    }
    Ok((StatusCode::OK, "ready").into_response())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::views::Column;
    use std::collections::HashSet;

    fn forecast_fn() -> Function {
        let arg = |n: &str, t: &str| Column {
            name: n.into(),
            type_name: t.into(),
            nullable: true,
            description: None,
        };
        Function {
            name: "forecast_demand".into(),
            args: vec![
                arg("tenant", "text"),
                arg("store", "text"),
                arg("sku", "text"),
                arg("horizon", "integer"),
                arg("level", "double precision"),
            ],
            required: 4,
            qualified: "pos.forecast_demand".into(),
            readers: HashSet::from(["pos_api".to_string()]),
        }
    }

    fn pairs(q: &str) -> Vec<(String, String)> {
        form_urlencoded::parse(q.as_bytes()).into_owned().collect()
    }

    #[test]
    fn function_arguments_are_named_bound_and_the_tenant_is_forced() {
        let s = function_sql(
            &forecast_fn(),
            "acme",
            &pairs("sku=X'1&store=S1&horizon=7&limit=5"),
            100,
        )
        .unwrap();
        assert_eq!(&*s.sql, "SELECT coalesce(json_agg(r.*), '[]')::text FROM (SELECT * FROM pos.forecast_demand(\"tenant\" => $1::text, \"store\" => $2::text, \"sku\" => $3::text, \"horizon\" => $4::integer) LIMIT $5::bigint) r");
        let vals: Vec<String> = s
            .params
            .iter()
            .map(|p| match p {
                Param::Text(t) => t.clone(),
                _ => unreachable!(),
            })
            .collect();
        assert_eq!(vals, ["acme", "S1", "X'1", "7", "5"]);
    }

    #[test]
    fn end_of_day_dates_are_strict_iso() {
        assert_eq!(
            business_date(&pairs("date=2026-10-15")).unwrap(),
            "2026-10-15"
        );
        for (q, code) in [
            ("", "missing_date"),
            ("date=2026-11-01&date=garbage", "duplicate_parameter"),
            ("date=2026-11-01&store=S2", "unknown_parameter"),
            // PostgreSQL reads these (per DateStyle, or relative to now): not a business date
            ("date=11/01/2026", "invalid_date"),
            ("date=01.11.2026", "invalid_date"),
            ("date=today", "invalid_date"),
            ("date=epoch", "invalid_date"),
            ("date=20261101", "invalid_date"),
            ("date=2026-02-30", "invalid_date"),
            // PostgreSQL has no year 0 (was a 400 invalid_value from PostgreSQL, not ours)
            ("date=0000-01-01", "invalid_date"),
            ("date=2026-11-01%20", "invalid_date"),
        ] {
            let e = business_date(&pairs(q)).unwrap_err();
            assert_eq!((e.status.as_u16(), e.code), (400, code), "{q}");
        }
    }

    #[test]
    fn the_stream_refuses_the_filters_it_would_ignore() {
        assert!(stream_takes_no_parameters(None).is_ok());
        assert!(stream_takes_no_parameters(Some("")).is_ok());
        for q in ["store_id=eq.S07", "level=eq.transaction&x=1", "x"] {
            let e = stream_takes_no_parameters(Some(q)).unwrap_err();
            assert_eq!(
                (e.status.as_u16(), e.code),
                (400, "unknown_parameter"),
                "{q}"
            );
        }
    }

    #[test]
    fn a_query_that_is_no_utf8_is_a_400_naming_the_parameter() {
        let e = decode(Some("select=name&store_id=eq.Caf%E9")).unwrap_err();
        assert_eq!((e.status.as_u16(), e.code), (400, "invalid_value"));
        assert!(e.message.starts_with("store_id: "), "{}", e.message);
        let e = decode(Some("x=1&caf%E9=eq.1")).unwrap_err();
        assert!(e.message.starts_with("caf\u{FFFD}: "), "{}", e.message);
        for (raw, want) in [
            ("store_id=eq.Caf%C3%A9+1", "Café 1"),
            ("store_id=eq.%EF%BF%BD", "\u{FFFD}"),
            ("store_id=eq.%ef%bf%bd%", "\u{FFFD}%"),
            ("store_id=eq.50%25%2", "50%%2"),
        ] {
            let pairs = decode(Some(raw)).unwrap();
            assert_eq!(pairs, [("store_id".into(), format!("eq.{want}"))], "{raw}");
        }
    }

    #[test]
    fn a_nul_in_an_argument_is_a_400_naming_it() {
        let e = function_sql(
            &forecast_fn(),
            "acme",
            &pairs("store=S1&sku=X%00&horizon=7"),
            100,
        )
        .unwrap_err();
        assert_eq!((e.status.as_u16(), e.code), (400, "invalid_value"));
        assert!(e.message.starts_with("sku: "), "{}", e.message);
    }

    #[test]
    fn a_bad_argument_value_is_named() {
        let e = name_bad_arguments(
            ApiError::bad_request(
                "invalid_value",
                "invalid input syntax for type integer: \"two weeks\"",
            ),
            &pairs("store=S1&sku=X&horizon=two+weeks"),
        );
        assert_eq!(
            e.message,
            "horizon: invalid input syntax for type integer: \"two weeks\""
        );
    }

    #[test]
    fn function_parameter_errors() {
        for (q, code) in [
            ("store=S1&sku=X", "missing_parameter"),
            ("store=S1&sku=X&horizon=7&tenant=other", "unknown_parameter"),
            ("store=S1&sku=X&horizon=7&nope=1", "unknown_parameter"),
            ("store=S1&store=S2&sku=X&horizon=7", "duplicate_parameter"),
            ("store=S1&sku=X&horizon=7&limit=-1", "invalid_range"),
            (
                "store=S1&sku=X&horizon=7&limit=1&limit=2",
                "duplicate_parameter",
            ),
        ] {
            assert_eq!(
                function_sql(&forecast_fn(), "acme", &pairs(q), 100)
                    .unwrap_err()
                    .code,
                code,
                "{q}"
            );
        }
    }
}
