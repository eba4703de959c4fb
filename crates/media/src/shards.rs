//! Single-threaded runtimes, each on a thread of its own, with work placed
//! on one of them by a key (a session id).
//!
//! WebRTC work is placed so that everything of one session (its peer
//! connections, the tasks webrtc-rs spawns for them on the runtime that
//! creates them, and our forwarding loops) runs on one thread. A packet is
//! then received, forwarded and sent without handing over between threads.
//! With one multi-threaded runtime, waking idle workers and moving tasks
//! between them cost about a third of the server's CPU in the video
//! benchmark (perf: the kernel's scheduler and wake-up paths); sharding
//! took CPU per forwarded packet from 18.1 to 12.1 µs at 4 sessions.

use futures_util::future::BoxFuture;
use futures_util::FutureExt;
use tokio::runtime::Handle;

pub struct Shards {
    shards: Vec<Shard>,
}

struct Shard {
    handle: Handle,
    /// Dropping it lets the shard's thread end its runtime.
    _stop: tokio::sync::oneshot::Sender<()>,
}

impl Shards {
    /// `count` threads named `<name>-<i>` (at least one).
    pub fn start(count: usize, name: &str) -> std::io::Result<Shards> {
        let shards = (0..count.max(1)).map(|i| Shard::start(format!("{name}-{i}"))).collect::<std::io::Result<_>>()?;
        Ok(Shards { shards })
    }

    /// The runtime that holds everything of `key`.
    pub fn handle(&self, key: i64) -> &Handle {
        &self.shards[index_of(key, self.shards.len())].handle
    }

    /// Runs a future on `key`'s shard and waits for it from wherever; a
    /// future cut short by the runtime's end gives `cancelled`.
    pub fn run<T, F>(&self, key: i64, fut: F, cancelled: T) -> BoxFuture<'static, T>
    where
        T: Send + 'static,
        F: std::future::Future<Output = T> + Send + 'static,
    {
        let task = self.handle(key).spawn(fut);
        async move { task.await.unwrap_or(cancelled) }.boxed()
    }
}

fn index_of(key: i64, count: usize) -> usize {
    let count = i64::try_from(count.max(1)).unwrap_or(1);
    usize::try_from(key.rem_euclid(count)).unwrap_or(0)
}

impl Shard {
    fn start(name: String) -> std::io::Result<Shard> {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
        let handle = runtime.handle().clone();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        std::thread::Builder::new().name(name).spawn(move || {
            runtime.block_on(async {
                let _ = stopped.await;
            });
            // The thread is our own, so the runtime may end here; dropping
            // it inside the caller's runtime (as the tests do) would panic.
            runtime.shutdown_background();
        })?;
        Ok(Shard { handle, _stop: stop })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_spread_over_every_shard_and_negative_keys_are_placed_too() {
        assert_eq!((0..6).map(|k| index_of(k, 3)).collect::<Vec<_>>(), vec![0, 1, 2, 0, 1, 2]);
        assert_eq!(index_of(-1, 3), 2);
        assert_eq!(index_of(7, 0), 0);
    }

    #[tokio::test]
    async fn work_of_one_key_runs_on_one_thread() {
        let shards = Shards::start(2, "test-shard").unwrap_or_else(|e| panic!("{e}"));
        let name = || std::thread::current().name().unwrap_or_default().to_string();
        let a = shards.run(4, async move { name() }, String::new()).await;
        let b = shards
            .run(6, async move { tokio::spawn(async move { name() }).await.unwrap_or_default() }, String::new())
            .await;
        let c = shards.run(5, async move { name() }, String::new()).await;
        assert_eq!(a, "test-shard-0");
        assert_eq!(b, "test-shard-0", "a task spawned from a shard stays on it");
        assert_eq!(c, "test-shard-1");
    }
}
