//! How a catalogue turns indicator values into 0–100 scores and rolls them up.

use serde::{Deserialize, Serialize};

/// Scoring settings of a catalogue: how values are normalised to 0–100 and how indicator
/// scores are aggregated to attribute, right and overall scores.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScoringSpec {
    /// Normalisation applied to numeric indicators.
    #[serde(default)]
    pub normalisation: Normalisation,
    /// Aggregation of indicator scores into attribute, right and overall scores.
    #[serde(default)]
    pub aggregation: Aggregation,
    /// Minimum share (0–1) of an aggregate's indicators that must have a score for the
    /// aggregate to be computed.
    #[serde(default = "default_min_available")]
    pub min_available: f64,
    /// An overall composite, only when asked for: the weights of the structural, process
    /// and outcome roll-ups in each right's composite; the overall composite averages the
    /// rights' composites. Without it, scores stop at the roll-ups per kind.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub composite: Option<KindWeights>,
}

/// The weights of the three kinds of indicators in a composite score.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KindWeights {
    /// Weight of the structural roll-up (commitments).
    pub structural: f64,
    /// Weight of the process roll-up (efforts).
    pub process: f64,
    /// Weight of the outcome roll-up (results).
    pub outcome: f64,
}

impl KindWeights {
    /// The weights as shown in the output: `structural 1, process 1, outcome 1`.
    pub fn describe(&self) -> String {
        format!(
            "structural {}, process {}, outcome {}",
            self.structural, self.process, self.outcome
        )
    }
}

fn default_min_available() -> f64 {
    0.5
}

impl Default for ScoringSpec {
    fn default() -> Self {
        ScoringSpec {
            normalisation: Normalisation::default(),
            aggregation: Aggregation::default(),
            min_available: default_min_available(),
            composite: None,
        }
    }
}

/// Normalisation of a value to a 0–100 score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Normalisation {
    /// Min–max between the indicator's goalposts, direction-aware, truncated to 0–100.
    #[default]
    Goalposts,
    /// Share of the way from the baseline to the benchmark target.
    DistanceToTarget,
    /// Group value over the reference group's value, where 1 (parity) scores 100. Not a
    /// normalisation of level scores any more: every row has its parity (non-discrimination)
    /// score apart, in `parity_score`; a catalogue that asks for it is rejected with that
    /// explanation.
    Parity,
}

/// Aggregation of scores.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Aggregation {
    /// Weighted arithmetic mean.
    #[default]
    Arithmetic,
    /// Weighted geometric mean.
    Geometric,
    /// No roll-up: indicator scores only.
    None,
}

/// Lower and upper goalposts of an indicator, in its unit.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Goalposts {
    /// The worst plausible value end of the scale (scored 0 for higher-is-better).
    pub lower: f64,
    /// The best plausible value end of the scale (scored 100 for higher-is-better).
    pub upper: f64,
}
