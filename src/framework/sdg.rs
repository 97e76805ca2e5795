//! The SDG data structure definition (`IAEG-SDGs:SDG`) as data: its dimensions and
//! attributes in order, the code lists hri uses, the content constraints of the series hri
//! writes, and the M49 area codes of the supported countries.
//!
//! The code lists are kept in `data/sdg/` (sources, versions and how to refresh them in
//! `data/sdg/README.md`) and compiled into the crate: the catalogue validates `sdg_series`
//! against them, [`crate::export`] writes `indicators.sdg.csv` with them, and the tests check
//! the file against them.
//!
//! ```
//! use hri::framework::sdg;
//!
//! assert!(sdg::has_code("CL_SERIES", "SL_TLF_UEM"));
//! assert!(!sdg::has_code("CL_SERIES", "SL_TLF_UEMX"));
//! assert_eq!(sdg::m49("MEX"), Some("484"));
//! assert_eq!(sdg::DIMENSIONS[0], ("FREQ", "CL_FREQ"));
//! ```

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

/// `data/sdg/codelists.csv`: codes of the DSD's code lists (generated from a DSD export).
pub const CODELISTS_CSV: &str = include_str!("../../data/sdg/codelists.csv");
/// `data/sdg/codelists_additions.csv`: newer codes hri uses, checked in newer copies.
pub const CODELISTS_ADDITIONS_CSV: &str = include_str!("../../data/sdg/codelists_additions.csv");
/// `data/sdg/series_constraints.csv`: allowed codes of the series hri writes.
pub const SERIES_CONSTRAINTS_CSV: &str = include_str!("../../data/sdg/series_constraints.csv");
/// `data/sdg/m49.csv`: ISO 3166 alpha-3 → M49 numeric area code.
pub const M49_CSV: &str = include_str!("../../data/sdg/m49.csv");

/// Maintenance agency of the SDG DSD and dataflows.
pub const AGENCY: &str = "IAEG-SDGs";
/// The DSD's id.
pub const DSD_ID: &str = "SDG";
/// The dataflow of country (national) data, `REPORTING_TYPE` `N`.
pub const DATAFLOW_ID: &str = "DF_SDG_GLC";
/// The version of [`DATAFLOW_ID`] (the one the registry's constraint `CN_SDG_GLC(1.22)` is
/// attached to; see `data/sdg/README.md`).
pub const DATAFLOW_VERSION: &str = "1.22";

/// The 15 dimensions of the DSD, in order, with their code lists.
pub const DIMENSIONS: [(&str, &str); 15] = [
    ("FREQ", "CL_FREQ"),
    ("REPORTING_TYPE", "CL_REPORTING_TYPE"),
    ("SERIES", "CL_SERIES"),
    ("REF_AREA", "CL_AREA"),
    ("SEX", "CL_SEX"),
    ("AGE", "CL_AGE"),
    ("URBANISATION", "CL_URBANISATION"),
    ("INCOME_WEALTH_QUANTILE", "CL_QUANTILE"),
    ("EDUCATION_LEV", "CL_EDUCATION_LEV"),
    ("OCCUPATION", "CL_OCCUPATION"),
    ("CUST_BREAKDOWN", "CL_CUST_BREAKDOWN"),
    ("COMPOSITE_BREAKDOWN", "CL_COMP_BREAKDOWN"),
    ("DISABILITY_STATUS", "CL_DISABILITY"),
    ("ACTIVITY", "CL_ACTIVITY"),
    ("PRODUCT", "CL_PRODUCT"),
];

/// An attribute of the DSD that hri writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SdgAttribute {
    /// Concept id (the column name).
    pub id: &'static str,
    /// Its code list, or `None` for free text or a number.
    pub codelist: Option<&'static str>,
    /// Whether the DSD makes it mandatory (otherwise conditional).
    pub mandatory: bool,
}

/// The attributes hri writes, in the DSD's order: the three mandatory ones, then the
/// conditional ones hri can fill. (The DSD's other conditional attributes, such as
/// `TIME_COVERAGE`, `BASE_PER`, `TIME_DETAIL`, `COMMENT_TS`, `GEO_INFO_URL`,
/// `GEO_INFO_TYPE`, `CUST_BREAKDOWN_LB` and `DATA_LAST_UPDATE`, are not written.)
pub const ATTRIBUTES: [SdgAttribute; 8] = [
    SdgAttribute {
        id: "OBS_STATUS",
        codelist: Some("CL_OBS_STATUS"),
        mandatory: true,
    },
    SdgAttribute {
        id: "UNIT_MULT",
        codelist: Some("CL_UNIT_MULT"),
        mandatory: true,
    },
    SdgAttribute {
        id: "UNIT_MEASURE",
        codelist: Some("CL_UNIT_MEASURE"),
        mandatory: true,
    },
    SdgAttribute {
        id: "NATURE",
        codelist: Some("CL_NATURE"),
        mandatory: false,
    },
    SdgAttribute {
        id: "COMMENT_OBS",
        codelist: None,
        mandatory: false,
    },
    SdgAttribute {
        id: "UPPER_BOUND",
        codelist: None,
        mandatory: false,
    },
    SdgAttribute {
        id: "LOWER_BOUND",
        codelist: None,
        mandatory: false,
    },
    SdgAttribute {
        id: "SOURCE_DETAIL",
        codelist: None,
        mandatory: false,
    },
];

/// One code of a kept code list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SdgCode {
    /// Code list id (`CL_SERIES`).
    pub codelist: String,
    /// Code list version in the source (empty for an addition).
    pub version: String,
    /// The code.
    pub code: String,
    /// Its English name.
    pub name: String,
    /// Where it was read.
    pub source: String,
}

struct Tables {
    codes: Vec<SdgCode>,
    index: BTreeMap<String, BTreeSet<String>>,
    constraints: BTreeMap<(String, String), Vec<String>>,
    m49: BTreeMap<String, (String, String)>,
}

/// Splits one CSV record (RFC 4180 quoting; no line breaks inside fields).
fn fields(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            ('"', true) => quoted = false,
            ('"', false) if cur.is_empty() => quoted = true,
            (',', false) => out.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    out.push(cur);
    out
}

/// The records of a kept CSV file: comment lines (`#`) and the header skipped.
fn records(text: &str) -> impl Iterator<Item = Vec<String>> + '_ {
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .skip(1)
        .map(fields)
}

fn tables() -> &'static Tables {
    static TABLES: OnceLock<Tables> = OnceLock::new();
    TABLES.get_or_init(|| {
        let mut codes = Vec::new();
        for text in [CODELISTS_CSV, CODELISTS_ADDITIONS_CSV] {
            for r in records(text) {
                if let [codelist, version, code, name, source] = r.as_slice() {
                    codes.push(SdgCode {
                        codelist: codelist.clone(),
                        version: version.clone(),
                        code: code.clone(),
                        name: name.clone(),
                        source: source.clone(),
                    });
                }
            }
        }
        let mut index: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for c in &codes {
            index
                .entry(c.codelist.clone())
                .or_default()
                .insert(c.code.clone());
        }
        let constraints = records(SERIES_CONSTRAINTS_CSV)
            .filter_map(|r| match r.as_slice() {
                [series, component, allowed] => Some((
                    (series.clone(), component.clone()),
                    allowed.split(';').map(str::to_string).collect(),
                )),
                _ => None,
            })
            .collect();
        let m49 = records(M49_CSV)
            .filter_map(|r| match r.as_slice() {
                [iso3, m49, name] => Some((iso3.clone(), (m49.clone(), name.clone()))),
                _ => None,
            })
            .collect();
        Tables {
            codes,
            index,
            constraints,
            m49,
        }
    })
}

/// Every kept code, in file order (`codelists.csv`, then the additions).
pub fn codes() -> &'static [SdgCode] {
    &tables().codes
}

/// Whether `code` is in the kept code list `codelist`.
pub fn has_code(codelist: &str, code: &str) -> bool {
    tables()
        .index
        .get(codelist)
        .is_some_and(|set| set.contains(code))
}

/// The kept codes of a code list, sorted.
pub fn codes_of(codelist: &str) -> Vec<&'static str> {
    tables()
        .index
        .get(codelist)
        .map(|s| s.iter().map(String::as_str).collect())
        .unwrap_or_default()
}

/// The English name of a code.
pub fn code_name(codelist: &str, code: &str) -> Option<&'static str> {
    tables()
        .codes
        .iter()
        .find(|c| c.codelist == codelist && c.code == code)
        .map(|c| c.name.as_str())
}

/// The codes a series allows for a component (`UNIT_MEASURE`, `AGE`, ...), or `None` when
/// the kept constraints do not restrict it (any code of the component's code list).
pub fn allowed(series: &str, component: &str) -> Option<&'static [String]> {
    tables()
        .constraints
        .get(&(series.to_string(), component.to_string()))
        .map(Vec::as_slice)
}

/// The M49 numeric code (no leading zeros) of an ISO 3166-1 alpha-3 code, for the
/// countries in `data/sdg/m49.csv`; a code that is already numeric is returned without its
/// leading zeros.
pub fn m49(area: &str) -> Option<&'static str> {
    let t = tables();
    if let Some((m, _)) = t.m49.get(&area.trim().to_ascii_uppercase()) {
        return Some(m.as_str());
    }
    t.m49
        .values()
        .find(|(m, _)| area.trim().trim_start_matches('0') == m)
        .map(|(m, _)| m.as_str())
}

/// The alpha-3 codes with an M49 code.
pub fn m49_countries() -> Vec<&'static str> {
    tables().m49.keys().map(String::as_str).collect()
}

/// The code list of a dimension or coded attribute (`AGE` → `CL_AGE`).
pub fn codelist_of(concept: &str) -> Option<&'static str> {
    DIMENSIONS
        .iter()
        .find(|(d, _)| *d == concept)
        .map(|(_, c)| *c)
        .or_else(|| {
            ATTRIBUTES
                .iter()
                .find(|a| a.id == concept)
                .and_then(|a| a.codelist)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kept_lists_load() {
        for (dim, cl) in DIMENSIONS {
            assert!(
                has_code(cl, "_T")
                    || dim == "FREQ"
                    || dim == "REPORTING_TYPE"
                    || dim == "SERIES"
                    || dim == "REF_AREA",
                "{cl}"
            );
        }
        for series in [
            "SL_TLF_UEM",
            "SL_ISV_IFEM",
            "SL_EMP_RCOST_MO",
            "SE_PRE_PARTN",
            "SL_TLF_NEET",
        ] {
            assert!(has_code("CL_SERIES", series), "{series}");
        }
        for unit in ["PT", "MO_EARN", "CUR_LCU", "NUMBER"] {
            assert!(has_code("CL_UNIT_MEASURE", unit), "{unit}");
        }
        for code in ["MS_MIGRANT", "MS_NOMIGRANT"] {
            assert!(has_code("CL_COMP_BREAKDOWN", code));
        }
        for code in ["PD", "PWD", "_T"] {
            assert!(has_code("CL_DISABILITY", code));
        }
        assert!(has_code("CL_AGE", "Y15T24") && has_code("CL_AGE", "Y_GE15"));
        assert!(has_code("CL_AREA", "484") && has_code("CL_AREA", "788"));
        assert_eq!(m49("tun"), Some("788"));
        assert_eq!(m49("0484"), Some("484"));
        assert_eq!(m49("XYZ"), None);
        assert_eq!(allowed("SL_TLF_UEM", "UNIT_MEASURE").unwrap(), ["PT"]);
        assert!(allowed("SL_TLF_UEM", "SEX").is_none());
        assert_eq!(codelist_of("OBS_STATUS"), Some("CL_OBS_STATUS"));
        assert_eq!(fields(r#"a,"b, ""c""",d"#), ["a", "b, \"c\"", "d"]);
    }
}
