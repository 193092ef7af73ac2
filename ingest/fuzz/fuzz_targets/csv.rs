//! Any bytes as a CSV export read with one of the shipped mappings (the first byte picks it):
//! the German test till (comma decimals, grams, kinds), Square's item detail export (time-zone
//! column, gross amounts, split returns), Shopify's orders export, the German till journal and
//! the public datasets' (UCI Online Retail I/II: rejected rows, float ids; Supermarket sales:
//! tenders) and other POS systems' exports (Toast item selections: voided rows, several
//! date forms, a business-day start; Loyverse receipts by item; Tableau Superstore: discount
//! rates; the French bakery: comma money beside dot quantities; Maven's Coffee Shop Sales:
//! date forms; Kaggle's Retail Sales Dataset; dunnhumby's Complete Journey: day numbers,
//! `hhmm` times, discount lists), mappings of Excel serial dates and times (1900 and 1904
//! systems), and Clover's line
//! items, SumUp's transactions report and Lightspeed X-Series's sales history (rows of the
//! transaction itself beside its lines).
//! It must answer with envelopes or a payload error, never panic; and cut into chunks as
//! `import` cuts a file, it must map to the same records as the whole.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pos_ingest::adapters::csv::Mapping;
use pos_ingest::adapters::format::Format;
use std::collections::HashMap;
use std::sync::OnceLock;

/// The Complete Journey's mapping does not load until the analyst names its day one.
const DUNNHUMBY: &str = concat!(
    "day_one = \"2011-03-01\"\n",
    include_str!("../../mappings/dunnhumby_complete_journey.toml")
);

/// Dates and times as Excel serials or text, comma decimals; `{system}` is "excel" or
/// "excel1904" (one per mapping: a mapping naming both is refused, since they read one serial
/// as two days).
macro_rules! excel_mapping {
    ($system:literal) => {
        concat!(
            "source = \"excel\"\nstore_id = \"S\"\ncurrency = \"EUR\"\ndelimiter = \";\"\n",
            "decimal = \",\"\ndate_format = [\"", $system, "\", \"%d.%m.%Y\"]\n",
            "time_format = \"excel\"\n[columns]\ntxn_id = \"Id\"\ndate = \"Day\"\n",
            "time = \"At\"\nitem_id = \"Item\"\nquantity = \"Qty\"\nnet_amount = \"Net\"\n",
            "discount = [\"D1\", \"D2\"]\n"
        )
    };
}

const MAPPINGS: [(&str, &str); 19] = [
    ("kasse", include_str!("../../tests/data/kasse.toml")),
    ("square_item_sales", include_str!("../../mappings/square_item_sales.toml")),
    ("shopify_orders_export", include_str!("../../mappings/shopify_orders_export.toml")),
    ("de_kassenjournal", include_str!("../../mappings/de_kassenjournal.toml")),
    ("uci_online_retail", include_str!("../../mappings/uci_online_retail.toml")),
    ("uci_online_retail_ii", include_str!("../../mappings/uci_online_retail_ii.toml")),
    ("kaggle_supermarket_sales", include_str!("../../mappings/kaggle_supermarket_sales.toml")),
    ("toast_item_selection_details", include_str!("../../mappings/toast_item_selection_details.toml")),
    ("loyverse_receipts_by_item", include_str!("../../mappings/loyverse_receipts_by_item.toml")),
    ("tableau_superstore_orders", include_str!("../../mappings/tableau_superstore_orders.toml")),
    ("french_bakery_sales", include_str!("../../mappings/french_bakery_sales.toml")),
    ("maven_coffee_shop_sales", include_str!("../../mappings/maven_coffee_shop_sales.toml")),
    ("kaggle_retail_sales_dataset", include_str!("../../mappings/kaggle_retail_sales_dataset.toml")),
    ("dunnhumby_complete_journey", DUNNHUMBY),
    ("excel_serials", excel_mapping!("excel")),
    ("excel1904_serials", excel_mapping!("excel1904")),
    ("clover_line_items_export", include_str!("../../mappings/clover_line_items_export.toml")),
    ("sumup_transactions_report", include_str!("../../mappings/sumup_transactions_report.toml")),
    ("lightspeed_x_sales_history", include_str!("../../mappings/lightspeed_x_sales_history.toml")),
];

fn mappings() -> &'static HashMap<String, Mapping> {
    static M: OnceLock<HashMap<String, Mapping>> = OnceLock::new();
    M.get_or_init(|| {
        MAPPINGS
            .iter()
            .map(|(name, toml)| (name.to_string(), Mapping::from_toml(toml).expect("a valid mapping")))
            .collect()
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((first, rest)) = data.split_first() else {
        return;
    };
    let name = MAPPINGS[*first as usize % MAPPINGS.len()].0;
    pos_ingest_fuzz::map_with(mappings(), &Format::Csv(name.into()), rest);
    pos_ingest_fuzz::chunks_agree(mappings(), name, rest);
});
