//! The native part of the `hri` Python package (`hri._hri`). The package's Python layer
//! (`python/hri/__init__.py`) gives the documented API; this module does the work: designs,
//! estimates and gaps by the `hri-survey` engine, project runs and catalogues by `hri`,
//! tables across the boundary as Arrow C streams, errors as an `hri.HriError` hierarchy.

mod design;
mod errors;
mod estimate;
mod frame;
mod project;
mod value;

use pyo3::prelude::*;

/// The native module.
#[pymodule]
fn _hri(m: &Bound<'_, PyModule>) -> PyResult<()> {
    errors::register(m)?;
    m.add_class::<design::PyDesign>()?;
    m.add_class::<frame::ArrowTable>()?;
    m.add_class::<project::PyProjectRun>()?;
    m.add_class::<project::PyCatalogue>()?;
    m.add_function(wrap_pyfunction!(estimate::estimate, m)?)?;
    m.add_function(wrap_pyfunction!(estimate::gap, m)?)?;
    m.add_function(wrap_pyfunction!(project::run, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
