//! `metadata.json`: one metadata sheet per indicator, in the spirit of the SDG metadata
//! repository, built from the catalogue through [`ResultsMeta::indicators`](crate::results::ResultsMeta::indicators).
//!
//! ```json
//! {
//!   "catalogue": "...", "catalogue_version": "1.0.0", "ref_area": "MEX", "time_period": "2020",
//!   "estimation": { "confidence_level": 0.95, "interval": "Wald", "quality_policy": "...", "withheld": true },
//!   "synthetic": true, "synthetic_notice": "...",
//!   "indicators": [
//!     { "id": "unemployment_rate", "name": "Unemployment rate", "right": "work", "attribute": "work_protection",
//!       "kind": "outcome", "definition": "...", "unit": "PT", "unit_description": "percent (0-100)",
//!       "direction": "lower_is_better",
//!       "method": { "measure": "proportion", "estimator": "...", "variable": null,
//!                   "condition": "unemployed = 1", "universe": "eda >= 15 AND in_labour_force = 1" },
//!       "disaggregations": ["migratory_status", "sex", ...],
//!       "data_source": "...", "benchmark": { "target": null, "source": "..." } or null,
//!       "comparability": "...", "references": ["SDG 8.5.2", ...],
//!       "sdg": { "series": "SL_TLF_UEM", "series_name": "Unemployment rate" } or null,
//!       "structural": { "entry": "...", "date": "...", "source": "...", "illustrative": false } or null }
//!   ]
//! }
//! ```
//!
//! (Objects are written with their keys sorted, as `serde_json` orders them.) The file is
//! the same byte for byte for the same results.

use std::path::Path;

use serde_json::{Map, Value, json};

use super::{ExportError, write_bytes};
use crate::framework::{SYNTHETIC_NOTICE, sdg};
use crate::results::{IndicatorInfo, Results};

/// File name of the metadata sheets.
pub const METADATA_JSON: &str = "metadata.json";

fn opt(s: &Option<String>) -> Value {
    s.as_ref().map_or(Value::Null, |x| Value::String(x.clone()))
}

/// The metadata sheet of one indicator as JSON.
pub fn sheet_json(info: &IndicatorInfo) -> Value {
    let s = &info.sheet;
    let mut m = Map::new();
    m.insert("id".into(), json!(info.id));
    m.insert("name".into(), json!(s.name));
    m.insert("right".into(), json!(s.right));
    m.insert("attribute".into(), json!(s.attribute));
    m.insert("kind".into(), json!(s.kind));
    m.insert("definition".into(), opt(&info.notes));
    m.insert("unit".into(), json!(s.unit));
    m.insert("unit_description".into(), json!(s.unit_description));
    m.insert("direction".into(), json!(s.direction));
    m.insert(
        "method".into(),
        json!({
            "measure": s.measure,
            "estimator": s.estimator,
            "variable": opt(&s.variable),
            "condition": opt(&s.condition),
            "universe": opt(&s.universe),
        }),
    );
    m.insert("disaggregations".into(), json!(s.disaggregations));
    m.insert("data_source".into(), json!(s.data_source));
    m.insert(
        "benchmark".into(),
        match &info.benchmark_source {
            None => Value::Null,
            Some(src) => json!({ "target": info.benchmark_value, "source": src }),
        },
    );
    m.insert("comparability".into(), opt(&s.comparability));
    m.insert("references".into(), json!(s.references));
    m.insert(
        "sdg".into(),
        match &s.sdg_series {
            None => Value::Null,
            Some(code) => json!({
                "series": code,
                "series_name": sdg::code_name("CL_SERIES", code),
                "dataflow": format!("{}:{}({})", sdg::AGENCY, sdg::DATAFLOW_ID, sdg::DATAFLOW_VERSION),
            }),
        },
    );
    m.insert(
        "structural".into(),
        match &info.structural {
            None => Value::Null,
            Some(st) => json!({
                "entry": st.entry,
                "date": st.date,
                "source": st.source,
                "illustrative": st.illustrative,
            }),
        },
    );
    Value::Object(m)
}

/// The whole `metadata.json` document.
pub fn metadata_json(results: &Results, synthetic: bool) -> Value {
    let meta = results.meta();
    let mut m = Map::new();
    m.insert("catalogue".into(), json!(meta.catalogue));
    m.insert("catalogue_version".into(), json!(meta.catalogue_version));
    m.insert("ref_area".into(), json!(meta.ref_area));
    m.insert("time_period".into(), json!(meta.time_period));
    m.insert(
        "estimation".into(),
        json!({
            "confidence_level": meta.level,
            "interval": format!("{:?}", meta.ci),
            "quality_policy": meta.quality_policy,
            "withheld": meta.withheld,
        }),
    );
    m.insert("synthetic".into(), json!(synthetic));
    m.insert(
        "synthetic_notice".into(),
        if synthetic {
            json!(SYNTHETIC_NOTICE)
        } else {
            Value::Null
        },
    );
    m.insert(
        "indicators".into(),
        Value::Array(meta.indicators.iter().map(sheet_json).collect()),
    );
    Value::Object(m)
}

/// Writes `metadata.json` (pretty-printed, keys in the documented order).
///
/// # Errors
/// [`ExportError::Write`] if the file cannot be written.
pub fn write_metadata_json(
    results: &Results,
    path: impl AsRef<Path>,
    synthetic: bool,
) -> Result<(), ExportError> {
    let mut text = serde_json::to_string_pretty(&metadata_json(results, synthetic))
        .unwrap_or_else(|_| "{}".to_string());
    text.push('\n');
    write_bytes(path.as_ref(), text.as_bytes())
}
