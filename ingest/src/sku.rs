//! The one place adapters turn a raw item id into the normalized SKU key (the rules live in
//! `pos_core::sku`; this only picks the fields a line stores).

use pos_core::sku::{normalize_item_id, ItemKind};

/// `sku` and `gtin` for a line, from what the POS sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemKey {
    pub sku: String,
    pub gtin: Option<String>,
}

/// Normalizes a raw item id (barcode, PLU, vendor SKU). `None` when nothing usable is left
/// (blank or punctuation only): the caller rejects the line with a reason.
pub fn item_key(raw: &str) -> Option<ItemKey> {
    let n = normalize_item_id(raw);
    if n.kind == ItemKind::Empty || n.sku.is_empty() {
        return None;
    }
    Some(ItemKey {
        sku: n.sku,
        gtin: n.gtin,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn barcodes_become_gtin14_and_blank_ids_are_refused() {
        let k = item_key("0 36000 29145 2").unwrap();
        assert_eq!(k.sku, "00036000291452");
        assert_eq!(k.gtin.as_deref(), Some("00036000291452"));
        assert_eq!(item_key("   "), None);
    }
}
