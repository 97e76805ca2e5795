//! SDMX-CSV 1.0 output of the survey observations, and a reader for it.
//!
//! This file is the project's own **national dataflow** (`HRI:DF_HRI_MIGRANTS` by
//! default): every survey observation, every dimension the results have, withheld figures
//! included with their status. Its data structure definition is written beside it as
//! `indicators.sdmx.structure.xml` ([`super::structure`]), so that SDMX tools can load it.
//! For the SDG Global Database, `indicators.sdg.csv` ([`super::sdg`]) follows the SDG DSD
//! instead (SERIES codes, M49 areas, `COMPOSITE_BREAKDOWN` for migratory status, `PWD`
//! for persons without disability, no empty values).
//!
//! # Layout
//!
//! SDMX-CSV 1.0 (the SDMX 2.1 CSV format that `data.un.org` returns for the SDG dataflow):
//! the first column `DATAFLOW` holds `AGENCY:ID(VERSION)`, then the dimensions, then
//! `TIME_PERIOD` and `OBS_VALUE`, then the attributes. One line per observation: every
//! process and outcome indicator × group of the [`Results`], in the table's order.
//!
//! ```text
//! DATAFLOW,REF_AREA,INDICATOR,SEX,AGE,DISABILITY_STATUS,MIGRATORY_STATUS,TIME_PERIOD,OBS_VALUE,UNIT_MEASURE,OBS_STATUS,STANDARD_ERROR,LOWER_BOUND,UPPER_BOUND,COMMENT_OBS
//! HRI:DF_HRI_MIGRANTS(1.0),MEX,HEALTH_INSURANCE,_T,_T,_T,FB_NONCIT,2020,61.25,PT,A,1.5,58.1,64.4,
//! HRI:DF_HRI_MIGRANTS(1.0),MEX,HEALTH_INSURANCE,F,_T,_T,RETURN,2020,,PT,Q,,,,"suppressed: n = 12 < 30"
//! ```
//!
//! | column | content |
//! |---|---|
//! | `DATAFLOW` | `AGENCY:ID(VERSION)` from [`SdmxOptions`]; default `HRI:DF_HRI_MIGRANTS(1.0)`. `HRI` is not a registered SDMX maintenance agency: it names this library's own dataflow, to be replaced by the publishing office's agency and dataflow |
//! | `REF_AREA` | the results' `ref_area` as given (ISO 3166 alpha-3 in the pilots: `MEX`, `TUN`). The SDG global dataflow `IAEG-SDGs:DF_SDG_GLH` uses M49 numeric codes (`484`, `788`) instead |
//! | `INDICATOR` | the catalogue's indicator id in upper case (`health_insurance` → `HEALTH_INSURANCE`), see [`indicator_code`] |
//! | `SEX` | `_T` total, `M` male, `F` female, `_U` unknown (SDMX cross-domain `CL_SEX`) |
//! | `AGE` | `_T` total; band `a-b` → `YaTb` (`15-24` → `Y15T24`); `a+` → `Y_GEa` (`60+` → `Y_GE60`); `_U` unknown (SDMX `CL_AGE` pattern) |
//! | `DISABILITY_STATUS` | `_T` total, `PD` persons with disability, `NPD` persons without disability, `_U` unknown. The dimension is the SDG one; `PD` is the SDG code, but the SDG code list (`CL_DISABILITY`) codes persons without disability `PWD`, which `indicators.sdg.csv` uses; this national file keeps `NPD` |
//! | `MIGRATORY_STATUS` | this library's code list (the SDG global DSD has no migratory-status dimension): `_T` total; the classes of the UN Expert Group on Migration Statistics (2017): `NATIVE` native-born citizens (non-migrants), `NB_NONCIT` native-born non-citizens, `FB_CIT` foreign-born citizens, `FB_NONCIT` foreign-born non-citizens, `RETURN` return migrants; `_U` unknown |
//! | `PLACE_OF_BIRTH` | (when the results have the roll-up) `NATIVE_BORN`, `FOREIGN_BORN` (the international migrants), `_T`, `_U` |
//! | further dimensions | one column per other dimension of the results, in [`Dimension`] order: `CITIZENSHIP` (`CIT` citizens, `NONCIT` non-citizens: the roll-up of migratory status), `COUNTRY_OF_BIRTH`, `LEGAL_STATUS`, `DURATION_OF_STAY`, `URBANISATION` (`U`, `R`), `REGION`, `INCOME_WEALTH_QUANTILE` (`Q1`…`Q5`); `_T` where the row is not broken down by it |
//! | `TIME_PERIOD` | the round's label (`2020`) |
//! | `OBS_VALUE` | the estimate, in the unit below, at full precision; **empty when the figure is withheld** |
//! | `UNIT_MEASURE` | the unit code of the `unit` column (`PT` percent, `PROP`, `PER_100000`, `MXN`, `YR`, ...) |
//! | `OBS_STATUS` | SDMX `CL_OBS_STATUS` (v2.2): `A` normal value (quality `reliable` or `moderate`), `U` low reliability (`low`: published with a warning), `Q` missing value; suppressed (not published), `L` missing value; data exist but were not collected (the indicator was skipped: its variable is not in the survey), `O` missing value without a breakdown of reasons (no observation of the group in the sample, which may be a sampling zero or an impossible cell such as the unemployment of children; or an estimate that is not defined) |
//! | `STANDARD_ERROR` | the standard error, same unit; empty when withheld |
//! | `LOWER_BOUND`, `UPPER_BOUND` | the confidence interval (the pipeline's method and level, 95 % by default), as in the SDG dataflow; empty when withheld |
//! | `COMMENT_OBS` | the quality reason when the figure is not plainly reliable (why it is flagged or withheld), or why the indicator was skipped |
//! | `SYNTHETIC` | only for synthetic data: `true` on every line |
//!
//! Every unpublished figure is withheld here, whether or not the pipeline already nulled it:
//! its line stays, with `OBS_VALUE`, `STANDARD_ERROR` and the bounds empty and `OBS_STATUS`
//! saying why. Structural indicators (commitments: a status such as `ratified`, not a
//! measured value) are not observations and are not written; they are in `indicators.csv`
//! and the report.
//!
//! A value of a dimension that has no code in the lists above is written in upper case,
//! with every character other than `A`–`Z`, `0`–`9`, `_`, `-`, `@` and `$` replaced by `_`
//! ([`sanitize_code`]). Two groups whose values give the same key are an error
//! ([`ExportError::DuplicateKey`]), never a silent overwrite.

use std::collections::HashSet;
use std::path::Path;

use super::csv::{parse_csv, quote};
use super::{ExportError, read_text, write_bytes};
use crate::framework::{Dimension, IndicatorKind, label};
use crate::quality::QualityFlag;
use crate::results::{IndicatorRow, Results};

/// The dimensions written for every results table, in column order (others follow only
/// when the results have them).
pub const CORE_DIMENSIONS: [Dimension; 4] = [
    Dimension::Sex,
    Dimension::AgeGroup,
    Dimension::Disability,
    Dimension::MigratoryStatus,
];

/// The code of "total" (not broken down by the dimension).
pub const TOTAL_CODE: &str = "_T";

/// The code of "unknown".
pub const UNKNOWN_CODE: &str = "_U";

/// Identification of the dataflow in the `DATAFLOW` column: `AGENCY:ID(VERSION)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SdmxOptions {
    /// Maintenance agency id (default `HRI`).
    pub agency: String,
    /// Dataflow id (default `DF_HRI_MIGRANTS`).
    pub dataflow: String,
    /// Dataflow version (default `1.0`).
    pub version: String,
}

impl Default for SdmxOptions {
    fn default() -> Self {
        SdmxOptions {
            agency: "HRI".to_string(),
            dataflow: "DF_HRI_MIGRANTS".to_string(),
            version: "1.0".to_string(),
        }
    }
}

impl SdmxOptions {
    /// The `DATAFLOW` value, `AGENCY:ID(VERSION)`.
    pub fn dataflow_ref(&self) -> String {
        format!("{}:{}({})", self.agency, self.dataflow, self.version)
    }

    /// Checks the ids against the SDMX id pattern (`A`–`Z`, `a`–`z`, `0`–`9`, `_`, `-`,
    /// `@`, `$`; agencies may also contain `.`) and the version (numbers separated by `.`).
    ///
    /// # Errors
    /// [`ExportError::InvalidOption`] naming the field.
    pub fn validate(&self) -> Result<(), ExportError> {
        let id_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '@' | '$');
        let bad = |field: &'static str, value: &str, message: &str| ExportError::InvalidOption {
            field,
            value: value.to_string(),
            message: message.to_string(),
        };
        if self.agency.is_empty() || !self.agency.chars().all(|c| id_char(c) || c == '.') {
            return Err(bad(
                "sdmx.agency",
                &self.agency,
                "use A-Z, a-z, 0-9, _, -, @, $ or .",
            ));
        }
        if self.dataflow.is_empty() || !self.dataflow.chars().all(id_char) {
            return Err(bad(
                "sdmx.dataflow",
                &self.dataflow,
                "use A-Z, a-z, 0-9, _, -, @ or $",
            ));
        }
        let version_ok = !self.version.is_empty()
            && self
                .version
                .split('.')
                .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()));
        if !version_ok {
            return Err(bad(
                "sdmx.version",
                &self.version,
                "use numbers separated by '.', e.g. 1.0",
            ));
        }
        Ok(())
    }
}

/// The SDMX concept (column name) of a dimension.
pub fn dimension_concept(d: Dimension) -> &'static str {
    match d {
        Dimension::MigratoryStatus => "MIGRATORY_STATUS",
        Dimension::PlaceOfBirth => "PLACE_OF_BIRTH",
        Dimension::Sex => "SEX",
        Dimension::AgeGroup => "AGE",
        Dimension::Disability => "DISABILITY_STATUS",
        Dimension::ChildFunctioning => "CHILD_FUNCTIONING",
        Dimension::Citizenship => "CITIZENSHIP",
        Dimension::CountryOfBirth => "COUNTRY_OF_BIRTH",
        Dimension::LegalStatus => "LEGAL_STATUS",
        Dimension::DurationOfStay => "DURATION_OF_STAY",
        Dimension::UrbanRural => "URBANISATION",
        Dimension::Region => "REGION",
        Dimension::IncomeQuintile => "INCOME_WEALTH_QUANTILE",
        // A catalogue's own dimension: its name in upper case.
        Dimension::Other(_) => d.upper_name(),
    }
}

/// The dimensions of the SDMX file of `results`: [`CORE_DIMENSIONS`], then the results'
/// other dimensions in [`Dimension`] order.
pub fn dimensions_of(results: &Results) -> Vec<Dimension> {
    let mut dims = CORE_DIMENSIONS.to_vec();
    for d in Dimension::ALL {
        if !dims.contains(&d) && results.dimensions().contains(&d) {
            dims.push(d);
        }
    }
    // Then the catalogue's own dimensions, in the results' order.
    for &d in results.dimensions() {
        if !dims.contains(&d) {
            dims.push(d);
        }
    }
    dims
}

/// A value as an SDMX code: upper case, every character outside `A`–`Z`, `0`–`9`, `_`,
/// `-`, `@`, `$` replaced by `_`; empty text gives [`UNKNOWN_CODE`].
pub fn sanitize_code(value: &str) -> String {
    if value.trim().is_empty() {
        return UNKNOWN_CODE.to_string();
    }
    value
        .trim()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else if matches!(c, '_' | '-' | '@' | '$') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// The code of the indicator id (upper case, sanitized).
pub fn indicator_code(id: &str) -> String {
    sanitize_code(id)
}

/// The code of a group value of a dimension (`None`: the row is not broken down by the
/// dimension, [`TOTAL_CODE`]). See the [module documentation](self) for the code lists.
pub fn dimension_code(d: Dimension, value: Option<&str>) -> String {
    let Some(raw) = value else {
        return TOTAL_CODE.to_string();
    };
    let v = raw.trim().to_ascii_lowercase();
    if v == crate::results::TOTAL {
        return TOTAL_CODE.to_string();
    }
    if v == crate::framework::UNKNOWN || v.is_empty() {
        return UNKNOWN_CODE.to_string();
    }
    let fixed = match d {
        Dimension::Sex => match v.as_str() {
            "male" | "m" => Some("M"),
            "female" | "f" => Some("F"),
            _ => None,
        },
        Dimension::Disability => match v.as_str() {
            "with_disability" => Some("PD"),
            "without_disability" => Some("NPD"),
            _ => None,
        },
        Dimension::MigratoryStatus => match v.as_str() {
            label::NATIVE_BORN_CITIZEN => Some("NATIVE"),
            label::NATIVE_BORN_NON_CITIZEN => Some("NB_NONCIT"),
            label::FOREIGN_BORN_CITIZEN => Some("FB_CIT"),
            label::FOREIGN_BORN_NON_CITIZEN => Some("FB_NONCIT"),
            label::RETURN_MIGRANT => Some("RETURN"),
            _ => None,
        },
        Dimension::PlaceOfBirth => match v.as_str() {
            label::NATIVE_BORN => Some("NATIVE_BORN"),
            label::FOREIGN_BORN => Some("FOREIGN_BORN"),
            _ => None,
        },
        Dimension::Citizenship => match v.as_str() {
            label::CITIZEN => Some("CIT"),
            label::NON_CITIZEN => Some("NONCIT"),
            _ => None,
        },
        Dimension::UrbanRural => match v.as_str() {
            "urban" => Some("U"),
            "rural" => Some("R"),
            _ => None,
        },
        Dimension::AgeGroup => return age_code(&v).unwrap_or_else(|| sanitize_code(raw)),
        Dimension::IncomeQuintile => {
            let digits = v.trim_start_matches('q');
            if matches!(digits, "1" | "2" | "3" | "4" | "5") {
                return format!("Q{digits}");
            }
            None
        }
        _ => None,
    };
    fixed
        .map(str::to_string)
        .unwrap_or_else(|| sanitize_code(raw))
}

/// `a-b` → `YaTb`, `a+` → `Y_GEa`, `<a` → `Y_LTa`.
fn age_code(v: &str) -> Option<String> {
    let num = |s: &str| s.trim().parse::<u32>().ok();
    if let Some(a) = v.strip_suffix('+') {
        return num(a).map(|a| format!("Y_GE{a}"));
    }
    if let Some(a) = v.strip_prefix('<') {
        return num(a).map(|a| format!("Y_LT{a}"));
    }
    let (a, b) = v.split_once('-')?;
    Some(format!("Y{}T{}", num(a)?, num(b)?))
}

/// The `OBS_STATUS` of a row (see the [module documentation](self)).
pub fn obs_status(row: &IndicatorRow) -> &'static str {
    match row.quality_flag {
        None => "L",
        Some(QualityFlag::Empty) => "O",
        Some(_) if !row.published => "Q",
        Some(_) if row.estimate.is_none() => "O",
        Some(QualityFlag::Low) => "U",
        Some(_) => "A",
    }
}

/// Writes the survey observations of `results` to `path` as SDMX-CSV (layout in the
/// [module documentation](self)); with `synthetic`, a last column `SYNTHETIC` = `true`.
///
/// # Errors
/// [`ExportError::InvalidOption`] for a malformed dataflow id;
/// [`ExportError::DuplicateKey`] when two rows map to the same key;
/// [`ExportError::Write`] if the file cannot be written.
pub fn write_sdmx_csv(
    results: &Results,
    path: impl AsRef<Path>,
    options: &SdmxOptions,
    synthetic: bool,
) -> Result<(), ExportError> {
    let path = path.as_ref();
    options.validate()?;
    let dims = dimensions_of(results);
    let positions: Vec<Option<usize>> = dims
        .iter()
        .map(|d| results.dimensions().iter().position(|x| x == d))
        .collect();
    let meta = results.meta();
    let dataflow = quote(&options.dataflow_ref());
    let ref_area = quote(&meta.ref_area);
    let time = quote(&meta.time_period);

    let mut header = vec!["DATAFLOW", "REF_AREA", "INDICATOR"];
    header.extend(dims.iter().map(|d| dimension_concept(*d)));
    header.extend([
        "TIME_PERIOD",
        "OBS_VALUE",
        "UNIT_MEASURE",
        "OBS_STATUS",
        "STANDARD_ERROR",
        "LOWER_BOUND",
        "UPPER_BOUND",
        "COMMENT_OBS",
    ]);
    if synthetic {
        header.push("SYNTHETIC");
    }
    let mut out = header.join(",");
    out.push('\n');
    let mut seen = HashSet::new();
    let num = |x: Option<f64>| x.map(|v| format!("{v}")).unwrap_or_default();
    for row in results.rows() {
        if row.kind == IndicatorKind::Structural {
            continue;
        }
        let codes: Vec<String> = positions
            .iter()
            .zip(&dims)
            .map(|(p, d)| {
                let value = p.and_then(|p| row.groups.get(p).cloned().flatten());
                dimension_code(*d, value.as_deref())
            })
            .collect();
        let indicator = indicator_code(&row.indicator_id);
        let key = std::iter::once(format!("INDICATOR={indicator}"))
            .chain(
                dims.iter()
                    .zip(&codes)
                    .map(|(d, c)| format!("{}={c}", dimension_concept(*d))),
            )
            .collect::<Vec<_>>()
            .join(",");
        if !seen.insert(key.clone()) {
            return Err(ExportError::DuplicateKey {
                file: path.display().to_string(),
                indicator: row.indicator_id.clone(),
                group: row.group.clone(),
                key,
            });
        }
        let status = obs_status(row);
        let show = row.published && row.quality_flag.is_some();
        let value = |x: Option<f64>| if show { num(x) } else { String::new() };
        let comment = match (&row.quality_flag, &row.quality_reason) {
            (None, _) => meta
                .skipped
                .iter()
                .find(|(id, _)| *id == row.indicator_id)
                .map(|(_, why)| format!("not estimated: {why}"))
                .unwrap_or_default(),
            (Some(_), Some(reason)) => reason.clone(),
            (Some(_), None) => String::new(),
        };
        let mut fields = vec![dataflow.clone(), ref_area.clone(), quote(&indicator)];
        fields.extend(codes.iter().map(|c| quote(c)));
        fields.extend([
            time.clone(),
            value(row.estimate),
            quote(&row.unit),
            status.to_string(),
            value(row.se),
            value(row.ci_low),
            value(row.ci_high),
            if comment.is_empty() {
                String::new()
            } else {
                quote(&comment)
            },
        ]);
        if synthetic {
            fields.push("true".to_string());
        }
        out.push_str(&fields.join(","));
        out.push('\n');
    }
    write_bytes(path, out.as_bytes())
}

/// One observation read back from an SDMX-CSV file.
#[derive(Debug, Clone, PartialEq)]
pub struct SdmxObservation {
    /// The `DATAFLOW` value.
    pub dataflow: String,
    /// The dimensions between `DATAFLOW` and `TIME_PERIOD`, as (concept, code) in file
    /// order.
    pub key: Vec<(String, String)>,
    /// `TIME_PERIOD`.
    pub time_period: String,
    /// `OBS_VALUE` (`None` when empty).
    pub obs_value: Option<f64>,
    /// `UNIT_MEASURE`.
    pub unit_measure: Option<String>,
    /// `OBS_STATUS`.
    pub obs_status: Option<String>,
    /// `STANDARD_ERROR`.
    pub standard_error: Option<f64>,
    /// `LOWER_BOUND`.
    pub lower_bound: Option<f64>,
    /// `UPPER_BOUND`.
    pub upper_bound: Option<f64>,
    /// `COMMENT_OBS`.
    pub comment: Option<String>,
    /// 1-based line of the observation in the file.
    pub line: usize,
}

impl SdmxObservation {
    /// The code of a dimension (`"SEX"`, `"INDICATOR"`, ...).
    pub fn dimension(&self, concept: &str) -> Option<&str> {
        self.key
            .iter()
            .find(|(c, _)| c == concept)
            .map(|(_, v)| v.as_str())
    }
}

/// Reads an SDMX-CSV 1.0 file: the first column must be `DATAFLOW`; the columns before
/// `TIME_PERIOD` are the dimensions; `OBS_VALUE` is required; the attributes listed in
/// [`SdmxObservation`] are read when present, others ignored.
///
/// # Errors
/// [`ExportError::Read`] / [`ExportError::Parse`] for an unreadable or malformed file;
/// [`ExportError::MissingColumn`] when `DATAFLOW`, `TIME_PERIOD` or `OBS_VALUE` is absent
/// or `DATAFLOW` is not first; [`ExportError::Value`] naming the line and column for a
/// number that does not parse or an empty dimension code.
pub fn read_sdmx_csv(path: impl AsRef<Path>) -> Result<Vec<SdmxObservation>, ExportError> {
    let path = path.as_ref();
    let table = parse_csv(&read_text(path)?, path)?;
    if table.header.first().map(String::as_str) != Some("DATAFLOW") {
        return Err(ExportError::MissingColumn {
            path: path.to_path_buf(),
            column: "DATAFLOW (as the first column)".to_string(),
        });
    }
    let time = table.require("TIME_PERIOD")?;
    table.require("OBS_VALUE")?;
    let mut out = Vec::with_capacity(table.rows.len());
    for (i, record) in table.rows.iter().enumerate() {
        let line = table.lines[i];
        let text = |j: usize| record.get(j).cloned().flatten();
        let required = |j: usize| -> Result<String, ExportError> {
            text(j).ok_or_else(|| ExportError::Value {
                path: path.to_path_buf(),
                line,
                column: table.header[j].clone(),
                message: "empty field; a code is required".to_string(),
            })
        };
        let number = |name: &str| -> Result<Option<f64>, ExportError> {
            match table.position(name) {
                None => Ok(None),
                Some(_) => table.f64(i, name),
            }
        };
        let attribute = |name: &str| table.position(name).and_then(&text);
        let key = (1..time)
            .map(|j| Ok((table.header[j].clone(), required(j)?)))
            .collect::<Result<Vec<_>, ExportError>>()?;
        out.push(SdmxObservation {
            dataflow: required(0)?,
            key,
            time_period: required(time)?,
            obs_value: number("OBS_VALUE")?,
            unit_measure: attribute("UNIT_MEASURE"),
            obs_status: attribute("OBS_STATUS"),
            standard_error: number("STANDARD_ERROR")?,
            lower_bound: number("LOWER_BOUND")?,
            upper_bound: number("UPPER_BOUND")?,
            comment: attribute("COMMENT_OBS"),
            line,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes() {
        use Dimension::*;
        assert_eq!(dimension_code(Sex, None), "_T");
        assert_eq!(dimension_code(Sex, Some("female")), "F");
        assert_eq!(dimension_code(Sex, Some("male")), "M");
        assert_eq!(dimension_code(Sex, Some("unknown")), "_U");
        assert_eq!(dimension_code(AgeGroup, Some("15-24")), "Y15T24");
        assert_eq!(dimension_code(AgeGroup, Some("60+")), "Y_GE60");
        assert_eq!(dimension_code(AgeGroup, Some("0-14")), "Y0T14");
        assert_eq!(
            dimension_code(AgeGroup, Some("young adults")),
            "YOUNG_ADULTS"
        );
        assert_eq!(dimension_code(Disability, Some("with_disability")), "PD");
        assert_eq!(
            dimension_code(Disability, Some("without_disability")),
            "NPD"
        );
        assert_eq!(
            dimension_code(MigratoryStatus, Some("native_born_citizen")),
            "NATIVE"
        );
        assert_eq!(
            dimension_code(MigratoryStatus, Some("return_migrant")),
            "RETURN"
        );
        assert_eq!(dimension_code(IncomeQuintile, Some("q3")), "Q3");
        assert_eq!(dimension_code(Region, Some("Túnez, Norte")), "T_NEZ__NORTE");
        assert_eq!(indicator_code("health_insurance"), "HEALTH_INSURANCE");
    }

    #[test]
    fn options_are_validated() {
        assert!(SdmxOptions::default().validate().is_ok());
        assert_eq!(
            SdmxOptions::default().dataflow_ref(),
            "HRI:DF_HRI_MIGRANTS(1.0)"
        );
        let bad = SdmxOptions {
            dataflow: "DF X".into(),
            ..SdmxOptions::default()
        };
        assert!(
            bad.validate()
                .unwrap_err()
                .to_string()
                .contains("sdmx.dataflow")
        );
        let bad = SdmxOptions {
            version: "1.x".into(),
            ..SdmxOptions::default()
        };
        assert!(bad.validate().is_err());
    }
}
