//! PostgREST-style request grammar, parsed against one relation's columns:
//! `col=op.value` filters (eq, neq, gt, gte, lt, lte, in.(a,b), is.null, each negatable with
//! `not.`), `select=a,b`, `order=a.desc.nullslast,b`, `limit`, `offset`, the `Range` header and
//! `Prefer: count=exact|estimated`. Unknown columns or operators are 400. The SQL built here takes
//! identifiers only from the catalog and every value as a bound text parameter cast to the
//! column's type.
use axum::http::{header, HeaderMap};

use crate::db::Stmt;
use crate::error::ApiError;
use crate::matpath::MatPath;
use crate::shapes::{Kind, ShapeKey, Source, Template};
use crate::views::Relation;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Op {
    Eq,
    Neq,
    Gt,
    Gte,
    Lt,
    Lte,
    In,
    IsNull,
    IsTrue,
    IsFalse,
}

impl Op {
    fn parse(s: &str) -> Option<Op> {
        Some(match s {
            "eq" => Op::Eq,
            "neq" => Op::Neq,
            "gt" => Op::Gt,
            "gte" => Op::Gte,
            "lt" => Op::Lt,
            "lte" => Op::Lte,
            "in" => Op::In,
            "is" => Op::IsNull,
            _ => return None,
        })
    }
    fn sql(self) -> &'static str {
        match self {
            Op::Eq => "=",
            Op::Neq => "<>",
            Op::Gt => ">",
            Op::Gte => ">=",
            Op::Lt => "<",
            Op::Lte => "<=",
            Op::In | Op::IsNull | Op::IsTrue | Op::IsFalse => {
                unreachable!("rendered separately")
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filter {
    pub column: usize,
    pub op: Op,
    pub negate: bool,
    /// One value, or the elements of `in.(…)`; empty for `is.null`.
    pub values: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct OrderBy {
    pub column: usize,
    pub desc: bool,
    /// `Some(true)` nulls first, `Some(false)` nulls last, `None` PostgreSQL's default.
    pub nulls_first: Option<bool>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Count {
    None,
    Exact,
    Estimated,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ViewQuery {
    /// Selected columns (indexes into the relation); all columns when the request names none.
    pub select: Vec<usize>,
    pub filters: Vec<Filter>,
    pub order: Vec<OrderBy>,
    pub limit: i64,
    pub offset: i64,
    pub count: Count,
    /// Whether the client asked for a range (Range header, limit or offset).
    pub ranged: bool,
}

fn unknown_column(rel: &Relation, name: &str) -> ApiError {
    let known: Vec<&str> = rel.columns.iter().map(|c| c.name.as_str()).collect();
    ApiError::bad_request(
        "unknown_column",
        format!("view {:?} has no column {name:?}", rel.name),
    )
    .with_hint(format!("known columns: {}", known.join(", ")))
}

fn column(rel: &Relation, name: &str) -> Result<usize, ApiError> {
    rel.column(name).ok_or_else(|| unknown_column(rel, name))
}

/// Parses the decoded query pairs and headers. `skip` names parameters an endpoint consumes itself.
pub fn parse(
    rel: &Relation,
    pairs: &[(String, String)],
    headers: &HeaderMap,
    max_rows: i64,
    skip: &[&str],
) -> Result<ViewQuery, ApiError> {
    let mut q = ViewQuery {
        select: Vec::new(),
        filters: Vec::new(),
        order: Vec::new(),
        limit: max_rows,
        offset: 0,
        count: parse_prefer(headers)?,
        ranged: false,
    };
    let (mut limit, mut offset, mut select, mut order) = (None, None, false, false);
    for (k, v) in pairs {
        match k.as_str() {
            "select" => {
                once(&mut select, "select")?;
                q.select = parse_select(rel, v).map_err(|e| in_param(e, "select"))?;
            }
            "order" => {
                once(&mut order, "order")?;
                q.order = parse_order(rel, v).map_err(|e| in_param(e, "order"))?;
            }
            "limit" => limit = Some(parse_count_param(limit, "limit", v)?),
            "offset" => offset = Some(parse_count_param(offset, "offset", v)?),
            k if skip.contains(&k) => {}
            k => q.filters.push(parse_filter(rel, k, v)?),
        }
    }
    let range = parse_range(headers)?;
    if range.is_some() && (limit.is_some() || offset.is_some()) {
        return Err(ApiError::bad_request(
            "conflicting_range",
            "both a Range header and limit/offset were given",
        )
        .with_hint("Use either `Range: 0-99` or `?limit=100&offset=0`."));
    }
    let (off, lim) = match range {
        // Saturating: `Range: 0-9223372036854775807` is a request for everything (then capped).
        Some((from, to)) => (from, to.map(|t| t.saturating_sub(from).saturating_add(1))),
        None => (offset.unwrap_or(0), limit),
    };
    q.ranged = range.is_some() || limit.is_some() || offset.is_some();
    q.offset = off;
    q.limit = lim.unwrap_or(max_rows).min(max_rows);
    Ok(q)
}

/// An unknown column of `select` or `order` said which column, not which parameter held it.
fn in_param(mut e: ApiError, param: &str) -> ApiError {
    if e.code == "unknown_column" {
        e.message = format!("{param}: {}", e.message);
    }
    e
}

/// `select`, `order`, `limit` and `offset` are one parameter each: a second one was silently
/// taken instead of the first (`order=a&order=b` ordered by b alone, `limit=5&limit=500` served
/// 500), where a filter given twice is ANDed and the other endpoints refuse a duplicate.
fn duplicate(name: &str) -> ApiError {
    ApiError::bad_request(
        "duplicate_parameter",
        format!("{name} given more than once"),
    )
    .with_hint(match name {
        "select" | "order" => "list several columns in one parameter: a,b",
        _ => "give it once",
    })
}

fn once(seen: &mut bool, name: &str) -> Result<(), ApiError> {
    match std::mem::replace(seen, true) {
        true => Err(duplicate(name)),
        false => Ok(()),
    }
}

/// A non-negative integer, digits only. More digits than a bigint holds mean "as many as there
/// are" (`i64::MAX`, then capped like any limit), as PostgREST reads them (unbounded integers):
/// `limit=99999999999999999999` was a 400 saying it is not a non-negative integer, and the same
/// as a `Range` end a 416 "malformed".
pub fn non_negative(v: &str) -> Option<i64> {
    let digits = v.strip_prefix('+').unwrap_or(v);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(digits.parse::<i64>().unwrap_or(i64::MAX))
}

fn parse_count_param(before: Option<i64>, name: &str, v: &str) -> Result<i64, ApiError> {
    if before.is_some() {
        return Err(duplicate(name));
    }
    non_negative(v).ok_or_else(|| {
        ApiError::bad_request(
            "invalid_range",
            format!("{name} must be a non-negative integer, got {v:?}"),
        )
    })
}

fn parse_select(rel: &Relation, v: &str) -> Result<Vec<usize>, ApiError> {
    if v.trim() == "*" {
        return Ok(Vec::new());
    }
    v.split(',').map(|c| column(rel, c.trim())).collect()
}

fn parse_order(rel: &Relation, v: &str) -> Result<Vec<OrderBy>, ApiError> {
    v.split(',')
        .map(|term| {
            let mut parts = term.trim().split('.');
            let col = column(rel, parts.next().unwrap_or_default())?;
            let bad = |what: String| {
                ApiError::bad_request("invalid_order", format!("order={v}: {what} in {term:?}"))
                    .with_hint("order=col[.asc|.desc][.nullsfirst|.nullslast], comma-separated")
            };
            // One direction and one nulls placement: a second one silently replaced the first.
            let (mut desc, mut nulls_first) = (None, None);
            for p in parts {
                let (slot, value, kind) = match p {
                    "asc" | "desc" => (&mut desc, p == "desc", "direction (asc/desc)"),
                    "nullsfirst" | "nullslast" => (
                        &mut nulls_first,
                        p == "nullsfirst",
                        "nulls placement (nullsfirst/nullslast)",
                    ),
                    other => return Err(bad(format!("unknown modifier {other:?}"))),
                };
                if slot.replace(value).is_some() {
                    return Err(bad(format!("more than one {kind}")));
                }
            }
            Ok(OrderBy {
                column: col,
                desc: desc.unwrap_or(false),
                nulls_first,
            })
        })
        .collect()
}

fn parse_filter(rel: &Relation, key: &str, v: &str) -> Result<Filter, ApiError> {
    let col = column(rel, key)?;
    let (negate, rest) = match v.strip_prefix("not.") {
        Some(r) => (true, r),
        None => (false, v),
    };
    let Some((op_name, value)) = rest.split_once('.') else {
        return Err(ApiError::bad_request(
            "invalid_filter",
            format!("filter {key}={v} has no operator"),
        )
        .with_hint("write col=op.value, e.g. store_id=eq.S1"));
    };
    let bad_op = || {
        ApiError::bad_request(
            "unknown_operator",
            format!("unknown operator {op_name:?} in filter {key}={v}"),
        )
        .with_hint(
            "use col=eq.x, neq, gt, gte, lt, lte, in.(a,b), is.null, optionally prefixed with not.",
        )
    };
    let mut op = Op::parse(op_name).ok_or_else(bad_op)?;
    if op == Op::IsNull {
        // PostgREST's `is.` values, case-insensitive; true/false only where PostgreSQL has
        // `IS TRUE` (a boolean column: elsewhere it is an error PostgreSQL reports as a 500).
        let boolean = rel.columns[col].type_name == "boolean";
        op = match value.to_ascii_lowercase().as_str() {
            "null" => Op::IsNull,
            "true" if boolean => Op::IsTrue,
            "false" if boolean => Op::IsFalse,
            // PostgREST's is.unknown: `IS UNKNOWN`, on a boolean the same rows as `IS NULL`
            // (it was a 400 "unsupported value").
            "unknown" if boolean => Op::IsNull,
            "true" | "false" | "unknown" => {
                return Err(ApiError::bad_request(
                    "invalid_filter",
                    format!("is.{value} needs a boolean column; {key} is not one"),
                )
                .with_hint("use is.null, or eq. on other types"))
            }
            _ => {
                return Err(ApiError::bad_request(
                    "invalid_filter",
                    format!("unsupported value {value:?} in filter {key}={v}"),
                )
                .with_hint("is.null, is.true, is.false or is.unknown (optionally not.is.…)"))
            }
        };
    }
    let values = match op {
        Op::IsNull | Op::IsTrue | Op::IsFalse => Vec::new(),
        Op::In => parse_list(value).ok_or_else(|| {
            ApiError::bad_request(
                "invalid_list",
                format!("{key}={v}: in. expects a list like in.(a,b,\"c,d\"), got {value:?}"),
            )
        })?,
        _ => vec![value.to_string()],
    };
    for v in &values {
        text_value(key, v)?;
    }
    Ok(Filter {
        column: col,
        op,
        negate,
        values,
    })
}

/// A value PostgreSQL can take as text. It cannot hold a NUL character: `%00` was sent and
/// refused with `invalid byte sequence for encoding "UTF8": 0x00`, naming no parameter.
pub fn text_value(param: &str, v: &str) -> Result<(), ApiError> {
    if !v.contains('\0') {
        return Ok(());
    }
    Err(ApiError::bad_request(
        "invalid_value",
        format!("{param}: a value cannot contain a NUL character (%00)"),
    )
    .with_hint("PostgreSQL text cannot hold NUL; no stored value contains one"))
}

/// `e` with the filter(s) named whose value PostgreSQL could not read as the column's type
/// (see `ApiError::naming_values`): the column is the query parameter that carried it.
pub fn name_bad_values(e: ApiError, rel: &Relation, q: &ViewQuery) -> ApiError {
    if e.code == "invalid_operator" {
        return name_missing_operator(e, rel, q);
    }
    let before = e.message.len();
    let e = e.naming_values(
        q.filters
            .iter()
            .map(|f| (rel.columns[f.column].name.as_str(), f.values.as_slice())),
    );
    // A message that quotes a value none of the filters has is about the data, not a filter.
    match e.code == "invalid_value" && e.message.len() == before && !e.message.contains('"') {
        true => name_by_type(e, rel, q),
        false => e,
    }
}

/// Some messages quote no value, only the type: `invalid input syntax for type json` (the rest
/// is in its DETAIL; jsonb's input says json too), `bit string length 4 does not match type
/// bit(8)`. The filters on columns of the type the message names are named (with a value: not
/// `is.null`).
fn name_by_type(mut e: ApiError, rel: &Relation, q: &ViewQuery) -> ApiError {
    let mut names: Vec<&str> = Vec::new();
    for f in q.filters.iter().filter(|f| !f.values.is_empty()) {
        let c = &rel.columns[f.column];
        let ty = cast_type(&c.type_name);
        let shown = if ty == "jsonb" { "json" } else { &ty };
        let probe = format!("type {shown}");
        let named = e.message.match_indices(&probe).any(|(i, _)| {
            let next = e.message[i + probe.len()..].chars().next();
            !next.is_some_and(|n| n.is_alphanumeric() || "_[(".contains(n))
        });
        if named && !names.contains(&&*c.name) {
            names.push(&c.name);
        }
    }
    if !names.is_empty() {
        e.message = format!("{}: {}", names.join(", "), e.message);
    }
    e
}

/// PostgreSQL's `operator does not exist: json = json` names the operand types only. The
/// filters it is about are named: those whose column type, operator and value type it shows (the
/// column is the left operand; for `in.` the right one is the array's element type).
fn name_missing_operator(mut e: ApiError, rel: &Relation, q: &ViewQuery) -> ApiError {
    let mut names: Vec<&str> = Vec::new();
    for f in &q.filters {
        let c = &rel.columns[f.column];
        let ty = cast_type(&c.type_name);
        let (op, right) = match f.op {
            Op::IsNull | Op::IsTrue | Op::IsFalse => continue,
            Op::In => ("=", ty.trim_end_matches("[]")),
            op => (op.sql(), &*ty),
        };
        if e.message.ends_with(&format!(": {ty} {op} {right}")) && !names.contains(&&*c.name) {
            names.push(&c.name);
        }
    }
    if !names.is_empty() {
        e.message = format!("{}: {}", names.join(", "), e.message);
    }
    e
}

/// `(a,b,"c,d")` → [a, b, c,d]. As in PostgREST, an element that starts with a double quote is
/// a quoted string (commas and parentheses kept, `\` escapes the next character) that must end
/// the element; a double quote anywhere else is part of the value. (Quotes were toggled wherever
/// they stood: `in.(5"x7")` silently looked for `5x7`, and `in.(12")` was a 400.)
fn parse_list(v: &str) -> Option<Vec<String>> {
    let inner = v.strip_prefix('(')?.strip_suffix(')')?;
    let mut out = Vec::new();
    if inner.is_empty() {
        return Some(out);
    }
    let mut chars = inner.chars().peekable();
    loop {
        let mut cur = String::new();
        let quoted = chars.next_if_eq(&'"').is_some();
        if quoted {
            loop {
                match chars.next()? {
                    '\\' => cur.push(chars.next()?),
                    '"' => break,
                    c => cur.push(c),
                }
            }
        }
        loop {
            match chars.next() {
                None => {
                    out.push(cur);
                    return Some(out);
                }
                Some(',') => break,
                Some(_) if quoted => return None,
                Some(c) => cur.push(c),
            }
        }
        out.push(cur);
    }
}

/// `Prefer: count=…` as RFC 7240 §2 defines the header: the first `count` preference counts and
/// later ones are ignored (the last one won), the name compares case-insensitively, a value may
/// be a quoted string (`count="exact"`) and `; parameters` after it are not ours (both were 400).
/// `count=planned`, PostgREST's name for the planner's estimate, is `count=estimated` here (it
/// was 400). A count we cannot give (`count=bogus`, `count=Exact`) is ignored like any other
/// preference we cannot fulfil, as RFC 7240 requires and PostgREST does by default (it was a
/// 400); `handling=strict` (the first `handling`) asks for the 400 instead. Other preferences
/// are not ours to judge, whatever bytes they hold.
fn parse_prefer(headers: &HeaderMap) -> Result<Count, ApiError> {
    let (mut count, mut handling) = (None::<String>, None::<String>);
    for h in headers.get_all("prefer") {
        // Not `to_str`: a preference that is not ours may carry non-ASCII text (a quoted
        // string), and one such byte made the whole header a 400 "Prefer header is not ASCII".
        let s = String::from_utf8_lossy(h.as_bytes());
        for pref in s.split(',') {
            let pref = pref.split(';').next().unwrap_or_default();
            let (name, value) = pref.split_once('=').unwrap_or((pref, ""));
            let value = value.trim();
            let value = value
                .strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .unwrap_or(value);
            let slot = match name.trim() {
                n if n.eq_ignore_ascii_case("count") => &mut count,
                n if n.eq_ignore_ascii_case("handling") => &mut handling,
                _ => continue,
            };
            slot.get_or_insert_with(|| value.to_string());
        }
    }
    match count.as_deref() {
        None => Ok(Count::None),
        Some("exact") => Ok(Count::Exact),
        Some("estimated" | "planned") => Ok(Count::Estimated),
        Some(_) if handling.as_deref() != Some("strict") => Ok(Count::None),
        Some(other) => Err(ApiError::bad_request(
            "invalid_prefer",
            format!("Prefer: count={other:?} is not supported, and handling=strict was asked"),
        )
        .with_hint("Prefer: count=exact or count=estimated")),
    }
}

/// `Range: 0-24`, `Range: items=0-24` or open-ended `10-` → (first, last). A range in any other
/// unit (`bytes=0-99`, as a download tool resuming a CSV sends) is ignored: RFC 9110 §14.2 says a
/// server MUST ignore a Range header with a unit it does not understand, and PostgREST does. (It
/// was a 416 `malformed Range header`.)
fn parse_range(headers: &HeaderMap) -> Result<Option<(i64, Option<i64>)>, ApiError> {
    let Some(h) = headers.get(header::RANGE) else {
        return Ok(None);
    };
    let bad = || {
        ApiError::new(
            axum::http::StatusCode::RANGE_NOT_SATISFIABLE,
            "invalid_range",
            "malformed Range header",
        )
        .with_hint("Range: <first>-<last> (0-based, inclusive), e.g. Range: 0-99")
    };
    let s = h.to_str().map_err(|_| bad())?.trim();
    let s = match s.split_once('=') {
        Some((unit, rest)) if unit.trim().eq_ignore_ascii_case("items") => rest,
        Some(_) => return Ok(None),
        None => s,
    };
    let (a, b) = s.split_once('-').ok_or_else(bad)?;
    let first = non_negative(a.trim()).ok_or_else(bad)?;
    let last = match b.trim() {
        "" => None,
        t => Some(non_negative(t).ok_or_else(bad)?),
    };
    if last.is_some_and(|l| l < first) {
        return Err(bad());
    }
    Ok(Some((first, last)))
}

/// The type a filter value is cast to: the column's type without the modifier that
/// `format_type` prints, which the cast would apply to the value: `::numeric(12,2)` rounded
/// `eq.1.005` to 1.01 (a match for 1.01), `::character varying(4)` cut `eq.ABCDE` to `ABCD`,
/// `::character(1)` `eq.yes` to `y`, `::interval day` dropped the hours. Compared as the type
/// itself, as PostgreSQL compares an untyped literal (and PostgREST's filters), none matches.
/// `character` without a length is `character(1)`, so it becomes `bpchar`; `bit(n)` keeps its
/// length (plain `bit` is `bit(1)` too, and a value of another length is an error, not a match).
fn cast_type(ty: &str) -> std::borrow::Cow<'_, str> {
    let (base, array) = ty.find("[]").map_or((ty, ""), |i| ty.split_at(i));
    let (head, tail) = match base.split_once('(') {
        Some((head, rest)) => (head.trim_end(), rest.split_once(')').map_or("", |(_, t)| t)),
        None => (base, ""),
    };
    let plain = match head {
        "numeric" | "character varying" | "timestamp" | "time" => format!("{head}{tail}"),
        "character" => "bpchar".to_string(),
        h if h.starts_with("interval") => "interval".to_string(),
        _ => return ty.into(),
    };
    format!("{plain}{array}").into()
}

/// How the rows come back: one JSON array rendered by PostgreSQL, or text columns for CSV.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Shape {
    Json,
    TextColumns,
}

/// Builds a shape's SQL text (see `shapes`): identifiers from the catalog, a `$n` for every value.
struct Builder<'a> {
    rel: &'a Relation,
    /// Read the relation's materialized path, under its guard, instead of the relation.
    via: Option<&'a MatPath>,
    sources: Vec<Source>,
}

impl Builder<'_> {
    fn bind(&mut self, s: Source) -> String {
        self.sources.push(s);
        format!("${}", self.sources.len())
    }

    /// `WHERE tenant_id = $1 AND …`: the tenant predicate is always there (defence in depth on top
    /// of row-level security, and it lets the planner use the tenant-leading indexes).
    fn where_clause(&mut self, filters: &[Filter]) -> String {
        let mut w = format!("WHERE \"tenant_id\" = {}::text", self.bind(Source::Tenant));
        for (i, f) in filters.iter().enumerate() {
            let col = self.rel.quoted(f.column);
            let ty = cast_type(&self.rel.columns[f.column].type_name);
            let cond = match f.op {
                Op::IsNull => format!("{col} IS NULL"),
                Op::IsTrue => format!("{col} IS TRUE"),
                Op::IsFalse => format!("{col} IS FALSE"),
                Op::In => format!("{col} = ANY({}::{ty}[])", self.bind(Source::List(i))),
                op => format!("{col} {} {}::{ty}", op.sql(), self.bind(Source::Value(i))),
            };
            w.push_str(" AND ");
            w.push_str(&if f.negate {
                format!("NOT ({cond})")
            } else {
                cond
            });
        }
        if let Some(path) = self.via {
            let mut sources = std::mem::take(&mut self.sources);
            let guard = path.guard(self.rel, filters, &mut |s| {
                sources.push(s);
                format!("${}", sources.len())
            });
            self.sources = sources;
            w.push_str(" AND ");
            w.push_str(&guard);
        }
        w
    }

    fn from(&self) -> &str {
        self.via.map_or(&self.rel.qualified, |p| &p.qualified)
    }

    fn order_clause(&self, order: &[OrderBy]) -> String {
        if order.is_empty() {
            return String::new();
        }
        let terms: Vec<String> = order
            .iter()
            .map(|o| {
                let nulls = match o.nulls_first {
                    Some(true) => " NULLS FIRST",
                    Some(false) => " NULLS LAST",
                    None => "",
                };
                format!(
                    "{}{}{nulls}",
                    self.rel.quoted(o.column),
                    if o.desc { " DESC" } else { "" }
                )
            })
            .collect();
        format!(" ORDER BY {}", terms.join(", "))
    }

    fn template(self, sql: String) -> Template {
        Template::new(sql, self.sources)
    }
}

fn selected(rel: &Relation, q: &ViewQuery) -> Vec<usize> {
    if q.select.is_empty() {
        (0..rel.columns.len()).collect()
    } else {
        q.select.clone()
    }
}

/// The page query. JSON is aggregated by PostgreSQL (`json_agg`, exact numerics, one row back;
/// of `t.*`, the row, as a bare `t` would be a column named `t` if the relation has one);
/// CSV gets every column as text. With `via`, it reads the relation's materialized path under its
/// guard (same rows, or SQLSTATE `matpath::STALE`).
pub fn page_sql(
    rel: &Relation,
    tenant: &str,
    q: &ViewQuery,
    shape: Shape,
    via: Option<&MatPath>,
) -> Stmt {
    let key = ShapeKey::new(Kind::Page(shape, q.count == Count::Exact), via.is_some(), q);
    rel.shapes()
        .get_or_build(key, || page_template(rel, q, shape, via))
        .bind(tenant, &q.filters, q.limit, q.offset)
}

fn page_template(rel: &Relation, q: &ViewQuery, shape: Shape, via: Option<&MatPath>) -> Template {
    let mut b = Builder {
        rel,
        via,
        sources: Vec::new(),
    };
    let cols = selected(rel, q);
    let mut list = String::new();
    for (n, &i) in cols.iter().enumerate() {
        if n > 0 {
            list.push_str(", ");
        }
        list.push_str(rel.quoted(i));
        if shape == Shape::TextColumns {
            list.push_str("::text");
        }
    }
    // The exact total, when asked for, is a scalar subquery of the page's own statement: one
    // snapshot, so the total and the page agree even while rows are being written.
    let total = (q.count == Count::Exact).then(|| {
        let w = b.where_clause(&q.filters);
        format!(", (SELECT count(*) FROM {} {w})", b.from())
    });
    let total = total.unwrap_or_default();
    let w = b.where_clause(&q.filters);
    let order = b.order_clause(&q.order);
    let lim = b.bind(Source::Limit);
    let off = b.bind(Source::Offset);
    let from = b.from();
    let sql = match shape {
        Shape::Json => format!(
            "SELECT coalesce(json_agg(t.*), '[]')::text, count(*){total} FROM \
             (SELECT {list} FROM {from} {w}{order} LIMIT {lim}::bigint OFFSET {off}::bigint) t"
        ),
        Shape::TextColumns => format!(
            "SELECT {list}{total} FROM {from} {w}{order} LIMIT {lim}::bigint OFFSET {off}::bigint"
        ),
    };
    b.template(sql)
}

/// The total for `Prefer: count=…` as a statement of its own: the planner's estimate of the
/// relation itself (cheap on big views; EXPLAIN runs no guard), or exact `count(*)` (through
/// `via` like the page). The page statement carries the exact total itself (`page_sql`); this one
/// is for a CSV page that came back empty, whose total no row could carry.
pub fn count_sql(
    rel: &Relation,
    tenant: &str,
    q: &ViewQuery,
    via: Option<&MatPath>,
) -> Option<Stmt> {
    if q.count == Count::None {
        return None;
    }
    let via = via.filter(|_| q.count == Count::Exact);
    let key = ShapeKey::new(Kind::Count(q.count), via.is_some(), q);
    let t = rel
        .shapes()
        .get_or_build(key, || count_template(rel, q, via));
    Some(t.bind(tenant, &q.filters, q.limit, q.offset))
}

fn count_template(rel: &Relation, q: &ViewQuery, via: Option<&MatPath>) -> Template {
    let mut b = Builder {
        rel,
        via,
        sources: Vec::new(),
    };
    let w = b.where_clause(&q.filters);
    let sql = if q.count == Count::Exact {
        format!("SELECT count(*) FROM {} {w}", b.from())
    } else {
        format!("EXPLAIN (FORMAT JSON) SELECT 1 FROM {} {w}", b.from())
    };
    b.template(sql)
}

#[cfg(test)]
mod tests;
