//! Survey designs: weights, strata, sampling stages, finite population corrections,
//! lonely-PSU policy, and replicate weights.
//!
//! A [`Design`] names columns; it is checked against the data when estimates are asked
//! for. Build one with [`Design::builder`]:
//!
//! ```
//! use hri_survey::design::{Design, LonelyPsu};
//! let design = Design::builder("weight")
//!     .strata("stratum")
//!     .psu("psu")
//!     .lonely_psu(LonelyPsu::Adjust)
//!     .build()
//!     .unwrap();
//! assert_eq!(design.weight(), "weight");
//! ```

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// What to do with a stratum that has a single PSU (R's `options(survey.lonely.psu)`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LonelyPsu {
    /// Stop with an error naming the stratum.
    #[default]
    Fail,
    /// Ignore the stratum in the variance (it contributes zero).
    Remove,
    /// Treat the single PSU as sampled with certainty (contributes zero).
    Certainty,
    /// Centre the stratum at the overall mean instead of the stratum mean.
    Adjust,
    /// Replace the stratum's contribution by the average of the other strata: the sum over
    /// strata with several PSUs is multiplied by (strata in the domain) / (strata with
    /// several PSUs in the domain).
    Average,
}

impl std::str::FromStr for LonelyPsu {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "fail" => Ok(LonelyPsu::Fail),
            "remove" => Ok(LonelyPsu::Remove),
            "certainty" => Ok(LonelyPsu::Certainty),
            "adjust" => Ok(LonelyPsu::Adjust),
            "average" => Ok(LonelyPsu::Average),
            other => Err(Error::InvalidDesign(format!(
                "unknown lonely-PSU policy `{other}` (expected fail, remove, certainty, adjust or average)"
            ))),
        }
    }
}

/// Kind of replicate weights, with R `svrepdesign`'s default scale for each.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReplicateKind {
    /// Balanced repeated replication: scale 1/R.
    Brr,
    /// Fay's modified BRR with factor `rho`: scale 1/(R (1-rho)^2).
    Fay {
        /// Fay's rho in [0, 1).
        rho: f64,
    },
    /// Delete-one-PSU jackknife, unstratified: scale (R-1)/R.
    Jk1,
    /// Stratified jackknife: scale 1 and rscales (n_h - 1)/n_h, which must be given.
    Jkn,
    /// Bootstrap: scale 1/(R-1).
    Bootstrap,
    /// Successive difference replication: scale 4/R.
    Sdr,
}

impl ReplicateKind {
    /// Parse `brr | fay | jk1 | jkn | bootstrap | sdr`; Fay takes `rho`.
    pub fn parse(s: &str, rho: Option<f64>) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "brr" => Ok(ReplicateKind::Brr),
            "fay" => Ok(ReplicateKind::Fay {
                rho: rho.ok_or_else(|| {
                    Error::Replicate("Fay replicates need rho (--fay-rho)".into())
                })?,
            }),
            "jk1" => Ok(ReplicateKind::Jk1),
            "jkn" => Ok(ReplicateKind::Jkn),
            "bootstrap" => Ok(ReplicateKind::Bootstrap),
            "sdr" | "successive-difference" => Ok(ReplicateKind::Sdr),
            other => Err(Error::Replicate(format!(
                "unknown replicate type `{other}` (expected brr, fay, jk1, jkn, bootstrap or sdr)"
            ))),
        }
    }

    /// R's default overall scale for `r` replicates, or `None` when the type needs rscales.
    pub fn default_scale(self, r: usize) -> Option<f64> {
        let r = r as f64;
        match self {
            ReplicateKind::Brr => Some(1.0 / r),
            ReplicateKind::Fay { rho } => Some(1.0 / (r * (1.0 - rho) * (1.0 - rho))),
            ReplicateKind::Jk1 => Some((r - 1.0) / r),
            ReplicateKind::Jkn => Some(1.0),
            ReplicateKind::Bootstrap => Some(1.0 / (r - 1.0)),
            ReplicateKind::Sdr => Some(4.0 / r),
        }
    }
}

/// Replicate weights: columns holding full analysis weights, one per replicate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Replicates {
    /// Replicate method.
    pub kind: ReplicateKind,
    /// Columns, in replicate order (from a prefix or an explicit list).
    pub columns: ReplicateColumns,
    /// Overall scale; `None` takes R's default for the kind.
    pub scale: Option<f64>,
    /// Per-replicate scales; `None` means all 1 (JKn requires them).
    pub rscales: Option<Vec<f64>>,
    /// Centre the variance on the full-sample estimate instead of the replicates' mean.
    pub mse: bool,
    /// Degrees of freedom; `None` computes R's rank of the replicate weights minus 1.
    pub df: Option<f64>,
}

/// How replicate weight columns are named.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReplicateColumns {
    /// Every column whose name starts with the prefix, in the data's column order.
    Prefix(String),
    /// An explicit list.
    List(Vec<String>),
}

/// How the weights are calibrated (R's `postStratify()` and `calibrate()` with its
/// `calfun`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CalibrationMethod {
    /// `postStratify()` on one categorical margin (one column, or several crossed):
    /// g = N_h / N̂_h in each post-stratum; its standard errors centre the scores on their
    /// unweighted post-stratum means, as R's `svyrecvar` does for post-strata.
    PostStratify,
    /// `calibrate(calfun = "raking")`: g = exp(x'λ), solved by Newton's method to the
    /// calibration's `epsilon` (not `rake()`'s iterative proportional fitting).
    Raking,
    /// `calibrate(calfun = "linear")`: g = 1 + x'λ (GREG), in closed form; with bounds,
    /// g = clamp(1 + x'λ, L, U) by Newton's method.
    Linear,
    /// `calibrate(calfun = "logit")`, which needs bounds L < 1 < U.
    Logit,
}

impl std::str::FromStr for CalibrationMethod {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "poststratify" | "post_stratify" | "poststratification" => {
                Ok(CalibrationMethod::PostStratify)
            }
            "raking" => Ok(CalibrationMethod::Raking),
            "linear" => Ok(CalibrationMethod::Linear),
            "logit" => Ok(CalibrationMethod::Logit),
            other => Err(Error::InvalidDesign(format!(
                "unknown calibration method `{other}` (expected poststratify, raking, linear or logit)"
            ))),
        }
    }
}

/// One margin of a calibration: the population totals the calibrated weights must meet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Margin {
    /// A categorical margin: the population count of every level. With several columns the
    /// levels are their combinations, named by the columns' values joined by `:` in the
    /// order of `columns` (`"E:Yes"` for `columns = ["stype", "sch_wide"]`). Every level
    /// found in the data needs a total, and every total a sampled row.
    Categorical {
        /// The column, or the columns crossed.
        columns: Vec<String>,
        /// (level, population count) pairs.
        totals: Vec<(String, f64)>,
    },
    /// A numeric margin: the population total of a numeric column.
    Numeric {
        /// The column.
        column: String,
        /// Its population total.
        total: f64,
    },
}

impl Margin {
    /// A categorical margin of one column.
    pub fn categorical<S: Into<String>>(
        column: impl Into<String>,
        totals: impl IntoIterator<Item = (S, f64)>,
    ) -> Self {
        Margin::Categorical {
            columns: vec![column.into()],
            totals: totals.into_iter().map(|(k, v)| (k.into(), v)).collect(),
        }
    }
    /// A numeric margin.
    pub fn numeric(column: impl Into<String>, total: f64) -> Self {
        Margin::Numeric {
            column: column.into(),
            total,
        }
    }
    /// The columns the margin reads.
    pub fn columns(&self) -> &[String] {
        match self {
            Margin::Categorical { columns, .. } => columns,
            Margin::Numeric { column, .. } => std::slice::from_ref(column),
        }
    }
    /// The margin's name in messages: its column, or its columns joined by `:`.
    pub fn name(&self) -> String {
        self.columns().join(":")
    }
}

/// Calibration of the weights to population totals, as R's `survey` does it (see
/// [`CalibrationMethod`]). Calibrated weights are g × design weights. The model has an
/// intercept when `population` is given or a margin is categorical (its total is then
/// `population`, or the sum of a categorical margin's totals, which must all agree),
/// one 0/1 column per level of each categorical margin but its first (R's treatment
/// contrasts; the totals of every level are given, so the reference level does not
/// matter), and each numeric margin as it is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Calibration {
    /// The method.
    pub method: CalibrationMethod,
    /// Limits (L, U) on the g-weights: optional for `linear` (bounded linear), required for
    /// `logit` (L < 1 < U), refused for `poststratify`; for `raking`, g = clamp(exp(x'λ), L,
    /// U) as R's `cal.raking`.
    pub bounds: Option<(f64, f64)>,
    /// The population size (the intercept's total).
    pub population: Option<f64>,
    /// The margins.
    pub margins: Vec<Margin>,
    /// Newton's iterations stop when every |population total − calibrated total| /
    /// (1 + |population total|) is below this (R's `epsilon`, 1e-7 by default there;
    /// 1e-10 here, the converged solution).
    pub epsilon: f64,
    /// Newton's iterations allowed before the calibration fails (R's `maxit`).
    pub max_iterations: usize,
}

/// Default [`Calibration::epsilon`].
pub const CALIBRATION_EPSILON: f64 = 1e-10;
/// Default [`Calibration::max_iterations`] (R's `maxit`).
pub const CALIBRATION_MAX_ITERATIONS: usize = 50;

impl Calibration {
    /// A calibration by `method` to `margins`, without bounds or population size, with the
    /// default tolerance and iterations.
    pub fn new(method: CalibrationMethod, margins: Vec<Margin>) -> Self {
        Calibration {
            method,
            bounds: None,
            population: None,
            margins,
            epsilon: CALIBRATION_EPSILON,
            max_iterations: CALIBRATION_MAX_ITERATIONS,
        }
    }
    /// Limits on the g-weights.
    pub fn bounds(mut self, lower: f64, upper: f64) -> Self {
        self.bounds = Some((lower, upper));
        self
    }
    /// The population size.
    pub fn population(mut self, n: f64) -> Self {
        self.population = Some(n);
        self
    }
    /// The convergence tolerance ([`Calibration::epsilon`]).
    pub fn epsilon(mut self, epsilon: f64) -> Self {
        self.epsilon = epsilon;
        self
    }
    /// The iterations allowed ([`Calibration::max_iterations`]).
    pub fn max_iterations(mut self, n: usize) -> Self {
        self.max_iterations = n;
        self
    }

    /// Check what can be checked without the data: bounds, totals, margins.
    pub fn check(&self) -> Result<()> {
        use crate::error::CalibrationProblem;
        let totals = |margin: String, why: String| Error::Calibration {
            margin,
            problem: CalibrationProblem::Totals(why),
        };
        if self.margins.is_empty() {
            return Err(Error::InvalidDesign(
                "a calibration needs at least one margin".into(),
            ));
        }
        if !(self.epsilon.is_finite() && self.epsilon > 0.0) {
            return Err(Error::InvalidDesign(format!(
                "calibration epsilon must be finite and > 0, got {}",
                self.epsilon
            )));
        }
        if self.max_iterations == 0 {
            return Err(Error::InvalidDesign(
                "calibration max_iterations must be at least 1".into(),
            ));
        }
        if let Some((l, u)) = self.bounds {
            let ok = !l.is_nan() && !u.is_nan() && l < u && l <= 1.0 && u >= 1.0;
            if !ok {
                return Err(Error::InvalidDesign(format!(
                    "calibration bounds [{l}, {u}] must satisfy lower <= 1 <= upper and lower < upper"
                )));
            }
        }
        match self.method {
            CalibrationMethod::Logit => match self.bounds {
                Some((l, u)) if l < 1.0 && u > 1.0 && l.is_finite() && u.is_finite() => {}
                _ => {
                    return Err(Error::InvalidDesign(
                        "logit calibration needs finite bounds with lower < 1 < upper".into(),
                    ));
                }
            },
            CalibrationMethod::PostStratify => {
                if self.bounds.is_some() {
                    return Err(Error::InvalidDesign(
                        "post-stratification takes no bounds (use linear with bounds)".into(),
                    ));
                }
                if self.margins.len() != 1 || !matches!(self.margins[0], Margin::Categorical { .. })
                {
                    return Err(Error::InvalidDesign(
                        "post-stratification takes exactly one categorical margin (cross several columns with `columns`)".into(),
                    ));
                }
            }
            _ => {}
        }
        if let Some(n) = self.population
            && !(n.is_finite() && n > 0.0)
        {
            return Err(totals(
                "population".into(),
                format!("the population size must be finite and > 0, got {n}"),
            ));
        }
        let mut seen: Vec<&String> = Vec::new();
        let mut first_sum: Option<(String, f64)> = None;
        for m in &self.margins {
            let name = m.name();
            if m.columns().is_empty() || m.columns().iter().any(|c| c.is_empty()) {
                return Err(Error::InvalidDesign(
                    "a calibration margin has an empty column name".into(),
                ));
            }
            for c in m.columns() {
                if seen.contains(&c) {
                    return Err(totals(
                        name.clone(),
                        format!("column `{c}` is in more than one margin"),
                    ));
                }
                seen.push(c);
            }
            match m {
                Margin::Numeric { total, .. } => {
                    if !total.is_finite() {
                        return Err(totals(name, format!("the total {total} is not finite")));
                    }
                }
                Margin::Categorical { totals: t, .. } => {
                    if t.is_empty() {
                        return Err(totals(name, "no level totals".into()));
                    }
                    let mut levels: Vec<&String> = t.iter().map(|(k, _)| k).collect();
                    levels.sort();
                    if let Some(w) = levels.windows(2).find(|w| w[0] == w[1]) {
                        return Err(totals(name, format!("level `{}` is given twice", w[0])));
                    }
                    if let Some((k, v)) = t.iter().find(|(_, v)| !(v.is_finite() && *v > 0.0)) {
                        return Err(totals(
                            name,
                            format!("the total of level `{k}` must be finite and > 0, got {v}"),
                        ));
                    }
                    let sum: f64 = t.iter().map(|(_, v)| v).sum();
                    let agree = |a: f64, b: f64| (a - b).abs() <= 1e-9 * a.abs().max(b.abs());
                    if let Some(n) = self.population
                        && !agree(n, sum)
                    {
                        return Err(totals(
                            name,
                            format!(
                                "its level totals add up to {sum}, not to the population size {n}"
                            ),
                        ));
                    }
                    match &first_sum {
                        Some((other, s)) if !agree(*s, sum) => {
                            return Err(totals(
                                name,
                                format!(
                                    "its level totals add up to {sum}, those of margin `{other}` to {s}"
                                ),
                            ));
                        }
                        Some(_) => {}
                        None => first_sum = Some((name, sum)),
                    }
                }
            }
        }
        Ok(())
    }
}

/// A survey design: which columns hold weights, strata, PSUs and fpcs, and how to treat
/// lonely PSUs; or a replicate-weight design.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Design {
    weight: String,
    strata: Option<String>,
    stages: Vec<String>,
    fpc: Vec<String>,
    nest: bool,
    lonely_psu: LonelyPsu,
    replicates: Option<Replicates>,
    #[serde(default)]
    calibration: Option<Calibration>,
}

impl Design {
    /// Start a design with its weight column.
    pub fn builder(weight: impl Into<String>) -> DesignBuilder {
        DesignBuilder {
            design: Design {
                weight: weight.into(),
                strata: None,
                stages: Vec::new(),
                fpc: Vec::new(),
                nest: false,
                lonely_psu: LonelyPsu::Fail,
                replicates: None,
                calibration: None,
            },
        }
    }

    /// The weight column (sampling weights; for replicate designs, the full-sample weights).
    pub fn weight(&self) -> &str {
        &self.weight
    }
    /// The strata column, if any.
    pub fn strata(&self) -> Option<&str> {
        self.strata.as_deref()
    }
    /// Sampling-unit columns, stage 1 (PSU) first. Empty: each row is its own PSU.
    pub fn stages(&self) -> &[String] {
        &self.stages
    }
    /// Finite population correction columns, one per stage (may be fewer than stages).
    pub fn fpc(&self) -> &[String] {
        &self.fpc
    }
    /// Whether PSU ids restart within strata.
    pub fn nest(&self) -> bool {
        self.nest
    }
    /// The lonely-PSU policy.
    pub fn lonely_psu(&self) -> LonelyPsu {
        self.lonely_psu
    }
    /// Replicate weights, for replicate designs.
    pub fn replicates(&self) -> Option<&Replicates> {
        self.replicates.as_ref()
    }
    /// The calibration of the weights, if any.
    pub fn calibration(&self) -> Option<&Calibration> {
        self.calibration.as_ref()
    }
    /// Every column the design reads (replicate columns given by prefix excluded),
    /// calibration margins included.
    pub fn columns(&self) -> Vec<String> {
        let mut cols = vec![self.weight.clone()];
        cols.extend(self.strata.iter().cloned());
        cols.extend(self.stages.iter().cloned());
        cols.extend(self.fpc.iter().cloned());
        if let Some(Replicates {
            columns: ReplicateColumns::List(l),
            ..
        }) = &self.replicates
        {
            cols.extend(l.iter().cloned());
        }
        if let Some(c) = &self.calibration {
            for m in &c.margins {
                for col in m.columns() {
                    if !cols.iter().any(|x| x == col) {
                        cols.push(col.clone());
                    }
                }
            }
        }
        cols
    }
}

/// Validated builder for [`Design`].
#[derive(Debug, Clone)]
pub struct DesignBuilder {
    design: Design,
}

impl DesignBuilder {
    /// Stratification column.
    pub fn strata(mut self, column: impl Into<String>) -> Self {
        self.design.strata = Some(column.into());
        self
    }
    /// First-stage sampling unit (PSU) column.
    pub fn psu(mut self, column: impl Into<String>) -> Self {
        self.design.stages = vec![column.into()];
        self
    }
    /// Sampling-unit columns for every stage, PSU first.
    pub fn stages<I, S>(mut self, columns: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.design.stages = columns.into_iter().map(Into::into).collect();
        self
    }
    /// Finite population corrections, one column per stage: population counts of units,
    /// or sampling fractions when every value is at most 1.
    pub fn fpc<I, S>(mut self, columns: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.design.fpc = columns.into_iter().map(Into::into).collect();
        self
    }
    /// PSU ids restart within strata.
    pub fn nest(mut self, nest: bool) -> Self {
        self.design.nest = nest;
        self
    }
    /// Lonely-PSU policy.
    pub fn lonely_psu(mut self, policy: LonelyPsu) -> Self {
        self.design.lonely_psu = policy;
        self
    }
    /// Use replicate weights instead of strata and PSUs for variances.
    pub fn replicates(mut self, replicates: Replicates) -> Self {
        self.design.replicates = Some(replicates);
        self
    }
    /// Calibrate the weights to population totals (R's `postStratify` / `calibrate`):
    /// estimates use the calibrated weights and standard errors the calibration model's
    /// residuals (Taylor designs) or calibrated replicates (replicate designs).
    pub fn calibration(mut self, calibration: Calibration) -> Self {
        self.design.calibration = Some(calibration);
        self
    }
    /// Check the specification (not yet the data) and return the design.
    pub fn build(self) -> Result<Design> {
        let d = self.design;
        if let Some(c) = &d.calibration {
            c.check()?;
        }
        if d.weight.is_empty() {
            return Err(Error::InvalidDesign(
                "the weight column name is empty".into(),
            ));
        }
        if d.fpc.len() > d.stages.len().max(1) {
            return Err(Error::InvalidDesign(format!(
                "{} fpc columns for {} sampling stage(s)",
                d.fpc.len(),
                d.stages.len().max(1)
            )));
        }
        if let Some(r) = &d.replicates {
            if let ReplicateKind::Fay { rho } = r.kind
                && !(0.0..1.0).contains(&rho)
            {
                return Err(Error::Replicate(format!(
                    "Fay's rho must be in [0, 1), got {rho}"
                )));
            }
            if let Some(s) = r.scale
                && !(s.is_finite() && s > 0.0)
            {
                return Err(Error::Replicate(format!(
                    "scale must be finite and > 0, got {s}"
                )));
            }
            if let Some(rs) = &r.rscales
                && rs.iter().any(|x| !x.is_finite() || *x < 0.0)
            {
                return Err(Error::Replicate("rscales must be finite and >= 0".into()));
            }
            if let ReplicateColumns::Prefix(p) = &r.columns
                && p.is_empty()
            {
                return Err(Error::Replicate(
                    "the replicate column prefix is empty".into(),
                ));
            }
        }
        Ok(d)
    }
}

/// The design as written in a TOML file (a design file, e.g. `design.toml`):
///
/// ```toml
/// weight = "fac"
/// strata = "ent"
/// psu = ["upm"]            # later stages follow the PSU
/// fpc = []                 # one column per stage: counts, or fractions <= 1
/// nest = false
/// lonely_psu = "adjust"    # fail | remove | certainty | adjust | average
///
/// # or, for replicate weights:
/// # [replicate]
/// # type = "bootstrap"     # brr | fay | jk1 | jkn | bootstrap | sdr
/// # prefix = "repw"        # or columns = ["repw1", "repw2", ...]
/// # scale = 0.02           # optional: R's default for the type
/// # rscales = [...]        # optional
/// # mse = false
/// # fay_rho = 0.3          # Fay only
/// # df = 79                # optional
///
/// # calibrated weights (R's postStratify / calibrate):
/// # [calibration]
/// # method = "raking"      # poststratify | raking | linear | logit
/// # bounds = [0.5, 2.0]    # limits on g: optional for linear, required for logit
/// # population = 6194      # optional: population size (the intercept's total)
/// # epsilon = 1e-10        # optional: convergence tolerance (R's epsilon)
/// # max_iterations = 50    # optional (R's maxit)
/// # [[calibration.margin]] # categorical: a column and the population count of each level
/// # column = "stype"
/// # totals = { E = 4421, H = 755, M = 1018 }
/// # [[calibration.margin]] # crossed columns: levels named "a_level:b_level"
/// # columns = ["stype", "sch_wide"]
/// # totals = { "E:No" = 500, "E:Yes" = 3921, ... }
/// # [[calibration.margin]] # numeric: a column and its population total
/// # column = "api99"
/// # total = 3914069
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DesignSpec {
    /// Weight column.
    pub weight: String,
    /// Strata column.
    #[serde(default)]
    pub strata: Option<String>,
    /// Sampling-unit columns, PSU first.
    #[serde(default)]
    pub psu: Vec<String>,
    /// Finite population correction columns, one per stage.
    #[serde(default)]
    pub fpc: Vec<String>,
    /// PSU ids restart within strata.
    #[serde(default)]
    pub nest: bool,
    /// Lonely-PSU policy.
    #[serde(default)]
    pub lonely_psu: LonelyPsu,
    /// Replicate weights.
    #[serde(default)]
    pub replicate: Option<ReplicateSpec>,
    /// Calibration of the weights.
    #[serde(default)]
    pub calibration: Option<CalibrationSpec>,
}

/// The `[calibration]` table of a design file (see [`DesignSpec`] and [`Calibration`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CalibrationSpec {
    /// poststratify, raking, linear or logit.
    pub method: String,
    /// Limits `[lower, upper]` on the g-weights.
    #[serde(default)]
    pub bounds: Option<Vec<f64>>,
    /// Population size (the intercept's total).
    #[serde(default)]
    pub population: Option<f64>,
    /// Convergence tolerance (default [`CALIBRATION_EPSILON`]).
    #[serde(default)]
    pub epsilon: Option<f64>,
    /// Iterations allowed (default [`CALIBRATION_MAX_ITERATIONS`]).
    #[serde(default)]
    pub max_iterations: Option<usize>,
    /// The margins, `[[calibration.margin]]` (also read as `margins`).
    #[serde(default, rename = "margin", alias = "margins")]
    pub margins: Vec<MarginSpec>,
}

/// One `[[calibration.margin]]` of a design file: `column` (or `columns`, crossed) with
/// `totals` per level, or `column` with a numeric `total`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MarginSpec {
    /// The column.
    #[serde(default)]
    pub column: Option<String>,
    /// Columns crossed (levels named by their values joined by `:`).
    #[serde(default)]
    pub columns: Option<Vec<String>>,
    /// Population count of each level (categorical margins).
    #[serde(default)]
    pub totals: Option<std::collections::BTreeMap<String, f64>>,
    /// Population total (numeric margins).
    #[serde(default)]
    pub total: Option<f64>,
}

impl CalibrationSpec {
    /// The calibration this table describes.
    pub fn to_calibration(&self) -> Result<Calibration> {
        let bad = |m: String| Error::InvalidDesign(format!("[calibration]: {m}"));
        let method: CalibrationMethod = self.method.parse()?;
        let bounds = match self.bounds.as_deref() {
            None => None,
            Some([l, u]) => Some((*l, *u)),
            Some(other) => {
                return Err(bad(format!(
                    "bounds must be [lower, upper], got {} values",
                    other.len()
                )));
            }
        };
        let mut margins = Vec::with_capacity(self.margins.len());
        for (k, m) in self.margins.iter().enumerate() {
            let columns = match (&m.column, &m.columns) {
                (Some(c), None) => vec![c.clone()],
                (None, Some(cs)) if !cs.is_empty() => cs.clone(),
                _ => {
                    return Err(bad(format!(
                        "margin {}: give either `column` or `columns`",
                        k + 1
                    )));
                }
            };
            margins.push(match (&m.totals, m.total) {
                (Some(t), None) => Margin::Categorical {
                    columns,
                    totals: t.iter().map(|(k, v)| (k.clone(), *v)).collect(),
                },
                (None, Some(total)) if columns.len() == 1 => Margin::Numeric {
                    column: columns[0].clone(),
                    total,
                },
                _ => {
                    return Err(bad(format!(
                        "margin `{}`: give either `totals` (a categorical margin) or `total` (a numeric column)",
                        columns.join(":")
                    )));
                }
            });
        }
        let mut c = Calibration::new(method, margins);
        c.bounds = bounds;
        c.population = self.population;
        if let Some(e) = self.epsilon {
            c.epsilon = e;
        }
        if let Some(n) = self.max_iterations {
            c.max_iterations = n;
        }
        Ok(c)
    }
}

/// Replicate weights as written in a design file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReplicateSpec {
    /// brr, fay, jk1, jkn, bootstrap or sdr.
    #[serde(rename = "type")]
    pub kind: String,
    /// Column prefix (also read as `weights_prefix`).
    #[serde(default, alias = "weights_prefix")]
    pub prefix: Option<String>,
    /// Explicit column list.
    #[serde(default)]
    pub columns: Option<Vec<String>>,
    /// Overall scale.
    #[serde(default)]
    pub scale: Option<f64>,
    /// Per-replicate scales.
    #[serde(default)]
    pub rscales: Option<Vec<f64>>,
    /// Centre on the full-sample estimate.
    #[serde(default)]
    pub mse: bool,
    /// Fay's rho.
    #[serde(default)]
    pub fay_rho: Option<f64>,
    /// Degrees of freedom.
    #[serde(default)]
    pub df: Option<f64>,
}

impl DesignSpec {
    /// Build and check the design.
    pub fn to_design(&self) -> Result<Design> {
        let mut b = Design::builder(self.weight.clone())
            .stages(self.psu.clone())
            .fpc(self.fpc.clone())
            .nest(self.nest)
            .lonely_psu(self.lonely_psu);
        if let Some(s) = &self.strata {
            b = b.strata(s.clone());
        }
        if let Some(r) = &self.replicate {
            let columns = match (&r.prefix, &r.columns) {
                (Some(p), None) => ReplicateColumns::Prefix(p.clone()),
                (None, Some(c)) => ReplicateColumns::List(c.clone()),
                _ => {
                    return Err(Error::Replicate(
                        "give either `prefix` or `columns` for the replicate weights".into(),
                    ));
                }
            };
            b = b.replicates(Replicates {
                kind: ReplicateKind::parse(&r.kind, r.fay_rho)?,
                columns,
                scale: r.scale,
                rscales: r.rscales.clone(),
                mse: r.mse,
                df: r.df,
            });
        }
        if let Some(c) = &self.calibration {
            b = b.calibration(c.to_calibration()?);
        }
        b.build()
    }
}

impl Design {
    /// Read a design from TOML text (see [`DesignSpec`]).
    pub fn from_toml_str(text: &str) -> Result<Design> {
        let spec: DesignSpec =
            toml::from_str(text).map_err(|e| Error::InvalidDesign(format!("design file: {e}")))?;
        spec.to_design()
    }

    /// Read a design from a TOML file.
    pub fn from_path(path: &std::path::Path) -> Result<Design> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::Io {
            path: path.display().to_string(),
            source: e,
        })?;
        Design::from_toml_str(&text).map_err(|e| match e {
            Error::InvalidDesign(m) => Error::InvalidDesign(format!("{}: {m}", path.display())),
            other => other,
        })
    }
}
