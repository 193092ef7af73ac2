//! The canonical POS model: what every source format is mapped to before it reaches PostgreSQL.
//!
//! Sign convention (shared with the `pos` schema): a sale line carries positive quantity and net
//! amount; a return line carries negative ones; a void line is the *reversal* of a line rung
//! earlier in the same transaction, so it is negative too. Summing every line of a transaction
//! therefore gives what was really sold, while gross, returns and voids stay separable by `kind`.
//! Money is `Decimal` in the currency's major unit (never floats, never minor units).

mod types;
mod validate;

pub use types::*;
pub use validate::{is_currency_code, validate_tip, validate_transaction, ModelError};
