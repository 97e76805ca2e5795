//! Derived variables: migratory status, age group, disability (WG-SS), sex, urban/rural,
//! income quintile.

mod age_group;
mod child_functioning;
mod disability;
mod income_quintile;
mod migratory_status;
mod sex;
mod urban_rural;

use polars::prelude::Column;

/// The labels of a text column.
pub(crate) fn labels(col: &Column) -> Vec<Option<String>> {
    col.str()
        .expect("text column")
        .iter()
        .map(|s| s.map(str::to_string))
        .collect()
}

/// The labels of a text column, unwrapped (derived main columns have no nulls).
pub(crate) fn strs(col: &Column) -> Vec<String> {
    labels(col)
        .into_iter()
        .map(|s| s.expect("no null labels"))
        .collect()
}

/// The values of a boolean column.
pub(crate) fn bools(col: &Column) -> Vec<Option<bool>> {
    col.bool().expect("boolean column").iter().collect()
}
