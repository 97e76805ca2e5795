//! `hri.run` (a project file, as `hri run` runs it) and `hri.Catalogue`.

use std::path::PathBuf;

use hri::catalogue::Catalogue;
use hri::project::{Project, ProjectRun};
use pyo3::prelude::*;

use crate::errors::{CatalogueError, DataError, no_panic, project_error};
use crate::frame::ArrowTable;

/// A finished project run: its tables, and a way to write its files.
#[pyclass(module = "hri._hri", name = "ProjectRun", frozen)]
pub struct PyProjectRun {
    run: ProjectRun,
    out: PathBuf,
}

#[pymethods]
impl PyProjectRun {
    /// The indicator table of every round, one after the other (Arrow).
    fn indicators(&self) -> ArrowTable {
        ArrowTable::new(self.run.indicators.clone())
    }

    /// The summary scores of every round: per kind within attributes and rights, and the
    /// composite when the catalogue asks for one (Arrow).
    fn summaries(&self) -> PyResult<ArrowTable> {
        Ok(ArrowTable::new(
            self.run.summaries().map_err(project_error)?,
        ))
    }

    /// The derivation reports of every round: rows per group, rows set to unknown (Arrow).
    fn derivations(&self) -> PyResult<ArrowTable> {
        hri::project::derivations_frame(&self.run.rounds)
            .map(ArrowTable::new)
            .map_err(|e| DataError::new_err(e.to_string()))
    }

    /// The rounds' periods, in the project file's order.
    fn periods(&self) -> Vec<String> {
        self.run.rounds.iter().map(|r| r.period.clone()).collect()
    }

    /// The project's output folder (its `out` key, relative to the project file).
    fn default_out(&self) -> PathBuf {
        self.out.clone()
    }

    /// Writes every output file into `out` (as `hri run` does); returns the folder.
    fn write(&self, py: Python<'_>, out: PathBuf) -> PyResult<PathBuf> {
        let run = &self.run;
        py.detach(|| no_panic(|| run.write(&out)))?
            .map_err(project_error)?;
        Ok(out)
    }
}

/// Runs a project file: every round read, derived and computed (nothing is written until
/// `write` is called).
#[pyfunction]
pub fn run(py: Python<'_>, path: PathBuf) -> PyResult<PyProjectRun> {
    let project = Project::from_path(&path).map_err(project_error)?;
    let out = project.out_dir();
    let run = py
        .detach(|| no_panic(|| hri::project::run_with(&project, false, |_| {})))?
        .map_err(project_error)?;
    Ok(PyProjectRun { run, out })
}

/// An indicator catalogue: rights, attributes, indicators and their benchmarks.
#[pyclass(module = "hri", name = "Catalogue", frozen)]
pub struct PyCatalogue {
    catalogue: Catalogue,
}

#[pymethods]
impl PyCatalogue {
    /// Loads a catalogue file (`.toml` or `.json`); `"builtin"` gives the built-in one.
    #[staticmethod]
    fn load(path: PathBuf) -> PyResult<Self> {
        let catalogue = if path.as_os_str() == "builtin" {
            Catalogue::migrants_rights()
        } else {
            Catalogue::from_path(&path).map_err(|e| CatalogueError::new_err(e.to_string()))?
        };
        Ok(PyCatalogue { catalogue })
    }

    /// The built-in catalogue of migrants' rights.
    #[staticmethod]
    fn builtin() -> Self {
        PyCatalogue {
            catalogue: Catalogue::migrants_rights(),
        }
    }

    /// The problems validation finds, one message each (empty when the catalogue is valid).
    fn issues(&self) -> Vec<String> {
        match self.catalogue.validate() {
            Ok(()) => Vec::new(),
            Err(report) => report.issues.iter().map(|i| i.to_string()).collect(),
        }
    }

    /// Checks the catalogue; raises `CatalogueError` listing every problem found.
    fn validate(&self) -> PyResult<()> {
        self.catalogue
            .validate()
            .map_err(|report| CatalogueError::new_err(report.to_string()))
    }

    /// Ids of the indicators, in the catalogue's order.
    fn indicator_ids(&self) -> Vec<String> {
        self.catalogue
            .indicators
            .iter()
            .map(|i| i.id.clone())
            .collect()
    }

    /// Ids of the rights.
    fn right_ids(&self) -> Vec<String> {
        self.catalogue.rights.iter().map(|r| r.id.clone()).collect()
    }

    /// The catalogue as TOML text.
    fn to_toml(&self) -> PyResult<String> {
        self.catalogue
            .to_toml_string()
            .map_err(|e| CatalogueError::new_err(e.to_string()))
    }

    fn __len__(&self) -> usize {
        self.catalogue.indicators.len()
    }

    fn __repr__(&self) -> String {
        format!(
            "Catalogue({} rights, {} attributes, {} indicators)",
            self.catalogue.rights.len(),
            self.catalogue.attributes.len(),
            self.catalogue.indicators.len()
        )
    }
}
