//! Readers, `hri inspect`, and project files run by `hri run`, on files another tool wrote:
//! tests/data/project/ holds a Latin-1 `;` CSV with decimal commas, a labelled Stata file
//! and a labelled SPSS file written by R's haven (make_files.R), and R survey's estimates
//! and standard errors computed from those files (r_reference.csv).

use std::path::{Path, PathBuf};
use std::process::Command;

use hri::project::{Project, ProjectError, run_with};
use hri::source::{CsvOptions, Format, SourceError, TextEncoding, profile, read};

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/project")
        .join(name)
}

/// A fresh folder with copies of the test files.
fn scratch(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("hri-project-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for f in [
        "catalogue.toml",
        "project.toml",
        "enoe_2015.csv",
        "sdem_2020.dta",
        "coe_2020.sav",
    ] {
        std::fs::copy(data(f), dir.join(f)).unwrap();
    }
    dir
}

fn latin1() -> CsvOptions {
    CsvOptions {
        separator: ";".into(),
        decimal_comma: true,
        encoding: TextEncoding::Latin1,
        missing: Vec::new(),
    }
}

#[test]
fn stata_file_keeps_codes_and_value_labels() {
    let t = read(&data("sdem_2020.dta"), &CsvOptions::default()).unwrap();
    assert_eq!(t.format, Format::Stata);
    assert_eq!(t.data.height(), 313);
    let sexo = t.value_labels("sexo").unwrap();
    assert_eq!(sexo.get("1").map(String::as_str), Some("Hombre"));
    assert_eq!(sexo.get("2").map(String::as_str), Some("Mujer"));
    assert_eq!(
        t.columns["lengua"].label.as_deref(),
        Some("Habla lengua indígena")
    );
    // Codes stay codes: numbers, usable in `sexo = 2`.
    assert!(
        t.data
            .column("sexo")
            .unwrap()
            .dtype()
            .is_primitive_numeric()
    );
}

#[test]
fn spss_file_counts_declared_missing_codes() {
    let t = read(&data("coe_2020.sav"), &CsvOptions::default()).unwrap();
    assert_eq!(t.format, Format::Spss);
    let info = &t.columns["dis_ver"];
    assert_eq!(info.missing_codes, vec!["9".to_string()]);
    let nines = info.missing_counts.get("9").copied().unwrap();
    assert!(nines > 0);
    // The declared code is read as null.
    assert_eq!(t.data.column("dis_ver").unwrap().null_count() as u64, nines);
    assert_eq!(
        info.value_labels.get("3").map(String::as_str),
        Some("Con mucha dificultad")
    );
}

#[test]
fn latin1_csv_with_decimal_commas() {
    let t = read(&data("enoe_2015.csv"), &latin1()).unwrap();
    assert_eq!(t.data.height(), 301);
    let fac = t.data.column("fac").unwrap();
    assert!(fac.dtype().is_float());
    let names = t.data.column("nom_ent").unwrap().str().unwrap().clone();
    assert!(names.iter().flatten().any(|s| s == "Michoacán"));
    assert!(names.iter().flatten().any(|s| s == "Nuevo León"));
}

#[test]
fn invalid_utf8_names_the_byte_offset() {
    let bytes = std::fs::read(data("enoe_2015.csv")).unwrap();
    let offset = bytes.iter().position(|&b| b >= 0x80).unwrap();
    let line = 1 + bytes[..offset].iter().filter(|&&b| b == b'\n').count();
    let o = CsvOptions {
        encoding: TextEncoding::Utf8,
        ..latin1()
    };
    let err = read(&data("enoe_2015.csv"), &o).unwrap_err();
    match &err {
        SourceError::Encoding {
            offset: o, line: l, ..
        } => {
            assert_eq!((*o, *l), (offset, line));
        }
        other => panic!("{other}"),
    }
    let msg = err.to_string();
    assert!(msg.contains("enoe_2015.csv") && msg.contains(&format!("byte {offset}")));
}

#[test]
fn content_not_matching_the_extension_is_an_error() {
    let dir = scratch("ext");
    std::fs::copy(dir.join("sdem_2020.dta"), dir.join("sdem.csv")).unwrap();
    std::fs::copy(dir.join("enoe_2015.csv"), dir.join("enoe.sav")).unwrap();
    let err = read(&dir.join("sdem.csv"), &CsvOptions::default()).unwrap_err();
    assert!(matches!(err, SourceError::NotItsExtension { .. }), "{err}");
    assert!(err.to_string().contains("is a Stata .dta file"), "{err}");
    let err = read(&dir.join("enoe.sav"), &CsvOptions::default()).unwrap_err();
    assert!(err.to_string().contains("sav") && err.to_string().contains("CSV text"));
    let err = read(&dir.join("x.foo"), &CsvOptions::default()).unwrap_err();
    assert!(matches!(err, SourceError::UnknownExtension { .. }));
}

#[test]
fn profile_counts_missing_codes_and_extremes() {
    let t = read(&data("enoe_2015.csv"), &latin1()).unwrap();
    let p = profile(&t, &["99".to_string()]).unwrap();
    let eda = p.iter().find(|c| c.name == "eda").unwrap();
    assert_eq!(eda.max.as_deref(), Some("99"));
    assert_eq!(eda.min.as_deref(), Some("0"));
    let nn = eda.missing_codes["99"];
    assert!(nn > 0);
    assert_eq!(eda.first.len(), 5);
}

#[test]
fn inspect_prints_columns_as_text_and_json() {
    let out = Command::new(env!("CARGO_BIN_EXE_hri"))
        .arg("inspect")
        .arg(data("sdem_2020.dta"))
        .args(["--format", "json", "--missing", "99"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["rows"], 313);
    let cols = v["columns"].as_array().unwrap();
    let sexo = cols.iter().find(|c| c["name"] == "sexo").unwrap();
    assert_eq!(sexo["value_labels"]["2"], "Mujer");
    let out = Command::new(env!("CARGO_BIN_EXE_hri"))
        .arg("inspect")
        .arg(data("coe_2020.sav"))
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("dis_ver (f64): missing"), "{text}");
    assert!(text.contains("code 9 ×"), "{text}");
}

/// Runs the test project in `dir` (after `edit` of its text), writing into `dir/out`.
fn run_in(
    dir: &Path,
    edit: impl Fn(String) -> String,
) -> Result<hri::project::ProjectRun, ProjectError> {
    let path = dir.join("project.toml");
    let text = edit(std::fs::read_to_string(&path).unwrap());
    std::fs::write(&path, text).unwrap();
    let project = Project::from_path(&path)?;
    run_with(&project, true, |_| {})
}

#[test]
fn two_round_project_equals_r_survey() {
    let dir = scratch("r");
    let run = run_in(&dir, |t| t).unwrap();
    assert_eq!(run.rounds.len(), 2);
    let table = hri::export::read_csv(dir.join("out/indicators.csv")).unwrap();
    let reference = hri::export::read_csv(data("r_reference.csv")).unwrap();
    let mut compared = 0;
    for i in 0..reference.rows.len() {
        let text = |c: &str| reference.text(i, c).unwrap().to_string();
        let (period, id, dim, group) = (
            text("period"),
            text("indicator"),
            text("dimension"),
            text("group"),
        );
        let row = (0..table.rows.len()).find(|&j| {
            table.text(j, "time_period") == Some(period.as_str())
                && table.text(j, "indicator_id") == Some(id.as_str())
                && table.text(j, "disaggregation") == Some(dim.as_str())
                && table.text(j, "group") == Some(group.as_str())
        });
        let Some(j) = row else {
            panic!("no row {period} {id} {dim} {group} in indicators.csv");
        };
        for c in ["estimate", "se"] {
            let ours = table.f64(j, c).unwrap().unwrap();
            let r = reference.f64(i, c).unwrap().unwrap();
            assert!(
                (ours - r).abs() <= 1e-9 * r.abs().max(1.0),
                "{period} {id} {dim} {group} {c}: {ours} vs R {r}"
            );
        }
        compared += 1;
    }
    assert_eq!(compared, reference.rows.len());
    assert!(compared >= 48, "{compared}");
    // A labelled column that no derivation labels: groups named by the value labels where
    // the file has them (the Stata round), by the codes where it has none (the CSV round).
    let groups = |period: &str| -> Vec<String> {
        (0..table.rows.len())
            .filter(|&j| {
                table.text(j, "time_period") == Some(period)
                    && table.text(j, "indicator_id") == Some("employment_rate")
                    && table.text(j, "disaggregation") == Some("language")
            })
            .map(|j| table.text(j, "group").unwrap().to_string())
            .collect()
    };
    assert_eq!(groups("2020"), ["No", "No especificado", "Sí"]);
    assert_eq!(groups("2015"), ["1", "2", "9"]);
    // Progress between the rounds: the later round has a change for the total.
    let later = &run.rounds[1].results;
    let total = later.row("employment_rate", "total", "total").unwrap();
    assert!(total.change.is_some());
    // Each round's derivation report, with the reasons for unknown.
    let derivations = std::fs::read_to_string(dir.join("out/derivations.csv")).unwrap();
    assert!(derivations.contains("2020,sex,unknown_reason,sexo code 9 declared missing,"));
    assert!(derivations.contains("2015,age_group,unknown_reason,eda code 99 declared missing,"));
    for f in [
        "indicators.parquet",
        "indicators.json",
        "indicators.sdmx.csv",
        "report.html",
        "rounds/2015/indicators.csv",
    ] {
        assert!(dir.join("out").join(f).exists(), "{f}");
    }
    let sdmx = std::fs::read_to_string(dir.join("out/indicators.sdmx.csv")).unwrap();
    assert!(sdmx.contains(",2015,") && sdmx.contains(",2020,"));
    // The report titles a dimension the catalogue declares itself by its label.
    let html = std::fs::read_to_string(dir.join("out/report.html")).unwrap();
    assert!(html.contains("By speaks an indigenous language (recode of lengua)"));
    assert!(html.contains("By speaks an indigenous language, as the survey codes it"));
    assert!(!html.contains(">By indigenous<") && !html.contains(">By language<"));
}

fn err_of(tag: &str, edit: impl Fn(String) -> String) -> (ProjectError, PathBuf) {
    let dir = scratch(tag);
    let err = run_in(&dir, edit).expect_err("the run should fail");
    (err, dir)
}

#[test]
fn unknown_key_names_the_key_and_line() {
    let (err, _) = err_of("key", |t| {
        t.replace("withhold = false", "withhold = false\nwitheld = 1")
    });
    let msg = err.to_string();
    assert!(matches!(err, ProjectError::Parse { .. }), "{msg}");
    assert!(msg.contains("witheld") && msg.contains("line 7"), "{msg}");
}

#[test]
fn unknown_column_in_a_derivation() {
    let (err, _) = err_of("dcol", |t| {
        t.replace("column = \"sexo\"", "column = \"sex_o\"")
    });
    let msg = err.to_string();
    assert!(matches!(err, ProjectError::UnknownColumn { .. }), "{msg}");
    assert!(
        msg.contains("[derive.sex]") && msg.contains("sex_o") && msg.contains("enoe_2015.csv"),
        "{msg}"
    );
}

#[test]
fn unknown_column_in_a_recode() {
    let (err, _) = err_of("rcol", |t| t.replace("WHEN lengua = 2", "WHEN lenguas = 2"));
    let msg = err.to_string();
    assert!(
        msg.contains("[[derive.recode]] `indigenous`") && msg.contains("lenguas"),
        "{msg}"
    );
}

#[test]
fn unknown_column_in_a_join() {
    let (err, _) = err_of("jcol", |t| t.replace("\"n_ren\"]", "\"n_viv\"]"));
    let msg = err.to_string();
    assert!(
        msg.contains("joins on") && msg.contains("n_viv") && msg.contains("round 2020"),
        "{msg}"
    );
}

#[test]
fn unknown_column_in_the_design() {
    let (err, _) = err_of("scol", |t| {
        t.replace("strata = \"ent\"", "strata = \"estrato\"")
    });
    let msg = err.to_string();
    assert!(
        msg.contains("[design] strata") && msg.contains("estrato"),
        "{msg}"
    );
}

#[test]
fn duplicated_join_key_names_the_value() {
    let dir = scratch("dup");
    // The right-hand side as CSV with its second row's keys equal to the first's.
    let sav = read(&dir.join("coe_2020.sav"), &CsvOptions::default()).unwrap();
    let mut df = sav.data.clone();
    let n = df.height();
    let mut n_ren: Vec<f64> = df
        .column("n_ren")
        .unwrap()
        .f64()
        .unwrap()
        .iter()
        .map(|v| v.unwrap())
        .collect();
    n_ren[1] = n_ren[0];
    df.with_column(polars::prelude::Column::new("n_ren".into(), n_ren))
        .unwrap();
    assert_eq!(df.height(), n);
    let text = hri::export::frame_to_csv(&df).unwrap();
    std::fs::write(dir.join("coe_2020.csv"), text).unwrap();
    let err = run_in(&dir, |t| t.replace("coe_2020.sav", "coe_2020.csv"))
        .err()
        .unwrap();
    let msg = err.to_string();
    assert!(matches!(err, ProjectError::DuplicateKey { .. }), "{msg}");
    assert!(
        msg.contains("coe_2020.csv") && msg.contains("ent = 1, upm = 1, n_hog = 1, n_ren = 1"),
        "{msg}"
    );
}

#[test]
fn code_not_in_the_map_unless_declared_missing() {
    let (err, _) = err_of("code", |t| t.replace(", missing = [\"9\"] }", " }"));
    let msg = err.to_string();
    assert!(matches!(err, ProjectError::Derive { .. }), "{msg}");
    assert!(
        msg.contains("[derive.sex]") && msg.contains("sexo") && msg.contains("`9`"),
        "{msg}"
    );
}

#[test]
fn encoding_error_in_a_round_names_the_byte() {
    let (err, _) = err_of("enc", |t| t.replace(", encoding = \"latin1\"", ""));
    let msg = err.to_string();
    assert!(
        msg.contains("enoe_2015.csv") && msg.contains("not valid UTF-8 at byte"),
        "{msg}"
    );
}

#[test]
fn missing_or_negative_weights() {
    let (err, _) = err_of("wcol", |t| {
        t.replace("weight = \"fac\"", "weight = \"factor\"")
    });
    let msg = err.to_string();
    assert!(
        msg.contains("[design] weight") && msg.contains("factor"),
        "{msg}"
    );
    let dir = scratch("wneg");
    let text = std::fs::read(dir.join("enoe_2015.csv")).unwrap();
    // The first data line's weight (fifth field) becomes negative.
    let s: String = text.iter().map(|&b| b as char).collect();
    let mut lines: Vec<String> = s.lines().map(str::to_string).collect();
    let mut fields: Vec<String> = lines[1].split(';').map(str::to_string).collect();
    fields[4] = format!("-{}", fields[4]);
    lines[1] = fields.join(";");
    let bytes: Vec<u8> = (lines.join("\n") + "\n").chars().map(|c| c as u8).collect();
    std::fs::write(dir.join("enoe_2015.csv"), bytes).unwrap();
    let err = run_in(&dir, |t| t).err().unwrap();
    let msg = err.to_string();
    assert!(matches!(err, ProjectError::Weight { .. }), "{msg}");
    assert!(
        msg.contains("row 0") && msg.contains("negative weight"),
        "{msg}"
    );
}

#[test]
fn a_failed_run_leaves_previous_outputs_untouched() {
    let dir = scratch("keep");
    run_in(&dir, |t| t).unwrap();
    let before = std::fs::read(dir.join("out/indicators.csv")).unwrap();
    let err = run_in(&dir, |t| t.replace("column = \"eda\"", "column = \"edad\"")).err();
    assert!(err.is_some());
    assert_eq!(
        std::fs::read(dir.join("out/indicators.csv")).unwrap(),
        before
    );
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().contains("hri-tmp"))
        .collect();
    assert!(leftovers.is_empty());
}

#[test]
fn hri_run_prints_each_rounds_derivations() {
    let dir = scratch("cli");
    let out = Command::new(env!("CARGO_BIN_EXE_hri"))
        .arg("run")
        .arg(dir.join("project.toml"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("round 2015: 301 survey rows"), "{stdout}");
    assert!(stdout.contains("sexo code 9 declared missing"), "{stdout}");
    std::fs::write(
        dir.join("project.toml"),
        std::fs::read_to_string(dir.join("project.toml"))
            .unwrap()
            .replace("nest = true", "nest = true\nweights = \"x\""),
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_hri"))
        .arg("run")
        .arg(dir.join("project.toml"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("weights"));
}
