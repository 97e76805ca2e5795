//! Quantiles with R's default rule and Woodruff intervals.
//!
//! The estimate is R's `qrule = "math"`: the smallest value whose weighted CDF reaches
//! `p` (rows of zero weight ignored). The interval is Woodruff's: the Wald interval of the
//! estimated CDF at the estimate, `F̂ ± q·se(F̂)` (the design variance of the share of rows
//! at or below it, with t(df) or normal quantiles), mapped back through the weighted CDF
//! with the same rule. The reported `se` is the interval's width over `2q`, as R reports it.

/// Running sum with Neumaier compensation (R accumulates sums in extended precision).
#[derive(Default, Clone, Copy)]
struct Sum {
    s: f64,
    c: f64,
}

impl Sum {
    fn add(&mut self, x: f64) {
        let t = self.s + x;
        if self.s.abs() >= x.abs() {
            self.c += (self.s - t) + x;
        } else {
            self.c += (x - t) + self.s;
        }
        self.s = t;
    }
    fn value(&self) -> f64 {
        self.s + self.c
    }
}

/// Sorted values and cumulative weights of one domain.
pub(crate) struct WeightedCdf {
    x: Vec<f64>,
    cum: Vec<f64>,
    total: f64,
}

impl WeightedCdf {
    /// From (value, weight) pairs; zero weights are dropped, ties keep input order.
    pub(crate) fn new(mut pairs: Vec<(f64, f64)>) -> Self {
        pairs.retain(|(_, w)| *w != 0.0);
        pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
        let mut s = Sum::default();
        let mut cum = Vec::with_capacity(pairs.len());
        for (_, w) in &pairs {
            s.add(*w);
            cum.push(s.value());
        }
        WeightedCdf {
            x: pairs.iter().map(|p| p.0).collect(),
            total: s.value(),
            cum,
        }
    }

    /// R's `qrule_math`: NaN when empty or `p` is not in [0, 1].
    pub(crate) fn quantile(&self, p: f64) -> f64 {
        if self.x.is_empty() || !(0.0..=1.0).contains(&p) {
            return f64::NAN;
        }
        let target = p * self.total;
        let pos = self.cum.partition_point(|c| *c <= target);
        if pos == 0 {
            return self.x[0];
        }
        let pos = pos - 1;
        let wlow = p - self.cum[pos] / self.total;
        if wlow == 0.0 {
            self.x[pos]
        } else {
            self.x[(pos + 1).min(self.x.len() - 1)]
        }
    }
}
