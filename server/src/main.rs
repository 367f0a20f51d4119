//! The `dinghuo` binary: reads its configuration from the environment and serves.

use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
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
