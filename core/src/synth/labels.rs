use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The fraud patterns the generator injects (one per signal family of loss prevention).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FraudType {
    LineVoid,
    PostVoid,
    Refund,
    NoSale,
    Discount,
    KeyedOverride,
    Sweetheart,
    CardTesting,
    /// Cash taken from the till: the drawer counts short at close.
    CashSkim,
}

impl FraudType {
    pub const ALL: [FraudType; 9] = [
        FraudType::LineVoid,
        FraudType::PostVoid,
        FraudType::Refund,
        FraudType::NoSale,
        FraudType::Discount,
        FraudType::KeyedOverride,
        FraudType::Sweetheart,
        FraudType::CardTesting,
        FraudType::CashSkim,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            FraudType::LineVoid => "line_void",
            FraudType::PostVoid => "post_void",
            FraudType::Refund => "refund",
            FraudType::NoSale => "no_sale",
            FraudType::Discount => "discount",
            FraudType::KeyedOverride => "keyed_override",
            FraudType::Sweetheart => "sweetheart",
            FraudType::CardTesting => "card_testing",
            FraudType::CashSkim => "cash_skim",
        }
    }
}

/// Ground truth for one fraudulent record: a transaction (`source_txn_id`) or a drawer event
/// (`source_event_id`). Cashier-day truth is derived from these with [`cashier_day_labels`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FraudLabel {
    pub fraud_type: FraudType,
    pub tenant_id: String,
    pub store_id: String,
    pub cashier_id: Option<String>,
    pub business_date: NaiveDate,
    pub source_txn_id: Option<String>,
    pub source_event_id: Option<String>,
    /// What was done, in words (for demos and debugging; never used by the scorer).
    pub detail: String,
}

/// (store, cashier, business date) → the fraud types seen that day.
pub type CashierDayLabels = BTreeMap<(String, String, NaiveDate), Vec<FraudType>>;

/// Rolls record labels up to cashier-days: a cashier-day is fraudulent if any of its records is.
pub fn cashier_day_labels<'a>(
    labels: impl IntoIterator<Item = &'a FraudLabel>,
) -> CashierDayLabels {
    let mut out = CashierDayLabels::new();
    for l in labels {
        if let Some(c) = &l.cashier_id {
            let e = out
                .entry((l.store_id.clone(), c.clone(), l.business_date))
                .or_default();
            if !e.contains(&l.fraud_type) {
                e.push(l.fraud_type);
            }
        }
    }
    out
}
