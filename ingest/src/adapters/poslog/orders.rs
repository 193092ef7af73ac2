//! Customer orders and layaways: goods the customer pays for (in part) now and takes later.
//!
//! A sale is counted when the goods leave the store, the money when it changes hands:
//! - Placing an order or a layaway (`CustomerOrderForPickup` — TP.net spells it
//!   `CustomerOrderForPickUp` —, `CustomerOrderForDelivery`, Xstore's `Layaway`) sells nothing
//!   yet: no line. Its deposit stays in the tenders, so that transaction's tenders exceed its
//!   lines (the model has no deposit line kind to carry it).
//! - A payment on an earlier order or layaway (`PreviousCustomerOrder`, `PreviousLayaway`
//!   without `Action="Completed"`) likewise: tenders only.
//! - Completing it (`PreviousLayaway` / `PreviousCustomerOrder` with `Action="Completed"`, which
//!   NCR RES counts as the sale; Xstore carries the same attribute) sells the goods now, at
//!   their price: a sale line. Its tenders are the balance paid now, the deposit having been
//!   counted when it was paid, so neither the sale nor the money counts twice.
//!
//! The line of a sale paid now whose goods leave later (`SaleForPickup`, TP.net's
//! `SaleForPickUp`, `SaleForDelivery`) is read in [`super::lines::goods_of`].

use super::xml::{attr, child};
use roxmltree::Node;

/// Order and layaway line items that sell nothing yet (see the module docs).
const PLACED: &[&str] = &[
    "CustomerOrderForPickup",
    "CustomerOrderForPickUp",
    "CustomerOrderForDelivery",
    "Layaway",
];

/// Line items about an earlier order or layaway: a payment, or its completion.
const PREVIOUS: &[&str] = &["PreviousCustomerOrder", "PreviousLayaway"];

/// What an order or layaway line item means here.
#[derive(Debug, PartialEq)]
pub(super) enum Order<'a, 'i> {
    /// Not an order or layaway line item.
    None,
    /// Placed or paid on: no line, the money is in the tenders.
    NotSoldYet,
    /// Completed now: the element carries the goods sold.
    Sold(Node<'a, 'i>),
}

pub(super) fn order_of<'a, 'i>(li: Node<'a, 'i>) -> Order<'a, 'i> {
    if PLACED.iter().any(|n| child(li, n).is_some()) {
        return Order::NotSoldYet;
    }
    match PREVIOUS.iter().find_map(|n| child(li, n)) {
        Some(x) if attr(x, "Action").is_some_and(|a| a.eq_ignore_ascii_case("Completed")) => {
            Order::Sold(x)
        }
        Some(_) => Order::NotSoldYet,
        None => Order::None,
    }
}
