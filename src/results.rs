//! The result of a [`Pipeline`](crate::pipeline::Pipeline) run: one tidy indicator table and
//! three summary tables of scores, with a documented column schema.
//!
//! [`Results`] holds typed rows ([`IndicatorRow`], [`SummaryRow`]) and the same content as
//! polars DataFrames: [`Results::indicators`], [`Results::attributes`], [`Results::rights`]
//! and [`Results::overall`]. Rows come in a deterministic order: indicators in catalogue
//! order; for each, the whole population (`total`) first, then its disaggregations in
//! catalogue order, and within a disaggregation the groups sorted by their values (numbers
//! numerically, text lexicographically), as the estimation engine orders its domains.
//!
//! # The `indicators` table
//!
//! One row per indicator × group. Structural indicators have a single `total` row; an
//! indicator skipped because a column is missing (see
//! [`MissingColumns::Skip`](crate::pipeline::MissingColumns)) has a single `total` row whose
//! `note` says why.
//!
//! | column | type | content |
//! |---|---|---|
//! | `indicator_id` | str | indicator id in the catalogue |
//! | `indicator_name` | str | indicator name |
//! | `right` | str | right id |
//! | `attribute` | str | attribute id |
//! | `kind` | str | `structural`, `process` or `outcome` |
//! | `unit` | str | unit code ([`Unit::code`](crate::framework::Unit::code): `PT`, `PROP`, `PER_1000`, `MXN`, ...) |
//! | `direction` | str | `higher_is_better`, `lower_is_better` or `target` |
//! | `disaggregation` | str | `total`, or the dimensions crossed, joined by `×` (`migratory_status`, `migratory_status×sex`) |
//! | one column per dimension used by the catalogue's disaggregations (`migratory_status`, `sex`, `age_group`, `disability`, ... in [`Dimension`] order) | str | the group's value of that dimension, as text; null where the row's disaggregation does not use the dimension |
//! | `group` | str | readable group label: `total`, or the row's dimension values joined by `×` in the disaggregation's order (`foreign_born×female`) |
//! | `time_period` | str | the round's label (e.g. `2020`) |
//! | `ref_area` | str | the country code (e.g. `MEX`) |
//! | `estimate` | f64 | the value, in the indicator's unit (below) |
//! | `se` | f64 | its standard error, same scale |
//! | `ci_low`, `ci_high` | f64 | confidence interval at the pipeline's level and method, same scale |
//! | `df` | f64 | design degrees of freedom of the domain |
//! | `cv` | f64 | coefficient of variation, `se / |estimate|` (a fraction; scale-free) |
//! | `deff` | f64 | design effect (defined by the engine for means and totals only: null for proportions, rates, ratios and quantiles by construction) |
//! | `n` | u64 | unweighted rows used |
//! | `pop` | f64 | sum of weights of the rows used |
//! | `excluded_universe` | u64 | rows of the group outside the indicator's universe |
//! | `excluded_missing` | u64 | rows of the group in the universe but with a missing analysis value |
//! | `excluded_missing_group` | u64 | rows of the whole survey left out of this disaggregation because a by-column is missing (the same for every group of the disaggregation) |
//! | `quality_flag` | str | `reliable`, `moderate`, `low`, `suppressed` or `empty` ([`QualityFlag`]); null for structural and skipped indicators |
//! | `quality_reason` | str | why the flag is not `reliable`; for structural and skipped indicators, why there is no flag; null only for a plainly reliable estimate |
//! | `published` | bool | whether the values may be published; when false and the pipeline withholds (the default), `estimate`, `se`, `ci_low`, `ci_high`, `cv`, `deff` and `pop` are null but the row, `n`, `df`, the flag and the reason stay |
//! | `gap_reference` | str | the reference group the row is compared with (`native_born_citizen×female`); for the reference group itself, its own label |
//! | `gap_difference` | f64 | group − reference, same scale as `estimate` |
//! | `gap_se`, `gap_ci_low`, `gap_ci_high` | f64 | its standard error (joint linearisation or replicates) and interval, same scale |
//! | `gap_ratio` | f64 | group / reference (scale-free) |
//! | `gap_p_value` | f64 | two-sided p-value of "no difference" |
//! | `gap_flag` | str | `significantly worse`, `significantly better`, `no significant difference` (at `1 − level`, direction-aware: for a lower-is-better indicator a higher value is worse), or `reference group` |
//! | `gap_score` | f64 | non-discrimination (parity) score, 0–100: `gap_ratio` scored by [`crate::score::parity`] (direction-aware; the reference group scores 100); kept apart from the level `score` and rolled up apart |
//! | `benchmark_target` | f64 | numeric target of the indicator's benchmark, in its unit (null by construction when the target is a status) |
//! | `benchmark_target_status` | str | status target of a structural benchmark (`ratified`, `complete`; null by construction when the target is numeric) |
//! | `benchmark_year` | i32 | the benchmark's target year |
//! | `distance` | f64 | distance to the target (positive: still to cover; ≤ 0: met), see [`crate::benchmark`] |
//! | `target_met` | bool | whether the target is met (numeric: `distance ≤ 0`; structural: status reaches the target) |
//! | `target_status` | str | the distance judged with its uncertainty: `met`, `not_met`, or `no_significant_difference` when the target is inside the interval (t with the domain's df at the pipeline's level; [`target_status`](crate::benchmark::target_status)) |
//! | `progress_status` | str | `no_significant_change` (the change's interval contains 0), `met`, `on_track`, `off_track`, `moving_away` against the previous round ([`TrackStatus`](crate::benchmark::TrackStatus)), or `series_break` when a break of the catalogue's `series_breaks` lies between the rounds |
//! | `change` | f64 | change since the previous round, same scale as `estimate` |
//! | `change_se` | f64 | its standard error, `√(se₁² + se₂²)`: the rounds taken as independent samples (see `change_basis`) |
//! | `change_basis` | str | how `change_se` treats the two rounds: `independent_rounds` (covariance taken as 0; for rounds that share units, such as a rotating panel, this overstates the se and the test is conservative) |
//! | `score` | f64 | 0–100 level score (catalogue's normalisation, goalposts or distance to target; structural from the status) |
//! | `structural_status` | str | `ratified`, `signed`, `not_ratified`, `absent`, `partial`, `complete` or `missing`; null for survey indicators by construction |
//! | `note` | str | why each other null is null, as `key: reason` entries joined by `; ` (keys below) |
//!
//! **Scale.** Proportions and rates are estimated as shares and multiplied for display: by
//! 100 in unit `percent`, by `per` in unit `rate_per`, by 1 in unit `proportion`; a ratio of
//! totals in unit `percent` or `rate_per` likewise. Means, totals and quantiles are in the
//! unit of their variable and are not scaled. `se`, `ci_*`, `gap_difference`, `gap_se`,
//! `gap_ci_*`, `distance` and `change` are on the same scale as `estimate`.
//!
//! **Nulls.** A column is null only (a) by construction, as stated in the table above
//! (dimension columns outside the disaggregation, `structural_status` of survey indicators,
//! `deff` outside means and totals, `quality_reason` of a plainly reliable estimate, the
//! one of `benchmark_target` and `benchmark_target_status` that does not fit the target), or
//! (b) with a reason in `note` under one of these keys:
//!
//! | key | covers |
//! |---|---|
//! | `estimate` | `estimate`, `se`, `ci_low`, `ci_high`, `df`, `cv`, `deff`, `n`, `pop`, `excluded_*` (and the quality columns of structural or skipped indicators) |
//! | `se`, `ci`, `df`, `cv`, `deff` | that column (`ci`: both limits) when the estimate itself exists |
//! | `gap` | `gap_*` |
//! | `benchmark` | `benchmark_target`, `benchmark_target_status`, `benchmark_year`, `distance`, `target_met`, `target_status` |
//! | `progress` | `progress_status`, `change`, `change_se`, `change_basis` |
//! | `score` | `score` |
//! | `structural_status` | `structural_status` of a structural indicator |
//!
//! # Summary tables
//!
//! `attributes`, `rights` and `overall` hold the roll-up of indicator scores **by kind**
//! (see [`crate::score::rollup_by_kind`]) for every group of every disaggregation, beside
//! the whole population: attribute × kind and right × kind, level scores and
//! non-discrimination (parity) scores apart; a right's composite and the `overall` table
//! only when the catalogue asks for a composite (`[scoring] composite`), with its weights;
//! nothing with `aggregation = "none"`:
//!
//! | column | tables | content |
//! |---|---|---|
//! | `disaggregation`, dimension columns, `group` | all | as in `indicators` |
//! | `time_period`, `ref_area` | all | as in `indicators` |
//! | `right` | attributes, rights | right id |
//! | `attribute` | attributes | attribute id |
//! | `name` | all | attribute or right name; `overall` in the overall table |
//! | `kind` | all | `structural`, `process` or `outcome`; null for a composite |
//! | `basis` | all | `level` (the indicators' scores) or `parity` (their gap scores) |
//! | `weights` | all | the composite's weights (`structural 1, process 1, outcome 1`); null for a roll-up of one kind |
//! | `score` | all | 0–100, null when fewer than the catalogue's `min_available` share of components have a score |
//! | `available`, `expected` | all | components with a score, components expected |
//! | `note` | all | why the score is null, or which components were missing |
//!
//! A structural indicator's score applies to every group.
//!
//! # What the results were computed from
//!
//! [`ResultsMeta`] carries, beside the settings of the run, what the pipeline's inputs said
//! that the tables do not hold, as plain data, so that writers need nothing but the
//! [`Results`]: the catalogue's rights and attributes in catalogue order ([`RightInfo`],
//! [`AttributeInfo`]), each indicator's notes, benchmark source and numeric target, and for
//! a structural indicator the register entry it read ([`IndicatorInfo`],
//! [`StructuralInfo`]), the reference group of each dimension ([`ReferenceGroup`]), and the
//! country register as displayed ([`RegisterInfo`], [`RegisterEntryInfo`]).

use polars::prelude::{Column, DataFrame, PolarsError};

use crate::estimate::CiMethod;
use crate::framework::{Dimension, IndicatorKind};
use crate::quality::QualityFlag;

/// The label of the whole population in `disaggregation` and `group`.
pub const TOTAL: &str = "total";

/// The separator of crossed dimensions in `disaggregation` and of values in `group`.
pub const CROSS: &str = "×";

/// Columns of the `indicators` table before the dimension columns.
pub const LEADING_COLUMNS: [&str; 8] = [
    "indicator_id",
    "indicator_name",
    "right",
    "attribute",
    "kind",
    "unit",
    "direction",
    "disaggregation",
];

/// Columns of the `indicators` table after the dimension columns.
pub const TRAILING_COLUMNS: [&str; 40] = [
    "group",
    "time_period",
    "ref_area",
    "estimate",
    "se",
    "ci_low",
    "ci_high",
    "df",
    "cv",
    "deff",
    "n",
    "pop",
    "excluded_universe",
    "excluded_missing",
    "excluded_missing_group",
    "quality_flag",
    "quality_reason",
    "published",
    "gap_reference",
    "gap_difference",
    "gap_se",
    "gap_ci_low",
    "gap_ci_high",
    "gap_ratio",
    "gap_p_value",
    "gap_flag",
    "gap_score",
    "benchmark_target",
    "benchmark_target_status",
    "benchmark_year",
    "distance",
    "target_met",
    "target_status",
    "progress_status",
    "change",
    "change_se",
    "change_basis",
    "score",
    "structural_status",
    "note",
];

/// The `note` key that explains a null in `column` of the `indicators` table, or `None`
/// when the column is never null or only null by construction (dimension columns,
/// `quality_reason`).
pub fn note_key(column: &str) -> Option<&'static str> {
    Some(match column {
        "estimate"
        | "n"
        | "pop"
        | "excluded_universe"
        | "excluded_missing"
        | "excluded_missing_group"
        | "quality_flag" => "estimate",
        "se" => "se",
        "ci_low" | "ci_high" => "ci",
        "df" => "df",
        "cv" => "cv",
        "deff" => "deff",
        c if c.starts_with("gap_") => "gap",
        "benchmark_target"
        | "benchmark_target_status"
        | "benchmark_year"
        | "distance"
        | "target_met"
        | "target_status" => "benchmark",
        "progress_status" | "change" | "change_se" | "change_basis" => "progress",
        "score" => "score",
        "structural_status" => "structural_status",
        _ => return None,
    })
}

/// The plain-language verdict on a gap to the reference group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GapFlag {
    /// The group is worse off than the reference, significantly at the chosen level.
    SignificantlyWorse,
    /// The group is better off than the reference, significantly at the chosen level.
    SignificantlyBetter,
    /// The difference is not significant at the chosen level.
    NoSignificantDifference,
    /// The row is the reference group itself.
    ReferenceGroup,
}

impl GapFlag {
    /// The text of the `gap_flag` column.
    pub fn as_str(self) -> &'static str {
        match self {
            GapFlag::SignificantlyWorse => "significantly worse",
            GapFlag::SignificantlyBetter => "significantly better",
            GapFlag::NoSignificantDifference => "no significant difference",
            GapFlag::ReferenceGroup => "reference group",
        }
    }
}

/// One row of the `indicators` table; fields are the columns of the [module](self) schema
/// (`time_period` and `ref_area` are in [`ResultsMeta`]).
#[derive(Debug, Clone, PartialEq)]
pub struct IndicatorRow {
    /// Indicator id.
    pub indicator_id: String,
    /// Indicator name.
    pub indicator_name: String,
    /// Right id.
    pub right: String,
    /// Attribute id.
    pub attribute: String,
    /// Structural, process or outcome.
    pub kind: IndicatorKind,
    /// Unit code.
    pub unit: String,
    /// Direction name.
    pub direction: String,
    /// `total` or the crossed dimensions joined by `×`.
    pub disaggregation: String,
    /// Group values, aligned with [`Results::dimensions`]; `None` where unused.
    pub groups: Vec<Option<String>>,
    /// Readable group label (`total`, `foreign_born×female`).
    pub group: String,
    /// Estimate, in the indicator's unit.
    pub estimate: Option<f64>,
    /// Standard error.
    pub se: Option<f64>,
    /// Lower confidence limit.
    pub ci_low: Option<f64>,
    /// Upper confidence limit.
    pub ci_high: Option<f64>,
    /// Design degrees of freedom.
    pub df: Option<f64>,
    /// Coefficient of variation (fraction).
    pub cv: Option<f64>,
    /// Design effect.
    pub deff: Option<f64>,
    /// Unweighted rows used.
    pub n: Option<u64>,
    /// Sum of weights of the rows used.
    pub pop: Option<f64>,
    /// Rows of the group outside the universe.
    pub excluded_universe: Option<u64>,
    /// Rows of the group in the universe with a missing analysis value.
    pub excluded_missing: Option<u64>,
    /// Rows of the survey with a missing by-column of this disaggregation.
    pub excluded_missing_group: Option<u64>,
    /// Quality flag.
    pub quality_flag: Option<QualityFlag>,
    /// Why the flag is not `reliable`.
    pub quality_reason: Option<String>,
    /// Whether the values may be published.
    pub published: bool,
    /// Label of the reference group.
    pub gap_reference: Option<String>,
    /// Group − reference.
    pub gap_difference: Option<f64>,
    /// Standard error of the difference.
    pub gap_se: Option<f64>,
    /// Lower limit of the difference.
    pub gap_ci_low: Option<f64>,
    /// Upper limit of the difference.
    pub gap_ci_high: Option<f64>,
    /// Group / reference.
    pub gap_ratio: Option<f64>,
    /// p-value of "no difference".
    pub gap_p_value: Option<f64>,
    /// Plain-language verdict.
    pub gap_flag: Option<GapFlag>,
    /// Non-discrimination (parity) score on 0–100: the group against its reference group,
    /// apart from the level `score`.
    pub gap_score: Option<f64>,
    /// Numeric benchmark target.
    pub benchmark_target: Option<f64>,
    /// Status benchmark target (structural indicators).
    pub benchmark_target_status: Option<String>,
    /// Benchmark target year.
    pub benchmark_year: Option<i32>,
    /// Distance to the target.
    pub distance: Option<f64>,
    /// Whether the target is met.
    pub target_met: Option<bool>,
    /// The distance to the target judged with its uncertainty (`met`, `not_met`,
    /// `no_significant_difference`).
    pub target_status: Option<String>,
    /// Progress against the previous round (`no_significant_change`, `met`, `on_track`,
    /// `off_track`, `moving_away`, `series_break`).
    pub progress_status: Option<String>,
    /// Change since the previous round.
    pub change: Option<f64>,
    /// Standard error of the change.
    pub change_se: Option<f64>,
    /// How `change_se` treats the two rounds (`independent_rounds`).
    pub change_basis: Option<String>,
    /// Score on 0–100.
    pub score: Option<f64>,
    /// Status of a structural indicator (or `missing`).
    pub structural_status: Option<String>,
    /// Reasons for nulls, `key: reason` joined by `; `.
    pub note: Option<String>,
}

pub use crate::score::ScoreBasis;

/// Which summary table a [`SummaryRow`] belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SummaryLevel {
    /// Attribute scores.
    Attribute,
    /// Right scores.
    Right,
    /// Overall scores.
    Overall,
}

/// One row of a summary table (attribute, right or overall score of one group).
#[derive(Debug, Clone, PartialEq)]
pub struct SummaryRow {
    /// The table the row belongs to.
    pub level: SummaryLevel,
    /// `total` or the crossed dimensions joined by `×`.
    pub disaggregation: String,
    /// Group values, aligned with [`Results::dimensions`].
    pub groups: Vec<Option<String>>,
    /// Readable group label.
    pub group: String,
    /// Right id (attribute and right rows).
    pub right: Option<String>,
    /// Attribute id (attribute rows).
    pub attribute: Option<String>,
    /// Attribute or right name, `overall` for the overall score.
    pub name: String,
    /// The kind of indicators rolled up (`None`: a composite of kinds).
    pub kind: Option<crate::framework::IndicatorKind>,
    /// Level scores or non-discrimination (parity) scores.
    pub basis: crate::score::ScoreBasis,
    /// The weights of a composite, as asked for by the catalogue.
    pub weights: Option<String>,
    /// Score on 0–100.
    pub score: Option<f64>,
    /// Components with a score.
    pub available: usize,
    /// Components expected.
    pub expected: usize,
    /// Why the score is missing, or which components were missing.
    pub note: Option<String>,
}

/// A right of the catalogue the results were computed with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RightInfo {
    /// Right id (the `right` column).
    pub id: String,
    /// Right name.
    pub name: String,
}

/// An attribute of the catalogue the results were computed with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttributeInfo {
    /// Attribute id (the `attribute` column).
    pub id: String,
    /// Id of the right it belongs to.
    pub right: String,
    /// Attribute name.
    pub name: String,
}

/// What the catalogue (and, for a structural indicator, the register) says about one
/// indicator beyond the columns of its rows.
#[derive(Debug, Clone, PartialEq)]
pub struct IndicatorInfo {
    /// Indicator id (the `indicator_id` column).
    pub id: String,
    /// The catalogue's free notes on the indicator (its description for readers).
    pub notes: Option<String>,
    /// Where the indicator's benchmark comes from (national plan, SDG target, ...); `None`
    /// without a benchmark, possibly empty when the catalogue does not say.
    pub benchmark_source: Option<String>,
    /// The numeric target of the benchmark; `None` without a benchmark or for a status
    /// target.
    pub benchmark_value: Option<f64>,
    /// For a structural indicator, the register entry it read at the round; `None` for
    /// survey indicators.
    pub structural: Option<StructuralInfo>,
    /// The indicator's metadata sheet, from the catalogue (what `metadata.json` and the
    /// report's metadata section show).
    pub sheet: IndicatorSheet,
}

/// The metadata sheet of an indicator, in the spirit of the SDG metadata repository: what
/// it measures, how exactly it is computed, by which groups, from which sources, how it
/// compares, and which SDG series it reports. Filled by the pipeline from the catalogue.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct IndicatorSheet {
    /// Indicator name.
    pub name: String,
    /// `structural`, `process` or `outcome`.
    pub kind: String,
    /// Right id and attribute id it measures.
    pub right: String,
    /// Attribute id.
    pub attribute: String,
    /// Unit code (`PT`, `MONTHS_EARN`, ...).
    pub unit: String,
    /// The unit in words (`percent (0-100)`).
    pub unit_description: String,
    /// `higher_is_better`, `lower_is_better` or `target`.
    pub direction: String,
    /// Measure type (`proportion`, `mean`, `ratio`, `total`, `quantile`, `rate`,
    /// `structural`).
    pub measure: String,
    /// The exact estimator, in words and symbols.
    pub estimator: String,
    /// The analysis variable(s) (mean, total, quantile: the column; ratio: numerator /
    /// denominator; structural: the register entry).
    pub variable: Option<String>,
    /// The SQL condition counted (proportion, rate).
    pub condition: Option<String>,
    /// The SQL universe (population the indicator is computed in); `None`: every row.
    pub universe: Option<String>,
    /// The disaggregations computed, each as its dimensions joined by `×`.
    pub disaggregations: Vec<String>,
    /// Codes in other frameworks (`SDG 8.5.2`, `OHCHR HR/PUB/12/5`).
    pub references: Vec<String>,
    /// Where the data come from.
    pub data_source: String,
    /// Comparability and limitations, as the catalogue says.
    pub comparability: Option<String>,
    /// The SDG series the indicator reports (`SL_TLF_UEM`), when the catalogue maps one.
    pub sdg_series: Option<String>,
}

/// The register entry a structural indicator read, as the register gave it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StructuralInfo {
    /// Id of the register entry.
    pub entry: String,
    /// Date of the status (ratification, signature, adoption), as text (`1981-03-23`,
    /// `2011`); `None` when the register has no date or no entry.
    pub date: Option<String>,
    /// The entry's source; `None` when the entry (or the whole register) is missing.
    pub source: Option<String>,
    /// Whether the entry is illustrative (not checked in a source).
    pub illustrative: bool,
}

/// The reference group of a dimension: the group every other group of that dimension is
/// compared with in the `gap_*` columns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReferenceGroup {
    /// The dimension.
    pub dimension: Dimension,
    /// The label of its reference group in the data (e.g. `native_born_citizen`).
    pub group: String,
}

/// The country register the results were computed with, as displayed to readers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegisterInfo {
    /// Country code of the register.
    pub country: String,
    /// Country name of the register.
    pub name: String,
    /// Date the register is valid at, as text; `None` when it does not say.
    pub as_of: Option<String>,
    /// Notes on the register as a whole.
    pub notes: Option<String>,
    /// The entries: international instruments first, then national policies, each in
    /// register order.
    pub entries: Vec<RegisterEntryInfo>,
}

/// One entry of the country register (an international instrument or a national policy),
/// with its dates as text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegisterEntryInfo {
    /// Entry id.
    pub id: String,
    /// Name of the instrument, law or policy.
    pub name: String,
    /// Kind, in `snake_case`: `un_treaty`, `ilo_convention` or `other_treaty` for an
    /// instrument; `constitution`, `law`, `regulation` or `policy` for a policy.
    pub kind: String,
    /// Whether the entry is an international instrument (otherwise a national policy).
    pub instrument: bool,
    /// Status: `ratified`, `signed`, `not_ratified`, `complete`, `partial` or `absent`.
    pub status: String,
    /// Date of signature (instruments only).
    pub signed: Option<String>,
    /// Date of ratification (instrument) or adoption (policy).
    pub ratified_or_adopted: Option<String>,
    /// Date of entry into force (instrument) or last amendment (policy).
    pub in_force_or_amended: Option<String>,
    /// Where the status comes from.
    pub source: String,
    /// Whether the entry is illustrative (not checked in a source).
    pub illustrative: bool,
    /// Notes on the entry.
    pub notes: Option<String>,
}

/// What a [`Results`] was computed from and how.
#[derive(Debug, Clone, PartialEq)]
pub struct ResultsMeta {
    /// Catalogue name.
    pub catalogue: String,
    /// Catalogue version.
    pub catalogue_version: String,
    /// Label of the round (the `time_period` column).
    pub time_period: String,
    /// Reference year of the round, used for progress between rounds.
    pub reference_year: Option<f64>,
    /// Country code (the `ref_area` column).
    pub ref_area: String,
    /// The dimensions with a column in the tables, in [`Dimension`] order.
    pub dimensions: Vec<Dimension>,
    /// Labels of the dimensions the catalogue declares itself (name → label), for readers.
    pub dimension_labels: std::collections::BTreeMap<String, String>,
    /// Name of the quality policy applied.
    pub quality_policy: String,
    /// Interval method.
    pub ci: CiMethod,
    /// Confidence level.
    pub level: f64,
    /// Whether unpublished values were withheld (nulled).
    pub withheld: bool,
    /// Label of the previous round progress was measured against, if any.
    pub previous_time_period: Option<String>,
    /// Indicators skipped, with the reason (missing columns).
    pub skipped: Vec<(String, String)>,
    /// The reference group of each dimension that has one, in [`Dimension`] order.
    pub references: Vec<ReferenceGroup>,
    /// The catalogue's rights, in catalogue order.
    pub rights: Vec<RightInfo>,
    /// The catalogue's attributes, in catalogue order.
    pub attributes: Vec<AttributeInfo>,
    /// The catalogue's indicators, in catalogue order (the order of the `indicators`
    /// table).
    pub indicators: Vec<IndicatorInfo>,
    /// The country register, when one was given.
    pub register: Option<RegisterInfo>,
}

impl ResultsMeta {
    /// The reference group of a dimension, if it has one.
    pub fn reference(&self, dimension: Dimension) -> Option<&str> {
        self.references
            .iter()
            .find(|r| r.dimension == dimension)
            .map(|r| r.group.as_str())
    }

    /// The catalogue's right with this id.
    pub fn right(&self, id: &str) -> Option<&RightInfo> {
        self.rights.iter().find(|r| r.id == id)
    }

    /// The catalogue's attribute with this id.
    pub fn attribute(&self, id: &str) -> Option<&AttributeInfo> {
        self.attributes.iter().find(|a| a.id == id)
    }

    /// The attributes of a right, in catalogue order.
    pub fn attributes_of<'a>(
        &'a self,
        right: &'a str,
    ) -> impl Iterator<Item = &'a AttributeInfo> + 'a {
        self.attributes.iter().filter(move |a| a.right == right)
    }

    /// What the catalogue says about the indicator with this id.
    pub fn indicator(&self, id: &str) -> Option<&IndicatorInfo> {
        self.indicators.iter().find(|i| i.id == id)
    }
}

/// The result of a pipeline run: typed rows and their DataFrames (schema in the
/// [module documentation](self)).
#[derive(Debug, Clone)]
pub struct Results {
    meta: ResultsMeta,
    rows: Vec<IndicatorRow>,
    summaries: Vec<SummaryRow>,
    indicators: DataFrame,
    attributes: DataFrame,
    rights: DataFrame,
    overall: DataFrame,
}

impl Results {
    /// Assembles results and their DataFrames.
    pub(crate) fn new(
        meta: ResultsMeta,
        rows: Vec<IndicatorRow>,
        summaries: Vec<SummaryRow>,
    ) -> Result<Results, PolarsError> {
        let indicators = indicators_frame(&meta, &rows)?;
        let pick = |level| {
            summaries
                .iter()
                .filter(|s| s.level == level)
                .cloned()
                .collect::<Vec<_>>()
        };
        let attributes = summary_frame(
            &meta,
            &pick(SummaryLevel::Attribute),
            SummaryLevel::Attribute,
        )?;
        let rights = summary_frame(&meta, &pick(SummaryLevel::Right), SummaryLevel::Right)?;
        let overall = summary_frame(&meta, &pick(SummaryLevel::Overall), SummaryLevel::Overall)?;
        Ok(Results {
            meta,
            rows,
            summaries,
            indicators,
            attributes,
            rights,
            overall,
        })
    }

    /// The indicator table.
    pub fn indicators(&self) -> &DataFrame {
        &self.indicators
    }

    /// Attribute scores per group.
    pub fn attributes(&self) -> &DataFrame {
        &self.attributes
    }

    /// Right scores per group.
    pub fn rights(&self) -> &DataFrame {
        &self.rights
    }

    /// Overall scores per group.
    pub fn overall(&self) -> &DataFrame {
        &self.overall
    }

    /// Every summary row in one table: a `level` column (`attribute`, `right` or
    /// `overall`), then the columns of the attribute table (`right` and `attribute` are
    /// null where a level has none).
    pub fn summaries_frame(&self) -> Result<DataFrame, PolarsError> {
        let mut frame = summary_frame(&self.meta, &self.summaries, SummaryLevel::Attribute)?;
        let level: Vec<&str> = self
            .summaries
            .iter()
            .map(|s| match s.level {
                SummaryLevel::Attribute => "attribute",
                SummaryLevel::Right => "right",
                SummaryLevel::Overall => "overall",
            })
            .collect();
        frame.insert_column(0, Column::new("level".into(), level))?;
        Ok(frame)
    }

    /// The rows of the indicator table.
    pub fn rows(&self) -> &[IndicatorRow] {
        &self.rows
    }

    /// The rows of the three summary tables (attribute rows, then right rows, then overall
    /// rows, each group by group).
    pub fn summaries(&self) -> &[SummaryRow] {
        &self.summaries
    }

    /// What the results were computed from.
    pub fn meta(&self) -> &ResultsMeta {
        &self.meta
    }

    /// The dimensions that have a column in the tables.
    pub fn dimensions(&self) -> &[Dimension] {
        &self.meta.dimensions
    }

    /// The row of an indicator for a group of a disaggregation (`"total"`, `"total"` for the
    /// whole population).
    pub fn row(&self, indicator: &str, disaggregation: &str, group: &str) -> Option<&IndicatorRow> {
        self.rows.iter().find(|r| {
            r.indicator_id == indicator && r.disaggregation == disaggregation && r.group == group
        })
    }

    /// The summary row of `level` for a group (`id` is the attribute or right id; ignored for
    /// the overall level).
    pub fn summary(
        &self,
        level: SummaryLevel,
        id: &str,
        disaggregation: &str,
        group: &str,
    ) -> Option<&SummaryRow> {
        self.summary_of(
            level,
            id,
            None,
            crate::score::ScoreBasis::Level,
            disaggregation,
            group,
        )
    }

    /// The summary row of one level, id, kind (`None`: the composite) and basis for one
    /// group.
    pub fn summary_of(
        &self,
        level: SummaryLevel,
        id: &str,
        kind: Option<crate::framework::IndicatorKind>,
        basis: crate::score::ScoreBasis,
        disaggregation: &str,
        group: &str,
    ) -> Option<&SummaryRow> {
        self.summaries.iter().find(|s| {
            s.level == level
                && s.kind == kind
                && s.basis == basis
                && s.disaggregation == disaggregation
                && s.group == group
                && match level {
                    SummaryLevel::Attribute => s.attribute.as_deref() == Some(id),
                    SummaryLevel::Right => s.right.as_deref() == Some(id),
                    SummaryLevel::Overall => true,
                }
        })
    }
}

fn strs<T>(rows: &[T], f: impl Fn(&T) -> String) -> Vec<String> {
    rows.iter().map(f).collect()
}

fn ostrs<T>(rows: &[T], f: impl Fn(&T) -> Option<String>) -> Vec<Option<String>> {
    rows.iter().map(f).collect()
}

fn f64s<T>(rows: &[T], f: impl Fn(&T) -> Option<f64>) -> Vec<Option<f64>> {
    rows.iter().map(f).collect()
}

fn u64s<T>(rows: &[T], f: impl Fn(&T) -> Option<u64>) -> Vec<Option<u64>> {
    rows.iter().map(f).collect()
}

fn dimension_columns<T>(
    meta: &ResultsMeta,
    rows: &[T],
    groups: impl Fn(&T) -> &[Option<String>],
) -> Vec<Column> {
    meta.dimensions
        .iter()
        .enumerate()
        .map(|(k, d)| {
            Column::new(
                d.as_str().into(),
                ostrs(rows, |r| groups(r).get(k).cloned().flatten()),
            )
        })
        .collect()
}

fn indicators_frame(meta: &ResultsMeta, r: &[IndicatorRow]) -> Result<DataFrame, PolarsError> {
    let mut cols = vec![
        Column::new("indicator_id".into(), strs(r, |x| x.indicator_id.clone())),
        Column::new(
            "indicator_name".into(),
            strs(r, |x| x.indicator_name.clone()),
        ),
        Column::new("right".into(), strs(r, |x| x.right.clone())),
        Column::new("attribute".into(), strs(r, |x| x.attribute.clone())),
        Column::new("kind".into(), strs(r, |x| x.kind.as_str().to_string())),
        Column::new("unit".into(), strs(r, |x| x.unit.clone())),
        Column::new("direction".into(), strs(r, |x| x.direction.clone())),
        Column::new(
            "disaggregation".into(),
            strs(r, |x| x.disaggregation.clone()),
        ),
    ];
    cols.extend(dimension_columns(meta, r, |x| &x.groups));
    cols.extend([
        Column::new("group".into(), strs(r, |x| x.group.clone())),
        Column::new("time_period".into(), strs(r, |_| meta.time_period.clone())),
        Column::new("ref_area".into(), strs(r, |_| meta.ref_area.clone())),
        Column::new("estimate".into(), f64s(r, |x| x.estimate)),
        Column::new("se".into(), f64s(r, |x| x.se)),
        Column::new("ci_low".into(), f64s(r, |x| x.ci_low)),
        Column::new("ci_high".into(), f64s(r, |x| x.ci_high)),
        Column::new("df".into(), f64s(r, |x| x.df)),
        Column::new("cv".into(), f64s(r, |x| x.cv)),
        Column::new("deff".into(), f64s(r, |x| x.deff)),
        Column::new("n".into(), u64s(r, |x| x.n)),
        Column::new("pop".into(), f64s(r, |x| x.pop)),
        Column::new("excluded_universe".into(), u64s(r, |x| x.excluded_universe)),
        Column::new("excluded_missing".into(), u64s(r, |x| x.excluded_missing)),
        Column::new(
            "excluded_missing_group".into(),
            u64s(r, |x| x.excluded_missing_group),
        ),
        Column::new(
            "quality_flag".into(),
            ostrs(r, |x| x.quality_flag.map(|f| f.as_str().to_string())),
        ),
        Column::new(
            "quality_reason".into(),
            ostrs(r, |x| x.quality_reason.clone()),
        ),
        Column::new(
            "published".into(),
            r.iter().map(|x| x.published).collect::<Vec<bool>>(),
        ),
        Column::new(
            "gap_reference".into(),
            ostrs(r, |x| x.gap_reference.clone()),
        ),
        Column::new("gap_difference".into(), f64s(r, |x| x.gap_difference)),
        Column::new("gap_se".into(), f64s(r, |x| x.gap_se)),
        Column::new("gap_ci_low".into(), f64s(r, |x| x.gap_ci_low)),
        Column::new("gap_ci_high".into(), f64s(r, |x| x.gap_ci_high)),
        Column::new("gap_ratio".into(), f64s(r, |x| x.gap_ratio)),
        Column::new("gap_p_value".into(), f64s(r, |x| x.gap_p_value)),
        Column::new(
            "gap_flag".into(),
            ostrs(r, |x| x.gap_flag.map(|f| f.as_str().to_string())),
        ),
        Column::new("gap_score".into(), f64s(r, |x| x.gap_score)),
        Column::new("benchmark_target".into(), f64s(r, |x| x.benchmark_target)),
        Column::new(
            "benchmark_target_status".into(),
            ostrs(r, |x| x.benchmark_target_status.clone()),
        ),
        Column::new(
            "benchmark_year".into(),
            r.iter()
                .map(|x| x.benchmark_year)
                .collect::<Vec<Option<i32>>>(),
        ),
        Column::new("distance".into(), f64s(r, |x| x.distance)),
        Column::new(
            "target_met".into(),
            r.iter()
                .map(|x| x.target_met)
                .collect::<Vec<Option<bool>>>(),
        ),
        Column::new(
            "target_status".into(),
            ostrs(r, |x| x.target_status.clone()),
        ),
        Column::new(
            "progress_status".into(),
            ostrs(r, |x| x.progress_status.clone()),
        ),
        Column::new("change".into(), f64s(r, |x| x.change)),
        Column::new("change_se".into(), f64s(r, |x| x.change_se)),
        Column::new("change_basis".into(), ostrs(r, |x| x.change_basis.clone())),
        Column::new("score".into(), f64s(r, |x| x.score)),
        Column::new(
            "structural_status".into(),
            ostrs(r, |x| x.structural_status.clone()),
        ),
        Column::new("note".into(), ostrs(r, |x| x.note.clone())),
    ]);
    DataFrame::new_infer_height(cols)
}

fn summary_frame(
    meta: &ResultsMeta,
    r: &[SummaryRow],
    level: SummaryLevel,
) -> Result<DataFrame, PolarsError> {
    let mut cols = vec![Column::new(
        "disaggregation".into(),
        strs(r, |x| x.disaggregation.clone()),
    )];
    cols.extend(dimension_columns(meta, r, |x| &x.groups));
    cols.extend([
        Column::new("group".into(), strs(r, |x| x.group.clone())),
        Column::new("time_period".into(), strs(r, |_| meta.time_period.clone())),
        Column::new("ref_area".into(), strs(r, |_| meta.ref_area.clone())),
    ]);
    if level != SummaryLevel::Overall {
        cols.push(Column::new("right".into(), ostrs(r, |x| x.right.clone())));
    }
    if level == SummaryLevel::Attribute {
        cols.push(Column::new(
            "attribute".into(),
            ostrs(r, |x| x.attribute.clone()),
        ));
    }
    cols.extend([
        Column::new("name".into(), strs(r, |x| x.name.clone())),
        Column::new(
            "kind".into(),
            ostrs(r, |x| x.kind.map(|k| k.as_str().to_string())),
        ),
        Column::new("basis".into(), strs(r, |x| x.basis.as_str().to_string())),
        Column::new("weights".into(), ostrs(r, |x| x.weights.clone())),
        Column::new("score".into(), f64s(r, |x| x.score)),
        Column::new("available".into(), u64s(r, |x| Some(x.available as u64))),
        Column::new("expected".into(), u64s(r, |x| Some(x.expected as u64))),
        Column::new("note".into(), ostrs(r, |x| x.note.clone())),
    ]);
    DataFrame::new_infer_height(cols)
}
