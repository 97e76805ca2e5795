//! Exporters: CSV, Parquet, JSON and SDMX-CSV round trips, determinism, errors.
//!
//! The fixture (shared with `report.rs`) is a small synthetic survey run through the real
//! pipeline: 8 strata × 10 PSUs × 30 persons, a small return-migrant group whose crossed
//! cells fall below the publication threshold, structural indicators read from a register
//! (one entry missing), and one indicator skipped for a missing column.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use hri::catalogue::Catalogue;
use hri::design::Design;
use hri::export::{
    self, CsvTable, ExportError, ExportOptions, SdmxOptions, read_csv, read_sdmx_csv, sdmx,
};
use hri::framework::{Dimension, IndicatorKind};
use hri::pipeline::{MissingColumns, Pipeline};
use hri::report::ReportOptions;
use hri::results::Results;
use hri::structural::Register;
use polars::prelude::*;

/// Name of the health-insurance indicator: markup characters test the escaping.
pub(crate) const TRICKY_NAME: &str = "Covered by health insurance <public> & \"private\"";

const CATALOGUE: &str = r#"
[metadata]
name = "Export fixture"
version = "0.1"

[scoring]
normalisation = "goalposts"
aggregation = "arithmetic"
min_available = 0.5

[[rights]]
id = "health"
name = "Right to health"
[[rights]]
id = "work"
name = "Right to work"

[[attributes]]
id = "health_access"
right = "health"
name = "Accessibility to health facilities & medicines"
[[attributes]]
id = "work_access"
right = "work"
name = "Access to decent and productive work"

[[indicators]]
id = "health_icescr"
name = "ICESCR ratified"
right = "health"
attribute = "health_access"
kind = "structural"
unit = "status"
direction = "higher_is_better"
measure = { type = "structural", entry = "cescr" }
benchmark = { target = "ratified", year = 2030, source = "core treaties" }

[[indicators]]
id = "health_insurance"
name = "Covered by health insurance <public> & \"private\""
right = "health"
attribute = "health_access"
kind = "process"
unit = "percent"
direction = "higher_is_better"
measure = { type = "proportion", condition = "insured = 1" }
benchmark = { target = 100.0, year = 2030, source = "SDG target 3.8" }
disaggregations = [
    ["migratory_status"], ["sex"], ["age_group"], ["disability"],
    ["migratory_status", "sex"], ["migratory_status", "age_group"], ["migratory_status", "disability"],
]

[[indicators]]
id = "work_icrmw"
name = "Migrant Workers Convention (ICRMW) ratified"
right = "work"
attribute = "work_access"
kind = "structural"
unit = "status"
direction = "higher_is_better"
measure = { type = "structural", entry = "icrmw" }
benchmark = { target = "ratified", year = 2030, source = "core treaties" }

[[indicators]]
id = "work_c189"
name = "ILO Domestic Workers Convention (C189) ratified"
right = "work"
attribute = "work_access"
kind = "structural"
unit = "status"
direction = "higher_is_better"
measure = { type = "structural", entry = "ilo_c189" }

[[indicators]]
id = "unemployment_rate"
name = "Unemployment rate"
right = "work"
attribute = "work_access"
kind = "outcome"
unit = "percent"
direction = "lower_is_better"
measure = { type = "proportion", condition = "unemployed = 1", universe = "age >= 15 AND in_labour_force = 1" }
benchmark = { target = 4.0, year = 2030, source = "national employment plan" }
disaggregations = [
    ["migratory_status"], ["sex"], ["age_group"], ["disability"],
    ["migratory_status", "sex"], ["migratory_status", "age_group"], ["migratory_status", "disability"],
]

[[indicators]]
id = "hourly_earnings"
name = "Average hourly earnings of employees"
right = "work"
attribute = "work_access"
kind = "outcome"
unit = { currency = { code = "MXN" } }
direction = "higher_is_better"
measure = { type = "mean", variable = "hourly_earnings", universe = "employee = 1" }
goalposts = { lower = 0.0, upper = 200.0 }
disaggregations = [["migratory_status"], ["sex"], ["migratory_status", "sex"]]

[[indicators]]
id = "recruitment_cost"
name = "Recruitment cost in months of earnings"
right = "work"
attribute = "work_access"
kind = "outcome"
unit = "months_of_earnings"
direction = "lower_is_better"
measure = { type = "mean", variable = "recruitment_cost_months", universe = "recruited_abroad = 1" }
goalposts = { lower = 0.0, upper = 12.0 }
disaggregations = [["migratory_status"]]
"#;

const REGISTER: &str = r#"
country = "MEX"
name = "Mexico"
as_of = "2024-06"

[[instrument]]
id = "cescr"
name = "International Covenant on Economic, Social and Cultural Rights"
kind = "un_treaty"
status = "ratified"
ratified = "1981-03-23"
source = "UMN ratification page <test & escape>"

[[instrument]]
id = "icrmw"
name = "International Convention on the Protection of the Rights of All Migrant Workers"
kind = "un_treaty"
status = "signed"
signed = "1991-05-22"
source = "A/HRC/11/7/Add.2 (fixture: status changed for the test)"
illustrative = true
"#;

/// splitmix64: a tiny deterministic generator for the fixture.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn unif(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn bern(&mut self, p: f64) -> i32 {
        i32::from(self.unif() < p)
    }
}

/// The fixture's microdata.
pub(crate) fn fixture_data() -> DataFrame {
    let mut rng = Rng(20240611);
    let (mut w, mut stratum, mut psu) = (vec![], vec![], vec![]);
    let (mut migr, mut sex, mut age, mut age_group, mut disability) =
        (vec![], vec![], vec![], vec![], vec![]);
    let (mut insured, mut lf, mut unemployed, mut employee, mut earnings) =
        (vec![], vec![], vec![], vec![], vec![]);
    for s in 0..8 {
        for p in 0..10 {
            let psu_effect = rng.unif() * 0.1 - 0.05;
            for _ in 0..30 {
                stratum.push(s);
                psu.push(s * 100 + p);
                w.push(50.0 + 10.0 * f64::from(s) + 20.0 * rng.unif());
                let u = rng.unif();
                let m = if u < 0.78 {
                    "native_born_citizen"
                } else if u < 0.95 {
                    "foreign_born"
                } else {
                    "return_migrant"
                };
                migr.push(m);
                sex.push(if rng.unif() < 0.5 { "male" } else { "female" });
                let a = (rng.unif() * 85.0).floor();
                age.push(a);
                age_group.push(match a as u32 {
                    0..=14 => "0-14",
                    15..=24 => "15-24",
                    25..=59 => "25-59",
                    _ => "60+",
                });
                disability.push(if rng.unif() < 0.12 {
                    "with_disability"
                } else {
                    "without_disability"
                });
                let p_ins = match m {
                    "native_born_citizen" => 0.80,
                    "foreign_born" => 0.58,
                    _ => 0.74,
                } + psu_effect;
                insured.push(rng.bern(p_ins));
                let in_lf = if a >= 15.0 { rng.bern(0.62) } else { 0 };
                lf.push(in_lf);
                let p_unemp = match m {
                    "native_born_citizen" => 0.05,
                    "foreign_born" => 0.10,
                    _ => 0.12,
                };
                let unemp = if in_lf == 1 { rng.bern(p_unemp) } else { 0 };
                unemployed.push(unemp);
                let emp = if in_lf == 1 && unemp == 0 {
                    rng.bern(0.7)
                } else {
                    0
                };
                employee.push(emp);
                earnings.push(if emp == 1 {
                    Some(60.0 + 80.0 * rng.unif() - if m == "foreign_born" { 15.0 } else { 0.0 })
                } else {
                    None
                });
            }
        }
    }
    df!(
        "w" => w,
        "stratum" => stratum,
        "psu" => psu,
        "migratory_status" => migr,
        "sex" => sex,
        "age" => age,
        "age_group" => age_group,
        "disability" => disability,
        "insured" => insured,
        "in_labour_force" => lf,
        "unemployed" => unemployed,
        "employee" => employee,
        "hourly_earnings" => earnings,
    )
    .expect("fixture frame")
}

/// The fixture: results, the catalogue and the register they were computed with.
pub(crate) struct Fixture {
    pub results: Results,
    pub catalogue: Catalogue,
    pub register: Register,
}

pub(crate) fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let catalogue = Catalogue::from_toml_str(CATALOGUE).expect("fixture catalogue");
        let register = Register::from_toml_str(REGISTER).expect("fixture register");
        let design = Design::builder("w")
            .strata("stratum")
            .psu("psu")
            .build()
            .expect("design");
        let results = Pipeline::builder()
            .catalogue(catalogue.clone())
            .data(fixture_data(), design)
            .register(register.clone())
            .time_period("2020")
            .reference_year(2020.0)
            .ref_area("MEX")
            .missing_columns(MissingColumns::Skip)
            .build()
            .expect("pipeline")
            .run()
            .expect("run");
        Fixture {
            results,
            catalogue,
            register,
        }
    })
}

/// Report options for the fixture (the register and the catalogue's texts come with the
/// results).
pub(crate) fn report_options() -> ReportOptions {
    ReportOptions::new()
        .country("Mexico")
        .survey("Test survey <fixture>")
        .synthetic(true)
        .note("Fixture data for the tests of hri.")
}

/// A fresh output directory under the target's temporary directory.
pub(crate) fn out_dir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("hri-tests")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create test output directory");
    dir
}

fn f64_column(df: &DataFrame, name: &str) -> Vec<Option<f64>> {
    let ca = df
        .column(name)
        .unwrap_or_else(|_| panic!("column {name}"))
        .f64()
        .unwrap_or_else(|_| panic!("{name} is f64"));
    (0..ca.len()).map(|i| ca.get(i)).collect()
}

#[test]
fn fixture_has_the_cases_the_exporters_must_handle() {
    let r = &fixture().results;
    let rows = r.rows();
    assert!(rows.iter().any(|x| x.kind == IndicatorKind::Structural));
    assert!(
        rows.iter()
            .any(|x| x.quality_flag.is_some() && !x.published),
        "some figures suppressed"
    );
    assert!(rows.iter().any(|x| x.published && x.estimate.is_some()));
    assert!(
        r.meta()
            .skipped
            .iter()
            .any(|(id, _)| id == "recruitment_cost")
    );
    assert!(
        rows.iter()
            .any(|x| x.structural_status.as_deref() == Some("missing"))
    );
}

#[test]
fn csv_round_trips_every_number_bit_for_bit() {
    let f = fixture();
    let dir = out_dir("csv_round_trip");
    let path = dir.join("indicators.csv");
    export::write_csv(&f.results, &path, false).unwrap();
    let table = read_csv(&path).unwrap();
    let df = f.results.indicators();
    let names: Vec<String> = df
        .get_column_names()
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert_eq!(table.header, names);
    assert_eq!(table.rows.len(), df.height());
    let mut checked = 0;
    for c in df.columns() {
        let name = c.name().as_str();
        match c.dtype() {
            DataType::Float64 => {
                for (i, v) in f64_column(df, name).into_iter().enumerate() {
                    let read = table.f64(i, name).unwrap();
                    assert_eq!(
                        read.map(f64::to_bits),
                        v.map(f64::to_bits),
                        "{name} row {i}"
                    );
                    checked += usize::from(v.is_some());
                }
            }
            DataType::String => {
                let ca = c.str().unwrap();
                for (i, v) in (0..ca.len()).map(|i| ca.get(i)).enumerate() {
                    assert_eq!(table.text(i, name), v, "{name} row {i}");
                }
            }
            _ => {
                let text = c.cast(&DataType::String).unwrap();
                let ca = text.str().unwrap();
                for (i, v) in (0..ca.len()).map(|i| ca.get(i)).enumerate() {
                    assert_eq!(table.text(i, name), v, "{name} row {i}");
                }
            }
        }
    }
    assert!(checked > 100, "only {checked} numbers checked");
    // The name with markup is quoted and read back intact.
    assert!(
        table
            .rows
            .iter()
            .any(|r| r[1].as_deref() == Some(TRICKY_NAME))
    );

    // polars reads the file back to the same floats too.
    let back = CsvReadOptions::default()
        .with_infer_schema_length(None)
        .try_into_reader_with_file_path(Some(path.clone()))
        .unwrap()
        .finish()
        .unwrap();
    for name in [
        "estimate",
        "se",
        "ci_low",
        "ci_high",
        "gap_p_value",
        "score",
    ] {
        let a = f64_column(df, name);
        let cast = back.column(name).unwrap().cast(&DataType::Float64).unwrap();
        let ca = cast.f64().unwrap();
        let b: Vec<Option<f64>> = (0..ca.len()).map(|i| ca.get(i)).collect();
        assert_eq!(
            a.iter().map(|x| x.map(f64::to_bits)).collect::<Vec<_>>(),
            b.iter().map(|x| x.map(f64::to_bits)).collect::<Vec<_>>(),
            "polars read of {name}"
        );
    }
}

#[test]
fn sdmx_csv_parses_back_into_the_values_of_indicators_csv() {
    let f = fixture();
    let dir = out_dir("sdmx");
    let written = export::write_all(&f.results, &dir).unwrap();
    let csv = read_csv(&written.csv).unwrap();
    let obs = read_sdmx_csv(&written.sdmx).unwrap();
    assert!(!obs.is_empty());
    let header = std::fs::read_to_string(&written.sdmx).unwrap();
    let header = header.lines().next().unwrap();
    assert!(
        header.starts_with("DATAFLOW,REF_AREA,INDICATOR,SEX,AGE,DISABILITY_STATUS,MIGRATORY_STATUS,TIME_PERIOD,OBS_VALUE,UNIT_MEASURE,OBS_STATUS,STANDARD_ERROR,LOWER_BOUND,UPPER_BOUND"),
        "{header}"
    );

    let dims = f.results.dimensions().to_vec();
    let mut matched = 0;
    let mut withheld = 0;
    for i in 0..csv.rows.len() {
        if csv.text(i, "kind") == Some("structural") {
            continue;
        }
        let indicator = sdmx::indicator_code(csv.text(i, "indicator_id").unwrap());
        let codes: Vec<(&str, String)> = sdmx::CORE_DIMENSIONS
            .iter()
            .map(|d| {
                let value = dims.contains(d).then(|| csv.text(i, d.as_str())).flatten();
                (sdmx::dimension_concept(*d), sdmx::dimension_code(*d, value))
            })
            .collect();
        let found: Vec<_> = obs
            .iter()
            .filter(|o| {
                o.dimension("INDICATOR") == Some(indicator.as_str())
                    && o.dimension("REF_AREA") == csv.text(i, "ref_area")
                    && Some(o.time_period.as_str()) == csv.text(i, "time_period")
                    && codes
                        .iter()
                        .all(|(c, v)| o.dimension(c) == Some(v.as_str()))
            })
            .collect();
        assert_eq!(found.len(), 1, "row {i}: {indicator} {codes:?}");
        let o = found[0];
        assert_eq!(o.dataflow, "HRI:DF_HRI_MIGRANTS(1.0)");
        assert_eq!(o.unit_measure.as_deref(), csv.text(i, "unit"));
        let published = csv.text(i, "published") == Some("true");
        if published && csv.text(i, "quality_flag").is_some() {
            for (csv_col, value) in [
                ("estimate", o.obs_value),
                ("se", o.standard_error),
                ("ci_low", o.lower_bound),
                ("ci_high", o.upper_bound),
            ] {
                let expected = csv.f64(i, csv_col).unwrap();
                assert_eq!(
                    value.map(f64::to_bits),
                    expected.map(f64::to_bits),
                    "row {i} {csv_col}"
                );
            }
            let status = o.obs_status.as_deref().unwrap();
            match csv.text(i, "quality_flag").unwrap() {
                "low" => assert_eq!(status, "U"),
                _ => assert_eq!(status, "A"),
            }
            matched += 1;
        } else {
            assert_eq!(
                o.obs_value, None,
                "withheld value written at line {}",
                o.line
            );
            assert_eq!(o.standard_error, None);
            assert!(
                matches!(o.obs_status.as_deref(), Some("Q" | "L" | "O")),
                "{:?}",
                o.obs_status
            );
            if csv.text(i, "quality_flag") == Some("suppressed") {
                assert_eq!(o.obs_status.as_deref(), Some("Q"));
                assert!(o.comment.is_some(), "suppressed figure says why");
            }
            withheld += 1;
        }
    }
    let non_structural = (0..csv.rows.len())
        .filter(|&i| csv.text(i, "kind") != Some("structural"))
        .count();
    assert_eq!(obs.len(), non_structural, "one observation per survey row");
    assert!(
        matched > 50 && withheld > 0,
        "matched {matched}, withheld {withheld}"
    );
}

#[test]
fn sdmx_withholds_unpublished_values_even_when_the_pipeline_kept_them() {
    let f = fixture();
    let design = Design::builder("w")
        .strata("stratum")
        .psu("psu")
        .build()
        .unwrap();
    let results = Pipeline::builder()
        .catalogue(f.catalogue.clone())
        .data(fixture_data(), design)
        .time_period("2020")
        .ref_area("MEX")
        .missing_columns(MissingColumns::Skip)
        .withhold(false)
        .build()
        .unwrap()
        .run()
        .unwrap();
    let kept = results
        .rows()
        .iter()
        .filter(|r| !r.published && r.estimate.is_some())
        .count();
    assert!(kept > 0, "the fixture needs unpublished values kept");
    let dir = out_dir("sdmx_withhold");
    let path = dir.join("x.sdmx.csv");
    export::write_sdmx_csv(&results, &path, &SdmxOptions::default(), false).unwrap();
    let obs = read_sdmx_csv(&path).unwrap();
    assert!(
        obs.iter()
            .filter(|o| o.obs_status.as_deref() == Some("Q"))
            .all(|o| o.obs_value.is_none() && o.lower_bound.is_none())
    );
    assert!(
        obs.iter()
            .filter(|o| o.obs_status.as_deref() == Some("Q"))
            .count()
            >= kept
    );
}

#[test]
fn writing_twice_gives_identical_bytes() {
    let f = fixture();
    let options = ExportOptions::new()
        .synthetic(true)
        .report(report_options());
    let a = export::write_all_with(&f.results, out_dir("determinism_a"), &options).unwrap();
    let b = export::write_all_with(&f.results, out_dir("determinism_b"), &options).unwrap();
    for (x, y) in a.paths().iter().zip(b.paths()) {
        let bx = std::fs::read(x).unwrap();
        let by = std::fs::read(y).unwrap();
        assert!(!bx.is_empty(), "{} is empty", x.display());
        assert!(bx == by, "{} and {} differ", x.display(), y.display());
    }
}

#[test]
fn json_is_valid_and_matches_the_table() {
    let f = fixture();
    let dir = out_dir("json");
    let path = dir.join("indicators.json");
    export::write_json(&f.results, &path, true).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    let value: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
    let array = value.as_array().expect("an array");
    let df = f.results.indicators();
    assert_eq!(array.len(), df.height());
    let estimates = f64_column(df, "estimate");
    for (i, obj) in array.iter().enumerate() {
        let obj = obj.as_object().expect("objects");
        assert_eq!(obj.len(), df.width() + 1, "every column plus `synthetic`");
        assert_eq!(obj["synthetic"], serde_json::Value::Bool(true));
        match estimates[i] {
            Some(x) => assert_eq!(
                obj["estimate"].as_f64().map(f64::to_bits),
                Some(x.to_bits())
            ),
            None => assert!(obj["estimate"].is_null()),
        }
        assert!(obj["published"].is_boolean());
    }
    // Keys come in column order.
    let first_line = text.lines().nth(1).unwrap();
    assert!(first_line.starts_with("{\"indicator_id\":"), "{first_line}");
}

#[test]
fn parquet_reads_back_the_same_table() {
    let f = fixture();
    let dir = out_dir("parquet");
    let path = dir.join("indicators.parquet");
    export::write_parquet(&f.results, &path, true).unwrap();
    let file = std::fs::File::open(&path).unwrap();
    let back = ParquetReader::new(file).finish().unwrap();
    let df = f.results.indicators();
    assert_eq!(back.height(), df.height());
    assert_eq!(back.width(), df.width() + 1);
    for name in ["estimate", "se", "gap_difference", "score"] {
        assert_eq!(f64_column(&back, name), f64_column(df, name), "{name}");
    }
    let flags = back.column("synthetic").unwrap().bool().unwrap().clone();
    assert!((0..flags.len()).all(|i| flags.get(i) == Some(true)));
}

#[test]
fn synthetic_label_reaches_every_file() {
    let f = fixture();
    let dir = out_dir("synthetic");
    let w =
        export::write_all_with(&f.results, &dir, &ExportOptions::new().synthetic(true)).unwrap();
    let csv = read_csv(&w.csv).unwrap();
    assert_eq!(csv.header.last().map(String::as_str), Some("synthetic"));
    let sdmx_text = std::fs::read_to_string(&w.sdmx).unwrap();
    assert!(sdmx_text.lines().next().unwrap().ends_with(",SYNTHETIC"));
    let html = std::fs::read_to_string(&w.report).unwrap();
    assert!(html.contains("class=\"banner synthetic\""));
    let parquet = std::fs::read(&w.parquet).unwrap();
    let needle = b"hri.synthetic";
    assert!(parquet.windows(needle.len()).any(|x| x == needle));
    // Without the flag, no label.
    let plain = export::write_all(&f.results, out_dir("not_synthetic")).unwrap();
    assert!(
        !read_csv(&plain.csv)
            .unwrap()
            .header
            .contains(&"synthetic".to_string())
    );
    assert!(
        !std::fs::read_to_string(&plain.report)
            .unwrap()
            .contains("class=\"banner synthetic\"")
    );
}

#[test]
fn bad_inputs_give_typed_errors_naming_the_place() {
    let f = fixture();
    let dir = out_dir("errors");
    // A directory that cannot be created (a file is in the way).
    let blocker = dir.join("blocker");
    std::fs::write(&blocker, b"x").unwrap();
    let err = export::write_all(&f.results, blocker.join("out")).unwrap_err();
    assert!(matches!(err, ExportError::Write { .. }), "{err}");
    assert!(err.to_string().contains("blocker"), "{err}");

    // A malformed dataflow id.
    let bad = SdmxOptions {
        agency: "HRI AGENCY".into(),
        ..SdmxOptions::default()
    };
    let err = export::write_sdmx_csv(&f.results, dir.join("x.csv"), &bad, false).unwrap_err();
    assert!(err.to_string().contains("sdmx.agency"), "{err}");

    // Malformed SDMX-CSV files.
    let p = dir.join("bad.sdmx.csv");
    std::fs::write(&p, "REF_AREA,TIME_PERIOD,OBS_VALUE\nMEX,2020,1\n").unwrap();
    let err = read_sdmx_csv(&p).unwrap_err();
    assert!(
        matches!(err, ExportError::MissingColumn { .. }) && err.to_string().contains("DATAFLOW"),
        "{err}"
    );
    std::fs::write(
        &p,
        "DATAFLOW,REF_AREA,TIME_PERIOD,OBS_VALUE\nA:B(1.0),MEX,2020,abc\n",
    )
    .unwrap();
    let err = read_sdmx_csv(&p).unwrap_err();
    assert!(
        err.to_string().contains("line 2") && err.to_string().contains("OBS_VALUE"),
        "{err}"
    );
    std::fs::write(
        &p,
        "DATAFLOW,REF_AREA,TIME_PERIOD,OBS_VALUE\nA:B(1.0),,2020,1\n",
    )
    .unwrap();
    let err = read_sdmx_csv(&p).unwrap_err();
    assert!(err.to_string().contains("REF_AREA"), "{err}");
    let err = read_sdmx_csv(dir.join("absent.csv")).unwrap_err();
    assert!(matches!(err, ExportError::Read { .. }), "{err}");

    // A frame with a column type the text writers do not handle.
    let df = df!("when" => [1i64]).unwrap();
    let df = df
        .lazy()
        .with_column(col("when").cast(DataType::Duration(TimeUnit::Milliseconds)))
        .collect()
        .unwrap();
    let err = export::frame_to_csv(&df).unwrap_err();
    assert!(err.to_string().contains("`when`"), "{err}");
    assert!(export::frame_to_json(&df).is_err());
}

#[test]
fn frame_writers_handle_every_plain_type() {
    let df = df!(
        "s" => [Some("a,b"), None, Some("")],
        "f" => [Some(0.1 + 0.2), None, Some(1e-300)],
        "g" => [Some(1.5f32), Some(-0.0f32), None],
        "i" => [Some(-3i32), None, Some(7)],
        "u" => [Some(3u64), Some(u64::MAX), None],
        "b" => [Some(true), None, Some(false)],
    )
    .unwrap();
    let csv = export::frame_to_csv(&df).unwrap();
    let table: CsvTable = {
        let dir = out_dir("frame_types");
        let p = dir.join("t.csv");
        std::fs::write(&p, &csv).unwrap();
        read_csv(&p).unwrap()
    };
    assert_eq!(table.rows[0][0].as_deref(), Some("a,b"));
    assert_eq!(table.rows[1][0], None);
    assert_eq!(table.rows[2][0].as_deref(), Some(""));
    assert_eq!(
        table.f64(0, "f").unwrap().map(f64::to_bits),
        Some((0.1 + 0.2f64).to_bits())
    );
    assert_eq!(table.f64(2, "f").unwrap(), Some(1e-300));
    assert_eq!(table.text(1, "u"), Some("18446744073709551615"));
    let json: serde_json::Value =
        serde_json::from_str(&export::frame_to_json(&df).unwrap()).unwrap();
    assert_eq!(json[0]["f"].as_f64(), Some(0.1 + 0.2));
    assert!(json[1]["s"].is_null());
    assert_eq!(json[2]["s"], serde_json::Value::String(String::new()));
    assert_eq!(json[1]["u"].as_u64(), Some(u64::MAX));
}

#[test]
fn dimension_codes_cover_the_derived_labels() {
    use hri::derive::MigratoryStatus;
    for status in MigratoryStatus::KNOWN {
        let code = sdmx::dimension_code(Dimension::MigratoryStatus, Some(status.as_str()));
        assert!(
            !code.is_empty() && code.chars().all(|c| c.is_ascii_uppercase() || c == '_'),
            "{code}"
        );
    }
    assert_eq!(
        sdmx::dimension_code(Dimension::MigratoryStatus, Some("native_born_citizen")),
        "NATIVE"
    );
}
