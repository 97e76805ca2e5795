//! Tests of the catalogue: the built-in catalogue, round trips through TOML and JSON,
//! malformed catalogues (each error names the entry and the field), and a property test
//! that no input makes the loader or the validator panic.

use std::collections::BTreeSet;

use hri::catalogue::{Catalogue, CatalogueError, Format, Location, MIGRANTS_RIGHTS_TOML};
use hri::framework::{Dimension, IndicatorKind, Measure, Target, Unit};
use proptest::prelude::*;

// ---------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------

/// A small valid catalogue: two rights, three attributes, no indicators. Tests append
/// `[[indicators]]` entries to it.
const BASE: &str = r#"
[metadata]
name = "test"
version = "0.1"
country = "generic"

[[rights]]
id = "health"
name = "Right to health"

[[rights]]
id = "work"
name = "Right to work"

[[attributes]]
id = "health_access"
right = "health"
name = "Accessibility to health facilities"

[[attributes]]
id = "work_protection"
right = "work"
name = "Protection from unemployment"

[[attributes]]
id = "work_conditions"
right = "work"
name = "Just and safe working conditions"
"#;

/// A valid survey indicator entry with id `id`, to be edited by the tests.
fn survey_entry(id: &str) -> String {
    format!(
        r#"
[[indicators]]
id = "{id}"
name = "Unemployment rate"
right = "work"
attribute = "work_protection"
kind = "outcome"
unit = "percent"
direction = "lower_is_better"
disaggregations = [["migratory_status"], ["sex"], ["migratory_status", "sex"]]
references = ["SDG 8.5.2"]
measure = {{ type = "proportion", condition = "unemployed = 1", universe = "age >= 15 AND in_labour_force = 1" }}
"#
    )
}

/// A valid structural indicator entry with id `id`.
fn structural_entry(id: &str) -> String {
    format!(
        r#"
[[indicators]]
id = "{id}"
name = "ILO C189 ratified"
right = "work"
attribute = "work_conditions"
kind = "structural"
unit = "status"
direction = "higher_is_better"
references = ["ILO C189"]
measure = {{ type = "structural", entry = "ilo_c189" }}
benchmark = {{ target = "ratified", year = 2030, source = "ILO" }}
"#
    )
}

/// `BASE` plus the given indicator entries.
fn catalogue_text(entries: &[String]) -> String {
    let mut text = BASE.to_string();
    for e in entries {
        text.push_str(e);
    }
    text
}

/// Replaces `from` by `to` in `text`, checking that `from` occurs.
fn edit(text: &str, from: &str, to: &str) -> String {
    assert!(text.contains(from), "fixture does not contain {from:?}");
    text.replacen(from, to, 1)
}

/// Loads and validates; returns the error message of whichever step fails.
fn error_of(text: &str) -> (CatalogueError, String) {
    let err = match Catalogue::from_toml_str(text) {
        Err(err) => err,
        Ok(catalogue) => match catalogue.validated() {
            Err(err) => err,
            Ok(_) => panic!("catalogue unexpectedly valid:\n{text}"),
        },
    };
    let message = err.to_string();
    (err, message)
}

/// Asserts that the message has a line naming the entry and the field, containing `what`.
#[track_caller]
fn assert_names(message: &str, place: &str, field: &str, what: &str) {
    let wanted = format!("{place}, field \"{field}\"");
    assert!(
        message
            .lines()
            .any(|line| line.contains(&wanted) && line.contains(what)),
        "expected a line with {wanted:?} and {what:?} in:\n{message}"
    );
}

/// Every problem of a catalogue's validation, as lines.
fn validation_lines(text: &str) -> Vec<String> {
    let catalogue = Catalogue::from_toml_str(text).expect("fixture loads");
    match catalogue.validate() {
        Ok(()) => Vec::new(),
        Err(report) => report.iter().map(ToString::to_string).collect(),
    }
}

// ---------------------------------------------------------------------------------------
// The built-in catalogue
// ---------------------------------------------------------------------------------------

#[test]
fn catalogue_builtin_loads_and_validates() {
    let catalogue = Catalogue::migrants_rights();
    if let Err(report) = catalogue.validate() {
        panic!("built-in catalogue invalid: {report}");
    }
    assert_eq!(catalogue.metadata.country, "generic");
    assert!(catalogue.indicators.len() >= 24);
}

#[test]
fn catalogue_builtin_covers_each_right_with_all_kinds() {
    let catalogue = Catalogue::migrants_rights();
    for right in ["health", "education", "work"] {
        let indicators: Vec<_> = catalogue.indicators_of_right(right).collect();
        assert!(
            indicators.len() >= 8,
            "right {right} has {} indicators",
            indicators.len()
        );
        let kinds: BTreeSet<IndicatorKind> = indicators.iter().map(|i| i.kind).collect();
        assert_eq!(kinds.len(), 3, "right {right} lacks a kind: {kinds:?}");
    }
    // Non-discrimination entries: experienced discrimination and legal status.
    let nd: Vec<_> = catalogue
        .indicators_of_right("non_discrimination")
        .collect();
    assert!(nd.iter().any(|i| i.id == "nd_discrimination_experienced"));
    assert!(nd.iter().any(|i| i.attribute == "legal_identity_status"));
}

#[test]
fn catalogue_builtin_has_the_design_attributes() {
    let catalogue = Catalogue::migrants_rights();
    let expected = [
        ("health", "Sexual and reproductive health"),
        ("health", "Child mortality and health care"),
        ("health", "Natural and occupational environment"),
        ("health", "Prevention, treatment and control of diseases"),
        (
            "health",
            "Accessibility to health facilities and essential medicines",
        ),
        ("education", "Universal primary education"),
        (
            "education",
            "Accessibility to secondary and higher education",
        ),
        ("education", "Curricula and educational resources"),
        ("education", "Educational opportunity and freedom"),
        ("work", "Access to decent and productive work"),
        ("work", "Just and safe working conditions"),
        (
            "work",
            "Training, skill upgrading and professional development",
        ),
        ("work", "Protection from forced labour and unemployment"),
    ];
    for (right, name) in expected {
        assert!(
            catalogue
                .attributes_of(right)
                .any(|a| a.name.eq_ignore_ascii_case(name)),
            "right {right} lacks attribute {name:?}"
        );
    }
    // Every attribute is measured by at least one indicator.
    for attribute in &catalogue.attributes {
        assert!(
            catalogue.indicators_of(&attribute.id).next().is_some(),
            "attribute {} has no indicator",
            attribute.id
        );
    }
}

#[test]
fn catalogue_builtin_has_the_issue_examples() {
    let catalogue = Catalogue::migrants_rights();
    let entries: BTreeSet<&str> = catalogue
        .indicators
        .iter()
        .filter_map(|i| match &i.measure {
            Measure::Structural { entry } => Some(entry.as_str()),
            _ => None,
        })
        .collect();
    for entry in [
        "icrmw", "ilo_c97", "ilo_c143", "ilo_c189", "ilo_c181", "cescr", "crc", "cedaw",
    ] {
        assert!(
            entries.contains(entry),
            "no structural indicator reads {entry}"
        );
    }
    let codes: BTreeSet<&str> = catalogue
        .indicators
        .iter()
        .flat_map(|i| i.references.iter().map(String::as_str))
        .collect();
    for code in [
        "SDG 3.8",
        "SDG 4.1.2",
        "SDG 8.5.2",
        "SDG 8.3.1",
        "SDG 10.7.1",
        "SDG 8.7.1",
        "SDG 4.6.1",
    ] {
        assert!(codes.contains(code), "no indicator references {code}");
    }
    for id in [
        "health_insurance",
        "unmet_health_care_need",
        "school_attendance",
        "completion_primary",
        "unemployment_rate",
        "informal_employment",
        "excessive_hours",
        "recruitment_cost",
        "child_labour",
        "social_security_contribution",
    ] {
        assert!(catalogue.indicator(id).is_some(), "no indicator {id}");
    }
    let cost = catalogue.indicator("recruitment_cost").unwrap();
    assert_eq!(cost.unit, Unit::MonthsOfEarnings);
}

#[test]
fn catalogue_builtin_entries_are_documented_and_disaggregated() {
    let catalogue = Catalogue::migrants_rights();
    use Dimension::*;
    let standard: Vec<Vec<Dimension>> = vec![
        vec![MigratoryStatus],
        vec![Sex],
        vec![AgeGroup],
        vec![Disability],
        vec![MigratoryStatus, Sex],
        vec![MigratoryStatus, AgeGroup],
        vec![MigratoryStatus, Disability],
    ];
    for ind in &catalogue.indicators {
        assert!(!ind.references.is_empty(), "{} has no references", ind.id);
        assert!(
            ind.notes.as_deref().is_some_and(|n| n.len() > 40),
            "{} has no description",
            ind.id
        );
        if let Some(b) = &ind.benchmark {
            assert!(!b.source.is_empty(), "{} benchmark has no source", ind.id);
        }
        if ind.measure.is_survey() {
            // The standard seven, fitted to the universe: no sex breakdown of a universe of
            // women; children aged 2-17 by the Child Functioning Module, younger children
            // without a disability breakdown.
            let p = hri::framework::Population::of(ind);
            let expected: Vec<Vec<Dimension>> = standard
                .iter()
                .filter(|d| p.sex.is_none() || !d.contains(&Sex))
                .filter(|d| {
                    !(p.max_age.is_some_and(|m| m < 18)
                        && p.min_age.is_none_or(|m| m < 2)
                        && d.contains(&Disability))
                })
                .map(|d| {
                    d.iter()
                        .map(|&x| {
                            if x == Disability && p.max_age.is_some_and(|m| m < 18) {
                                ChildFunctioning
                            } else {
                                x
                            }
                        })
                        .collect()
                })
                .collect();
            assert_eq!(ind.disaggregations, expected, "{}", ind.id);
        } else {
            assert!(ind.disaggregations.is_empty(), "{}", ind.id);
            assert_eq!(ind.unit, Unit::Status, "{}", ind.id);
        }
    }
    // The three kinds, numeric and status benchmarks, and the measure types all appear.
    let targets: BTreeSet<&str> = catalogue
        .indicators
        .iter()
        .filter_map(|i| i.benchmark.as_ref())
        .map(|b| match b.target {
            Target::Value(_) => "value",
            Target::Status(_) => "status",
        })
        .collect();
    assert_eq!(targets.len(), 2);
}

#[test]
fn catalogue_builtin_column_mapping() {
    let catalogue = Catalogue::migrants_rights();
    assert_eq!(
        catalogue.column(Dimension::MigratoryStatus),
        "migratory_status"
    );
    let mut unmapped = catalogue.clone();
    unmapped.dimensions.clear();
    assert_eq!(unmapped.column(Dimension::AgeGroup), "age_group");
    assert!(
        unmapped.validate().is_ok(),
        "no mapping means default names"
    );
    unmapped
        .dimensions
        .insert(Dimension::AgeGroup, "grupo_edad".to_string());
    assert_eq!(unmapped.column(Dimension::AgeGroup), "grupo_edad");
}

// ---------------------------------------------------------------------------------------
// Round trips
// ---------------------------------------------------------------------------------------

#[test]
fn catalogue_round_trip_toml() {
    let catalogue = Catalogue::migrants_rights();
    let text = catalogue.to_toml_string().unwrap();
    let back = Catalogue::from_toml_str(&text).unwrap();
    assert_eq!(back, catalogue);
    let again = back.to_toml_string().unwrap();
    assert_eq!(again, text, "TOML text changed on a round trip");
}

#[test]
fn catalogue_round_trip_json() {
    let catalogue = Catalogue::migrants_rights();
    let text = catalogue.to_json_string().unwrap();
    let back = Catalogue::from_json_str(&text).unwrap();
    assert_eq!(back, catalogue);
    let again = back.to_json_string().unwrap();
    assert_eq!(again, text, "JSON text changed on a round trip");
}

#[test]
fn catalogue_round_trip_across_formats() {
    let catalogue = Catalogue::migrants_rights();
    let via_json = Catalogue::from_json_str(&catalogue.to_json_string().unwrap()).unwrap();
    let via_both = Catalogue::from_toml_str(&via_json.to_toml_string().unwrap()).unwrap();
    assert_eq!(via_both, catalogue);
}

#[test]
fn catalogue_files_by_extension() {
    let dir = std::env::temp_dir().join(format!("hri-catalogue-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let catalogue = Catalogue::migrants_rights();
    for name in ["c.toml", "c.json", "C.TOML"] {
        let path = dir.join(name);
        catalogue.save(&path).unwrap();
        assert_eq!(Catalogue::from_path(&path).unwrap(), catalogue, "{name}");
    }
    assert_eq!(Format::from_path(&dir.join("c.json")), Some(Format::Json));

    let err = catalogue.save(dir.join("c.yaml")).unwrap_err();
    assert!(matches!(err, CatalogueError::UnknownFormat { .. }), "{err}");
    let err = Catalogue::from_path(dir.join("missing.toml")).unwrap_err();
    assert!(matches!(err, CatalogueError::Read { .. }), "{err}");
    assert!(err.to_string().contains("missing.toml"));

    let bad = dir.join("bad.toml");
    std::fs::write(
        &bad,
        catalogue_text(&[edit(&survey_entry("u"), "\"outcome\"", "\"result\"")]),
    )
    .unwrap();
    let err = Catalogue::from_path(&bad).unwrap_err();
    let message = err.to_string();
    assert!(message.contains("bad.toml"), "{message}");
    assert_names(
        &message,
        "indicators[0] (id \"u\")",
        "kind",
        "unknown variant `result`",
    );
    assert_eq!(err.issues().len(), 1);
    std::fs::remove_dir_all(&dir).ok();
}

// ---------------------------------------------------------------------------------------
// Malformed catalogues: errors while reading (shape of the entries)
// ---------------------------------------------------------------------------------------

#[test]
fn catalogue_malformed_unknown_kind() {
    let text = catalogue_text(&[
        structural_entry("c189"),
        edit(
            &survey_entry("unemployment"),
            "kind = \"outcome\"",
            "kind = \"result\"",
        ),
    ]);
    let (err, message) = error_of(&text);
    assert!(matches!(
        err,
        CatalogueError::Malformed {
            format: Format::Toml,
            ..
        }
    ));
    assert_names(
        &message,
        "indicators[1] (id \"unemployment\")",
        "kind",
        "unknown variant `result`",
    );
}

#[test]
fn catalogue_malformed_missing_measure() {
    let entry = survey_entry("unemployment");
    let start = entry.find("measure =").unwrap();
    let text = catalogue_text(&[entry[..start].to_string()]);
    let (_, message) = error_of(&text);
    assert_names(
        &message,
        "indicators[0] (id \"unemployment\")",
        "measure",
        "missing field",
    );
}

#[test]
fn catalogue_malformed_unknown_measure_type() {
    let text = catalogue_text(&[edit(
        &survey_entry("unemployment"),
        "type = \"proportion\"",
        "type = \"propotion\"",
    )]);
    let (_, message) = error_of(&text);
    assert_names(
        &message,
        "indicators[0] (id \"unemployment\")",
        "measure",
        "unknown variant `propotion`",
    );
}

#[test]
fn catalogue_malformed_measure_missing_condition() {
    let text = catalogue_text(&[edit(
        &survey_entry("unemployment"),
        "condition = \"unemployed = 1\", ",
        "",
    )]);
    let (_, message) = error_of(&text);
    assert_names(
        &message,
        "indicators[0] (id \"unemployment\")",
        "measure",
        "missing field `condition`",
    );
}

#[test]
fn catalogue_malformed_empty_disaggregation_name() {
    let text = catalogue_text(&[edit(
        &survey_entry("unemployment"),
        "[\"migratory_status\", \"sex\"]",
        "[\"migratory_status\", \"\"]",
    )]);
    let (_, message) = error_of(&text);
    assert_names(
        &message,
        "indicators[0] (id \"unemployment\")",
        "disaggregations[2]",
        "`` is not a dimension name",
    );
}

#[test]
fn catalogue_malformed_unknown_field_and_wrong_type() {
    let entry = edit(
        &survey_entry("unemployment"),
        "references =",
        "weight = \"heavy\"\nrefrences = [\"x\"]\nreferences =",
    );
    let text = catalogue_text(&[entry]);
    let (err, message) = error_of(&text);
    let place = "indicators[0] (id \"unemployment\")";
    assert_names(&message, place, "weight", "invalid type: string \"heavy\"");
    assert_names(&message, place, "refrences", "unknown field");
    assert_eq!(err.issues().len(), 2, "{message}");
}

#[test]
fn catalogue_malformed_reports_every_entry() {
    let text = catalogue_text(&[
        edit(
            &survey_entry("a"),
            "unit = \"percent\"",
            "unit = \"percentage\"",
        ),
        survey_entry("b"),
        edit(
            &structural_entry("c"),
            "direction = \"higher_is_better\"",
            "direction = 3",
        ),
    ]);
    let (err, message) = error_of(&text);
    assert_names(
        &message,
        "indicators[0] (id \"a\")",
        "unit",
        "unknown variant `percentage`",
    );
    assert_names(
        &message,
        "indicators[2] (id \"c\")",
        "direction",
        "invalid type",
    );
    assert_eq!(err.issues().len(), 2, "{message}");
    assert!(!message.contains("(id \"b\")"), "{message}");
}

#[test]
fn catalogue_malformed_sections() {
    let text = BASE.replace("version = \"0.1\"", "version = \"0.1\"\nowner = \"me\"")
        + "\n[scoring]\nnormalisation = \"zscore\"\n\n[dimensions]\nsex = \"sexo\"\ncaste = \"c\"\n"
        + "\n[extra]\nx = 1\n"
        + &survey_entry("u");
    let (_, message) = error_of(&text);
    assert_names(&message, "metadata", "owner", "unknown field");
    assert_names(
        &message,
        "scoring",
        "normalisation",
        "unknown variant `zscore`",
    );
    assert_names(&message, "catalogue", "extra", "unknown section");
    // `caste` is a name the catalogue may declare itself (checked by validation below).
    assert!(!message.contains("caste"), "{message}");
}

#[test]
fn catalogue_declares_its_own_dimensions_with_a_label() {
    let own = BASE.to_string()
        + "\n[dimensions]\nsex = \"sexo\"\nmigratory_status = \"ms\"\ncaste = \"c\"\n"
        + &survey_entry("u").replace("[\"migratory_status\", \"sex\"]", "[\"caste\"]");
    let c = Catalogue::from_toml_str(&own).unwrap();
    let report = c.validate().unwrap_err().to_string();
    assert!(
        report.contains("caste")
            && report.contains("declare it with a label in [dimension_labels]"),
        "{report}"
    );
    let labelled = own + "\n[dimension_labels]\ncaste = \"Caste\"\n";
    let c = Catalogue::from_toml_str(&labelled).unwrap();
    c.validate().unwrap();
    let caste = hri::framework::Dimension::named("caste").unwrap();
    assert!(!caste.is_builtin());
    assert_eq!(c.column(caste), "c");
    assert!(
        c.indicators[0]
            .disaggregations
            .iter()
            .any(|d| d == &vec![caste])
    );
    // The label survives a round trip through TOML.
    let again = Catalogue::from_toml_str(&c.to_toml_string().unwrap()).unwrap();
    assert_eq!(
        again.dimension_labels.get("caste").map(String::as_str),
        Some("Caste")
    );
    // A name that is not one is refused when read.
    let bad = BASE.to_string() + "\n[dimensions]\n\"Caste!\" = \"c\"\n" + &survey_entry("u");
    let (_, message) = error_of(&bad);
    assert!(message.contains("not a dimension name"), "{message}");
}

#[test]
fn catalogue_malformed_json_names_the_entry() {
    let mut value: serde_json::Value =
        serde_json::from_str(&Catalogue::migrants_rights().to_json_string().unwrap()).unwrap();
    value["indicators"][5]["kind"] = serde_json::json!("outcom");
    value["indicators"][7]["measure"]["p"] = serde_json::json!("half");
    let id5 = value["indicators"][5]["id"].as_str().unwrap().to_string();
    let id7 = value["indicators"][7]["id"].as_str().unwrap().to_string();
    let err = Catalogue::from_json_str(&value.to_string()).unwrap_err();
    let message = err.to_string();
    assert!(matches!(
        err,
        CatalogueError::Malformed {
            format: Format::Json,
            ..
        }
    ));
    assert_names(
        &message,
        &format!("indicators[5] (id {id5:?})"),
        "kind",
        "unknown variant `outcom`",
    );
    assert_names(
        &message,
        &format!("indicators[7] (id {id7:?})"),
        "measure",
        "unknown field `p`",
    );
}

#[test]
fn catalogue_syntax_errors_give_line_and_column() {
    let err = Catalogue::from_toml_str("[metadata]\nname = \"x\nversion = 1\n").unwrap_err();
    assert!(matches!(
        err,
        CatalogueError::Syntax {
            format: Format::Toml,
            ..
        }
    ));
    assert!(err.to_string().contains("line 2"), "{err}");
    let err = Catalogue::from_json_str("{\"metadata\": }").unwrap_err();
    assert!(matches!(
        err,
        CatalogueError::Syntax {
            format: Format::Json,
            ..
        }
    ));
    assert!(err.to_string().contains("column"), "{err}");
    let err = Catalogue::from_json_str("[1, 2]").unwrap_err();
    assert!(err.to_string().contains("must be a table"), "{err}");
}

// ---------------------------------------------------------------------------------------
// Malformed catalogues: errors found by validation
// ---------------------------------------------------------------------------------------

#[test]
fn catalogue_invalid_duplicate_ids() {
    let text = catalogue_text(&[
        survey_entry("unemployment"),
        structural_entry("c189"),
        survey_entry("unemployment"),
    ])
    .replace("id = \"work_conditions\"", "id = \"work_protection\"");
    let (err, message) = error_of(&text);
    assert!(matches!(err, CatalogueError::Invalid(_)));
    assert_names(
        &message,
        "indicators[2] (id \"unemployment\")",
        "id",
        "duplicate id",
    );
    assert!(
        message.contains("already used by indicators[0]"),
        "{message}"
    );
    assert_names(
        &message,
        "attributes[2] (id \"work_protection\")",
        "id",
        "duplicate id",
    );
}

#[test]
fn catalogue_invalid_unknown_right_and_attribute() {
    let text = catalogue_text(&[
        edit(
            &survey_entry("a"),
            "right = \"work\"",
            "right = \"housing\"",
        ),
        edit(
            &survey_entry("b"),
            "attribute = \"work_protection\"",
            "attribute = \"work_protectoin\"",
        ),
        edit(
            &survey_entry("c"),
            "attribute = \"work_protection\"",
            "attribute = \"health_access\"",
        ),
    ]);
    let (_, message) = error_of(&text);
    assert_names(
        &message,
        "indicators[0] (id \"a\")",
        "right",
        "unknown right \"housing\"",
    );
    assert_names(
        &message,
        "indicators[1] (id \"b\")",
        "attribute",
        "unknown attribute \"work_protectoin\"",
    );
    assert_names(
        &message,
        "indicators[2] (id \"c\")",
        "attribute",
        "belongs to right \"health\"",
    );
}

#[test]
fn catalogue_invalid_sql_condition_and_universe() {
    let text = catalogue_text(&[
        edit(&survey_entry("a"), "unemployed = 1", "unemployed = = 1"),
        edit(&survey_entry("b"), "age >= 15 AND", "age >= 15 AND AND"),
        edit(&survey_entry("c"), "\"unemployed = 1\"", "\"  \""),
    ]);
    let (_, message) = error_of(&text);
    assert_names(
        &message,
        "indicators[0] (id \"a\")",
        "measure.condition",
        "does not parse",
    );
    assert_names(
        &message,
        "indicators[1] (id \"b\")",
        "measure.universe",
        "does not parse",
    );
    assert_names(
        &message,
        "indicators[2] (id \"c\")",
        "measure.condition",
        "empty SQL",
    );
}

#[test]
fn catalogue_long_sql_is_checked_without_overflowing_the_stack() {
    // About 400 nested `AND`s: deeper than a 2 MB test thread can parse in a debug build,
    // within the cap; validation runs on its own large stack.
    let long = vec!["x = 1"; 400].join(" AND ");
    assert!(long.chars().count() <= hri::catalogue::MAX_SQL_CHARS);
    let compact = vec!["x"; 2000].join("+") + "=1";
    let too_long = vec!["x = 1"; 1000].join(" AND ");
    let text = catalogue_text(&[
        edit(&survey_entry("long"), "unemployed = 1", &long),
        edit(&survey_entry("compact"), "unemployed = 1", &compact),
        edit(&survey_entry("too_long"), "unemployed = 1", &too_long),
    ]);
    let lines = validation_lines(&text);
    let message = lines.join("\n");
    assert_eq!(lines.len(), 1, "{message}");
    assert_names(
        &message,
        "indicators[2] (id \"too_long\")",
        "measure.condition",
        "longer than the 4096 allowed",
    );
}

#[test]
fn catalogue_invalid_kind_and_measure_mismatch() {
    let text = catalogue_text(&[
        edit(
            &survey_entry("a"),
            "kind = \"outcome\"",
            "kind = \"structural\"",
        ),
        edit(
            &structural_entry("b"),
            "kind = \"structural\"",
            "kind = \"process\"",
        ),
    ]);
    let (_, message) = error_of(&text);
    assert_names(
        &message,
        "indicators[0] (id \"a\")",
        "measure",
        "structural indicator",
    );
    assert_names(
        &message,
        "indicators[0] (id \"a\")",
        "disaggregations",
        "cannot be disaggregated",
    );
    assert_names(
        &message,
        "indicators[1] (id \"b\")",
        "measure",
        "only for structural",
    );
}

#[test]
fn catalogue_invalid_benchmark_target_type() {
    let text = catalogue_text(&[
        edit(
            &structural_entry("a"),
            "target = \"ratified\"",
            "target = 100.0",
        ),
        survey_entry("b") + "benchmark = { target = \"ratified\", year = 2030, source = \"x\" }\n",
    ]);
    let (_, message) = error_of(&text);
    assert_names(
        &message,
        "indicators[0] (id \"a\")",
        "benchmark.target",
        "numeric target 100",
    );
    assert_names(
        &message,
        "indicators[1] (id \"b\")",
        "benchmark.target",
        "status target",
    );
}

#[test]
fn catalogue_invalid_benchmark_out_of_range() {
    let text = catalogue_text(&[
        survey_entry("pct")
            + "benchmark = { target = 120.0, year = 2030, baseline = { value = -1.0, year = 2031 } }\n",
        edit(
            &survey_entry("prop"),
            "unit = \"percent\"",
            "unit = \"proportion\"",
        ) + "benchmark = { target = 1.5, year = 30 }\n",
    ]);
    let (_, message) = error_of(&text);
    assert_names(
        &message,
        "indicators[0] (id \"pct\")",
        "benchmark.target",
        "outside 0–100",
    );
    assert_names(
        &message,
        "indicators[0] (id \"pct\")",
        "benchmark.baseline.value",
        "outside",
    );
    assert_names(
        &message,
        "indicators[0] (id \"pct\")",
        "benchmark.baseline.year",
        "after the target year",
    );
    assert_names(
        &message,
        "indicators[1] (id \"prop\")",
        "benchmark.target",
        "outside 0–1",
    );
    assert_names(
        &message,
        "indicators[1] (id \"prop\")",
        "benchmark.year",
        "year 30",
    );
}

#[test]
fn catalogue_invalid_quantile_rate_and_variables() {
    let quantile = r#"measure = { type = "quantile", variable = "earnings", p = 1.5 }"#;
    let rate = r#"measure = { type = "rate", condition = "injured = 1", per = 0.0 }"#;
    let ratio = r#"measure = { type = "ratio", numerator = "", denominator = " cost" }"#;
    let replace = |id: &str, measure: &str, unit: &str| {
        let e = survey_entry(id);
        let start = e.find("measure =").unwrap();
        format!("{}{measure}\n", &e[..start]).replace("unit = \"percent\"", unit)
    };
    let text = catalogue_text(&[
        replace("q", quantile, "unit = { currency = { code = \"mxn\" } }"),
        replace("r", rate, "unit = { rate_per = { per = 1000.0 } }"),
        replace("v", ratio, "unit = \"proportion\""),
        replace(
            "u",
            rate.replace("0.0", "100.0").as_str(),
            "unit = \"percent\"",
        ),
    ]);
    let (_, message) = error_of(&text);
    assert_names(
        &message,
        "indicators[0] (id \"q\")",
        "measure.p",
        "outside (0, 1)",
    );
    assert_names(&message, "indicators[0] (id \"q\")", "unit", "ISO 4217");
    assert_names(
        &message,
        "indicators[1] (id \"r\")",
        "measure.per",
        "not a positive number",
    );
    assert_names(&message, "indicators[1] (id \"r\")", "unit", "rate per 0");
    assert_names(
        &message,
        "indicators[2] (id \"v\")",
        "measure.numerator",
        "empty",
    );
    assert_names(
        &message,
        "indicators[2] (id \"v\")",
        "measure.denominator",
        "white space",
    );
    assert_names(
        &message,
        "indicators[3] (id \"u\")",
        "unit",
        "does not fit a rate",
    );
}

#[test]
fn catalogue_invalid_goalposts_and_weight() {
    let text = catalogue_text(&[
        survey_entry("g") + "goalposts = { lower = 10.0, upper = 10.0 }\nweight = 0.0\n",
        survey_entry("n") + "goalposts = { lower = 0.0, upper = inf }\nweight = nan\n",
        survey_entry("m") + "weight = -2\n",
    ]);
    let (_, message) = error_of(&text);
    assert_names(
        &message,
        "indicators[0] (id \"g\")",
        "goalposts",
        "must be below upper",
    );
    assert_names(
        &message,
        "indicators[0] (id \"g\")",
        "weight",
        "not a positive",
    );
    assert_names(&message, "indicators[1] (id \"n\")", "goalposts", "finite");
    assert_names(
        &message,
        "indicators[1] (id \"n\")",
        "weight",
        "NaN is not a positive",
    );
    assert_names(
        &message,
        "indicators[2] (id \"m\")",
        "weight",
        "-2 is not a positive",
    );
}

#[test]
fn catalogue_invalid_empty_id_and_name() {
    let text = catalogue_text(&[
        edit(
            &survey_entry(""),
            "name = \"Unemployment rate\"",
            "name = \" \"",
        ),
        survey_entry("has space"),
    ]);
    let (_, message) = error_of(&text);
    assert_names(
        &message,
        "indicators[0] (id \"\")",
        "id",
        "must not be empty",
    );
    assert_names(
        &message,
        "indicators[0] (id \"\")",
        "name",
        "must not be empty",
    );
    assert_names(
        &message,
        "indicators[1] (id \"has space\")",
        "id",
        "white space",
    );
}

#[test]
fn catalogue_invalid_disaggregations() {
    let text = catalogue_text(&[edit(
        &survey_entry("d"),
        "[[\"migratory_status\"], [\"sex\"], [\"migratory_status\", \"sex\"]]",
        "[[\"sex\"], [], [\"sex\", \"sex\"], [\"sex\", \"migratory_status\"], [\"migratory_status\", \"sex\"]]",
    )]);
    let (_, message) = error_of(&text);
    let place = "indicators[0] (id \"d\")";
    assert_names(
        &message,
        place,
        "disaggregations[1]",
        "empty disaggregation",
    );
    assert_names(
        &message,
        place,
        "disaggregations[2]",
        "repeats dimension sex",
    );
    assert_names(
        &message,
        place,
        "disaggregations[4]",
        "same dimensions as disaggregations[3]",
    );
}

#[test]
fn catalogue_invalid_unmapped_dimension() {
    // No [dimensions] section: dimensions are read from columns of the same name.
    let unmapped = catalogue_text(&[survey_entry("d")]);
    assert!(validation_lines(&unmapped).is_empty());
    // A mapping that leaves out a used dimension is an error.
    let text = unmapped + "\n[dimensions]\nmigratory_status = \"migrant\"\n";
    let (_, message) = error_of(&text);
    assert_names(
        &message,
        "indicators[0] (id \"d\")",
        "disaggregations[1]",
        "dimension sex is not mapped",
    );
    assert!(
        !message.contains("migratory_status is not mapped"),
        "{message}"
    );
}

#[test]
fn catalogue_invalid_metadata_scoring_rights_attributes() {
    let text = BASE
        .replace("country = \"generic\"", "country = \"Mexico\"")
        .replace("id = \"work\"", "id = \"health\"")
        .replace(
            "right = \"work\"\nname = \"Just",
            "right = \"labour\"\nname = \"Just",
        )
        + "\n[scoring]\nmin_available = 1.5\n"
        + "\n[dimensions]\nsex = \"\"\n";
    let lines = validation_lines(&text);
    let message = lines.join("\n");
    assert_names(&message, "metadata", "country", "ISO 3166-1 alpha-3");
    assert_names(&message, "scoring", "min_available", "outside [0, 1]");
    assert_names(&message, "dimensions", "sex", "empty");
    assert_names(&message, "rights[1] (id \"health\")", "id", "duplicate id");
    assert_names(
        &message,
        "attributes[2] (id \"work_conditions\")",
        "right",
        "unknown right \"labour\"",
    );
}

#[test]
fn catalogue_validation_reports_every_problem() {
    let text = catalogue_text(&[
        edit(
            &survey_entry("a"),
            "right = \"work\"",
            "right = \"housing\"",
        ),
        edit(&survey_entry("b"), "unemployed = 1", "unemployed = = 1"),
        survey_entry("c") + "weight = 0.0\n",
        survey_entry("c"),
    ]);
    let catalogue = Catalogue::from_toml_str(&text).unwrap();
    let report = catalogue.validate().unwrap_err();
    // right of a, attribute of a (its attribute belongs to "work", not "housing"),
    // condition of b, weight of c, duplicate c.
    assert_eq!(report.len(), 5, "{report}");
    assert_eq!(report.for_id("c").count(), 2);
    assert!(report.iter().all(|i| i.field.is_some()));
    assert!(matches!(
        &report.issues[0].location,
        Location::Indicator { index: 0, id: Some(id) } if id == "a"
    ));
}

// ---------------------------------------------------------------------------------------
// No input makes the loader or the validator panic
// ---------------------------------------------------------------------------------------

/// Loads text in both formats and, when it loads, validates and writes it back.
fn exercise(text: &str) {
    for format in [Format::Toml, Format::Json] {
        if let Ok(catalogue) = Catalogue::from_str_as(text, format) {
            let _ = catalogue.validate();
            let _ = catalogue.to_toml_string();
            let _ = catalogue.to_json_string();
        }
    }
}

/// Fragments that are likely to make a near-valid catalogue interesting.
const FRAGMENTS: &[&str] = &[
    "=",
    "[",
    "]",
    "[[indicators]]\n",
    "{",
    "}",
    "\"",
    "'''",
    "\n",
    "nan",
    "-inf",
    "1e400",
    "0",
    "-1",
    "\"\"",
    "type = \"rate\"",
    "type = \"quantile\"",
    "p = 2",
    "per = -1",
    "kind = \"structural\"",
    "(",
    ")",
    "AND",
    "SELECT",
    "'",
    "\\u0000",
    "#",
    "é",
    "\u{0}",
    "1979-05-27T07:32:00Z",
    "true",
    "[]",
    "[[]]",
    "target = \"x\"",
    "year = 99999999999",
];

/// An edit of the built-in TOML text.
#[derive(Debug, Clone)]
enum Mutation {
    Delete(prop::sample::Index, usize),
    Insert(prop::sample::Index, String),
    ReplaceLine(prop::sample::Index, String),
    DuplicateLine(prop::sample::Index),
    SwapLines(prop::sample::Index, prop::sample::Index),
    Truncate(prop::sample::Index),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let fragment = prop_oneof![
        prop::sample::select(FRAGMENTS).prop_map(str::to_string),
        "\\PC{0,12}",
    ];
    prop_oneof![
        (any::<prop::sample::Index>(), 1usize..40).prop_map(|(i, n)| Mutation::Delete(i, n)),
        (any::<prop::sample::Index>(), fragment.clone()).prop_map(|(i, s)| Mutation::Insert(i, s)),
        (any::<prop::sample::Index>(), fragment).prop_map(|(i, s)| Mutation::ReplaceLine(i, s)),
        any::<prop::sample::Index>().prop_map(Mutation::DuplicateLine),
        (any::<prop::sample::Index>(), any::<prop::sample::Index>())
            .prop_map(|(i, j)| Mutation::SwapLines(i, j)),
        any::<prop::sample::Index>().prop_map(Mutation::Truncate),
    ]
}

/// The largest char boundary at or below `i`.
fn boundary(text: &str, mut i: usize) -> usize {
    i = i.min(text.len());
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn apply(text: &str, m: &Mutation) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    if lines.is_empty() {
        lines.push(String::new());
    }
    match m {
        Mutation::Delete(i, n) => {
            let start = boundary(text, i.index(text.len() + 1));
            let end = boundary(text, start + n);
            format!("{}{}", &text[..start], &text[end..])
        }
        Mutation::Insert(i, s) => {
            let at = boundary(text, i.index(text.len() + 1));
            format!("{}{s}{}", &text[..at], &text[at..])
        }
        Mutation::ReplaceLine(i, s) => {
            let k = i.index(lines.len());
            lines[k] = s.clone();
            lines.join("\n")
        }
        Mutation::DuplicateLine(i) => {
            let k = i.index(lines.len());
            let line = lines[k].clone();
            lines.insert(k, line);
            lines.join("\n")
        }
        Mutation::SwapLines(i, j) => {
            let (a, b) = (i.index(lines.len()), j.index(lines.len()));
            lines.swap(a, b);
            lines.join("\n")
        }
        Mutation::Truncate(i) => text[..boundary(text, i.index(text.len() + 1))].to_string(),
    }
}

/// A small catalogue in both formats, cheap enough to mutate many times.
fn small_catalogue() -> String {
    catalogue_text(&[
        survey_entry("u")
            + "benchmark = { target = 10.0, year = 2030, baseline = { value = 12.0, year = 2020 } }\n",
        structural_entry("c189"),
    ])
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn catalogue_arbitrary_text_never_panics(text in "\\PC{0,400}") {
        exercise(&text);
    }

    #[test]
    fn catalogue_arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        exercise(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn catalogue_mutated_small_catalogue_never_panics(
        mutations in prop::collection::vec(mutation(), 1..6)
    ) {
        let mut text = small_catalogue();
        for m in &mutations {
            text = apply(&text, m);
        }
        exercise(&text);
        let json = Catalogue::from_toml_str(&small_catalogue()).unwrap().to_json_string().unwrap();
        let mut json_text = json;
        for m in &mutations {
            json_text = apply(&json_text, m);
        }
        exercise(&json_text);
    }
}

proptest! {
    // Each case parses and validates the whole built-in catalogue: fewer cases.
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn catalogue_mutated_builtin_never_panics(mutations in prop::collection::vec(mutation(), 1..4)) {
        let mut text = MIGRANTS_RIGHTS_TOML.to_string();
        for m in &mutations {
            text = apply(&text, m);
        }
        exercise(&text);
    }
}

#[test]
fn breakdowns_must_fit_the_universe_with_a_typed_issue_naming_the_indicator() {
    use hri::catalogue::IssueKind;
    let mut c = Catalogue::migrants_rights();
    // Put back the sex breakdown of skilled birth attendance (a universe of women) and the
    // WG-SS breakdown of school attendance (ages 6-17).
    let sba = c
        .indicators
        .iter_mut()
        .find(|i| i.id == "skilled_birth_attendance")
        .unwrap();
    sba.disaggregations.push(vec![Dimension::Sex]);
    let school = c
        .indicators
        .iter_mut()
        .find(|i| i.id == "school_attendance")
        .unwrap();
    school.disaggregations.push(vec![Dimension::Disability]);
    let fp = c
        .indicators
        .iter_mut()
        .find(|i| i.id == "family_planning_satisfied")
        .unwrap();
    fp.disaggregations
        .push(vec![Dimension::MigratoryStatus, Dimension::Sex]);
    // The CFM on an adult universe is rejected too.
    let emp = c
        .indicators
        .iter_mut()
        .find(|i| i.id == "employment_to_population")
        .unwrap();
    emp.disaggregations.push(vec![Dimension::ChildFunctioning]);
    let report = c.validate().unwrap_err();
    let kinds: Vec<&IssueKind> = report
        .issues
        .iter()
        .filter_map(|i| i.kind.as_ref())
        .collect();
    assert_eq!(
        kinds,
        [
            &IssueKind::SexBreakdownOnSingleSexUniverse {
                indicator: "skilled_birth_attendance".into(),
                sex: "female".into()
            },
            &IssueKind::SexBreakdownOnSingleSexUniverse {
                indicator: "family_planning_satisfied".into(),
                sex: "female".into()
            },
            &IssueKind::DisabilityInstrumentOutsideItsAges {
                indicator: "school_attendance".into(),
                dimension: "disability".into(),
                min_age: Some(6),
                max_age: Some(17)
            },
            &IssueKind::DisabilityInstrumentOutsideItsAges {
                indicator: "employment_to_population".into(),
                dimension: "child_functioning".into(),
                min_age: Some(15),
                max_age: None
            },
        ]
    );
    assert_eq!(report.issues.len(), 4);
    let text = report.to_string();
    assert!(
        text.contains("indicator skilled_birth_attendance: breakdown by sex"),
        "{text}"
    );
    assert!(text.contains("Child Functioning Module"), "{text}");
}

#[test]
fn population_is_read_from_a_plain_universe_or_declared() {
    use hri::framework::Population;
    let p =
        Population::from_universe("female = 1 AND age >= 15 AND age <= 49 AND live_birth_2y = 1");
    assert_eq!(
        p,
        Population {
            sex: Some("female".into()),
            min_age: Some(15),
            max_age: Some(49)
        }
    );
    let p = Population::from_universe("eda BETWEEN 6 AND 17 AND attends = 1");
    assert_eq!((p.min_age, p.max_age), (Some(6), Some(17)));
    assert_eq!(Population::from_universe("age < 5").max_age, Some(4));
    assert_eq!(Population::from_universe("age > 17").min_age, Some(18));
    assert_eq!(
        Population::from_universe("age = 1"),
        Population {
            sex: None,
            min_age: Some(1),
            max_age: Some(1)
        }
    );
    // Not a plain conjunction: nothing is inferred (declare `population` instead).
    assert_eq!(
        Population::from_universe("age < 5 OR female = 1"),
        Population::default()
    );
    // A declared population wins and fills what the universe does not say.
    let c = Catalogue::from_toml_str(
        r#"
[metadata]
name = "t"
version = "1"
[[rights]]
id = "health"
name = "Health"
[[attributes]]
id = "srh"
right = "health"
name = "SRH"
[[indicators]]
id = "anc"
name = "Antenatal care"
right = "health"
attribute = "srh"
kind = "process"
unit = "percent"
direction = "higher_is_better"
measure = { type = "proportion", condition = "anc4 = 1", universe = "pregnant_last_2y = 1" }
population = { sex = "female", min_age = 15, max_age = 49 }
disaggregations = [["sex"]]
"#,
    )
    .unwrap();
    let report = c.validate().unwrap_err();
    assert_eq!(report.issues.len(), 1);
    assert!(matches!(
        report.issues[0].kind,
        Some(hri::catalogue::IssueKind::SexBreakdownOnSingleSexUniverse { ref indicator, .. })
            if indicator == "anc"
    ));
}

#[test]
fn every_builtin_benchmark_cites_a_checkable_source_or_says_what_it_is() {
    let catalogue = Catalogue::migrants_rights();
    let mut n = 0;
    for ind in &catalogue.indicators {
        let Some(b) = &ind.benchmark else { continue };
        n += 1;
        let s = b.source.as_str();
        // A checkable source (an address, or a treaty article), or marked as recalled.
        assert!(
            s.contains("https://") || s.contains(" art") || s.contains("(recalled"),
            "{}: benchmark source cites nothing checkable: {s}",
            ind.id
        );
        // A target its source does not set is marked as this catalogue's reading.
        if s.starts_with("derived") {
            assert!(s.contains("illustrative"), "{}: {s}", ind.id);
        }
        // Normative targets say so, and the recalled ones are marked.
        assert!(
            s.starts_with("SDG target")
                || s.starts_with("derived")
                || s.starts_with("normative")
                || s.contains("(recalled"),
            "{}: {s}",
            ind.id
        );
    }
    assert_eq!(n, 34);
}
