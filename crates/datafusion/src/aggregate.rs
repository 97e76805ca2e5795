//! `hri_estimate`: the engine's partial sums ([`KeyedSums`]) as a DataFusion aggregate.
//! The partial phase adds each batch of a partition's rows to its sums and hands them on
//! as one binary state (the partial-sums Parquet format, in memory); the final phase
//! merges the states and finishes them into the estimates table, returned as a list of
//! structs (one struct per row of the table).

use std::hash::{Hash, Hasher};
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, BinaryArray, ListArray};
use arrow::buffer::OffsetBuffer;
use arrow::datatypes::{DataType, Field, FieldRef, Fields};
use datafusion::common::ScalarValue;
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::utils::format_state_name;
use datafusion::logical_expr::{
    Accumulator, AggregateUDF, AggregateUDFImpl, Signature, Volatility,
};
use hri_survey::estimate::{Estimates, KeyedSums, request_columns};
use hri_survey::{Design, Request, partial_file};
use polars::prelude::*;

use crate::bridge;
use crate::error::{Error, Result};

/// The default name of the aggregate in SQL.
pub const DEFAULT_NAME: &str = "hri_estimate";

/// A request under a design as a DataFusion aggregate function. Its arguments are the
/// columns that the request and the design read ([`HriEstimate::columns`]), in any order,
/// each named by itself; its value is the estimates table of the rows aggregated, as a
/// list of structs with the columns of [`Estimates::to_dataframe`].
///
/// ```no_run
/// use datafusion::prelude::{ParquetReadOptions, SessionConfig, SessionContext};
/// use hri_datafusion::HriEstimate;
/// use hri_survey::{Design, Request};
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let design = Design::builder("w").strata("stratum").psu("psu").build()?;
/// let request = Request::new().mean("y").proportion("f = 1").overall().by(["region"]);
/// let udaf = HriEstimate::new("hri_estimate", &request, &design)?;
/// let call = udaf.sql_call(); // hri_estimate("w", "stratum", "psu", "y", "f", "region")
/// let config = SessionConfig::new().with_target_partitions(4);
/// let ctx = SessionContext::new_with_config(config);
/// ctx.register_parquet("survey", "census/", ParquetReadOptions::default()).await?;
/// ctx.register_udaf(udaf.into_udaf());
/// let sql = format!("SELECT {call} AS t FROM survey");
/// let batches = ctx.sql(&sql).await?.collect().await?; // one row: the table
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct HriEstimate {
    name: String,
    request: Request,
    design: Design,
    columns: Vec<String>,
    by_columns: Vec<String>,
    table: Fields,
    signature: Signature,
    /// The name, request and design as text: what makes two aggregates the same.
    key: String,
}

impl HriEstimate {
    /// The aggregate `name` for `request` under `design`. Refused as
    /// [`KeyedSums::new`] refuses (quantiles, the logit interval, replicate or calibrated
    /// weights, a second-stage fpc, the lonely-PSU policy `average`): those need the
    /// rows, not their sums.
    pub fn new(name: impl Into<String>, request: &Request, design: &Design) -> Result<Self> {
        let name = name.into();
        let survey = |source| Error::Survey {
            function: name.clone(),
            source,
        };
        let sums = KeyedSums::new(request, design).map_err(survey)?;
        let columns = request_columns(request, design).map_err(survey)?;
        let by_columns = sums.by_columns().to_vec();
        let empty = Estimates {
            by_columns: by_columns.clone(),
            disaggregations: Vec::new(),
            missing_group: Vec::new(),
            rows: Vec::new(),
        }
        .to_dataframe()
        .map_err(survey)?;
        let table = bridge::fields_to_arrow(&empty)?;
        let text = |v: serde_json::Result<String>| v.unwrap_or_default();
        let key = format!(
            "{name}\u{1f}{}\u{1f}{}",
            text(serde_json::to_string(request)),
            text(serde_json::to_string(design))
        );
        Ok(HriEstimate {
            name,
            request: request.clone(),
            design: design.clone(),
            columns,
            by_columns,
            table,
            signature: Signature::variadic_any(Volatility::Immutable),
            key,
        })
    }

    /// The columns to pass as arguments: the design's, then those the measures,
    /// universes and by-columns read.
    pub fn columns(&self) -> &[String] {
        &self.columns
    }

    /// The by-columns of the estimates table, in its order.
    pub fn by_columns(&self) -> &[String] {
        &self.by_columns
    }

    /// The fields of one row of the estimates table (the struct in the returned list).
    pub fn table_fields(&self) -> &Fields {
        &self.table
    }

    /// The call in SQL with every column as a quoted identifier, e.g.
    /// `hri_estimate("stratum", "psu", "w", "y")`.
    pub fn sql_call(&self) -> String {
        let args: Vec<String> = self
            .columns
            .iter()
            .map(|c| format!("\"{}\"", c.replace('"', "\"\"")))
            .collect();
        format!("{}({})", self.name, args.join(", "))
    }

    /// As a DataFusion [`AggregateUDF`], to register with
    /// `SessionContext::register_udaf`.
    pub fn into_udaf(self) -> AggregateUDF {
        AggregateUDF::from(self)
    }

    fn survey_error(&self, source: hri_survey::Error) -> Error {
        Error::Survey {
            function: self.name.clone(),
            source,
        }
    }

    fn list_type(&self) -> DataType {
        DataType::List(Arc::new(Field::new_list_field(
            DataType::Struct(self.table.clone()),
            true,
        )))
    }

    /// The argument names of a call, checked against [`HriEstimate::columns`]: each
    /// argument a column the request or design reads, each such column given once.
    fn argument_names(&self, fields: &[FieldRef]) -> Result<Vec<String>> {
        let names: Vec<String> = fields.iter().map(|f| f.name().clone()).collect();
        let problem = |problem: String| Error::Arguments {
            function: self.name.clone(),
            problem,
        };
        for (i, n) in names.iter().enumerate() {
            if !self.columns.contains(n) {
                return Err(problem(format!(
                    "argument {} `{n}` is not a column that the request or design reads (pass the columns {})",
                    i + 1,
                    self.columns.join(", ")
                )));
            }
            if names[..i].contains(n) {
                return Err(problem(format!("column `{n}` is passed twice")));
            }
        }
        if let Some(c) = self.columns.iter().find(|c| !names.contains(c)) {
            return Err(problem(format!(
                "column `{c}` is read by the request or design but not passed (pass {})",
                self.sql_call()
            )));
        }
        Ok(names)
    }
}

impl PartialEq for HriEstimate {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}

impl Eq for HriEstimate {}

impl Hash for HriEstimate {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.key.hash(state);
    }
}

impl AggregateUDFImpl for HriEstimate {
    fn name(&self) -> &str {
        &self.name
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> datafusion::error::Result<DataType> {
        Ok(self.list_type())
    }

    fn accumulator(
        &self,
        args: AccumulatorArgs,
    ) -> datafusion::error::Result<Box<dyn Accumulator>> {
        let names = self.argument_names(args.expr_fields)?;
        let sums = KeyedSums::new(&self.request, &self.design).map_err(|e| self.survey_error(e))?;
        Ok(Box::new(SumsAccumulator {
            udaf: self.clone(),
            names,
            sums,
            rows: 0,
        }))
    }

    fn state_fields(&self, args: StateFieldsArgs) -> datafusion::error::Result<Vec<FieldRef>> {
        Ok(vec![Arc::new(Field::new(
            format_state_name(args.name, "partial_sums"),
            DataType::Binary,
            true,
        ))])
    }
}

/// The accumulator of one partition (partial phase) or of the merged states (final
/// phase).
#[derive(Debug)]
struct SumsAccumulator {
    udaf: HriEstimate,
    /// The column name of each argument.
    names: Vec<String>,
    sums: KeyedSums,
    /// Rows added here (the first row of the next batch, as errors count rows).
    rows: u64,
}

impl Accumulator for SumsAccumulator {
    fn update_batch(&mut self, values: &[ArrayRef]) -> datafusion::error::Result<()> {
        let Some(first) = values.first() else {
            return Ok(());
        };
        let height = first.len();
        let columns = self
            .names
            .iter()
            .zip(values)
            .map(|(n, a)| bridge::to_polars(n, a))
            .collect::<Result<Vec<_>>>()?;
        let batch = DataFrame::new(height, columns).map_err(|e| Error::Bridge {
            column: "(batch)".into(),
            problem: e.to_string(),
        })?;
        self.sums
            .add(&batch, self.rows)
            .map_err(|source| Error::Rows {
                function: self.udaf.name.clone(),
                source,
            })?;
        self.rows += height as u64;
        Ok(())
    }

    fn state(&mut self) -> datafusion::error::Result<Vec<ScalarValue>> {
        let bytes =
            partial_file::to_bytes(&mut self.sums).map_err(|e| self.udaf.survey_error(e))?;
        Ok(vec![ScalarValue::Binary(Some(bytes))])
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> datafusion::error::Result<()> {
        let state_error = |index: usize, problem: String| Error::State {
            function: self.udaf.name.clone(),
            index,
            problem,
        };
        let Some(array) = states.first() else {
            return Err(state_error(0, "no state column".into()).into());
        };
        let Some(binary) = array.as_any().downcast_ref::<BinaryArray>() else {
            return Err(
                state_error(0, format!("a {} column, not binary", array.data_type())).into(),
            );
        };
        for (index, bytes) in binary.iter().enumerate() {
            let Some(bytes) = bytes else {
                return Err(state_error(index, "null".into()).into());
            };
            let source = format!("{} partial state {index}", self.udaf.name);
            let other =
                partial_file::from_bytes(bytes, &source).map_err(|e| self.udaf.survey_error(e))?;
            self.sums
                .merge(other)
                .map_err(|e| self.udaf.survey_error(e))?;
        }
        Ok(())
    }

    fn evaluate(&mut self) -> datafusion::error::Result<ScalarValue> {
        let fresh = KeyedSums::new(&self.udaf.request, &self.udaf.design)
            .map_err(|e| self.udaf.survey_error(e))?;
        let sums = std::mem::replace(&mut self.sums, fresh);
        let table = sums.finish().map_err(|e| self.udaf.survey_error(e))?;
        let frame = table
            .to_dataframe()
            .map_err(|e| self.udaf.survey_error(e))?;
        let rows = bridge::frame_to_arrow(&frame)?;
        if rows.fields() != &self.udaf.table {
            return Err(Error::Bridge {
                column: "(table)".into(),
                problem: format!(
                    "the table's columns {:?} are not the declared {:?}",
                    rows.fields(),
                    self.udaf.table
                ),
            }
            .into());
        }
        let item = Arc::new(Field::new_list_field(
            DataType::Struct(self.udaf.table.clone()),
            true,
        ));
        let list = ListArray::try_new(
            item,
            OffsetBuffer::from_lengths([rows.len()]),
            Arc::new(rows),
            None,
        )?;
        Ok(ScalarValue::List(Arc::new(list)))
    }

    fn size(&self) -> usize {
        // The (unit, cell) entries dominate: a key and six sums per measure each.
        let width = 8 + 8 * 6 * self.udaf.request.measures.len();
        size_of_val(self) + self.sums.entries() * width + self.sums.units() * 64
    }
}
