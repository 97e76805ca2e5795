//! Domain cells: the cross-classification of every by-column of a request. Each row gets
//! one cell; each disaggregation maps cells to its domains, so one pass over the rows
//! serves every disaggregation.

use polars::prelude::DataFrame;

use super::encode::{Key, Levels, NONE, dense, dense_in_place};
use super::parallel::PARALLEL_ROWS;
use crate::error::{Error, Result};

/// Domain cells: the cross-classification of every by-column used by any disaggregation.
#[derive(Debug, Clone)]
pub(crate) struct Cells {
    /// Per row: its cell.
    pub cell: Vec<u32>,
    /// Number of cells present.
    pub n_cells: usize,
    /// The union of by-columns, in first-use order.
    pub columns: Vec<String>,
    /// Labels per by-column.
    pub labels: Vec<Vec<String>>,
    /// Per disaggregation: its columns (indices into `columns`), domains as level codes
    /// (one per column of the disaggregation), and cell -> domain map.
    pub groupings: Vec<Grouping>,
    /// Per cell: the level code of each column ([`NONE`] when missing).
    pub cell_levels: Vec<Vec<u32>>,
}

impl Cells {
    /// The labels of cell `c`, one per by-column (`None`: missing).
    pub(crate) fn cell_labels(&self, c: usize) -> Vec<Option<String>> {
        self.cell_levels[c]
            .iter()
            .enumerate()
            .map(|(j, &code)| (code != NONE).then(|| self.labels[j][code as usize].clone()))
            .collect()
    }
}

/// One disaggregation's domains.
#[derive(Debug, Clone)]
pub(crate) struct Grouping {
    /// Indices into [`Cells::columns`].
    pub columns: Vec<usize>,
    /// Per domain: level code of each of `columns`.
    pub domains: Vec<Vec<u32>>,
    /// Per cell: domain index, or [`NONE`] when a group value is missing.
    pub cell_domain: Vec<u32>,
}

/// Build cells for the given disaggregations (each a list of columns; empty = overall).
///
/// A row's cell is the mixed-radix number of its by-column levels (missing = one extra
/// level), folded column by column into one vector and renumbered densely: no vector of
/// codes is stored per column.
pub(crate) fn cells(df: &DataFrame, disaggregations: &[Vec<String>]) -> Result<Cells> {
    let n = df.height();
    let mut columns: Vec<String> = Vec::new();
    for d in disaggregations {
        for c in d {
            if !columns.contains(c) {
                columns.push(c.clone());
            }
        }
    }
    // Each column's levels found at the same time.
    let levels: Vec<Levels> = super::parallel::map(&columns, n >= PARALLEL_ROWS, &|c: &String| {
        Levels::new(df, c, "by (disaggregation)")
    })
    .into_iter()
    .collect::<Result<_>>()?;
    let radix: Vec<u64> = levels.iter().map(|l| l.labels.len() as u64 + 1).collect();
    let space: f64 = radix.iter().map(|r| *r as f64).product();
    if space > 1.8e19 {
        return Err(Error::InvalidRequest(
            "too many crossed by-column levels".into(),
        ));
    }
    let (cell, uniq) = if space <= (4.0 * n as f64).max((1 << 20) as f64) && space < u32::MAX as f64
    {
        let mut keys: Vec<u32> = fold_keys(n, &levels);
        let uniq = dense_in_place(&mut keys, space as usize);
        (keys, uniq.into_iter().map(u64::from).collect())
    } else {
        let keys: Vec<u64> = fold_keys(n, &levels);
        dense(&keys)
    };
    // Level codes of each cell.
    let cell_levels: Vec<Vec<u32>> = uniq
        .iter()
        .map(|&k| {
            let mut k = k;
            let mut lv = vec![0u32; radix.len()];
            for j in (0..radix.len()).rev() {
                let l = k % radix[j];
                k /= radix[j];
                lv[j] = if l == radix[j] - 1 { NONE } else { l as u32 };
            }
            lv
        })
        .collect();
    let groupings = groupings(&columns, &cell_levels, disaggregations);
    Ok(Cells {
        cell,
        n_cells: uniq.len(),
        columns,
        labels: levels.into_iter().map(|l| l.labels).collect(),
        groupings,
        cell_levels,
    })
}

/// Each disaggregation's domains and cell -> domain map, from the level codes of every
/// cell (`cell_levels`, one code per column of `columns`, [`NONE`] when missing).
pub(crate) fn groupings(
    columns: &[String],
    cell_levels: &[Vec<u32>],
    disaggregations: &[Vec<String>],
) -> Vec<Grouping> {
    let mut groupings = Vec::with_capacity(disaggregations.len());
    for d in disaggregations {
        let idx: Vec<usize> = d
            .iter()
            .map(|c| columns.iter().position(|x| x == c).unwrap_or(0))
            .collect();
        let mut doms: Vec<Vec<u32>> = cell_levels
            .iter()
            .map(|lv| idx.iter().map(|&j| lv[j]).collect::<Vec<u32>>())
            .filter(|v: &Vec<u32>| v.iter().all(|c| *c != NONE))
            .collect();
        doms.sort();
        doms.dedup();
        let cell_domain = cell_levels
            .iter()
            .map(|lv| {
                let key: Vec<u32> = idx.iter().map(|&j| lv[j]).collect();
                if key.contains(&NONE) {
                    NONE
                } else {
                    doms.binary_search(&key).map(|p| p as u32).unwrap_or(NONE)
                }
            })
            .collect();
        groupings.push(Grouping {
            columns: idx,
            domains: doms,
            cell_domain,
        });
    }
    groupings
}

/// Per row, the mixed-radix key of its levels (the first column most significant; a
/// missing value is the extra last level), in a key type wide enough for the key space.
fn fold_keys<K: Key>(n: usize, levels: &[Levels]) -> Vec<K> {
    let mut keys = vec![K::from(0); n];
    for l in levels {
        let r = l.labels.len() as u32 + 1;
        l.fold_into(&mut keys, r, r - 1);
    }
    keys
}
