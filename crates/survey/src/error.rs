//! The error type of designs, data and estimation: every variant names the place that is wrong.

use thiserror::Error;

/// Errors from designs, data and estimation. Each names the column, stratum, row or
/// request that is wrong.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum Error {
    /// A column named by the design or a request is not in the data.
    #[error("unknown column `{column}` (used as {role})")]
    UnknownColumn {
        /// The missing column.
        column: String,
        /// What the column was used for (weight, strata, variable, ...).
        role: String,
    },
    /// A column that must be numeric is not.
    #[error("column `{column}` must be numeric (used as {role}), found {dtype}")]
    NotNumeric {
        /// The column.
        column: String,
        /// What it was used for.
        role: String,
        /// Its data type.
        dtype: String,
    },
    /// A weight is missing, NaN, infinite or negative.
    #[error(
        "invalid weight in column `{column}` at row {row}: {value} (weights must be finite and >= 0)"
    )]
    InvalidWeight {
        /// The weight column (or replicate weight column).
        column: String,
        /// Zero-based row index.
        row: usize,
        /// The offending value, as text.
        value: String,
    },
    /// A design column (strata, PSU, fpc) has a missing value.
    #[error("missing value in design column `{column}` at row {row}")]
    MissingDesignValue {
        /// The column.
        column: String,
        /// Zero-based row index.
        row: usize,
    },
    /// A PSU appears in more than one stratum while `nest` is off.
    #[error(
        "PSU `{psu}` of column `{column}` appears in strata `{stratum_a}` and `{stratum_b}`; PSU ids must be unique across strata, or set nest = true"
    )]
    PsuNotNested {
        /// PSU column.
        column: String,
        /// The PSU id.
        psu: String,
        /// One stratum.
        stratum_a: String,
        /// Another stratum.
        stratum_b: String,
    },
    /// A stratum (or PSU at a later stage) has a single sampling unit under the `fail` policy.
    #[error(
        "stratum `{stratum}` has only one PSU at stage {stage} (lonely PSU policy `fail`; choose remove, certainty, adjust or average)"
    )]
    LonelyPsu {
        /// The stratum (or, at stage 2, the PSU) label.
        stratum: String,
        /// Sampling stage, 1-based.
        stage: usize,
    },
    /// A finite population correction value is invalid.
    #[error("invalid fpc in column `{column}` at stage {stage}: {reason}")]
    InvalidFpc {
        /// The fpc column.
        column: String,
        /// Stage, 1-based.
        stage: usize,
        /// What is wrong.
        reason: String,
    },
    /// An SQL condition does not parse or cannot be evaluated.
    #[error("SQL condition `{condition}` ({role}) is invalid: {message}")]
    BadCondition {
        /// The condition text.
        condition: String,
        /// Where it was used (universe, proportion condition).
        role: String,
        /// The parser's or evaluator's message.
        message: String,
    },
    /// The design specification is inconsistent.
    #[error("invalid design: {0}")]
    InvalidDesign(String),
    /// The estimation request is inconsistent.
    #[error("invalid request: {0}")]
    InvalidRequest(String),
    /// Replicate weight problems (prefix matches no column, rscales of wrong length, ...).
    #[error("replicate weights: {0}")]
    Replicate(String),
    /// A group named in a gap request is not among the domains.
    #[error("group `{group}` not found in column `{column}`")]
    UnknownGroup {
        /// The by-column.
        column: String,
        /// The value asked for.
        group: String,
    },
    /// A calibration of the weights cannot be done: the margin at fault and why.
    #[error("calibration margin `{margin}`: {problem}")]
    Calibration {
        /// The margin: its column (columns crossed are joined by `:`), or `population`
        /// for the population size.
        margin: String,
        /// What is wrong.
        problem: CalibrationProblem,
    },
    /// A design or request that partial sums keyed by labels (streaming, partial files)
    /// cannot carry: what it is and what to do instead.
    #[error("not computable from partial sums: {what}")]
    NotMergeable {
        /// The design feature or request part, and the alternative.
        what: String,
    },
    /// Partial sums that cannot be merged: made by a different request or design, or of a
    /// different format version.
    #[error("partial sums `{file}` do not match `{first}`: different {field}")]
    PartialMismatch {
        /// The file (or source) that does not match.
        file: String,
        /// The first file, whose request and design the others must share.
        first: String,
        /// What differs: `request`, `design` or `format version`.
        field: String,
    },
    /// A partial-sums file that is not in the documented format.
    #[error("partial-sums file `{path}`: {problem}")]
    PartialFormat {
        /// The file.
        path: String,
        /// What is wrong (missing metadata key, column, unknown version, ...).
        problem: String,
    },
    /// An error from polars while reading or transforming data.
    #[error("data error: {0}")]
    Polars(#[from] polars::prelude::PolarsError),
    /// An I/O error (reading or writing a file).
    #[error("I/O error on `{path}`: {source}")]
    Io {
        /// The file.
        path: String,
        /// The underlying error.
        source: std::io::Error,
    },
}

/// Result alias for this crate's functions.
pub type Result<T> = std::result::Result<T, Error>;

/// Why a calibration fails ([`Error::Calibration`]).
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum CalibrationProblem {
    /// The iterations stopped before every total was met; `misfit` is the largest
    /// |population total − calibrated total| / (1 + |population total|) left, at this margin.
    #[error("no convergence after {iterations} iterations (relative misfit {misfit:.3e} left)")]
    NoConvergence {
        /// Iterations done.
        iterations: usize,
        /// The margin's largest relative misfit.
        misfit: f64,
    },
    /// A level with a population total has no sample row (no row, or only rows of weight 0).
    #[error("level `{level}` has a population total but no sampled row")]
    EmptyLevel {
        /// The level (levels of crossed columns joined by `:`).
        level: String,
    },
    /// A level found in the data has no population total.
    #[error("level `{level}` is in the data but has no population total")]
    MissingTotal {
        /// The level.
        level: String,
    },
    /// The g-weights cannot stay within the bounds while meeting the totals.
    #[error(
        "the totals cannot be met with g-weights within [{lower}, {upper}] (relative misfit {misfit:.3e} left)"
    )]
    BoundsUnmet {
        /// Lower bound of g.
        lower: f64,
        /// Upper bound of g.
        upper: f64,
        /// The margin's largest relative misfit when the iterations stopped.
        misfit: f64,
    },
    /// The totals contradict each other or are not usable.
    #[error("inconsistent totals: {0}")]
    Totals(String),
    /// A row has a missing (or non-finite) value in the margin's column.
    #[error("missing value in column `{column}` at row {row}")]
    MissingValue {
        /// The column.
        column: String,
        /// Zero-based row index.
        row: usize,
    },
}
