//! Scores on 0–100 and their roll-up from indicators to attributes, rights and an overall
//! score, for every population group.
//!
//! # Normalisations
//!
//! All scores are truncated to `[0, 100]`; 100 is best. `x` is the value, in the
//! indicator's unit.
//!
//! **Goalposts** ([`goalposts`]), lower goalpost `L`, upper goalpost `U`, `L < U`:
//!
//! | direction | score |
//! |---|---|
//! | higher is better | `(x − L) / (U − L) · 100` |
//! | lower is better | `(U − x) / (U − L) · 100` |
//! | target `t` ± `τ` | 100 if `t − τ ≤ x ≤ t + τ`; below the band `(x − L) / ((t − τ) − L) · 100`; above it `(U − x) / (U − (t + τ)) · 100` (0 where the band reaches the goalpost) |
//!
//! Default goalposts when the indicator has none: 0–100 for [`Unit::Percent`], 0–1 for
//! [`Unit::Proportion`]; other units need explicit goalposts.
//!
//! **Distance to target** ([`distance_to_target`]): the share of the way from the baseline
//! `b` to the target `t` that has been covered, `(1 − d(x) / d(b)) · 100`, where `d` is the
//! direction-aware distance of [`crate::benchmark`] (`t − x` for higher is better, `x − t`
//! for lower is better, `|x − t| − τ` for a target band). For higher is better this is
//! `(x − b) / (t − b) · 100`. If the baseline already met the target (`d(b) ≤ 0`) the score
//! is 100 when `x` meets it and 0 otherwise. Without a baseline in the benchmark, the worst
//! goalpost is the starting point (`L` for higher is better, `U` for lower is better, the
//! goalpost farther from `t` for a target), as in COINr's distance to target.
//!
//! **Parity** ([`parity`]): the group's value `x` against the reference group's value `r`
//! (e.g. migrants against non-migrants), with values ≥ 0:
//!
//! | direction | score |
//! |---|---|
//! | higher is better | `min(x / r, 1) · 100` (100 when `r = 0`) |
//! | lower is better | `min(r / x, 1) · 100` (100 when `x = 0`) |
//! | target | `min(x / r, r / x) · 100` (100 when both are 0, 0 when only one is) |
//!
//! The reference group scores 100 against itself.
//!
//! **Structural indicators** score from the status of their register entry whatever the
//! catalogue's normalisation: not ratified 0, signed 50, ratified 100; absent 0, partial
//! 50, complete 100 (see [`crate::structural`]). A missing entry has no score. A
//! structural score applies to every group: it is keyed by the group [`ANY_GROUP`].
//!
//! # Aggregation
//!
//! An aggregate (attribute from indicators, right from attributes, overall from rights)
//! over components with scores `sᵢ` and weights `wᵢ` ([`aggregate`]):
//!
//! - components with weight 0 are left out (they are neither expected nor used);
//! - `expected` = number of components, `available` = those with a score;
//! - if `expected = 0` or `available = 0`, or `available / expected < min_available`, the
//!   aggregate is not computed (`None`, with the reason);
//! - otherwise, over the available components (weights renormalised):
//!   - arithmetic: `Σ wᵢ sᵢ / Σ wᵢ`;
//!   - geometric: `exp(Σ wᵢ ln sᵢ / Σ wᵢ)`; **a zero score makes the geometric mean 0**
//!     (the limit of the formula; no floor is applied, so a total failure on one
//!     component is not compensated by the others).
//!
//! Indicators weigh their [`Indicator::weight`] (default 1) in their attribute; attributes
//! weigh equally in their right and rights equally in the overall score. A right counts
//! only the attributes that have at least one indicator in the catalogue, the overall
//! score only the rights that have such an attribute.

use std::collections::{HashMap, HashSet};

use crate::benchmark;
use crate::framework::{
    Aggregation, Attribute, Direction, Goalposts, Indicator, IndicatorKind, Normalisation,
    ScoringSpec, Target, Unit,
};
use crate::structural::{Register, StructuralStatus, StructuralValue};

/// The group key of scores that apply to every group (structural indicators).
pub const ANY_GROUP: &str = "*";

/// Errors in scoring. They are about the inputs (catalogue, register, values), never
/// about missing data: missing data give a `None` score with a reason.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ScoreError {
    /// A value is NaN or infinite.
    #[error("{field} is not a finite number ({value})")]
    NonFinite {
        /// Which input.
        field: &'static str,
        /// The value.
        value: f64,
    },
    /// Goalposts are not finite or not in increasing order.
    #[error("goalposts must be finite with lower < upper, got lower = {lower}, upper = {upper}")]
    InvalidGoalposts {
        /// Lower goalpost.
        lower: f64,
        /// Upper goalpost.
        upper: f64,
    },
    /// A target direction has an invalid value or tolerance.
    #[error(
        "target direction needs a finite value and a finite non-negative tolerance, got {value} ± {tolerance}"
    )]
    InvalidTarget {
        /// Target value.
        value: f64,
        /// Tolerance.
        tolerance: f64,
    },
    /// Parity needs non-negative values.
    #[error("parity needs non-negative values, got {field} = {value}")]
    NegativeForParity {
        /// `value` or `reference`.
        field: &'static str,
        /// The value.
        value: f64,
    },
    /// The indicator is not numeric (structural measure, status unit, or status target for
    /// distance to target).
    #[error("not a numeric indicator or target")]
    NotNumeric,
    /// An indicator weight is negative or not finite.
    #[error("weight must be finite and non-negative, got {weight}")]
    InvalidWeight {
        /// The weight.
        weight: f64,
    },
    /// The minimum available share is not in [0, 1].
    #[error("min_available must be in [0, 1], got {value}")]
    InvalidMinAvailable {
        /// The value.
        value: f64,
    },
    /// A score is outside [0, 100] or not finite.
    #[error("score of indicator '{indicator}' for group '{group}' is {score}, outside [0, 100]")]
    OutOfRange {
        /// Indicator id.
        indicator: String,
        /// Group.
        group: String,
        /// The score.
        score: f64,
    },
    /// An indicator names an attribute that is not among the attributes given.
    #[error("indicator '{indicator}' names unknown attribute '{attribute}'")]
    UnknownAttribute {
        /// Indicator id.
        indicator: String,
        /// Attribute id.
        attribute: String,
    },
    /// An indicator's right differs from its attribute's right.
    #[error(
        "indicator '{indicator}' is under right '{right}' but its attribute '{attribute}' belongs to '{attribute_right}'"
    )]
    RightMismatch {
        /// Indicator id.
        indicator: String,
        /// The indicator's right.
        right: String,
        /// Attribute id.
        attribute: String,
        /// The attribute's right.
        attribute_right: String,
    },
    /// A value or score names an indicator that is not among the indicators given.
    #[error("unknown indicator '{indicator}'")]
    UnknownIndicator {
        /// Indicator id.
        indicator: String,
    },
    /// Two values or scores for the same indicator and group.
    #[error("more than one value for indicator '{indicator}' and group '{group}'")]
    Duplicate {
        /// Indicator id.
        indicator: String,
        /// Group.
        group: String,
    },
    /// A survey value was given for a structural indicator (its value comes from the
    /// register).
    #[error(
        "indicator '{indicator}' is structural: its value comes from the register, not from survey values"
    )]
    StructuralValueGiven {
        /// Indicator id.
        indicator: String,
    },
    /// A component of an aggregate has a score outside [0, 100] or not finite.
    #[error("component '{component}' has score {score}, outside [0, 100]")]
    InvalidScore {
        /// Component id.
        component: String,
        /// The score.
        score: f64,
    },
    /// An error from the benchmark computations (distance to target).
    #[error(transparent)]
    Benchmark(#[from] benchmark::BenchmarkError),
    /// An error about one indicator.
    #[error("indicator '{indicator}': {source}")]
    Indicator {
        /// Indicator id.
        indicator: String,
        /// What is wrong.
        #[source]
        source: Box<ScoreError>,
    },
}

impl ScoreError {
    fn about(self, indicator: &str) -> Self {
        ScoreError::Indicator {
            indicator: indicator.to_string(),
            source: Box::new(self),
        }
    }
}

fn finite(field: &'static str, value: f64) -> Result<f64, ScoreError> {
    if value.is_finite() {
        Ok(value)
    } else {
        Err(ScoreError::NonFinite { field, value })
    }
}

fn clamp100(s: f64) -> f64 {
    s.clamp(0.0, 100.0)
}

fn check_goalposts(g: Goalposts) -> Result<(), ScoreError> {
    if g.lower.is_finite() && g.upper.is_finite() && g.lower < g.upper {
        Ok(())
    } else {
        Err(ScoreError::InvalidGoalposts {
            lower: g.lower,
            upper: g.upper,
        })
    }
}

fn check_direction(direction: Direction) -> Result<(), ScoreError> {
    if let Direction::Target { value, tolerance } = direction
        && (!value.is_finite() || !tolerance.is_finite() || tolerance < 0.0)
    {
        return Err(ScoreError::InvalidTarget { value, tolerance });
    }
    Ok(())
}

/// Default goalposts of a unit: 0–100 for percent, 0–1 for proportions, none otherwise.
pub fn default_goalposts(unit: &Unit) -> Option<Goalposts> {
    match unit {
        Unit::Percent => Some(Goalposts {
            lower: 0.0,
            upper: 100.0,
        }),
        Unit::Proportion => Some(Goalposts {
            lower: 0.0,
            upper: 1.0,
        }),
        _ => None,
    }
}

/// Goalposts normalisation (formula in the [module docs](self)), truncated to [0, 100].
pub fn goalposts(
    value: f64,
    goalposts: Goalposts,
    direction: Direction,
) -> Result<f64, ScoreError> {
    let x = finite("value", value)?;
    check_goalposts(goalposts)?;
    check_direction(direction)?;
    let Goalposts { lower: l, upper: u } = goalposts;
    let s = match direction {
        Direction::HigherIsBetter => (x - l) / (u - l) * 100.0,
        Direction::LowerIsBetter => (u - x) / (u - l) * 100.0,
        Direction::Target {
            value: t,
            tolerance,
        } => {
            let (a, b) = (t - tolerance, t + tolerance);
            if (a..=b).contains(&x) {
                100.0
            } else if x < a {
                if a > l {
                    (x - l) / (a - l) * 100.0
                } else {
                    0.0
                }
            } else if u > b {
                (u - x) / (u - b) * 100.0
            } else {
                0.0
            }
        }
    };
    Ok(clamp100(s))
}

/// Distance-to-target normalisation: share of the way from `baseline` to `target` covered
/// by `value`, direction-aware, truncated to [0, 100] (formula in the
/// [module docs](self)).
pub fn distance_to_target(
    value: f64,
    baseline: f64,
    target: f64,
    direction: Direction,
) -> Result<f64, ScoreError> {
    check_direction(direction)?;
    let dx = benchmark::distance(value, target, direction)?.distance;
    let db = benchmark::distance(finite("baseline", baseline)?, target, direction)?.distance;
    let s = if db > 0.0 {
        (1.0 - dx / db) * 100.0
    } else if dx <= 0.0 {
        100.0
    } else {
        0.0
    };
    Ok(clamp100(s))
}

/// Parity normalisation: the group's `value` against the `reference` group's value, where
/// parity (ratio 1) scores 100 (formulas in the [module docs](self)).
pub fn parity(value: f64, reference: f64, direction: Direction) -> Result<f64, ScoreError> {
    let x = finite("value", value)?;
    let r = finite("reference", reference)?;
    check_direction(direction)?;
    if x < 0.0 {
        return Err(ScoreError::NegativeForParity {
            field: "value",
            value: x,
        });
    }
    if r < 0.0 {
        return Err(ScoreError::NegativeForParity {
            field: "reference",
            value: r,
        });
    }
    let s = match direction {
        Direction::HigherIsBetter => {
            if r == 0.0 {
                100.0
            } else {
                (x / r).min(1.0) * 100.0
            }
        }
        Direction::LowerIsBetter => {
            if x == 0.0 {
                100.0
            } else {
                (r / x).min(1.0) * 100.0
            }
        }
        Direction::Target { .. } => {
            if x == 0.0 && r == 0.0 {
                100.0
            } else if x == 0.0 || r == 0.0 {
                0.0
            } else {
                (x / r).min(r / x) * 100.0
            }
        }
    };
    Ok(clamp100(s))
}

/// The outcome of scoring one value: a score, or the reason there is none.
#[derive(Debug, Clone, PartialEq)]
pub enum ScoreOutcome {
    /// A score on 0–100.
    Scored(f64),
    /// No score, and why (no goalposts, no benchmark, no reference value).
    NotScored(String),
}

impl ScoreOutcome {
    /// The score, if any.
    pub fn score(&self) -> Option<f64> {
        match self {
            ScoreOutcome::Scored(s) => Some(*s),
            ScoreOutcome::NotScored(_) => None,
        }
    }
}

/// Scores one numeric value of `indicator` with `normalisation`. `reference` is the
/// reference group's value, used by [`Normalisation::Parity`] only. Errors (naming the
/// indicator) on a structural or non-numeric indicator, invalid goalposts or direction, a
/// status target for distance to target, or non-finite inputs.
pub fn score_value(
    indicator: &Indicator,
    normalisation: Normalisation,
    value: f64,
    reference: Option<f64>,
) -> Result<ScoreOutcome, ScoreError> {
    score_value_inner(indicator, normalisation, value, reference)
        .map_err(|e| e.about(&indicator.id))
}

fn score_value_inner(
    indicator: &Indicator,
    normalisation: Normalisation,
    value: f64,
    reference: Option<f64>,
) -> Result<ScoreOutcome, ScoreError> {
    if !indicator.measure.is_survey() || !indicator.unit.is_numeric() {
        return Err(ScoreError::NotNumeric);
    }
    let direction = indicator.direction;
    let gp = indicator
        .goalposts
        .or_else(|| default_goalposts(&indicator.unit));
    Ok(match normalisation {
        Normalisation::Goalposts => match gp {
            Some(g) => ScoreOutcome::Scored(goalposts(value, g, direction)?),
            None => ScoreOutcome::NotScored(format!(
                "no goalposts for an indicator in unit {}",
                indicator.unit.code()
            )),
        },
        Normalisation::DistanceToTarget => {
            let Some(b) = &indicator.benchmark else {
                return Ok(ScoreOutcome::NotScored("no benchmark".to_string()));
            };
            let t = match b.target {
                Target::Value(t) => t,
                Target::Status(_) => return Err(ScoreError::NotNumeric),
            };
            let start = match (&b.baseline, gp) {
                (Some(base), _) => base.value,
                (None, Some(g)) => {
                    check_goalposts(g)?;
                    match direction {
                        Direction::HigherIsBetter => g.lower,
                        Direction::LowerIsBetter => g.upper,
                        Direction::Target { .. } => {
                            if (g.lower - t).abs() >= (g.upper - t).abs() {
                                g.lower
                            } else {
                                g.upper
                            }
                        }
                    }
                }
                (None, None) => {
                    return Ok(ScoreOutcome::NotScored(
                        "the benchmark has no baseline and the indicator no goalposts".to_string(),
                    ));
                }
            };
            ScoreOutcome::Scored(distance_to_target(value, start, t, direction)?)
        }
        Normalisation::Parity => match reference {
            Some(r) => ScoreOutcome::Scored(parity(value, r, direction)?),
            None => ScoreOutcome::NotScored("no value for the reference group".to_string()),
        },
    })
}

/// An estimate of one indicator for one group, as it comes out of estimation.
#[derive(Debug, Clone, PartialEq)]
pub struct IndicatorValue {
    /// Indicator id.
    pub indicator: String,
    /// Group (`"total"`, `"migrant"`, `"migrant/female"`, ...).
    pub group: String,
    /// The estimate in the indicator's unit; `None` when not estimated (e.g. suppressed).
    pub estimate: Option<f64>,
    /// Its standard error, if known.
    pub se: Option<f64>,
}

impl IndicatorValue {
    /// This value as a benchmark [`Round`](crate::benchmark::Round) of the given reference
    /// year, to measure progress between two rounds; `None` without an estimate.
    pub fn to_round(&self, year: f64) -> Option<benchmark::Round> {
        self.estimate.map(|value| benchmark::Round {
            year,
            value,
            se: self.se,
        })
    }
}

/// The score of one indicator for one group.
#[derive(Debug, Clone, PartialEq)]
pub struct IndicatorScore {
    /// Indicator id.
    pub indicator: String,
    /// Group, or [`ANY_GROUP`] for a score that applies to every group (structural).
    pub group: String,
    /// Score on 0–100, `None` when it cannot be computed.
    pub score: Option<f64>,
    /// Why the score is missing (`None` when scored).
    pub reason: Option<String>,
}

/// Scores every indicator for every group it has a value for, plus every structural
/// indicator (from `register`, keyed by [`ANY_GROUP`]).
///
/// Survey indicators use `spec.normalisation`; for parity, `reference_of(group)` names the
/// reference group whose value of the same indicator is the denominator (e.g. `"migrant"`
/// → `"non_migrant"`). A missing estimate, reference, benchmark or goalposts, or a missing
/// register entry, gives a `None` score with a reason. Output order: indicators in
/// catalogue order, and for each its values in input order.
///
/// Errors on values of unknown or structural indicators, duplicate (indicator, group)
/// values, and invalid indicator definitions.
pub fn score_indicators<F>(
    indicators: &[Indicator],
    values: &[IndicatorValue],
    register: Option<&Register>,
    spec: &ScoringSpec,
    reference_of: F,
) -> Result<Vec<IndicatorScore>, ScoreError>
where
    F: Fn(&str) -> Option<String>,
{
    let by_id: HashMap<&str, &Indicator> = indicators.iter().map(|i| (i.id.as_str(), i)).collect();
    let mut estimates: HashMap<(&str, &str), Option<f64>> = HashMap::new();
    let mut rows: HashMap<&str, Vec<&IndicatorValue>> = HashMap::new();
    for v in values {
        let Some(ind) = by_id.get(v.indicator.as_str()) else {
            return Err(ScoreError::UnknownIndicator {
                indicator: v.indicator.clone(),
            });
        };
        if !ind.measure.is_survey() {
            return Err(ScoreError::StructuralValueGiven {
                indicator: v.indicator.clone(),
            });
        }
        if estimates
            .insert((v.indicator.as_str(), v.group.as_str()), v.estimate)
            .is_some()
        {
            return Err(ScoreError::Duplicate {
                indicator: v.indicator.clone(),
                group: v.group.clone(),
            });
        }
        rows.entry(v.indicator.as_str()).or_default().push(v);
    }

    let mut out = Vec::new();
    for ind in indicators {
        if !ind.measure.is_survey() {
            let sv = match register {
                Some(reg) => reg.structural_value(ind),
                None => StructuralValue::without_register(ind),
            }
            .map_err(|_| ScoreError::NotNumeric.about(&ind.id))?;
            out.push(IndicatorScore {
                indicator: ind.id.clone(),
                group: ANY_GROUP.to_string(),
                score: sv.score(),
                reason: match sv.status {
                    StructuralStatus::Missing => sv.reason.clone(),
                    StructuralStatus::Known(_) => None,
                },
            });
            continue;
        }
        for v in rows.get(ind.id.as_str()).map(Vec::as_slice).unwrap_or(&[]) {
            let (score, reason) = match v.estimate {
                None => (None, Some("no estimate".to_string())),
                Some(x) => {
                    let mut missing_ref = None;
                    let reference = if spec.normalisation == Normalisation::Parity {
                        match reference_of(&v.group) {
                            None => {
                                missing_ref =
                                    Some(format!("no reference group for group '{}'", v.group));
                                None
                            }
                            Some(rg) => match estimates.get(&(ind.id.as_str(), rg.as_str())) {
                                Some(Some(r)) => Some(*r),
                                _ => {
                                    missing_ref =
                                        Some(format!("no estimate for the reference group '{rg}'"));
                                    None
                                }
                            },
                        }
                    } else {
                        None
                    };
                    match missing_ref {
                        Some(reason) => (None, Some(reason)),
                        None => match score_value(ind, spec.normalisation, x, reference)? {
                            ScoreOutcome::Scored(s) => (Some(s), None),
                            ScoreOutcome::NotScored(r) => (None, Some(r)),
                        },
                    }
                }
            };
            out.push(IndicatorScore {
                indicator: ind.id.clone(),
                group: v.group.clone(),
                score,
                reason,
            });
        }
    }
    Ok(out)
}

/// One component of an aggregate: an id (for messages), its score and its weight.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Component<'a> {
    /// Id of the component (indicator, attribute or right).
    pub id: &'a str,
    /// Its score on 0–100, `None` when missing.
    pub score: Option<f64>,
    /// Its weight (≥ 0; 0 leaves it out).
    pub weight: f64,
}

impl<'a> Component<'a> {
    /// A component.
    pub fn new(id: &'a str, score: Option<f64>, weight: f64) -> Self {
        Component { id, score, weight }
    }
}

/// The result of an aggregation.
#[derive(Debug, Clone, PartialEq)]
pub struct Aggregate {
    /// The aggregate score, `None` when not computed.
    pub score: Option<f64>,
    /// Components with a score (and a positive weight).
    pub available: usize,
    /// Components with a positive weight.
    pub expected: usize,
    /// Why the score is missing, or which components were missing when it was computed
    /// from part of them; `None` when computed from all.
    pub reason: Option<String>,
}

/// Weighted arithmetic or geometric mean of the components' scores, subject to the
/// minimum available share (rules in the [module docs](self)).
pub fn aggregate(
    components: &[Component<'_>],
    aggregation: Aggregation,
    min_available: f64,
) -> Result<Aggregate, ScoreError> {
    aggregate_labelled(components, aggregation, min_available, "components")
}

fn aggregate_labelled(
    components: &[Component<'_>],
    aggregation: Aggregation,
    min_available: f64,
    label: &str,
) -> Result<Aggregate, ScoreError> {
    if !(0.0..=1.0).contains(&min_available) {
        return Err(ScoreError::InvalidMinAvailable {
            value: min_available,
        });
    }
    let mut used: Vec<(f64, f64)> = Vec::new();
    let mut missing: Vec<&str> = Vec::new();
    let mut expected = 0usize;
    for c in components {
        if !c.weight.is_finite() || c.weight < 0.0 {
            return Err(ScoreError::InvalidWeight { weight: c.weight }.about(c.id));
        }
        if c.weight == 0.0 {
            continue;
        }
        expected += 1;
        match c.score {
            Some(s) if !s.is_finite() || !(0.0..=100.0).contains(&s) => {
                return Err(ScoreError::InvalidScore {
                    component: c.id.to_string(),
                    score: s,
                });
            }
            Some(s) => used.push((s, c.weight)),
            None => missing.push(c.id),
        }
    }
    let available = used.len();
    let missing_list = missing.join(", ");
    let not = |reason: String| Aggregate {
        score: None,
        available,
        expected,
        reason: Some(reason),
    };
    if expected == 0 {
        return Ok(not(format!("no {label} to aggregate")));
    }
    if available == 0 {
        return Ok(not(format!(
            "none of the {expected} {label} has a score (missing: {missing_list})"
        )));
    }
    let share = available as f64 / expected as f64;
    if share + 1e-12 < min_available {
        return Ok(not(format!(
            "only {available} of {expected} {label} have a score (share {share:.3} < minimum {min_available}); missing: {missing_list}"
        )));
    }
    let wsum: f64 = used.iter().map(|(_, w)| w).sum();
    let score = match aggregation {
        Aggregation::None => return Ok(not("aggregation = \"none\": no roll-up".to_string())),
        Aggregation::Arithmetic => used.iter().map(|(s, w)| s * w).sum::<f64>() / wsum,
        Aggregation::Geometric => {
            if used.iter().any(|(s, _)| *s == 0.0) {
                0.0
            } else {
                (used.iter().map(|(s, w)| w * s.ln()).sum::<f64>() / wsum).exp()
            }
        }
    };
    Ok(Aggregate {
        score: Some(clamp100(score)),
        available,
        expected,
        reason: (!missing.is_empty()).then(|| {
            format!("computed from {available} of {expected} {label}; missing: {missing_list}")
        }),
    })
}

/// The score of one attribute for one group.
#[derive(Debug, Clone, PartialEq)]
pub struct AttributeScore {
    /// Attribute id.
    pub attribute: String,
    /// The attribute's right.
    pub right: String,
    /// Group.
    pub group: String,
    /// Score on 0–100, `None` when not computed.
    pub score: Option<f64>,
    /// Indicators with a score.
    pub available: usize,
    /// Indicators of the attribute (with a positive weight).
    pub expected: usize,
    /// Why the score is missing, or which indicators were missing.
    pub reason: Option<String>,
}

/// The score of one right for one group.
#[derive(Debug, Clone, PartialEq)]
pub struct RightScore {
    /// Right id.
    pub right: String,
    /// Group.
    pub group: String,
    /// Score on 0–100, `None` when not computed.
    pub score: Option<f64>,
    /// Attributes with a score.
    pub available: usize,
    /// Attributes of the right that have indicators.
    pub expected: usize,
    /// Why the score is missing, or which attributes were missing.
    pub reason: Option<String>,
}

/// The overall score for one group.
#[derive(Debug, Clone, PartialEq)]
pub struct OverallScore {
    /// Group.
    pub group: String,
    /// Score on 0–100, `None` when not computed.
    pub score: Option<f64>,
    /// Rights with a score.
    pub available: usize,
    /// Rights that have indicators.
    pub expected: usize,
    /// Why the score is missing, or which rights were missing.
    pub reason: Option<String>,
}

/// Attribute, right and overall scores for every group.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Rollup {
    /// Attribute scores, group by group, attributes in input order.
    pub attributes: Vec<AttributeScore>,
    /// Right scores, group by group, rights in order of first appearance.
    pub rights: Vec<RightScore>,
    /// Overall scores, one per group.
    pub overall: Vec<OverallScore>,
}

impl Rollup {
    /// The score of `attribute` for `group`.
    pub fn attribute(&self, attribute: &str, group: &str) -> Option<&AttributeScore> {
        self.attributes
            .iter()
            .find(|a| a.attribute == attribute && a.group == group)
    }

    /// The score of `right` for `group`.
    pub fn right(&self, right: &str, group: &str) -> Option<&RightScore> {
        self.rights
            .iter()
            .find(|r| r.right == right && r.group == group)
    }

    /// The overall score for `group`.
    pub fn overall(&self, group: &str) -> Option<&OverallScore> {
        self.overall.iter().find(|o| o.group == group)
    }
}

/// Indicator scores checked against the catalogue and the scoring settings, indexed by
/// (indicator, group): what every roll-up reads.
struct ScoreTable<'a> {
    /// Each attribute's indicators with their weights.
    per_attribute: HashMap<&'a str, Vec<(&'a Indicator, f64)>>,
    /// Score by (indicator, group).
    table: HashMap<(&'a str, &'a str), Option<f64>>,
    /// The groups scored, in order of first appearance (`"total"` when only
    /// [`ANY_GROUP`] scores are given).
    groups: Vec<&'a str>,
}

impl<'a> ScoreTable<'a> {
    /// The checks of [`rollup`] (attributes and rights, weights, `min_available`, unknown
    /// indicators, scores outside [0, 100], duplicates), then the index.
    fn checked(
        indicators: &'a [Indicator],
        attributes: &'a [Attribute],
        scores: &'a [IndicatorScore],
        spec: &ScoringSpec,
    ) -> Result<ScoreTable<'a>, ScoreError> {
        if !(0.0..=1.0).contains(&spec.min_available) {
            return Err(ScoreError::InvalidMinAvailable {
                value: spec.min_available,
            });
        }
        let attr_by_id: HashMap<&str, &Attribute> =
            attributes.iter().map(|a| (a.id.as_str(), a)).collect();
        let mut per_attribute: HashMap<&str, Vec<(&Indicator, f64)>> = HashMap::new();
        for ind in indicators {
            let Some(attr) = attr_by_id.get(ind.attribute.as_str()) else {
                return Err(ScoreError::UnknownAttribute {
                    indicator: ind.id.clone(),
                    attribute: ind.attribute.clone(),
                });
            };
            if attr.right != ind.right {
                return Err(ScoreError::RightMismatch {
                    indicator: ind.id.clone(),
                    right: ind.right.clone(),
                    attribute: attr.id.clone(),
                    attribute_right: attr.right.clone(),
                });
            }
            let w = ind.weight.unwrap_or(1.0);
            if !w.is_finite() || w < 0.0 {
                return Err(ScoreError::InvalidWeight { weight: w }.about(&ind.id));
            }
            per_attribute
                .entry(ind.attribute.as_str())
                .or_default()
                .push((ind, w));
        }

        let known: HashSet<&str> = indicators.iter().map(|i| i.id.as_str()).collect();
        let mut table: HashMap<(&str, &str), Option<f64>> = HashMap::new();
        let mut groups: Vec<&str> = Vec::new();
        for s in scores {
            if !known.contains(s.indicator.as_str()) {
                return Err(ScoreError::UnknownIndicator {
                    indicator: s.indicator.clone(),
                });
            }
            if let Some(v) = s.score
                && (!v.is_finite() || !(0.0..=100.0).contains(&v))
            {
                return Err(ScoreError::OutOfRange {
                    indicator: s.indicator.clone(),
                    group: s.group.clone(),
                    score: v,
                });
            }
            if table
                .insert((s.indicator.as_str(), s.group.as_str()), s.score)
                .is_some()
            {
                return Err(ScoreError::Duplicate {
                    indicator: s.indicator.clone(),
                    group: s.group.clone(),
                });
            }
            if s.group != ANY_GROUP && !groups.contains(&s.group.as_str()) {
                groups.push(s.group.as_str());
            }
        }
        if groups.is_empty() {
            groups.push("total");
        }
        Ok(ScoreTable {
            per_attribute,
            table,
            groups,
        })
    }
}

/// Rolls indicator scores up to attribute, right and overall scores, for every group
/// present in `scores` (in order of first appearance; `"total"` alone if only
/// [`ANY_GROUP`] scores are given). For each group, an indicator's score is its score for
/// that group, or else its [`ANY_GROUP`] score, or else missing. Aggregation and minimum
/// available share come from `spec` (rules in the [module docs](self)).
///
/// Errors on an indicator whose attribute is unknown or belongs to another right, a score
/// of an unknown indicator, duplicate scores, scores outside [0, 100], invalid weights or
/// an invalid `min_available`.
pub fn rollup(
    indicators: &[Indicator],
    attributes: &[Attribute],
    scores: &[IndicatorScore],
    spec: &ScoringSpec,
) -> Result<Rollup, ScoreError> {
    let ScoreTable {
        per_attribute,
        table,
        groups,
    } = ScoreTable::checked(indicators, attributes, scores, spec)?;

    let mut rights: Vec<&str> = Vec::new();
    for a in attributes {
        if !rights.contains(&a.right.as_str()) {
            rights.push(a.right.as_str());
        }
    }

    let mut out = Rollup::default();
    for &group in &groups {
        let lookup = |ind: &str| -> Option<f64> {
            table
                .get(&(ind, group))
                .or_else(|| table.get(&(ind, ANY_GROUP)))
                .copied()
                .flatten()
        };
        let mut attr_scores: HashMap<&str, Option<f64>> = HashMap::new();
        let mut attr_has_indicators: HashSet<&str> = HashSet::new();
        for a in attributes {
            let comps: Vec<Component<'_>> = per_attribute
                .get(a.id.as_str())
                .map(Vec::as_slice)
                .unwrap_or(&[])
                .iter()
                .map(|(ind, w)| Component::new(&ind.id, lookup(&ind.id), *w))
                .collect();
            let agg =
                aggregate_labelled(&comps, spec.aggregation, spec.min_available, "indicators")?;
            if agg.expected > 0 {
                attr_has_indicators.insert(a.id.as_str());
            }
            attr_scores.insert(a.id.as_str(), agg.score);
            out.attributes.push(AttributeScore {
                attribute: a.id.clone(),
                right: a.right.clone(),
                group: group.to_string(),
                score: agg.score,
                available: agg.available,
                expected: agg.expected,
                reason: agg.reason,
            });
        }
        let mut right_comps: Vec<Component<'_>> = Vec::new();
        for &r in &rights {
            let comps: Vec<Component<'_>> = attributes
                .iter()
                .filter(|a| a.right == r && attr_has_indicators.contains(a.id.as_str()))
                .map(|a| {
                    let score = attr_scores.get(a.id.as_str()).copied().flatten();
                    Component::new(&a.id, score, 1.0)
                })
                .collect();
            let agg =
                aggregate_labelled(&comps, spec.aggregation, spec.min_available, "attributes")?;
            if agg.expected > 0 {
                right_comps.push(Component::new(r, agg.score, 1.0));
            }
            out.rights.push(RightScore {
                right: r.to_string(),
                group: group.to_string(),
                score: agg.score,
                available: agg.available,
                expected: agg.expected,
                reason: agg.reason,
            });
        }
        let agg = aggregate_labelled(&right_comps, spec.aggregation, spec.min_available, "rights")?;
        out.overall.push(OverallScore {
            group: group.to_string(),
            score: agg.score,
            available: agg.available,
            expected: agg.expected,
            reason: agg.reason,
        });
    }
    Ok(out)
}

/// Which scores a roll-up aggregates: the level of the indicator (goalposts or distance to
/// target) or the non-discrimination (parity) score of a group against its reference
/// group. The two are never mixed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ScoreBasis {
    /// Scores of the indicator's level.
    Level,
    /// Parity (gap) scores: the group against the reference group.
    Parity,
}

impl ScoreBasis {
    /// `level` or `parity`.
    pub fn as_str(self) -> &'static str {
        match self {
            ScoreBasis::Level => "level",
            ScoreBasis::Parity => "parity",
        }
    }
}

/// Where a roll-up sits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RollupLevel {
    /// One attribute, one kind.
    Attribute,
    /// One right: one kind, or the right's composite (`kind` = `None`).
    Right,
    /// The overall composite (only when the catalogue asks for one).
    Overall,
}

/// One roll-up score of one group.
#[derive(Debug, Clone, PartialEq)]
pub struct KindScore {
    /// Attribute, right or overall.
    pub level: RollupLevel,
    /// Level or parity scores.
    pub basis: ScoreBasis,
    /// Attribute id (attribute rows).
    pub attribute: Option<String>,
    /// Right id (attribute and right rows).
    pub right: Option<String>,
    /// The kind of indicators aggregated; `None` for a composite.
    pub kind: Option<IndicatorKind>,
    /// Group key.
    pub group: String,
    /// Score on 0–100, `None` when not computed.
    pub score: Option<f64>,
    /// Components with a score.
    pub available: usize,
    /// Components expected.
    pub expected: usize,
    /// Why the score is missing, or which components were missing.
    pub reason: Option<String>,
    /// The weights of a composite (`structural 1, process 1, outcome 1`).
    pub weights: Option<String>,
}

const KINDS: [IndicatorKind; 3] = [
    IndicatorKind::Structural,
    IndicatorKind::Process,
    IndicatorKind::Outcome,
];

/// Rolls indicator scores up **by kind**, for every group, keeping level and parity scores
/// apart:
///
/// - attribute × kind: the indicators of that kind in the attribute (weights
///   [`Indicator::weight`]);
/// - right × kind: the attribute × kind scores of the right (equal weights, the attributes
///   that have indicators of that kind);
/// - only when the catalogue asks for it ([`ScoringSpec::composite`]): each right's
///   composite, the kinds weighted as given (weights renormalised over the kinds the right
///   has), and the overall composite, the rights' composites with equal weights; the
///   weights are carried in [`KindScore::weights`];
/// - with `aggregation = "none"`, nothing (indicator scores only).
///
/// Structural indicators have level scores only (keyed [`ANY_GROUP`]); parity scores are
/// those of process and outcome indicators. Aggregation and `min_available` as in
/// [`rollup`], whose input checks apply to both score lists.
pub fn rollup_by_kind(
    indicators: &[Indicator],
    attributes: &[Attribute],
    level: &[IndicatorScore],
    parity: &[IndicatorScore],
    spec: &ScoringSpec,
) -> Result<Vec<KindScore>, ScoreError> {
    if spec.aggregation == Aggregation::None {
        return Ok(Vec::new());
    }
    // The input checks (attributes, rights, weights, score ranges, duplicates) and the
    // index of each score list.
    let level_table = ScoreTable::checked(indicators, attributes, level, spec)?;
    let parity_table = ScoreTable::checked(indicators, attributes, parity, spec)?;
    if let Some(w) = &spec.composite {
        for (k, v) in [
            ("structural", w.structural),
            ("process", w.process),
            ("outcome", w.outcome),
        ] {
            if !v.is_finite() || v < 0.0 {
                return Err(ScoreError::InvalidWeight { weight: v }.about(k));
            }
        }
    }
    let mut rights: Vec<&str> = Vec::new();
    for a in attributes {
        if !rights.contains(&a.right.as_str()) {
            rights.push(a.right.as_str());
        }
    }
    let mut out = Vec::new();
    for (basis, scores, checked) in [
        (ScoreBasis::Level, level, level_table),
        (ScoreBasis::Parity, parity, parity_table),
    ] {
        if scores.is_empty() {
            continue;
        }
        let ScoreTable { table, groups, .. } = checked;
        let kinds: Vec<IndicatorKind> = match basis {
            ScoreBasis::Level => KINDS.to_vec(),
            ScoreBasis::Parity => vec![IndicatorKind::Process, IndicatorKind::Outcome],
        };
        for &group in &groups {
            let lookup = |ind: &str| -> Option<f64> {
                table
                    .get(&(ind, group))
                    .or_else(|| table.get(&(ind, ANY_GROUP)))
                    .copied()
                    .flatten()
            };
            let mut composites: Vec<Component<'_>> = Vec::new();
            for &r in &rights {
                let mut by_kind: Vec<(IndicatorKind, Option<f64>)> = Vec::new();
                for &kind in &kinds {
                    let mut attr_comps: Vec<Component<'_>> = Vec::new();
                    for a in attributes.iter().filter(|a| a.right == r) {
                        let comps: Vec<Component<'_>> = indicators
                            .iter()
                            .filter(|i| i.attribute == a.id && i.kind == kind)
                            .map(|i| Component::new(&i.id, lookup(&i.id), i.weight.unwrap_or(1.0)))
                            .collect();
                        if comps.is_empty() {
                            continue;
                        }
                        let agg = aggregate_labelled(
                            &comps,
                            spec.aggregation,
                            spec.min_available,
                            "indicators",
                        )?;
                        attr_comps.push(Component::new(&a.id, agg.score, 1.0));
                        out.push(KindScore {
                            level: RollupLevel::Attribute,
                            basis,
                            attribute: Some(a.id.clone()),
                            right: Some(r.to_string()),
                            kind: Some(kind),
                            group: group.to_string(),
                            score: agg.score,
                            available: agg.available,
                            expected: agg.expected,
                            reason: agg.reason,
                            weights: None,
                        });
                    }
                    if attr_comps.is_empty() {
                        continue;
                    }
                    let agg = aggregate_labelled(
                        &attr_comps,
                        spec.aggregation,
                        spec.min_available,
                        "attributes",
                    )?;
                    by_kind.push((kind, agg.score));
                    out.push(KindScore {
                        level: RollupLevel::Right,
                        basis,
                        attribute: None,
                        right: Some(r.to_string()),
                        kind: Some(kind),
                        group: group.to_string(),
                        score: agg.score,
                        available: agg.available,
                        expected: agg.expected,
                        reason: agg.reason,
                        weights: None,
                    });
                }
                if let Some(w) = &spec.composite
                    && !by_kind.is_empty()
                {
                    let weight = |k: IndicatorKind| match k {
                        IndicatorKind::Structural => w.structural,
                        IndicatorKind::Process => w.process,
                        IndicatorKind::Outcome => w.outcome,
                    };
                    let comps: Vec<Component<'_>> = by_kind
                        .iter()
                        .map(|(k, s)| Component::new(k.as_str(), *s, weight(*k)))
                        .collect();
                    let agg =
                        aggregate_labelled(&comps, spec.aggregation, spec.min_available, "kinds")?;
                    composites.push(Component::new(r, agg.score, 1.0));
                    out.push(KindScore {
                        level: RollupLevel::Right,
                        basis,
                        attribute: None,
                        right: Some(r.to_string()),
                        kind: None,
                        group: group.to_string(),
                        score: agg.score,
                        available: agg.available,
                        expected: agg.expected,
                        reason: agg.reason,
                        weights: Some(w.describe()),
                    });
                }
            }
            if let Some(w) = &spec.composite
                && !composites.is_empty()
            {
                let agg = aggregate_labelled(
                    &composites,
                    spec.aggregation,
                    spec.min_available,
                    "rights",
                )?;
                out.push(KindScore {
                    level: RollupLevel::Overall,
                    basis,
                    attribute: None,
                    right: None,
                    kind: None,
                    group: group.to_string(),
                    score: agg.score,
                    available: agg.available,
                    expected: agg.expected,
                    reason: agg.reason,
                    weights: Some(format!("{}; rights equally", w.describe())),
                });
            }
        }
    }
    Ok(out)
}
