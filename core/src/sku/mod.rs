//! SKU and barcode normalization: one product, one key.
//!
//! POS systems name one product many ways: UPC-A with or without its leading zero, EAN-13,
//! GTIN-14 padded by NCR, UPC-E on small packs, produce PLUs (organic with a `9` prefix),
//! in-store variable-measure labels carrying a price or weight, vendor SKUs in random case.
//! This module turns each into one key; docs/sku.md states every rule and where we differ from
//! python-stdnum (our test oracle).
//!
//! # For ingest adapters
//!
//! Call [`normalize_item_id`] (or [`normalize_item_id_with`] with the tenant's variable-measure
//! [`Scheme`] and [`SkuKeyRules`]) on every raw item id and store the result in the canonical
//! line: `sku` = [`NormalizedItem::sku`], `gtin` = [`NormalizedItem::gtin`], `raw_item_id` = the
//! raw string, untouched. The key is:
//!
//! - a valid GTIN (EAN-8, UPC-A, EAN-13, GTIN-14, UPC-E, ISBN, ISSN): its GTIN-14, e.g.
//!   `36000291452.0` → `00036000291452` ([`ItemKind::Gtin`]);
//! - a variable-measure label: the item's GTIN-14 with the value zeroed; price or weight in
//!   `embedded_price` / `embedded_weight` ([`ItemKind::VariableMeasure`]);
//! - a produce PLU, plain or zero-padded: `4011`, organic `94011` ([`ItemKind::Plu`]);
//! - anything else, including digits failing their check digit: the vendor SKU match key,
//!   e.g. `sku_abc 12` → `SKUABC12` ([`ItemKind::VendorSku`]);
//! - nothing usable: empty `sku`, [`ItemKind::Empty`] — reject the line with a reason.
//!
//! ```
//! use pos_core::sku::{normalize_item_id, ItemKind};
//! let item = normalize_item_id("0 36000 29145 2");
//! assert_eq!(item.sku, "00036000291452");
//! assert_eq!(item.kind, ItemKind::Gtin);
//! ```
//!
//! # Building blocks
//!
//! [`check_digit`] (GS1 mod 10, mod 11), [`cleanup`] (strict / lenient input rules),
//! [`gtin`] ([`normalize_gtin`] → [`Gtin14`]), [`upce`], [`isbn`], [`plu`],
//! [`variable_measure`], [`vendor_key`], [`barcode`] ([`parse_barcode`]: all of them at once).

pub mod barcode;
pub mod check_digit;
pub mod cleanup;
pub mod element_string;
mod error;
pub mod gtin;
pub mod isbn;
mod item;
mod key_qualifiers;
pub mod plu;
pub mod upce;
pub mod variable_measure;
pub mod vendor_key;

#[cfg(test)]
mod oracle_tests;
#[cfg(test)]
mod property_tests;

pub use barcode::{parse_barcode, Barcode, BarcodeKind};
pub use cleanup::{Mode, Repairs};
pub use error::SkuError;
pub use gtin::{gtin_is_valid, normalize_gtin, normalize_gtin14, Gtin14, GtinKind, Normalized};
pub use item::{normalize_item_id, normalize_item_id_with, ItemKind, NormalizedItem};
pub use plu::Plu;
pub use upce::upce_to_upca;
pub use variable_measure::{Measure, Scheme};
pub use vendor_key::{sku_key, sku_key_with, SkuKeyRules};
