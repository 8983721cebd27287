//! Computer names, `WKS-{DEPT}-{NNN}`: the department is drawn from the
//! desktop's key, the number counts the department's desktops in generation
//! order. The fleet names its desktops with it and the inventory tags them
//! with the same department.

use crate::hash::{hash, unit};

/// Departments that name desktops, `WKS-{DEPT}-{NNN}`. The last two are
/// rare and not ASCII, to exercise width handling in tables.
pub(crate) const DEPARTMENTS: &[&str] = &[
    "FIN",
    "HR",
    "ENG",
    "OPS",
    "SALES",
    "LEGAL",
    "MKT",
    "SUP",
    "财务",
    "Recepção",
];
/// Gives each desktop, in generation order, the next number of its department.
#[derive(Debug, Default)]
pub(crate) struct NameCounters {
    next: [u32; DEPARTMENTS.len()],
}

impl NameCounters {
    /// The computer name of the desktop with this key.
    pub(crate) fn next(&mut self, key: u64) -> String {
        let dept = department(key);
        let n = &mut self.next[dept];
        *n += 1;
        format!("WKS-{}-{:03}", DEPARTMENTS[dept], n)
    }
}

/// The department of the desktop with this key: an index into [`DEPARTMENTS`].
pub(crate) fn department(key: u64) -> usize {
    let r = unit(hash(&[key, 30]));
    // 4% non-ASCII names; the rest spread evenly over the ASCII departments.
    if r < 0.02 {
        DEPARTMENTS.len() - 2
    } else if r < 0.04 {
        DEPARTMENTS.len() - 1
    } else {
        (hash(&[key, 31]) % (DEPARTMENTS.len() as u64 - 2)) as usize
    }
}
