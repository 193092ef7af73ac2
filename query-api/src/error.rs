//! One error type for every handler: an HTTP status, a stable code, what was wrong and what to do.
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ApiError {
    #[serde(skip)]
    pub status: StatusCode,
    /// Stable, machine-readable code (e.g. `unknown_column`).
    pub code: &'static str,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            hint: None,
        }
    }
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }
    pub fn not_found(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, code, message)
    }
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
            .with_hint("Send `Authorization: Bearer <api key>`; keys are created with `pos-query-api keys create`.")
    }
    pub fn unavailable(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "database_unavailable",
            message,
        )
        .with_hint("PostgreSQL is unreachable or overloaded; retry shortly.")
    }
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", message)
    }
    /// The guard of a materialized path refused the request (see `matpath`): the handler reads
    /// the view itself instead, so this never reaches a client.
    pub const STALE_PATH: &'static str = "materialized_path_stale";
    fn stale_path(mut self) -> Self {
        self.code = Self::STALE_PATH;
        self
    }
    pub fn is_stale_path(&self) -> bool {
        self.code == Self::STALE_PATH
    }
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// Names the parameter(s) behind an `invalid_value`. PostgreSQL's message names the type and
    /// quotes the value it could not read (`invalid input syntax for type date: "2026-13-45"`),
    /// not the parameter it came from: with several filters a client had to guess which one.
    /// `params` are (parameter, its values); those whose value the message quotes whole are
    /// named, else those holding a quoted part (`time zone "Mars/Base" not recognized`). A
    /// message that quotes no value of a parameter (an error of the data) is left as it is.
    pub fn naming_values<'a>(
        mut self,
        params: impl IntoIterator<Item = (&'a str, &'a [String])> + Clone,
    ) -> Self {
        if self.code != "invalid_value" {
            return self;
        }
        let quoted: Vec<&str> = self
            .message
            .split('"')
            .skip(1)
            .step_by(2)
            .filter(|q| !q.is_empty())
            .collect();
        let pick = |hit: &dyn Fn(&str) -> bool| {
            let mut names: Vec<&str> = Vec::new();
            for (name, values) in params.clone() {
                if values.iter().any(|v| hit(v)) && !names.contains(&name) {
                    names.push(name);
                }
            }
            names
        };
        let message = self.message.clone();
        let mut names = pick(&|v| message.contains(&format!("\"{v}\"")));
        if names.is_empty() {
            names = pick(&|v| quoted.iter().any(|q| v.contains(q)));
        }
        if !names.is_empty() {
            self.message = format!("{}: {}", names.join(", "), self.message);
        }
        self
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {}: {}",
            self.status.as_u16(),
            self.code,
            self.message
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status;
        let mut resp = (status, axum::Json(self)).into_response();
        if status == StatusCode::SERVICE_UNAVAILABLE {
            resp.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        if status == StatusCode::UNAUTHORIZED {
            resp.headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        resp
    }
}

/// Maps a PostgreSQL error to what the caller can act on. Connection-level failures become 503;
/// bad values (a date that is not a date) become 400 with PostgreSQL's own message.
impl From<tokio_postgres::Error> for ApiError {
    fn from(e: tokio_postgres::Error) -> Self {
        let Some(db) = e.as_db_error() else {
            return ApiError::unavailable(format!("database connection failed: {e}"));
        };
        let code = db.code().code();
        let msg = db.message().to_string();
        let err = match &code[..2] {
            "22" => ApiError::bad_request("invalid_value", msg),
            "08" | "53" | "57" if code == "57014" => {
                ApiError::new(StatusCode::GATEWAY_TIMEOUT, "statement_timeout", msg).with_hint(
                    "Narrow the request with filters on indexed columns (store_id, business_date) or a smaller limit.",
                )
            }
            "08" | "53" | "57" => ApiError::unavailable(msg),
            "42" if code == "42883" => ApiError::bad_request("invalid_operator", msg)
                .with_hint("This operator is not defined for the column's type."),
            "P0" if code == "P0002" => ApiError::not_found("no_data", msg),
            _ if code == crate::matpath::STALE => ApiError::unavailable(msg).stale_path(),
            "42" if code == "42501" => ApiError::new(StatusCode::FORBIDDEN, "forbidden", msg),
            _ => {
                tracing::error!(sqlstate = code, error = %msg, "unexpected database error");
                ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "database_error", msg)
            }
        };
        match (db.hint(), err.hint.is_none()) {
            (Some(h), true) => err.with_hint(h.to_string()),
            _ => err,
        }
    }
}

impl From<deadpool_postgres::PoolError> for ApiError {
    fn from(e: deadpool_postgres::PoolError) -> Self {
        match e {
            deadpool_postgres::PoolError::Backend(e) => e.into(),
            other => ApiError::unavailable(format!("no database connection available: {other}")),
        }
    }
}
