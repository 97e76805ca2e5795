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
//! - change `Δ = x₂ − x₁`; its standard error, the rounds being independent samples,
//!   `se(Δ) = √(se₁² + se₂²)` (only when both se are given);
//! - annual change `Δ / (y₂ − y₁)`, with se `se(Δ) / (y₂ − y₁)`;
//! - observed annual progress `p = (d₁ − d₂) / (y₂ − y₁)`, where `dᵢ` is the distance at
//!   round `i` (positive = moving towards the target; for higher-is-better this is the
//!   annual change, for lower-is-better its opposite);
//! - required annual progress `r = d₂ / (T − y₂)`, defined when `d₂ > 0` and `T > y₂`.
//!
//! The status is, in this order:
//!
//! 1. [`TrackStatus::Met`] if `d₂ ≤ 0` (whatever the trend);
//! 2. [`TrackStatus::MovingAway`] if `p < 0`;
//! 3. [`TrackStatus::OffTrack`] if the target year has passed (`T ≤ y₂`);
//! 4. [`TrackStatus::OnTrack`] if `p ≥ r`;
//! 5. [`TrackStatus::OffTrack`] otherwise (`0 ≤ p < r`, stagnation included).
//!
//! The status is judged on the point estimates. The change's se, its `z = Δ / se(Δ)` and
//! whether it differs from zero at the 5% level (`|z| > 1.959964`, normal approximation)
//! are reported beside it so that a reader can see when a trend is within the noise.

use crate::framework::{Baseline, Direction, Indicator, Target};
use crate::structural::{Status, StructuralStatus};

/// Two-sided 5% critical value of the standard normal distribution.
const Z_95: f64 = 1.959_963_984_540_054;

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
}

impl TrackStatus {
    /// A short name for tables: `met`, `on_track`, `off_track`, `moving_away`.
    pub fn as_str(self) -> &'static str {
        match self {
            TrackStatus::Met => "met",
            TrackStatus::OnTrack => "on_track",
            TrackStatus::OffTrack => "off_track",
            TrackStatus::MovingAway => "moving_away",
        }
    }
}

/// Progress between two rounds towards a target (formulas in the [module docs](self)).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Progress {
    /// Change `x₂ − x₁`.
    pub change: f64,
    /// `√(se₁² + se₂²)`, when both rounds have an se.
    pub change_se: Option<f64>,
    /// `change / change_se`, when the se is positive.
    pub change_z: Option<f64>,
    /// Whether the change differs from zero at the 5% level (`|z| > 1.96`); with a zero se,
    /// whether the change is non-zero. `None` without se.
    pub change_significant: Option<bool>,
    /// `change / (y₂ − y₁)`.
    pub annual_change: f64,
    /// `change_se / (y₂ − y₁)`.
    pub annual_change_se: Option<f64>,
    /// Observed annual progress towards the target, `(d₁ − d₂) / (y₂ − y₁)`.
    pub annual_progress: f64,
    /// Annual progress needed from the second round to reach the target by its year,
    /// `d₂ / (T − y₂)`; `None` when the target is met or the target year has passed.
    pub required_annual_progress: Option<f64>,
    /// Years from the second round to the target year, `T − y₂` (negative when passed).
    pub years_left: f64,
    /// The second round against the target.
    pub distance: Distance,
    /// Met, on track, off track or moving away.
    pub status: TrackStatus,
}

/// Progress from `first` to `second` towards `target`, to be reached by `target_year`.
pub fn progress(
    first: Round,
    second: Round,
    target: f64,
    target_year: i32,
    direction: Direction,
) -> Result<Progress, BenchmarkError> {
    let y1 = finite("first round year", first.year)?;
    let y2 = finite("second round year", second.year)?;
    check_se("first round se", first.se)?;
    check_se("second round se", second.se)?;
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
    let change_se = match (first.se, second.se) {
        (Some(a), Some(b)) => Some((a * a + b * b).sqrt()),
        _ => None,
    };
    let change_z = change_se.filter(|se| *se > 0.0).map(|se| change / se);
    let change_significant = change_se.map(|se| {
        if se > 0.0 {
            (change / se).abs() > Z_95
        } else {
            change != 0.0
        }
    });
    let annual_progress = (d1.distance - d2.distance) / span;
    let years_left = f64::from(target_year) - y2;
    let required_annual_progress = (!d2.met && years_left > 0.0).then(|| d2.distance / years_left);
    let status = if d2.met {
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
        change_significant,
        annual_change: change / span,
        annual_change_se: change_se.map(|se| se / span),
        annual_progress,
        required_annual_progress,
        years_left,
        distance: d2,
        status,
    })
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
        let progress = earlier
            .map(|e| progress(e, latest, target, benchmark.year, indicator.direction))
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
