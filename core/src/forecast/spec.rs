//! What to forecast and how: the method names analysts type, and checked request parameters.
use super::error::{ForecastError, MAX_HORIZON, MAX_SEASON, MAX_VALUE};

/// A forecasting method. `Auto` picks one of the others per series by rolling-origin backtest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    Auto,
    SeasonalNaive,
    HistoricAverage,
    /// Mean of the last few whole seasons times a shrunk seasonal index.
    SeasonalMean,
    /// AutoETS (augurs), non-seasonal: level/trend/damping chosen by AICc.
    Ets,
    /// MSTL decomposition (augurs) with an AutoETS trend.
    Mstl,
    /// Simple exponential smoothing of the series divided by shrunk day-of-season indices.
    SeasonalEs,
    Croston,
    /// Croston with the Syntetos–Boylan bias correction.
    Sba,
    /// Teunter–Syntetos–Babai: smooths demand probability, so obsolescence shows.
    Tsb,
    /// Aggregate–disaggregate intermittent demand approach.
    Adida,
}

impl Method {
    /// Every method in the order the docs list them.
    pub const ALL: [Method; 11] = [
        Method::Auto,
        Method::SeasonalNaive,
        Method::HistoricAverage,
        Method::SeasonalMean,
        Method::Ets,
        Method::Mstl,
        Method::SeasonalEs,
        Method::Croston,
        Method::Sba,
        Method::Tsb,
        Method::Adida,
    ];
    /// SQL names, same order as [`Method::ALL`].
    pub const NAMES: [&'static str; 11] = [
        "auto",
        "seasonal_naive",
        "historic_average",
        "seasonal_mean",
        "ets",
        "mstl",
        "seasonal_es",
        "croston",
        "sba",
        "tsb",
        "adida",
    ];

    /// The SQL name.
    pub fn name(self) -> &'static str {
        let i = Self::ALL.iter().position(|m| *m == self).unwrap_or(0);
        Self::NAMES[i]
    }

    /// Parse a SQL name, case-insensitively.
    pub fn parse(name: &str) -> Result<Method, ForecastError> {
        let lower = name.trim().to_ascii_lowercase();
        Self::NAMES
            .iter()
            .position(|n| *n == lower)
            .map(|i| Self::ALL[i])
            .ok_or(ForecastError::UnknownMethod {
                name: name.to_string(),
            })
    }
}

/// A checked forecast request.
#[derive(Debug, Clone, PartialEq)]
pub struct Spec {
    pub horizon: usize,
    /// Seasonal periods, primary first (e.g. `[7]` daily, `[24, 168]` hourly). `[1]` = none.
    pub seasons: Vec<usize>,
    /// Central prediction-interval probability, e.g. 0.95.
    pub level: f64,
    pub method: Method,
}

impl Spec {
    /// Check the SQL-level arguments and build a request.
    pub fn new(
        horizon: i64,
        season_length: i64,
        level: f64,
        method: &str,
    ) -> Result<Spec, ForecastError> {
        if !(1..=MAX_HORIZON).contains(&horizon) {
            return Err(ForecastError::Horizon { horizon });
        }
        if !(1..=MAX_SEASON).contains(&season_length) {
            return Err(ForecastError::SeasonLength { season_length });
        }
        check_level(level)?;
        Ok(Spec {
            horizon: horizon as usize,
            seasons: vec![season_length as usize],
            level,
            method: Method::parse(method)?,
        })
    }

    /// The primary season length (1 = no seasonality).
    pub fn season(&self) -> usize {
        self.seasons.first().copied().unwrap_or(1).max(1)
    }
}

/// A level must be a probability strictly inside (0, 1).
pub fn check_level(level: f64) -> Result<(), ForecastError> {
    if level.is_finite() && level > 0.0 && level < 1.0 {
        Ok(())
    } else {
        Err(ForecastError::Level { level })
    }
}

/// Turn a history with possible missing values into a clean demand series, or say what is wrong.
pub fn clean_history(values: &[Option<f64>]) -> Result<Vec<f64>, ForecastError> {
    if values.is_empty() {
        return Err(ForecastError::Empty);
    }
    if values.iter().all(Option::is_none) {
        return Err(ForecastError::AllMissing);
    }
    values
        .iter()
        .enumerate()
        .map(|(index, v)| match *v {
            None => Err(ForecastError::Missing { index }),
            Some(value) if !value.is_finite() => Err(ForecastError::NonFinite { index, value }),
            Some(value) if value < 0.0 => Err(ForecastError::Negative { index, value }),
            Some(value) if value > MAX_VALUE => Err(ForecastError::TooLarge { index, value }),
            Some(value) => Ok(value),
        })
        .collect()
}
