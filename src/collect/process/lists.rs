//! A process's sub-lists as aligned list columns: the SectionList (from maps) and the
//! PortList (from the port collector's socket table); the HandleList is in `handles`.
//!
//! The convention the evaluator relies on: each column is one [`Value::List`] with one entry
//! per element, every column of a list in the same element order, and an element without a
//! value for a column holds an empty list at its position. A list is read only when some
//! column of it is asked (card columns alone do not make a ruleset pay for it); then every
//! wanted column of it is filled for every element.

use super::maps::Region;
use crate::collect::linux::Wanted;
use crate::collect::port::Socket;
use crate::item::{Item, Value};
use crate::terms::{Element, Field, FieldSet, TERMS};

/// The wanted columns of one list and their values so far.
#[derive(Debug)]
pub(crate) struct Columns {
    fields: Vec<Field>,
    values: Vec<Vec<Value>>,
}

impl Columns {
    /// The columns of `element` to fill, or `None` when no column of it is asked.
    pub(crate) fn new(asked: &FieldSet, element: Element) -> Option<Self> {
        let of_list = || TERMS.iter().filter(move |t| t.element == Some(element) && t.linux);
        if !of_list().any(|t| asked.contains(t.field)) {
            return None;
        }
        let want = Wanted::new(asked);
        let fields: Vec<Field> = of_list().map(|t| t.field).filter(|f| want.has(*f)).collect();
        let values = vec![Vec::new(); fields.len()];
        Some(Columns { fields, values })
    }

    /// The same columns with no element yet (one list per process from one plan).
    pub(crate) fn empty(&self) -> Self {
        Columns { fields: self.fields.clone(), values: vec![Vec::new(); self.fields.len()] }
    }

    /// True when `field` is one of the columns filled.
    pub(crate) fn wants(&self, field: Field) -> bool {
        self.fields.contains(&field)
    }

    /// Adds one element: `value` answers each column (`None`: no value for this element).
    pub(crate) fn row(&mut self, mut value: impl FnMut(Field) -> Option<Value>) {
        for (field, column) in self.fields.iter().zip(&mut self.values) {
            column.push(value(*field).unwrap_or(Value::List(Vec::new())));
        }
    }

    /// Sets every column on `item`.
    pub(crate) fn finish(self, item: &mut Item) {
        for (field, column) in self.fields.into_iter().zip(self.values) {
            item.set(field, Value::List(column));
        }
    }
}

/// One SectionList element per maps line.
pub(crate) fn sections(columns: &mut Columns, regions: &[Region]) {
    for region in regions {
        columns.row(|field| {
            Some(match field {
                Field::ProcessSectionName => Value::from(region.name.as_str()),
                Field::ProcessSectionProtection => Value::from(region.perms.as_str()),
                // Above i64 (the vsyscall page): no value rather than a wrong one.
                Field::ProcessSectionRegionStart => Value::Int(i64::try_from(region.start).ok()?),
                Field::ProcessSectionMapped => Value::Bool(region.file_backed()),
                Field::ProcessSectionInjected => Value::Bool(region.injected()),
                _ => return None,
            })
        });
    }
}

/// One PortList element per socket the process holds; `image` is its (name, path).
pub(crate) fn ports(
    columns: &mut Columns,
    pid: u32,
    sockets: &[&Socket],
    image: (Option<&str>, Option<&str>),
) {
    for socket in sockets {
        columns.row(|field| {
            Some(match field {
                Field::ProcessPortListPid => Value::Int(i64::from(pid)),
                Field::ProcessPortListState => Value::from(socket.state?),
                Field::ProcessPortListLocalIP => Value::Ip(socket.local.0),
                Field::ProcessPortListLocalPort => Value::Int(i64::from(socket.local.1)),
                Field::ProcessPortListRemoteIP => Value::Ip(socket.remote?.0),
                Field::ProcessPortListRemotePort => Value::Int(i64::from(socket.remote?.1)),
                Field::ProcessPortListProtocol => Value::from(socket.protocol),
                Field::ProcessPortListProcess => Value::from(image.0?),
                Field::ProcessPortListPath => Value::from(image.1?),
                _ => return None,
            })
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::item::ItemKind;

    #[test]
    fn columns_stay_aligned_and_card_columns_alone_read_nothing() {
        let card_only: FieldSet = [Field::ProcessName].into_iter().collect();
        assert!(Columns::new(&card_only, Element::MemorySection).is_none());
        let asked: FieldSet = [Field::ProcessSectionInjected].into_iter().collect();
        let columns = Columns::new(&asked, Element::MemorySection).unwrap();
        // Only asked columns: cards show the matched element through its evidence, never a
        // whole list.
        assert!(!columns.wants(Field::ProcessSectionName), "no card columns in lists");
        let asked: FieldSet =
            [Field::ProcessSectionInjected, Field::ProcessSectionName].into_iter().collect();
        let mut columns = Columns::new(&asked, Element::MemorySection).unwrap();
        assert!(columns.wants(Field::ProcessSectionName));
        assert!(!columns.wants(Field::ProcessSectionProtection));
        let (regions, _) = super::super::maps::parse(
            "1000-2000 r-xp 0 08:01 5 /bin/x\nffffffffff600000-ffffffffff601000 --xp 0 00:00 0 [vsyscall]\n",
            10,
        );
        sections(&mut columns, &regions);
        let mut item = Item::new(ItemKind::Process);
        columns.finish(&mut item);
        let names = item.get(Field::ProcessSectionName).unwrap();
        assert_eq!(names, &Value::List(vec!["/bin/x".into(), "[vsyscall]".into()]));
        let injected = item.get(Field::ProcessSectionInjected).unwrap();
        assert_eq!(injected, &Value::List(vec![Value::Bool(false), Value::Bool(false)]));

        let asked: FieldSet = [Field::ProcessSectionRegionStart].into_iter().collect();
        let mut columns = Columns::new(&asked, Element::MemorySection).unwrap();
        sections(&mut columns, &regions);
        let mut item = Item::new(ItemKind::Process);
        columns.finish(&mut item);
        let starts = item.get(Field::ProcessSectionRegionStart).unwrap();
        assert_eq!(starts, &Value::List(vec![Value::Int(0x1000), Value::List(Vec::new())]));
    }
}
