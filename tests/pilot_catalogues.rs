//! The pilot catalogues of Mexico and Tunisia (`src/pilot/mexico.toml`,
//! `src/pilot/tunisia.toml`): they load and validate, keep the ids, names, kinds, units,
//! directions and references of the built-in catalogue, keep every structural indicator
//! whose entry the country register holds, and read only columns that the synthetic survey
//! (plus the runner's derived groups) provides, with conditions that evaluate on it.

use std::collections::BTreeSet;

use hri::catalogue::Catalogue;
use hri::framework::{Dimension, Indicator, IndicatorKind, Measure, Target, Unit};
use hri::pipeline::measure_columns;
use hri::structural::Register;
use hri::synth::{Round, mexico_round, tunisia_round};
use polars::prelude::*;

const MEXICO_TOML: &str = include_str!("../src/pilot/mexico.toml");
const TUNISIA_TOML: &str = include_str!("../src/pilot/tunisia.toml");

/// Columns the pilot runner adds to (or, for `sex`, replaces in) the synthetic survey.
const DERIVED: [&str; 6] = [
    "migratory_status",
    "migratory_status_place_of_birth",
    "migratory_status_citizenship",
    "age_group",
    "disability",
    "sex",
];

/// The seven disaggregations of every survey indicator of the built-in catalogue, and the
/// two roll-ups of migratory status (domains of their own) in the pilots.
const SEVEN: [&[Dimension]; 9] = [
    &[Dimension::MigratoryStatus],
    &[Dimension::PlaceOfBirth],
    &[Dimension::Citizenship],
    &[Dimension::Sex],
    &[Dimension::AgeGroup],
    &[Dimension::Disability],
    &[Dimension::MigratoryStatus, Dimension::Sex],
    &[Dimension::MigratoryStatus, Dimension::AgeGroup],
    &[Dimension::MigratoryStatus, Dimension::Disability],
];

struct Pilot {
    country: &'static str,
    catalogue: Catalogue,
    register: Register,
    frame: DataFrame,
    /// The survey column of the migratory-status dimension.
    status_column: &'static str,
    /// The currency of earnings.
    currency: &'static str,
}

fn mexico() -> Pilot {
    Pilot {
        country: "MEX",
        catalogue: Catalogue::from_toml_str(MEXICO_TOML).expect("mexico.toml parses"),
        register: Register::from_path("examples/registers/mexico.toml").expect("Mexico register"),
        frame: mexico_round(2_000, Round::Y2020, 1).expect("synthetic Mexico survey"),
        status_column: "migratory_status",
        currency: "MXN",
    }
}

fn tunisia() -> Pilot {
    Pilot {
        country: "TUN",
        catalogue: Catalogue::from_toml_str(TUNISIA_TOML).expect("tunisia.toml parses"),
        register: Register::from_path("examples/registers/tunisia.toml").expect("Tunisia register"),
        frame: tunisia_round(600, Round::Y2020, 1).expect("synthetic Tunisia survey"),
        status_column: "migratory_status",
        currency: "TND",
    }
}

fn pilots() -> [Pilot; 2] {
    [mexico(), tunisia()]
}

fn frame_columns(df: &DataFrame) -> BTreeSet<String> {
    df.get_column_names()
        .into_iter()
        .map(|c| c.to_string())
        .collect()
}

fn survey_indicators(c: &Catalogue) -> Vec<&Indicator> {
    c.survey_indicators().collect()
}

/// Evaluates an SQL condition on the frame: one `Option<bool>` per row.
fn evaluate(df: &DataFrame, sql: &str) -> Vec<Option<bool>> {
    let expr = polars::sql::sql_expr(sql).unwrap_or_else(|e| panic!("{sql:?} does not parse: {e}"));
    let out = df
        .clone()
        .lazy()
        .select([expr.alias("__c")])
        .collect()
        .unwrap_or_else(|e| panic!("{sql:?} does not evaluate: {e}"));
    let col = out.column("__c").unwrap();
    assert_eq!(
        col.dtype(),
        &DataType::Boolean,
        "{sql:?} is not a condition"
    );
    let v: Vec<Option<bool>> = col.bool().unwrap().iter().collect();
    if v.len() == 1 {
        vec![v[0]; df.height()]
    } else {
        v
    }
}

#[test]
fn pilot_catalogues_load_and_validate() {
    for p in pilots() {
        let c = &p.catalogue;
        if let Err(report) = c.validate() {
            panic!("{} pilot catalogue is invalid:\n{report}", p.country);
        }
        assert_eq!(c.metadata.country, p.country);
        assert!(!c.metadata.version.is_empty());
        let description = c.metadata.description.to_lowercase();
        assert!(
            description.contains("synthetic"),
            "{}: the description must say the pilot data are synthetic",
            p.country
        );
        assert!(
            description.contains("survey"),
            "{}: the description must name the survey the catalogue is written for",
            p.country
        );
        // Round trip through TOML keeps everything.
        let again = Catalogue::from_toml_str(&c.to_toml_string().unwrap()).unwrap();
        assert_eq!(&again, c, "{}: TOML round trip", p.country);
    }
}

#[test]
fn pilot_catalogues_map_the_runner_dimensions() {
    for p in pilots() {
        let c = &p.catalogue;
        let mapped: Vec<(Dimension, &str)> =
            c.dimensions.iter().map(|(d, s)| (*d, s.as_str())).collect();
        let mut expected = vec![
            (Dimension::MigratoryStatus, p.status_column),
            (Dimension::PlaceOfBirth, "migratory_status_place_of_birth"),
            (Dimension::Citizenship, "migratory_status_citizenship"),
            (Dimension::Sex, "sex"),
            (Dimension::AgeGroup, "age_group"),
            (Dimension::Disability, "disability"),
        ];
        expected.sort();
        assert_eq!(mapped, expected, "{}: [dimensions]", p.country);
    }
}

#[test]
fn pilot_indicators_keep_the_builtin_definitions() {
    let builtin = Catalogue::migrants_rights();
    for p in pilots() {
        let c = &p.catalogue;
        for ind in &c.indicators {
            let b = builtin.indicator(&ind.id).unwrap_or_else(|| {
                panic!("{}: {} is not in the built-in catalogue", p.country, ind.id)
            });
            let at = format!("{} {}", p.country, ind.id);
            assert_eq!(ind.right, b.right, "{at}: right");
            assert_eq!(ind.attribute, b.attribute, "{at}: attribute");
            assert_eq!(ind.kind, b.kind, "{at}: kind");
            assert_eq!(ind.name, b.name, "{at}: name");
            assert_eq!(ind.direction, b.direction, "{at}: direction");
            assert_eq!(ind.references, b.references, "{at}: references");
            match (&ind.unit, &b.unit) {
                (Unit::Currency { code }, Unit::Currency { code: generic }) => {
                    assert_eq!(generic, "XXX", "{at}: built-in currency");
                    assert_eq!(code, p.currency, "{at}: currency");
                }
                (unit, generic) => assert_eq!(unit, generic, "{at}: unit"),
            }
            // Same kind of measure (a proportion stays a proportion, ...).
            assert_eq!(
                std::mem::discriminant(&ind.measure),
                std::mem::discriminant(&b.measure),
                "{at}: measure type"
            );
            // Structural indicators are the built-in ones, unchanged.
            if ind.kind == IndicatorKind::Structural {
                assert_eq!(ind, b, "{at}: structural indicator changed");
            }
            // Rights and attributes are the built-in ones.
            assert_eq!(
                c.right(&ind.right),
                builtin.right(&ind.right),
                "{at}: right entry"
            );
            assert_eq!(
                c.attribute(&ind.attribute),
                builtin.attribute(&ind.attribute),
                "{at}: attribute entry"
            );
        }
        // Every attribute listed is measured by at least one indicator.
        for a in &c.attributes {
            assert!(
                c.indicators_of(&a.id).next().is_some(),
                "{}: attribute {} has no indicator",
                p.country,
                a.id
            );
        }
    }
}

#[test]
fn pilot_structural_indicators_follow_the_register() {
    let builtin = Catalogue::migrants_rights();
    for p in pilots() {
        let c = &p.catalogue;
        for ind in c.indicators_of_kind(IndicatorKind::Structural) {
            let Measure::Structural { entry } = &ind.measure else {
                panic!("{} {}: structural without entry", p.country, ind.id);
            };
            assert!(
                p.register.get(entry).is_some(),
                "{} {}: entry {entry} is not in the register",
                p.country,
                ind.id
            );
        }
        // Every built-in structural indicator the register can answer is kept.
        for b in builtin.indicators_of_kind(IndicatorKind::Structural) {
            let Measure::Structural { entry } = &b.measure else {
                unreachable!()
            };
            if p.register.get(entry).is_some() {
                assert!(
                    c.indicator(&b.id).is_some(),
                    "{}: structural indicator {} (register entry {entry}) is missing",
                    p.country,
                    b.id
                );
            }
        }
    }
}

#[test]
fn pilot_survey_indicators_read_existing_columns() {
    for p in pilots() {
        let c = &p.catalogue;
        let columns = frame_columns(&p.frame);
        let known = |col: &str| columns.contains(col) || DERIVED.contains(&col);
        for ind in survey_indicators(c) {
            let used =
                measure_columns(ind).unwrap_or_else(|e| panic!("{} {}: {e}", p.country, ind.id));
            assert!(
                !used.is_empty(),
                "{} {}: reads no column",
                p.country,
                ind.id
            );
            for col in &used {
                assert!(
                    known(col),
                    "{} {}: column {col} is neither in the synthetic survey nor derived",
                    p.country,
                    ind.id
                );
                // `sex` becomes text labels: never a condition.
                assert_ne!(col, "sex", "{} {}: `sex` in SQL", p.country, ind.id);
            }
            for d in ind.disaggregations.iter().flatten() {
                let col = c.column(*d);
                assert!(
                    known(col),
                    "{} {}: dimension column {col} missing",
                    p.country,
                    ind.id
                );
            }
        }
    }
}

#[test]
fn pilot_survey_measures_evaluate_on_the_synthetic_survey() {
    for p in pilots() {
        let df = &p.frame;
        for ind in survey_indicators(&p.catalogue) {
            let at = format!("{} {}", p.country, ind.id);
            let universe: Vec<bool> = match ind.measure.universe() {
                Some(u) => evaluate(df, u)
                    .into_iter()
                    .map(|v| v == Some(true))
                    .collect(),
                None => vec![true; df.height()],
            };
            let in_universe = universe.iter().filter(|u| **u).count();
            assert!(
                in_universe >= 10,
                "{at}: only {in_universe} rows in the universe"
            );
            match &ind.measure {
                Measure::Proportion { condition, .. } | Measure::Rate { condition, .. } => {
                    let cond = evaluate(df, condition);
                    let (mut yes, mut no, mut null) = (0usize, 0usize, 0usize);
                    for (c, u) in cond.iter().zip(&universe) {
                        if *u {
                            match c {
                                Some(true) => yes += 1,
                                Some(false) => no += 1,
                                None => null += 1,
                            }
                        }
                    }
                    // NULL puts a row out: only item non-response may do so.
                    assert!(
                        (null as f64) <= 0.05 * in_universe as f64,
                        "{at}: condition is NULL on {null} of {in_universe} rows"
                    );
                    assert!(
                        yes > 0 && no > 0,
                        "{at}: condition is constant ({yes} yes, {no} no)"
                    );
                }
                Measure::Mean { variable, .. }
                | Measure::Quantile { variable, .. }
                | Measure::Total { variable, .. } => {
                    let v = df
                        .column(variable)
                        .unwrap()
                        .cast(&DataType::Float64)
                        .unwrap();
                    let valid = v
                        .f64()
                        .unwrap()
                        .iter()
                        .zip(&universe)
                        .filter(|(x, u)| **u && x.is_some_and(f64::is_finite))
                        .count();
                    assert!(
                        valid as f64 >= 0.5 * in_universe as f64,
                        "{at}: {variable} valid on {valid} of {in_universe} rows"
                    );
                }
                other => panic!("{at}: unexpected measure {other:?}"),
            }
        }
    }
}

#[test]
fn pilot_survey_indicators_have_the_builtin_disaggregations_and_benchmark_sources() {
    for p in pilots() {
        for ind in survey_indicators(&p.catalogue) {
            let got: Vec<&[Dimension]> = ind.disaggregations.iter().map(Vec::as_slice).collect();
            // A universe of children has no disability breakdown: the surveys' disability
            // questions are the Washington Group Short Set (adults), without a Child
            // Functioning Module.
            let children = hri::framework::Population::of(ind)
                .max_age
                .is_some_and(|m| m < 18);
            let expected: Vec<&[Dimension]> = SEVEN
                .iter()
                .copied()
                .filter(|d| !(children && d.contains(&Dimension::Disability)))
                .collect();
            assert_eq!(got, expected, "{} {}: disaggregations", p.country, ind.id);
            if let Some(b) = &ind.benchmark {
                assert!(
                    matches!(b.target, Target::Value(_)),
                    "{} {}: numeric target",
                    p.country,
                    ind.id
                );
                assert!(
                    b.source.len() > 20,
                    "{} {}: benchmark source must say where the target comes from",
                    p.country,
                    ind.id
                );
            }
        }
    }
}

#[test]
fn pilot_catalogues_cover_the_four_rights() {
    for p in pilots() {
        let c = &p.catalogue;
        let survey = survey_indicators(c);
        assert!(
            (12..=18).contains(&survey.len()),
            "{}: {} survey indicators",
            p.country,
            survey.len()
        );
        for right in ["health", "education", "work", "non_discrimination"] {
            assert!(
                c.indicators_of_right(right).next().is_some(),
                "{}: no indicator of {right}",
                p.country
            );
        }
        for right in ["health", "education", "work"] {
            assert!(
                survey.iter().any(|i| i.right == right),
                "{}: no survey indicator of {right}",
                p.country
            );
        }
        // Median monthly earnings: a quantile at p = 0.5 of the earnings column.
        let median = c
            .indicator("median_monthly_earnings")
            .expect("median earnings");
        assert!(
            matches!(&median.measure, Measure::Quantile { variable, p, .. } if variable == "earnings" && *p == 0.5),
            "{}: median earnings measure {:?}",
            p.country,
            median.measure
        );
    }
    // Mexico measures non-discrimination from the survey too.
    let mex = mexico().catalogue;
    assert!(
        mex.survey_indicators()
            .any(|i| i.right == "non_discrimination")
    );
    // Tunisia: SDG 10.7.1, the mean of recruitment_cost_months among migrant workers.
    let tun = tunisia().catalogue;
    let cost = tun.indicator("recruitment_cost").expect("SDG 10.7.1");
    assert!(matches!(
        &cost.measure,
        Measure::Mean { variable, universe: Some(_) } if variable == "recruitment_cost_months"
    ));
    assert_eq!(cost.unit, Unit::MonthsOfEarnings);
    assert!(cost.references.iter().any(|r| r == "SDG 10.7.1"));
}
