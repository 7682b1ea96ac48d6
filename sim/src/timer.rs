//! A fixed table of named timers, one slot each, for sans-I/O actors.
//!
//! Every daemon keeps a handful of timers that are armed, re-armed and
//! stopped on nearly every input (totem re-arms its token-loss timer on
//! every token). A map from timer to instant costs an allocation and a tree
//! walk per change; a slot per timer costs a store. As in quinn-proto's
//! `TimerTable`, the timer kinds are a small enum that knows its slot:
//!
//! ```
//! use sim::timer::{Timer, TimerTable};
//! use sim::{Duration, Instant};
//!
//! #[derive(Debug, Clone, Copy, PartialEq, Eq)]
//! enum T { Loss, Hold }
//! impl Timer for T {
//!     const ALL: &'static [T] = &[T::Loss, T::Hold];
//!     fn slot(self) -> usize { self as usize }
//! }
//!
//! let mut timers: TimerTable<T, 2> = TimerTable::new();
//! let now = Instant::ZERO;
//! timers.set(T::Hold, now + Duration::from_millis(180));
//! timers.set(T::Loss, now + Duration::from_millis(3000));
//! assert_eq!(timers.next(), Some(now + Duration::from_millis(180)));
//! let due: Vec<T> = timers.expired(now + Duration::from_secs(1)).collect();
//! assert_eq!(due, [T::Hold]);
//! ```

use crate::time::Instant;

/// A kind of timer: a small enum whose variants are listed in `ALL` in
/// slot order (the order expired timers fire in).
pub trait Timer: Copy + 'static {
    /// Every kind, in slot order.
    const ALL: &'static [Self];
    /// This kind's slot, below `ALL.len()`.
    fn slot(self) -> usize;
}

/// One optional deadline per timer kind `T`; `N` is the number of kinds.
///
/// A deadline is kept as its nanoseconds, a stopped timer as [`UNSET`]
/// (the end of time): the earliest deadline is then a plain minimum, which
/// the stacks ask for after nearly every input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimerTable<T: Timer, const N: usize> {
    at: [u64; N],
    kind: std::marker::PhantomData<T>,
}

/// A stopped timer's slot. Arming a timer for the very end of time (584
/// years of virtual time) would read as stopped.
const UNSET: u64 = u64::MAX;

impl<T: Timer, const N: usize> Default for TimerTable<T, N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Timer, const N: usize> TimerTable<T, N> {
    /// A table with every timer stopped.
    pub fn new() -> Self {
        debug_assert_eq!(T::ALL.len(), N, "one slot per timer kind");
        TimerTable {
            at: [UNSET; N],
            kind: std::marker::PhantomData,
        }
    }

    /// Arms (or re-arms) `timer` to fire at `at`.
    pub fn set(&mut self, timer: T, at: Instant) {
        self.at[timer.slot()] = at.as_nanos();
    }

    /// Stops `timer`; stopping a stopped timer does nothing.
    pub fn stop(&mut self, timer: T) {
        self.at[timer.slot()] = UNSET;
    }

    /// When `timer` fires, if armed.
    pub fn get(&self, timer: T) -> Option<Instant> {
        let at = self.at[timer.slot()];
        (at != UNSET).then(|| Instant::from_nanos(at))
    }

    /// Whether `timer` is armed.
    pub fn is_set(&self, timer: T) -> bool {
        self.at[timer.slot()] != UNSET
    }

    /// Whether `timer` is armed and due at `now`.
    pub fn is_due(&self, timer: T, now: Instant) -> bool {
        let at = self.at[timer.slot()];
        at != UNSET && at <= now.as_nanos()
    }

    /// Stops every timer.
    pub fn stop_all(&mut self) {
        self.at = [UNSET; N];
    }

    /// Whether no timer is armed.
    pub fn is_empty(&self) -> bool {
        self.at.iter().all(|&at| at == UNSET)
    }

    /// The earliest armed deadline: the actor's `next_deadline`.
    pub fn next(&self) -> Option<Instant> {
        let earliest = self.at.iter().copied().fold(UNSET, u64::min);
        (earliest != UNSET).then(|| Instant::from_nanos(earliest))
    }

    /// The timers due at `now`, in slot order, as they stand when called
    /// (a handler that re-arms or stops a later one must check
    /// [`is_due`](Self::is_due) before firing it).
    pub fn expired(&self, now: Instant) -> impl Iterator<Item = T> {
        let now = now.as_nanos();
        let due: [bool; N] = std::array::from_fn(|i| self.at[i] != UNSET && self.at[i] <= now);
        T::ALL.iter().copied().filter(move |t| due[t.slot()])
    }
}
