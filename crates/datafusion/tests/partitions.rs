//! `hri_estimate` over a survey written as four Parquet partitions and read by DataFusion
//! with four target partitions: the two-phase aggregation gives the table of the engine's
//! in-memory estimate of the whole data.

use std::path::PathBuf;

use datafusion::arrow::array::{Array, Int32Array, ListArray, StructArray};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::physical_plan::displayable;
use datafusion::prelude::{ParquetReadOptions, SessionConfig, SessionContext};
use hri_datafusion::{Error, HriEstimate};
use hri_survey::{CiMethod, Design, Request, Survey};
use polars::prelude::*;

/// A stratified cluster sample: `strata` strata of `psus` PSUs of about `size` rows, with
/// a population count per stratum (fpc), a variable with missing values, a 0/1/2 code,
/// text and integer groups (the integer one with missing values), and a survey round
/// (2015 or 2020) that the request does not read.
fn sample(strata: usize, psus: usize, size: usize, seed: u64) -> DataFrame {
    let mut state = seed
        .wrapping_mul(2862933555777941757)
        .wrapping_add(3037000493);
    let mut next = move |k: u64| {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 33) % k
    };
    let (mut h, mut p, mut w, mut y, mut f, mut g, mut sex, mut fpc, mut round) = (
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
                f.push(next(3) as i32);
                g.push(["north", "south", "east"][next(3) as usize].to_string());
                sex.push((next(8) > 0).then(|| 1 + next(2) as i32));
                fpc.push((psus * (4 + s)) as f64);
                round.push(if next(2) == 0 { 2015 } else { 2020 });
            }
        }
    }
    df!(
        "stratum" => h, "psu" => p, "w" => w, "y" => y, "f" => f, "region" => g,
        "sex" => sex, "fpc" => fpc, "round" => round,
    )
    .unwrap()
}

fn design() -> Design {
    Design::builder("w")
        .strata("stratum")
        .psu("psu")
        .fpc(["fpc"])
        .build()
        .unwrap()
}

/// A mean, a proportion and a proportion within a universe, overall and by domains.
fn request() -> Request {
    Request::new()
        .mean("y")
        .proportion("f = 1")
        .measure(
            "f2_high_y",
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

/// A fresh directory under the system's temporary directory.
fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("hri-datafusion-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The rows of `df` in four Parquet files, each PSU's rows spread over several files.
fn write_partitions(df: &DataFrame, dir: &std::path::Path) {
    let n = df.height() as u64;
    for k in 0..4 {
        let mask: BooleanChunked = (0..n)
            .map(|i| Some((i.wrapping_mul(2654435761) >> 7) % 4 == k))
            .collect();
        let mut part = df.filter(&mask).unwrap();
        assert!(part.height() > 0);
        let file = std::fs::File::create(dir.join(format!("part-{k}.parquet"))).unwrap();
        ParquetWriter::new(file).finish(&mut part).unwrap();
    }
}

/// Every column of two tables agrees: text and counts exactly, numbers (estimates, standard
/// errors, interval limits, df, cv, deff, pop) each to `tol` relative to itself.
fn same_frame(a: &DataFrame, b: &DataFrame, tol: f64) -> Result<(), String> {
    if a.shape() != b.shape() || a.get_column_names() != b.get_column_names() {
        return Err(format!("shapes {:?} vs {:?}", a.schema(), b.schema()));
    }
    for (x, y) in a.columns().iter().zip(b.columns()) {
        let name = x.name().as_str();
        if x.dtype() == &DataType::Float64 {
            let (xs, ys) = (x.f64().unwrap(), y.f64().map_err(|e| e.to_string())?);
            for (i, (p, q)) in xs.iter().zip(ys.iter()).enumerate() {
                let ok = match (p, q) {
                    (None, None) => true,
                    (Some(p), Some(q)) => p == q || (p - q).abs() <= tol * p.abs().max(q.abs()),
                    _ => false,
                };
                if !ok {
                    return Err(format!("row {i} `{name}`: {p:?} vs {q:?}"));
                }
            }
        } else if !x
            .as_materialized_series()
            .equals_missing(y.as_materialized_series())
        {
            return Err(format!("column `{name}`: {x:?} vs {y:?}"));
        }
    }
    Ok(())
}

/// A session reading `dir`'s Parquet files as the table `survey`, four target partitions
/// and small batches (so that each partition adds several batches).
async fn session(dir: &std::path::Path) -> SessionContext {
    let config = SessionConfig::new()
        .with_target_partitions(4)
        .with_batch_size(256);
    let ctx = SessionContext::new_with_config(config);
    ctx.register_parquet(
        "survey",
        dir.to_str().unwrap(),
        ParquetReadOptions::default(),
    )
    .await
    .unwrap();
    ctx
}

/// The estimates table in row `row` of the list column `column` of a result batch.
fn table_at(batch: &RecordBatch, column: usize, row: usize) -> DataFrame {
    let list = batch
        .column(column)
        .as_any()
        .downcast_ref::<ListArray>()
        .unwrap();
    let rows = list.value(row);
    let rows = rows.as_any().downcast_ref::<StructArray>().unwrap();
    hri_datafusion::bridge::struct_to_polars(rows).unwrap()
}

/// The estimates table in the one row of a query's result.
fn table_of(batches: &[RecordBatch]) -> DataFrame {
    assert_eq!(batches.iter().map(|b| b.num_rows()).sum::<usize>(), 1);
    let batch = batches.iter().find(|b| b.num_rows() == 1).unwrap();
    table_at(batch, 0, 0)
}

/// Four Parquet partitions read by DataFusion with `target_partitions = 4`: the plan
/// aggregates in two phases (partial per file group, final over the states) and the
/// table equals the engine's in-memory estimate of the whole data to 1e-9 — estimates,
/// standard errors, interval limits, df, design effects, counts and labels, row by row.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_parquet_partitions_equal_in_memory() {
    let dir = temp_dir("partitions");
    let df = sample(12, 5, 40, 3);
    write_partitions(&df, &dir);
    let whole = Survey::new(df.clone(), design())
        .unwrap()
        .estimate(&request())
        .unwrap()
        .to_dataframe()
        .unwrap();
    let udaf = HriEstimate::new("hri_estimate", &request(), &design()).unwrap();
    let ctx = session(&dir).await;
    ctx.register_udaf(udaf.clone().into_udaf());
    // Arguments in any order, unquoted (all lower case).
    let sql = "SELECT hri_estimate(y, region, sex, f, w, psu, stratum, fpc) AS t FROM survey";
    let query = ctx.sql(sql).await.unwrap();
    let plan = query.clone().create_physical_plan().await.unwrap();
    let text = displayable(plan.as_ref()).indent(true).to_string();
    assert!(text.contains("AggregateExec: mode=Partial"), "{text}");
    assert!(text.contains("AggregateExec: mode=Final"), "{text}");
    assert!(text.contains("file_groups={4 groups"), "{text}");
    let got = table_of(&query.collect().await.unwrap());
    assert_eq!(got.height(), whole.height());
    assert!(whole.height() > 30);
    same_frame(&got, &whole, 1e-9).unwrap();
    // The call with quoted identifiers that the aggregate writes gives the same table.
    let call = udaf.sql_call();
    let again = ctx
        .sql(&format!("SELECT {call} FROM survey"))
        .await
        .unwrap()
        .collect()
        .await
        .unwrap();
    same_frame(&table_of(&again), &whole, 1e-9).unwrap();
    // SQL's unnest gives the table's rows as rows of the result.
    let rows = ctx
        .sql(&format!(
            "SELECT unnest(t) AS r FROM (SELECT {call} AS t FROM survey)"
        ))
        .await
        .unwrap()
        .collect()
        .await
        .unwrap();
    let n: usize = rows.iter().map(|b| b.num_rows()).sum();
    assert_eq!(n, whole.height());
    let _ = std::fs::remove_dir_all(&dir);
}

/// With `GROUP BY round` (a column the request does not read) the plan repartitions the
/// partial states by group, and each round's table equals the in-memory estimate of that
/// round's rows to 1e-9.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn group_by_gives_each_group_its_table() {
    let dir = temp_dir("group-by");
    let df = sample(8, 4, 30, 17);
    write_partitions(&df, &dir);
    let ctx = session(&dir).await;
    let udaf = HriEstimate::new("hri_estimate", &request(), &design()).unwrap();
    let call = udaf.sql_call();
    ctx.register_udaf(udaf.into_udaf());
    let sql = format!("SELECT round, {call} AS t FROM survey GROUP BY round ORDER BY round");
    let query = ctx.sql(&sql).await.unwrap();
    let plan = query.clone().create_physical_plan().await.unwrap();
    let text = displayable(plan.as_ref()).indent(true).to_string();
    assert!(text.contains("AggregateExec: mode=Partial"), "{text}");
    assert!(
        text.contains("AggregateExec: mode=FinalPartitioned"),
        "{text}"
    );
    assert!(
        text.contains("RepartitionExec: partitioning=Hash"),
        "{text}"
    );
    let batches = query.collect().await.unwrap();
    let mut seen = Vec::new();
    for batch in &batches {
        let rounds = batch
            .column(0)
            .as_any()
            .downcast_ref::<Int32Array>()
            .unwrap();
        for i in 0..batch.num_rows() {
            let round = rounds.value(i);
            let rows = df
                .clone()
                .lazy()
                .filter(col("round").eq(lit(round)))
                .collect()
                .unwrap();
            let expected = Survey::new(rows, design())
                .unwrap()
                .estimate(&request())
                .unwrap()
                .to_dataframe()
                .unwrap();
            same_frame(&table_at(batch, 1, i), &expected, 1e-9)
                .map_err(|e| format!("round {round}: {e}"))
                .unwrap();
            seen.push(round);
        }
    }
    assert_eq!(seen, vec![2015, 2020]);
    let _ = std::fs::remove_dir_all(&dir);
}

/// A call without a column that the request reads, with one it does not, or with one
/// twice, fails with an error that names the column; requests that need the rows are
/// refused when the aggregate is made.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_arguments_and_unmergeable_requests_are_refused() {
    let dir = temp_dir("refused");
    write_partitions(&sample(3, 3, 20, 9), &dir);
    let ctx = session(&dir).await;
    let udaf = HriEstimate::new("hri_estimate", &request(), &design()).unwrap();
    ctx.register_udaf(udaf.into_udaf());
    let missing = "SELECT hri_estimate(y, region, f, w, psu, stratum, fpc) FROM survey";
    let err = match ctx.sql(missing).await {
        Ok(q) => q.collect().await.unwrap_err(),
        Err(e) => e,
    };
    assert!(err.to_string().contains("column `sex`"), "{err}");
    let extra = "SELECT hri_estimate(y, region, sex, f, w, psu, stratum, fpc, y + 1) FROM survey";
    let err = match ctx.sql(extra).await {
        Ok(q) => q.collect().await.unwrap_err(),
        Err(e) => e,
    };
    assert!(err.to_string().contains("argument 9"), "{err}");
    let twice = "SELECT hri_estimate(y, region, sex, f, w, psu, stratum, fpc, sex) FROM survey";
    let err = match ctx.sql(twice).await {
        Ok(q) => q.collect().await.unwrap_err(),
        Err(e) => e,
    };
    assert!(
        err.to_string().contains("column `sex` is passed twice"),
        "{err}"
    );
    let quantile = Request::new().quantile("y", &[0.5]).overall();
    match HriEstimate::new("q", &quantile, &design()) {
        Err(Error::Survey {
            source: hri_survey::Error::NotMergeable { .. },
            ..
        }) => {}
        other => panic!("expected a refusal, got {other:?}"),
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// Rows that the engine rejects (a missing weight) stop the query with the engine's error,
/// which says the row is numbered within a partition.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn engine_errors_reach_the_query() {
    let dir = temp_dir("bad-weight");
    let mut df = sample(3, 3, 20, 5);
    let w: Float64Chunked = df
        .column("w")
        .unwrap()
        .f64()
        .unwrap()
        .iter()
        .enumerate()
        .map(|(i, x)| if i == 7 { None } else { x })
        .collect();
    df.replace("w", w.into_column()).unwrap();
    write_partitions(&df, &dir);
    let ctx = session(&dir).await;
    let udaf = HriEstimate::new("hri_estimate", &request(), &design()).unwrap();
    let call = udaf.sql_call();
    ctx.register_udaf(udaf.into_udaf());
    let err = ctx
        .sql(&format!("SELECT {call} FROM survey"))
        .await
        .unwrap()
        .collect()
        .await
        .unwrap_err();
    assert!(err.to_string().contains("hri_estimate"), "{err}");
    assert!(err.to_string().contains("`w`"), "{err}");
    assert!(err.to_string().contains("one partition"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}
