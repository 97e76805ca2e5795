//! JSON writing: an array of objects, one per row, keys in column order.

use std::path::Path;

use polars::prelude::DataFrame;

use super::{Cell, Cells, ExportError, output_frame, write_bytes};
use crate::results::Results;

/// Writes the `indicators` table of `results` to `path` as a JSON array of objects (one
/// per row, one line per object, keys in column order, `null` for a missing value); with
/// `synthetic`, a last key `synthetic` = `true`.
///
/// # Errors
/// [`ExportError::Write`] if the file cannot be written.
pub fn write_json(
    results: &Results,
    path: impl AsRef<Path>,
    synthetic: bool,
) -> Result<(), ExportError> {
    let path = path.as_ref();
    let df = output_frame(results, synthetic, path)?;
    let text = frame_json(&df, &path.display().to_string())?;
    write_bytes(path, text.as_bytes())
}

/// Any frame as a JSON array of objects (see [`write_json`]). Floats use `serde_json`'s
/// shortest round-trip form; a non-finite float is `null`.
///
/// # Errors
/// [`ExportError::UnsupportedType`] for a column that is not text, a number or a Boolean.
pub fn frame_to_json(df: &DataFrame) -> Result<String, ExportError> {
    frame_json(df, "<memory>")
}

fn frame_json(df: &DataFrame, file: &str) -> Result<String, ExportError> {
    let cells = Cells::new(df, file, "JSON")?;
    let keys: Vec<String> = cells.names().into_iter().map(json_string).collect();
    let mut out = String::from("[");
    for i in 0..df.height() {
        out.push_str(if i == 0 { "\n{" } else { ",\n{" });
        for (j, key) in keys.iter().enumerate() {
            if j > 0 {
                out.push(',');
            }
            out.push_str(key);
            out.push(':');
            out.push_str(&json_value(&cells.get(j, i)));
        }
        out.push('}');
    }
    out.push_str("\n]\n");
    Ok(out)
}

/// A JSON string literal.
fn json_string(s: &str) -> String {
    // Serialising a &str cannot fail; the fallback keeps the function total.
    serde_json::to_string(s).unwrap_or_else(|_| "null".to_string())
}

fn json_float(x: f64) -> String {
    serde_json::Number::from_f64(x)
        .map(|n| n.to_string())
        .unwrap_or_else(|| "null".to_string())
}

fn json_value(cell: &Cell<'_>) -> String {
    match cell {
        Cell::Null => "null".to_string(),
        Cell::Text(s) => json_string(s),
        Cell::Float(x) => json_float(*x),
        Cell::Float32(x) => {
            if x.is_finite() {
                // The shortest text of the f32, which reads back to the same f32.
                format!("{x:?}")
            } else {
                "null".to_string()
            }
        }
        Cell::Int(x) => x.to_string(),
        Cell::UInt(x) => x.to_string(),
        Cell::Bool(b) => b.to_string(),
    }
}
