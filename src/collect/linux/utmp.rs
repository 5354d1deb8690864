//! utmp records (`/run/utmp`): who is logged on.
//!
//! The file is an array of glibc `struct utmp` records, 384 bytes each on every Linux ABI glibc
//! supports, in native byte order. Parsing is bounds-checked: a truncated last record is
//! ignored and names are read up to their first NUL.

/// Size of one record.
pub(crate) const RECORD_BYTES: usize = 384;
/// `ut_type` of a user's login session.
const USER_PROCESS: i16 = 7;
/// Offset and length of `ut_user`.
const USER_FIELD: (usize, usize) = (44, 32);

/// The distinct logged-on user names in `bytes` (USER_PROCESS records), sorted.
pub(crate) fn logged_on_users(bytes: &[u8]) -> Vec<String> {
    let mut users: Vec<String> = bytes
        .chunks_exact(RECORD_BYTES)
        .filter(|rec| i16::from_ne_bytes([rec[0], rec[1]]) == USER_PROCESS)
        .map(|rec| {
            let field = &rec[USER_FIELD.0..USER_FIELD.0 + USER_FIELD.1];
            let end = field.iter().position(|b| *b == 0).unwrap_or(field.len());
            String::from_utf8_lossy(&field[..end]).into_owned()
        })
        .filter(|name| !name.is_empty())
        .collect();
    users.sort();
    users.dedup();
    users
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(kind: i16, user: &str) -> Vec<u8> {
        let mut rec = vec![0u8; RECORD_BYTES];
        rec[..2].copy_from_slice(&kind.to_ne_bytes());
        rec[8..13].copy_from_slice(b"pts/0");
        rec[USER_FIELD.0..USER_FIELD.0 + user.len()].copy_from_slice(user.as_bytes());
        rec
    }

    #[test]
    fn user_process_records_only() {
        let mut bytes = Vec::new();
        bytes.extend(record(2, "reboot")); // BOOT_TIME
        bytes.extend(record(USER_PROCESS, "bob"));
        bytes.extend(record(USER_PROCESS, "alice"));
        bytes.extend(record(USER_PROCESS, "bob"));
        bytes.extend(record(8, "gone")); // DEAD_PROCESS
        bytes.extend(record(USER_PROCESS, &"x".repeat(32))); // no NUL: whole field
        bytes.extend(&record(USER_PROCESS, "truncated")[..100]);
        assert_eq!(logged_on_users(&bytes), ["alice", "bob", &"x".repeat(32)]);
        assert!(logged_on_users(&[]).is_empty());
    }
}
