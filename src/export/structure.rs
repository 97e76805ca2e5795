//! `indicators.sdmx.structure.xml`: the data structure definition of the project's own
//! national dataflow (`indicators.sdmx.csv`, default `HRI:DF_HRI_MIGRANTS(1.0)`), as an
//! SDMX-ML 2.1 structure message, so that SDMX tools can load that file.
//!
//! The message holds, all maintained by the dataflow's agency at the dataflow's version:
//! one code list per dimension (`CL_REF_AREA`, `CL_INDICATOR`, `CL_SEX`, ...) with the codes
//! the file uses, the code lists `CL_UNIT_MEASURE` and `CL_OBS_STATUS` likewise; the concept
//! scheme `CS_HRI` (every column); the data structure `DSD_<dataflow id without DF_>` with
//! the file's dimensions in order, `TIME_PERIOD`, the primary measure `OBS_VALUE` and the
//! attributes (coded `UNIT_MEASURE` and `OBS_STATUS`, free `STANDARD_ERROR`, `LOWER_BOUND`,
//! `UPPER_BOUND`, `COMMENT_OBS`, `SYNTHETIC`), all conditional and attached to the
//! observation; and the dataflow itself. It is written from the CSV file just written, so
//! the two always agree.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use super::csv::parse_csv;
use super::sdmx::SdmxOptions;
use super::{ExportError, read_text, write_bytes};
use crate::results::Results;

/// File name of the national dataflow's structure message.
pub const INDICATORS_SDMX_STRUCTURE: &str = "indicators.sdmx.structure.xml";

/// The attributes of `indicators.sdmx.csv` that take their values from a code list.
const CODED_ATTRIBUTES: [&str; 2] = ["UNIT_MEASURE", "OBS_STATUS"];

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Writes the structure message of the SDMX-CSV file at `csv_path` (written by
/// [`super::write_sdmx_csv`] with the same `options`) to `path`.
///
/// # Errors
/// [`ExportError::Read`] / [`ExportError::Parse`] if the CSV file cannot be read back;
/// [`ExportError::Write`] if the message cannot be written.
pub fn write_sdmx_structure(
    results: &Results,
    csv_path: impl AsRef<Path>,
    path: impl AsRef<Path>,
    options: &SdmxOptions,
) -> Result<(), ExportError> {
    let csv_path = csv_path.as_ref();
    let table = parse_csv(&read_text(csv_path)?, csv_path)?;
    let time = table.require("TIME_PERIOD")?;
    let dims: Vec<String> = table.header[1..time].to_vec();
    let attrs: Vec<String> = table.header[time + 1..]
        .iter()
        .filter(|h| *h != "OBS_VALUE")
        .cloned()
        .collect();
    let mut codes: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for row in &table.rows {
        for (j, h) in table.header.iter().enumerate() {
            if (dims.contains(h) || CODED_ATTRIBUTES.contains(&h.as_str()))
                && let Some(Some(v)) = row.get(j)
            {
                codes.entry(h.clone()).or_default().insert(v.clone());
            }
        }
    }
    let names: BTreeMap<String, String> = results
        .rows()
        .iter()
        .map(|r| {
            (
                super::sdmx::indicator_code(&r.indicator_id),
                r.indicator_name.clone(),
            )
        })
        .collect();
    let (agency, version) = (esc(&options.agency), esc(&options.version));
    let dsd_id = format!(
        "DSD_{}",
        options
            .dataflow
            .strip_prefix("DF_")
            .unwrap_or(&options.dataflow)
    );
    let mut x = String::new();
    x.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    x.push_str("<mes:Structure xmlns:mes=\"http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message\" xmlns:str=\"http://www.sdmx.org/resources/sdmxml/schemas/v2_1/structure\" xmlns:com=\"http://www.sdmx.org/resources/sdmxml/schemas/v2_1/common\">\n");
    x.push_str("  <mes:Header>\n    <mes:ID>HRI_STRUCTURE</mes:ID>\n    <mes:Test>false</mes:Test>\n    <mes:Prepared>2000-01-01T00:00:00</mes:Prepared>\n    <mes:Sender id=\"HRI\"/>\n  </mes:Header>\n  <mes:Structures>\n");
    // SDMX-ML 2.1 orders the structures: dataflows before code lists, concepts and DSDs.
    x.push_str(&format!(
        "    <str:Dataflows>\n      <str:Dataflow id=\"{}\" agencyID=\"{agency}\" version=\"{version}\" isFinal=\"false\">\n        <com:Name xml:lang=\"en\">Human-rights indicators for migrants</com:Name>\n        <str:Structure><Ref id=\"{}\" version=\"{version}\" agencyID=\"{agency}\" package=\"datastructure\" class=\"DataStructure\"/></str:Structure>\n      </str:Dataflow>\n    </str:Dataflows>\n    <str:Codelists>\n",
        esc(&options.dataflow),
        esc(&dsd_id)
    ));
    let coded: Vec<&String> = dims
        .iter()
        .chain(
            attrs
                .iter()
                .filter(|a| CODED_ATTRIBUTES.contains(&a.as_str())),
        )
        .collect();
    for concept in &coded {
        x.push_str(&format!(
            "      <str:Codelist id=\"CL_{c}\" agencyID=\"{agency}\" version=\"{version}\" isFinal=\"false\">\n        <com:Name xml:lang=\"en\">{c} code list of {df}</com:Name>\n",
            c = esc(concept),
            df = esc(&options.dataflow_ref())
        ));
        for code in codes.get(concept.as_str()).into_iter().flatten() {
            let name = if concept.as_str() == "INDICATOR" {
                names.get(code).cloned().unwrap_or_else(|| code.clone())
            } else {
                code.clone()
            };
            x.push_str(&format!(
                "        <str:Code id=\"{}\"><com:Name xml:lang=\"en\">{}</com:Name></str:Code>\n",
                esc(code),
                esc(&name)
            ));
        }
        x.push_str("      </str:Codelist>\n");
    }
    x.push_str("    </str:Codelists>\n    <str:Concepts>\n");
    x.push_str(&format!(
        "      <str:ConceptScheme id=\"CS_HRI\" agencyID=\"{agency}\" version=\"{version}\" isFinal=\"false\">\n        <com:Name xml:lang=\"en\">Concepts of {}</com:Name>\n",
        esc(&options.dataflow_ref())
    ));
    for c in dims
        .iter()
        .chain(["TIME_PERIOD".to_string(), "OBS_VALUE".to_string()].iter())
        .chain(attrs.iter())
    {
        x.push_str(&format!(
            "        <str:Concept id=\"{c}\"><com:Name xml:lang=\"en\">{c}</com:Name></str:Concept>\n",
            c = esc(c)
        ));
    }
    x.push_str("      </str:ConceptScheme>\n    </str:Concepts>\n    <str:DataStructures>\n");
    let concept_ref = |c: &str| {
        format!(
            "<str:ConceptIdentity><Ref id=\"{}\" maintainableParentID=\"CS_HRI\" maintainableParentVersion=\"{version}\" agencyID=\"{agency}\" package=\"conceptscheme\" class=\"Concept\"/></str:ConceptIdentity>",
            esc(c)
        )
    };
    let enumeration = |c: &str| {
        format!(
            "<str:LocalRepresentation><str:Enumeration><Ref id=\"CL_{}\" version=\"{version}\" agencyID=\"{agency}\" package=\"codelist\" class=\"Codelist\"/></str:Enumeration></str:LocalRepresentation>",
            esc(c)
        )
    };
    x.push_str(&format!(
        "      <str:DataStructure id=\"{}\" agencyID=\"{agency}\" version=\"{version}\" isFinal=\"false\">\n        <com:Name xml:lang=\"en\">Human-rights indicators for migrants (hri national dataflow)</com:Name>\n        <str:DataStructureComponents>\n          <str:DimensionList id=\"DimensionDescriptor\">\n",
        esc(&dsd_id)
    ));
    for (i, d) in dims.iter().enumerate() {
        x.push_str(&format!(
            "            <str:Dimension id=\"{}\" position=\"{}\">{}{}</str:Dimension>\n",
            esc(d),
            i + 1,
            concept_ref(d),
            enumeration(d)
        ));
    }
    x.push_str(&format!(
        "            <str:TimeDimension id=\"TIME_PERIOD\" position=\"{}\">{}<str:LocalRepresentation><str:TextFormat textType=\"ObservationalTimePeriod\"/></str:LocalRepresentation></str:TimeDimension>\n          </str:DimensionList>\n          <str:AttributeList id=\"AttributeDescriptor\">\n",
        dims.len() + 1,
        concept_ref("TIME_PERIOD")
    ));
    for a in &attrs {
        let repr = if CODED_ATTRIBUTES.contains(&a.as_str()) {
            enumeration(a)
        } else if matches!(a.as_str(), "STANDARD_ERROR" | "LOWER_BOUND" | "UPPER_BOUND") {
            "<str:LocalRepresentation><str:TextFormat textType=\"Double\"/></str:LocalRepresentation>".to_string()
        } else {
            "<str:LocalRepresentation><str:TextFormat textType=\"String\"/></str:LocalRepresentation>".to_string()
        };
        x.push_str(&format!(
            "            <str:Attribute id=\"{}\" assignmentStatus=\"Conditional\">{}{}<str:AttributeRelationship><str:PrimaryMeasure><Ref id=\"OBS_VALUE\"/></str:PrimaryMeasure></str:AttributeRelationship></str:Attribute>\n",
            esc(a),
            concept_ref(a),
            repr
        ));
    }
    x.push_str(&format!(
        "          </str:AttributeList>\n          <str:MeasureList id=\"MeasureDescriptor\">\n            <str:PrimaryMeasure id=\"OBS_VALUE\">{}<str:LocalRepresentation><str:TextFormat textType=\"Double\"/></str:LocalRepresentation></str:PrimaryMeasure>\n          </str:MeasureList>\n        </str:DataStructureComponents>\n      </str:DataStructure>\n    </str:DataStructures>\n",
        concept_ref("OBS_VALUE")
    ));
    x.push_str("  </mes:Structures>\n</mes:Structure>\n");
    write_bytes(path.as_ref(), x.as_bytes())
}
