//! The local account databases: `/etc/passwd`, `/etc/group` and `/etc/shadow` lines.
//!
//! Only the files are read: accounts that come from other NSS sources (LDAP, sssd, NIS
//! compat `+` lines) are not enumerated. Malformed lines are skipped, never fatal.

use std::collections::HashMap;

/// One `/etc/passwd` entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Passwd {
    /// Login name.
    pub name: String,
    /// User id.
    pub uid: u32,
    /// Primary group id.
    pub gid: u32,
    /// The GECOS field, whole (`Full Name,Room,Phone,...`).
    pub gecos: String,
    /// Home directory.
    pub home: String,
    /// Login shell.
    pub shell: String,
}

impl Passwd {
    /// The full name: the GECOS field's first comma-separated part.
    pub fn full_name(&self) -> &str {
        self.gecos.split(',').next().unwrap_or_default()
    }
}

/// One `/etc/group` entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Group {
    /// Group name.
    pub name: String,
    /// Group id.
    pub gid: u32,
    /// Supplementary members (login names).
    pub members: Vec<String>,
}

/// One `/etc/shadow` entry, reduced to what UserItem reports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Shadow {
    /// Login name.
    pub name: String,
    /// The encrypted password field as written (`!`, `*`, `$6$...`, empty).
    pub password: String,
    /// Account expiry, in days since 1970-01-01, when set.
    pub expire_day: Option<i64>,
}

/// The account flags UserItem reports, derived from a shadow entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct AccountStatus {
    /// Password locked (`!` prefix), `*` (no password login) or the account expired.
    pub disabled: bool,
    /// Password locked (`!` prefix, as `passwd -l` writes it).
    pub locked_out: bool,
    /// False only when the password field is empty (login without a password).
    pub password_required: bool,
}

impl Shadow {
    /// The status of this account on day `today` (days since 1970-01-01).
    pub fn status(&self, today: i64) -> AccountStatus {
        let locked = self.password.starts_with('!');
        let expired = self.expire_day.is_some_and(|day| day <= today);
        AccountStatus {
            disabled: locked || self.password.starts_with('*') || expired,
            locked_out: locked,
            password_required: !self.password.is_empty(),
        }
    }
}

/// True for lines that are data: not blank, not a comment, not an NSS compat (`+`/`-`) line.
fn data_line(line: &str) -> bool {
    !(line.trim().is_empty()
        || line.starts_with('#')
        || line.starts_with('+')
        || line.starts_with('-'))
}

/// Parses `/etc/passwd` text; malformed lines are skipped.
pub(crate) fn parse_passwd(text: &str) -> Vec<Passwd> {
    text.lines()
        .filter(|l| data_line(l))
        .filter_map(|line| {
            let f: Vec<&str> = line.split(':').collect();
            if f.len() != 7 || f[0].is_empty() {
                return None;
            }
            Some(Passwd {
                name: f[0].to_owned(),
                uid: f[2].parse().ok()?,
                gid: f[3].parse().ok()?,
                gecos: f[4].to_owned(),
                home: f[5].to_owned(),
                shell: f[6].to_owned(),
            })
        })
        .collect()
}

/// Parses `/etc/group` text; malformed lines are skipped.
pub(crate) fn parse_group(text: &str) -> Vec<Group> {
    text.lines()
        .filter(|l| data_line(l))
        .filter_map(|line| {
            let f: Vec<&str> = line.split(':').collect();
            if f.len() != 4 || f[0].is_empty() {
                return None;
            }
            Some(Group {
                name: f[0].to_owned(),
                gid: f[2].parse().ok()?,
                members: f[3]
                    .split(',')
                    .map(str::trim)
                    .filter(|m| !m.is_empty())
                    .map(str::to_owned)
                    .collect(),
            })
        })
        .collect()
}

/// Parses `/etc/shadow` text; malformed lines are skipped.
pub(crate) fn parse_shadow(text: &str) -> Vec<Shadow> {
    text.lines()
        .filter(|l| data_line(l))
        .filter_map(|line| {
            let f: Vec<&str> = line.split(':').collect();
            if f.len() < 8 || f[0].is_empty() {
                return None;
            }
            Some(Shadow {
                name: f[0].to_owned(),
                password: f[1].to_owned(),
                expire_day: f[7].trim().parse().ok(),
            })
        })
        .collect()
}

/// uid -> user name from `/etc/passwd`; the first entry of an id wins, as with `getpwuid`.
pub(crate) fn read_user_names() -> std::io::Result<HashMap<u32, String>> {
    let text = super::read_text(std::path::Path::new("/etc/passwd"))?;
    Ok(first_names(parse_passwd(&text).into_iter().map(|u| (u.uid, u.name))))
}

/// gid -> group name from `/etc/group`; the first entry of an id wins, as with `getgrgid`.
pub(crate) fn read_group_names() -> std::io::Result<HashMap<u32, String>> {
    let text = super::read_text(std::path::Path::new("/etc/group"))?;
    Ok(first_names(parse_group(&text).into_iter().map(|g| (g.gid, g.name))))
}

fn first_names(entries: impl Iterator<Item = (u32, String)>) -> HashMap<u32, String> {
    let mut names = HashMap::new();
    for (id, name) in entries {
        names.entry(id).or_insert(name);
    }
    names
}

/// Group names of each login: its primary group first, then its supplementary groups in file
/// order, without duplicates.
pub(crate) fn group_names(users: &[Passwd], groups: &[Group]) -> HashMap<String, Vec<String>> {
    let by_gid: HashMap<u32, &str> = groups.iter().map(|g| (g.gid, g.name.as_str())).collect();
    let mut out: HashMap<String, Vec<String>> = HashMap::new();
    for user in users {
        let list = out.entry(user.name.clone()).or_default();
        if let Some(name) = by_gid.get(&user.gid) {
            list.push((*name).to_owned());
        }
    }
    for group in groups {
        for member in &group.members {
            if let Some(list) = out.get_mut(member) {
                if !list.contains(&group.name) {
                    list.push(group.name.clone());
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const PASSWD: &str = "\
root:x:0:0:root:/root:/bin/bash
# a comment
alice:x:1000:1000:Alice Liddell,Room 1,555-1234,,:/home/alice:/bin/zsh
broken:x:notanumber:1::/:/bin/sh
short:x:1
+nisuser::::::
svc:x:998:997::/var/lib/svc:/usr/sbin/nologin
";
    const GROUP: &str = "\
root:x:0:
alice:x:1000:
wheel:x:10:alice, root
docker:x:999:alice,ghost
bad:x:
";
    const SHADOW: &str = "\
root:$6$salt$hash:19000:0:99999:7:::
alice:!$6$salt$hash:19000:0:99999:7:::
svc:*:19000::::::
nopw::19000:0:99999:7:::
old:$6$x:19000:0:99999:7::100:
";

    #[test]
    fn first_entry_of_an_id_wins() {
        let names = first_names(
            parse_passwd("a:x:5:5::/:/s\nb:x:5:5::/:/s\n").into_iter().map(|u| (u.uid, u.name)),
        );
        assert_eq!(names.get(&5).map(String::as_str), Some("a"));
    }

    #[test]
    fn passwd_lines() {
        let users = parse_passwd(PASSWD);
        let names: Vec<&str> = users.iter().map(|u| u.name.as_str()).collect();
        assert_eq!(names, ["root", "alice", "svc"]);
        let alice = &users[1];
        assert_eq!((alice.uid, alice.gid), (1000, 1000));
        assert_eq!(alice.full_name(), "Alice Liddell");
        assert_eq!(alice.gecos, "Alice Liddell,Room 1,555-1234,,");
        assert_eq!(alice.home, "/home/alice");
        assert_eq!(alice.shell, "/bin/zsh");
        assert_eq!(users[2].full_name(), "");
    }

    #[test]
    fn group_lines_and_memberships() {
        let groups = parse_group(GROUP);
        assert_eq!(groups.len(), 4);
        assert_eq!(groups[2].members, ["alice", "root"]);
        let users = parse_passwd(PASSWD);
        let map = group_names(&users, &groups);
        assert_eq!(map["alice"], ["alice", "wheel", "docker"]);
        assert_eq!(map["root"], ["root", "wheel"]);
        assert!(map["svc"].is_empty(), "gid 997 has no group entry");
        assert!(!map.contains_key("ghost"), "members without passwd entry are not users");
    }

    #[test]
    fn shadow_lines_and_status() {
        let shadow = parse_shadow(SHADOW);
        assert_eq!(shadow.len(), 5);
        let today = 20000;
        let st: Vec<AccountStatus> = shadow.iter().map(|s| s.status(today)).collect();
        assert_eq!(
            st[0],
            AccountStatus { disabled: false, locked_out: false, password_required: true }
        );
        assert_eq!(
            st[1],
            AccountStatus { disabled: true, locked_out: true, password_required: true }
        );
        assert_eq!(
            st[2],
            AccountStatus { disabled: true, locked_out: false, password_required: true }
        );
        assert_eq!(
            st[3],
            AccountStatus { disabled: false, locked_out: false, password_required: false }
        );
        assert_eq!(shadow[4].expire_day, Some(100));
        assert!(st[4].disabled && !st[4].locked_out, "expired account");
        assert!(!shadow[4].status(99).disabled, "not yet expired");
    }
}
