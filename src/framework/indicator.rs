//! An indicator of the catalogue.

use serde::{Deserialize, Serialize};

use super::{Benchmark, Direction, Disaggregation, Goalposts, IndicatorKind, Measure, Unit};

/// One indicator: what it measures, how, in which unit, and against which benchmark.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Indicator {
    /// Stable identifier, unique within the catalogue (e.g. `"health_insurance"`).
    pub id: String,
    /// Human-readable name.
    pub name: String,
    /// Id of the right measured.
    pub right: String,
    /// Id of the attribute measured (must belong to `right`).
    pub attribute: String,
    /// Structural, process or outcome.
    pub kind: IndicatorKind,
    /// How the value is computed.
    pub measure: Measure,
    /// Unit of the value.
    pub unit: Unit,
    /// Which way is better.
    pub direction: Direction,
    /// Target, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub benchmark: Option<Benchmark>,
    /// Goalposts for the goalposts normalisation (defaults: 0–100 for percent, 0–1 for
    /// proportions).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub goalposts: Option<Goalposts>,
    /// Weight of the indicator in its attribute's score (default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight: Option<f64>,
    /// Disaggregations computed for this indicator; each is one dimension or a crossing.
    #[serde(default)]
    pub disaggregations: Vec<Disaggregation>,
    /// Codes in other frameworks (e.g. `"SDG 8.5.2"`, `"OHCHR A/HRC/31/80"`).
    #[serde(default)]
    pub references: Vec<String>,
    /// Where the data come from (survey, register).
    #[serde(default)]
    pub source: String,
    /// Free notes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    /// The SDG series the indicator reports, a code of the SDG DSD's `CL_SERIES` (e.g.
    /// `"SL_TLF_UEM"` for 8.5.2 unemployment): set only when the indicator's definition is
    /// that series', and the indicator is then written to `indicators.sdg.csv`. Checked
    /// against the code list kept in `data/sdg/` ([`super::sdg`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sdg_series: Option<String>,
    /// Comparability and limitations, for the indicator's metadata sheet: how the
    /// definition departs from the international one, breaks, known biases.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comparability: Option<String>,
    /// Breaks in the series (a new questionnaire, frame or definition): a change between
    /// two rounds that straddle a break is not a measure of progress, and the pipeline says
    /// so instead of giving a progress status.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub series_breaks: Vec<SeriesBreak>,
}

/// A break in an indicator's series: from the round of `year` on, the figures are not
/// comparable with earlier ones.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeriesBreak {
    /// The first year of the new series.
    pub year: i32,
    /// What changed, with its source (e.g. the survey's methodological note).
    pub note: String,
}

impl SeriesBreak {
    /// Whether two rounds of reference years `first < second` straddle the break.
    pub fn between(&self, first: f64, second: f64) -> bool {
        let y = f64::from(self.year);
        first < y && y <= second
    }
}
