//! CSV writing (RFC 4180, full-precision numbers) and a small strict reader.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use polars::prelude::DataFrame;

use super::{Cell, Cells, ExportError, output_frame, read_text, write_bytes};
use crate::results::Results;

/// Writes the `indicators` table of `results` to `path` as CSV (see the
/// [module documentation](super) for numbers and missing values); with `synthetic`, a last
/// column `synthetic` = `true`.
///
/// # Errors
/// [`ExportError::Write`] if the file cannot be written.
pub fn write_csv(
    results: &Results,
    path: impl AsRef<Path>,
    synthetic: bool,
) -> Result<(), ExportError> {
    let path = path.as_ref();
    let df = output_frame(results, synthetic, path)?;
    let text = frame_csv(&df, &path.display().to_string())?;
    write_bytes(path, text.as_bytes())
}

/// Any frame as CSV text: a header line, then one line per row, `\n` line ends. Strings
/// are quoted when they contain a comma, a quote, a line break, or leading or trailing
/// spaces, and when empty (`""`, so that an empty string differs from a missing value,
/// which is an empty field). Floats use Rust's `{}` (shortest text that reads back to the
/// same value), Booleans `true`/`false`.
///
/// # Errors
/// [`ExportError::UnsupportedType`] for a column that is not text, a number or a Boolean.
pub fn frame_to_csv(df: &DataFrame) -> Result<String, ExportError> {
    frame_csv(df, "<memory>")
}

fn frame_csv(df: &DataFrame, file: &str) -> Result<String, ExportError> {
    let cells = Cells::new(df, file, "CSV")?;
    let mut out = String::new();
    let header: Vec<String> = cells.names().into_iter().map(quote).collect();
    out.push_str(&header.join(","));
    out.push('\n');
    for i in 0..df.height() {
        for j in 0..cells.width() {
            if j > 0 {
                out.push(',');
            }
            push_cell(&mut out, &cells.get(j, i));
        }
        out.push('\n');
    }
    Ok(out)
}

fn push_cell(out: &mut String, cell: &Cell<'_>) {
    // Writing to a String cannot fail.
    let _ = match cell {
        Cell::Null => Ok(()),
        Cell::Text(s) => {
            out.push_str(&quote(s));
            Ok(())
        }
        Cell::Float(x) => write!(out, "{x}"),
        Cell::Float32(x) => write!(out, "{x}"),
        Cell::Int(x) => write!(out, "{x}"),
        Cell::UInt(x) => write!(out, "{x}"),
        Cell::Bool(b) => write!(out, "{b}"),
    };
}

/// A field quoted as RFC 4180 asks (and when empty, or with outer spaces).
pub fn quote(s: &str) -> String {
    let needs = s.is_empty()
        || s.contains([',', '"', '\n', '\r'])
        || s.starts_with(' ')
        || s.ends_with(' ');
    if needs {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// A CSV file read by [`read_csv`]: the header and the records, each field `None` when it
/// was empty and unquoted (a missing value) and `Some` otherwise (`Some("")` for `""`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvTable {
    /// The file read.
    pub path: PathBuf,
    /// Column names.
    pub header: Vec<String>,
    /// Records, each as long as the header.
    pub rows: Vec<Vec<Option<String>>>,
    /// 1-based line on which each record starts.
    pub lines: Vec<usize>,
}

impl CsvTable {
    /// Position of a column.
    pub fn position(&self, column: &str) -> Option<usize> {
        self.header.iter().position(|h| h == column)
    }

    /// Position of a column, or [`ExportError::MissingColumn`].
    pub fn require(&self, column: &str) -> Result<usize, ExportError> {
        self.position(column)
            .ok_or_else(|| ExportError::MissingColumn {
                path: self.path.clone(),
                column: column.to_string(),
            })
    }

    /// The text of record `row`, column `column` (`None` when missing or no such column).
    pub fn text(&self, row: usize, column: &str) -> Option<&str> {
        let j = self.position(column)?;
        self.rows.get(row)?.get(j)?.as_deref()
    }

    /// The number in record `row`, column `column`: `Ok(None)` for a missing value.
    ///
    /// # Errors
    /// [`ExportError::MissingColumn`], or [`ExportError::Value`] naming the line and column
    /// when the text is not a number.
    pub fn f64(&self, row: usize, column: &str) -> Result<Option<f64>, ExportError> {
        let j = self.require(column)?;
        let line = self.lines.get(row).copied().unwrap_or(0);
        match self
            .rows
            .get(row)
            .and_then(|r| r.get(j))
            .and_then(|f| f.as_deref())
        {
            None => Ok(None),
            Some(t) => t.parse::<f64>().map(Some).map_err(|e| ExportError::Value {
                path: self.path.clone(),
                line,
                column: column.to_string(),
                message: format!("'{t}' is not a number: {e}"),
            }),
        }
    }
}

/// Reads a CSV file (RFC 4180: `,` separator, `"` quotes with `""` inside, `\n` or `\r\n`
/// line ends, line breaks allowed inside quotes). Every record must have as many fields as
/// the header.
///
/// # Errors
/// [`ExportError::Read`] if the file cannot be read; [`ExportError::Parse`] naming the line
/// for an unterminated quote, text after a closing quote, an empty file or a record of the
/// wrong length.
pub fn read_csv(path: impl AsRef<Path>) -> Result<CsvTable, ExportError> {
    let path = path.as_ref();
    let text = read_text(path)?;
    parse_csv(&text, path)
}

pub(crate) fn parse_csv(text: &str, path: &Path) -> Result<CsvTable, ExportError> {
    let err = |line: usize, message: String| ExportError::Parse {
        path: path.to_path_buf(),
        line,
        message,
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut records: Vec<(usize, Vec<Option<String>>)> = Vec::new();
    let mut chars = text.chars().peekable();
    let mut line = 1usize;
    while chars.peek().is_some() {
        let start = line;
        let mut record = Vec::new();
        loop {
            // One field.
            let field = if chars.peek() == Some(&'"') {
                chars.next();
                let mut s = String::new();
                loop {
                    match chars.next() {
                        None => return Err(err(start, "unterminated quoted field".to_string())),
                        Some('"') if chars.peek() == Some(&'"') => {
                            chars.next();
                            s.push('"');
                        }
                        Some('"') => break,
                        Some(c) => {
                            if c == '\n' {
                                line += 1;
                            }
                            s.push(c);
                        }
                    }
                }
                match chars.peek() {
                    None | Some(',') | Some('\n') | Some('\r') => {}
                    Some(c) => {
                        return Err(err(line, format!("unexpected '{c}' after a closing quote")));
                    }
                }
                Some(s)
            } else {
                let mut s = String::new();
                while let Some(&c) = chars.peek() {
                    if c == ',' || c == '\n' || c == '\r' {
                        break;
                    }
                    if c == '"' {
                        return Err(err(line, "quote inside an unquoted field".to_string()));
                    }
                    s.push(c);
                    chars.next();
                }
                (!s.is_empty()).then_some(s)
            };
            record.push(field);
            match chars.next() {
                Some(',') => continue,
                Some('\r') => {
                    if chars.peek() == Some(&'\n') {
                        chars.next();
                    }
                    line += 1;
                    break;
                }
                Some('\n') => {
                    line += 1;
                    break;
                }
                None => break,
                Some(c) => return Err(err(line, format!("unexpected '{c}'"))),
            }
        }
        records.push((start, record));
    }
    let mut iter = records.into_iter();
    let Some((_, header)) = iter.next() else {
        return Err(err(1, "empty file: no header".to_string()));
    };
    let header: Vec<String> = header.into_iter().map(Option::unwrap_or_default).collect();
    let mut rows = Vec::new();
    let mut lines = Vec::new();
    for (at, record) in iter {
        if record.len() != header.len() {
            return Err(err(
                at,
                format!(
                    "{} fields, but the header has {}",
                    record.len(),
                    header.len()
                ),
            ));
        }
        rows.push(record);
        lines.push(at);
    }
    Ok(CsvTable {
        path: path.to_path_buf(),
        header,
        rows,
        lines,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_and_parsing_round_trip() {
        let text = "a,b,c\n\"x,y\",,\"\"\n\"he said \"\"hi\"\"\",\"l1\nl2\",3\n";
        let t = parse_csv(text, Path::new("t.csv")).unwrap();
        assert_eq!(t.header, ["a", "b", "c"]);
        assert_eq!(t.rows[0], [Some("x,y".into()), None, Some(String::new())]);
        assert_eq!(t.rows[1][0].as_deref(), Some("he said \"hi\""));
        assert_eq!(t.rows[1][1].as_deref(), Some("l1\nl2"));
        assert_eq!(t.lines, [2, 3]);
        assert_eq!(quote("x,y"), "\"x,y\"");
        assert_eq!(quote(""), "\"\"");
        assert_eq!(quote("plain"), "plain");
    }

    #[test]
    fn malformed_files_name_the_line() {
        let e = parse_csv("a,b\n1,2\n3\n", Path::new("bad.csv")).unwrap_err();
        assert!(e.to_string().contains("bad.csv, line 3"), "{e}");
        let e = parse_csv("a\n\"open\n", Path::new("q.csv")).unwrap_err();
        assert!(e.to_string().contains("unterminated"), "{e}");
        assert!(parse_csv("", Path::new("e.csv")).is_err());
    }
}
