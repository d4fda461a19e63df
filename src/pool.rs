//! The worker pool every command reads its inputs on: a rayon pool of `--jobs`
//! threads, results in input order.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use rayon::iter::{IndexedParallelIterator, IntoParallelIterator, ParallelIterator};

/// Worker threads for [`parallel_map`]; 0: one per core.
static THREADS: AtomicUsize = AtomicUsize::new(0);

/// The pool [`parallel_map`] runs on, built for the thread count it was asked with.
static POOL: Mutex<Option<(usize, Arc<rayon::ThreadPool>)>> = Mutex::new(None);

/// Run [`parallel_map`] on `n` threads (`--jobs`: remote inputs wait on the
/// network, not on a core); 0 restores one per core.
pub fn set_threads(n: usize) {
    THREADS.store(n, Ordering::Relaxed);
}

/// The threads [`parallel_map`] uses.
pub fn threads() -> usize {
    match THREADS.load(Ordering::Relaxed) {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    }
}

/// The pool of [`threads`] workers, built on first use and again when the count changes.
fn pool() -> Option<Arc<rayon::ThreadPool>> {
    let threads = threads();
    let mut pool = POOL.lock().unwrap_or_else(|e| e.into_inner());
    match pool.as_ref() {
        Some((n, p)) if *n == threads => Some(p.clone()),
        _ => {
            let built = Arc::new(rayon::ThreadPoolBuilder::new().num_threads(threads).build().ok()?);
            *pool = Some((threads, built.clone()));
            Some(built)
        }
    }
}

/// Map `f` over `items` (a slice or vector, borrowed or owned) on [`threads`]
/// workers, one item per task; results in input order. Called from inside a
/// worker, it runs on the same pool.
pub fn parallel_map<I, R>(items: I, f: impl Fn(I::Item) -> R + Sync + Send) -> Vec<R>
where
    I: IntoParallelIterator + Send,
    I::Iter: IndexedParallelIterator,
    R: Send,
{
    let run = move || items.into_par_iter().with_max_len(1).map(f).collect();
    match pool() {
        Some(pool) => pool.install(run),
        // No thread could be started for the pool: rayon's global pool.
        None => run(),
    }
}

/// Call `f` on each of `items` on [`threads`] workers that take them in index
/// order (the first items are started first, whatever the others cost); each
/// result is handed to the caller through `f` itself, as it completes. `f` may
/// use [`parallel_map`] inside: it runs on the same pool.
pub fn each_in_order<T: Sync>(items: &[T], f: impl Fn(&T) + Sync) {
    let next = AtomicUsize::new(0);
    let work = || loop {
        let i = next.fetch_add(1, Ordering::Relaxed);
        let Some(item) = items.get(i) else { break };
        f(item);
    };
    let run = || {
        rayon::scope(|s| {
            for _ in 0..threads().min(items.len()) {
                s.spawn(|_| work());
            }
        })
    };
    match pool() {
        Some(pool) => pool.install(run),
        None => run(),
    }
}
