//! Columns between Arrow (arrow-rs, DataFusion's arrays) and polars (the engine's), through
//! the Arrow C data interface: the buffers are handed over, not copied value by value.
//! Both crates' `ArrowArray` and `ArrowSchema` are the interface's C structs (`repr(C)`,
//! the same fields), so a struct exported by one is imported by the other; whoever holds
//! it last calls its `release`.

use std::sync::Arc;

use arrow::array::{Array, ArrayRef, StructArray, make_array};
use arrow::datatypes::{Field, FieldRef, Fields};
use arrow::ffi::{FFI_ArrowArray, FFI_ArrowSchema};
use polars::prelude::*;
use polars_arrow::ffi::{ArrowArray, ArrowSchema};

use crate::error::{Error, Result};

// The two crates' C structs have one layout: the interface's.
const _: () = assert!(size_of::<FFI_ArrowArray>() == size_of::<ArrowArray>());
const _: () = assert!(size_of::<FFI_ArrowSchema>() == size_of::<ArrowSchema>());

fn bridge_error(column: &str, problem: impl std::fmt::Display) -> Error {
    Error::Bridge {
        column: column.to_string(),
        problem: problem.to_string(),
    }
}

/// An Arrow array as a polars column named `name`, sharing its buffers (strings as
/// `Utf8View`, numbers and booleans are not copied; other string layouts are converted by
/// polars on import).
pub fn to_polars(name: &str, array: &ArrayRef) -> Result<Column> {
    let (c_array, c_schema) =
        arrow::ffi::to_ffi(&array.to_data()).map_err(|e| bridge_error(name, e))?;
    // SAFETY: `FFI_ArrowSchema` and polars' `ArrowSchema` are both the C data interface's
    // `struct ArrowSchema` (asserted to have one size above); the reference lives while
    // `c_schema` does, and polars only reads it (the field is copied out).
    let schema: &ArrowSchema = unsafe { &*(&raw const c_schema).cast::<ArrowSchema>() };
    // SAFETY: `schema` is a valid exported schema (from `to_ffi`).
    let field = unsafe { polars_arrow::ffi::import_field_from_c(schema) }
        .map_err(|e| bridge_error(name, e))?;
    // SAFETY: as above for `struct ArrowArray`; the array is moved into polars' struct
    // (which releases it when dropped) and arrow-rs' is forgotten so it is released once.
    let c_array = std::mem::ManuallyDrop::new(c_array);
    let moved: ArrowArray = unsafe { std::ptr::read((&raw const *c_array).cast::<ArrowArray>()) };
    // SAFETY: `moved` is a valid exported array of type `field.dtype`.
    let imported = unsafe { polars_arrow::ffi::import_array_from_c(moved, field.dtype.clone()) }
        .map_err(|e| bridge_error(name, e))?;
    let series = Series::from_arrow(name.into(), imported).map_err(|e| bridge_error(name, e))?;
    Ok(Column::from(series))
}

/// The Arrow field of a polars column (name, type as polars exports it, nullable).
pub fn field_to_arrow(column: &Column) -> Result<FieldRef> {
    let name = column.name().as_str();
    let field = column.field().to_arrow(CompatLevel::newest());
    let c_schema = polars_arrow::ffi::export_field_to_c(&field);
    let c_schema = std::mem::ManuallyDrop::new(c_schema);
    // SAFETY: one C struct seen through either crate (see the module's note); the schema
    // is moved to arrow-rs, which releases it when dropped.
    let schema: FFI_ArrowSchema =
        unsafe { std::ptr::read((&raw const *c_schema).cast::<FFI_ArrowSchema>()) };
    let out = Field::try_from(&schema).map_err(|e| bridge_error(name, e))?;
    Ok(Arc::new(out))
}

/// A polars column as an Arrow array (its buffers handed over) and its field.
pub fn to_arrow(column: &Column) -> Result<(FieldRef, ArrayRef)> {
    let name = column.name().as_str();
    let series = column.as_materialized_series().rechunk();
    let field = series.field().to_arrow(CompatLevel::newest());
    let array = series.to_arrow(0, CompatLevel::newest());
    let c_schema = std::mem::ManuallyDrop::new(polars_arrow::ffi::export_field_to_c(&field));
    let c_array = std::mem::ManuallyDrop::new(polars_arrow::ffi::export_array_to_c(array));
    // SAFETY: one C struct seen through either crate (see the module's note); both are
    // moved to arrow-rs, which releases them when dropped.
    let (schema, array) = unsafe {
        (
            std::ptr::read((&raw const *c_schema).cast::<FFI_ArrowSchema>()),
            std::ptr::read((&raw const *c_array).cast::<FFI_ArrowArray>()),
        )
    };
    let out = Field::try_from(&schema).map_err(|e| bridge_error(name, e))?;
    // SAFETY: `array` and `schema` were exported together by polars.
    let data =
        unsafe { arrow::ffi::from_ffi(array, &schema) }.map_err(|e| bridge_error(name, e))?;
    Ok((Arc::new(out), make_array(data)))
}

/// The Arrow fields of a polars frame's columns.
pub fn fields_to_arrow(frame: &DataFrame) -> Result<Fields> {
    frame
        .columns()
        .iter()
        .map(field_to_arrow)
        .collect::<Result<Vec<_>>>()
        .map(Fields::from)
}

/// A polars frame as an Arrow struct array (one child per column).
pub fn frame_to_arrow(frame: &DataFrame) -> Result<StructArray> {
    let mut fields = Vec::with_capacity(frame.width());
    let mut arrays = Vec::with_capacity(frame.width());
    for column in frame.columns() {
        let (f, a) = to_arrow(column)?;
        fields.push(f);
        arrays.push(a);
    }
    StructArray::try_new(Fields::from(fields), arrays, None).map_err(|e| bridge_error("(table)", e))
}

/// An Arrow struct array (a table: one child per column) as a polars frame.
pub fn struct_to_polars(table: &StructArray) -> Result<DataFrame> {
    let columns = table
        .fields()
        .iter()
        .zip(table.columns())
        .map(|(f, a)| to_polars(f.name(), a))
        .collect::<Result<Vec<_>>>()?;
    DataFrame::new(table.len(), columns).map_err(|e| bridge_error("(table)", e))
}
