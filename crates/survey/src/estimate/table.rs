//! Result tables: one row per measure × domain (× probability), and gap rows.

use polars::prelude::*;

use super::critical::CriticalValues;
use super::finish::{Computed, RawRow};
use super::prepared::Prepared;
use super::request::{GapPair, MeasureSpec, Request};
use crate::error::Result;
use crate::interval;

/// The columns of an estimate table after the by-columns (and `prob` for quantiles), in
/// the order `hri estimate` and the Python package's `hri.estimate` give them.
pub const ESTIMATE_COLUMNS: [&str; 11] = [
    "estimate",
    "se",
    "ci_low",
    "ci_high",
    "df",
    "cv",
    "n",
    "pop",
    "deff",
    "excluded_universe",
    "excluded_missing",
];

/// One estimate.
#[derive(Debug, Clone, PartialEq)]
pub struct EstimateRow {
    /// Measure id (the `variable` column).
    pub measure: String,
    /// Statistic name.
    pub statistic: String,
    /// Index of the disaggregation in the request.
    pub disaggregation: usize,
    /// Group values, aligned with [`Estimates::by_columns`]; `None` where this row's
    /// disaggregation does not use the column.
    pub groups: Vec<Option<String>>,
    /// Probability, for quantiles.
    pub prob: Option<f64>,
    /// Point estimate (`None` for an empty domain).
    pub estimate: Option<f64>,
    /// Standard error.
    pub se: Option<f64>,
    /// Lower confidence limit.
    pub ci_low: Option<f64>,
    /// Upper confidence limit.
    pub ci_high: Option<f64>,
    /// Design degrees of freedom of the domain.
    pub df: Option<f64>,
    /// Coefficient of variation, se / |estimate|.
    pub cv: Option<f64>,
    /// Design effect (means and totals).
    pub deff: Option<f64>,
    /// Rows used (in the domain, in the universe, with a valid value).
    pub n: u64,
    /// Sum of weights of the rows used.
    pub pop: f64,
    /// Rows of the domain's group (all of them, inside or outside the universe).
    pub rows_in_group: u64,
    /// Rows of the group inside the universe.
    pub n_universe: u64,
}

impl EstimateRow {
    /// Rows of the group left out because they are outside the universe.
    pub fn excluded_universe(&self) -> u64 {
        self.rows_in_group.saturating_sub(self.n_universe)
    }
    /// Rows in the universe left out because the analysis value is missing.
    pub fn excluded_missing(&self) -> u64 {
        self.n_universe.saturating_sub(self.n)
    }
}

/// A table of estimates.
#[derive(Debug, Clone, PartialEq)]
pub struct Estimates {
    /// The union of by-columns of every disaggregation.
    pub by_columns: Vec<String>,
    /// The disaggregations, as lists of by-columns.
    pub disaggregations: Vec<Vec<String>>,
    /// Rows with a missing value in a by-column, per disaggregation (left out of it).
    pub missing_group: Vec<u64>,
    /// The estimates.
    pub rows: Vec<EstimateRow>,
}

fn opt(x: f64) -> Option<f64> {
    if x.is_finite() { Some(x) } else { None }
}

pub(crate) fn row(p: &Prepared, raw: &RawRow, spec: &MeasureSpec, _req: &Request) -> EstimateRow {
    let grouping = &p.cells.groupings[raw.grouping];
    let mut groups = vec![None; p.cells.columns.len()];
    for (k, &c) in grouping.columns.iter().enumerate() {
        groups[c] = Some(p.cells.labels[c][grouping.domains[raw.domain][k] as usize].clone());
    }
    let empty = raw.n == 0.0;
    let estimate = if empty { None } else { opt(raw.estimate) };
    let se = if empty { None } else { opt(raw.se) };
    EstimateRow {
        measure: spec.id.clone(),
        statistic: spec.statistic.name().to_string(),
        disaggregation: raw.grouping,
        groups,
        prob: None,
        estimate,
        se,
        ci_low: if empty { None } else { opt(raw.ci.0) },
        ci_high: if empty { None } else { opt(raw.ci.1) },
        df: opt(raw.df),
        cv: match (estimate, se) {
            (Some(e), Some(s)) if e != 0.0 => Some(s / e.abs()),
            _ => None,
        },
        deff: raw.deff.and_then(opt),
        n: raw.n as u64,
        pop: raw.pop,
        rows_in_group: raw.rows_in_group as u64,
        n_universe: raw.n_universe as u64,
    }
}

pub(crate) fn rows(p: &Prepared, raws: &[RawRow], req: &Request) -> Vec<EstimateRow> {
    raws.iter()
        .map(|r| row(p, r, &p.specs[r.measure], req))
        .collect()
}

pub(crate) fn estimates(p: &Prepared, rows: Vec<EstimateRow>) -> Estimates {
    Estimates {
        by_columns: p.cells.columns.clone(),
        disaggregations: p
            .cells
            .groupings
            .iter()
            .map(|g| {
                g.columns
                    .iter()
                    .map(|&c| p.cells.columns[c].clone())
                    .collect()
            })
            .collect(),
        missing_group: p.missing_group.clone(),
        rows,
    }
}

impl Estimates {
    /// The table as a polars DataFrame: `variable`, `statistic`, the by-columns (null
    /// where a row's disaggregation does not use them), `prob`, `estimate`, `se`, `ci_low`,
    /// `ci_high`, `df`, `cv`, `deff`, `n`, `pop`, `excluded_universe`, `excluded_missing`.
    pub fn to_dataframe(&self) -> Result<DataFrame> {
        let r = &self.rows;
        let f =
            |g: &dyn Fn(&EstimateRow) -> Option<f64>| r.iter().map(g).collect::<Vec<Option<f64>>>();
        let mut cols: Vec<Column> = vec![
            Column::new(
                "variable".into(),
                r.iter().map(|x| x.measure.clone()).collect::<Vec<_>>(),
            ),
            Column::new(
                "statistic".into(),
                r.iter().map(|x| x.statistic.clone()).collect::<Vec<_>>(),
            ),
        ];
        for (k, name) in self.by_columns.iter().enumerate() {
            cols.push(Column::new(
                name.as_str().into(),
                r.iter()
                    .map(|x| x.groups[k].clone())
                    .collect::<Vec<Option<String>>>(),
            ));
        }
        cols.push(Column::new("prob".into(), f(&|x| x.prob)));
        cols.push(Column::new("estimate".into(), f(&|x| x.estimate)));
        cols.push(Column::new("se".into(), f(&|x| x.se)));
        cols.push(Column::new("ci_low".into(), f(&|x| x.ci_low)));
        cols.push(Column::new("ci_high".into(), f(&|x| x.ci_high)));
        cols.push(Column::new("df".into(), f(&|x| x.df)));
        cols.push(Column::new("cv".into(), f(&|x| x.cv)));
        cols.push(Column::new("deff".into(), f(&|x| x.deff)));
        cols.push(Column::new(
            "n".into(),
            r.iter().map(|x| x.n).collect::<Vec<u64>>(),
        ));
        cols.push(Column::new(
            "pop".into(),
            r.iter().map(|x| x.pop).collect::<Vec<f64>>(),
        ));
        cols.push(Column::new(
            "excluded_universe".into(),
            r.iter()
                .map(|x| x.excluded_universe())
                .collect::<Vec<u64>>(),
        ));
        cols.push(Column::new(
            "excluded_missing".into(),
            r.iter().map(|x| x.excluded_missing()).collect::<Vec<u64>>(),
        ));
        Ok(DataFrame::new_infer_height(cols)?)
    }
}

/// One gap: a group against the reference group within the same other by-values.
#[derive(Debug, Clone, PartialEq)]
pub struct GapRow {
    /// Measure id.
    pub measure: String,
    /// Values of the by-columns for the group (the gap column holds the group's value).
    pub groups: Vec<String>,
    /// The reference group's value of the gap column.
    pub reference: String,
    /// Estimate in the group.
    pub group_estimate: Option<f64>,
    /// Estimate in the reference group.
    pub reference_estimate: Option<f64>,
    /// Difference, group − reference.
    pub estimate: Option<f64>,
    /// Standard error of the difference (covariance of the two domains included).
    pub se: Option<f64>,
    /// Lower limit for the difference.
    pub ci_low: Option<f64>,
    /// Upper limit for the difference.
    pub ci_high: Option<f64>,
    /// Ratio, group / reference.
    pub ratio: Option<f64>,
    /// Standard error of the ratio.
    pub ratio_se: Option<f64>,
    /// Lower limit for the ratio.
    pub ratio_ci_low: Option<f64>,
    /// Upper limit for the ratio.
    pub ratio_ci_high: Option<f64>,
    /// Degrees of freedom used: the smaller of the two domains' design df.
    pub df: Option<f64>,
    /// Two-sided p-value of "no difference".
    pub p_value: Option<f64>,
}

/// A table of gaps.
#[derive(Debug, Clone, PartialEq)]
pub struct Gaps {
    /// By-columns.
    pub by_columns: Vec<String>,
    /// The column whose groups are compared.
    pub column: String,
    /// Rows.
    pub rows: Vec<GapRow>,
}

/// Gap rows of one gap specification: `pairs` are (index among all pairs, pair).
pub(crate) fn gaps(
    p: &Prepared,
    c: &Computed,
    pairs: &[(usize, GapPair)],
    req: &Request,
    grouping_index: usize,
    column: &str,
) -> Gaps {
    let m = p.measures.len();
    let grouping = &p.cells.groupings[grouping_index];
    let offset = p.dom_offset[grouping_index] as usize;
    let col = p
        .cells
        .columns
        .iter()
        .position(|x| x == column)
        .unwrap_or(0);
    let pos = grouping.columns.iter().position(|&x| x == col).unwrap_or(0);
    // A gap's df: the smaller of its two domains'.
    let pair_df = |gp: &GapPair| c.df[gp.a * m + gp.measure].min(c.df[gp.b * m + gp.measure]);
    let critical = CriticalValues::new(req, pairs.iter().map(|(_, gp)| pair_df(gp)));
    let rows = pairs
        .iter()
        .map(|&(k, gp)| {
            let (a, b) = (gp.a * m + gp.measure, gp.b * m + gp.measure);
            let (ta, tb) = (c.theta[a], c.theta[b]);
            let dv = c.extra_var[2 * k];
            let rv = c.extra_var[2 * k + 1];
            let df = pair_df(&gp);
            let crit_df = critical.df(df);
            let q = critical.get(df);
            let diff = ta - tb;
            let se = dv.sqrt();
            let ratio = ta / tb;
            let rse = rv.sqrt();
            let groups = grouping
                .columns
                .iter()
                .enumerate()
                .map(|(j, &cc)| {
                    p.cells.labels[cc][grouping.domains[gp.a - offset][j] as usize].clone()
                })
                .collect();
            GapRow {
                measure: p.specs[gp.measure].id.clone(),
                groups,
                reference: p.cells.labels[col][grouping.domains[gp.b - offset][pos] as usize]
                    .clone(),
                group_estimate: opt(ta),
                reference_estimate: opt(tb),
                estimate: opt(diff),
                se: opt(se),
                ci_low: opt(diff - q * se),
                ci_high: opt(diff + q * se),
                ratio: opt(ratio),
                ratio_se: opt(rse),
                ratio_ci_low: opt(ratio - q * rse),
                ratio_ci_high: opt(ratio + q * rse),
                df: opt(df),
                p_value: opt(interval::p_value(diff / se, crit_df)),
            }
        })
        .collect();
    Gaps {
        by_columns: grouping
            .columns
            .iter()
            .map(|&cc| p.cells.columns[cc].clone())
            .collect(),
        column: column.to_string(),
        rows,
    }
}

impl Gaps {
    /// The gaps as a polars DataFrame.
    pub fn to_dataframe(&self) -> Result<DataFrame> {
        let r = &self.rows;
        let f = |g: &dyn Fn(&GapRow) -> Option<f64>| r.iter().map(g).collect::<Vec<Option<f64>>>();
        let mut cols: Vec<Column> = vec![Column::new(
            "variable".into(),
            r.iter().map(|x| x.measure.clone()).collect::<Vec<_>>(),
        )];
        for (k, name) in self.by_columns.iter().enumerate() {
            cols.push(Column::new(
                name.as_str().into(),
                r.iter().map(|x| x.groups[k].clone()).collect::<Vec<_>>(),
            ));
        }
        cols.push(Column::new(
            "reference".into(),
            r.iter().map(|x| x.reference.clone()).collect::<Vec<_>>(),
        ));
        cols.push(Column::new("estimate".into(), f(&|x| x.estimate)));
        cols.push(Column::new("se".into(), f(&|x| x.se)));
        cols.push(Column::new("ci_low".into(), f(&|x| x.ci_low)));
        cols.push(Column::new("ci_high".into(), f(&|x| x.ci_high)));
        cols.push(Column::new("df".into(), f(&|x| x.df)));
        cols.push(Column::new("ratio".into(), f(&|x| x.ratio)));
        cols.push(Column::new("ratio_se".into(), f(&|x| x.ratio_se)));
        cols.push(Column::new("ratio_ci_low".into(), f(&|x| x.ratio_ci_low)));
        cols.push(Column::new("ratio_ci_high".into(), f(&|x| x.ratio_ci_high)));
        cols.push(Column::new("p_value".into(), f(&|x| x.p_value)));
        cols.push(Column::new(
            "group_estimate".into(),
            f(&|x| x.group_estimate),
        ));
        cols.push(Column::new(
            "reference_estimate".into(),
            f(&|x| x.reference_estimate),
        ));
        Ok(DataFrame::new_infer_height(cols)?)
    }
}
