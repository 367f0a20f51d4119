//! Long-lived worker threads for CPU work kept off the async runtime: password hashes and
//! the snapshot part of sync batches. Their number bounds how many run at once (the rest
//! queue), and, unlike tokio's blocking threads (started on demand, ended when idle), the
//! same few threads run every job, so the memory one job frees is reused by the next
//! rather than kept by a thread that came and went.

use std::panic::AssertUnwindSafe;
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
                            // A job that panics is lost (its caller is told so, its
                            // answer's sender being dropped); the thread stays.
                            Ok(job) => {
                                if std::panic::catch_unwind(AssertUnwindSafe(job)).is_err() {
                                    tracing::error!("a job of the worker threads panicked");
                                }
                            }
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

    /// Runs `work` on one of the threads, once one is free, and returns what it returned
    /// (an error if it panicked).
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

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_job_that_panics_fails_alone_and_the_threads_go_on() {
        let workers = Workers::new("test", 1);
        assert_eq!(workers.run(|| 2 + 2).await.unwrap(), 4);
        let panicked = workers.run(|| -> u32 { panic!("a job that panics") }).await;
        assert!(panicked.is_err());
        // The one thread is still there for the next job.
        assert_eq!(workers.run(|| 3 * 3).await.unwrap(), 9);
    }
}
