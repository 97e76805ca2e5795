//! Sex, from survey codes.

use polars::prelude::DataFrame;
use serde::{Deserialize, Serialize};

use super::{CodeMap, DeriveError, Derived, Tally, check_output};

/// Sex categories of the derived column (`male`, `female`; `unknown` when not stated).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    /// Male.
    Male,
    /// Female.
    Female,
}

impl Sex {
    /// The label in the derived column.
    pub fn as_str(self) -> &'static str {
        match self {
            Sex::Male => "male",
            Sex::Female => "female",
        }
    }
}

impl CodeMap<Sex> {
    /// ISO/IEC 5218 codes: `1` male, `2` female; `0` (not known) and `9` (not applicable)
    /// are missing; any other code is an error.
    pub fn iso_5218() -> Self {
        CodeMap::new([("1", Sex::Male), ("2", Sex::Female)]).with_missing(["0", "9"])
    }

    /// English letters and words: `M`/`male` and `F`/`female` (case-insensitive).
    pub fn english() -> Self {
        CodeMap::new([
            ("m", Sex::Male),
            ("male", Sex::Male),
            ("f", Sex::Female),
            ("female", Sex::Female),
        ])
    }

    /// Spanish letters and words: `H`/`hombre` male, `M`/`mujer` female.
    /// Note that `M` means *female* here, unlike [`CodeMap::english`].
    pub fn spanish() -> Self {
        CodeMap::new([
            ("h", Sex::Male),
            ("hombre", Sex::Male),
            ("m", Sex::Female),
            ("mujer", Sex::Female),
        ])
    }
}

/// How to derive sex: the raw column and its codes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SexSpec {
    /// The raw column.
    pub column: String,
    /// The output column (default `sex`, which replaces the raw column when they share a
    /// name and the result is added with [`Derived::add_to`]).
    #[serde(default = "default_output")]
    pub output: String,
    /// Code → sex (default [`CodeMap::iso_5218`]).
    #[serde(default = "CodeMap::iso_5218")]
    pub codes: CodeMap<Sex>,
}

fn default_output() -> String {
    "sex".to_string()
}

impl SexSpec {
    /// Sex from `column` coded by ISO/IEC 5218 (`1` male, `2` female, `0`/`9` missing).
    pub fn new(column: impl Into<String>) -> Self {
        SexSpec {
            column: column.into(),
            output: default_output(),
            codes: CodeMap::iso_5218(),
        }
    }

    /// The same specification with another code map.
    pub fn with_codes(mut self, codes: CodeMap<Sex>) -> Self {
        self.codes = codes;
        self
    }
}

/// Derives `male` / `female` / `unknown` from a coded sex column.
///
/// Codes follow the configurable [`CodeMap`] (ISO/IEC 5218 by default). Null values and
/// codes declared missing give `unknown`, counted by reason in the report; any other code is
/// a [`DeriveError::InvalidValue`] naming the column and row, unless the map says
/// `unmapped = "unknown"`.
pub fn sex(df: &DataFrame, spec: &SexSpec) -> Result<Derived, DeriveError> {
    check_output(&spec.output)?;
    let looked = spec.codes.lookup_column(df, &spec.column, &spec.output)?;
    let mut tally = Tally::new([Sex::Male.as_str(), Sex::Female.as_str()]);
    let unknown = tally.unknown_index();
    let n = looked.rows.len();
    let mut idx = Vec::with_capacity(n);
    for row in 0..n {
        match looked.get(row) {
            Ok(s) => {
                let i = if s == Sex::Male { 0 } else { 1 };
                tally.add(i);
                idx.push(i);
            }
            Err(reason) => {
                tally.add_unknown(reason);
                idx.push(unknown);
            }
        }
    }
    let column = tally.column(&spec.output, &idx);
    let report = tally.report(
        &spec.output,
        "sex from survey codes (ISO/IEC 5218 by default)",
        n,
        Vec::new(),
        Vec::new(),
    );
    Ok(Derived {
        column,
        flags: Vec::new(),
        report,
    })
}
