//! Projects read in batches (`hri run --stream`, issue 23): a round streamed gives the
//! in-memory round's indicator table, summaries and derivation reports (1e-12 relative in
//! every number); what partial sums cannot carry is refused with a typed error naming the
//! place under `always`, and computed in memory with the reason under `auto`.

use std::path::{Path, PathBuf};

use polars::prelude::*;

use hri::pilot::{Country, round_files};
use hri::project::{
    Project, ProjectError, ProjectRun, RoundRoute, RunOptions, StreamMode, derivations_frame,
    run_with_options,
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

/// The Tunisia pilot's catalogue without its quantile indicator (median earnings: an exact
/// quantile needs every value of its domain, so it is never streamed), in `work`.
fn catalogue_without_quantile(work: &Path) -> String {
    let text = std::fs::read_to_string(work.join("catalogue.toml")).unwrap();
    let start = text
        .find("[[indicators]]\nid = \"median_monthly_earnings\"")
        .unwrap();
    let end = start + 1 + text[start + 1..].find("\n[[").unwrap();
    let out = format!("{}{}", &text[..start], &text[end..]);
    assert!(!out.contains("type = \"quantile\""));
    std::fs::write(work.join("catalogue_no_quantile.toml"), out).unwrap();
    "catalogue_no_quantile.toml".into()
}

/// The Tunisia pilot's project in `work`: round 2015 as the pilot delivers it (a UTF-8
/// CSV), round 2020 (an SPSS file) written again as Parquet when `parquet_2020`; the
/// catalogue without its quantile indicator unless `quantile`.
fn tunisia(tag: &str, households: usize, parquet_2020: bool, quantile: bool) -> Project {
    let work = tmp(tag);
    round_files(Country::Tunisia, households, SEED, &work).unwrap();
    let mut project = hri::pilot::project(Country::Tunisia, &work).unwrap();
    if !quantile {
        project.file.catalogue = catalogue_without_quantile(&work);
    }
    if parquet_2020 {
        let mut round = project.read_round(1).unwrap();
        let path = work.join("hims_2020.parquet");
        ParquetWriter::new(std::fs::File::create(&path).unwrap())
            .finish(&mut round.data)
            .unwrap();
        project.file.rounds[1].data = "hims_2020.parquet".into();
    }
    project
}

fn options(stream: StreamMode, batch_rows: Option<usize>) -> RunOptions {
    RunOptions {
        write: false,
        stream: Some(stream),
        batch_rows,
        auto_from: None,
    }
}

/// Columns that are differences of (or between) values on the estimate's scale: compared
/// on the scale of the values they are differences of ([`row_scale`]), as the engine's
/// tests compare standard errors and interval limits on the scale of their estimate; a
/// change of 0.008 between two rounds' estimates near 50 carries their rounding of 1e-14.
const DIFFERENCES: [&str; 11] = [
    "se",
    "ci_low",
    "ci_high",
    "gap_difference",
    "gap_se",
    "gap_ci_low",
    "gap_ci_high",
    "change",
    "change_se",
    "distance",
    "cv",
];

/// Per row, the largest magnitude of the values the row's differences are taken between:
/// its estimate, the reference group's (`estimate − gap_difference`), the previous round's
/// (`estimate − change`) and the benchmark target.
fn row_scale(df: &DataFrame) -> Vec<f64> {
    let get = |name: &str| -> Vec<Option<f64>> {
        match df.column(name) {
            Ok(c) => c
                .cast(&DataType::Float64)
                .unwrap()
                .f64()
                .unwrap()
                .iter()
                .collect(),
            Err(_) => vec![None; df.height()],
        }
    };
    let (est, gap, change, target) = (
        get("estimate"),
        get("gap_difference"),
        get("change"),
        get("benchmark_target"),
    );
    (0..df.height())
        .map(|i| {
            let e = est[i].unwrap_or(0.0);
            [
                e.abs(),
                (e - gap[i].unwrap_or(0.0)).abs(),
                (e - change[i].unwrap_or(0.0)).abs(),
                target[i].unwrap_or(0.0).abs(),
            ]
            .into_iter()
            .filter(|x| x.is_finite())
            .fold(0.0, f64::max)
        })
        .collect()
}

/// Two frames agree: same columns and types, text and counts equal, every float equal to
/// `tol` relative (differences on their row's scale, [`DIFFERENCES`]; nulls and NaN in the
/// same places). Returns how many floats were compared.
pub(crate) fn same_frame(a: &DataFrame, b: &DataFrame, tol: f64, what: &str) -> usize {
    assert_eq!(a.shape(), b.shape(), "{what}: shape");
    assert_eq!(
        a.get_column_names(),
        b.get_column_names(),
        "{what}: columns"
    );
    let scale = row_scale(a);
    let mut numbers = 0;
    for (x, y) in a.columns().iter().zip(b.columns()) {
        let name = x.name();
        assert_eq!(x.dtype(), y.dtype(), "{what}: {name} type");
        if x.dtype().is_float() {
            let difference = DIFFERENCES.contains(&name.as_str());
            let (p, q) = (
                x.cast(&DataType::Float64).unwrap(),
                y.cast(&DataType::Float64).unwrap(),
            );
            for (i, (u, v)) in p
                .f64()
                .unwrap()
                .iter()
                .zip(q.f64().unwrap().iter())
                .enumerate()
            {
                match (u, v) {
                    (Some(u), Some(v)) if u.is_nan() || v.is_nan() => {
                        assert!(
                            u.is_nan() && v.is_nan(),
                            "{what}: {name}, row {i}: {u} vs {v}"
                        )
                    }
                    (Some(u), Some(v)) => {
                        let floor = if difference { scale[i] } else { 0.0 };
                        assert!(
                            u == v || (u - v).abs() <= tol * u.abs().max(v.abs()).max(floor),
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
    numbers
}

/// Every output of two runs agrees: the indicator table of every round, the summary
/// scores, the derivation reports and the rows read.
fn same_run(streamed: &ProjectRun, memory: &ProjectRun) {
    let n = same_frame(
        &streamed.indicators,
        &memory.indicators,
        1e-12,
        "indicators",
    );
    assert!(n > 5_000, "only {n} numbers compared");
    same_frame(
        &streamed.summaries().unwrap(),
        &memory.summaries().unwrap(),
        1e-12,
        "summaries",
    );
    assert_eq!(
        derivations_frame(&streamed.rounds).unwrap(),
        derivations_frame(&memory.rounds).unwrap(),
        "derivation reports"
    );
    for (s, m) in streamed.rounds.iter().zip(&memory.rounds) {
        assert_eq!(s.rows, m.rows, "rows of round {}", s.period);
        assert_eq!(
            s.derivations, m.derivations,
            "reports of round {}",
            s.period
        );
    }
}

/// Both Tunisia rounds streamed (the 2015 CSV and the 2020 round as Parquet, in batches of
/// 257 rows: many batches, PSUs cut across them) give the in-memory run's indicator
/// table (every estimate, se, interval, df, cv, deff, gap and its se, score) to 1e-12,
/// its summaries, its derivation reports (notes' counts added up over the batches) and
/// its row counts; the route is recorded.
#[test]
fn streamed_tunisia_rounds_equal_the_in_memory_run() {
    let project = tunisia("project-stream-equal", 1_500, true, false);
    let memory = run_with_options(&project, &options(StreamMode::Never, None), |_| {}).unwrap();
    let streamed =
        run_with_options(&project, &options(StreamMode::Always, Some(257)), |_| {}).unwrap();
    for r in &memory.rounds {
        assert_eq!(r.route, RoundRoute::Memory { fallback: None });
    }
    for r in &streamed.rounds {
        assert_eq!(
            r.route,
            RoundRoute::Streamed {
                passes: 2,
                batch_rows: 257
            }
        );
        assert!(r.rows > 2 * 257, "round {}: {} rows", r.period, r.rows);
    }
    same_run(&streamed, &memory);
    // Gaps are there, with their standard errors.
    let gap_se = streamed.indicators.column("gap_se").unwrap();
    let gaps = gap_se.len() - gap_se.null_count();
    assert!(gaps > 100, "{gaps} gaps with a standard error");
}

/// Under `always`, what partial sums cannot carry stops the run with
/// `ProjectError::NotStreamable` naming the round, the place and the reason: an SPSS round
/// file, a quantile indicator, the logit interval, the income quintile, a recode whose
/// value depends on other rows, a join.
#[test]
fn always_refuses_what_cannot_stream_naming_it() {
    let base = tunisia("project-stream-refused", 600, false, true);
    let refused = |project: &Project| -> (String, String, String) {
        match run_with_options(project, &options(StreamMode::Always, None), |_| {}) {
            Err(ProjectError::NotStreamable {
                period,
                place,
                reason,
                ..
            }) => (period, place, reason),
            other => panic!(
                "expected NotStreamable, got {:?}",
                other.map(|r| r.rounds.len())
            ),
        }
    };
    // The project file's `stream` key does what the option does.
    let mut keyed = base.clone();
    keyed.file.stream = Some(StreamMode::Always);
    let text = toml::to_string(&keyed.file).unwrap();
    assert!(text.contains("stream = \"always\""), "{text}");
    let keyed = Project::from_toml_str(&text, &keyed.path).unwrap();
    assert_eq!(keyed.file.stream, Some(StreamMode::Always));
    assert!(matches!(
        hri::project::run_with(&keyed, false, |_| {}),
        Err(ProjectError::NotStreamable { .. })
    ));
    // Round 2015 (CSV) would stream, but the catalogue has a quantile.
    let (period, place, reason) = refused(&base);
    assert_eq!(period, "2015");
    assert_eq!(place, "indicator 'median_monthly_earnings'");
    assert!(reason.contains("quantile"), "{reason}");
    // Without it, round 2015 streams and round 2020 (SPSS) is refused.
    let mut p = base.clone();
    p.file.catalogue = catalogue_without_quantile(p.path.parent().unwrap());
    let (period, place, reason) = refused(&p);
    assert_eq!((period.as_str(), place.as_str()), ("2020", "hims_2020.sav"));
    assert!(reason.contains("SPSS"), "{reason}");
    // Only round 2015 from here on.
    p.file.rounds.truncate(1);
    let mut logit = p.clone();
    logit.file.ci = Some("logit".into());
    let (_, place, reason) = refused(&logit);
    assert!(place.starts_with("indicator '"), "{place}");
    assert!(reason.contains("logit"), "{reason}");
    let mut quintile = p.clone();
    quintile.file.derive.income_quintile =
        Some(hri::derive::IncomeQuintileSpec::new("earnings", "weight"));
    let (_, place, reason) = refused(&quintile);
    assert_eq!(place, "[derive.income_quintile]");
    assert!(reason.contains("weighted quantiles"), "{reason}");
    let mut window = p.clone();
    window.file.derive.recode.push(hri::project::RecodeSpec {
        output: "older_than_average".into(),
        sql: "age > AVG(age) OVER ()".into(),
    });
    let (_, place, reason) = refused(&window);
    assert_eq!(place, "[[derive.recode]] `older_than_average`");
    assert!(reason.contains("depends on other rows"), "{reason}");
    let mut joined = p.clone();
    joined.file.rounds[0].joins.push(hri::project::JoinSpec {
        data: "households.csv".into(),
        on: vec!["household".into()],
        csv: None,
    });
    let (_, place, _) = refused(&joined);
    assert_eq!(place, "joins (with households.csv)");
}

/// Under `auto` a round at or above the size threshold streams when it can, and is
/// computed in memory with the reason when it cannot (the SPSS round); below the threshold
/// nothing streams. The results are the in-memory run's either way.
#[test]
fn auto_streams_large_rounds_and_says_why_not() {
    let mut project = tunisia("project-stream-auto", 600, false, false);
    project.file.batch_rows = Some(500);
    let memory = run_with_options(&project, &options(StreamMode::Never, None), |_| {}).unwrap();
    let auto = |from: (usize, u64)| {
        let o = RunOptions {
            auto_from: Some(from),
            ..options(StreamMode::Auto, None)
        };
        run_with_options(&project, &o, |_| {}).unwrap()
    };
    let small = auto((usize::MAX, u64::MAX));
    assert!(
        small
            .rounds
            .iter()
            .all(|r| r.route == RoundRoute::Memory { fallback: None })
    );
    let large = auto((0, 0));
    assert_eq!(
        large.rounds[0].route,
        RoundRoute::Streamed {
            passes: 2,
            batch_rows: 500
        }
    );
    match &large.rounds[1].route {
        RoundRoute::Memory {
            fallback: Some(why),
        } => assert!(
            why.starts_with("hims_2020.sav: ") && why.contains("SPSS"),
            "{why}"
        ),
        other => panic!("round 2020: {other:?}"),
    }
    same_run(&large, &memory);
    same_run(&small, &memory);
}

/// Writes `df`'s rows `i` with `i % parts == k` (rows of one PSU spread over every part)
/// as Parquet files `<stem>.part<k>.parquet` in `dir`.
fn partitions(df: &DataFrame, parts: usize, dir: &Path, stem: &str) -> Vec<PathBuf> {
    (0..parts)
        .map(|k| {
            let mask: BooleanChunked = (0..df.height()).map(|i| i % parts == k).collect();
            let mut part = df.filter(&mask).unwrap();
            let path = dir.join(format!("{stem}.part{k}.parquet"));
            ParquetWriter::new(std::fs::File::create(&path).unwrap())
                .finish(&mut part)
                .unwrap();
            path
        })
        .collect()
}

/// `hri run PROJECT --partial` on row partitions of both Tunisia rounds (three of the 2015
/// CSV, two of the 2020 round; every PSU spread over them) and `hri merge --project` give
/// what `hri run` gives on the whole data: the indicator table and summaries to 1e-12,
/// the derivation reports and row counts exactly, the files written. Files of another
/// project's settings, and a round without files, are refused naming them.
#[test]
fn project_partitions_merge_to_the_whole_run() {
    let project = tunisia("project-stream-partial", 1_200, true, false);
    let dir = project.path.parent().unwrap().to_path_buf();
    let whole = run_with_options(&project, &options(StreamMode::Never, None), |_| {}).unwrap();
    let r2015 = project.read_round(0).unwrap().data;
    let r2020 = project.read_round(1).unwrap().data;
    let mut files = Vec::new();
    for (period, df, parts) in [("2015", &r2015, 3), ("2020", &r2020, 2)] {
        for part in partitions(df, parts, &dir, &format!("hims_{period}")) {
            let sums = part.with_extension("sums.parquet");
            let mut p = project
                .partial(Some(period), Some(&part), 301)
                .unwrap_or_else(|e| panic!("{}: {e}", part.display()));
            assert!(p.sums.rows() > 0);
            p.write(&sums).unwrap();
            files.push(sums);
        }
    }
    // Given in another order than the rounds': each round's files are found by their period.
    files.reverse();
    let merged = project.merge_partials(&files, false).unwrap();
    assert_eq!(
        merged
            .rounds
            .iter()
            .map(|r| r.route.clone())
            .collect::<Vec<_>>(),
        vec![
            RoundRoute::Merged { files: 3 },
            RoundRoute::Merged { files: 2 }
        ]
    );
    same_run(&merged, &whole);

    // Through the program: hri run PROJECT --partial / hri merge --project --out.
    let hri = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_hri"))
            .args(args)
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).to_string(),
            String::from_utf8_lossy(&out.stderr).to_string(),
        )
    };
    let project_file = dir.join("project.toml");
    let mut text = toml::to_string(&project.file).unwrap();
    text.push('\n');
    std::fs::write(&project_file, text).unwrap();
    let cli_sums = dir.join("cli-2015.sums.parquet");
    let (code, stdout, err) = hri(&[
        "run",
        project_file.to_str().unwrap(),
        "--partial",
        cli_sums.to_str().unwrap(),
        "--round",
        "2015",
    ]);
    assert_eq!(code, Some(0), "{err}");
    assert!(stdout.contains("partial sums of round 2015"), "{stdout}");
    let out_dir = dir.join("merged-out");
    let mut args = vec![
        "merge".to_string(),
        "--project".into(),
        project_file.display().to_string(),
        "--out".into(),
        out_dir.display().to_string(),
        cli_sums.display().to_string(),
    ];
    args.extend(
        files
            .iter()
            .filter(|f| f.to_string_lossy().contains("hims_2020"))
            .map(|f| f.display().to_string()),
    );
    let (code, stdout, err) = hri(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(code, Some(0), "{err}");
    assert!(stdout.contains("round 2015"), "{stdout}");
    let read = |p: PathBuf| {
        use polars::prelude::SerReader;
        CsvReadOptions::default()
            .with_infer_schema_length(None)
            .try_into_reader_with_file_path(Some(p))
            .unwrap()
            .finish()
            .unwrap()
    };
    let written = read(out_dir.join("indicators.csv"));
    let whole_dir = dir.join("whole-out");
    whole.write(&whole_dir).unwrap();
    let n = same_frame(
        &written,
        &read(whole_dir.join("indicators.csv")),
        1e-12,
        "indicators.csv merged by hri merge",
    );
    assert!(n > 5_000, "{n}");
    assert_eq!(
        std::fs::read_to_string(out_dir.join("derivations.csv")).unwrap(),
        std::fs::read_to_string(whole_dir.join("derivations.csv")).unwrap()
    );

    // Another project's files are refused, naming the file.
    let mut other = project.clone();
    other.file.reference = Some("native_born".into());
    match other.merge_partials(&files, false) {
        Err(ProjectError::PartialMismatch { file, what, .. }) => {
            assert_eq!(file, files[0]);
            assert!(what.contains("other project settings"), "{what}");
        }
        other => panic!(
            "expected PartialMismatch, got {:?}",
            other.map(|r| r.rounds.len())
        ),
    }
    // A partition whose column has another type than the others' (the SPSS round's PSU
    // ids are floats; here integers) is refused.
    let mut int_psu = r2020
        .filter(&(0..r2020.height()).map(|i| i % 2 == 0).collect())
        .unwrap();
    int_psu
        .with_column(
            int_psu
                .column("psu")
                .unwrap()
                .cast(&DataType::Int64)
                .unwrap(),
        )
        .unwrap();
    let odd = dir.join("hims_2020.int.parquet");
    ParquetWriter::new(std::fs::File::create(&odd).unwrap())
        .finish(&mut int_psu)
        .unwrap();
    let odd_sums = dir.join("hims_2020.int.sums.parquet");
    project
        .partial(Some("2020"), Some(&odd), 301)
        .unwrap()
        .write(&odd_sums)
        .unwrap();
    let mut with_odd: Vec<PathBuf> = files
        .iter()
        .filter(|f| !f.to_string_lossy().contains("part0"))
        .cloned()
        .collect();
    with_odd.push(odd_sums.clone());
    match project.merge_partials(&with_odd, false) {
        Err(ProjectError::PartialMismatch { file, what, .. }) => {
            assert_eq!(file, odd_sums);
            assert!(what.contains("column `psu`"), "{what}");
        }
        other => panic!(
            "expected PartialMismatch, got {:?}",
            other.map(|r| r.rounds.len())
        ),
    }
    // A round without files is named.
    let only_2015: Vec<PathBuf> = files
        .iter()
        .filter(|f| f.to_string_lossy().contains("hims_2015"))
        .cloned()
        .collect();
    match project.merge_partials(&only_2015, false) {
        Err(ProjectError::Invalid { message, .. }) => {
            assert!(
                message.contains("no partial-sums file of round 2020"),
                "{message}"
            )
        }
        other => panic!("expected Invalid, got {:?}", other.map(|r| r.rounds.len())),
    }
}
