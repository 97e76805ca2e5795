//! Standard derived variables for disaggregation: migratory status, age group, disability,
//! sex, urban/rural residence and income quintile.
//!
//! Each derivation is a function from raw survey columns of a polars [`DataFrame`] to new
//! columns, following an international statistical standard named in its documentation:
//!
//! | function | standard |
//! |---|---|
//! | [`migratory_status()`], [`legal_status`] | UN Recommendations on Statistics of International Migration (1998); UN Expert Group on Migration Statistics (2017) two-step identification |
//! | [`age_group()`] | UN age groupings (children under 18, CRC art. 1; youth 15–24; working age 15–64; older persons 60+ or 65+) |
//! | [`disability()`] | Washington Group Short Set on Functioning (WG-SS) |
//! | [`sex()`] | ISO/IEC 5218 codes by default, any mapping by configuration |
//! | [`urban_rural()`] | national urban/rural definition (UN Principles and Recommendations for Population and Housing Censuses), as codes or by locality size |
//! | [`income_quintile()`] | quintiles (or other quantile groups) of the weighted empirical income distribution |
//!
//! ## What every derivation guarantees
//!
//! - The main output is a text column with one label per row and **no nulls**: a row whose
//!   inputs do not determine its group gets the explicit label [`UNKNOWN`], and the
//!   [`DeriveReport`] says how many rows were set to `unknown` and why.
//! - Overlapping groups (e.g. youth 15–24 and working age 15–64) are separate boolean
//!   columns next to one mutually exclusive main column; a boolean is null when the inputs
//!   do not determine it.
//! - A code the specification does not know is an error naming the column, the row and
//!   the value ([`DeriveError::InvalidValue`]), unless the specification says explicitly
//!   that such codes mean "missing" (then they are counted as such). Nothing is recoded
//!   silently.
//!
//! ## Reading codes
//!
//! Categorical inputs may be integer, float, boolean or text columns. Codes in a
//! specification are written as text (`"1"`, `"M"`, `"484"`). Integer columns, and float
//! columns whose values are all whole numbers, are matched as integers (so `"1"` and `"1.0"`
//! in a specification both match the value 1); other columns are matched as text, trimmed
//! of surrounding blanks and ASCII-case-insensitively (booleans as `true` / `false`). Null,
//! NaN and empty text are missing values. Numeric inputs (ages, years, income, weights) must
//! be numeric columns; a text column is a [`DeriveError::WrongType`].

mod age_group;
mod child_functioning;
mod disability;
mod error;
mod income_quintile;
mod migratory_status;
mod sex;
mod urban_rural;

pub use age_group::{AgeGroupSpec, InvalidAge, age_group};
pub use child_functioning::{
    CfmItems, ChildFunctioningSpec, WITH_FUNCTIONAL_DIFFICULTY, WITHOUT_FUNCTIONAL_DIFFICULTY,
    child_functioning,
};
pub use disability::{
    DisabilitySpec, DisabilityStatus, WgAnswer, WgCutoff, WgSsColumns, classify_wg_ss, disability,
};
pub use error::DeriveError;
pub use income_quintile::{IncomeQuintileSpec, income_quintile, weighted_quantile_groups};
pub use migratory_status::{
    Citizenship, LegalStatus, LegalStatusSpec, MigratoryStatus, MigratoryStatusSpec, legal_status,
    migratory_status,
};
pub use sex::{Sex, SexSpec, sex};
pub use urban_rural::{Area, UrbanRuralSource, UrbanRuralSpec, urban_rural};

use std::collections::BTreeMap;
use std::collections::HashMap;

use polars::prelude::{Column, DataFrame, DataType};
use serde::{Deserialize, Serialize};

/// The label given to rows whose group cannot be determined from their inputs (defined in
/// [`crate::framework`], which the writers read).
pub use crate::framework::UNKNOWN;

/// The result of a derivation: the new columns and a report of how the rows were classified.
#[derive(Debug, Clone)]
pub struct Derived {
    /// The main, mutually exclusive column (text labels, never null).
    pub column: Column,
    /// Indicator columns for overlapping groups (booleans, null when undetermined); may be
    /// empty.
    pub flags: Vec<Column>,
    /// Counts of rows per group and of rows set to `unknown`, with reasons.
    pub report: DeriveReport,
}

impl Derived {
    /// Every output column: the main column first, then the flags.
    pub fn columns(&self) -> Vec<Column> {
        let mut out = Vec::with_capacity(1 + self.flags.len());
        out.push(self.column.clone());
        out.extend(self.flags.iter().cloned());
        out
    }

    /// Adds the output columns to `df`, replacing any column of the same name (which may be
    /// the raw input column itself, e.g. `sex`).
    pub fn add_to(&self, df: &mut DataFrame) -> Result<(), DeriveError> {
        for col in self.columns() {
            let name = col.name().to_string();
            df.with_column(col)
                .map_err(|e| DeriveError::polars(&name, e))?;
        }
        Ok(())
    }
}

/// Rows in one group (or set to `unknown` for one reason).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Count {
    /// The group label, or the reason.
    pub label: String,
    /// Number of rows.
    pub rows: u64,
}

/// The distribution of one boolean flag column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FlagCount {
    /// The flag column's name.
    pub column: String,
    /// Rows where the flag is true.
    pub yes: u64,
    /// Rows where the flag is false.
    pub no: u64,
    /// Rows where the flag is null (undetermined).
    pub unknown: u64,
}

/// How a derivation classified the rows: counts per group, rows set to `unknown` and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeriveReport {
    /// The main output column.
    pub output: String,
    /// The standard followed, in words.
    pub standard: String,
    /// Rows in the input.
    pub rows: u64,
    /// Rows per label of the main column, in the category order (`unknown` last). Every
    /// category appears, with 0 rows if none.
    pub groups: Vec<Count>,
    /// Rows set to `unknown`, by reason; the counts add up to the `unknown` group.
    pub unknown: Vec<Count>,
    /// Distribution of each flag column.
    pub flags: Vec<FlagCount>,
    /// Further facts worth recording (assumptions applied and how many rows they touched,
    /// cut points, ...).
    pub notes: Vec<String>,
}

impl DeriveReport {
    /// Rows in the group `label` of the main column (0 if there is no such group).
    pub fn group(&self, label: &str) -> u64 {
        self.groups
            .iter()
            .find(|c| c.label == label)
            .map_or(0, |c| c.rows)
    }

    /// Rows set to `unknown`.
    pub fn unknown_rows(&self) -> u64 {
        self.group(UNKNOWN)
    }

    /// Rows set to `unknown` for the reason `reason` (0 if none).
    pub fn unknown_for(&self, reason: &str) -> u64 {
        self.unknown
            .iter()
            .find(|c| c.label == reason)
            .map_or(0, |c| c.rows)
    }

    /// The counts of the flag column `column`, if the derivation produced it.
    pub fn flag(&self, column: &str) -> Option<&FlagCount> {
        self.flags.iter().find(|f| f.column == column)
    }

    /// The report of a derivation run on consecutive batches of rows (`parts`, in row
    /// order) as it is on the whole data: rows, groups, reasons for `unknown` and flags
    /// added up (reasons in order of first appearance, as on the whole data). Notes that
    /// count rows (a note that starts with the count, or `domain …: N missing answers`)
    /// are added up; any other note is kept when every batch has it (a note such as "no
    /// row has a home-country code" holds of the whole data only if it holds of every
    /// batch). `None` without parts.
    pub fn merge_batches(parts: &[DeriveReport]) -> Option<DeriveReport> {
        let first = parts.first()?;
        let mut out = DeriveReport {
            output: first.output.clone(),
            standard: first.standard.clone(),
            rows: 0,
            groups: Vec::new(),
            unknown: Vec::new(),
            flags: Vec::new(),
            notes: Vec::new(),
        };
        fn add(list: &mut Vec<Count>, c: &Count) {
            match list.iter_mut().find(|x| x.label == c.label) {
                Some(x) => x.rows += c.rows,
                None => list.push(c.clone()),
            }
        }
        // Notes: (key, count, batches with it), in order of first appearance.
        let mut notes: Vec<(String, Option<u64>, usize)> = Vec::new();
        for part in parts {
            out.rows += part.rows;
            part.groups.iter().for_each(|c| add(&mut out.groups, c));
            part.unknown.iter().for_each(|c| add(&mut out.unknown, c));
            for f in &part.flags {
                match out.flags.iter_mut().find(|x| x.column == f.column) {
                    Some(x) => {
                        x.yes += f.yes;
                        x.no += f.no;
                        x.unknown += f.unknown;
                    }
                    None => out.flags.push(f.clone()),
                }
            }
            for note in &part.notes {
                let (key, count) = match count_note(note) {
                    Some((key, n)) => (key, Some(n)),
                    None => (note.clone(), None),
                };
                match notes.iter_mut().find(|(k, _, _)| *k == key) {
                    Some((_, c, seen)) => {
                        *seen += 1;
                        if let (Some(c), Some(n)) = (c.as_mut(), count) {
                            *c += n;
                        }
                    }
                    None => notes.push((key, count, 1)),
                }
            }
        }
        out.notes = notes
            .into_iter()
            .filter_map(|(key, count, seen)| match count {
                Some(n) => Some(key.replacen(COUNT_MARK, &n.to_string(), 1)),
                None => (seen == parts.len()).then_some(key),
            })
            .collect();
        Some(out)
    }
}

/// Where the count stands in the key of a counting note.
const COUNT_MARK: &str = "\u{1f}N\u{1f}";

/// A note that counts rows, as (the note with its count replaced by [`COUNT_MARK`], the
/// count): one that starts with the count (`12 stateless rows ...`), or
/// `domain <name>: <count> missing answers`.
fn count_note(note: &str) -> Option<(String, u64)> {
    let digits = |s: &str| s.chars().take_while(char::is_ascii_digit).count();
    let lead = digits(note);
    if lead > 0 && note[lead..].starts_with(' ') {
        let n = note[..lead].parse().ok()?;
        return Some((format!("{COUNT_MARK}{}", &note[lead..]), n));
    }
    if note.starts_with("domain ") && note.ends_with(" missing answers") {
        let colon = note.find(": ")? + 2;
        let len = digits(&note[colon..]);
        if len > 0 && note[colon + len..] == *" missing answers" {
            let n = note[colon..colon + len].parse().ok()?;
            return Some((
                format!("{}{COUNT_MARK}{}", &note[..colon], &note[colon + len..]),
                n,
            ));
        }
    }
    None
}

/// What to do with a code that is neither mapped nor declared missing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unmapped {
    /// Stop with [`DeriveError::InvalidValue`] naming the column, row and code (default).
    #[default]
    Error,
    /// Put the row in `unknown`, counted under the reason `<column> unmapped code <code>`.
    Unknown,
}

/// A mapping from survey codes to categories, with codes that mean "missing".
///
/// Keys are matched as described in the [module documentation](self): as integers
/// against whole-number columns, trimmed and ASCII-case-insensitively against text. In
/// TOML:
///
/// ```toml
/// codes = { "1" = "male", "2" = "female" }
/// missing = ["0", "9"]
/// unmapped = "error"
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CodeMap<T> {
    /// Code → category.
    pub codes: BTreeMap<String, T>,
    /// Codes that mean "not stated / don't know / refused": rows with them go to
    /// `unknown`, counted under `<column> code <c> declared missing`.
    #[serde(default)]
    pub missing: Vec<String>,
    /// What to do with any other code.
    #[serde(default)]
    pub unmapped: Unmapped,
}

/// The outcome of looking up one row's code.
pub(crate) enum Lookup<T> {
    /// A mapped category.
    Known(T),
    /// Undetermined; the index of the reason in [`Looked::reasons`].
    Unknown(usize),
}

/// A looked-up column: one [`Lookup`] per row and the distinct reasons for `unknown`.
pub(crate) struct Looked<T> {
    /// One entry per row.
    pub(crate) rows: Vec<Lookup<T>>,
    /// The reasons referred to by [`Lookup::Unknown`].
    pub(crate) reasons: Vec<String>,
}

impl<T: Copy> Looked<T> {
    /// The category of `row`, or the reason it is unknown.
    pub(crate) fn get(&self, row: usize) -> Result<T, &str> {
        match self.rows[row] {
            Lookup::Known(t) => Ok(t),
            Lookup::Unknown(r) => Err(&self.reasons[r]),
        }
    }
}

/// Interns reasons so that each distinct reason is formatted once, not once per row.
pub(crate) struct Reasons<K> {
    pub(crate) list: Vec<String>,
    index: HashMap<K, usize>,
}

impl<K: std::hash::Hash + Eq> Reasons<K> {
    pub(crate) fn new() -> Self {
        Reasons {
            list: Vec::new(),
            index: HashMap::new(),
        }
    }

    pub(crate) fn get(&mut self, key: K, make: impl FnOnce(&K) -> String) -> usize {
        use std::collections::hash_map::Entry;
        match self.index.entry(key) {
            Entry::Occupied(e) => *e.get(),
            Entry::Vacant(e) => {
                self.list.push(make(e.key()));
                let i = self.list.len() - 1;
                e.insert(i);
                i
            }
        }
    }
}

impl<T: Copy> CodeMap<T> {
    /// A mapping from `(code, category)` pairs, no missing codes, unmapped codes are errors.
    pub fn new<S: Into<String>>(codes: impl IntoIterator<Item = (S, T)>) -> Self {
        CodeMap {
            codes: codes.into_iter().map(|(k, v)| (k.into(), v)).collect(),
            missing: Vec::new(),
            unmapped: Unmapped::Error,
        }
    }

    /// The same mapping with `codes` declared as missing values.
    pub fn with_missing<S: Into<String>>(mut self, codes: impl IntoIterator<Item = S>) -> Self {
        self.missing.extend(codes.into_iter().map(Into::into));
        self
    }

    /// The same mapping with the given policy for unmapped codes.
    pub fn with_unmapped(mut self, unmapped: Unmapped) -> Self {
        self.unmapped = unmapped;
        self
    }

    /// Looks up every row of `column`; `output` names the derived variable in errors.
    pub(crate) fn lookup_column(
        &self,
        df: &DataFrame,
        column: &str,
        output: &str,
    ) -> Result<Looked<T>, DeriveError>
    where
        T: PartialEq,
    {
        let table = self.table(output)?;
        let unmapped = |row: usize, code: &dyn std::fmt::Display| {
            DeriveError::invalid(
                column,
                row,
                code,
                format!("expected one of the codes {}", self.describe()),
            )
        };
        // Reason keys: None = missing value, Some((declared_missing, code)).
        let rows = match read_codes(df, column)? {
            Codes::Int(values) => {
                let int_table: HashMap<i64, Option<T>> = table
                    .iter()
                    .filter_map(|(k, v)| k.parse::<i64>().ok().map(|i| (i, *v)))
                    .collect();
                let mut reasons: Reasons<Option<(bool, i64)>> = Reasons::new();
                let mut rows = Vec::with_capacity(values.len());
                for (row, v) in values.into_iter().enumerate() {
                    rows.push(match v {
                        None => Lookup::Unknown(reasons.get(None, |_| format!("missing {column}"))),
                        Some(code) => match int_table.get(&code) {
                            Some(Some(t)) => Lookup::Known(*t),
                            Some(None) => Lookup::Unknown(reasons.get(Some((true, code)), |_| {
                                format!("{column} code {code} declared missing")
                            })),
                            None if self.unmapped == Unmapped::Unknown => {
                                Lookup::Unknown(reasons.get(Some((false, code)), |_| {
                                    format!("{column} unmapped code {code}")
                                }))
                            }
                            None => return Err(unmapped(row, &code)),
                        },
                    });
                }
                Looked {
                    rows,
                    reasons: reasons.list,
                }
            }
            Codes::Text(values) => {
                let mut reasons: Reasons<Option<(bool, String)>> = Reasons::new();
                let mut rows = Vec::with_capacity(values.len());
                for (row, v) in values.into_iter().enumerate() {
                    rows.push(match v {
                        None => Lookup::Unknown(reasons.get(None, |_| format!("missing {column}"))),
                        Some(code) => match table.get(&code.to_ascii_lowercase()) {
                            Some(Some(t)) => Lookup::Known(*t),
                            Some(None) => Lookup::Unknown(reasons.get(Some((true, code)), |k| {
                                let code = k.as_ref().map_or("", |(_, c)| c.as_str());
                                format!("{column} code {code} declared missing")
                            })),
                            None if self.unmapped == Unmapped::Unknown => {
                                Lookup::Unknown(reasons.get(Some((false, code)), |k| {
                                    let code = k.as_ref().map_or("", |(_, c)| c.as_str());
                                    format!("{column} unmapped code {code}")
                                }))
                            }
                            None => return Err(unmapped(row, &code)),
                        },
                    });
                }
                Looked {
                    rows,
                    reasons: reasons.list,
                }
            }
        };
        Ok(rows)
    }

    /// Normalised lookup table: code → `Some(category)` or `None` (declared missing).
    fn table(&self, output: &str) -> Result<HashMap<String, Option<T>>, DeriveError>
    where
        T: PartialEq,
    {
        let mut table: HashMap<String, Option<T>> = HashMap::new();
        for (code, cat) in &self.codes {
            let key = normalise_key(code);
            if key.is_empty() {
                return Err(DeriveError::spec(output, "an empty code in the code map"));
            }
            if let Some(Some(prev)) = table.insert(key, Some(*cat))
                && prev != *cat
            {
                return Err(DeriveError::spec(
                    output,
                    format!("code `{code}` maps to two categories (codes are case-insensitive)"),
                ));
            }
        }
        for code in &self.missing {
            let key = normalise_key(code);
            if let Some(Some(_)) = table.get(&key) {
                return Err(DeriveError::spec(
                    output,
                    format!("code `{code}` is both mapped and declared missing"),
                ));
            }
            table.insert(key, None);
        }
        Ok(table)
    }

    /// The mapped codes, for error messages.
    fn describe(&self) -> String {
        let mut all: Vec<&str> = self.codes.keys().map(String::as_str).collect();
        all.extend(self.missing.iter().map(String::as_str));
        all.join(", ")
    }
}

/// Normalises a code written in a specification the way data values are normalised.
pub(crate) fn normalise_key(code: &str) -> String {
    let t = code.trim();
    // "1.0" in a spec means the same as the integer 1 in the data.
    if let Ok(x) = t.parse::<f64>()
        && t.contains('.')
    {
        return format_f64_code(x).to_ascii_lowercase();
    }
    t.to_ascii_lowercase()
}

/// The text form of a float code: integral values without a decimal part.
fn format_f64_code(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 9.0e15 {
        format!("{}", x as i64)
    } else {
        format!("{x}")
    }
}

/// Looks a column up by name, with a typed error.
pub(crate) fn get_column<'a>(df: &'a DataFrame, name: &str) -> Result<&'a Column, DeriveError> {
    df.column(name).map_err(|_| DeriveError::MissingColumn {
        column: name.to_string(),
    })
}

/// A categorical column as read: whole numbers, or text.
pub(crate) enum Codes {
    /// Integer codes (integer columns, and float columns whose values are all whole).
    Int(Vec<Option<i64>>),
    /// Text codes, trimmed; empty text is `None`.
    Text(Vec<Option<String>>),
}

/// Reads a categorical column (see the module documentation for the normalisation).
pub(crate) fn read_codes(df: &DataFrame, name: &str) -> Result<Codes, DeriveError> {
    let col = get_column(df, name)?;
    let dtype = col.dtype().clone();
    let err = |e| DeriveError::polars(name, e);
    let as_text = |col: &Column| -> Result<Codes, DeriveError> {
        let c = col.cast(&DataType::String).map_err(err)?;
        let ca = c.str().map_err(err)?;
        Ok(Codes::Text(
            ca.iter()
                .map(|v| {
                    v.map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(str::to_string)
                })
                .collect(),
        ))
    };
    if dtype.is_float() {
        let c = col.cast(&DataType::Float64).map_err(err)?;
        let ca = c.f64().map_err(err)?;
        let whole = |x: f64| x.fract() == 0.0 && x.abs() < 9.0e15;
        if ca.iter().flatten().all(|x| x.is_nan() || whole(x)) {
            Ok(Codes::Int(
                ca.iter()
                    .map(|v| v.filter(|x| !x.is_nan()).map(|x| x as i64))
                    .collect(),
            ))
        } else {
            Ok(Codes::Text(
                ca.iter()
                    .map(|v| v.filter(|x| !x.is_nan()).map(format_f64_code))
                    .collect(),
            ))
        }
    } else if dtype.is_integer() {
        match col.strict_cast(&DataType::Int64) {
            Ok(c) => {
                let ca = c.i64().map_err(err)?;
                Ok(Codes::Int(ca.iter().collect()))
            }
            // Unsigned values beyond i64: compare as text.
            Err(_) => as_text(col),
        }
    } else if dtype.is_bool() {
        let ca = col.bool().map_err(err)?;
        Ok(Codes::Text(
            ca.iter().map(|v| v.map(|b| b.to_string())).collect(),
        ))
    } else if dtype.is_string() {
        as_text(col)
    } else if dtype == DataType::Null {
        Ok(Codes::Int(vec![None; col.len()]))
    } else {
        Err(DeriveError::WrongType {
            column: name.to_string(),
            dtype: dtype.to_string(),
            expected: "codes (integer, float, boolean or text)".to_string(),
        })
    }
}

/// Reads a numeric column as `f64`; null and NaN are `None`.
pub(crate) fn read_numbers(df: &DataFrame, name: &str) -> Result<Vec<Option<f64>>, DeriveError> {
    let col = get_column(df, name)?;
    let dtype = col.dtype().clone();
    let err = |e| DeriveError::polars(name, e);
    if dtype.is_primitive_numeric() {
        let c = col.cast(&DataType::Float64).map_err(err)?;
        let ca = c.f64().map_err(err)?;
        Ok(ca.iter().map(|v| v.filter(|x| !x.is_nan())).collect())
    } else if dtype == DataType::Null {
        Ok(vec![None; col.len()])
    } else {
        Err(DeriveError::WrongType {
            column: name.to_string(),
            dtype: dtype.to_string(),
            expected: "a numeric column".to_string(),
        })
    }
}

/// Checks that a derived output name is usable.
pub(crate) fn check_output(output: &str) -> Result<(), DeriveError> {
    if output.trim().is_empty() {
        return Err(DeriveError::spec(output, "the output column name is empty"));
    }
    Ok(())
}

/// Accumulates the counts of a [`DeriveReport`].
pub(crate) struct Tally {
    labels: Vec<String>,
    counts: Vec<u64>,
    reasons: Vec<Count>,
}

impl Tally {
    /// A tally over `labels` (in order); `unknown` is appended.
    pub(crate) fn new(labels: impl IntoIterator<Item = impl Into<String>>) -> Self {
        let mut labels: Vec<String> = labels.into_iter().map(Into::into).collect();
        labels.push(UNKNOWN.to_string());
        let counts = vec![0; labels.len()];
        Tally {
            labels,
            counts,
            reasons: Vec::new(),
        }
    }

    /// The index of `unknown`.
    pub(crate) fn unknown_index(&self) -> usize {
        self.labels.len() - 1
    }

    /// Counts one row in group `idx`.
    pub(crate) fn add(&mut self, idx: usize) {
        self.counts[idx] += 1;
    }

    /// Counts one row as `unknown` for `reason`.
    pub(crate) fn add_unknown(&mut self, reason: &str) {
        let u = self.unknown_index();
        self.counts[u] += 1;
        match self.reasons.iter_mut().find(|c| c.label == reason) {
            Some(c) => c.rows += 1,
            None => self.reasons.push(Count {
                label: reason.to_string(),
                rows: 1,
            }),
        }
    }

    /// Builds the main column from per-row group indexes.
    pub(crate) fn column(&self, output: &str, idx: &[usize]) -> Column {
        let values: Vec<&str> = idx.iter().map(|&i| self.labels[i].as_str()).collect();
        Column::new(output.into(), values)
    }

    /// Finishes the report.
    pub(crate) fn report(
        self,
        output: &str,
        standard: &str,
        rows: usize,
        flags: Vec<FlagCount>,
        notes: Vec<String>,
    ) -> DeriveReport {
        DeriveReport {
            output: output.to_string(),
            standard: standard.to_string(),
            rows: rows as u64,
            groups: self
                .labels
                .into_iter()
                .zip(self.counts)
                .map(|(label, rows)| Count { label, rows })
                .collect(),
            unknown: self.reasons,
            flags,
            notes,
        }
    }
}

/// Builds a boolean flag column and its counts.
pub(crate) fn flag_column(name: &str, values: Vec<Option<bool>>) -> (Column, FlagCount) {
    let mut fc = FlagCount {
        column: name.to_string(),
        yes: 0,
        no: 0,
        unknown: 0,
    };
    for v in &values {
        match v {
            Some(true) => fc.yes += 1,
            Some(false) => fc.no += 1,
            None => fc.unknown += 1,
        }
    }
    (Column::new(name.into(), values), fc)
}
