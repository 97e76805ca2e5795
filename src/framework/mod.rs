//! The OHCHR indicator framework as data: rights, their attributes, kinds of indicators,
//! directions, units, benchmarks, measures and disaggregation dimensions.
//!
//! A *right* (health, education, work) is split into *attributes*; each attribute is
//! measured by *structural* (commitments), *process* (efforts) and *outcome* (results)
//! indicators. An indicator says how it is computed (its [`Measure`]), in which [`Unit`],
//! which way is better ([`Direction`]), against which [`Benchmark`], and by which
//! [`Dimension`]s it is disaggregated.

mod attribute;
mod benchmark;
mod dimension;
mod direction;
mod indicator;
mod kind;
mod measure;
mod right;
mod scoring;
mod unit;

pub use attribute::Attribute;
pub use benchmark::{Baseline, Benchmark, Target};
pub use dimension::{Dimension, Disaggregation};
pub use direction::Direction;
pub use indicator::Indicator;
pub use kind::IndicatorKind;
pub use measure::Measure;
pub use right::Right;
pub use scoring::{Aggregation, Goalposts, Normalisation, ScoringSpec};
pub use unit::Unit;
