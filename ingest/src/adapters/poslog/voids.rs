//! Voided line items. ARTS flags the voided line itself (`VoidFlag`): it is kept with a void
//! reversal beside it. Wincor Nixdorf / GK TP.net also number line items by `CreateNumber` and
//! write a line void as a line item of its own, flagged and naming the voided line in
//! `CreateRefNumber`: that one is only the reversal of the earlier line, no sale of its own.
//! NCR ACS writes a line void as a line item of its own too, without a reference: a flagged
//! `Sale` of the same item with negative `Quantity` and `ExtendedAmount`, after the unflagged
//! line it takes back (its `acs:GrossNegative` total counts it); see [`voided_by_entry`].
//! GK flags such a line item and names the line it voids in its `ItemLink`; see
//! [`voided_by_link`].

use super::xml::{child, child_text};
use super::VOID_LINE_OFFSET;
use pos_core::model::*;
use roxmltree::Node;
use rust_decimal::Decimal;
use std::collections::HashMap;

/// The `CreateNumber`s seen so far, with the line number they were given.
pub(super) type Created<'a> = HashMap<&'a str, i32>;

/// Adds the line of line item `li` (`voided` when it carries `VoidFlag`) to `lines`. A voided
/// sale is kept with its void beside it; a voided return is no return, see
/// [`take_back_return`].
pub(super) fn push_line<'a>(
    lines: &mut Vec<Line>,
    created: &mut Created<'a>,
    li: Node<'a, '_>,
    line: Line,
    voided: bool,
) {
    let reverses = child_text(li, "CreateRefNumber")
        .and_then(|r| created.get(r))
        .and_then(|no| {
            lines
                .iter()
                .find(|l| l.line_no == *no && l.kind != LineKind::Void)
        })
        .cloned()
        .or_else(|| voided.then(|| voided_by_link(lines, li, &line)).flatten())
        .or_else(|| voided.then(|| voided_by_entry(lines, li, &line)).flatten());
    match (voided, reverses) {
        (true, Some(orig)) if orig.kind == LineKind::Return => {
            take_back_return(lines, &orig, &line)
        }
        (true, None) if line.kind == LineKind::Return => {}
        (true, Some(orig)) => {
            let no = VOID_LINE_OFFSET + orig.line_no;
            let taken = lines.iter().any(|l| l.line_no == no);
            let no = if taken {
                VOID_LINE_OFFSET + line.line_no
            } else {
                no
            };
            lines.push(reversal(&line, &orig, no));
        }
        (true, None) => {
            let v = reversal(&line, &line, VOID_LINE_OFFSET + line.line_no);
            lines.push(line);
            lines.push(v);
        }
        (false, _) => {
            if let Some(c) = child_text(li, "CreateNumber") {
                created.insert(c, line.line_no);
            }
            lines.push(line);
        }
    }
}

/// A GK `Voids` line item: no money of its own, it names the line it voids in
/// `ItemLink/LineItemSequenceNumber`. That line gets its void reversal (a return is removed),
/// unless it is voided already (flagged in place) or not found; skipped, the voided line
/// stayed sold.
pub(super) fn void_named(lines: &mut Vec<Line>, v: Node) {
    let Some(no) = child(v, "ItemLink")
        .and_then(|l| child_text(l, "LineItemSequenceNumber"))
        .and_then(|s| s.parse::<i32>().ok())
    else {
        return;
    };
    let done = lines
        .iter()
        .any(|l| l.kind == LineKind::Void && l.line_no == VOID_LINE_OFFSET + no);
    let Some(orig) = lines
        .iter()
        .find(|l| l.line_no == no && l.kind != LineKind::Void)
        .cloned()
        .filter(|_| !done)
    else {
        return;
    };
    if orig.kind == LineKind::Return {
        take_back_return(lines, &orig, &orig);
    } else {
        lines.push(reversal(&orig, &orig, VOID_LINE_OFFSET + no));
    }
}

/// The earlier line a GK void entry takes back: the flagged line item `li` names it by its
/// number in its `Sale`/`Return` `ItemLink` (GK leaves the voided line unflagged; readers of
/// its POSLog derive the void by joining the flagged line's `ItemLink` to the line's number).
/// Only a line of the same item that is not voided yet: an `ItemLink` also ties a deposit to
/// its bottle, and a voided deposit is no void of the bottle.
fn voided_by_link(lines: &[Line], li: Node, line: &Line) -> Option<Line> {
    let no: i32 = li
        .children()
        .filter(|g| g.is_element())
        .find_map(|g| child_text(g, "ItemLink"))?
        .parse()
        .ok()?;
    lines
        .iter()
        .find(|l| {
            l.line_no == no
                && l.kind != LineKind::Void
                && l.sku == line.sku
                && !lines
                    .iter()
                    .any(|v| v.kind == LineKind::Void && v.line_no == VOID_LINE_OFFSET + no)
        })
        .cloned()
}

/// The earlier line an NCR ACS void entry takes back: the flagged line item `li` is a `Sale`
/// (not a `Return`) of negative quantity, `line`, and an earlier unflagged sale line of the
/// same item holds at least its units and is not voided yet; the latest such line (a cashier
/// voids the item just rung). `None` otherwise: a flagged negative sale with nothing to take
/// back stays a voided return, which is no line at all.
fn voided_by_entry(lines: &[Line], li: Node, line: &Line) -> Option<Line> {
    if child(li, "Sale").is_none() || line.quantity >= Decimal::ZERO {
        return None;
    }
    lines
        .iter()
        .rev()
        .find(|l| {
            l.kind == LineKind::Sale
                && l.sku == line.sku
                && l.quantity >= line.quantity.abs()
                && !lines
                    .iter()
                    .any(|v| v.kind == LineKind::Void && v.line_no == VOID_LINE_OFFSET + l.line_no)
        })
        .cloned()
}

/// Takes the voiding line item `void` off the return line `of` (all of it, or part of its
/// quantity). A void line would have to hold a positive quantity to take a return back, and a
/// void line's quantity is never positive in the model: written as one (−1), the SKU's units
/// would fall twice (−2) where the truth is none. A voided return is no return, so it is
/// removed (a part of it, reduced), and no void line is written; the same holds for a return
/// voided in place, which is left out.
fn take_back_return(lines: &mut Vec<Line>, of: &Line, void: &Line) {
    let Some(i) = lines
        .iter()
        .position(|l| l.line_no == of.line_no && l.kind == of.kind)
    else {
        return;
    };
    let l = &mut lines[i];
    if void.quantity.abs() >= l.quantity.abs() {
        lines.remove(i);
        return;
    }
    l.quantity += void.quantity.abs();
    l.net_amount += void.net_amount.abs();
    l.tax += void.tax.abs();
    l.discount = (l.discount - void.discount).max(Decimal::ZERO);
}

/// The void of line `of`, numbered `no`, with the amounts of the voiding line item `void`
/// (all of them, or part of a quantity): the opposite sign of the line it takes back.
/// A line item voided in place (`VoidFlag` on the line itself) is its own `of`.
fn reversal(void: &Line, of: &Line, no: i32) -> Line {
    let back = if of.net_amount < Decimal::ZERO || of.quantity < Decimal::ZERO {
        Decimal::ONE
    } else {
        -Decimal::ONE
    };
    Line {
        line_no: no,
        kind: LineKind::Void,
        quantity: -void.quantity.abs(),
        net_amount: back * void.net_amount.abs(),
        tax: back * void.tax.abs(),
        ..void.clone()
    }
}
