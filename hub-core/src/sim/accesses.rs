//! What the steps of an explored subtree touched, and which tasks did: the evidence that
//! lets stateful DFS skip the other tasks at a decision (see `sleep_sets`, "persistent
//! steps").
//!
//! Objects and tasks are named by their digest identities (stable across runs that reach
//! the same state), truncated to 64 bits. Two objects that collide on a key only add
//! conflicts (more exploration); every object without an identity (engine-internal locks
//! such as parked operations' waiters) shares one key, which conflicts with all of them.

/// The key of every object without a digest identity.
pub(crate) const ANONYMOUS: u64 = 1;

/// More than one task made this access.
const MANY: u64 = u64::MAX;

/// A set of accesses `(object key << 1 | written, task)`, sorted by access, one entry per
/// access (`task` is `MANY` when several tasks made it).
#[derive(Clone, Debug, Default)]
pub(crate) struct Accesses {
    entries: Vec<(u64, u64)>,
    /// Unknown accesses (a subtree whose summary was not kept): conflicts with everything.
    wild: bool,
}

impl Accesses {
    pub fn wild() -> Self {
        Accesses {
            entries: Vec::new(),
            wild: true,
        }
    }

    /// The accesses of `steps`: `(task, keys)` with `keys` sorted.
    pub fn of_steps<'a>(steps: impl Iterator<Item = (u64, &'a [u64])>) -> Self {
        let mut entries: Vec<(u64, u64)> = Vec::new();
        for (task, keys) in steps {
            entries.extend(keys.iter().map(|&k| (k, task)));
        }
        entries.sort_unstable();
        entries.dedup_by(|later, earlier| {
            if later.0 == earlier.0 {
                if later.1 != earlier.1 {
                    earlier.1 = MANY;
                }
                true
            } else {
                false
            }
        });
        Accesses {
            entries,
            wild: false,
        }
    }

    pub fn union(&mut self, other: &Accesses) {
        if other.wild {
            self.wild = true;
        }
        if other.entries.is_empty() {
            return;
        }
        let mut out = Vec::with_capacity(self.entries.len() + other.entries.len());
        let (a, b) = (&self.entries, &other.entries);
        let (mut i, mut j) = (0, 0);
        while i < a.len() && j < b.len() {
            match a[i].0.cmp(&b[j].0) {
                std::cmp::Ordering::Less => {
                    out.push(a[i]);
                    i += 1;
                }
                std::cmp::Ordering::Greater => {
                    out.push(b[j]);
                    j += 1;
                }
                std::cmp::Ordering::Equal => {
                    let task = if a[i].1 == b[j].1 { a[i].1 } else { MANY };
                    out.push((a[i].0, task));
                    i += 1;
                    j += 1;
                }
            }
        }
        out.extend_from_slice(&a[i..]);
        out.extend_from_slice(&b[j..]);
        self.entries = out;
    }

    /// Whether a step of `task` that touched `keys` conflicts with an access made by another
    /// task: both touched one object and at least one of them wrote it.
    pub fn conflicts(&self, task: u64, keys: &[u64]) -> bool {
        if self.wild {
            return true;
        }
        keys.iter().any(|&k| {
            let object = k >> 1;
            let written = k & 1 == 1;
            // The object's read entry, then its write entry.
            let reads = (object << 1, false);
            let writes = (object << 1 | 1, true);
            [reads, writes].into_iter().any(|(access, by_writer)| {
                (written || by_writer)
                    && self
                        .entries
                        .binary_search_by_key(&access, |e| e.0)
                        .is_ok_and(|at| self.entries[at].1 != task)
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const READ: u64 = 0;
    const WRITE: u64 = 1;

    #[test]
    fn reads_by_others_do_not_conflict_with_a_read() {
        let a = Accesses::of_steps([(7, &[5 << 1 | READ][..])].into_iter());
        assert!(!a.conflicts(8, &[5 << 1 | READ]));
        assert!(a.conflicts(8, &[5 << 1 | WRITE]));
    }

    #[test]
    fn a_task_does_not_conflict_with_itself_but_two_tasks_do() {
        let mut a = Accesses::of_steps([(7, &[5 << 1 | WRITE][..])].into_iter());
        assert!(!a.conflicts(7, &[5 << 1 | READ]));
        a.union(&Accesses::of_steps(
            [(9, &[5 << 1 | WRITE][..])].into_iter(),
        ));
        assert!(a.conflicts(7, &[5 << 1 | READ]));
        assert!(!a.conflicts(7, &[6 << 1 | WRITE]));
    }

    #[test]
    fn an_unknown_subtree_conflicts_with_everything() {
        assert!(Accesses::wild().conflicts(1, &[]));
    }
}
