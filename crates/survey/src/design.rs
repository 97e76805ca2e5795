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
    /// Every column the design reads (replicate columns given by prefix excluded).
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
    /// Check the specification (not yet the data) and return the design.
    pub fn build(self) -> Result<Design> {
        let d = self.design;
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
}

/// Replicate weights as written in a design file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReplicateSpec {
    /// brr, fay, jk1, jkn, bootstrap or sdr.
    #[serde(rename = "type")]
    pub kind: String,
    /// Column prefix.
    #[serde(default)]
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
