//! Long-lived worker threads for CPU work kept off the async runtime: password hashes and
//! the snapshot part of sync batches. Their number bounds how many run at once (the rest
//! queue), and, unlike tokio's blocking threads (started on demand, ended when idle), the
//! same few threads run every job, so the memory one job frees is reused by the next
//! rather than kept by a thread that came and went.

use std::sync::mpsc;
use std::sync::{Arc, Mutex};

type Job = Box<dyn FnOnce() + Send>;

/// A fixed set of threads taking jobs from one queue.
pub struct Workers {
    jobs: Mutex<mpsc::Sender<Job>>,
}

impl Workers {
    /// Starts `threads` threads (at least one) named `name-0`, `name-1`…
    pub fn new(name: &str, threads: usize) -> Workers {
        let (sender, receiver) = mpsc::channel::<Job>();
        let receiver = Arc::new(Mutex::new(receiver));
        for n in 0..threads.max(1) {
            let receiver = receiver.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("{name}-{n}"))
                .spawn(move || {
                    loop {
                        let job = {
                            let receiver = receiver.lock().unwrap_or_else(|p| p.into_inner());
                            receiver.recv()
                        };
                        match job {
                            Ok(job) => job(),
                            Err(_) => return,
                        }
                    }
                });
            if let Err(error) = spawned {
                tracing::error!(%error, name, "could not start a worker thread");
            }
        }
        Workers {
            jobs: Mutex::new(sender),
        }
    }

    /// Runs `work` on one of the threads, once one is free, and returns what it returned.
    pub async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> anyhow::Result<T> {
        let (sender, receiver) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move || {
            let _ = sender.send(work());
        });
        self.jobs
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .send(job)
            .map_err(|_| anyhow::anyhow!("the worker threads have stopped"))?;
        receiver
            .await
            .map_err(|_| anyhow::anyhow!("a job of the worker threads was lost"))
    }
}
