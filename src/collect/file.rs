//! SKELETON: the file-collector helper replaces this file (walk + lazy hashing, `FileEntry:
//! ItemView`, `pub fn walk(...)`).
