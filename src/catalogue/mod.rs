//! Catalogues of indicators: the file format (TOML or JSON), loading with precise error
//! messages, validation, and the built-in catalogue of migrants' rights.
//!
//! A catalogue lists the rights, their attributes and the indicators that measure them, and
//! says which survey column holds each disaggregation dimension. It is read from TOML (for
//! people) or JSON (for programs), and written back to either without loss.
//!
//! # Format
//!
//! ```toml
//! [metadata]
//! name = "Migrants' rights to health, education and decent work"
//! version = "1.0.0"
//! country = "generic"            # or an ISO 3166-1 alpha-3 code, e.g. "MEX"
//!
//! [scoring]                      # optional; these are the defaults
//! normalisation = "goalposts"    # or "distance_to_target" (the gap score is always apart)
//! aggregation = "arithmetic"     # or "geometric", or "none" (no roll-up)
//! min_available = 0.5
//! # composite = { structural = 1.0, process = 1.0, outcome = 1.0 }   # only when wanted
//!
//! [dimensions]                   # optional: dimension = survey column
//! migratory_status = "migratory_status"
//! sex = "sex"
//! indigenous = "habla_lengua"     # a dimension of the catalogue's own ...
//!
//! [dimension_labels]             # ... declared with its label
//! indigenous = "Speaks an indigenous language"
//!
//! [[rights]]
//! id = "work"
//! name = "Right to work"
//!
//! [[attributes]]
//! id = "work_protection"
//! right = "work"
//! name = "Protection from forced labour and unemployment"
//!
//! [[indicators]]
//! id = "unemployment_rate"
//! name = "Unemployment rate"
//! right = "work"
//! attribute = "work_protection"
//! kind = "outcome"               # structural | process | outcome
//! unit = "percent"
//! direction = "lower_is_better"
//! disaggregations = [["migratory_status"], ["sex"], ["migratory_status", "sex"]]
//! references = ["SDG 8.5.2", "OHCHR HR/PUB/12/5"]
//! measure = { type = "proportion", condition = "unemployed = 1", universe = "age >= 15 AND in_labour_force = 1" }
//! sdg_series = "SL_TLF_UEM"       # optional: the SDG series the indicator reports
//! comparability = "ILO 19th ICLS definition; ..."   # optional: for the metadata sheet
//! ```
//!
//! ## `sdg_series`
//!
//! Optional. The code of the SDG series (`SERIES` dimension of the SDG DSD
//! `IAEG-SDGs:SDG`, code list `CL_SERIES`) that the indicator reports, set only when the
//! indicator's definition *is* that series' definition. Validation checks the code against
//! the code list kept in `data/sdg/` (see [`crate::framework::sdg`]) and that the indicator
//! is a survey indicator. An indicator with a series is written to `indicators.sdg.csv`
//! (SDMX-CSV for the SDG Global Database, see [`crate::export::sdg`]) and its metadata sheet
//! names the series. The built-in and pilot catalogues map:
//!
//! | indicator | series | SDG indicator |
//! |---|---|---|
//! | `unemployment_rate` | `SL_TLF_UEM` | 8.5.2 unemployment rate |
//! | `informal_employment` | `SL_ISV_IFEM` | 8.3.1 proportion of informal employment |
//! | `recruitment_cost` | `SL_EMP_RCOST_MO` | 10.7.1 recruitment cost in months of earnings |
//! | `early_learning_participation` | `SE_PRE_PARTN` | 4.2.2 participation one year before primary entry age |
//! | `youth_neet` | `SL_TLF_NEET` | 8.6.1 youth not in employment, education or training |
//!
//! ## `series_breaks`
//!
//! Optional list of breaks in the indicator's series, `[{ year = 2020, note = "new
//! questionnaire (source)" }]`: a change between two rounds that straddle a break gets the
//! progress status `series_break` instead of a verdict (see [`crate::benchmark`]).
//!
//! ## `benchmark.rate`
//!
//! `linear` (default) or `compound`: how the annual progress required to reach a numeric
//! target is measured ([`crate::framework::RequiredRate`]).
//!
//! ## `comparability`
//!
//! Optional free text for the indicator's metadata sheet (`metadata.json`, the report):
//! how the indicator compares with the international definition and its limitations.
//!
//! # Example
//!
//! ```
//! use hri::catalogue::Catalogue;
//!
//! let catalogue = Catalogue::migrants_rights();
//! assert!(catalogue.validate().is_ok());
//! let unemployment = catalogue.indicator("unemployment_rate").unwrap();
//! assert_eq!(unemployment.right, "work");
//!
//! // Malformed input gives a typed error naming the entry and the field.
//! let err = Catalogue::from_toml_str("[metadata]\nname = 1\n").unwrap_err();
//! assert!(err.to_string().contains("metadata, field \"name\""));
//! ```

mod display;
mod error;
mod load;
mod validate;

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

pub use display::render;
pub use error::{
    CatalogueError, Format, Issue, IssueKind, Location, ValidationIssue, ValidationReport,
};
pub use validate::MAX_SQL_CHARS;

use crate::framework::{Attribute, Dimension, Indicator, IndicatorKind, Right, ScoringSpec};

/// The text of the built-in catalogue of migrants' rights to health, education and decent
/// work (TOML), as returned by [`Catalogue::migrants_rights`].
pub const MIGRANTS_RIGHTS_TOML: &str = include_str!("migrants_rights.toml");

/// Who made a catalogue, for where, and which edition it is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Metadata {
    /// Human-readable name of the catalogue.
    pub name: String,
    /// Edition of the catalogue (free text; semantic versioning recommended).
    pub version: String,
    /// `"generic"` for a catalogue meant for any country, otherwise the ISO 3166-1 alpha-3
    /// code of the country it is adapted to (e.g. `"MEX"`, `"TUN"`).
    #[serde(default = "generic")]
    pub country: String,
    /// What the catalogue covers and how it was built.
    #[serde(default)]
    pub description: String,
    /// Date of the edition, as ISO 8601 text (e.g. `"2025-01-31"`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    /// Authors or institutions responsible for the catalogue.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub authors: Vec<String>,
}

fn generic() -> String {
    "generic".to_string()
}

/// A catalogue of indicators: rights, their attributes, the indicators that measure them,
/// how they are scored, and which survey column holds each disaggregation dimension.
///
/// Read one with [`from_toml_str`](Self::from_toml_str), [`from_json_str`](Self::from_json_str)
/// or [`from_path`](Self::from_path); check it with [`validate`](Self::validate).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Catalogue {
    /// Name, version and country of the catalogue.
    pub metadata: Metadata,
    /// How values are normalised to scores and aggregated (defaults when absent).
    #[serde(default)]
    pub scoring: ScoringSpec,
    /// The survey column that holds each dimension. When empty, each dimension is read from
    /// the column of the same name (see [`column`](Self::column)); when not empty, every
    /// dimension used in a disaggregation must be listed.
    #[serde(default)]
    pub dimensions: BTreeMap<Dimension, String>,
    /// Labels of the dimensions the catalogue declares itself (any name beside the eleven
    /// built-in ones: `indigenous = "Speaks an indigenous language"`); a disaggregation may
    /// use such a dimension only when it has a label here.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub dimension_labels: BTreeMap<String, String>,
    /// The rights covered (empty when absent).
    #[serde(default)]
    pub rights: Vec<Right>,
    /// The attributes of the rights (empty when absent).
    #[serde(default)]
    pub attributes: Vec<Attribute>,
    /// The indicators (empty when absent).
    #[serde(default)]
    pub indicators: Vec<Indicator>,
}

impl Catalogue {
    /// The built-in generic catalogue of migrants' rights to health, education and decent
    /// work, with cross-cutting non-discrimination indicators, following the OHCHR framework
    /// (HR/PUB/12/5) and KNOMAD Working Paper 5. Survey measures use generic column names
    /// (documented at the top of [`MIGRANTS_RIGHTS_TOML`]); a country adapts them by saving
    /// the catalogue, editing it and loading it back.
    pub fn migrants_rights() -> Catalogue {
        // The text is part of the crate and checked by the test suite.
        Catalogue::from_toml_str(MIGRANTS_RIGHTS_TOML)
            .expect("the built-in catalogue migrants_rights.toml is well formed")
    }

    /// Reads a catalogue from TOML text.
    ///
    /// Syntax errors give [`CatalogueError::Syntax`] with line and column; entries of the
    /// wrong shape give [`CatalogueError::Malformed`] with one [`Issue`] per problem, e.g.
    /// `indicators[3] (id "unemployment_rate"), field "kind": unknown variant ...`.
    /// The catalogue is not validated: call [`validate`](Self::validate).
    pub fn from_toml_str(text: &str) -> Result<Catalogue, CatalogueError> {
        let tree: toml::Value = toml::from_str::<toml::Table>(text)
            .map(toml::Value::Table)
            .map_err(|e| CatalogueError::Syntax {
                format: Format::Toml,
                message: e.to_string().trim_end().to_string(),
            })?;
        load::catalogue(&tree).map_err(|issues| CatalogueError::Malformed {
            format: Format::Toml,
            issues,
        })
    }

    /// Reads a catalogue from JSON text (the same structure as the TOML format).
    ///
    /// Errors as for [`from_toml_str`](Self::from_toml_str).
    pub fn from_json_str(text: &str) -> Result<Catalogue, CatalogueError> {
        let tree: serde_json::Value =
            serde_json::from_str(text).map_err(|e| CatalogueError::Syntax {
                format: Format::Json,
                message: e.to_string(),
            })?;
        load::catalogue(&tree).map_err(|issues| CatalogueError::Malformed {
            format: Format::Json,
            issues,
        })
    }

    /// Reads a catalogue from text in the given format.
    pub fn from_str_as(text: &str, format: Format) -> Result<Catalogue, CatalogueError> {
        match format {
            Format::Toml => Catalogue::from_toml_str(text),
            Format::Json => Catalogue::from_json_str(text),
        }
    }

    /// Reads a catalogue file; the format follows the extension (`.toml` or `.json`).
    /// Errors are wrapped in [`CatalogueError::File`] naming the file.
    pub fn from_path(path: impl AsRef<Path>) -> Result<Catalogue, CatalogueError> {
        let path = path.as_ref();
        let in_file = |error| CatalogueError::File {
            path: path.to_path_buf(),
            error: Box::new(error),
        };
        let format = Format::from_path(path).ok_or_else(|| CatalogueError::UnknownFormat {
            path: path.to_path_buf(),
        })?;
        let text = std::fs::read_to_string(path).map_err(|source| CatalogueError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Catalogue::from_str_as(&text, format).map_err(in_file)
    }

    /// Writes the catalogue as TOML text.
    pub fn to_toml_string(&self) -> Result<String, CatalogueError> {
        toml::to_string(self).map_err(|e| CatalogueError::Serialize {
            format: Format::Toml,
            message: e.to_string(),
        })
    }

    /// Writes the catalogue as pretty-printed JSON text.
    ///
    /// Non-finite numbers (which [`validate`](Self::validate) rejects) are written as
    /// `null` by JSON's rules and will not read back.
    pub fn to_json_string(&self) -> Result<String, CatalogueError> {
        serde_json::to_string_pretty(self).map_err(|e| CatalogueError::Serialize {
            format: Format::Json,
            message: e.to_string(),
        })
    }

    /// Writes the catalogue as text in the given format.
    pub fn to_string_as(&self, format: Format) -> Result<String, CatalogueError> {
        match format {
            Format::Toml => self.to_toml_string(),
            Format::Json => self.to_json_string(),
        }
    }

    /// Writes the catalogue to a file; the format follows the extension (`.toml` or
    /// `.json`).
    pub fn save(&self, path: impl AsRef<Path>) -> Result<(), CatalogueError> {
        let path = path.as_ref();
        let format = Format::from_path(path).ok_or_else(|| CatalogueError::UnknownFormat {
            path: path.to_path_buf(),
        })?;
        let text = self.to_string_as(format)?;
        std::fs::write(path, text).map_err(|source| CatalogueError::Write {
            path: path.to_path_buf(),
            source,
        })
    }

    /// Checks the catalogue and returns every problem found, each naming the entry and the
    /// field. The rules are listed in the documentation of the `validate` module: unique
    /// ids, known rights and attributes, SQL conditions that parse, measures that fit the
    /// kind and unit, benchmarks within the unit's range, sensible goalposts, weights and
    /// disaggregations.
    pub fn validate(&self) -> Result<(), ValidationReport> {
        validate::validate(self)
    }

    /// The catalogue itself if it passes [`validate`](Self::validate), otherwise
    /// [`CatalogueError::Invalid`].
    pub fn validated(self) -> Result<Catalogue, CatalogueError> {
        match self.validate() {
            Ok(()) => Ok(self),
            Err(report) => Err(CatalogueError::Invalid(report)),
        }
    }

    /// The right with this id.
    pub fn right(&self, id: &str) -> Option<&Right> {
        self.rights.iter().find(|r| r.id == id)
    }

    /// The attribute with this id.
    pub fn attribute(&self, id: &str) -> Option<&Attribute> {
        self.attributes.iter().find(|a| a.id == id)
    }

    /// The indicator with this id.
    pub fn indicator(&self, id: &str) -> Option<&Indicator> {
        self.indicators.iter().find(|i| i.id == id)
    }

    /// The attributes of a right, in catalogue order.
    pub fn attributes_of<'a>(&'a self, right: &'a str) -> impl Iterator<Item = &'a Attribute> {
        self.attributes.iter().filter(move |a| a.right == right)
    }

    /// The indicators of an attribute, in catalogue order.
    pub fn indicators_of<'a>(&'a self, attribute: &'a str) -> impl Iterator<Item = &'a Indicator> {
        self.indicators
            .iter()
            .filter(move |i| i.attribute == attribute)
    }

    /// The indicators of a right, in catalogue order.
    pub fn indicators_of_right<'a>(
        &'a self,
        right: &'a str,
    ) -> impl Iterator<Item = &'a Indicator> {
        self.indicators.iter().filter(move |i| i.right == right)
    }

    /// The indicators of one kind (structural, process or outcome), in catalogue order.
    pub fn indicators_of_kind(&self, kind: IndicatorKind) -> impl Iterator<Item = &Indicator> {
        self.indicators.iter().filter(move |i| i.kind == kind)
    }

    /// The indicators computed from survey microdata (process and outcome indicators).
    pub fn survey_indicators(&self) -> impl Iterator<Item = &Indicator> {
        self.indicators.iter().filter(|i| i.measure.is_survey())
    }

    /// The survey column that holds a dimension: the one mapped in
    /// [`dimensions`](Self::dimensions), or else the dimension's own name (`"sex"`,
    /// `"migratory_status"`, ...).
    pub fn column(&self, dimension: Dimension) -> &str {
        self.dimensions
            .get(&dimension)
            .map(String::as_str)
            .unwrap_or(dimension.as_str())
    }
}
