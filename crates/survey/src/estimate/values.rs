//! A column of `f64` values as the data holds them: one buffer per chunk of the DataFrame
//! (a Parquet file read in several row groups has one chunk per group), read in place and
//! never copied into one array for the passes over the rows. The passes read the values a
//! run of rows at a time ([`Values::run`]; a run ends at one of [`Values::ends`]); readers
//! that jump from row to row index them ([`Values::whole`], a contiguous copy made on
//! first use when there are several chunks).

use std::ops::{Index, Range};
use std::sync::OnceLock;

use polars_buffer::Buffer;

/// Chunks shorter than this on average are joined into one buffer when read: a run per
/// chunk would cost the passes more than one copy.
const MIN_CHUNK_ROWS: usize = 16_384;

/// `f64` values of a column, in the chunks of the data (see the module docs).
#[derive(Debug, Clone, Default)]
pub(crate) struct Values {
    /// The chunks, none empty.
    chunks: Vec<Buffer<f64>>,
    /// Per chunk: the row after its last one.
    ends: Vec<usize>,
    /// All values in one buffer, made on first use when there are several chunks.
    whole: OnceLock<Buffer<f64>>,
}

impl Values {
    /// Values from the chunks of a column, in row order (empty chunks are left out; many
    /// short chunks are joined into one).
    pub fn from_chunks(chunks: Vec<Buffer<f64>>) -> Self {
        let mut chunks: Vec<Buffer<f64>> = chunks.into_iter().filter(|c| !c.is_empty()).collect();
        let rows: usize = chunks.iter().map(|c| c.len()).sum();
        if chunks.len() > 1 && rows < chunks.len() * MIN_CHUNK_ROWS {
            chunks = vec![join(&chunks)];
        }
        let ends = chunks
            .iter()
            .scan(0, |end, c| {
                *end += c.len();
                Some(*end)
            })
            .collect();
        Values {
            chunks,
            ends,
            whole: OnceLock::new(),
        }
    }

    /// Per chunk, the row after its last one (in increasing order; the last is the
    /// number of rows).
    pub fn ends(&self) -> &[usize] {
        &self.ends
    }

    /// The values of `rows`, which lie in one chunk (they end at or before the first of
    /// [`Self::ends`] after their first row).
    ///
    /// # Panics
    /// When `rows` cross the end of a chunk or of the values: the caller splits its runs.
    #[inline]
    pub fn run(&self, rows: Range<usize>) -> &[f64] {
        if rows.is_empty() {
            return &[];
        }
        let k = self.ends.partition_point(|&e| e <= rows.start);
        let start = if k == 0 { 0 } else { self.ends[k - 1] };
        &self.chunks[k][rows.start - start..rows.end - start]
    }

    /// Each chunk with the row it starts at.
    pub fn chunks(&self) -> impl Iterator<Item = (usize, &[f64])> {
        self.chunks.iter().scan(0, |start, c| {
            let at = *start;
            *start += c.len();
            Some((at, c.as_slice()))
        })
    }

    /// Every value in one slice: the only chunk itself, or a copy of the chunks made on
    /// first use.
    #[inline]
    pub fn whole(&self) -> &[f64] {
        match self.chunks.as_slice() {
            [] => &[],
            [one] => one,
            many => self.whole.get_or_init(|| join(many)),
        }
    }
}

impl From<Vec<f64>> for Values {
    fn from(v: Vec<f64>) -> Self {
        Values::from_chunks(vec![Buffer::from(v)])
    }
}

impl From<Buffer<f64>> for Values {
    fn from(b: Buffer<f64>) -> Self {
        Values::from_chunks(vec![b])
    }
}

impl Index<usize> for Values {
    type Output = f64;

    /// The value of row `i` (through [`Values::whole`]).
    #[inline]
    fn index(&self, i: usize) -> &f64 {
        &self.whole()[i]
    }
}

/// The chunks copied into one buffer.
fn join(chunks: &[Buffer<f64>]) -> Buffer<f64> {
    let mut out = Vec::with_capacity(chunks.iter().map(|c| c.len()).sum());
    for c in chunks {
        out.extend_from_slice(c);
    }
    Buffer::from(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn three_chunks() -> Values {
        let chunk = |from: usize, n: usize| {
            Buffer::from((from..from + n).map(|i| i as f64).collect::<Vec<_>>())
        };
        Values::from_chunks(vec![
            chunk(0, MIN_CHUNK_ROWS),
            Buffer::from(Vec::new()),
            chunk(MIN_CHUNK_ROWS, MIN_CHUNK_ROWS + 3),
            chunk(2 * MIN_CHUNK_ROWS + 3, MIN_CHUNK_ROWS),
        ])
    }

    #[test]
    fn runs_read_each_chunk_in_place() {
        let v = three_chunks();
        let n = 3 * MIN_CHUNK_ROWS + 3;
        assert_eq!(v.ends(), &[MIN_CHUNK_ROWS, 2 * MIN_CHUNK_ROWS + 3, n]);
        let chunk_end = |i: usize| v.ends()[v.ends().partition_point(|&e| e <= i)];
        // every run within a chunk reads the rows' own values
        let mut i = 0;
        while i < n {
            let end = (i + 1000).min(chunk_end(i));
            let run = v.run(i..end);
            assert_eq!(run.len(), end - i);
            assert!(run.iter().zip(i..end).all(|(x, r)| *x == r as f64));
            i = end;
        }
        assert!(v.run(5..5).is_empty());
        let starts: Vec<usize> = v.chunks().map(|(s, _)| s).collect();
        assert_eq!(starts, vec![0, MIN_CHUNK_ROWS, 2 * MIN_CHUNK_ROWS + 3]);
        // indexing goes through one contiguous copy
        assert_eq!(v.whole().len(), n);
        assert!((0..n).all(|i| v[i] == i as f64));
    }

    #[test]
    #[should_panic]
    fn a_run_across_chunks_is_refused() {
        let v = three_chunks();
        v.run(MIN_CHUNK_ROWS - 1..MIN_CHUNK_ROWS + 1);
    }

    #[test]
    fn short_chunks_are_joined() {
        let v = Values::from_chunks(vec![Buffer::from(vec![1.0, 2.0]), Buffer::from(vec![3.0])]);
        assert_eq!(v.ends(), &[3]);
        assert_eq!(v.run(0..3), &[1.0, 2.0, 3.0]);
        let empty = Values::from_chunks(Vec::new());
        assert!(empty.ends().is_empty());
        assert!(empty.whole().is_empty());
    }
}
