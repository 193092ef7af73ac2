//! The catalog: which relations are served, their columns, types and COMMENTs, and which API roles
//! may read each. Read from PostgreSQL's catalogs at start and every few seconds after, so a view
//! created by an extension upgrade appears without a release of the service.
use std::collections::{BTreeMap, HashMap, HashSet};

use serde::Serialize;

use crate::config::ServeConfig;
use crate::db::Pool;
use crate::error::ApiError;
use crate::matpath::{BucketType, LiveKeys, MatPath};
use crate::shapes::ShapeCache;

#[derive(Debug, Clone, Serialize)]
pub struct Column {
    pub name: String,
    /// PostgreSQL type as `format_type` prints it (e.g. `numeric`, `timestamp with time zone`);
    /// also what filter values are cast to.
    #[serde(rename = "type")]
    pub type_name: String,
    pub nullable: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Relation {
    pub name: String,
    /// `view`, `materialized view` or `table`.
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub columns: Vec<Column>,
    /// Quoted `"schema"."name"`, built by PostgreSQL's quote_ident.
    #[serde(skip)]
    pub qualified: String,
    /// Roles (members of pos_api) holding SELECT on it. Superusers and BYPASSRLS roles are
    /// never readers: `pg_has_role` counts a superuser a member of every role, and row security,
    /// which a key's queries rely on, does not apply to either.
    #[serde(skip)]
    pub readers: HashSet<String>,
    #[serde(skip)]
    index: HashMap<String, usize>,
    /// `quote_ident` of each column, built once per catalog load instead of once per request.
    #[serde(skip)]
    quoted: Vec<String>,
    /// Where the same rows are read cheaper when no requested bucket is live (see `matpath`).
    #[serde(skip)]
    pub path: Option<MatPath>,
    /// The SQL text of the request shapes seen so far (see `shapes`).
    #[serde(skip)]
    shapes: ShapeCache,
}

impl Relation {
    /// A relation from parts (tests and tools; the service builds them with `load`).
    pub fn new(
        name: &str,
        kind: &str,
        qualified: &str,
        columns: Vec<Column>,
        readers: &[&str],
    ) -> Self {
        let index = columns
            .iter()
            .enumerate()
            .map(|(i, c)| (c.name.clone(), i))
            .collect();
        Self {
            name: name.into(),
            kind: kind.into(),
            description: None,
            quoted: columns.iter().map(|c| quote_ident(&c.name)).collect(),
            columns,
            qualified: qualified.into(),
            readers: readers.iter().map(|r| r.to_string()).collect(),
            index,
            path: None,
            shapes: ShapeCache::default(),
        }
    }
    pub fn column(&self, name: &str) -> Option<usize> {
        self.index.get(name).copied()
    }
    /// The identifier of column `i`, quoted for SQL (names come from pg_attribute only).
    pub fn quoted(&self, i: usize) -> &str {
        &self.quoted[i]
    }
    pub fn shapes(&self) -> &ShapeCache {
        &self.shapes
    }
}

pub fn quote_ident(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// A set-returning function served by a fixed endpoint (e.g. pos.forecast_demand): its input
/// arguments in order, with types, and how many leading ones have no default.
#[derive(Debug, Clone, Serialize)]
pub struct Function {
    pub name: String,
    pub args: Vec<Column>,
    pub required: usize,
    #[serde(skip)]
    pub qualified: String,
    #[serde(skip)]
    pub readers: HashSet<String>,
}

impl Function {
    pub fn arg(&self, name: &str) -> Option<usize> {
        self.args.iter().position(|a| a.name == name)
    }
}

/// Arguments that always take the key's tenant; a caller can never choose them.
pub const TENANT_ARGS: [&str; 2] = ["tenant", "tenant_id"];

#[derive(Debug, Default)]
pub struct Catalog {
    pub relations: BTreeMap<String, Relation>,
    pub functions: BTreeMap<String, Function>,
}

impl Catalog {
    /// The relation if `role` may read it. Unreadable and unknown look the same (404), so a key
    /// cannot probe for what other roles have.
    pub fn readable(&self, name: &str, role: &str) -> Result<&Relation, ApiError> {
        self.relations
            .get(name)
            .filter(|r| r.readers.contains(role))
            .ok_or_else(|| {
                ApiError::not_found(
                    "unknown_view",
                    format!("no view named {name:?} is served to this key"),
                )
                .with_hint("GET /v1/views lists the views this key may read.")
            })
    }
}

impl Catalog {
    pub fn function(&self, name: &str, role: &str) -> Result<&Function, ApiError> {
        self.functions
            .get(name)
            .filter(|f| f.readers.contains(role))
            .ok_or_else(|| {
                ApiError::not_found(
                    "unknown_function",
                    format!(
                        "pos.{name} is not installed in this database or not granted to this key"
                    ),
                )
                .with_hint("upgrade the pos_analytics extension")
            })
    }
}

const FUNCTIONS_SQL: &str = r#"
SELECT p.proname::text, format('%I.%I', n.nspname, p.proname), p.pronargs::int, p.pronargdefaults::int,
       array(SELECT a.n FROM unnest(p.proargnames, coalesce(p.proargmodes::text[], array_fill('i'::text, ARRAY[cardinality(p.proargnames)])))
                             WITH ORDINALITY AS a(n, m, o) WHERE a.m IN ('i', 'b') ORDER BY a.o),
       array(SELECT format_type(t.t, NULL) FROM unnest(p.proargtypes::oid[]) WITH ORDINALITY AS t(t, o) ORDER BY t.o),
       array(SELECT r.rolname::text FROM pg_roles r
              WHERE pg_has_role(r.oid, 'pos_api', 'MEMBER') AND NOT r.rolsuper AND NOT r.rolbypassrls AND has_function_privilege(r.oid, p.oid, 'EXECUTE'))
  FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
 WHERE n.nspname = $1 AND p.proname = ANY($2) AND p.proretset AND p.prokind = 'f'
 ORDER BY p.pronargs
"#;

/// The functions behind the fixed endpoints, when installed (one overload each: the shortest).
async fn load_functions(
    client: &deadpool_postgres::Client,
    schema: &str,
    names: &[&str],
) -> Result<BTreeMap<String, Function>, ApiError> {
    let names: Vec<String> = names.iter().map(|s| s.to_string()).collect();
    let mut out = BTreeMap::new();
    for r in client.query(FUNCTIONS_SQL, &[&schema, &names]).await? {
        let (nargs, ndef): (i32, i32) = (r.get(2), r.get(3));
        let (arg_names, types): (Vec<String>, Vec<String>) = (r.get(4), r.get(5));
        if arg_names.len() != nargs as usize {
            continue; // unnamed arguments cannot be passed as query parameters
        }
        let args = arg_names
            .into_iter()
            .zip(types)
            .map(|(name, type_name)| Column {
                name,
                type_name,
                nullable: true,
                description: None,
            })
            .collect();
        let f = Function {
            name: r.get(0),
            qualified: r.get(1),
            args,
            required: (nargs - ndef) as usize,
            readers: r.get::<_, Vec<String>>(6).into_iter().collect(),
        };
        out.entry(f.name.clone()).or_insert(f);
    }
    Ok(out)
}

const CATALOG_SQL: &str = r#"
SELECT c.relname::text,
       CASE c.relkind WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view' ELSE 'table' END,
       obj_description(c.oid, 'pg_class'),
       format('%I.%I', n.nspname, c.relname),
       array(SELECT r.rolname::text FROM pg_roles r
              WHERE pg_has_role(r.oid, 'pos_api', 'MEMBER') AND NOT r.rolsuper AND NOT r.rolbypassrls AND has_table_privilege(r.oid, c.oid, 'SELECT')),
       a.attname::text, format_type(a.atttypid, a.atttypmod), NOT a.attnotnull,
       col_description(c.oid, a.attnum)
  FROM pg_class c
  JOIN pg_namespace n ON n.oid = c.relnamespace
  JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
 WHERE n.nspname = $1 AND c.relkind IN ('r', 'p', 'v', 'm') AND NOT c.relispartition
   AND EXISTS (SELECT 1 FROM pg_attribute t WHERE t.attrelid = c.oid AND t.attname = 'tenant_id' AND NOT t.attisdropped)
 ORDER BY c.relname, a.attnum
"#;

/// Loads the served relations: those of the configured schema with a `tenant_id` column (every
/// query is additionally filtered on it), restricted to `views` when given, minus `exclude`.
pub async fn load(pool: &Pool, cfg: &ServeConfig) -> Result<Catalog, ApiError> {
    let client = pool.get_as_service().await?;
    let rows = client.query(CATALOG_SQL, &[&cfg.schema]).await?;
    let mut relations: BTreeMap<String, Relation> = BTreeMap::new();
    for r in rows {
        let name: String = r.get(0);
        let wanted = cfg.views.is_empty() || cfg.views.iter().any(|v| v == &name);
        if !wanted || cfg.exclude.iter().any(|v| v == &name) {
            continue;
        }
        let rel = relations.entry(name.clone()).or_insert_with(|| Relation {
            name,
            kind: r.get(1),
            description: r.get(2),
            qualified: r.get(3),
            readers: r.get::<_, Vec<String>>(4).into_iter().collect(),
            columns: Vec::new(),
            index: HashMap::new(),
            quoted: Vec::new(),
            path: None,
            shapes: ShapeCache::default(),
        });
        rel.index.insert(r.get(5), rel.columns.len());
        rel.quoted.push(quote_ident(r.get(5)));
        rel.columns.push(Column {
            name: r.get(5),
            type_name: r.get(6),
            nullable: r.get(7),
            description: r.get(8),
        });
    }
    if cfg.materialized_paths {
        load_paths(&client, &cfg.schema, &mut relations).await?;
    }
    let functions = load_functions(&client, &cfg.schema, &crate::handlers::FUNCTIONS).await?;
    Ok(Catalog {
        relations,
        functions,
    })
}

const PATHS_SQL: &str = r#"
SELECT v.relname::text, format('%I.%I', mn.nspname, m.relname), p.bucket_column::text,
       array(SELECT r.rolname::text FROM pg_roles r
              WHERE pg_has_role(r.oid, 'pos_api', 'MEMBER') AND NOT r.rolsuper AND NOT r.rolbypassrls AND has_table_privilege(r.oid, m.oid, 'SELECT')),
       l.los, l.his
  FROM pos.cagg_view_path p
  JOIN pg_class v ON v.oid = p.view_name
  JOIN pg_namespace vn ON vn.oid = v.relnamespace
  JOIN pg_class m ON m.oid = p.materialized
  JOIN pg_namespace mn ON mn.oid = m.relnamespace
  CROSS JOIN LATERAL (
      SELECT array_agg(CASE WHEN lower_inf(x) OR NOT isfinite(lower(x)) THEN NULL
                            ELSE (extract(epoch FROM lower(x)) * 1000000)::bigint END) AS los,
             array_agg(CASE WHEN upper_inf(x) OR NOT isfinite(upper(x)) THEN NULL
                            ELSE (extract(epoch FROM upper(x)) * 1000000)::bigint END) AS his
        FROM pos.continuous_aggregate c, unnest(coalesce(c.view_live, '{(,)}')) x
       WHERE c.cagg_id = ANY (p.parts)) l
 WHERE vn.nspname = $1
"#;

/// Attaches to each served view its materialized path, with the buckets live right now as the
/// hint of when to use it. A database without `pos.cagg_view_path` (an older extension) has none.
async fn load_paths(
    client: &deadpool_postgres::Client,
    schema: &str,
    relations: &mut BTreeMap<String, Relation>,
) -> Result<(), ApiError> {
    let rows = match client.query(PATHS_SQL, &[&schema]).await {
        Ok(rows) => rows,
        Err(e) if e.code() == Some(&tokio_postgres::error::SqlState::UNDEFINED_TABLE) => {
            return Ok(())
        }
        Err(e) => return Err(e.into()),
    };
    for r in rows {
        let Some(rel) = relations.get_mut(&r.get::<_, String>(0)) else {
            continue;
        };
        let Some(bucket) = rel.column(&r.get::<_, String>(2)) else {
            continue;
        };
        let Some(bucket_type) = BucketType::from_pg(&rel.columns[bucket].type_name) else {
            continue;
        };
        let los: Vec<Option<i64>> = r.get::<_, Option<_>>(4).unwrap_or_default();
        let his: Vec<Option<i64>> = r.get::<_, Option<_>>(5).unwrap_or_default();
        let live: LiveKeys = los.into_iter().zip(his).collect();
        rel.path = Some(MatPath {
            qualified: r.get(1),
            bucket,
            bucket_type,
            readers: r.get::<_, Vec<String>>(3).into_iter().collect(),
            live,
        });
    }
    Ok(())
}
