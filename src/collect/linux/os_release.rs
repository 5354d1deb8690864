//! `/etc/os-release` (falling back to `/usr/lib/os-release`): `KEY=value` lines, values
//! optionally quoted as a shell would (see os-release(5)).

use std::collections::HashMap;

/// Parses os-release text into its keys; lines that are not assignments are skipped.
pub(crate) fn parse(text: &str) -> HashMap<String, String> {
    text.lines()
        .filter_map(|line| {
            let line = line.trim();
            if line.starts_with('#') {
                return None;
            }
            let (key, raw) = line.split_once('=')?;
            let key = key.trim();
            if key.is_empty() || !key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                return None;
            }
            Some((key.to_owned(), unquote(raw.trim())))
        })
        .collect()
}

/// Removes one level of shell quoting: `"..."` with backslash escapes, `'...'` literal.
fn unquote(raw: &str) -> String {
    if let Some(inner) = raw.strip_prefix('\'').and_then(|r| r.strip_suffix('\'')) {
        return inner.to_owned();
    }
    let inner = raw.strip_prefix('"').and_then(|r| r.strip_suffix('"')).unwrap_or(raw);
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(next) = chars.next() {
                out.push(next);
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_and_quotes() {
        let text = "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME='Debian GNU/Linux'\n\
                    # comment\nID=debian\nVERSION=\"say \\\"hi\\\"\"\nnot a line\n=x\n";
        let map = parse(text);
        assert_eq!(map["PRETTY_NAME"], "Debian GNU/Linux 12 (bookworm)");
        assert_eq!(map["NAME"], "Debian GNU/Linux");
        assert_eq!(map["ID"], "debian");
        assert_eq!(map["VERSION"], "say \"hi\"");
        assert_eq!(map.len(), 4);
    }
}
