//! Customer identity: one pseudonymous `customer_key` per person across web shop, POS systems and
//! CRM, without ever merging two different people.
//!
//! The steps, each in its own module:
//! - normalizers for what sources spell differently: [`email`], [`phone`] (E.164), [`name`],
//!   [`address`] (street lines and postcodes), [`dob`];
//! - [`compare`]: per-field agreement levels (exact, Jaro–Winkler, Levenshtein, token sets, dates);
//! - [`blocking`]: which pairs are compared at all;
//! - [`fellegi_sunter`]: the m/u model, match weights, probabilities and per-field explanations;
//! - [`train`]: m by EM on unlabelled candidate pairs, u from random pairs, the prior;
//! - [`cluster`]: accepted pairs to people, resisting chains of weak links;
//! - [`keys`]: customer keys that stay stable when records are added;
//! - [`customer`]: the `pos.customer` record, its model fields and a default model;
//! - [`term_frequency`]: exact agreement on a rare value weighs more than on a common one;
//! - [`resolve`]: block → score → cluster in one call.

pub mod address;
pub mod blocking;
pub mod cluster;
pub mod compare;
pub mod customer;
pub mod dob;
pub mod email;
pub mod error;
pub mod fellegi_sunter;
pub mod keys;
pub mod name;
pub mod phone;
pub mod placeholder;
pub mod record;
pub mod resolve;
mod rng;
pub mod term_frequency;
pub mod train;

pub use error::IdentityError;
