//! SQL text per query shape, built once. A request's SQL depends only on its shape (the relation,
//! whether it reads the materialized path, JSON or CSV, the selected columns, each filter's
//! column, operator and negation, the order), never on its values, which are all bound
//! parameters. So the text, with where each parameter's value comes from, is built by the first
//! request of a shape and kept with the relation (until the next catalog load); later requests of
//! that shape only bind their values. Building the text was about a tenth of the service's own
//! CPU per request (benches/api/RESULTS.md).
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use tokio_postgres::types::Type;

use crate::db::{Param, Stmt};
use crate::filters::{Count, Filter, Op, OrderBy, Shape, ViewQuery};

/// Where a bound parameter's value comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// The key's tenant.
    Tenant,
    /// The value of the request's filter `i`.
    Value(usize),
    /// The values of the request's filter `i` (`in.(…)`), as one text array.
    List(usize),
    Limit,
    Offset,
}

impl Source {
    /// This source's value for one request.
    pub fn value(self, tenant: &str, filters: &[Filter], limit: i64, offset: i64) -> Param {
        match self {
            Source::Tenant => Param::Text(tenant.to_string()),
            Source::Value(i) => Param::Text(filters[i].values[0].clone()),
            Source::List(i) => Param::List(filters[i].values.clone()),
            Source::Limit => Param::Text(limit.to_string()),
            Source::Offset => Param::Text(offset.to_string()),
        }
    }
    fn sql_type(self) -> Type {
        match self {
            Source::List(_) => Type::TEXT_ARRAY,
            _ => Type::TEXT,
        }
    }
}

/// A statement's SQL text and the source of each of its parameters, `$1` first.
#[derive(Debug)]
pub struct Template {
    sql: Arc<str>,
    sources: Vec<Source>,
    types: Vec<Type>,
}

impl Template {
    pub fn new(sql: String, sources: Vec<Source>) -> Self {
        Self {
            sql: sql.into(),
            types: sources.iter().map(|s| s.sql_type()).collect(),
            sources,
        }
    }
    /// The statement of one request of this shape: its values bound to the shape's text.
    pub fn bind(&self, tenant: &str, filters: &[Filter], limit: i64, offset: i64) -> Stmt {
        Stmt {
            sql: self.sql.clone(),
            types: self.types.clone(),
            params: self
                .sources
                .iter()
                .map(|s| s.value(tenant, filters, limit, offset))
                .collect(),
        }
    }
}

/// Which statement of a request: its page (as JSON or text columns) or its total.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// A page; `true` when it carries the exact total (`Prefer: count=exact`).
    Page(Shape, bool),
    Count(Count),
}

/// Everything a statement's text depends on, besides the relation that keeps the cache.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ShapeKey {
    kind: Kind,
    via_path: bool,
    select: Vec<usize>,
    filters: Vec<(usize, Op, bool)>,
    order: Vec<OrderBy>,
}

impl ShapeKey {
    pub fn new(kind: Kind, via_path: bool, q: &ViewQuery) -> Self {
        // A total's text has no select list and no order.
        let page = matches!(kind, Kind::Page(..));
        Self {
            kind,
            via_path,
            select: if page { q.select.clone() } else { Vec::new() },
            filters: q
                .filters
                .iter()
                .map(|f| (f.column, f.op, f.negate))
                .collect(),
            order: if page { q.order.clone() } else { Vec::new() },
        }
    }
}

/// A client can invent many shapes; the cache is dropped when it grows past this many.
const MAX_SHAPES: usize = 256;

/// The templates of one relation's shapes seen so far.
#[derive(Default)]
pub struct ShapeCache(Mutex<HashMap<ShapeKey, Arc<Template>>>);

impl ShapeCache {
    /// The template of `key`, built by `build` the first time.
    pub fn get_or_build(&self, key: ShapeKey, build: impl FnOnce() -> Template) -> Arc<Template> {
        if let Some(t) = self.lock().get(&key) {
            return t.clone();
        }
        let t = Arc::new(build());
        let mut map = self.lock();
        if map.len() >= MAX_SHAPES {
            map.clear();
        }
        map.insert(key, t.clone());
        t
    }
    pub fn len(&self) -> usize {
        self.lock().len()
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    fn lock(&self) -> MutexGuard<'_, HashMap<ShapeKey, Arc<Template>>> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// A copy of a relation starts with an empty cache (it is only a cache).
impl Clone for ShapeCache {
    fn clone(&self) -> Self {
        Self::default()
    }
}

impl std::fmt::Debug for ShapeCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ShapeCache({} shapes)", self.len())
    }
}
