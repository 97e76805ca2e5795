//! How an indicator is computed.

use serde::{Deserialize, Serialize};

/// How an indicator's value is obtained. Conditions and universes are SQL expressions
/// over survey columns (parsed by polars' SQL front end).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Measure {
    /// Share of the universe meeting `condition` (e.g. `insured = 1`).
    Proportion {
        /// SQL condition whose weighted share is estimated.
        condition: String,
        /// SQL condition defining the population the share is taken in.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        universe: Option<String>,
    },
    /// Mean of a variable within the universe.
    Mean {
        /// Survey column.
        variable: String,
        /// SQL universe.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        universe: Option<String>,
    },
    /// Ratio of two totals within the universe.
    Ratio {
        /// Numerator column.
        numerator: String,
        /// Denominator column.
        denominator: String,
        /// SQL universe.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        universe: Option<String>,
    },
    /// Population total of a variable within the universe.
    Total {
        /// Survey column.
        variable: String,
        /// SQL universe.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        universe: Option<String>,
    },
    /// Quantile `p` of a variable within the universe (e.g. the median, `p = 0.5`).
    Quantile {
        /// Survey column.
        variable: String,
        /// Probability in (0, 1).
        p: f64,
        /// SQL universe.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        universe: Option<String>,
    },
    /// Rate per `per` persons of a condition within the universe (a proportion times `per`).
    Rate {
        /// SQL condition.
        condition: String,
        /// Base of the rate (e.g. 1000).
        per: f64,
        /// SQL universe.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        universe: Option<String>,
    },
    /// Structural indicator: the value comes from an entry of the country register.
    Structural {
        /// Register entry id (e.g. `"icrmw"`, `"ilo_c189"`).
        entry: String,
    },
}

impl Measure {
    /// The universe condition, if any.
    pub fn universe(&self) -> Option<&str> {
        match self {
            Measure::Proportion { universe, .. }
            | Measure::Mean { universe, .. }
            | Measure::Ratio { universe, .. }
            | Measure::Total { universe, .. }
            | Measure::Quantile { universe, .. }
            | Measure::Rate { universe, .. } => universe.as_deref(),
            Measure::Structural { .. } => None,
        }
    }

    /// Whether the value comes from survey microdata (everything but structural).
    pub fn is_survey(&self) -> bool {
        !matches!(self, Measure::Structural { .. })
    }
}
