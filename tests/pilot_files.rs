//! The pilots' round files: written as an office delivers them (raw codes, value labels),
//! read back by `hri::source` with the same codes and labels; the pilot run through its
//! project file gives the in-memory table; the files are reused when up to date; a corrupt
//! round file stops the run with a typed error naming it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use polars::prelude::*;

use hri::pilot::{Country, PilotError, PilotOptions, in_memory, round_files, run};
use hri::project::ProjectError;
use hri::source::{CsvOptions, SourceError, TextEncoding, read};
use hri::synth::{
    Delivery, Round, ValueLabels, mexico_delivery_frame, mexico_round, mexico_value_labels,
    tunisia_delivery_frame, tunisia_round, tunisia_value_labels, write_delivery,
};

const SEED: u64 = 20_261_128;

fn tmp(name: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("hri-tests")
        .join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Every column of `written` is in `read` with the same values (numbers compared as
/// numbers, whatever integer width the file chose; text as text; nulls as nulls).
fn assert_same_values(written: &DataFrame, read: &DataFrame, file: &str) {
    assert_eq!(written.height(), read.height(), "{file}: rows");
    for c in written.columns() {
        let name = c.name().as_str();
        let r = read
            .column(name)
            .unwrap_or_else(|_| panic!("{file}: no column {name}"));
        if c.dtype().is_primitive_numeric() {
            let a = c.cast(&DataType::Float64).unwrap();
            let b = r.cast(&DataType::Float64).unwrap();
            let (a, b) = (a.f64().unwrap(), b.f64().unwrap());
            let mut checked = 0;
            for (i, (x, y)) in a.iter().zip(b.iter()).enumerate() {
                assert_eq!(x, y, "{file}: {name}, row {i}");
                checked += usize::from(x.is_some());
            }
            assert!(
                checked > 0 || a.null_count() == a.len(),
                "{file}: {name} compared nothing"
            );
        } else {
            let a = c.cast(&DataType::String).unwrap();
            let b = r.cast(&DataType::String).unwrap();
            for (i, (x, y)) in a
                .str()
                .unwrap()
                .iter()
                .zip(b.str().unwrap().iter())
                .enumerate()
            {
                assert_eq!(x, y, "{file}: {name}, row {i}");
            }
        }
    }
}

/// The value labels of every labelled column present in the file, as the reader keys them.
fn assert_same_labels(labels: &ValueLabels, table: &hri::source::Table, file: &str) {
    let mut checked = 0;
    for (column, map) in labels {
        if table.data.column(column).is_err() {
            continue;
        }
        let want: BTreeMap<String, String> = map
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect();
        let got = table
            .value_labels(column)
            .unwrap_or_else(|| panic!("{file}: no value labels on {column}"));
        assert_eq!(got, &want, "{file}: labels of {column}");
        checked += 1;
    }
    assert!(checked >= 10, "{file}: only {checked} labelled columns");
}

#[test]
fn mexico_round_files_read_back_with_their_codes_and_labels() {
    let dir = tmp("pilot-files-mexico");
    let raw = mexico_round(2_000, Round::Y2020, SEED).unwrap();

    let dta = mexico_delivery_frame(&raw, false).unwrap();
    let path = dir.join("enoe_2020.dta");
    write_delivery(&dta, &mexico_value_labels(), Delivery::Stata, &path).unwrap();
    let table = read(&path, &CsvOptions::default()).unwrap();
    assert_same_values(&dta, &table.data, "enoe_2020.dta");
    assert_same_labels(&mexico_value_labels(), &table, "enoe_2020.dta");
    assert_eq!(
        table
            .value_labels("sex")
            .unwrap()
            .get("2")
            .map(String::as_str),
        Some("Mujer")
    );
    // Codes stay codes: sex holds 1 and 2, the WG answers 1 to 4.
    let sex = table
        .data
        .column("sex")
        .unwrap()
        .cast(&DataType::Int32)
        .unwrap();
    assert_eq!(sex.i32().unwrap().min(), Some(1));
    assert_eq!(sex.i32().unwrap().max(), Some(2));
    let wg = table
        .data
        .column("dis_ver")
        .unwrap()
        .cast(&DataType::Int32)
        .unwrap();
    assert_eq!(wg.i32().unwrap().max(), Some(4));

    let csv = mexico_delivery_frame(&raw, true).unwrap();
    let path = dir.join("enoe_2015.csv");
    let delivery = Delivery::Csv {
        separator: b';',
        decimal_comma: true,
        latin1: true,
    };
    write_delivery(&csv, &mexico_value_labels(), delivery, &path).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    // Latin-1: "México" has its ó as the single byte 0xF3, so the file is not UTF-8, and
    // weights are written with decimal commas.
    assert!(std::str::from_utf8(&bytes).is_err());
    assert!(bytes.windows(6).any(|w| w == b"M\xe9xico"));
    let options = CsvOptions {
        separator: ";".into(),
        decimal_comma: true,
        encoding: TextEncoding::Latin1,
        missing: Vec::new(),
    };
    let table = read(&path, &options).unwrap();
    assert_same_values(&csv, &table.data, "enoe_2015.csv");
    let names = table.data.column("nom_ent").unwrap();
    assert!(names.str().unwrap().iter().any(|n| n == Some("Nuevo León")));
}

#[test]
fn tunisia_round_files_read_back_with_their_codes_and_labels() {
    let dir = tmp("pilot-files-tunisia");
    let raw = tunisia_round(600, Round::Y2020, SEED).unwrap();
    let df = tunisia_delivery_frame(&raw).unwrap();

    let path = dir.join("hims_2020.sav");
    write_delivery(&df, &tunisia_value_labels(), Delivery::Spss, &path).unwrap();
    let table = read(&path, &CsvOptions::default()).unwrap();
    assert_same_values(&df, &table.data, "hims_2020.sav");
    assert_same_labels(&tunisia_value_labels(), &table, "hims_2020.sav");
    // The status is a code, its group named by the label and by the generator's text.
    let codes = table.data.column("migrant_status").unwrap();
    let text = raw.column("migrant_status").unwrap();
    let codes = codes.cast(&DataType::Int32).unwrap();
    for (code, group) in codes.i32().unwrap().iter().zip(text.str().unwrap().iter()) {
        let want = hri::synth::TUNISIA_MIGRANT_STATUS_CODES
            .iter()
            .find(|(_, g)| Some(*g) == group)
            .map(|(c, _)| *c);
        assert_eq!(code, want);
    }

    let path = dir.join("hims_2015.csv");
    let delivery = Delivery::Csv {
        separator: b',',
        decimal_comma: false,
        latin1: false,
    };
    write_delivery(&df, &tunisia_value_labels(), delivery, &path).unwrap();
    let table = read(&path, &CsvOptions::default()).unwrap();
    assert_same_values(&df, &table.data, "hims_2015.csv");
}

/// Two indicator tables are the same: same columns and rows, text equal, numbers within
/// 1e-12 (relative to their size, at least 1).
fn assert_same_table(a: &DataFrame, b: &DataFrame, what: &str) {
    assert_eq!(a.shape(), b.shape(), "{what}: shape");
    assert_eq!(
        a.get_column_names(),
        b.get_column_names(),
        "{what}: columns"
    );
    let mut numbers = 0;
    for (x, y) in a.columns().iter().zip(b.columns()) {
        let name = x.name();
        if x.dtype().is_float() {
            let (p, q) = (x.f64().unwrap(), y.f64().unwrap());
            for (i, (u, v)) in p.iter().zip(q.iter()).enumerate() {
                match (u, v) {
                    (Some(u), Some(v)) if u.is_nan() && v.is_nan() => {}
                    (Some(u), Some(v)) => {
                        assert!(
                            (u - v).abs() <= 1e-12 * u.abs().max(1.0),
                            "{what}: {name}, row {i}: {u} vs {v}"
                        );
                        numbers += 1;
                    }
                    (u, v) => assert_eq!(u, v, "{what}: {name}, row {i}"),
                }
            }
        } else {
            assert!(x == y, "{what}: column {name} differs");
        }
    }
    assert!(numbers > 1_000, "{what}: only {numbers} numbers compared");
}

fn through_project_equals_in_memory(country: Country, size: usize) {
    let mut o = PilotOptions::new(country);
    o.size = Some(size);
    o.out_dir = None;
    o.work_dir = tmp(&format!("pilot-files-equal-{}", country.name()));
    let r = run(&o).unwrap_or_else(|e| panic!("{country:?}: {e}"));
    assert!(r.files.generated);
    let (earlier, later) = in_memory(country, size, o.seed).unwrap();
    assert_same_table(
        r.earlier.indicators(),
        earlier.indicators(),
        &format!("{country:?} 2015"),
    );
    assert_same_table(
        r.results.indicators(),
        later.indicators(),
        &format!("{country:?} 2020"),
    );
    assert_eq!(
        r.results.meta().previous_time_period.as_deref(),
        Some("2015")
    );
}

#[test]
fn mexico_pilot_through_its_project_file_equals_the_in_memory_table() {
    through_project_equals_in_memory(Country::Mexico, 6_000);
}

#[test]
fn tunisia_pilot_through_its_project_file_equals_the_in_memory_table() {
    through_project_equals_in_memory(Country::Tunisia, 1_500);
}

#[test]
fn round_files_are_reused_when_up_to_date_and_written_again_otherwise() {
    let work = tmp("pilot-files-reuse");
    let first = round_files(Country::Tunisia, 600, SEED, &work).unwrap();
    assert!(first.generated);
    let before = std::fs::read(&first.rounds[1]).unwrap();
    let again = round_files(Country::Tunisia, 600, SEED, &work).unwrap();
    assert!(!again.generated, "up-to-date files were written again");
    let other_seed = round_files(Country::Tunisia, 600, SEED + 1, &work).unwrap();
    assert!(other_seed.generated, "a new seed reused the old files");
    assert_ne!(std::fs::read(&other_seed.rounds[1]).unwrap(), before);
    // A file whose size changed is written again.
    std::fs::write(&other_seed.rounds[0], b"year\n2015\n").unwrap();
    assert!(
        round_files(Country::Tunisia, 600, SEED + 1, &work)
            .unwrap()
            .generated
    );
}

#[test]
fn a_corrupt_round_file_stops_the_pilot_with_an_error_naming_it() {
    let work = tmp("pilot-files-corrupt");
    let files = round_files(Country::Mexico, 2_000, SEED, &work).unwrap();
    // The Stata signature overwritten (same size, so the stamp still says up to date).
    let dta = &files.rounds[1];
    let mut bytes = std::fs::read(dta).unwrap();
    bytes[..11].copy_from_slice(b"not a stata");
    std::fs::write(dta, &bytes).unwrap();
    let mut o = PilotOptions::new(Country::Mexico);
    o.size = Some(2_000);
    o.out_dir = None;
    o.work_dir = work.clone();
    let e = run(&o).unwrap_err();
    match &e {
        PilotError::Project(p) => match p.as_ref() {
            ProjectError::Source(SourceError::NotItsExtension { path, .. }) => {
                assert_eq!(path, dta)
            }
            other => panic!("unexpected error: {other:?}"),
        },
        other => panic!("unexpected error: {other:?}"),
    }
    assert!(e.to_string().contains("enoe_2020.dta"), "{e}");

    // A truncated SPSS file, run through the project as `hri run` would.
    let work = tmp("pilot-files-truncated");
    let files = round_files(Country::Tunisia, 600, SEED, &work).unwrap();
    let sav = &files.rounds[1];
    let bytes = std::fs::read(sav).unwrap();
    std::fs::write(sav, &bytes[..bytes.len() / 2]).unwrap();
    let project = hri::pilot::project(Country::Tunisia, &work).unwrap();
    let e = hri::project::run_with(&project, false, |_| {}).unwrap_err();
    match &e {
        ProjectError::Source(SourceError::Read { path, .. }) => assert_eq!(path, sav),
        other => panic!("unexpected error: {other:?}"),
    }
    assert!(e.to_string().contains("hims_2020.sav"), "{e}");
}
