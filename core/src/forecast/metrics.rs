//! Accuracy metrics. Scaled metrics divide by the in-sample error of a naive forecast so that a
//! slow mover and a best seller can be averaged: below 1 beats the naive method.

/// Mean absolute scaled error: MAE over the in-sample MAE of the seasonal naive forecast with
/// period `m` (1 = naive). `None` when the scale is zero or undefined.
pub fn mase(train: &[f64], actual: &[f64], forecast: &[f64], m: usize) -> Option<f64> {
    let m = if train.len() > m { m.max(1) } else { 1 };
    let scale = mean((m..train.len()).map(|t| (train[t] - train[t - m]).abs()))?;
    let mae = mean(actual.iter().zip(forecast).map(|(a, f)| (a - f).abs()))?;
    (scale > 0.0).then_some(mae / scale)
}

/// Root mean squared scaled error (the M5 metric): RMSE over the in-sample RMSE of the
/// one-step naive forecast.
///
/// As the M5 guidelines prescribe ("The M5 Competition: Competitors' Guide", 10 March 2020,
/// Evaluation, Point forecasts: the denominator is computed only for the periods in which the
/// product is actively sold, i.e. from its first non-zero demand on), the scale is the mean
/// squared one-step naive difference over `train` from its first non-zero value onward: leading
/// zeros are days before the product was on sale and would shrink the scale. Train
/// `[0,0,0,0,2,4]`, actual `[3]`, forecast `[4]` gives 0.5 (untrimmed it would be 0.79).
///
/// `None` when the scale is zero or undefined: `train` is all zeros (never sold), or its first
/// sale is its last value (no naive difference after it), or every difference is zero.
pub fn rmsse(train: &[f64], actual: &[f64], forecast: &[f64]) -> Option<f64> {
    let sold = train
        .iter()
        .position(|v| *v != 0.0)
        .map_or(&[][..], |i| &train[i..]);
    let scale = mean((1..sold.len()).map(|t| (sold[t] - sold[t - 1]).powi(2)))?;
    rmsse_with_scale(actual, forecast, scale)
}

/// RMSSE with a given scale (mean squared naive error), as the M5 organisers publish it.
pub fn rmsse_with_scale(actual: &[f64], forecast: &[f64], scale: f64) -> Option<f64> {
    let mse = mean(actual.iter().zip(forecast).map(|(a, f)| (a - f).powi(2)))?;
    (scale > 0.0).then_some((mse / scale).sqrt())
}

/// Symmetric MAPE in percent (0–200); a step where both actual and forecast are 0 counts as 0.
pub fn smape(actual: &[f64], forecast: &[f64]) -> Option<f64> {
    mean(actual.iter().zip(forecast).map(|(a, f)| {
        let d = a.abs() + f.abs();
        if d == 0.0 {
            0.0
        } else {
            200.0 * (a - f).abs() / d
        }
    }))
}

fn mean(values: impl Iterator<Item = f64>) -> Option<f64> {
    let (sum, n) = values.fold((0.0, 0usize), |(s, n), v| (s + v, n + 1));
    (n > 0).then_some(sum / n as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_computed_values() {
        let train = [1.0, 3.0, 2.0, 4.0];
        // naive abs errors 2,1,2 -> scale 5/3 ; MAE of (1,1) = 1
        assert!((mase(&train, &[5.0, 5.0], &[4.0, 6.0], 1).unwrap() - 0.6).abs() < 1e-12);
        // naive sq errors 4,1,4 -> scale 3 ; MSE = 1 -> sqrt(1/3)
        assert!(
            (rmsse(&train, &[5.0, 5.0], &[4.0, 6.0]).unwrap() - (1.0f64 / 3.0).sqrt()).abs()
                < 1e-12
        );
        // 200*1/9 and 200*1/11 averaged
        let s = smape(&[5.0, 5.0], &[4.0, 6.0]).unwrap();
        assert!((s - (200.0 / 9.0 + 200.0 / 11.0) / 2.0).abs() < 1e-9);
        assert_eq!(smape(&[0.0], &[0.0]), Some(0.0));
    }

    #[test]
    fn undefined_scales_are_none() {
        assert_eq!(mase(&[2.0, 2.0, 2.0], &[1.0], &[1.0], 1), None);
        assert_eq!(rmsse(&[2.0], &[1.0], &[1.0]), None);
        assert_eq!(smape(&[], &[]), None);
    }

    #[test]
    fn rmsse_scale_starts_at_the_first_sale() {
        // M5: only [2, 4] counts -> scale 4, MSE 1 -> 0.5 (untrimmed: scale 4/5 -> 1.118)
        let v = rmsse(&[0.0, 0.0, 0.0, 0.0, 2.0, 4.0], &[3.0], &[4.0]).unwrap();
        assert!((v - 0.5).abs() < 1e-12, "{v}");
        // zeros after the first sale stay in: [3, 0, 3] -> sq diffs 9, 9 -> scale 9
        let v = rmsse(&[0.0, 3.0, 0.0, 3.0], &[3.0], &[0.0]).unwrap();
        assert!((v - 1.0).abs() < 1e-12, "{v}");
        // never sold, or sold only on the last day: no naive difference to scale by
        assert_eq!(rmsse(&[0.0; 5], &[1.0], &[0.0]), None);
        assert_eq!(rmsse(&[0.0, 0.0, 5.0], &[1.0], &[0.0]), None);
    }
}
