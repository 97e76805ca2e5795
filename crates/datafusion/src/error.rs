//! The errors of the aggregate: each names the function and the place (argument, column,
//! state) and becomes a DataFusion error when it crosses into a query.

/// An error of `hri_estimate` in DataFusion.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The survey engine refused the request, the design or the rows (its error says
    /// where: column, row within the partition, stratum, PSU).
    #[error("{function}: {source}")]
    Survey {
        /// The aggregate's name in SQL.
        function: String,
        /// The engine's error.
        #[source]
        source: hri_survey::Error,
    },
    /// The engine rejected a row (a missing or negative weight, a missing design value);
    /// its row number counts the rows of one partition as the aggregate read them
    /// (DataFusion does not tell the aggregate which file they came from).
    #[error("{function}: in the rows of one partition (numbered within it): {source}")]
    Rows {
        /// The aggregate's name in SQL.
        function: String,
        /// The engine's error.
        #[source]
        source: hri_survey::Error,
    },
    /// The arguments of a call do not match the columns the request and design read.
    #[error("{function}: {problem}")]
    Arguments {
        /// The aggregate's name in SQL.
        function: String,
        /// What is wrong, naming the argument or the missing column.
        problem: String,
    },
    /// A column could not cross between Arrow (DataFusion) and polars (the engine).
    #[error("column `{column}` between Arrow and polars: {problem}")]
    Bridge {
        /// The column.
        column: String,
        /// What failed.
        problem: String,
    },
    /// A partial state handed to the final phase is not what the partial phase writes.
    #[error("{function}: partial state {index}: {problem}")]
    State {
        /// The aggregate's name in SQL.
        function: String,
        /// The state's position among those merged.
        index: usize,
        /// What is wrong.
        problem: String,
    },
}

/// A result of this crate.
pub type Result<T> = std::result::Result<T, Error>;

impl From<Error> for datafusion::error::DataFusionError {
    fn from(e: Error) -> Self {
        datafusion::error::DataFusionError::External(Box::new(e))
    }
}
