//! Source positions: where in an IOC file a node or a problem sits.
//!
//! Positions are 1-based line and column (columns count Unicode scalar values), as editors and
//! compilers print them. [`LineIndex`] maps any byte offset of a text to its position;
//! `Positions` does the same for offsets asked in document order, in linear time. This module
//! does not read files; see [`crate::load`].

use serde::{Deserialize, Serialize};
use std::fmt;

/// A 1-based `line:column` position in a source file.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub struct Position {
    /// 1-based line number.
    pub line: u32,
    /// 1-based column number, in characters.
    pub column: u32,
}

impl Position {
    /// Creates a position from 1-based line and column.
    pub fn new(line: u32, column: u32) -> Self {
        Position { line, column }
    }
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

/// Maps byte offsets of a text to [`Position`]s.
#[derive(Clone, Debug)]
pub struct LineIndex {
    /// Byte offset at which each line starts.
    starts: Vec<usize>,
}

impl LineIndex {
    /// Indexes the line starts of `text` (`\n`, `\r\n` and lone `\r` all end a line).
    pub fn new(text: &str) -> Self {
        let bytes = text.as_bytes();
        let mut starts = vec![0];
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'\n' => starts.push(i + 1),
                b'\r' if bytes.get(i + 1) != Some(&b'\n') => starts.push(i + 1),
                _ => {}
            }
            i += 1;
        }
        LineIndex { starts }
    }

    /// The position of byte `offset` in `text` (the text this index was built from).
    pub fn position(&self, text: &str, offset: usize) -> Position {
        let offset = offset.min(text.len());
        let line = self.starts.partition_point(|&s| s <= offset) - 1;
        let start = self.starts[line];
        let column = text.get(start..offset).map_or(offset - start, |s| s.chars().count());
        Position::new(line as u32 + 1, column as u32 + 1)
    }
}

/// Offset -> position, incremental: the reader asks positions in document order, so the
/// column is counted from the previous answer while on the same line. This keeps a 3 MiB
/// one-line file with 100,000 nodes linear instead of counting from the line start for every
/// node. Any other request (backwards, or across a line end) is answered by the [`LineIndex`].
pub(crate) struct Positions<'a> {
    text: &'a str,
    lines: LineIndex,
    last: (usize, Position),
}

impl<'a> Positions<'a> {
    /// Indexes `text`.
    pub(crate) fn new(text: &'a str) -> Self {
        Positions { text, lines: LineIndex::new(text), last: (0, Position::new(1, 1)) }
    }

    /// The position of byte `offset` of the text.
    pub(crate) fn at(&mut self, offset: usize) -> Position {
        let (last, pos) = self.last;
        let same_line =
            self.text.get(last..offset).filter(|between| !between.contains(['\n', '\r'])).map(
                |between| Position::new(pos.line, pos.column + between.chars().count() as u32),
            );
        let position = same_line.unwrap_or_else(|| self.lines.position(self.text, offset));
        self.last = (offset, position);
        position
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Both mappers give `expected` at `offsets`, asked in order.
    fn check(text: &str, offsets: &[usize], expected: &[(u32, u32)]) {
        let index = LineIndex::new(text);
        let mut incremental = Positions::new(text);
        for (&o, &(line, column)) in offsets.iter().zip(expected) {
            let want = Position::new(line, column);
            assert_eq!(index.position(text, o), want, "index, offset {o} of {text:?}");
            assert_eq!(incremental.at(o), want, "incremental, offset {o} of {text:?}");
        }
    }

    #[test]
    fn positions_across_line_endings() {
        check("ab\ncd\r\nef\rgh", &[0, 4, 7, 10], &[(1, 1), (2, 2), (3, 1), (4, 1)]);
    }

    #[test]
    fn columns_count_characters() {
        check("é<a>", &[2], &[(1, 2)]);
    }

    #[test]
    fn incremental_positions_equal_the_line_index_in_any_order() {
        let text = "<a>\r\n  <b/>é<c/>\r<d>\n\n<e/><f/>";
        let index = LineIndex::new(text);
        let offsets: Vec<usize> = text.match_indices('<').map(|(i, _)| i).collect();
        let mut positions = Positions::new(text);
        // In order, then backwards and repeated (those fall back to the index).
        for &o in offsets.iter().chain(offsets.iter().rev()).chain(&offsets) {
            assert_eq!(positions.at(o), index.position(text, o), "offset {o}");
        }
    }
}
