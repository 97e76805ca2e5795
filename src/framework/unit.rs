//! Units in which indicator values are expressed.

use serde::{Deserialize, Serialize};

/// The unit of an indicator's value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    /// Percent, 0 to 100 (a proportion estimate is multiplied by 100 for display).
    Percent,
    /// A share between 0 and 1.
    Proportion,
    /// A rate per `per` persons (e.g. per 1 000).
    RatePer {
        /// The base of the rate.
        per: f64,
    },
    /// An amount of money in a currency (ISO 4217 code, e.g. `"MXN"`).
    Currency {
        /// ISO 4217 currency code.
        code: String,
    },
    /// Months of earnings (SDG 10.7.1: recruitment cost in months of first earnings).
    MonthsOfEarnings,
    /// A count of persons or events.
    Count,
    /// A duration in years.
    Years,
    /// Hours (e.g. weekly hours worked).
    Hours,
    /// A status of a structural commitment (ratified / signed / not; absent / partial / complete).
    Status,
}

impl Unit {
    /// A short label for tables and SDMX `UNIT_MEASURE` (`PT`, `PROP`, `PER_1000`, ...).
    pub fn code(&self) -> String {
        match self {
            Unit::Percent => "PT".to_string(),
            Unit::Proportion => "PROP".to_string(),
            Unit::RatePer { per } => format!("PER_{per}"),
            Unit::Currency { code } => code.clone(),
            Unit::MonthsOfEarnings => "MONTHS_EARN".to_string(),
            Unit::Count => "NUMBER".to_string(),
            Unit::Years => "YR".to_string(),
            Unit::Hours => "HOURS".to_string(),
            Unit::Status => "STATUS".to_string(),
        }
    }

    /// The unit in words, for metadata sheets (`percent (0-100)`).
    pub fn description(&self) -> String {
        match self {
            Unit::Percent => "percent (0-100)".to_string(),
            Unit::Proportion => "proportion (0-1)".to_string(),
            Unit::RatePer { per } => format!("rate per {per} persons"),
            Unit::Currency { code } => format!("amount of money, in {code} (ISO 4217)"),
            Unit::MonthsOfEarnings => "months of earnings".to_string(),
            Unit::Count => "number (count of persons or events)".to_string(),
            Unit::Years => "years".to_string(),
            Unit::Hours => "hours".to_string(),
            Unit::Status => {
                "status of a commitment (ratified, signed, not ratified; complete, partial, absent)"
                    .to_string()
            }
        }
    }

    /// Whether the unit holds a number (every unit but [`Unit::Status`]).
    pub fn is_numeric(&self) -> bool {
        !matches!(self, Unit::Status)
    }
}
