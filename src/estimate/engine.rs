//! The estimation engine: prepare a request on a survey, accumulate partial sums in one
//! pass over the rows (on both cores), and turn them into estimates, variances and intervals.

use polars::prelude::DataFrame;

use super::cells::{Cells, cells};
use super::critical::CriticalValues;
use super::encode::NONE;
use super::glm::logit_fit;
use super::measures::{IN_UNIVERSE, Kind, MeasureData, ONE, VALID, measures_alongside};
use super::parallel::{PARALLEL_ROWS, join};
use super::partial::{EXTRAS, N_UNIV, N_VALID, PartialSums, SLOTS, SW, SWX, SWY, W_UNIV};
use super::prepare::{Structure, structure, weights};
use super::replicate::{ReplicateData, replicate_data, replicate_variances};
use super::request::{CiMethod, MeasureSpec, Request};
use super::taylor::{CellSums, Channel, Entries, S_W, S_WX, S_WY, Target, select, variances};
use super::values::Values;
use crate::design::Design;
use crate::error::{Error, Result};
use crate::interval;

/// A request prepared on a survey: every row-level array the pass needs.
pub(crate) struct Prepared {
    pub n: usize,
    pub w: Values,
    /// Rows at which a chunk of the weights or of an analysis column ends, in increasing
    /// order (the last is `n`): the passes read the values a run of rows at a time, and a
    /// run never crosses one of these.
    pub breaks: Vec<usize>,
    pub structure: Option<Structure>,
    pub replicate: Option<ReplicateData>,
    pub cells: Cells,
    pub dom_offset: Vec<u32>,
    pub measures: Vec<MeasureData>,
    pub specs: Vec<MeasureSpec>,
    /// Rows with a missing value in a by-column, per grouping.
    pub missing_group: Vec<u64>,
    /// With at most 8 measures, per row: bit `mi` set when the row is in measure `mi`'s
    /// universe (one mask update per row in the variance pass instead of one per measure).
    pub universe_bits: Option<Vec<u8>>,
}

impl Prepared {
    /// Prepare `specs` (no quantiles) by `disaggregations` on `df` under `design`.
    pub fn new(
        df: &DataFrame,
        design: &Design,
        specs: &[MeasureSpec],
        disaggregations: &[Vec<String>],
    ) -> Result<Self> {
        // Three independent pieces of work: the SQL conditions and, from them, the
        // measures' row states (on the condition thread, see `measures_alongside`);
        // alongside, two sides of about equal work in parallel: the domain cells and the
        // weights (of a Taylor design); the design's structure (or the weights and the
        // replicates). Errors are reported in the order design, cells, measures.
        let taylor = design.replicates().is_none();
        let domains = || {
            let cells = cells(df, disaggregations);
            (cells, taylor.then(|| weights(df, design.weight())))
        };
        let sampling = || match design.replicates() {
            Some(r) => weights(df, design.weight()).and_then(|w| {
                let replicate = replicate_data(df, r, w.whole())?;
                Ok((Some(w), None, Some(replicate)))
            }),
            None => structure(df, design).map(|s| (None, Some(s), None)),
        };
        let (measures, ((domains, w), sampling)) = measures_alongside(df, specs, || {
            if df.height() < PARALLEL_ROWS {
                (domains(), sampling())
            } else {
                join(domains, sampling)
            }
        });
        let w = w.transpose()?;
        let (w_replicate, structure, replicate) = sampling?;
        let w = w
            .or(w_replicate)
            .ok_or_else(|| Error::InvalidDesign("no weights".into()))?;
        let cells = domains?;
        let measures = measures?;
        let mut dom_offset = vec![0u32];
        for g in &cells.groupings {
            let last = *dom_offset.last().unwrap_or(&0);
            dom_offset.push(last + g.domains.len() as u32);
        }
        let mut cell_rows = vec![0u64; cells.n_cells];
        for &c in &cells.cell {
            cell_rows[c as usize] += 1;
        }
        let missing_group = cells
            .groupings
            .iter()
            .map(|g| {
                (0..cells.n_cells)
                    .filter(|&c| g.cell_domain[c] == NONE)
                    .map(|c| cell_rows[c])
                    .sum()
            })
            .collect();
        Ok(Prepared {
            breaks: breaks(&w, &measures),
            universe_bits: universe_bits(&measures, df.height()),
            missing_group,
            n: df.height(),
            w,
            structure,
            replicate,
            cells,
            dom_offset,
            measures,
            specs: specs.to_vec(),
        })
    }

    /// Put `measures` (described by `specs`) in place of the request's, keeping what
    /// depends on them in step; the measures and specs replaced are returned.
    pub(crate) fn replace_measures(
        &mut self,
        measures: Vec<MeasureData>,
        specs: Vec<MeasureSpec>,
    ) -> (Vec<MeasureData>, Vec<MeasureSpec>) {
        self.breaks = breaks(&self.w, &measures);
        self.universe_bits = universe_bits(&measures, self.n);
        (
            std::mem::replace(&mut self.measures, measures),
            std::mem::replace(&mut self.specs, specs),
        )
    }

    /// The row after the last one of the run holding row `i` (`i` < `n`): the rows from
    /// `i` to it lie in one chunk of every value column.
    #[inline]
    fn run_end(&self, i: usize) -> usize {
        self.breaks[self.breaks.partition_point(|&e| e <= i)]
    }

    fn n_domains(&self) -> usize {
        *self.dom_offset.last().unwrap_or(&0) as usize
    }

    /// Add row `i` to the slots of every measure (`values`, [`SLOTS`] per measure) and to
    /// its cell's extras (`extra`: row count, then [`EXTRAS`] per measure, the moments of
    /// design effects): the (unit, cell) entries of [`Self::accumulate`]. Cell totals are
    /// added by row state instead ([`Self::add_cell_totals`]).
    #[inline]
    pub(crate) fn add_row(&self, i: usize, values: &mut [f64], extra: &mut [f64]) {
        let w = self.w[i];
        extra[0] += 1.0;
        // Without branches on the row's state: a row outside the universe or without a
        // valid value adds zeros (exactly: x + 0 = x).
        let (chunks, _) = values.as_chunks_mut::<SLOTS>();
        for (mi, (v, md)) in chunks.iter_mut().zip(&self.measures).enumerate() {
            let state = md.state[i];
            let univ = state & IN_UNIVERSE != 0;
            let valid = state & VALID != 0;
            let wv = keep(w, valid);
            let y = keep(md.y(i), valid);
            v[N_UNIV] += f64::from(u8::from(univ));
            v[W_UNIV] += keep(w, univ);
            v[N_VALID] += f64::from(u8::from(valid));
            v[SW] += wv;
            v[SWY] += wv * y;
            v[SWX] += wv * keep(md.x(i), valid);
            let e = &mut extra[1 + mi * EXTRAS..1 + (mi + 1) * EXTRAS];
            e[0] += wv * y * y;
            e[1] += f64::from(u8::from(wv > 0.0));
        }
    }

    /// Sums per measure the variance pass needs (see [`super::taylor::Entries::slots`]):
    /// 3 when a measure is a ratio, else 2.
    pub(crate) fn score_slots(&self) -> usize {
        if self.measures.iter().any(|m| m.x.is_some()) {
            3
        } else {
            2
        }
    }

    /// Add row `i` to the variance pass's sums of every measure (`acc` holds `K` =
    /// [`Self::score_slots`] sums per measure) and set its measures' bits in the universe
    /// mask `univ`: the parts of [`Self::add_row`] that the linearised scores read, without
    /// branches on the row's state (zeros are added exactly).
    #[inline(always)]
    pub(crate) fn add_row_scores<const K: usize>(
        &self,
        i: usize,
        acc: &mut [f64],
        univ: &mut [u64],
    ) {
        let w = self.w[i];
        let (chunks, _) = acc.as_chunks_mut::<K>();
        // 64 measures per mask word, their bits gathered in a register.
        for ((word, sums), measures) in univ
            .iter_mut()
            .zip(chunks.chunks_mut(64))
            .zip(self.measures.chunks(64))
        {
            let mut bits = 0u64;
            for (m, (a, md)) in sums.iter_mut().zip(measures).enumerate() {
                let state = md.state[i];
                let valid = state & VALID != 0;
                let wv = keep(w, valid);
                bits |= u64::from(state & IN_UNIVERSE) << m;
                a[S_W] += wv;
                a[S_WY] += wv * keep(md.y(i), valid);
                if K > S_WX {
                    a[K - 1] += wv * keep(md.x(i), valid);
                }
            }
            *word |= bits;
        }
    }

    /// [`Self::add_row_scores`] for consecutive `rows`, each into the sums of its cell,
    /// measure by measure (proportions four at a time): the loops over the rows read each
    /// measure's states and values in a row, and test its kind once. For every (cell,
    /// measure) the rows are added in the same order, so the sums are the same to the last
    /// bit.
    #[inline(never)]
    pub(crate) fn add_rows_scores<const K: usize>(
        &self,
        rows: std::ops::Range<usize>,
        out: CellSums<'_>,
    ) {
        let CellSums {
            acc,
            univ,
            width,
            words,
        } = out;
        if rows.is_empty() {
            return;
        }
        // A unit whose rows cross the end of a chunk: the part before it, then the rest
        // (each sum still adds its rows in row order).
        let end = self.run_end(rows.start);
        if rows.end > end {
            let before = CellSums {
                acc: &mut *acc,
                univ: &mut *univ,
                width,
                words,
            };
            self.add_rows_scores::<K>(rows.start..end, before);
            let after = CellSums {
                acc,
                univ,
                width,
                words,
            };
            return self.add_rows_scores::<K>(end..rows.end, after);
        }
        let m = self.measures.len();
        assert_eq!(width, m * K, "K sums per measure");
        // The sums of (cell c, measure mi) are chunk c·m + mi.
        let (acc, _) = acc.as_chunks_mut::<K>();
        let cells = &self.cells.cell[rows.clone()];
        match &self.universe_bits {
            Some(bits) => {
                self.add_measures_rows::<K, false>(rows.clone(), acc, univ, words);
                // The rows' universe bits of every measure at once (one mask word).
                for (&c, &b) in cells.iter().zip(&bits[rows]) {
                    univ[c as usize * words] |= u64::from(b);
                }
            }
            None => self.add_measures_rows::<K, true>(rows, acc, univ, words),
        }
    }

    /// The measure-by-measure loops of [`Self::add_rows_scores`] (with the universe bits
    /// when `UNIV`).
    #[inline(always)]
    fn add_measures_rows<const K: usize, const UNIV: bool>(
        &self,
        rows: std::ops::Range<usize>,
        acc: &mut [[f64; K]],
        univ: &mut [u64],
        words: usize,
    ) {
        let m = self.measures.len();
        let cells = &self.cells.cell[rows.clone()];
        let w = self.w.run(rows.clone());
        // Proportions (0/1 values) four at a time: one loop over the rows reads a row's
        // cell and weight once for the four.
        let mut shares = [0usize; SHARES];
        let mut n_shares = 0;
        let add_shares = |of: &[usize], acc: &mut [[f64; K]], univ: &mut [u64]| {
            let states = |g: usize| &self.measures[of[g]].state[rows.clone()];
            let at = |g: usize| MeasureAt {
                m,
                mi: of[g],
                words,
            };
            match of.len() {
                4 => add_share_rows::<K, 4, UNIV>(
                    acc,
                    univ,
                    cells,
                    w,
                    [0, 1, 2, 3].map(states),
                    [0, 1, 2, 3].map(at),
                ),
                3 => add_share_rows::<K, 3, UNIV>(
                    acc,
                    univ,
                    cells,
                    w,
                    [0, 1, 2].map(states),
                    [0, 1, 2].map(at),
                ),
                2 => add_share_rows::<K, 2, UNIV>(
                    acc,
                    univ,
                    cells,
                    w,
                    [0, 1].map(states),
                    [0, 1].map(at),
                ),
                1 => {
                    add_share_rows::<K, 1, UNIV>(acc, univ, cells, w, [0].map(states), [0].map(at))
                }
                _ => {}
            }
        };
        for (mi, md) in self.measures.iter().enumerate() {
            let state = &md.state[rows.clone()];
            let at = MeasureAt { m, mi, words };
            let rows_of = cells.iter().zip(w).zip(state);
            // One loop per kind of measure, each without a test of the kind or of the
            // length of its values.
            match (&md.y, &md.x) {
                (None, _) => {
                    shares[n_shares] = mi;
                    n_shares += 1;
                    if n_shares == SHARES {
                        add_shares(&shares, acc, univ);
                        n_shares = 0;
                    }
                }
                (Some(y), None) => add_measure_rows::<K, false, UNIV>(
                    acc,
                    univ,
                    at,
                    rows_of
                        .zip(y.run(rows.clone()))
                        .map(|(((&c, &w), &s), &y)| (c, w, s, y, 0.0)),
                ),
                (Some(y), Some(x)) => add_measure_rows::<K, true, UNIV>(
                    acc,
                    univ,
                    at,
                    rows_of
                        .zip(y.run(rows.clone()))
                        .zip(x.run(rows.clone()))
                        .map(|((((&c, &w), &s), &y), &x)| (c, w, s, y, x)),
                ),
            }
        }
        add_shares(&shares[..n_shares], acc, univ);
    }

    /// Partial sums of the given rows.
    pub fn accumulate(&self, rows: impl Iterator<Item = usize>) -> PartialSums {
        let m = self.measures.len();
        let c = self.cells.n_cells;
        let width = m * SLOTS;
        let mut ps = PartialSums::empty(m, c);
        let order = self.order(rows);
        ps.rows = order.len() as u64;
        let ex = 1 + m * EXTRAS;
        let mut j = 0;
        while j < order.len() {
            let key = order[j].0;
            let base = ps.values.len();
            ps.keys.push(key);
            ps.values.resize(base + width, 0.0);
            let cell = (key % c as u64) as usize;
            while j < order.len() && order[j].0 == key {
                let i = order[j].1 as usize;
                self.add_row(
                    i,
                    &mut ps.values[base..base + width],
                    &mut ps.cell_extra[cell * ex..(cell + 1) * ex],
                );
                j += 1;
            }
        }
        if let Some(r) = &self.replicate {
            ps.rep = r.accumulate(self, &order);
        }
        ps
    }

    /// Rows sorted by (unit, cell) key: a counting sort by unit (linear), then a sort of
    /// each unit's few rows by cell.
    fn order(&self, rows: impl Iterator<Item = usize>) -> Vec<(u64, u32)> {
        let c = self.cells.n_cells as u64;
        let cell = &self.cells.cell;
        let Some(s) = &self.structure else {
            let mut order: Vec<(u64, u32)> = rows.map(|i| (cell[i] as u64, i as u32)).collect();
            order.sort_unstable_by_key(|e| e.0);
            return order;
        };
        let rows: Vec<u32> = rows.map(|i| i as u32).collect();
        let n_units = s.unit_psu.len();
        let mut start = vec![0u32; n_units + 1];
        for &i in &rows {
            start[s.unit[i as usize] as usize + 1] += 1;
        }
        for u in 0..n_units {
            start[u + 1] += start[u];
        }
        let mut fill = start.clone();
        let mut order = vec![(0u64, 0u32); rows.len()];
        for &i in &rows {
            let u = s.unit[i as usize] as usize;
            order[fill[u] as usize] = (u as u64 * c + cell[i as usize] as u64, i);
            fill[u] += 1;
        }
        for u in 0..n_units {
            let run = &mut order[start[u] as usize..start[u + 1] as usize];
            if run.len() > 1 {
                run.sort_unstable_by_key(|e| e.0);
            }
        }
        order
    }

    /// Totals per domain cell only (no sampling units): what estimates need, without the
    /// (unit, cell) table. Replicate sums are included for replicate designs.
    pub fn accumulate_cells(&self, rows: std::ops::Range<usize>, moments: bool) -> PartialSums {
        let m = self.measures.len();
        let c = self.cells.n_cells;
        let mut ps = PartialSums::empty(m, c);
        ps.keys = (0..c as u64).collect();
        ps.values = vec![0.0; c * m * SLOTS];
        ps.rows = rows.len() as u64;
        if moments {
            self.add_cell_totals::<true>(rows.clone(), &mut ps);
        } else {
            self.add_cell_totals::<false>(rows.clone(), &mut ps);
        }
        if let Some(r) = &self.replicate {
            let order: Vec<(u64, u32)> = rows
                .map(|i| (self.cells.cell[i] as u64, i as u32))
                .collect();
            ps.rep = r.accumulate(self, &order);
        }
        ps
    }

    /// The cell totals of `rows` by row state: per (cell, measure, state of
    /// [`IN_UNIVERSE`], [`VALID`] and [`ONE`]) the rows and their weight (and, for design
    /// effects when `MOMENTS`, the rows of positive weight), and per (cell, measure) with
    /// analysis values Σw·y, Σw·x (and Σw·y²) over valid rows. The [`SLOTS`] and extras
    /// are sums over the states, so a proportion costs two additions per row instead of
    /// six (three instead of eight with the moments).
    fn add_cell_totals<const MOMENTS: bool>(
        &self,
        rows: std::ops::Range<usize>,
        ps: &mut PartialSums,
    ) {
        let m = self.measures.len();
        let ex = 1 + m * EXTRAS;
        let per_cell = m * STATES;
        let mut by_state = vec![[0.0f64; 3]; self.cells.n_cells * per_cell];
        let mut values = vec![[0.0f64; 3]; self.cells.n_cells * m];
        // (cell, measure) c·m + mi: its sums by state. Rows in blocks, and within a
        // block measure by measure: each loop reads one measure's states (and values)
        // in a row and knows its kind; every sum still adds its rows in row order.
        if m == 0 {
            for i in rows {
                ps.cell_extra[self.cells.cell[i] as usize * ex] += 1.0;
            }
            return;
        }
        let (of_cell_measure, _) = by_state.as_chunks_mut::<STATES>();
        let mut from = rows.start;
        while from < rows.end {
            let to = (from + TOTALS_BLOCK).min(rows.end).min(self.run_end(from));
            let cells = &self.cells.cell[from..to];
            let w = self.w.run(from..to);
            // The rows by state, four measures at a time (a row's cell and weight read
            // once for the four).
            for first in (0..m).step_by(4) {
                let state = |g: usize| &self.measures[first + g].state[from..to];
                let by = &mut *of_cell_measure;
                match m - first {
                    1 => count_states::<1, MOMENTS>(by, cells, w, [0].map(state), first, m),
                    2 => count_states::<2, MOMENTS>(by, cells, w, [0, 1].map(state), first, m),
                    3 => count_states::<3, MOMENTS>(by, cells, w, [0, 1, 2].map(state), first, m),
                    _ => {
                        count_states::<4, MOMENTS>(by, cells, w, [0, 1, 2, 3].map(state), first, m)
                    }
                }
            }
            for (mi, md) in self.measures.iter().enumerate() {
                let state = &md.state[from..to];
                let Some(y) = &md.y else { continue };
                let rows_of = cells.iter().zip(w).zip(state).zip(y.run(from..to));
                match &md.x {
                    None => {
                        for (((&c, &w), &s), &y) in rows_of {
                            let v = &mut values[c as usize * m + mi];
                            let valid = s & VALID != 0;
                            let (wv, y) = (keep(w, valid), keep(y, valid));
                            v[0] += wv * y;
                            if MOMENTS {
                                v[2] += wv * y * y;
                            }
                        }
                    }
                    Some(x) => {
                        for ((((&c, &w), &s), &y), &x) in rows_of.zip(x.run(from..to)) {
                            let v = &mut values[c as usize * m + mi];
                            let valid = s & VALID != 0;
                            let (wv, y) = (keep(w, valid), keep(y, valid));
                            v[0] += wv * y;
                            v[1] += wv * keep(x, valid);
                            if MOMENTS {
                                v[2] += wv * y * y;
                            }
                        }
                    }
                }
            }
            from = to;
        }
        for (cell, states) in by_state.chunks_exact(per_cell).enumerate() {
            // Rows per cell: the rows of the first measure, over its states.
            ps.cell_extra[cell * ex] += states[..STATES].iter().map(|s| s[0]).sum::<f64>();
            let extra = &mut ps.cell_extra[cell * ex + 1..(cell + 1) * ex];
            for (mi, md) in self.measures.iter().enumerate() {
                let slot = &mut ps.values[(cell * m + mi) * SLOTS..(cell * m + mi + 1) * SLOTS];
                let moments = &mut extra[mi * EXTRAS..(mi + 1) * EXTRAS];
                let of_measure = &states[mi * STATES..(mi + 1) * STATES];
                for (state, &[n, wt, positive]) in of_measure.iter().enumerate() {
                    let state = state as u8;
                    if state & IN_UNIVERSE != 0 {
                        slot[N_UNIV] += n;
                        slot[W_UNIV] += wt;
                    }
                    if state & VALID != 0 {
                        slot[N_VALID] += n;
                        slot[SW] += wt;
                        if MOMENTS {
                            moments[1] += positive;
                        }
                        // a 0/1 value: y = y² = 1 on these rows
                        if md.y.is_none() && state & ONE != 0 {
                            slot[SWY] += wt;
                            if MOMENTS {
                                moments[0] += wt;
                            }
                        }
                    }
                }
                if md.y.is_some() {
                    let [wy, wx, wy2] = values[cell * m + mi];
                    slot[SWY] += wy;
                    slot[SWX] += wx;
                    if MOMENTS {
                        moments[0] += wy2;
                    }
                }
            }
        }
    }

    /// Cell totals of every row, the two halves in parallel (with the moments of design
    /// effects when `moments`).
    pub fn accumulate_cells_all(&self, moments: bool) -> PartialSums {
        let n = self.n;
        if n < PARALLEL_ROWS {
            return self.accumulate_cells(0..n, moments);
        }
        let mid = n / 2;
        let (a, b) = join(
            || self.accumulate_cells(0..mid, moments),
            || self.accumulate_cells(mid..n, moments),
        );
        a.merge(b)
            .unwrap_or_else(|| self.accumulate_cells(0..n, moments))
    }

    /// Partial sums of every row, the two halves in parallel.
    pub fn accumulate_all(&self) -> PartialSums {
        let n = self.n;
        if n < PARALLEL_ROWS {
            return self.accumulate(0..n);
        }
        let mid = n / 2;
        let (a, b) = join(|| self.accumulate(0..mid), || self.accumulate(mid..n));
        a.merge(b).unwrap_or_else(|| self.accumulate(0..n))
    }
}

/// Rows at which a chunk of the weights `w` or of a measure's values ends ([`Prepared`]'s
/// `breaks`).
fn breaks(w: &Values, measures: &[MeasureData]) -> Vec<usize> {
    let mut breaks: Vec<usize> = w.ends().to_vec();
    for md in measures {
        for v in [&md.y, &md.x].into_iter().flatten() {
            breaks.extend_from_slice(v.ends());
        }
    }
    breaks.sort_unstable();
    breaks.dedup();
    breaks
}

/// With at most 8 measures, each row's universe bits ([`Prepared`]'s `universe_bits`).
fn universe_bits(measures: &[MeasureData], n: usize) -> Option<Vec<u8>> {
    (measures.len() <= 8).then(|| {
        let mut bits = vec![0u8; n];
        for (mi, md) in measures.iter().enumerate() {
            for (b, s) in bits.iter_mut().zip(&md.state) {
                *b |= (s & IN_UNIVERSE) << mi;
            }
        }
        bits
    })
}

/// The totals pass's rows and weights by state ([`Prepared::add_cell_totals`]) of `G`
/// consecutive measures from `first` (of `m`): rows as cells `cells` and weights `w`, each
/// measure's `states`. Each (cell, measure, state) sum adds its rows in row order.
#[inline(always)]
fn count_states<const G: usize, const MOMENTS: bool>(
    of_cell_measure: &mut [[[f64; 3]; STATES]],
    cells: &[u32],
    w: &[f64],
    states: [&[u8]; G],
    first: usize,
    m: usize,
) {
    let n = cells.len().min(w.len());
    let states = states.map(|s| &s[..n]);
    for (r, (&c, &w)) in cells[..n].iter().zip(&w[..n]).enumerate() {
        let at = c as usize * m + first;
        for (g, state) in states.iter().enumerate() {
            let [n, wt, positive] = &mut of_cell_measure[at + g][usize::from(state[r]) % STATES];
            *n += 1.0;
            *wt += w;
            if MOMENTS {
                *positive += f64::from(u8::from(w > 0.0));
            }
        }
    }
}

/// Row states of a measure: every combination of [`IN_UNIVERSE`], [`VALID`] and [`ONE`].
const STATES: usize = 8;

/// Rows per block of the totals pass (a block's columns stay in the cache while its
/// measures are added one by one).
const TOTALS_BLOCK: usize = 2048;

/// The rows themselves as variance entries, in unit order: each row is an entry of its
/// (unit, cell), so no table is held in memory. Rows already in unit order (survey files
/// are usually sorted by stratum and PSU) are read in place; others through a counting
/// sort by unit.
pub(crate) struct RowEntries<'a> {
    p: &'a Prepared,
    unit: &'a [u32],
    order: Option<Vec<u32>>,
    slots: usize,
}

impl<'a> RowEntries<'a> {
    pub(crate) fn new(p: &'a Prepared, s: &'a Structure) -> Self {
        if s.unit.windows(2).all(|w| w[0] <= w[1]) {
            return RowEntries {
                p,
                unit: &s.unit,
                order: None,
                slots: p.score_slots(),
            };
        }
        let n_units = s.unit_psu.len();
        let mut start = vec![0u32; n_units + 1];
        for &u in &s.unit {
            start[u as usize + 1] += 1;
        }
        for u in 0..n_units {
            start[u + 1] += start[u];
        }
        let mut order = vec![0u32; s.unit.len()];
        for (i, &u) in s.unit.iter().enumerate() {
            order[start[u as usize] as usize] = i as u32;
            start[u as usize] += 1;
        }
        RowEntries {
            p,
            unit: &s.unit,
            order: Some(order),
            slots: p.score_slots(),
        }
    }

    #[inline(always)]
    fn row(&self, i: usize) -> usize {
        match &self.order {
            Some(o) => o[i] as usize,
            None => i,
        }
    }
}

impl Entries for RowEntries<'_> {
    fn len(&self) -> usize {
        self.unit.len()
    }
    fn slots(&self) -> usize {
        self.slots
    }
    #[inline(always)]
    fn unit(&self, i: usize) -> usize {
        self.unit[self.row(i)] as usize
    }
    #[inline(always)]
    fn cell(&self, i: usize) -> usize {
        self.p.cells.cell[self.row(i)] as usize
    }
    #[inline(always)]
    fn add_to(&self, i: usize, acc: &mut [f64], univ: &mut [u64]) {
        match self.slots {
            3 => self.p.add_row_scores::<3>(self.row(i), acc, univ),
            _ => self.p.add_row_scores::<2>(self.row(i), acc, univ),
        }
    }
    #[inline(always)]
    fn unit_end(&self, lo: usize, hi: usize) -> usize {
        if self.order.is_some() {
            let u = self.unit(lo);
            return (lo + 1..hi).find(|&i| self.unit(i) != u).unwrap_or(hi);
        }
        // Rows in unit order: a scan of the units themselves.
        let units = &self.unit[lo..hi];
        lo + units
            .iter()
            .position(|&x| x != units[0])
            .unwrap_or(units.len())
    }
    #[inline(always)]
    fn cells_of(&self, lo: usize, hi: usize) -> Option<&[u32]> {
        match self.order {
            Some(_) => None,
            None => Some(&self.p.cells.cell[lo..hi]),
        }
    }
    #[inline(always)]
    fn add_unit(&self, lo: usize, hi: usize, mut cells: CellSums<'_>) {
        if self.order.is_some() {
            return cells.add_each(self, lo, hi);
        }
        // Rows in unit order: the unit's rows are `lo..hi` themselves.
        match self.slots {
            3 => self.p.add_rows_scores::<3>(lo..hi, cells),
            _ => self.p.add_rows_scores::<2>(lo..hi, cells),
        }
    }
}

/// Where one measure's sums sit among a unit's cell sums: `m` measures per cell, this is
/// measure `mi`, and the universe masks have `words` words per cell.
#[derive(Clone, Copy)]
struct MeasureAt {
    m: usize,
    mi: usize,
    words: usize,
}

/// [`Prepared::add_rows_scores`] for one measure with analysis values: rows as (cell,
/// weight, state, y, x), `X` when the measure has denominators, `UNIV` to set the
/// measure's universe bits.
#[inline(always)]
fn add_measure_rows<const K: usize, const X: bool, const UNIV: bool>(
    acc: &mut [[f64; K]],
    univ: &mut [u64],
    at: MeasureAt,
    rows: impl Iterator<Item = (u32, f64, u8, f64, f64)>,
) {
    let MeasureAt { m, mi, words } = at;
    let (word, bit) = (mi >> 6, mi & 63);
    for (c, w, s, y, x) in rows {
        let c = c as usize;
        let a = &mut acc[c * m + mi];
        let valid = s & VALID != 0;
        let wv = keep(w, valid);
        a[S_W] += wv;
        a[S_WY] += wv * keep(y, valid);
        // Without denominators the third sum stays zero.
        if K > S_WX && X {
            a[K - 1] += wv * keep(x, valid);
        }
        if UNIV {
            univ[c * words + word] |= u64::from(s & IN_UNIVERSE) << bit;
        }
    }
}

/// Proportions whose rows [`add_share_rows`] adds in one loop.
const SHARES: usize = 4;

/// [`Prepared::add_rows_scores`] for `G` proportions at once (their 0/1 value is the
/// state's [`ONE`] bit): rows as cells `cells` and weights `w`, each measure's `states`
/// and place `at`; `UNIV` to set the measures' universe bits. Each (cell, measure) sum
/// adds its rows in row order, as [`add_measure_rows`] does.
#[inline(always)]
fn add_share_rows<const K: usize, const G: usize, const UNIV: bool>(
    acc: &mut [[f64; K]],
    univ: &mut [u64],
    cells: &[u32],
    w: &[f64],
    states: [&[u8]; G],
    at: [MeasureAt; G],
) {
    let n = cells.len().min(w.len());
    let states = states.map(|s| &s[..n]);
    for (r, (&c, &w)) in cells[..n].iter().zip(&w[..n]).enumerate() {
        let (c, bits) = (c as usize, w.to_bits());
        for g in 0..G {
            let MeasureAt { m, mi, words } = at[g];
            let s = states[g][r];
            // w where the row is valid, and where it is valid with a value of 1
            let [valid, one] = SHARE_MASKS[usize::from(s & 7)];
            let a = &mut acc[c * m + mi];
            a[S_W] += f64::from_bits(bits & valid);
            a[S_WY] += f64::from_bits(bits & one);
            if UNIV {
                univ[c * words + (mi >> 6)] |= u64::from(s & IN_UNIVERSE) << (mi & 63);
            }
        }
    }
}

/// Per row state of a proportion: the bit masks that keep the weight where the row is
/// valid, and where it is valid with a value of 1 (the selections of [`keep`]).
const SHARE_MASKS: [[u64; 2]; 8] = {
    let mut t = [[0u64; 2]; 8];
    let mut s = 0;
    while s < 8 {
        let valid = (s as u8) & VALID != 0;
        let one = valid && (s as u8) & ONE != 0;
        t[s] = [
            if valid { u64::MAX } else { 0 },
            if one { u64::MAX } else { 0 },
        ];
        s += 1;
    }
    t
};

/// One computed row, before formatting.
#[derive(Debug, Clone)]
pub(crate) struct RawRow {
    pub measure: usize,
    pub grouping: usize,
    pub domain: usize,
    pub estimate: f64,
    pub se: f64,
    pub ci: (f64, f64),
    pub df: f64,
    pub deff: Option<f64>,
    pub n: f64,
    pub pop: f64,
    pub rows_in_group: f64,
    pub n_universe: f64,
}

/// Domain-level totals.
pub(crate) struct DomainTotals {
    /// `[dom][measure][SLOTS]`.
    pub slots: Vec<f64>,
    /// `[dom][1 + measure * EXTRAS]`.
    pub extra: Vec<f64>,
}

pub(crate) fn domain_totals(p: &Prepared, ps: &PartialSums) -> DomainTotals {
    let m = p.measures.len();
    let width = m * SLOTS;
    let c = p.cells.n_cells;
    let mut cell_tot = vec![0.0; c * width];
    for (k, key) in ps.keys.iter().enumerate() {
        let cell = (key % c as u64) as usize;
        for (a, b) in cell_tot[cell * width..(cell + 1) * width]
            .iter_mut()
            .zip(&ps.values[k * width..(k + 1) * width])
        {
            *a += b;
        }
    }
    let nd = p.n_domains();
    let ex = 1 + m * EXTRAS;
    let mut slots = vec![0.0; nd * width];
    let mut extra = vec![0.0; nd * ex];
    for (g, grouping) in p.cells.groupings.iter().enumerate() {
        for cell in 0..c {
            let d = grouping.cell_domain[cell];
            if d == NONE {
                continue;
            }
            let dom = (p.dom_offset[g] + d) as usize;
            for (a, b) in slots[dom * width..(dom + 1) * width]
                .iter_mut()
                .zip(&cell_tot[cell * width..(cell + 1) * width])
            {
                *a += b;
            }
            for (a, b) in extra[dom * ex..(dom + 1) * ex]
                .iter_mut()
                .zip(&ps.cell_extra[cell * ex..(cell + 1) * ex])
            {
                *a += b;
            }
        }
    }
    DomainTotals { slots, extra }
}

/// Point estimate and main linearisation coefficients of a measure from domain totals.
fn point(kind: Kind, sl: &[f64]) -> (f64, f64, f64, f64) {
    let (sw, swy, swx) = (sl[SW], sl[SWY], sl[SWX]);
    match kind {
        Kind::Mean | Kind::Proportion => {
            let t = swy / sw;
            (t, -t / sw, 1.0 / sw, 0.0)
        }
        Kind::Total => (swy, 0.0, 1.0, 0.0),
        Kind::Ratio => {
            let r = swy / swx;
            (r, 0.0, 1.0 / swx, -r / swx)
        }
    }
}

/// Everything computed for a request, plus what gaps need.
pub(crate) struct Computed {
    pub rows: Vec<RawRow>,
    /// Per (dom, measure): estimate.
    pub theta: Vec<f64>,
    /// Per (dom, measure): df.
    pub df: Vec<f64>,
    /// Variances of the extra (gap) targets.
    pub extra_var: Vec<f64>,
}

/// A gap request: difference and ratio of domain `a` over domain `b` (global domain
/// indices of one grouping) for measure `measure`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct GapPair {
    pub measure: usize,
    pub a: usize,
    pub b: usize,
}

/// Finish: estimates, variances, intervals. `ps` holds at least the cell totals; `table`
/// is the (unit, cell) partial-sums table when the rows were accumulated by unit, or
/// `None` to read the rows again in unit order for the Taylor variance.
pub(crate) fn finish(
    p: &Prepared,
    ps: &PartialSums,
    table: Option<&PartialSums>,
    req: &Request,
    gaps: &[GapPair],
) -> Result<Computed> {
    let m = p.measures.len();
    let width = m * SLOTS;
    let tot = domain_totals(p, ps);
    let nd = p.n_domains();
    let n_dm = nd * m;
    let mut channels = Vec::with_capacity(n_dm);
    let mut theta = vec![f64::NAN; n_dm];
    for dom in 0..nd {
        for (mi, md) in p.measures.iter().enumerate() {
            let sl = &tot.slots[dom * width + mi * SLOTS..dom * width + (mi + 1) * SLOTS];
            let (t, aw, ay, ax) = if sl[N_VALID] > 0.0 {
                point(md.kind, sl)
            } else {
                (f64::NAN, 0.0, 0.0, 0.0)
            };
            theta[dom * m + mi] = t;
            channels.push(Channel {
                dom: dom as u32,
                measure: mi as u32,
                aw,
                ay,
                ax,
            });
        }
    }
    // Logit intervals: R's glm fit per domain, then the variance of its coefficient.
    let logit: Vec<Option<super::glm::LogitFit>> = if req.ci == CiMethod::Logit {
        if p.replicate.is_some() {
            return Err(Error::InvalidRequest(
                "the logit interval is available for Taylor designs; use xlogit with replicate weights".into(),
            ));
        }
        logit_fit(p, &tot)
    } else {
        vec![None; n_dm]
    };
    let mut logit_channel = vec![u32::MAX; n_dm];
    for (dm, fit) in logit.iter().enumerate() {
        if let Some(f) = fit {
            let sl = &tot.slots[(dm / m) * width + (dm % m) * SLOTS..];
            let nw = sl[SW];
            logit_channel[dm] = channels.len() as u32;
            channels.push(Channel {
                dom: (dm / m) as u32,
                measure: (dm % m) as u32,
                aw: -f.mu / (f.mu_eta * nw),
                ay: 1.0 / (f.mu_eta * nw),
                ax: 0.0,
            });
        }
    }
    let mut targets: Vec<Target> = (0..n_dm)
        .map(|dm| Target {
            terms: vec![(dm as u32, 1.0)],
        })
        .collect();
    for (dm, &c) in logit_channel.iter().enumerate() {
        if c != u32::MAX {
            let _ = dm;
            targets.push(Target {
                terms: vec![(c, 1.0)],
            });
        }
    }
    let first_gap = targets.len();
    for gp in gaps {
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
    let (var, df): (Vec<f64>, Vec<f64>) = match (&p.structure, &p.replicate) {
        (Some(s), _) => {
            let v = match table {
                Some(t) => variances(
                    s,
                    &p.cells,
                    &p.dom_offset,
                    m,
                    t,
                    p.cells.n_cells,
                    &channels,
                    &targets,
                    super::taylor::PARALLEL_MIN,
                ),
                None => variances(
                    s,
                    &p.cells,
                    &p.dom_offset,
                    m,
                    &RowEntries::new(p, s),
                    p.cells.n_cells,
                    &channels,
                    &targets,
                    super::taylor::PARALLEL_MIN,
                ),
            };
            let df = (0..n_dm)
                .map(|dm| v.psus[dm] as f64 - v.strata[dm] as f64)
                .collect();
            (v.var, df)
        }
        (None, Some(r)) => replicate_variances(p, r, ps, &theta, n_dm, gaps)?,
        (None, None) => return Err(Error::InvalidDesign("no variance method".into())),
    };
    let mut rows = Vec::with_capacity(n_dm);
    let critical = CriticalValues::new(req, df.iter().copied());
    for (g, grouping) in p.cells.groupings.iter().enumerate() {
        for d in 0..grouping.domains.len() {
            let dom = p.dom_offset[g] as usize + d;
            for (mi, md) in p.measures.iter().enumerate() {
                let dm = dom * m + mi;
                let sl = &tot.slots[dom * width + mi * SLOTS..dom * width + (mi + 1) * SLOTS];
                let ex = &tot.extra[dom * (1 + m * EXTRAS)..];
                let est = theta[dm];
                let se = var[dm].sqrt();
                let dfv = df[dm];
                let crit_df = critical.df(dfv);
                let q = critical.get(dfv);
                let mut estimate = est;
                let ci = if md.kind == Kind::Proportion {
                    match req.ci {
                        CiMethod::Wald | CiMethod::Woodruff => interval::wald(est, se, q),
                        CiMethod::Xlogit => interval::xlogit(est, se, q),
                        CiMethod::Beta => interval::beta(est, se, req.level, sl[N_UNIV], crit_df),
                        CiMethod::Wilson => interval::wilson(est, se, q),
                        CiMethod::Logit => match &logit[dm] {
                            Some(f) => {
                                let c = logit_channel[dm] as usize;
                                let se_b = var[n_dm + logit_rank(&logit_channel, c)].sqrt();
                                estimate = interval::expit(f.beta);
                                (
                                    interval::expit(f.beta - q * se_b),
                                    interval::expit(f.beta + q * se_b),
                                )
                            }
                            None => (f64::NAN, f64::NAN),
                        },
                    }
                } else {
                    interval::wald(est, se, q)
                };
                let deff =
                    if req.deff && matches!(md.kind, Kind::Mean | Kind::Total) && sl[N_VALID] > 1.0
                    {
                        let psum = sl[SW];
                        let nobs = ex[1 + mi * EXTRAS + 1];
                        let swy2 = ex[1 + mi * EXTRAS];
                        let mean = sl[SWY] / psum;
                        let s2 = (swy2 - psum * mean * mean) / psum * nobs / (nobs - 1.0);
                        let vsrs = match md.kind {
                            Kind::Mean => s2 * (psum - nobs) / (psum * nobs),
                            _ => s2 * psum * psum / nobs * (psum - nobs) / psum,
                        };
                        Some(var[dm] / vsrs)
                    } else {
                        None
                    };
                rows.push(RawRow {
                    measure: mi,
                    grouping: g,
                    domain: d,
                    estimate,
                    se,
                    ci,
                    df: dfv,
                    deff,
                    n: sl[N_VALID],
                    pop: sl[SW],
                    rows_in_group: ex[0],
                    n_universe: sl[N_UNIV],
                });
            }
        }
    }
    let extra_var = var[first_gap.min(var.len())..].to_vec();
    Ok(Computed {
        rows,
        theta,
        df,
        extra_var,
    })
}

/// Position of logit channel `c` among the logit targets.
fn logit_rank(logit_channel: &[u32], c: usize) -> usize {
    logit_channel
        .iter()
        .filter(|&&x| x != u32::MAX && (x as usize) < c)
        .count()
}

/// `v` when `ok`, else +0 (without a branch; a NaN `v` is dropped too).
#[inline(always)]
fn keep(v: f64, ok: bool) -> f64 {
    select(ok, v, 0.0)
}

#[cfg(test)]
mod tests {
    use polars::prelude::*;
    use proptest::prelude::*;

    use super::*;
    use crate::estimate::request::{Request, Statistic};

    /// A row of a small survey: group (0–2), unit (0–3), weight (0–3, zero included),
    /// value (missing or not) and denominator.
    type Row = (u8, u8, u32, Option<i32>, u8);

    /// From 2 to `most` rows.
    fn rows(most: usize) -> impl Strategy<Value = Vec<Row>> {
        proptest::collection::vec(
            (
                0u8..3,
                0u8..4,
                0u32..5,
                proptest::option::of(-50i32..50),
                0u8..3,
            ),
            2..most,
        )
    }

    /// The rows as columns `g`, `u`, `w`, `y` and `x`.
    fn frame(rows: &[Row]) -> DataFrame {
        let g: Vec<i32> = rows.iter().map(|r| i32::from(r.0)).collect();
        let u: Vec<i32> = rows.iter().map(|r| i32::from(r.1)).collect();
        let w: Vec<f64> = rows.iter().map(|r| f64::from(r.2) * 0.75).collect();
        let y: Vec<Option<f64>> = rows
            .iter()
            .map(|r| r.3.map(|v| f64::from(v) / 4.0))
            .collect();
        let x: Vec<f64> = rows.iter().map(|r| 1.0 + f64::from(r.4)).collect();
        df!("g" => g, "u" => u, "w" => w, "y" => y, "x" => x).unwrap()
    }

    /// Two proportions (one with a universe) and a mean with missing values.
    fn three_measures() -> Request {
        let proportion = |c: &str| Statistic::Proportion {
            condition: c.into(),
        };
        Request::new()
            .measure("p", proportion("u >= 2"), None)
            .measure("pu", proportion("u = 1"), Some("g < 2"))
            .measure(
                "m",
                Statistic::Mean {
                    variable: "y".into(),
                },
                Some("u > 0"),
            )
    }

    /// A survey whose columns come in chunks (a file read in row groups) estimates what
    /// the same survey in one chunk does, to the last bit: the passes read the values
    /// chunk by chunk, and PSUs that cross a chunk's end are added in two parts.
    #[test]
    fn chunked_columns_give_the_estimates_of_one_chunk() {
        let n = 3 * 20_000 + 7;
        let mut state = 12345u64;
        let mut next = move |k: u64| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 33) % k
        };
        let (mut h, mut psu, mut g, mut u, mut w, mut y, mut x) =
            (vec![], vec![], vec![], vec![], vec![], vec![], vec![]);
        for i in 0..n {
            // PSUs of 7 rows (so some cross the chunks' ends), 10 per stratum
            h.push((i / 70) as i32);
            psu.push((i / 7) as i64);
            g.push(next(3) as i32);
            u.push(next(4) as i32);
            w.push(1.0 + next(40) as f64 / 8.0);
            y.push((next(5) > 0).then(|| next(1000) as f64 / 10.0));
            x.push(1.0 + next(9) as f64);
        }
        let mut bad_w = w.clone();
        bad_w[45_000] = -1.0;
        let whole =
            df!("h" => h, "psu" => psu, "g" => g, "u" => u, "w" => w, "y" => y, "x" => x).unwrap();
        let in_three_chunks = |df: &DataFrame| {
            let mut chunked = df.slice(0, 20_000);
            chunked.vstack_mut(&df.slice(20_000, 20_000)).unwrap();
            chunked.vstack_mut(&df.slice(40_000, n - 40_000)).unwrap();
            chunked
        };
        let chunked = in_three_chunks(&whole);
        assert_eq!(chunked.first_col_n_chunks(), 3);
        assert_eq!(whole.first_col_n_chunks(), 1);
        let design = Design::builder("w").strata("h").psu("psu").build().unwrap();
        let req = three_measures()
            .ratio("y", "x")
            .measure(
                "mx",
                Statistic::Mean {
                    variable: "x".into(),
                },
                None,
            )
            .overall()
            .by(["g"]);
        let estimate = |df: &DataFrame| {
            let survey = crate::estimate::Survey::new(df.clone(), design.clone()).unwrap();
            format!("{:?}", survey.estimate(&req).unwrap())
        };
        assert_eq!(estimate(&chunked), estimate(&whole));
        // a bad weight in the third chunk is named by its row in the whole data
        let mut bad = whole.clone();
        bad.with_column(Column::new("w".into(), bad_w)).unwrap();
        let survey = crate::estimate::Survey::new(in_three_chunks(&bad), design).unwrap();
        match survey.estimate(&req) {
            Err(Error::InvalidWeight { row, .. }) => assert_eq!(row, 45_000),
            other => panic!("expected an invalid weight, got {other:?}"),
        }
    }

    proptest! {
        /// A disaggregation's estimates do not depend on the others requested with it:
        /// marginal domains added up from crossed ones (sex from born abroad × sex) give the
        /// standard errors and degrees of freedom of the disaggregation requested alone, with
        /// missing group values in one column (a grouping that leaves rows out serves none
        /// that keeps them).
        #[test]
        fn a_disaggregation_alone_equals_it_among_others(rows in rows(300)) {
            let mut df = frame(&rows);
            let h: Vec<Option<i32>> = rows
                .iter()
                .map(|r| (r.1 != 3).then_some(i32::from(r.0 % 2)))
                .collect();
            df.with_column(Column::new("h".into(), h)).unwrap();
            // one PSU in the data: its stratum centred at the overall mean, not an error
            let design = Design::builder("w")
                .psu("u")
                .lonely_psu(crate::design::LonelyPsu::Adjust)
                .build()
                .unwrap();
            let survey = crate::estimate::Survey::new(df, design).unwrap();
            let groupings: [&[&str]; 5] = [&[], &["g"], &["h"], &["g", "h"], &["u", "g"]];
            let with = |req: Request, by: &[&str]| {
                if by.is_empty() { req.overall() } else { req.by(by.iter().copied()) }
            };
            let all = groupings
                .iter()
                .fold(three_measures().ratio("y", "x"), |req, by| with(req, by));
            let together = survey.estimate(&all).unwrap();
            for (k, by) in groupings.iter().enumerate() {
                let alone = survey.estimate(&with(three_measures().ratio("y", "x"), by)).unwrap();
                let among: Vec<_> = together.rows.iter().filter(|r| r.disaggregation == k).collect();
                prop_assert_eq!(among.len(), alone.rows.len());
                for (a, b) in among.iter().zip(&alone.rows) {
                    prop_assert_eq!(a.estimate, b.estimate);
                    prop_assert_eq!(a.df, b.df);
                    prop_assert_eq!(a.n, b.n);
                    match (a.se, b.se) {
                        (Some(x), Some(y)) => prop_assert!(
                            (x - y).abs() <= 1e-12 * x.abs().max(y.abs()).max(1e-300),
                            "{} {:?}: se {} vs {}", a.measure, a.groups, x, y
                        ),
                        (x, y) => prop_assert_eq!(x.is_some(), y.is_some()),
                    }
                }
            }
        }

        /// Cell totals added by row state equal the totals added row by row
        /// ([`Prepared::add_row`]), with and without the moments of design effects:
        /// counts exactly, weighted sums to rounding.
        #[test]
        fn totals_by_state_equal_totals_by_row(
            rows in rows(300),
        ) {
            let (df, design) = (frame(&rows), Design::builder("w").build().unwrap());
            let req = three_measures()
                .ratio("y", "x")
                .total("x")
                .overall()
                .by(["g"]);
            let p = Prepared::new(&df, &design, &req.measures, &req.groupings()).unwrap();
            let (m, c) = (p.measures.len(), p.cells.n_cells);
            let ex = 1 + m * EXTRAS;
            let mut values = vec![0.0; c * m * SLOTS];
            let mut extra = vec![0.0; c * ex];
            for i in 0..p.n {
                let cell = p.cells.cell[i] as usize;
                p.add_row(
                    i,
                    &mut values[cell * m * SLOTS..(cell + 1) * m * SLOTS],
                    &mut extra[cell * ex..(cell + 1) * ex],
                );
            }
            let close = |a: f64, b: f64| (a - b).abs() <= 1e-12 * a.abs().max(1.0);
            for moments in [false, true] {
                let by_state = p.accumulate_cells(0..p.n, moments);
                prop_assert_eq!(values.len(), by_state.values.len());
                for (k, (a, b)) in values.iter().zip(&by_state.values).enumerate() {
                    match k % SLOTS {
                        N_UNIV | N_VALID => prop_assert_eq!(a, b),
                        _ => prop_assert!(close(*a, *b), "slot {}: {} vs {}", k, a, b),
                    }
                }
                for (k, (a, b)) in extra.iter().zip(&by_state.cell_extra).enumerate() {
                    if k % ex == 0 {
                        // rows per cell
                        prop_assert_eq!(a, b);
                    } else if moments {
                        prop_assert!(close(*a, *b), "extra {}: {} vs {}", k, a, b);
                    } else {
                        prop_assert_eq!(*b, 0.0);
                    }
                }
            }
        }

        /// The variance pass's sums of a unit's rows added measure by measure
        /// ([`Prepared::add_rows_scores`]) are those added row by row
        /// ([`Prepared::add_row_scores`]) to the last bit, with and without ratios, and
        /// with universe bits per row (up to 8 measures) or per measure (11), and with
        /// proportions added four at a time.
        #[test]
        fn scores_by_measure_equal_scores_by_row(
            rows in rows(200),
            cut in (0usize..200, 0usize..200),
        ) {
            let (df, design) = (frame(&rows), Design::builder("w").build().unwrap());
            let plain = three_measures()
                .total("x")
                .by(["g", "u"]);
            // four proportions: added in one loop
            let with_ratio = plain
                .clone()
                .ratio("y", "x")
                .proportion("u = 0")
                .proportion("g = 2");
            // more than 8 measures: universe bits set measure by measure; five
            // proportions: four in one loop, then one
            let eleven = with_ratio
                .clone()
                .mean("y")
                .total("y")
                .proportion("g = 1")
                .mean("x");
            let (a, b) = (cut.0 % rows.len(), cut.1 % rows.len());
            let (lo, hi) = (a.min(b), a.max(b) + 1);
            for (req, k) in [(plain, 2), (with_ratio, 3), (eleven, 3)] {
                let p = Prepared::new(&df, &design, &req.measures, &req.groupings()).unwrap();
                prop_assert_eq!(p.score_slots(), k);
                prop_assert_eq!(p.universe_bits.is_some(), p.measures.len() <= 8);
                let (width, words) = (p.measures.len() * k, 1);
                let n_cells = p.cells.n_cells;
                let mut by_row = (vec![0.0; n_cells * width], vec![0u64; n_cells * words]);
                for i in lo..hi {
                    let c = p.cells.cell[i] as usize;
                    let acc = &mut by_row.0[c * width..(c + 1) * width];
                    let univ = &mut by_row.1[c * words..(c + 1) * words];
                    match k {
                        3 => p.add_row_scores::<3>(i, acc, univ),
                        _ => p.add_row_scores::<2>(i, acc, univ),
                    }
                }
                let mut by_measure = (vec![0.0; n_cells * width], vec![0u64; n_cells * words]);
                let cells = CellSums {
                    acc: &mut by_measure.0,
                    univ: &mut by_measure.1,
                    width,
                    words,
                };
                match k {
                    3 => p.add_rows_scores::<3>(lo..hi, cells),
                    _ => p.add_rows_scores::<2>(lo..hi, cells),
                }
                let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                prop_assert_eq!(bits(&by_row.0), bits(&by_measure.0));
                prop_assert_eq!(&by_row.1, &by_measure.1);
            }
        }
    }
}
