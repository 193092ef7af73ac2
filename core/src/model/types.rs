use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// Identifies one transaction across replays: the natural key of `pos.txn`.
/// Source ids stay text because some sources (Shopify) exceed 2^53.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TxnKey {
    pub tenant_id: String,
    pub store_id: String,
    pub source: String,
    pub source_txn_id: String,
}

/// Whether a transaction stands (completed) or was cancelled after completion (post-voided),
/// or never completed (cancelled/suspended before tender).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TxnStatus {
    Completed,
    PostVoided,
    Cancelled,
}

impl TxnStatus {
    /// The spelling used in the `pos.txn.status` column.
    pub fn as_str(self) -> &'static str {
        match self {
            TxnStatus::Completed => "completed",
            TxnStatus::PostVoided => "post_voided",
            TxnStatus::Cancelled => "cancelled",
        }
    }
}

/// A POS transaction header with its lines and tenders.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Transaction {
    pub key: TxnKey,
    /// Larger wins: a replay with an older version never overwrites a newer one.
    pub source_version: i64,
    pub occurred_at: DateTime<Utc>,
    /// The store's local trading day (a sale at 00:30 may belong to the previous day).
    pub business_date: NaiveDate,
    pub register_id: Option<String>,
    pub cashier_id: Option<String>,
    pub customer_id: Option<String>,
    pub status: TxnStatus,
    /// ISO 4217 code, e.g. "USD".
    pub currency: String,
    pub lines: Vec<Line>,
    pub tenders: Vec<Tender>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LineKind {
    Sale,
    Return,
    Void,
}

impl LineKind {
    pub fn as_str(self) -> &'static str {
        match self {
            LineKind::Sale => "sale",
            LineKind::Return => "return",
            LineKind::Void => "void",
        }
    }
}

/// How an item reached the register: a keyed-in code is a classic loss-prevention signal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryMethod {
    Scanned,
    Keyed,
    Other,
}

impl EntryMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            EntryMethod::Scanned => "scanned",
            EntryMethod::Keyed => "keyed",
            EntryMethod::Other => "other",
        }
    }
}

/// One signed line (see the module docs for the sign convention).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Line {
    pub line_no: i32,
    pub kind: LineKind,
    /// Normalized item key (GTIN-14, PLU or vendor SKU key); `raw_item_id` keeps the original.
    pub sku: String,
    pub gtin: Option<String>,
    pub raw_item_id: String,
    pub description: Option<String>,
    pub quantity: Decimal,
    pub unit_price: Decimal,
    /// Discount given on this line, as a positive amount.
    pub discount: Decimal,
    /// Signed net amount after discount, before tax.
    pub net_amount: Decimal,
    pub tax: Decimal,
    pub entry_method: EntryMethod,
    pub price_override: bool,
    /// Money taken for something that is not a sale of the period: a gift card sold or
    /// reloaded (revenue only when it is redeemed), an item the POS marks as not revenue
    /// (Clover's `isRevenue: false`, Toast's deferred selections). Such a line is paid for and
    /// counted in the tenders, but left out of gross, net and items sold.
    #[serde(default)]
    pub non_revenue: bool,
    /// For returns: the sale they refer to, when the source links it.
    pub original_txn_id: Option<String>,
    pub original_line_no: Option<i32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TenderMethod {
    Cash,
    Card,
    GiftCard,
    StoreCredit,
    Other,
}

impl TenderMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            TenderMethod::Cash => "cash",
            TenderMethod::Card => "card",
            TenderMethod::GiftCard => "gift_card",
            TenderMethod::StoreCredit => "store_credit",
            TenderMethod::Other => "other",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TenderStatus {
    Approved,
    Declined,
    Voided,
}

impl TenderStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            TenderStatus::Approved => "approved",
            TenderStatus::Declined => "declined",
            TenderStatus::Voided => "voided",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CardEntry {
    Chip,
    Swipe,
    Contactless,
    Keyed,
    Other,
}

impl CardEntry {
    pub fn as_str(self) -> &'static str {
        match self {
            CardEntry::Chip => "chip",
            CardEntry::Swipe => "swipe",
            CardEntry::Contactless => "contactless",
            CardEntry::Keyed => "keyed",
            CardEntry::Other => "other",
        }
    }
}

/// A payment attempt. Refund tenders carry a negative amount; change given is a negative cash tender.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tender {
    pub tender_no: i32,
    pub method: TenderMethod,
    pub amount: Decimal,
    pub status: TenderStatus,
    /// A stable, non-reversible card token (never the PAN).
    pub card_fingerprint: Option<String>,
    pub card_bin: Option<String>,
    pub card_entry: Option<CardEntry>,
    pub occurred_at: DateTime<Utc>,
    /// The gratuity inside `amount` (same sign, never larger): a tipped card sale of 50.00
    /// with a 7.50 tip is amount 50.00, tip 7.50. Tips are the staff's money, not the store's
    /// sales, so tenders less tips reconcile with net + tax (+ non-revenue); most sources say
    /// how much of a payment was a tip (Square `tip_money`, Clover and Toast `tipAmount`).
    #[serde(default, skip_serializing_if = "Decimal::is_zero")]
    pub tip: Decimal,
}

impl Tender {
    /// An approved tender with no card data: cash, a rounding, a payment a source reports
    /// only by method and amount.
    pub fn approved(
        tender_no: i32,
        method: TenderMethod,
        amount: Decimal,
        occurred_at: DateTime<Utc>,
    ) -> Tender {
        Tender {
            tender_no,
            method,
            amount,
            status: TenderStatus::Approved,
            card_fingerprint: None,
            card_bin: None,
            card_entry: None,
            occurred_at,
            tip: Decimal::ZERO,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DrawerEventKind {
    NoSale,
    PaidIn,
    PaidOut,
    /// Cash put into the drawer from the safe or the cash office (the opening float, a top-up
    /// of change): not takings, but counted at close.
    Loan,
    /// Cash taken out of the drawer to the safe during the day (a skim or drop), so a count
    /// at close finds less than the day took.
    Pickup,
    /// What the count of a drawer at close found against what the POS expected it to hold:
    /// counted − expected, signed (over positive, short negative). Not cash moved, unlike the
    /// other kinds, so its sign is kept where theirs is not.
    OverShort,
}

impl DrawerEventKind {
    /// The amount as reports count it: the sign of an over/short is its meaning, while cash
    /// moved counts by absolute value (the kind gives the direction, and some POS write money
    /// out as negative).
    pub fn counted(self, amount: Decimal) -> Decimal {
        match self {
            DrawerEventKind::OverShort => amount,
            _ => amount.abs(),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            DrawerEventKind::NoSale => "no_sale",
            DrawerEventKind::PaidIn => "paid_in",
            DrawerEventKind::PaidOut => "paid_out",
            DrawerEventKind::Loan => "loan",
            DrawerEventKind::Pickup => "pickup",
            DrawerEventKind::OverShort => "over_short",
        }
    }
}

/// A cash-drawer event outside a sale: opening the drawer without a sale, paying in or out,
/// loans into the drawer and pickups out of it, and the over/short its count at close found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DrawerEvent {
    pub tenant_id: String,
    pub store_id: String,
    pub source: String,
    pub source_event_id: String,
    /// Larger wins, as for transactions: a POS that corrects an event (or tells more of it,
    /// such as a shift's team member) sends it again with a larger version; 0 when it never
    /// changes.
    #[serde(default)]
    pub source_version: i64,
    pub register_id: Option<String>,
    pub cashier_id: Option<String>,
    pub kind: DrawerEventKind,
    pub amount: Decimal,
    pub currency: String,
    pub occurred_at: DateTime<Utc>,
    pub business_date: NaiveDate,
}

/// Stock on hand for one SKU in one store at a point in time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InventoryLevel {
    pub tenant_id: String,
    pub store_id: String,
    pub sku: String,
    pub on_hand: Decimal,
    pub as_of: DateTime<Utc>,
}
