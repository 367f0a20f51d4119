//! The `dinghuo` binary: reads its configuration from the environment and serves.

use tracing_subscriber::EnvFilter;

/// mimalloc instead of glibc's allocator: with glibc, growing Automerge buffers left the
/// server's memory at 1.4 GB after one shop's 1,500 orders (freed, but never given back);
/// with mimalloc it stays near what is in use.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// At most this many of tokio's blocking threads (its default is 512). They run database
/// reads and PostgreSQL's write transactions, which can use no more threads than the pools
/// have connections (8 SQLite readers; 16 PostgreSQL connections), and static files. With
/// the default, 50 ordering devices grew the process to ~46 threads, each keeping an
/// allocator heap of its own: 9–11 MiB more memory after the load, no more orders/s.
const BLOCKING_THREADS: usize = 16;

fn main() -> anyhow::Result<()> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .max_blocking_threads(BLOCKING_THREADS)
        .build()?
        .block_on(run())
}

async fn run() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| EnvFilter::new("info,tower_http=warn")),
        )
        .init();
    let config = server::Config::from_env()?;
    server::serve(config.clone(), |addr| {
        tracing::info!(%addr, data = %config.data_dir.display(), site = %config.site_dir.display(), "Dinghuo is serving at http://{addr}");
    })
    .await
}
