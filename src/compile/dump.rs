//! A stable text dump of a compiled ruleset (`iocscan debug tree`): every IOC's host-wide
//! branches, item-scoped groups with their triggers, and leaves with their compiled tests,
//! so that a change to lowering or grouping shows as a readable diff in the goldens. The
//! format is for people and tests, not a contract.

use super::tree::{Branch, GExpr, LeafId, Part, Unknown};
use super::{triggers, Ruleset};
use std::fmt::Write;

impl Ruleset {
    /// The compiled tree of every IOC, as text.
    pub fn dump_tree(&self) -> String {
        let mut d = Dump { rs: self, out: String::new() };
        for ioc in self.segments().iocs() {
            let info = &ioc.info;
            let can = if info.can_match { "can match" } else { "never matches" };
            let _ = writeln!(
                d.out,
                "ioc {} ({} {}, {can})",
                info.id,
                info.version.as_str(),
                info.position
            );
            for top in &ioc.tops {
                d.branch(top, 1);
            }
        }
        d.out
    }
}

struct Dump<'a> {
    rs: &'a Ruleset,
    out: String,
}

impl Dump<'_> {
    fn line(&mut self, depth: usize, text: &str) {
        let _ = writeln!(self.out, "{}{text}", "  ".repeat(depth));
    }

    fn branch(&mut self, b: &Branch, depth: usize) {
        let id = b.info.indicator_id.as_deref().unwrap_or("-");
        let op = match b.op {
            Some(_) => b.info.operator.to_string(),
            None => format!("{} (unknown operator)", b.info.operator),
        };
        let scope = if b.scoped { ", one item" } else { "" };
        self.line(depth, &format!("indicator {id} {op} @{}{scope}", b.info.position));
        for part in &b.parts {
            match part {
                Part::Group(g) => self.group(*g, depth + 1),
                Part::Branch(sub) => self.branch(sub, depth + 1),
                Part::Never(e) => {
                    self.line(depth + 1, "never");
                    self.expr(e, depth + 2);
                }
            }
        }
    }

    fn group(&mut self, g: u32, depth: usize) {
        let group = self.rs.group(g);
        let (detect, verdict) = triggers::of_group(group, self.rs.leaf_table());
        let ids = |set: &Option<Vec<LeafId>>| match set {
            None => "every item".to_string(),
            Some(s) if s.is_empty() => "never".to_string(),
            Some(s) => s.iter().map(|l| format!("l{l}")).collect::<Vec<_>>().join(" "),
        };
        let fields: Vec<&str> = group.fields.iter().map(|f| f.name()).collect();
        let mut text = format!(
            "group g{g} {} reads [{}] trigger [{}]",
            group.kind,
            fields.join(", "),
            ids(&detect)
        );
        if verdict != detect {
            let _ = write!(text, " verdict-trigger [{}]", ids(&verdict));
        }
        self.line(depth, &text);
        self.expr(&group.expr, depth + 1);
    }

    fn expr(&mut self, e: &GExpr, depth: usize) {
        match e {
            GExpr::Leaf(l) => {
                let leaf = &self.rs.leaf_table()[*l as usize];
                let mut text = format!("l{l} {} @{}", leaf.text, leaf.position);
                if leaf.negate {
                    text.push_str(" negated");
                }
                if !leaf.fold {
                    text.push_str(" case-sensitive");
                }
                self.line(depth, &text);
            }
            GExpr::Unknown(Unknown::Leaf(l)) => {
                let leaf = &self.rs.leaf_table()[*l as usize];
                let code = leaf.never.as_ref().map_or("?", |n| n.code.as_str());
                self.line(
                    depth,
                    &format!("l{l} unknown ({code}): {} @{}", leaf.text, leaf.position),
                );
            }
            GExpr::Unknown(Unknown::Indicator(info)) => {
                let id = info.indicator_id.as_deref().unwrap_or("-");
                self.line(
                    depth,
                    &format!("unknown: indicator {id} {} @{}", info.operator, info.position),
                );
            }
            GExpr::Element(e, inner) => {
                self.line(depth, &format!("one element of {}", e.list()));
                self.expr(inner, depth + 1);
            }
            GExpr::Op(op, ch) => {
                let text = if ch.is_empty() { format!("{op} (empty)") } else { op.to_string() };
                self.line(depth, &text);
                ch.iter().for_each(|c| self.expr(c, depth + 1));
            }
        }
    }
}
