//! Owner names: uid -> user name and gid -> group name for `Username` and `Group`.
//!
//! Read once per walk, on first need, through the account readers the user collector uses
//! ([`crate::collect::linux`]: bounded, non-blocking, first entry of an id wins). Accounts
//! known only through NSS services (LDAP, SSSD) are not resolved: their files have no
//! `Username`/`Group` value rather than a wrong one.

use std::collections::HashMap;
use std::sync::OnceLock;

/// Lazily loaded id -> name maps.
#[derive(Debug, Default)]
pub(crate) struct Owners {
    users: OnceLock<HashMap<u32, String>>,
    groups: OnceLock<HashMap<u32, String>>,
}

impl Owners {
    /// The user name of `uid`, when the passwd database has it.
    pub(crate) fn user(&self, uid: u32) -> Option<&str> {
        self.users.get_or_init(user_names).get(&uid).map(String::as_str)
    }

    /// The group name of `gid`, when the group database has it.
    pub(crate) fn group(&self, gid: u32) -> Option<&str> {
        self.groups.get_or_init(group_names).get(&gid).map(String::as_str)
    }
}

#[cfg(target_os = "linux")]
fn user_names() -> HashMap<u32, String> {
    crate::collect::linux::accounts::read_user_names().unwrap_or_default()
}

#[cfg(target_os = "linux")]
fn group_names() -> HashMap<u32, String> {
    crate::collect::linux::accounts::read_group_names().unwrap_or_default()
}

#[cfg(not(target_os = "linux"))]
fn user_names() -> HashMap<u32, String> {
    HashMap::new()
}

#[cfg(not(target_os = "linux"))]
fn group_names() -> HashMap<u32, String> {
    HashMap::new()
}
