//! Source positions: where in an IOC file a node or a problem sits.
//!
//! Positions are 1-based line and column (columns count Unicode scalar values), as editors and
//! compilers print them. This module does not read files; see [`crate::load`].

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_across_line_endings() {
        let text = "ab\ncd\r\nef\rgh";
        let idx = LineIndex::new(text);
        assert_eq!(idx.position(text, 0), Position::new(1, 1));
        assert_eq!(idx.position(text, 4), Position::new(2, 2));
        assert_eq!(idx.position(text, 7), Position::new(3, 1));
        assert_eq!(idx.position(text, 10), Position::new(4, 1));
    }

    #[test]
    fn columns_count_characters() {
        let text = "é<a>";
        let idx = LineIndex::new(text);
        assert_eq!(idx.position(text, 2), Position::new(1, 2));
    }
}
