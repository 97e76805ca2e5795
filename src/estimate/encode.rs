//! Columns to dense codes: every distinct value of a column gets a code, in sorted order
//! of the values, and every row the code of its value ([`NONE`] when missing).
//!
//! [`Levels`] finds a column's distinct values and then hands out the rows' codes one by
//! one, reading the column where it is: callers that combine several columns (domain
//! cells, PSUs within strata) fold the codes into one vector instead of storing a vector
//! of codes per column.

use std::collections::HashMap;

use polars::prelude::*;
use polars_arrow::array::{Array, Utf8ViewArray, View};
use polars_arrow::bitmap::Bitmap;
use polars_arrow::types::NativeType;

use super::prepare::{column, for_each_bit, numeric};
use crate::error::Result;

/// Marker for "no level": a row whose value is missing.
pub(crate) const NONE: u32 = u32::MAX;

/// A column encoded as dense codes in sorted order of its values.
#[derive(Debug, Clone)]
pub(crate) struct Encoded {
    /// One code per row; [`NONE`] for a missing value.
    pub codes: Vec<u32>,
    /// Value labels, in code order (sorted numerically or lexicographically).
    pub labels: Vec<String>,
}

/// Encode any column to sorted dense codes, stored.
pub(crate) fn encode(df: &DataFrame, name: &str, role: &str) -> Result<Encoded> {
    let levels = Levels::new(df, name, role)?;
    let mut codes = Vec::with_capacity(df.height());
    levels.for_each_code(|c| codes.push(c));
    Ok(Encoded {
        codes,
        labels: levels.labels,
    })
}

/// A column's distinct values (sorted) and, on demand, each row's code.
pub(crate) struct Levels<'a> {
    /// Value labels, in code order.
    pub labels: Vec<String>,
    rows: Rows<'a>,
}

/// How the rows' codes are found.
enum Rows<'a> {
    /// Integers read in place.
    Ints(AnyInts<'a>, IntCodes),
    /// Strings read in place (codes already in label order).
    Strings(StringCodes<'a>),
    /// Codes computed and stored (floating-point and other columns).
    Stored(Vec<u32>),
}

impl<'a> Levels<'a> {
    /// The levels of column `name` (its `role` names it in errors).
    pub fn new(df: &'a DataFrame, name: &str, role: &str) -> Result<Self> {
        let col = column(df, name, role)?;
        let dt = col.dtype();
        if let Some(ints) = AnyInts::of(col)? {
            let (labels, codes) = ints.levels();
            return Ok(Levels {
                labels,
                rows: Rows::Ints(ints, codes),
            });
        }
        if dt.is_float() {
            let Encoded { codes, labels } = encode_floats(&numeric(df, name, role)?);
            return Ok(Levels {
                labels,
                rows: Rows::Stored(codes),
            });
        }
        if dt.is_string() {
            let (labels, codes) = StringCodes::new(col.str()?);
            return Ok(Levels {
                labels,
                rows: Rows::Strings(codes),
            });
        }
        if dt.is_integer() || dt.is_bool() {
            // Booleans (0/1) and 64-bit unsigned integers: through i64.
            let cast = col.cast(&DataType::Int64)?;
            let ints = IntChunks::new(cast.i64()?);
            let (labels, codes) = int_levels(&ints);
            let mut stored = Vec::with_capacity(df.height());
            codes.for_each(&ints, |c| stored.push(c));
            return Ok(Levels {
                labels,
                rows: Rows::Stored(stored),
            });
        }
        // Dates, categoricals...: through their text.
        let cast = col.cast(&DataType::String)?;
        let (labels, codes) = StringCodes::new(cast.str()?);
        let mut stored = Vec::with_capacity(df.height());
        codes.for_each(|c| stored.push(c));
        Ok(Levels {
            labels,
            rows: Rows::Stored(stored),
        })
    }

    /// Call `f` with every row's code, in row order.
    #[inline]
    pub fn for_each_code(&self, mut f: impl FnMut(u32)) {
        match &self.rows {
            Rows::Ints(ints, codes) => ints.for_each_code(codes, f),
            Rows::Strings(s) => s.for_each(f),
            Rows::Stored(codes) => codes.iter().for_each(|&c| f(c)),
        }
    }
}

/// Integers of one type read in place, chunk by chunk, with their validity.
struct IntChunks<'a, N> {
    chunks: Vec<(&'a [N], Option<&'a Bitmap>)>,
}

impl<'a, N: NativeType + Into<i64>> IntChunks<'a, N> {
    fn new<T: PolarsNumericType<Native = N>>(ca: &'a ChunkedArray<T>) -> Self {
        let chunks = ca
            .downcast_iter()
            .map(|arr| {
                let valid = arr.validity().filter(|v| v.unset_bits() > 0);
                (arr.values().as_slice(), valid)
            })
            .collect();
        IntChunks { chunks }
    }

    /// Call `f` with every row's value, `None` when missing.
    #[inline]
    fn for_each(&self, mut f: impl FnMut(Option<i64>)) {
        for (values, valid) in &self.chunks {
            for_each_valid(values, *valid, |_, &v, ok| f(ok.then(|| v.into())));
        }
    }
}

/// An integer column of any width that converts to `i64` without loss.
enum AnyInts<'a> {
    I8(IntChunks<'a, i8>),
    I16(IntChunks<'a, i16>),
    I32(IntChunks<'a, i32>),
    I64(IntChunks<'a, i64>),
    U8(IntChunks<'a, u8>),
    U16(IntChunks<'a, u16>),
    U32(IntChunks<'a, u32>),
}

/// Run `$body` with `$c` bound to the chunks of whichever width `$ints` holds.
macro_rules! with_ints {
    ($ints:expr, $c:ident => $body:expr) => {
        match $ints {
            AnyInts::I8($c) => $body,
            AnyInts::I16($c) => $body,
            AnyInts::I32($c) => $body,
            AnyInts::I64($c) => $body,
            AnyInts::U8($c) => $body,
            AnyInts::U16($c) => $body,
            AnyInts::U32($c) => $body,
        }
    };
}

impl<'a> AnyInts<'a> {
    /// The column's integers, when it holds integers that fit in `i64`.
    fn of(col: &'a Column) -> Result<Option<Self>> {
        Ok(Some(match col.dtype() {
            DataType::Int8 => AnyInts::I8(IntChunks::new(col.i8()?)),
            DataType::Int16 => AnyInts::I16(IntChunks::new(col.i16()?)),
            DataType::Int32 => AnyInts::I32(IntChunks::new(col.i32()?)),
            DataType::Int64 => AnyInts::I64(IntChunks::new(col.i64()?)),
            DataType::UInt8 => AnyInts::U8(IntChunks::new(col.u8()?)),
            DataType::UInt16 => AnyInts::U16(IntChunks::new(col.u16()?)),
            DataType::UInt32 => AnyInts::U32(IntChunks::new(col.u32()?)),
            _ => return Ok(None),
        }))
    }

    /// Sorted labels and how to find each value's code.
    fn levels(&self) -> (Vec<String>, IntCodes) {
        with_ints!(self, c => int_levels(c))
    }

    #[inline]
    fn for_each_code(&self, codes: &IntCodes, f: impl FnMut(u32)) {
        with_ints!(self, c => codes.for_each(c, f))
    }
}

/// How an integer value finds its code.
enum IntCodes {
    /// No value present.
    AllMissing,
    /// A small range: `table[value - lo]`.
    Table { lo: i64, table: Vec<u32> },
    /// A wide range (e.g. PSU ids like stratum · 10⁸ + j): binary search in the sorted
    /// distinct values, looked up once per run of equal values (files are usually grouped).
    Sorted(Vec<i64>),
}

impl IntCodes {
    #[inline]
    fn for_each<N: NativeType + Into<i64>>(&self, src: &IntChunks<N>, mut f: impl FnMut(u32)) {
        match self {
            IntCodes::AllMissing => src.for_each(|_| f(NONE)),
            IntCodes::Table { lo, table } => {
                src.for_each(|v| f(v.map_or(NONE, |x| table[(x - lo) as usize])))
            }
            IntCodes::Sorted(levels) => {
                let mut cache: Option<(i64, u32)> = None;
                src.for_each(|v| {
                    f(match v {
                        None => NONE,
                        Some(x) => match cache {
                            Some((cx, code)) if cx == x => code,
                            _ => {
                                let code = levels.partition_point(|l| *l < x) as u32;
                                cache = Some((x, code));
                                code
                            }
                        },
                    })
                })
            }
        }
    }
}

/// The sorted distinct values of integer chunks.
fn int_levels<N: NativeType + Into<i64>>(src: &IntChunks<N>) -> (Vec<String>, IntCodes) {
    let (mut lo, mut hi) = (i64::MAX, i64::MIN);
    let mut n = 0usize;
    src.for_each(|v| {
        n += 1;
        if let Some(v) = v {
            lo = lo.min(v);
            hi = hi.max(v);
        }
    });
    if lo > hi {
        return (Vec::new(), IntCodes::AllMissing);
    }
    // Small ranges: a presence table gives sorted levels in linear time.
    if (hi as i128 - lo as i128) <= (4 * n as i128).max(1 << 20) {
        let mut table = vec![NONE; (hi - lo + 1) as usize];
        src.for_each(|v| {
            if let Some(v) = v {
                table[(v - lo) as usize] = 0;
            }
        });
        let mut labels = Vec::new();
        for (k, slot) in table.iter_mut().enumerate() {
            if *slot == 0 {
                *slot = labels.len() as u32;
                labels.push((lo + k as i64).to_string());
            }
        }
        return (labels, IntCodes::Table { lo, table });
    }
    // Runs of equal values are collapsed before sorting.
    let mut levels: Vec<i64> = Vec::new();
    let mut last = None;
    src.for_each(|v| {
        if v.is_some() && last != v {
            levels.extend(v);
            last = v;
        }
    });
    levels.sort_unstable();
    levels.dedup();
    let labels = levels.iter().map(|l| l.to_string()).collect();
    (labels, IntCodes::Sorted(levels))
}

/// Floating-point values (NaN missing) to codes: integral values as integers, others by
/// their sorted distinct values.
fn encode_floats(v: &[f64]) -> Encoded {
    let mut levels: Vec<f64> = v.iter().copied().filter(|x| !x.is_nan()).collect();
    levels.sort_by(f64::total_cmp);
    levels.dedup_by(|a, b| a == b);
    let integral = levels.iter().all(|x| x.fract() == 0.0 && x.abs() < 9.0e15);
    let codes = v
        .iter()
        .map(|x| {
            if x.is_nan() {
                NONE
            } else {
                levels.partition_point(|l| l < x) as u32
            }
        })
        .collect();
    let labels = levels
        .iter()
        .map(|l| {
            if integral {
                (*l as i64).to_string()
            } else {
                l.to_string()
            }
        })
        .collect();
    Encoded { codes, labels }
}

/// Distinct strings of a column with their codes (in label order). Short strings (up to
/// 12 bytes) are stored inside their 16-byte view, so a few distinct views are matched as
/// integers, through a small hash table, before any string is hashed.
struct StringCodes<'a> {
    ca: &'a StringChunked,
    /// Up to [`SHORT_VIEWS`] short views and their codes.
    short: ViewTable,
    /// Every distinct string and its code.
    all: HashMap<&'a str, u32>,
}

/// How many distinct short strings are matched by their view.
const SHORT_VIEWS: usize = 64;

/// Open-addressing table from 16-byte views of short strings to codes.
struct ViewTable {
    /// (view, code); code [`NONE`] marks a free slot.
    slots: Vec<(u128, u32)>,
    len: usize,
}

impl ViewTable {
    /// Slots: four times [`SHORT_VIEWS`], a power of two.
    const SIZE: usize = 4 * SHORT_VIEWS;

    fn new() -> Self {
        ViewTable {
            slots: vec![(0, NONE); Self::SIZE],
            len: 0,
        }
    }

    #[inline(always)]
    fn home(view: u128) -> usize {
        let x = (view as u64) ^ ((view >> 64) as u64).rotate_left(29);
        (x.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 56) as usize % Self::SIZE
    }

    /// The code of `view`, if it is in the table.
    #[inline(always)]
    fn get(&self, view: u128) -> Option<u32> {
        let mut i = Self::home(view);
        loop {
            let (v, code) = self.slots[i];
            if code == NONE {
                return None;
            }
            if v == view {
                return Some(code);
            }
            i = (i + 1) % Self::SIZE;
        }
    }

    /// Add `view` (not in the table) with `code`, unless the table is full.
    fn insert(&mut self, view: u128, code: u32) {
        if self.len >= SHORT_VIEWS {
            return;
        }
        let mut i = Self::home(view);
        while self.slots[i].1 != NONE {
            i = (i + 1) % Self::SIZE;
        }
        self.slots[i] = (view, code);
        self.len += 1;
    }

    /// Renumber every code.
    fn remap(&mut self, new: &[u32]) {
        for (_, code) in self.slots.iter_mut().filter(|(_, c)| *c != NONE) {
            *code = new[*code as usize];
        }
    }
}

/// The view of a string when it is short enough to hold the whole string.
#[inline(always)]
fn short_view(view: &View) -> Option<u128> {
    (view.length <= View::MAX_INLINE_SIZE).then(|| view.as_u128())
}

impl<'a> StringCodes<'a> {
    fn new(ca: &'a StringChunked) -> (Vec<String>, Self) {
        let mut short = ViewTable::new();
        let mut all: HashMap<&'a str, u32> = HashMap::new();
        // First pass: the distinct values, numbered as met.
        for arr in ca.downcast_iter() {
            for_each_view(arr, |k, view| {
                let Some(view) = view else { return };
                let key = short_view(view);
                if key.is_some_and(|key| short.get(key).is_some()) {
                    return;
                }
                let next = all.len() as u32;
                let code = *all.entry(arr.value(k)).or_insert(next);
                if let Some(key) = key {
                    short.insert(key, code);
                }
            });
        }
        // Renumber in sorted order.
        let mut labels: Vec<(&str, u32)> = all.iter().map(|(k, v)| (*k, *v)).collect();
        labels.sort_unstable();
        let mut remap = vec![0u32; labels.len()];
        for (new, (_, old)) in labels.iter().enumerate() {
            remap[*old as usize] = new as u32;
        }
        for code in all.values_mut() {
            *code = remap[*code as usize];
        }
        short.remap(&remap);
        let labels = labels.into_iter().map(|(l, _)| l.to_string()).collect();
        (labels, StringCodes { ca, short, all })
    }

    #[inline]
    fn for_each(&self, mut f: impl FnMut(u32)) {
        for arr in self.ca.downcast_iter() {
            for_each_view(arr, |k, view| {
                let Some(view) = view else {
                    return f(NONE);
                };
                let code = short_view(view).and_then(|key| self.short.get(key));
                f(code.unwrap_or_else(|| self.all.get(arr.value(k)).copied().unwrap_or(NONE)))
            });
        }
    }
}

/// Call `f(index, view)` for every row of a string array, `None` when missing.
#[inline(always)]
fn for_each_view(arr: &Utf8ViewArray, mut f: impl FnMut(usize, Option<&View>)) {
    let valid = arr.validity().filter(|v| v.unset_bits() > 0);
    for_each_valid(arr.views(), valid, |k, v, ok| f(k, ok.then_some(v)));
}

/// Call `f(index, value, valid)` for every value of a slice with its validity (`None`:
/// all valid).
#[inline(always)]
fn for_each_valid<T>(values: &[T], valid: Option<&Bitmap>, mut f: impl FnMut(usize, &T, bool)) {
    match valid {
        None => values.iter().enumerate().for_each(|(k, v)| f(k, v, true)),
        Some(valid) => {
            let mut k = 0;
            for_each_bit(valid, |ok| {
                f(k, &values[k], ok);
                k += 1;
            });
        }
    }
}

/// Dense codes (in sorted key order) for u64 keys, and the distinct keys. Small key spaces
/// use a direct table (linear time); others sort the distinct keys.
pub(crate) fn dense(keys: &[u64]) -> (Vec<u32>, Vec<u64>) {
    let max = keys.iter().copied().max().unwrap_or(0);
    if (max as u128) < (4 * keys.len() as u128).max(1 << 20) {
        let mut table = vec![NONE; max as usize + 1];
        for &k in keys {
            table[k as usize] = 0;
        }
        let mut uniq = Vec::new();
        for (k, slot) in table.iter_mut().enumerate() {
            if *slot == 0 {
                *slot = uniq.len() as u32;
                uniq.push(k as u64);
            }
        }
        let codes = keys.iter().map(|&k| table[k as usize]).collect();
        return (codes, uniq);
    }
    let mut uniq = keys.to_vec();
    uniq.sort_unstable();
    uniq.dedup();
    let codes = keys
        .iter()
        .map(|k| uniq.partition_point(|u| u < k) as u32)
        .collect();
    (codes, uniq)
}

/// Dense codes (in sorted key order) for small keys (below `space`), computed in place,
/// and the distinct keys.
pub(crate) fn dense_in_place(keys: &mut [u32], space: usize) -> Vec<u32> {
    let mut table = vec![NONE; space];
    for &k in keys.iter() {
        table[k as usize] = 0;
    }
    let mut uniq = Vec::new();
    for (k, slot) in table.iter_mut().enumerate() {
        if *slot == 0 {
            *slot = uniq.len() as u32;
            uniq.push(k as u32);
        }
    }
    for k in keys.iter_mut() {
        *k = table[*k as usize];
    }
    uniq
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encode_series(s: Series) -> Encoded {
        let df = DataFrame::new_infer_height(vec![s.into()]).unwrap();
        encode(&df, "g", "test").unwrap()
    }

    /// Short labels (matched as views), long ones (hashed), missing values, and more
    /// distinct short labels than the view table keeps: codes follow the sorted labels.
    #[test]
    fn strings_are_encoded_in_label_order() {
        let mut values: Vec<Option<String>> = Vec::new();
        for i in 0..300 {
            values.push(match i % 7 {
                0 => None,
                1 | 2 => Some(format!("a long label beyond twelve bytes {}", i % 3)),
                _ => Some(format!("s{:03}", i % 90)),
            });
        }
        let ca = StringChunked::from_iter_options("g".into(), values.iter().map(|v| v.as_deref()));
        let e = encode_series(ca.into_series());
        let mut labels: Vec<&str> = values.iter().flatten().map(String::as_str).collect();
        labels.sort_unstable();
        labels.dedup();
        assert_eq!(e.labels, labels);
        for (code, v) in e.codes.iter().zip(&values) {
            match v {
                None => assert_eq!(*code, NONE),
                Some(s) => assert_eq!(e.labels[*code as usize], *s),
            }
        }
    }

    /// Every integer width, narrow and wide ranges, missing values, several chunks: codes
    /// follow the numeric order of the values.
    #[test]
    fn integers_are_encoded_in_numeric_order() {
        let narrow: Vec<Option<i64>> = (0..500)
            .map(|i| (i % 9 != 0).then_some((i * 37 % 11) - 5))
            .collect();
        let wide: Vec<Option<i64>> = (0..500)
            .map(|i| (i % 13 != 0).then_some((i / 7) * 10_000_000 + i % 3))
            .collect();
        for values in [&narrow, &wide] {
            let mut expect: Vec<i64> = values.iter().flatten().copied().collect();
            expect.sort_unstable();
            expect.dedup();
            let s = Series::new("g".into(), values);
            let half = s.len() / 2;
            let mut chunked = s.slice(0, half);
            chunked
                .append(&s.slice(half as i64, s.len() - half))
                .unwrap();
            assert_eq!(chunked.n_chunks(), 2);
            let mut dtypes = vec![DataType::Int64, DataType::Int32];
            if values == &narrow {
                dtypes.extend([DataType::Int8, DataType::Int16]);
            }
            for dt in dtypes {
                let e = encode_series(chunked.cast(&dt).unwrap());
                let labels: Vec<String> = expect.iter().map(i64::to_string).collect();
                assert_eq!(e.labels, labels, "{dt}");
                for (code, v) in e.codes.iter().zip(values.iter()) {
                    match v {
                        None => assert_eq!(*code, NONE, "{dt}"),
                        Some(x) => assert_eq!(expect[*code as usize], *x, "{dt}"),
                    }
                }
            }
        }
    }

    /// Integral floats are labelled as integers; others by their value; NaN is missing.
    #[test]
    fn floats_are_encoded_in_numeric_order() {
        let e = encode_floats(&[2.0, f64::NAN, -1.0, 2.0]);
        assert_eq!(e.labels, ["-1", "2"]);
        assert_eq!(e.codes, [1, NONE, 0, 1]);
        let e = encode_floats(&[0.5, -0.25, 0.5]);
        assert_eq!(e.labels, ["-0.25", "0.5"]);
        assert_eq!(e.codes, [1, 0, 1]);
    }

    #[test]
    fn keys_are_renumbered_densely_in_order() {
        let mut keys = vec![7, 3, 7, 0, 3];
        let uniq = dense_in_place(&mut keys, 8);
        assert_eq!(uniq, [0, 3, 7]);
        assert_eq!(keys, [2, 1, 2, 0, 1]);
        let (codes, uniq) = dense(&[u64::MAX - 1, 5, u64::MAX - 1]);
        assert_eq!(uniq, [5, u64::MAX - 1]);
        assert_eq!(codes, [1, 0, 1]);
    }
}
