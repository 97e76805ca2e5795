//! The three kinds of indicators of the OHCHR framework.

use serde::{Deserialize, Serialize};

/// Structural, process or outcome indicator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IndicatorKind {
    /// Commitments: treaties ratified, laws and policies in place (from a country register).
    Structural,
    /// Efforts: e.g. the share of the population covered by health insurance.
    Process,
    /// Results: e.g. the unemployment rate or the completion rate.
    Outcome,
}

impl IndicatorKind {
    /// The lower-case name used in files (`"structural"`, `"process"`, `"outcome"`).
    pub fn as_str(self) -> &'static str {
        match self {
            IndicatorKind::Structural => "structural",
            IndicatorKind::Process => "process",
            IndicatorKind::Outcome => "outcome",
        }
    }
}
