//! Row-level analysis values of each measure: universe membership, y and x.

use polars::prelude::DataFrame;

use super::prepare::{condition, numeric};
use super::request::{MeasureSpec, Statistic};
use crate::error::Result;

/// How a measure's domain totals become an estimate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Σwy / Σw.
    Mean,
    /// Σwy.
    Total,
    /// Σwy / Σwx.
    Ratio,
    /// Σwy / Σw with y in {0, 1}.
    Proportion,
}

/// One measure's values per row.
#[derive(Debug, Clone)]
pub(crate) struct MeasureData {
    /// Kind.
    pub kind: Kind,
    /// Universe membership per row (`None`: every row).
    pub universe: Option<Vec<bool>>,
    /// Analysis value per row, NaN when missing.
    pub y: Vec<f64>,
    /// Denominator per row for ratios, NaN when missing.
    pub x: Option<Vec<f64>>,
}

impl MeasureData {
    /// Whether row `i` is in the universe.
    #[inline]
    pub fn in_universe(&self, i: usize) -> bool {
        self.universe.as_ref().is_none_or(|u| u[i])
    }
    /// Whether row `i` has a valid value (in the universe and not missing).
    #[inline]
    pub fn valid(&self, i: usize) -> bool {
        self.in_universe(i) && !self.y[i].is_nan() && self.x.as_ref().is_none_or(|x| !x[i].is_nan())
    }
}

/// Universe membership from an SQL condition: NULL counts as outside.
pub(crate) fn universe(df: &DataFrame, sql: Option<&str>) -> Result<Option<Vec<bool>>> {
    match sql {
        None => Ok(None),
        Some(s) => Ok(Some(
            condition(df, s, "universe")?
                .into_iter()
                .map(|v| v.unwrap_or(false))
                .collect(),
        )),
    }
}

/// Row values of a (non-quantile) measure.
pub(crate) fn measure_data(df: &DataFrame, spec: &MeasureSpec) -> Result<MeasureData> {
    let universe = universe(df, spec.universe.as_deref())?;
    let (kind, y, x) = match &spec.statistic {
        Statistic::Mean { variable } => (
            Kind::Mean,
            numeric(df, variable, "analysis variable")?,
            None,
        ),
        Statistic::Total { variable } => (
            Kind::Total,
            numeric(df, variable, "analysis variable")?,
            None,
        ),
        Statistic::Ratio {
            numerator,
            denominator,
        } => (
            Kind::Ratio,
            numeric(df, numerator, "ratio numerator")?,
            Some(numeric(df, denominator, "ratio denominator")?),
        ),
        Statistic::Proportion { condition: c } => (
            Kind::Proportion,
            condition(df, c, "proportion condition")?
                .into_iter()
                .map(|v| match v {
                    Some(true) => 1.0,
                    Some(false) => 0.0,
                    None => f64::NAN,
                })
                .collect(),
            None,
        ),
        Statistic::Quantile { variable, .. } => (
            Kind::Mean,
            numeric(df, variable, "analysis variable")?,
            None,
        ),
    };
    Ok(MeasureData {
        kind,
        universe,
        y,
        x,
    })
}
