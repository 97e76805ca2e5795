//! Python values (dicts, lists, strings, numbers, booleans, None) as JSON values, so that
//! a design's `replicate` and `calibration` dicts are read by the same serde structures
//! that read the `[replicate]` and `[calibration]` tables of a design file.

use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use serde_json::{Map, Number, Value};

use crate::errors::DesignError;

/// `value` as JSON; `place` names it in errors (e.g. `replicate["scale"]`).
pub fn to_json(value: &Bound<'_, PyAny>, place: &str) -> PyResult<Value> {
    if value.is_none() {
        return Ok(Value::Null);
    }
    if let Ok(b) = value.cast::<PyBool>() {
        return Ok(Value::Bool(b.is_true()));
    }
    if value.is_instance_of::<PyInt>() {
        let i: i64 = value.extract()?;
        return Ok(Value::Number(i.into()));
    }
    if value.is_instance_of::<PyFloat>() {
        let f: f64 = value.extract()?;
        return Number::from_f64(f)
            .map(Value::Number)
            .ok_or_else(|| DesignError::new_err(format!("{place}: {f} is not a finite number")));
    }
    if let Ok(s) = value.cast::<PyString>() {
        return Ok(Value::String(s.to_cow()?.into_owned()));
    }
    if let Ok(d) = value.cast::<PyDict>() {
        let mut map = Map::new();
        for (k, v) in d.iter() {
            let key: String = k
                .extract()
                .map_err(|_| DesignError::new_err(format!("{place}: keys must be strings")))?;
            let inner = format!("{place}[{key:?}]");
            map.insert(key, to_json(&v, &inner)?);
        }
        return Ok(Value::Object(map));
    }
    if value.is_instance_of::<PyList>() || value.is_instance_of::<PyTuple>() {
        let mut out = Vec::new();
        for (k, v) in value.try_iter()?.enumerate() {
            out.push(to_json(&v?, &format!("{place}[{k}]"))?);
        }
        return Ok(Value::Array(out));
    }
    // Numbers of other kinds (numpy scalars, say) that convert to a float.
    if let Ok(f) = value.extract::<f64>() {
        return Number::from_f64(f)
            .map(Value::Number)
            .ok_or_else(|| DesignError::new_err(format!("{place}: {f} is not a finite number")));
    }
    Err(DesignError::new_err(format!(
        "{place}: cannot read a value of type {}",
        value.get_type().name()?
    )))
}

/// A column name or a list of column names, as a list.
pub fn names(value: Option<&Bound<'_, PyAny>>, place: &str) -> PyResult<Vec<String>> {
    match value {
        None => Ok(Vec::new()),
        Some(v) if v.is_none() => Ok(Vec::new()),
        Some(v) => {
            if let Ok(s) = v.extract::<String>() {
                return Ok(vec![s]);
            }
            v.extract::<Vec<String>>().map_err(|_| {
                pyo3::exceptions::PyTypeError::new_err(format!(
                    "{place}: expected a column name or a list of column names"
                ))
            })
        }
    }
}
