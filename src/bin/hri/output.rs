//! Writing result tables as CSV or JSON: numbers at full precision (the shortest text that
//! reads back to the same f64), missing values empty in CSV and `null` in JSON. Text is
//! quoted by the same rule as the export files ([`hri::export::quote`]: an empty
//! string is `""`, so that it differs from a missing value).

use std::io::Write;

use serde_json::{Map, Value};

use hri::export::quote;

use crate::error::{CliError, Result};

/// A cell of an output table.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Cell {
    /// Text.
    Text(String),
    /// A number (NaN and infinities are written as missing).
    Num(f64),
    /// A count.
    Int(u64),
    /// Missing.
    Null,
}

impl From<Option<f64>> for Cell {
    fn from(v: Option<f64>) -> Self {
        v.map_or(Cell::Null, Cell::Num)
    }
}

impl From<Option<String>> for Cell {
    fn from(v: Option<String>) -> Self {
        v.map_or(Cell::Null, Cell::Text)
    }
}

/// A table: column names and rows.
#[derive(Debug, Clone, Default)]
pub(crate) struct Table {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

impl Table {
    /// Write as CSV with a header row.
    pub fn write_csv(&self, out: &mut dyn Write) -> Result<()> {
        let header: Vec<String> = self.columns.iter().map(|c| quote(c)).collect();
        writeln!(out, "{}", header.join(",")).map_err(CliError::Output)?;
        for row in &self.rows {
            let fields: Vec<String> = row
                .iter()
                .map(|c| match c {
                    Cell::Text(s) => quote(s),
                    Cell::Num(x) if x.is_finite() => format!("{x}"),
                    Cell::Num(_) | Cell::Null => String::new(),
                    Cell::Int(i) => i.to_string(),
                })
                .collect();
            writeln!(out, "{}", fields.join(",")).map_err(CliError::Output)?;
        }
        Ok(())
    }

    /// Write as a JSON array of objects keyed by column name.
    pub fn write_json(&self, out: &mut dyn Write) -> Result<()> {
        let arr: Vec<Value> = self
            .rows
            .iter()
            .map(|row| {
                let mut m = Map::new();
                for (c, v) in self.columns.iter().zip(row) {
                    let val = match v {
                        Cell::Text(s) => Value::String(s.clone()),
                        Cell::Num(x) => {
                            serde_json::Number::from_f64(*x).map_or(Value::Null, Value::Number)
                        }
                        Cell::Int(i) => Value::from(*i),
                        Cell::Null => Value::Null,
                    };
                    m.insert(c.clone(), val);
                }
                Value::Object(m)
            })
            .collect();
        let text = serde_json::to_string_pretty(&Value::Array(arr))
            .map_err(|e| CliError::Output(std::io::Error::other(e)))?;
        writeln!(out, "{text}").map_err(CliError::Output)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An empty label is `""` and a missing value an empty field; text with a comma, a
    /// quote or outer spaces is quoted; numbers are written in full.
    #[test]
    fn csv_tells_empty_text_from_missing() {
        let table = Table {
            columns: vec!["group".into(), "estimate".into()],
            rows: vec![
                vec![Cell::Text(String::new()), Cell::Num(0.1)],
                vec![Cell::Null, Cell::Null],
                vec![Cell::Text("a, \"b\"".into()), Cell::Int(3)],
                vec![Cell::Text(" padded".into()), Cell::Num(f64::NAN)],
            ],
        };
        let mut out = Vec::new();
        table.write_csv(&mut out).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "group,estimate\n\"\",0.1\n,\n\"a, \"\"b\"\"\",3\n\" padded\",\n"
        );
    }
}
