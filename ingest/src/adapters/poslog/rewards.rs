//! Loyalty rewards that name their line. NCR ACS writes each reward as a `LoyaltyReward` line
//! item of its own after the tender (`acs:RewardCategory` `Monetary`, `acs:RewardType`
//! `PercentOff`), its money in `acs:ExtendedRewardAmount` (negative: −2.00 off a 20.00 wine)
//! and the sale line it comes off named by `acs:OperatorSequenceReference`, the line's own
//! `acs:OperatorSequence`: item rewards (`acs:RewardLevel` `Item`) and a member's percentage
//! off the basket alike (`Transaction`, written once per line it reduces, with `AmountUsed` the
//! line after it). The transaction's `Tax` line item states its `TaxableAmount` after such
//! rewards, so each must be on its line before the tax finds its bearers ([`super::bearers`]);
//! spread over every line as a transaction discount, a reward on the wines left the taxed
//! lines' nets matching no `TaxableAmount` and the tax spread over untaxed groceries.

use super::xml::{child, child_dec, child_text};
use super::{Bad, R, VOID_LINE_OFFSET};
use pos_core::model::*;
use roxmltree::Node;
use rust_decimal::Decimal;
use std::collections::HashMap;

/// A reward on one sale line: the line's `OperatorSequence` and the money off (positive).
pub(super) struct ItemReward {
    target: String,
    off: Decimal,
}

/// The reward of a `LoyaltyReward` element `x` on one line: `RewardCategory` `Monetary`, a
/// non-zero `OperatorSequenceReference` and a non-zero `ExtendedRewardAmount`. Others are `None`
/// and stay transaction adjustments: rewards naming no line (`OperatorSequenceReference` 0),
/// receipt messages of amount 0, and `CustomOffer` rewards, whose `ExtendedRewardAmount` counts
/// offers earned (a positive `1` on an apple in the ACS SMALL sample, whose 0.19 off is the
/// `Monetary` `PercentOff` beside it), not money.
pub(super) fn item_reward(x: Node) -> R<Option<ItemReward>> {
    if x.tag_name().name() != "LoyaltyReward" || child_text(x, "RewardCategory") != Some("Monetary")
    {
        return Ok(None);
    }
    let Some(target) = child_text(x, "OperatorSequenceReference").map(str::trim) else {
        return Ok(None);
    };
    let off = child_dec(x, "ExtendedRewardAmount")?
        .unwrap_or_default()
        .abs();
    if off.is_zero() || target.is_empty() || target == "0" {
        return Ok(None);
    }
    Ok(Some(ItemReward {
        target: target.to_string(),
        off,
    }))
}

/// The `OperatorSequence` of a sale element, by which rewards name it.
pub(super) fn operator_sequence<'a>(item: Node<'a, '_>) -> Option<&'a str> {
    child(item, "OperatorSequence").map(|n| n.text().unwrap_or("").trim())
}

/// Puts each reward on the sale line it names (`ops`: operator sequence → line number) as a
/// discount of that line. A reward whose line is not found, is voided, already carries a tax of
/// its own or is worth less than the reward is left alone: the transaction totals place it as
/// a transaction discount, as before.
pub(super) fn apply(
    lines: &mut [Line],
    ops: &HashMap<String, i32>,
    rewards: &[ItemReward],
) -> R<()> {
    for r in rewards {
        let Some(&no) = ops.get(&r.target) else {
            continue;
        };
        let voided = lines
            .iter()
            .any(|v| v.kind == LineKind::Void && v.line_no == VOID_LINE_OFFSET + no);
        let Some(l) = lines
            .iter_mut()
            .find(|l| l.line_no == no && l.kind == LineKind::Sale)
        else {
            continue;
        };
        if voided || !l.tax.is_zero() || l.net_amount < r.off {
            continue;
        }
        l.discount = l
            .discount
            .checked_add(r.off)
            .ok_or_else(|| Bad("<ExtendedRewardAmount> out of range".into()))?;
        l.net_amount -= r.off;
    }
    Ok(())
}
