//! Reference rows the facts point at: stores (with the time zone that defines their business
//! day) and products. Upserted, so re-running is harmless.

use tokio_postgres::Client;

#[derive(Debug, Clone, PartialEq)]
pub struct StoreRow {
    pub tenant_id: String,
    pub store_id: String,
    pub name: Option<String>,
    pub timezone: String,
    pub currency: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ProductRow {
    pub tenant_id: String,
    pub sku: String,
    pub gtin: Option<String>,
    pub description: Option<String>,
    pub category: Option<String>,
    pub unit_price: Option<rust_decimal::Decimal>,
    pub currency: Option<String>,
}

pub async fn upsert_stores(c: &Client, rows: &[StoreRow]) -> Result<u64, tokio_postgres::Error> {
    let mut n = 0;
    for s in rows {
        n += c
            .execute(
                "INSERT INTO pos.store (tenant_id, store_id, name, timezone, currency) VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT (tenant_id, store_id) DO UPDATE
                    SET name = coalesce(EXCLUDED.name, pos.store.name), timezone = EXCLUDED.timezone, currency = EXCLUDED.currency",
                &[&s.tenant_id, &s.store_id, &s.name, &s.timezone, &s.currency],
            )
            .await?;
    }
    Ok(n)
}

pub async fn upsert_products(
    c: &Client,
    rows: &[ProductRow],
) -> Result<u64, tokio_postgres::Error> {
    let col = |f: fn(&ProductRow) -> Option<String>| rows.iter().map(f).collect::<Vec<_>>();
    let tenants: Vec<&str> = rows.iter().map(|p| p.tenant_id.as_str()).collect();
    let skus: Vec<&str> = rows.iter().map(|p| p.sku.as_str()).collect();
    let prices: Vec<Option<rust_decimal::Decimal>> = rows.iter().map(|p| p.unit_price).collect();
    c.execute(
        "INSERT INTO pos.product (tenant_id, sku, gtin, description, category, unit_price, currency)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::numeric[], $7::text[])
         ON CONFLICT (tenant_id, sku) DO UPDATE SET gtin = EXCLUDED.gtin, description = EXCLUDED.description,
            category = EXCLUDED.category, unit_price = EXCLUDED.unit_price, currency = EXCLUDED.currency, updated_at = now()",
        &[
            &tenants,
            &skus,
            &col(|p| p.gtin.clone()),
            &col(|p| p.description.clone()),
            &col(|p| p.category.clone()),
            &prices,
            &col(|p| p.currency.clone()),
        ],
    )
    .await
}
