//! Row-level analysis values of each measure: one state byte per row (in the universe,
//! valid, and the value of a 0/1 condition) and, for means, totals and ratios, the analysis
//! columns themselves (read in place, chunk by chunk, when they are already `f64`; see
//! [`super::values`]).

use polars::prelude::{BooleanChunked, DataFrame};
use polars_arrow::bitmap::Bitmap;

use super::columns::{combine_bits, numeric_values};
use super::prepare::{Condition, conditions_alongside};
use super::request::{MeasureSpec, Statistic};
use super::values::Values;
use crate::error::{Error, Result};

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

/// State bit: the row is in the measure's universe.
pub(crate) const IN_UNIVERSE: u8 = 1;
/// State bit: the row is in the universe and its value (and denominator) is not missing.
pub(crate) const VALID: u8 = 2;
/// State bit: the 0/1 value of a proportion's condition is 1.
pub(crate) const ONE: u8 = 4;

/// One measure's values per row.
#[derive(Debug, Clone)]
pub(crate) struct MeasureData {
    /// Kind.
    pub kind: Kind,
    /// Per row: [`IN_UNIVERSE`], [`VALID`] and [`ONE`] bits.
    pub state: Vec<u8>,
    /// Analysis values (`None`: the [`ONE`] bit is the value); read only for valid rows.
    pub y: Option<Values>,
    /// Denominators of ratios; read only for valid rows.
    pub x: Option<Values>,
}

impl MeasureData {
    /// A measure from plain row values: universe membership (`None`: every row), values
    /// and denominators with NaN for missing.
    pub fn from_rows(
        kind: Kind,
        universe: Option<&[bool]>,
        y: Vec<f64>,
        x: Option<Vec<f64>>,
    ) -> Self {
        let mut state = match universe {
            Some(u) => u.iter().map(|&b| if b { IN_UNIVERSE } else { 0 }).collect(),
            None => vec![IN_UNIVERSE; y.len()],
        };
        let y = Values::from(y);
        let x = x.map(Values::from);
        mark_valid(&mut state, &y, None, x.as_ref().map(|x| (x, None)));
        MeasureData {
            kind,
            state,
            y: Some(y),
            x,
        }
    }

    /// Whether row `i` is in the universe.
    #[inline]
    pub fn in_universe(&self, i: usize) -> bool {
        self.state[i] & IN_UNIVERSE != 0
    }

    /// Whether row `i` has a valid value (in the universe and not missing).
    #[inline]
    pub fn valid(&self, i: usize) -> bool {
        self.state[i] & VALID != 0
    }

    /// The analysis value of a valid row `i`.
    #[inline]
    pub fn y(&self, i: usize) -> f64 {
        match &self.y {
            Some(y) => y[i],
            None => f64::from(self.state[i] & ONE != 0),
        }
    }

    /// The denominator of a valid row `i` (0 for measures without one).
    #[inline]
    pub fn x(&self, i: usize) -> f64 {
        self.x.as_ref().map_or(0.0, |x| x[i])
    }
}

/// Set [`VALID`] on rows in the universe whose value (and denominator) is neither
/// missing (`valid` bitmaps) nor NaN.
fn mark_valid(
    state: &mut [u8],
    y: &Values,
    y_valid: Option<&Bitmap>,
    x: Option<(&Values, Option<&Bitmap>)>,
) {
    for s in state.iter_mut() {
        *s |= (*s & IN_UNIVERSE) << 1;
    }
    let keep = !every_byte(VALID);
    for (values, valid) in std::iter::once((y, y_valid)).chain(x) {
        if let Some(b) = valid {
            combine_bits(state, b, |cur, m| cur & (m | keep));
        }
        for (start, chunk) in values.chunks() {
            for (s, v) in state[start..start + chunk.len()].iter_mut().zip(chunk) {
                *s &= !(VALID * u8::from(v.is_nan()));
            }
        }
    }
}

/// A state bit in every byte of a u64.
const fn every_byte(bit: u8) -> u64 {
    u64::from_le_bytes([bit; 8])
}

/// Clear [`IN_UNIVERSE`] on rows where the universe condition is false or NULL.
fn restrict(state: &mut [u8], universe: &BooleanChunked) {
    let keep = !every_byte(IN_UNIVERSE);
    let mut at = 0;
    for arr in universe.downcast_iter() {
        let rows = &mut state[at..at + arr.len()];
        combine_bits(rows, arr.values(), |cur, m| cur & (m | keep));
        if let Some(valid) = polars_arrow::array::Array::validity(arr) {
            combine_bits(rows, valid, |cur, m| cur & (m | keep));
        }
        at += arr.len();
    }
}

/// Set [`ONE`] where a proportion's condition is true and [`VALID`] on rows in the
/// universe where it is not NULL.
fn set_condition(state: &mut [u8], condition: &BooleanChunked) {
    let keep = !every_byte(VALID | ONE);
    let univ = every_byte(IN_UNIVERSE);
    let mut at = 0;
    for arr in condition.downcast_iter() {
        let rows = &mut state[at..at + arr.len()];
        // IN_UNIVERSE is bit 0: shifted, it gives VALID (bit 1) and ONE (bit 2).
        combine_bits(rows, arr.values(), |cur, m| {
            let u = cur & univ;
            cur | (u << 1) | ((u << 2) & m)
        });
        if let Some(valid) = polars_arrow::array::Array::validity(arr) {
            combine_bits(rows, valid, |cur, m| cur & (m | keep));
        }
        at += arr.len();
    }
}

/// Row values of (non-quantile) measures. Every SQL condition (universes, proportions)
/// is evaluated in one query over the rows.
pub(crate) fn measures_data(df: &DataFrame, specs: &[MeasureSpec]) -> Result<Vec<MeasureData>> {
    measures_alongside(df, specs, || ()).0
}

/// Every SQL condition of the measures (universe, then proportion condition, measure by
/// measure), evaluated in one polars query, and the measures' row values from them
/// ([`measures_from`]), on the condition thread while this one runs `alongside`
/// ([`conditions_alongside`]). Returns both results.
pub(crate) fn measures_alongside<R>(
    df: &DataFrame,
    specs: &[MeasureSpec],
    alongside: impl FnOnce() -> R,
) -> (Result<Vec<MeasureData>>, R) {
    let mut items: Vec<Condition> = Vec::new();
    for spec in specs {
        if let Some(u) = spec.universe.as_deref() {
            items.push(Condition {
                sql: u,
                role: "universe",
            });
        }
        if let Statistic::Proportion { condition } = &spec.statistic {
            items.push(Condition {
                sql: condition,
                role: "proportion condition",
            });
        }
    }
    let then = |evaluated: Result<Vec<BooleanChunked>>| {
        evaluated.and_then(|e| measures_from(df, specs, e))
    };
    conditions_alongside(df, &items, &then, alongside)
}

/// Row values of the measures from their evaluated conditions (those of
/// [`measures_alongside`], in its order).
pub(crate) fn measures_from(
    df: &DataFrame,
    specs: &[MeasureSpec],
    evaluated: Vec<BooleanChunked>,
) -> Result<Vec<MeasureData>> {
    let mut evaluated = evaluated.into_iter();
    let mut next = || {
        evaluated
            .next()
            .ok_or_else(|| Error::InvalidRequest("a condition was not evaluated".into()))
    };
    let n = df.height();
    let mut out = Vec::with_capacity(specs.len());
    for spec in specs {
        let mut state = vec![IN_UNIVERSE; n];
        if spec.universe.is_some() {
            restrict(&mut state, &next()?);
        }
        let value = |name: &str, role: &str| numeric_values(df, name, role);
        let (kind, y, x) = match &spec.statistic {
            Statistic::Mean { variable } | Statistic::Quantile { variable, .. } => (
                Kind::Mean,
                Some(value(variable, "analysis variable")?),
                None,
            ),
            Statistic::Total { variable } => (
                Kind::Total,
                Some(value(variable, "analysis variable")?),
                None,
            ),
            Statistic::Ratio {
                numerator,
                denominator,
            } => (
                Kind::Ratio,
                Some(value(numerator, "ratio numerator")?),
                Some(value(denominator, "ratio denominator")?),
            ),
            Statistic::Proportion { .. } => {
                set_condition(&mut state, &next()?);
                (Kind::Proportion, None, None)
            }
        };
        if let Some((y, y_valid)) = &y {
            let x = x.as_ref().map(|(x, v)| (x, v.as_ref()));
            mark_valid(&mut state, y, y_valid.as_ref(), x);
        }
        let (y, x) = (y.map(|v| v.0), x.map(|v| v.0));
        out.push(MeasureData { kind, state, y, x });
    }
    Ok(out)
}

/// Row values of one (non-quantile) measure.
pub(crate) fn measure_data(df: &DataFrame, spec: &MeasureSpec) -> Result<MeasureData> {
    let mut v = measures_data(df, std::slice::from_ref(spec))?;
    v.pop()
        .ok_or_else(|| Error::InvalidRequest("no measure".into()))
}
