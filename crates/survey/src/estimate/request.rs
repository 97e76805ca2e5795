//! What to estimate: statistics within universes, by disaggregations, with which interval.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// A statistic of survey data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "stat", rename_all = "snake_case")]
pub enum Statistic {
    /// Weighted mean of a numeric column.
    Mean {
        /// Column.
        variable: String,
    },
    /// Estimated population total of a numeric column.
    Total {
        /// Column.
        variable: String,
    },
    /// Ratio of the totals of two columns.
    Ratio {
        /// Numerator column.
        numerator: String,
        /// Denominator column.
        denominator: String,
    },
    /// Share of rows meeting an SQL condition (a NULL condition puts the row out).
    Proportion {
        /// SQL condition.
        condition: String,
    },
    /// Quantiles of a numeric column (R's `qrule = "math"`), with Woodruff intervals.
    Quantile {
        /// Column.
        variable: String,
        /// Probabilities in (0, 1).
        probs: Vec<f64>,
    },
}

impl Statistic {
    /// Short name: mean, total, ratio, proportion, quantile.
    pub fn name(&self) -> &'static str {
        match self {
            Statistic::Mean { .. } => "mean",
            Statistic::Total { .. } => "total",
            Statistic::Ratio { .. } => "ratio",
            Statistic::Proportion { .. } => "proportion",
            Statistic::Quantile { .. } => "quantile",
        }
    }
}

/// One quantity to estimate: a statistic within an optional universe.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MeasureSpec {
    /// Name of the measure in the output (`variable` column).
    pub id: String,
    /// The statistic.
    pub statistic: Statistic,
    /// SQL condition defining the universe (rows outside score zero; the design is kept).
    pub universe: Option<String>,
}

/// Confidence interval method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CiMethod {
    /// estimate ± q · se, q from the normal or t(df) distribution.
    #[default]
    Wald,
    /// Proportions: R's `svyciprop(method = "logit")`, a quasi-binomial intercept model
    /// fitted as R's `glm` fits it; the estimate is that model's fitted value.
    Logit,
    /// Proportions: Wald interval on the logit scale, back-transformed.
    Xlogit,
    /// Proportions: Korn–Graubard (beta) interval with effective sample size.
    Beta,
    /// Proportions: Wilson score interval with the effective sample size.
    Wilson,
    /// Quantiles: Woodruff's interval (the default for quantiles whatever is chosen).
    Woodruff,
}

impl std::str::FromStr for CiMethod {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "wald" => Ok(CiMethod::Wald),
            "logit" => Ok(CiMethod::Logit),
            "xlogit" => Ok(CiMethod::Xlogit),
            "beta" => Ok(CiMethod::Beta),
            "wilson" => Ok(CiMethod::Wilson),
            "woodruff" => Ok(CiMethod::Woodruff),
            o => Err(Error::InvalidRequest(format!(
                "unknown interval method `{o}` (wald, logit, xlogit, beta, wilson, woodruff)"
            ))),
        }
    }
}

/// Degrees of freedom for interval quantiles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DfMethod {
    /// Student's t with the domain's design degrees of freedom.
    #[default]
    Design,
    /// The normal distribution.
    Infinite,
}

impl std::str::FromStr for DfMethod {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "design" => Ok(DfMethod::Design),
            "infinite" | "normal" => Ok(DfMethod::Infinite),
            o => Err(Error::InvalidRequest(format!(
                "unknown df `{o}` (design or infinite)"
            ))),
        }
    }
}

/// A whole estimation request: measures × disaggregations, computed in one pass.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Request {
    /// Measures.
    pub measures: Vec<MeasureSpec>,
    /// Disaggregations, each a list of by-columns; an empty list is the whole population.
    pub disaggregations: Vec<Vec<String>>,
    /// Interval method.
    pub ci: CiMethod,
    /// Confidence level in (0, 1).
    pub level: f64,
    /// Degrees of freedom of the interval.
    pub df: DfMethod,
    /// Compute design effects (means and totals).
    pub deff: bool,
}

impl Default for Request {
    fn default() -> Self {
        Request {
            measures: Vec::new(),
            disaggregations: Vec::new(),
            ci: CiMethod::Wald,
            level: 0.95,
            df: DfMethod::Design,
            deff: true,
        }
    }
}

impl Request {
    /// An empty request (Wald intervals at 95 % on t(design df)).
    pub fn new() -> Self {
        Self::default()
    }
    /// Add a measure.
    pub fn measure(
        mut self,
        id: impl Into<String>,
        statistic: Statistic,
        universe: Option<&str>,
    ) -> Self {
        self.measures.push(MeasureSpec {
            id: id.into(),
            statistic,
            universe: universe.map(str::to_string),
        });
        self
    }
    /// Add the mean of `variable`.
    pub fn mean(self, variable: &str) -> Self {
        self.measure(
            variable,
            Statistic::Mean {
                variable: variable.into(),
            },
            None,
        )
    }
    /// Add the total of `variable`.
    pub fn total(self, variable: &str) -> Self {
        self.measure(
            variable,
            Statistic::Total {
                variable: variable.into(),
            },
            None,
        )
    }
    /// Add the ratio of two columns' totals.
    pub fn ratio(self, numerator: &str, denominator: &str) -> Self {
        self.measure(
            format!("{numerator}/{denominator}"),
            Statistic::Ratio {
                numerator: numerator.into(),
                denominator: denominator.into(),
            },
            None,
        )
    }
    /// Add the proportion of rows meeting an SQL condition.
    pub fn proportion(self, condition: &str) -> Self {
        self.measure(
            condition,
            Statistic::Proportion {
                condition: condition.into(),
            },
            None,
        )
    }
    /// Add quantiles of `variable`.
    pub fn quantile(self, variable: &str, probs: &[f64]) -> Self {
        self.measure(
            variable,
            Statistic::Quantile {
                variable: variable.into(),
                probs: probs.to_vec(),
            },
            None,
        )
    }
    /// Restrict every measure added so far to a universe (SQL condition).
    pub fn within(mut self, universe: &str) -> Self {
        for m in &mut self.measures {
            m.universe = Some(universe.to_string());
        }
        self
    }
    /// Add a disaggregation (one or more by-columns, crossed).
    pub fn by<I, S>(mut self, columns: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.disaggregations
            .push(columns.into_iter().map(Into::into).collect());
        self
    }
    /// Add the whole population as a disaggregation.
    pub fn overall(mut self) -> Self {
        self.disaggregations.push(Vec::new());
        self
    }
    /// Interval method.
    pub fn ci(mut self, method: CiMethod) -> Self {
        self.ci = method;
        self
    }
    /// Confidence level.
    pub fn level(mut self, level: f64) -> Self {
        self.level = level;
        self
    }
    /// Degrees of freedom of intervals.
    pub fn df(mut self, df: DfMethod) -> Self {
        self.df = df;
        self
    }

    /// Check the request itself (not the data).
    pub fn validate(&self) -> Result<()> {
        if self.measures.is_empty() {
            return Err(Error::InvalidRequest("no measure to estimate".into()));
        }
        if !(self.level > 0.0 && self.level < 1.0) {
            return Err(Error::InvalidRequest(format!(
                "level must be in (0, 1), got {}",
                self.level
            )));
        }
        for m in &self.measures {
            if let Statistic::Quantile { probs, .. } = &m.statistic {
                if probs.is_empty() {
                    return Err(Error::InvalidRequest(format!(
                        "quantile `{}` has no probability",
                        m.id
                    )));
                }
                if let Some(p) = probs.iter().find(|p| !(**p > 0.0 && **p < 1.0)) {
                    return Err(Error::InvalidRequest(format!(
                        "quantile `{}`: probability {p} is outside (0, 1)",
                        m.id
                    )));
                }
            }
        }
        Ok(())
    }

    /// The disaggregations, or the whole population when none was given.
    pub(crate) fn groupings(&self) -> Vec<Vec<String>> {
        if self.disaggregations.is_empty() {
            vec![Vec::new()]
        } else {
            self.disaggregations.clone()
        }
    }
}

/// A gap request: difference and ratio of domain `a` over domain `b` (global domain
/// indices of one grouping) for measure `measure`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct GapPair {
    pub measure: usize,
    pub a: usize,
    pub b: usize,
}
