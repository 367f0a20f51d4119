//! Delivering webhook events (issue 14, point 4). Events are written to the outbox by the
//! transaction that made the change (`store::webhooks::emit`); here every server process
//! runs a sender that claims due deliveries for a lease (so one process of all sends each
//! attempt, and one whose sender died is sent again when its lease ends), posts each one
//! signed, and records what the receiver answered. Nothing here runs inside an order's
//! transaction: a dead or slow receiver costs intake nothing.

use std::time::{Duration, Instant};

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::store::Store;
use crate::store::webhooks::{self as outbox, Due, Outcome};

/// How the sender retries and waits.
#[derive(Debug, Clone, Copy)]
pub struct Policy {
    /// The first retry's delay; later ones are multiples of it (10 s in production).
    pub retry_base_ms: i64,
    /// How long a receiver has to answer (10 s in production).
    pub timeout_ms: i64,
}

impl Default for Policy {
    fn default() -> Policy {
        Policy {
            retry_base_ms: 10_000,
            timeout_ms: 10_000,
        }
    }
}

/// Deliveries claimed at once (sent concurrently).
const BATCH: usize = 64;
/// How often an idle sender looks for due deliveries.
const IDLE_POLL: Duration = Duration::from_millis(200);
/// How much of a receiver's answer is kept.
const RESPONSE_CHARS: usize = 500;

/// The `Dinghuo-Signature` of `body` sent at `timestamp` (Unix seconds): `v1=` and the
/// hex HMAC-SHA256 under `secret` of `"{timestamp}.{body}"`.
pub fn signature(secret: &str, timestamp: i64, body: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes())
        // An HMAC key may have any length: this never happens.
        .unwrap_or_else(|_| unreachable!("HMAC refused a key"));
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    format!("v1={}", crate::auth::hex(&mac.finalize().into_bytes()))
}

/// A new signing secret: `whsec_` and 64 hex digits.
pub fn new_secret() -> anyhow::Result<String> {
    Ok(format!("whsec_{}", crate::auth::random_hex::<32>()?))
}

/// Why `url` cannot receive webhooks, if it cannot: it must be HTTPS, or plain HTTP to this
/// machine (for tests and a receiver on the same host).
pub fn check_url(url: &str) -> Result<reqwest::Url, &'static str> {
    let parsed = reqwest::Url::parse(url).map_err(|_| "not_a_url")?;
    let host = parsed.host_str().ok_or("not_a_url")?;
    let loopback = host == "localhost"
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    match parsed.scheme() {
        "https" => Ok(parsed),
        "http" if loopback => Ok(parsed),
        "http" => Err("https_required"),
        _ => Err("not_a_url"),
    }
}

/// The HTTP client deliveries go out with: no redirects followed (a receiver answers
/// where it was subscribed), the policy's timeout.
pub fn client(policy: Policy) -> anyhow::Result<reqwest::Client> {
    Ok(reqwest::Client::builder()
        .timeout(Duration::from_millis(policy.timeout_ms.unsigned_abs()))
        .redirect(reqwest::redirect::Policy::none())
        .user_agent("Dinghuo-Webhooks/1")
        .build()?)
}

/// Posts one claimed delivery and says what came back.
async fn send(client: &reqwest::Client, due: &Due) -> Outcome {
    let started = Instant::now();
    let at_ms = crate::store::now_ms();
    let timestamp = at_ms / 1000;
    let sent = client
        .post(&due.url)
        .header("content-type", "application/json")
        .header("Dinghuo-Event-Id", &due.event_id)
        .header("Dinghuo-Event-Type", &due.kind)
        .header("Dinghuo-Timestamp", timestamp.to_string())
        .header(
            "Dinghuo-Signature",
            signature(&due.secret, timestamp, &due.body),
        )
        .body(due.body.clone())
        .send()
        .await;
    let (status, response) = match sent {
        Ok(answer) => {
            let status = answer.status().as_u16();
            let text = read_some(answer).await;
            (Some(status), text)
        }
        Err(error) if error.is_timeout() => (None, "no answer in time".to_owned()),
        Err(error) if error.is_connect() => (None, format!("could not connect: {error}")),
        Err(error) => (None, error.to_string()),
    };
    Outcome {
        delivery: due.delivery,
        endpoint: due.endpoint,
        at_ms,
        status,
        response: response.chars().take(RESPONSE_CHARS).collect(),
        took_ms: i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX),
    }
}

/// The start of an answer's body (a receiver that streams forever is not read to its end).
async fn read_some(mut answer: reqwest::Response) -> String {
    let mut bytes = Vec::new();
    while bytes.len() < RESPONSE_CHARS * 4 {
        match answer.chunk().await {
            Ok(Some(chunk)) => bytes.extend_from_slice(&chunk),
            _ => break,
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

/// One round: claims what is due, sends it all at once, records the outcomes. Returns how
/// many deliveries it attempted.
pub async fn deliver_due(
    store: &Store,
    client: &reqwest::Client,
    policy: Policy,
) -> anyhow::Result<usize> {
    let now = crate::store::now_ms();
    if !store.read(move |tx| outbox::any_due(tx, now)).await? {
        return Ok(0);
    }
    // The lease outlasts the longest a send can take, so no other process sends it too.
    let lease_ms = policy.timeout_ms.saturating_mul(2).saturating_add(5_000);
    let due = store
        .write(move |tx| outbox::claim(tx, lease_ms, BATCH))
        .await?;
    if due.is_empty() {
        return Ok(0);
    }
    let mut sends = tokio::task::JoinSet::new();
    for delivery in due {
        let client = client.clone();
        sends.spawn(async move { send(&client, &delivery).await });
    }
    let mut outcomes = Vec::with_capacity(sends.len());
    while let Some(done) = sends.join_next().await {
        outcomes.push(done?);
    }
    let attempted = outcomes.len();
    let base = policy.retry_base_ms;
    let turned_off = store
        .write(move |tx| outbox::record(tx, &outcomes, base))
        .await?;
    for endpoint in turned_off {
        tracing::warn!(
            endpoint,
            "a webhook endpoint failed for a day and was turned off"
        );
    }
    Ok(attempted)
}

/// Runs the sender until the process ends.
pub fn spawn(store: Store, policy: Policy) -> anyhow::Result<()> {
    let client = client(policy)?;
    tokio::spawn(async move {
        loop {
            match deliver_due(&store, &client, policy).await {
                Ok(0) => tokio::time::sleep(IDLE_POLL).await,
                Ok(_) => {}
                Err(error) => {
                    tracing::warn!(%error, "webhook delivery failed");
                    tokio::time::sleep(IDLE_POLL).await;
                }
            }
        }
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_is_the_hmac_of_timestamp_dot_body() {
        // The HMAC itself: RFC 4231, test case 2.
        let expected = "v1=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";
        let mut mac = Hmac::<Sha256>::new_from_slice(b"Jefe").unwrap();
        mac.update(b"what do ya want for nothing?");
        assert_eq!(
            format!("v1={}", crate::auth::hex(&mac.finalize().into_bytes())),
            expected
        );
        // Our signature signs "{timestamp}.{body}".
        let mut mac = Hmac::<Sha256>::new_from_slice(b"whsec_x").unwrap();
        mac.update(b"1700000000.{\"a\":1}");
        let whole = format!("v1={}", crate::auth::hex(&mac.finalize().into_bytes()));
        assert_eq!(signature("whsec_x", 1_700_000_000, "{\"a\":1}"), whole);
        assert_ne!(signature("whsec_y", 1_700_000_000, "{\"a\":1}"), whole);
        assert_ne!(signature("whsec_x", 1_700_000_001, "{\"a\":1}"), whole);
    }

    #[test]
    fn receivers_are_https_or_this_machine() {
        assert!(check_url("https://erp.example.com/hooks").is_ok());
        assert!(check_url("http://127.0.0.1:9000/hook").is_ok());
        assert!(check_url("http://localhost/hook").is_ok());
        assert!(check_url("http://[::1]:8080/").is_ok());
        assert_eq!(
            check_url("http://erp.example.com/hooks").unwrap_err(),
            "https_required"
        );
        assert_eq!(check_url("ftp://x/").unwrap_err(), "not_a_url");
        assert_eq!(check_url("erp").unwrap_err(), "not_a_url");
    }

    #[test]
    fn retries_back_off_to_every_two_hours() {
        let base = 10_000;
        let delays: Vec<i64> = (1..=11).map(|n| outbox::backoff_ms(n, base)).collect();
        assert_eq!(
            delays,
            [
                10_000, 30_000, 60_000, 120_000, 300_000, 600_000, 1_800_000, 3_600_000, 7_200_000,
                7_200_000, 7_200_000
            ]
        );
        // Over a day of retries before the endpoint is turned off.
        let first_day: i64 = (1..=20).map(|n| outbox::backoff_ms(n, base)).sum();
        assert!(first_day > outbox::DISABLE_AFTER_MS);
    }
}
