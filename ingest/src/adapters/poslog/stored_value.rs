//! `StoredValueFundSale`: a gift card (or other stored-value account) sold or reloaded.
//!
//! ARTS POSLog carries it as a line item element of its own beside `Sale` and `Return`; public
//! ARTS-derived models give its elements as those of a sale (`ItemType`, `Action`,
//! `TypeCode`, `UnitListPrice`, `Item`, `Description`, `RegularSalesUnitPrice`,
//! `ActualSalesUnitPrice`, `ExtendedAmount`, `Quantity`, `Tax`, `GiftReceiptFlag`; the JPA
//! entity `StoredValueFundSale` of a public POSLog store, package
//! `fr.integrum.ob.nike.retailmodels`, where `LineItem` holds `Sale`, `SaleForPickup`,
//! `StoredValueFundSale`, `Return`). The money paid in is owed to the card holder, not earned:
//! it is a `non_revenue` line, as Square's GIFT_CARD line items and Shopify's gift card line
//! items are, so it is stored and its tenders count, but the sales views leave it out. Before,
//! the line item was ignored: its tenders stood above the lines by the card's value.

use super::xml::child;
use roxmltree::Node;

const ELEMENT: &str = "StoredValueFundSale";

/// The line item's `StoredValueFundSale`, if it is one.
pub(super) fn fund_sale<'a, 'i>(li: Node<'a, 'i>) -> Option<Node<'a, 'i>> {
    child(li, ELEMENT)
}

/// Whether `item` (the element read as a line) is a stored-value sale: its line is not revenue.
pub(super) fn is_fund_sale(item: Node) -> bool {
    item.tag_name().name() == ELEMENT
}

/// The item id of a stored-value sale that names no item (a card is often loaded with no
/// `ItemID`: the card number is an account, not a product): `stored_value`.
pub(super) fn fallback_id(item: Node) -> Option<&'static str> {
    is_fund_sale(item).then_some("stored_value")
}
