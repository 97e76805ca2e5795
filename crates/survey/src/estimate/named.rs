//! A request given by names — a statistic's name, column names, SQL text, an interval
//! method's name — as a command line or another language gives it, and the columns of a
//! data source it needs.

use std::collections::BTreeSet;

use super::prepare::condition_columns;
use super::request::{CiMethod, DfMethod, Request, Statistic};
use crate::design::{Design, ReplicateColumns, Replicates};
use crate::error::{Error, Result};

/// The statistics a [`NamedRequest`] may name.
pub const STATISTICS: [&str; 5] = ["mean", "total", "ratio", "proportion", "quantile"];

/// A request by names: `stat` is one of [`STATISTICS`]; one measure per analysis column
/// (a ratio's numerators share `denominator`; a proportion has one measure, its
/// `condition`), all within the same `universe`.
#[derive(Debug, Clone, PartialEq)]
pub struct NamedRequest {
    /// mean, total, ratio, proportion or quantile.
    pub stat: String,
    /// Analysis columns (ratios: the numerators).
    pub variables: Vec<String>,
    /// Ratio denominator column.
    pub denominator: Option<String>,
    /// Proportion: SQL condition whose share is estimated.
    pub condition: Option<String>,
    /// Quantile probabilities.
    pub probs: Option<Vec<f64>>,
    /// Universe: SQL condition (rows outside score zero; the design is kept).
    pub universe: Option<String>,
    /// Interval method's name ([`CiMethod`]).
    pub ci: String,
    /// Confidence level in (0, 1).
    pub level: f64,
    /// Degrees of freedom's name ([`DfMethod`]): design or infinite.
    pub df: String,
}

impl NamedRequest {
    /// A request for `stat` with Wald intervals at 95 % on the design df.
    pub fn new(stat: impl Into<String>) -> Self {
        NamedRequest {
            stat: stat.into(),
            variables: Vec::new(),
            denominator: None,
            condition: None,
            probs: None,
            universe: None,
            ci: "wald".into(),
            level: 0.95,
            df: "design".into(),
        }
    }

    /// The request (its measures, interval, level and df; no disaggregation yet), or the
    /// first thing missing or unknown.
    pub fn to_request(&self) -> Result<Request> {
        let stat = self.stat.as_str();
        let need_variables = || {
            if self.variables.is_empty() {
                Err(Error::InvalidRequest(format!(
                    "statistic `{stat}` needs an analysis column (var)"
                )))
            } else {
                Ok(())
            }
        };
        let universe = self.universe.as_deref();
        let mut req = Request::new()
            .ci(self.ci.parse::<CiMethod>()?)
            .level(self.level)
            .df(self.df.parse::<DfMethod>()?);
        match stat {
            "mean" | "total" => {
                need_variables()?;
                for v in &self.variables {
                    let variable = v.clone();
                    let s = if stat == "mean" {
                        Statistic::Mean { variable }
                    } else {
                        Statistic::Total { variable }
                    };
                    req = req.measure(v.clone(), s, universe);
                }
            }
            "ratio" => {
                need_variables()?;
                let denominator = self.denominator.clone().ok_or_else(|| {
                    Error::InvalidRequest("statistic `ratio` needs a denominator".into())
                })?;
                for v in &self.variables {
                    let s = Statistic::Ratio {
                        numerator: v.clone(),
                        denominator: denominator.clone(),
                    };
                    req = req.measure(v.clone(), s, universe);
                }
            }
            "proportion" => {
                let condition = self.condition.clone().ok_or_else(|| {
                    Error::InvalidRequest("statistic `proportion` needs a condition".into())
                })?;
                req = req.measure(
                    condition.clone(),
                    Statistic::Proportion { condition },
                    universe,
                );
            }
            "quantile" => {
                need_variables()?;
                let probs = self.probs.clone().ok_or_else(|| {
                    Error::InvalidRequest("statistic `quantile` needs probabilities (probs)".into())
                })?;
                for v in &self.variables {
                    let s = Statistic::Quantile {
                        variable: v.clone(),
                        probs: probs.clone(),
                    };
                    req = req.measure(v.clone(), s, universe);
                }
            }
            other => {
                return Err(Error::InvalidRequest(format!(
                    "unknown statistic `{other}` ({})",
                    STATISTICS.join(", ")
                )));
            }
        }
        Ok(req)
    }
}

/// The columns a request under a design reads: the design's, the measures' variables, the
/// columns of their SQL conditions and the by-columns (each once, in that order). An SQL
/// condition that does not parse is an error that says which condition it is.
pub fn request_columns(request: &Request, design: &Design) -> Result<Vec<String>> {
    let mut out: Vec<String> = Vec::new();
    let mut push = |c: String| {
        if !out.contains(&c) {
            out.push(c);
        }
    };
    for c in design.columns() {
        push(c);
    }
    for m in &request.measures {
        match &m.statistic {
            Statistic::Mean { variable }
            | Statistic::Total { variable }
            | Statistic::Quantile { variable, .. } => push(variable.clone()),
            Statistic::Ratio {
                numerator,
                denominator,
            } => {
                push(numerator.clone());
                push(denominator.clone());
            }
            Statistic::Proportion { condition } => {
                for c in condition_columns(condition, "proportion condition")? {
                    push(c);
                }
            }
        }
        if let Some(u) = &m.universe {
            for c in condition_columns(u, "universe (where)")? {
                push(c);
            }
        }
    }
    for g in &request.disaggregations {
        for c in g {
            push(c.clone());
        }
    }
    Ok(out)
}

/// The columns of a source to read for `design`, `request` and the disaggregations `by`,
/// in the source's order (replicate columns by prefix are found among `available`). A
/// column that `available` lacks is an [`Error::UnknownColumn`] naming `source`. Columns
/// in `implicit` (a constant weight a caller adds, say) are neither required nor returned.
pub fn columns_to_read(
    design: &Design,
    request: &NamedRequest,
    by: &[Vec<String>],
    available: &[String],
    source: &str,
    implicit: &[&str],
) -> Result<Vec<String>> {
    let mut full = request.to_request()?;
    for columns in by {
        full = full.by(columns.clone());
    }
    let mut needed: BTreeSet<String> = request_columns(&full, design)?.into_iter().collect();
    if let Some(Replicates {
        columns: ReplicateColumns::Prefix(p),
        ..
    }) = design.replicates()
    {
        needed.extend(
            available
                .iter()
                .filter(|n| n.starts_with(p.as_str()))
                .cloned(),
        );
    }
    for c in implicit {
        needed.remove(*c);
    }
    if let Some(c) = needed.iter().find(|c| !available.contains(c)) {
        return Err(Error::UnknownColumn {
            column: c.clone(),
            role: format!("column of {source}"),
        });
    }
    Ok(available
        .iter()
        .filter(|n| needed.contains(n.as_str()))
        .cloned()
        .collect())
}
