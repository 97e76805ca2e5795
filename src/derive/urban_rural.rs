//! Urban or rural residence.

use polars::prelude::DataFrame;
use serde::{Deserialize, Serialize};

use super::{CodeMap, DeriveError, Derived, Tally, check_output, read_numbers};

/// Area of residence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Area {
    /// Urban.
    Urban,
    /// Rural.
    Rural,
}

impl Area {
    /// The label in the derived column.
    pub fn as_str(self) -> &'static str {
        match self {
            Area::Urban => "urban",
            Area::Rural => "rural",
        }
    }
}

impl CodeMap<Area> {
    /// `1` urban, `2` rural, and the words `urban` / `rural` (case-insensitive).
    pub fn urban_rural_default() -> Self {
        CodeMap::new([
            ("1", Area::Urban),
            ("2", Area::Rural),
            ("urban", Area::Urban),
            ("rural", Area::Rural),
        ])
    }
}

/// Where the urban/rural classification comes from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum UrbanRuralSource {
    /// A coded column that already carries the national classification.
    Codes {
        /// The raw column.
        column: String,
        /// Code → area.
        codes: CodeMap<Area>,
    },
    /// The population of the locality of residence: urban when it has at least
    /// `urban_from` inhabitants (e.g. 2 500 in Mexico's census definition).
    LocalityPopulation {
        /// The column with the locality's population.
        column: String,
        /// Smallest urban locality size.
        urban_from: f64,
    },
}

/// How to derive urban/rural residence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UrbanRuralSpec {
    /// The source of the classification.
    pub source: UrbanRuralSource,
    /// The output column (default `urban_rural`).
    #[serde(default = "default_output")]
    pub output: String,
}

fn default_output() -> String {
    "urban_rural".to_string()
}

impl UrbanRuralSpec {
    /// From a coded column, with [`CodeMap::urban_rural_default`] codes.
    pub fn codes(column: impl Into<String>) -> Self {
        UrbanRuralSpec {
            source: UrbanRuralSource::Codes {
                column: column.into(),
                codes: CodeMap::urban_rural_default(),
            },
            output: default_output(),
        }
    }

    /// From the locality's population, urban from `urban_from` inhabitants.
    pub fn locality_population(column: impl Into<String>, urban_from: f64) -> Self {
        UrbanRuralSpec {
            source: UrbanRuralSource::LocalityPopulation {
                column: column.into(),
                urban_from,
            },
            output: default_output(),
        }
    }
}

/// Derives `urban` / `rural` / `unknown`.
///
/// The UN *Principles and Recommendations for Population and Housing Censuses* leave the
/// urban/rural distinction to the national definition; this function applies it either as
/// codes already in the data ([`UrbanRuralSource::Codes`], unknown codes are errors unless
/// declared missing) or as a threshold on the locality's population
/// ([`UrbanRuralSource::LocalityPopulation`]: urban when population ≥ `urban_from`; a
/// negative or infinite population is an error; null is `unknown`).
pub fn urban_rural(df: &DataFrame, spec: &UrbanRuralSpec) -> Result<Derived, DeriveError> {
    check_output(&spec.output)?;
    let mut tally = Tally::new([Area::Urban.as_str(), Area::Rural.as_str()]);
    let unknown = tally.unknown_index();
    let mut idx = Vec::with_capacity(df.height());
    let mut notes = Vec::new();
    match &spec.source {
        UrbanRuralSource::Codes { column, codes } => {
            let looked = codes.lookup_column(df, column, &spec.output)?;
            for row in 0..looked.rows.len() {
                match looked.get(row) {
                    Ok(a) => {
                        let i = if a == Area::Urban { 0 } else { 1 };
                        tally.add(i);
                        idx.push(i);
                    }
                    Err(reason) => {
                        tally.add_unknown(reason);
                        idx.push(unknown);
                    }
                }
            }
        }
        UrbanRuralSource::LocalityPopulation { column, urban_from } => {
            if !urban_from.is_finite() || *urban_from <= 0.0 {
                return Err(DeriveError::spec(
                    &spec.output,
                    format!("urban_from must be a positive number, got {urban_from}"),
                ));
            }
            let reason = format!("missing {column}");
            for (row, v) in read_numbers(df, column)?.into_iter().enumerate() {
                match v {
                    None => {
                        tally.add_unknown(&reason);
                        idx.push(unknown);
                    }
                    Some(p) if p < 0.0 || !p.is_finite() => {
                        return Err(DeriveError::invalid(
                            column,
                            row,
                            p,
                            "a locality population must be a finite number ≥ 0",
                        ));
                    }
                    Some(p) => {
                        let i = if p >= *urban_from { 0 } else { 1 };
                        tally.add(i);
                        idx.push(i);
                    }
                }
            }
            notes.push(format!(
                "urban: locality population >= {urban_from}; rural: below"
            ));
        }
    }
    let column = tally.column(&spec.output, &idx);
    let report = tally.report(
        &spec.output,
        "urban/rural by the national definition (UN Principles and Recommendations for \
         Population and Housing Censuses)",
        idx.len(),
        Vec::new(),
        notes,
    );
    Ok(Derived {
        column,
        flags: Vec::new(),
        report,
    })
}
