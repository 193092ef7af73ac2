//! Replenishment from a forecast: an order-up-to (R, S) policy. Every `review_days` the stock
//! position (on hand + on order) is raised to cover demand over the lead time plus the review
//! period with the requested cycle service level; `review_days = 0` is continuous review,
//! where the order-up-to level is the reorder point itself.
//!
//! The safety factor is z = Φ⁻¹(service level) for every level the contract accepts (strictly
//! between 0 and 1): below 0.5 it is negative and so is the safety stock, which is what a cycle
//! service level under 50% means (stock less than the expected demand). Clamping z at 0 made
//! every level below 0.5 answer as 0.5. Stock levels are floored at zero.
use statrs::distribution::{ContinuousCDF, Normal};

use super::ForecastError;

/// Stock position and policy parameters of one SKU at one store.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Policy {
    pub on_hand: f64,
    pub on_order: f64,
    pub lead_time_days: usize,
    pub review_days: usize,
    /// Probability of no stock-out in a replenishment cycle, e.g. 0.95.
    pub service_level: f64,
}

/// What to order and why.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Suggestion {
    /// Expected demand over the lead time.
    pub lead_time_demand: f64,
    /// z · σ of lead-time demand (negative for a service level below 0.5).
    pub safety_stock: f64,
    /// Lead-time demand + safety stock, at least 0: order when the position falls to this.
    pub reorder_point: f64,
    /// Demand over lead time + review period plus its safety stock, at least 0.
    pub order_up_to: f64,
    /// Whole units to order now (never negative).
    pub suggested_qty: f64,
}

/// Daily forecast errors are taken as independent, so variances add across days.
pub fn suggest(mean: &[f64], sigma: &[f64], p: &Policy) -> Result<Suggestion, ForecastError> {
    check(p, mean.len().min(sigma.len()))?;
    let z = Normal::standard().inverse_cdf(p.service_level);
    let cover = |days: usize| {
        let demand: f64 = mean[..days].iter().sum();
        let sd = sigma[..days].iter().map(|s| s * s).sum::<f64>().sqrt();
        (demand, z * sd)
    };
    let (lead_time_demand, safety_stock) = cover(p.lead_time_days);
    let (protect_demand, protect_safety) = cover(p.lead_time_days + p.review_days);
    let order_up_to = (protect_demand + protect_safety).max(0.0);
    let position = p.on_hand + p.on_order;
    Ok(Suggestion {
        lead_time_demand,
        safety_stock,
        reorder_point: (lead_time_demand + safety_stock).max(0.0),
        order_up_to,
        suggested_qty: order_qty(order_up_to - position),
    })
}

/// Whole units to order for a shortfall: rounded up, never negative, and never -0.0 (which
/// `ceil` gives for a shortfall in (-1, 0] and `f64::max` may keep; SQL would print "-0").
fn order_qty(shortfall: f64) -> f64 {
    // a hair of tolerance so that 46.000000001 units of float noise do not order 47
    let q = (shortfall - 1e-9).ceil();
    if q > 0.0 {
        q
    } else {
        0.0
    }
}

/// A cycle service level is a probability strictly between 0 and 1 (its normal quantile is
/// the safety factor). Checked before any SKU is looked at, so a wrong level is an error even
/// for a store with nothing stocked.
pub fn check_service_level(level: f64) -> Result<(), ForecastError> {
    if level > 0.0 && level < 1.0 {
        return Ok(());
    }
    Err(ForecastError::Replenishment {
        what: "service_level",
        value: level,
    })
}

fn check(p: &Policy, horizon: usize) -> Result<(), ForecastError> {
    let bad = |what: &'static str, value: f64| Err(ForecastError::Replenishment { what, value });
    check_service_level(p.service_level)?;
    if p.lead_time_days == 0 {
        return bad("lead_time_days", 0.0);
    }
    if p.lead_time_days + p.review_days > horizon {
        return bad(
            "lead_time_days + review_days",
            (p.lead_time_days + p.review_days) as f64,
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(on_hand: f64) -> Policy {
        Policy {
            on_hand,
            on_order: 0.0,
            lead_time_days: 3,
            review_days: 4,
            service_level: 0.95,
        }
    }

    #[test]
    fn worked_example() {
        // 4 units/day, σ 2/day; z(0.95) = 1.6449
        let s = suggest(&[4.0; 7], &[2.0; 7], &policy(10.0)).unwrap();
        let z = 1.644_853_626_951_472_2;
        assert!((s.lead_time_demand - 12.0).abs() < 1e-12);
        assert!((s.safety_stock - z * 2.0 * 3f64.sqrt()).abs() < 1e-9); // 5.698
        assert!((s.reorder_point - 17.698).abs() < 1e-3);
        assert!((s.order_up_to - (28.0 + z * 2.0 * 7f64.sqrt())).abs() < 1e-9); // 36.704
        assert_eq!(s.suggested_qty, 27.0);
    }

    #[test]
    fn well_stocked_orders_nothing() {
        assert_eq!(
            suggest(&[4.0; 7], &[2.0; 7], &policy(100.0))
                .unwrap()
                .suggested_qty,
            0.0
        );
    }

    #[test]
    fn service_level_below_half_lowers_the_safety_stock() {
        // z(0.3) = -0.5244: safety stock below zero, not the 0.5 answer
        let mut p = policy(0.0);
        p.service_level = 0.3;
        let s = suggest(&[4.0; 7], &[2.0; 7], &p).unwrap();
        let z = -0.524_400_512_708_041;
        assert!(
            (s.safety_stock - z * 2.0 * 3f64.sqrt()).abs() < 1e-9,
            "{s:?}"
        );
        assert!((s.order_up_to - (28.0 + z * 2.0 * 7f64.sqrt())).abs() < 1e-9);
        assert_eq!(s.suggested_qty, 26.0); // 28 - 2.775 = 25.2 -> 26
                                           // a level below what could be held is none: 0.1 a day, σ 1, z(0.1) = -1.28
        p.service_level = 0.1;
        let s = suggest(&[0.1; 7], &[1.0; 7], &p).unwrap();
        assert_eq!(
            (s.reorder_point, s.order_up_to, s.suggested_qty),
            (0.0, 0.0, 0.0)
        );
        assert!(s.safety_stock < -2.0);
    }

    #[test]
    fn nothing_to_order_is_plus_zero() {
        // position exactly at the order-up-to level: ceil(-1e-9) is -0.0, shown as "-0" in SQL
        let mut p = policy(10.0);
        (p.lead_time_days, p.review_days, p.service_level) = (1, 0, 0.5);
        let q = suggest(&[10.0], &[1.0], &p).unwrap().suggested_qty;
        assert!(q == 0.0 && q.is_sign_positive(), "{q}");
    }

    #[test]
    fn bad_policies_are_errors() {
        let mut p = policy(0.0);
        p.service_level = 1.0;
        assert!(suggest(&[1.0; 7], &[1.0; 7], &p).is_err());
        let mut p = policy(0.0);
        p.review_days = 10;
        assert!(matches!(
            suggest(&[1.0; 7], &[1.0; 7], &p),
            Err(ForecastError::Replenishment { .. })
        ));
    }
}
