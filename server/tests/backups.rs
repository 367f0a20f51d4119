//! Backups through HTTP: an admin sees the schedule and makes a backup now, a whole copy
//! of the database as it is, listed newest first and in the audit log; nobody else may
//! (403, JSON). On PostgreSQL the server makes none and says so (409, JSON). From a shell:
//! `dinghuo backup DIR` while the server runs, and `dinghuo restore FILE` once it is
//! stopped (refused while it runs), after which what was written since the backup is gone
//! and the replaced database is kept beside it.

#[path = "support/http_device.rs"]
mod http_device;

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use http_device::{TestServer, call, free_port, spawn_server, test_database, token};
use reqwest::Method;
use serde_json::{Value, json};

/// The audit log's entries about the backup `name`.
async fn audit_of(server: &TestServer, admin: &str, name: &str) -> (u16, Value) {
    let path = format!("/api/admin/audit?kind=backup&object={name}");
    call(server, admin, Method::GET, &path, None).await
}

#[tokio::test]
async fn an_admin_backs_the_database_up_and_nobody_else_may() {
    let server = spawn_server().await;
    let postgres = test_database(&server.data_dir).await.is_some();
    let admin = token(&server, "admin", "admin123").await;
    for (user, password) in [("cang", "cang123"), ("cai", "cai123"), ("wang", "wang123")] {
        let other = token(&server, user, password).await;
        for method in [Method::GET, Method::POST] {
            let (status, body) = call(&server, &other, method, "/api/admin/backups", None).await;
            assert_eq!(status, 403, "{user}: {body}");
            assert_eq!(body["error"], "forbidden", "{body}");
        }
    }
    let (status, list) = call(&server, &admin, Method::GET, "/api/admin/backups", None).await;
    assert_eq!(status, 200, "{list}");
    if postgres {
        assert_eq!(list["available"], false, "{list}");
        let (status, body) = call(&server, &admin, Method::POST, "/api/admin/backups", None).await;
        assert_eq!(status, 409, "{body}");
        assert_eq!(body["error"], "not_available", "{body}");
        assert!(!server.data_dir.join("backups").exists());
        let (status, body) = call(
            &server,
            &admin,
            Method::POST,
            "/api/admin/backups/dinghuo-20260101-000000-000.sqlite3/link",
            None,
        )
        .await;
        assert_eq!(status, 404, "{body}");
        return;
    }
    assert_eq!(list["available"], true, "{list}");
    assert_eq!(list["every_hours"], 24);
    assert_eq!(list["keep"], 7);
    assert_eq!(list["backups"], Value::Array(Vec::new()));
    let dir = server.data_dir.join("backups");
    // In full; it is made with the first backup.
    assert!(
        list["directory"].as_str().unwrap().ends_with("backups"),
        "{list}"
    );

    // It takes no body: a form or a file is refused, and makes none.
    let form = reqwest::Client::new()
        .post(format!("{}/api/admin/backups", server.base))
        .bearer_auth(&admin)
        .header("Content-Type", "multipart/form-data; boundary=x")
        .body("--x--")
        .send()
        .await
        .unwrap();
    assert_eq!(form.status(), 415);
    let refusal: Value = form.json().await.unwrap();
    assert_eq!(refusal["error"], "unexpected_body", "{refusal}");
    assert!(!dir.exists());
    let (status, made) = call(&server, &admin, Method::POST, "/api/admin/backups", None).await;
    assert_eq!(status, 201, "{made}");
    let name = made["name"].as_str().unwrap().to_owned();
    assert!(
        name.starts_with("dinghuo-") && name.ends_with(".sqlite3"),
        "{name}"
    );
    // A whole copy of the database as the server holds it.
    let live = rusqlite::Connection::open(server.data_dir.join("dinghuo.sqlite3")).unwrap();
    let copy = rusqlite::Connection::open(dir.join(&name)).unwrap();
    for table in ["users", "products", "shops", "orders", "docs", "doc_chunks"] {
        let count = |conn: &rusqlite::Connection| -> i64 {
            conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
                .unwrap()
        };
        assert_eq!(count(&copy), count(&live), "{table}");
    }
    assert_eq!(
        made["bytes"].as_u64().unwrap(),
        std::fs::metadata(dir.join(&name)).unwrap().len()
    );
    let (_, list) = call(&server, &admin, Method::GET, "/api/admin/backups", None).await;
    assert_eq!(
        list["directory"],
        std::fs::canonicalize(&dir).unwrap().display().to_string()
    );

    // Listed, newest first; and the manual one is in the audit log.
    let (_, again) = call(&server, &admin, Method::POST, "/api/admin/backups", None).await;
    let (_, list) = call(&server, &admin, Method::GET, "/api/admin/backups", None).await;
    let names: Vec<&str> = list["backups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, [again["name"].as_str().unwrap(), name.as_str()]);
    let (status, audit) = audit_of(&server, &admin, &name).await;
    assert_eq!(status, 200, "{audit}");
    assert_eq!(audit["entries"][0]["actor"], "admin", "{audit}");

    // Downloaded by the admin's browser: a link for one GET within a minute, no token.
    let link_of = |who: &str, backup: &str| {
        let (who, path) = (who.to_owned(), format!("/api/admin/backups/{backup}/link"));
        let server = &server;
        async move { call(server, &who, Method::POST, &path, None).await }
    };
    let cashier = token(&server, "cai", "cai123").await;
    let (status, body) = link_of(&cashier, &name).await;
    assert_eq!(status, 403, "{body}");
    for missing in [
        "dinghuo-20000101-000000-000.sqlite3",
        "..%2Fdinghuo.sqlite3",
        "x",
    ] {
        let (status, body) = link_of(&admin, missing).await;
        assert_eq!(status, 404, "{missing}: {body}");
    }
    let (status, link) = link_of(&admin, &name).await;
    assert_eq!(status, 201, "{link}");
    let url = format!("{}{}", server.base, link["url"].as_str().unwrap());
    let file = reqwest::get(&url).await.unwrap();
    assert_eq!(file.status(), 200);
    let disposition = file.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(disposition, format!("attachment; filename=\"{name}\""));
    assert_eq!(file.headers()["content-type"], "application/vnd.sqlite3");
    let bytes = file.bytes().await.unwrap();
    assert_eq!(bytes.as_ref(), std::fs::read(dir.join(&name)).unwrap());
    // Once only; and no made-up ticket works.
    for url in [
        url,
        format!("{}/api/backups/download?ticket=00", server.base),
    ] {
        let again = reqwest::get(&url).await.unwrap();
        assert_eq!(again.status(), 404);
        let body: Value = again.json().await.unwrap();
        assert_eq!(body["error"], "not_found", "{body}");
    }
    let (_, audit) = audit_of(&server, &admin, &name).await;
    let actions: Vec<&str> = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert!(actions.contains(&"download"), "{audit}");
}

/// `dinghuo ARGS` with the environment of the server in `data` on `port`: whether it
/// succeeded, and what it wrote to standard error.
fn run(data: &Path, port: u16, args: &[&std::ffi::OsStr]) -> (bool, String) {
    let out = dinghuo(data, port, "").args(args).output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The `dinghuo` binary with the environment of a server in `data` on `port`.
fn dinghuo(data: &Path, port: u16, database: &str) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_dinghuo"));
    command
        .env("DINGHUO_DATABASE_URL", database)
        .env("DINGHUO_ADDR", format!("127.0.0.1:{port}"))
        .env("DINGHUO_DATA", data)
        .env("DINGHUO_SITE", data.join("no-site"))
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

#[allow(
    clippy::zombie_processes,
    reason = "the child is returned; the test kills and waits for it"
)]
async fn start(data: &Path, port: u16) -> (Child, TestServer) {
    let mut child = dinghuo(data, port, "")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let started = Instant::now();
    while reqwest::get(format!("{base}/api/health")).await.is_err() {
        if started.elapsed() > Duration::from_secs(30) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the server did not come up");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let server = TestServer {
        base,
        data_dir: data.to_owned(),
        _temp: None,
        task: tokio::spawn(async {}),
    };
    (child, server)
}

async fn key_names(server: &TestServer) -> Vec<String> {
    let admin = token(server, "admin", "admin123").await;
    let (status, list) = call(server, &admin, Method::GET, "/api/admin/api-keys", None).await;
    assert_eq!(status, 200, "{list}");
    list["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["name"].as_str().unwrap().to_owned())
        .collect()
}

async fn make_key(server: &TestServer, name: &str) {
    let admin = token(server, "admin", "admin123").await;
    let body = json!({ "name": name, "scopes": ["stock:read"] });
    let (status, made) = call(
        server,
        &admin,
        Method::POST,
        "/api/admin/api-keys",
        Some(body),
    )
    .await;
    assert_eq!(status, 201, "{made}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_made_from_the_shell_is_restored_once_the_server_is_stopped() {
    let temp = tempfile::tempdir().unwrap();
    let data = temp.path().join("data");
    if let Some(url) = test_database(&data).await {
        // PostgreSQL: the server's own commands refuse, pointing at PostgreSQL's tools.
        let out = dinghuo(&data, free_port(), &url)
            .arg("backup")
            .output()
            .unwrap();
        assert!(!out.status.success());
        assert!(String::from_utf8_lossy(&out.stderr).contains("pg_dump"));
        return;
    }
    let port = free_port();
    let (mut server_process, server) = start(&data, port).await;
    make_key(&server, "before the backup").await;
    let shelf = temp.path().join("shelf");
    let (made, said) = run(&data, port, &["backup".as_ref(), shelf.as_os_str()]);
    assert!(made, "{said}");
    let files: Vec<_> = std::fs::read_dir(&shelf).unwrap().flatten().collect();
    assert_eq!(files.len(), 1);
    let backup = files[0].path();
    make_key(&server, "after the backup").await;
    // Not while the server runs.
    let restore = ["restore".as_ref(), backup.as_os_str()];
    let (restored, said) = run(&data, port, &restore);
    assert!(!restored);
    assert!(said.contains("stop the server"), "{said}");
    // Stopped hard: what it wrote last may still be in its WAL.
    server_process.kill().unwrap();
    server_process.wait().unwrap();
    let (restored, said) = run(&data, port, &restore);
    assert!(restored, "{said}");
    let kept: Vec<String> = std::fs::read_dir(&data)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with("dinghuo.sqlite3.replaced-"))
        .collect();
    assert!(!kept.is_empty(), "the replaced database is kept");
    let (mut server_process, server) = start(&data, port).await;
    assert_eq!(key_names(&server).await, ["before the backup"]);
    server_process.kill().unwrap();
    server_process.wait().unwrap();
}
