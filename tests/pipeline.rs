//! The pipeline end to end: catalogue + survey + register → Results.

use std::collections::HashSet;

use approx::assert_relative_eq;
use hri::catalogue::Catalogue;
use hri::design::Design;
use hri::estimate::{Request, Survey};
use hri::framework::IndicatorKind;
use hri::framework::{Dimension, Direction, Measure};
use hri::pipeline::{MissingColumns, Pipeline, PipelineError, measure_columns};
use hri::results::{LEADING_COLUMNS, Results, SummaryLevel, TOTAL, TRAILING_COLUMNS, note_key};
use hri::score;
use hri::score::ScoreBasis;
use hri::structural::Register;
use polars::prelude::*;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const MEXICO: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/examples/registers/mexico.toml"
);

/// Rates of the synthetic population, per migratory status.
#[derive(Clone, Copy)]
struct Rates {
    insured: [f64; 3],
    unemployed: [f64; 3],
}

const STATUS: [&str; 3] = ["native_born_citizen", "foreign_born", "return_migrant"];

const RATES_2020: Rates = Rates {
    insured: [0.85, 0.50, 0.80],
    unemployed: [0.08, 0.03, 0.22],
};

/// A small synthetic survey: 20 strata × 6 PSUs × 25 persons, with migratory status
/// (70 / 20 / 10 %), sex, age group, disability (2 %, so that migrants with a disability
/// are a tiny domain), insurance, labour force, unemployment, hours and earnings.
fn people(seed: u64, rates: Rates) -> DataFrame {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let (mut stratum, mut psu, mut w) = (vec![], vec![], vec![]);
    let (mut status, mut sex, mut age, mut age_group, mut disability) =
        (vec![], vec![], vec![], vec![], vec![]);
    let (mut insured, mut lf, mut unemployed, mut hours, mut earnings) =
        (vec![], vec![], vec![], vec![], vec![]);
    for h in 0..20 {
        for p in 0..6 {
            for _ in 0..25 {
                stratum.push(h);
                psu.push(h * 100 + p);
                w.push(50.0 + 10.0 * f64::from(h % 5) + rng.random_range(0.0..5.0));
                let u: f64 = rng.random();
                let s = if u < 0.7 {
                    0
                } else if u < 0.9 {
                    1
                } else {
                    2
                };
                status.push(STATUS[s]);
                sex.push(if rng.random_bool(0.5) {
                    "female"
                } else {
                    "male"
                });
                let a: i32 = rng.random_range(0..86);
                age.push(a);
                age_group.push(match a {
                    0..=14 => "0-14",
                    15..=24 => "15-24",
                    25..=64 => "25-64",
                    _ => "65+",
                });
                disability.push(if rng.random_bool(0.02) {
                    "with_disability"
                } else {
                    "without_disability"
                });
                insured.push(i32::from(rng.random_bool(rates.insured[s])));
                let in_lf = rng.random_bool(0.6);
                lf.push(i32::from(in_lf));
                unemployed.push(if in_lf {
                    Some(i32::from(rng.random_bool(rates.unemployed[s])))
                } else {
                    None
                });
                hours.push(if in_lf {
                    Some(rng.random_range(10.0..60.0))
                } else {
                    None
                });
                earnings.push(if in_lf {
                    Some(rng.random_range(2000.0..20000.0))
                } else {
                    None
                });
            }
        }
    }
    df!(
        "stratum" => stratum,
        "psu" => psu,
        "w" => w,
        "migratory_status" => status,
        "sex" => sex,
        "age" => age,
        "age_group" => age_group,
        "disability" => disability,
        "insured" => insured,
        "in_labour_force" => lf,
        "unemployed" => unemployed,
        "hours" => hours,
        "earnings" => earnings,
    )
    .unwrap()
}

fn design() -> Design {
    Design::builder("w")
        .strata("stratum")
        .psu("psu")
        .build()
        .unwrap()
}

fn survey(df: DataFrame) -> Survey {
    Survey::new(df, design()).unwrap()
}

const SMALL: &str = r#"
[metadata]
name = "pipeline test"
version = "1"

[[rights]]
id = "health"
name = "Right to health"

[[rights]]
id = "work"
name = "Right to work"

[[attributes]]
id = "health_access"
right = "health"
name = "Accessibility"

[[attributes]]
id = "health_commitments"
right = "health"
name = "Commitments"

[[attributes]]
id = "work_protection"
right = "work"
name = "Protection from unemployment"

[[attributes]]
id = "work_conditions"
right = "work"
name = "Just conditions"

[[indicators]]
id = "insured"
name = "Covered by health insurance"
right = "health"
attribute = "health_access"
kind = "process"
unit = "percent"
direction = "higher_is_better"
measure = { type = "proportion", condition = "insured = 1" }
benchmark = { target = 100.0, year = 2030, source = "universal coverage" }
disaggregations = [["migratory_status"], ["sex"], ["migratory_status", "sex"], ["migratory_status", "disability"]]

[[indicators]]
id = "icrmw"
name = "ICRMW ratified"
right = "health"
attribute = "health_commitments"
kind = "structural"
unit = "status"
direction = "higher_is_better"
measure = { type = "structural", entry = "icrmw" }
benchmark = { target = "ratified", year = 2030 }

[[indicators]]
id = "phantom_treaty"
name = "A treaty absent from the register"
right = "health"
attribute = "health_commitments"
kind = "structural"
unit = "status"
direction = "higher_is_better"
measure = { type = "structural", entry = "no_such_entry" }
benchmark = { target = "ratified", year = 2030 }

[[indicators]]
id = "unemployment_rate"
name = "Unemployment rate"
right = "work"
attribute = "work_protection"
kind = "outcome"
unit = "percent"
direction = "lower_is_better"
measure = { type = "proportion", condition = "unemployed = 1", universe = "in_labour_force = 1" }
benchmark = { target = 3.0, year = 2030 }
disaggregations = [["migratory_status"], ["sex"], ["migratory_status", "sex"], ["migratory_status", "disability"]]

[[indicators]]
id = "weekly_hours"
name = "Mean weekly hours"
right = "work"
attribute = "work_conditions"
kind = "outcome"
unit = "hours"
direction = { target = { value = 40.0, tolerance = 5.0 } }
goalposts = { lower = 0.0, upper = 80.0 }
measure = { type = "mean", variable = "hours", universe = "in_labour_force = 1" }
disaggregations = [["migratory_status"], ["migratory_status", "sex"]]

[[indicators]]
id = "median_earnings"
name = "Median monthly earnings"
right = "work"
attribute = "work_conditions"
kind = "outcome"
unit = { currency = { code = "MXN" } }
direction = "higher_is_better"
measure = { type = "quantile", variable = "earnings", p = 0.5, universe = "in_labour_force = 1" }
disaggregations = [["migratory_status"]]
"#;

fn small_catalogue() -> Catalogue {
    Catalogue::from_toml_str(SMALL).unwrap()
}

fn mexico() -> Register {
    Register::from_path(MEXICO).unwrap()
}

fn run_small(df: DataFrame, period: &str) -> Results {
    Pipeline::builder()
        .catalogue(small_catalogue())
        .survey(survey(df))
        .register(mexico())
        .time_period(period)
        .build()
        .unwrap()
        .run()
        .unwrap()
}

fn str_at(df: &DataFrame, column: &str, i: usize) -> Option<String> {
    df.column(column)
        .unwrap()
        .as_materialized_series()
        .str()
        .unwrap()
        .get(i)
        .map(str::to_string)
}

/// The keys of a `note`: the text before `": "` of each `"; "`-separated entry.
fn note_keys(note: Option<&str>) -> HashSet<String> {
    note.map(|n| {
        n.split("; ")
            .filter_map(|e| e.split_once(": ").map(|(k, _)| k.to_string()))
            .collect()
    })
    .unwrap_or_default()
}

/// Checks the contract of the schema: every null is by construction or explained.
fn assert_every_null_explained(results: &Results, catalogue: &Catalogue) {
    let df = results.indicators();
    let dims: Vec<&str> = results.dimensions().iter().map(|d| d.as_str()).collect();
    let expected: Vec<&str> = LEADING_COLUMNS
        .iter()
        .copied()
        .chain(dims.iter().copied())
        .chain(TRAILING_COLUMNS.iter().copied())
        .collect();
    let names: Vec<&str> = df.get_column_names().iter().map(|s| s.as_str()).collect();
    assert_eq!(names, expected);
    let mut checked = 0usize;
    for i in 0..df.height() {
        let id = str_at(df, "indicator_id", i).unwrap();
        let indicator = catalogue.indicator(&id).unwrap();
        let kind = str_at(df, "kind", i).unwrap();
        let disaggregation = str_at(df, "disaggregation", i).unwrap();
        let note = str_at(df, "note", i);
        let keys = note_keys(note.as_deref());
        for column in df.columns() {
            let name = column.name().as_str();
            if !column.is_null().get(i).unwrap() {
                continue;
            }
            checked += 1;
            let ctx = format!("row {i} ({id}, {disaggregation}), column {name}, note {note:?}");
            if dims.contains(&name) {
                assert!(
                    !disaggregation.split('×').any(|d| d == name),
                    "{ctx}: dimension of the disaggregation is null"
                );
                continue;
            }
            match name {
                "quality_reason" => assert_eq!(
                    str_at(df, "quality_flag", i).as_deref(),
                    Some("reliable"),
                    "{ctx}"
                ),
                "structural_status" => assert_ne!(kind, "structural", "{ctx}"),
                "deff"
                    if !matches!(
                        indicator.measure,
                        Measure::Mean { .. } | Measure::Total { .. }
                    ) => {}
                "benchmark_target" if str_at(df, "benchmark_target_status", i).is_some() => {}
                "benchmark_target_status"
                    if !df
                        .column("benchmark_target")
                        .unwrap()
                        .is_null()
                        .get(i)
                        .unwrap() => {}
                _ => {
                    let key = note_key(name).unwrap_or_else(|| panic!("{ctx}: never null"));
                    // Statistics of an estimate that is not there are explained by
                    // its `estimate` entry.
                    let by_estimate = ["se", "ci", "df", "cv", "deff"].contains(&key)
                        && keys.contains("estimate");
                    assert!(
                        keys.contains(key) || by_estimate,
                        "{ctx}: no `{key}:` reason"
                    );
                }
            }
        }
    }
    assert!(checked > 0);
    for table in [results.attributes(), results.rights(), results.overall()] {
        for i in 0..table.height() {
            if table.column("score").unwrap().is_null().get(i).unwrap() {
                assert!(
                    str_at(table, "note", i).is_some(),
                    "summary row {i} without reason"
                );
            }
        }
    }
}

/// A synthetic frame with every column the built-in catalogue reads.
fn builtin_frame(seed: u64) -> DataFrame {
    let catalogue = Catalogue::migrants_rights();
    let mut df = people(seed, RATES_2020);
    let continuous = [
        "hours_worked_week",
        "oop_health_share",
        "years_schooling",
        "hourly_earnings",
        "monthly_earnings",
        "recruitment_cost_months",
        "oop_health_spending",
        "household_consumption",
    ];
    let mut rng = ChaCha8Rng::seed_from_u64(seed + 1);
    let n = df.height();
    let mut columns: Vec<String> = Vec::new();
    for ind in catalogue.survey_indicators() {
        for c in measure_columns(ind).unwrap() {
            if !columns.contains(&c) {
                columns.push(c);
            }
        }
    }
    for c in columns {
        if df.column(&c).is_ok() {
            continue;
        }
        let col = if continuous.contains(&c.as_str()) {
            let hi = if c == "oop_health_share" { 0.3 } else { 60.0 };
            Column::new(
                c.as_str().into(),
                (0..n)
                    .map(|_| rng.random_range(0.0..hi))
                    .collect::<Vec<f64>>(),
            )
        } else {
            Column::new(
                c.as_str().into(),
                (0..n)
                    .map(|_| i32::from(rng.random_bool(0.4)))
                    .collect::<Vec<i32>>(),
            )
        };
        df.with_column(col).unwrap();
    }
    // The Child Functioning Module's groups (the built-in catalogue breaks universes of
    // children down by them).
    let cfm: Vec<&str> = (0..n)
        .map(|_| {
            if rng.random_bool(0.05) {
                "with_functional_difficulty"
            } else {
                "without_functional_difficulty"
            }
        })
        .collect();
    df.with_column(Column::new("child_functioning".into(), cfm))
        .unwrap();
    df
}

#[test]
fn end_to_end_builtin_catalogue_every_column_filled_or_explained() {
    let catalogue = Catalogue::migrants_rights();
    let mut register = mexico();
    register.instruments.retain(|i| i.id != "ilo_c189");
    let pipeline = Pipeline::builder()
        .catalogue(catalogue.clone())
        .survey(survey(builtin_frame(7)))
        .register(register)
        .time_period("2020")
        .build()
        .unwrap();
    // One request holds every survey indicator and the union of disaggregations + total.
    let request = pipeline.request();
    assert_eq!(
        request.measures.len(),
        catalogue.survey_indicators().count()
    );
    // Total + the standard seven + child functioning alone and crossed with status.
    assert_eq!(request.disaggregations.len(), 10);
    assert!(request.disaggregations[0].is_empty());
    let results = pipeline.run().unwrap();
    assert_eq!(results.meta().ref_area, "MEX");
    assert_eq!(
        results.dimensions(),
        [
            Dimension::MigratoryStatus,
            Dimension::Sex,
            Dimension::AgeGroup,
            Dimension::Disability,
            Dimension::ChildFunctioning
        ]
    );
    assert_every_null_explained(&results, &catalogue);

    // Every indicator is there, in catalogue order, total row first.
    let ids: Vec<&str> = results
        .rows()
        .iter()
        .map(|r| r.indicator_id.as_str())
        .collect();
    let mut order: Vec<&str> = ids.clone();
    order.dedup();
    let expected: Vec<&str> = catalogue.indicators.iter().map(|i| i.id.as_str()).collect();
    assert_eq!(order, expected);
    for ind in &catalogue.indicators {
        let first = results
            .rows()
            .iter()
            .find(|r| r.indicator_id == ind.id)
            .unwrap();
        assert_eq!(
            (first.disaggregation.as_str(), first.group.as_str()),
            (TOTAL, TOTAL)
        );
    }
    // Structural: an entry removed from the register is missing, never "not ratified".
    let c189 = catalogue
        .indicators
        .iter()
        .find(|i| matches!(&i.measure, Measure::Structural { entry } if entry == "ilo_c189"))
        .unwrap();
    let row = results.row(&c189.id, TOTAL, TOTAL).unwrap();
    assert_eq!(row.structural_status.as_deref(), Some("missing"));
    assert_eq!(row.score, None);
    assert_eq!(row.target_met, None);
    assert!(row.note.as_deref().unwrap().contains("not in the register"));
    // Some tiny domains are suppressed, with their reason, and still listed.
    let suppressed = results
        .rows()
        .iter()
        .filter(|r| r.quality_flag.is_some() && !r.published)
        .count();
    assert!(suppressed > 0);
    // Summary tables: per group, one level row per attribute × kind and right × kind that
    // has indicators; no overall score (the built-in catalogue asks for no composite).
    let level: Vec<_> = results
        .summaries()
        .iter()
        .filter(|s| s.basis == ScoreBasis::Level)
        .collect();
    let groups: HashSet<(&str, &str)> = level
        .iter()
        .map(|s| (s.disaggregation.as_str(), s.group.as_str()))
        .collect();
    assert!(groups.len() > 10);
    let attr_kinds: HashSet<(&str, IndicatorKind)> = catalogue
        .indicators
        .iter()
        .map(|i| (i.attribute.as_str(), i.kind))
        .collect();
    let right_kinds: HashSet<(&str, IndicatorKind)> = catalogue
        .indicators
        .iter()
        .map(|i| (i.right.as_str(), i.kind))
        .collect();
    let count = |l: SummaryLevel| level.iter().filter(|s| s.level == l).count();
    assert_eq!(
        count(SummaryLevel::Attribute),
        groups.len() * attr_kinds.len()
    );
    assert_eq!(count(SummaryLevel::Right), groups.len() * right_kinds.len());
    assert_eq!(results.overall().height(), 0);
    // Deterministic: the same inputs give the same table.
    let again = pipeline.run().unwrap();
    assert!(again.indicators().equals_missing(results.indicators()));
}

#[test]
fn tiny_domain_is_suppressed_with_its_reason() {
    let results = run_small(people(11, RATES_2020), "2020");
    let row = results
        .row(
            "insured",
            "migratory_status×disability",
            "foreign_born×with_disability",
        )
        .expect("the tiny domain keeps its row");
    let n = row.n.unwrap();
    assert!(n > 0 && n < 30, "n = {n}");
    assert!(!row.published);
    assert_eq!(row.quality_flag.map(|f| f.as_str()), Some("suppressed"));
    assert!(
        row.quality_reason
            .as_deref()
            .unwrap()
            .contains("below the minimum of 30")
    );
    assert_eq!(
        (row.estimate, row.se, row.ci_low, row.ci_high),
        (None, None, None, None)
    );
    assert!(
        row.note
            .as_deref()
            .unwrap()
            .contains("estimate: values withheld (suppressed)")
    );
    // Its gap and score are withheld too, with reasons.
    assert_eq!(row.gap_difference, None);
    assert!(row.note.as_deref().unwrap().contains("gap: withheld"));
    assert_eq!(row.score, None);
    // Without withholding, the value is there beside the flag.
    let review = Pipeline::builder()
        .catalogue(small_catalogue())
        .survey(survey(people(11, RATES_2020)))
        .register(mexico())
        .time_period("2020")
        .withhold(false)
        .build()
        .unwrap()
        .run()
        .unwrap();
    let row = review
        .row(
            "insured",
            "migratory_status×disability",
            "foreign_born×with_disability",
        )
        .unwrap();
    assert!(!row.published && row.estimate.is_some());
    assert_every_null_explained(&results, &small_catalogue());
}

#[test]
fn crossed_domains_equal_the_same_domains_computed_directly() {
    let df = people(12, RATES_2020);
    let pipeline = Pipeline::builder()
        .catalogue(small_catalogue())
        .survey(survey(df.clone()))
        .register(mexico())
        .time_period("2020")
        .withhold(false)
        .build()
        .unwrap();
    let results = pipeline.run().unwrap();
    let mut direct = pipeline.request();
    direct.disaggregations = vec![vec!["migratory_status".into(), "sex".into()]];
    let direct = survey(df).estimate(&direct).unwrap();
    let scale = |m: &str| {
        if m == "insured" || m == "unemployment_rate" {
            100.0
        } else {
            1.0
        }
    };
    let mut compared = 0;
    for d in &direct.rows {
        let group = format!(
            "{}×{}",
            d.groups[0].as_deref().unwrap(),
            d.groups[1].as_deref().unwrap()
        );
        let Some(row) = results.row(&d.measure, "migratory_status×sex", &group) else {
            // median_earnings is not disaggregated by status × sex in the catalogue.
            assert_eq!(d.measure, "median_earnings");
            continue;
        };
        let s = scale(&d.measure);
        let pairs = [
            (row.estimate, d.estimate),
            (row.se, d.se),
            (row.ci_low, d.ci_low),
            (row.ci_high, d.ci_high),
        ];
        for (got, want) in pairs {
            assert_relative_eq!(got.unwrap(), want.unwrap() * s, max_relative = 1e-12);
        }
        assert_eq!(row.df, d.df);
        assert_eq!(row.n, Some(d.n));
        assert_relative_eq!(row.pop.unwrap(), d.pop, max_relative = 1e-12);
        compared += 1;
    }
    assert_eq!(compared, 3 * 2 * 3);
}

#[test]
fn gap_flags_are_direction_aware_and_equal_the_engine() {
    let df = people(13, RATES_2020);
    let results = run_small(df.clone(), "2020");
    let flag = |id: &str, group: &str| {
        results
            .row(id, "migratory_status", group)
            .unwrap()
            .gap_flag
            .map(|f| f.as_str())
    };
    // Lower is better: migrants with lower unemployment are better off, return migrants
    // with higher unemployment worse off.
    assert_eq!(
        flag("unemployment_rate", "foreign_born"),
        Some("significantly better")
    );
    assert_eq!(
        flag("unemployment_rate", "return_migrant"),
        Some("significantly worse")
    );
    // Higher is better: lower insurance coverage is worse.
    assert_eq!(flag("insured", "foreign_born"), Some("significantly worse"));
    assert_eq!(
        flag("insured", "native_born_citizen"),
        Some("reference group")
    );
    // Quantiles have no gap, and say so.
    let q = results
        .row("median_earnings", "migratory_status", "foreign_born")
        .unwrap();
    assert_eq!(q.gap_flag, None);
    assert!(
        q.note
            .as_deref()
            .unwrap()
            .contains("gap: gaps of quantiles are not estimated")
    );
    // The numbers are the engine's gap, in percent.
    let row = results
        .row(
            "unemployment_rate",
            "migratory_status×sex",
            "return_migrant×female",
        )
        .unwrap();
    assert_eq!(
        row.gap_reference.as_deref(),
        Some("native_born_citizen×female")
    );
    let request = Request::new()
        .proportion("unemployed = 1")
        .within("in_labour_force = 1");
    let gaps = survey(df)
        .gap(
            &request,
            &["migratory_status".to_string(), "sex".to_string()],
            "migratory_status",
            "return_migrant",
            "native_born_citizen",
        )
        .unwrap();
    let g = gaps
        .rows
        .iter()
        .find(|g| g.groups == ["return_migrant", "female"])
        .unwrap();
    assert_relative_eq!(
        row.gap_difference.unwrap(),
        100.0 * g.estimate.unwrap(),
        max_relative = 1e-12
    );
    assert_relative_eq!(
        row.gap_se.unwrap(),
        100.0 * g.se.unwrap(),
        max_relative = 1e-12
    );
    assert_relative_eq!(
        row.gap_ratio.unwrap(),
        g.ratio.unwrap(),
        max_relative = 1e-12
    );
    assert_relative_eq!(
        row.gap_p_value.unwrap(),
        g.p_value.unwrap(),
        max_relative = 1e-12
    );
    // Sex has no reference group by default: no gap, with the reason; with one, the gap is
    // along sex.
    let by_sex = results.row("insured", "sex", "female").unwrap();
    assert_eq!(by_sex.gap_reference, None);
    assert!(
        by_sex
            .note
            .as_deref()
            .unwrap()
            .contains("gap: no reference group")
    );
    let with_sex = Pipeline::builder()
        .catalogue(small_catalogue())
        .survey(survey(people(13, RATES_2020)))
        .time_period("2020")
        .ref_area("MEX")
        .reference(Dimension::Sex, "male")
        .build()
        .unwrap()
        .run()
        .unwrap();
    let row = with_sex.row("insured", "sex", "female").unwrap();
    assert_eq!(row.gap_reference.as_deref(), Some("male"));
    assert!(row.gap_flag.is_some());
    // Status × sex stays compared along migratory status.
    let row = with_sex
        .row("insured", "migratory_status×sex", "foreign_born×male")
        .unwrap();
    assert_eq!(
        row.gap_reference.as_deref(),
        Some("native_born_citizen×male")
    );
}

#[test]
fn structural_indicators_read_the_register_and_missing_is_missing() {
    let results = run_small(people(14, RATES_2020), "2020");
    let icrmw = results.row("icrmw", TOTAL, TOTAL).unwrap();
    assert_eq!(icrmw.structural_status.as_deref(), Some("ratified"));
    assert_eq!(icrmw.score, Some(100.0));
    assert_eq!(icrmw.target_met, Some(true));
    assert_eq!(icrmw.benchmark_target_status.as_deref(), Some("ratified"));
    let phantom = results.row("phantom_treaty", TOTAL, TOTAL).unwrap();
    assert_eq!(phantom.structural_status.as_deref(), Some("missing"));
    assert_eq!(phantom.score, None);
    assert_eq!(phantom.target_met, None);
    let note = phantom.note.as_deref().unwrap();
    assert!(
        note.contains("entry 'no_such_entry' is not in the register of MEX"),
        "{note}"
    );
    assert!(note.contains("target_met unknown because the register entry is missing"));
    // The commitments attribute is computed from 1 of 2 indicators (min share 0.5), for
    // every group.
    let attr = results
        .summary_of(
            SummaryLevel::Attribute,
            "health_commitments",
            Some(IndicatorKind::Structural),
            ScoreBasis::Level,
            "migratory_status",
            "foreign_born",
        )
        .unwrap();
    assert_eq!(
        (attr.score, attr.available, attr.expected),
        (Some(100.0), 1, 2)
    );
    assert!(attr.note.as_deref().unwrap().contains("phantom_treaty"));
    // Without a register, every structural indicator is missing.
    let none = Pipeline::builder()
        .catalogue(small_catalogue())
        .survey(survey(people(14, RATES_2020)))
        .time_period("2020")
        .ref_area("MEX")
        .build()
        .unwrap()
        .run()
        .unwrap();
    let row = none.row("icrmw", TOTAL, TOTAL).unwrap();
    assert_eq!(row.structural_status.as_deref(), Some("missing"));
    assert!(
        row.note
            .as_deref()
            .unwrap()
            .contains("no country register was given")
    );
}

#[test]
fn benchmarks_scores_and_roll_up() {
    let results = run_small(people(15, RATES_2020), "2020");
    let total = results.row("insured", TOTAL, TOTAL).unwrap();
    let x = total.estimate.unwrap();
    assert_eq!(total.benchmark_target, Some(100.0));
    assert_eq!(total.benchmark_year, Some(2030));
    assert_relative_eq!(total.distance.unwrap(), 100.0 - x, max_relative = 1e-12);
    assert_eq!(total.target_met, Some(false));
    // Goalposts 0-100, higher is better: the score is the percentage itself.
    assert_relative_eq!(total.score.unwrap(), x, max_relative = 1e-12);
    // Currency without goalposts: no score, with the reason.
    let median = results.row("median_earnings", TOTAL, TOTAL).unwrap();
    assert_eq!(median.score, None);
    assert!(
        median
            .note
            .as_deref()
            .unwrap()
            .contains("score: no goalposts")
    );
    // Scores roll up by kind: the access attribute has one process indicator, so its
    // process score for a group is that indicator's, and so is the health right's process
    // score; the structural score of health is the commitments' (100, icrmw). The kinds are
    // never averaged together without a composite, and there is no overall score.
    let sum = |level, id: &str, kind, basis, d: &str, g: &str| {
        results
            .summary_of(level, id, kind, basis, d, g)
            .unwrap_or_else(|| panic!("{id} {kind:?} {basis:?} {d} {g}"))
    };
    use IndicatorKind::{Outcome, Process, Structural};
    use SummaryLevel::{Attribute, Right};
    for group in ["total", "foreign_born"] {
        let disaggregation = if group == TOTAL {
            TOTAL
        } else {
            "migratory_status"
        };
        let row = results.row("insured", disaggregation, group).unwrap();
        let lv = ScoreBasis::Level;
        let attr = sum(
            Attribute,
            "health_access",
            Some(Process),
            lv,
            disaggregation,
            group,
        );
        assert_relative_eq!(
            attr.score.unwrap(),
            row.score.unwrap(),
            max_relative = 1e-12
        );
        let process = sum(Right, "health", Some(Process), lv, disaggregation, group);
        assert_relative_eq!(
            process.score.unwrap(),
            row.score.unwrap(),
            max_relative = 1e-12
        );
        let structural = sum(Right, "health", Some(Structural), lv, disaggregation, group);
        assert_eq!(structural.score, Some(100.0));
        assert!(
            results
                .summary_of(Right, "health", None, lv, disaggregation, group)
                .is_none()
        );
        assert!(
            results
                .summary_of(Right, "health", Some(Outcome), lv, disaggregation, group)
                .is_none()
        );
    }
    assert_eq!(results.overall().height(), 0);
    // The gap (parity) scores roll up apart: the foreign-born's process parity score of
    // health is the insured indicator's gap score, and the reference group's is 100.
    let fb = results
        .row("insured", "migratory_status", "foreign_born")
        .unwrap();
    let want = score::parity(fb.gap_ratio.unwrap(), 1.0, Direction::HigherIsBetter).unwrap();
    assert_relative_eq!(fb.gap_score.unwrap(), want, max_relative = 1e-12);
    assert!(want < 100.0);
    let par = sum(
        Right,
        "health",
        Some(Process),
        ScoreBasis::Parity,
        "migratory_status",
        "foreign_born",
    );
    assert_relative_eq!(par.score.unwrap(), want, max_relative = 1e-12);
    let reference = sum(
        Right,
        "health",
        Some(Process),
        ScoreBasis::Parity,
        "migratory_status",
        "native_born_citizen",
    );
    assert_eq!(reference.score, Some(100.0));
    // Structural indicators have no gap score, so no parity roll-up of that kind.
    assert!(
        results
            .summary_of(
                Right,
                "health",
                Some(Structural),
                ScoreBasis::Parity,
                "migratory_status",
                "foreign_born"
            )
            .is_none()
    );
    // A group of a disaggregation not every indicator has: attribute scores computed from
    // what is available, the rest named.
    assert!(
        results
            .summary_of(
                Attribute,
                "health_access",
                Some(Process),
                ScoreBasis::Level,
                "migratory_status×disability",
                "native_born_citizen×without_disability"
            )
            .is_some()
    );
}

#[test]
fn composite_only_when_asked_with_its_weights_and_aggregation_none() {
    let run = |scoring: &str| {
        let text = SMALL.replace(
            "[[rights]]\nid = \"health\"",
            &format!("[scoring]\n{scoring}\n\n[[rights]]\nid = \"health\""),
        );
        Pipeline::builder()
            .catalogue(Catalogue::from_toml_str(&text).unwrap())
            .survey(survey(people(16, RATES_2020)))
            .register(mexico())
            .time_period("2020")
            .build()
            .unwrap()
            .run()
            .unwrap()
    };
    let results = run("composite = { structural = 1.0, process = 3.0, outcome = 0.0 }");
    let lv = ScoreBasis::Level;
    let get = |level, id: &str, kind| {
        results
            .summary_of(level, id, kind, lv, TOTAL, TOTAL)
            .unwrap()
            .clone()
    };
    let s = get(
        SummaryLevel::Right,
        "health",
        Some(IndicatorKind::Structural),
    );
    let p = get(SummaryLevel::Right, "health", Some(IndicatorKind::Process));
    let health = get(SummaryLevel::Right, "health", None);
    assert_relative_eq!(
        health.score.unwrap(),
        (s.score.unwrap() + 3.0 * p.score.unwrap()) / 4.0,
        max_relative = 1e-12
    );
    assert_eq!(
        health.weights.as_deref(),
        Some("structural 1, process 3, outcome 0")
    );
    // Work has outcome indicators only, weighted 0 here: nothing to compose.
    let work = get(SummaryLevel::Right, "work", None);
    assert_eq!(work.score, None);
    let overall = get(SummaryLevel::Overall, "", None);
    assert_relative_eq!(
        overall.score.unwrap(),
        health.score.unwrap(),
        max_relative = 1e-12
    );
    assert!(
        overall
            .weights
            .as_deref()
            .unwrap()
            .contains("rights equally")
    );
    let frame = results.overall();
    let weights = frame
        .column("weights")
        .unwrap()
        .str()
        .unwrap()
        .get(0)
        .unwrap();
    assert!(weights.starts_with("structural 1, process 3"));
    // aggregation = "none": indicator scores only.
    let none = run("aggregation = \"none\"");
    assert!(none.summaries().is_empty());
    assert!(none.row("insured", TOTAL, TOTAL).unwrap().score.is_some());
}

#[test]
fn parity_scores_use_the_gap_ratio() {
    // The gap score is computed apart from the level score, whatever the normalisation.
    let results = Pipeline::builder()
        .catalogue(small_catalogue())
        .survey(survey(people(16, RATES_2020)))
        .register(mexico())
        .time_period("2020")
        .build()
        .unwrap()
        .run()
        .unwrap();
    let migrants = results
        .row("unemployment_rate", "migratory_status", "return_migrant")
        .unwrap();
    let want = score::parity(migrants.gap_ratio.unwrap(), 1.0, Direction::LowerIsBetter).unwrap();
    assert_relative_eq!(migrants.gap_score.unwrap(), want, max_relative = 1e-12);
    assert!(want < 100.0);
    // The level score is the goalposts score of the estimate, not the parity.
    assert_relative_eq!(
        migrants.score.unwrap(),
        100.0 - migrants.estimate.unwrap(),
        max_relative = 1e-12
    );
    let reference = results
        .row(
            "unemployment_rate",
            "migratory_status",
            "native_born_citizen",
        )
        .unwrap();
    assert_eq!(reference.gap_score, Some(100.0));
    let total = results.row("unemployment_rate", TOTAL, TOTAL).unwrap();
    assert_eq!(total.gap_score, None);
    assert!(
        total
            .note
            .as_deref()
            .unwrap()
            .contains("gap: the whole population has no reference group")
    );
    // A catalogue that still asks for parity as the level normalisation is told why not.
    let text = SMALL.replace(
        "[[rights]]\nid = \"health\"",
        "[scoring]\nnormalisation = \"parity\"\n\n[[rights]]\nid = \"health\"",
    );
    let err = Catalogue::from_toml_str(&text)
        .unwrap()
        .validate()
        .unwrap_err();
    assert!(err.to_string().contains("gap_score"), "{err}");
}

#[test]
fn progress_between_two_rounds() {
    let rates_2015 = Rates {
        insured: [0.75, 0.40, 0.70],
        unemployed: RATES_2020.unemployed,
    };
    let first = run_small(people(21, rates_2015), "2015");
    let pipeline = Pipeline::builder()
        .catalogue(small_catalogue())
        .survey(survey(people(22, RATES_2020)))
        .register(mexico())
        .time_period("2020")
        .previous(first.clone())
        .build()
        .unwrap();
    let second = pipeline.run().unwrap();
    assert_eq!(second.meta().previous_time_period.as_deref(), Some("2015"));
    let (a, b) = (
        first.row("insured", TOTAL, TOTAL).unwrap(),
        second.row("insured", TOTAL, TOTAL).unwrap(),
    );
    assert_relative_eq!(
        b.change.unwrap(),
        b.estimate.unwrap() - a.estimate.unwrap(),
        max_relative = 1e-12
    );
    assert_relative_eq!(
        b.change_se.unwrap(),
        (a.se.unwrap().powi(2) + b.se.unwrap().powi(2)).sqrt(),
        max_relative = 1e-12
    );
    // About +10 points in 5 years, 100 % needed by 2030: off track.
    assert_eq!(b.progress_status.as_deref(), Some("off_track"));
    // Weekly hours have no benchmark: the change is there, the status says why not.
    let hours = second.row("weekly_hours", TOTAL, TOTAL).unwrap();
    assert!(hours.change.is_some() && hours.progress_status.is_none());
    assert!(
        hours
            .note
            .as_deref()
            .unwrap()
            .contains("progress_status needs a numeric benchmark")
    );
    // A previous round that is not earlier is refused.
    let err = Pipeline::builder()
        .catalogue(small_catalogue())
        .survey(survey(people(22, RATES_2020)))
        .register(mexico())
        .time_period("2015")
        .previous(second)
        .build()
        .unwrap_err();
    assert!(matches!(err, PipelineError::PreviousRound(_)), "{err}");
}

#[test]
fn missing_columns_error_or_skip() {
    let text = SMALL.replace("variable = \"hours\"", "variable = \"hours_usual\"");
    let catalogue = Catalogue::from_toml_str(&text).unwrap();
    let err = Pipeline::builder()
        .catalogue(catalogue.clone())
        .survey(survey(people(17, RATES_2020)))
        .register(mexico())
        .time_period("2020")
        .build()
        .unwrap_err();
    match &err {
        PipelineError::MissingColumn { indicator, column } => {
            assert_eq!(
                (indicator.as_str(), column.as_str()),
                ("weekly_hours", "hours_usual")
            );
        }
        other => panic!("unexpected error {other}"),
    }
    assert!(err.to_string().contains("weekly_hours") && err.to_string().contains("hours_usual"));
    // A column named only in an SQL condition is found too.
    let text = SMALL.replace("condition = \"insured = 1\"", "condition = \"covered = 1\"");
    let err = Pipeline::builder()
        .catalogue(Catalogue::from_toml_str(&text).unwrap())
        .survey(survey(people(17, RATES_2020)))
        .time_period("2020")
        .ref_area("MEX")
        .build()
        .unwrap_err();
    assert!(
        matches!(&err, PipelineError::MissingColumn { indicator, column } if indicator == "insured" && column == "covered")
    );
    // Skipped: one row, every value null with the reason; counted missing in the roll-up.
    let results = Pipeline::builder()
        .catalogue(catalogue.clone())
        .survey(survey(people(17, RATES_2020)))
        .register(mexico())
        .time_period("2020")
        .missing_columns(MissingColumns::Skip)
        .build()
        .unwrap()
        .run()
        .unwrap();
    let rows: Vec<_> = results
        .rows()
        .iter()
        .filter(|r| r.indicator_id == "weekly_hours")
        .collect();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].estimate, None);
    assert!(
        rows[0]
            .note
            .as_deref()
            .unwrap()
            .contains("column `hours_usual` is not in the data")
    );
    assert_eq!(results.meta().skipped.len(), 1);
    let attr = results
        .summary_of(
            SummaryLevel::Attribute,
            "work_conditions",
            Some(IndicatorKind::Outcome),
            ScoreBasis::Level,
            TOTAL,
            TOTAL,
        )
        .unwrap();
    // weekly_hours is skipped and median_earnings (a currency without goalposts) has no
    // score: nothing to aggregate, and the note names both.
    assert_eq!((attr.score, attr.available, attr.expected), (None, 0, 2));
    let note = attr.note.as_deref().unwrap();
    assert!(
        note.contains("weekly_hours") && note.contains("median_earnings"),
        "{note}"
    );
    assert_every_null_explained(&results, &catalogue);
}

#[test]
fn configuration_errors_are_typed() {
    let base = || {
        Pipeline::builder()
            .catalogue(small_catalogue())
            .survey(survey(people(18, RATES_2020)))
            .time_period("2020")
            .ref_area("MEX")
    };
    // A reference group that is not in the data.
    let err = base()
        .reference(Dimension::MigratoryStatus, "non_migrant")
        .build()
        .unwrap()
        .run()
        .unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, PipelineError::UnknownReferenceGroup { .. }));
    assert!(
        text.contains("non_migrant") && text.contains("native_born_citizen"),
        "{text}"
    );
    // A dimension column that is not in the data.
    let mut df = people(18, RATES_2020);
    df.drop_in_place("disability").unwrap();
    let err = Pipeline::builder()
        .catalogue(small_catalogue())
        .survey(survey(df))
        .time_period("2020")
        .ref_area("MEX")
        .build()
        .unwrap_err();
    assert!(matches!(
        err,
        PipelineError::MissingDimensionColumn {
            dimension: "disability",
            ..
        }
    ));
    // Missing settings, a bad level, a condition that is not true/false.
    assert!(matches!(
        Pipeline::builder()
            .survey(survey(people(18, RATES_2020)))
            .build()
            .unwrap_err(),
        PipelineError::MissingSetting("catalogue")
    ));
    assert!(matches!(
        Pipeline::builder()
            .catalogue(small_catalogue())
            .survey(survey(people(18, RATES_2020)))
            .time_period("2020")
            .build()
            .unwrap_err(),
        PipelineError::MissingSetting("ref_area")
    ));
    assert!(matches!(
        base().level(1.5).build().unwrap_err(),
        PipelineError::InvalidLevel(_)
    ));
    let text = SMALL.replace("condition = \"insured = 1\"", "condition = \"insured + 1\"");
    let err = Pipeline::builder()
        .catalogue(Catalogue::from_toml_str(&text).unwrap())
        .survey(survey(people(18, RATES_2020)))
        .time_period("2020")
        .ref_area("MEX")
        .build()
        .unwrap_err();
    assert!(
        matches!(&err, PipelineError::BadCondition { indicator, role: "condition", .. } if indicator == "insured"),
        "{err}"
    );
}

/// Proportions of exactly 0 and 1 (no foreign-born person unemployed, every one insured):
/// never reliable without a reason, and their default interval (Korn–Graubard) has its
/// Clopper–Pearson limits instead of none (R's svyciprop) or a zero-width Wald interval.
#[test]
fn boundary_proportions_have_a_reason_and_an_interval() {
    let rates = Rates {
        insured: [0.85, 1.0, 0.80],
        unemployed: [0.08, 0.0, 0.22],
    };
    let results = run_small(people(11, rates), "2020");
    assert_eq!(results.meta().ci, hri::estimate::CiMethod::Beta);
    for (id, est, lo_is_bound) in [("unemployment_rate", 0.0, true), ("insured", 100.0, false)] {
        let row = results.row(id, "migratory_status", "foreign_born").unwrap();
        assert_eq!(row.estimate, Some(est), "{id}");
        assert_eq!(
            row.quality_flag.map(|f| f.as_str()),
            Some("moderate"),
            "{id}"
        );
        assert!(
            row.quality_reason.as_deref().unwrap().contains("exactly"),
            "{id}"
        );
        let (lo, hi) = (row.ci_low.unwrap(), row.ci_high.unwrap());
        if lo_is_bound {
            assert!(lo == 0.0 && hi > 0.5 && hi < 10.0, "{id}: {lo} {hi}");
        } else {
            assert!(hi == 100.0 && lo < 99.5 && lo > 90.0, "{id}: {lo} {hi}");
        }
    }
    // Under the NCHS standards the same rows are presented for statistical review.
    let nchs = Pipeline::builder()
        .catalogue(small_catalogue())
        .survey(survey(people(11, rates)))
        .register(mexico())
        .time_period("2020")
        .quality(hri::quality::QualityPolicy::nchs_2017())
        .build()
        .unwrap()
        .run()
        .unwrap();
    let row = nchs
        .row("unemployment_rate", "migratory_status", "foreign_born")
        .unwrap();
    assert_eq!(row.quality_flag.map(|f| f.as_str()), Some("low"));
    assert!(row.quality_reason.as_deref().unwrap().contains("NCHS"));
    assert_eq!(nchs.meta().quality_policy, "nchs_2017");
}

/// No row has a progress status other than `no_significant_change` when its change is
/// inside its interval (t with the smaller domain df); the independence of the rounds is
/// written beside every change_se; a catalogue series break replaces the status.
#[test]
fn progress_status_respects_the_change_interval_and_series_breaks() {
    let rates_2015 = Rates {
        insured: [0.84, 0.48, 0.80],
        unemployed: [0.08, 0.05, 0.20],
    };
    let first = run_small(people(31, rates_2015), "2015");
    let second = Pipeline::builder()
        .catalogue(small_catalogue())
        .survey(survey(people(32, RATES_2020)))
        .register(mexico())
        .time_period("2020")
        .previous(first.clone())
        .build()
        .unwrap()
        .run()
        .unwrap();
    let mut checked = 0;
    let mut not_significant = 0;
    for row in second.rows() {
        let (Some(change), Some(se), Some(status)) =
            (row.change, row.change_se, row.progress_status.as_deref())
        else {
            continue;
        };
        assert_eq!(row.change_basis.as_deref(), Some("independent_rounds"));
        let prev = first
            .row(&row.indicator_id, &row.disaggregation, &row.group)
            .unwrap();
        let df = match (prev.df, row.df) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        let q = hri::interval::critical_value(0.95, df);
        if (change / se).abs() <= q {
            assert_eq!(
                status, "no_significant_change",
                "{}/{}",
                row.indicator_id, row.group
            );
            not_significant += 1;
        } else {
            assert_ne!(status, "no_significant_change");
        }
        checked += 1;
    }
    assert!(
        checked > 10 && not_significant > 0,
        "{checked} {not_significant}"
    );
    // Every published estimate with a numeric target has its target status.
    let total = second.row("insured", TOTAL, TOTAL).unwrap();
    assert_eq!(total.target_status.as_deref(), Some("not_met"));

    // A series break in 2018 between the rounds: no progress status, the change kept.
    let text = SMALL.replace(
        "benchmark = { target = 100.0, year = 2030, source = \"universal coverage\" }",
        "benchmark = { target = 100.0, year = 2030, source = \"universal coverage\" }\nseries_breaks = [{ year = 2018, note = \"new questionnaire\" }]",
    );
    let broken = Pipeline::builder()
        .catalogue(Catalogue::from_toml_str(&text).unwrap())
        .survey(survey(people(32, RATES_2020)))
        .register(mexico())
        .time_period("2020")
        .previous(first)
        .build()
        .unwrap()
        .run()
        .unwrap();
    let row = broken.row("insured", TOTAL, TOTAL).unwrap();
    assert_eq!(row.progress_status.as_deref(), Some("series_break"));
    assert!(row.change.is_some());
    assert!(row.note.as_deref().unwrap().contains("new questionnaire"));
}

/// The pipeline reads the register at the round's reference year: ILO C98 (ratified
/// 23 Nov 2018) is not counted in 2015, and is in 2020.
#[test]
fn structural_indicators_are_read_at_the_round() {
    let text = SMALL.replace(
        "measure = { type = \"structural\", entry = \"icrmw\" }",
        "measure = { type = \"structural\", entry = \"ilo_c98\" }",
    );
    let run = |period: &str| {
        Pipeline::builder()
            .catalogue(Catalogue::from_toml_str(&text).unwrap())
            .survey(survey(people(11, RATES_2020)))
            .register(mexico())
            .time_period(period)
            .build()
            .unwrap()
            .run()
            .unwrap()
    };
    let r2015 = run("2015");
    let row = r2015.row("icrmw", TOTAL, TOTAL).unwrap();
    assert_eq!(row.structural_status.as_deref(), Some("not_ratified"));
    assert_eq!(row.score, Some(0.0));
    assert!(
        row.note
            .as_deref()
            .unwrap()
            .contains("at 2015: not_ratified")
    );
    let r2020 = run("2020");
    let row = r2020.row("icrmw", TOTAL, TOTAL).unwrap();
    assert_eq!(row.structural_status.as_deref(), Some("ratified"));
    assert!(
        row.note
            .as_deref()
            .unwrap()
            .contains("in_force (since 2019-11-23)")
    );
}
