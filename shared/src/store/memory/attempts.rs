//! The in-memory store's attempts: packed (see `packed.rs`) in a hash table
//! keyed by the id inside each packed attempt, with a queue of when each
//! may be dropped, so that attempts go a day after they expire, as
//! DynamoDB's TTL removes them, and a long-running dev server does not grow
//! without bound.
//!
//! Per live attempt this keeps one heap block of about 270 bytes (allocated
//! at its exact size), a 24-byte slot in the table and a 16-byte entry in
//! the queue. A slot keeps its id's hash, so that growing the table never
//! reads the blocks: it moves slots, under the store's lock, in about a
//! millisecond per 200,000 attempts.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::hash::{BuildHasher, RandomState};

use hashbrown::HashTable;

use super::packed::{id_of, pack, unpack};
use crate::clock::Millis;
use crate::domain::login_attempt::{CliAttempt, Flow};

/// A table slot: the hash of the attempt's id, and the packed attempt.
struct Slot {
    hash: u64,
    packed: Box<[u8]>,
}

impl Slot {
    fn is(&self, id: &str) -> bool {
        id_of(&self.packed) == Some(id)
    }
}

#[derive(Default)]
pub(super) struct Attempts {
    table: HashTable<Slot>,
    /// Where attempts are packed before they are copied to a block of
    /// their own, exactly as large as they need.
    scratch: Vec<u8>,
    hasher: RandomState,
    /// Project ids, each stored once; attempts hold their index.
    projects: Vec<Box<str>>,
    project_index: HashMap<Box<str>, u32>,
    /// When each attempt may be dropped, with the hash of its id; the
    /// earliest first.
    drops: BinaryHeap<Reverse<(Millis, u64)>>,
}

impl Attempts {
    fn hash(&self, id: &str) -> u64 {
        self.hasher.hash_one(id)
    }

    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        self.table.len()
    }

    pub(super) fn get(&self, id: &str) -> Option<CliAttempt> {
        let slot = self.table.find(self.hash(id), |s| s.is(id))?;
        self.unpack(&slot.packed)
    }

    /// Stores a new attempt; false if one with its id is stored.
    pub(super) fn insert(&mut self, attempt: &CliAttempt) -> bool {
        let hash = self.hash(&attempt.id);
        if self.table.find(hash, |s| s.is(&attempt.id)).is_some() {
            return false;
        }
        let packed = self.pack(attempt);
        self.table
            .insert_unique(hash, Slot { hash, packed }, |s| s.hash);
        self.drops
            .push(Reverse((attempt.retain_until_millis(), hash)));
        true
    }

    /// Stores `attempt` whatever is stored under its id.
    pub(super) fn replace(&mut self, attempt: &CliAttempt) {
        let replaced = self.update(&attempt.id, |_| ((), Some(attempt.clone())));
        if replaced.is_none() {
            self.insert(attempt);
        }
    }

    /// Hands the attempt `id`, if stored, to `change`, which answers and
    /// gives back the attempt to keep if it changed it.
    pub(super) fn update<R>(
        &mut self,
        id: &str,
        change: impl FnOnce(CliAttempt) -> (R, Option<CliAttempt>),
    ) -> Option<R> {
        let hash = self.hash(id);
        let slot = self.table.find(hash, |s| s.is(id))?;
        let attempt = self.unpack(&slot.packed)?;
        let (answer, changed) = change(attempt);
        if let Some(attempt) = changed {
            let packed = self.pack(&attempt);
            if let Some(slot) = self.table.find_mut(hash, |s| s.is(id)) {
                slot.packed = packed;
            }
        }
        Some(answer)
    }

    /// The newest `limit` attempts of `project_id` of one kind, newest
    /// first: a scan of every attempt kept (the dev store's admin overview;
    /// about a millisecond per 10,000 attempts).
    pub(super) fn recent(&self, project_id: &str, kind: Flow, limit: usize) -> Vec<CliAttempt> {
        let Some(&project) = self.project_index.get(project_id) else {
            return Vec::new();
        };
        let mut found: Vec<CliAttempt> = self
            .table
            .iter()
            .filter_map(|slot| unpack(&slot.packed))
            .filter(|(a, p)| *p == project && a.flow() == kind)
            .map(|(mut a, _)| {
                a.project_id = project_id.to_owned();
                a
            })
            .collect();
        found.sort_by(|a, b| (b.created_at_millis, &b.id).cmp(&(a.created_at_millis, &a.id)));
        found.truncate(limit);
        found
    }

    /// Drops the attempts kept until `now` or earlier.
    pub(super) fn drop_expired(&mut self, now: Millis) {
        while let Some(&Reverse((until, hash))) = self.drops.peek() {
            if until > now {
                break;
            }
            self.drops.pop();
            // The id may have been taken again since by a newer attempt,
            // which stays.
            if let Ok(entry) = self.table.find_entry(hash, |s| {
                unpack(&s.packed).is_some_and(|(a, _)| a.retain_until_millis() <= now)
            }) {
                entry.remove();
            }
        }
    }

    fn pack(&mut self, attempt: &CliAttempt) -> Box<[u8]> {
        let project = self.project(&attempt.project_id);
        pack(attempt, project, &mut self.scratch);
        Box::from(self.scratch.as_slice())
    }

    fn unpack(&self, packed: &[u8]) -> Option<CliAttempt> {
        let (mut attempt, project) = unpack(packed)?;
        attempt.project_id = self.projects.get(project as usize)?.to_string();
        Some(attempt)
    }

    fn project(&mut self, id: &str) -> u32 {
        if let Some(&index) = self.project_index.get(id) {
            return index;
        }
        let index = u32::try_from(self.projects.len()).unwrap_or(u32::MAX);
        self.projects.push(id.into());
        self.project_index.insert(id.into(), index);
        index
    }
}

#[cfg(test)]
#[path = "tests/attempts.rs"]
mod tests;
