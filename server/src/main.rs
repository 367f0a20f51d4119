//! The `dinghuo` binary: reads its configuration from the environment and serves; with
//! `backup [DIR]` or `restore FILE`, backs the SQLite database up or restores a backup
//! (README, "Backups").

use anyhow::Context;
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
    no_huge_pages();
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .max_blocking_threads(BLOCKING_THREADS)
        .build()?
        .block_on(run())
}

/// Transparent huge pages off for this process. mimalloc asks for them on its arenas
/// (`madvise`), and then the kernel keeps whole 2 MiB pages for memory mimalloc has given
/// back in 64 KiB parts, and fills in the rest of them while the server is idle
/// (khugepaged): with 10,000 shops seeded, an idle server grew from 122 to 154 MB, 123 MB
/// of it huge pages; without them it stayed at 106–116 MB, and `make load`'s steady phase
/// ended at 135–144 MiB instead of 186–201 MiB, with the same orders/s. Set before the
/// runtime starts: only what was touched before `main` (4 MB) stays in huge pages.
fn no_huge_pages() {
    #[cfg(target_os = "linux")]
    if let Err(error) = rustix::thread::disable_transparent_huge_pages(true) {
        eprintln!("could not turn transparent huge pages off: {error}");
    }
}

async fn run() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| EnvFilter::new("info,tower_http=warn")),
        )
        .init();
    let config = server::Config::from_env()?;
    let mut args = std::env::args().skip(1);
    match args.next().as_deref() {
        None => {}
        Some("backup") => return backup(&config, args.next()).await,
        Some("restore") => {
            let file = args
                .next()
                .context("which backup? `dinghuo restore FILE` (the server stopped)")?;
            return restore(&config, &file);
        }
        Some(other) => anyhow::bail!(
            "unknown command {other}: `dinghuo` serves, `dinghuo backup [DIR]` backs the database up, `dinghuo restore FILE` puts a backup in its place"
        ),
    }
    server::serve(config.clone(), |addr| {
        tracing::info!(%addr, data = %config.data_dir.display(), site = %config.site_dir.display(), "Dinghuo is serving at http://{addr}");
    })
    .await
}

/// `dinghuo backup [DIR]`: a backup of the SQLite database now, while the server runs or
/// not, into `DIR` (default: the server's backup directory, where the oldest beyond
/// `DINGHUO_BACKUP_KEEP` are then deleted).
async fn backup(config: &server::Config, dir: Option<String>) -> anyhow::Result<()> {
    let server::store::Database::Sqlite(database) = config.database() else {
        anyhow::bail!("the database is PostgreSQL: back it up with its own tools (pg_dump)");
    };
    if !database.exists() {
        anyhow::bail!("there is no database at {}", database.display());
    }
    let mut policy = config.backups.clone();
    if let Some(dir) = dir {
        policy.dir = dir.into();
        policy.keep = usize::MAX;
    }
    let dir = policy.dir.clone();
    let made = server::backups_api::Backups::new(database, policy)
        .make_now(server::store::now_ms())
        .await?;
    tracing::info!(file = %dir.join(&made.name).display(), bytes = made.bytes, "made a backup");
    Ok(())
}

/// `dinghuo restore FILE`: the backup `FILE` in the place of the SQLite database, with the
/// server stopped (refused while something answers at its address); the database it
/// replaces is kept beside it.
fn restore(config: &server::Config, file: &str) -> anyhow::Result<()> {
    let server::store::Database::Sqlite(database) = config.database() else {
        anyhow::bail!("the database is PostgreSQL: restore it with its own tools (pg_restore)");
    };
    let running =
        std::net::TcpStream::connect_timeout(&config.addr, std::time::Duration::from_secs(1))
            .is_ok();
    if running {
        anyhow::bail!(
            "something answers at {}: stop the server before restoring a backup",
            config.addr
        );
    }
    std::fs::create_dir_all(&config.data_dir)?;
    let kept = server::store::backups::restore(
        std::path::Path::new(file),
        &database,
        server::store::now_ms(),
    )?;
    match kept {
        Some(kept) => tracing::info!(
            restored = %database.display(),
            kept = %kept.display(),
            "restored the backup; the database it replaced is kept"
        ),
        None => tracing::info!(restored = %database.display(), "restored the backup"),
    }
    Ok(())
}
