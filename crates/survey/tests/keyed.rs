//! Partial sums keyed by labels (`KeyedSums`): batches of a stream and partitions merged
//! give the in-memory table; requests and designs they cannot carry, and sums of different
//! requests or designs, are refused with a typed error.

use hri_survey::Error;
use hri_survey::design::{Design, LonelyPsu, ReplicateColumns, ReplicateKind, Replicates};
use hri_survey::estimate::{CiMethod, EstimateRow, Estimates, KeyedSums, Request, Survey};
use polars::prelude::*;
use proptest::prelude::*;

/// Relative closeness of two optional numbers (`None` only with `None`), on the scale of
/// the larger or of `floor` (a standard error of 0 computed as 1e-13 of its estimate).
fn close(a: Option<f64>, b: Option<f64>, tol: f64, floor: f64) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(a), Some(b)) => {
            a == b || (a - b).abs() <= tol * a.abs().max(b.abs()).max(floor).max(1e-300)
        }
        _ => false,
    }
}

/// A number of an estimate row.
type Field = fn(&EstimateRow) -> Option<f64>;

/// Every number and label of two tables agrees (numbers to `tol` relative).
pub fn same_table(a: &Estimates, b: &Estimates, tol: f64) -> Result<(), String> {
    if a.rows.len() != b.rows.len() {
        return Err(format!("{} rows vs {}", a.rows.len(), b.rows.len()));
    }
    if a.missing_group != b.missing_group || a.by_columns != b.by_columns {
        return Err("different by-columns or missing-group counts".into());
    }
    for (x, y) in a.rows.iter().zip(&b.rows) {
        let what = |f: &str| format!("{} {:?} {f}: {x:?} vs {y:?}", x.measure, x.groups);
        if (&x.measure, &x.groups, x.n, x.rows_in_group, x.n_universe)
            != (&y.measure, &y.groups, y.n, y.rows_in_group, y.n_universe)
        {
            return Err(what("labels or counts"));
        }
        let pairs: [(&str, Field); 8] = [
            ("estimate", |r| r.estimate),
            ("se", |r| r.se),
            ("ci_low", |r| r.ci_low),
            ("ci_high", |r| r.ci_high),
            ("df", |r| r.df),
            ("cv", |r| r.cv),
            ("deff", |r| r.deff),
            ("pop", |r| Some(r.pop)),
        ];
        let scale = x.estimate.map_or(0.0, f64::abs);
        for (name, f) in pairs {
            let floor = match name {
                "se" | "ci_low" | "ci_high" => scale,
                "cv" | "deff" => 1.0,
                _ => 0.0,
            };
            if !close(f(x), f(y), tol, floor) {
                return Err(what(name));
            }
        }
    }
    Ok(())
}

/// A stratified cluster sample: `strata` strata of `psus` PSUs of about `size` rows, with
/// text and integer groups, a variable with missing values, a denominator and an fpc.
pub fn sample(strata: usize, psus: usize, size: usize, seed: u64) -> DataFrame {
    let mut state = seed
        .wrapping_mul(2862933555777941757)
        .wrapping_add(3037000493);
    let mut next = move |k: u64| {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 33) % k
    };
    let (mut h, mut p, mut w, mut y, mut x, mut g, mut sex, mut f, mut fpc) = (
        vec![],
        vec![],
        vec![],
        vec![],
        vec![],
        vec![],
        vec![],
        vec![],
        vec![],
    );
    for s in 0..strata {
        for j in 0..psus {
            let n = size / 2 + next(size as u64) as usize + 1;
            for _ in 0..n {
                h.push(s as i32 + 1);
                p.push((s * 1000 + j) as i64);
                w.push(10.0 + next(400) as f64 / 4.0);
                y.push((next(10) > 0).then(|| next(10_000) as f64 / 7.0));
                x.push(1.0 + next(9) as f64);
                g.push(["north", "south", "east"][next(3) as usize].to_string());
                sex.push((next(8) > 0).then(|| 1 + next(2) as i32));
                f.push(next(3) as i32);
                fpc.push((psus * (4 + s)) as f64);
            }
        }
    }
    df!(
        "stratum" => h, "psu" => p, "w" => w, "y" => y, "x" => x, "region" => g,
        "sex" => sex, "f" => f, "N" => fpc,
    )
    .unwrap()
}

fn design() -> Design {
    Design::builder("w")
        .strata("stratum")
        .psu("psu")
        .fpc(["N"])
        .build()
        .unwrap()
}

fn request() -> Request {
    Request::new()
        .mean("y")
        .total("y")
        .ratio("y", "x")
        .proportion("f = 1")
        .measure(
            "pu",
            hri_survey::Statistic::Proportion {
                condition: "f = 2".into(),
            },
            Some("y > 100"),
        )
        .overall()
        .by(["region"])
        .by(["sex"])
        .by(["region", "sex"])
        .ci(CiMethod::Beta)
}

/// Keyed sums of contiguous batches cut at `cuts` (row numbers, increasing).
fn in_batches(df: &DataFrame, cuts: &[usize], req: &Request, d: &Design) -> KeyedSums {
    let mut sums = KeyedSums::new(req, d).unwrap();
    let mut from = 0;
    for &to in cuts.iter().chain(std::iter::once(&df.height())) {
        sums.add(&df.slice(from as i64, to - from), from as u64)
            .unwrap();
        from = to;
    }
    sums
}

/// Batches of a stream give the in-memory table to 1e-12 (estimates, se, intervals, df,
/// design effects), in the same row order.
#[test]
fn batches_equal_in_memory() {
    let df = sample(6, 5, 12, 7);
    let req = request();
    let whole = Survey::new(df.clone(), design())
        .unwrap()
        .estimate(&req)
        .unwrap();
    let n = df.height();
    for cuts in [vec![], vec![n / 2], vec![1, 37, n / 3, n / 3 + 1, n - 1]] {
        let streamed = in_batches(&df, &cuts, &req, &design()).finish().unwrap();
        same_table(&streamed, &whole, 1e-12).unwrap();
    }
}

/// Four partitions of rows (not contiguous: each PSU spread over several), accumulated
/// apart and merged in any order, equal the one-pass table to 1e-12.
#[test]
fn four_partitions_merge_to_the_whole() {
    let df = sample(8, 4, 20, 11);
    let req = request();
    let d = Design::builder("w")
        .strata("stratum")
        .psu("psu")
        .nest(true)
        .lonely_psu(LonelyPsu::Adjust)
        .build()
        .unwrap();
    let whole = Survey::new(df.clone(), d.clone())
        .unwrap()
        .estimate(&req)
        .unwrap();
    let part = |k: u32| {
        let mask: BooleanChunked = (0..df.height() as u32)
            .map(|i| Some((i.wrapping_mul(2654435761) >> 7) % 4 == k))
            .collect();
        let mut s = KeyedSums::new(&req, &d).unwrap();
        s.add(&df.filter(&mask).unwrap(), 0).unwrap();
        s
    };
    let mut merged = part(3);
    for k in [1, 0, 2] {
        merged.merge(part(k)).unwrap();
    }
    same_table(&merged.finish().unwrap(), &whole, 1e-12).unwrap();
}

/// Sums of different requests or designs are refused, naming the source and the field.
#[test]
fn mismatched_sums_are_refused() {
    let df = sample(3, 3, 5, 1);
    let mut a = KeyedSums::new(&request(), &design())
        .unwrap()
        .with_source("a.parquet");
    a.add(&df, 0).unwrap();
    let other_request = KeyedSums::new(&request().mean("x"), &design())
        .unwrap()
        .with_source("b.parquet");
    match a.merge(other_request) {
        Err(Error::PartialMismatch { file, first, field }) => {
            assert_eq!(
                (file.as_str(), first.as_str(), field.as_str()),
                ("b.parquet", "a.parquet", "request")
            );
        }
        other => panic!("expected a mismatch, got {other:?}"),
    }
    let other_design = Design::builder("w")
        .strata("stratum")
        .psu("psu")
        .build()
        .unwrap();
    let b = KeyedSums::new(&request(), &other_design).unwrap();
    assert!(matches!(
        a.merge(b),
        Err(Error::PartialMismatch { field, .. }) if field == "design"
    ));
}

/// What keyed sums cannot carry is refused up front with [`Error::NotMergeable`].
#[test]
fn what_needs_the_rows_is_refused() {
    let refused = |req: &Request, d: &Design| {
        matches!(KeyedSums::new(req, d), Err(Error::NotMergeable { .. }))
    };
    assert!(refused(
        &Request::new().quantile("y", &[0.5]).overall(),
        &design()
    ));
    assert!(refused(&request().ci(CiMethod::Logit), &design()));
    let average = Design::builder("w")
        .strata("stratum")
        .psu("psu")
        .lonely_psu(LonelyPsu::Average)
        .build()
        .unwrap();
    assert!(refused(&request(), &average));
    let rep = Design::builder("w")
        .replicates(Replicates {
            kind: ReplicateKind::Jk1,
            columns: ReplicateColumns::Prefix("rw".into()),
            scale: None,
            rscales: None,
            mse: false,
            df: None,
        })
        .build()
        .unwrap();
    assert!(refused(&request(), &rep));
}

/// A PSU met in two strata in different batches, a bad weight in a later batch, and a
/// lonely PSU of the whole data are errors naming the place (rows numbered in the stream).
#[test]
fn errors_name_the_place_across_batches() {
    let df = sample(3, 3, 5, 2);
    let n = df.height();
    let mut bad = df.clone();
    let mut strata: Vec<i32> = df
        .column("stratum")
        .unwrap()
        .i32()
        .unwrap()
        .into_no_null_iter()
        .collect();
    strata[n - 1] = 1;
    bad.with_column(Column::new("stratum".into(), strata))
        .unwrap();
    let mut s = KeyedSums::new(&request(), &design()).unwrap();
    s.add(&bad.slice(0, n / 2), 0).unwrap();
    assert!(matches!(
        s.add(&bad.slice((n / 2) as i64, n - n / 2), (n / 2) as u64),
        Err(Error::PsuNotNested { .. })
    ));
    let mut w: Vec<f64> = df
        .column("w")
        .unwrap()
        .f64()
        .unwrap()
        .into_no_null_iter()
        .collect();
    w[n - 2] = -1.0;
    let mut bad = df.clone();
    bad.with_column(Column::new("w".into(), w)).unwrap();
    let mut s = KeyedSums::new(&request(), &design()).unwrap();
    s.add(&bad.slice(0, n / 2), 0).unwrap();
    match s.add(&bad.slice((n / 2) as i64, n - n / 2), (n / 2) as u64) {
        Err(Error::InvalidWeight { row, .. }) => assert_eq!(row, n - 2),
        other => panic!("expected an invalid weight, got {other:?}"),
    }
    // one PSU in stratum 9, split over two batches: lonely in the whole data only
    let lonely = df!("stratum" => [1, 1, 9, 9], "psu" => [1, 2, 3, 3], "w" => [1.0, 2.0, 3.0, 4.0],
        "y" => [1.0, 2.0, 3.0, 4.0])
    .unwrap();
    let d = Design::builder("w")
        .strata("stratum")
        .psu("psu")
        .build()
        .unwrap();
    let req = Request::new().mean("y").overall();
    let mut s = KeyedSums::new(&req, &d).unwrap();
    s.add(&lonely.slice(0, 3), 0).unwrap();
    s.add(&lonely.slice(3, 1), 3).unwrap();
    assert!(matches!(s.finish(), Err(Error::LonelyPsu { stratum, .. }) if stratum == "9"));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]
    /// Splitting the rows into random contiguous batches, or random partitions merged in
    /// a random order, does not change the table (1e-12 relative).
    #[test]
    fn random_batches_change_nothing(
        seed in any::<u64>(),
        strata in 1usize..5,
        psus in 2usize..5,
        cuts in prop::collection::vec(0.0..1.0f64, 0..6),
        parts in 2u64..6,
    ) {
        let df = sample(strata, psus, 6, seed);
        let n = df.height();
        let req = request();
        let d = Design::builder("w").strata("stratum").psu("psu").fpc(["N"]).lonely_psu(LonelyPsu::Certainty).build().unwrap();
        let whole = Survey::new(df.clone(), d.clone()).unwrap().estimate(&req).unwrap();
        let mut cuts: Vec<usize> = cuts.iter().map(|c| (c * n as f64) as usize).collect();
        cuts.sort();
        let streamed = in_batches(&df, &cuts, &req, &d).finish().unwrap();
        prop_assert!(same_table(&streamed, &whole, 1e-12).is_ok(), "{:?}", same_table(&streamed, &whole, 1e-12));
        let mut merged: Option<KeyedSums> = None;
        for k in 0..parts {
            let mask: BooleanChunked = (0..n as u64)
                .map(|i| Some(((i ^ seed).wrapping_mul(0x9E3779B97F4A7C15) >> 40) % parts == k))
                .collect();
            let mut s = KeyedSums::new(&req, &d).unwrap();
            s.add(&df.filter(&mask).unwrap(), 0).unwrap();
            match &mut merged {
                None => merged = Some(s),
                Some(m) => m.merge(s).unwrap(),
            }
        }
        let merged = merged.unwrap().finish().unwrap();
        prop_assert!(same_table(&merged, &whole, 1e-12).is_ok(), "{:?}", same_table(&merged, &whole, 1e-12));
    }
}

/// A fresh temporary directory for one test.
fn temp_dir(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("hri-survey-keyed-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// A Parquet and a CSV file read in batches by polars' streaming engine give the
/// in-memory table to 1e-12; the file's columns not used are not read.
#[test]
fn streamed_files_equal_in_memory() {
    let dir = temp_dir("stream");
    let mut df = sample(5, 4, 30, 3);
    let n = df.height();
    df.with_column(Column::new("unused".into(), vec!["x"; n]))
        .unwrap();
    let req = request();
    let whole = Survey::new(df.clone(), design())
        .unwrap()
        .estimate(&req)
        .unwrap();
    let pq = dir.join("s.parquet");
    ParquetWriter::new(std::fs::File::create(&pq).unwrap())
        .with_row_group_size(Some(97))
        .finish(&mut df.clone())
        .unwrap();
    let csv = dir.join("s.csv");
    CsvWriter::new(std::fs::File::create(&csv).unwrap())
        .finish(&mut df.clone())
        .unwrap();
    for path in [&pq, &csv] {
        for batch in [1, 50, 1000, 1 << 20] {
            let t = hri_survey::stream::estimate_file(path, &req, &design(), batch).unwrap();
            same_table(&t, &whole, 1e-12)
                .unwrap_or_else(|e| panic!("{} batch {batch}: {e}", path.display()));
        }
    }
    // rows in random order (strata complete only at the end), and a design with nested
    // PSU ids and lonely PSUs adjusted: the same table
    let order: Vec<IdxSize> = (0..n as IdxSize)
        .map(|i| (i * 7919) % n as IdxSize)
        .collect();
    let mut shuffled = df.take(&IdxCa::from_vec("i".into(), order)).unwrap();
    let shuffled_path = dir.join("shuffled.parquet");
    ParquetWriter::new(std::fs::File::create(&shuffled_path).unwrap())
        .finish(&mut shuffled)
        .unwrap();
    let nested = Design::builder("w")
        .strata("stratum")
        .psu("f")
        .nest(true)
        .lonely_psu(LonelyPsu::Adjust)
        .build()
        .unwrap();
    let whole_nested = Survey::new(df.clone(), nested.clone())
        .unwrap()
        .estimate(&req)
        .unwrap();
    for path in [&pq, &shuffled_path] {
        let t = hri_survey::stream::estimate_file(path, &req, &nested, 333).unwrap();
        same_table(&t, &whole_nested, 1e-12).unwrap();
        let t = hri_survey::stream::estimate_file(path, &req, &design(), 333).unwrap();
        same_table(&t, &whole, 1e-12).unwrap();
    }
    let cols = hri_survey::estimate::request_columns(&req, &design()).unwrap();
    assert!(!cols.contains(&"unused".to_string()));
    // an unknown column names it
    let bad = Request::new().mean("nope").overall();
    assert!(matches!(
        hri_survey::stream::estimate_file(&pq, &bad, &design(), 100),
        Err(Error::UnknownColumn { column, .. }) if column == "nope"
    ));
    let _ = std::fs::remove_dir_all(&dir);
}

/// Partial sums written to files by partition, read back and merged, equal the one-pass
/// table to 1e-12; a file of another version or another request is refused.
#[test]
fn partial_files_merge_to_the_whole() {
    let dir = temp_dir("files");
    let df = sample(6, 4, 25, 5);
    let req = request();
    let whole = Survey::new(df.clone(), design())
        .unwrap()
        .estimate(&req)
        .unwrap();
    let n = df.height();
    let mut paths = Vec::new();
    for k in 0..4 {
        let mask: BooleanChunked = (0..n as u64)
            .map(|i| Some((i * 7 + i / 5) % 4 == k))
            .collect();
        let mut s = KeyedSums::new(&req, &design()).unwrap();
        s.add(&df.filter(&mask).unwrap(), 0).unwrap();
        let p = dir.join(format!("part{k}.parquet"));
        hri_survey::partial_file::write(&mut s, &p).unwrap();
        paths.push(p);
    }
    let merged = hri_survey::partial_file::merge_files(&paths).unwrap();
    assert_eq!(merged.rows(), n as u64);
    same_table(&merged.finish().unwrap(), &whole, 1e-12).unwrap();
    // another request
    let mut other = KeyedSums::new(&request().mean("x"), &design()).unwrap();
    other.add(&df, 0).unwrap();
    let other_path = dir.join("other.parquet");
    hri_survey::partial_file::write(&mut other, &other_path).unwrap();
    let mut mixed = paths.clone();
    mixed.push(other_path.clone());
    match hri_survey::partial_file::merge_files(&mixed) {
        Err(Error::PartialMismatch { file, field, .. }) => {
            assert!(file.ends_with("other.parquet"));
            assert_eq!(field, "request");
        }
        other => panic!("expected a mismatch, got {other:?}"),
    }
    // not a partial-sums file
    let plain = dir.join("plain.parquet");
    ParquetWriter::new(std::fs::File::create(&plain).unwrap())
        .finish(&mut df.clone())
        .unwrap();
    assert!(matches!(
        hri_survey::partial_file::read(&plain),
        Err(Error::PartialFormat { .. })
    ));
    let _ = std::fs::remove_dir_all(&dir);
}

/// Partial sums as bytes in memory (the state a query engine's aggregate passes between
/// its phases): four partitions' bytes, read back and merged, give the in-memory table to
/// 1e-12, an empty partition's bytes merge as nothing, and bytes that are not partial sums
/// are an `Error::PartialFormat` that names their source.
#[test]
fn partial_bytes_merge_to_the_whole() {
    let df = sample(5, 4, 18, 23);
    let req = request();
    let whole = Survey::new(df.clone(), design())
        .unwrap()
        .estimate(&req)
        .unwrap();
    let n = df.height();
    let mut merged = KeyedSums::new(&req, &design()).unwrap();
    for k in 0..4u64 {
        let mask: BooleanChunked = (0..n as u64)
            .map(|i| Some((i * 5 + i / 3) % 4 == k))
            .collect();
        let mut s = KeyedSums::new(&req, &design()).unwrap();
        s.add(&df.filter(&mask).unwrap(), 0).unwrap();
        let bytes = hri_survey::partial_file::to_bytes(&mut s).unwrap();
        let back = hri_survey::partial_file::from_bytes(&bytes, &format!("part {k}")).unwrap();
        assert_eq!(back.rows(), s.rows());
        merged.merge(back).unwrap();
    }
    let mut empty = KeyedSums::new(&req, &design()).unwrap();
    let bytes = hri_survey::partial_file::to_bytes(&mut empty).unwrap();
    merged
        .merge(hri_survey::partial_file::from_bytes(&bytes, "empty").unwrap())
        .unwrap();
    assert_eq!(merged.rows(), n as u64);
    assert_eq!(merged.by_columns(), whole.by_columns.as_slice());
    same_table(&merged.finish().unwrap(), &whole, 1e-12).unwrap();
    match hri_survey::partial_file::from_bytes(b"not parquet", "state of partition 3") {
        Err(Error::PartialFormat { path, .. }) => assert_eq!(path, "state of partition 3"),
        other => panic!("expected a format error, got {other:?}"),
    }
}

/// Every number and label of two lists of gap tables agrees (numbers to `tol` relative).
fn same_gaps(a: &[hri_survey::Gaps], b: &[hri_survey::Gaps], tol: f64) -> Result<(), String> {
    if a.len() != b.len() {
        return Err(format!("{} gap tables vs {}", a.len(), b.len()));
    }
    for (ta, tb) in a.iter().zip(b) {
        if (&ta.by_columns, &ta.column, ta.rows.len())
            != (&tb.by_columns, &tb.column, tb.rows.len())
        {
            return Err(format!("gap tables differ in shape: {ta:?} vs {tb:?}"));
        }
        for (x, y) in ta.rows.iter().zip(&tb.rows) {
            if (&x.measure, &x.groups, &x.reference) != (&y.measure, &y.groups, &y.reference) {
                return Err(format!("gap labels: {x:?} vs {y:?}"));
            }
            let scale = x.estimate.map_or(0.0, f64::abs).max(1.0);
            let fields: [(&str, Option<f64>, Option<f64>, f64); 11] = [
                ("estimate", x.estimate, y.estimate, 0.0),
                ("se", x.se, y.se, scale),
                ("ci_low", x.ci_low, y.ci_low, scale),
                ("ci_high", x.ci_high, y.ci_high, scale),
                ("ratio", x.ratio, y.ratio, 0.0),
                ("ratio_se", x.ratio_se, y.ratio_se, 1.0),
                ("df", x.df, y.df, 0.0),
                ("p_value", x.p_value, y.p_value, 1e-300),
                ("group_estimate", x.group_estimate, y.group_estimate, 0.0),
                (
                    "reference_estimate",
                    x.reference_estimate,
                    y.reference_estimate,
                    0.0,
                ),
                ("ratio_ci_low", x.ratio_ci_low, y.ratio_ci_low, 1.0),
            ];
            for (name, p, q, floor) in fields {
                if !close(p, q, tol, floor) {
                    return Err(format!("gap {name}: {x:?} vs {y:?}"));
                }
            }
        }
    }
    Ok(())
}

/// Gaps between domains computed from keyed sums, in one pass or in the second of two
/// passes, equal those of the whole data in memory (`Survey::gaps`, the covariance of the
/// two domains from the rows) to 1e-12: difference, ratio, their se, intervals, df and
/// p-value, for a marginal and a crossed disaggregation.
#[test]
fn gaps_from_sums_equal_in_memory() {
    use hri_survey::estimate::{GapSpec, StratumPass};
    let df = sample(6, 5, 14, 23);
    let req = request();
    let specs = vec![
        GapSpec {
            by: vec!["region".into()],
            column: "region".into(),
            group: "north".into(),
            reference: "south".into(),
        },
        GapSpec {
            by: vec!["region".into(), "sex".into()],
            column: "region".into(),
            group: "east".into(),
            reference: "south".into(),
        },
        GapSpec {
            by: vec!["region".into(), "sex".into()],
            column: "sex".into(),
            group: "2".into(),
            reference: "1".into(),
        },
    ];
    let survey = Survey::new(df.clone(), design()).unwrap();
    let whole = survey.estimate(&req).unwrap();
    let mut gap_req = req.clone();
    gap_req.disaggregations.clear();
    let whole_gaps = survey.gaps(&gap_req, &specs).unwrap();
    assert!(whole_gaps.iter().all(|g| !g.rows.is_empty()));
    let n = df.height();
    // one pass
    let sums = in_batches(&df, &[n / 3, n / 2], &req, &design());
    assert_eq!(
        sums.groups(&["region".to_string()]),
        vec![
            vec!["east".to_string()],
            vec!["north".into()],
            vec!["south".into()]
        ]
    );
    let (estimates, gaps) = sums.finish_with_gaps(&specs).unwrap();
    same_table(&estimates, &whole, 1e-12).unwrap();
    same_gaps(&gaps, &whole_gaps, 1e-12).unwrap();
    // two passes: cell totals, then the strata's sums with the gaps as variance targets
    let mut first = KeyedSums::new(&req, &design()).unwrap().first_pass();
    first.add(&df.slice(0, n / 2), 0).unwrap();
    first
        .add(&df.slice((n / 2) as i64, n - n / 2), (n / 2) as u64)
        .unwrap();
    let mut second = StratumPass::with_gaps(first, &specs).unwrap();
    for (from, to) in [(0, n / 5), (n / 5, n - 3), (n - 3, n)] {
        second
            .add(&df.slice(from as i64, to - from), from as u64)
            .unwrap();
    }
    let (estimates, gaps) = second.finish_with_gaps().unwrap();
    same_table(&estimates, &whole, 1e-12).unwrap();
    same_gaps(&gaps, &whole_gaps, 1e-12).unwrap();
    // a gap whose by-columns are not a disaggregation of the request is refused
    let bad = GapSpec {
        by: vec!["sex".into(), "region".into()],
        column: "sex".into(),
        group: "2".into(),
        reference: "1".into(),
    };
    let sums = in_batches(&df, &[], &req, &design());
    assert!(matches!(
        sums.finish_with_gaps(&[bad]),
        Err(Error::InvalidRequest(m)) if m.contains("not a disaggregation")
    ));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]
    /// Streaming in two passes (`estimate_lazy` through polars' streaming engine, and
    /// `estimate_file` on a Parquet file read by row groups) gives the in-memory table to
    /// 1e-12 whatever the batch size, the row-group size, the order of the strata and the
    /// order of the rows within each stratum (PSUs cut across batches included).
    #[test]
    fn batch_size_and_row_order_change_nothing(
        seed in any::<u64>(),
        strata in 1usize..5,
        psus in 2usize..5,
        batch in 1usize..200,
        row_group in 1usize..150,
    ) {
        let df = sample(strata, psus, 8, seed);
        let n = df.height();
        let req = request();
        let d = design();
        let whole = Survey::new(df.clone(), d.clone()).unwrap().estimate(&req).unwrap();
        // strata in a random order, rows in a random order within each stratum
        let mix = |x: u64| (x ^ seed).wrapping_mul(0x9E3779B97F4A7C15) >> 20;
        let strata_col = df.column("stratum").unwrap().i32().unwrap().clone();
        let stratum_key: Vec<u64> = strata_col.into_no_null_iter().map(|h| mix(h as u64)).collect();
        let row_key: Vec<u64> = (0..n as u64).map(|i| mix(i + 1_000_003)).collect();
        let mut keyed = df.clone();
        keyed.with_column(Column::new("sk".into(), stratum_key)).unwrap();
        keyed.with_column(Column::new("rk".into(), row_key)).unwrap();
        let mut mixed = keyed
            .sort(["sk", "rk"], SortMultipleOptions::default())
            .unwrap()
            .drop_many(["sk", "rk"]);
        let lazy = hri_survey::stream::estimate_lazy(|| Ok(mixed.clone().lazy()), &req, &d, batch).unwrap();
        prop_assert!(same_table(&lazy, &whole, 1e-12).is_ok(), "{:?}", same_table(&lazy, &whole, 1e-12));
        let dir = temp_dir(&format!("order-{seed}"));
        let path = dir.join("mixed.parquet");
        ParquetWriter::new(std::fs::File::create(&path).unwrap())
            .with_row_group_size(Some(row_group))
            .finish(&mut mixed)
            .unwrap();
        let file = hri_survey::stream::estimate_file(&path, &req, &d, batch).unwrap();
        let _ = std::fs::remove_dir_all(&dir);
        prop_assert!(same_table(&file, &whole, 1e-12).is_ok(), "{:?}", same_table(&file, &whole, 1e-12));
    }
}

/// The Parquet reader by row groups gives every row once, in the file's order, in batches
/// of whole row groups (at least `batch_rows` rows each but the last), with their first
/// row numbers; an unknown column names it.
#[test]
fn parquet_batches_are_whole_row_groups_in_order() {
    let dir = temp_dir("row-groups");
    let mut df = sample(3, 3, 10, 7);
    let n = df.height();
    let path = dir.join("s.parquet");
    ParquetWriter::new(std::fs::File::create(&path).unwrap())
        .with_row_group_size(Some(10))
        .finish(&mut df)
        .unwrap();
    let columns = vec!["w".to_string(), "psu".to_string()];
    for batch_rows in [1, 10, 25, n + 1] {
        let mut seen: Vec<(u64, usize)> = Vec::new();
        let mut w: Vec<f64> = Vec::new();
        let rows =
            hri_survey::stream::for_each_parquet_batch(&path, &columns, batch_rows, |b, first| {
                let names: Vec<&str> = b.get_column_names().iter().map(|c| c.as_str()).collect();
                assert_eq!(names, ["w", "psu"]);
                seen.push((first, b.height()));
                w.extend(b.column("w").unwrap().f64().unwrap().into_no_null_iter());
                Ok(())
            })
            .unwrap();
        assert_eq!(rows, n as u64);
        let whole: Vec<f64> = df
            .column("w")
            .unwrap()
            .f64()
            .unwrap()
            .into_no_null_iter()
            .collect();
        assert_eq!(w, whole, "batch_rows {batch_rows}");
        let mut next = 0u64;
        for (k, &(first, len)) in seen.iter().enumerate() {
            assert_eq!(first, next);
            if k + 1 < seen.len() {
                assert_eq!(len % 10, 0, "batch {k} of {len} rows: whole row groups");
                assert!(len >= batch_rows, "batch {k} of {len} rows");
            } else {
                assert_eq!(first + len as u64, n as u64);
            }
            next += len as u64;
        }
    }
    let bad = vec!["nope".to_string()];
    assert!(matches!(
        hri_survey::stream::for_each_parquet_batch(&path, &bad, 10, |_, _| Ok(())),
        Err(Error::UnknownColumn { column, .. }) if column == "nope"
    ));
    // an error of the callback stops the reading and is returned
    let mut calls = 0;
    let stopped = hri_survey::stream::for_each_parquet_batch(&path, &columns, 10, |_, _| {
        calls += 1;
        Err(Error::InvalidRequest("stop".into()))
    });
    assert!(matches!(stopped, Err(Error::InvalidRequest(m)) if m == "stop"));
    assert_eq!(calls, 1);
    let _ = std::fs::remove_dir_all(&dir);
}
