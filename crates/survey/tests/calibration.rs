//! Calibrated designs: the `[calibration]` table of design files, the typed errors that name
//! the margin at fault, and properties of calibrated estimates (R's numbers are checked in
//! `r_reference::calibration_agrees_with_r`).

use hri_survey::design::{Calibration, CalibrationMethod, Design, Margin};
use hri_survey::error::{CalibrationProblem, Error};
use hri_survey::estimate::{Request, Survey};
use polars::prelude::*;

fn data() -> DataFrame {
    df!(
        "stratum" => [1, 1, 1, 1, 2, 2, 2, 2],
        "psu" => [1, 1, 2, 2, 3, 3, 4, 4],
        "w" => [10.0, 10.0, 12.0, 12.0, 8.0, 8.0, 9.0, 9.0],
        "sex" => ["f", "m", "f", "m", "f", "m", "f", "m"],
        "region" => ["n", "n", "s", "s", "n", "s", "n", "s"],
        "age" => [20.0, 35.0, 50.0, 41.0, 33.0, 28.0, 60.0, 45.0],
        "one" => [1.0; 8],
        "y" => [3.0, 5.0, 2.0, 8.0, 4.0, 4.0, 7.0, 1.0],
    )
    .unwrap()
}

fn design(cal: Calibration) -> Result<Design, Error> {
    Design::builder("w")
        .strata("stratum")
        .psu("psu")
        .calibration(cal)
        .build()
}

fn sex(f: f64, m: f64) -> Margin {
    Margin::categorical("sex", [("f", f), ("m", m)])
}

/// The estimate of `req`'s first row, or the error.
fn first(cal: Calibration, req: &Request) -> Result<(f64, f64), Error> {
    let survey = Survey::new(data(), design(cal)?)?;
    let t = survey.estimate(req)?;
    Ok((t.rows[0].estimate.unwrap(), t.rows[0].se.unwrap()))
}

fn calibration_error(e: Error) -> (String, CalibrationProblem) {
    match e {
        Error::Calibration { margin, problem } => (margin, problem),
        other => panic!("expected a calibration error, got {other}"),
    }
}

/// The `[calibration]` table exactly as the design-file contract writes it.
#[test]
fn design_file_calibration_table() {
    let d = Design::from_toml_str(
        r#"
weight = "pw"
psu = ["dnum"]
fpc = ["fpc"]
[calibration]
method = "poststratify"   # poststratify | raking | linear | logit
population = 6194         # optional: population size (the intercept total)
[[calibration.margin]]    # a categorical margin: a column and the population total of each level
column = "stype"
totals = { E = 4421, H = 755, M = 1018 }
"#,
    )
    .unwrap();
    let c = d.calibration().unwrap();
    assert_eq!(c.method, CalibrationMethod::PostStratify);
    assert_eq!(c.population, Some(6194.0));
    assert_eq!(
        c.margins,
        vec![Margin::categorical(
            "stype",
            [("E", 4421.0), ("H", 755.0), ("M", 1018.0)]
        )]
    );
    assert!(d.columns().contains(&"stype".to_string()));
    let d = Design::from_toml_str(
        r#"
weight = "pw"
[calibration]
method = "logit"
bounds = [0.5, 2.0]
population = 6194
epsilon = 1e-12
max_iterations = 80
[[calibration.margin]]
column = "stype"
totals = { E = 4421, H = 755, M = 1018 }
[[calibration.margin]]
column = "api99"
total = 3914069
[[calibration.margin]]
columns = ["region", "sex"]
totals = { "n:f" = 3000, "n:m" = 1000, "s:f" = 1194, "s:m" = 1000 }
"#,
    )
    .unwrap();
    let c = d.calibration().unwrap();
    assert_eq!(c.method, CalibrationMethod::Logit);
    assert_eq!(c.bounds, Some((0.5, 2.0)));
    assert_eq!((c.epsilon, c.max_iterations), (1e-12, 80));
    assert_eq!(c.margins[1], Margin::numeric("api99", 3914069.0));
    assert_eq!(c.margins[2].name(), "region:sex");
    // a logit calibration without bounds, a margin with both kinds of total
    let e = Design::from_toml_str(
        "weight = \"w\"\n[calibration]\nmethod = \"logit\"\n[[calibration.margin]]\ncolumn = \"a\"\ntotal = 3",
    )
    .unwrap_err();
    assert!(e.to_string().contains("bounds"), "{e}");
    let e = Design::from_toml_str(
        "weight = \"w\"\n[calibration]\nmethod = \"linear\"\n[[calibration.margin]]\ncolumn = \"a\"\ntotal = 3\ntotals = { x = 1 }",
    )
    .unwrap_err();
    assert!(e.to_string().contains("`a`"), "{e}");
    let e = Design::from_toml_str(
        "weight = \"w\"\n[calibration]\nmethod = \"ipf\"\n[[calibration.margin]]\ncolumn = \"a\"\ntotal = 3",
    )
    .unwrap_err();
    assert!(e.to_string().contains("ipf"), "{e}");
}

/// Calibrated weights meet the totals: a calibrated total of the margin's column is its
/// population total, with a standard error of zero (its calibration residuals are zero).
#[test]
fn calibrated_totals_meet_the_margins_with_zero_se() {
    for method in [
        CalibrationMethod::Linear,
        CalibrationMethod::Raking,
        CalibrationMethod::Logit,
    ] {
        let mut cal = Calibration::new(
            method,
            vec![sex(60.0, 90.0), Margin::numeric("age", 6000.0)],
        );
        if method == CalibrationMethod::Logit {
            cal = cal.bounds(0.2, 3.0);
        }
        for (var, want) in [("age", 6000.0), ("one", 150.0)] {
            let (est, se) = first(cal.clone(), &Request::new().total(var).overall()).unwrap();
            assert!((est - want).abs() < 1e-8 * want, "{method:?} {var}: {est}");
            assert!(se < 1e-7 * want, "{method:?} {var}: se {se}");
        }
        // a post-stratified total of the post-strata's indicator
        let ps = Calibration::new(CalibrationMethod::PostStratify, vec![sex(60.0, 90.0)]);
        let (est, se) = first(ps, &Request::new().proportion("sex = 'f'").overall()).unwrap();
        assert!((est - 0.4).abs() < 1e-14 && se < 1e-12, "{est} {se}");
    }
}

/// Chunked accumulation (`Survey::prepare`) gives the estimates of `Survey::estimate` on a
/// calibrated design.
#[test]
fn chunked_accumulation_of_a_calibrated_design() {
    let cal = Calibration::new(CalibrationMethod::Raking, vec![sex(60.0, 90.0)]);
    let survey = Survey::new(data(), design(cal).unwrap()).unwrap();
    let req = Request::new()
        .mean("y")
        .ratio("y", "age")
        .overall()
        .by(["region"]);
    let whole = survey.estimate(&req).unwrap();
    let est = survey.prepare(&req).unwrap();
    let a = est.accumulate(&[0, 1, 2, 3]).unwrap();
    let b = est.accumulate(&[4, 5, 6, 7]).unwrap();
    let chunked = est.finish(&a.merge(b).unwrap()).unwrap();
    assert_eq!(whole.rows.len(), chunked.rows.len());
    for x in &whole.rows {
        let y = chunked
            .rows
            .iter()
            .find(|y| (&x.measure, &x.groups) == (&y.measure, &y.groups))
            .unwrap();
        assert!((x.estimate.unwrap() - y.estimate.unwrap()).abs() < 1e-12);
        assert!((x.se.unwrap() - y.se.unwrap()).abs() < 1e-12 * x.se.unwrap().max(1.0));
    }
}

#[test]
fn unknown_margin_column_names_the_margin() {
    let cal = Calibration::new(
        CalibrationMethod::Linear,
        vec![Margin::numeric("income", 1e6)],
    );
    let e = Survey::new(data(), design(cal).unwrap()).unwrap_err();
    match &e {
        Error::UnknownColumn { column, role } => {
            assert_eq!(column, "income");
            assert!(role.contains("calibration margin `income`"), "{role}");
        }
        other => panic!("{other}"),
    }
}

#[test]
fn a_level_without_sample_names_the_margin_and_level() {
    let margin = Margin::categorical("sex", [("f", 60.0), ("m", 80.0), ("x", 10.0)]);
    for method in [CalibrationMethod::PostStratify, CalibrationMethod::Linear] {
        let cal = Calibration::new(method, vec![margin.clone()]);
        let (m, p) =
            calibration_error(first(cal, &Request::new().mean("y").overall()).unwrap_err());
        assert_eq!(m, "sex");
        assert_eq!(
            p,
            CalibrationProblem::EmptyLevel { level: "x".into() },
            "{method:?}"
        );
    }
    // a level found in the data without a total
    let cal = Calibration::new(
        CalibrationMethod::Raking,
        vec![Margin::categorical("sex", [("f", 60.0)])],
    );
    let (m, p) = calibration_error(first(cal, &Request::new().mean("y").overall()).unwrap_err());
    assert_eq!(m, "sex");
    assert_eq!(p, CalibrationProblem::MissingTotal { level: "m".into() });
}

#[test]
fn no_convergence_names_the_margin() {
    let cal = Calibration::new(
        CalibrationMethod::Raking,
        vec![sex(60.0, 90.0), Margin::numeric("age", 9000.0)],
    )
    .max_iterations(2);
    let e = first(cal, &Request::new().mean("y").overall()).unwrap_err();
    assert!(e.to_string().contains("no convergence"), "{e}");
    let (m, p) = calibration_error(e);
    assert!(m == "age" || m == "sex" || m == "population", "{m}");
    assert!(
        matches!(p, CalibrationProblem::NoConvergence { iterations: 2, misfit } if misfit > 1e-10)
    );
}

#[test]
fn bounds_that_cannot_be_met_name_the_margin() {
    // the sample's weights add up to 78 per sex; g within [0.9, 1.1] cannot reach 150
    let cal = Calibration::new(CalibrationMethod::Linear, vec![sex(150.0, 150.0)]).bounds(0.9, 1.1);
    let e = first(cal, &Request::new().mean("y").overall()).unwrap_err();
    let (m, p) = calibration_error(e);
    assert!(m == "sex" || m == "population", "{m}");
    assert!(
        matches!(p, CalibrationProblem::BoundsUnmet { lower, upper, .. } if lower == 0.9 && upper == 1.1),
        "{p:?}"
    );
}

#[test]
fn contradictory_totals_name_the_margin() {
    // the population size against a margin's level totals
    let cal = Calibration::new(CalibrationMethod::Linear, vec![sex(60.0, 90.0)]).population(200.0);
    let (m, p) = calibration_error(design(cal).unwrap_err());
    assert_eq!(m, "sex");
    assert!(
        matches!(&p, CalibrationProblem::Totals(why) if why.contains("200")),
        "{p:?}"
    );
    // two categorical margins that add up to different populations
    let cal = Calibration::new(
        CalibrationMethod::Raking,
        vec![
            sex(60.0, 90.0),
            Margin::categorical("region", [("n", 100.0), ("s", 100.0)]),
        ],
    );
    let (m, p) = calibration_error(design(cal).unwrap_err());
    assert_eq!(m, "region");
    assert!(
        matches!(&p, CalibrationProblem::Totals(why) if why.contains("`sex`")),
        "{p:?}"
    );
    // a negative level total
    let cal = Calibration::new(CalibrationMethod::PostStratify, vec![sex(-60.0, 90.0)]);
    let (m, _) = calibration_error(design(cal).unwrap_err());
    assert_eq!(m, "sex");
}

#[test]
fn a_missing_margin_value_names_the_row() {
    let mut df = data();
    df.with_column(Column::new(
        "age".into(),
        [
            Some(20.0),
            None,
            Some(50.0),
            Some(41.0),
            Some(33.0),
            Some(28.0),
            Some(60.0),
            Some(45.0),
        ],
    ))
    .unwrap();
    let cal = Calibration::new(
        CalibrationMethod::Linear,
        vec![Margin::numeric("age", 6000.0)],
    );
    let survey = Survey::new(df, design(cal).unwrap()).unwrap();
    let (m, p) = calibration_error(
        survey
            .estimate(&Request::new().mean("y").overall())
            .unwrap_err(),
    );
    assert_eq!(m, "age");
    assert_eq!(
        p,
        CalibrationProblem::MissingValue {
            column: "age".into(),
            row: 1
        }
    );
}
