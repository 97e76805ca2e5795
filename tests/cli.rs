//! The `hri estimate` and `hri gap` commands give R's numbers (spawning the binary).

use std::process::Command;

use serde_json::Value;

use crate::reference::{cases_in, close, data_dir};

pub(crate) fn hri(args: &[String]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_hri"))
        .args(args)
        .output()
        .expect("run hri");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).to_string(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

/// The exit status of `hri` with these arguments, and what it printed on stderr.
pub(crate) fn hri_status(args: &[String]) -> (Option<i32>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_hri"))
        .args(args)
        .output()
        .expect("run hri");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

pub(crate) fn case(id: &str) -> Value {
    cases_in(&data_dir())
        .into_iter()
        .find(|c| c["id"] == id)
        .expect("case")
}

fn design_args(c: &Value) -> Vec<String> {
    let d = &c["design"];
    let mut a = vec![
        "--data".to_string(),
        data_dir()
            .join(c["data"].as_str().unwrap())
            .display()
            .to_string(),
        "--weight".into(),
        d["weight"].as_str().unwrap().into(),
    ];
    let join = |v: &Value| {
        v.as_array().map(|x| {
            x.iter()
                .map(|s| s.as_str().unwrap())
                .collect::<Vec<_>>()
                .join(",")
        })
    };
    if let Some(p) = join(&d["psu"]) {
        a.extend(["--psu".into(), p]);
    }
    if let Some(s) = join(&d["strata"]) {
        a.extend(["--strata".into(), s]);
    }
    if let Some(f) = join(&d["fpc"]) {
        a.extend(["--fpc".into(), f]);
    }
    a.extend([
        "--lonely-psu".into(),
        d["lonely_psu"].as_str().unwrap().into(),
    ]);
    if let Some(r) = d.get("replicate").filter(|r| !r.is_null()) {
        a.extend([
            "--replicate".into(),
            r["type"].as_str().unwrap().to_lowercase(),
            "--replicate-prefix".into(),
            r["weights_prefix"].as_str().unwrap().into(),
            "--replicate-scale".into(),
            r["scale"].to_string(),
            "--replicate-rscales".into(),
            r["rscales"]
                .as_array()
                .unwrap()
                .iter()
                .map(|x| x.to_string())
                .collect::<Vec<_>>()
                .join(","),
        ]);
        if let Some(rho) = r.get("fay_rho").and_then(Value::as_f64) {
            a.extend(["--fay-rho".into(), rho.to_string()]);
        }
    }
    a
}

pub(crate) fn estimate_args(c: &Value, format: &str) -> Vec<String> {
    let mut a = vec!["estimate".to_string()];
    a.extend(design_args(c));
    a.extend(["--stat".into(), c["stat"].as_str().unwrap().into()]);
    if let Some(v) = c["var"].as_str() {
        a.extend(["--var".into(), v.into()]);
    }
    if let Some(v) = c.get("denominator").and_then(Value::as_str) {
        a.extend(["--denominator".into(), v.into()]);
    }
    if let Some(v) = c.get("condition").and_then(Value::as_str) {
        a.extend(["--condition".into(), v.into()]);
    }
    if let Some(p) = c.get("probs").and_then(Value::as_array) {
        a.extend([
            "--probs".into(),
            p.iter()
                .map(|x| x.to_string())
                .collect::<Vec<_>>()
                .join(","),
        ]);
    }
    if let Some(w) = c["where"].as_str() {
        a.extend(["--where".into(), w.into()]);
    }
    let by: Vec<String> = c["by"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_str().unwrap().to_string())
        .collect();
    if !by.is_empty() {
        a.extend(["--by".into(), by.join(",")]);
    }
    let ci = &c["ci"];
    a.extend([
        "--ci".into(),
        ci["method"].as_str().unwrap().into(),
        "--level".into(),
        ci["level"].to_string(),
        "--df".into(),
        ci["df"].as_str().unwrap().into(),
        "--format".into(),
        format.into(),
    ]);
    a
}

pub(crate) fn parse_csv(text: &str) -> Vec<std::collections::HashMap<String, String>> {
    let mut lines = text.lines();
    let header: Vec<String> = lines
        .next()
        .unwrap()
        .split(',')
        .map(str::to_string)
        .collect();
    lines
        .map(|l| {
            header
                .iter()
                .cloned()
                .zip(l.split(',').map(str::to_string))
                .collect()
        })
        .collect()
}

const CASES: [&str; 8] = [
    "strat-mean-api00-by-stype-awards",
    "strat-mean-api00-where-meals",
    "clus1-prop-ell0-logit",
    "strat-prop-awards-beta-by-stype",
    "clus2-mean-api00",
    "jk1-mean-api00-by-stype",
    "fay-mean-api00-by-stype",
    "strat-quantile-api00",
];

#[test]
fn cli_estimate_gives_r_numbers_in_csv_and_json() {
    let mut checked = 0;
    for id in CASES {
        let c = case(id);
        let (ok, out, err) = hri(&estimate_args(&c, "csv"));
        assert!(ok, "{id}: {err}");
        let rows = parse_csv(&out);
        let (ok, json, err) = hri(&estimate_args(&c, "json"));
        assert!(ok, "{id}: {err}");
        let json: Vec<Value> = serde_json::from_str(&json).expect("JSON array");
        let want = c["rows"].as_array().unwrap();
        assert_eq!(rows.len(), want.len(), "{id}");
        assert_eq!(json.len(), want.len(), "{id}");
        for ((got, got_json), want) in rows.iter().zip(&json).zip(want) {
            for what in ["estimate", "se", "ci_low", "ci_high", "df"] {
                let v = got[what].parse::<f64>().ok();
                close(v, &want[what], what).unwrap_or_else(|e| panic!("{id} csv: {e}"));
                close(got_json[what].as_f64(), &want[what], what)
                    .unwrap_or_else(|e| panic!("{id} json: {e}"));
                // CSV and JSON carry the same full-precision number.
                assert_eq!(v, got_json[what].as_f64(), "{id} {what}");
                checked += 1;
            }
        }
    }
    println!(
        "CLI: {} cases, {checked} numbers checked against R",
        CASES.len()
    );
}

/// The design of an R reference case as a design file (the format of `--design`).
fn design_file(c: &Value) -> String {
    let d = &c["design"];
    let list = |v: &Value| -> Vec<String> {
        v.as_array()
            .map(|a| {
                a.iter()
                    .map(|s| format!("{:?}", s.as_str().unwrap()))
                    .collect()
            })
            .unwrap_or_default()
    };
    let mut toml = format!("weight = {:?}\n", d["weight"].as_str().unwrap());
    if let Some(s) = list(&d["strata"]).first() {
        toml += &format!("strata = {s}\n");
    }
    toml += &format!("psu = [{}]\n", list(&d["psu"]).join(", "));
    toml += &format!("fpc = [{}]\n", list(&d["fpc"]).join(", "));
    toml += &format!("nest = {}\n", d["nest"].as_bool().unwrap_or(false));
    toml += &format!("lonely_psu = {:?}\n", d["lonely_psu"].as_str().unwrap());
    if let Some(r) = d.get("replicate").filter(|r| !r.is_null()) {
        toml += "[replicate]\n";
        toml += &format!("type = {:?}\n", r["type"].as_str().unwrap().to_lowercase());
        toml += &format!("prefix = {:?}\n", r["weights_prefix"].as_str().unwrap());
        if let Some(s) = r["scale"].as_f64() {
            toml += &format!("scale = {s:?}\n");
        }
        if let Some(rs) = r["rscales"].as_array() {
            let rs: Vec<String> = rs
                .iter()
                .map(|x| format!("{:?}", x.as_f64().unwrap()))
                .collect();
            toml += &format!("rscales = [{}]\n", rs.join(", "));
        }
        toml += &format!("mse = {}\n", r["mse"].as_bool().unwrap_or(false));
        if let Some(rho) = r["fay_rho"].as_f64() {
            toml += &format!("fay_rho = {rho:?}\n");
        }
    }
    if d.get("calibration").is_some_and(|k| !k.is_null()) {
        toml += &calibration_table(c);
    }
    toml
}

/// `hri estimate` of case `c` (its data in `folder`) with the design from the file `path`
/// in place of the design flags.
fn design_file_args(c: &Value, folder: &std::path::Path, path: &std::path::Path) -> Vec<String> {
    let flags = estimate_args(c, "csv");
    let mut a = vec![
        "estimate".to_string(),
        "--data".into(),
        folder
            .join(c["data"].as_str().unwrap())
            .display()
            .to_string(),
        "--design".into(),
        path.display().to_string(),
    ];
    a.extend(flags[1 + design_args(c).len()..].iter().cloned());
    a
}

/// Checks the CSV table `out` against the rows of R's case `c` (estimate, se, interval, df
/// to 1e-9) and returns how many numbers were checked.
pub(crate) fn check_csv_against_r(id: &str, out: &str, c: &Value) -> usize {
    let rows = parse_csv(out);
    let want = c["rows"].as_array().unwrap();
    assert_eq!(rows.len(), want.len(), "{id}");
    let mut checked = 0;
    for (got, want) in rows.iter().zip(want) {
        for what in ["estimate", "se", "ci_low", "ci_high", "df"] {
            close(got[what].parse::<f64>().ok(), &want[what], what)
                .unwrap_or_else(|e| panic!("{id}: {e}"));
            checked += 1;
        }
    }
    checked
}

#[test]
fn cli_design_file_gives_the_same_numbers_as_the_flags() {
    let dir = std::env::temp_dir().join(format!("hri-cli-design-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut checked = 0;
    for id in CASES {
        let c = case(id);
        let path = dir.join(format!("{id}.toml"));
        std::fs::write(&path, design_file(&c)).unwrap();
        let (ok, out, err) = hri(&design_file_args(&c, &data_dir(), &path));
        assert!(ok, "{id}: {err}");
        let (_, by_flags, _) = hri(&estimate_args(&c, "csv"));
        assert_eq!(out, by_flags, "{id}: --design and the flags disagree");
        checked += check_csv_against_r(id, &out, &c);
    }
    // A design file and a design flag together are refused by the argument parser.
    let c = case(CASES[0]);
    let mut a = estimate_args(&c, "csv");
    a.extend([
        "--design".into(),
        dir.join(format!("{}.toml", CASES[0])).display().to_string(),
    ]);
    let (code, err) = hri_status(&a);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("--design"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
    println!(
        "CLI --design: {} cases, {checked} numbers checked against R",
        CASES.len()
    );
}

/// A case's `[calibration]` table, written as the design-file contract reads it.
fn calibration_table(c: &Value) -> String {
    let k = &c["design"]["calibration"];
    let mut toml = format!(
        "[calibration]\nmethod = {:?}\n",
        k["method"].as_str().unwrap()
    );
    if let Some(b) = k["bounds"].as_array() {
        toml += &format!(
            "bounds = [{:?}, {:?}]\n",
            b[0].as_f64().unwrap(),
            b[1].as_f64().unwrap()
        );
    }
    if let Some(p) = k["population"].as_f64() {
        toml += &format!("population = {p:?}\n");
    }
    for key in ["epsilon", "max_iterations"] {
        if let Some(v) = k.get(key).filter(|v| !v.is_null()) {
            toml += &format!("{key} = {v}\n");
        }
    }
    for m in k["margins"].as_array().unwrap() {
        toml += "[[calibration.margin]]\n";
        if let Some(col) = m["column"].as_str() {
            toml += &format!(
                "column = {col:?}\ntotal = {:?}\n",
                m["total"].as_f64().unwrap()
            );
            continue;
        }
        let cols: Vec<String> = m["columns"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| format!("{:?}", s.as_str().unwrap()))
            .collect();
        if cols.len() == 1 {
            toml += &format!("column = {}\n", cols[0]);
        } else {
            toml += &format!("columns = [{}]\n", cols.join(", "));
        }
        let totals: Vec<String> = m["totals"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(level, n)| format!("{level:?} = {:?}", n.as_f64().unwrap()))
            .collect();
        toml += &format!("totals = {{ {} }}\n", totals.join(", "));
    }
    toml
}

/// Every calibration method of R's calibration cases (post-stratification, crossed
/// post-stratification, raking, linear, bounded linear, logit, JK1 replicates calibrated
/// linearly and by raking),
/// a mean and a proportion by domains each, through `hri estimate --design FILE`: R's
/// estimates, standard errors, intervals and df to 1e-9.
#[test]
fn cli_calibrated_design_files_give_r_numbers() {
    let folder = data_dir().join("calibration");
    let dir = std::env::temp_dir().join(format!("hri-cli-calibration-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut checked = 0;
    let mut methods = std::collections::BTreeSet::new();
    let all = cases_in(&folder);
    let chosen: Vec<&Value> = all
        .iter()
        .filter(|c| {
            let id = c["id"].as_str().unwrap();
            id.ends_with("-mean-api00-by-awards") || id.ends_with("-prop-both-by-stype")
        })
        .collect();
    for c in chosen {
        let id = c["id"].as_str().unwrap();
        let file = design_file(c);
        let path = dir.join(format!("{id}.toml"));
        std::fs::write(&path, &file).unwrap();
        let (ok, out, err) = hri(&design_file_args(c, &folder, &path));
        assert!(ok, "{id}: {err}\n{file}");
        checked += check_csv_against_r(id, &out, c);
        methods.insert(id.split('-').take(2).collect::<Vec<_>>().join("-"));
    }
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(methods.len(), 8, "{methods:?}");
    println!(
        "CLI calibrated --design: {} designs, {checked} numbers checked against R",
        methods.len()
    );
}

#[test]
fn cli_gap_gives_r_numbers() {
    let c = case("clus1-gap-api00-E-minus-H");
    let mut a = vec!["gap".to_string()];
    a.extend(design_args(&c));
    a.extend(
        [
            "--stat",
            "mean",
            "--var",
            "api00",
            "--by",
            "stype",
            "--group",
            "E",
            "--reference",
            "H",
        ]
        .map(str::to_string),
    );
    let (ok, out, err) = hri(&a);
    assert!(ok, "{err}");
    let rows = parse_csv(&out);
    assert_eq!(rows.len(), 1);
    let want = &c["rows"][0];
    for what in ["estimate", "se"] {
        close(rows[0][what].parse::<f64>().ok(), &want[what], what).unwrap();
    }
    assert_eq!(rows[0]["stype"], "E");
    assert_eq!(rows[0]["reference"], "H");
    let p: f64 = rows[0]["p_value"].parse().unwrap();
    assert!(p > 0.0 && p < 1.0);
}

#[test]
fn cli_errors_go_to_stderr_with_nonzero_status() {
    let c = case("strat-mean-api00");
    let mut a = estimate_args(&c, "csv");
    let i = a.iter().position(|x| x == "api00").unwrap();
    a[i] = "no_such_column".into();
    let (ok, out, err) = hri(&a);
    assert!(!ok);
    assert!(out.is_empty());
    assert!(err.contains("no_such_column"), "{err}");
    let mut a = estimate_args(&c, "csv");
    a.extend(["--where".into(), "meals >>> 2".into()]);
    let (ok, _, err) = hri(&a);
    assert!(!ok);
    assert!(err.contains("meals >>> 2"), "{err}");
}

#[test]
fn cli_exit_status_says_which_kind_of_failure() {
    let c = case("strat-mean-api00");
    // 2: arguments that do not fit together.
    let mut a = estimate_args(&c, "csv");
    let i = a.iter().position(|x| x == "mean").unwrap();
    a[i] = "ratio".into();
    let (code, err) = hri_status(&a);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("--denominator"), "{err}");
    // 3: data or design (an unknown column; an SQL condition that does not parse).
    let mut a = estimate_args(&c, "csv");
    let i = a.iter().position(|x| x == "api00").unwrap();
    a[i] = "no_such_column".into();
    let (code, err) = hri_status(&a);
    assert_eq!(code, Some(3), "{err}");
    let mut a = estimate_args(&c, "csv");
    a.extend(["--where".into(), "meals >>> 2".into()]);
    let (code, err) = hri_status(&a);
    assert_eq!(code, Some(3), "{err}");
    // 4: a catalogue that does not exist.
    let (code, err) = hri_status(&[
        "catalogue".into(),
        "validate".into(),
        "no/such/catalogue.toml".into(),
    ]);
    assert_eq!(code, Some(4), "{err}");
    assert!(err.contains("no/such/catalogue.toml"), "{err}");
    // 0: success.
    let (code, err) = hri_status(&estimate_args(&c, "csv"));
    assert_eq!(code, Some(0), "{err}");
}

#[test]
fn cli_several_variables_and_disaggregations_in_one_call() {
    let c = case("strat-mean-api00");
    let mut a = vec!["estimate".to_string()];
    a.extend(design_args(&c));
    a.extend(
        [
            "--stat",
            "mean",
            "--var",
            "api00,api99",
            "--by",
            "stype",
            "--by",
            "stype,awards",
            "--overall",
        ]
        .map(str::to_string),
    );
    let (ok, out, err) = hri(&a);
    assert!(ok, "{err}");
    let rows = parse_csv(&out);
    // per variable: 3 stype + 6 stype×awards + 1 overall
    assert_eq!(rows.len(), 2 * 10);
    assert_eq!(
        out.lines()
            .next()
            .unwrap()
            .split(',')
            .take(3)
            .collect::<Vec<_>>(),
        ["variable", "stype", "awards"]
    );
    let overall = rows
        .iter()
        .find(|r| r["variable"] == "api00" && r["stype"].is_empty())
        .unwrap();
    close(
        overall["estimate"].parse().ok(),
        &c["rows"][0]["estimate"],
        "estimate",
    )
    .unwrap();
}

#[test]
fn cli_catalogue_validate_and_show() {
    let (ok, out, err) = hri(&["catalogue".into(), "validate".into(), "builtin".into()]);
    assert!(ok, "{err}");
    assert!(out.contains("valid"), "{out}");
    let (ok, out, _) = hri(&["catalogue".into(), "show".into(), "builtin".into()]);
    assert!(ok);
    assert!(out.contains("unemployment_rate"));
    let dir = std::env::temp_dir().join(format!("hri-cli-cat-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("bad.toml");
    let text = hri::catalogue::Catalogue::migrants_rights()
        .to_toml_string()
        .unwrap()
        .replacen(
            "condition = \"unemployed = 1\"",
            "condition = \"unemployed = = 1\"",
            1,
        );
    std::fs::write(&bad, text).unwrap();
    let (ok, _, err) = hri(&[
        "catalogue".into(),
        "validate".into(),
        bad.display().to_string(),
    ]);
    assert!(!ok);
    assert!(
        err.contains("unemployment_rate") && err.contains("condition"),
        "{err}"
    );
}

#[test]
fn cli_compute_on_r_reference_data_gives_r_numbers() {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("hri-tests")
        .join("compute-api");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let catalogue = dir.join("catalogue.toml");
    std::fs::write(
        &catalogue,
        r#"
[metadata]
name = "api two-indicator check"
version = "1"
country = "USA"
[dimensions]
region = "stype"
[[rights]]
id = "education"
name = "Right to education"
[[attributes]]
id = "quality"
right = "education"
name = "Quality of schools"
[[indicators]]
id = "api00"
name = "Mean academic performance index 2000"
right = "education"
attribute = "quality"
kind = "outcome"
unit = "count"
direction = "higher_is_better"
measure = { type = "mean", variable = "api00" }
disaggregations = [["region"]]
[[indicators]]
id = "awards"
name = "Share of schools eligible for awards"
right = "education"
attribute = "quality"
kind = "outcome"
unit = "proportion"
direction = "higher_is_better"
measure = { type = "proportion", condition = "awards = 'Yes'" }
disaggregations = [["region"]]
"#,
    )
    .unwrap();
    let design = dir.join("design.toml");
    std::fs::write(
        &design,
        "weight = \"pw\"\nstrata = \"stype\"\nfpc = [\"fpc\"]\n",
    )
    .unwrap();
    let out = dir.join("out");
    let args: Vec<String> = [
        "compute",
        "--catalogue",
        catalogue.to_str().unwrap(),
        "--data",
        data_dir().join("apistrat.csv").to_str().unwrap(),
        "--design",
        design.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--time-period",
        "2000",
    ]
    .map(str::to_string)
    .to_vec();
    let (ok, stdout, err) = hri(&args);
    assert!(ok, "{err}");
    assert!(stdout.contains("indicators.csv"), "{stdout}");
    let table = hri::export::read_csv(out.join("indicators.csv")).unwrap();
    let n_rows = table.rows.len();
    let find = |id: &str, group: &str| {
        (0..n_rows)
            .find(|&i| {
                table.text(i, "indicator_id") == Some(id) && table.text(i, "group") == Some(group)
            })
            .unwrap_or_else(|| panic!("no row {id} {group}"))
    };
    let value = |i: usize, what: &str| table.f64(i, what).unwrap();
    let mut checked = 0;
    let total = case("strat-mean-api00");
    let r = find("api00", "total");
    for what in ["estimate", "se"] {
        close(value(r, what), &total["rows"][0][what], what).unwrap();
        checked += 1;
    }
    for (id, case_id) in [
        ("api00", "strat-mean-api00-by-stype"),
        ("awards", "strat-prop-awards-beta-by-stype"),
    ] {
        for want in case(case_id)["rows"].as_array().unwrap() {
            let r = find(id, want["by"]["stype"].as_str().unwrap());
            for what in ["estimate", "se", "df"] {
                close(value(r, what), &want[what], what).unwrap_or_else(|e| panic!("{id}: {e}"));
                checked += 1;
            }
        }
    }
    // The default interval of a proportion is Korn–Graubard (R's svyciprop(method = "beta"),
    // which the engine's interval::beta equals; the R case above is at level 0.9).
    for group in ["E", "H", "M"] {
        let r = find("awards", group);
        let (lo, hi) = hri::interval::beta(
            value(r, "estimate").unwrap(),
            value(r, "se").unwrap(),
            0.95,
            value(r, "n").unwrap(),
            Some(value(r, "df").unwrap()),
        );
        assert!((value(r, "ci_low").unwrap() - lo).abs() < 1e-12, "{group}");
        assert!((value(r, "ci_high").unwrap() - hi).abs() < 1e-12, "{group}");
    }
    println!("hri compute: {checked} numbers equal to R");

    // Read in batches of 37 rows (a design without PSUs: one pass of keyed sums), the same
    // table to 1e-12, gaps included.
    let streamed_out = dir.join("out-streamed");
    let mut streamed = args.clone();
    streamed[8] = streamed_out.to_str().unwrap().to_string();
    streamed.extend(["--stream", "always", "--batch-rows", "37"].map(str::to_string));
    let (ok, stdout, err) = hri(&streamed);
    assert!(ok, "{err}");
    assert!(stdout.contains("read in batches of 37 rows"), "{stdout}");
    let read = |p: std::path::PathBuf| {
        use polars::prelude::SerReader;
        polars::prelude::CsvReadOptions::default()
            .with_infer_schema_length(None)
            .try_into_reader_with_file_path(Some(p))
            .unwrap()
            .finish()
            .unwrap()
    };
    let numbers = crate::project_stream::same_frame(
        &read(streamed_out.join("indicators.csv")),
        &read(out.join("indicators.csv")),
        1e-12,
        "hri compute --stream always",
    );
    assert!(numbers > 50, "{numbers}");
    // A quantile cannot be streamed: always names it (exit 2), auto computes in memory.
    let quantile_catalogue = dir.join("catalogue-quantile.toml");
    std::fs::write(
        &quantile_catalogue,
        std::fs::read_to_string(&catalogue).unwrap().replace(
            "measure = { type = \"mean\", variable = \"api00\" }",
            "measure = { type = \"quantile\", variable = \"api00\", p = 0.5 }",
        ),
    )
    .unwrap();
    let mut quantile = streamed.clone();
    quantile[2] = quantile_catalogue.to_str().unwrap().to_string();
    let (status, err) = hri_status(&quantile);
    assert_eq!(status, Some(2), "{err}");
    assert!(
        err.contains("indicator 'api00'") && err.contains("quantile"),
        "{err}"
    );
    let n = quantile.len();
    quantile[n - 3] = "auto".into();
    let (ok, stdout, err) = hri(&quantile);
    assert!(ok, "{err}");
    assert!(!stdout.contains("in batches"), "{stdout}");

    // --quality takes a preset (or a file); an unknown one is a usage error (exit 2).
    let nchs_out = dir.join("out-nchs");
    let mut nchs = args.clone();
    nchs[8] = nchs_out.to_str().unwrap().to_string();
    nchs.extend(["--quality".to_string(), "nchs_2017".to_string()]);
    let (ok, _, err) = hri(&nchs);
    assert!(ok, "{err}");
    let meta = std::fs::read_to_string(nchs_out.join("metadata.json")).unwrap();
    assert!(
        meta.contains("nchs_2017"),
        "the policy is named in the output"
    );
    let mut bad = nchs.clone();
    *bad.last_mut().unwrap() = "no_such_policy".to_string();
    let (status, err) = hri_status(&bad);
    assert_eq!(status, Some(2), "{err}");
    assert!(err.contains("no_such_policy"), "{err}");
}
