//! Errors a forecast can end in. Each carries the offending value and a hint, because the SQL
//! face turns them into `ERROR … HINT …` and an analyst must know what to change.
use std::fmt;

/// Why a forecast, backtest or reorder computation refused its input.
#[derive(Debug, Clone, PartialEq)]
pub enum ForecastError {
    /// No observations at all.
    Empty,
    /// Every element was missing (SQL NULL).
    AllMissing,
    /// A missing element in the middle of the history.
    Missing { index: usize },
    /// NaN or ±infinity at this (0-based) position.
    NonFinite { index: usize, value: f64 },
    /// A negative demand value where only non-negative demand makes sense.
    Negative { index: usize, value: f64 },
    /// A value above [`MAX_VALUE`].
    TooLarge { index: usize, value: f64 },
    /// Horizon outside 1..=MAX_HORIZON.
    Horizon { horizon: i64 },
    /// Prediction-interval level outside (0, 1).
    Level { level: f64 },
    /// Season length outside 1..=MAX_SEASON.
    SeasonLength { season_length: i64 },
    /// Method name not known.
    UnknownMethod { name: String },
    /// History too short for the requested method.
    TooShort {
        method: &'static str,
        need: usize,
        got: usize,
    },
    /// A bad parameter of the replenishment math.
    Replenishment { what: &'static str, value: f64 },
    /// The model library failed on this series (reported, never a panic).
    Model {
        method: &'static str,
        detail: String,
    },
}

/// Largest horizon accepted: two years of daily steps or three months of hourly ones.
pub const MAX_HORIZON: i64 = 2_200;
/// Largest history value accepted: 2^53, past which doubles no longer hold every whole number,
/// and whose squares (variances) still fit easily. Far larger values overflowed the error
/// arithmetic and came back as a zero forecast or a zero-width interval.
pub const MAX_VALUE: f64 = 9_007_199_254_740_992.0;
/// Largest season length accepted (a year of days; a week of hours is 168).
pub const MAX_SEASON: i64 = 366;

impl ForecastError {
    /// What the caller should do about it (the SQL `HINT`).
    pub fn hint(&self) -> String {
        match self {
            Self::Empty => "pass at least one observation, oldest first".into(),
            Self::AllMissing | Self::Missing { .. } => {
                "replace missing days with 0 (coalesce) when no sale means zero demand, or use pos.forecast_demand which zero-fills".into()
            }
            Self::NonFinite { .. } => "remove or replace NaN/Infinity values before forecasting".into(),
            Self::Negative { .. } => "demand must be >= 0; net returns out or clip negative days to 0".into(),
            Self::TooLarge { .. } => "values must be at most 2^53 (about 9.0e15); rescale the series, e.g. to thousands of units".into(),
            Self::Horizon { .. } => format!("horizon must be between 1 and {MAX_HORIZON}"),
            Self::Level { .. } => "level is a probability such as 0.8 or 0.95, strictly between 0 and 1".into(),
            Self::SeasonLength { .. } => {
                format!("season_length must be between 1 and {MAX_SEASON} (7 for daily data, 24 for hourly; 1 = no season)")
            }
            Self::UnknownMethod { .. } => format!("method must be one of: {}", super::Method::NAMES.join(", ")),
            Self::TooShort { .. } => "pass a longer history, or use method 'auto' which falls back to a method the history supports".into(),
            Self::Replenishment { what, .. } => match *what {
                "service_level" => "service_level is a probability strictly between 0 and 1, e.g. 0.95".into(),
                _ => "lead_time_days must be >= 1, review_days >= 0, and the forecast must cover lead_time_days + review_days".into(),
            },
            Self::Model { .. } => "try method 'auto' or a simpler method such as 'historic_average'".into(),
        }
    }
}

impl fmt::Display for ForecastError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => write!(f, "the history is empty"),
            Self::AllMissing => write!(f, "every value in the history is NULL"),
            Self::Missing { index } => write!(f, "value {} of the history is NULL", index + 1),
            Self::NonFinite { index, value } => {
                write!(f, "value {} of the history is {value}", index + 1)
            }
            Self::Negative { index, value } => write!(
                f,
                "value {} of the history is negative ({value})",
                index + 1
            ),
            Self::TooLarge { index, value } => write!(
                f,
                "value {} of the history is too large ({value:e})",
                index + 1
            ),
            Self::Horizon { horizon } => write!(f, "horizon {horizon} is out of range"),
            Self::Level { level } => write!(f, "level {level} is out of range"),
            Self::SeasonLength { season_length } => {
                write!(f, "season_length {season_length} is out of range")
            }
            Self::UnknownMethod { name } => write!(f, "unknown forecast method \"{name}\""),
            Self::TooShort { method, need, got } => {
                write!(
                    f,
                    "method {method} needs at least {need} observations, got {got}"
                )
            }
            Self::Replenishment { what, value } => write!(f, "{what} {value} is out of range"),
            Self::Model { method, detail } => write!(f, "method {method} failed: {detail}"),
        }
    }
}

impl std::error::Error for ForecastError {}
