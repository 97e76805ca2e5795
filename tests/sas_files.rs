//! SAS transport files written by another tool: tests/data/sas/ holds two `.xpt` files
//! written by R's haven (versions 8 and 5, make_files.R) and the rows R reads back from
//! them (persons.csv); `hri::source` reads the same numbers and text from both.

use std::path::{Path, PathBuf};

use polars::prelude::*;

use hri::source::{CsvOptions, Format, read};

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/sas")
        .join(name)
}

/// R's rows: the header, then each row's fields as text (no field holds a comma).
fn r_rows() -> (Vec<String>, Vec<Vec<String>>) {
    let text = std::fs::read_to_string(data("persons.csv")).unwrap();
    let mut lines = text.lines();
    let unquote = |f: &str| f.trim_matches('"').to_string();
    let header = lines.next().unwrap().split(',').map(unquote).collect();
    let rows = lines.map(|l| l.split(',').map(unquote).collect()).collect();
    (header, rows)
}

#[test]
fn xpt_files_written_by_haven_read_back_with_rs_values() {
    let (header, rows) = r_rows();
    assert_eq!(rows.len(), 40);
    for file in ["persons.xpt", "persons_v5.xpt"] {
        let table = read(&data(file), &CsvOptions::default()).unwrap();
        assert_eq!(table.format, Format::Xpt);
        let df = &table.data;
        assert_eq!(df.height(), rows.len(), "{file}");
        let mut numbers = 0;
        for (j, name) in header.iter().enumerate() {
            let c = df
                .column(name)
                .unwrap_or_else(|_| panic!("{file}: no column {name}"));
            if name == "pais_nac" {
                let s = c.cast(&DataType::String).unwrap();
                for (i, v) in s.str().unwrap().iter().enumerate() {
                    let want = &rows[i][j];
                    // SAS has no missing text: R's empty string is an empty field.
                    assert_eq!(v.unwrap_or(""), want, "{file}: {name}, row {i}");
                }
                continue;
            }
            let f = c.cast(&DataType::Float64).unwrap();
            for (i, v) in f.f64().unwrap().iter().enumerate() {
                let want = &rows[i][j];
                if want.is_empty() {
                    assert_eq!(v, None, "{file}: {name}, row {i} should be missing");
                } else {
                    let want: f64 = want.parse().unwrap();
                    assert_eq!(v, Some(want), "{file}: {name}, row {i}");
                    numbers += 1;
                }
            }
        }
        assert_eq!(numbers, 40 * 6 - 3, "{file}");
    }
}
