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
//! The final flag is the worst of the flags that applied, and the reasons of every
//! non-reliable flag are joined with `"; "`.
//!
//! ## CV near zero
//!
//! The CV of a proportion grows without bound as the proportion goes to 0, so small but
//! well-measured proportions can get a "low" flag; that is a known weakness of CV rules (NCHS
//! moved to confidence-interval-width standards for proportions in 2017 for this reason).
//! For an estimate of exactly 0 the CV is undefined: no CV is computed and the estimate is
//! judged on `n` and `df` only, then flagged `zero_estimate` (reliable by default). An
//! estimate with no usable standard error (missing, NaN or negative) gets `missing_se`
//! (low by default).

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
}

impl Default for QualityPolicy {
    fn default() -> Self {
        QualityPolicy::cv_bands_15_30()
    }
}

impl QualityPolicy {
    /// Names accepted by [`QualityPolicy::preset`].
    pub const PRESETS: [&'static str; 4] = [
        "cv_bands_15_30",
        "cv_bands_15_30_suppress_low",
        "nchs_rse_30",
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
            zero_estimate: QualityFlag::Reliable,
            missing_se: QualityFlag::Low,
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
    /// confidence-interval widths (Parker et al., *Vital Health Stat* 2(175)), which this
    /// preset does not implement.
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
            zero_estimate: QualityFlag::Reliable,
            missing_se: QualityFlag::Low,
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
            "flag_only" => Ok(Self::flag_only()),
            other => Err(QualityError::UnknownPreset(other.to_string())),
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
        for (field, flag) in flags {
            if flag == QualityFlag::Empty {
                return Err(bad(format!(
                    "{field} uses `empty`, which is reserved for domains without observations"
                )));
            }
        }
        Ok(())
    }

    /// Assesses one estimate: its value, standard error, unweighted number of observations
    /// and design degrees of freedom (`None` when not applicable). See the
    /// [module documentation](self) for the rules. Never panics, whatever the inputs.
    pub fn assess(
        &self,
        estimate: Option<f64>,
        se: Option<f64>,
        n: u64,
        df: Option<f64>,
    ) -> Assessment {
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
            _ if estimate == 0.0 => {
                note = Some("CV undefined for a zero estimate; assessed on n and df only");
                raise(
                    self.zero_estimate,
                    "zero estimate, CV undefined".to_string(),
                    &mut flag,
                );
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
    /// Reads the columns `estimate`, `se` and `n` (required) and `df` (optional; absent
    /// means not applicable). Nulls in `estimate`, `se` and `df` are `None`; `n` must be a
    /// non-negative whole number in every row (a null `n` is 0).
    pub fn flag_frame(&self, results: &DataFrame) -> Result<DataFrame, QualityError> {
        let estimate = read_f64(results, "estimate", true)?;
        let se = read_f64(results, "se", true)?;
        let n = read_f64(results, "n", true)?;
        let df = read_f64(results, "df", false)?;
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
            let a = self.assess(estimate[row], se[row], count, df[row]);
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
