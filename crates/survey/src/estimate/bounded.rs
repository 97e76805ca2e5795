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
use super::prepared::{RowEntries, domain_totals};
use super::request::Statistic;
use super::table::Estimates;
use super::taylor::{CellSums, Entries, PARALLEL_MIN, Target, VarianceSpec, mask_words, variances};
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
    /// Open entries: the (unit, cell) sums of the strata not yet complete.
    open: OpenEntries,
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
            .field("open_entries", &self.open.keys.len())
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
        // The units' labels were needed for the skeleton's order; the second pass finds
        // units through the label index only.
        first.units = Vec::new();
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
        let slots = if request_has_ratio(&first) { 3 } else { 2 };
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
            open: OpenEntries::new(slots, sk.p.measures.len(), sk.p.cells.n_cells),
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

    /// Add a batch (rows numbered from `first_row` in the stream): per (unit, cell) of
    /// its rows, the sums the variance pass reads (no more), added to the open entries;
    /// the strata complete with it go through the variance pass.
    pub fn add(&mut self, batch: &DataFrame, first_row: u64) -> Result<()> {
        if batch.height() == 0 {
            return Ok(());
        }
        let p = self.first.prepare_batch(batch, first_row)?;
        let Some(s) = &p.structure else {
            return Err(Error::InvalidDesign("no sampling structure".into()));
        };
        let changed = |what: String| {
            Error::InvalidRequest(format!(
                "the data changed between the two passes of streaming: {what} was not in the first"
            ))
        };
        // The batch's strata, units and cells in the skeleton.
        let mut strata = Vec::with_capacity(s.stratum_labels.len());
        for label in &s.stratum_labels {
            self.first
                .find_stratum(label)
                .ok_or_else(|| changed(format!("stratum `{label}`")))?;
            let k = self
                .stratum_of(label)
                .ok_or_else(|| changed(format!("stratum `{label}`")))?;
            strata.push(k);
        }
        let (unit_rows, labels) = self.first.batch_units(batch, s)?;
        let mut unit_map = Vec::with_capacity(labels.len());
        for (u, label) in labels.iter().enumerate() {
            let hb = s.psu_stratum[s.unit_psu[u] as usize] as usize;
            let psu = label.as_deref().unwrap_or_default();
            let g = self
                .first
                .find_unit(&s.stratum_labels[hb], psu)
                .ok_or_else(|| changed(format!("PSU `{psu}`")))?;
            unit_map.push(u64::from(self.sk.new_unit[g as usize]));
            self.seen_rows[strata[hb]] += unit_rows[u];
        }
        let touched = strata;
        let mut cell_map = Vec::with_capacity(p.cells.n_cells);
        for c in 0..p.cells.n_cells {
            let labels = p.cells.cell_labels(c);
            let g = self
                .first
                .find_cell(&labels)
                .ok_or_else(|| changed(format!("group {labels:?}")))?;
            cell_map.push(u64::from(self.sk.new_cell[g as usize]));
        }
        // The batch's rows per (unit, cell), one unit at a time, with the variance
        // pass's own accumulation (rows in row order within each unit).
        let rows = RowEntries::new(&p, s);
        let (width, words) = (self.open.width, self.open.words);
        let nc_batch = p.cells.n_cells;
        let mut acc = vec![0.0; nc_batch * width];
        let mut univ = vec![0u64; nc_batch * words];
        let mut seen = vec![false; nc_batch];
        let mut cells_touched: Vec<usize> = Vec::new();
        let nc = self.sk.p.cells.n_cells as u64;
        let (mut lo, n) = (0, rows.len());
        while lo < n {
            let hi = rows.unit_end(lo, n);
            let unit = unit_map[rows.unit(lo)];
            for e in lo..hi {
                let c = rows.cell(e);
                if !seen[c] {
                    seen[c] = true;
                    cells_touched.push(c);
                }
            }
            rows.add_unit(
                lo,
                hi,
                CellSums {
                    acc: &mut acc,
                    univ: &mut univ,
                    width,
                    words,
                },
            );
            cells_touched.sort_unstable();
            for &c in &cells_touched {
                seen[c] = false;
                let sums = &mut acc[c * width..(c + 1) * width];
                let mask = &mut univ[c * words..(c + 1) * words];
                self.open.push(unit * nc + cell_map[c], sums, mask);
                sums.fill(0.0);
                mask.fill(0);
            }
            cells_touched.clear();
            lo = hi;
        }
        self.peak_entries = self.peak_entries.max(self.open.keys.len());
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
        let table = self.open.take(|key| {
            is_complete[s.psu_stratum[s.unit_psu[(key / nc) as usize] as usize] as usize]
        });
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

/// Whether a request has a ratio (three sums per measure in the variance pass, else two:
/// [`super::prepared::Prepared::score_slots`]).
fn request_has_ratio(sums: &KeyedSums) -> bool {
    sums.request
        .measures
        .iter()
        .any(|m| matches!(m.statistic, Statistic::Ratio { .. }))
}

/// (unit, cell) entries with only what the variance pass reads: per measure Σw, Σwy (and
/// Σwx with ratios), and the universe mask. Keys are `unit * n_cells + cell` of the
/// skeleton, in the order they were added (a key may repeat: a unit cut by the end of a
/// batch); [`OpenEntries::take`] sorts them and adds up repeats.
pub(crate) struct OpenEntries {
    keys: Vec<u64>,
    values: Vec<f64>,
    masks: Vec<u64>,
    /// Sums per measure.
    slots: usize,
    /// Sums per entry.
    width: usize,
    /// Mask words per entry.
    words: usize,
    /// Cells of the skeleton (for [`Entries`]).
    n_cells: u64,
}

impl OpenEntries {
    fn new(slots: usize, n_measures: usize, n_cells: usize) -> Self {
        OpenEntries {
            keys: Vec::new(),
            values: Vec::new(),
            masks: Vec::new(),
            slots,
            width: slots * n_measures,
            words: mask_words(n_measures),
            n_cells: n_cells.max(1) as u64,
        }
    }

    fn push(&mut self, key: u64, sums: &[f64], mask: &[u64]) {
        self.keys.push(key);
        self.values.extend_from_slice(sums);
        self.masks.extend_from_slice(mask);
    }

    /// Move out the entries whose key `chosen` picks, sorted by key, repeats added up in
    /// the order they came; the others stay, in their order.
    fn take(&mut self, chosen: impl Fn(u64) -> bool) -> OpenEntries {
        let (w, words) = (self.width, self.words);
        let n = self.keys.len();
        let is_picked: Vec<bool> = self.keys.iter().map(|&k| chosen(k)).collect();
        let mut picked: Vec<u32> = (0..n as u32).filter(|&i| is_picked[i as usize]).collect();
        // stable: repeats of a key stay in the order they came
        picked.sort_by_key(|&i| self.keys[i as usize]);
        let mut out = OpenEntries {
            keys: Vec::with_capacity(picked.len()),
            values: Vec::with_capacity(picked.len() * w),
            masks: Vec::with_capacity(picked.len() * words),
            ..*self
        };
        for &i in &picked {
            let i = i as usize;
            let (v, m) = (
                &self.values[i * w..(i + 1) * w],
                &self.masks[i * words..(i + 1) * words],
            );
            if out.keys.last() == Some(&self.keys[i]) {
                let at = out.keys.len() - 1;
                for (a, b) in out.values[at * w..].iter_mut().zip(v) {
                    *a += b;
                }
                for (a, b) in out.masks[at * words..].iter_mut().zip(m) {
                    *a |= b;
                }
            } else {
                out.keys.push(self.keys[i]);
                out.values.extend_from_slice(v);
                out.masks.extend_from_slice(m);
            }
        }
        let mut kept = 0;
        for (i, &gone) in is_picked.iter().enumerate() {
            if gone {
                continue;
            }
            if kept != i {
                self.keys[kept] = self.keys[i];
                self.values.copy_within(i * w..(i + 1) * w, kept * w);
                self.masks
                    .copy_within(i * words..(i + 1) * words, kept * words);
            }
            kept += 1;
        }
        self.keys.truncate(kept);
        self.values.truncate(kept * w);
        self.masks.truncate(kept * words);
        out
    }
}

impl Entries for OpenEntries {
    fn len(&self) -> usize {
        self.keys.len()
    }
    fn slots(&self) -> usize {
        self.slots
    }
    fn unit(&self, i: usize) -> usize {
        (self.keys[i] / self.n_cells) as usize
    }
    fn cell(&self, i: usize) -> usize {
        (self.keys[i] % self.n_cells) as usize
    }
    fn add_to(&self, i: usize, acc: &mut [f64], univ: &mut [u64]) {
        let w = self.width;
        for (a, b) in acc.iter_mut().zip(&self.values[i * w..(i + 1) * w]) {
            *a += b;
        }
        let words = self.words;
        for (a, b) in univ.iter_mut().zip(&self.masks[i * words..(i + 1) * words]) {
            *a |= b;
        }
    }
}
