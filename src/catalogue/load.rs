//! Reading a catalogue entry by entry, so that a malformed file gets one message per
//! problem, each naming the entry (`indicators[3] (id "unemployment_rate")`) and the field.
//!
//! The text is first parsed into a generic tree (a `toml::Value` or a `serde_json::Value`):
//! this step only fails on syntax errors. Each section and each list entry is then
//! deserialized on its own; when an entry fails, each of its fields is tried on its own to
//! find which one is wrong, and unknown or missing fields are listed.

use std::collections::BTreeMap;

use serde::de::DeserializeOwned;

use super::error::{Issue, Location};
use super::{Catalogue, Metadata};
use crate::framework::{
    Attribute, Benchmark, Dimension, Direction, Disaggregation, Goalposts, Indicator,
    IndicatorKind, Measure, Population, Right, ScoringSpec, SeriesBreak, Unit,
};

/// A parsed TOML or JSON tree.
pub(super) trait Node: Clone + Sized {
    /// The entries of a table / object, or `None` for other values.
    fn entries(&self) -> Option<Vec<(&str, &Self)>>;
    /// The elements of an array, or `None` for other values.
    fn elements(&self) -> Option<&[Self]>;
    /// The string, for a string value.
    fn as_text(&self) -> Option<&str>;
    /// A word for the kind of value, for messages ("a string", "an array").
    fn kind(&self) -> &'static str;
    /// Deserializes the value into `T`, with serde's message on failure.
    fn decode<T: DeserializeOwned>(self) -> Result<T, String>;
}

impl Node for toml::Value {
    fn entries(&self) -> Option<Vec<(&str, &Self)>> {
        self.as_table()
            .map(|t| t.iter().map(|(k, v)| (k.as_str(), v)).collect())
    }

    fn elements(&self) -> Option<&[Self]> {
        self.as_array().map(Vec::as_slice)
    }

    fn as_text(&self) -> Option<&str> {
        self.as_str()
    }

    fn kind(&self) -> &'static str {
        match self {
            toml::Value::String(_) => "a string",
            toml::Value::Integer(_) => "an integer",
            toml::Value::Float(_) => "a float",
            toml::Value::Boolean(_) => "a boolean",
            toml::Value::Datetime(_) => "a date-time",
            toml::Value::Array(_) => "an array",
            toml::Value::Table(_) => "a table",
        }
    }

    fn decode<T: DeserializeOwned>(self) -> Result<T, String> {
        self.try_into::<T>().map_err(|e| clean(&e.to_string()))
    }
}

impl Node for serde_json::Value {
    fn entries(&self) -> Option<Vec<(&str, &Self)>> {
        self.as_object()
            .map(|t| t.iter().map(|(k, v)| (k.as_str(), v)).collect())
    }

    fn elements(&self) -> Option<&[Self]> {
        self.as_array().map(Vec::as_slice)
    }

    fn as_text(&self) -> Option<&str> {
        self.as_str()
    }

    fn kind(&self) -> &'static str {
        match self {
            serde_json::Value::Null => "null",
            serde_json::Value::Bool(_) => "a boolean",
            serde_json::Value::Number(_) => "a number",
            serde_json::Value::String(_) => "a string",
            serde_json::Value::Array(_) => "an array",
            serde_json::Value::Object(_) => "an object",
        }
    }

    fn decode<T: DeserializeOwned>(self) -> Result<T, String> {
        serde_json::from_value::<T>(self).map_err(|e| clean(&e.to_string()))
    }
}

/// Serde messages on one line, without trailing whitespace.
fn clean(message: &str) -> String {
    message.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// One field of a struct: its name, whether it must be present, and a check that its value
/// deserializes into the field's type.
struct Field<N> {
    name: &'static str,
    required: bool,
    check: fn(N) -> Result<(), String>,
}

fn required<N: Node, T: DeserializeOwned>(name: &'static str) -> Field<N> {
    Field {
        name,
        required: true,
        check: |n: N| n.decode::<T>().map(drop),
    }
}

fn optional<N: Node, T: DeserializeOwned>(name: &'static str) -> Field<N> {
    Field {
        name,
        required: false,
        check: |n: N| n.decode::<T>().map(drop),
    }
}

fn metadata_fields<N: Node>() -> Vec<Field<N>> {
    vec![
        required::<N, String>("name"),
        required::<N, String>("version"),
        optional::<N, String>("country"),
        optional::<N, String>("description"),
        optional::<N, Option<String>>("date"),
        optional::<N, Vec<String>>("authors"),
    ]
}

fn scoring_fields<N: Node>() -> Vec<Field<N>> {
    vec![
        optional::<N, crate::framework::Normalisation>("normalisation"),
        optional::<N, crate::framework::Aggregation>("aggregation"),
        optional::<N, f64>("min_available"),
        optional::<N, Option<crate::framework::KindWeights>>("composite"),
    ]
}

fn right_fields<N: Node>() -> Vec<Field<N>> {
    vec![
        required::<N, String>("id"),
        required::<N, String>("name"),
        optional::<N, String>("description"),
    ]
}

fn attribute_fields<N: Node>() -> Vec<Field<N>> {
    vec![
        required::<N, String>("id"),
        required::<N, String>("right"),
        required::<N, String>("name"),
        optional::<N, String>("description"),
    ]
}

fn indicator_fields<N: Node>() -> Vec<Field<N>> {
    vec![
        required::<N, String>("id"),
        required::<N, String>("name"),
        required::<N, String>("right"),
        required::<N, String>("attribute"),
        required::<N, IndicatorKind>("kind"),
        required::<N, Measure>("measure"),
        required::<N, Unit>("unit"),
        required::<N, Direction>("direction"),
        optional::<N, Option<Benchmark>>("benchmark"),
        optional::<N, Option<Goalposts>>("goalposts"),
        optional::<N, Option<f64>>("weight"),
        optional::<N, Vec<Disaggregation>>("disaggregations"),
        optional::<N, Vec<String>>("references"),
        optional::<N, String>("source"),
        optional::<N, Option<String>>("notes"),
        optional::<N, Option<String>>("sdg_series"),
        optional::<N, Option<String>>("comparability"),
        optional::<N, Vec<SeriesBreak>>("series_breaks"),
        optional::<N, Option<Population>>("population"),
    ]
}

/// The top-level keys of a catalogue.
const TOP_LEVEL: [&str; 7] = [
    "metadata",
    "scoring",
    "dimensions",
    "dimension_labels",
    "rights",
    "attributes",
    "indicators",
];

/// Reads a catalogue from a parsed tree, collecting every shape problem.
pub(super) fn catalogue<N: Node>(root: &N) -> Result<Catalogue, Vec<Issue>> {
    let mut issues = Vec::new();
    let Some(top) = root.entries() else {
        return Err(vec![Issue::entry(
            Location::Catalogue,
            format!(
                "a catalogue must be a table of sections ({}), found {}",
                TOP_LEVEL.join(", "),
                root.kind()
            ),
        )]);
    };
    let get = |key: &str| top.iter().find(|(k, _)| *k == key).map(|(_, v)| *v);
    for (key, _) in &top {
        if !TOP_LEVEL.contains(key) {
            issues.push(Issue::new(
                Location::Catalogue,
                *key,
                format!("unknown section; expected one of {}", TOP_LEVEL.join(", ")),
            ));
        }
    }

    let metadata = match get("metadata") {
        Some(node) => {
            decode_struct::<N, Metadata>(node, Location::Metadata, &metadata_fields(), &mut issues)
        }
        None => {
            issues.push(Issue::new(
                Location::Catalogue,
                "metadata",
                "missing section (name and version are required)",
            ));
            None
        }
    };
    let scoring = match get("scoring") {
        Some(node) => {
            decode_struct::<N, ScoringSpec>(node, Location::Scoring, &scoring_fields(), &mut issues)
        }
        None => Some(ScoringSpec::default()),
    };
    let dimensions = match get("dimensions") {
        Some(node) => decode_dimensions(node, &mut issues),
        None => Some(BTreeMap::new()),
    };
    let dimension_labels = match get("dimension_labels") {
        Some(node) => decode_labels(node, &mut issues),
        None => Some(BTreeMap::new()),
    };
    let rights = decode_list::<N, Right>(
        get("rights"),
        "rights",
        |index, id| Location::Right { index, id },
        &right_fields(),
        &mut issues,
    );
    let attributes = decode_list::<N, Attribute>(
        get("attributes"),
        "attributes",
        |index, id| Location::Attribute { index, id },
        &attribute_fields(),
        &mut issues,
    );
    let indicators = decode_list::<N, Indicator>(
        get("indicators"),
        "indicators",
        |index, id| Location::Indicator { index, id },
        &indicator_fields(),
        &mut issues,
    );

    match (
        metadata,
        scoring,
        dimensions,
        rights,
        attributes,
        indicators,
        dimension_labels,
    ) {
        (
            Some(metadata),
            Some(scoring),
            Some(dimensions),
            Some(rights),
            Some(attributes),
            Some(indicators),
            Some(dimension_labels),
        ) if issues.is_empty() => Ok(Catalogue {
            metadata,
            scoring,
            rights,
            attributes,
            dimensions,
            dimension_labels,
            indicators,
        }),
        _ => {
            if issues.is_empty() {
                // Unreachable in practice: every `None` above comes with an issue.
                issues.push(Issue::entry(Location::Catalogue, "malformed catalogue"));
            }
            Err(issues)
        }
    }
}

/// The field names serde accepts for `T`, a struct deriving `Deserialize`, obtained by
/// asking `T` to deserialize itself from a probe that records the names it is given.
/// Keeps the unknown-field check in step with the framework's types.
fn serde_fields<T: DeserializeOwned>() -> &'static [&'static str] {
    let mut fields = None;
    let _ = T::deserialize(FieldProbe(&mut fields));
    fields.unwrap_or(&[])
}

/// A deserializer that only records the field names of the struct asked for.
struct FieldProbe<'a>(&'a mut Option<&'static [&'static str]>);

/// The probe's error: it never yields a value.
#[derive(Debug)]
struct Probed;

impl std::fmt::Display for Probed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("field names probed")
    }
}

impl std::error::Error for Probed {}

impl serde::de::Error for Probed {
    fn custom<T: std::fmt::Display>(_: T) -> Self {
        Probed
    }
}

impl<'de> serde::Deserializer<'de> for FieldProbe<'_> {
    type Error = Probed;

    fn deserialize_any<V: serde::de::Visitor<'de>>(self, _: V) -> Result<V::Value, Probed> {
        Err(Probed)
    }

    fn deserialize_struct<V: serde::de::Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        _visitor: V,
    ) -> Result<V::Value, Probed> {
        *self.0 = Some(fields);
        Err(Probed)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map enum identifier
        ignored_any
    }
}

/// Deserializes one struct-shaped entry; on failure, diagnoses it field by field.
fn decode_struct<N: Node, T: DeserializeOwned>(
    node: &N,
    location: Location,
    fields: &[Field<N>],
    issues: &mut Vec<Issue>,
) -> Option<T> {
    let whole = match node.clone().decode::<T>() {
        Ok(value) => return Some(value),
        Err(message) => message,
    };
    let Some(entries) = node.entries() else {
        issues.push(Issue::entry(
            location,
            format!("expected a table, found {}", node.kind()),
        ));
        return None;
    };
    let before = issues.len();
    let mut known: Vec<&str> = serde_fields::<T>().to_vec();
    if known.is_empty() {
        known = fields.iter().map(|f| f.name).collect();
    }
    for (key, _) in &entries {
        if !known.contains(key) {
            issues.push(Issue::new(
                location.clone(),
                *key,
                format!("unknown field; expected one of {}", known.join(", ")),
            ));
        }
    }
    for field in fields {
        match entries.iter().find(|(k, _)| *k == field.name) {
            None if field.required => {
                issues.push(Issue::new(location.clone(), field.name, "missing field"));
            }
            None => {}
            Some((_, value)) => {
                if let Err(message) = (field.check)((*value).clone()) {
                    issues.push(Issue::new(
                        location.clone(),
                        field_path(field.name, *value),
                        message,
                    ));
                }
            }
        }
    }
    if issues.len() == before {
        issues.push(Issue::entry(location, whole));
    }
    None
}

/// The name of a field, refined to the first bad element for disaggregations.
fn field_path<N: Node>(name: &'static str, value: &N) -> String {
    if name == "disaggregations"
        && let Some(elements) = value.elements()
        && let Some(i) = elements
            .iter()
            .position(|e| e.clone().decode::<Disaggregation>().is_err())
    {
        return format!("disaggregations[{i}]");
    }
    name.to_string()
}

/// Deserializes a list of entries, each on its own.
fn decode_list<N: Node, T: DeserializeOwned>(
    node: Option<&N>,
    name: &'static str,
    location: fn(usize, Option<String>) -> Location,
    fields: &[Field<N>],
    issues: &mut Vec<Issue>,
) -> Option<Vec<T>> {
    let Some(node) = node else {
        return Some(Vec::new());
    };
    let Some(elements) = node.elements() else {
        issues.push(Issue::new(
            Location::Catalogue,
            name,
            format!("expected a list of entries, found {}", node.kind()),
        ));
        return None;
    };
    let mut out = Vec::with_capacity(elements.len());
    let mut ok = true;
    for (index, element) in elements.iter().enumerate() {
        let id = element
            .entries()
            .and_then(|e| e.into_iter().find(|(k, _)| *k == "id"))
            .and_then(|(_, v)| v.as_text())
            .map(str::to_string);
        match decode_struct::<N, T>(element, location(index, id), fields, issues) {
            Some(value) => out.push(value),
            None => ok = false,
        }
    }
    ok.then_some(out)
}

/// Deserializes the dimension → column mapping, key by key.
fn decode_dimensions<N: Node>(
    node: &N,
    issues: &mut Vec<Issue>,
) -> Option<BTreeMap<Dimension, String>> {
    let Some(entries) = node.entries() else {
        issues.push(Issue::entry(
            Location::Dimensions,
            format!(
                "expected a table mapping dimensions to survey columns, found {}",
                node.kind()
            ),
        ));
        return None;
    };
    let names: Vec<&str> = Dimension::ALL.iter().map(|d| d.as_str()).collect();
    let mut map = BTreeMap::new();
    let mut ok = true;
    for (key, value) in entries {
        let Some(dimension) = Dimension::named(key) else {
            issues.push(Issue::new(
                Location::Dimensions,
                key,
                format!(
                    "not a dimension name: one of {}, or a name of the catalogue's own (lower-case letters, digits and _) declared in [dimension_labels]",
                    names.join(", ")
                ),
            ));
            ok = false;
            continue;
        };
        match value.as_text() {
            Some(column) => {
                map.insert(dimension, column.to_string());
            }
            None => {
                issues.push(Issue::new(
                    Location::Dimensions,
                    key,
                    format!(
                        "expected a survey column name (a string), found {}",
                        value.kind()
                    ),
                ));
                ok = false;
            }
        }
    }
    ok.then_some(map)
}

/// Deserializes the labels of the catalogue's own dimensions, key by key.
fn decode_labels<N: Node>(node: &N, issues: &mut Vec<Issue>) -> Option<BTreeMap<String, String>> {
    let Some(entries) = node.entries() else {
        issues.push(Issue::entry(
            Location::Dimensions,
            format!(
                "[dimension_labels]: expected a table of dimension = label, found {}",
                node.kind()
            ),
        ));
        return None;
    };
    let mut map = BTreeMap::new();
    let mut ok = true;
    for (key, value) in entries {
        let field = format!("dimension_labels.{key}");
        if Dimension::named(key).is_none() {
            issues.push(Issue::new(
                Location::Dimensions,
                field.as_str(),
                "not a dimension name (lower-case letters, digits and _, starting with a letter)",
            ));
            ok = false;
            continue;
        }
        match value.as_text() {
            Some(label) => {
                map.insert(key.to_string(), label.to_string());
            }
            None => {
                issues.push(Issue::new(
                    Location::Dimensions,
                    field.as_str(),
                    format!("expected a label (a string), found {}", value.kind()),
                ));
                ok = false;
            }
        }
    }
    ok.then_some(map)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The hand-written field lists (used to type-check each field) name exactly the fields
    /// serde knows; if a framework type gains a field, add it to its list here.
    #[test]
    fn field_lists_match_the_types() {
        fn names(fields: Vec<Field<toml::Value>>) -> Vec<&'static str> {
            fields.iter().map(|f| f.name).collect()
        }
        assert_eq!(names(metadata_fields()), serde_fields::<Metadata>());
        assert_eq!(names(scoring_fields()), serde_fields::<ScoringSpec>());
        assert_eq!(names(right_fields()), serde_fields::<Right>());
        assert_eq!(names(attribute_fields()), serde_fields::<Attribute>());
        assert_eq!(names(indicator_fields()), serde_fields::<Indicator>());
        let top: Vec<&str> = serde_fields::<Catalogue>().to_vec();
        let mut expected = TOP_LEVEL.to_vec();
        let mut got = top.clone();
        expected.sort_unstable();
        got.sort_unstable();
        assert_eq!(got, expected);
    }
}
