//! Bad input gets a typed error that names the place; empty domains give empty rows.

use hri_survey::design::{Design, LonelyPsu, ReplicateColumns, ReplicateKind, Replicates};
use hri_survey::error::Error;
use hri_survey::estimate::{Request, Survey};
use polars::prelude::*;

fn data() -> DataFrame {
    df!(
        "stratum" => [1, 1, 1, 2, 2, 2],
        "psu" => [1, 1, 2, 3, 4, 4],
        "w" => [1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
        "y" => [Some(1.0), None, Some(3.0), Some(4.0), Some(5.0), Some(6.0)],
        "g" => ["a", "a", "b", "b", "a", "c"],
        "r1" => [1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
        "r2" => [2.0, 1.0, 3.0, 4.0, 6.0, 5.0],
    )
    .unwrap()
}

fn taylor() -> Design {
    Design::builder("w")
        .strata("stratum")
        .psu("psu")
        .build()
        .unwrap()
}

fn err(df: DataFrame, d: Design, req: Request) -> Error {
    match Survey::new(df, d) {
        Err(e) => e,
        Ok(s) => s.estimate(&req).expect_err("an error"),
    }
}

#[test]
fn unknown_analysis_column_is_named() {
    let e = err(data(), taylor(), Request::new().mean("nope").overall());
    assert!(
        matches!(&e, Error::UnknownColumn { column, .. } if column == "nope"),
        "{e}"
    );
    assert!(e.to_string().contains("nope"));
}

#[test]
fn unknown_design_column_is_named() {
    let d = Design::builder("w").strata("region").build().unwrap();
    let e = err(data(), d, Request::new().mean("y").overall());
    assert!(e.to_string().contains("region"), "{e}");
}

#[test]
fn negative_and_missing_weights_name_the_row() {
    let mut df = data();
    df.with_column(Column::new("w".into(), [1.0, 2.0, -3.0, 4.0, 5.0, 6.0]))
        .unwrap();
    let e = err(df, taylor(), Request::new().mean("y").overall());
    assert!(matches!(&e, Error::InvalidWeight { row: 2, .. }), "{e}");
    let mut df = data();
    df.with_column(Column::new(
        "w".into(),
        [Some(1.0), Some(2.0), Some(3.0), None, Some(5.0), Some(6.0)],
    ))
    .unwrap();
    let e = err(df, taylor(), Request::new().mean("y").overall());
    assert!(matches!(&e, Error::InvalidWeight { row: 3, .. }), "{e}");
    let mut df = data();
    df.with_column(Column::new("w".into(), [1.0, f64::NAN, 3.0, 4.0, 5.0, 6.0]))
        .unwrap();
    let e = err(df, taylor(), Request::new().mean("y").overall());
    assert!(matches!(&e, Error::InvalidWeight { row: 1, .. }), "{e}");
}

#[test]
fn non_numeric_weight_is_refused() {
    let mut df = data();
    df.with_column(Column::new("w".into(), ["1", "2", "3", "4", "5", "6"]))
        .unwrap();
    let e = err(df, taylor(), Request::new().mean("y").overall());
    assert!(
        matches!(&e, Error::NotNumeric { column, .. } if column == "w"),
        "{e}"
    );
}

#[test]
fn lonely_psu_under_fail_names_the_stratum() {
    let mut df = data();
    df.with_column(Column::new("psu".into(), [1, 1, 1, 3, 4, 4]))
        .unwrap();
    let e = err(df.clone(), taylor(), Request::new().mean("y").overall());
    assert!(
        matches!(&e, Error::LonelyPsu { stratum, stage: 1 } if stratum == "1"),
        "{e}"
    );
    // Other policies accept it.
    for p in [
        LonelyPsu::Remove,
        LonelyPsu::Certainty,
        LonelyPsu::Adjust,
        LonelyPsu::Average,
    ] {
        let d = Design::builder("w")
            .strata("stratum")
            .psu("psu")
            .lonely_psu(p)
            .build()
            .unwrap();
        let t = Survey::new(df.clone(), d)
            .unwrap()
            .estimate(&Request::new().mean("y").overall())
            .unwrap();
        assert!(t.rows[0].se.is_some(), "{p:?}");
    }
}

#[test]
fn psus_crossing_strata_need_nest() {
    let mut df = data();
    df.with_column(Column::new("psu".into(), [1, 1, 2, 1, 2, 2]))
        .unwrap();
    let e = err(df.clone(), taylor(), Request::new().mean("y").overall());
    assert!(matches!(&e, Error::PsuNotNested { .. }), "{e}");
    let d = Design::builder("w")
        .strata("stratum")
        .psu("psu")
        .nest(true)
        .build()
        .unwrap();
    let t = Survey::new(df, d)
        .unwrap()
        .estimate(&Request::new().mean("y").overall())
        .unwrap();
    assert_eq!(t.rows[0].df, Some(2.0));
}

#[test]
fn bad_sql_is_a_typed_error() {
    let e = err(
        data(),
        taylor(),
        Request::new().proportion("y >>> 3").overall(),
    );
    assert!(
        matches!(&e, Error::BadCondition { condition, .. } if condition == "y >>> 3"),
        "{e}"
    );
    let e = err(
        data(),
        taylor(),
        Request::new().mean("y").within("nosuch > 1").overall(),
    );
    assert!(matches!(&e, Error::BadCondition { .. }), "{e}");
    assert!(e.to_string().contains("nosuch"), "{e}");
    let e = err(
        data(),
        taylor(),
        Request::new().proportion("y + 1").overall(),
    );
    assert!(matches!(&e, Error::BadCondition { .. }), "{e}");
}

#[test]
fn a_condition_comparing_text_with_a_number_is_an_error() {
    // `g` holds text: the comparison fails at evaluation, naming the condition.
    let e = err(
        data(),
        taylor(),
        Request::new().proportion("g > 3").overall(),
    );
    assert!(
        matches!(&e, Error::BadCondition { condition, .. } if condition == "g > 3"),
        "{e}"
    );
    // Text compared with text is a condition like any other.
    let ok = Survey::new(data(), taylor())
        .unwrap()
        .estimate(&Request::new().proportion("g = 'a'").overall())
        .unwrap();
    assert_eq!(ok.rows.len(), 1);
    // rows with g = a carry weights 1, 2 and 5 of 21
    let p = ok.rows[0].estimate.unwrap_or(f64::NAN);
    assert!((p - 8.0 / 21.0).abs() < 1e-15, "{p}");
}

#[test]
fn the_condition_at_fault_is_named_among_several() {
    // All conditions are evaluated in one query; the error still names the one at fault.
    let e = err(
        data(),
        taylor(),
        Request::new()
            .proportion("y > 1")
            .mean("y")
            .within("nosuch > 1")
            .proportion("y < 3")
            .overall(),
    );
    assert!(
        matches!(&e, Error::BadCondition { condition, role, .. } if condition == "nosuch > 1" && role == "universe"),
        "{e}"
    );
    let e = err(
        data(),
        taylor(),
        Request::new()
            .proportion("y > 1")
            .proportion("y + 1")
            .overall(),
    );
    assert!(
        matches!(&e, Error::BadCondition { condition, .. } if condition == "y + 1"),
        "{e}"
    );
}

#[test]
fn fpc_must_be_constant_within_strata() {
    let mut df = data();
    df.with_column(Column::new(
        "fpc".into(),
        [10.0, 10.0, 11.0, 20.0, 20.0, 20.0],
    ))
    .unwrap();
    let d = Design::builder("w")
        .strata("stratum")
        .psu("psu")
        .fpc(["fpc"])
        .build()
        .unwrap();
    let e = err(df.clone(), d, Request::new().mean("y").overall());
    assert!(matches!(&e, Error::InvalidFpc { .. }), "{e}");
    df.with_column(Column::new("fpc".into(), [1.0, 1.0, 1.0, 20.0, 20.0, 20.0]))
        .unwrap();
    let d = Design::builder("w")
        .strata("stratum")
        .psu("psu")
        .fpc(["fpc"])
        .build()
        .unwrap();
    let e = err(df, d, Request::new().mean("y").overall());
    assert!(e.to_string().contains("smaller than"), "{e}");
}

#[test]
fn replicate_errors_name_the_problem() {
    let rep = |columns: ReplicateColumns, rscales: Option<Vec<f64>>| {
        Design::builder("w")
            .replicates(Replicates {
                kind: ReplicateKind::Jk1,
                columns,
                scale: None,
                rscales,
                mse: false,
                df: None,
            })
            .build()
            .unwrap()
    };
    let e = err(
        data(),
        rep(ReplicateColumns::Prefix("zz".into()), None),
        Request::new().mean("y").overall(),
    );
    assert!(matches!(&e, Error::Replicate(m) if m.contains("zz")), "{e}");
    let e = err(
        data(),
        rep(ReplicateColumns::Prefix("r".into()), Some(vec![1.0])),
        Request::new().mean("y").overall(),
    );
    assert!(
        matches!(&e, Error::Replicate(m) if m.contains("1 rscales")),
        "{e}"
    );
    let mut df = data();
    df.with_column(Column::new("r2".into(), [2.0, 1.0, -3.0, 4.0, 6.0, 5.0]))
        .unwrap();
    let e = err(
        df,
        rep(ReplicateColumns::Prefix("r".into()), None),
        Request::new().mean("y").overall(),
    );
    assert!(
        matches!(&e, Error::InvalidWeight { column, row: 2, .. } if column == "r2"),
        "{e}"
    );
    let e = Design::builder("w")
        .replicates(Replicates {
            kind: ReplicateKind::Fay { rho: 1.5 },
            columns: ReplicateColumns::Prefix("r".into()),
            scale: None,
            rscales: None,
            mse: false,
            df: None,
        })
        .build()
        .expect_err("rho out of range");
    assert!(e.to_string().contains("rho"));
}

#[test]
fn quantile_probability_outside_unit_interval() {
    for p in [0.0, 1.0, -0.5, 1.5, f64::NAN] {
        let e = err(
            data(),
            taylor(),
            Request::new().quantile("y", &[0.5, p]).overall(),
        );
        assert!(
            matches!(&e, Error::InvalidRequest(m) if m.contains("outside (0, 1)")),
            "{p}: {e}"
        );
    }
}

#[test]
fn empty_domain_has_no_estimate_and_no_panic() {
    // group "c" has one row whose y is valid, but within the universe y > 5.5 only "c" has
    // rows: "a" and "b" become empty domains.
    let t = Survey::new(data(), taylor())
        .unwrap()
        .estimate(&Request::new().mean("y").within("y > 5.5").by(["g"]))
        .unwrap();
    let a = t
        .rows
        .iter()
        .find(|r| r.groups[0].as_deref() == Some("a"))
        .unwrap();
    assert_eq!(a.n, 0);
    assert_eq!(a.estimate, None);
    assert_eq!(a.se, None);
    assert_eq!(a.excluded_universe(), 3);
    let c = t
        .rows
        .iter()
        .find(|r| r.groups[0].as_deref() == Some("c"))
        .unwrap();
    assert_eq!(c.n, 1);
    assert_eq!(c.estimate, Some(6.0));
}

#[test]
fn excluded_rows_are_counted() {
    let mut df = data();
    df.with_column(Column::new(
        "g".into(),
        [Some("a"), Some("a"), None, Some("b"), Some("a"), Some("c")],
    ))
    .unwrap();
    let t = Survey::new(df, taylor())
        .unwrap()
        .estimate(&Request::new().mean("y").by(["g"]))
        .unwrap();
    assert_eq!(t.missing_group, vec![1]);
    let a = t
        .rows
        .iter()
        .find(|r| r.groups[0].as_deref() == Some("a"))
        .unwrap();
    assert_eq!((a.rows_in_group, a.n_universe, a.n), (3, 3, 2));
    assert_eq!(a.excluded_missing(), 1);
}

#[test]
fn unknown_gap_group_is_named() {
    let s = Survey::new(data(), taylor()).unwrap();
    let e = s
        .gap(
            &Request::new().mean("y"),
            &["g".to_string()],
            "g",
            "zz",
            "a",
        )
        .expect_err("unknown group");
    assert!(
        matches!(&e, Error::UnknownGroup { group, .. } if group == "zz"),
        "{e}"
    );
}

#[test]
fn deep_and_overlong_conditions_do_not_crash() {
    // 300 ANDs: deep recursion in the SQL parser, run on a large stack.
    let deep = vec!["y > 0"; 300].join(" AND ");
    let t = Survey::new(data(), taylor())
        .unwrap()
        .estimate(&Request::new().proportion(&deep).overall())
        .unwrap();
    assert_eq!(t.rows[0].n, 5);
    let long = format!("g IN ({})", vec!["'a'"; 2000].join(", "));
    let e = err(data(), taylor(), Request::new().proportion(&long).overall());
    assert!(
        matches!(&e, Error::BadCondition { message, .. } if message.contains("longer than")),
        "{e}"
    );
}

/// `rows` rows in two strata of PSUs of 25 rows, a text by-column and a numeric variable.
fn survey_rows(rows: usize) -> DataFrame {
    let half = rows / 2;
    df!(
        "stratum" => (0..rows).map(|i| 1 + (i >= half) as i32).collect::<Vec<_>>(),
        "psu" => (0..rows).map(|i| (i / 25) as i64).collect::<Vec<_>>(),
        "w" => (0..rows).map(|i| 1.0 + (i % 3) as f64).collect::<Vec<_>>(),
        "y" => (0..rows).map(|i| (i % 5) as f64).collect::<Vec<_>>(),
        "g" => (0..rows).map(|i| if i % 2 == 0 { "a" } else { "b" }).collect::<Vec<_>>(),
    )
    .unwrap()
}

#[test]
fn errors_come_in_the_order_design_cells_measures() {
    // The conditions are evaluated while the cells and the design's structure are
    // prepared (on small data one after the other, on large data in parallel): with
    // several faults, the design's error comes first, then the by-columns', then the
    // measures'.
    for rows in [100, 60_000] {
        let bad_sql = || Request::new().proportion("y >>> 3");
        let mut df = survey_rows(rows);
        let mut w: Vec<f64> = vec![1.0; rows];
        w[rows - 1] = -1.0;
        df.with_column(Column::new("w".into(), w)).unwrap();
        let e = err(df, taylor(), bad_sql().by(["nosuch"]));
        assert!(
            matches!(&e, Error::InvalidWeight { row, .. } if *row == rows - 1),
            "{rows} rows: {e}"
        );

        let mut df = survey_rows(rows);
        let psu: Vec<i64> = (0..rows).map(|i| (i % 7) as i64).collect();
        df.with_column(Column::new("psu".into(), psu)).unwrap();
        let e = err(df, taylor(), bad_sql().by(["nosuch"]));
        assert!(matches!(&e, Error::PsuNotNested { .. }), "{rows} rows: {e}");

        let e = err(survey_rows(rows), taylor(), bad_sql().by(["nosuch"]));
        assert!(
            matches!(&e, Error::UnknownColumn { column, .. } if column == "nosuch"),
            "{rows} rows: {e}"
        );

        let e = err(survey_rows(rows), taylor(), bad_sql().by(["g"]));
        assert!(
            matches!(&e, Error::BadCondition { condition, .. } if condition == "y >>> 3"),
            "{rows} rows: {e}"
        );
        // Without faults, the same request on the same data estimates.
        let ok = Survey::new(survey_rows(rows), taylor())
            .unwrap()
            .estimate(&Request::new().proportion("y >= 3").by(["g"]))
            .unwrap();
        assert_eq!(ok.rows.len(), 2, "{rows} rows");
    }
}
