//! Owner names: uid -> user name and gid -> group name for `Username` and `Group`.
//!
//! Read once per walk, on first need, from `/etc/passwd` and `/etc/group` (no `unsafe` libc
//! calls). Accounts known only through NSS services (LDAP, SSSD) are not resolved: their files
//! have no `Username`/`Group` value rather than a wrong one. The first entry of an id wins, as
//! with `getpwuid`.

use std::collections::HashMap;
use std::io::Read;
use std::path::Path;
use std::sync::OnceLock;

/// Largest account database read (far above any real passwd/group file).
const MAX_ACCOUNT_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// Lazily loaded id -> name maps.
#[derive(Debug, Default)]
pub(crate) struct Owners {
    users: OnceLock<HashMap<u32, String>>,
    groups: OnceLock<HashMap<u32, String>>,
}

impl Owners {
    /// The user name of `uid`, when `/etc/passwd` has it.
    pub(crate) fn user(&self, uid: u32) -> Option<&str> {
        self.users.get_or_init(|| read_ids(Path::new("/etc/passwd"))).get(&uid).map(String::as_str)
    }

    /// The group name of `gid`, when `/etc/group` has it.
    pub(crate) fn group(&self, gid: u32) -> Option<&str> {
        self.groups.get_or_init(|| read_ids(Path::new("/etc/group"))).get(&gid).map(String::as_str)
    }
}

fn read_ids(path: &Path) -> HashMap<u32, String> {
    let mut bytes = Vec::new();
    let read = std::fs::File::open(path)
        .and_then(|f| f.take(MAX_ACCOUNT_FILE_BYTES).read_to_end(&mut bytes));
    match read {
        Ok(_) => parse_ids(&String::from_utf8_lossy(&bytes)),
        Err(_) => HashMap::new(),
    }
}

/// `name:password:id:...` lines -> id -> name (passwd and group share this prefix).
pub(crate) fn parse_ids(text: &str) -> HashMap<u32, String> {
    let mut ids = HashMap::new();
    for line in text.lines() {
        if line.starts_with('#') {
            continue;
        }
        let mut fields = line.split(':');
        let (Some(name), Some(id)) = (fields.next(), fields.nth(1)) else { continue };
        if let (false, Ok(id)) = (name.is_empty(), id.parse::<u32>()) {
            ids.entry(id).or_insert_with(|| name.to_owned());
        }
    }
    ids
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_passwd_and_group_lines() {
        let ids = parse_ids(
            "root:x:0:0:root:/root:/bin/bash\n# comment\nbad\n:x:5:\nalice:x:1000:1000::/h:/s\n\
             dup:x:1000:1\nwheel:x:10:alice,bob\nneg:x:-1:\n",
        );
        assert_eq!(ids.get(&0).map(String::as_str), Some("root"));
        assert_eq!(ids.get(&1000).map(String::as_str), Some("alice"));
        assert_eq!(ids.get(&10).map(String::as_str), Some("wheel"));
        assert_eq!(ids.len(), 3);
    }
}
