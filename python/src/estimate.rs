//! `hri.estimate` and `hri.gap`: one table of estimates (or gaps) from a data frame, in one
//! pass over its rows, with the engine's numbers (equal to R's `survey`).

use hri_survey::estimate::{ESTIMATE_COLUMNS, NamedRequest, Survey, columns_to_read};
use polars::prelude::*;
use pyo3::prelude::*;

use crate::design::PyDesign;
use crate::errors::{DataError, no_panic, survey_error};
use crate::frame::{ArrowTable, import};

/// The statistic and interval arguments shared by `estimate` and `gap`.
#[allow(clippy::too_many_arguments)]
fn named(
    stat: &str,
    var: Vec<String>,
    denominator: Option<String>,
    condition: Option<String>,
    universe: Option<String>,
    probs: Option<Vec<f64>>,
    ci: &str,
    level: f64,
    df_method: Option<String>,
) -> NamedRequest {
    NamedRequest {
        stat: stat.to_string(),
        variables: var,
        denominator,
        condition,
        probs,
        universe,
        ci: ci.to_string(),
        level,
        df: df_method.unwrap_or_else(|| "design".into()),
    }
}

/// The rows of `source` (an object with `names()` and `select(columns)`, the latter giving
/// an object with `__arrow_c_stream__`) that the design, request and disaggregations need.
fn read(
    source: &Bound<'_, PyAny>,
    design: &PyDesign,
    request: &NamedRequest,
    by: &[Vec<String>],
) -> PyResult<DataFrame> {
    let available: Vec<String> = source.call_method0("names")?.extract()?;
    let columns = columns_to_read(
        &design.design,
        request,
        by,
        &available,
        "the data frame",
        &[],
    )
    .map_err(survey_error)?;
    let selected = source.call_method1("select", (columns,))?;
    import(&selected)
}

/// Gives result columns holding group labels (text in the engine) the type their source
/// column has in the data — integer groups come back as integers — where every label
/// converts; else they stay text.
fn restore_types(frame: &mut DataFrame, schema: &Schema, pairs: &[(String, String)]) {
    for (result, source) in pairs {
        let Some(dtype) = schema.get(source.as_str()) else {
            continue;
        };
        let Ok(column) = frame.column(result.as_str()) else {
            continue;
        };
        if dtype == column.dtype() {
            continue;
        }
        let Ok(cast) = column.cast(dtype) else {
            continue;
        };
        if cast.null_count() == column.null_count() {
            let _ = frame.with_column(cast);
        }
    }
}

fn polars_error(e: PolarsError) -> PyErr {
    DataError::new_err(e.to_string())
}

/// Estimates of `stat` by each list of columns in `by` (and the whole population when
/// `overall` or when `by` is empty), as an Arrow table.
#[pyfunction]
#[pyo3(signature = (source, design, stat, var, denominator, condition, universe, by, overall, probs, ci, level, df_method))]
#[allow(clippy::too_many_arguments)]
pub fn estimate(
    py: Python<'_>,
    source: &Bound<'_, PyAny>,
    design: PyRef<'_, PyDesign>,
    stat: &str,
    var: Vec<String>,
    denominator: Option<String>,
    condition: Option<String>,
    universe: Option<String>,
    by: Vec<Vec<String>>,
    overall: bool,
    probs: Option<Vec<f64>>,
    ci: &str,
    level: f64,
    df_method: Option<String>,
) -> PyResult<ArrowTable> {
    let named = named(
        stat,
        var,
        denominator,
        condition,
        universe,
        probs,
        ci,
        level,
        df_method,
    );
    let mut request = named.to_request().map_err(survey_error)?;
    let data = read(source, &design, &named, &by)?;
    for columns in &by {
        request = request.by(columns.clone());
    }
    if overall || by.is_empty() {
        request = request.overall();
    }
    let schema = data.schema().clone();
    let plan = design.design.clone();
    let table = py
        .detach(move || no_panic(|| Survey::new(data, plan)?.estimate(&request)))?
        .map_err(survey_error)?;
    let mut frame = table.to_dataframe().map_err(survey_error)?;
    let mut keep: Vec<String> = vec!["variable".into()];
    keep.extend(table.by_columns.iter().cloned());
    if stat == "quantile" {
        keep.push("prob".into());
    }
    keep.extend(ESTIMATE_COLUMNS.map(String::from));
    frame = frame.select(keep).map_err(polars_error)?;
    let by_columns: Vec<(String, String)> = table
        .by_columns
        .iter()
        .map(|c| (c.clone(), c.clone()))
        .collect();
    restore_types(&mut frame, &schema, &by_columns);
    Ok(ArrowTable::new(frame))
}

/// Gaps between the groups of `column` (default: the first of `by`) and its `reference`
/// group, within the other columns of `by`, as an Arrow table.
#[pyfunction]
#[pyo3(signature = (source, design, stat, var, denominator, condition, universe, by, group, reference, column, probs, ci, level, df_method))]
#[allow(clippy::too_many_arguments)]
pub fn gap(
    py: Python<'_>,
    source: &Bound<'_, PyAny>,
    design: PyRef<'_, PyDesign>,
    stat: &str,
    var: Vec<String>,
    denominator: Option<String>,
    condition: Option<String>,
    universe: Option<String>,
    by: Vec<String>,
    group: String,
    reference: String,
    column: Option<String>,
    probs: Option<Vec<f64>>,
    ci: &str,
    level: f64,
    df_method: Option<String>,
) -> PyResult<ArrowTable> {
    let named = named(
        stat,
        var,
        denominator,
        condition,
        universe,
        probs,
        ci,
        level,
        df_method,
    );
    let request = named.to_request().map_err(survey_error)?;
    let Some(first) = by.first().cloned() else {
        return Err(crate::errors::RequestError::new_err(
            "gap: `by` needs at least one column (the first holds the groups unless `column` is given)",
        ));
    };
    let column = column.unwrap_or(first);
    let data = read(source, &design, &named, std::slice::from_ref(&by))?;
    let schema = data.schema().clone();
    let plan = design.design.clone();
    let gaps = py
        .detach(move || {
            no_panic(|| Survey::new(data, plan)?.gap(&request, &by, &column, &group, &reference))
        })?
        .map_err(survey_error)?;
    let mut frame = gaps.to_dataframe().map_err(survey_error)?;
    let mut pairs: Vec<(String, String)> = gaps
        .by_columns
        .iter()
        .map(|c| (c.clone(), c.clone()))
        .collect();
    pairs.push(("reference".into(), gaps.column.clone()));
    restore_types(&mut frame, &schema, &pairs);
    Ok(ArrowTable::new(frame))
}
