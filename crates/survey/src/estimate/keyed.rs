//! Partial sums keyed by labels ([`KeyedSums`]): the per (sampling unit, domain cell) sums
//! of [`PartialSums`], with each unit named by its stratum and PSU labels and each cell by
//! its by-column labels instead of codes that depend on one data frame. Sums of the batches
//! of a stream, or of partitions read on different machines, therefore merge exactly, and
//! finish into the table that the whole data gives in memory.

/// Hash maps of labels (foldhash: several times faster than the default on short text).
type HashMap<K, V> = foldhash::HashMap<K, V>;

use polars::prelude::*;

use super::cells::{Cells, groupings};
use super::encode::NONE;
use super::finish::{Computed, VarianceFrom, finish};
use super::measures::{Kind, MeasureData};
use super::partial::{EXTRAS, PartialSums};
use super::prepare::Structure;
use super::prepared::Prepared;
use super::request::{CiMethod, Request, Statistic};
use super::table::{self, Estimates, Gaps};
use super::values::Values;
use crate::design::{Design, LonelyPsu};
use crate::error::{Error, Result};

/// A sampling unit of keyed sums: its stratum and PSU label (`None`: a row that is its own
/// unit, in a design without PSUs).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Unit {
    /// Index into [`KeyedSums::strata`].
    pub stratum: u32,
    /// PSU label.
    pub psu: Option<String>,
}

/// Partial sums of a request under a design, keyed by labels: they merge across batches,
/// files and machines ([`KeyedSums::merge`]) and [`KeyedSums::finish`] into the estimates
/// of all the rows added. Memory is one entry per (sampling unit, domain cell) present.
#[derive(Debug, Clone)]
pub struct KeyedSums {
    pub(crate) request: Request,
    pub(crate) design: Design,
    /// Where the sums come from (a file name), for messages.
    pub(crate) source: String,
    /// The by-columns, in first-use order.
    pub(crate) columns: Vec<String>,
    pub(crate) strata: Vec<String>,
    stratum_index: HashMap<String, u32>,
    /// Per stratum: the stage-1 fpc value (NaN without an fpc).
    pub(crate) fpc: Vec<f64>,
    pub(crate) units: Vec<Unit>,
    unit_index: HashMap<String, u32>,
    /// Per cell: the label of each by-column (`None`: missing).
    pub(crate) cells: Vec<Vec<Option<String>>>,
    cell_index: HashMap<Vec<Option<String>>, u32>,
    /// Per cell: rows, then [`EXTRAS`] per measure.
    pub(crate) cell_extra: Vec<f64>,
    /// Keys `unit << 32 | cell`, sorted; `n_cells` is 0 (unused).
    pub(crate) table: PartialSums,
    /// Entries of units met before the table's last key, merged in later.
    stragglers: PartialSums,
    pub(crate) rows: u64,
    /// Per stratum: rows added.
    pub(crate) stratum_rows: Vec<u64>,
    /// Keep cell totals only (every unit's entries added into one): the first pass of
    /// streaming in bounded memory, which needs the units' names but not their sums.
    pub(crate) cells_only: bool,
}

impl KeyedSums {
    /// Empty sums for `request` under `design`. Refused ([`Error::NotMergeable`]), because
    /// they need the rows themselves: quantiles (an exact quantile needs every value of its
    /// domain), the logit interval (R's glm fit on the rows), replicate weights, calibrated
    /// weights, an fpc at the second stage, and the lonely-PSU policy `average`.
    pub fn new(request: &Request, design: &Design) -> Result<Self> {
        request.validate()?;
        let refuse = |what: &str| {
            Err(Error::NotMergeable {
                what: what.to_string(),
            })
        };
        if let Some(m) = request
            .measures
            .iter()
            .find(|m| matches!(m.statistic, Statistic::Quantile { .. }))
        {
            return refuse(&format!(
                "quantile `{}`: an exact quantile needs every value of its domain; estimate quantiles from the whole data in memory",
                m.id
            ));
        }
        if request.ci == CiMethod::Logit {
            return refuse("the logit interval fits R's glm on the rows; use xlogit or beta");
        }
        if design.replicates().is_some() {
            return refuse(
                "replicate-weight designs (the sums are per replicate and row pattern); estimate in memory",
            );
        }
        if design.calibration().is_some() {
            return refuse(
                "calibrated weights (the calibration needs every row first); estimate in memory",
            );
        }
        if design.stages().len() >= 2 && design.fpc().len() >= 2 {
            return refuse("a second-stage fpc; estimate in memory");
        }
        if design.lonely_psu() == LonelyPsu::Average {
            return refuse("the lonely-PSU policy `average`; estimate in memory");
        }
        let mut columns: Vec<String> = Vec::new();
        for g in request.groupings() {
            for c in g {
                if !columns.contains(&c) {
                    columns.push(c);
                }
            }
        }
        let m = request.measures.len();
        Ok(KeyedSums {
            request: request.clone(),
            design: design.clone(),
            source: String::new(),
            columns,
            strata: Vec::new(),
            stratum_index: HashMap::default(),
            fpc: Vec::new(),
            units: Vec::new(),
            unit_index: HashMap::default(),
            cells: Vec::new(),
            cell_index: HashMap::default(),
            cell_extra: Vec::new(),
            table: PartialSums::empty(m, 0),
            stragglers: PartialSums::empty(m, 0),
            rows: 0,
            stratum_rows: Vec::new(),
            cells_only: false,
        })
    }

    /// These sums as the first of two passes over a stream ([`super::StratumPass`]): cell
    /// totals and the names of strata and PSUs only, every unit's entries added into one.
    pub fn first_pass(mut self) -> Self {
        self.cells_only = true;
        self
    }

    /// The groups met of a disaggregation `by` (one of the request's): each domain's labels
    /// in `by`'s order, rows with a missing by-value left out, sorted and each once. This
    /// is what the finished table will have a row for, known before the variance.
    pub fn groups(&self, by: &[String]) -> Vec<Vec<String>> {
        let idx: Vec<Option<usize>> = by
            .iter()
            .map(|c| self.columns.iter().position(|x| x == c))
            .collect();
        let mut out: Vec<Vec<String>> = self
            .cells
            .iter()
            .filter_map(|cell| {
                idx.iter()
                    .map(|j| j.and_then(|j| cell[j].clone()))
                    .collect::<Option<Vec<String>>>()
            })
            .collect();
        out.sort();
        out.dedup();
        out
    }

    /// Name the source of these sums (a file), used in merge errors.
    pub fn with_source(mut self, source: impl Into<String>) -> Self {
        self.source = source.into();
        self
    }

    /// The request.
    pub fn request(&self) -> &Request {
        &self.request
    }

    /// The design.
    pub fn design(&self) -> &Design {
        &self.design
    }

    /// The request's by-columns, in first-use order: the by-columns of the estimates
    /// table that [`KeyedSums::finish`] gives, in its order.
    pub fn by_columns(&self) -> &[String] {
        &self.columns
    }

    /// Rows added.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// Number of (unit, cell) entries held.
    pub fn entries(&self) -> usize {
        self.table.keys.len() + self.stragglers.keys.len()
    }

    /// Number of sampling units met.
    pub fn units(&self) -> usize {
        self.units.len()
    }

    pub(crate) fn width_extra(&self) -> usize {
        1 + self.request.measures.len() * EXTRAS
    }

    pub(crate) fn stratum(&mut self, label: &str) -> u32 {
        if let Some(&h) = self.stratum_index.get(label) {
            return h;
        }
        let h = self.strata.len() as u32;
        self.strata.push(label.to_string());
        self.stratum_index.insert(label.to_string(), h);
        self.fpc.push(f64::NAN);
        self.stratum_rows.push(0);
        h
    }

    /// The unit of a PSU label in a stratum, if met.
    pub(crate) fn find_unit(&self, stratum: &str, psu: &str) -> Option<u32> {
        if self.design.nest() {
            self.unit_index
                .get(&format!("{stratum}\u{1f}{psu}"))
                .copied()
        } else {
            self.unit_index.get(psu).copied()
        }
    }

    /// The cell of by-column labels, if met.
    pub(crate) fn find_cell(&self, labels: &[Option<String>]) -> Option<u32> {
        self.cell_index.get(labels).copied()
    }

    /// The stratum of a label, if met.
    pub(crate) fn find_stratum(&self, label: &str) -> Option<u32> {
        self.stratum_index.get(label).copied()
    }

    pub(crate) fn set_fpc(&mut self, h: u32, value: f64, row: Option<u64>) -> Result<()> {
        let column = self.design.fpc().first().cloned().unwrap_or_default();
        let at = row.map_or(String::new(), |r| format!("row {r} has {value}; "));
        if !value.is_finite() || value <= 0.0 {
            return Err(Error::InvalidFpc {
                column,
                stage: 1,
                reason: format!("{at}fpc values must be finite and > 0"),
            });
        }
        let slot = &mut self.fpc[h as usize];
        if slot.is_nan() {
            *slot = value;
        } else if *slot != value {
            return Err(Error::InvalidFpc {
                column,
                stage: 1,
                reason: format!(
                    "{at}not constant within `{}` (also {})",
                    self.strata[h as usize], slot
                ),
            });
        }
        Ok(())
    }

    /// The global unit of a PSU label in stratum `h` (new units are added).
    pub(crate) fn unit(&mut self, h: u32, psu: Option<&str>) -> Result<u32> {
        let Some(psu) = psu else {
            self.units.push(Unit {
                stratum: h,
                psu: None,
            });
            return Ok(self.units.len() as u32 - 1);
        };
        let key = if self.design.nest() {
            format!("{}\u{1f}{psu}", self.strata[h as usize])
        } else {
            psu.to_string()
        };
        if let Some(&u) = self.unit_index.get(&key) {
            let seen = self.units[u as usize].stratum;
            if seen != h {
                return Err(Error::PsuNotNested {
                    column: self.design.stages().first().cloned().unwrap_or_default(),
                    psu: psu.to_string(),
                    stratum_a: self.strata[seen as usize].clone(),
                    stratum_b: self.strata[h as usize].clone(),
                });
            }
            return Ok(u);
        }
        let u = self.units.len() as u32;
        self.units.push(Unit {
            stratum: h,
            psu: Some(psu.to_string()),
        });
        self.unit_index.insert(key, u);
        Ok(u)
    }

    pub(crate) fn cell(&mut self, labels: Vec<Option<String>>) -> u32 {
        if let Some(&c) = self.cell_index.get(&labels) {
            return c;
        }
        let c = self.cells.len() as u32;
        self.cells.push(labels.clone());
        self.cell_index.insert(labels, c);
        let ex = self.width_extra();
        self.cell_extra.resize(self.cell_extra.len() + ex, 0.0);
        c
    }

    /// A batch prepared under its own structure: one stage, no fpc, no lonely-PSU check
    /// (a batch may hold one PSU of a stratum); the whole design's rules apply at the end.
    /// Errors name rows by their number in the stream (`first_row` is the batch's first).
    pub(crate) fn prepare_batch(&self, batch: &DataFrame, first_row: u64) -> Result<Prepared> {
        let d = &self.design;
        let mut b = Design::builder(d.weight())
            .nest(d.nest())
            .lonely_psu(LonelyPsu::Remove);
        if let Some(s) = d.strata() {
            b = b.strata(s);
        }
        if let Some(p) = d.stages().first() {
            b = b.psu(p);
        }
        let batch_design = b.build()?;
        for c in d.columns() {
            if batch.column(&c).is_err() {
                return Err(Error::UnknownColumn {
                    column: c,
                    role: "design".into(),
                });
            }
        }
        let p = Prepared::new(
            batch,
            &batch_design,
            &self.request.measures,
            &self.request.groupings(),
        )
        .map_err(|e| shift_rows(e, first_row))?;
        if p.structure.is_none() {
            return Err(Error::InvalidDesign("no sampling structure".into()));
        }
        Ok(p)
    }

    /// Per unit of a batch's structure `s`: its rows, and its PSU label (the value of its
    /// first row as text; `None` in a design without PSUs). Only one value per unit is
    /// turned into text, not the whole column.
    pub(crate) fn batch_units(
        &self,
        batch: &DataFrame,
        s: &Structure,
    ) -> Result<(Vec<u64>, Vec<Option<String>>)> {
        let n_units = s.unit_psu.len();
        let mut first_of_unit = vec![IdxSize::MAX; n_units];
        let mut unit_rows = vec![0u64; n_units];
        for (i, &u) in s.unit.iter().enumerate() {
            let u = u as usize;
            if first_of_unit[u] == IdxSize::MAX {
                first_of_unit[u] = i as IdxSize;
            }
            unit_rows[u] += 1;
        }
        let labels = match self.design.stages().first() {
            Some(name) => {
                let firsts = batch.column(name)?.take_slice(&first_of_unit)?;
                let text = firsts.cast(&DataType::String)?;
                text.str()?.iter().map(|l| l.map(str::to_string)).collect()
            }
            None => vec![None; n_units],
        };
        Ok((unit_rows, labels))
    }

    /// Add the rows of a batch: `first_row` is the number of its first row in the whole
    /// stream (errors name rows by it).
    pub fn add(&mut self, batch: &DataFrame, first_row: u64) -> Result<()> {
        if batch.height() == 0 {
            return Ok(());
        }
        let d = self.design.clone();
        let p = self.prepare_batch(batch, first_row)?;
        let Some(s) = &p.structure else {
            return Err(Error::InvalidDesign("no sampling structure".into()));
        };
        // Strata and units.
        let strata: Vec<u32> = s.stratum_labels.iter().map(|l| self.stratum(l)).collect();
        let (unit_rows, labels) = self.batch_units(batch, s)?;
        let mut unit_map = Vec::with_capacity(labels.len());
        for (u, label) in labels.iter().enumerate() {
            let h = strata[s.psu_stratum[s.unit_psu[u] as usize] as usize];
            unit_map.push(self.unit(h, label.as_deref())?);
            self.stratum_rows[h as usize] += unit_rows[u];
        }
        if self.cells_only {
            unit_map.iter_mut().for_each(|u| *u = 0);
        }
        if let Some(name) = d.fpc().first() {
            let v = batch.column(name)?.cast(&DataType::Float64)?;
            let v = v.f64()?;
            let mut last = (u32::MAX, f64::NAN);
            for (i, x) in v.iter().enumerate() {
                let h = strata[s.psu_stratum[s.unit_psu[s.unit[i] as usize] as usize] as usize];
                let x = x.unwrap_or(f64::NAN);
                if (h, x.to_bits()) == (last.0, last.1.to_bits()) {
                    continue;
                }
                last = (h, x);
                self.set_fpc(h, x, Some(first_row + i as u64))?;
            }
        }
        // Cells.
        let cell_map: Vec<u32> = (0..p.cells.n_cells)
            .map(|c| self.cell(p.cells.cell_labels(c)))
            .collect();
        // The first pass of two needs cell totals only: the totals pass (keys are the
        // cells, unit 0), without the (unit, cell) table.
        let ps = if self.cells_only {
            p.accumulate_cells_all(true)
        } else {
            p.accumulate_all()
        };
        let ex = self.width_extra();
        for (c, &g) in cell_map.iter().enumerate() {
            let from = &ps.cell_extra[c * ex..(c + 1) * ex];
            for (a, b) in self.cell_extra[g as usize * ex..(g as usize + 1) * ex]
                .iter_mut()
                .zip(from)
            {
                *a += b;
            }
        }
        let nc = p.cells.n_cells as u64;
        let keys: Vec<u64> = ps
            .keys
            .iter()
            .map(|&k| {
                let (u, c) = ((k / nc) as usize, (k % nc) as usize);
                (u64::from(unit_map[u]) << 32) | u64::from(cell_map[c])
            })
            .collect();
        self.rows += ps.rows;
        let table = sorted(keys, ps.values, self.request.measures.len(), ps.rows);
        self.push(table);
        Ok(())
    }

    /// Add a table of global keys: the entries past the main table's last key are
    /// appended, the others merged in later (a stream sorted by PSU appends nearly all).
    pub(crate) fn push(&mut self, t: PartialSums) {
        let last = self.table.keys.last().copied();
        let split = match last {
            Some(l) => t.keys.partition_point(|&k| k <= l),
            None => 0,
        };
        let k = t.width();
        if split > 0 {
            let lo = PartialSums {
                keys: t.keys[..split].to_vec(),
                values: t.values[..split * k].to_vec(),
                ..PartialSums::empty(t.n_measures, 0)
            };
            let s = std::mem::replace(&mut self.stragglers, PartialSums::empty(t.n_measures, 0));
            self.stragglers = s
                .merge(lo)
                .unwrap_or_else(|| PartialSums::empty(t.n_measures, 0));
        }
        self.table.keys.extend_from_slice(&t.keys[split..]);
        self.table.values.extend_from_slice(&t.values[split * k..]);
        if self.stragglers.keys.len() > self.table.keys.len() / 4 + 1024 {
            self.consolidate();
        }
    }

    /// Merge the stragglers into the main table.
    pub(crate) fn consolidate(&mut self) {
        if self.stragglers.keys.is_empty() {
            return;
        }
        let m = self.request.measures.len();
        let a = std::mem::replace(&mut self.table, PartialSums::empty(m, 0));
        let b = std::mem::replace(&mut self.stragglers, PartialSums::empty(m, 0));
        self.table = a.merge(b).unwrap_or_else(|| PartialSums::empty(m, 0));
    }

    /// Add another's sums to these: both must come from the same request and design
    /// ([`Error::PartialMismatch`] otherwise, naming the other's source).
    pub fn merge(&mut self, other: KeyedSums) -> Result<()> {
        let mismatch = |field: &str| Error::PartialMismatch {
            file: other.source.clone(),
            first: self.source.clone(),
            field: field.to_string(),
        };
        if other.request != self.request {
            return Err(mismatch("request"));
        }
        if other.design != self.design {
            return Err(mismatch("design"));
        }
        let mut other = other;
        other.consolidate();
        let strata: Vec<u32> = other.strata.iter().map(|l| self.stratum(l)).collect();
        for (h, &r) in other.stratum_rows.iter().enumerate() {
            self.stratum_rows[strata[h] as usize] += r;
        }
        for (h, &x) in other.fpc.iter().enumerate() {
            if !x.is_nan() {
                self.set_fpc(strata[h], x, None)?;
            }
        }
        let mut unit_map = Vec::with_capacity(other.units.len());
        for u in &other.units {
            unit_map.push(self.unit(strata[u.stratum as usize], u.psu.as_deref())?);
        }
        let ex = self.width_extra();
        let mut cell_map = Vec::with_capacity(other.cells.len());
        for (c, labels) in other.cells.iter().enumerate() {
            let g = self.cell(labels.clone());
            for (a, b) in self.cell_extra[g as usize * ex..(g as usize + 1) * ex]
                .iter_mut()
                .zip(&other.cell_extra[c * ex..(c + 1) * ex])
            {
                *a += b;
            }
            cell_map.push(g);
        }
        let keys: Vec<u64> = other
            .table
            .keys
            .iter()
            .map(|&k| {
                let (u, c) = ((k >> 32) as usize, (k & 0xffff_ffff) as usize);
                (u64::from(unit_map[u]) << 32) | u64::from(cell_map[c])
            })
            .collect();
        self.rows += other.rows;
        let t = sorted(
            keys,
            other.table.values,
            self.request.measures.len(),
            other.rows,
        );
        self.push(t);
        Ok(())
    }

    /// The estimates of every row added: the table [`super::Survey::estimate`] gives on
    /// all of them (to rounding), in the same order.
    pub fn finish(mut self) -> Result<Estimates> {
        let sk = self.skeleton()?;
        let computed = finish(
            &sk.p,
            &sk.sums,
            VarianceFrom::Table(&sk.sums),
            &self.request,
            &[],
        )?;
        Ok(self.estimates(&sk.p, &computed))
    }

    /// As [`KeyedSums::finish`], with the gaps of `specs` (each `by` one of the request's
    /// disaggregations) from the same sums: the tables [`super::Survey::estimate`] and
    /// [`super::Survey::gaps`] give on all the rows (to rounding), the gaps' standard
    /// errors with the covariance of their two domains.
    pub fn finish_with_gaps(mut self, specs: &[super::GapSpec]) -> Result<(Estimates, Vec<Gaps>)> {
        let sk = self.skeleton()?;
        let groupings = self.request.groupings();
        let (pairs, per_spec) =
            super::gap_pairs(&sk.p, &groupings, specs, self.request.measures.len())?;
        let computed = finish(
            &sk.p,
            &sk.sums,
            VarianceFrom::Table(&sk.sums),
            &self.request,
            &pairs,
        )?;
        let gaps = gap_tables(&sk.p, &computed, &self.request, specs, &per_spec);
        Ok((self.estimates(&sk.p, &computed), gaps))
    }

    /// The estimates from what [`finish`] computed, in the request's measure order (each
    /// id once), as `Survey::estimate` gives them.
    pub(crate) fn estimates(&self, p: &Prepared, computed: &Computed) -> Estimates {
        let rows = table::rows(p, &computed.rows, &self.request);
        let mut out = Vec::with_capacity(rows.len());
        let mut taken = std::collections::HashSet::new();
        for spec in &self.request.measures {
            if taken.insert(spec.id.as_str()) {
                out.extend(rows.iter().filter(|r| r.measure == spec.id).cloned());
            }
        }
        table::estimates(p, out)
    }

    /// The whole design and domains as the finishing pass needs them: a [`Prepared`]
    /// without rows, and the sums keyed `unit * n_cells + cell` in its order (units by
    /// stratum, then PSU label; cells and strata in the in-memory engine's order). The
    /// table is moved out of `self`.
    pub(crate) fn skeleton(&mut self) -> Result<Skeleton> {
        self.consolidate();
        let m = self.request.measures.len();
        let ex = self.width_extra();
        // Levels of each by-column, sorted as the in-memory engine sorts them.
        let mut labels: Vec<Vec<String>> = vec![Vec::new(); self.columns.len()];
        for cell in &self.cells {
            for (j, l) in cell.iter().enumerate() {
                if let Some(l) = l {
                    labels[j].push(l.clone());
                }
            }
        }
        for l in &mut labels {
            sort_labels(l);
        }
        let codes: Vec<Vec<u32>> = self
            .cells
            .iter()
            .map(|cell| {
                cell.iter()
                    .enumerate()
                    .map(|(j, l)| match l {
                        Some(l) => labels[j]
                            .binary_search_by(|x| cmp_labels(x, l))
                            .map_or(NONE, |p| p as u32),
                        None => NONE,
                    })
                    .collect()
            })
            .collect();
        // Cells in the order of their mixed-radix key (missing last), as in memory.
        let mut cell_order: Vec<u32> = (0..self.cells.len() as u32).collect();
        cell_order.sort_by(|&a, &b| {
            let key = |c: u32| {
                codes[c as usize]
                    .iter()
                    .map(|&x| x as u64)
                    .collect::<Vec<_>>()
            };
            key(a).cmp(&key(b))
        });
        let mut new_cell = vec![0u32; self.cells.len()];
        for (k, &c) in cell_order.iter().enumerate() {
            new_cell[c as usize] = k as u32;
        }
        let n_cells = self.cells.len();
        let cell_levels: Vec<Vec<u32>> = cell_order
            .iter()
            .map(|&c| codes[c as usize].clone())
            .collect();
        let mut cell_extra = vec![0.0; n_cells * ex];
        for (c, &k) in new_cell.iter().enumerate() {
            cell_extra[k as usize * ex..(k as usize + 1) * ex]
                .copy_from_slice(&self.cell_extra[c * ex..(c + 1) * ex]);
        }
        let disaggregations = self.request.groupings();
        let groupings = groupings(&self.columns, &cell_levels, &disaggregations);
        // Strata sorted as labels are; units by stratum, then PSU label.
        let mut stratum_order: Vec<u32> = (0..self.strata.len() as u32).collect();
        stratum_order
            .sort_by(|&a, &b| cmp_labels(&self.strata[a as usize], &self.strata[b as usize]));
        let mut new_stratum = vec![0u32; self.strata.len()];
        for (k, &h) in stratum_order.iter().enumerate() {
            new_stratum[h as usize] = k as u32;
        }
        let mut unit_order: Vec<u32> = (0..self.units.len() as u32).collect();
        // PSU labels read as numbers once (not at every comparison).
        let numeric: Vec<Option<f64>> = self
            .units
            .iter()
            .map(|u| u.psu.as_deref().and_then(|l| l.parse::<f64>().ok()))
            .collect();
        unit_order.sort_by(|&a, &b| {
            let (ua, ub) = (&self.units[a as usize], &self.units[b as usize]);
            new_stratum[ua.stratum as usize]
                .cmp(&new_stratum[ub.stratum as usize])
                .then_with(|| match (&ua.psu, &ub.psu) {
                    (Some(x), Some(y)) => match (numeric[a as usize], numeric[b as usize]) {
                        (Some(p), Some(q)) if p != q => p.total_cmp(&q),
                        _ => x.cmp(y),
                    },
                    _ => a.cmp(&b),
                })
        });
        let mut new_unit = vec![0u32; self.units.len()];
        for (k, &u) in unit_order.iter().enumerate() {
            new_unit[u as usize] = k as u32;
        }
        let n_units = self.units.len();
        let psu_stratum: Vec<u32> = unit_order
            .iter()
            .map(|&u| new_stratum[self.units[u as usize].stratum as usize])
            .collect();
        let n_strata = self.strata.len();
        let mut stratum_npsu = vec![0u32; n_strata];
        for &h in &psu_stratum {
            stratum_npsu[h as usize] += 1;
        }
        let stratum_labels: Vec<String> = stratum_order
            .iter()
            .map(|&h| self.strata[h as usize].clone())
            .collect();
        let fpc: Vec<f64> = stratum_order
            .iter()
            .map(|&h| self.fpc[h as usize])
            .collect();
        let stratum_f = stratum_factors(&self.design, &fpc, &stratum_npsu, &stratum_labels)?;
        let structure = Structure {
            unit: Vec::new(),
            unit_psu: (0..n_units as u32).collect(),
            psu_stratum,
            stratum_npsu,
            stratum_f,
            stratum_labels,
            stage2: None,
            lonely: self.design.lonely_psu(),
        };
        if structure.lonely == LonelyPsu::Fail {
            for h in 0..structure.n_strata() {
                if structure.stratum_npsu[h] == 1 && structure.stratum_f[h] >= 1e-7 {
                    return Err(Error::LonelyPsu {
                        stratum: structure.stratum_labels[h].clone(),
                        stage: 1,
                    });
                }
            }
        }
        // The table re-keyed: unit * n_cells + cell, sorted, values moved in place.
        let nc = n_cells as u64;
        let mut keys: Vec<u64> = self
            .table
            .keys
            .iter()
            .map(|&k| {
                let (u, c) = ((k >> 32) as usize, (k & 0xffff_ffff) as usize);
                u64::from(new_unit[u]) * nc + u64::from(new_cell[c])
            })
            .collect();
        let width = self.table.width();
        let mut values = std::mem::take(&mut self.table.values);
        permute_sorted(&mut keys, &mut values, width);
        let sums = PartialSums {
            n_measures: m,
            n_cells,
            keys,
            values,
            cell_extra,
            rows: self.rows,
            rep: Vec::new(),
        };
        let mut dom_offset = vec![0u32];
        for g in &groupings {
            let last = *dom_offset.last().unwrap_or(&0);
            dom_offset.push(last + g.domains.len() as u32);
        }
        let missing_group = groupings
            .iter()
            .map(|g| {
                (0..n_cells)
                    .filter(|&c| g.cell_domain[c] == NONE)
                    .map(|c| sums.cell_extra[c * ex] as u64)
                    .sum()
            })
            .collect();
        let measures = self
            .request
            .measures
            .iter()
            .map(|spec| {
                let kind = match spec.statistic {
                    Statistic::Mean { .. } | Statistic::Quantile { .. } => Kind::Mean,
                    Statistic::Total { .. } => Kind::Total,
                    Statistic::Ratio { .. } => Kind::Ratio,
                    Statistic::Proportion { .. } => Kind::Proportion,
                };
                MeasureData::from_rows(kind, None, Vec::new(), None)
            })
            .collect();
        let p = Prepared {
            n: 0,
            w: Values::from(Vec::new()),
            breaks: vec![0],
            structure: Some(structure),
            replicate: None,
            cells: Cells {
                cell: Vec::new(),
                n_cells,
                columns: self.columns.clone(),
                labels,
                groupings,
                cell_levels,
            },
            dom_offset,
            measures,
            specs: self.request.measures.clone(),
            missing_group,
            universe_bits: None,
            calibration: None,
        };
        Ok(Skeleton {
            p,
            sums,
            new_unit,
            new_cell,
        })
    }
}

/// The gap tables of `specs`, from what [`finish`] computed with their pairs.
pub(crate) fn gap_tables(
    p: &Prepared,
    computed: &Computed,
    request: &Request,
    specs: &[super::GapSpec],
    per_spec: &[(usize, Vec<(usize, super::request::GapPair)>)],
) -> Vec<Gaps> {
    specs
        .iter()
        .zip(per_spec)
        .map(|(s, (g, mine))| table::gaps(p, computed, mine, request, *g, &s.column))
        .collect()
}

/// What [`KeyedSums::skeleton`] gives.
pub(crate) struct Skeleton {
    /// The design and domains, without rows.
    pub p: Prepared,
    /// The sums, keyed `unit * n_cells + cell` in the order of `p`.
    pub sums: PartialSums,
    /// Per unit of the keyed sums: its unit in `p`.
    pub new_unit: Vec<u32>,
    /// Per cell of the keyed sums: its cell in `p`.
    pub new_cell: Vec<u32>,
}

/// Sort `keys` and move each key's `width` values with it, in place (one row of values
/// of scratch space).
fn permute_sorted(keys: &mut [u64], values: &mut [f64], width: usize) {
    if keys.is_sorted() {
        return;
    }
    let mut order: Vec<u32> = (0..keys.len() as u32).collect();
    order.sort_unstable_by_key(|&i| keys[i as usize]);
    // Position i receives the entry at order[i]: follow each cycle once.
    let mut done = vec![false; keys.len()];
    let mut tmp = vec![0.0; width];
    for start in 0..keys.len() {
        if done[start] || order[start] as usize == start {
            done[start] = true;
            continue;
        }
        tmp.copy_from_slice(&values[start * width..(start + 1) * width]);
        let tmp_key = keys[start];
        let mut i = start;
        loop {
            let j = order[i] as usize;
            done[i] = true;
            if j == start {
                values[i * width..(i + 1) * width].copy_from_slice(&tmp);
                keys[i] = tmp_key;
                break;
            }
            values.copy_within(j * width..(j + 1) * width, i * width);
            keys[i] = keys[j];
            i = j;
        }
    }
}

/// A table of the given keys and values (any order), sorted by key, each key once.
pub(crate) fn sorted(
    mut keys: Vec<u64>,
    mut values: Vec<f64>,
    n_measures: usize,
    rows: u64,
) -> PartialSums {
    let mut t = PartialSums::empty(n_measures, 0);
    let width = t.width();
    permute_sorted(&mut keys, &mut values, width);
    // Entries of one key (a file may list a key twice) are added into the first.
    if keys.windows(2).any(|w| w[0] == w[1]) {
        let mut kept = 0;
        for i in 0..keys.len() {
            if i > 0 && keys[i] == keys[kept - 1] {
                for j in 0..width {
                    values[(kept - 1) * width + j] += values[i * width + j];
                }
            } else {
                keys[kept] = keys[i];
                values.copy_within(i * width..(i + 1) * width, kept * width);
                kept += 1;
            }
        }
        keys.truncate(kept);
        values.truncate(kept * width);
    }
    t.keys = keys;
    t.values = values;
    t.rows = rows;
    t
}

/// The order of labels: as numbers when every label is one (integer codes sort as
/// numbers, as the engine sorts them), else as text.
pub(crate) fn cmp_labels(a: &str, b: &str) -> std::cmp::Ordering {
    match (a.parse::<f64>(), b.parse::<f64>()) {
        (Ok(x), Ok(y)) if x != y => x.total_cmp(&y),
        _ => a.cmp(b),
    }
}

/// Sort and deduplicate labels ([`cmp_labels`]).
fn sort_labels(labels: &mut Vec<String>) {
    labels.sort_by(|a, b| cmp_labels(a, b));
    labels.dedup();
}

/// Per stratum, the finite population correction factor (N − n) / N from the stage-1 fpc
/// values (population counts, or fractions when every value is ≤ 1), as in memory.
fn stratum_factors(
    design: &Design,
    fpc: &[f64],
    npsu: &[u32],
    labels: &[String],
) -> Result<Vec<f64>> {
    let mut f = vec![1.0; npsu.len()];
    let Some(name) = design.fpc().first() else {
        return Ok(f);
    };
    let populations = super::prepare::stage1_populations(name, fpc, npsu, labels)?;
    for h in 0..npsu.len() {
        if npsu[h] > 0 {
            let nh = f64::from(npsu[h]);
            f[h] = (populations[h] - nh) / populations[h];
        }
    }
    Ok(f)
}

/// An error of a batch with its rows numbered in the whole stream.
fn shift_rows(e: Error, first_row: u64) -> Error {
    let shift = |row: usize| row + first_row as usize;
    match e {
        Error::InvalidWeight { column, row, value } => Error::InvalidWeight {
            column,
            row: shift(row),
            value,
        },
        Error::MissingDesignValue { column, row } => Error::MissingDesignValue {
            column,
            row: shift(row),
        },
        other => other,
    }
}
