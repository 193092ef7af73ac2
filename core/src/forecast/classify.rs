//! Demand classification after Syntetos & Boylan (2005): the average inter-demand interval
//! (ADI) and the squared coefficient of variation of non-zero sizes (CV²) say whether a series
//! is smooth enough for smoothing methods or needs the intermittent family.

/// ADI cut-off between regular and intermittent arrivals.
pub const ADI_CUTOFF: f64 = 1.32;
/// CV² cut-off between stable and variable sizes.
pub const CV2_CUTOFF: f64 = 0.49;

/// The four Syntetos–Boylan classes, plus series that never sold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DemandClass {
    Smooth,
    Erratic,
    Intermittent,
    Lumpy,
    NoDemand,
}

impl DemandClass {
    /// Name as shown in SQL.
    pub fn name(self) -> &'static str {
        match self {
            Self::Smooth => "smooth",
            Self::Erratic => "erratic",
            Self::Intermittent => "intermittent",
            Self::Lumpy => "lumpy",
            Self::NoDemand => "no_demand",
        }
    }

    /// Intermittent or lumpy: most periods have no demand.
    pub fn is_intermittent(self) -> bool {
        matches!(self, Self::Intermittent | Self::Lumpy)
    }
}

/// ADI, CV² and the class of a demand series.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Classification {
    pub adi: f64,
    pub cv2: f64,
    pub class: DemandClass,
}

/// Classify `y`. ADI = periods per demand occurrence (n / non-zero count); CV² of the
/// non-zero sizes (population variance; 0 for a single demand).
pub fn classify(y: &[f64]) -> Classification {
    let sizes: Vec<f64> = y.iter().copied().filter(|v| *v > 0.0).collect();
    if sizes.is_empty() {
        return Classification {
            adi: f64::INFINITY,
            cv2: 0.0,
            class: DemandClass::NoDemand,
        };
    }
    let adi = y.len() as f64 / sizes.len() as f64;
    let mean = sizes.iter().sum::<f64>() / sizes.len() as f64;
    let var = sizes.iter().map(|s| (s - mean).powi(2)).sum::<f64>() / sizes.len() as f64;
    let cv2 = var / (mean * mean);
    let class = match (adi >= ADI_CUTOFF, cv2 >= CV2_CUTOFF) {
        (false, false) => DemandClass::Smooth,
        (false, true) => DemandClass::Erratic,
        (true, false) => DemandClass::Intermittent,
        (true, true) => DemandClass::Lumpy,
    };
    Classification { adi, cv2, class }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn four_quadrants_and_no_demand() {
        assert_eq!(classify(&[5.0, 6.0, 5.0, 4.0]).class, DemandClass::Smooth);
        assert_eq!(classify(&[1.0, 9.0, 1.0, 12.0]).class, DemandClass::Erratic);
        assert_eq!(
            classify(&[0.0, 5.0, 0.0, 5.0, 0.0, 6.0]).class,
            DemandClass::Intermittent
        );
        assert_eq!(
            classify(&[0.0, 1.0, 0.0, 0.0, 20.0, 0.0]).class,
            DemandClass::Lumpy
        );
        assert_eq!(classify(&[0.0; 4]).class, DemandClass::NoDemand);
    }

    #[test]
    fn adi_and_cv2_values() {
        // 2 demands in 6 periods: ADI 3; sizes 2 and 6: mean 4, var 4, CV² 0.25
        let c = classify(&[0.0, 2.0, 0.0, 0.0, 6.0, 0.0]);
        assert_eq!((c.adi, c.cv2), (3.0, 0.25));
    }
}
