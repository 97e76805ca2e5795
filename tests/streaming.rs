//! Streaming and partial sums on the command line: `hri estimate --stream always`, and
//! `hri partial` on four partitions + `hri merge`, give R's numbers (1e-9) and the one-file
//! table; files of different requests are refused with a typed error and exit status.

use std::path::{Path, PathBuf};

use polars::prelude::*;

use crate::cli::{case, check_csv_against_r, estimate_args, hri, hri_status, parse_csv};
use crate::reference::data_dir;

/// R reference cases whose designs and requests partial sums carry (Taylor designs with
/// strata, one- and two-stage clusters without a second-stage fpc, fpc, lonely-PSU
/// policies; means, totals, ratios, proportions with beta and xlogit intervals).
const CASES: [&str; 12] = [
    "strat-mean-api00-by-stype-awards",
    "strat-mean-api00-where-meals",
    "strat-ratio-api00-api99",
    "strat-total-enroll",
    "strat-prop-awards-beta-by-stype",
    "clus1-ratio-api00-api99-by-stype",
    "clus1-prop-ell0-beta",
    "clus1-prop-ell0-xlogit",
    "clus2wr-total-enroll-by-stype",
    "srs-mean-api00",
    "lonely-certainty-mean-api00",
    "lonely-adjust-mean-api00-by-stype",
];

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("hri-streaming-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Split a CSV file into `k` files by row number (row i into file i mod k).
fn split_csv(path: &Path, k: usize, dir: &Path) -> Vec<PathBuf> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    let mut parts = vec![format!("{header}\n"); k];
    for (i, l) in lines.enumerate() {
        parts[i % k].push_str(l);
        parts[i % k].push('\n');
    }
    parts
        .into_iter()
        .enumerate()
        .map(|(j, t)| {
            let p = dir.join(format!("part{j}.csv"));
            std::fs::write(&p, t).unwrap();
            p
        })
        .collect()
}

/// `args` with the value of `--data` replaced, the subcommand `estimate` by `sub`.
fn with_data(args: &[String], sub: &str, data: &Path) -> Vec<String> {
    let mut a = args.to_vec();
    a[0] = sub.to_string();
    let i = a.iter().position(|x| x == "--data").unwrap();
    a[i + 1] = data.display().to_string();
    a
}

#[test]
fn partial_and_merge_of_four_partitions_give_r_numbers() {
    let dir = temp_dir("r");
    let mut checked = 0;
    for id in CASES {
        let c = case(id);
        let args = estimate_args(&c, "csv");
        // streamed in batches of 17 rows
        let mut streamed = args.clone();
        streamed.extend([
            "--stream".into(),
            "always".into(),
            "--batch-rows".into(),
            "17".into(),
        ]);
        let (ok, out, err) = hri(&streamed);
        assert!(ok, "{id} streamed: {err}");
        checked += check_csv_against_r(id, &out, &c);
        // four partitions, summed apart, merged
        let data = data_dir().join(c["data"].as_str().unwrap());
        let case_dir = dir.join(id);
        std::fs::create_dir_all(&case_dir).unwrap();
        let mut sums = Vec::new();
        for (j, part) in split_csv(&data, 4, &case_dir).iter().enumerate() {
            let out_file = case_dir.join(format!("part{j}.sums.parquet"));
            let mut a = with_data(&args, "partial", part);
            a.extend(["--out".into(), out_file.display().to_string()]);
            let (ok, _, err) = hri(&a);
            assert!(ok, "{id} partial {j}: {err}");
            sums.push(out_file.display().to_string());
        }
        let mut m = vec!["merge".to_string()];
        m.extend(sums.iter().rev().cloned());
        let (ok, out, err) = hri(&m);
        assert!(ok, "{id} merge: {err}");
        checked += check_csv_against_r(id, &out, &c);
    }
    println!(
        "streaming and partial + merge: {} cases, {checked} numbers checked against R",
        CASES.len()
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Every number of two CSV tables agrees to `tol` relative (text fields exactly).
fn same_csv(a: &str, b: &str, tol: f64) {
    let (a, b) = (parse_csv(a), parse_csv(b));
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(&b) {
        assert_eq!(x.len(), y.len());
        for (k, v) in x {
            let w = &y[k];
            match (v.parse::<f64>(), w.parse::<f64>()) {
                (Ok(p), Ok(q)) => assert!(
                    p == q || (p - q).abs() <= tol * p.abs().max(q.abs()),
                    "{k}: {v} vs {w}"
                ),
                _ => assert_eq!(v, w, "{k}"),
            }
        }
    }
}

/// The pilot-style workload (64 strata, PSUs of about 25 persons): four Parquet partitions
/// through `hri partial` + `hri merge` equal `hri estimate` on the whole file to 1e-9
/// (estimates, se, intervals, df, counts), and streaming equals it to 1e-12; the merged
/// table is also written as JSON and Parquet.
#[test]
fn pilot_table_from_four_partitions_equals_the_whole_file() {
    let dir = temp_dir("pilot");
    let mut df = hri::synth::workload(30_000, 5).unwrap();
    let whole = dir.join("whole.parquet");
    ParquetWriter::new(std::fs::File::create(&whole).unwrap())
        .finish(&mut df)
        .unwrap();
    let mut parts = Vec::new();
    for k in 0..4u32 {
        // partitions by stratum (as offices split by region) and, within, by row
        let strata: Vec<Option<i32>> = df
            .column("stratum")
            .unwrap()
            .i32()
            .unwrap()
            .iter()
            .collect();
        let mask: BooleanChunked = strata
            .into_iter()
            .enumerate()
            .map(|(i, s)| {
                Some((s.unwrap_or(0) as u32 + u32::from((i as u32).is_multiple_of(3))) % 4 == k)
            })
            .collect();
        let p = dir.join(format!("part{k}.parquet"));
        ParquetWriter::new(std::fs::File::create(&p).unwrap())
            .finish(&mut df.filter(&mask).unwrap())
            .unwrap();
        parts.push(p);
    }
    let request = |data: &Path, sub: &str| -> Vec<String> {
        let mut a: Vec<String> = [
            sub,
            "--data",
            &data.display().to_string(),
            "--stat",
            "proportion",
            "--condition",
            "unemployed = 1",
            "--where",
            "in_labour_force = 1",
            "--weight",
            "weight",
            "--strata",
            "stratum",
            "--psu",
            "psu",
            "--by",
            "born_abroad",
            "--by",
            "sex",
            "--by",
            "age_group",
            "--by",
            "disability",
            "--by",
            "born_abroad,sex",
            "--by",
            "born_abroad,age_group",
            "--by",
            "born_abroad,disability",
            "--overall",
            "--ci",
            "beta",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        if sub == "partial" {
            a.extend([
                "--out".into(),
                data.with_extension("sums.parquet").display().to_string(),
            ]);
        }
        a
    };
    let (ok, in_memory, err) = hri(&request(&whole, "estimate"));
    assert!(ok, "{err}");
    let mut streamed_args = request(&whole, "estimate");
    streamed_args.extend([
        "--stream".into(),
        "always".into(),
        "--batch-rows".into(),
        "4096".into(),
    ]);
    let (ok, streamed, err) = hri(&streamed_args);
    assert!(ok, "{err}");
    same_csv(&streamed, &in_memory, 1e-12);
    let mut merge = vec!["merge".to_string()];
    for p in &parts {
        let (ok, _, err) = hri(&request(p, "partial"));
        assert!(ok, "{err}");
        merge.push(p.with_extension("sums.parquet").display().to_string());
    }
    let (ok, merged, err) = hri(&merge);
    assert!(ok, "{err}");
    same_csv(&merged, &in_memory, 1e-9);
    assert_eq!(parse_csv(&merged).len(), 27);
    // JSON and Parquet outputs of the same table
    let mut json = merge.clone();
    json.extend(["--format".into(), "json".into()]);
    let (ok, text, err) = hri(&json);
    assert!(ok, "{err}");
    let rows: Vec<serde_json::Value> = serde_json::from_str(&text).unwrap();
    assert_eq!(rows.len(), 27);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_hri"))
        .args(
            merge
                .iter()
                .chain(["--format".to_string(), "parquet".to_string()].iter()),
        )
        .output()
        .unwrap();
    assert!(out.status.success());
    let table = ParquetReader::new(std::io::Cursor::new(out.stdout))
        .finish()
        .unwrap();
    assert_eq!(table.height(), 27);
    assert!(table.column("se").unwrap().f64().is_ok());
    let _ = std::fs::remove_dir_all(&dir);
}

/// Merging sums of different requests, or a file that is not partial sums, fails with
/// exit status 3 naming the file and what differs; a request partial sums cannot carry
/// (quantiles) fails with status 2 before reading.
#[test]
fn mismatched_partials_are_refused() {
    let dir = temp_dir("mismatch");
    let c = case("strat-mean-api00-by-stype-awards");
    let args = estimate_args(&c, "csv");
    let data = data_dir().join(c["data"].as_str().unwrap());
    let mut a = with_data(&args, "partial", &data);
    let first = dir.join("a.parquet");
    a.extend(["--out".into(), first.display().to_string()]);
    assert!(hri(&a).0);
    let mut b = with_data(&args, "partial", &data);
    b.extend(["--where".into(), "api00 > 500".into()]);
    let second = dir.join("b.parquet");
    b.extend(["--out".into(), second.display().to_string()]);
    assert!(hri(&b).0, "{}", hri(&b).2);
    let (status, err) = hri_status(&[
        "merge".into(),
        first.display().to_string(),
        second.display().to_string(),
    ]);
    assert_eq!(status, Some(3), "{err}");
    assert!(
        err.contains("b.parquet") && err.contains("different request"),
        "{err}"
    );
    let (status, err) = hri_status(&["merge".into(), data.display().to_string()]);
    assert_eq!(status, Some(3), "{err}");
    let mut q = with_data(&args, "partial", &data);
    let i = q.iter().position(|x| x == "--stat").unwrap();
    q[i + 1] = "quantile".into();
    q.extend([
        "--probs".into(),
        "0.5".into(),
        "--out".into(),
        dir.join("q.parquet").display().to_string(),
    ]);
    let (status, err) = hri_status(&q);
    assert_eq!(status, Some(2), "{err}");
    assert!(err.contains("quantile"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}
