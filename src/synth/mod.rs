//! **SYNTHETIC** survey microdata for pilots, tests and benchmarks.
//!
//! Nothing produced by this module is real survey data. Every generator returns a polars
//! [`DataFrame`] whose last column, [`SYNTHETIC_COLUMN`] (`synthetic`, Boolean, always
//! `true`), says so, and every file written by [`write_workload`] carries the same notice in
//! its Parquet metadata ([`SYNTHETIC_NOTICE`]). The frames are shaped like the real sources
//! (strata, primary sampling units, weights, the questionnaire's codes), and their headline
//! rates are calibrated to published figures (INEGI for Mexico, INS for Tunisia; each
//! figure's primary source is cited where it is used), so that the whole pipeline a
//! statistics office would run can be exercised end to end without access to confidential
//! microdata.
//!
//! Three generators:
//!
//! - [`workload()`]: the standing benchmark workload (issue 8: the pilot table of 6
//!   indicators × 7 disaggregations is estimated on it), a person-level survey with 64
//!   strata and PSUs of about 25 persons, fast enough for ten million rows;
//!   [`write_workload`] writes it as Parquet and CSV for the peer comparison.
//! - [`mexico()`] / [`mexico_round`]: an ENOE/census-style person-level survey of Mexico.
//! - [`tunisia()`] / [`tunisia_round`]: a Tunisia-HIMS-style household migration survey.
//!
//! All generators are deterministic: the same arguments give the same frame on every run
//! and platform (random numbers come from [`rand_chacha::ChaCha8Rng`] seeded with
//! `seed_from_u64`, with a separate stream per round or stratum). The pilot surveys come in
//! two [`Round`]s (2015 and 2020) so that change against benchmarks can be shown.
//!
//! Calibration targets are listed, with the primary source of each figure, in the
//! documentation of [`mexico()`] and [`tunisia()`]. Where no published figure was found,
//! the value is an explicit assumption and says so (marked *assumption* or *UNVERIFIED*).

mod deliver;
mod mexico;
mod tunisia;
mod workload;

pub use deliver::{
    Delivery, MEXICO_ROUND_FILES, RoundFile, TUNISIA_MIGRANT_STATUS_CODES, TUNISIA_ROUND_FILES,
    ValueLabels, mexico_delivery_frame, mexico_value_labels, tunisia_delivery_frame,
    tunisia_value_labels, write_delivery,
};
pub use mexico::{MEXICO_DEFAULT_PERSONS, mexico, mexico_round, mexico_state_names};
pub use tunisia::{
    TUNISIA_DEFAULT_HOUSEHOLDS, TUNISIA_EARNINGS_CURRENCIES, tunisia, tunisia_governorate_names,
    tunisia_round,
};
pub use workload::{
    WORKLOAD_AGE_GROUPS, WORKLOAD_COLUMNS, WORKLOAD_PSU_SIZE, WORKLOAD_STRATA, WorkloadFiles,
    workload, write_workload,
};

use std::path::PathBuf;

use polars::prelude::*;
use rand::Rng;
use rand_distr::StandardNormal;

/// Name of the marker column present in every synthetic frame (Boolean, always `true`).
pub const SYNTHETIC_COLUMN: &str = "synthetic";

/// The notice attached to every synthetic file (Parquet key `hri.synthetic`; defined in
/// [`crate::framework`], which the writers read).
pub use crate::framework::SYNTHETIC_NOTICE;

/// A survey round of the pilot generators.
///
/// The pilots compare two rounds so that progress against benchmarks shows; parameters that
/// move between rounds are documented on [`mexico()`] and [`tunisia()`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Round {
    /// The earlier round, reference year 2015.
    Y2015,
    /// The later round, reference year 2020 (the default).
    #[default]
    Y2020,
}

impl Round {
    /// Both rounds, earliest first.
    pub const ALL: [Round; 2] = [Round::Y2015, Round::Y2020];

    /// The reference year of the round (the value of the `year` column).
    pub fn year(self) -> i32 {
        match self {
            Round::Y2015 => 2015,
            Round::Y2020 => 2020,
        }
    }

    /// The round with the given reference year.
    ///
    /// # Errors
    /// [`SynthError::UnknownRound`] for any year other than 2015 or 2020.
    pub fn from_year(year: i32) -> Result<Round, SynthError> {
        match year {
            2015 => Ok(Round::Y2015),
            2020 => Ok(Round::Y2020),
            other => Err(SynthError::UnknownRound(other)),
        }
    }
}

/// Errors of the synthetic data generators.
#[derive(Debug, thiserror::Error)]
pub enum SynthError {
    /// The requested size is too small for the design (e.g. fewer rows than needed to give
    /// every stratum two PSUs).
    #[error(
        "{what} = {got} is too small: at least {min} are needed so that every stratum has two PSUs"
    )]
    TooSmall {
        /// The argument.
        what: &'static str,
        /// The smallest accepted value.
        min: usize,
        /// The value given.
        got: usize,
    },
    /// The requested size is too large for the identifiers of the design.
    #[error("{what} = {got} is too large: at most {max} are supported")]
    TooLarge {
        /// The argument.
        what: &'static str,
        /// The largest accepted value.
        max: usize,
        /// The value given.
        got: usize,
    },
    /// No round with this reference year exists (rounds are 2015 and 2020).
    #[error("no synthetic survey round for year {0}: the rounds are 2015 and 2020")]
    UnknownRound(i32),
    /// Building the frame failed inside polars.
    #[error("building the synthetic frame failed: {0}")]
    Polars(#[from] PolarsError),
    /// A file writer refused a frame.
    #[error("cannot write {path}: {message}")]
    Write {
        /// The file.
        path: PathBuf,
        /// The writer's message.
        message: String,
    },
    /// A value has no code in the delivered file (a status without a code, a character
    /// that Latin-1 cannot hold).
    #[error("{column}, row {row}: `{value}` has no code in the delivered file")]
    Uncoded {
        /// The column (or file).
        column: String,
        /// 0-based row (or line).
        row: usize,
        /// The value.
        value: String,
    },
    /// Writing a file failed.
    #[error("cannot write {path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
}

// ---------------------------------------------------------------------------------------
// Shared helpers (crate-private).

/// Logistic function.
#[inline]
pub(crate) fn logistic(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// Log-odds of a probability (clamped away from 0 and 1).
#[inline]
pub(crate) fn logit(p: f64) -> f64 {
    let p = p.clamp(1e-9, 1.0 - 1e-9);
    (p / (1.0 - p)).ln()
}

/// A Bernoulli draw.
#[inline]
pub(crate) fn bern<R: Rng + ?Sized>(rng: &mut R, p: f64) -> bool {
    rng.random::<f64>() < p
}

/// A standard normal draw.
#[inline]
pub(crate) fn normal<R: Rng + ?Sized>(rng: &mut R) -> f64 {
    rng.sample::<f64, _>(StandardNormal)
}

/// Index drawn from a discrete distribution given by non-negative weights (need not sum
/// to one). Returns the last index if rounding leaves the draw past the end.
pub(crate) fn pick<R: Rng + ?Sized>(rng: &mut R, weights: &[f64]) -> usize {
    let total: f64 = weights.iter().sum();
    let mut u = rng.random::<f64>() * total;
    for (i, w) in weights.iter().enumerate() {
        if u < *w {
            return i;
        }
        u -= w;
    }
    weights.len().saturating_sub(1)
}

/// The intercept `a` such that the weighted mean of `logistic(a + eta[i])` over the rows
/// with `w[i] > 0` equals `target`: this is how the pilot generators hit their calibration
/// targets exactly in expectation whatever the covariate effects (`eta`).
///
/// Newton's method from `logit(target) - mean(eta)`, safeguarded by bisection.
pub(crate) fn solve_intercept(eta: &[f64], w: &[f64], target: f64) -> f64 {
    let target = target.clamp(1e-6, 1.0 - 1e-6);
    let wsum: f64 = w.iter().sum();
    if wsum <= 0.0 || eta.is_empty() {
        return logit(target);
    }
    let eta_bar: f64 = eta.iter().zip(w).map(|(e, w)| e * w).sum::<f64>() / wsum;
    let (mut lo, mut hi) = (-40.0_f64, 40.0_f64);
    let mut a = (logit(target) - eta_bar).clamp(lo, hi);
    for _ in 0..100 {
        let (mut f, mut d) = (0.0, 0.0);
        for (e, w) in eta.iter().zip(w) {
            let p = logistic(a + e);
            f += w * p;
            d += w * p * (1.0 - p);
        }
        let f = f / wsum - target;
        let d = d / wsum;
        if f.abs() < 1e-12 {
            break;
        }
        if f > 0.0 {
            hi = a;
        } else {
            lo = a;
        }
        let newton = a - f / d.max(1e-300);
        a = if newton > lo && newton < hi {
            newton
        } else {
            0.5 * (lo + hi)
        };
        if hi - lo < 1e-12 {
            break;
        }
    }
    a
}

/// Draw one Bernoulli outcome per row with `P(row) = logistic(a + eta[row])`, where the
/// intercept `a` is solved so that the expected weighted share equals `target`.
pub(crate) fn draw_calibrated<R: Rng + ?Sized>(
    rng: &mut R,
    eta: &[f64],
    w: &[f64],
    target: f64,
) -> Vec<bool> {
    let a = solve_intercept(eta, w, target);
    eta.iter().map(|e| bern(rng, logistic(a + e))).collect()
}

/// Split `total` units among cells in proportion to `shares`, giving every cell at least
/// `min_each` (largest-remainder rounding; deterministic).
pub(crate) fn allocate(total: usize, shares: &[f64], min_each: usize) -> Vec<usize> {
    let k = shares.len();
    if k == 0 {
        return Vec::new();
    }
    let floor_total = min_each * k;
    let free = total.saturating_sub(floor_total);
    let ssum: f64 = shares.iter().sum();
    let exact: Vec<f64> = shares
        .iter()
        .map(|s| free as f64 * s / ssum.max(f64::MIN_POSITIVE))
        .collect();
    let mut out: Vec<usize> = exact.iter().map(|x| x.floor() as usize).collect();
    let assigned: usize = out.iter().sum();
    let mut order: Vec<usize> = (0..k).collect();
    order.sort_by(|&a, &b| {
        let ra = exact[a] - exact[a].floor();
        let rb = exact[b] - exact[b].floor();
        rb.total_cmp(&ra).then(a.cmp(&b))
    });
    for &i in order.iter().take(free.saturating_sub(assigned)) {
        out[i] += 1;
    }
    for o in &mut out {
        *o += min_each;
    }
    out
}

// Column builders: values are moved into polars without per-row frame operations.

pub(crate) fn col_i32(name: &str, v: Vec<i32>) -> Column {
    Int32Chunked::from_vec(name.into(), v).into_column()
}

pub(crate) fn col_i64(name: &str, v: Vec<i64>) -> Column {
    Int64Chunked::from_vec(name.into(), v).into_column()
}

pub(crate) fn col_f64(name: &str, v: Vec<f64>) -> Column {
    Float64Chunked::from_vec(name.into(), v).into_column()
}

pub(crate) fn col_i32_opt(name: &str, v: &[Option<i32>]) -> Column {
    Int32Chunked::from_slice_options(name.into(), v).into_column()
}

pub(crate) fn col_f64_opt(name: &str, v: &[Option<f64>]) -> Column {
    Float64Chunked::from_slice_options(name.into(), v).into_column()
}

pub(crate) fn col_str<'a>(name: &str, v: impl Iterator<Item = &'a str>) -> Column {
    StringChunked::from_iter_values(name.into(), v).into_column()
}

pub(crate) fn col_str_opt<'a>(name: &str, v: impl Iterator<Item = Option<&'a str>>) -> Column {
    StringChunked::from_iter_options(name.into(), v).into_column()
}

/// The constant `year` column.
pub(crate) fn col_year(year: i32, len: usize) -> Column {
    Column::new_scalar(
        "year".into(),
        Scalar::new(DataType::Int32, AnyValue::Int32(year)),
        len,
    )
}

/// The constant [`SYNTHETIC_COLUMN`] marker.
pub(crate) fn col_synthetic(len: usize) -> Column {
    Column::new_scalar(
        SYNTHETIC_COLUMN.into(),
        Scalar::new(DataType::Boolean, AnyValue::Boolean(true)),
        len,
    )
}

/// Assemble the frame, appending the synthetic marker.
pub(crate) fn frame(mut cols: Vec<Column>, len: usize) -> Result<DataFrame, SynthError> {
    cols.push(col_synthetic(len));
    Ok(DataFrame::new(len, cols)?)
}

/// Post-stratify: scale `w` within each stratum (`strata[i]` in `0..totals.len()`) so
/// that the weights of the stratum sum to `totals[stratum]`.
pub(crate) fn poststratify(w: &mut [f64], strata: &[usize], totals: &[f64]) {
    let mut sums = vec![0.0; totals.len()];
    for (wi, &s) in w.iter().zip(strata) {
        sums[s] += wi;
    }
    for (wi, &s) in w.iter_mut().zip(strata) {
        if sums[s] > 0.0 {
            *wi *= totals[s] / sums[s];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn solve_intercept_hits_the_target() {
        let eta: Vec<f64> = (0..1000).map(|i| f64::from(i % 17) * 0.3 - 2.0).collect();
        let w: Vec<f64> = (0..1000).map(|i| 1.0 + f64::from(i % 5)).collect();
        for target in [0.001, 0.049, 0.5, 0.97] {
            let a = solve_intercept(&eta, &w, target);
            let got: f64 = eta
                .iter()
                .zip(&w)
                .map(|(e, w)| w * logistic(a + e))
                .sum::<f64>()
                / w.iter().sum::<f64>();
            assert!((got - target).abs() < 1e-9, "{target}: {got}");
        }
    }

    #[test]
    fn allocate_keeps_total_and_minimum() {
        let out = allocate(100, &[1.0, 2.0, 3.0, 0.0], 2);
        assert_eq!(out.iter().sum::<usize>(), 100);
        assert!(out.iter().all(|&n| n >= 2));
        assert_eq!(out[3], 2);
    }
}
