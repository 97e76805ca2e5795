//! From a DataFrame and a design to flat arrays: weights, unit and stratum codes, SQL
//! conditions. Every check of the data against the design happens here (reading columns:
//! [`super::columns`]; domain cells: [`super::cells`]; column codes: [`super::encode`]).

use polars::prelude::*;

use super::columns::{numeric, numeric_values};
use super::encode::{Encoded, NONE, dense, encode};
use super::parallel::{PARALLEL_ROWS, join_if};
use super::values::Values;
use crate::design::{Design, LonelyPsu};
use crate::error::{Error, Result};
use crate::sql::{self, MAX_SQL_CHARS};

/// Sampling structure: units, PSUs, strata, and the variance factors of each stage.
#[derive(Debug, Clone)]
pub(crate) struct Structure {
    /// Per row: the finest unit used in the variance (PSU, or stage-2 unit when the
    /// second stage has an fpc).
    pub unit: Vec<u32>,
    /// Per unit: its PSU.
    pub unit_psu: Vec<u32>,
    /// Per PSU: its stratum. PSU codes are sorted by stratum, so strata are contiguous.
    pub psu_stratum: Vec<u32>,
    /// Per stratum: number of PSUs in the whole design.
    pub stratum_npsu: Vec<u32>,
    /// Per stratum: the finite population correction factor (N - n) / N (1 without fpc).
    pub stratum_f: Vec<f64>,
    /// Stratum labels, for messages.
    pub stratum_labels: Vec<String>,
    /// The second stage, when its fpc is given.
    pub stage2: Option<Stage2>,
    /// Lonely-PSU policy.
    pub lonely: LonelyPsu,
}

/// Second-stage variance factors, per PSU.
#[derive(Debug, Clone)]
pub(crate) struct Stage2 {
    /// Number of stage-2 units sampled in the PSU.
    pub n_units: Vec<u32>,
    /// (N2 - n2) / N2 for the PSU.
    pub f: Vec<f64>,
    /// n1 / N1 of the PSU's stratum.
    pub frac1: Vec<f64>,
}

impl Structure {
    /// Number of strata.
    pub fn n_strata(&self) -> usize {
        self.stratum_npsu.len()
    }
}

/// Build the sampling structure of a Taylor design from the data, checking it.
pub(crate) fn structure(df: &DataFrame, design: &Design) -> Result<Structure> {
    let n = df.height();
    let stages = design.stages();
    // The strata and the PSUs coded at the same time (the PSUs' errors reported second).
    let strata_codes = || match design.strata() {
        Some(s) => {
            let e = encode(df, s, "strata")?;
            if let Some(row) = e.codes.iter().position(|c| *c == NONE) {
                return Err(Error::MissingDesignValue {
                    column: s.to_string(),
                    row,
                });
            }
            Ok(e)
        }
        None => Ok(Encoded {
            codes: vec![0; n],
            labels: vec!["(all)".to_string()],
        }),
    };
    let psu_codes = || stages.first().map(|c| encode(df, c, "PSU"));
    let (strata, psu_codes) = join_if(n >= PARALLEL_ROWS, strata_codes, psu_codes);
    let strata = strata?;
    // Stage 1: PSU identity.
    let (psu_of_row, n_psu, psu_stratum) = match psu_codes {
        None => {
            // Each row is its own PSU; order PSUs by stratum then row.
            let mut order: Vec<u32> = (0..n as u32).collect();
            order.sort_by_key(|&i| strata.codes[i as usize]);
            let mut psu = vec![0u32; n];
            let mut ps = Vec::with_capacity(n);
            for (k, &i) in order.iter().enumerate() {
                psu[i as usize] = k as u32;
                ps.push(strata.codes[i as usize]);
            }
            (psu, n, ps)
        }
        Some(e) => {
            let e = e?;
            if let Some(row) = e.codes.iter().position(|c| *c == NONE) {
                return Err(Error::MissingDesignValue {
                    column: stages[0].clone(),
                    row,
                });
            }
            let l = e.labels.len() as u64;
            if design.nest() {
                // PSU ids repeat across strata: a PSU is a (stratum, id) pair.
                let keys: Vec<u64> = (0..n)
                    .map(|i| strata.codes[i] as u64 * l + e.codes[i] as u64)
                    .collect();
                let (codes, uniq) = dense(&keys);
                let ps = uniq.iter().map(|k| (k / l) as u32).collect::<Vec<_>>();
                (codes, uniq.len(), ps)
            } else {
                // Each PSU lies in one stratum (checked); PSUs are renumbered in (stratum, id)
                // order so that strata are contiguous.
                let mut stratum_of = vec![NONE; e.labels.len()];
                let mut last = (NONE, NONE);
                for (&p, &h) in e.codes.iter().zip(&strata.codes) {
                    // a run of rows of one PSU in one stratum is checked once
                    if (p, h) == last {
                        continue;
                    }
                    last = (p, h);
                    let seen = &mut stratum_of[p as usize];
                    if *seen == NONE {
                        *seen = h;
                    } else if *seen != h {
                        return Err(Error::PsuNotNested {
                            column: stages[0].clone(),
                            psu: e.labels[p as usize].clone(),
                            stratum_a: strata.labels[*seen as usize].clone(),
                            stratum_b: strata.labels[h as usize].clone(),
                        });
                    }
                }
                let mut order: Vec<u32> = (0..e.labels.len() as u32).collect();
                order.sort_by_key(|&p| stratum_of[p as usize]);
                let mut codes = e.codes;
                // PSU ids usually grow with the stratum: then the codes stay as they are.
                if order.iter().enumerate().any(|(k, &p)| p as usize != k) {
                    let mut renumber = vec![0u32; order.len()];
                    for (k, &p) in order.iter().enumerate() {
                        renumber[p as usize] = k as u32;
                    }
                    for c in &mut codes {
                        *c = renumber[*c as usize];
                    }
                }
                let ps = order.iter().map(|&p| stratum_of[p as usize]).collect();
                (codes, order.len(), ps)
            }
        }
    };
    let n_strata = strata.labels.len();
    let mut stratum_npsu = vec![0u32; n_strata];
    for &s in &psu_stratum {
        stratum_npsu[s as usize] += 1;
    }
    // Stage-1 fpc.
    let fpc = design.fpc();
    let mut stratum_f = vec![1.0; n_strata];
    let mut popsize1 = vec![f64::INFINITY; n_strata];
    if let Some(name) = fpc.first() {
        let v = numeric(df, name, "fpc")?;
        let per = constant_within(&v, &strata.codes, n_strata, name, 1, &strata.labels)?;
        popsize1 = stage1_populations(name, &per, &stratum_npsu, &strata.labels)?;
        for h in 0..n_strata {
            if stratum_npsu[h] > 0 {
                let nh = f64::from(stratum_npsu[h]);
                stratum_f[h] = (popsize1[h] - nh) / popsize1[h];
            }
        }
    }
    // Stage 2, only when its fpc is given (otherwise the ultimate-cluster variance).
    let mut unit = None;
    let mut unit_psu: Vec<u32> = (0..n_psu as u32).collect();
    let mut stage2 = None;
    if stages.len() >= 2 && fpc.len() >= 2 {
        if stages.len() > 2 {
            return Err(Error::InvalidDesign(
                "finite population corrections beyond the second stage are not supported".into(),
            ));
        }
        let e2 = encode(df, &stages[1], "stage-2 unit")?;
        if let Some(row) = e2.codes.iter().position(|c| *c == NONE) {
            return Err(Error::MissingDesignValue {
                column: stages[1].clone(),
                row,
            });
        }
        let l2 = e2.labels.len() as u64;
        let keys: Vec<u64> = (0..n)
            .map(|i| psu_of_row[i] as u64 * l2 + e2.codes[i] as u64)
            .collect();
        let (codes, uniq) = dense(&keys);
        unit = Some(codes);
        unit_psu = uniq.iter().map(|k| (k / l2) as u32).collect();
        let mut n_units = vec![0u32; n_psu];
        for &p in &unit_psu {
            n_units[p as usize] += 1;
        }
        let v = numeric(df, &fpc[1], "fpc")?;
        let psu_labels: Vec<String> = (0..n_psu).map(|p| format!("PSU #{p}")).collect();
        let per = constant_within(&v, &psu_of_row, n_psu, &fpc[1], 2, &psu_labels)?;
        let fractions = per.iter().all(|x| *x <= 1.0);
        let mut f = vec![1.0; n_psu];
        let mut frac1 = vec![0.0; n_psu];
        for p in 0..n_psu {
            let n2 = n_units[p] as f64;
            let big_n = if fractions { n2 / per[p] } else { per[p] };
            if big_n.is_nan() || big_n <= 0.0 || big_n < n2 {
                return Err(Error::InvalidFpc {
                    column: fpc[1].clone(),
                    stage: 2,
                    reason: format!(
                        "a PSU has population {big_n} smaller than its {n2} sampled units"
                    ),
                });
            }
            f[p] = (big_n - n2) / big_n;
            let h = psu_stratum[p] as usize;
            frac1[p] = stratum_npsu[h] as f64 / popsize1[h];
        }
        stage2 = Some(Stage2 { n_units, f, frac1 });
    }
    let s = Structure {
        unit: unit.unwrap_or(psu_of_row),
        unit_psu,
        psu_stratum,
        stratum_npsu,
        stratum_f,
        stratum_labels: strata.labels,
        stage2,
        lonely: design.lonely_psu(),
    };
    if s.lonely == LonelyPsu::Fail {
        for h in 0..s.n_strata() {
            if s.stratum_npsu[h] == 1 && s.stratum_f[h] >= 1e-7 {
                return Err(Error::LonelyPsu {
                    stratum: s.stratum_labels[h].clone(),
                    stage: 1,
                });
            }
        }
        if let Some(st2) = &s.stage2 {
            for p in 0..st2.n_units.len() {
                if st2.n_units[p] == 1 && st2.f[p] >= 1e-7 {
                    return Err(Error::LonelyPsu {
                        stratum: format!(
                            "PSU #{p} of stratum {}",
                            s.stratum_labels[s.psu_stratum[p] as usize]
                        ),
                        stage: 2,
                    });
                }
            }
        }
    }
    Ok(s)
}

fn constant_within(
    v: &[f64],
    group: &[u32],
    n_groups: usize,
    column: &str,
    stage: usize,
    labels: &[String],
) -> Result<Vec<f64>> {
    let mut per = vec![f64::NAN; n_groups];
    for (i, (&x, &g)) in v.iter().zip(group).enumerate() {
        if !x.is_finite() || x <= 0.0 {
            return Err(Error::InvalidFpc {
                column: column.to_string(),
                stage,
                reason: format!("row {i} has {x}; fpc values must be finite and > 0"),
            });
        }
        let slot = &mut per[g as usize];
        if slot.is_nan() {
            *slot = x;
        } else if *slot != x {
            return Err(Error::InvalidFpc {
                column: column.to_string(),
                stage,
                reason: format!(
                    "not constant within `{}` (row {i} has {x}, another row {})",
                    labels[g as usize], slot
                ),
            });
        }
    }
    Ok(per)
}

/// Read and check the weight column (values read in place, chunk by chunk).
pub(crate) fn weights(df: &DataFrame, name: &str) -> Result<Values> {
    let (w, valid) = numeric_values(df, name, "weight")?;
    if valid.is_some() {
        // Missing weights: the first row at fault (missing, NaN or negative) is named.
        check_weights(&numeric(df, name, "weight")?, name, 0)?;
    }
    for (start, chunk) in w.chunks() {
        check_weights(chunk, name, start)?;
    }
    Ok(w)
}

/// Every weight must be finite and non-negative; `w` are the weights of the rows from
/// `first_row` on (rows are numbered from there in the error).
pub(crate) fn check_weights(w: &[f64], name: &str, first_row: usize) -> Result<()> {
    // One vectorisable pass; the row at fault is looked for only when there is one.
    let ok = w
        .iter()
        .fold(true, |ok, &x| ok & (0.0..=f64::MAX).contains(&x));
    if ok {
        return Ok(());
    }
    if let Some(row) = w.iter().position(|x| !(x.is_finite() && *x >= 0.0)) {
        return Err(Error::InvalidWeight {
            column: name.to_string(),
            row: first_row + row,
            value: if w[row].is_nan() {
                "missing or NaN".to_string()
            } else {
                w[row].to_string()
            },
        });
    }
    Ok(())
}

/// A condition to evaluate on the rows: its SQL text and its role (for messages).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Condition<'a> {
    /// SQL boolean expression.
    pub sql: &'a str,
    /// What the condition is for, e.g. `universe`.
    pub role: &'a str,
}

impl Condition<'_> {
    fn error(&self, message: String) -> Error {
        Error::BadCondition {
            condition: self.sql.to_string(),
            role: self.role.to_string(),
            message,
        }
    }
}

/// Evaluate SQL conditions on the rows, all in one query (polars evaluates them in
/// parallel): per condition, one Boolean value per row, NULL where the condition is NULL;
/// then `then` of that result, on the condition thread, while this thread runs `alongside`
/// (work that does not need the conditions: polars' SQL planning is serial, and the other
/// core would wait for it). Returns both results.
///
/// Conditions longer than [`MAX_SQL_CHARS`] are refused, and parsing and evaluation run on
/// the large SQL stack ([`crate::sql`]): an error names the condition at fault.
pub(crate) fn conditions_alongside<T: Send, R>(
    df: &DataFrame,
    items: &[Condition],
    then: &(impl Fn(Result<Vec<BooleanChunked>>) -> T + Sync),
    alongside: impl FnOnce() -> R,
) -> (T, R) {
    for c in items {
        if let Some(chars) = sql::too_long(c.sql) {
            let refused = Err(Error::BadCondition {
                condition: c.sql.chars().take(80).collect::<String>() + "…",
                role: c.role.to_string(),
                message: format!(
                    "{chars} characters is longer than the {MAX_SQL_CHARS} allowed; write long lists of codes as `col IN (...)`"
                ),
            });
            return (then(refused), alongside());
        }
    }
    if items.is_empty() {
        return (then(Ok(Vec::new())), alongside());
    }
    sql::on_sql_stack_alongside(
        "sql-condition",
        || then(evaluate_conditions(df, items)),
        alongside,
    )
}

fn evaluate_conditions(df: &DataFrame, items: &[Condition]) -> Result<Vec<BooleanChunked>> {
    let name = |k: usize| format!("__hri_condition_{k}");
    let exprs = items
        .iter()
        .enumerate()
        .map(|(k, c)| {
            polars::sql::sql_expr(c.sql)
                .map(|e| e.alias(name(k)))
                .map_err(|e| c.error(e.to_string()))
        })
        .collect::<Result<Vec<_>>>()?;
    // A select over columns in memory: only type coercion and checks are worth their
    // planning time.
    let plan = df
        .clone()
        .lazy()
        .with_optimizations(OptFlags::TYPE_COERCION | OptFlags::TYPE_CHECK);
    let out = match plan.select(exprs).collect() {
        Ok(out) => out,
        // Find the condition at fault: evaluate them one by one.
        Err(e) if items.len() > 1 => {
            for c in items {
                evaluate_conditions(df, std::slice::from_ref(c))?;
            }
            return Err(items[0].error(e.to_string()));
        }
        Err(e) => return Err(items[0].error(e.to_string())),
    };
    let n = df.height();
    items
        .iter()
        .enumerate()
        .map(|(k, c)| {
            let col = out.column(&name(k)).map_err(|e| c.error(e.to_string()))?;
            if col.dtype() != &DataType::Boolean {
                return Err(c.error(format!(
                    "evaluates to {}, not a true/false condition",
                    col.dtype()
                )));
            }
            let ca = col.bool().map_err(|e| c.error(e.to_string()))?;
            match ca.len() {
                len if len == n => Ok(ca.clone()),
                1 => Ok(match ca.get(0) {
                    Some(v) => BooleanChunked::full(PlSmallStr::EMPTY, v, n),
                    None => BooleanChunked::full_null(PlSmallStr::EMPTY, n),
                }),
                len => Err(c.error(format!("gives {len} values for {n} rows"))),
            }
        })
        .collect()
}

/// The columns an SQL condition reads (parsed on the large SQL stack, as
/// [`conditions_alongside`]).
pub(crate) fn condition_columns(sql: &str, role: &str) -> Result<Vec<String>> {
    if sql::too_long(sql).is_some() {
        return Err(Error::BadCondition {
            condition: sql.chars().take(80).collect::<String>() + "…",
            role: role.to_string(),
            message: format!("longer than the {MAX_SQL_CHARS} characters allowed"),
        });
    }
    sql::on_sql_stack("sql-columns", || {
        polars::sql::sql_expr(sql)
            .map(|e| {
                e.meta()
                    .root_names()
                    .into_iter()
                    .map(|n| n.to_string())
                    .collect()
            })
            .map_err(|e| Error::BadCondition {
                condition: sql.to_string(),
                role: role.to_string(),
                message: e.to_string(),
            })
    })
}

/// Per stratum, the stage-1 population size N_h from the stratum's fpc value `fpc[h]`
/// (population counts, or sampling fractions n_h / N_h when every value is ≤ 1), infinite
/// for a stratum without PSUs. A population smaller than the sampled PSUs (or not a
/// positive number) is an [`Error::InvalidFpc`] naming `column` and the stratum's label.
pub(crate) fn stage1_populations(
    column: &str,
    fpc: &[f64],
    npsu: &[u32],
    labels: &[String],
) -> Result<Vec<f64>> {
    let fractions = fpc.iter().all(|x| *x <= 1.0);
    let mut populations = vec![f64::INFINITY; npsu.len()];
    for h in 0..npsu.len() {
        let nh = f64::from(npsu[h]);
        if nh == 0.0 {
            continue;
        }
        let big_n = if fractions { nh / fpc[h] } else { fpc[h] };
        if big_n.is_nan() || big_n <= 0.0 || big_n < nh {
            return Err(Error::InvalidFpc {
                column: column.to_string(),
                stage: 1,
                reason: format!(
                    "stratum `{}`: population {} is smaller than the {} sampled PSUs",
                    labels[h], big_n, nh
                ),
            });
        }
        populations[h] = big_n;
    }
    Ok(populations)
}
