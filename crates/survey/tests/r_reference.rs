//! Every case of R's `survey` reference (tests/data/r-survey/cases.json, R 4.2.2 with
//! survey 4.1.1, on the api data shipped with that package) through the library:
//! estimate, se, ci_low, ci_high and df to a relative error of 1e-9.

use hri_survey::design::{
    Calibration, CalibrationMethod, Design, LonelyPsu, Margin, ReplicateColumns, ReplicateKind,
    Replicates,
};
use hri_survey::estimate::{CiMethod, DfMethod, Request, Statistic, Survey};
use serde_json::Value;

use std::path::Path;

use crate::reference::{cases_in, close, data_dir};

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .map(|x| x.as_str().unwrap_or_default().to_string())
                .collect()
        })
        .unwrap_or_default()
}

fn design_of(case: &Value) -> Design {
    let d = &case["design"];
    let mut b = Design::builder(d["weight"].as_str().unwrap());
    if let Some(s) = strings(&d["strata"]).first() {
        b = b.strata(s.clone());
    }
    let psu = strings(&d["psu"]);
    if !psu.is_empty() {
        b = b.stages(psu);
    }
    let fpc = strings(&d["fpc"]);
    if !fpc.is_empty() {
        b = b.fpc(fpc);
    }
    b = b.nest(d["nest"].as_bool().unwrap_or(false));
    b = b.lonely_psu(
        d["lonely_psu"]
            .as_str()
            .unwrap_or("fail")
            .parse::<LonelyPsu>()
            .unwrap(),
    );
    if let Some(r) = d.get("replicate").filter(|r| !r.is_null()) {
        let kind =
            ReplicateKind::parse(r["type"].as_str().unwrap(), r["fay_rho"].as_f64()).unwrap();
        b = b.replicates(Replicates {
            kind,
            columns: ReplicateColumns::Prefix(r["weights_prefix"].as_str().unwrap().to_string()),
            scale: r["scale"].as_f64(),
            rscales: r["rscales"]
                .as_array()
                .map(|a| a.iter().map(|x| x.as_f64().unwrap()).collect()),
            mse: r["mse"].as_bool().unwrap_or(false),
            df: None,
        });
    }
    if let Some(c) = d.get("calibration").filter(|c| !c.is_null()) {
        b = b.calibration(calibration_of(c));
    }
    b.build().unwrap()
}

/// The `calibration` object of a case's design (see `calibration/make_cases.R`).
fn calibration_of(c: &Value) -> Calibration {
    let method: CalibrationMethod = c["method"].as_str().unwrap().parse().unwrap();
    let margins = c["margins"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| match m.get("totals") {
            Some(t) => Margin::Categorical {
                columns: strings(&m["columns"]),
                totals: t
                    .as_object()
                    .unwrap()
                    .iter()
                    .map(|(k, v)| (k.clone(), v.as_f64().unwrap()))
                    .collect(),
            },
            None => Margin::numeric(m["column"].as_str().unwrap(), m["total"].as_f64().unwrap()),
        })
        .collect();
    let mut cal = Calibration::new(method, margins);
    if let Some(b) = c["bounds"].as_array() {
        cal = cal.bounds(b[0].as_f64().unwrap(), b[1].as_f64().unwrap());
    }
    if let Some(n) = c["population"].as_f64() {
        cal = cal.population(n);
    }
    // R's own tolerance and iterations: the closed forms (post-stratification, unbounded
    // linear) do not iterate; the iterative cases were run in R with epsilon = 1e-12.
    if let Some(e) = c["epsilon"].as_f64() {
        cal = cal.epsilon(e.min(1e-12));
    }
    if let Some(k) = c["max_iterations"].as_u64() {
        cal = cal.max_iterations(k as usize);
    }
    cal
}

fn survey_of(folder: &Path, case: &Value) -> Survey {
    let path = folder.join(case["data"].as_str().unwrap());
    let df = hri_survey::io::read(&path).expect("read data");
    Survey::new(df, design_of(case)).expect("survey")
}

fn request_of(case: &Value) -> Request {
    let stat = case["stat"].as_str().unwrap();
    let var = case["var"].as_str().unwrap_or_default().to_string();
    let statistic = match stat {
        "mean" => Statistic::Mean {
            variable: var.clone(),
        },
        "total" => Statistic::Total {
            variable: var.clone(),
        },
        "ratio" => Statistic::Ratio {
            numerator: var.clone(),
            denominator: case["denominator"].as_str().unwrap().to_string(),
        },
        "proportion" => Statistic::Proportion {
            condition: case["condition"].as_str().unwrap().to_string(),
        },
        "quantile" => Statistic::Quantile {
            variable: var.clone(),
            probs: case["probs"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p.as_f64().unwrap())
                .collect(),
        },
        other => panic!("unexpected stat {other}"),
    };
    let ci = &case["ci"];
    let mut req = Request::new()
        .measure("m", statistic, case["where"].as_str())
        .level(ci["level"].as_f64().unwrap_or(0.95))
        .df(if ci["df"].as_str() == Some("infinite") {
            DfMethod::Infinite
        } else {
            DfMethod::Design
        })
        .ci(ci["method"]
            .as_str()
            .unwrap_or("wald")
            .parse::<CiMethod>()
            .unwrap());
    let by = strings(&case["by"]);
    req = if by.is_empty() {
        req.overall()
    } else {
        req.by(by)
    };
    req
}

/// Runs every case of `folder/cases.json` through the library and compares each number with
/// R's: (cases, rows, numbers checked, failures).
/// |actual − expected| / |expected| (absolute when R gives zero; 0 when both are missing).
fn relative(actual: Option<f64>, expected: &Value) -> f64 {
    match (actual, expected.as_f64()) {
        (Some(a), Some(e)) if e != 0.0 => ((a - e) / e).abs(),
        (Some(a), Some(_)) => a.abs(),
        _ => 0.0,
    }
}

type Checked = (usize, usize, usize, Vec<String>, usize);

fn check_cases(folder: &Path) -> Checked {
    let (checked, largest) = check_cases_and_differences(folder);
    let text: Vec<String> = largest
        .iter()
        .map(|(k, v)| format!("{k} {v:.1e}"))
        .collect();
    println!(
        "{}: largest relative difference by case family (estimate, se, ci, df, deff): {}",
        folder.display(),
        text.join(", ")
    );
    checked
}

fn check_cases_and_differences(
    folder: &Path,
) -> (Checked, std::collections::BTreeMap<String, f64>) {
    let mut checked_cases = 0;
    let mut checked_rows = 0;
    let mut checked_numbers = 0;
    let mut failures = Vec::new();
    let mut largest = std::collections::BTreeMap::new();
    let all = cases_in(folder);
    for case in &all {
        let id = case["id"].as_str().unwrap();
        let survey = survey_of(folder, case);
        if case["stat"] == "difference" {
            let req = Request::new().mean(case["var"].as_str().unwrap());
            let by = strings(&case["by"]);
            let gaps = survey
                .gap(
                    &req,
                    &by,
                    &by[0],
                    case["group_a"].as_str().unwrap(),
                    case["group_b"].as_str().unwrap(),
                )
                .unwrap_or_else(|e| panic!("{id}: {e}"));
            assert_eq!(gaps.rows.len(), 1, "{id}: one gap row");
            let want = &case["rows"][0];
            for (what, got) in [("estimate", gaps.rows[0].estimate), ("se", gaps.rows[0].se)] {
                if let Err(e) = close(got, &want[what], what) {
                    failures.push(format!("{id}: {e}"));
                }
                checked_numbers += 1;
            }
            checked_rows += 1;
            checked_cases += 1;
            continue;
        }
        let table = survey
            .estimate(&request_of(case))
            .unwrap_or_else(|e| panic!("{id}: {e}"));
        let want_rows = case["rows"].as_array().unwrap();
        assert_eq!(table.rows.len(), want_rows.len(), "{id}: number of rows");
        let by = strings(&case["by"]);
        for (got, want) in table.rows.iter().zip(want_rows) {
            for b in &by {
                let k = table.by_columns.iter().position(|c| c == b).unwrap();
                let expected = match &want["by"][b] {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                assert_eq!(
                    got.groups[k].as_deref(),
                    Some(expected.as_str()),
                    "{id}: domain order"
                );
            }
            if let Some(p) = want.get("prob").and_then(Value::as_f64) {
                assert_eq!(got.prob, Some(p), "{id}: probability");
            }
            let mut checks = vec![
                ("estimate", got.estimate),
                ("se", got.se),
                ("ci_low", got.ci_low),
                ("ci_high", got.ci_high),
                ("df", got.df),
            ];
            if want.get("deff").is_some() {
                checks.push(("deff", got.deff));
            }
            for (what, value) in checks {
                let family = id.split('-').next().unwrap_or(id).to_string();
                let worst = largest.entry(family).or_insert(0.0f64);
                *worst = worst.max(relative(value, &want[what]));
                if let Err(e) = close(value, &want[what], what) {
                    failures.push(format!("{id} {:?}: {e}", want["by"]));
                }
                checked_numbers += 1;
            }
            checked_rows += 1;
        }
        checked_cases += 1;
    }
    (
        (
            checked_cases,
            checked_rows,
            checked_numbers,
            failures,
            all.len(),
        ),
        largest,
    )
}

/// Checks the cases of `folder` and prints what was checked under `label`.
fn check_all(folder: &Path, label: &str) {
    let (checked_cases, checked_rows, checked_numbers, failures, all) = check_cases(folder);
    println!(
        "{label}: {checked_cases} of {all} cases, {checked_rows} rows, {checked_numbers} numbers checked; {} failures",
        failures.len()
    );
    assert_eq!(checked_cases, all, "every case runs");
    assert!(
        failures.is_empty(),
        "{} numbers differ from R:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn every_r_reference_case() {
    check_all(&data_dir(), "R reference");
}

/// R's rules that matter in domains: which strata the lonely-PSU `average` rule counts, and
/// the design degrees of freedom reported for quantiles of a variable with missing values
/// (`domain-rules/make_cases.R`).
#[test]
fn domain_rules_agree_with_r() {
    check_all(&data_dir().join("domain-rules"), "R domain rules");
}

/// Calibrated designs (`calibration/make_cases.R`): post-stratification of a cluster design,
/// post-strata crossed from two columns, raking on two margins, linear calibration on a
/// numeric margin with an intercept, bounded linear where the bounds bind, logit on a
/// two-stage design, and a JK1 replicate design calibrated linearly and by raking (every
/// replicate calibrated); means, totals, ratios, proportions and quantiles, with design
/// effects, overall and by domains. Everything to 1e-9 relative: post-stratification and
/// unbounded linear calibration are closed forms, and R solved raking, logit and bounded
/// linear calibration to epsilon = 1e-12 (hri to the same tolerance; Newton's method
/// converges quadratically, so both are the converged solution to rounding).
#[test]
fn calibration_agrees_with_r() {
    check_all(&data_dir().join("calibration"), "R calibration");
}
