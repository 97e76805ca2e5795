//! Columns between Arrow and polars through the C data interface: numbers and string
//! views arrive in polars in the same buffers (no copy), nulls kept, and the way back
//! gives the same values.

use std::sync::Arc;

use datafusion::arrow::array::{
    Array, ArrayRef, Float64Array, Int64Array, StringArray, StringViewArray, StructArray,
};
use datafusion::arrow::datatypes::{DataType as ArrowType, Field, Fields};
use hri_datafusion::bridge;
use polars::prelude::*;

/// Float, integer and string-view columns share their buffers with polars; a plain
/// (offset) string column is converted; nulls and values are kept; and a frame exported
/// back to Arrow and imported again is the same frame.
#[test]
fn columns_cross_without_copying_values() {
    let y = Float64Array::from(vec![Some(1.5), None, Some(-2.25), Some(1e300)]);
    let psu = Int64Array::from(vec![11, 11, 12, 13]);
    let region = StringViewArray::from(vec![
        Some("north"),
        None,
        Some("a label longer than twelve bytes"),
        Some("south"),
    ]);
    let plain = StringArray::from(vec![Some("x"), Some("y"), None, Some("z")]);
    let (y_ptr, psu_ptr, views_ptr) = (
        y.values().as_ptr() as usize,
        psu.values().as_ptr() as usize,
        region.views().as_ptr() as usize,
    );
    let arrays: Vec<(&str, ArrayRef)> = vec![
        ("y", Arc::new(y)),
        ("psu", Arc::new(psu)),
        ("region", Arc::new(region)),
        ("plain", Arc::new(plain)),
    ];
    let columns: Vec<Column> = arrays
        .iter()
        .map(|(n, a)| bridge::to_polars(n, a).unwrap())
        .collect();
    let frame = DataFrame::new(4, columns).unwrap();
    let expected = df!(
        "y" => [Some(1.5), None, Some(-2.25), Some(1e300)],
        "psu" => [11i64, 11, 12, 13],
        "region" => [Some("north"), None, Some("a label longer than twelve bytes"), Some("south")],
        "plain" => [Some("x"), Some("y"), None, Some("z")],
    )
    .unwrap();
    assert!(frame.equals_missing(&expected), "{frame}");
    let y_chunk = frame
        .column("y")
        .unwrap()
        .f64()
        .unwrap()
        .downcast_iter()
        .next()
        .unwrap();
    assert_eq!(y_chunk.values().as_ptr() as usize, y_ptr);
    let psu_chunk = frame
        .column("psu")
        .unwrap()
        .i64()
        .unwrap()
        .downcast_iter()
        .next()
        .unwrap();
    assert_eq!(psu_chunk.values().as_ptr() as usize, psu_ptr);
    let region_chunk = frame
        .column("region")
        .unwrap()
        .str()
        .unwrap()
        .downcast_iter()
        .next()
        .unwrap();
    assert_eq!(region_chunk.views().as_ptr() as usize, views_ptr);
    // And back: the struct array has polars' types and imports as the same frame.
    let table = bridge::frame_to_arrow(&frame).unwrap();
    let types: Vec<ArrowType> = table
        .fields()
        .iter()
        .map(|f| f.data_type().clone())
        .collect();
    assert_eq!(
        types,
        vec![
            ArrowType::Float64,
            ArrowType::Int64,
            ArrowType::Utf8View,
            ArrowType::Utf8View
        ]
    );
    assert_eq!(table.column(0).null_count(), 1);
    assert_eq!(
        bridge::fields_to_arrow(&frame).unwrap(),
        table.fields().clone()
    );
    let again = bridge::struct_to_polars(&table).unwrap();
    assert!(again.equals_missing(&frame), "{again}");
}

/// A struct array of no rows (a table with no estimates) crosses as an empty frame with
/// its columns.
#[test]
fn empty_tables_keep_their_columns() {
    let fields = Fields::from(vec![
        Field::new("estimate", ArrowType::Float64, true),
        Field::new("variable", ArrowType::Utf8View, true),
    ]);
    let table = StructArray::try_new(
        fields,
        vec![
            Arc::new(Float64Array::from(Vec::<f64>::new())),
            Arc::new(StringViewArray::from(Vec::<&str>::new())),
        ],
        None,
    )
    .unwrap();
    let frame = bridge::struct_to_polars(&table).unwrap();
    assert_eq!(frame.shape(), (0, 2));
    assert_eq!(frame.get_column_names(), ["estimate", "variable"]);
}
