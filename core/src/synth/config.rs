use chrono::NaiveDate;

/// How often each fraud pattern is injected.
///
/// Cashier-driven patterns are the probability that a given working cashier-day is an episode of
/// that pattern (a dishonest cashier does it several times that day, hidden among honest sales).
/// `card_testing` is external: the probability per store-day of one burst of card attempts.
#[derive(Debug, Clone, PartialEq)]
pub struct FraudRates {
    /// Voiding lines after the customer paid cash, or voiding and re-ringing at a lower price.
    pub line_void: f64,
    /// Cancelling completed cash sales after the customer left.
    pub post_void: f64,
    /// Refunds without a matching sale, of a sale refunded already, to another tender than the
    /// sale, or with no customer.
    pub refund: f64,
    /// Opening the drawer with no sale, far more often than peers.
    pub no_sale: f64,
    /// Deep manual discounts, typically for the cashier's own or linked customers.
    pub discount: f64,
    /// Keying barcoded items by hand and overriding their price downwards.
    pub keyed_override: f64,
    /// Ringing a friend's basket as a few cheap items (ticket switching, under-ringing).
    pub sweetheart: f64,
    /// Bursts of small declined card attempts (per store-day).
    pub card_testing: f64,
    /// Taking cash from the till, so the drawer counts short at close.
    pub cash_skim: f64,
}

impl FraudRates {
    /// No fraud at all: the honest baseline a scorer must not flag.
    pub fn none() -> FraudRates {
        FraudRates::uniform(0.0)
    }

    /// The same rate for every pattern.
    pub fn uniform(rate: f64) -> FraudRates {
        FraudRates {
            line_void: rate,
            post_void: rate,
            refund: rate,
            no_sale: rate,
            discount: rate,
            keyed_override: rate,
            sweetheart: rate,
            card_testing: rate,
            cash_skim: rate,
        }
    }
}

impl Default for FraudRates {
    /// Low rates: about one episode of each kind per 100 cashier-days (store-days for card testing).
    fn default() -> Self {
        FraudRates::uniform(0.01)
    }
}

/// How much fraud of one type varies between episodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FraudShapes {
    /// One shape per type (the demo's): e.g. line voids hit the dearest items, discounts are
    /// 40–100 % deep, fake refunds are one or two mid-to-high priced items.
    #[default]
    Standard,
    /// Each episode draws its own shape: how deep, how many lines, which items, how often with a
    /// customer id, how cheap the substitutes, how fast a card-testing burst. Some episodes are
    /// deliberately mild, so a scorer fitted to the standard shapes shows it.
    Varied,
}

/// Everything that shapes a synthetic chain. Same config (seed included) ⇒ same chain.
#[derive(Debug, Clone, PartialEq)]
pub struct ChainConfig {
    pub seed: u64,
    pub tenant_id: String,
    /// `source` written on every generated row.
    pub source: String,
    pub currency: String,
    pub stores: u32,
    pub skus: u32,
    pub cashiers_per_store: u32,
    pub days: u32,
    pub start_date: NaiveDate,
    /// Store local time = UTC + this offset (e.g. -300 for US Eastern standard time).
    pub timezone_offset_minutes: i32,
    /// Average over a week; weekday effects and store size scale it per day.
    pub mean_transactions_per_store_day: f64,
    /// Local opening hour (inclusive) and closing hour (exclusive).
    pub open_hour: u32,
    pub close_hour: u32,
    /// Share of transactions by loyalty members (they carry a customer id).
    pub loyalty_share: f64,
    /// Share of sales paid by card (the rest cash, a little gift card).
    pub card_share: f64,
    pub fraud: FraudRates,
    /// Fraudulent transactions per cashier episode, inclusive range.
    pub fraud_txns_per_episode: (u32, u32),
    pub fraud_shapes: FraudShapes,
}

impl Default for ChainConfig {
    /// The demo chain: 3 stores, 300 SKUs, 90 days, ~200 transactions per store-day, low fraud.
    fn default() -> Self {
        ChainConfig {
            seed: 42,
            tenant_id: "demo".into(),
            source: "synth".into(),
            currency: "USD".into(),
            stores: 3,
            skus: 300,
            cashiers_per_store: 8,
            days: 90,
            start_date: NaiveDate::from_ymd_opt(2026, 1, 5).expect("valid date"),
            timezone_offset_minutes: -300,
            mean_transactions_per_store_day: 200.0,
            open_hour: 8,
            close_hour: 22,
            loyalty_share: 0.35,
            card_share: 0.7,
            fraud: FraudRates::default(),
            fraud_txns_per_episode: (3, 7),
            fraud_shapes: FraudShapes::Standard,
        }
    }
}

impl ChainConfig {
    pub fn store_id(&self, store: u32) -> String {
        format!("S{:02}", store + 1)
    }

    pub fn cashier_id(&self, store: u32, cashier: u32) -> String {
        format!("S{:02}-C{:02}", store + 1, cashier + 1)
    }

    pub fn date(&self, day_index: u32) -> NaiveDate {
        self.start_date + chrono::Days::new(u64::from(day_index))
    }

    /// Checks the values a generator cannot work with, naming the field and what to do.
    pub fn validate(&self) -> Result<(), String> {
        if self.stores == 0 || self.skus < 20 || self.cashiers_per_store < 2 {
            return Err(format!(
                "stores={}, skus={}, cashiers_per_store={}: need at least 1 store, 20 SKUs and 2 cashiers per store",
                self.stores, self.skus, self.cashiers_per_store
            ));
        }
        if self.open_hour >= self.close_hour || self.close_hour > 24 {
            return Err(format!(
                "open_hour={} close_hour={}: opening must precede closing within one local day",
                self.open_hour, self.close_hour
            ));
        }
        if self.mean_transactions_per_store_day.is_nan()
            || self.mean_transactions_per_store_day <= 0.0
        {
            return Err("mean_transactions_per_store_day must be positive".into());
        }
        if self.currency.len() != 3 {
            return Err(format!(
                "currency `{}` is not a 3-letter ISO 4217 code",
                self.currency
            ));
        }
        Ok(())
    }
}
