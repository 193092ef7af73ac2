use super::config::ChainConfig;
use super::rng::{Rng, Stream};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// How an item is identified at the register.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemCode {
    UpcA,
    Ean13,
    Plu,
    Vendor,
}

/// A catalog item as the chain sells it.
///
/// `sku` is the normalized key (GTIN-14 digits for barcodes, the bare PLU digits for produce,
/// `V:<CODE>` for vendor/in-store codes); `raw_item_id` is what the POS actually sends, on
/// purpose messy (UPC-A with its leading zero dropped, spaces, dashes, lower case) so SKU
/// normalization has real work to do.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Product {
    pub sku: String,
    pub raw_item_id: String,
    pub code: ItemCode,
    pub gtin: Option<String>,
    pub plu: Option<String>,
    pub vendor_code: Option<String>,
    pub description: String,
    pub category: String,
    pub unit_price: Decimal,
    pub currency: String,
    pub tax_rate: Decimal,
    pub sold_by_weight: bool,
    /// Relative demand weight (heavy-tailed: a few fast movers, many slow intermittent items).
    pub popularity: f64,
}

struct Category {
    name: &'static str,
    median_price: f64,
    taxable: bool,
    nouns: &'static [&'static str],
}

const CATEGORIES: &[Category] = &[
    Category {
        name: "grocery",
        median_price: 3.2,
        taxable: false,
        nouns: &[
            "Pasta", "Rice", "Beans", "Soup", "Cereal", "Flour", "Oil", "Sauce",
        ],
    },
    Category {
        name: "dairy",
        median_price: 3.0,
        taxable: false,
        nouns: &["Milk", "Yogurt", "Butter", "Cheese", "Cream", "Eggs"],
    },
    Category {
        name: "beverages",
        median_price: 2.4,
        taxable: true,
        nouns: &[
            "Cola",
            "Juice",
            "Water",
            "Iced Tea",
            "Coffee",
            "Energy Drink",
        ],
    },
    Category {
        name: "snacks",
        median_price: 2.9,
        taxable: true,
        nouns: &[
            "Chips",
            "Cookies",
            "Crackers",
            "Nuts",
            "Candy Bar",
            "Popcorn",
        ],
    },
    Category {
        name: "household",
        median_price: 6.5,
        taxable: true,
        nouns: &[
            "Detergent",
            "Paper Towels",
            "Dish Soap",
            "Trash Bags",
            "Sponges",
        ],
    },
    Category {
        name: "personal_care",
        median_price: 7.5,
        taxable: true,
        nouns: &["Shampoo", "Toothpaste", "Deodorant", "Razor", "Lotion"],
    },
    Category {
        name: "electronics",
        median_price: 24.0,
        taxable: true,
        nouns: &["Charger", "Earbuds", "Batteries", "USB Cable", "Phone Case"],
    },
    Category {
        name: "produce",
        median_price: 1.6,
        taxable: false,
        nouns: &[
            "Bananas", "Apples", "Tomatoes", "Onions", "Avocados", "Lemons",
        ],
    },
    Category {
        name: "bakery",
        median_price: 4.0,
        taxable: false,
        nouns: &["Sourdough", "Baguette", "Muffins", "Croissants", "Bagels"],
    },
];

const ADJECTIVES: &[&str] = &[
    "Classic", "Organic", "Family", "Lite", "Premium", "Value", "Fresh", "Original", "Extra",
];

/// The chain's catalog: `cfg.skus` items, identical for every store and every day of a seed.
pub fn products(cfg: &ChainConfig) -> Vec<Product> {
    let mut seen = std::collections::HashSet::new();
    (0..cfg.skus)
        .map(|i| {
            let p = product(cfg, i);
            // PLU space is small: on a clash the item becomes an in-store (vendor-coded) one.
            if seen.insert(p.sku.clone()) {
                p
            } else {
                let code = format!("INS{i:05}");
                Product {
                    sku: format!("V:{code}"),
                    raw_item_id: code.to_lowercase(),
                    code: ItemCode::Vendor,
                    gtin: None,
                    plu: None,
                    vendor_code: Some(code),
                    ..p
                }
            }
        })
        .collect()
}

fn product(cfg: &ChainConfig, i: u32) -> Product {
    let mut r = Rng::keyed(cfg.seed, Stream::Catalog, &[u64::from(i)]);
    let cat = &CATEGORIES[r.index(CATEGORIES.len())];
    let noun = cat.nouns[r.index(cat.nouns.len())];
    let adj = ADJECTIVES[r.index(ADJECTIVES.len())];
    let size = [250, 330, 500, 750, 1000][r.index(5)];
    let code = match cat.name {
        "produce" => ItemCode::Plu,
        "bakery" if r.chance(0.6) => ItemCode::Vendor,
        _ if r.chance(0.15) => ItemCode::Ean13,
        _ => ItemCode::UpcA,
    };
    let (sku, raw, gtin, plu, vendor) = item_ids(&mut r, code, i);
    let description = match code {
        ItemCode::Plu => format!("{adj} {noun}"),
        _ => format!("{adj} {noun} {size}"),
    };
    // Heavy tail: lognormal weights plus a block of deliberately slow movers (many zero days).
    let slow = r.chance(0.3);
    let popularity = r.lognormal(0.0, 1.1) * if slow { 0.06 } else { 1.0 };
    Product {
        sku,
        raw_item_id: raw,
        code,
        gtin,
        plu,
        vendor_code: vendor,
        description,
        category: cat.name.to_string(),
        unit_price: retail_price(r.lognormal(cat.median_price.ln(), 0.45)),
        currency: cfg.currency.clone(),
        tax_rate: if cat.taxable {
            Decimal::new(8, 2)
        } else {
            Decimal::ZERO
        },
        sold_by_weight: code == ItemCode::Plu && r.chance(0.5),
        popularity,
    }
}

type Ids = (
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
);

fn item_ids(r: &mut Rng, code: ItemCode, i: u32) -> Ids {
    match code {
        ItemCode::UpcA => {
            // Number system 0 is the most common US prefix, so many raw ids lose a leading zero.
            let ns = if r.chance(0.6) { 0 } else { r.range_u32(1, 8) };
            let body = format!("{ns}{:05}{:05}", r.range_u32(10000, 99999), 10000 + i);
            let upc = format!("{body}{}", check_digit(&body));
            let raw = messy_upc(r, &upc);
            (
                format!("00{upc}"),
                raw,
                Some(format!("00{upc}")),
                None,
                None,
            )
        }
        ItemCode::Ean13 => {
            let body = format!(
                "{}{:05}{:05}",
                [40, 50, 76, 80, 87][r.index(5)],
                r.range_u32(10000, 99999),
                10000 + i
            );
            let ean = format!("{body}{}", check_digit(&body));
            let raw = if r.chance(0.3) {
                format!("{} {} {}", &ean[..1], &ean[1..7], &ean[7..])
            } else {
                ean.clone()
            };
            (format!("0{ean}"), raw, Some(format!("0{ean}")), None, None)
        }
        ItemCode::Plu => {
            let base = 3000 + i % 2000;
            let organic = r.chance(0.25);
            let plu = if organic {
                format!("9{base}")
            } else {
                base.to_string()
            };
            let raw = if r.chance(0.2) {
                format!("PLU {plu}")
            } else {
                plu.clone()
            };
            (plu.clone(), raw, None, Some(plu), None)
        }
        ItemCode::Vendor => {
            let code = format!("BAK{:04}", i);
            let raw = match r.index(3) {
                0 => format!("bak-{:04}", i),
                1 => format!("BAK {:04}", i),
                _ => code.clone(),
            };
            (format!("V:{code}"), raw, None, None, Some(code))
        }
    }
}

/// GS1 mod-10 check digit over the digits before it.
pub fn check_digit(body: &str) -> u32 {
    let sum: u32 = body
        .bytes()
        .rev()
        .enumerate()
        .map(|(k, b)| u32::from(b - b'0') * if k % 2 == 0 { 3 } else { 1 })
        .sum();
    (10 - sum % 10) % 10
}

fn messy_upc(r: &mut Rng, upc: &str) -> String {
    match r.index(6) {
        0 if upc.starts_with('0') => upc[1..].to_string(),
        1 => format!(
            "{} {} {} {}",
            &upc[..1],
            &upc[1..6],
            &upc[6..11],
            &upc[11..]
        ),
        2 => format!("{}-{}", &upc[..6], &upc[6..]),
        3 => format!("00{upc}"),
        _ => upc.to_string(),
    }
}

/// Shelf prices end in .99/.49/.29 like real ones; never below 0.29.
fn retail_price(x: f64) -> Decimal {
    let whole = x.floor().max(0.0) as i64;
    let cents = match ((x - x.floor()) * 3.0) as i64 {
        0 => 29,
        1 => 49,
        _ => 99,
    };
    Decimal::new(whole * 100 + cents, 2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalog_is_deterministic_and_has_valid_check_digits_and_messy_ids() {
        let cfg = ChainConfig::default();
        let a = products(&cfg);
        assert_eq!(a, products(&cfg));
        assert_eq!(a.len(), 300);
        for p in a.iter().filter(|p| p.gtin.is_some()) {
            let g = p.gtin.as_ref().unwrap();
            assert_eq!(g.len(), 14);
            assert_eq!(
                check_digit(&g[..13]),
                u32::from(g.as_bytes()[13] - b'0'),
                "{g}"
            );
        }
        let messy = a.iter().filter(|p| p.raw_item_id != p.sku).count();
        assert!(messy > 100, "only {messy} raw ids differ from their sku");
        assert!(a
            .iter()
            .any(|p| p.code == ItemCode::UpcA && p.raw_item_id.len() == 11));
        assert!(a.iter().any(|p| p.raw_item_id.contains('-')));
        assert!(a.iter().any(|p| p.plu.is_some()));
        assert!(a.iter().all(|p| p.unit_price > Decimal::ZERO));
    }

    #[test]
    fn known_check_digit() {
        assert_eq!(check_digit("03600029145"), 2); // UPC-A 036000291452
    }
}
