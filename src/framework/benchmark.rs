//! Benchmarks: the target an indicator is held against.

use serde::{Deserialize, Serialize};

/// A target value (or, for a structural indicator, a target status) by a target year.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Benchmark {
    /// The value or status to reach.
    pub target: Target,
    /// The year by which the target should be reached.
    pub year: i32,
    /// Where the indicator stood when the target was set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline: Option<Baseline>,
    /// Where the target comes from (national plan, SDG target, parity with non-migrants).
    #[serde(default)]
    pub source: String,
    /// How the annual progress required to reach the target is computed: `linear` (the
    /// default) or `compound` (see [`RequiredRate`]).
    #[serde(default, skip_serializing_if = "RequiredRate::is_linear")]
    pub rate: RequiredRate,
}

/// How progress towards a target is measured (see [`crate::benchmark`]).
///
/// - `linear`: the distance still to cover divided by the years left, in the indicator's
///   unit per year, against the observed change per year (a straight line from the latest
///   round to the target);
/// - `compound`: the constant annual growth rate that takes the latest value to the
///   target, `(t / x₂)^(1 / (T − y₂)) − 1`, against the observed compound annual growth
///   rate `(x₂ / x₁)^(1 / (y₂ − y₁)) − 1`: the actual and required CAGR of the trend
///   assessment for indicators with a numerical target in UN DESA Statistics Division,
///   *Sustainable Development Goals Progress Chart 2022 – Technical Note*, section II.b.
///   Defined for strictly positive values and targets, and for higher- or lower-is-better
///   indicators only. A rate that falls more slowly as it nears zero (a share of people
///   in a condition to be ended) is often better followed by `compound`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RequiredRate {
    /// Absolute change per year.
    #[default]
    Linear,
    /// Compound annual growth rate.
    Compound,
}

impl RequiredRate {
    /// Whether this is the default, linear rate.
    pub fn is_linear(&self) -> bool {
        *self == RequiredRate::Linear
    }

    /// `linear` or `compound`.
    pub fn as_str(self) -> &'static str {
        match self {
            RequiredRate::Linear => "linear",
            RequiredRate::Compound => "compound",
        }
    }
}

/// The target of a benchmark.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Target {
    /// A numeric target in the indicator's unit.
    Value(f64),
    /// A status for structural indicators (e.g. `"ratified"`, `"complete"`).
    Status(String),
}

/// The starting point of a benchmark.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    /// The value at the baseline year.
    pub value: f64,
    /// The baseline year.
    pub year: i32,
}
