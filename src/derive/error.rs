//! Errors of the derived-variable functions.

use thiserror::Error;

/// Why a derived variable could not be built.
///
/// Every variant names the place: the column, and for a bad value the row (0-based,
/// in the order of the input `DataFrame`) and the value as read.
#[derive(Debug, Error)]
pub enum DeriveError {
    /// A column named in the specification is not in the data.
    #[error("column `{column}` not found in the data")]
    MissingColumn {
        /// The column that was asked for.
        column: String,
    },
    /// A column has a data type the derivation cannot read.
    #[error("column `{column}` has type {dtype}, expected {expected}")]
    WrongType {
        /// The column.
        column: String,
        /// Its data type, as polars prints it.
        dtype: String,
        /// What the derivation accepts.
        expected: String,
    },
    /// A value outside the codes or the range the derivation accepts.
    #[error("column `{column}`, row {row}: value `{value}` is not valid ({expected})")]
    InvalidValue {
        /// The column.
        column: String,
        /// The 0-based row.
        row: usize,
        /// The value as read (codes are shown in their normalised text form).
        value: String,
        /// What was expected instead.
        expected: String,
    },
    /// The specification itself is inconsistent (e.g. age breaks not increasing).
    #[error("invalid specification for `{output}`: {message}")]
    InvalidSpec {
        /// The output column the specification is for.
        output: String,
        /// What is wrong.
        message: String,
    },
    /// An error raised by polars while reading or building columns.
    #[error("polars error on column `{column}`: {source}")]
    Polars {
        /// The column being read or built.
        column: String,
        /// The underlying error.
        #[source]
        source: polars::error::PolarsError,
    },
}

impl DeriveError {
    /// Shorthand for [`DeriveError::InvalidValue`].
    pub(crate) fn invalid(
        column: &str,
        row: usize,
        value: impl ToString,
        expected: impl Into<String>,
    ) -> Self {
        DeriveError::InvalidValue {
            column: column.to_string(),
            row,
            value: value.to_string(),
            expected: expected.into(),
        }
    }

    /// Shorthand for [`DeriveError::InvalidSpec`].
    pub(crate) fn spec(output: &str, message: impl Into<String>) -> Self {
        DeriveError::InvalidSpec {
            output: output.to_string(),
            message: message.into(),
        }
    }

    /// Wraps a polars error with the column it concerns.
    pub(crate) fn polars(column: &str, source: polars::error::PolarsError) -> Self {
        DeriveError::Polars {
            column: column.to_string(),
            source,
        }
    }
}
