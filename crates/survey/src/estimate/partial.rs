//! Partial sums: per (sampling unit, domain cell) weighted totals for every measure.
//!
//! They are the only thing the estimator needs from the rows. They add up: partial sums
//! of separate chunks of rows merge into exactly the partial sums of all rows (up to
//! floating-point summation order), which is what makes a table computable from a stream
//! or from partitions.

/// Slots kept per measure and (unit, cell): rows in the universe, their weight, rows with
/// a valid analysis value, and the weighted sums of 1, y and x over those.
pub(crate) const SLOTS: usize = 6;
/// Rows in the universe.
pub(crate) const N_UNIV: usize = 0;
/// Weight of rows in the universe.
pub(crate) const W_UNIV: usize = 1;
/// Rows with a valid value.
pub(crate) const N_VALID: usize = 2;
/// Σ w over valid rows.
pub(crate) const SW: usize = 3;
/// Σ w·y over valid rows.
pub(crate) const SWY: usize = 4;
/// Σ w·x over valid rows (ratio denominators).
pub(crate) const SWX: usize = 5;

/// Cell-level extras per measure, over valid rows (the moments of design effects): Σ w·y²,
/// rows with positive weight, Σ w·x·y and Σ w·x² (x: ratio denominators, else 0).
pub(crate) const EXTRAS: usize = 4;

/// Weighted partial sums of a set of rows, keyed by (unit, cell).
#[derive(Debug, Clone, PartialEq)]
pub struct PartialSums {
    pub(crate) n_measures: usize,
    pub(crate) n_cells: usize,
    /// Sorted keys `unit * n_cells + cell`.
    pub(crate) keys: Vec<u64>,
    /// `keys.len() * n_measures * SLOTS` values.
    pub(crate) values: Vec<f64>,
    /// Per cell: rows (all), then per measure [`EXTRAS`] values.
    pub(crate) cell_extra: Vec<f64>,
    /// Rows accumulated.
    pub(crate) rows: u64,
    /// Replicate designs: per (cell, measure, replicate) Σw_r, Σw_r·y, Σw_r·x.
    pub(crate) rep: Vec<f64>,
}

impl PartialSums {
    /// Empty partial sums for `n_measures` measures over `n_cells` cells.
    pub(crate) fn empty(n_measures: usize, n_cells: usize) -> Self {
        PartialSums {
            n_measures,
            n_cells,
            keys: Vec::new(),
            values: Vec::new(),
            cell_extra: vec![0.0; n_cells * (1 + n_measures * EXTRAS)],
            rows: 0,
            rep: Vec::new(),
        }
    }

    /// Values per key.
    pub(crate) fn width(&self) -> usize {
        self.n_measures * SLOTS
    }

    /// Number of rows these sums were accumulated from.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// Number of (unit, cell) entries.
    pub fn entries(&self) -> usize {
        self.keys.len()
    }

    /// Add another chunk's partial sums to these (they must come from the same prepared
    /// survey and request). Returns `None` when the shapes differ.
    pub fn merge(self, other: PartialSums) -> Option<PartialSums> {
        if self.n_measures != other.n_measures || self.n_cells != other.n_cells {
            return None;
        }
        let k = self.width();
        let mut keys = Vec::with_capacity(self.keys.len() + other.keys.len());
        let mut values = Vec::with_capacity(self.values.len() + other.values.len());
        let (mut i, mut j) = (0, 0);
        while i < self.keys.len() || j < other.keys.len() {
            let take_a =
                j >= other.keys.len() || (i < self.keys.len() && self.keys[i] <= other.keys[j]);
            let take_b =
                i >= self.keys.len() || (j < other.keys.len() && other.keys[j] <= self.keys[i]);
            if take_a && take_b {
                keys.push(self.keys[i]);
                let a = &self.values[i * k..(i + 1) * k];
                let b = &other.values[j * k..(j + 1) * k];
                values.extend(a.iter().zip(b).map(|(x, y)| x + y));
                i += 1;
                j += 1;
            } else if take_a {
                keys.push(self.keys[i]);
                values.extend_from_slice(&self.values[i * k..(i + 1) * k]);
                i += 1;
            } else {
                keys.push(other.keys[j]);
                values.extend_from_slice(&other.values[j * k..(j + 1) * k]);
                j += 1;
            }
        }
        let cell_extra = self
            .cell_extra
            .iter()
            .zip(&other.cell_extra)
            .map(|(a, b)| a + b)
            .collect();
        let rep = if self.rep.len() == other.rep.len() {
            self.rep
                .iter()
                .zip(&other.rep)
                .map(|(a, b)| a + b)
                .collect()
        } else if self.rep.is_empty() {
            other.rep
        } else {
            self.rep
        };
        Some(PartialSums {
            rep,
            n_measures: self.n_measures,
            n_cells: self.n_cells,
            keys,
            values,
            cell_extra,
            rows: self.rows + other.rows,
        })
    }
}
