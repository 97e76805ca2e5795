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
