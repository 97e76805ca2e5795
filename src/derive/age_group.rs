//! Age groups: one mutually exclusive band column plus indicator columns for the
//! overlapping groups used in human-rights reporting.

use polars::prelude::DataFrame;
use serde::{Deserialize, Serialize};

use super::{DeriveError, Derived, Tally, check_output, flag_column, read_numbers};

/// What to do with an age below 0 or above the specification's `max_age`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InvalidAge {
    /// Stop with [`DeriveError::InvalidValue`] naming the column, the row and the age
    /// (default).
    #[default]
    Error,
    /// Put the row in `unknown`, counted under `age out of range`.
    Unknown,
}

/// How to derive age groups.
///
/// Ages are in completed years; fractional ages are allowed and fall in the band whose
/// interval contains them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AgeGroupSpec {
    /// The raw age column (numeric; default `age`).
    pub column: String,
    /// The band column (default `age_group`); flag columns are named
    /// `{output}_child`, `{output}_youth`, `{output}_working_age`, `{output}_older`.
    pub output: String,
    /// Lower bounds of the mutually exclusive bands, strictly increasing; `0` is added in
    /// front when missing. Default `[0, 15, 25, 60]`, giving `0-14`, `15-24`, `25-59`,
    /// `60+`.
    pub breaks: Vec<u32>,
    /// First age of "older persons": 60 (UN default) or 65.
    pub older_from: u32,
    /// Whether to emit the four indicator columns (default true).
    pub flags: bool,
    /// Largest plausible age (default 130); larger ages follow `invalid`.
    pub max_age: f64,
    /// Age codes that mean "not stated" (e.g. `999` in several national files): counted as
    /// missing, not as ages.
    pub missing_codes: Vec<i64>,
    /// What to do with negative, infinite or too large ages.
    pub invalid: InvalidAge,
}

impl Default for AgeGroupSpec {
    fn default() -> Self {
        AgeGroupSpec {
            column: "age".to_string(),
            output: "age_group".to_string(),
            breaks: vec![0, 15, 25, 60],
            older_from: 60,
            flags: true,
            max_age: 130.0,
            missing_codes: Vec::new(),
            invalid: InvalidAge::Error,
        }
    }
}

impl AgeGroupSpec {
    /// Default bands (`0-14`, `15-24`, `25-59`, `60+`) and flags from the age column
    /// `column`, older persons from 60.
    pub fn new(column: impl Into<String>) -> Self {
        AgeGroupSpec {
            column: column.into(),
            ..AgeGroupSpec::default()
        }
    }

    /// Older persons from 65, with bands `0-14`, `15-24`, `25-64`, `65+`.
    pub fn older_65(mut self) -> Self {
        self.older_from = 65;
        self.breaks = vec![0, 15, 25, 65];
        self
    }

    /// Custom band lower bounds (e.g. `[0, 5, 18, 30, 45, 65]`).
    pub fn with_breaks(mut self, breaks: Vec<u32>) -> Self {
        self.breaks = breaks;
        self
    }

    /// Declares age codes that mean "not stated".
    pub fn with_missing_codes(mut self, codes: Vec<i64>) -> Self {
        self.missing_codes = codes;
        self
    }

    /// Sets the policy for out-of-range ages.
    pub fn with_invalid(mut self, invalid: InvalidAge) -> Self {
        self.invalid = invalid;
        self
    }

    /// The band labels for the (normalised) breaks.
    pub fn labels(&self) -> Result<Vec<String>, DeriveError> {
        Ok(band_labels(&self.normalised_breaks()?))
    }

    /// Breaks with `0` in front, checked strictly increasing.
    fn normalised_breaks(&self) -> Result<Vec<u32>, DeriveError> {
        let mut b = self.breaks.clone();
        if b.first() != Some(&0) {
            b.insert(0, 0);
        }
        if b.windows(2).any(|w| w[0] >= w[1]) {
            return Err(DeriveError::spec(
                &self.output,
                format!(
                    "age breaks must be strictly increasing, got {:?}",
                    self.breaks
                ),
            ));
        }
        Ok(b)
    }
}

/// Labels `a-b` (inclusive completed years), `a` for one-year bands, `a+` for the last.
fn band_labels(breaks: &[u32]) -> Vec<String> {
    breaks
        .iter()
        .enumerate()
        .map(|(i, &lo)| match breaks.get(i + 1) {
            None => format!("{lo}+"),
            Some(&hi) if hi == lo + 1 => format!("{lo}"),
            Some(&hi) => format!("{lo}-{}", hi - 1),
        })
        .collect()
}

/// Derives age bands and the overlapping age-group indicators.
///
/// Groups follow UN usage: **children** 0–17 (under 18, Convention on the Rights of the
/// Child, art. 1), **youth** 15–24 (UN General Assembly definition for statistical
/// purposes), **working age** 15–64 (ILO/UN labour statistics), **older persons** 60+ (UN
/// default) or 65+ (`older_from`). Because these overlap, each is a boolean column
/// (`{output}_child`, `{output}_youth`, `{output}_working_age`, `{output}_older`), and the
/// main column holds mutually exclusive bands from `breaks` (default `0-14`, `15-24`,
/// `25-59`, `60+`). A band `[lo, hi)` holds ages `lo ≤ age < hi`.
///
/// Missing ages (null, NaN, or one of `missing_codes`) give band `unknown` and null flags,
/// counted by reason. A negative, infinite or larger-than-`max_age` age is an error naming
/// the column and row, or, with [`InvalidAge::Unknown`], an `unknown` counted under
/// `age out of range`.
pub fn age_group(df: &DataFrame, spec: &AgeGroupSpec) -> Result<Derived, DeriveError> {
    check_output(&spec.output)?;
    let breaks = spec.normalised_breaks()?;
    if !(spec.max_age.is_finite() && spec.max_age > 0.0) {
        return Err(DeriveError::spec(
            &spec.output,
            format!("max_age must be a positive number, got {}", spec.max_age),
        ));
    }
    let labels = band_labels(&breaks);
    let mut tally = Tally::new(labels.iter().cloned());
    let unknown = tally.unknown_index();
    let ages = read_numbers(df, &spec.column)?;
    let n = ages.len();
    let mut idx = Vec::with_capacity(n);
    let mut child = Vec::with_capacity(n);
    let mut youth = Vec::with_capacity(n);
    let mut working = Vec::with_capacity(n);
    let mut older = Vec::with_capacity(n);
    let missing_reason = format!("missing {}", spec.column);
    let older_from = f64::from(spec.older_from);
    for (row, age) in ages.into_iter().enumerate() {
        let age = match age {
            Some(a) if a.fract() == 0.0 && spec.missing_codes.contains(&(a as i64)) => Err(
                format!("{} code {} declared missing", spec.column, a as i64),
            ),
            Some(a) if a < 0.0 || a > spec.max_age || !a.is_finite() => match spec.invalid {
                InvalidAge::Error => {
                    return Err(DeriveError::invalid(
                        &spec.column,
                        row,
                        a,
                        format!("an age between 0 and {}", spec.max_age),
                    ));
                }
                InvalidAge::Unknown => Err("age out of range".to_string()),
            },
            Some(a) => Ok(a),
            None => Err(missing_reason.clone()),
        };
        match age {
            Ok(a) => {
                // Last break not above the age; breaks[0] == 0 <= a.
                let i = breaks.partition_point(|&b| f64::from(b) <= a) - 1;
                tally.add(i);
                idx.push(i);
                child.push(Some(a < 18.0));
                youth.push(Some((15.0..25.0).contains(&a)));
                working.push(Some((15.0..65.0).contains(&a)));
                older.push(Some(a >= older_from));
            }
            Err(reason) => {
                tally.add_unknown(&reason);
                idx.push(unknown);
                child.push(None);
                youth.push(None);
                working.push(None);
                older.push(None);
            }
        }
    }
    let column = tally.column(&spec.output, &idx);
    let mut flags = Vec::new();
    let mut counts = Vec::new();
    if spec.flags {
        for (suffix, values) in [
            ("child", child),
            ("youth", youth),
            ("working_age", working),
            ("older", older),
        ] {
            let (c, fc) = flag_column(&format!("{}_{suffix}", spec.output), values);
            flags.push(c);
            counts.push(fc);
        }
    }
    let notes = vec![format!(
        "bands {}; child 0-17, youth 15-24, working age 15-64, older {}+",
        labels.join(", "),
        spec.older_from
    )];
    let report = tally.report(
        &spec.output,
        "UN age groupings: children 0-17 (CRC art. 1), youth 15-24, working age 15-64, \
         older persons 60+ or 65+",
        n,
        counts,
        notes,
    );
    Ok(Derived {
        column,
        flags,
        report,
    })
}
