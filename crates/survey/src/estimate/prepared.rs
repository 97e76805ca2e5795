//! A request prepared on a survey ([`Prepared`]): every row-level array the passes need, and
//! the passes that accumulate partial sums per (sampling unit × domain cell) over the rows
//! (on both cores). [`super::finish`] turns the sums into estimates.

use polars::prelude::DataFrame;

use super::calibrate::{CalibrationData, calibrate, g_weights};
use super::cells::{Cells, cells};
use super::encode::NONE;
use super::measures::{IN_UNIVERSE, MeasureData, ONE, VALID, measures_alongside};
use super::parallel::{PARALLEL_ROWS, join};
use super::partial::{EXTRAS, N_UNIV, N_VALID, PartialSums, SLOTS, SW, SWX, SWY, W_UNIV};
use super::prepare::{Structure, structure, weights};
use super::replicate::{ReplicateData, replicate_data};
use super::request::MeasureSpec;
use super::taylor::{CellSums, Entries, S_W, S_WX, S_WY, select};
use super::values::Values;
use crate::design::Design;
use crate::error::{Error, Result};

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
    /// A calibrated Taylor design: what its variance needs (the weights `w` are already
    /// calibrated; replicate designs have calibrated replicates instead).
    pub calibration: Option<Calibrated>,
}

/// The calibration of a Taylor design, for its variance.
pub(crate) struct Calibrated {
    /// The model matrix, design weights and (Σ w₀ x x')⁺.
    pub data: CalibrationData,
    /// Per sampling unit of the structure: Σ w x with the calibrated weights.
    pub unit_sums: Vec<f64>,
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
        let mut w = w
            .or(w_replicate)
            .ok_or_else(|| Error::InvalidDesign("no weights".into()))?;
        let mut replicate = replicate;
        let mut calibration = None;
        if let Some(cal) = design.calibration() {
            let w0 = w.whole().to_vec();
            let (calibrated, model) = calibrate(df, cal, &w0)?;
            match (&mut replicate, &structure) {
                (Some(r), _) => r.calibrate(&calibrated, |k, col| {
                    g_weights(&model, col, cal, &format!("replicate {}", k + 1))
                })?,
                (None, Some(s)) => {
                    let data = CalibrationData::new(model, w0);
                    let unit_sums = data.unit_sums(&s.unit, s.unit_psu.len(), |i| calibrated[i]);
                    calibration = Some(Calibrated { data, unit_sums });
                }
                (None, None) => {}
            }
            w = Values::from(calibrated);
        }
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
            calibration,
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

    pub(crate) fn n_domains(&self) -> usize {
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
            let x = keep(md.x(i), valid);
            e[0] += wv * y * y;
            e[1] += f64::from(u8::from(wv > 0.0));
            e[2] += wv * y * x;
            e[3] += wv * x * x;
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
            ps.rep = r.accumulate(&self.w, &self.measures, self.cells.n_cells, &order);
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
            ps.rep = r.accumulate(&self.w, &self.measures, self.cells.n_cells, &order);
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
        let mut values = vec![[0.0f64; 5]; self.cells.n_cells * m];
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
                            let (wv, y, x) = (keep(w, valid), keep(y, valid), keep(x, valid));
                            v[0] += wv * y;
                            v[1] += wv * x;
                            if MOMENTS {
                                v[2] += wv * y * y;
                                v[3] += wv * y * x;
                                v[4] += wv * x * x;
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
                    let [wy, wx, wy2, wxy, wx2] = values[cell * m + mi];
                    slot[SWY] += wy;
                    slot[SWX] += wx;
                    if MOMENTS {
                        moments[0] += wy2;
                        moments[2] += wxy;
                        moments[3] += wx2;
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

/// Domain-level totals.
pub(crate) struct DomainTotals {
    /// `[dom][measure][SLOTS]`.
    pub slots: Vec<f64>,
    /// `[dom][1 + measure * EXTRAS]`.
    pub extra: Vec<f64>,
}

/// Totals per domain (cells rolled up into every domain of every grouping) of the cell sums
/// in `ps`.
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

/// `v` when `ok`, else +0 (without a branch; a NaN `v` is dropped too).
#[inline(always)]
fn keep(v: f64, ok: bool) -> f64 {
    select(ok, v, 0.0)
}
