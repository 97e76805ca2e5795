//! `hri.Design`: a sampling design, built and checked by the engine's design-file reader.

use hri_survey::design::{Design, DesignSpec};
use pyo3::prelude::*;
use serde_json::{Map, Value};

use crate::errors::{DesignError, survey_error};
use crate::value::{names, to_json};

/// A sampling design: weights, strata, sampling units by stage, finite population
/// corrections, the lonely-PSU policy, replicate weights and calibration — the keys of a
/// design file (see the README's "Use from the command line").
#[pyclass(module = "hri", name = "Design", frozen)]
pub struct PyDesign {
    pub(crate) spec: DesignSpec,
    pub(crate) design: Design,
}

#[pymethods]
impl PyDesign {
    #[new]
    #[pyo3(signature = (weight, strata=None, psu=None, fpc=None, nest=None, lonely_psu=None, replicate=None, calibration=None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        weight: String,
        strata: Option<&Bound<'_, PyAny>>,
        psu: Option<&Bound<'_, PyAny>>,
        fpc: Option<&Bound<'_, PyAny>>,
        nest: Option<bool>,
        lonely_psu: Option<&str>,
        replicate: Option<&Bound<'_, PyAny>>,
        calibration: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let mut map = Map::new();
        map.insert("weight".into(), Value::String(weight));
        match names(strata, "strata")?.as_slice() {
            [] => {}
            [s] => {
                map.insert("strata".into(), Value::String(s.clone()));
            }
            more => {
                return Err(DesignError::new_err(format!(
                    "invalid design: strata is one column, got {more:?}"
                )));
            }
        }
        let list = |v: Vec<String>| Value::Array(v.into_iter().map(Value::String).collect());
        map.insert("psu".into(), list(names(psu, "psu")?));
        map.insert("fpc".into(), list(names(fpc, "fpc")?));
        map.insert("nest".into(), Value::Bool(nest.unwrap_or(false)));
        let lonely_psu = lonely_psu.unwrap_or("fail").to_string();
        map.insert("lonely_psu".into(), Value::String(lonely_psu));
        for (key, value) in [("replicate", replicate), ("calibration", calibration)] {
            if let Some(v) = value.filter(|v| !v.is_none()) {
                map.insert(key.into(), to_json(v, key)?);
            }
        }
        let spec: DesignSpec = serde_json::from_value(Value::Object(map))
            .map_err(|e| DesignError::new_err(format!("invalid design: {e}")))?;
        PyDesign::from_spec(spec)
    }

    /// The design of a design file (TOML, the `hri estimate --design` format).
    #[staticmethod]
    fn from_toml(path: std::path::PathBuf) -> PyResult<Self> {
        let text = std::fs::read_to_string(&path).map_err(|e| {
            crate::errors::DataError::new_err(format!("reading {}: {e}", path.display()))
        })?;
        let spec: DesignSpec = toml::from_str(&text).map_err(|e| {
            DesignError::new_err(format!("invalid design: {}: {e}", path.display()))
        })?;
        PyDesign::from_spec(spec)
    }

    /// Weight column.
    #[getter]
    fn weight(&self) -> &str {
        &self.spec.weight
    }

    /// Strata column, or None.
    #[getter]
    fn strata(&self) -> Option<&str> {
        self.spec.strata.as_deref()
    }

    /// Sampling-unit columns, PSU first.
    #[getter]
    fn psu(&self) -> Vec<String> {
        self.spec.psu.clone()
    }

    /// Finite population correction columns, one per stage.
    #[getter]
    fn fpc(&self) -> Vec<String> {
        self.spec.fpc.clone()
    }

    /// Whether PSU ids restart within strata.
    #[getter]
    fn nest(&self) -> bool {
        self.spec.nest
    }

    /// Every column the design reads (replicate columns given by prefix are not listed).
    fn columns(&self) -> Vec<String> {
        self.design.columns()
    }

    fn __repr__(&self) -> String {
        let mut parts = vec![format!("weight={:?}", self.spec.weight)];
        if let Some(s) = &self.spec.strata {
            parts.push(format!("strata={s:?}"));
        }
        if !self.spec.psu.is_empty() {
            parts.push(format!("psu={:?}", self.spec.psu));
        }
        if !self.spec.fpc.is_empty() {
            parts.push(format!("fpc={:?}", self.spec.fpc));
        }
        if self.spec.nest {
            parts.push("nest=True".into());
        }
        if let Some(r) = &self.spec.replicate {
            parts.push(format!("replicate={:?}", r.kind));
        }
        if let Some(c) = &self.spec.calibration {
            parts.push(format!("calibration={:?}", c.method));
        }
        format!("Design({})", parts.join(", "))
    }
}

impl PyDesign {
    fn from_spec(spec: DesignSpec) -> PyResult<Self> {
        let design = spec.to_design().map_err(survey_error)?;
        Ok(PyDesign { spec, design })
    }
}
