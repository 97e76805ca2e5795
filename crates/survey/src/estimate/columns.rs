//! Reading a DataFrame's columns: by name (an unknown name is an error naming the column's
//! role), as `f64` values in place or with NaN for missing values, and their validity
//! bitmaps bit by bit or eight rows at a time.

use polars::prelude::*;
use polars_arrow::bitmap::{Bitmap, MutableBitmap};
use polars_buffer::Buffer;

use super::values::Values;
use crate::error::{Error, Result};

/// A column by name; an unknown name is an error naming its role.
pub(crate) fn column<'a>(df: &'a DataFrame, name: &str, role: &str) -> Result<&'a Column> {
    df.column(name).map_err(|_| Error::UnknownColumn {
        column: name.to_string(),
        role: role.to_string(),
    })
}

/// A numeric (or Boolean) column cast to `f64`; other types are an error naming the column
/// and its role.
fn float_column(df: &DataFrame, name: &str, role: &str) -> Result<Float64Chunked> {
    let col = column(df, name, role)?;
    let dt = col.dtype();
    if !(dt.is_primitive_numeric() || dt.is_bool() || dt.is_null()) {
        return Err(Error::NotNumeric {
            column: name.to_string(),
            role: role.to_string(),
            dtype: dt.to_string(),
        });
    }
    Ok(col.cast(&DataType::Float64)?.f64()?.clone())
}

/// A numeric column as f64, NaN for missing values.
pub(crate) fn numeric(df: &DataFrame, name: &str, role: &str) -> Result<Buffer<f64>> {
    let ca = float_column(df, name, role)?;
    // Read in place when possible.
    if ca.null_count() == 0
        && ca.chunks().len() == 1
        && let Some(arr) = ca.downcast_iter().next()
    {
        return Ok(arr.values().clone());
    }
    let mut out = Vec::with_capacity(ca.len());
    for arr in ca.downcast_iter() {
        let start = out.len();
        out.extend_from_slice(arr.values().as_slice());
        if let Some(valid) = arr.validity().filter(|v| v.unset_bits() > 0) {
            let mut i = start;
            for_each_bit(valid, |ok| {
                if !ok {
                    out[i] = f64::NAN;
                }
                i += 1;
            });
        }
    }
    Ok(Buffer::from(out))
}

/// A numeric column as `f64` values read in place, chunk by chunk ([`Values`]), and its
/// validity over all rows (`None` without missing values): values under a missing slot are
/// unspecified.
pub(crate) fn numeric_values(
    df: &DataFrame,
    name: &str,
    role: &str,
) -> Result<(Values, Option<Bitmap>)> {
    let ca = float_column(df, name, role)?;
    let values = Values::from_chunks(ca.downcast_iter().map(|a| a.values().clone()).collect());
    if ca.null_count() == 0 {
        return Ok((values, None));
    }
    let mut valid = MutableBitmap::with_capacity(ca.len());
    for arr in ca.downcast_iter() {
        match arr.validity() {
            Some(v) => valid.extend_from_bitmap(v),
            None => valid.extend_constant(arr.len(), true),
        }
    }
    Ok((values, Some(valid.freeze())))
}

/// Call `f(bit)` for every bit of a bitmap, reading it 64 bits at a time.
#[inline]
pub(crate) fn for_each_bit(bits: &Bitmap, mut f: impl FnMut(bool)) {
    let mut words = bits.fast_iter_u64();
    for w in words.by_ref() {
        for j in 0..64 {
            f((w >> j) & 1 == 1);
        }
    }
    let (rest, n) = words.remainder();
    for j in 0..n {
        f((rest[j / 64] >> (j % 64)) & 1 == 1);
    }
}

/// For every byte value, the 8 bytes that spread its bits (bit k set: byte k is 0xFF).
const SPREAD: [u64; 256] = {
    let mut t = [0u64; 256];
    let mut b = 0;
    while b < 256 {
        let mut k = 0;
        while k < 8 {
            if (b >> k) & 1 == 1 {
                t[b] |= 0xFF << (8 * k);
            }
            k += 1;
        }
        b += 1;
    }
    t
};

/// Combine one byte per row with a bitmap of the same length, eight rows at a time:
/// `op(bytes, mask)` gets eight row bytes as a little-endian u64 and a mask whose byte k
/// is 0xFF when the bit of row k is set, and returns the new bytes.
pub(crate) fn combine_bits(out: &mut [u8], bits: &Bitmap, op: impl Fn(u64, u64) -> u64) {
    let mut words = bits.fast_iter_u64();
    let mut at = 0;
    for w in words.by_ref() {
        for k in 0..8 {
            let chunk = &mut out[at..at + 8];
            let mut cur = [0u8; 8];
            cur.copy_from_slice(chunk);
            let mask = SPREAD[((w >> (8 * k)) & 0xFF) as usize];
            chunk.copy_from_slice(&op(u64::from_le_bytes(cur), mask).to_le_bytes());
            at += 8;
        }
    }
    let (rest, n) = words.remainder();
    for j in 0..n {
        let mask = if (rest[j / 64] >> (j % 64)) & 1 == 1 {
            0xFF
        } else {
            0
        };
        out[at] = op(out[at] as u64, mask) as u8;
        at += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Eight rows at a time, any length, any bit pattern.
    #[test]
    fn bits_combine_with_bytes_at_every_length() {
        for len in [0usize, 1, 7, 8, 9, 63, 64, 65, 130, 200] {
            let bits: Vec<bool> = (0..len).map(|i| (i * 7 + i / 3) % 3 == 0).collect();
            let bitmap = Bitmap::from_iter(bits.iter().copied());
            let mut bytes: Vec<u8> = (0..len).map(|i| (i % 4) as u8).collect();
            let before = bytes.clone();
            combine_bits(&mut bytes, &bitmap, |cur, mask| {
                (cur & !0x0808_0808_0808_0808) | (mask & 0x0808_0808_0808_0808)
            });
            for i in 0..len {
                assert_eq!(bytes[i] & 0x07, before[i] & 0x07, "row {i} of {len}");
                assert_eq!(bytes[i] & 0x08 != 0, bits[i], "row {i} of {len}");
            }
        }
    }
}
