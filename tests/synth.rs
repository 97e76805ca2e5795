//! Tests of the SYNTHETIC survey generators (`hri::synth`): determinism, schemas, nulls only
//! where documented, design nesting, and calibration against the documented targets.

use std::collections::{HashMap, HashSet};

use hri::synth::{self, Round, SynthError};
use polars::prelude::*;

// ---------------------------------------------------------------------------------------
// Helpers.

/// A column as `Option<f64>` per row.
fn col(df: &DataFrame, name: &str) -> Vec<Option<f64>> {
    let c = df
        .column(name)
        .unwrap_or_else(|e| panic!("column {name}: {e}"))
        .cast(&DataType::Float64)
        .unwrap_or_else(|e| panic!("cast {name}: {e}"));
    c.f64()
        .unwrap_or_else(|e| panic!("f64 {name}: {e}"))
        .iter()
        .collect()
}

/// A non-null column as `f64` per row (panics on a null).
fn col_req(df: &DataFrame, name: &str) -> Vec<f64> {
    col(df, name)
        .into_iter()
        .enumerate()
        .map(|(i, v)| v.unwrap_or_else(|| panic!("unexpected null in {name} at row {i}")))
        .collect()
}

/// A string column.
fn col_str(df: &DataFrame, name: &str) -> Vec<Option<String>> {
    df.column(name)
        .unwrap_or_else(|e| panic!("column {name}: {e}"))
        .str()
        .unwrap_or_else(|e| panic!("str {name}: {e}"))
        .iter()
        .map(|s| s.map(str::to_string))
        .collect()
}

/// Weighted mean of `value(i)` over the rows where it is `Some`.
fn wmean(w: &[f64], value: impl Fn(usize) -> Option<f64>) -> f64 {
    let (mut s, mut t) = (0.0, 0.0);
    for (i, wi) in w.iter().enumerate() {
        if let Some(v) = value(i) {
            s += wi * v;
            t += wi;
        }
    }
    assert!(t > 0.0, "empty domain");
    s / t
}

fn b(x: bool) -> f64 {
    f64::from(u8::from(x))
}

fn assert_near(what: &str, got: f64, target: f64, tol: f64) {
    eprintln!("calibration: {what}: {got:.5} (target {target:.5} ± {tol})");
    assert!(
        (got - target).abs() <= tol,
        "{what}: got {got:.5}, target {target:.5} ± {tol}"
    );
}

fn dtypes(df: &DataFrame) -> Vec<(String, DataType)> {
    df.columns()
        .iter()
        .map(|c| (c.name().to_string(), c.dtype().clone()))
        .collect()
}

/// Each PSU lies in one stratum and every stratum has at least two PSUs.
fn check_nesting(df: &DataFrame, stratum: &str, psu: &str, n_strata: usize) {
    let s = col_req(df, stratum);
    let p = col_req(df, psu);
    let mut psu_stratum: HashMap<i64, i64> = HashMap::new();
    for (si, pi) in s.iter().zip(&p) {
        let prev = psu_stratum.insert(*pi as i64, *si as i64);
        assert!(
            prev.is_none() || prev == Some(*si as i64),
            "PSU {pi} is in strata {prev:?} and {si}"
        );
    }
    let mut per_stratum: HashMap<i64, usize> = HashMap::new();
    for st in psu_stratum.values() {
        *per_stratum.entry(*st).or_default() += 1;
    }
    assert_eq!(per_stratum.len(), n_strata, "number of strata");
    for (st, n) in per_stratum {
        assert!(n >= 2, "stratum {st} has {n} PSU(s)");
    }
}

/// The columns that may hold nulls are exactly `nullable`.
fn check_null_columns(df: &DataFrame, nullable: &[&str]) {
    for c in df.columns() {
        if !nullable.contains(&c.name().as_str()) {
            assert_eq!(c.null_count(), 0, "unexpected nulls in {}", c.name());
        }
    }
}

fn is_synthetic(df: &DataFrame) {
    let c = df
        .column(synth::SYNTHETIC_COLUMN)
        .expect("synthetic column");
    assert_eq!(c.dtype(), &DataType::Boolean);
    assert_eq!(c.null_count(), 0);
    let all_true = c
        .as_materialized_series()
        .bool()
        .expect("bool")
        .iter()
        .all(|v| v == Some(true));
    assert!(all_true, "synthetic marker must be true everywhere");
}

// ---------------------------------------------------------------------------------------
// Workload.

#[test]
fn synth_workload_is_deterministic_and_seed_dependent() {
    let a = synth::workload(20_000, 7).expect("workload");
    let b = synth::workload(20_000, 7).expect("workload");
    let c = synth::workload(20_000, 8).expect("workload");
    assert!(a.equals_missing(&b), "same seed must give the same frame");
    assert!(
        !a.equals_missing(&c),
        "different seeds must give different frames"
    );
    assert_eq!(a.height(), 20_000);
}

#[test]
fn synth_workload_schema() {
    let df = synth::workload(3_000, 1).expect("workload");
    let names: Vec<std::string::String> = df
        .get_column_names()
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert_eq!(names, synth::WORKLOAD_COLUMNS.to_vec());
    use DataType::*;
    let expected = [
        Int32, Int64, Float64, Int32, Int32, String, Int32, Int32, Int32, Int32, Int32, Int32,
        Int32, Int32, Float64, Float64, Int32, Boolean,
    ];
    for ((name, got), want) in dtypes(&df).iter().zip(expected.iter()) {
        assert_eq!(got, want, "dtype of {name}");
    }
    is_synthetic(&df);
}

#[test]
fn synth_workload_nulls_only_where_documented() {
    let df = synth::workload(40_000, 3).expect("workload");
    check_null_columns(
        &df,
        &[
            "in_labour_force",
            "unemployed",
            "informal",
            "attends_school",
            "income",
            "hours",
            "employed",
        ],
    );
    let age = col_req(&df, "age");
    let lf = col(&df, "in_labour_force");
    let un = col(&df, "unemployed");
    let inf = col(&df, "informal");
    let sch = col(&df, "attends_school");
    let inc = col(&df, "income");
    let hrs = col(&df, "hours");
    let emp = col(&df, "employed");
    let groups = col_str(&df, "age_group");
    let (mut inc_null_adults, mut adults) = (0usize, 0usize);
    for i in 0..df.height() {
        let a = age[i];
        assert!((0.0..=95.0).contains(&a), "age {a}");
        let g = groups[i].as_deref().expect("age_group");
        let want = match a as i32 {
            ..=14 => "0-14",
            15..=24 => "15-24",
            25..=64 => "25-64",
            _ => "65+",
        };
        assert_eq!(g, want, "age_group of age {a}");
        assert_eq!(
            lf[i].is_none(),
            a < 15.0,
            "in_labour_force null iff under 15"
        );
        assert_eq!(emp[i].is_none(), a < 15.0, "employed null iff under 15");
        assert_eq!(
            un[i].is_none(),
            lf[i] != Some(1.0),
            "unemployed null iff not in LF"
        );
        let employed = lf[i] == Some(1.0) && un[i] == Some(0.0);
        assert_eq!(emp[i] == Some(1.0), employed, "employed flag");
        assert_eq!(
            inf[i].is_none(),
            !employed,
            "informal null iff not employed"
        );
        assert_eq!(hrs[i].is_none(), !employed, "hours null iff not employed");
        if let Some(h) = hrs[i] {
            assert!((1.0..=98.0).contains(&h) && h.fract() == 0.0, "hours {h}");
        }
        assert_eq!(sch[i].is_none(), a < 3.0, "attends_school null iff under 3");
        if a < 15.0 {
            assert!(inc[i].is_none(), "income must be null under 15");
        } else {
            adults += 1;
            inc_null_adults += usize::from(inc[i].is_none());
        }
        if let Some(v) = inc[i] {
            assert!(v >= 0.0 && v.is_finite(), "income {v}");
        }
        for (name, v) in [
            ("lf", lf[i]),
            ("un", un[i]),
            ("inf", inf[i]),
            ("sch", sch[i]),
        ] {
            if let Some(v) = v {
                assert!(v == 0.0 || v == 1.0, "{name} = {v}");
            }
        }
    }
    let share = inc_null_adults as f64 / adults as f64;
    assert!(
        (0.04..0.09).contains(&share),
        "income non-response among 15+ = {share}"
    );
}

#[test]
fn synth_workload_design_nesting_and_weights() {
    let df = synth::workload(64_000, 11).expect("workload");
    check_nesting(&df, "stratum", "psu", synth::WORKLOAD_STRATA);
    let psu = col_req(&df, "psu");
    let n_psu = psu.iter().map(|p| *p as i64).collect::<HashSet<_>>().len();
    let mean_size = df.height() as f64 / n_psu as f64;
    assert!(
        (23.0..=27.0).contains(&mean_size),
        "mean PSU size {mean_size}"
    );
    // Weights positive, varying by stratum and a little within.
    let w = col_req(&df, "weight");
    let s = col_req(&df, "stratum");
    assert!(w.iter().all(|x| *x > 0.0 && x.is_finite()));
    let mut by: HashMap<i64, (f64, f64, f64, f64)> = HashMap::new();
    for (wi, si) in w.iter().zip(&s) {
        let e = by
            .entry(*si as i64)
            .or_insert((0.0, 0.0, f64::MAX, f64::MIN));
        e.0 += wi;
        e.1 += 1.0;
        e.2 = e.2.min(*wi);
        e.3 = e.3.max(*wi);
    }
    let means: Vec<f64> = by.values().map(|e| e.0 / e.1).collect();
    let hi = means.iter().cloned().fold(f64::MIN, f64::max);
    let lo = means.iter().cloned().fold(f64::MAX, f64::min);
    assert!(
        hi / lo > 1.8,
        "weights must vary between strata: {lo}..{hi}"
    );
    assert!(
        by.values().all(|e| e.3 > e.2 && e.3 / e.2 < 1.5),
        "weights must vary a little within strata"
    );
}

#[test]
fn synth_workload_shares_are_plausible() {
    let df = synth::workload(100_000, 5).expect("workload");
    let w = col_req(&df, "weight");
    let abroad = col_req(&df, "born_abroad");
    let age = col_req(&df, "age");
    let share = wmean(&w, |i| Some(abroad[i]));
    assert!((0.08..=0.12).contains(&share), "born abroad share {share}");
    let insured = col_req(&df, "insured");
    let inf = col(&df, "informal");
    let un = col(&df, "unemployed");
    let sch = col(&df, "attends_school");
    let mean_by = |v: &dyn Fn(usize) -> Option<f64>, mig: bool| {
        wmean(&w, |i| {
            if (abroad[i] == 1.0) == mig {
                v(i)
            } else {
                None
            }
        })
    };
    // Migrants are less insured, more informal, more unemployed, attend school less.
    let ins = |i: usize| Some(insured[i]);
    assert!(mean_by(&ins, true) + 0.05 < mean_by(&ins, false));
    let inf_f = |i: usize| inf[i];
    assert!(mean_by(&inf_f, true) > mean_by(&inf_f, false) + 0.05);
    let un_f = |i: usize| un[i];
    assert!(mean_by(&un_f, true) > mean_by(&un_f, false));
    let sch_f = |i: usize| {
        if (6.0..=17.0).contains(&age[i]) {
            sch[i]
        } else {
            None
        }
    };
    let att = wmean(&w, sch_f);
    assert!((0.85..0.99).contains(&att), "attendance 6-17 {att}");
    assert!(mean_by(&sch_f, true) < mean_by(&sch_f, false));
    // Without the universe the attendance share is very different.
    let all = wmean(&w, |i| sch[i]);
    assert!(
        all < att - 0.3,
        "attendance over all ages {all} vs 6-17 {att}"
    );
    let rate = |v: &[Option<f64>]| wmean(&w, |i| v[i]);
    let u = rate(&un);
    assert!((0.03..0.12).contains(&u), "unemployment {u}");
    let f = rate(&inf);
    assert!((0.3..0.7).contains(&f), "informality {f}");
    let d = rate(&col(&df, "disability"));
    assert!((0.04..0.11).contains(&d), "disability {d}");
    let lf = rate(&col(&df, "in_labour_force"));
    assert!((0.5..0.75).contains(&lf), "participation 15+ {lf}");
    let citizen = col_req(&df, "citizen");
    let cit = wmean(&w, |i| (abroad[i] == 1.0).then_some(citizen[i]));
    assert!(
        (0.25..0.6).contains(&cit),
        "citizens among the born abroad {cit}"
    );
}

#[test]
fn synth_workload_rejects_too_few_rows() {
    assert!(matches!(
        synth::workload(127, 1),
        Err(SynthError::TooSmall {
            min: 128,
            got: 127,
            ..
        })
    ));
    let df = synth::workload(128, 1).expect("128 rows suffice");
    check_nesting(&df, "stratum", "psu", 64);
}

#[test]
fn synth_write_workload_round_trips() {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("synth_write_workload");
    let files = synth::write_workload(&dir, 2_000, 9).expect("write");
    let df = synth::workload(2_000, 9).expect("workload");
    let file = std::fs::File::open(&files.parquet).expect("parquet file");
    let back = ParquetReader::new(file).finish().expect("read parquet");
    assert!(back.equals_missing(&df), "Parquet must read back identical");
    let csv = CsvReadOptions::default()
        .with_has_header(true)
        .try_into_reader_with_file_path(Some(files.csv.clone()))
        .expect("csv reader")
        .finish()
        .expect("read csv");
    assert_eq!(csv.height(), 2_000);
    assert_eq!(csv.width(), df.width());
    assert_eq!(col(&csv, "income"), col(&df, "income"));
    assert_eq!(col(&csv, "weight"), col(&df, "weight"));
    let meta = std::fs::read(&files.parquet).expect("bytes");
    let needle = b"hri.synthetic";
    assert!(
        meta.windows(needle.len()).any(|w| w == needle),
        "Parquet notice"
    );
}

// ---------------------------------------------------------------------------------------
// Mexico.

const MEX_N: usize = 120_000;

/// Seed of the calibration tests; override with `HRI_SYNTH_SEED` to check other samples.
fn calibration_seed() -> u64 {
    std::env::var("HRI_SYNTH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(2024)
}

fn mex(round: Round) -> DataFrame {
    synth::mexico_round(MEX_N, round, calibration_seed()).expect("mexico")
}

#[test]
fn synth_mexico_is_deterministic_and_seed_dependent() {
    let a = synth::mexico(5_000, 1).expect("mexico");
    let b = synth::mexico(5_000, 1).expect("mexico");
    let c = synth::mexico(5_000, 2).expect("mexico");
    let d = synth::mexico_round(5_000, Round::Y2015, 1).expect("mexico");
    assert!(a.equals_missing(&b));
    assert!(!a.equals_missing(&c));
    assert!(!a.equals_missing(&d));
    assert_eq!(col_req(&a, "year")[0], 2020.0);
    assert_eq!(col_req(&d, "year")[0], 2015.0);
    let h = a.height() as f64;
    assert!((h / 5_000.0 - 1.0).abs() < 0.1, "height {h}");
}

#[test]
fn synth_mexico_schema_and_nulls() {
    let df = synth::mexico(30_000, 3).expect("mexico");
    use DataType::*;
    let expected: Vec<(&str, DataType)> = vec![
        ("year", Int32),
        ("ent", Int32),
        ("t_loc", Int32),
        ("upm", Int64),
        ("fac", Float64),
        ("folio", Int64),
        ("n_ren", Int32),
        ("par", Int32),
        ("sex", Int32),
        ("eda", Int32),
        ("pais_nac", String),
        ("nacionalidad", Int32),
        ("res_5a", Int32),
        ("pais_res_5a", String),
        ("dis_ver", Int32),
        ("dis_oir", Int32),
        ("dis_caminar", Int32),
        ("dis_recordar", Int32),
        ("dis_banarse", Int32),
        ("dis_hablar", Int32),
        ("afiliacion", String),
        ("insured", Int32),
        ("attends_school", Int32),
        ("literate", Int32),
        ("in_labour_force", Int32),
        ("unemployed", Int32),
        ("informal", Int32),
        ("hours", Float64),
        ("earnings", Float64),
        ("synthetic", Boolean),
    ];
    let got = dtypes(&df);
    assert_eq!(got.len(), expected.len(), "columns: {got:?}");
    for ((gn, gt), (en, et)) in got.iter().zip(&expected) {
        assert_eq!((gn.as_str(), gt), (*en, et));
    }
    is_synthetic(&df);
    let wg = [
        "dis_ver",
        "dis_oir",
        "dis_caminar",
        "dis_recordar",
        "dis_banarse",
        "dis_hablar",
    ];
    let mut nullable = vec![
        "res_5a",
        "pais_res_5a",
        "afiliacion",
        "insured",
        "attends_school",
        "literate",
        "in_labour_force",
        "unemployed",
        "informal",
        "hours",
        "earnings",
    ];
    nullable.extend(wg);
    check_null_columns(&df, &nullable);
    let age = col_req(&df, "eda");
    let res = col(&df, "res_5a");
    let pres = col_str(&df, "pais_res_5a");
    let afil = col_str(&df, "afiliacion");
    let ins = col(&df, "insured");
    let sch = col(&df, "attends_school");
    let lit = col(&df, "literate");
    let lf = col(&df, "in_labour_force");
    let un = col(&df, "unemployed");
    let inf = col(&df, "informal");
    let hrs = col(&df, "hours");
    let earn = col(&df, "earnings");
    let nac = col_req(&df, "nacionalidad");
    let pnac = col_str(&df, "pais_nac");
    let items: Vec<Vec<Option<f64>>> = wg.iter().map(|n| col(&df, n)).collect();
    let (mut employed, mut earn_missing) = (0usize, 0usize);
    for i in 0..df.height() {
        let a = age[i];
        assert_eq!(res[i].is_none(), a < 5.0, "res_5a null iff under 5");
        assert_eq!(
            pres[i].is_some(),
            res[i] == Some(3.0),
            "pais_res_5a iff abroad"
        );
        if let Some(r) = res[i] {
            assert!([1.0, 2.0, 3.0].contains(&r));
        }
        for it in &items {
            if a < 5.0 {
                assert!(it[i].is_none(), "WG-SS items null under 5");
            }
            if let Some(v) = it[i] {
                assert!((1.0..=4.0).contains(&v));
            }
        }
        assert_eq!(afil[i].is_none(), ins[i].is_none());
        if let (Some(af), Some(x)) = (&afil[i], ins[i]) {
            assert_eq!(x == 0.0, af == "none", "insured vs afiliacion {af}");
        }
        assert_eq!(sch[i].is_none(), a < 3.0);
        assert_eq!(lit[i].is_none(), a < 15.0);
        assert_eq!(lf[i].is_none(), a < 15.0);
        assert_eq!(un[i].is_none(), lf[i] != Some(1.0));
        let emp = lf[i] == Some(1.0) && un[i] == Some(0.0);
        assert_eq!(inf[i].is_none(), !emp);
        assert_eq!(hrs[i].is_none(), !emp);
        if !emp {
            assert!(earn[i].is_none());
        } else {
            employed += 1;
            earn_missing += usize::from(earn[i].is_none());
        }
        assert!(nac[i] == 1.0 || nac[i] == 3.0);
        let pn = pnac[i].as_deref().expect("pais_nac");
        assert_eq!(pn.len(), 3, "country code {pn}");
        if pn == "MEX" {
            assert_eq!(nac[i], 1.0, "the native-born are Mexican");
        }
    }
    let miss = earn_missing as f64 / employed as f64;
    assert!((0.06..0.14).contains(&miss), "earnings non-response {miss}");
}

#[test]
fn synth_mexico_design() {
    let df = synth::mexico(20_000, 4).expect("mexico");
    check_nesting(&df, "ent", "upm", 32);
    // Households nested in PSUs, person numbers 1..n.
    let upm = col_req(&df, "upm");
    let folio = col_req(&df, "folio");
    let fac = col_req(&df, "fac");
    let mut hh: HashMap<i64, (i64, f64)> = HashMap::new();
    for i in 0..df.height() {
        let e = hh.entry(folio[i] as i64).or_insert((upm[i] as i64, fac[i]));
        assert_eq!(e.0, upm[i] as i64, "household in one PSU");
        assert_eq!(e.1, fac[i], "household members share the weight");
        assert!(fac[i] >= 1.0 && fac[i].fract() == 0.0, "fac {}", fac[i]);
    }
    let total: f64 = fac.iter().sum();
    assert_near(
        "sum of fac / 126,014,024",
        total / 126_014_024.0,
        1.0,
        0.002,
    );
}

#[test]
fn synth_mexico_2020_calibration() {
    let df = mex(Round::Y2020);
    let w = col_req(&df, "fac");
    let age = col_req(&df, "eda");
    let sex = col_req(&df, "sex");
    let pnac = col_str(&df, "pais_nac");
    let foreign: Vec<bool> = pnac.iter().map(|p| p.as_deref() != Some("MEX")).collect();
    let us: Vec<bool> = pnac.iter().map(|p| p.as_deref() == Some("USA")).collect();
    assert_near(
        "foreign-born share (B1 0.962 %)",
        wmean(&w, |i| Some(b(foreign[i]))),
        1_212_252.0 / 126_014_024.0,
        0.0015,
    );
    assert_near(
        "US-born among foreign-born (B1 65.8 %)",
        wmean(&w, |i| foreign[i].then(|| b(us[i]))),
        797_266.0 / 1_212_252.0,
        0.08,
    );
    // Disability (WG-SS): any domain "a lot" or "cannot", over the whole population.
    let items: Vec<Vec<Option<f64>>> = [
        "dis_ver",
        "dis_oir",
        "dis_caminar",
        "dis_recordar",
        "dis_banarse",
        "dis_hablar",
    ]
    .iter()
    .map(|n| col(&df, n))
    .collect();
    let max_item = |i: usize| items.iter().filter_map(|it| it[i]).fold(0.0, f64::max);
    assert_near(
        "disability (B1 4.9 %)",
        wmean(&w, |i| Some(b(max_item(i) >= 3.0))),
        0.049,
        0.006,
    );
    assert_near(
        "some limitation (B1 11.1 %)",
        wmean(&w, |i| Some(b(max_item(i) == 2.0))),
        0.111,
        0.01,
    );
    let ins = col(&df, "insured");
    assert_near(
        "affiliated (B1 73.5 %)",
        wmean(&w, |i| Some(b(ins[i] == Some(1.0)))),
        0.735,
        0.01,
    );
    let sch = col(&df, "attends_school");
    let age_ref = &age;
    let in_age = |lo: f64, hi: f64| move |i: usize| (lo..=hi).contains(&age_ref[i]);
    let a614 = in_age(6.0, 14.0);
    assert_near(
        "attendance 6-14",
        wmean(&w, |i| if a614(i) { sch[i] } else { None }),
        0.97,
        0.01,
    );
    let a1519 = in_age(15.0, 19.0);
    assert_near(
        "attendance 15-19",
        wmean(&w, |i| if a1519(i) { sch[i] } else { None }),
        0.65,
        0.03,
    );
    let lit = col(&df, "literate");
    let illit = wmean(&w, |i| lit[i].map(|v| 1.0 - v));
    let pop15: f64 = (0..w.len()).filter(|&i| age[i] >= 15.0).map(|i| w[i]).sum();
    assert_near(
        "illiterate 15+ (B1 5,942,009)",
        illit,
        5_942_009.0 / pop15,
        0.006,
    );
    let lf = col(&df, "in_labour_force");
    assert_near(
        "participation men",
        wmean(&w, |i| if sex[i] == 1.0 { lf[i] } else { None }),
        0.807,
        0.015,
    );
    assert_near(
        "participation women",
        wmean(&w, |i| if sex[i] == 2.0 { lf[i] } else { None }),
        0.523,
        0.015,
    );
    let un = col(&df, "unemployed");
    assert_near(
        "unemployment 15-24",
        wmean(&w, |i| if age[i] <= 24.0 { un[i] } else { None }),
        0.09,
        0.015,
    );
    assert_near(
        "unemployment 25+",
        wmean(&w, |i| if age[i] >= 25.0 { un[i] } else { None }),
        0.036,
        0.006,
    );
    let inf = col(&df, "informal");
    assert_near("informality", wmean(&w, |i| inf[i]), 0.555, 0.02);
    // Built-in gaps: the non-US foreign-born are less insured and more informal.
    let other = |i: usize| foreign[i] && !us[i];
    let ins_other = wmean(&w, |i| if other(i) { ins[i] } else { None });
    let ins_native = wmean(&w, |i| if !foreign[i] { ins[i] } else { None });
    assert!(
        ins_other < ins_native - 0.05,
        "insured: other foreign {ins_other} vs native {ins_native}"
    );
    let inf_other = wmean(&w, |i| if other(i) { inf[i] } else { None });
    let inf_native = wmean(&w, |i| if !foreign[i] { inf[i] } else { None });
    assert!(
        inf_other > inf_native,
        "informal: other foreign {inf_other} vs native {inf_native}"
    );
    // Recent return migrants exist (natives abroad five years ago).
    let res = col(&df, "res_5a");
    let ret = wmean(&w, |i| res[i].map(|r| b(r == 3.0 && !foreign[i])));
    assert!((0.0005..0.006).contains(&ret), "recent return share {ret}");
}

#[test]
fn synth_mexico_rounds_move() {
    let a = mex(Round::Y2015);
    let b2 = mex(Round::Y2020);
    let rate = |df: &DataFrame, name: &str| {
        let w = col_req(df, "fac");
        let v = col(df, name);
        wmean(&w, |i| v[i])
    };
    let ins15 = rate(&a, "insured");
    let ins20 = rate(&b2, "insured");
    assert_near("affiliated 2015 (B1 82.2 %)", ins15, 0.822 / 0.992, 0.015);
    assert!(
        ins15 > ins20 + 0.05,
        "affiliation fell between rounds: {ins15} -> {ins20}"
    );
    let w = col_req(&a, "fac");
    let age = col_req(&a, "eda");
    let sch = col(&a, "attends_school");
    assert_near(
        "non-attendance 6-14 2015 (D 3.5 %)",
        wmean(&w, |i| {
            if (6.0..=14.0).contains(&age[i]) {
                sch[i].map(|v| 1.0 - v)
            } else {
                None
            }
        }),
        0.035,
        0.01,
    );
    let un = col(&a, "unemployed");
    assert_near(
        "youth unemployment 2015 (D 8.2 %)",
        wmean(&w, |i| if age[i] <= 24.0 { un[i] } else { None }),
        0.082,
        0.015,
    );
    assert!(
        rate(&a, "informal") > rate(&b2, "informal"),
        "informality falls"
    );
    assert_eq!(Round::from_year(2015).ok(), Some(Round::Y2015));
    assert!(matches!(
        Round::from_year(2017),
        Err(SynthError::UnknownRound(2017))
    ));
}

#[test]
fn synth_mexico_rejects_tiny_samples() {
    assert!(matches!(
        synth::mexico(999, 1),
        Err(SynthError::TooSmall {
            what: "persons",
            ..
        })
    ));
}

// ---------------------------------------------------------------------------------------
// Tunisia.

const TUN_HH: usize = 12_000;

fn tun(round: Round) -> DataFrame {
    synth::tunisia_round(TUN_HH, round, calibration_seed()).expect("tunisia")
}

/// Weighted totals over households (one row per household: `line == 1`).
fn household_total(df: &DataFrame, name: &str) -> f64 {
    let w = col_req(df, "weight");
    let line = col_req(df, "line");
    let v = col_req(df, name);
    (0..df.height())
        .filter(|&i| line[i] == 1.0)
        .map(|i| w[i] * v[i])
        .sum()
}

#[test]
fn synth_tunisia_is_deterministic_and_seed_dependent() {
    let a = synth::tunisia(1_000, 1).expect("tunisia");
    let b = synth::tunisia(1_000, 1).expect("tunisia");
    let c = synth::tunisia(1_000, 2).expect("tunisia");
    let d = synth::tunisia_round(1_000, Round::Y2015, 1).expect("tunisia");
    assert!(a.equals_missing(&b));
    assert!(!a.equals_missing(&c));
    assert!(!a.equals_missing(&d));
    let hh = col_req(&a, "hh_id")
        .iter()
        .map(|h| *h as i64)
        .collect::<HashSet<_>>()
        .len();
    assert_eq!(hh, 1_000, "households");
    assert!(matches!(
        synth::tunisia(575, 1),
        Err(SynthError::TooSmall { min: 576, .. })
    ));
    assert_eq!(synth::TUNISIA_DEFAULT_HOUSEHOLDS, 1_860 * 12);
    assert_eq!(synth::tunisia_governorate_names()[0], "Tunis");
}

#[test]
fn synth_tunisia_schema_and_nulls() {
    let df = synth::tunisia(4_000, 3).expect("tunisia");
    use DataType::*;
    let expected: Vec<(&str, DataType)> = vec![
        ("year", Int32),
        ("governorate", Int32),
        ("region", Int32),
        ("urban", Int32),
        ("psu", Int64),
        ("weight", Float64),
        ("hh_id", Int64),
        ("line", Int32),
        ("relationship", Int32),
        ("sex", Int32),
        ("age", Int32),
        ("nationality", String),
        ("country_birth", String),
        ("citizenship", Int32),
        ("migrant_status", String),
        ("years_abroad", Float64),
        ("years_since_arrival", Float64),
        ("months_abroad", Int32),
        ("last_destination", String),
        ("return_year", Int32),
        ("involuntary_return", Int32),
        ("intends_reemigrate", Int32),
        ("months_in_tunisia", Int32),
        ("motive", String),
        ("intends_emigrate", Int32),
        ("n_emigrants", Int32),
        ("wg_seeing", Int32),
        ("wg_hearing", Int32),
        ("wg_mobility", Int32),
        ("wg_cognition", Int32),
        ("wg_selfcare", Int32),
        ("wg_communication", Int32),
        ("insured", Int32),
        ("attends_school", Int32),
        ("literate", Int32),
        ("in_labour_force", Int32),
        ("unemployed", Int32),
        ("informal", Int32),
        ("hours", Float64),
        ("earnings", Float64),
        ("recruitment_cost", Float64),
        ("first_month_earnings", Float64),
        ("earnings_currency", String),
        ("tnd_per_currency_unit", Float64),
        ("first_month_earnings_lcu", Float64),
        ("recruitment_employee", Int32),
        ("years_since_recruitment", Float64),
        ("recruitment_cost_months", Float64),
        ("synthetic", Boolean),
    ];
    let got = dtypes(&df);
    assert_eq!(got.len(), expected.len(), "columns: {got:?}");
    for ((gn, gt), (en, et)) in got.iter().zip(&expected) {
        assert_eq!((gn.as_str(), gt), (*en, et));
    }
    is_synthetic(&df);
    let wg = [
        "wg_seeing",
        "wg_hearing",
        "wg_mobility",
        "wg_cognition",
        "wg_selfcare",
        "wg_communication",
    ];
    let mut nullable = vec![
        "years_abroad",
        "years_since_arrival",
        "months_abroad",
        "last_destination",
        "return_year",
        "involuntary_return",
        "intends_reemigrate",
        "months_in_tunisia",
        "motive",
        "intends_emigrate",
        "attends_school",
        "literate",
        "in_labour_force",
        "unemployed",
        "informal",
        "hours",
        "earnings",
        "recruitment_cost",
        "first_month_earnings",
        "earnings_currency",
        "tnd_per_currency_unit",
        "first_month_earnings_lcu",
        "recruitment_employee",
        "years_since_recruitment",
        "recruitment_cost_months",
    ];
    nullable.extend(wg);
    check_null_columns(&df, &nullable);
    let age = col_req(&df, "age");
    let status = col_str(&df, "migrant_status");
    let nat = col_str(&df, "nationality");
    let cob = col_str(&df, "country_birth");
    let months_abroad = col(&df, "months_abroad");
    let years_abroad = col(&df, "years_abroad");
    let since = col(&df, "years_since_arrival");
    let citizenship = col_req(&df, "citizenship");
    let dest = col_str(&df, "last_destination");
    let ret_year = col(&df, "return_year");
    let invol = col(&df, "involuntary_return");
    let reem = col(&df, "intends_reemigrate");
    let m_tun = col(&df, "months_in_tunisia");
    let motive = col_str(&df, "motive");
    let intends = col(&df, "intends_emigrate");
    let sch = col(&df, "attends_school");
    let lit = col(&df, "literate");
    let lf = col(&df, "in_labour_force");
    let un = col(&df, "unemployed");
    let inf = col(&df, "informal");
    let hrs = col(&df, "hours");
    let earn = col(&df, "earnings");
    let cost = col(&df, "recruitment_cost");
    let first = col(&df, "first_month_earnings");
    let ratio = col(&df, "recruitment_cost_months");
    let currency = col_str(&df, "earnings_currency");
    let to_tnd = col(&df, "tnd_per_currency_unit");
    let lcu = col(&df, "first_month_earnings_lcu");
    let employee = col(&df, "recruitment_employee");
    let recruited = col(&df, "years_since_recruitment");
    let items: Vec<Vec<Option<f64>>> = wg.iter().map(|n| col(&df, n)).collect();
    for i in 0..df.height() {
        let a = age[i];
        let st = status[i].as_deref().expect("status");
        assert!(
            [
                "non_migrant",
                "return_migrant",
                "foreign_resident",
                "born_abroad_tunisian"
            ]
            .contains(&st)
        );
        let ret = st == "return_migrant";
        let frg = st == "foreign_resident";
        let fbt = st == "born_abroad_tunisian";
        // A return migrant came back: born in Tunisia, never a child born abroad.
        if ret {
            assert_eq!(cob[i].as_deref(), Some("TUN"), "return migrant born abroad");
        }
        if fbt {
            assert_ne!(cob[i].as_deref(), Some("TUN"));
            assert_eq!(citizenship[i], 1.0);
        }
        assert_eq!(
            frg,
            nat[i].as_deref() != Some("TUN"),
            "foreign iff not Tunisian"
        );
        assert_eq!(months_abroad[i].is_some(), ret);
        assert_eq!(years_abroad[i], months_abroad[i].map(|m| m / 12.0));
        assert_eq!(since[i].is_some(), ret || frg || fbt, "years_since_arrival");
        assert_eq!(citizenship[i], if frg { 2.0 } else { 1.0 });
        assert_eq!(dest[i].is_some(), ret);
        assert_eq!(ret_year[i].is_some(), ret);
        assert_eq!(invol[i].is_some(), ret);
        assert_eq!(reem[i].is_some(), ret && a >= 15.0);
        if let Some(m) = months_abroad[i] {
            assert!(m >= 3.0, "months abroad {m}");
        }
        if let Some(y) = ret_year[i] {
            assert!(y <= 2020.0 && y >= 2020.0 - a, "return year {y} at age {a}");
        }
        assert_eq!(m_tun[i].is_some(), frg || fbt);
        assert_eq!(motive[i].is_some(), frg && a >= 15.0);
        assert_eq!(intends[i].is_some(), st == "non_migrant" && a >= 15.0);
        for it in &items {
            if a < 5.0 {
                assert!(it[i].is_none());
            }
        }
        assert_eq!(sch[i].is_none(), a < 3.0);
        assert_eq!(lit[i].is_none(), a < 15.0);
        assert_eq!(lf[i].is_none(), a < 15.0);
        assert_eq!(un[i].is_none(), lf[i] != Some(1.0));
        let emp = lf[i] == Some(1.0) && un[i] == Some(0.0);
        assert_eq!(inf[i].is_none(), !emp);
        assert_eq!(hrs[i].is_none(), !emp);
        if !emp {
            assert!(earn[i].is_none());
        }
        assert_eq!(cost[i].is_some(), first[i].is_some());
        assert_eq!(cost[i].is_some(), ratio[i].is_some());
        if let (Some(c), Some(f), Some(r)) = (cost[i], first[i], ratio[i]) {
            assert!(c >= 0.0 && f > 0.0);
            assert_eq!(r, c / f);
            assert!(ret || (frg && emp), "migrant workers only");
            // One currency: the earnings paid abroad, converted at the stated rate, are the
            // TND earnings of the ratio; a foreign resident working in Tunisia is paid in TND.
            let (cur, rate, lcu) = (
                currency[i].as_deref().unwrap(),
                to_tnd[i].unwrap(),
                lcu[i].unwrap(),
            );
            assert!((lcu * rate - f).abs() < 1e-9 * f, "{lcu} × {rate} vs {f}");
            assert_eq!(cur == "TND", frg, "{cur}");
            if dest[i].as_deref() == Some("FRA") {
                assert_eq!((cur, rate), ("EUR", 3.3));
            }
            assert!(employee[i].is_some() && recruited[i].unwrap() >= 0.0);
        }
        assert_eq!(currency[i].is_some(), cost[i].is_some());
    }
}

#[test]
fn synth_tunisia_design() {
    let df = synth::tunisia(3_000, 4).expect("tunisia");
    check_nesting(&df, "governorate", "psu", 24);
    let psu = col_req(&df, "psu");
    let hh = col_req(&df, "hh_id");
    let w = col_req(&df, "weight");
    let n_em = col_req(&df, "n_emigrants");
    let mut seen: HashMap<i64, (i64, f64, f64)> = HashMap::new();
    for i in 0..df.height() {
        let e = seen
            .entry(hh[i] as i64)
            .or_insert((psu[i] as i64, w[i], n_em[i]));
        assert_eq!(*e, (psu[i] as i64, w[i], n_em[i]), "household-level values");
        assert!(w[i] > 0.0 && w[i].is_finite());
    }
    let total: f64 = w.iter().sum();
    assert_near(
        "sum of weights / 11,708,370",
        total / 11_708_370.0,
        1.0,
        1e-6,
    );
}

#[test]
fn synth_tunisia_2020_calibration() {
    let df = tun(Round::Y2020);
    let w = col_req(&df, "weight");
    let age = col_req(&df, "age");
    let sex = col_req(&df, "sex");
    let status = col_str(&df, "migrant_status");
    let nat = col_str(&df, "nationality");
    let is = |i: usize, s: &str| status[i].as_deref() == Some(s);
    let n = df.height();
    let total = |f: &dyn Fn(usize) -> bool| (0..n).filter(|&i| f(i)).map(|i| w[i]).sum::<f64>();
    let foreign = total(&|i| is(i, "foreign_resident"));
    assert_near(
        "foreign residents (C2 58,990)",
        foreign / 58_990.0,
        1.0,
        0.01,
    );
    let returnees = total(&|i| is(i, "return_migrant") && age[i] >= 15.0);
    assert_near(
        "return migrants 15+ (C2 211,000)",
        returnees / 211_000.0,
        1.0,
        0.01,
    );
    let ret_men = total(&|i| is(i, "return_migrant") && age[i] >= 15.0 && sex[i] == 1.0);
    assert_near(
        "men among returnees (C2 83 %)",
        ret_men / returnees,
        176.0 / 211.0,
        0.06,
    );
    let ssa = ["CIV", "COD", "GIN", "MLI", "CMR", "SEN", "NGA", "BFA"];
    let ssa_total = total(&|i| ssa.contains(&nat[i].as_deref().unwrap_or("")));
    assert_near(
        "sub-Saharans among foreigners (C2 36.4 %)",
        ssa_total / foreign,
        0.364,
        0.08,
    );
    let mean_age = wmean(&w, |i| is(i, "foreign_resident").then_some(age[i]));
    assert_near("mean age of foreign residents (C2 26)", mean_age, 26.0, 3.0);
    let motive = col_str(&df, "motive");
    let share_motive = |m: &str| wmean(&w, |i| motive[i].as_ref().map(|x| b(x == m)));
    assert_near(
        "economic motive (C2 50.1 %)",
        share_motive("economic"),
        0.501,
        0.07,
    );
    assert_near(
        "education motive (C2 27.3 %)",
        share_motive("education"),
        0.273,
        0.07,
    );
    let emigrants = household_total(&df, "n_emigrants");
    assert_near(
        "current emigrants (C2 566,000)",
        emigrants / 566_000.0,
        1.0,
        0.12,
    );
    let intends = col(&df, "intends_emigrate");
    assert_near(
        "intention to emigrate (C2 20 %)",
        wmean(&w, |i| intends[i]),
        0.20,
        0.02,
    );
    assert_near(
        "intention to emigrate 15-29 (C2 40 %)",
        wmean(&w, |i| if age[i] <= 29.0 { intends[i] } else { None }),
        0.40,
        0.03,
    );
    let reem = col(&df, "intends_reemigrate");
    assert_near(
        "re-emigration intention (C2 17.2 %)",
        wmean(&w, |i| reem[i]),
        0.172,
        0.035,
    );
    let lf = col(&df, "in_labour_force");
    assert_near(
        "activity rate (C3 47.3 %)",
        wmean(&w, |i| lf[i]),
        0.473,
        0.015,
    );
    let lf_total = total(&|i| lf[i] == Some(1.0));
    let lf_men = total(&|i| lf[i] == Some(1.0) && sex[i] == 1.0);
    assert_near(
        "men's share of the labour force (C3 69.4 %)",
        lf_men / lf_total,
        0.694,
        0.02,
    );
    let un = col(&df, "unemployed");
    assert_near(
        "unemployment men (C3 14.4 %)",
        wmean(&w, |i| if sex[i] == 1.0 { un[i] } else { None }),
        0.144,
        0.015,
    );
    assert_near(
        "unemployment women (C3 24.9 %)",
        wmean(&w, |i| if sex[i] == 2.0 { un[i] } else { None }),
        0.249,
        0.025,
    );
    let inf = col(&df, "informal");
    assert_near("informality (C3 44 %)", wmean(&w, |i| inf[i]), 0.44, 0.02);
    let items: Vec<Vec<Option<f64>>> = [
        "wg_seeing",
        "wg_hearing",
        "wg_mobility",
        "wg_cognition",
        "wg_selfcare",
        "wg_communication",
    ]
    .iter()
    .map(|n| col(&df, n))
    .collect();
    let dis = wmean(&w, |i| {
        Some(b(items.iter().any(|it| it[i].is_some_and(|v| v >= 3.0))))
    });
    assert_near(
        "disability (C1 2.3 %, 2.4 % assumed for 2020)",
        dis,
        0.024,
        0.005,
    );
    let ratio = col(&df, "recruitment_cost_months");
    assert_near(
        "SDG 10.7.1 mean cost in months (assumption 2.1)",
        wmean(&w, |i| ratio[i]),
        2.1,
        0.35,
    );
    // Gaps: foreign residents less insured, more informal.
    let ins = col(&df, "insured");
    let by = |v: &[Option<f64>], s: &str| wmean(&w, |i| if is(i, s) { v[i] } else { None });
    assert!(by(&ins, "foreign_resident") < by(&ins, "non_migrant") - 0.1);
    assert!(by(&inf, "foreign_resident") > by(&inf, "non_migrant") + 0.1);
}

#[test]
fn synth_tunisia_rounds_move() {
    let a = tun(Round::Y2015);
    let b2 = tun(Round::Y2020);
    let rate = |df: &DataFrame, name: &str| {
        let w = col_req(df, "weight");
        let v = col(df, name);
        wmean(&w, |i| v[i])
    };
    assert!(rate(&a, "recruitment_cost_months") > rate(&b2, "recruitment_cost_months"));
    assert!(rate(&a, "insured") < rate(&b2, "insured"));
    assert!(rate(&a, "unemployed") < rate(&b2, "unemployed"));
    assert_near(
        "2015 population (C1 2014 census)",
        col_req(&a, "weight").iter().sum::<f64>() / 10_982_754.0,
        1.0,
        1e-6,
    );
    assert_near(
        "2015 emigrants (C1 543,000)",
        household_total(&a, "n_emigrants") / 543_000.0,
        1.0,
        0.12,
    );
    assert_eq!(col_req(&a, "year")[0], 2015.0);
}
