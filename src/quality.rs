//! Quality flags and suppression of estimates.
//!
//! A [`QualityPolicy`] turns an estimate's precision and sample support into a
//! [`QualityFlag`] and a publish/withhold decision, with the reason in words. It is plain
//! data (serde), so a catalogue or the command line can read it from TOML:
//!
//! ```toml
//! name = "my_nso"
//! min_n = 30
//! min_df = 8.0
//! cv_bands = [
//!     { max_cv = 0.15, flag = "reliable" },
//!     { max_cv = 0.30, flag = "moderate" },
//! ]
//! above_bands = "low"
//! [proportions]      # optional: proportions and rates by the NCHS 2017 rules instead
//! min_effective_n = 30
//! max_ci_width = 0.30
//! ```
//!
//! ## The rules, in order
//!
//! 1. `n = 0` (no unweighted observation in the domain) → [`QualityFlag::Empty`].
//! 2. No estimate, or a non-finite one, with `n > 0` → [`QualityFlag::Suppressed`]
//!    ("estimate not defined", e.g. a ratio with a zero denominator).
//! 3. `n < min_n` → suppressed.
//! 4. Design degrees of freedom `df < min_df` (when `min_df > 0` and `df` is known) →
//!    `df_flag` (suppressed by default); `df = None` or NaN means "not applicable" (e.g. a
//!    design without PSUs) and is not checked.
//! 5. The coefficient of variation `CV = se / |estimate|` (a fraction: 0.15 is 15 %) is
//!    placed in the first band with `CV < max_cv`; at or above the last band it gets
//!    `above_bands`. Bands are half-open: a CV of exactly 0.15 is *not* below 0.15.
//! 6. `n < caution_n` → at best [`QualityFlag::Low`].
//!
//! A proportion (or rate) under a policy with [`ProportionRules`] is judged by those rules
//! after step 3 instead of steps 4–6.
//!
//! The final flag is the worst of the flags that applied, and the reasons of every
//! non-reliable flag are joined with `"; "`.
//!
//! ## Proportions: boundaries and the NCHS standards
//!
//! The CV of a proportion grows without bound as the proportion goes to 0, so small but
//! well-measured proportions can get a "low" flag; that is a known weakness of CV rules, and
//! the reason NCHS moved to interval-width standards for proportions in 2017 (Parker JD,
//! Talih M, Malec DJ et al., *National Center for Health Statistics Data Presentation
//! Standards for Proportions*, Vital Health Stat 2(175), 2017). A policy can judge
//! proportions and rates by such rules instead of its CV bands
//! ([`QualityPolicy::proportions`], [`ProportionRules`]; preset
//! [`QualityPolicy::nchs_2017`]).
//!
//! An estimate of exactly 0, and a proportion of exactly 1, has a design-based standard
//! error of 0: every unit of the domain answered alike, and the sample says nothing of the
//! estimate's precision. Such an estimate is judged on `n` and `df` only, then flagged
//! `zero_estimate` (`moderate` in every preset) and its reason always says why, whatever
//! the flag: it is never called reliable without a reason. An estimate with no usable
//! standard error (missing, NaN or negative) gets `missing_se` (low by default).
//!
//! ## Which policy
//!
//! `hri compute --quality NAME|FILE` and a project file's `quality` key take a preset name
//! ([`QualityPolicy::PRESETS`]) or a policy file ([`QualityPolicy::from_name_or_path`]).

use polars::prelude::{Column, DataFrame, DataType};
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// The quality of one estimate, from best to worst (the order is used to combine flags).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QualityFlag {
    /// Precise enough to publish without warning.
    Reliable,
    /// Published; interpret with care.
    Moderate,
    /// Published with a warning of low precision.
    Low,
    /// Withheld: the figure exists but is not published; the reason says why.
    Suppressed,
    /// No observation in the domain: nothing to publish.
    Empty,
}

impl QualityFlag {
    /// The snake_case name used in tables and files.
    pub fn as_str(self) -> &'static str {
        match self {
            QualityFlag::Reliable => "reliable",
            QualityFlag::Moderate => "moderate",
            QualityFlag::Low => "low",
            QualityFlag::Suppressed => "suppressed",
            QualityFlag::Empty => "empty",
        }
    }

    /// Whether an estimate with this flag is published (all but `suppressed` and `empty`).
    pub fn is_published(self) -> bool {
        !matches!(self, QualityFlag::Suppressed | QualityFlag::Empty)
    }
}

/// One CV band: estimates with `CV < max_cv` (and not in an earlier band) get `flag`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CvBand {
    /// Upper bound of the band, exclusive, as a fraction (0.15 = 15 %).
    pub max_cv: f64,
    /// The flag of the band.
    pub flag: QualityFlag,
}

/// What the quality rules read of one estimate.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct QualityInput {
    /// The estimate (for a proportion or rate, on the 0–1 scale, before display scaling).
    pub estimate: Option<f64>,
    /// Its standard error, on the same scale.
    pub se: Option<f64>,
    /// Unweighted observations used.
    pub n: u64,
    /// Design degrees of freedom (`None` when not applicable).
    pub df: Option<f64>,
    /// Whether the estimate is a proportion (or a rate: a proportion scaled for display).
    /// Then 0 and 1 are boundary values and [`QualityPolicy::proportions`] applies.
    pub proportion: bool,
}

impl QualityInput {
    /// An estimate that is not a proportion.
    pub fn new(estimate: Option<f64>, se: Option<f64>, n: u64, df: Option<f64>) -> Self {
        QualityInput {
            estimate,
            se,
            n,
            df,
            proportion: false,
        }
    }

    /// The same estimate, marked as a proportion.
    pub fn proportion(mut self) -> Self {
        self.proportion = true;
        self
    }
}

/// Presentation rules for proportions based on the Korn–Graubard interval, after the NCHS
/// Data Presentation Standards for Proportions (Parker et al. 2017, *Vital Health Stat*
/// 2(175)); the thresholds are fields so that an office can state its own.
///
/// For a proportion `p` with standard error `se` from `n` observations and `df` design
/// degrees of freedom, in this order:
///
/// 1. **Effective sample size** `n_eff = p(1 − p) / se²`, at most `n` (and `n` when
///    `p` is 0 or 1, or `se` is 0). `n_eff < min_effective_n` (30) → suppressed.
/// 2. **Korn–Graubard interval** at `level` (95 %), see [`korn_graubard`]. Its width
///    `w = upper − lower`:
///    - `w ≤ small_ci_width` (0.05) → presented;
///    - else `w ≥ max_ci_width` (0.30) → suppressed;
///    - else relative width `w / p > max_relative_ci_width` (130 %) → suppressed;
///    - else presented, and when the complement's relative width `w / (1 − p)` is above
///      the same 130 %, flagged `complement_flag` (the standard's footnote).
/// 3. Presented with `df < min_df` (8) → `df_flag` (the standard asks for statistical
///    review).
/// 4. Presented with `p` exactly 0 or 1 → `boundary_flag` (statistical review): the
///    interval's width is not a measure of precision there.
///
/// The standard's rules are as NCHS itself applies them in its R package surveytable
/// (CDCgov/surveytable, `R/z_lpe.R`: `.lpe_percents`, flags Px, Pc, Pdf and P0), which
/// also caps `n_eff` at `n` and takes `n_eff = n` at 0 and 1.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ProportionRules {
    /// Minimum effective sample size (NCHS: 30).
    pub min_effective_n: f64,
    /// Interval width at or below which no relative-width check is made (NCHS: 0.05).
    pub small_ci_width: f64,
    /// Interval width at or above which the proportion is suppressed (NCHS: 0.30).
    pub max_ci_width: f64,
    /// Relative interval width above which the proportion is suppressed (NCHS: 1.30).
    pub max_relative_ci_width: f64,
    /// Minimum design degrees of freedom (NCHS: 8).
    pub min_df: f64,
    /// Flag of a presented proportion with fewer degrees of freedom (default `low`).
    pub df_flag: QualityFlag,
    /// Flag of a presented proportion whose complement fails the relative width (default
    /// `moderate`).
    pub complement_flag: QualityFlag,
    /// Flag of a presented proportion of exactly 0 or 1 (default `low`).
    pub boundary_flag: QualityFlag,
    /// Confidence level of the Korn–Graubard interval (NCHS: 0.95).
    pub level: f64,
}

impl Default for ProportionRules {
    fn default() -> Self {
        ProportionRules::nchs_2017()
    }
}

impl ProportionRules {
    /// The NCHS thresholds (Parker et al. 2017): effective sample size 30, absolute width
    /// 0.05 and 0.30, relative width 130 %, 8 degrees of freedom, 95 % intervals.
    pub fn nchs_2017() -> Self {
        ProportionRules {
            min_effective_n: 30.0,
            small_ci_width: 0.05,
            max_ci_width: 0.30,
            max_relative_ci_width: 1.30,
            min_df: 8.0,
            df_flag: QualityFlag::Low,
            complement_flag: QualityFlag::Moderate,
            boundary_flag: QualityFlag::Low,
            level: 0.95,
        }
    }

    fn validate(&self) -> Result<(), String> {
        let nonneg = [
            ("min_effective_n", self.min_effective_n),
            ("small_ci_width", self.small_ci_width),
            ("max_ci_width", self.max_ci_width),
            ("max_relative_ci_width", self.max_relative_ci_width),
            ("min_df", self.min_df),
        ];
        for (field, v) in nonneg {
            if !(v.is_finite() && v >= 0.0) {
                return Err(format!(
                    "proportions.{field} must be a number >= 0, got {v}"
                ));
            }
        }
        if self.small_ci_width > self.max_ci_width {
            return Err(format!(
                "proportions.small_ci_width {} is above max_ci_width {}",
                self.small_ci_width, self.max_ci_width
            ));
        }
        if !(self.level > 0.0 && self.level < 1.0) {
            return Err(format!(
                "proportions.level must be in (0, 1), got {}",
                self.level
            ));
        }
        Ok(())
    }

    /// The effective sample size of a proportion (rule 1 of the [type documentation](Self)).
    pub fn effective_n(p: f64, se: Option<f64>, n: u64) -> Option<f64> {
        let n = n as f64;
        if p == 0.0 || p == 1.0 {
            return Some(n);
        }
        match se {
            Some(s) if s.is_finite() && s > 0.0 => Some((p * (1.0 - p) / (s * s)).min(n)),
            Some(0.0) => Some(n),
            _ => None,
        }
    }

    /// Judges a proportion that passed the policy's `min_n` (see the
    /// [type documentation](Self)).
    fn assess(&self, p: f64, se: Option<f64>, n: u64, df: Option<f64>) -> Assessment {
        let pct = |x: f64| format!("{:.1} %", x * 100.0);
        let cv = se
            .filter(|s| s.is_finite() && *s >= 0.0 && p != 0.0)
            .map(|s| s / p.abs());
        let verdict = |flag: QualityFlag, reasons: Vec<String>| Assessment {
            flag,
            cv,
            reason: (!reasons.is_empty()).then(|| reasons.join("; ")),
            publish: flag.is_published(),
        };
        let suppress = |why: String| {
            verdict(
                QualityFlag::Suppressed,
                vec![format!(
                    "{why} (NCHS presentation standards for proportions, 2017)"
                )],
            )
        };
        if !(0.0..=1.0).contains(&p) {
            return suppress(format!("proportion {p} is outside [0, 1]"));
        }
        let Some(n_eff) = Self::effective_n(p, se, n) else {
            return suppress(
                "effective sample size not computable without a standard error".to_string(),
            );
        };
        if n_eff < self.min_effective_n {
            return suppress(format!(
                "effective sample size {n_eff:.1} is below {}",
                self.min_effective_n
            ));
        }
        let boundary = p == 0.0 || p == 1.0;
        let mut flag = QualityFlag::Reliable;
        let mut reasons = Vec::new();
        if !boundary {
            let Some((lo, hi)) = korn_graubard(p, se, n, df, self.level) else {
                return suppress("Korn–Graubard interval not computable".to_string());
            };
            let w = hi - lo;
            if w > self.small_ci_width {
                if w >= self.max_ci_width {
                    return suppress(format!(
                        "Korn–Graubard interval width {} is at or above {}",
                        pct(w),
                        pct(self.max_ci_width)
                    ));
                }
                if w / p > self.max_relative_ci_width {
                    return suppress(format!(
                        "relative Korn–Graubard interval width {} is above {}",
                        pct(w / p),
                        pct(self.max_relative_ci_width)
                    ));
                }
                if w / (1.0 - p) > self.max_relative_ci_width {
                    flag = flag.max(self.complement_flag);
                    reasons.push(format!(
                        "relative Korn–Graubard interval width of the complement {} is above {} (NCHS: footnote)",
                        pct(w / (1.0 - p)),
                        pct(self.max_relative_ci_width)
                    ));
                }
            }
        }
        if let Some(d) = df
            && d < self.min_df
        {
            flag = flag.max(self.df_flag);
            reasons.push(format!(
                "design degrees of freedom {d} below {} (NCHS: statistical review)",
                self.min_df
            ));
        }
        if boundary {
            flag = flag.max(self.boundary_flag);
            reasons.push(format!(
                "proportion of exactly {}: its standard error is 0 and its interval width no measure of precision (NCHS: statistical review)",
                if p == 0.0 { "0" } else { "1" }
            ));
        }
        verdict(flag, reasons)
    }
}

/// The Korn–Graubard interval of a proportion (Korn EL, Graubard BI, "Confidence intervals
/// for proportions with small expected number of positive counts estimated from survey
/// data", *Survey Methodology* 24(2), 1998): the Clopper–Pearson interval for `x = n* p`
/// successes out of `n*`, where `n*` is the effective sample size
/// ([`ProportionRules::effective_n`], at most `n`) times `(t(n − 1) / t(df))²`, the
/// quantiles at `(1 − level) / 2` (normal when `df` is `None`). As R's
/// `svyciprop(method = "beta")` when the effective size is below `n`; at `p = 0` the lower
/// limit is 0 and at `p = 1` the upper is 1. `None` when `p` is outside [0, 1] or the
/// effective size cannot be computed.
pub fn korn_graubard(
    p: f64,
    se: Option<f64>,
    n: u64,
    df: Option<f64>,
    level: f64,
) -> Option<(f64, f64)> {
    if !((0.0..=1.0).contains(&p) && level > 0.0 && level < 1.0) {
        return None;
    }
    let n_eff = ProportionRules::effective_n(p, se, n)?;
    let alpha = 1.0 - level;
    let adjust = if n > 1 {
        let num = crate::interval::quantile_t(alpha / 2.0, Some(n as f64 - 1.0));
        let den = crate::interval::quantile_t(alpha / 2.0, df);
        (num / den).powi(2)
    } else {
        1.0
    };
    let m = n_eff * adjust;
    if !(m.is_finite() && m > 0.0) {
        return None;
    }
    let x = m * p;
    let lo = if p == 0.0 {
        0.0
    } else {
        crate::interval::quantile_beta(alpha / 2.0, x, m - x + 1.0)
    };
    let hi = if p == 1.0 {
        1.0
    } else {
        crate::interval::quantile_beta(1.0 - alpha / 2.0, x + 1.0, m - x)
    };
    (lo.is_finite() && hi.is_finite()).then_some((lo, hi))
}

/// The verdict on one estimate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Assessment {
    /// The quality flag.
    pub flag: QualityFlag,
    /// The CV used (`se / |estimate|`), when it could be computed.
    pub cv: Option<f64>,
    /// Why the flag is not `reliable` (or a note on how it was reached); `None` for a
    /// plainly reliable estimate.
    pub reason: Option<String>,
    /// Whether the estimate may be published.
    pub publish: bool,
}

/// Errors of the quality module.
#[derive(Debug, Error)]
pub enum QualityError {
    /// A policy file that does not parse.
    #[error("quality policy does not parse: {0}")]
    Parse(String),
    /// A policy whose values are inconsistent.
    #[error("invalid quality policy `{name}`: {message}")]
    InvalidPolicy {
        /// The policy's name.
        name: String,
        /// What is wrong.
        message: String,
    },
    /// An unknown preset name.
    #[error("unknown quality preset `{0}` (known: {known})", known = QualityPolicy::PRESETS.join(", "))]
    UnknownPreset(String),
    /// A column the results table must have is missing.
    #[error("results table has no column `{0}`")]
    MissingColumn(String),
    /// A results column with an unusable type or value.
    #[error("results column `{column}`: {message}")]
    BadColumn {
        /// The column.
        column: String,
        /// What is wrong (type, or row and value).
        message: String,
    },
}

/// A rule set for flagging and suppressing estimates; see the [module documentation](self)
/// for the order in which the rules apply. The default is [`QualityPolicy::cv_bands_15_30`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct QualityPolicy {
    /// A name for reports.
    pub name: String,
    /// Minimum unweighted number of observations; below it the estimate is suppressed.
    pub min_n: u64,
    /// Minimum design degrees of freedom; 0 disables the check.
    pub min_df: f64,
    /// Flag given when `df < min_df` (default suppressed).
    pub df_flag: QualityFlag,
    /// Below this unweighted n (and at or above `min_n`), the flag is at best `low`; 0
    /// disables the check.
    pub caution_n: u64,
    /// CV bands, by increasing `max_cv`.
    pub cv_bands: Vec<CvBand>,
    /// Flag for a CV at or above the last band's `max_cv`.
    pub above_bands: QualityFlag,
    /// Flag for an estimate of exactly 0 (CV undefined) that passes the n and df checks.
    pub zero_estimate: QualityFlag,
    /// Flag for a non-zero estimate without a usable standard error.
    pub missing_se: QualityFlag,
    /// Rules for proportions (and rates, which are proportions scaled): `None` (the
    /// default) judges them by the rules above like any estimate; `Some` replaces those
    /// rules for them, e.g. by the NCHS standards ([`ProportionRules::nchs_2017`]). The
    /// `min_n` check applies first either way.
    pub proportions: Option<ProportionRules>,
}

impl Default for QualityPolicy {
    fn default() -> Self {
        QualityPolicy::cv_bands_15_30()
    }
}

impl QualityPolicy {
    /// Names accepted by [`QualityPolicy::preset`].
    pub const PRESETS: [&'static str; 5] = [
        "cv_bands_15_30",
        "cv_bands_15_30_suppress_low",
        "nchs_rse_30",
        "nchs_2017",
        "flag_only",
    ];

    /// Three precision bands at 15 % and 30 % with minimum support (the default).
    ///
    /// High precision (`reliable`) for CV < 15 %, `moderate` for 15 % ≤ CV < 30 %, `low`
    /// (published with a warning) for CV ≥ 30 %; suppressed below 30 unweighted
    /// observations or 8 design degrees of freedom.
    ///
    /// Rationale: the three-level high/moderate/low precision convention at 15 % and 30 % is
    /// common in the survey tabulations of national statistics offices (Mexico's INEGI
    /// among them — check the cut-points against the survey's own methodological note);
    /// 30 observations is the usual floor for a normal approximation, and 8 degrees of
    /// freedom is the floor NCHS applies in its presentation standards for survey
    /// proportions and rates, below which the variance estimate itself is too unstable.
    pub fn cv_bands_15_30() -> Self {
        QualityPolicy {
            name: "cv_bands_15_30".to_string(),
            min_n: 30,
            min_df: 8.0,
            df_flag: QualityFlag::Suppressed,
            caution_n: 0,
            cv_bands: vec![
                CvBand {
                    max_cv: 0.15,
                    flag: QualityFlag::Reliable,
                },
                CvBand {
                    max_cv: 0.30,
                    flag: QualityFlag::Moderate,
                },
            ],
            above_bands: QualityFlag::Low,
            zero_estimate: QualityFlag::Moderate,
            missing_se: QualityFlag::Low,
            proportions: None,
        }
    }

    /// As [`QualityPolicy::cv_bands_15_30`], but estimates with CV ≥ 30 % are suppressed
    /// instead of published with a warning: for offices that do not publish low-precision
    /// figures at all.
    pub fn cv_bands_15_30_suppress_low() -> Self {
        QualityPolicy {
            name: "cv_bands_15_30_suppress_low".to_string(),
            above_bands: QualityFlag::Suppressed,
            ..QualityPolicy::cv_bands_15_30()
        }
    }

    /// The NCHS relative-standard-error rule long used for US health surveys.
    ///
    /// Fewer than 30 unweighted observations: not reported (suppressed). 30–59
    /// observations, or RSE (= CV) ≥ 30 %: reported but flagged as unreliable (`low`).
    /// At least 60 observations and RSE < 30 %: `reliable`. No degrees-of-freedom check.
    /// NCHS replaced this rule for proportions in 2017 by standards based on Korn–Graubard
    /// confidence-interval widths (Parker et al., *Vital Health Stat* 2(175)): that is
    /// [`QualityPolicy::nchs_2017`].
    pub fn nchs_rse_30() -> Self {
        QualityPolicy {
            name: "nchs_rse_30".to_string(),
            min_n: 30,
            min_df: 0.0,
            df_flag: QualityFlag::Suppressed,
            caution_n: 60,
            cv_bands: vec![CvBand {
                max_cv: 0.30,
                flag: QualityFlag::Reliable,
            }],
            above_bands: QualityFlag::Low,
            zero_estimate: QualityFlag::Moderate,
            missing_se: QualityFlag::Low,
            proportions: None,
        }
    }

    /// The NCHS Data Presentation Standards for Proportions (Parker JD, Talih M, Malec DJ et
    /// al., *National Center for Health Statistics Data Presentation Standards for
    /// Proportions*, Vital Health Stat 2(175), 2017) for proportions and rates, see
    /// [`ProportionRules::nchs_2017`]; other estimates (means, totals, ratios, quantiles),
    /// for which that standard sets no rule, keep the RSE rule NCHS used before
    /// ([`QualityPolicy::nchs_rse_30`]).
    pub fn nchs_2017() -> Self {
        QualityPolicy {
            name: "nchs_2017".to_string(),
            proportions: Some(ProportionRules::nchs_2017()),
            ..QualityPolicy::nchs_rse_30()
        }
    }

    /// Flags with the 15 %/30 % bands but suppresses nothing that has an observation: for
    /// internal review of a table before a publication policy is applied.
    pub fn flag_only() -> Self {
        QualityPolicy {
            name: "flag_only".to_string(),
            min_n: 1,
            min_df: 0.0,
            df_flag: QualityFlag::Low,
            ..QualityPolicy::cv_bands_15_30()
        }
    }

    /// A preset by name (see [`QualityPolicy::PRESETS`]; `default` is
    /// `cv_bands_15_30`).
    pub fn preset(name: &str) -> Result<Self, QualityError> {
        match name {
            "default" | "cv_bands_15_30" => Ok(Self::cv_bands_15_30()),
            "cv_bands_15_30_suppress_low" => Ok(Self::cv_bands_15_30_suppress_low()),
            "nchs_rse_30" => Ok(Self::nchs_rse_30()),
            "nchs_2017" => Ok(Self::nchs_2017()),
            "flag_only" => Ok(Self::flag_only()),
            other => Err(QualityError::UnknownPreset(other.to_string())),
        }
    }

    /// A preset by name, or else a policy file (TOML) at that path: what `hri compute
    /// --quality` and a project file's `quality` key take.
    pub fn from_name_or_path(spec: &str) -> Result<Self, QualityError> {
        match Self::preset(spec) {
            Ok(p) => Ok(p),
            Err(unknown) => {
                let path = std::path::Path::new(spec);
                if path.is_file() {
                    let text = std::fs::read_to_string(path)
                        .map_err(|e| QualityError::Parse(format!("{spec}: {e}")))?;
                    Self::from_toml(&text)
                } else {
                    Err(unknown)
                }
            }
        }
    }

    /// Reads a policy from TOML (fields left out take the default policy's values) and
    /// validates it.
    pub fn from_toml(text: &str) -> Result<Self, QualityError> {
        let policy: QualityPolicy =
            toml::from_str(text).map_err(|e| QualityError::Parse(e.to_string()))?;
        policy.validate()?;
        Ok(policy)
    }

    /// Writes the policy as TOML.
    pub fn to_toml(&self) -> Result<String, QualityError> {
        toml::to_string(self).map_err(|e| QualityError::Parse(e.to_string()))
    }

    /// Checks that bands increase strictly and are finite and positive, that `min_df` is a
    /// finite number ≥ 0, and that `empty` is used nowhere (it is reserved for domains
    /// without observations).
    pub fn validate(&self) -> Result<(), QualityError> {
        let bad = |message: String| QualityError::InvalidPolicy {
            name: self.name.clone(),
            message,
        };
        if !(self.min_df.is_finite() && self.min_df >= 0.0) {
            return Err(bad(format!(
                "min_df must be a number >= 0, got {}",
                self.min_df
            )));
        }
        let mut prev = 0.0;
        for (i, b) in self.cv_bands.iter().enumerate() {
            if !(b.max_cv.is_finite() && b.max_cv > prev) {
                return Err(bad(format!(
                    "cv band {} has max_cv {}: bands must be finite, positive and strictly increasing",
                    i + 1,
                    b.max_cv
                )));
            }
            prev = b.max_cv;
        }
        let flags = self.cv_bands.iter().map(|b| ("cv_bands", b.flag)).chain([
            ("df_flag", self.df_flag),
            ("above_bands", self.above_bands),
            ("zero_estimate", self.zero_estimate),
            ("missing_se", self.missing_se),
        ]);
        let proportion_flags = self.proportions.iter().flat_map(|r| {
            [
                ("proportions.df_flag", r.df_flag),
                ("proportions.complement_flag", r.complement_flag),
                ("proportions.boundary_flag", r.boundary_flag),
            ]
        });
        if let Some(r) = &self.proportions {
            r.validate().map_err(bad)?;
        }
        for (field, flag) in flags.chain(proportion_flags) {
            if flag == QualityFlag::Empty {
                return Err(bad(format!(
                    "{field} uses `empty`, which is reserved for domains without observations"
                )));
            }
        }
        Ok(())
    }

    /// Assesses one estimate that is not a proportion: its value, standard error,
    /// unweighted number of observations and design degrees of freedom (`None` when not
    /// applicable). Same as [`assess_input`](Self::assess_input) on a
    /// [`QualityInput::new`]. See the [module documentation](self) for the rules. Never
    /// panics, whatever the inputs.
    pub fn assess(
        &self,
        estimate: Option<f64>,
        se: Option<f64>,
        n: u64,
        df: Option<f64>,
    ) -> Assessment {
        self.assess_input(&QualityInput::new(estimate, se, n, df))
    }

    /// Assesses one estimate; a proportion ([`QualityInput::proportion`]) is judged by
    /// [`QualityPolicy::proportions`] when the policy has such rules, and its boundary
    /// values 0 and 1 are never called reliable without a reason. Never panics, whatever the
    /// inputs.
    pub fn assess_input(&self, input: &QualityInput) -> Assessment {
        let QualityInput {
            estimate,
            se,
            n,
            df,
            proportion,
        } = *input;
        let done = |flag: QualityFlag, reason: String| Assessment {
            flag,
            cv: None,
            reason: Some(reason),
            publish: flag.is_published(),
        };
        if n == 0 {
            return done(
                QualityFlag::Empty,
                "no observations in the domain".to_string(),
            );
        }
        let estimate = match estimate {
            None => {
                return done(
                    QualityFlag::Suppressed,
                    "estimate not defined (e.g. a zero denominator)".to_string(),
                );
            }
            Some(e) if !e.is_finite() => {
                return done(
                    QualityFlag::Suppressed,
                    format!("estimate is not a finite number ({e})"),
                );
            }
            Some(e) => e,
        };
        if n < self.min_n {
            return done(
                QualityFlag::Suppressed,
                format!("unweighted n = {n} is below the minimum of {}", self.min_n),
            );
        }
        if proportion && let Some(rules) = &self.proportions {
            return rules.assess(estimate, se, n, df);
        }
        let boundary = estimate == 0.0 || (proportion && estimate == 1.0);
        let mut flag = QualityFlag::Reliable;
        let mut reasons: Vec<String> = Vec::new();
        let mut raise = |f: QualityFlag, why: String, flag: &mut QualityFlag| {
            if f > QualityFlag::Reliable {
                reasons.push(why);
            }
            *flag = (*flag).max(f);
        };
        if self.min_df > 0.0
            && let Some(d) = df
            && d < self.min_df
        {
            raise(
                self.df_flag,
                format!(
                    "design degrees of freedom {d} below the minimum of {}",
                    self.min_df
                ),
                &mut flag,
            );
        }
        let mut cv = None;
        let mut note = None;
        match se {
            _ if boundary => {
                // Always said, whatever the flag: a boundary value's standard error is 0 (every
                // unit of the domain answered alike), so the CV says nothing of precision.
                note = Some(if estimate == 0.0 {
                    "estimate of exactly 0: its standard error is 0 and its CV undefined, so its precision cannot be judged from the sample; assessed on n and df only"
                } else {
                    "proportion of exactly 1: its standard error is 0, so its precision cannot be judged from the sample; assessed on n and df only"
                });
                flag = flag.max(self.zero_estimate);
            }
            Some(s) if s.is_finite() && s >= 0.0 => {
                let c = s / estimate.abs();
                cv = Some(c);
                let (band_flag, why) = self.band(c);
                raise(band_flag, why, &mut flag);
            }
            _ => raise(
                self.missing_se,
                "standard error not available".to_string(),
                &mut flag,
            ),
        }
        if n < self.caution_n {
            raise(
                QualityFlag::Low,
                format!(
                    "unweighted n = {n} is below {}, the minimum for a reliable estimate",
                    self.caution_n
                ),
                &mut flag,
            );
        }
        if let Some(note) = note {
            reasons.push(note.to_string());
        }
        Assessment {
            flag,
            cv,
            reason: if reasons.is_empty() {
                None
            } else {
                Some(reasons.join("; "))
            },
            publish: flag.is_published(),
        }
    }

    /// The band flag of a CV and the reason when it is not the first band.
    fn band(&self, cv: f64) -> (QualityFlag, String) {
        let pct = |x: f64| format!("{:.1} %", x * 100.0);
        let mut lower = None;
        for b in &self.cv_bands {
            if cv < b.max_cv {
                let why = match lower {
                    None => format!("CV {} is below {}", pct(cv), pct(b.max_cv)),
                    Some(lo) => format!(
                        "CV {} is between {} and {}",
                        pct(cv),
                        pct(lo),
                        pct(b.max_cv)
                    ),
                };
                return (b.flag, why);
            }
            lower = Some(b.max_cv);
        }
        let why = match lower {
            Some(lo) => format!("CV {} is at or above {}", pct(cv), pct(lo)),
            None => format!("CV {}", pct(cv)),
        };
        (self.above_bands, why)
    }

    /// Adds quality columns to a results table: `quality` (the flag), `quality_reason`
    /// (null when reliable without note) and `publish` (boolean).
    ///
    /// Reads the columns `estimate`, `se` and `n` (required), `df` (optional; absent
    /// means not applicable) and `statistic` (optional: rows whose statistic is
    /// `proportion` are judged as proportions). Nulls in `estimate`, `se` and `df` are `None`; `n` must be a
    /// non-negative whole number in every row (a null `n` is 0).
    pub fn flag_frame(&self, results: &DataFrame) -> Result<DataFrame, QualityError> {
        let estimate = read_f64(results, "estimate", true)?;
        let se = read_f64(results, "se", true)?;
        let n = read_f64(results, "n", true)?;
        let df = read_f64(results, "df", false)?;
        let proportion: Vec<bool> = match results.column("statistic") {
            Ok(c) => c
                .str()
                .map_err(|_| QualityError::BadColumn {
                    column: "statistic".to_string(),
                    message: format!("expected text, found {}", c.dtype()),
                })?
                .iter()
                .map(|v| v == Some("proportion"))
                .collect(),
            Err(_) => vec![false; results.height()],
        };
        let rows = results.height();
        let mut flags = Vec::with_capacity(rows);
        let mut reasons = Vec::with_capacity(rows);
        let mut publish = Vec::with_capacity(rows);
        for row in 0..rows {
            let count = match n[row] {
                None => 0,
                Some(x) if x >= 0.0 && x.fract() == 0.0 && x < 1.8e19 => x as u64,
                Some(x) => {
                    return Err(QualityError::BadColumn {
                        column: "n".to_string(),
                        message: format!("row {row}: {x} is not a non-negative whole number"),
                    });
                }
            };
            let mut input = QualityInput::new(estimate[row], se[row], count, df[row]);
            input.proportion = proportion[row];
            let a = self.assess_input(&input);
            flags.push(a.flag.as_str());
            reasons.push(a.reason);
            publish.push(a.publish);
        }
        let mut out = results.clone();
        for col in [
            Column::new("quality".into(), flags),
            Column::new("quality_reason".into(), reasons),
            Column::new("publish".into(), publish),
        ] {
            let name = col.name().to_string();
            out.with_column(col).map_err(|e| QualityError::BadColumn {
                column: name,
                message: e.to_string(),
            })?;
        }
        Ok(out)
    }
}

/// Value columns that [`withhold`] blanks in unpublished rows, when present.
pub const WITHHELD_COLUMNS: [&str; 9] = [
    "estimate", "se", "ci_low", "ci_high", "cv", "deff", "pop", "ratio", "p_value",
];

/// Blanks (sets to null) the value columns of [`WITHHELD_COLUMNS`] in the rows whose
/// `publish` column is not true, keeping the rows themselves, their domain columns, `n`,
/// `df`, `quality` and `quality_reason`: the existence of a suppressed figure, and why it is
/// withheld, stay visible.
pub fn withhold(flagged: &DataFrame) -> Result<DataFrame, QualityError> {
    let publish_col = flagged
        .column("publish")
        .map_err(|_| QualityError::MissingColumn("publish".to_string()))?;
    let publish: Vec<bool> = publish_col
        .bool()
        .map_err(|_| QualityError::BadColumn {
            column: "publish".to_string(),
            message: format!("expected booleans, found {}", publish_col.dtype()),
        })?
        .iter()
        .map(|p| p == Some(true))
        .collect();
    let mut out = flagged.clone();
    for name in WITHHELD_COLUMNS {
        if flagged.column(name).is_err() {
            continue;
        }
        let values = read_f64(flagged, name, true)?;
        let kept: Vec<Option<f64>> = values
            .into_iter()
            .zip(&publish)
            .map(|(v, &p)| if p { v } else { None })
            .collect();
        out.with_column(Column::new(name.into(), kept))
            .map_err(|e| QualityError::BadColumn {
                column: name.to_string(),
                message: e.to_string(),
            })?;
    }
    Ok(out)
}

/// Reads a numeric results column as `f64` (null → `None`); an absent optional column is
/// all `None`.
fn read_f64(df: &DataFrame, name: &str, required: bool) -> Result<Vec<Option<f64>>, QualityError> {
    let col = match df.column(name) {
        Ok(c) => c,
        Err(_) if required => return Err(QualityError::MissingColumn(name.to_string())),
        Err(_) => return Ok(vec![None; df.height()]),
    };
    let dtype = col.dtype();
    if !(dtype.is_primitive_numeric() || *dtype == DataType::Null) {
        return Err(QualityError::BadColumn {
            column: name.to_string(),
            message: format!("expected numbers, found {dtype}"),
        });
    }
    let cast = col
        .cast(&DataType::Float64)
        .map_err(|e| QualityError::BadColumn {
            column: name.to_string(),
            message: e.to_string(),
        })?;
    let ca = cast.f64().map_err(|e| QualityError::BadColumn {
        column: name.to_string(),
        message: e.to_string(),
    })?;
    Ok(ca.iter().collect())
}
