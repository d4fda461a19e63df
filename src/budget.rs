//! The byte budget on members inflated at once: a worker takes a [`Permit`]
//! for a member's size before inflating it and drops it once the member is
//! parsed, so memory holds at most the budget of inflated members whatever the
//! number of threads. A member larger than the whole budget is admitted alone,
//! once nothing else is in flight, so a wheel with one huge library peaks near
//! that library, not the sum of every worker's members.
//!
//! Permits are granted in the order they are asked for, so a large member is
//! not starved by a stream of small ones. A worker never asks for a second
//! permit while holding one (that could wait forever).

use std::sync::{Condvar, Mutex, MutexGuard};

/// The default budget: 64 MiB of inflated members in flight. Ordinary
/// extension modules are well under a MiB to a few tens of MiB, so 16 workers
/// still read side by side; larger members wait for room.
pub const DEFAULT_BYTES: u64 = 64 << 20;

/// A counting semaphore of bytes.
#[derive(Debug)]
pub struct Budget {
    state: Mutex<State>,
    freed: Condvar,
}

#[derive(Debug)]
struct State {
    capacity: u64,
    in_flight: u64,
    /// The next ticket handed out, and the ticket served next.
    next: u64,
    serving: u64,
}

/// Bytes held from a [`Budget`] until dropped.
#[derive(Debug)]
#[must_use = "the bytes are released when the permit is dropped"]
pub struct Permit<'a> {
    budget: &'a Budget,
    bytes: u64,
}

impl Budget {
    /// A budget of `capacity` bytes.
    pub const fn new(capacity: u64) -> Budget {
        Budget { state: Mutex::new(State { capacity, in_flight: 0, next: 0, serving: 0 }), freed: Condvar::new() }
    }

    /// The budget every reader shares ([`DEFAULT_BYTES`]).
    pub fn global() -> &'static Budget {
        static GLOBAL: Budget = Budget::new(DEFAULT_BYTES);
        &GLOBAL
    }

    /// The bytes held by permits now.
    pub fn in_flight(&self) -> u64 {
        self.lock().in_flight
    }

    /// Wait until `bytes` fit (or, for more than the whole budget, until
    /// nothing else is in flight), in turn, and hold them.
    pub fn acquire(&self, bytes: u64) -> Permit<'_> {
        let mut state = self.lock();
        let ticket = state.next;
        state.next += 1;
        while state.serving != ticket || !(state.in_flight == 0 || state.in_flight + bytes <= state.capacity) {
            state = self.freed.wait(state).unwrap_or_else(|e| e.into_inner());
        }
        state.serving += 1;
        state.in_flight += bytes;
        drop(state);
        // The next ticket may fit too.
        self.freed.notify_all();
        Permit { budget: self, bytes }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic elsewhere cannot leave the counts half-updated: keep going.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        let mut state = self.budget.lock();
        state.in_flight -= self.bytes;
        drop(state);
        self.budget.freed.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU64, Ordering};

    #[test]
    fn ok_permits_fit_the_budget() {
        let budget = Budget::new(100);
        let a = budget.acquire(60);
        let b = budget.acquire(40);
        assert_eq!(budget.in_flight(), 100);
        drop(a);
        assert_eq!(budget.in_flight(), 40);
        drop(b);
        assert_eq!(budget.in_flight(), 0);
    }

    #[test]
    fn ok_in_flight_never_passes_the_budget_and_a_large_member_runs_alone() {
        let budget = Budget::new(100);
        let peak = AtomicU64::new(0);
        let large_with_others = AtomicU64::new(0);
        std::thread::scope(|scope| {
            for worker in 0..8u64 {
                let (budget, peak, large_with_others) = (&budget, &peak, &large_with_others);
                scope.spawn(move || {
                    for i in 0..50u64 {
                        // Every fifth request of worker 0 is larger than the whole budget.
                        let bytes = if worker == 0 && i % 5 == 0 { 250 } else { 10 + (worker * 7 + i) % 40 };
                        let permit = budget.acquire(bytes);
                        let now = budget.in_flight();
                        if bytes > 100 && now != bytes {
                            large_with_others.fetch_add(1, Ordering::Relaxed);
                        }
                        if bytes <= 100 {
                            peak.fetch_max(now, Ordering::Relaxed);
                        }
                        std::thread::yield_now();
                        drop(permit);
                    }
                });
            }
        });
        assert!(peak.load(Ordering::Relaxed) <= 100, "peak {}", peak.load(Ordering::Relaxed));
        assert_eq!(large_with_others.load(Ordering::Relaxed), 0);
        assert_eq!(budget.in_flight(), 0);
    }
}
