//! fileWriteEvent on a live host: every walked file is also a write event ("a file present
//! now"), as [`WriteEvent`], a view over the same [`FileEntry`].
//!
//! The view answers `fullPath`, `filePath`, `fileName`, `fileExtension` and `md5` with the
//! entry's FileItem values (so the walk is asked for those FileItem fields:
//! [`with_file_fields`]), and `textAtLowestOffset` / `dataAtLowestOffset` from the first
//! [`HEAD_BYTES`] of the content, kept by the same single read that computes the digests (a
//! file over the hash size limit is not read: not evaluated). Nothing else of the event is
//! observable in a state scan (the writer, the counters, the times): those fields are absent.

use super::digest::HEAD_BYTES;
use super::FileEntry;
use crate::item::{Item, ItemKind, ItemView, Lookup};
use crate::terms::{Field, FieldSet};

/// Each fileWriteEvent field with the FileItem field whose value it is.
const SAME_AS_FILE: [(Field, Field); 5] = [
    (Field::FileWriteEvFullPath, Field::FileFullPath),
    (Field::FileWriteEvFilePath, Field::FileFilePath),
    (Field::FileWriteEvFileName, Field::FileFileName),
    (Field::FileWriteEvFileExtension, Field::FileFileExtension),
    (Field::FileWriteEvMd5, Field::FileMd5sum),
];

/// `fields` plus the FileItem fields its fileWriteEvent fields read (what the walk must
/// fill for the view to answer them).
pub fn with_file_fields(fields: &FieldSet) -> FieldSet {
    let mut all = *fields;
    for (event, file) in SAME_AS_FILE {
        if fields.contains(event)
            || (event.term().card && fields.has_kind(ItemKind::FileWriteEvent))
        {
            all.insert(file);
        }
    }
    all
}

/// A walked file seen as a fileWriteEvent.
#[derive(Clone, Copy, Debug)]
pub struct WriteEvent<'a>(pub &'a FileEntry);

impl ItemView for WriteEvent<'_> {
    fn kind(&self) -> ItemKind {
        ItemKind::FileWriteEvent
    }

    fn lookup(&self, field: Field) -> Lookup<'_> {
        match field {
            Field::FileWriteEvTextAtLowestOffset | Field::FileWriteEvDataAtLowestOffset => {
                self.0.content(field)
            }
            _ => match SAME_AS_FILE.iter().find(|(event, _)| *event == field) {
                Some((_, file)) => self.0.lookup(*file),
                None => Lookup::Absent,
            },
        }
    }

    fn to_item(&self, fields: &[Field]) -> Item {
        let file_fields: Vec<Field> = SAME_AS_FILE
            .iter()
            .filter(|(event, _)| fields.contains(event))
            .map(|(_, file)| *file)
            .collect();
        let file = self.0.to_item(&file_fields);
        let mut item = Item::new(ItemKind::FileWriteEvent);
        for (event, file_field) in SAME_AS_FILE {
            if let Some(value) = file.get(file_field) {
                item.set(event, value.clone());
            }
        }
        for field in [Field::FileWriteEvTextAtLowestOffset, Field::FileWriteEvDataAtLowestOffset] {
            if fields.contains(&field) {
                if let Lookup::Value(value) = self.0.content(field) {
                    item.set(field, value.clone());
                }
            }
        }
        item
    }
}

/// HX's rendering of written bytes as text: bytes 0x20..=0x7E kept, every other byte `.`.
pub(crate) fn text(bytes: &[u8]) -> String {
    let head = &bytes[..bytes.len().min(HEAD_BYTES)];
    head.iter().map(|&b| if (0x20..=0x7e).contains(&b) { b as char } else { '.' }).collect()
}

/// Standard base64 (RFC 4648 alphabet, `=` padding) of the first [`HEAD_BYTES`] of `bytes`.
pub(crate) fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let head = &bytes[..bytes.len().min(HEAD_BYTES)];
    let mut out = String::with_capacity(head.len().div_ceil(3) * 4);
    for chunk in head.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |n, (i, &b)| n | u32::from(b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 0x3f) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_keeps_printable_ascii_only() {
        assert_eq!(text(b"testest"), "testest");
        assert_eq!(text(b"<script>\r\nvar x\x00\x7f\xc3\xa9~ "), "<script>..var x....~ ");
        let long = vec![b'a'; 100];
        assert_eq!(text(&long).len(), 64);
    }

    #[test]
    fn base64_is_standard_and_padded() {
        assert_eq!(base64(b"testest"), "dGVzdGVzdA==");
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(&[0xff, 0xfe, 0xfd]), "//79");
        assert_eq!(base64(&[b'a'; 100]).len(), 88, "64 bytes only");
    }

    #[test]
    fn file_fields_follow_the_event_fields() {
        let asked: FieldSet = [Field::FileWriteEvMd5].into_iter().collect();
        let all = with_file_fields(&asked);
        assert!(all.contains(Field::FileMd5sum));
        assert!(all.contains(Field::FileFullPath), "fullPath is a card field");
        assert!(!all.contains(Field::FileFileName));
        let none: FieldSet = [Field::ProcessName].into_iter().collect();
        assert!(!with_file_fields(&none).contains(Field::FileFullPath));
    }
}
