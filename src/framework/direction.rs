//! Which way an indicator improves.

use serde::{Deserialize, Serialize};

/// Which values of an indicator are better.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Larger values are better (e.g. health insurance coverage).
    HigherIsBetter,
    /// Smaller values are better (e.g. the unemployment rate).
    LowerIsBetter,
    /// Values within `tolerance` of `value` are best (e.g. a parity index, best at 1).
    Target {
        /// The best value.
        value: f64,
        /// Half-width of the band around `value` that counts as on target.
        #[serde(default)]
        tolerance: f64,
    },
}

impl Direction {
    /// The snake_case name used in files and tables: `higher_is_better`, `lower_is_better`
    /// or `target`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Direction::HigherIsBetter => "higher_is_better",
            Direction::LowerIsBetter => "lower_is_better",
            Direction::Target { .. } => "target",
        }
    }
}
