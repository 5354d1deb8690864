//! UserItem: the local accounts of `/etc/passwd`, with their groups from `/etc/group` and their
//! status from `/etc/shadow`.
//!
//! `fullname` is the GECOS field's first part and `description` the whole GECOS field;
//! `userid` is the uid and `SecurityID` the uid as text; `grouplist/groupname` lists the
//! primary group then the supplementary ones. `disabled`, `lockedout` and `passwordrequired`
//! come from `/etc/shadow` only when it is readable (as root): otherwise they are absent, not
//! false. Accounts of other NSS sources (LDAP, sssd, NIS) are not enumerated.

use super::linux::accounts::{group_names, parse_group, parse_passwd, parse_shadow};
use super::linux::{failed, read_text, Errors, Wanted};
use super::Collected;
use crate::item::{Item, ItemKind, Value};
use crate::terms::{Field, FieldSet};
use std::collections::HashMap;
use std::path::Path;

/// Collects one item per `/etc/passwd` account with the fields in `fields` (plus card fields).
pub fn collect(fields: &FieldSet) -> Collected {
    collect_from(fields, Path::new("/etc"))
}

/// [`collect`] reading `passwd`, `group` and `shadow` from `etc`.
fn collect_from(fields: &FieldSet, etc: &Path) -> Collected {
    let want = Wanted::new(fields);
    let mut errors = Errors::new(ItemKind::User);
    let passwd_path = etc.join("passwd");
    let users = match read_text(&passwd_path) {
        Ok(text) => parse_passwd(&text),
        Err(e) => {
            errors.push_io(passwd_path, &e);
            return failed(errors);
        }
    };
    let groups = if want.has(Field::UserGroupList) {
        let path = etc.join("group");
        match read_text(&path) {
            Ok(text) => Some(group_names(&users, &parse_group(&text))),
            Err(e) => {
                errors.push_io(path, &e);
                None
            }
        }
    } else {
        None
    };
    let status_fields = [Field::UserDisabled, Field::UserLockedOut, Field::UserPasswordRequired];
    // Unreadable shadow (not root) is expected: the status fields are then absent, silently.
    let shadow: HashMap<String, _> = if want.any(&status_fields) {
        let today = chrono::Utc::now().timestamp().div_euclid(86_400);
        read_text(&etc.join("shadow"))
            .map(|text| {
                parse_shadow(&text).into_iter().map(|s| (s.name.clone(), s.status(today))).collect()
            })
            .unwrap_or_default()
    } else {
        HashMap::new()
    };

    let items = users
        .iter()
        .map(|u| {
            let mut item = Item::new(ItemKind::User);
            want.put(&mut item, Field::UserUsername, u.name.as_str());
            want.put(&mut item, Field::UserFullname, u.full_name());
            want.put(&mut item, Field::UserUserid, i64::from(u.uid));
            want.put(&mut item, Field::UserHomeDirectory, u.home.as_str());
            want.put(&mut item, Field::UserShell, u.shell.as_str());
            want.put(&mut item, Field::UserDescription, u.gecos.as_str());
            want.put(&mut item, Field::UserSecurityId, u.uid.to_string());
            if let Some(list) = groups.as_ref().and_then(|g| g.get(&u.name)) {
                let names = list.iter().map(|n| Value::from(n.as_str())).collect();
                want.put(&mut item, Field::UserGroupList, Value::List(names));
            }
            if let Some(status) = shadow.get(&u.name) {
                want.put(&mut item, Field::UserDisabled, status.disabled);
                want.put(&mut item, Field::UserLockedOut, status.locked_out);
                want.put(&mut item, Field::UserPasswordRequired, status.password_required);
            }
            item
        })
        .collect();
    Collected { items, errors: errors.finish() }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn etc(shadow: bool) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("passwd"),
            "root:x:0:0:root:/root:/bin/bash\nbob:x:1001:1001:Bob B,,,:/home/bob:/bin/sh\n",
        )
        .unwrap();
        std::fs::write(dir.path().join("group"), "root:x:0:\nbob:x:1001:\nadm:x:4:bob\n").unwrap();
        if shadow {
            std::fs::write(dir.path().join("shadow"), "root:*:1::::::\nbob:!$6$x:1::::::\n")
                .unwrap();
        }
        dir
    }

    #[test]
    fn accounts_groups_and_shadow() {
        let dir = etc(true);
        let got = collect_from(&FieldSet::all(), dir.path());
        assert!(got.errors.is_empty(), "{:?}", got.errors);
        let bob = &got.items[1];
        assert_eq!(bob.get(Field::UserUsername), Some(&Value::from("bob")));
        assert_eq!(bob.get(Field::UserFullname), Some(&Value::from("Bob B")));
        assert_eq!(bob.get(Field::UserUserid), Some(&Value::Int(1001)));
        assert_eq!(bob.get(Field::UserSecurityId), Some(&Value::from("1001")));
        assert_eq!(
            bob.get(Field::UserGroupList),
            Some(&Value::List(vec!["bob".into(), "adm".into()]))
        );
        assert_eq!(bob.get(Field::UserLockedOut), Some(&Value::Bool(true)));
        assert_eq!(got.items[0].get(Field::UserLockedOut), Some(&Value::Bool(false)));
        assert_eq!(got.items[0].get(Field::UserDisabled), Some(&Value::Bool(true)));
    }

    #[test]
    fn unreadable_shadow_leaves_status_absent() {
        let dir = etc(false);
        let got = collect_from(&FieldSet::all(), dir.path());
        assert!(got.errors.is_empty());
        assert_eq!(got.items.len(), 2);
        assert_eq!(got.items[0].get(Field::UserDisabled), None);
        assert_eq!(got.items[0].get(Field::UserPasswordRequired), None);
    }

    #[test]
    fn missing_passwd_is_one_error() {
        let dir = tempfile::tempdir().unwrap();
        let got = collect_from(&FieldSet::all(), dir.path());
        assert!(got.items.is_empty());
        assert_eq!(got.errors.len(), 1);
    }
}
