//! `make load`: drives a running server (started with `DINGHUO_DEMO_SHOPS` benchmark shops)
//! through the real sync protocol over HTTP, and reports throughput, round-trip times,
//! errors, and the CPU time and memory of the server and of this load generator itself (on
//! 2 cores the generator is easily the bottleneck, so its share is always printed).
//!
//! ```text
//! load intake  BASE --devices 50 --seconds 30 [--server-pid PID]...
//! load steady  BASE --devices 500 --seconds 300 [--oversized 40] [--server-pid PID]...
//! load signins BASE --devices 20 [--server-pid PID]...
//! load history BASE --orders 1500 --first-shop S [--server-pid PID]...  (uses shops S and S + 1)
//! load webhooks BASE --devices 50 --seconds 30 [--server-pid PID]...
//! ```
//! `webhooks` runs intake with an endpoint subscribed to order events whose receiver
//! accepts connections and never answers, checks no event was dropped, then brings the
//! receiver to life and measures how fast the backlog is delivered (events/s).
//! `steady --oversized N` also signs N more devices in and, halfway through, has each send
//! at once three bodies a server must survive: one over the size limit, one of the most
//! bytes allowed that is not a sync envelope, and a real envelope whose cart change carries
//! a string of several MiB (refused by the cart's rules). The server's memory is reported
//! before that burst, at its height, and at the end of the run.
//! Device n signs in as benchmark shop n (`bench0000n` / `bench123`).
#![allow(clippy::print_stdout)] // a report is its output
#![allow(clippy::float_arithmetic)] // timings and rates, never money

#[path = "../tests/support/http_device.rs"]
mod http_device;

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use docs::schema::doc_id::DocId;
use docs::sync::wire::SyncResponse;
use domain::order::RequestId;
use http_device::{Device, TestServer, sign_in};
use tokio::sync::Mutex;

struct Args {
    scenario: String,
    base: String,
    devices: usize,
    seconds: u64,
    orders: usize,
    first_shop: usize,
    oversized: usize,
    server_pids: Vec<u32>,
}

fn args() -> Args {
    let mut raw = std::env::args().skip(1);
    let scenario = raw.next().unwrap_or_else(|| "intake".into());
    let base = raw.next().unwrap_or_else(|| "http://127.0.0.1:3300".into());
    let mut args = Args {
        scenario,
        base,
        devices: 50,
        seconds: 30,
        orders: 1500,
        first_shop: 1,
        oversized: 0,
        server_pids: Vec::new(),
    };
    while let Some(flag) = raw.next() {
        let value = raw.next().unwrap_or_default();
        match flag.as_str() {
            "--devices" => args.devices = value.parse().unwrap(),
            "--seconds" => args.seconds = value.parse().unwrap(),
            "--orders" => args.orders = value.parse().unwrap(),
            "--first-shop" => args.first_shop = value.parse().unwrap(),
            "--oversized" => args.oversized = value.parse().unwrap(),
            "--server-pid" => args.server_pids.push(value.parse().unwrap()),
            other => panic!("unknown flag {other}"),
        }
    }
    args
}

/// CPU seconds (user + system) a process has used so far.
fn cpu_seconds(pid: Option<u32>) -> f64 {
    let path = match pid {
        Some(pid) => format!("/proc/{pid}/stat"),
        None => "/proc/self/stat".into(),
    };
    stat_cpu_seconds(Path::new(&path)).unwrap_or(0.0)
}

/// The SQLite writer thread of a server process: the one thread every write goes through.
const WRITER_THREAD: &str = "sqlite-writer";

/// CPU seconds the server's SQLite writer thread has used so far; `None` when it has none
/// (a PostgreSQL server).
fn writer_cpu_seconds(pid: u32) -> Option<f64> {
    let tasks = std::fs::read_dir(format!("/proc/{pid}/task")).ok()?;
    tasks.flatten().find_map(|task| {
        let dir = task.path();
        let comm = std::fs::read_to_string(dir.join("comm")).ok()?;
        (comm.trim() == WRITER_THREAD)
            .then(|| stat_cpu_seconds(&dir.join("stat")))
            .flatten()
    })
}

/// utime + stime of a `/proc/…/stat` file, in seconds.
fn stat_cpu_seconds(path: &Path) -> Option<f64> {
    let stat = std::fs::read_to_string(path).ok()?;
    // Fields after the command name (which is in parentheses and may hold spaces).
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // utime and stime are fields 14 and 15 of the whole line: 11 and 12 after the name.
    Some((ticks(11) + ticks(12)) / 100.0)
}

fn rss_mib(pid: u32) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

fn percentile(samples: &mut [f64], p: f64) -> f64 {
    if samples.is_empty() {
        return 0.0;
    }
    samples.sort_by(|a, b| a.total_cmp(b));
    let index = ((samples.len() as f64 - 1.0) * p).round() as usize;
    samples[index]
}

/// What happened during a run, shared by the device tasks.
#[derive(Default)]
struct Tally {
    /// Every sync POST's round trip, in ms.
    round_trips: Vec<f64>,
    /// The round trip of the POST that carried a new order, in ms.
    carrying: Vec<f64>,
    errors: u64,
    orders: u64,
}

/// One sync session, as the app runs it: right after placing an order (`carrying`), over
/// what the device changed, the documents that are not order volumes and the newest two
/// volumes (`start_sending_session`); otherwise over every document held. The time of
/// each POST is recorded, the first one as `carrying` when the session carries an order.
/// Errors are counted, not fatal.
async fn session(device: &mut Device, carrying: bool, tally: &Mutex<Tally>) -> bool {
    if carrying {
        device.sync.start_sending_session(None);
    } else {
        device.sync.start_session();
    }
    for attempt in 0..10 {
        let Some(request) = device.sync.make_request() else {
            device.sync.prune_volumes();
            return true;
        };
        let started = Instant::now();
        let response = device
            .http
            .post(format!("{}/api/sync", device.base))
            .bearer_auth(&device.token)
            .body(request.encode())
            .send()
            .await;
        let outcome = match response {
            Ok(response) if response.status() == 200 => response.bytes().await.ok(),
            _ => None,
        };
        let elapsed = started.elapsed().as_secs_f64() * 1000.0;
        let Some(bytes) = outcome else {
            tally.lock().await.errors += 1;
            return false;
        };
        if std::env::var_os("LOAD_DEBUG").is_some() {
            eprintln!(
                "{:?}",
                request.docs.iter().map(|d| &d.doc).collect::<Vec<_>>()
            );
        }
        let Ok(reply) = SyncResponse::decode(&bytes) else {
            tally.lock().await.errors += 1;
            return false;
        };
        {
            let mut tally = tally.lock().await;
            tally.round_trips.push(elapsed);
            if carrying && attempt == 0 {
                tally.carrying.push(elapsed);
            }
        }
        if device.sync.receive(reply).is_err() {
            tally.lock().await.errors += 1;
            return false;
        }
        device.sync.follow_volumes();
    }
    tally.lock().await.errors += 1;
    false
}

/// The server under load, as the test support's devices address it.
fn remote(base: &str) -> TestServer {
    TestServer {
        base: base.to_owned(),
        data_dir: std::env::temp_dir(),
        _temp: None,
        task: tokio::spawn(async {}),
    }
}

/// Signs `count` devices in, a few at a time (a fleet signs in over days, not at once; a
/// burst beyond what password hashing keeps up with is answered 503, which the sign-in
/// storm scenario measures on its own).
async fn sign_in_devices(args: &Args, count: usize) -> Vec<Device> {
    sign_in_shops(&args.base, args.first_shop, count).await
}

/// Signs in the devices of benchmark shops `first`, `first + 1`, … (`count` of them).
async fn sign_in_shops(base: &str, first: usize, count: usize) -> Vec<Device> {
    let server = Arc::new(remote(base));
    let permits = Arc::new(tokio::sync::Semaphore::new(4));
    let mut tasks = Vec::new();
    for n in 0..count {
        let (server, permits) = (server.clone(), permits.clone());
        let user = format!("bench{:05}", first + n);
        tasks.push(tokio::spawn(async move {
            let _permit = permits.acquire().await.unwrap();
            Device::new(&server, &user, "bench123").await
        }));
    }
    let mut devices = Vec::new();
    for task in tasks {
        devices.push(task.await.unwrap());
    }
    devices
}

fn request_id(device: usize, n: u64) -> RequestId {
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&(device as u64 | 0x5a00_0000_0000_0000).to_le_bytes());
    bytes[8..].copy_from_slice(&n.to_le_bytes());
    // Different runs against one database must not collide.
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64;
    bytes[4..8].copy_from_slice(&(nanos as u32).to_le_bytes());
    RequestId::from_random_bytes(bytes)
}

const LINES: [(&str, u32); 2] = [("BEV-0001", 12), ("GRN-0002", 2)];

/// Adds an order request to the device's requests document the cheap way: without pricing
/// it first (the server prices every order itself; `expected` may be empty, as
/// `app/docs/src/sync/PROTOCOL.md` says), so the generator spends its CPU on syncing.
fn place(device: &mut Device, id: RequestId) {
    use domain::order::OrderRequest;
    use domain::pricing::RequestedLine;
    use domain::sku::Sku;
    let lines = LINES
        .iter()
        .map(|(sku, quantity)| RequestedLine {
            sku: Sku::parse(sku).unwrap(),
            quantity: *quantity,
        })
        .collect();
    let request = OrderRequest::new(
        id,
        device.shop.clone(),
        server::store::now_ms(),
        "load",
        lines,
    );
    let volume = device.sync.writable_volume(&device.shop).unwrap();
    docs::schema::order_requests_doc::add_request(device.doc_mut(volume), &request).unwrap();
}

struct Usage {
    started: Instant,
    own_cpu: f64,
    server_cpu: Vec<f64>,
    writer_cpu: Vec<Option<f64>>,
}

impl Usage {
    fn start(args: &Args) -> Usage {
        Usage {
            started: Instant::now(),
            own_cpu: cpu_seconds(None),
            server_cpu: args
                .server_pids
                .iter()
                .map(|pid| cpu_seconds(Some(*pid)))
                .collect(),
            writer_cpu: args
                .server_pids
                .iter()
                .map(|pid| writer_cpu_seconds(*pid))
                .collect(),
        }
    }

    /// The generator's and each server's CPU; with `orders`, also per order, and the
    /// SQLite writer thread's share (the one thread every write waits for).
    fn report(&self, args: &Args, orders: Option<u64>) {
        let wall = self.started.elapsed().as_secs_f64();
        let own = cpu_seconds(None) - self.own_cpu;
        println!(
            "| load generator CPU | {own:.1} s in {wall:.1} s ({:.0}% of one core) |",
            own / wall * 100.0
        );
        let per_order = |seconds: f64| match orders {
            Some(orders) if orders > 0 => {
                format!(", {:.2} ms per order", seconds * 1000.0 / orders as f64)
            }
            _ => String::new(),
        };
        for ((pid, before), writer) in args
            .server_pids
            .iter()
            .zip(&self.server_cpu)
            .zip(&self.writer_cpu)
        {
            let used = cpu_seconds(Some(*pid)) - before;
            println!(
                "| server {pid} CPU, RSS | {used:.1} s ({:.0}% of one core{}), {:.0} MiB |",
                used / wall * 100.0,
                per_order(used),
                rss_mib(*pid)
            );
            if let (Some(before), Some(now)) = (writer, writer_cpu_seconds(*pid)) {
                let used = now - before;
                println!(
                    "| server {pid} SQLite writer thread CPU | {used:.1} s ({:.0}% of one core{}) |",
                    used / wall * 100.0,
                    per_order(used)
                );
            }
        }
    }
}

async fn intake(args: &Args) {
    let devices = sign_in_devices(args, args.devices).await;
    let tally = Arc::new(Mutex::new(Tally::default()));
    let mut warm = Vec::new();
    for mut device in devices {
        let tally = tally.clone();
        warm.push(tokio::spawn(async move {
            session(&mut device, false, &tally).await;
            device
        }));
    }
    let mut devices = Vec::new();
    for task in warm {
        devices.push(task.await.unwrap());
    }
    *tally.lock().await = Tally::default();
    let usage = Usage::start(args);
    let deadline = Instant::now() + Duration::from_secs(args.seconds);
    let tasks: Vec<_> = devices
        .into_iter()
        .enumerate()
        .map(|(index, mut device)| {
            let tally = tally.clone();
            tokio::spawn(async move {
                let mut n = 0;
                // The app's background sync of every document held, every 20 s.
                let mut whole = Instant::now();
                while Instant::now() < deadline {
                    n += 1;
                    place(&mut device, request_id(index, n));
                    if session(&mut device, true, &tally).await {
                        tally.lock().await.orders += 1;
                    }
                    if whole.elapsed() >= Duration::from_secs(20) {
                        session(&mut device, false, &tally).await;
                        whole = Instant::now();
                    }
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    let wall = usage.started.elapsed().as_secs_f64();
    let mut tally = tally.lock().await;
    let orders = tally.orders;
    let errors = tally.errors;
    println!(
        "## Intake: {} devices, each ordering and syncing in a loop for {} s\n",
        args.devices, args.seconds
    );
    println!("| figure | value |\n|---|---|");
    println!(
        "| orders confirmed | {orders} ({:.0} orders/s) |",
        orders as f64 / wall
    );
    println!("| errors | {errors} |");
    let p50 = percentile(&mut tally.carrying, 0.5);
    let p99 = percentile(&mut tally.carrying, 0.99);
    println!("| round trip carrying an order, p50 / p99 | {p50:.1} ms / {p99:.1} ms |");
    let all99 = percentile(&mut tally.round_trips, 0.99);
    println!("| every sync round trip, p99 | {all99:.1} ms |");
    usage.report(args, Some(orders));
    println!();
}

async fn steady(args: &Args) {
    let devices = sign_in_devices(args, args.devices).await;
    let burst_devices =
        sign_in_shops(&args.base, args.first_shop + args.devices, args.oversized).await;
    let tally = Arc::new(Mutex::new(Tally::default()));
    let usage = Usage::start(args);
    let deadline = Instant::now() + Duration::from_secs(args.seconds);
    let burst = (!burst_devices.is_empty()).then(|| {
        let (pids, halfway) = (
            args.server_pids.clone(),
            Duration::from_secs(args.seconds / 2),
        );
        tokio::spawn(async move {
            tokio::time::sleep(halfway).await;
            oversized_burst(burst_devices, &pids).await
        })
    });
    let tasks: Vec<_> = devices
        .into_iter()
        .enumerate()
        .map(|(index, mut device)| {
            let tally = tally.clone();
            tokio::spawn(async move {
                // Spread the devices over the 20 s cycle.
                let phase = Duration::from_millis((index as u64 * 20_000) / 500 % 20_000);
                tokio::time::sleep(phase).await;
                let mut n = 0u64;
                let mut last_order = Instant::now() - Duration::from_secs(index as u64 % 60);
                while Instant::now() < deadline {
                    let order = last_order.elapsed() >= Duration::from_secs(60);
                    if order {
                        n += 1;
                        place(&mut device, request_id(index, n));
                        last_order = Instant::now();
                    }
                    if session(&mut device, order, &tally).await && order {
                        tally.lock().await.orders += 1;
                    }
                    tokio::time::sleep(Duration::from_secs(20)).await;
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    let mut tally = tally.lock().await;
    println!(
        "## Steady: {} devices syncing every 20 s and ordering once a minute, {} s\n",
        args.devices, args.seconds
    );
    println!("| figure | value |\n|---|---|");
    println!(
        "| syncs, orders, errors | {}, {}, {} |",
        tally.round_trips.len(),
        tally.orders,
        tally.errors
    );
    let p50 = percentile(&mut tally.round_trips, 0.5);
    let p99 = percentile(&mut tally.round_trips, 0.99);
    println!("| sync round trip p50 / p99 | {p50:.1} ms / {p99:.1} ms |");
    if let Some(burst) = burst {
        let burst = burst.await.unwrap();
        println!(
            "| oversized bodies halfway ({} devices × 3 at once): answers | {} |",
            args.oversized,
            burst
                .statuses
                .iter()
                .map(|(status, n)| format!("{n} × {status}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        for (pid, (before, peak)) in args.server_pids.iter().zip(burst.rss) {
            println!(
                "| server {pid} RSS before the burst, at its height, at the end | {before:.0}, {peak:.0}, {:.0} MiB |",
                rss_mib(*pid)
            );
        }
    }
    usage.report(args, None);
    println!();
}

/// What the oversized burst got back, and each server's RSS before it and at its height.
struct Burst {
    statuses: std::collections::BTreeMap<String, u32>,
    rss: Vec<(f64, f64)>,
}

/// Every device sends its three oversized bodies at once (see the module's comment);
/// the servers' RSS is sampled every 20 ms until 2 s after the last answer.
async fn oversized_burst(devices: Vec<Device>, pids: &[u32]) -> Burst {
    let before: Vec<f64> = pids.iter().map(|pid| rss_mib(*pid)).collect();
    let done = Arc::new(AtomicU64::new(0));
    let sampler = {
        let (pids, done) = (pids.to_vec(), done.clone());
        tokio::spawn(async move {
            let mut peak: Vec<f64> = pids.iter().map(|pid| rss_mib(*pid)).collect();
            let mut quiet_since: Option<Instant> = None;
            loop {
                for (peak, pid) in peak.iter_mut().zip(&pids) {
                    *peak = peak.max(rss_mib(*pid));
                }
                if done.load(Ordering::Relaxed) == 1 {
                    let since = *quiet_since.get_or_insert_with(Instant::now);
                    if since.elapsed() >= Duration::from_secs(2) {
                        return peak;
                    }
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
    };
    let mut sends = Vec::new();
    for mut device in devices {
        // The device holds its cart as the server has it, then writes what no device
        // may: a root key with a 6 MiB string.
        device.sync.start_session();
        while let Some(request) = device.sync.make_request() {
            let reply = device.post(request.encode()).await.bytes().await.unwrap();
            device
                .sync
                .receive(SyncResponse::decode(&reply).unwrap())
                .unwrap();
        }
        let cart = DocId::Cart(device.shop.clone());
        let doc = device.sync.doc_mut(&cart).expect("the shop's cart");
        doc.transact::<_, _, automerge::AutomergeError>(|tx| {
            automerge::transaction::Transactable::put(
                tx,
                automerge::ROOT,
                "junk",
                "x".repeat(6 << 20),
            )
        })
        .unwrap();
        device.sync.start_session();
        let envelope = device
            .sync
            .make_request()
            .expect("the cart's change")
            .encode();
        let bodies = [
            vec![0u8; docs::sync::wire::MAX_BODY_BYTES + (1 << 20)],
            vec![0x5a; docs::sync::wire::MAX_BODY_BYTES],
            envelope,
        ];
        let device = Arc::new(device);
        for body in bodies {
            let device = device.clone();
            sends.push(tokio::spawn(async move {
                let response = device
                    .http
                    .post(format!("{}/api/sync", device.base))
                    .bearer_auth(&device.token)
                    .body(body)
                    .send()
                    .await;
                match response {
                    Ok(response) => {
                        let status = response.status().as_u16();
                        let text = response.bytes().await.unwrap_or_default();
                        // A 200 answers each document: the cart must be refused.
                        match SyncResponse::decode(&text) {
                            Ok(reply) => match reply.docs.iter().find(|d| d.status != 200) {
                                Some(refused) => format!(
                                    "200 (cart {} {})",
                                    refused.status,
                                    refused.error.as_deref().unwrap_or("")
                                ),
                                None => "200 (accepted!)".to_owned(),
                            },
                            Err(_) => status.to_string(),
                        }
                    }
                    // The server may answer 413 and close before the body is sent.
                    Err(_) => "connection closed while sending".to_owned(),
                }
            }));
        }
    }
    let mut statuses = std::collections::BTreeMap::new();
    for send in sends {
        *statuses.entry(send.await.unwrap()).or_insert(0) += 1;
    }
    done.store(1, Ordering::Relaxed);
    let peak = sampler.await.unwrap();
    Burst {
        statuses,
        rss: before.into_iter().zip(peak).collect(),
    }
}

async fn signins(args: &Args) {
    let devices = sign_in_devices(args, args.devices).await;
    let tally = Arc::new(Mutex::new(Tally::default()));
    let health = Arc::new(Mutex::new(Vec::<f64>::new()));
    let before_rss: Vec<f64> = args.server_pids.iter().map(|p| rss_mib(*p)).collect();
    let usage = Usage::start(args);
    let stop = Arc::new(AtomicU64::new(0));
    // Signed-in devices keep syncing (idle syncs), and /api/health is polled.
    let mut background = Vec::new();
    for mut device in devices {
        let (tally, stop) = (tally.clone(), stop.clone());
        background.push(tokio::spawn(async move {
            while stop.load(Ordering::Relaxed) == 0 {
                session(&mut device, false, &tally).await;
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }));
    }
    {
        let (health, stop, base) = (health.clone(), stop.clone(), args.base.clone());
        background.push(tokio::spawn(async move {
            let http = reqwest::Client::new();
            while stop.load(Ordering::Relaxed) == 0 {
                let started = Instant::now();
                let ok = http
                    .get(format!("{base}/api/health"))
                    .send()
                    .await
                    .is_ok_and(|r| r.status() == 200);
                if ok {
                    health
                        .lock()
                        .await
                        .push(started.elapsed().as_secs_f64() * 1000.0);
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    *tally.lock().await = Tally::default();
    health.lock().await.clear();
    // 200 sign-ins with made-up usernames within one second, from 200 addresses' worth of
    // connections (the limiter allows 5 a minute per account, so each name is new).
    let storm_started = Instant::now();
    let mut storm = Vec::new();
    let statuses = Arc::new(Mutex::new(std::collections::BTreeMap::<u16, u32>::new()));
    for n in 0..200u32 {
        let (base, statuses) = (args.base.clone(), statuses.clone());
        storm.push(tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(u64::from(n) * 5)).await;
            let response = reqwest::Client::new()
                .post(format!("{base}/api/login"))
                .json(&serde_json::json!({
                    "username": format!("nobody-{n}-{}", storm_started.elapsed().as_nanos()),
                    "password": "wrong password",
                }))
                .send()
                .await;
            let status = response.map_or(0, |r| r.status().as_u16());
            *statuses.lock().await.entry(status).or_default() += 1;
        }));
    }
    for task in storm {
        task.await.unwrap();
    }
    let storm_took = storm_started.elapsed().as_secs_f64();
    stop.store(1, Ordering::Relaxed);
    for task in background {
        task.await.unwrap();
    }
    let mut tally = tally.lock().await;
    let mut health = health.lock().await;
    println!(
        "## Sign-in storm: 200 sign-ins with made-up usernames in 1 s, {} devices syncing meanwhile\n",
        args.devices
    );
    println!("| figure | value |\n|---|---|");
    println!(
        "| sign-in answers (status: count), all answered after | {:?}, {storm_took:.1} s |",
        statuses.lock().await
    );
    let sync99 = percentile(&mut tally.round_trips, 0.99);
    let health99 = percentile(&mut health, 0.99);
    println!(
        "| device syncs during the storm: count, errors, p99 | {}, {}, {sync99:.1} ms |",
        tally.round_trips.len(),
        tally.errors
    );
    println!(
        "| /api/health during the storm: count, p99 | {}, {health99:.1} ms |",
        health.len()
    );
    for (pid, before) in args.server_pids.iter().zip(before_rss) {
        println!(
            "| server {pid} RSS before → after | {before:.0} MiB → {:.0} MiB |",
            rss_mib(*pid)
        );
    }
    usage.report(args, None);
    println!();
}

/// A shop's device placing orders one after another, with the warehouse settling each
/// order 20 orders later (here it cancels them: what matters is that they are over),
/// keeping the newest 20 open, as over the months such a history takes; the warehouse's
/// calls are not timed.
struct Orderer {
    device: Device,
    /// Request ids are `request_id(tag, n)`.
    tag: usize,
    placed: Vec<RequestId>,
    settled: usize,
    tally: Tally,
}

impl Orderer {
    async fn new(args: &Args, shop: usize, tag: usize) -> Orderer {
        let mut device = sign_in_shops(&args.base, shop, 1).await.pop().unwrap();
        session(&mut device, false, &Mutex::new(Tally::default())).await;
        Orderer {
            device,
            tag,
            placed: Vec::new(),
            settled: 0,
            tally: Tally::default(),
        }
    }

    /// Places the next order and has the warehouse settle the one 20 before it.
    async fn order(&mut self, http: &reqwest::Client, base: &str, admin: &str) {
        let n = self.placed.len();
        let id = request_id(self.tag, n as u64);
        self.placed.push(id.clone());
        place(&mut self.device, id);
        let tally = Mutex::new(std::mem::take(&mut self.tally));
        assert!(
            session(&mut self.device, true, &tally).await,
            "order {n} failed"
        );
        self.tally = tally.into_inner();
        if n >= 20 {
            let status = http
                .post(format!("{base}/api/orders/{}/events", self.placed[n - 20]))
                .bearer_auth(admin)
                .json(&serde_json::json!({"event": "cancel", "reason": "settled"}))
                .send()
                .await
                .unwrap()
                .status();
            self.settled += usize::from(status.is_success());
        }
    }
}

/// One shop places `--orders` orders in a row; then its next 250 orders alternate with
/// the first 250 of a shop that has none (`--first-shop` + 1), so both are timed in the
/// same seconds: the machine's speed drifts by more than the 1.2× this compares.
async fn history(args: &Args) {
    let server = remote(&args.base);
    let admin: serde_json::Value = sign_in(&server, "admin", "admin123")
        .await
        .json()
        .await
        .unwrap();
    let admin = admin["token"].as_str().unwrap().to_owned();
    let http = reqwest::Client::new();
    let mut old = Orderer::new(args, args.first_shop, 0).await;
    let mut new = Orderer::new(args, args.first_shop + 1, 1).await;
    let usage = Usage::start(args);
    for _ in 0..args.orders {
        old.order(&http, &args.base, &admin).await;
    }
    let window = 250.min(args.orders);
    for _ in 0..window {
        old.order(&http, &args.base, &admin).await;
        new.order(&http, &args.base, &admin).await;
    }
    // The app's background sync of every document held (every 20 s): settled orders'
    // volumes are let go.
    session(&mut old.device, false, &Mutex::new(Tally::default())).await;
    let carrying = &old.tally.carrying;
    let median = |samples: &[f64]| percentile(&mut samples.to_vec(), 0.5);
    let (p_first, p_last) = (
        median(&carrying[..window]),
        median(&carrying[args.orders - window..args.orders]),
    );
    let (p_then, p_fresh) = (
        median(&carrying[args.orders..]),
        median(&new.tally.carrying),
    );
    println!(
        "## History: one shop places {} orders in a row\n",
        args.orders
    );
    println!("| figure | value |\n|---|---|");
    println!(
        "| carrying round trip p50: orders {}–{} of the shop, alternating with orders 1–{window} of a new shop | {p_then:.1} ms vs {p_fresh:.1} ms ({:.2}×) |",
        args.orders + 1,
        args.orders + window,
        p_then / p_fresh
    );
    println!(
        "| carrying round trip p50, the shop's orders 1–{window} vs {}–{} (minutes apart) | {p_first:.1} ms vs {p_last:.1} ms ({:.2}×) |",
        args.orders - window + 1,
        args.orders,
        p_last / p_first
    );
    println!(
        "| order volumes the ordering device holds after a whole sync at the end | {} |",
        old.device
            .sync
            .doc_ids()
            .filter(|id| id.volume().is_some())
            .count()
            / 2
    );
    // A new device of the same shop: what its first sync downloads.
    let user = format!("bench{:05}", args.first_shop);
    let mut fresh = Device::new(&server, &user, "bench123").await;
    fresh.sync_now().await;
    let shop = fresh.shop.clone();
    let order_docs: Vec<DocId> = fresh
        .sync
        .doc_ids()
        .filter(|id| id.shop() == Some(&shop) && id.volume().is_some())
        .cloned()
        .collect();
    let order_bytes: usize = order_docs
        .iter()
        .map(|id| fresh.sync.doc(id).map_or(0, |d| d.save().len()))
        .sum();
    println!(
        "| orders settled by the warehouse meanwhile | {} |",
        old.settled + new.settled
    );
    println!(
        "| a new device's first sync: round trips, bytes down | {}, {} |",
        fresh.round_trips, fresh.bytes_down
    );
    println!(
        "| its order documents: volumes held, saved size | {}, {order_bytes} B |",
        order_docs.len() / 2
    );
    usage.report(args, None);
    println!();
}

/// Admin calls for the webhook scenario.
async fn admin_call(
    base: &str,
    token: &str,
    method: reqwest::Method,
    path: &str,
    body: Option<serde_json::Value>,
) -> serde_json::Value {
    let mut request = reqwest::Client::new()
        .request(method, format!("{base}{path}"))
        .bearer_auth(token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    assert!(
        response.status().is_success(),
        "{path}: {}",
        response.status()
    );
    response.json().await.unwrap_or(serde_json::Value::Null)
}

/// The endpoint's (pending, delivered) counts.
async fn hook_counts(base: &str, token: &str, id: i64) -> (i64, i64) {
    let list = admin_call(
        base,
        token,
        reqwest::Method::GET,
        "/api/admin/webhooks",
        None,
    )
    .await;
    let row = list["endpoints"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["id"] == id)
        .cloned()
        .unwrap();
    (
        row["pending"].as_i64().unwrap(),
        row["delivered"].as_i64().unwrap(),
    )
}

async fn webhooks(args: &Args) {
    let server = remote(&args.base);
    let body: serde_json::Value = sign_in(&server, "admin", "admin123")
        .await
        .json()
        .await
        .unwrap();
    let admin = body["token"].as_str().unwrap().to_owned();
    // A receiver that takes connections and never answers (each attempt waits out the
    // server's 10 s timeout).
    let dead = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = dead.local_addr().unwrap().port();
    let holding = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = dead.accept().await {
            held.push(socket);
        }
    });
    let made = admin_call(
        &args.base,
        &admin,
        reqwest::Method::POST,
        "/api/admin/webhooks",
        Some(serde_json::json!({
            "url": format!("http://127.0.0.1:{port}/hook"),
            "events": ["order.placed", "order.confirmed"],
            "description": "load: never answers"
        })),
    )
    .await;
    let id = made["endpoint"]["id"].as_i64().unwrap();
    println!("# Intake with a webhook receiver that never answers\n");
    intake(args).await;
    let (pending, delivered) = hook_counts(&args.base, &admin, id).await;
    println!(
        "| deliveries queued (2 per order: placed, confirmed) | {pending} waiting, {delivered} delivered |\n"
    );

    // The receiver comes to life on the same port; turning the endpoint off and on makes
    // the whole backlog due at once.
    holding.abort();
    let _ = holding.await;
    let received = Arc::new(AtomicU64::new(0));
    let counter = received.clone();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move || {
            let counter = counter.clone();
            async move {
                counter.fetch_add(1, Ordering::Relaxed);
                axum::http::StatusCode::NO_CONTENT
            }
        }),
    );
    let alive = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .unwrap();
    let serving = tokio::spawn(async move {
        let _ = axum::serve(alive, app).await;
    });
    let usage = Usage::start(args);
    let path = format!("/api/admin/webhooks/{id}");
    for enabled in [false, true] {
        let change = serde_json::json!({ "enabled": enabled });
        admin_call(
            &args.base,
            &admin,
            reqwest::Method::PATCH,
            &path,
            Some(change),
        )
        .await;
    }
    let started = Instant::now();
    let (mut pending, mut delivered) = hook_counts(&args.base, &admin, id).await;
    // Attempts cut off by the receiver's restart wait out their lease (25 s) first.
    while pending > 0 && started.elapsed() < Duration::from_secs(600) {
        tokio::time::sleep(Duration::from_millis(200)).await;
        (pending, delivered) = hook_counts(&args.base, &admin, id).await;
    }
    let wall = started.elapsed().as_secs_f64();
    let got = received.load(Ordering::Relaxed);
    println!("## Delivering the backlog to a local receiver\n");
    println!("| figure | value |\n|---|---|");
    println!(
        "| events delivered | {delivered} in {wall:.1} s ({:.0} events/s; the receiver got {got} requests), {pending} left |",
        delivered as f64 / wall
    );
    usage.report(args, None);
    println!();
    serving.abort();
    admin_call(&args.base, &admin, reqwest::Method::DELETE, &path, None).await;
}

#[tokio::main]
async fn main() {
    let args = args();
    match args.scenario.as_str() {
        "intake" => intake(&args).await,
        "steady" => steady(&args).await,
        "signins" => signins(&args).await,
        "history" => history(&args).await,
        "webhooks" => webhooks(&args).await,
        other => panic!("unknown scenario {other}"),
    }
}
