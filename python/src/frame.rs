//! Tables across the boundary as Arrow, through the Arrow C stream interface (the
//! `__arrow_c_stream__` PyCapsule protocol): a polars `DataFrame` (or anything that speaks
//! the protocol) comes in without a copy of its buffers, and results go out the same way.

use std::sync::Mutex;

use polars::prelude::*;
use polars_arrow::array::{Array, StructArray};
use polars_arrow::datatypes::{ArrowDataType, Field as ArrowField};
use polars_arrow::ffi::{ArrowArrayStream, ArrowArrayStreamReader, export_iterator};
use pyo3::prelude::*;
use pyo3::types::PyCapsule;

use crate::errors::DataError;

const STREAM: &std::ffi::CStr = c"arrow_array_stream";

/// Reads a table from an object with `__arrow_c_stream__`.
pub fn import(source: &Bound<'_, PyAny>) -> PyResult<DataFrame> {
    let capsule = source.call_method0("__arrow_c_stream__")?;
    let capsule = capsule.cast::<PyCapsule>().map_err(|_| {
        DataError::new_err("__arrow_c_stream__ did not return a PyCapsule".to_string())
    })?;
    let pointer = capsule.pointer_checked(Some(STREAM))?;
    // SAFETY: the capsule is named `arrow_array_stream`, so by the PyCapsule protocol it
    // holds an `ArrowArrayStream`; we move it out and leave a released (empty) stream, as
    // the protocol asks of a consumer.
    let stream = unsafe {
        std::ptr::replace(
            pointer.cast::<ArrowArrayStream>().as_ptr(),
            ArrowArrayStream::empty(),
        )
    };
    let bad = |e: PolarsError| DataError::new_err(format!("reading an Arrow stream: {e}"));
    // SAFETY: the producer follows the C stream interface.
    let mut reader = unsafe { ArrowArrayStreamReader::try_new(Box::new(stream)) }.map_err(bad)?;
    let ArrowDataType::Struct(fields) = reader.field().dtype.clone() else {
        return Err(DataError::new_err(
            "an Arrow stream of a table must carry struct arrays".to_string(),
        ));
    };
    let mut chunks: Vec<Vec<Box<dyn Array>>> = vec![Vec::new(); fields.len()];
    let mut height = 0;
    // SAFETY: as above.
    while let Some(array) = unsafe { reader.next() } {
        let array = array.map_err(bad)?;
        let batch = array
            .as_any()
            .downcast_ref::<StructArray>()
            .ok_or_else(|| {
                DataError::new_err("an Arrow batch is not a struct array".to_string())
            })?;
        height += batch.len();
        for (k, values) in batch.values().iter().enumerate() {
            chunks[k].push(values.clone());
        }
    }
    let mut columns = Vec::with_capacity(fields.len());
    for (field, arrays) in fields.iter().zip(chunks) {
        let series = if arrays.is_empty() {
            Series::new_empty(field.name.clone(), &DataType::from_arrow_field(field))
        } else {
            Series::from_arrow_chunks(field.name.clone(), arrays)
                .map_err(|e| DataError::new_err(format!("column `{}`: {e}", field.name)))?
        };
        columns.push(Column::from(series));
    }
    DataFrame::new(height, columns).map_err(bad)
}

/// A table on its way out: an object with `__arrow_c_stream__`, read once (by
/// `polars.DataFrame(...)` in the package).
#[pyclass(module = "hri._hri", name = "ArrowTable")]
pub struct ArrowTable {
    stream: Mutex<Option<ArrowArrayStream>>,
}

impl ArrowTable {
    /// Wraps a DataFrame.
    pub fn new(mut df: DataFrame) -> Self {
        df.rechunk_mut();
        let fields: Vec<ArrowField> = df
            .columns()
            .iter()
            .map(|c| c.field().to_arrow(CompatLevel::newest()))
            .collect();
        let dtype = ArrowDataType::Struct(fields);
        let batches: Vec<Box<dyn Array>> = df
            .iter_chunks(CompatLevel::newest(), false)
            .map(|batch| {
                let len = batch.len();
                Box::new(StructArray::new(
                    dtype.clone(),
                    len,
                    batch.into_arrays(),
                    None,
                )) as Box<dyn Array>
            })
            .collect();
        let stream = export_iterator(
            Box::new(batches.into_iter().map(Ok)),
            ArrowField::new("".into(), dtype, false),
        );
        ArrowTable {
            stream: Mutex::new(Some(stream)),
        }
    }
}

#[pymethods]
impl ArrowTable {
    /// The Arrow C stream of the table (it can be taken once).
    #[pyo3(signature = (requested_schema=None))]
    fn __arrow_c_stream__<'py>(
        &self,
        py: Python<'py>,
        requested_schema: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyCapsule>> {
        let _ = requested_schema;
        let stream = self
            .stream
            .lock()
            .map_err(|_| DataError::new_err("the Arrow table is poisoned".to_string()))?
            .take()
            .ok_or_else(|| DataError::new_err("the Arrow table was already read".to_string()))?;
        PyCapsule::new_with_value(py, stream, STREAM)
    }
}
