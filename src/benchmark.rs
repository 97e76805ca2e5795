//! Benchmarks: how far an indicator is from its target, and whether it is on track.
//!
//! # Distance to target
//!
//! For a value `x` and a numeric target `t`, the *distance* `d` is what is still to be
//! covered in the direction of improvement:
//!
//! | direction | distance `d` |
//! |---|---|
//! | higher is better | `t − x` |
//! | lower is better | `x − t` |
//! | target value with tolerance `τ` | `|x − t| − τ` |
//!
//! The target is **met** when `d ≤ 0` (a negative distance is how far the value is beyond
//! the target). For [`Direction::Target`] the point aimed at is the benchmark's target `t`
//! (the direction's `value` is not used) and the band is the direction's `tolerance`.
//!
//! # Progress between two rounds
//!
//! With a first round `(y₁, x₁, se₁)` and a second round `(y₂, x₂, se₂)`, `y₂ > y₁`, and a
//! target `t` to reach by the year `T`:
//!
//! - change `Δ = x₂ − x₁`, with standard error
//!   `se(Δ) = √(se₁² + se₂² − 2 cov(x₁, x₂))`. The covariance is 0 when the rounds are
//!   independent samples; when they share units (a rotating panel such as Mexico's ENOE,
//!   where four fifths of the dwellings of a quarter are interviewed again the next
//!   quarter) it is usually positive for persistent characteristics, so that taking it as 0
//!   overstates `se(Δ)` and makes the test conservative. [`ProgressOptions::covariance`]
//!   takes it when it is known (from the linked units of both rounds); otherwise
//!   [`Progress::independence_assumed`] says that it was taken as 0, and the pipeline writes
//!   it in the `change_basis` column;
//! - the change is **significant** when `|Δ| / se(Δ) > q`, `q` the two-sided quantile of
//!   Student's t at [`ProgressOptions::level`] with [`ProgressOptions::df`] degrees of
//!   freedom (the design's; the pipeline takes the smaller of the two rounds' domain df, a
//!   conservative choice), the normal distribution when the df are unknown;
//! - annual change `Δ / (y₂ − y₁)`, with se `se(Δ) / (y₂ − y₁)`;
//! - observed annual progress and the progress required from the second round to reach the
//!   target by `T`, by the benchmark's [`RequiredRate`]:
//!   - linear: `p = (d₁ − d₂) / (y₂ − y₁)`, `dᵢ` the distance at round `i` (positive =
//!     towards the target), and `r = d₂ / (T − y₂)`;
//!   - compound: the observed compound annual growth rate `g = (x₂ / x₁)^(1/(y₂ − y₁)) − 1`
//!     and the required one `g* = (t / x₂)^(1/(T − y₂)) − 1`, signed towards the target:
//!     `p = g`, `r = g*` when higher is better, `p = −g`, `r = −g*` when lower is better.
//!
//! The status is, in this order:
//!
//! 1. [`TrackStatus::NoSignificantChange`] if the change is not significant (its interval
//!    contains 0), whatever the point estimates say;
//! 2. [`TrackStatus::Met`] if `d₂ ≤ 0`;
//! 3. [`TrackStatus::MovingAway`] if `p < 0`;
//! 4. [`TrackStatus::OffTrack`] if the target year has passed (`T ≤ y₂`);
//! 5. [`TrackStatus::OnTrack`] if `p ≥ r`;
//! 6. [`TrackStatus::OffTrack`] otherwise (`0 ≤ p < r`).
//!
//! Without a standard error for both rounds the significance is unknown and the status is
//! judged on the point estimates (rules 2–6).
//!
//! # Distance to target with its uncertainty
//!
//! [`target_status`]: the latest value is `met` or `not_met` only when its distance to the
//! target differs from 0 significantly (`|d| / se > q`, the same `q`); otherwise
//! `no_significant_difference` (the target is inside the interval).

use crate::framework::{Baseline, Direction, Indicator, RequiredRate, Target};
use crate::interval;
use crate::structural::{Status, StructuralStatus};

/// Errors in benchmark computations. Errors about an indicator are wrapped in
/// [`BenchmarkError::Indicator`], which names it.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum BenchmarkError {
    /// A value, target or year is NaN or infinite.
    #[error("{field} is not a finite number ({value})")]
    NonFinite {
        /// Which input.
        field: &'static str,
        /// The value.
        value: f64,
    },
    /// A standard error is negative or not finite.
    #[error("{field} must be a finite non-negative standard error, got {value}")]
    InvalidSe {
        /// Which se.
        field: &'static str,
        /// The value.
        value: f64,
    },
    /// A target tolerance is negative or not finite.
    #[error("target tolerance must be finite and non-negative, got {value}")]
    InvalidTolerance {
        /// The tolerance.
        value: f64,
    },
    /// The second round is not later than the first.
    #[error("the second round ({second}) must be later than the first ({first})")]
    RoundsOutOfOrder {
        /// Year of the first round.
        first: f64,
        /// Year of the second round.
        second: f64,
    },
    /// A numeric assessment was asked but the benchmark target is a status, or the
    /// indicator's unit is a status.
    #[error("the benchmark target is a status, not a number")]
    NotNumeric,
    /// A status assessment was asked but the benchmark target is a number.
    #[error("the benchmark target is a number, not a status")]
    NotStatus,
    /// The target status is not a known status name.
    #[error("unknown target status '{status}'")]
    UnknownStatus {
        /// The status as written.
        status: String,
    },
    /// The target status is of the other family (a policy status for a treaty entry, or
    /// the reverse).
    #[error("target status '{target}' cannot be compared with status '{status}'")]
    StatusFamily {
        /// The entry's status.
        status: String,
        /// The target status.
        target: String,
    },
    /// The compound rate needs strictly positive values and target, and a direction that is
    /// higher or lower is better.
    #[error(
        "the compound rate needs positive values and target and a higher- or lower-is-better direction: {0}"
    )]
    CompoundRate(String),
    /// A confidence level outside (0, 1).
    #[error("confidence level must be in (0, 1), got {0}")]
    InvalidLevel(f64),
    /// An error about one indicator.
    #[error("indicator '{indicator}': {source}")]
    Indicator {
        /// The indicator id.
        indicator: String,
        /// What is wrong.
        #[source]
        source: Box<BenchmarkError>,
    },
}

impl BenchmarkError {
    fn about(self, indicator: &str) -> Self {
        BenchmarkError::Indicator {
            indicator: indicator.to_string(),
            source: Box::new(self),
        }
    }
}

fn finite(field: &'static str, value: f64) -> Result<f64, BenchmarkError> {
    if value.is_finite() {
        Ok(value)
    } else {
        Err(BenchmarkError::NonFinite { field, value })
    }
}

fn check_se(field: &'static str, se: Option<f64>) -> Result<(), BenchmarkError> {
    match se {
        Some(v) if !v.is_finite() || v < 0.0 => Err(BenchmarkError::InvalidSe { field, value: v }),
        _ => Ok(()),
    }
}

/// A value against its target.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Distance {
    /// The value.
    pub value: f64,
    /// The target.
    pub target: f64,
    /// What is left to cover towards the target (see the [module docs](self)); `≤ 0` when
    /// met.
    pub distance: f64,
    /// Whether the target is met (`distance ≤ 0`).
    pub met: bool,
}

/// The distance `d` of `value` to `target` (module table); `d ≤ 0` means met.
pub fn distance(value: f64, target: f64, direction: Direction) -> Result<Distance, BenchmarkError> {
    let x = finite("value", value)?;
    let t = finite("target", target)?;
    let d = match direction {
        Direction::HigherIsBetter => t - x,
        Direction::LowerIsBetter => x - t,
        Direction::Target { tolerance, .. } => {
            if !tolerance.is_finite() || tolerance < 0.0 {
                return Err(BenchmarkError::InvalidTolerance { value: tolerance });
            }
            (x - t).abs() - tolerance
        }
    };
    Ok(Distance {
        value: x,
        target: t,
        distance: d,
        met: d <= 0.0,
    })
}

/// One round of data: the year (fractional years allowed, e.g. `2020.5` for fieldwork
/// centred mid-2020), the estimate and, optionally, its standard error.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Round {
    /// Reference year of the round.
    pub year: f64,
    /// The estimate, in the indicator's unit.
    pub value: f64,
    /// The standard error of the estimate, if known.
    pub se: Option<f64>,
}

impl Round {
    /// A round with a standard error.
    pub fn new(year: f64, value: f64, se: Option<f64>) -> Self {
        Round { year, value, se }
    }
}

impl From<Baseline> for Round {
    /// A benchmark's baseline as a round without standard error, to measure progress since
    /// the baseline.
    fn from(b: Baseline) -> Self {
        Round {
            year: f64::from(b.year),
            value: b.value,
            se: None,
        }
    }
}

/// Whether an indicator is on course to meet its target (definitions in the
/// [module docs](self)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TrackStatus {
    /// The target is met at the latest round.
    Met,
    /// Not met, but the observed annual progress is at least the required one.
    OnTrack,
    /// Not met, progress non-negative but slower than required, or the target year passed.
    OffTrack,
    /// Not met and the value moved away from the target.
    MovingAway,
    /// The change between the rounds is not significant at the chosen level: its interval
    /// contains 0.
    NoSignificantChange,
}

impl TrackStatus {
    /// A short name for tables: `met`, `on_track`, `off_track`, `moving_away`,
    /// `no_significant_change`.
    pub fn as_str(self) -> &'static str {
        match self {
            TrackStatus::Met => "met",
            TrackStatus::OnTrack => "on_track",
            TrackStatus::OffTrack => "off_track",
            TrackStatus::MovingAway => "moving_away",
            TrackStatus::NoSignificantChange => "no_significant_change",
        }
    }
}

/// Progress between two rounds towards a target (formulas in the [module docs](self)).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Progress {
    /// Change `x₂ − x₁`.
    pub change: f64,
    /// `√(se₁² + se₂² − 2 cov)`, when both rounds have an se.
    pub change_se: Option<f64>,
    /// `change / change_se`, when the se is positive.
    pub change_z: Option<f64>,
    /// Two-sided p-value of `change_z` (Student's t with the options' df, or normal).
    pub change_p_value: Option<f64>,
    /// The critical value `q` used (t or normal quantile at the options' level).
    pub critical_value: f64,
    /// Whether the change differs from zero at the options' level (`|z| > q`); with a zero
    /// se, whether the change is non-zero. `None` without se.
    pub change_significant: Option<bool>,
    /// Whether the covariance of the two rounds was taken as 0 (no
    /// [`ProgressOptions::covariance`] given).
    pub independence_assumed: bool,
    /// How progress was measured.
    pub rate: RequiredRate,
    /// `change / (y₂ − y₁)`.
    pub annual_change: f64,
    /// `change_se / (y₂ − y₁)`.
    pub annual_change_se: Option<f64>,
    /// Observed annual progress towards the target: `(d₁ − d₂) / (y₂ − y₁)` (linear) or the
    /// compound annual growth rate signed towards the target (compound).
    pub annual_progress: f64,
    /// Annual progress needed from the second round to reach the target by its year, on
    /// the same footing; `None` when the target is met or the target year has passed.
    pub required_annual_progress: Option<f64>,
    /// Years from the second round to the target year, `T − y₂` (negative when passed).
    pub years_left: f64,
    /// The second round against the target.
    pub distance: Distance,
    /// Met, on track, off track or moving away.
    pub status: TrackStatus,
}

/// How [`progress_with`] judges a change: significance level, degrees of freedom,
/// required rate and the covariance of the rounds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ProgressOptions {
    /// Confidence level of the significance test (default 0.95).
    pub level: f64,
    /// Degrees of freedom of the t quantile (`None`: normal).
    pub df: Option<f64>,
    /// Linear or compound required rate (default linear).
    pub rate: RequiredRate,
    /// `cov(x₁, x₂)` when the rounds share units; `None`: independent samples assumed.
    pub covariance: Option<f64>,
}

impl Default for ProgressOptions {
    fn default() -> Self {
        ProgressOptions {
            level: 0.95,
            df: None,
            rate: RequiredRate::Linear,
            covariance: None,
        }
    }
}

/// Progress from `first` to `second` towards `target`, to be reached by `target_year`,
/// with the default [`ProgressOptions`] (95 %, normal quantile, linear rate, independent
/// rounds).
pub fn progress(
    first: Round,
    second: Round,
    target: f64,
    target_year: i32,
    direction: Direction,
) -> Result<Progress, BenchmarkError> {
    progress_with(
        first,
        second,
        target,
        target_year,
        direction,
        &ProgressOptions::default(),
    )
}

/// Progress from `first` to `second` towards `target` by `target_year` (definitions in the
/// [module docs](self)).
pub fn progress_with(
    first: Round,
    second: Round,
    target: f64,
    target_year: i32,
    direction: Direction,
    options: &ProgressOptions,
) -> Result<Progress, BenchmarkError> {
    let y1 = finite("first round year", first.year)?;
    let y2 = finite("second round year", second.year)?;
    check_se("first round se", first.se)?;
    check_se("second round se", second.se)?;
    if !(options.level > 0.0 && options.level < 1.0) {
        return Err(BenchmarkError::InvalidLevel(options.level));
    }
    if y2 <= y1 {
        return Err(BenchmarkError::RoundsOutOfOrder {
            first: y1,
            second: y2,
        });
    }
    let d1 = distance(first.value, target, direction)?;
    let d2 = distance(second.value, target, direction)?;
    let span = y2 - y1;
    let change = d2.value - d1.value;
    let cov = options.covariance.unwrap_or(0.0);
    let change_se = match (first.se, second.se) {
        (Some(a), Some(b)) => Some((a * a + b * b - 2.0 * cov).max(0.0).sqrt()),
        _ => None,
    };
    let q = interval::critical_value(options.level, options.df);
    let change_z = change_se.filter(|se| *se > 0.0).map(|se| change / se);
    let change_p_value = change_z.map(|z| interval::p_value(z, options.df));
    let change_significant = change_se.map(|se| {
        if se > 0.0 {
            (change / se).abs() > q
        } else {
            change != 0.0
        }
    });
    let years_left = f64::from(target_year) - y2;
    let (annual_progress, required_annual_progress) = match options.rate {
        RequiredRate::Linear => (
            (d1.distance - d2.distance) / span,
            (!d2.met && years_left > 0.0).then(|| d2.distance / years_left),
        ),
        RequiredRate::Compound => {
            let sign = match direction {
                Direction::HigherIsBetter => 1.0,
                Direction::LowerIsBetter => -1.0,
                Direction::Target { .. } => {
                    return Err(BenchmarkError::CompoundRate(
                        "the direction is a target value".to_string(),
                    ));
                }
            };
            if !(d1.value > 0.0 && d2.value > 0.0 && target > 0.0) {
                return Err(BenchmarkError::CompoundRate(format!(
                    "values {} and {}, target {target}",
                    d1.value, d2.value
                )));
            }
            let g = (d2.value / d1.value).powf(1.0 / span) - 1.0;
            let required = (!d2.met && years_left > 0.0)
                .then(|| sign * ((target / d2.value).powf(1.0 / years_left) - 1.0));
            (sign * g, required)
        }
    };
    let status = if change_significant == Some(false) {
        TrackStatus::NoSignificantChange
    } else if d2.met {
        TrackStatus::Met
    } else if annual_progress < 0.0 {
        TrackStatus::MovingAway
    } else {
        match required_annual_progress {
            Some(r) if annual_progress >= r => TrackStatus::OnTrack,
            _ => TrackStatus::OffTrack,
        }
    };
    Ok(Progress {
        change,
        change_se,
        change_z,
        change_p_value,
        critical_value: q,
        change_significant,
        independence_assumed: options.covariance.is_none(),
        rate: options.rate,
        annual_change: change / span,
        annual_change_se: change_se.map(|se| se / span),
        annual_progress,
        required_annual_progress,
        years_left,
        distance: d2,
        status,
    })
}

/// The latest value against its target, with its uncertainty.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TargetStatus {
    /// The target is met, significantly (`d < 0` and `|d| / se > q`), or met with no
    /// standard error to judge by.
    Met,
    /// The target is not met, significantly, or not met with no standard error.
    NotMet,
    /// The distance to the target does not differ from 0 at the chosen level: the target is
    /// inside the interval.
    NoSignificantDifference,
}

impl TargetStatus {
    /// `met`, `not_met` or `no_significant_difference`.
    pub fn as_str(self) -> &'static str {
        match self {
            TargetStatus::Met => "met",
            TargetStatus::NotMet => "not_met",
            TargetStatus::NoSignificantDifference => "no_significant_difference",
        }
    }
}

/// Whether a distance to target (see [`distance`]) differs from 0 at `level`, with the
/// value's standard error and Student's t with `df` degrees of freedom (normal when
/// `None`). Without a usable se the verdict is the point estimate's. A distance of exactly 0
/// is `met`.
pub fn target_status(d: &Distance, se: Option<f64>, level: f64, df: Option<f64>) -> TargetStatus {
    let point = if d.met {
        TargetStatus::Met
    } else {
        TargetStatus::NotMet
    };
    match se {
        Some(s) if s.is_finite() && s > 0.0 && d.distance != 0.0 => {
            let q = interval::critical_value(level, df);
            if (d.distance / s).abs() > q {
                point
            } else {
                TargetStatus::NoSignificantDifference
            }
        }
        _ => point,
    }
}

/// An indicator's latest value against its numeric benchmark, with progress when an
/// earlier round is given.
#[derive(Debug, Clone, PartialEq)]
pub struct Assessment {
    /// Indicator id.
    pub indicator: String,
    /// The benchmark's target value.
    pub target: f64,
    /// The benchmark's target year.
    pub target_year: i32,
    /// Where the benchmark comes from.
    pub source: String,
    /// The latest value against the target.
    pub distance: Distance,
    /// Progress from the earlier round, if one was given.
    pub progress: Option<Progress>,
}

/// Holds `latest` (and, if given, the progress since `earlier`) against the indicator's
/// numeric benchmark. `Ok(None)` when the indicator has no benchmark. To measure progress
/// since the benchmark's baseline, pass `Some(Round::from(baseline))` as `earlier`.
///
/// Errors (naming the indicator) if the benchmark target is a status or the unit is not
/// numeric, or on non-finite inputs.
pub fn assess(
    indicator: &Indicator,
    latest: Round,
    earlier: Option<Round>,
) -> Result<Option<Assessment>, BenchmarkError> {
    let Some(benchmark) = &indicator.benchmark else {
        return Ok(None);
    };
    let target = match benchmark.target {
        Target::Value(v) if indicator.unit.is_numeric() => v,
        _ => return Err(BenchmarkError::NotNumeric.about(&indicator.id)),
    };
    let inner = || -> Result<Assessment, BenchmarkError> {
        check_se("latest round se", latest.se)?;
        let distance = distance(latest.value, target, indicator.direction)?;
        let options = ProgressOptions {
            rate: benchmark.rate,
            ..ProgressOptions::default()
        };
        let progress = earlier
            .map(|e| {
                progress_with(
                    e,
                    latest,
                    target,
                    benchmark.year,
                    indicator.direction,
                    &options,
                )
            })
            .transpose()?;
        Ok(Assessment {
            indicator: indicator.id.clone(),
            target,
            target_year: benchmark.year,
            source: benchmark.source.clone(),
            distance,
            progress,
        })
    };
    inner().map(Some).map_err(|e| e.about(&indicator.id))
}

/// A structural indicator's status against its status benchmark (e.g. target `ratified`).
#[derive(Debug, Clone, PartialEq)]
pub struct StatusAssessment {
    /// Indicator id.
    pub indicator: String,
    /// The target status.
    pub target: Status,
    /// The benchmark's target year.
    pub target_year: i32,
    /// The indicator's status (possibly missing).
    pub status: StructuralStatus,
    /// Whether the status reaches the target (its score is at least the target's);
    /// `None` when the status is missing.
    pub met: Option<bool>,
}

/// Holds a structural indicator's status against its status benchmark. `Ok(None)` when the
/// indicator has no benchmark. A missing status gives `met: None`, never "not met".
pub fn assess_status(
    indicator: &Indicator,
    status: StructuralStatus,
) -> Result<Option<StatusAssessment>, BenchmarkError> {
    let Some(benchmark) = &indicator.benchmark else {
        return Ok(None);
    };
    let target_name = match &benchmark.target {
        Target::Status(s) => s,
        Target::Value(_) => return Err(BenchmarkError::NotStatus.about(&indicator.id)),
    };
    let target: Status = target_name.parse().map_err(|_| {
        BenchmarkError::UnknownStatus {
            status: target_name.clone(),
        }
        .about(&indicator.id)
    })?;
    let met = match status {
        StructuralStatus::Missing => None,
        StructuralStatus::Known(s) => Some(s.meets(target).ok_or_else(|| {
            BenchmarkError::StatusFamily {
                status: s.as_str().to_string(),
                target: target.as_str().to_string(),
            }
            .about(&indicator.id)
        })?),
    };
    Ok(Some(StatusAssessment {
        indicator: indicator.id.clone(),
        target,
        target_year: benchmark.year,
        status,
        met,
    }))
}
