//! The exception hierarchy: `hri.HriError` and one subclass per kind of failure, each
//! carrying the Rust error's message (the column, stratum, condition or file at fault).

use pyo3::create_exception;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;

create_exception!(
    hri,
    HriError,
    PyException,
    "Any error raised by hri; the message names the column, stratum, condition or file at fault."
);
create_exception!(
    hri,
    DesignError,
    HriError,
    "A sampling design that cannot be built or used: strata, PSUs, fpc, lonely PSUs, replicate weights, calibration."
);
create_exception!(
    hri,
    DataError,
    HriError,
    "Data that do not fit the request: weights, missing design values, unreadable files."
);
create_exception!(
    hri,
    ColumnError,
    DataError,
    "A column that is missing, or not of the type its role needs."
);
create_exception!(
    hri,
    ConditionError,
    HriError,
    "An SQL condition (universe or proportion) that does not parse."
);
create_exception!(
    hri,
    RequestError,
    HriError,
    "A request that is incomplete or names something unknown (statistic, interval, group)."
);
create_exception!(
    hri,
    CatalogueError,
    HriError,
    "A catalogue or country register that does not load or validate."
);
create_exception!(
    hri,
    ProjectError,
    HriError,
    "A project file that does not load, or a project run that fails."
);
create_exception!(
    hri,
    WriteError,
    HriError,
    "An output file that cannot be written."
);

/// The exception of an engine error.
pub fn survey_error(e: hri_survey::Error) -> PyErr {
    use hri_survey::Error as E;
    let message = e.to_string();
    match e {
        E::UnknownColumn { .. } | E::NotNumeric { .. } => ColumnError::new_err(message),
        E::InvalidWeight { .. } | E::MissingDesignValue { .. } | E::Polars(_) | E::Io { .. } => {
            DataError::new_err(message)
        }
        E::PsuNotNested { .. }
        | E::LonelyPsu { .. }
        | E::InvalidFpc { .. }
        | E::InvalidDesign(_)
        | E::Replicate(_)
        | E::Calibration { .. } => DesignError::new_err(message),
        E::BadCondition { .. } => ConditionError::new_err(message),
        E::InvalidRequest(_) | E::UnknownGroup { .. } => RequestError::new_err(message),
        _ => HriError::new_err(message),
    }
}

/// The exception of a project error: the engine's own kinds where the project error
/// wraps one, else `ProjectError` (catalogue and register problems: `CatalogueError`).
pub fn project_error(e: hri::project::ProjectError) -> PyErr {
    use hri::project::ProjectError as P;
    match e {
        P::Catalogue { .. } | P::Register { .. } => CatalogueError::new_err(e.to_string()),
        P::Export(_) => WriteError::new_err(e.to_string()),
        other => ProjectError::new_err(other.to_string()),
    }
}

/// Adds the exception classes to the module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("HriError", py.get_type::<HriError>())?;
    m.add("DesignError", py.get_type::<DesignError>())?;
    m.add("DataError", py.get_type::<DataError>())?;
    m.add("ColumnError", py.get_type::<ColumnError>())?;
    m.add("ConditionError", py.get_type::<ConditionError>())?;
    m.add("RequestError", py.get_type::<RequestError>())?;
    m.add("CatalogueError", py.get_type::<CatalogueError>())?;
    m.add("ProjectError", py.get_type::<ProjectError>())?;
    m.add("WriteError", py.get_type::<WriteError>())?;
    Ok(())
}

/// Runs `work`, turning a panic (a bug, never bad input) into an `HriError` instead of
/// letting it cross into Python.
pub fn no_panic<T, E>(work: impl FnOnce() -> Result<T, E>) -> PyResult<Result<T, E>> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(work)).map_err(|payload| {
        let what = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".into());
        HriError::new_err(format!(
            "internal error in hri (a bug; please report it with the call that raised it): {what}"
        ))
    })
}
