//! Streaming in bounded memory: the second of two passes over a stream ([`StratumPass`]).
//!
//! The first pass keeps only cell totals and the names of strata and PSUs
//! ([`KeyedSums`] with `cells_only`): they give every point estimate and its linearised
//! scores. The second pass keeps the (unit, cell) sums of the strata whose rows have not
//! all been read; as soon as a stratum is complete its units go through the Taylor
//! variance pass (the same code as in memory) and are dropped. The variance is a sum over
//! strata, so the table equals the in-memory one to rounding. Memory: the open strata's
//! sums, which is one or two strata for a file grouped by stratum (as survey files are).

use super::finish::{Computed, VarianceFrom, finish};
use super::keyed::{KeyedSums, Skeleton};
use super::prepared::domain_totals;
use super::table::Estimates;
use super::taylor::{PARALLEL_MIN, Target, VarianceSpec, variances};
use crate::error::{Error, Result};
use polars::prelude::DataFrame;

/// The second pass of streaming in bounded memory: start it from the first pass's sums
/// ([`KeyedSums::first_pass`]), [`add`](StratumPass::add) every batch of the stream again,
/// in any order of batches whose rows come grouped by stratum, then
/// [`finish`](StratumPass::finish). Gaps between domains ([`StratumPass::with_gaps`]) are
/// variance targets of the same pass.
pub struct StratumPass {
    first: KeyedSums,
    /// The gap pairs and, per specification, its grouping and pairs.
    gaps: Vec<super::GapSpec>,
    pairs: Vec<super::request::GapPair>,
    #[allow(clippy::type_complexity)]
    per_spec: Vec<(usize, Vec<(usize, super::request::GapPair)>)>,
    /// Variance targets of the domain × measure estimates (the gap targets follow).
    n_dm: usize,
    sk: Skeleton,
    channels: Vec<super::taylor::Channel>,
    targets: Vec<Target>,
    /// The skeleton's stratum of each label.
    stratum_index: std::collections::HashMap<String, usize>,
    /// Per stratum of the skeleton: rows of the whole stream, and rows read.
    total_rows: Vec<u64>,
    seen_rows: Vec<u64>,
    done: Vec<bool>,
    /// Open entries: keys `unit * n_cells + cell` of the skeleton, and their values.
    keys: Vec<u64>,
    values: Vec<f64>,
    var: Vec<f64>,
    psus: Vec<u32>,
    strata: Vec<u32>,
    /// Most open entries held at once.
    pub(crate) peak_entries: usize,
}

impl std::fmt::Debug for StratumPass {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StratumPass")
            .field("strata", &self.done.len())
            .field("done", &self.done.iter().filter(|d| **d).count())
            .field("open_entries", &self.keys.len())
            .field("gaps", &self.gaps.len())
            .finish()
    }
}

impl StratumPass {
    /// Start the second pass from the first pass's sums.
    pub fn new(first: KeyedSums) -> Result<Self> {
        StratumPass::with_gaps(first, &[])
    }

    /// Start the second pass from the first pass's sums, with the gaps of `specs` (each
    /// `by` one of the request's disaggregations; see [`crate::Survey::gaps`]) computed in
    /// the same pass.
    pub fn with_gaps(mut first: KeyedSums, specs: &[super::GapSpec]) -> Result<Self> {
        if first.units.iter().any(|u| u.psu.is_none()) {
            return Err(Error::NotMergeable {
                what: "a design without PSUs in two passes (each row is its own unit)".into(),
            });
        }
        let sk = first.skeleton()?;
        let tot = domain_totals(&sk.p, &sk.sums);
        let (theta, channels) = super::finish::linearise(&sk.p, &tot);
        let n_dm = channels.len();
        let mut targets: Vec<Target> = (0..n_dm)
            .map(|dm| Target {
                terms: vec![(dm as u32, 1.0)],
            })
            .collect();
        let m = sk.p.measures.len();
        let (pairs, per_spec) = super::gap_pairs(&sk.p, &first.request.groupings(), specs, m)?;
        // The difference and the ratio of each pair, as `finish` linearises them.
        for gp in &pairs {
            let a = gp.a * m + gp.measure;
            let b = gp.b * m + gp.measure;
            targets.push(Target {
                terms: vec![(a as u32, 1.0), (b as u32, -1.0)],
            });
            let (ta, tb) = (theta[a], theta[b]);
            targets.push(Target {
                terms: vec![(a as u32, 1.0 / tb), (b as u32, -ta / (tb * tb))],
            });
        }
        let Some(s) = &sk.p.structure else {
            return Err(Error::InvalidDesign("no sampling structure".into()));
        };
        let n_strata = s.n_strata();
        // strata of the skeleton are sorted labels; the first pass's are in first-seen order
        let stratum_index: std::collections::HashMap<String, usize> = s
            .stratum_labels
            .iter()
            .enumerate()
            .map(|(k, l)| (l.clone(), k))
            .collect();
        let mut total_rows = vec![0u64; n_strata];
        for (h, label) in first.strata.iter().enumerate() {
            if let Some(&k) = stratum_index.get(label) {
                total_rows[k] += first.stratum_rows[h];
            }
        }
        let n_targets = targets.len();
        Ok(StratumPass {
            first,
            gaps: specs.to_vec(),
            pairs,
            per_spec,
            n_dm,
            stratum_index,
            total_rows,
            seen_rows: vec![0; n_strata],
            done: vec![false; n_strata],
            keys: Vec::new(),
            values: Vec::new(),
            var: vec![0.0; n_targets],
            psus: vec![0; n_dm],
            strata: vec![0; n_dm],
            peak_entries: 0,
            channels,
            targets,
            sk,
        })
    }

    /// The skeleton's stratum of a label.
    fn stratum_of(&self, label: &str) -> Option<usize> {
        self.stratum_index.get(label).copied()
    }

    /// Add a batch (rows numbered from `first_row` in the stream).
    pub fn add(&mut self, batch: &DataFrame, first_row: u64) -> Result<()> {
        let mut b = KeyedSums::new(&self.first.request, &self.first.design)?;
        b.add(batch, first_row)?;
        b.consolidate();
        let changed = |what: String| {
            Error::InvalidRequest(format!(
                "the data changed between the two passes of streaming: {what} was not in the first"
            ))
        };
        let nc = self.sk.p.cells.n_cells as u64;
        let mut unit_map = Vec::with_capacity(b.units.len());
        for u in &b.units {
            let stratum = &b.strata[u.stratum as usize];
            let psu = u.psu.as_deref().unwrap_or_default();
            let g = self
                .first
                .find_unit(stratum, psu)
                .ok_or_else(|| changed(format!("PSU `{psu}`")))?;
            unit_map.push(u64::from(self.sk.new_unit[g as usize]));
        }
        let mut cell_map = Vec::with_capacity(b.cells.len());
        for c in &b.cells {
            let g = self
                .first
                .find_cell(c)
                .ok_or_else(|| changed(format!("group {c:?}")))?;
            cell_map.push(u64::from(self.sk.new_cell[g as usize]));
        }
        let mut touched = Vec::new();
        for (h, label) in b.strata.iter().enumerate() {
            self.first
                .find_stratum(label)
                .ok_or_else(|| changed(format!("stratum `{label}`")))?;
            let k = self
                .stratum_of(label)
                .ok_or_else(|| changed(format!("stratum `{label}`")))?;
            self.seen_rows[k] += b.stratum_rows[h];
            touched.push(k);
        }
        for &k in &b.table.keys {
            let (u, c) = ((k >> 32) as usize, (k & 0xffff_ffff) as usize);
            self.keys.push(unit_map[u] * nc + cell_map[c]);
        }
        self.values.extend_from_slice(&b.table.values);
        self.peak_entries = self.peak_entries.max(self.keys.len());
        let complete: Vec<usize> = touched
            .into_iter()
            .filter(|&k| !self.done[k] && self.seen_rows[k] >= self.total_rows[k])
            .collect();
        if !complete.is_empty() {
            self.flush(&complete);
        }
        Ok(())
    }

    /// Run the variance pass on the entries of the complete strata `complete` and drop
    /// them.
    fn flush(&mut self, complete: &[usize]) {
        let Some(s) = &self.sk.p.structure else {
            return;
        };
        let nc = self.sk.p.cells.n_cells as u64;
        let mut is_complete = vec![false; s.n_strata()];
        for &k in complete {
            is_complete[k] = true;
            self.done[k] = true;
        }
        let width = self.sk.sums.width();
        let (mut keys, mut values) = (Vec::new(), Vec::new());
        let (mut kept_keys, mut kept_values) = (Vec::new(), Vec::new());
        for (i, &key) in self.keys.iter().enumerate() {
            let unit = (key / nc) as usize;
            let h = s.psu_stratum[s.unit_psu[unit] as usize] as usize;
            let v = &self.values[i * width..(i + 1) * width];
            if is_complete[h] {
                keys.push(key);
                values.extend_from_slice(v);
            } else {
                kept_keys.push(key);
                kept_values.extend_from_slice(v);
            }
        }
        self.keys = kept_keys;
        self.values = kept_values;
        let mut table = super::keyed::sorted(keys, values, self.sk.p.measures.len(), 0);
        table.n_cells = nc as usize;
        let spec = VarianceSpec {
            correction: None,
            structure: s,
            cells: &self.sk.p.cells,
            dom_offset: &self.sk.p.dom_offset,
            n_measures: self.sk.p.measures.len(),
            channels: &self.channels,
            targets: &self.targets,
            average: None,
        };
        let v = variances(&spec, &table, PARALLEL_MIN);
        self.var.iter_mut().zip(&v.var).for_each(|(a, b)| *a += b);
        self.psus.iter_mut().zip(&v.psus).for_each(|(a, b)| *a += b);
        self.strata
            .iter_mut()
            .zip(&v.strata)
            .for_each(|(a, b)| *a += b);
    }

    /// The estimates, once every row has been added.
    pub fn finish(self) -> Result<Estimates> {
        Ok(self.finish_with_gaps()?.0)
    }

    /// The estimates and the gaps asked for ([`StratumPass::with_gaps`]), once every row
    /// has been added: the tables [`crate::Survey::estimate`] and [`crate::Survey::gaps`]
    /// give on the whole data, to rounding.
    pub fn finish_with_gaps(mut self) -> Result<(Estimates, Vec<super::Gaps>)> {
        let open: Vec<usize> = (0..self.done.len()).filter(|&k| !self.done[k]).collect();
        if let Some(&k) = open
            .iter()
            .find(|&&k| self.seen_rows[k] != self.total_rows[k])
        {
            return Err(Error::InvalidRequest(format!(
                "the data changed between the two passes of streaming: stratum {} had {} rows, then {}",
                k, self.total_rows[k], self.seen_rows[k]
            )));
        }
        if !open.is_empty() {
            self.flush(&open);
        }
        let df = self
            .psus
            .iter()
            .zip(&self.strata)
            .map(|(&p, &s)| f64::from(p) - f64::from(s))
            .collect();
        let var = std::mem::take(&mut self.var);
        debug_assert_eq!(var.len(), self.n_dm + 2 * self.pairs.len());
        let computed: Computed = finish(
            &self.sk.p,
            &self.sk.sums,
            VarianceFrom::Given(var, df),
            &self.first.request,
            &self.pairs,
        )?;
        let gaps = super::keyed::gap_tables(
            &self.sk.p,
            &computed,
            &self.first.request,
            &self.gaps,
            &self.per_spec,
        );
        Ok((self.first.estimates(&self.sk.p, &computed), gaps))
    }
}
