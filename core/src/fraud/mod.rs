//! Fraud scoring with reasons, for transactions and cashier business days.
//!
//! * [`features`]: what a transaction says about each loss-prevention signal family (line voids,
//!   post-voids, refunds without a sale or to another tender, manual discounts, keyed entries and
//!   price overrides, sweethearting proxies, card testing) in the context of the sales it cites,
//!   shelf prices, recent card attempts at the store and the cashier's day so far.
//! * [`baseline`]: what honest looks like per store, shrunk toward the chain: empirical tails,
//!   median/MAD norms by weekday type and daypart, shelf prices, family hit rates, no-sale norms.
//! * [`score`]: evidence in nats against the honest baseline, combined into a score in [0, 1]
//!   with reasons `(code, contribution, detail)`; cashier-days by Poisson surprise of repeated
//!   anomalies, normalized by how many transactions the cashier rang (a busy Saturday is not
//!   an anomaly).
//! * [`monitor`]: a streaming scorer that keeps the real-time context itself.
//!
//! Nothing here is fitted to labels: the model is "how rare is this among honest records", so
//! it transfers to chains whose honest behaviour differs, once their own baseline is learned.

pub mod baseline;
pub mod features;
pub mod monitor;
pub mod score;
pub mod stats;
mod tail;

pub use baseline::{Baseline, DrawerHistory, TrainingRow};
pub use features::{
    extract, local_time, CardAttempt, CheapItems, DaySoFar, Family, LocalTime, Money, OriginalSale,
    TxnContext, TxnFeatures, FEATURES, MAX_UTC_OFFSET_SECONDS,
};
pub use monitor::{score_in_context, Baselines, CashierDayKey, Monitor};
pub use score::{
    money_judge, score_cashier_day, score_no_sale, score_transaction, Calibration, CashierDay,
    MoneyJudge, Note, Reason, Score, NO_SALE_MIN_TRANSACTIONS,
};

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_currency;
#[cfg(test)]
mod tests_drawer;
#[cfg(test)]
mod tests_foreign;
#[cfg(test)]
mod tests_local;
#[cfg(test)]
mod tests_receipts;
