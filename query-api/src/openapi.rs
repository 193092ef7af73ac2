//! The OpenAPI 3 document: utoipa derives the fixed endpoints from the handlers' annotations; each
//! served view gets its own path whose parameters and row schema come from the catalog.
use utoipa::openapi::path::{HttpMethod, OperationBuilder, ParameterBuilder, ParameterIn};
use utoipa::openapi::schema::{ArrayBuilder, KnownFormat, ObjectBuilder, SchemaFormat, Type};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Ref, Required, ResponseBuilder};
use utoipa::{Modify, OpenApi};

use crate::error::ApiError;
use crate::handlers as h;
use crate::views::{Catalog, Relation};

#[derive(OpenApi)]
#[openapi(
    info(title = "pos_analytics query API", description = "Read-only HTTP access to the pos_analytics views. \
        Filters follow PostgREST: `col=op.value` with eq, neq, gt, gte, lt, lte, in.(a,b), is.null (prefix not. to negate), \
        `select=`, `order=col.desc`, `limit`/`offset` or `Range: 0-99`, `Prefer: count=exact|estimated`. \
        JSON by default, CSV with `Accept: text/csv`."),
    paths(h::list_views, h::get_view, h::alerts, h::alert_stream, h::forecast, h::reorder, h::end_of_day),
    components(schemas(ApiError)),
    modifiers(&BearerKey)
)]
struct Fixed;

struct BearerKey;

impl Modify for BearerKey {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let comps = doc.components.get_or_insert_with(Default::default);
        comps.add_security_scheme(
            "api_key",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// JSON schema of one column, from its PostgreSQL type (what json_agg emits for it).
fn column_schema(pg_type: &str) -> ObjectBuilder {
    let base = pg_type.split('(').next().unwrap_or(pg_type);
    let b = ObjectBuilder::new();
    match base {
        "smallint" | "integer" | "bigint" => b.schema_type(Type::Integer),
        "numeric" | "real" | "double precision" => b.schema_type(Type::Number),
        "boolean" => b.schema_type(Type::Boolean),
        "date" => b
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Date))),
        t if t.starts_with("timestamp") => b
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::DateTime))),
        "json" | "jsonb" => b,
        t if t.ends_with("[]") => b.schema_type(Type::Array),
        _ => b.schema_type(Type::String),
    }
}

fn query_param(name: &str, description: String) -> utoipa::openapi::path::Parameter {
    ParameterBuilder::new()
        .name(name)
        .parameter_in(ParameterIn::Query)
        .required(Required::False)
        .description(Some(description))
        .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
        .build()
}

fn header_param(name: &str, description: &str) -> utoipa::openapi::path::Parameter {
    ParameterBuilder::new()
        .name(name)
        .parameter_in(ParameterIn::Header)
        .required(Required::False)
        .description(Some(description))
        .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
        .build()
}

fn error_response(description: &str) -> utoipa::openapi::Response {
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("ApiError")))
                .build(),
        )
        .build()
}

/// GET /v1/views/{name}: a parameter per column and the row schema.
fn view_operation(rel: &Relation) -> utoipa::openapi::path::Operation {
    let mut row = ObjectBuilder::new().schema_type(Type::Object);
    for c in &rel.columns {
        row = row.property(
            &c.name,
            column_schema(&c.type_name).description(c.description.clone()),
        );
    }
    let rows = ContentBuilder::new()
        .schema(Some(ArrayBuilder::new().items(row)))
        .build();
    let csv = ContentBuilder::new()
        .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
        .build();
    let ok = |d: &str| {
        ResponseBuilder::new()
            .description(d)
            .content("application/json", rows.clone())
            .content("text/csv", csv.clone())
            .build()
    };
    let mut op = OperationBuilder::new()
        .tag("views")
        .operation_id(Some(format!("get_{}", rel.name)))
        .summary(Some(format!("Rows of pos.{}", rel.name)))
        .description(rel.description.clone())
        .security(SecurityRequirement::new("api_key", Vec::<String>::new()))
        .parameter(query_param(
            "select",
            "Comma-separated columns to return".into(),
        ))
        .parameter(query_param(
            "order",
            "col[.asc|.desc][.nullsfirst|.nullslast], comma-separated".into(),
        ))
        .parameter(query_param(
            "limit",
            "Page size (capped by the server)".into(),
        ))
        .parameter(query_param("offset", "Rows to skip".into()))
        .parameter(header_param(
            "Range",
            "Rows first-last, 0-based inclusive (instead of limit/offset)",
        ))
        .parameter(header_param(
            "Prefer",
            "count=exact or count=estimated: total in Content-Range",
        ));
    for c in &rel.columns {
        let what = c.description.as_deref().unwrap_or("");
        op = op.parameter(query_param(
            &c.name,
            format!(
                "Filter on {} ({}): op.value, e.g. eq.x, in.(a,b), is.null. {what}",
                c.name, c.type_name
            ),
        ));
    }
    op.response("200", ok("Rows"))
        .response("206", ok("A page of a larger result (see Content-Range)"))
        .response(
            "400",
            error_response("Unknown column or operator, or a value of the wrong type"),
        )
        .response("401", error_response("Missing or unknown API key"))
        .response("404", error_response("View not served to this key"))
        .response(
            "406",
            error_response("The Accept header excludes both JSON and CSV"),
        )
        .response(
            "416",
            error_response("Range malformed, or its offset past the total"),
        )
        .response("503", error_response("PostgreSQL unavailable"))
        .response(
            "504",
            error_response("The query ran past statement_timeout"),
        )
        .build()
}

/// The whole document as JSON. It is public (no key), so it describes only the relations some API
/// role may read: the catalog also holds those of the schema granted to none (`pos.customer` with
/// its PII columns, `pos.raw_inbox`, …), whose names, columns and comments are nobody's business.
pub fn document(cat: &Catalog) -> String {
    let mut doc = Fixed::openapi();
    for rel in cat.relations.values().filter(|r| !r.readers.is_empty()) {
        doc.paths.add_path_operation(
            format!("/v1/views/{}", rel.name),
            vec![HttpMethod::Get],
            view_operation(rel),
        );
    }
    doc.to_json()
        .unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::views::Column;

    #[test]
    fn relations_no_role_reads_are_not_described() {
        let col = |n: &str| Column {
            name: n.into(),
            type_name: "text".into(),
            nullable: true,
            description: None,
        };
        let mut cat = Catalog::default();
        for (name, readers) in [("txn", &["pos_api"][..]), ("customer", &[][..])] {
            let rel = Relation::new(
                name,
                "table",
                &format!("pos.{name}"),
                vec![col("tenant_id"), col("email")],
                readers,
            );
            cat.relations.insert(name.into(), rel);
        }
        let doc: serde_json::Value = serde_json::from_str(&document(&cat)).unwrap();
        let paths = doc["paths"].as_object().unwrap();
        assert!(paths.contains_key("/v1/views/txn"));
        assert!(
            !paths.contains_key("/v1/views/customer"),
            "{:?}",
            paths.keys()
        );
    }
}
