//! Reading an office's own files: Stata `.dta`, SPSS `.sav`/`.zsav`, SAS `.sas7bdat` and
//! `.xpt`, Parquet and CSV, chosen by extension, into a polars [`DataFrame`] with each
//! column's value labels kept as metadata.
//!
//! | extension | reader |
//! |---|---|
//! | `.dta` | Stata 8 to 119, through `polars-readstat-rs` |
//! | `.sav`, `.zsav` | SPSS, through `polars-readstat-rs` (user-defined missing values become null; each declared code is counted in [`ColumnInfo::missing_counts`]) |
//! | `.sas7bdat`, `.xpt` | SAS data set and SAS transport file, through `polars-readstat-rs` |
//! | `.parquet`, `.pq` | polars |
//! | `.csv`, `.txt` | polars, after decoding the text to UTF-8 ([`CsvOptions`]: separator, decimal comma, encoding, missing-value strings) |
//!
//! **Codes stay codes.** A labelled numeric column is read as its numbers (`sexo = 2` works
//! in a condition); its labels (`2` → `Mujer`) are kept in [`Table::columns`], keyed by the
//! code's text (`"2"`), for `hri inspect` and for dimensions that no derivation labels.
//!
//! **The content must be what the extension says.** The first bytes of the file are checked
//! against the format's signature before any reader runs: a Stata file named `.csv`, or a
//! CSV file named `.sav`, is a [`SourceError::NotItsExtension`] naming what the content
//! looks like. Text that is not valid in the declared encoding is a
//! [`SourceError::Encoding`] naming the byte offset and line.

use std::collections::BTreeMap;
use std::io::Cursor;
use std::path::{Path, PathBuf};

use polars::prelude::*;
use serde::{Deserialize, Serialize};

/// A file format, chosen by extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    /// Stata `.dta`.
    Stata,
    /// SPSS `.sav` or compressed `.zsav`.
    Spss,
    /// SAS data set `.sas7bdat`.
    Sas7bdat,
    /// SAS transport file `.xpt` (version 5 or 8).
    Xpt,
    /// Apache Parquet.
    Parquet,
    /// Delimited text.
    Csv,
}

impl Format {
    /// The format of a path by its extension (case-insensitive).
    pub fn from_path(path: &Path) -> Result<Format, SourceError> {
        let ext = path
            .extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase())
            .unwrap_or_default();
        Ok(match ext.as_str() {
            "dta" => Format::Stata,
            "sav" | "zsav" => Format::Spss,
            "sas7bdat" => Format::Sas7bdat,
            "xpt" => Format::Xpt,
            "parquet" | "pq" => Format::Parquet,
            "csv" | "txt" => Format::Csv,
            _ => {
                return Err(SourceError::UnknownExtension {
                    path: path.to_path_buf(),
                    extension: ext,
                });
            }
        })
    }

    /// A readable name (`Stata .dta`, `CSV text`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Format::Stata => "a Stata .dta file",
            Format::Spss => "an SPSS .sav/.zsav file",
            Format::Sas7bdat => "a SAS .sas7bdat file",
            Format::Xpt => "a SAS transport .xpt file",
            Format::Parquet => "a Parquet file",
            Format::Csv => "CSV text",
        }
    }

    /// The format whose signature the first bytes of a file carry; text (no NUL byte and no
    /// binary signature) is [`Format::Csv`]; `None` when nothing is recognised.
    pub fn sniff(head: &[u8]) -> Option<Format> {
        const SAS_MAGIC: [u8; 4] = [0xc2, 0xea, 0x81, 0x60];
        if head.starts_with(b"PAR1") {
            Some(Format::Parquet)
        } else if head.starts_with(b"$FL2") || head.starts_with(b"$FL3") {
            Some(Format::Spss)
        } else if head.starts_with(b"<stata_dta>")
            || (head.len() >= 4
                && (104..=115).contains(&head[0])
                && (head[1] == 1 || head[1] == 2)
                && head[2] == 1
                && head[3] == 0)
        {
            Some(Format::Stata)
        } else if head.len() >= 16 && head[12..16] == SAS_MAGIC {
            Some(Format::Sas7bdat)
        } else if head.starts_with(b"HEADER RECORD*******LIB") {
            Some(Format::Xpt)
        } else if !head.contains(&0) {
            Some(Format::Csv)
        } else {
            None
        }
    }
}

/// The text encoding of a CSV file.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum TextEncoding {
    /// UTF-8 (the default); a byte sequence that is not UTF-8 is an error.
    #[default]
    #[serde(rename = "utf8", alias = "utf-8", alias = "UTF-8")]
    Utf8,
    /// ISO-8859-1: every byte is the character of the same number.
    #[serde(rename = "latin1", alias = "iso-8859-1", alias = "ISO-8859-1")]
    Latin1,
    /// Windows-1252 (Latin-1 with printable characters in 0x80–0x9F).
    #[serde(rename = "windows-1252", alias = "cp1252")]
    Windows1252,
}

/// How to read a CSV file. In a project file: `csv = { separator = ";", decimal_comma =
/// true, encoding = "latin1", missing = ["NA", "."] }`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CsvOptions {
    /// The field separator, one ASCII character (default `,`).
    #[serde(default = "default_separator")]
    pub separator: String,
    /// Numbers are written with a decimal comma (`12,5`); needs a separator other than `,`.
    #[serde(default)]
    pub decimal_comma: bool,
    /// The text encoding (default UTF-8).
    #[serde(default)]
    pub encoding: TextEncoding,
    /// Field values that mean "missing" (an empty field always does).
    #[serde(default)]
    pub missing: Vec<String>,
}

fn default_separator() -> String {
    ",".to_string()
}

impl Default for CsvOptions {
    fn default() -> Self {
        CsvOptions {
            separator: default_separator(),
            decimal_comma: false,
            encoding: TextEncoding::Utf8,
            missing: Vec::new(),
        }
    }
}

/// What a file says about one column beside its values.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ColumnInfo {
    /// The variable label.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// Value labels: code (as text, `"2"`) → label.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub value_labels: BTreeMap<String, String>,
    /// Codes the file declares missing (SPSS user-missing values; read as null).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub missing_codes: Vec<String>,
    /// Rows holding each declared missing code (read as null).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub missing_counts: BTreeMap<String, u64>,
}

/// A file as read: its rows and what it says about its columns.
#[derive(Debug, Clone)]
pub struct Table {
    /// The file.
    pub path: PathBuf,
    /// Its format.
    pub format: Format,
    /// The rows; labelled columns hold their codes.
    pub data: DataFrame,
    /// Column name → labels and declared missing codes (columns the file says nothing of
    /// are absent).
    pub columns: BTreeMap<String, ColumnInfo>,
}

impl Table {
    /// The value labels of a column (empty when it has none).
    pub fn value_labels(&self, column: &str) -> Option<&BTreeMap<String, String>> {
        self.columns
            .get(column)
            .map(|c| &c.value_labels)
            .filter(|m| !m.is_empty())
    }
}

/// Errors of the readers; each names the file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SourceError {
    /// The file cannot be opened or read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The extension names no format this crate reads.
    #[error(
        "{path}: unknown file type `.{extension}` (expected .dta, .sav, .zsav, .sas7bdat, .xpt, .parquet or .csv)"
    )]
    UnknownExtension {
        /// The file.
        path: PathBuf,
        /// Its extension.
        extension: String,
    },
    /// The content is not the format its extension names.
    #[error("{path}: the extension says {expected}, but the content {found}")]
    NotItsExtension {
        /// The file.
        path: PathBuf,
        /// The format of the extension.
        expected: &'static str,
        /// What the content looks like.
        found: String,
    },
    /// Text that is not valid in the declared encoding.
    #[error(
        "{path}: not valid {encoding} at byte {offset} (line {line}); declare the file's encoding, e.g. csv = {{ encoding = \"latin1\" }}"
    )]
    Encoding {
        /// The file.
        path: PathBuf,
        /// The declared encoding.
        encoding: &'static str,
        /// 0-based byte offset of the first invalid byte.
        offset: usize,
        /// 1-based line of that byte.
        line: usize,
    },
    /// CSV options that do not fit together.
    #[error("{path}: {message}")]
    Options {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// The reader failed on the content.
    #[error("{path}: cannot read {format}: {message}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The format.
        format: &'static str,
        /// The reader's message.
        message: String,
    },
}

const INFORMATIVE: &str = "__hri_declared_missing";

/// Reads a file by its extension (CSV with `csv`'s options; the other formats ignore them).
pub fn read(path: &Path, csv: &CsvOptions) -> Result<Table, SourceError> {
    let format = Format::from_path(path)?;
    let io = |source| SourceError::Io {
        path: path.to_path_buf(),
        source,
    };
    let bytes = std::fs::read(path).map_err(io)?;
    let head = &bytes[..bytes.len().min(4096)];
    let found = Format::sniff(head);
    if found != Some(format) {
        return Err(SourceError::NotItsExtension {
            path: path.to_path_buf(),
            expected: format.name(),
            found: match found {
                Some(f) => format!("is {}", f.name()),
                None => "is binary data of no format this crate reads".to_string(),
            },
        });
    }
    let failed = |message: String| SourceError::Read {
        path: path.to_path_buf(),
        format: format.name(),
        message,
    };
    let mut columns = BTreeMap::new();
    let data = match format {
        Format::Csv => read_csv(path, bytes, csv)?,
        Format::Parquet => ParquetReader::new(Cursor::new(bytes))
            .finish()
            .map_err(|e| failed(e.to_string()))?,
        Format::Stata => {
            use polars_readstat_rs::StataReader;
            let reader = StataReader::open_bytes(bytes).map_err(|e| failed(e.to_string()))?;
            let meta = polars_readstat_rs::stata_metadata_json_from_meta(
                reader.metadata(),
                reader.header(),
            )
            .map_err(|e| failed(e.to_string()))?;
            columns = columns_from_json(&meta);
            reader
                .read()
                .value_labels_as_strings(false)
                .missing_string_as_null(true)
                .finish()
                .map_err(|e| failed(e.to_string()))?
        }
        Format::Spss => {
            use polars_readstat_rs::{
                InformativeNullColumns, InformativeNullMode, InformativeNullOpts, SpssReader,
            };
            let reader = SpssReader::open_bytes(bytes).map_err(|e| failed(e.to_string()))?;
            let meta = polars_readstat_rs::spss_metadata_json_from_meta(
                reader.metadata(),
                reader.header(),
            )
            .map_err(|e| failed(e.to_string()))?;
            columns = columns_from_json(&meta);
            let declared = columns.values().any(|c| !c.missing_codes.is_empty());
            let mut b = reader
                .read()
                .value_labels_as_strings(false)
                .missing_string_as_null(true);
            if declared {
                b = b.informative_nulls(Some(InformativeNullOpts {
                    columns: InformativeNullColumns::All,
                    mode: InformativeNullMode::SeparateColumn {
                        suffix: INFORMATIVE.to_string(),
                    },
                    use_value_labels: false,
                }));
            }
            let mut df = b.finish().map_err(|e| failed(e.to_string()))?;
            if declared {
                df = count_declared_missing(df, &mut columns).map_err(|e| failed(e.to_string()))?;
            }
            df
        }
        Format::Sas7bdat => polars_readstat_rs::Sas7bdatReader::open_bytes(bytes)
            .map_err(|e| failed(e.to_string()))?
            .read()
            .missing_string_as_null(true)
            .finish()
            .map_err(|e| failed(e.to_string()))?,
        Format::Xpt => polars_readstat_rs::readstat_scan(
            path,
            None,
            Some(polars_readstat_rs::ReadStatFormat::SasXpt),
        )
        .and_then(|lf| lf.collect())
        .map_err(|e| failed(e.to_string()))?,
    };
    Ok(Table {
        path: path.to_path_buf(),
        format,
        data,
        columns,
    })
}

/// Moves the informative-null columns of an SPSS read into `missing_counts`.
fn count_declared_missing(
    mut df: DataFrame,
    columns: &mut BTreeMap<String, ColumnInfo>,
) -> PolarsResult<DataFrame> {
    let names: Vec<String> = df
        .get_column_names()
        .iter()
        .map(|s| s.to_string())
        .filter(|s| s.ends_with(INFORMATIVE))
        .collect();
    for name in names {
        let column = name.trim_end_matches(INFORMATIVE).to_string();
        let values = df.column(&name)?.cast(&DataType::String)?;
        let mut counts: BTreeMap<String, u64> = BTreeMap::new();
        for v in values.str()?.iter().flatten() {
            *counts.entry(code_text(v)).or_default() += 1;
        }
        if !counts.is_empty() {
            columns.entry(column).or_default().missing_counts = counts;
        }
        df = df.drop(&name)?;
    }
    Ok(df)
}

/// The text of a code as labels key it: `"9"` for 9.0.
pub fn code_text(v: &str) -> String {
    match v.trim().parse::<f64>() {
        Ok(x) if x.fract() == 0.0 && x.abs() < 9.0e15 => format!("{}", x as i64),
        _ => v.trim().to_string(),
    }
}

/// Labels and declared missing codes from the metadata JSON of `polars-readstat-rs`.
fn columns_from_json(meta: &str) -> BTreeMap<String, ColumnInfo> {
    let mut out = BTreeMap::new();
    let Ok(v) = serde_json::from_str::<serde_json::Value>(meta) else {
        return out;
    };
    let Some(vars) = v.get("variables").and_then(|x| x.as_array()) else {
        return out;
    };
    for var in vars {
        let Some(name) = var.get("name").and_then(|x| x.as_str()) else {
            continue;
        };
        let mut info = ColumnInfo {
            label: var
                .get("label")
                .and_then(|x| x.as_str())
                .filter(|s| !s.is_empty())
                .map(str::to_string),
            ..ColumnInfo::default()
        };
        if let Some(map) = var.get("value_labels").and_then(|x| x.as_object()) {
            for (k, l) in map {
                if let Some(l) = l.as_str() {
                    info.value_labels.insert(code_text(k), l.to_string());
                }
            }
        }
        let range = var
            .get("missing_range")
            .and_then(|x| x.as_bool())
            .unwrap_or(false);
        if let Some(codes) = var.get("missing_doubles").and_then(|x| x.as_array()) {
            let codes: Vec<String> = codes
                .iter()
                .filter_map(|x| x.as_f64())
                .map(|x| code_text(&x.to_string()))
                .collect();
            info.missing_codes = if range && codes.len() >= 2 {
                let mut v = vec![format!("{} to {}", codes[0], codes[1])];
                v.extend(codes.iter().skip(2).cloned());
                v
            } else {
                codes
            };
        }
        if let Some(codes) = var.get("missing_strings").and_then(|x| x.as_array()) {
            info.missing_codes
                .extend(codes.iter().filter_map(|x| x.as_str()).map(str::to_string));
        }
        if info != ColumnInfo::default() {
            out.insert(name.to_string(), info);
        }
    }
    out
}

/// Decodes the text and reads it with polars.
fn read_csv(path: &Path, bytes: Vec<u8>, o: &CsvOptions) -> Result<DataFrame, SourceError> {
    let options = |message: String| SourceError::Options {
        path: path.to_path_buf(),
        message,
    };
    let sep = match o.separator.as_bytes() {
        [b] if b.is_ascii() => *b,
        _ if o.separator == "\\t" => b'\t',
        _ => {
            return Err(options(format!(
                "csv.separator `{}` is not one ASCII character",
                o.separator
            )));
        }
    };
    if o.decimal_comma && sep == b',' {
        return Err(options(
            "csv.decimal_comma needs a separator other than `,` (e.g. separator = \";\")".into(),
        ));
    }
    let text = decode(path, bytes, o.encoding)?;
    let nulls = (!o.missing.is_empty()).then(|| {
        NullValues::AllColumns(
            o.missing
                .iter()
                .map(|s| PlSmallStr::from(s.as_str()))
                .collect(),
        )
    });
    let parse = CsvParseOptions::default()
        .with_separator(sep)
        .with_decimal_comma(o.decimal_comma)
        .with_null_values(nulls);
    CsvReadOptions::default()
        .with_has_header(true)
        .with_infer_schema_length(None)
        .with_parse_options(parse)
        .into_reader_with_file_handle(Cursor::new(text.into_bytes()))
        .finish()
        .map_err(|e| SourceError::Read {
            path: path.to_path_buf(),
            format: Format::Csv.name(),
            message: e.to_string(),
        })
}

/// Decodes text to UTF-8; invalid UTF-8 is an error naming the byte offset and line.
pub fn decode(path: &Path, bytes: Vec<u8>, encoding: TextEncoding) -> Result<String, SourceError> {
    match encoding {
        TextEncoding::Utf8 => {
            let start = if bytes.starts_with(&[0xef, 0xbb, 0xbf]) {
                3
            } else {
                0
            };
            match std::str::from_utf8(&bytes[start..]) {
                Ok(s) => Ok(s.to_string()),
                Err(e) => {
                    let offset = start + e.valid_up_to();
                    let line = 1 + bytes[..offset].iter().filter(|&&b| b == b'\n').count();
                    Err(SourceError::Encoding {
                        path: path.to_path_buf(),
                        encoding: "UTF-8",
                        offset,
                        line,
                    })
                }
            }
        }
        TextEncoding::Latin1 => Ok(bytes.iter().map(|&b| b as char).collect()),
        TextEncoding::Windows1252 => {
            let (text, _, _) = encoding_rs::WINDOWS_1252.decode(&bytes);
            Ok(text.into_owned())
        }
    }
}

/// What `hri inspect` shows of one column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnProfile {
    /// The column.
    pub name: String,
    /// Its polars type (`i8`, `f64`, `str`, ...).
    pub dtype: String,
    /// The variable label, if the file has one.
    pub label: Option<String>,
    /// Value labels: code → label.
    pub value_labels: BTreeMap<String, String>,
    /// Rows.
    pub rows: usize,
    /// Missing values (null or NaN), declared missing codes of the file included.
    pub missing: usize,
    /// Rows holding each declared missing code: the file's own (SPSS user-missing values,
    /// read as null) and the codes asked for.
    pub missing_codes: BTreeMap<String, u64>,
    /// Smallest value, as text (numbers numerically, text lexicographically).
    pub min: Option<String>,
    /// Largest value, as text.
    pub max: Option<String>,
    /// The first values, as text (null for a missing value).
    pub first: Vec<Option<String>>,
}

/// How many first values [`profile`] shows.
pub const FIRST_VALUES: usize = 5;

/// A profile of every column of a table; `missing_codes` are codes (`"9"`, `"99"`) whose
/// rows are counted in each column that holds them.
pub fn profile(table: &Table, missing_codes: &[String]) -> Result<Vec<ColumnProfile>, PolarsError> {
    let mut out = Vec::new();
    let asked: Vec<String> = missing_codes.iter().map(|c| code_text(c)).collect();
    for c in table.data.columns() {
        let name = c.name().to_string();
        let info = table.columns.get(&name).cloned().unwrap_or_default();
        let dtype = c.dtype().clone();
        let text = c.cast(&DataType::String)?;
        let text = text.str()?;
        let as_code = |v: Option<&str>| v.map(code_text);
        let mut counts = info.missing_counts.clone();
        if !asked.is_empty() {
            for v in text.iter() {
                if let Some(v) = as_code(v)
                    && asked.contains(&v)
                {
                    *counts.entry(v).or_default() += 1;
                }
            }
        }
        let (min, max) = if dtype.is_primitive_numeric() {
            let f = c.cast(&DataType::Float64)?;
            let f = f.f64()?;
            let vals: Vec<f64> = f.iter().flatten().filter(|x| !x.is_nan()).collect();
            let fmt = |x: f64| code_text(&x.to_string());
            (
                vals.iter().copied().reduce(f64::min).map(fmt),
                vals.iter().copied().reduce(f64::max).map(fmt),
            )
        } else {
            let vals: Vec<&str> = text.iter().flatten().collect();
            (
                vals.iter().min().map(|s| s.to_string()),
                vals.iter().max().map(|s| s.to_string()),
            )
        };
        let nan = if dtype.is_float() {
            let f = c.cast(&DataType::Float64)?;
            f.f64()?.iter().flatten().filter(|x| x.is_nan()).count()
        } else {
            0
        };
        out.push(ColumnProfile {
            name,
            dtype: dtype.to_string(),
            label: info.label.clone(),
            value_labels: info.value_labels.clone(),
            rows: c.len(),
            missing: c.null_count() + nan,
            missing_codes: counts,
            min,
            max,
            first: text
                .iter()
                .take(FIRST_VALUES)
                .map(|v| {
                    v.map(|s| {
                        if dtype.is_float() {
                            code_text(s)
                        } else {
                            s.to_string()
                        }
                    })
                })
                .collect(),
        });
    }
    Ok(out)
}
