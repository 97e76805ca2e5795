//! The whole computation, from a catalogue, survey microdata and a country register to a
//! [`Results`] table: estimates, gaps, quality flags, benchmarks, scores and structural
//! indicators.
//!
//! ```text
//! Catalogue ─┐
//! Survey ────┼─► one Request (every survey indicator × every disaggregation + total)
//!            │     └─► Survey::estimate (one pass) ─► quality flags ─► gaps vs reference
//! Register ──┘                                          └─► benchmarks, progress, scores
//!                                                            └─► roll-up per group ─► Results
//! ```
//!
//! The survey must already hold the disaggregation columns the catalogue maps its
//! dimensions to (migratory status, sex, age group, disability, ...): derive them first
//! with [`crate::derive`], whose labels ([`DEFAULT_NON_MIGRANT`] among them) the defaults
//! assume.
//!
//! # What [`Pipeline::run`] does
//!
//! 1. **One request.** Every survey indicator of the catalogue becomes one
//!    [`MeasureSpec`] (id = indicator id): a proportion of its condition, a mean, a ratio, a
//!    total, a quantile at `p`, or for a rate the proportion of its condition (multiplied by
//!    `per` for display). The request carries the union of the disaggregations of all
//!    indicators (dimensions mapped to survey columns through the catalogue's
//!    `dimensions`) plus the whole population, so the table costs one pass over the rows
//!    (plus one per disaggregation for quantiles). Each indicator's rows are then taken for
//!    the whole population and its own disaggregations only.
//! 2. **Quality.** Each estimate is assessed by the [`QualityPolicy`] (default
//!    [`QualityPolicy::cv_bands_15_30`]); an unpublished figure keeps its row, flag and
//!    reason, and its values are withheld (see [`PipelineBuilder::withhold`]).
//! 3. **Gaps.** Each disaggregation has at most one *gap dimension*: migratory status when
//!    the disaggregation contains it and it has a reference group, otherwise the first of
//!    its dimensions that has one. By default migratory status has the reference group
//!    [`DEFAULT_NON_MIGRANT`] (the label [`crate::derive::migratory_status`] gives
//!    native-born citizens), and its roll-ups `place_of_birth` and `citizenship` the groups
//!    `native_born` and `citizen`; set others with [`PipelineBuilder::reference`] (e.g. sex with
//!    reference `male`). Every group of the gap dimension is compared with the reference
//!    group having the same values of the other dimensions (foreign-born women against
//!    native-born women); every comparison of every disaggregation is computed in one
//!    more pass over the rows ([`Survey::gaps`]). A gap is withheld when either side is not published. The flag is
//!    direction-aware ([`GapFlag`]); significance is `p < 1 − level`. Quantiles have no
//!    gap (the estimator does not linearise them jointly).
//! 4. **Benchmarks.** Distance to the numeric target and whether it is met
//!    ([`crate::benchmark::assess`]), for every published estimate of every group; with a
//!    previous round's [`Results`] ([`PipelineBuilder::previous`]), the change, its se and
//!    the progress status of the same indicator, disaggregation and group.
//! 5. **Scores** with the catalogue's [`ScoringSpec`](crate::framework::ScoringSpec): the
//!    level `score`, goalposts or distance to target on the estimate; apart from it, the
//!    non-discrimination `gap_score`, parity on the gap ratio (the reference group scores
//!    100; groups of a disaggregation without gap dimension have none). Structural
//!    indicators score from their register status and count for every group. Scores roll
//!    up **by kind** (structural, process, outcome) within each attribute and each right,
//!    level and gap scores apart; a composite of the kinds per right and overall only when
//!    the catalogue asks for it (`[scoring] composite`, weights shown in the output); none
//!    with `aggregation = "none"` ([`crate::score::rollup_by_kind`]).
//! 6. **Structural indicators** read the register at the round's reference date
//!    ([`Register::structural_value_at`], [`PipelineBuilder::reference_date`]): a 2015 round
//!    does not count a convention ratified in 2018. An entry absent from the register (or no
//!    register at all), or one whose dates cannot tell its status then, gives status
//!    `missing`, no score, and a reason, never "not ratified"; an illustrative entry is
//!    shown with its status but never scored.
//! 7. **Metadata for writers.** [`ResultsMeta`] gets what the catalogue and the register
//!    say beyond the tables: rights and attributes in catalogue order, each indicator's
//!    notes, benchmark source and target, each structural indicator's register entry (date,
//!    source, illustrative), the reference group of each dimension, and the register as
//!    displayed. The report ([`crate::report`]) reads nothing else.
//!
//! # In batches
//!
//! Built from the survey's columns ([`PipelineBuilder::schema`]) instead of its rows, a
//! pipeline takes the rows in batches ([`Pipeline::stream`], [`PipelineStream`],
//! [`Pipeline::run_streamed`]): steps 1 and 3 come from partial sums per (PSU, domain
//! cell) — two passes with PSUs, each stratum's variance computed when its rows are all
//! read; a gap's difference and ratio are variance targets of the same pass, so the two
//! domains' covariance enters their standard errors as in memory — and steps 2, 4–7 are
//! [`Pipeline::results_from`], as in memory. What partial sums cannot carry is refused
//! ([`Pipeline::stream_refusal`], [`PipelineError::NotStreamable`]).
//!
//! # Missing columns
//!
//! An indicator that reads a column absent from the data is an error naming the indicator
//! and the column ([`PipelineError::MissingColumn`]), raised by
//! [`PipelineBuilder::build`]. With [`MissingColumns::Skip`] the indicator is kept as a
//! single `total` row with every value null and the reason in `note`, listed in
//! [`ResultsMeta::skipped`], and counted as missing in the score roll-up. A dimension
//! column absent from the data is always an error: it concerns every indicator.
//!
//! # Example
//!
//! ```
//! use hri::catalogue::Catalogue;
//! use hri::design::Design;
//! use hri::estimate::Survey;
//! use hri::pipeline::Pipeline;
//! use polars::prelude::*;
//!
//! let catalogue = Catalogue::from_toml_str(r#"
//! [metadata]
//! name = "demo"
//! version = "1"
//! [[rights]]
//! id = "health"
//! name = "Right to health"
//! [[attributes]]
//! id = "access"
//! right = "health"
//! name = "Access"
//! [[indicators]]
//! id = "insured"
//! name = "Covered by health insurance"
//! right = "health"
//! attribute = "access"
//! kind = "process"
//! unit = "percent"
//! direction = "higher_is_better"
//! measure = { type = "proportion", condition = "insured = 1" }
//! disaggregations = [["migratory_status"]]
//! "#).unwrap();
//! let n = 200;
//! let data = df!(
//!     "w" => vec![1.0; n],
//!     "insured" => (0..n).map(|i| (i % 3 != 0) as i32).collect::<Vec<_>>(),
//!     "migratory_status" => (0..n)
//!         .map(|i| if i % 2 == 0 { "foreign_born" } else { "native_born_citizen" })
//!         .collect::<Vec<_>>(),
//! ).unwrap();
//! let survey = Survey::new(data, Design::builder("w").build().unwrap()).unwrap();
//! let results = Pipeline::builder()
//!     .catalogue(catalogue)
//!     .survey(survey)
//!     .time_period("2020")
//!     .ref_area("MEX")
//!     .build()
//!     .unwrap()
//!     .run()
//!     .unwrap();
//! let total = results.row("insured", "total", "total").unwrap();
//! assert!((total.estimate.unwrap() - 100.0 * 133.0 / 200.0).abs() < 1e-9);
//! let migrants = results.row("insured", "migratory_status", "foreign_born").unwrap();
//! assert_eq!(migrants.gap_reference.as_deref(), Some("native_born_citizen"));
//! assert_eq!(results.indicators().height(), 3);
//! ```

use std::collections::{BTreeMap, BTreeSet, HashMap};

use polars::prelude::{DataFrame, Expr, IntoLazy, PolarsError};

use crate::design::LonelyPsu;

use crate::benchmark::{self, BenchmarkError, Round};
use crate::catalogue::{Catalogue, ValidationReport};
use crate::design::Design;
use crate::estimate::{
    CiMethod, DfMethod, EstimateRow, Estimates, GapRow, GapSpec, Gaps, KeyedSums, MeasureSpec,
    Request, Statistic, StratumPass, Survey,
};
use crate::framework::{
    Dimension, Direction, Indicator, IndicatorKind, Measure, Normalisation, Target, Unit,
};
use crate::quality::{self as quality, Assessment, QualityError, QualityInput, QualityPolicy};
use crate::results::{
    AttributeInfo, CROSS, GapFlag, IndicatorInfo, IndicatorRow, IndicatorSheet, ReferenceGroup,
    RegisterEntryInfo, RegisterInfo, Results, ResultsMeta, RightInfo, StructuralInfo, SummaryLevel,
    SummaryRow, TOTAL,
};
use crate::score::{self, ANY_GROUP, IndicatorScore, RollupLevel, ScoreError, ScoreOutcome};
use crate::structural::{Entry, PartialDate, Register, RegisterError, StructuralValue};
use hri_survey::Error as EstimateError;

/// Default reference group of migratory status: the label that
/// [`crate::derive::migratory_status`] gives native-born citizens.
pub const DEFAULT_NON_MIGRANT: &str = crate::framework::label::NATIVE_BORN_CITIZEN;

/// Default interval method: Korn–Graubard for proportions and rates (Korn and Graubard
/// 1998, R's `svyciprop(method = "beta")`), Wald for other measures, Woodruff for quantiles.
///
/// Why not Wald: the Wald interval of a proportion leaves [0, 1] near the boundaries and
/// covers the true value less often than its level says for small proportions and small
/// effective samples, which migrant subgroups often are. Korn–Graubard stays in [0, 1], is
/// conservative where Wald undercovers, and is the interval on which the NCHS presentation
/// standards for proportions (Parker et al. 2017, [`QualityPolicy::nchs_2017`]) are
/// defined, so the published interval and the quality rule agree. At an estimate of exactly
/// 0 or 1, where R's `svyciprop` gives no interval, the pipeline takes the Clopper–Pearson
/// limits on the domain's `n` ([`quality::korn_graubard`]).
pub const DEFAULT_CI: CiMethod = CiMethod::Beta;

/// What to do with an indicator whose columns are not all in the data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MissingColumns {
    /// Fail with [`PipelineError::MissingColumn`] (the default).
    #[default]
    Error,
    /// Keep the indicator as one `total` row with null values and the reason in `note`.
    Skip,
}

/// Errors of the pipeline. Each names the indicator, dimension, column or setting at fault.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PipelineError {
    /// A required setting was not given.
    #[error("pipeline setting `{0}` is required")]
    MissingSetting(&'static str),
    /// The catalogue does not pass validation.
    #[error("invalid catalogue: {0}")]
    InvalidCatalogue(#[source] ValidationReport),
    /// The confidence level is not in (0, 1).
    #[error("confidence level must be in (0, 1), got {0}")]
    InvalidLevel(f64),
    /// The quality policy is invalid.
    #[error(transparent)]
    Quality(#[from] QualityError),
    /// An indicator reads a column that is not in the data.
    #[error("indicator '{indicator}': column `{column}` is not in the data")]
    MissingColumn {
        /// Indicator id.
        indicator: String,
        /// The missing column.
        column: String,
    },
    /// An indicator's variable is not numeric.
    #[error("indicator '{indicator}': column `{column}` must be numeric, found {dtype}")]
    NotNumeric {
        /// Indicator id.
        indicator: String,
        /// The column.
        column: String,
        /// Its data type.
        dtype: String,
    },
    /// An indicator's SQL condition or universe does not parse or does not evaluate to
    /// true/false on the data.
    #[error("indicator '{indicator}': SQL {role} `{condition}` is invalid: {message}")]
    BadCondition {
        /// Indicator id.
        indicator: String,
        /// `condition` or `universe`.
        role: &'static str,
        /// The SQL text.
        condition: String,
        /// What is wrong.
        message: String,
    },
    /// A dimension used by a disaggregation is read from a column absent from the data.
    #[error("dimension '{dimension}' is read from column `{column}`, which is not in the data")]
    MissingDimensionColumn {
        /// Dimension name.
        dimension: &'static str,
        /// Survey column.
        column: String,
    },
    /// Two dimensions used by disaggregations are read from the same column.
    #[error("dimensions '{first}' and '{second}' are both read from column `{column}`")]
    SharedDimensionColumn {
        /// One dimension.
        first: &'static str,
        /// The other.
        second: &'static str,
        /// The shared column.
        column: String,
    },
    /// A reference group is not among the groups of its dimension in the data.
    #[error(
        "reference group '{group}' of dimension '{dimension}' (column `{column}`) is not in the data; groups found: {available}"
    )]
    UnknownReferenceGroup {
        /// Dimension name.
        dimension: &'static str,
        /// Survey column.
        column: String,
        /// The reference label asked for.
        group: String,
        /// The labels found, comma-separated.
        available: String,
    },
    /// The previous round cannot be compared with this one.
    #[error("previous round: {0}")]
    PreviousRound(String),
    /// Estimation failed for a reason tied to one indicator.
    #[error("indicator '{indicator}': {source}")]
    IndicatorEstimation {
        /// Indicator id.
        indicator: String,
        /// The engine's error.
        #[source]
        source: EstimateError,
    },
    /// Estimation failed for a reason tied to the design or the data as a whole.
    #[error("estimation failed: {0}")]
    Estimation(#[source] EstimateError),
    /// A benchmark computation failed (the error names the indicator).
    #[error(transparent)]
    Benchmark(#[from] BenchmarkError),
    /// A register lookup failed.
    #[error(transparent)]
    Register(#[from] RegisterError),
    /// The score roll-up failed (the error names the indicator or component).
    #[error(transparent)]
    Score(#[from] ScoreError),
    /// Building a results table failed.
    #[error("building the results tables: {0}")]
    Polars(#[from] PolarsError),
    /// The computation cannot be done from partial sums read in batches: the indicator
    /// concerned (none when it is the design) and why.
    #[error("cannot stream{}: {reason}", indicator.as_ref().map(|i| format!(" indicator '{i}'")).unwrap_or_default())]
    NotStreamable {
        /// The indicator that needs the whole data, if one does.
        indicator: Option<String>,
        /// Why, and what to do instead.
        reason: String,
    },
    /// A pipeline was run the other way than it was built: from a schema it runs with
    /// [`Pipeline::stream`], from data with [`Pipeline::run`].
    #[error("{0}")]
    WrongRoute(&'static str),
}

/// The survey columns an indicator's measure reads: its variables and every column named in
/// its SQL condition and universe, in order of first appearance. Empty for a structural
/// indicator. Errors ([`PipelineError::BadCondition`]) when an SQL text does not parse.
pub fn measure_columns(indicator: &Indicator) -> Result<Vec<String>, PipelineError> {
    let mut out: Vec<String> = Vec::new();
    let mut add = |c: &str| {
        if !out.iter().any(|o| o == c) {
            out.push(c.to_string());
        }
    };
    let mut sql: Vec<(&'static str, &str)> = Vec::new();
    match &indicator.measure {
        Measure::Proportion { condition, .. } | Measure::Rate { condition, .. } => {
            sql.push(("condition", condition));
        }
        Measure::Mean { variable, .. }
        | Measure::Total { variable, .. }
        | Measure::Quantile { variable, .. } => add(variable),
        Measure::Ratio {
            numerator,
            denominator,
            ..
        } => {
            add(numerator);
            add(denominator);
        }
        Measure::Structural { .. } => return Ok(Vec::new()),
    }
    if let Some(u) = indicator.measure.universe() {
        sql.push(("universe", u));
    }
    for (role, text) in sql {
        let expr = parse_sql(indicator, role, text)?;
        for e in &expr {
            if let Expr::Column(name) = e {
                add(name.as_str());
            }
        }
    }
    Ok(out)
}

fn parse_sql(indicator: &Indicator, role: &'static str, text: &str) -> Result<Expr, PipelineError> {
    polars::sql::sql_expr(text).map_err(|e| PipelineError::BadCondition {
        indicator: indicator.id.clone(),
        role,
        condition: text.to_string(),
        message: e.to_string(),
    })
}

/// How one indicator is computed.
#[derive(Debug, Clone)]
enum Plan {
    /// From the register entry.
    Structural,
    /// From the survey: the measure, the display scale, and the indices (into the union of
    /// disaggregations) of the total and the indicator's own disaggregations.
    Survey {
        spec: MeasureSpec,
        scale: f64,
        disaggregations: Vec<usize>,
    },
    /// Skipped, with the reason.
    Skipped(String),
}

/// One disaggregation of the union: its dimensions, columns, label and gap dimension.
#[derive(Debug, Clone)]
struct Disagg {
    dims: Vec<Dimension>,
    columns: Vec<String>,
    label: String,
    /// Position (in `dims`) of the gap dimension and its reference label.
    gap: Option<(usize, String)>,
}

/// The display scale of a measure in a unit (see the `results` module documentation).
fn scale_of(measure: &Measure, unit: &Unit) -> f64 {
    let by_unit = match unit {
        Unit::Percent => 100.0,
        Unit::RatePer { per } => *per,
        _ => 1.0,
    };
    match measure {
        Measure::Rate { per, .. } => *per,
        Measure::Proportion { .. } | Measure::Ratio { .. } => by_unit,
        _ => 1.0,
    }
}

fn spec_of(indicator: &Indicator) -> Option<MeasureSpec> {
    let universe = indicator.measure.universe().map(str::to_string);
    let statistic = match &indicator.measure {
        Measure::Proportion { condition, .. } | Measure::Rate { condition, .. } => {
            Statistic::Proportion {
                condition: condition.clone(),
            }
        }
        Measure::Mean { variable, .. } => Statistic::Mean {
            variable: variable.clone(),
        },
        Measure::Total { variable, .. } => Statistic::Total {
            variable: variable.clone(),
        },
        Measure::Ratio {
            numerator,
            denominator,
            ..
        } => Statistic::Ratio {
            numerator: numerator.clone(),
            denominator: denominator.clone(),
        },
        Measure::Quantile { variable, p, .. } => Statistic::Quantile {
            variable: variable.clone(),
            probs: vec![*p],
        },
        Measure::Structural { .. } => return None,
    };
    Some(MeasureSpec {
        id: indicator.id.clone(),
        statistic,
        universe,
    })
}

/// Builder of a [`Pipeline`]; [`build`](Self::build) checks every setting against the
/// catalogue and the data.
#[derive(Debug, Clone)]
pub struct PipelineBuilder {
    catalogue: Option<Catalogue>,
    survey: Option<Survey>,
    data: Option<(DataFrame, Design)>,
    register: Option<Register>,
    quality: QualityPolicy,
    references: BTreeMap<Dimension, String>,
    ci: CiMethod,
    level: f64,
    df: DfMethod,
    time_period: Option<String>,
    reference_year: Option<f64>,
    reference_date: Option<PartialDate>,
    ref_area: Option<String>,
    previous: Option<Results>,
    missing: MissingColumns,
    withhold: bool,
    /// The data come later, in batches ([`Pipeline::stream`]).
    streamed: bool,
}

impl Default for PipelineBuilder {
    fn default() -> Self {
        PipelineBuilder {
            catalogue: None,
            survey: None,
            data: None,
            register: None,
            quality: QualityPolicy::default(),
            references: BTreeMap::from([
                (Dimension::MigratoryStatus, DEFAULT_NON_MIGRANT.to_string()),
                (
                    Dimension::PlaceOfBirth,
                    crate::framework::label::NATIVE_BORN.to_string(),
                ),
                (
                    Dimension::Citizenship,
                    crate::framework::label::CITIZEN.to_string(),
                ),
            ]),
            ci: DEFAULT_CI,
            level: 0.95,
            df: DfMethod::Design,
            time_period: None,
            reference_year: None,
            reference_date: None,
            ref_area: None,
            previous: None,
            missing: MissingColumns::Error,
            withhold: true,
            streamed: false,
        }
    }
}

impl PipelineBuilder {
    /// The catalogue of indicators (required). It is validated by [`build`](Self::build).
    pub fn catalogue(mut self, catalogue: Catalogue) -> Self {
        self.catalogue = Some(catalogue);
        self
    }

    /// The survey: microdata with its design (required, or [`data`](Self::data)).
    pub fn survey(mut self, survey: Survey) -> Self {
        self.survey = Some(survey);
        self.data = None;
        self.streamed = false;
        self
    }

    /// The survey as microdata and a design (attached by [`build`](Self::build)).
    pub fn data(mut self, data: DataFrame, design: Design) -> Self {
        self.data = Some((data, design));
        self.survey = None;
        self.streamed = false;
        self
    }

    /// The survey's columns (a frame whose rows are ignored: give one with none) and its
    /// design, for a pipeline whose rows come later in batches ([`Pipeline::stream`]);
    /// [`build`](Self::build) checks every setting against these columns as it does
    /// against whole data, and [`Pipeline::run`] refuses to run it.
    pub fn schema(mut self, columns: DataFrame, design: Design) -> Self {
        self.data = Some((columns.clear(), design));
        self.survey = None;
        self.streamed = true;
        self
    }

    /// The country register, source of structural indicators (optional: without it, every
    /// structural indicator is `missing`). It is carried into [`ResultsMeta::register`] for
    /// the report.
    pub fn register(mut self, register: Register) -> Self {
        self.register = Some(register);
        self
    }

    /// The quality policy (default [`QualityPolicy::cv_bands_15_30`]).
    pub fn quality(mut self, policy: QualityPolicy) -> Self {
        self.quality = policy;
        self
    }

    /// Sets the reference group of a dimension, as the label of the group in the data
    /// (default: migratory status → [`DEFAULT_NON_MIGRANT`], no other).
    pub fn reference(mut self, dimension: Dimension, group: impl Into<String>) -> Self {
        self.references.insert(dimension, group.into());
        self
    }

    /// Removes the reference group of a dimension (no gaps along it).
    pub fn no_reference(mut self, dimension: Dimension) -> Self {
        self.references.remove(&dimension);
        self
    }

    /// Interval method (default [`DEFAULT_CI`], Korn–Graubard; logit, xlogit, beta and
    /// Wilson apply to proportions and rates, other measures keep Wald, quantiles Woodruff).
    pub fn ci(mut self, method: CiMethod) -> Self {
        self.ci = method;
        self
    }

    /// Confidence level in (0, 1) (default 0.95); gaps are flagged significant at
    /// `1 − level`.
    pub fn level(mut self, level: f64) -> Self {
        self.level = level;
        self
    }

    /// Degrees of freedom of intervals and p-values (default: the design's).
    pub fn df(mut self, df: DfMethod) -> Self {
        self.df = df;
        self
    }

    /// Label of the round, the `time_period` column (required), e.g. `"2020"`.
    pub fn time_period(mut self, label: impl Into<String>) -> Self {
        self.time_period = Some(label.into());
        self
    }

    /// Reference year of the round, for progress between rounds (default: the first four
    /// characters of the time period when they are a year).
    pub fn reference_year(mut self, year: f64) -> Self {
        self.reference_year = Some(year);
        self
    }

    /// Reference date of the round, at which register entries are read (default: the
    /// reference year, so that a round does not count what was ratified or adopted after
    /// its year).
    pub fn reference_date(mut self, date: PartialDate) -> Self {
        self.reference_date = Some(date);
        self
    }

    /// Country code, the `ref_area` column (default: the register's country, else the
    /// catalogue's country unless it is `generic`; required if neither).
    pub fn ref_area(mut self, code: impl Into<String>) -> Self {
        self.ref_area = Some(code.into());
        self
    }

    /// Results of an earlier round of the same country, to measure change and progress.
    pub fn previous(mut self, previous: Results) -> Self {
        self.previous = Some(previous);
        self
    }

    /// What to do with indicators whose columns are missing (default: error).
    pub fn missing_columns(mut self, policy: MissingColumns) -> Self {
        self.missing = policy;
        self
    }

    /// Whether unpublished figures have their values withheld (default `true`). With
    /// `false`, values stay beside their flag and `published = false`: for internal review
    /// only.
    pub fn withhold(mut self, withhold: bool) -> Self {
        self.withhold = withhold;
        self
    }

    /// Checks the settings and plans the computation: the catalogue validates; the level and
    /// quality policy are valid; time period and country are known; every dimension used
    /// has its column; every indicator's columns exist (or it is skipped, see
    /// [`MissingColumns`]), its variables are numeric and its SQL evaluates to true/false;
    /// a previous round is earlier and of the same country.
    pub fn build(self) -> Result<Pipeline, PipelineError> {
        // SQL parsing and planning recurse deeply on long conditions: check on a large stack.
        crate::sql::on_sql_stack("pipeline-build", move || self.build_checked())
    }

    fn build_checked(self) -> Result<Pipeline, PipelineError> {
        let catalogue = self
            .catalogue
            .ok_or(PipelineError::MissingSetting("catalogue"))?;
        catalogue
            .validate()
            .map_err(PipelineError::InvalidCatalogue)?;
        let survey = match (self.survey, self.data) {
            (Some(s), _) => s,
            (None, Some((data, design))) => {
                Survey::new(data, design).map_err(PipelineError::Estimation)?
            }
            (None, None) => return Err(PipelineError::MissingSetting("survey")),
        };
        if !(self.level > 0.0 && self.level < 1.0) {
            return Err(PipelineError::InvalidLevel(self.level));
        }
        self.quality.validate()?;
        let time_period = self
            .time_period
            .filter(|t| !t.trim().is_empty())
            .ok_or(PipelineError::MissingSetting("time_period"))?;
        let reference_year = self.reference_year.or_else(|| {
            let head: String = time_period.chars().take(4).collect();
            (head.len() == 4 && head.chars().all(|c| c.is_ascii_digit()))
                .then(|| head.parse::<f64>().ok())
                .flatten()
        });
        let ref_area = self
            .ref_area
            .or_else(|| self.register.as_ref().map(|r| r.country.clone()))
            .or_else(|| {
                (catalogue.metadata.country != "generic")
                    .then(|| catalogue.metadata.country.clone())
            })
            .filter(|r| !r.trim().is_empty())
            .ok_or(PipelineError::MissingSetting("ref_area"))?;

        // The union of disaggregations: the whole population first, then each distinct set
        // of dimensions in order of first appearance in the catalogue.
        let mut disaggs = vec![Disagg {
            dims: Vec::new(),
            columns: Vec::new(),
            label: TOTAL.to_string(),
            gap: None,
        }];
        let mut index: HashMap<Vec<Dimension>, usize> = HashMap::new();
        for ind in catalogue.survey_indicators() {
            for d in &ind.disaggregations {
                let mut key = d.clone();
                key.sort();
                if d.is_empty() || index.contains_key(&key) {
                    continue;
                }
                index.insert(key, disaggs.len());
                disaggs.push(Disagg {
                    dims: d.clone(),
                    columns: d.iter().map(|&x| catalogue.column(x).to_string()).collect(),
                    label: d.iter().map(|x| x.as_str()).collect::<Vec<_>>().join(CROSS),
                    gap: gap_dimension(d, &self.references),
                });
            }
        }
        let dimensions: Vec<Dimension> = disaggs
            .iter()
            .flat_map(|d| d.dims.iter().copied())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let data = survey.data();
        let mut seen: HashMap<&str, Dimension> = HashMap::new();
        for &dim in &dimensions {
            let column = catalogue.column(dim);
            if data.column(column).is_err() {
                return Err(PipelineError::MissingDimensionColumn {
                    dimension: dim.as_str(),
                    column: column.to_string(),
                });
            }
            if let Some(other) = seen.insert(column, dim) {
                return Err(PipelineError::SharedDimensionColumn {
                    first: other.as_str(),
                    second: dim.as_str(),
                    column: column.to_string(),
                });
            }
        }

        let empty = data.clear();
        let mut plans = Vec::with_capacity(catalogue.indicators.len());
        let mut skipped = Vec::new();
        for ind in &catalogue.indicators {
            let Some(spec) = spec_of(ind) else {
                plans.push(Plan::Structural);
                continue;
            };
            if let Some(column) = measure_columns(ind)?
                .into_iter()
                .find(|c| data.column(c).is_err())
            {
                match self.missing {
                    MissingColumns::Error => {
                        return Err(PipelineError::MissingColumn {
                            indicator: ind.id.clone(),
                            column,
                        });
                    }
                    MissingColumns::Skip => {
                        let reason =
                            format!("indicator skipped: column `{column}` is not in the data");
                        skipped.push((ind.id.clone(), reason.clone()));
                        plans.push(Plan::Skipped(reason));
                        continue;
                    }
                }
            }
            check_measure(ind, &empty)?;
            let mut own = vec![0];
            for d in &ind.disaggregations {
                let mut key = d.clone();
                key.sort();
                if let Some(&k) = index.get(&key)
                    && !own.contains(&k)
                {
                    own.push(k);
                }
            }
            plans.push(Plan::Survey {
                spec,
                scale: scale_of(&ind.measure, &ind.unit),
                disaggregations: own,
            });
        }

        if let Some(prev) = &self.previous {
            let prev_meta = prev.meta();
            if prev_meta.ref_area != ref_area {
                return Err(PipelineError::PreviousRound(format!(
                    "the previous round is of '{}', this one of '{ref_area}'",
                    prev_meta.ref_area
                )));
            }
            match (prev_meta.reference_year, reference_year) {
                (Some(y1), Some(y2)) if y1 < y2 => {}
                (Some(y1), Some(y2)) => {
                    return Err(PipelineError::PreviousRound(format!(
                        "the previous round's year {y1} is not before this round's year {y2}"
                    )));
                }
                _ => {
                    return Err(PipelineError::PreviousRound(
                        "both rounds need a reference year (set reference_year, or a time period starting with the year)".to_string(),
                    ));
                }
            }
        }

        Ok(Pipeline {
            catalogue,
            survey,
            register: self.register,
            quality: self.quality,
            ci: self.ci,
            level: self.level,
            df: self.df,
            time_period,
            reference_year,
            reference_date: self.reference_date,
            ref_area,
            previous: self.previous,
            withhold: self.withhold,
            streamed: self.streamed,
            references: self.references,
            disaggs,
            dimensions,
            plans,
            skipped,
        })
    }
}

/// The register as displayed to readers, for [`ResultsMeta::register`].
fn register_info(register: &Register) -> RegisterInfo {
    let text = |d: Option<PartialDate>| d.map(|d| d.to_string());
    RegisterInfo {
        country: register.country.clone(),
        name: register.name.clone(),
        as_of: text(register.as_of),
        notes: register.notes.clone(),
        entries: register
            .entries()
            .map(|entry| {
                let (kind, instrument, signed, main, later) = match entry {
                    Entry::Instrument(i) => (
                        i.kind.as_str(),
                        true,
                        text(i.signed),
                        text(i.ratified),
                        text(i.in_force),
                    ),
                    Entry::Policy(p) => (
                        p.kind.as_str(),
                        false,
                        None,
                        text(p.adopted),
                        text(p.amended),
                    ),
                };
                RegisterEntryInfo {
                    id: entry.id().to_string(),
                    name: entry.name().to_string(),
                    kind: kind.to_string(),
                    instrument,
                    status: entry.status().as_str().to_string(),
                    signed,
                    ratified_or_adopted: main,
                    in_force_or_amended: later,
                    source: entry.source().to_string(),
                    illustrative: entry.illustrative(),
                    notes: entry.notes().map(str::to_string),
                }
            })
            .collect(),
    }
}

/// The gap dimension of a disaggregation: migratory status when present with a
/// reference, else the first dimension with a reference.
fn gap_dimension(
    dims: &[Dimension],
    refs: &BTreeMap<Dimension, String>,
) -> Option<(usize, String)> {
    let pick = |pos: usize| refs.get(&dims[pos]).map(|r| (pos, r.clone()));
    dims.iter()
        .position(|d| *d == Dimension::MigratoryStatus)
        .and_then(pick)
        .or_else(|| (0..dims.len()).find_map(pick))
}

/// Checks an indicator's variables are numeric and its SQL evaluates to true/false, on the
/// data's schema (a frame with no rows).
fn check_measure(ind: &Indicator, empty: &DataFrame) -> Result<(), PipelineError> {
    let numeric = |column: &str| -> Result<(), PipelineError> {
        if let Ok(c) = empty.column(column) {
            let dt = c.dtype();
            if !(dt.is_primitive_numeric() || dt.is_bool() || dt.is_null()) {
                return Err(PipelineError::NotNumeric {
                    indicator: ind.id.clone(),
                    column: column.to_string(),
                    dtype: dt.to_string(),
                });
            }
        }
        Ok(())
    };
    let mut sql: Vec<(&'static str, &str)> = Vec::new();
    match &ind.measure {
        Measure::Proportion { condition, .. } | Measure::Rate { condition, .. } => {
            sql.push(("condition", condition));
        }
        Measure::Mean { variable, .. }
        | Measure::Total { variable, .. }
        | Measure::Quantile { variable, .. } => numeric(variable)?,
        Measure::Ratio {
            numerator,
            denominator,
            ..
        } => {
            numeric(numerator)?;
            numeric(denominator)?;
        }
        Measure::Structural { .. } => {}
    }
    if let Some(u) = ind.measure.universe() {
        sql.push(("universe", u));
    }
    for (role, text) in sql {
        let expr = parse_sql(ind, role, text)?;
        let bad = |message: String| PipelineError::BadCondition {
            indicator: ind.id.clone(),
            role,
            condition: text.to_string(),
            message,
        };
        let out = empty
            .clone()
            .lazy()
            .select([expr.alias("__hri_check")])
            .collect()
            .map_err(|e| bad(e.to_string()))?;
        let dtype = out
            .column("__hri_check")
            .map_err(|e| bad(e.to_string()))?
            .dtype()
            .clone();
        if !(dtype.is_bool() || dtype.is_null()) {
            return Err(bad(format!(
                "evaluates to {dtype}, not a true/false condition"
            )));
        }
    }
    Ok(())
}

/// A validated, planned computation of a catalogue's indicators on a survey. Build it with
/// [`Pipeline::builder`]; run it with [`Pipeline::run`]. See the
/// [module documentation](self) for what a run computes.
#[derive(Debug, Clone)]
pub struct Pipeline {
    catalogue: Catalogue,
    survey: Survey,
    register: Option<Register>,
    quality: QualityPolicy,
    ci: CiMethod,
    level: f64,
    df: DfMethod,
    time_period: String,
    reference_year: Option<f64>,
    reference_date: Option<PartialDate>,
    ref_area: String,
    previous: Option<Results>,
    withhold: bool,
    /// Built from a schema: the rows come through [`Pipeline::stream`].
    streamed: bool,
    references: BTreeMap<Dimension, String>,
    disaggs: Vec<Disagg>,
    dimensions: Vec<Dimension>,
    plans: Vec<Plan>,
    skipped: Vec<(String, String)>,
}

/// Identifies a domain of a measure: (measure id, disaggregation index, group values in
/// the disaggregation's dimension order).
type DomainKey = (String, usize, Vec<String>);

/// Notes explaining nulls, as `key: reason`.
#[derive(Default)]
struct Notes(Vec<String>);

impl Notes {
    fn add(&mut self, key: &str, reason: impl AsRef<str>) {
        self.0.push(format!("{key}: {}", reason.as_ref()));
    }
    fn finish(self) -> Option<String> {
        (!self.0.is_empty()).then(|| self.0.join("; "))
    }
}

fn finite(x: Option<f64>) -> Option<f64> {
    x.filter(|v| v.is_finite())
}

impl Pipeline {
    /// A builder with the defaults: quality policy `cv_bands_15_30`, migratory status
    /// referenced to [`DEFAULT_NON_MIGRANT`], [`DEFAULT_CI`] intervals at 95 % on design df, values of
    /// unpublished figures withheld, missing columns an error.
    pub fn builder() -> PipelineBuilder {
        PipelineBuilder::default()
    }

    /// The single estimation request the run makes: every survey indicator (not skipped) ×
    /// the whole population and the union of the catalogue's disaggregations.
    pub fn request(&self) -> Request {
        let mut request = Request::new().ci(self.ci).level(self.level).df(self.df);
        request.measures = self
            .plans
            .iter()
            .filter_map(|p| match p {
                Plan::Survey { spec, .. } => Some(spec.clone()),
                _ => None,
            })
            .collect();
        request.disaggregations = self.disaggs.iter().map(|d| d.columns.clone()).collect();
        request
    }

    /// The dimensions that get a column in the results, in [`Dimension`] order.
    pub fn dimensions(&self) -> &[Dimension] {
        &self.dimensions
    }

    /// Indicators skipped for missing columns, with the reason.
    pub fn skipped(&self) -> &[(String, String)] {
        &self.skipped
    }

    /// Maps an engine error to the indicator it concerns when it can be told.
    fn engine_error(&self, e: EstimateError) -> PipelineError {
        let matches = |spec: &MeasureSpec| -> bool {
            match &e {
                EstimateError::BadCondition { condition, .. } => {
                    spec.universe.as_deref() == Some(condition.as_str())
                        || matches!(&spec.statistic, Statistic::Proportion { condition: c } if c == condition)
                }
                EstimateError::UnknownColumn { column, .. }
                | EstimateError::NotNumeric { column, .. } => match &spec.statistic {
                    Statistic::Mean { variable }
                    | Statistic::Total { variable }
                    | Statistic::Quantile { variable, .. } => variable == column,
                    Statistic::Ratio {
                        numerator,
                        denominator,
                    } => numerator == column || denominator == column,
                    Statistic::Proportion { .. } => false,
                },
                _ => false,
            }
        };
        let found = self.plans.iter().find_map(|p| match p {
            Plan::Survey { spec, .. } if matches(spec) => Some(spec.id.clone()),
            _ => None,
        });
        match found {
            Some(indicator) => PipelineError::IndicatorEstimation {
                indicator,
                source: e,
            },
            None => PipelineError::Estimation(e),
        }
    }

    /// Runs the whole computation (see the [module documentation](self)).
    pub fn run(&self) -> Result<Results, PipelineError> {
        self.results_from(&self.estimate()?)
    }

    /// The estimates and gaps of the round from the data in memory (the first three steps
    /// of [`Pipeline::run`]); [`Pipeline::results_from`] does the rest.
    pub fn estimate(&self) -> Result<Estimated, PipelineError> {
        if self.streamed {
            return Err(PipelineError::WrongRoute(
                "this pipeline was built from a schema: feed its rows with Pipeline::stream",
            ));
        }
        let request = self.request();
        let estimates = if request.measures.is_empty() {
            None
        } else {
            Some(
                self.survey
                    .estimate(&request)
                    .map_err(|e| self.engine_error(e))?,
            )
        };
        let table = Table::new(self, estimates.as_ref());
        let gaps = self.gaps(&request, &table)?;
        Ok(Estimated { estimates, gaps })
    }

    /// The results of a round from its estimates and gaps ([`Pipeline::estimate`] or
    /// [`PipelineStream::finish`]): quality flags, benchmarks, progress, scores and
    /// metadata. A pipeline with the same catalogue and data but another previous round
    /// reuses the same [`Estimated`].
    pub fn results_from(&self, estimated: &Estimated) -> Result<Results, PipelineError> {
        let table = Table::new(self, estimated.estimates.as_ref());
        let gaps = &estimated.gaps;
        let mut rows = Vec::new();
        for (ind, plan) in self.catalogue.indicators.iter().zip(&self.plans) {
            match plan {
                Plan::Structural => rows.push(self.structural_row(ind)?),
                Plan::Skipped(reason) => rows.push(self.skipped_row(ind, reason)),
                Plan::Survey {
                    spec,
                    scale,
                    disaggregations,
                } => {
                    for &k in disaggregations {
                        for &i in table.domains(&spec.id, k) {
                            let estimate = table.rows[i];
                            let inputs = RowInputs {
                                ind,
                                spec,
                                scale: *scale,
                                k,
                                values: &table.values(k, estimate),
                                estimate,
                                assessment: &table.assessments[i],
                                table: &table,
                                gaps,
                            };
                            rows.push(self.survey_row(&inputs)?);
                        }
                    }
                }
            }
        }
        let summaries = self.rollup(&rows)?;
        let meta = ResultsMeta {
            catalogue: self.catalogue.metadata.name.clone(),
            catalogue_version: self.catalogue.metadata.version.clone(),
            time_period: self.time_period.clone(),
            reference_year: self.reference_year,
            ref_area: self.ref_area.clone(),
            dimensions: self.dimensions.clone(),
            dimension_labels: self.catalogue.dimension_labels.clone(),
            quality_policy: self.quality.name.clone(),
            ci: self.ci,
            level: self.level,
            withheld: self.withhold,
            previous_time_period: self.previous.as_ref().map(|p| p.meta().time_period.clone()),
            skipped: self.skipped.clone(),
            references: self
                .references
                .iter()
                .filter(|(d, _)| self.dimensions.contains(d))
                .map(|(&dimension, group)| ReferenceGroup {
                    dimension,
                    group: group.clone(),
                })
                .collect(),
            rights: self
                .catalogue
                .rights
                .iter()
                .map(|r| RightInfo {
                    id: r.id.clone(),
                    name: r.name.clone(),
                })
                .collect(),
            attributes: self
                .catalogue
                .attributes
                .iter()
                .map(|a| AttributeInfo {
                    id: a.id.clone(),
                    right: a.right.clone(),
                    name: a.name.clone(),
                })
                .collect(),
            indicators: self
                .catalogue
                .indicators
                .iter()
                .map(|ind| self.indicator_info(ind))
                .collect::<Result<_, _>>()?,
            register: self.register.as_ref().map(register_info),
        };
        Ok(Results::new(meta, rows, summaries)?)
    }

    /// Gaps of every non-quantile measure, for every disaggregation with a gap dimension and
    /// every non-reference group of it.
    fn gaps(
        &self,
        request: &Request,
        table: &Table<'_>,
    ) -> Result<HashMap<DomainKey, GapRow>, PipelineError> {
        let mut out = HashMap::new();
        let mut gap_request = request.clone();
        gap_request
            .measures
            .retain(|m| !matches!(m.statistic, Statistic::Quantile { .. }));
        if gap_request.measures.is_empty() {
            return Ok(out);
        }
        gap_request.disaggregations.clear();
        // Every (disaggregation, group) comparison in one pass over the rows.
        let (specs, owners) = self.gap_specs(|k, pos| table.labels(k, pos))?;
        let all = self
            .survey
            .gaps(&gap_request, &specs)
            .map_err(|e| self.engine_error(e))?;
        out.extend(self.gap_map(all, &owners));
        Ok(out)
    }

    /// Every gap comparison of the round: for each disaggregation with a gap dimension,
    /// each group of that dimension (`labels(k, pos)`: the groups of the `pos`-th column
    /// of disaggregation `k` with an estimate) against its reference, with the
    /// disaggregation each belongs to.
    fn gap_specs(
        &self,
        labels: impl Fn(usize, usize) -> BTreeSet<String>,
    ) -> Result<(Vec<GapSpec>, Vec<usize>), PipelineError> {
        let mut specs: Vec<GapSpec> = Vec::new();
        let mut owners: Vec<usize> = Vec::new();
        for (k, d) in self.disaggs.iter().enumerate() {
            let Some((pos, reference)) = &d.gap else {
                continue;
            };
            let column = &d.columns[*pos];
            let labels = labels(k, *pos);
            if labels.is_empty() {
                continue;
            }
            if !labels.contains(reference) {
                return Err(PipelineError::UnknownReferenceGroup {
                    dimension: d.dims[*pos].as_str(),
                    column: column.clone(),
                    group: reference.clone(),
                    available: labels.iter().cloned().collect::<Vec<_>>().join(", "),
                });
            }
            for label in labels.iter().filter(|l| *l != reference) {
                specs.push(GapSpec {
                    by: d.columns.clone(),
                    column: column.clone(),
                    group: label.clone(),
                    reference: reference.clone(),
                });
                owners.push(k);
            }
        }
        Ok((specs, owners))
    }

    /// The engine's gap tables keyed by (measure, disaggregation, group values).
    fn gap_map(&self, all: Vec<Gaps>, owners: &[usize]) -> HashMap<DomainKey, GapRow> {
        let mut out = HashMap::new();
        for (gaps, &k) in all.into_iter().zip(owners) {
            let d = &self.disaggs[k];
            let positions: Vec<Option<usize>> = d
                .columns
                .iter()
                .map(|c| gaps.by_columns.iter().position(|b| b == c))
                .collect();
            for g in gaps.rows {
                let values: Option<Vec<String>> = positions
                    .iter()
                    .map(|p| p.and_then(|p| g.groups.get(p).cloned()))
                    .collect();
                if let Some(values) = values {
                    out.insert((g.measure.clone(), k, values), g);
                }
            }
        }
        out
    }

    fn base_row(&self, ind: &Indicator, disaggregation: &str, group: &str) -> IndicatorRow {
        IndicatorRow {
            indicator_id: ind.id.clone(),
            indicator_name: ind.name.clone(),
            right: ind.right.clone(),
            attribute: ind.attribute.clone(),
            kind: ind.kind,
            unit: ind.unit.code(),
            direction: ind.direction.as_str().to_string(),
            disaggregation: disaggregation.to_string(),
            groups: vec![None; self.dimensions.len()],
            group: group.to_string(),
            estimate: None,
            se: None,
            ci_low: None,
            ci_high: None,
            df: None,
            cv: None,
            deff: None,
            n: None,
            pop: None,
            excluded_universe: None,
            excluded_missing: None,
            excluded_missing_group: None,
            quality_flag: None,
            quality_reason: None,
            published: false,
            gap_reference: None,
            gap_difference: None,
            gap_se: None,
            gap_ci_low: None,
            gap_ci_high: None,
            gap_ratio: None,
            gap_p_value: None,
            gap_flag: None,
            gap_score: None,
            benchmark_target: None,
            benchmark_target_status: None,
            benchmark_year: None,
            distance: None,
            target_met: None,
            target_status: None,
            progress_status: None,
            change: None,
            change_se: None,
            change_basis: None,
            score: None,
            structural_status: None,
            note: None,
        }
    }

    fn skipped_row(&self, ind: &Indicator, reason: &str) -> IndicatorRow {
        let mut row = self.base_row(ind, TOTAL, TOTAL);
        let mut notes = Notes::default();
        row.quality_reason = Some(reason.to_string());
        notes.add("estimate", reason);
        notes.add("gap", reason);
        match &ind.benchmark {
            Some(b) => {
                row.benchmark_year = Some(b.year);
                match &b.target {
                    Target::Value(t) => row.benchmark_target = Some(*t),
                    Target::Status(s) => row.benchmark_target_status = Some(s.clone()),
                }
                notes.add("benchmark", format!("distance and target_met: {reason}"));
            }
            None => notes.add("benchmark", "the indicator has no benchmark"),
        }
        notes.add("progress", reason);
        notes.add("score", reason);
        row.note = notes.finish();
        row
    }

    /// The value of a structural indicator: its register entry, or missing without a
    /// register.
    fn structural_value(&self, ind: &Indicator) -> Result<StructuralValue, PipelineError> {
        Ok(match &self.register {
            Some(r) => r.structural_value_at(ind, self.reference_date())?,
            None => StructuralValue::without_register(ind)?,
        })
    }

    /// The date register entries are read at: the one set with
    /// [`PipelineBuilder::reference_date`], else the reference year (an event of that year
    /// counts, see [`PartialDate::by`]); `None` without either (the register's current
    /// status).
    fn reference_date(&self) -> Option<PartialDate> {
        self.reference_date.or_else(|| {
            self.reference_year
                .filter(|y| y.is_finite() && (1000.0..10000.0).contains(y))
                .map(|y| PartialDate::from_year(y.floor() as i32))
        })
    }

    /// What the catalogue (and the register, for a structural indicator) says about an
    /// indicator, for [`ResultsMeta::indicators`].
    fn indicator_info(&self, ind: &Indicator) -> Result<IndicatorInfo, PipelineError> {
        let structural = match ind.kind {
            IndicatorKind::Structural => {
                let value = self.structural_value(ind)?;
                Some(StructuralInfo {
                    entry: value.entry,
                    date: value.date.map(|d| d.to_string()),
                    source: value.source,
                    illustrative: value.illustrative,
                })
            }
            _ => None,
        };
        Ok(IndicatorInfo {
            id: ind.id.clone(),
            notes: ind.notes.clone(),
            benchmark_source: ind.benchmark.as_ref().map(|b| b.source.clone()),
            benchmark_value: ind.benchmark.as_ref().and_then(|b| match b.target {
                Target::Value(t) => Some(t),
                Target::Status(_) => None,
            }),
            structural,
            sheet: indicator_sheet(ind),
        })
    }

    fn structural_row(&self, ind: &Indicator) -> Result<IndicatorRow, PipelineError> {
        let mut row = self.base_row(ind, TOTAL, TOTAL);
        let mut notes = Notes::default();
        let value = self.structural_value(ind)?;
        notes.add(
            "estimate",
            format!(
                "structural indicator: its value is the status of register entry '{}'",
                value.entry
            ),
        );
        row.published = true;
        row.quality_reason =
            Some("structural indicator: a register status, not a survey estimate".to_string());
        row.structural_status = Some(value.status.as_str().to_string());
        if let (Some(at), Some(stage)) = (value.at, value.stage) {
            notes.add(
                "structural_status",
                match value.date {
                    Some(d) => format!("at {at}: {stage} (since {d})"),
                    None => format!("at {at}: {stage}"),
                },
            );
        }
        if value.illustrative {
            notes.add(
                "structural_status",
                "illustrative register entry, not checked in a source",
            );
        }
        row.score = value.score();
        if let Some(why) = value.score_reason() {
            notes.add("score", why);
        }
        notes.add("gap", "structural indicators are not disaggregated");
        match benchmark::assess_status(ind, value.status)? {
            Some(a) => {
                row.benchmark_target_status = Some(a.target.as_str().to_string());
                row.benchmark_year = Some(a.target_year);
                row.target_met = a.met;
                let mut why = "distance is not defined for a status target".to_string();
                if a.met.is_none() {
                    why.push_str("; target_met unknown because the register entry is missing");
                }
                notes.add("benchmark", why);
            }
            None => notes.add("benchmark", "the indicator has no benchmark"),
        }
        notes.add("progress", "not tracked for structural indicators");
        row.note = notes.finish();
        Ok(row)
    }

    /// One row of a survey indicator: one group of one disaggregation.
    fn survey_row(&self, inputs: &RowInputs<'_>) -> Result<IndicatorRow, PipelineError> {
        let RowInputs { ind, k, values, .. } = *inputs;
        let d = &self.disaggs[k];
        let group = if d.dims.is_empty() {
            TOTAL.to_string()
        } else {
            values.join(CROSS)
        };
        let mut row = self.base_row(ind, &d.label, &group);
        for (dim, v) in d.dims.iter().zip(values) {
            if let Some(p) = self.dimensions.iter().position(|x| x == dim) {
                row.groups[p] = Some(v.clone());
            }
        }
        let mut notes = Notes::default();
        self.fill_estimate(&mut row, &mut notes, inputs);
        row.excluded_missing_group = inputs.table.missing_group(k);
        self.fill_gap(&mut row, &mut notes, inputs);
        self.fill_benchmark(&mut row, &mut notes, ind)?;
        // Change and progress since the previous round.
        self.progress(ind, &mut row, &mut notes)?;
        self.fill_score(&mut row, &mut notes, inputs);
        row.note = notes.finish();
        Ok(row)
    }

    /// The estimate, its precision and its quality assessment `a` (values scaled by `scale`,
    /// withheld when the pipeline withholds and `a` does not publish).
    fn fill_estimate(&self, row: &mut IndicatorRow, notes: &mut Notes, inputs: &RowInputs<'_>) {
        let RowInputs {
            spec,
            scale,
            estimate: r,
            assessment: a,
            ..
        } = *inputs;
        row.quality_flag = Some(a.flag);
        row.quality_reason = a.reason.clone();
        row.published = a.publish;
        row.n = Some(r.n);
        row.df = finite(r.df);
        row.excluded_universe = Some(r.excluded_universe());
        row.excluded_missing = Some(r.excluded_missing());
        let withheld = self.withhold && !a.publish;
        let estimate = finite(r.estimate).map(|x| x * scale);
        if row.df.is_none() {
            notes.add(
                "df",
                "design degrees of freedom not defined for this design or domain",
            );
        }
        if withheld {
            notes.add(
                "estimate",
                format!(
                    "values withheld ({}): {}",
                    a.flag.as_str(),
                    a.reason.as_deref().unwrap_or("not published")
                ),
            );
        } else if estimate.is_none() {
            notes.add(
                "estimate",
                format!(
                    "not estimated: {}",
                    a.reason.as_deref().unwrap_or("estimate not defined")
                ),
            );
            row.pop = Some(r.pop);
        } else {
            row.estimate = estimate;
            row.se = finite(r.se).map(|x| x * scale);
            row.ci_low = finite(r.ci_low).map(|x| x * scale);
            row.ci_high = finite(r.ci_high).map(|x| x * scale);
            if self.ci == CiMethod::Beta
                && matches!(spec.statistic, Statistic::Proportion { .. })
                && matches!(finite(r.estimate), Some(p) if p == 0.0 || p == 1.0)
                && (row.ci_low.is_none() || row.ci_high.is_none())
                && let Some((lo, hi)) = quality::korn_graubard(
                    r.estimate.unwrap_or(f64::NAN),
                    finite(r.se),
                    r.n,
                    finite(r.df),
                    self.level,
                )
            {
                row.ci_low = Some(lo * scale);
                row.ci_high = Some(hi * scale);
                notes.add(
                    "ci",
                    "Clopper–Pearson limits on the domain's n (Korn–Graubard at a boundary estimate)",
                );
            }
            row.cv = finite(r.cv);
            row.deff = finite(r.deff);
            row.pop = Some(r.pop);
            if row.se.is_none() {
                notes.add(
                    "se",
                    "standard error could not be computed (e.g. a single PSU)",
                );
            }
            if row.ci_low.is_none() || row.ci_high.is_none() {
                notes.add("ci", "interval limit not defined (no standard error, or outside the range of the data or of the method)");
            }
            if row.cv.is_none() {
                notes.add(
                    "cv",
                    if estimate == Some(0.0) {
                        "undefined for a zero estimate"
                    } else {
                        "no standard error"
                    },
                );
            }
            if row.deff.is_none()
                && matches!(
                    spec.statistic,
                    Statistic::Mean { .. } | Statistic::Total { .. }
                )
            {
                notes.add(
                    "deff",
                    "not computable (fewer than two observations or no variance)",
                );
            }
        }
    }

    /// The gap of the row's group to its reference group, when the disaggregation has one.
    fn fill_gap(&self, row: &mut IndicatorRow, notes: &mut Notes, inputs: &RowInputs<'_>) {
        let RowInputs {
            ind,
            spec,
            scale,
            k,
            values,
            table,
            gaps,
            assessment: a,
            ..
        } = *inputs;
        let d = &self.disaggs[k];
        let is_quantile = matches!(spec.statistic, Statistic::Quantile { .. });
        match &d.gap {
            None if d.dims.is_empty() => {
                notes.add("gap", "the whole population has no reference group")
            }
            None => notes.add(
                "gap",
                format!(
                    "no reference group is set for any dimension of disaggregation '{}'",
                    d.label
                ),
            ),
            Some((pos, reference)) => {
                let mut ref_values = values.to_vec();
                if let Some(v) = ref_values.get_mut(*pos) {
                    *v = reference.clone();
                }
                row.gap_reference = Some(ref_values.join(CROSS));
                let own = values.get(*pos).map(String::as_str);
                let ref_published = table.published(&spec.id, k, &ref_values);
                if own == Some(reference.as_str()) {
                    row.gap_flag = Some(GapFlag::ReferenceGroup);
                    notes.add("gap", "this row is the reference group");
                } else if is_quantile {
                    notes.add("gap", "gaps of quantiles are not estimated");
                } else if ref_published.is_none() {
                    notes.add(
                        "gap",
                        "the reference group has no observation with the same other group values",
                    );
                } else if self.withhold && !(a.publish && ref_published == Some(true)) {
                    notes.add(
                        "gap",
                        if !a.publish {
                            "withheld: the group's estimate is not published"
                        } else {
                            "withheld: the reference group's estimate is not published"
                        },
                    );
                } else if let Some(g) = gaps.get(&(spec.id.clone(), k, values.to_vec())) {
                    row.gap_difference = finite(g.estimate).map(|x| x * scale);
                    row.gap_se = finite(g.se).map(|x| x * scale);
                    row.gap_ci_low = finite(g.ci_low).map(|x| x * scale);
                    row.gap_ci_high = finite(g.ci_high).map(|x| x * scale);
                    row.gap_ratio = finite(g.ratio);
                    row.gap_p_value = finite(g.p_value);
                    row.gap_flag = gap_flag(
                        ind.direction,
                        row.gap_difference,
                        finite(g.group_estimate).map(|x| x * scale),
                        finite(g.reference_estimate).map(|x| x * scale),
                        row.gap_p_value,
                        1.0 - self.level,
                    );
                    let nulls: Vec<&str> = [
                        ("gap_difference", row.gap_difference),
                        ("gap_se", row.gap_se),
                        ("gap_ci_low", row.gap_ci_low),
                        ("gap_ci_high", row.gap_ci_high),
                        ("gap_ratio", row.gap_ratio),
                        ("gap_p_value", row.gap_p_value),
                    ]
                    .iter()
                    .filter(|(_, v)| v.is_none())
                    .map(|(n, _)| *n)
                    .collect();
                    if !nulls.is_empty() || row.gap_flag.is_none() {
                        notes.add(
                            "gap",
                            format!(
                                "not defined: {} (an empty side, a zero reference value or no standard error)",
                                if nulls.is_empty() { "gap_flag".to_string() } else { nulls.join(", ") }
                            ),
                        );
                    }
                } else {
                    notes.add("gap", "no gap was estimated for this pair of groups");
                }
            }
        }
    }

    /// The indicator's benchmark: target, and the distance to it of a published estimate.
    fn fill_benchmark(
        &self,
        row: &mut IndicatorRow,
        notes: &mut Notes,
        ind: &Indicator,
    ) -> Result<(), PipelineError> {
        match &ind.benchmark {
            None => notes.add("benchmark", "the indicator has no benchmark"),
            Some(b) => {
                row.benchmark_year = Some(b.year);
                match &b.target {
                    Target::Value(t) => row.benchmark_target = Some(*t),
                    Target::Status(s) => row.benchmark_target_status = Some(s.clone()),
                }
                match row.estimate {
                    Some(x) => {
                        let latest =
                            Round::new(self.reference_year.unwrap_or(f64::from(b.year)), x, row.se);
                        if let Some(assessed) = benchmark::assess(ind, latest, None)? {
                            row.distance = Some(assessed.distance.distance);
                            row.target_met = Some(assessed.distance.met);
                            row.target_status = Some(
                                benchmark::target_status(
                                    &assessed.distance,
                                    row.se,
                                    self.level,
                                    row.df,
                                )
                                .as_str()
                                .to_string(),
                            );
                        }
                    }
                    None => notes.add(
                        "benchmark",
                        "distance and target_met need a published estimate",
                    ),
                }
            }
        }

        Ok(())
    }

    /// The row's 0–100 score under the catalogue's normalisation.
    fn fill_score(&self, row: &mut IndicatorRow, notes: &mut Notes, inputs: &RowInputs<'_>) {
        let RowInputs { ind, k, .. } = *inputs;
        let d = &self.disaggs[k];
        let outcome = match row.estimate {
            None => Err("no published estimate".to_string()),
            Some(x) => match self.catalogue.scoring.normalisation {
                Normalisation::Parity => match &d.gap {
                    None => Err(format!(
                        "parity needs a reference group, and disaggregation '{}' has none",
                        d.label
                    )),
                    Some(_) if row.gap_flag == Some(GapFlag::ReferenceGroup) => {
                        score::score_value(ind, Normalisation::Parity, 1.0, Some(1.0))
                            .map_err(|e| e.to_string())
                    }
                    Some(_) => match row.gap_ratio {
                        Some(ratio) => {
                            score::score_value(ind, Normalisation::Parity, ratio, Some(1.0))
                                .map_err(|e| e.to_string())
                        }
                        None => {
                            Err("parity needs the gap ratio, which is not available".to_string())
                        }
                    },
                },
                norm => score::score_value(ind, norm, x, None).map_err(|e| e.to_string()),
            },
        };
        match outcome {
            Ok(ScoreOutcome::Scored(s)) => row.score = Some(s),
            Ok(ScoreOutcome::NotScored(why)) | Err(why) => notes.add("score", why),
        }
        // The non-discrimination (parity) score, apart from the level score: the group
        // against its reference group (which scores 100 against itself).
        if d.gap.is_some() && row.estimate.is_some() {
            let ratio = if row.gap_flag == Some(GapFlag::ReferenceGroup) {
                Some(1.0)
            } else {
                row.gap_ratio
            };
            if let Some(ratio) = ratio {
                match score::score_value(ind, Normalisation::Parity, ratio, Some(1.0)) {
                    Ok(ScoreOutcome::Scored(s)) => row.gap_score = Some(s),
                    Ok(ScoreOutcome::NotScored(why)) => {
                        notes.add("gap", format!("gap_score: {why}"))
                    }
                    Err(e) => notes.add("gap", format!("gap_score: {e}")),
                }
            }
        }
    }

    fn progress(
        &self,
        ind: &Indicator,
        row: &mut IndicatorRow,
        notes: &mut Notes,
    ) -> Result<(), PipelineError> {
        let Some(prev) = &self.previous else {
            notes.add("progress", "no previous round was given");
            return Ok(());
        };
        let Some(p) = prev.row(&row.indicator_id, &row.disaggregation, &row.group) else {
            notes.add(
                "progress",
                format!(
                    "the previous round ({}) has no row for this group",
                    prev.meta().time_period
                ),
            );
            return Ok(());
        };
        let (Some(x1), Some(x2)) = (p.estimate, row.estimate) else {
            notes.add(
                "progress",
                "change and progress need a published estimate in both rounds",
            );
            return Ok(());
        };
        row.change = Some(x2 - x1);
        row.change_se = match (p.se, row.se) {
            (Some(a), Some(b)) => Some((a * a + b * b).sqrt()),
            _ => None,
        };
        if row.change_se.is_some() {
            row.change_basis = Some("independent_rounds".to_string());
        }
        let mut why = Vec::new();
        if row.change_se.is_none() {
            why.push("change_se needs the standard errors of both rounds".to_string());
        }
        let (Some(y1), Some(y2)) = (prev.meta().reference_year, self.reference_year) else {
            why.push("progress_status needs the reference years of both rounds".to_string());
            notes.add("progress", why.join(", "));
            return Ok(());
        };
        if let Some(b) = ind.series_breaks.iter().find(|b| b.between(y1, y2)) {
            row.progress_status = Some("series_break".to_string());
            why.push(format!(
                "series break in {} between the rounds ({}): the change is not a measure of progress",
                b.year, b.note
            ));
            notes.add("progress", why.join(", "));
            return Ok(());
        }
        // t with the smaller of the two domains' design df (conservative); normal when
        // neither is known.
        let df = match (p.df, row.df) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        match ind.benchmark.as_ref().map(|b| (&b.target, b.year, b.rate)) {
            Some((Target::Value(t), year, rate)) => {
                let options = benchmark::ProgressOptions {
                    level: self.level,
                    df,
                    rate,
                    covariance: None,
                };
                let pr = benchmark::progress_with(
                    Round::new(y1, x1, p.se),
                    Round::new(y2, x2, row.se),
                    *t,
                    year,
                    ind.direction,
                    &options,
                )
                .map_err(|e| BenchmarkError::Indicator {
                    indicator: ind.id.clone(),
                    source: Box::new(e),
                })?;
                row.progress_status = Some(pr.status.as_str().to_string());
            }
            _ => why.push("progress_status needs a numeric benchmark".to_string()),
        }
        if !why.is_empty() {
            notes.add("progress", why.join(", "));
        }
        Ok(())
    }

    /// Roll-ups per kind within attributes and rights, level and parity scores apart, and
    /// a composite only when the catalogue asks for one ([`score::rollup_by_kind`]).
    fn rollup(&self, rows: &[IndicatorRow]) -> Result<Vec<SummaryRow>, PipelineError> {
        const SEP: char = '\u{1f}';
        let mut level = Vec::new();
        let mut parity = Vec::new();
        let mut groups: HashMap<String, (&str, &[Option<String>], &str)> = HashMap::new();
        for row in rows {
            if row.kind == IndicatorKind::Structural {
                level.push(IndicatorScore {
                    indicator: row.indicator_id.clone(),
                    group: ANY_GROUP.to_string(),
                    score: row.score,
                    reason: None,
                });
                continue;
            }
            if row.quality_flag.is_none() {
                continue; // skipped indicator: no score in any group
            }
            let key = format!("{}{SEP}{}", row.disaggregation, row.group);
            groups.insert(key.clone(), (&row.disaggregation, &row.groups, &row.group));
            level.push(IndicatorScore {
                indicator: row.indicator_id.clone(),
                group: key.clone(),
                score: row.score,
                reason: None,
            });
            if row.gap_reference.is_some() {
                parity.push(IndicatorScore {
                    indicator: row.indicator_id.clone(),
                    group: key,
                    score: row.gap_score,
                    reason: None,
                });
            }
        }
        let rollup = score::rollup_by_kind(
            &self.catalogue.indicators,
            &self.catalogue.attributes,
            &level,
            &parity,
            &self.catalogue.scoring,
        )?;
        let none = vec![None; self.dimensions.len()];
        let locate = |key: &str| -> (String, Vec<Option<String>>, String) {
            match groups.get(key) {
                Some((d, g, label)) => (d.to_string(), g.to_vec(), label.to_string()),
                None => (TOTAL.to_string(), none.clone(), TOTAL.to_string()),
            }
        };
        let mut out = Vec::with_capacity(rollup.len());
        for k in rollup {
            let (disaggregation, groups, group) = locate(&k.group);
            let (level, name) = match k.level {
                RollupLevel::Attribute => (
                    SummaryLevel::Attribute,
                    k.attribute
                        .as_deref()
                        .and_then(|a| self.catalogue.attribute(a))
                        .map(|x| x.name.clone())
                        .unwrap_or_default(),
                ),
                RollupLevel::Right => (
                    SummaryLevel::Right,
                    k.right
                        .as_deref()
                        .and_then(|r| self.catalogue.right(r))
                        .map(|x| x.name.clone())
                        .unwrap_or_default(),
                ),
                RollupLevel::Overall => (SummaryLevel::Overall, "overall".to_string()),
            };
            out.push(SummaryRow {
                level,
                disaggregation,
                groups,
                group,
                right: k.right,
                attribute: k.attribute,
                name,
                kind: k.kind,
                basis: k.basis,
                weights: k.weights,
                score: k.score,
                available: k.available,
                expected: k.expected,
                note: k.reason,
            });
        }
        Ok(out)
    }
}

/// The direction-aware verdict on a gap.
fn gap_flag(
    direction: Direction,
    difference: Option<f64>,
    group: Option<f64>,
    reference: Option<f64>,
    p_value: Option<f64>,
    alpha: f64,
) -> Option<GapFlag> {
    let p = p_value?;
    let diff = difference?;
    if p >= alpha {
        return Some(GapFlag::NoSignificantDifference);
    }
    let better = match direction {
        Direction::HigherIsBetter => diff > 0.0,
        Direction::LowerIsBetter => diff < 0.0,
        Direction::Target { value, .. } => {
            let (g, r) = ((group? - value).abs(), (reference? - value).abs());
            if g == r {
                return Some(GapFlag::NoSignificantDifference);
            }
            g < r
        }
    };
    Some(if better {
        GapFlag::SignificantlyBetter
    } else {
        GapFlag::SignificantlyWorse
    })
}

/// The estimates and gaps of a round: what [`Pipeline::estimate`] (in memory) and
/// [`PipelineStream::finish`] (from batches) give, and [`Pipeline::results_from`] turns into
/// results.
#[derive(Debug, Clone)]
pub struct Estimated {
    /// Every survey indicator in every domain (none without survey indicators).
    estimates: Option<Estimates>,
    /// Every gap, keyed by (measure, disaggregation, group values).
    gaps: HashMap<DomainKey, GapRow>,
}

impl Estimated {
    /// The engine's table of estimates (none without survey indicators).
    pub fn estimates(&self) -> Option<&Estimates> {
        self.estimates.as_ref()
    }
}

/// Where a [`PipelineStream`] is.
enum StreamState {
    /// One pass of full keyed sums (a design without PSUs: each row its own unit).
    OnePass(KeyedSums),
    /// The first of two passes: cell totals and the names of strata and PSUs.
    First(KeyedSums),
    /// The second pass: each stratum's variance as soon as its rows are read; the gap
    /// specifications' disaggregations.
    Second(Box<StratumPass>, Vec<usize>),
    /// No survey indicator: nothing to read.
    Nothing,
    /// Between states (a failed step leaves it here).
    Spent,
}

/// A round's rows fed in batches to a pipeline built from a schema
/// ([`PipelineBuilder::schema`]), by [`Pipeline::stream`]: [`add`](Self::add) every batch
/// of the data, then [`end_pass`](Self::end_pass); while it returns `true`, read the data
/// once more from the start, [`add`](Self::add) every batch again (the same rows, in the
/// same order) and end that pass; then [`finish`](Self::finish).
///
/// Memory holds the partial sums, never the rows: with PSUs, two passes (cell totals, then
/// the (PSU, cell) sums of the strata not yet complete — one or two strata when the rows
/// come grouped by stratum, as survey files do); without PSUs, one pass whose sums hold
/// one entry per row and cell. The results equal [`Pipeline::run`] on the whole data to
/// rounding (1e-12 relative in the tests), gaps included: their standard errors come
/// from the same (PSU, cell) sums, with the covariance of the two domains.
pub struct PipelineStream<'a> {
    pipeline: &'a Pipeline,
    state: StreamState,
    rows: u64,
}

impl std::fmt::Debug for PipelineStream<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = match &self.state {
            StreamState::OnePass(_) => "one pass",
            StreamState::First(_) => "first pass",
            StreamState::Second(..) => "second pass",
            StreamState::Nothing => "nothing to read",
            StreamState::Spent => "spent",
        };
        f.debug_struct("PipelineStream")
            .field("state", &state)
            .field("rows", &self.rows)
            .finish()
    }
}

impl Pipeline {
    /// Why this pipeline cannot be computed from partial sums read in batches, if it
    /// cannot: a quantile indicator (an exact quantile needs every value of its domain),
    /// the logit interval (R's glm fit on the rows), replicate weights, calibrated
    /// weights, a second-stage fpc, or the lonely-PSU policy `average`
    /// ([`hri_survey::KeyedSums::new`]).
    pub fn stream_refusal(&self) -> Option<PipelineError> {
        let request = self.request();
        let refuse = |indicator: Option<String>, reason: String| {
            Some(PipelineError::NotStreamable { indicator, reason })
        };
        if let Some(m) = request
            .measures
            .iter()
            .find(|m| matches!(m.statistic, Statistic::Quantile { .. }))
        {
            return refuse(
                Some(m.id.clone()),
                "a quantile: an exact quantile needs every value of its domain, so it is computed in memory".into(),
            );
        }
        if request.ci == CiMethod::Logit
            && let Some(m) = request
                .measures
                .iter()
                .find(|m| matches!(m.statistic, Statistic::Proportion { .. }))
        {
            return refuse(
                Some(m.id.clone()),
                "the logit interval (ci = logit) fits R's glm on the rows; use beta, xlogit or wilson, or compute in memory".into(),
            );
        }
        let design = self.survey.design();
        let reason = if design.replicates().is_some() {
            Some("replicate-weight designs are computed in memory")
        } else if design.calibration().is_some() {
            Some("calibrated weights need every row before any estimate: computed in memory")
        } else if design.stages().len() >= 2 && design.fpc().len() >= 2 {
            Some("a second-stage fpc is computed in memory")
        } else if design.lonely_psu() == LonelyPsu::Average {
            Some("the lonely-PSU policy `average` is computed in memory")
        } else {
            None
        };
        if let Some(r) = reason {
            return refuse(None, r.to_string());
        }
        if request.measures.is_empty() {
            return None;
        }
        match KeyedSums::new(&request, design) {
            Ok(_) => None,
            Err(hri_survey::Error::NotMergeable { what }) => refuse(None, what),
            Err(e) => Some(self.engine_error(e)),
        }
    }

    /// Starts feeding this pipeline's rows in batches (see [`PipelineStream`]). The
    /// pipeline must be built from a schema ([`PipelineBuilder::schema`]); one that cannot
    /// be streamed is a [`PipelineError::NotStreamable`] naming the indicator and why.
    pub fn stream(&self) -> Result<PipelineStream<'_>, PipelineError> {
        if !self.streamed {
            return Err(PipelineError::WrongRoute(
                "this pipeline holds its data: run it with Pipeline::run",
            ));
        }
        if let Some(e) = self.stream_refusal() {
            return Err(e);
        }
        let request = self.request();
        let state = if request.measures.is_empty() {
            StreamState::Nothing
        } else {
            let design = self.survey.design();
            let sums = KeyedSums::new(&request, design).map_err(|e| self.engine_error(e))?;
            if design.stages().is_empty() {
                StreamState::OnePass(sums)
            } else {
                StreamState::First(sums.first_pass())
            }
        };
        Ok(PipelineStream {
            pipeline: self,
            state,
            rows: 0,
        })
    }

    /// As [`Pipeline::stream`], keeping every (PSU, cell) sum in one pass: the partial sums
    /// of a partition of the rows, to be written ([`PipelineStream::into_sums`],
    /// [`crate::partial_file`]) and merged with other partitions' before
    /// [`Pipeline::estimated_from_sums`].
    pub fn stream_sums(&self) -> Result<PipelineStream<'_>, PipelineError> {
        let mut s = self.stream()?;
        if matches!(s.state, StreamState::First(_)) {
            let sums = KeyedSums::new(&self.request(), self.survey.design())
                .map_err(|e| self.engine_error(e))?;
            s.state = StreamState::OnePass(sums);
        }
        Ok(s)
    }

    /// The estimates and gaps of the rows whose partial sums are `sums` (one pass, merged
    /// partitions): what [`PipelineStream::finish`] gives. The sums must be of this
    /// pipeline's request ([`Pipeline::request`]) and design.
    pub fn estimated_from_sums(&self, sums: KeyedSums) -> Result<Estimated, PipelineError> {
        if *sums.request() != self.request() || sums.design() != self.survey.design() {
            return Err(PipelineError::WrongRoute(
                "the partial sums are of another request or design than this pipeline's",
            ));
        }
        let (specs, owners) = self.stream_gap_specs(&sums)?;
        let (estimates, all) = sums
            .finish_with_gaps(&specs)
            .map_err(|e| self.engine_error(e))?;
        Ok(Estimated {
            estimates: Some(estimates),
            gaps: self.gap_map(all, &owners),
        })
    }

    /// Runs a pipeline built from a schema on the rows of a lazy query read in batches of
    /// `batch_rows` ([`crate::stream::for_each_batch`]; `query` is called once per pass):
    /// [`Pipeline::run`]'s results without the rows in memory (see [`PipelineStream`]).
    pub fn run_streamed(
        &self,
        query: impl Fn() -> Result<polars::prelude::LazyFrame, PolarsError>,
        batch_rows: usize,
    ) -> Result<Results, PipelineError> {
        let mut stream = self.stream()?;
        loop {
            let mut failed = None;
            let read = crate::stream::for_each_batch(query()?, batch_rows, |batch, first_row| {
                stream.add(batch, first_row).map_err(|e| {
                    failed = Some(e);
                    hri_survey::Error::InvalidRequest("stopped".into())
                })
            });
            if let Some(e) = failed {
                return Err(e);
            }
            read.map_err(PipelineError::Estimation)?;
            if !stream.end_pass()? {
                break;
            }
        }
        self.results_from(&stream.finish()?)
    }

    /// The labels of each disaggregation's columns among the groups met by keyed sums.
    fn stream_gap_specs(
        &self,
        sums: &KeyedSums,
    ) -> Result<(Vec<GapSpec>, Vec<usize>), PipelineError> {
        let groups: Vec<Vec<Vec<String>>> = self
            .disaggs
            .iter()
            .map(|d| {
                if d.gap.is_some() {
                    sums.groups(&d.columns)
                } else {
                    Vec::new()
                }
            })
            .collect();
        self.gap_specs(|k, pos| {
            groups[k]
                .iter()
                .filter_map(|g| g.get(pos).cloned())
                .collect()
        })
    }
}

impl PipelineStream<'_> {
    /// Adds a batch of rows (numbered from `first_row` in the whole data: errors name rows
    /// by it). The batch must hold the schema's columns.
    pub fn add(&mut self, batch: &DataFrame, first_row: u64) -> Result<(), PipelineError> {
        let p = self.pipeline;
        let result = match &mut self.state {
            StreamState::OnePass(s) | StreamState::First(s) => s.add(batch, first_row),
            StreamState::Second(s, _) => s.add(batch, first_row),
            StreamState::Nothing => Ok(()),
            StreamState::Spent => {
                return Err(PipelineError::WrongRoute(
                    "a batch was added after the stream failed or finished",
                ));
            }
        };
        if matches!(
            self.state,
            StreamState::OnePass(_) | StreamState::First(_) | StreamState::Nothing
        ) {
            self.rows += batch.height() as u64;
        }
        result.map_err(|e| p.engine_error(e))
    }

    /// Ends a pass over the data: `true` when the data must be read once more (every
    /// batch added again), `false` when [`finish`](Self::finish) can be called.
    pub fn end_pass(&mut self) -> Result<bool, PipelineError> {
        match std::mem::replace(&mut self.state, StreamState::Spent) {
            StreamState::First(first) => {
                let (specs, owners) = self.pipeline.stream_gap_specs(&first)?;
                let pass = StratumPass::with_gaps(first, &specs)
                    .map_err(|e| self.pipeline.engine_error(e))?;
                self.state = StreamState::Second(Box::new(pass), owners);
                Ok(true)
            }
            other => {
                self.state = other;
                Ok(false)
            }
        }
    }

    /// The partial sums of a one-pass stream ([`Pipeline::stream_sums`], or a design
    /// without PSUs) once its pass has ended; `None` in a two-pass stream or without survey
    /// indicators.
    pub fn into_sums(self) -> Option<KeyedSums> {
        match self.state {
            StreamState::OnePass(sums) => Some(sums),
            _ => None,
        }
    }

    /// Rows read in the first pass.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// The passes over the data this stream takes: 2 with PSUs, 1 without (or without
    /// survey indicators).
    pub fn passes(&self) -> usize {
        match self.state {
            StreamState::First(_) | StreamState::Second(..) => 2,
            _ => 1,
        }
    }

    /// The estimates and gaps, once every pass has ended; [`Pipeline::results_from`] turns
    /// them into the round's results.
    pub fn finish(self) -> Result<Estimated, PipelineError> {
        let p = self.pipeline;
        let (estimates, gaps) = match self.state {
            StreamState::Nothing => {
                return Ok(Estimated {
                    estimates: None,
                    gaps: HashMap::new(),
                });
            }
            StreamState::OnePass(sums) => return p.estimated_from_sums(sums),
            StreamState::Second(pass, owners) => {
                let (estimates, all) = pass.finish_with_gaps().map_err(|e| p.engine_error(e))?;
                (estimates, p.gap_map(all, &owners))
            }
            StreamState::First(_) | StreamState::Spent => {
                return Err(PipelineError::WrongRoute(
                    "finish a stream after end_pass has returned false",
                ));
            }
        };
        Ok(Estimated {
            estimates: Some(estimates),
            gaps,
        })
    }
}

/// What one row of a survey indicator is computed from.
#[derive(Clone, Copy)]
struct RowInputs<'a> {
    /// The indicator.
    ind: &'a Indicator,
    /// Its measure as the engine estimated it.
    spec: &'a MeasureSpec,
    /// The display scale (100 for percent).
    scale: f64,
    /// The disaggregation (index into the pipeline's disaggregations).
    k: usize,
    /// The group's value of each dimension of the disaggregation.
    values: &'a [String],
    /// The engine's row.
    estimate: &'a EstimateRow,
    /// Its quality assessment.
    assessment: &'a Assessment,
    /// Every estimate of the round.
    table: &'a Table<'a>,
    /// Every gap of the round.
    gaps: &'a HashMap<DomainKey, GapRow>,
}

/// The estimates indexed by measure and disaggregation, with their quality assessments.
struct Table<'a> {
    estimates: Option<&'a Estimates>,
    rows: Vec<&'a EstimateRow>,
    /// Per disaggregation: position of each of its columns in the estimates' by-columns.
    positions: Vec<Vec<Option<usize>>>,
    by_domain: HashMap<(String, usize), Vec<usize>>,
    assessments: Vec<Assessment>,
    published: HashMap<DomainKey, bool>,
}

impl<'a> Table<'a> {
    fn new(p: &Pipeline, estimates: Option<&'a Estimates>) -> Table<'a> {
        let rows: Vec<&EstimateRow> = estimates
            .map(|e| e.rows.iter().collect())
            .unwrap_or_default();
        let positions = p
            .disaggs
            .iter()
            .map(|d| {
                d.columns
                    .iter()
                    .map(|c| estimates.and_then(|e| e.by_columns.iter().position(|b| b == c)))
                    .collect()
            })
            .collect();
        let mut table = Table {
            estimates,
            rows,
            positions,
            by_domain: HashMap::new(),
            assessments: Vec::new(),
            published: HashMap::new(),
        };
        for (i, r) in table.rows.iter().enumerate() {
            table
                .by_domain
                .entry((r.measure.clone(), r.disaggregation))
                .or_default()
                .push(i);
            let mut input = QualityInput::new(finite(r.estimate), finite(r.se), r.n, finite(r.df));
            input.proportion = r.statistic == "proportion";
            let a = p.quality.assess_input(&input);
            table.published.insert(
                (
                    r.measure.clone(),
                    r.disaggregation,
                    table.values(r.disaggregation, r),
                ),
                a.publish,
            );
            table.assessments.push(a);
        }
        table
    }

    /// Row indices of a measure in a disaggregation, in the engine's order.
    fn domains(&self, measure: &str, k: usize) -> &[usize] {
        self.by_domain
            .get(&(measure.to_string(), k))
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    /// A row's group values, in the disaggregation's dimension order.
    fn values(&self, k: usize, r: &EstimateRow) -> Vec<String> {
        self.positions
            .get(k)
            .map(|ps| {
                ps.iter()
                    .map(|p| {
                        p.and_then(|p| r.groups.get(p).cloned().flatten())
                            .unwrap_or_default()
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Distinct values of the `pos`-th column of disaggregation `k`, sorted.
    fn labels(&self, k: usize, pos: usize) -> BTreeSet<String> {
        self.rows
            .iter()
            .filter(|r| r.disaggregation == k)
            .filter_map(|r| self.values(k, r).get(pos).cloned())
            .collect()
    }

    /// Whether the domain's estimate is published.
    fn published(&self, measure: &str, k: usize, values: &[String]) -> Option<bool> {
        self.published
            .get(&(measure.to_string(), k, values.to_vec()))
            .copied()
    }

    /// Rows of the survey left out of disaggregation `k` for a missing by-value.
    fn missing_group(&self, k: usize) -> Option<u64> {
        self.estimates.and_then(|e| e.missing_group.get(k).copied())
    }
}

/// The metadata sheet of an indicator, from its catalogue entry: the estimator in words,
/// the columns and SQL it reads, its disaggregations, sources and SDG series.
fn indicator_sheet(ind: &Indicator) -> IndicatorSheet {
    let scale = if ind.unit == Unit::Percent {
        " × 100"
    } else {
        ""
    };
    let variance = "; standard error by the design's variance method (Taylor linearisation \
                    over strata and primary sampling units, or the design's replicate weights), \
                    as R's survey package computes it";
    let (measure, estimator, variable, condition) = match &ind.measure {
        Measure::Proportion { condition, .. } => (
            "proportion",
            format!(
                "design-weighted proportion Σ w·1[condition] / Σ w over the rows of the universe whose \
                 condition is not null (w: survey weight){scale}{variance}"
            ),
            None,
            Some(condition.clone()),
        ),
        Measure::Rate { condition, per, .. } => (
            "rate",
            format!(
                "design-weighted rate {per} × Σ w·1[condition] / Σ w over the rows of the universe whose \
                 condition is not null (w: survey weight){variance}"
            ),
            None,
            Some(condition.clone()),
        ),
        Measure::Mean { variable, .. } => (
            "mean",
            format!(
                "design-weighted mean Σ w·y / Σ w of y = {variable} over the rows of the universe \
                 where y is not null (w: survey weight){variance}"
            ),
            Some(variable.clone()),
            None,
        ),
        Measure::Ratio {
            numerator,
            denominator,
            ..
        } => (
            "ratio",
            format!(
                "ratio of design-weighted totals Σ w·{numerator} / Σ w·{denominator} over the rows \
                 of the universe where both are not null{scale}{variance}"
            ),
            Some(format!("{numerator} / {denominator}")),
            None,
        ),
        Measure::Total { variable, .. } => (
            "total",
            format!(
                "design-weighted total Σ w·y of y = {variable} over the rows of the universe where \
                 y is not null{variance}"
            ),
            Some(variable.clone()),
            None,
        ),
        Measure::Quantile { variable, p, .. } => (
            "quantile",
            format!(
                "design-weighted quantile p = {p} of {variable} over the rows of the universe where \
                 it is not null; confidence interval by Woodruff's method, as R's svyquantile"
            ),
            Some(variable.clone()),
            None,
        ),
        Measure::Structural { entry } => (
            "structural",
            format!(
                "status of the country register's entry '{entry}' at the round (ratification of an \
                 instrument, or adoption of a national policy), scored from the status"
            ),
            Some(entry.clone()),
            None,
        ),
    };
    IndicatorSheet {
        name: ind.name.clone(),
        kind: ind.kind.as_str().to_string(),
        right: ind.right.clone(),
        attribute: ind.attribute.clone(),
        unit: ind.unit.code(),
        unit_description: ind.unit.description(),
        direction: ind.direction.as_str().to_string(),
        measure: measure.to_string(),
        estimator,
        variable,
        condition,
        universe: ind.measure.universe().map(str::to_string),
        disaggregations: ind
            .disaggregations
            .iter()
            .map(|d| d.iter().map(|x| x.as_str()).collect::<Vec<_>>().join(CROSS))
            .collect(),
        references: ind.references.clone(),
        data_source: ind.source.clone(),
        comparability: ind.comparability.clone(),
        sdg_series: ind.sdg_series.clone(),
    }
}
