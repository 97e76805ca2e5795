//! R's reference values: where they are and how close is close. Shared by this crate's
//! tests and the `hri` crate's command-line tests (which include this file by path).

use std::path::{Path, PathBuf};

use serde_json::Value;

/// The folder of R's reference cases (`cases.json`) and the data they were computed on.
pub(crate) fn data_dir() -> PathBuf {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    let own = here.join("tests/data/r-survey");
    if own.is_dir() {
        own
    } else {
        here.join("crates/survey/tests/data/r-survey")
    }
}

/// Every case of `folder/cases.json` (each case's `data` file lies beside it).
pub(crate) fn cases_in(folder: &Path) -> Vec<Value> {
    let path = folder.join("cases.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let v: Value = serde_json::from_str(&text).expect("valid JSON");
    v["cases"].as_array().expect("cases").clone()
}

/// `actual` equals `expected` to 1e-9 relative (absolute 1e-12 when R gives zero).
pub(crate) fn close(actual: Option<f64>, expected: &Value, what: &str) -> Result<(), String> {
    let Some(e) = expected.as_f64() else {
        return if actual.is_none() || actual.is_some_and(f64::is_nan) {
            Ok(())
        } else {
            Err(format!("{what}: expected missing, got {actual:?}"))
        };
    };
    let a = actual.ok_or_else(|| format!("{what}: expected {e}, got nothing"))?;
    let ok = if e == 0.0 {
        a.abs() <= 1e-12
    } else {
        ((a - e) / e).abs() <= 1e-9
    };
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{what}: expected {e:.17e}, got {a:.17e} (rel {:.2e})",
            ((a - e) / e).abs()
        ))
    }
}
