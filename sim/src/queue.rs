//! The event queue: every future event of a run, ordered by `(Instant, seq)`.
//!
//! `seq` is a counter the queue hands out on every push, so two events due at
//! the same instant come out in the order they were pushed. Nothing else breaks
//! ties: no hash, no address, no payload comparison. This is what makes a run
//! replayable from its seed. The kernel (`kernel.rs`) is the only writer.
//!
//! The heap holds only small keys; events wait in a slab beside it, so that
//! sifting moves 24 bytes, not a whole message.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use crate::time::Instant;

/// One scheduled event's key. Ordered by `(at, seq)` only; the payload (in
/// `slot` of the slab) never takes part in the comparison.
#[derive(PartialEq, Eq)]
struct Entry {
    at: Instant,
    seq: u64,
    slot: u32,
}

impl PartialOrd for Entry {
    #[inline]
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// `(at, seq)` as one number ordered as the pair, so that ordering two
/// events is one comparison rather than a branch on `at` and then one on
/// `seq` (the heap compares entries a dozen times an event, and the kernel
/// compares the armed wakes with the head before every step).
#[inline]
pub(crate) fn order(at: Instant, seq: u64) -> u128 {
    u128::from(at.as_nanos()) << 64 | u128::from(seq)
}

impl Entry {
    #[inline]
    fn key(&self) -> u128 {
        order(self.at, self.seq)
    }
}

/// Reversed, because `BinaryHeap` is a max-heap and we want the earliest first.
/// `seq` is unique, so `slot` never decides.
impl Ord for Entry {
    #[inline]
    fn cmp(&self, other: &Self) -> Ordering {
        other.key().cmp(&self.key())
    }
}

/// A min-queue of events keyed by `(Instant, seq)`.
///
/// Calling rules: `push` never takes an instant earlier than the last one
/// popped (time does not run backwards); the queue asserts it.
pub struct EventQueue<E> {
    heap: BinaryHeap<Entry>,
    /// The events, by slot; `None` for a free slot.
    slab: Vec<Option<E>>,
    /// Free slots, reused last-freed first.
    free: Vec<u32>,
    next_seq: u64,
    last_popped: Instant,
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E> EventQueue<E> {
    /// An empty queue at time zero.
    pub fn new() -> Self {
        EventQueue {
            heap: BinaryHeap::new(),
            slab: Vec::new(),
            free: Vec::new(),
            next_seq: 0,
            last_popped: Instant::ZERO,
        }
    }

    /// Schedules `event` at `at`; returns the tie-breaking sequence number it got.
    pub fn push(&mut self, at: Instant, event: E) -> u64 {
        assert!(
            at >= self.last_popped,
            "event scheduled in the past: {at} < {}",
            self.last_popped
        );
        let seq = self.take_seq();
        let slot = match self.free.pop() {
            Some(slot) => {
                self.slab[slot as usize] = Some(event);
                slot
            }
            None => {
                self.slab.push(Some(event));
                u32::try_from(self.slab.len() - 1).expect("fewer than 4 billion queued events")
            }
        };
        self.heap.push(Entry { at, seq, slot });
        seq
    }

    /// Takes the next sequence number without queueing anything: for an
    /// event kept elsewhere (a process's armed wake) that must still come
    /// out in push order with the queued ones.
    pub fn take_seq(&mut self) -> u64 {
        let seq = self.next_seq;
        self.next_seq += 1;
        seq
    }

    /// The instant and sequence number of the earliest event, if any.
    pub fn peek(&self) -> Option<(Instant, u64)> {
        self.heap.peek().map(|e| (e.at, e.seq))
    }

    /// Removes and returns the earliest event with its instant.
    pub fn pop(&mut self) -> Option<(Instant, E)> {
        let entry = self.heap.pop()?;
        assert!(entry.at >= self.last_popped, "queue went backwards");
        self.last_popped = entry.at;
        let event = self.slab[entry.slot as usize]
            .take()
            .expect("a queued slot holds its event");
        self.free.push(entry.slot);
        Some((entry.at, event))
    }

    /// How many events are waiting.
    pub fn len(&self) -> usize {
        self.heap.len()
    }

    /// Whether nothing is waiting.
    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(ms: u64) -> Instant {
        Instant::from_nanos(ms * 1_000_000)
    }

    #[test]
    fn pops_by_time_then_push_order() {
        let mut q = EventQueue::new();
        q.push(t(5), "c");
        q.push(t(1), "a");
        q.push(t(5), "d");
        q.push(t(1), "b");
        q.push(t(3), "x");
        let order: Vec<_> = std::iter::from_fn(|| q.pop().map(|(_, e)| e)).collect();
        assert_eq!(order, ["a", "b", "x", "c", "d"]);
    }

    #[test]
    fn equal_instants_keep_fifo_across_many() {
        let mut q = EventQueue::new();
        for i in 0..1000u32 {
            q.push(t(7), i);
        }
        for i in 0..1000u32 {
            assert_eq!(q.pop(), Some((t(7), i)));
        }
        assert!(q.is_empty());
    }

    #[test]
    #[should_panic(expected = "in the past")]
    fn rejects_past_events() {
        let mut q = EventQueue::new();
        q.push(t(10), ());
        q.pop();
        q.push(t(9), ());
    }
}
