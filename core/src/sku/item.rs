//! `normalize_item_id`: the one call ingest adapters make per line item.

use super::barcode::{parse_barcode, BarcodeKind};
use super::cleanup::Mode;
use super::variable_measure::Scheme;
use super::vendor_key::{sku_key_with, SkuKeyRules};
use rust_decimal::Decimal;

/// What kind of product key [`NormalizedItem::sku`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ItemKind {
    /// A valid GTIN (any length, UPC-E, ISBN, ISSN): `sku` is the GTIN-14.
    Gtin,
    /// An in-store variable-measure label: `sku` is the item key GTIN-14 (value zeroed).
    VariableMeasure,
    /// Produce PLU: `sku` is the PLU, organic ones with their `9` prefix (`94011`).
    Plu,
    /// Anything else: `sku` is the vendor SKU match key.
    VendorSku,
    /// Nothing usable (empty or separators only): `sku` is empty; reject the line.
    Empty,
}

impl ItemKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ItemKind::Gtin => "gtin",
            ItemKind::VariableMeasure => "variable_measure",
            ItemKind::Plu => "plu",
            ItemKind::VendorSku => "vendor_sku",
            ItemKind::Empty => "empty",
        }
    }
}

/// The normalized product key of a raw item id. Keep the raw id next to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NormalizedItem {
    /// The one product key: GTIN-14 for valid GTINs, PLU for produce, vendor SKU key otherwise.
    pub sku: String,
    /// The GTIN-14 when the id was a valid GTIN (or a variable-measure item key).
    pub gtin: Option<String>,
    pub kind: ItemKind,
    /// Price carried inside a variable-measure label.
    pub embedded_price: Option<Decimal>,
    /// Weight carried inside a variable-measure label.
    pub embedded_weight: Option<Decimal>,
}

/// Normalize with the GS1 default variable-measure scheme and no SKU prefixes configured.
pub fn normalize_item_id(raw: &str) -> NormalizedItem {
    thread_local! {
        static DEFAULT: (Scheme, SkuKeyRules) = (Scheme::gs1_default(), SkuKeyRules::default());
    }
    DEFAULT.with(|(scheme, rules)| normalize_item_id_with(raw, scheme, rules))
}

/// Normalize with a tenant's variable-measure scheme and SKU prefix rules. Lenient: an id that
/// looks like a GTIN but fails its check digit becomes a vendor SKU key, never a guessed GTIN.
pub fn normalize_item_id_with(raw: &str, scheme: &Scheme, rules: &SkuKeyRules) -> NormalizedItem {
    let b = parse_barcode(raw, scheme, Mode::Lenient);
    let mut item = NormalizedItem {
        sku: String::new(),
        gtin: None,
        kind: ItemKind::VendorSku,
        embedded_price: b.embedded_price,
        embedded_weight: b.embedded_weight,
    };
    match (b.valid, b.gtin14, b.plu) {
        (true, _, Some(plu)) => {
            item.sku = plu.key();
            item.kind = ItemKind::Plu;
        }
        (true, Some(g), _) => {
            item.sku = g.to_string();
            item.gtin = Some(item.sku.clone());
            // An element string's GTIN is the item's own (indicator 9 for a variable-measure
            // trade item); its weight or price make it a variable-measure line all the same.
            let measured = b.embedded_price.is_some() || b.embedded_weight.is_some();
            item.kind = match b.kind {
                BarcodeKind::VariableMeasure => ItemKind::VariableMeasure,
                BarcodeKind::ElementString if measured => ItemKind::VariableMeasure,
                _ => ItemKind::Gtin,
            };
        }
        _ => {
            item.sku = sku_key_with(raw, rules);
            if item.sku.is_empty() {
                item.kind = ItemKind::Empty;
            }
        }
    }
    item
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adapters_get_one_key() {
        let a = normalize_item_id("36000291452.0");
        assert_eq!((a.sku.as_str(), a.kind), ("00036000291452", ItemKind::Gtin));
        assert_eq!(a.gtin.as_deref(), Some("00036000291452"));
        let p = normalize_item_id("0000000094011");
        assert_eq!(
            (p.sku.as_str(), p.kind, p.gtin),
            ("94011", ItemKind::Plu, None)
        );
        let v = normalize_item_id("sku_abc 12");
        assert_eq!((v.sku.as_str(), v.kind), ("SKUABC12", ItemKind::VendorSku));
        let bad = normalize_item_id("036000291453");
        assert_eq!(
            (bad.sku.as_str(), bad.kind),
            ("036000291453", ItemKind::VendorSku)
        );
        assert_eq!(normalize_item_id(" - ").kind, ItemKind::Empty);
        let w = normalize_item_id("212345105993");
        assert_eq!(
            (w.sku.as_str(), w.kind),
            ("00212345000007", ItemKind::VariableMeasure)
        );
        assert_eq!(w.embedded_price, Some(Decimal::new(599, 2)));
        // A 2D scan passed on as the item id keys on its GTIN.
        let s = normalize_item_id("]d2010950110153000310LOT42\u{1d}21SN-7");
        assert_eq!((s.sku.as_str(), s.kind), ("09501101530003", ItemKind::Gtin));
        let m = normalize_item_id("(01)99501234567894(3103)000750");
        assert_eq!(
            (m.sku.as_str(), m.kind),
            ("99501234567894", ItemKind::VariableMeasure)
        );
        assert_eq!(m.embedded_weight, Some(Decimal::new(750, 3)));
    }
}
