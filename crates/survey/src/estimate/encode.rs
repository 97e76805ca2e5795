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

use super::columns::{column, for_each_bit, numeric};
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
    let mut codes = vec![0u32; df.height()];
    levels.fold_into(&mut codes, 1, NONE);
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

    /// Fold every row's code into `keys` (one per row) as a digit of a mixed-radix
    /// number: `key = key * radix + code`, with code `missing` for a missing value.
    /// Integer columns whose levels form a range without gaps are read by subtraction.
    pub fn fold_into<K: Key>(&self, keys: &mut [K], radix: u32, missing: u32) {
        match &self.rows {
            Rows::Ints(ints, IntCodes::Offset { lo }) => {
                return ints.fold_offset(*lo, keys, radix, missing);
            }
            Rows::Ints(_, IntCodes::Runs(runs)) => {
                let (rk, mut at) = (K::from(radix), 0);
                for &(code, len) in runs {
                    let code = K::from(if code == NONE { missing } else { code });
                    for k in &mut keys[at..at + len as usize] {
                        *k = *k * rk + code;
                    }
                    at += len as usize;
                }
                return;
            }
            _ => {}
        }
        let (rk, mut i) = (K::from(radix), 0);
        self.for_each_code(|c| {
            keys[i] = keys[i] * rk + K::from(if c == NONE { missing } else { c });
            i += 1;
        });
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

/// An integer key of mixed-radix digits (`u32` or `u64`).
pub(crate) trait Key:
    Copy + From<u32> + std::ops::Mul<Output = Self> + std::ops::Add<Output = Self>
{
}

impl<K: Copy + From<u32> + std::ops::Mul<Output = K> + std::ops::Add<Output = K>> Key for K {}

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

    /// [`Levels::fold_into`] for codes `value - lo`: a loop the compiler vectorises
    /// over chunks without missing values.
    fn fold_offset<K: Key>(&self, lo: i64, keys: &mut [K], radix: u32, missing: u32) {
        let rk = K::from(radix);
        let mut at = 0;
        for (values, valid) in &self.chunks {
            let out = &mut keys[at..at + values.len()];
            match valid {
                None => {
                    for (k, &v) in out.iter_mut().zip(*values) {
                        *k = *k * rk + K::from((v.into() - lo) as u32);
                    }
                }
                Some(valid) => for_each_valid(values, Some(valid), |j, &v, ok| {
                    let code = if ok { (v.into() - lo) as u32 } else { missing };
                    out[j] = out[j] * rk + K::from(code);
                }),
            }
            at += values.len();
        }
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

    fn fold_offset<K: Key>(&self, lo: i64, keys: &mut [K], radix: u32, missing: u32) {
        with_ints!(self, c => c.fold_offset(lo, keys, radix, missing))
    }
}

/// How an integer value finds its code.
enum IntCodes {
    /// No value present.
    AllMissing,
    /// Every value of a range present: the code is `value - lo`.
    Offset { lo: i64 },
    /// A small range: `table[value - lo]`.
    Table { lo: i64, table: Vec<u32> },
    /// A wide range (e.g. PSU ids like stratum · 10⁸ + j) in a column grouped by value
    /// (survey files usually are): the code and length of each run of equal values.
    Runs(Vec<(u32, u32)>),
    /// A wide range: binary search in the sorted distinct values, looked up once per run
    /// of equal values.
    Sorted(Vec<i64>),
}

impl IntCodes {
    #[inline]
    fn for_each<N: NativeType + Into<i64>>(&self, src: &IntChunks<N>, mut f: impl FnMut(u32)) {
        match self {
            IntCodes::AllMissing => src.for_each(|_| f(NONE)),
            IntCodes::Offset { lo } => src.for_each(|v| f(v.map_or(NONE, |x| (x - lo) as u32))),
            IntCodes::Runs(runs) => {
                for &(code, len) in runs {
                    (0..len).for_each(|_| f(code));
                }
            }
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
    // Coded categories (0/1, 1..k, strata numbers) usually lie in a small non-negative
    // range: the pass that finds the range also marks them in a presence table.
    let mut small = [false; SMALL_VALUES];
    let (mut lo, mut hi) = (i64::MAX, i64::MIN);
    src.for_each(|v| {
        if let Some(v) = v {
            lo = lo.min(v);
            hi = hi.max(v);
            if let Ok(k) = usize::try_from(v)
                && k < SMALL_VALUES
            {
                small[k] = true;
            }
        }
    });
    if lo > hi {
        return (Vec::new(), IntCodes::AllMissing);
    }
    if lo >= 0 && hi < SMALL_VALUES as i64 {
        let present: Vec<i64> = (lo..=hi).filter(|&k| small[k as usize]).collect();
        return levels_from_present(&present);
    }
    let n = src.chunks.iter().map(|(v, _)| v.len()).sum::<usize>();
    // Small ranges: a presence table gives sorted levels in linear time.
    if (hi as i128 - lo as i128) <= (4 * n as i128).max(1 << 20) {
        let mut table = vec![NONE; (hi - lo + 1) as usize];
        src.for_each(|v| {
            if let Some(v) = v {
                table[(v - lo) as usize] = 0;
            }
        });
        let present: Vec<i64> = (0..table.len() as i64)
            .filter(|&k| table[k as usize] == 0)
            .map(|k| lo + k)
            .collect();
        return levels_from_present(&present);
    }
    // Runs of equal values (missing values included) are collapsed before sorting.
    let mut runs: Vec<(Option<i64>, u32)> = Vec::new();
    src.for_each(|v| match runs.last_mut() {
        Some((last, len)) if *last == v && *len < u32::MAX => *len += 1,
        _ => runs.push((v, 1)),
    });
    let mut levels: Vec<i64> = runs.iter().filter_map(|r| r.0).collect();
    levels.sort_unstable();
    levels.dedup();
    let labels = levels.iter().map(|l| l.to_string()).collect();
    if runs.len() > n / MIN_RUN {
        return (labels, IntCodes::Sorted(levels));
    }
    let code = |v: Option<i64>| v.map_or(NONE, |x| levels.partition_point(|l| *l < x) as u32);
    let runs = runs.into_iter().map(|(v, len)| (code(v), len)).collect();
    (labels, IntCodes::Runs(runs))
}

/// Mean run length of equal values from which a wide integer column's codes are kept as
/// runs.
const MIN_RUN: usize = 4;

/// Values below which integer levels are found in one pass.
const SMALL_VALUES: usize = 1024;

/// Labels and codes of the distinct values `present` (sorted, from a presence table): a
/// range without gaps is coded by subtraction, others through a table.
fn levels_from_present(present: &[i64]) -> (Vec<String>, IntCodes) {
    let (Some(&lo), Some(&hi)) = (present.first(), present.last()) else {
        return (Vec::new(), IntCodes::AllMissing);
    };
    let labels = present.iter().map(|v| v.to_string()).collect();
    if (hi - lo + 1) as usize == present.len() {
        return (labels, IntCodes::Offset { lo });
    }
    let mut table = vec![NONE; (hi - lo + 1) as usize];
    for (code, &v) in present.iter().enumerate() {
        table[(v - lo) as usize] = code as u32;
    }
    (labels, IntCodes::Table { lo, table })
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
        // First pass: the distinct values, numbered as met. A short string already met
        // is found by its view, inline; others go through the hash map.
        for arr in ca.downcast_iter() {
            for_each_view(arr, |k, view| {
                let Some(view) = view else { return };
                let key = short_view(view);
                if key.is_some_and(|key| short.get(key).is_some()) {
                    return;
                }
                add_distinct(&mut all, &mut short, arr.value(k), key);
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
                match short_view(view).and_then(|key| self.short.get(key)) {
                    Some(code) => f(code),
                    None => f(self.long_code(arr.value(k))),
                }
            });
        }
    }

    /// The code of a value not found by its view (long strings, or more distinct short
    /// ones than the view table keeps).
    #[cold]
    #[inline(never)]
    fn long_code(&self, value: &str) -> u32 {
        self.all.get(value).copied().unwrap_or(NONE)
    }
}

/// Number `value` (not in the view table) as the next distinct value unless the map has
/// it, and remember a short one's view.
#[cold]
#[inline(never)]
fn add_distinct<'a>(
    all: &mut HashMap<&'a str, u32>,
    short: &mut ViewTable,
    value: &'a str,
    key: Option<u128>,
) {
    let next = all.len() as u32;
    let code = *all.entry(value).or_insert(next);
    if let Some(key) = key {
        short.insert(key, code);
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

    /// Which representation a column's codes get, and that every one folds into keys as
    /// `key * radix + code` (the missing value as the given code), over several chunks.
    #[test]
    fn every_integer_representation_folds_into_keys() {
        let n = 400i64;
        let columns: Vec<(&str, Vec<Option<i64>>)> = vec![
            // small, without gaps: code = value - lo
            (
                "offset",
                (0..n).map(|i| (i % 5 != 0).then_some(3 + i % 4)).collect(),
            ),
            // small, with gaps: through a table
            (
                "table",
                (0..n)
                    .map(|i| Some([2, 9, 700][(i % 3) as usize]))
                    .collect(),
            ),
            // negative values, a range of a few thousand: through a table
            (
                "range",
                (0..n).map(|i| Some(-2000 + (i * 37) % 3000)).collect(),
            ),
            // wide ids in runs (PSUs of a sorted file)
            (
                "runs",
                (0..n)
                    .map(|i| (i % 50 != 7).then_some((i / 9) * 100_000_000))
                    .collect(),
            ),
            // wide ids, no runs: binary search
            (
                "sorted",
                (0..n)
                    .map(|i| Some(((i * 7919) % 13) * 1_000_000_000))
                    .collect(),
            ),
        ];
        for (name, values) in columns {
            let s = Series::new("g".into(), &values);
            let half = s.len() / 3;
            let mut chunked = s.slice(0, half);
            chunked
                .append(&s.slice(half as i64, s.len() - half))
                .unwrap();
            let df = DataFrame::new_infer_height(vec![chunked.into()]).unwrap();
            let levels = Levels::new(&df, "g", "test").unwrap();
            let kind = match &levels.rows {
                Rows::Ints(_, IntCodes::Offset { .. }) => "offset",
                Rows::Ints(_, IntCodes::Table { .. }) => "table",
                Rows::Ints(_, IntCodes::Runs(_)) => "runs",
                Rows::Ints(_, IntCodes::Sorted(_)) => "sorted",
                _ => "other",
            };
            assert_eq!(kind, if name == "range" { "table" } else { name });
            let mut expect: Vec<i64> = values.iter().flatten().copied().collect();
            expect.sort_unstable();
            expect.dedup();
            let labels: Vec<String> = expect.iter().map(i64::to_string).collect();
            assert_eq!(levels.labels, labels, "{name}");
            let code = |v: &Option<i64>| v.map(|x| expect.binary_search(&x).unwrap() as u32);
            let mut codes = Vec::new();
            levels.for_each_code(|c| codes.push(c));
            let want: Vec<u32> = values.iter().map(|v| code(v).unwrap_or(NONE)).collect();
            assert_eq!(codes, want, "{name}");
            let radix = expect.len() as u32 + 1;
            let mut keys: Vec<u64> = (0..n as u64).map(|i| i % 3).collect();
            levels.fold_into(&mut keys, radix, radix - 1);
            for (i, (k, v)) in keys.iter().zip(&values).enumerate() {
                let digit = code(v).unwrap_or(radix - 1);
                assert_eq!(
                    *k,
                    (i as u64 % 3) * u64::from(radix) + u64::from(digit),
                    "{name} row {i}"
                );
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
