//! Backups of the SQLite database: a consistent copy made while the server runs (`VACUUM
//! INTO` on a connection of its own: a read of one snapshot, so orders keep being taken
//! in meanwhile), checked (`PRAGMA quick_check`), made durable (the file and its
//! directory synced) and only then given its name, so a file named like a backup is a
//! whole one. Backups are files `dinghuo-YYYYMMDD-HHMMSS-mmm.sqlite3` (UTC) in one
//! directory; the oldest beyond the number kept are deleted. Restoring is copying one over
//! `dinghuo.sqlite3` while the server is stopped: it migrates an older one when it starts.
//! PostgreSQL has its own tools (`pg_dump`); the server makes no backups of it.

use std::path::{Path, PathBuf};

use anyhow::Context;
use rusqlite::{Connection, OpenFlags};

const PREFIX: &str = "dinghuo-";
const SUFFIX: &str = ".sqlite3";
/// A backup being written: never listed, never restored; one a stopped backup left is
/// deleted by a later backup once it is a day old (another may be writing it now).
const PARTIAL: &str = ".partial-";
/// How old a partial file must be to be taken for one a stopped backup left.
const PARTIAL_STALE: std::time::Duration = std::time::Duration::from_secs(24 * 60 * 60);

/// A backup on disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupFile {
    /// Its file name in the backup directory.
    pub name: String,
    pub bytes: u64,
    /// When it was made (ms since 1970, UTC), read from its name.
    pub made_ms: i64,
}

/// `YYYYMMDD-HHMMSS-mmm` of `ms` (UTC).
fn stamp(ms: i64) -> String {
    let date = domain::quota::local_date(ms, 0).replace('-', "");
    let in_day = ms.rem_euclid(24 * 60 * 60 * 1000);
    let (h, m, s, milli) = (
        in_day / 3_600_000,
        in_day / 60_000 % 60,
        in_day / 1000 % 60,
        in_day % 1000,
    );
    format!("{date}-{h:02}{m:02}{s:02}-{milli:03}")
}

/// The time a backup's file name says it was made (None for any other file).
fn made_ms(name: &str) -> Option<i64> {
    let stamp = name.strip_prefix(PREFIX)?.strip_suffix(SUFFIX)?;
    let (date, rest) = stamp.split_once('-')?;
    let (time, milli) = rest.split_once('-')?;
    if date.len() != 8 || time.len() != 6 || milli.len() != 3 {
        return None;
    }
    let day =
        domain::quota::day_start(&format!("{}-{}-{}", &date[..4], &date[4..6], &date[6..]), 0)?;
    let number = |text: &str| text.parse::<i64>().ok();
    let (h, m, s) = (
        number(&time[..2])?,
        number(&time[2..4])?,
        number(&time[4..])?,
    );
    if h > 23 || m > 59 || s > 59 {
        return None;
    }
    Some(day + ((h * 60 + m) * 60 + s) * 1000 + number(milli)?)
}

/// Copies the database at `database` into a new backup in `dir` (made if missing), named
/// after `now_ms`.
pub fn make(database: &Path, dir: &Path, now_ms: i64) -> anyhow::Result<BackupFile> {
    std::fs::create_dir_all(dir)
        .with_context(|| format!("creating the backup directory {}", dir.display()))?;
    let name = format!("{PREFIX}{}{SUFFIX}", stamp(now_ms));
    let path = dir.join(&name);
    if path.exists() {
        anyhow::bail!("a backup named {name} exists already");
    }
    let partial = dir.join(format!("{PARTIAL}{name}"));
    let _ = std::fs::remove_file(&partial);
    let written = copy_checked(database, &partial);
    if let Err(error) = written {
        let _ = std::fs::remove_file(&partial);
        return Err(error);
    }
    std::fs::rename(&partial, &path)
        .with_context(|| format!("naming the backup {}", path.display()))?;
    // The new name is durable too.
    synced(dir)?;
    forget_stale_partials(dir);
    let bytes = std::fs::metadata(&path)?.len();
    Ok(BackupFile {
        name,
        bytes,
        made_ms: now_ms,
    })
}

/// Syncs the file or directory at `path` to disk (a directory: the names in it).
fn synced(path: &Path) -> anyhow::Result<()> {
    std::fs::File::open(path)
        .and_then(|f| f.sync_all())
        .with_context(|| format!("syncing {}", path.display()))
}

/// Writes a consistent copy of `database` to `target` and checks it.
fn copy_checked(database: &Path, target: &Path) -> anyhow::Result<()> {
    let source = Connection::open_with_flags(
        database,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .with_context(|| format!("opening {} to back it up", database.display()))?;
    source.busy_timeout(std::time::Duration::from_secs(30))?;
    let target_name = target
        .to_str()
        .context("the backup directory's path is not UTF-8")?;
    source
        .execute("VACUUM INTO ?1", [target_name])
        .with_context(|| format!("copying {} to {}", database.display(), target.display()))?;
    drop(source);
    let copy = Connection::open_with_flags(target, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .with_context(|| format!("opening the copy {}", target.display()))?;
    let check: String = copy.query_row("PRAGMA quick_check", [], |row| row.get(0))?;
    if check != "ok" {
        anyhow::bail!("the copy {} is damaged: {check}", target.display());
    }
    drop(copy);
    synced(target)
}

/// Deletes the partial files in `dir` a stopped backup left (a day old: one being written
/// now, by this process or by `dinghuo backup` beside it, is younger).
fn forget_stale_partials(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let partial = entry.file_name().to_string_lossy().starts_with(PARTIAL);
        let stale = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|at| at.elapsed().ok())
            .is_some_and(|age| age >= PARTIAL_STALE);
        if partial && stale {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// The backups in `dir`, newest first (none when it does not exist); files being written
/// are not among them.
pub fn list(dir: &Path) -> anyhow::Result<Vec<BackupFile>> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(error) => {
            return Err(error).with_context(|| format!("reading {}", dir.display()));
        }
    };
    let mut backups = Vec::new();
    for entry in entries {
        let entry = entry?;
        let Ok(name) = entry.file_name().into_string() else {
            continue;
        };
        let Some(made_ms) = made_ms(&name) else {
            continue;
        };
        let bytes = entry.metadata()?.len();
        backups.push(BackupFile {
            name,
            bytes,
            made_ms,
        });
    }
    backups.sort_by(|a, b| b.made_ms.cmp(&a.made_ms).then(b.name.cmp(&a.name)));
    Ok(backups)
}

/// The path of the backup named `name` in `dir`, if that is a backup's name and it is
/// there (a name from a request: nothing outside `dir` can be named).
pub fn path_of(dir: &Path, name: &str) -> Option<PathBuf> {
    made_ms(name)?;
    let path = dir.join(name);
    path.is_file().then_some(path)
}

/// Deletes the backups in `dir` beyond the newest `keep` (at least one is kept); returns
/// the names deleted.
pub fn prune(dir: &Path, keep: usize) -> anyhow::Result<Vec<String>> {
    let mut deleted = Vec::new();
    for old in list(dir)?.into_iter().skip(keep.max(1)) {
        let path: PathBuf = dir.join(&old.name);
        match std::fs::remove_file(&path) {
            Ok(()) => deleted.push(old.name),
            // Another process (`dinghuo backup` beside the server) deleted it first.
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
            Err(error) => {
                return Err(error).with_context(|| format!("deleting {}", path.display()));
            }
        }
    }
    Ok(deleted)
}

/// Puts the backup `backup` in the place of the database at `database` (the server
/// stopped): the backup is checked first (a whole SQLite database of this server); the
/// database it replaces, with its WAL, is kept beside it as
/// `dinghuo.sqlite3.replaced-YYYYMMDD-HHMMSS-mmm` (nothing is deleted). Returns that name.
pub fn restore(backup: &Path, database: &Path, now_ms: i64) -> anyhow::Result<Option<PathBuf>> {
    let copy = Connection::open_with_flags(backup, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .with_context(|| format!("opening {}", backup.display()))?;
    let check: String = copy
        .query_row("PRAGMA quick_check", [], |row| row.get(0))
        .with_context(|| format!("{} is not a database", backup.display()))?;
    if check != "ok" {
        anyhow::bail!("{} is damaged: {check}", backup.display());
    }
    let ours: bool = copy.query_row(
        "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE name = 'refinery_schema_history')
         AND EXISTS (SELECT 1 FROM sqlite_master WHERE name = 'orders')",
        [],
        |row| row.get(0),
    )?;
    if !ours {
        anyhow::bail!("{} is not a Dinghuo database", backup.display());
    }
    drop(copy);
    let dir = database
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let file_name = database
        .file_name()
        .context("the database has no file name")?
        .to_string_lossy()
        .into_owned();
    // The new file is complete and durable before it takes the name.
    let incoming = dir.join(format!("{PARTIAL}{file_name}"));
    std::fs::copy(backup, &incoming)
        .with_context(|| format!("copying {} to {}", backup.display(), incoming.display()))?;
    synced(&incoming)?;
    let mut kept = None;
    if database.exists() {
        let aside = dir.join(format!("{file_name}.replaced-{}", stamp(now_ms)));
        // The WAL and its index go with their database: left beside the restored file,
        // SQLite would read the old database's changes into it.
        for suffix in ["-wal", "-shm", ""] {
            let from = dir.join(format!("{file_name}{suffix}"));
            if from.exists() {
                let to = PathBuf::from(format!("{}{suffix}", aside.display()));
                std::fs::rename(&from, &to)
                    .with_context(|| format!("moving {} aside", from.display()))?;
            }
        }
        kept = Some(aside);
    }
    std::fs::rename(&incoming, database)
        .with_context(|| format!("putting the backup at {}", database.display()))?;
    synced(dir)?;
    Ok(kept)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn database(dir: &Path, orders: i64) -> PathBuf {
        let path = dir.join("dinghuo.sqlite3");
        let conn = Connection::open(&path).unwrap();
        conn.pragma_update(None, "journal_mode", "WAL").unwrap();
        conn.execute_batch("CREATE TABLE orders (seq INTEGER PRIMARY KEY, shop TEXT NOT NULL)")
            .unwrap();
        for seq in 1..=orders {
            conn.execute("INSERT INTO orders (seq, shop) VALUES (?1, 's1')", [seq])
                .unwrap();
        }
        path
    }

    #[test]
    fn a_backup_is_a_whole_checked_copy_named_by_its_time() {
        let temp = tempfile::tempdir().unwrap();
        let source = database(temp.path(), 500);
        // A connection still open with changes in its WAL, as the running server's.
        let live = Connection::open(&source).unwrap();
        live.execute("INSERT INTO orders (seq, shop) VALUES (501, 's2')", [])
            .unwrap();
        let dir = temp.path().join("backups");
        let at = domain::quota::day_start("2026-12-06", 0).unwrap() + 4 * 3_600_000 + 5_007;
        let made = make(&source, &dir, at).unwrap();
        assert_eq!(made.name, "dinghuo-20261206-040005-007.sqlite3");
        assert_eq!(made.made_ms, at);
        let copy = Connection::open(dir.join(&made.name)).unwrap();
        let count: i64 = copy
            .query_row("SELECT count(*) FROM orders", [], |r| r.get(0))
            .unwrap();
        assert_eq!(count, 501);
        assert_eq!(list(&dir).unwrap(), vec![made.clone()]);
        // The same name twice is refused, and nothing is left half written.
        assert!(make(&source, &dir, at).is_err());
        assert_eq!(list(&dir).unwrap().len(), 1);
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);
    }

    #[test]
    fn the_newest_are_listed_first_and_kept_and_other_files_are_left_alone() {
        let temp = tempfile::tempdir().unwrap();
        let source = database(temp.path(), 3);
        let dir = temp.path().join("backups");
        let day = domain::quota::day_start("2026-01-31", 0).unwrap();
        for hours in [1, 30, 2, 50] {
            make(&source, &dir, day + hours * 3_600_000).unwrap();
        }
        std::fs::write(dir.join("notes.txt"), "mine").unwrap();
        // One being written now (by `dinghuo backup` beside the server, say), and one a
        // stopped backup left a day ago.
        std::fs::write(dir.join(".partial-dinghuo-x.sqlite3"), "being written").unwrap();
        let old = dir.join(".partial-dinghuo-y.sqlite3");
        std::fs::write(&old, "cut off").unwrap();
        std::fs::File::options()
            .write(true)
            .open(&old)
            .unwrap()
            .set_modified(std::time::SystemTime::now() - PARTIAL_STALE)
            .unwrap();
        let names: Vec<String> = list(&dir).unwrap().into_iter().map(|b| b.name).collect();
        assert_eq!(
            names,
            [
                "dinghuo-20260202-020000-000.sqlite3",
                "dinghuo-20260201-060000-000.sqlite3",
                "dinghuo-20260131-020000-000.sqlite3",
                "dinghuo-20260131-010000-000.sqlite3",
            ]
        );
        assert!(dir.join(".partial-dinghuo-x.sqlite3").exists());
        let newest = make(&source, &dir, day + 60 * 3_600_000).unwrap();
        assert!(dir.join(".partial-dinghuo-x.sqlite3").exists());
        assert!(!old.exists());
        let deleted = prune(&dir, 2).unwrap();
        assert_eq!(deleted.len(), 3);
        let kept: Vec<String> = list(&dir).unwrap().into_iter().map(|b| b.name).collect();
        assert_eq!(kept, [newest.name.clone(), names[0].clone()]);
        assert!(dir.join("notes.txt").exists());
        // At least one is always kept.
        prune(&dir, 0).unwrap();
        assert_eq!(list(&dir).unwrap()[0].name, newest.name);
    }

    #[test]
    fn a_restore_checks_the_backup_and_keeps_the_database_it_replaces() {
        let temp = tempfile::tempdir().unwrap();
        let live_dir = temp.path().join("data");
        std::fs::create_dir_all(&live_dir).unwrap();
        let source = database(&live_dir, 10);
        Connection::open(&source)
            .unwrap()
            .execute_batch("CREATE TABLE refinery_schema_history (version INTEGER)")
            .unwrap();
        let dir = temp.path().join("backups");
        let made = make(&source, &dir, 1_000).unwrap();
        // Orders placed after the backup, some still in the WAL.
        let live = Connection::open(&source).unwrap();
        live.execute("INSERT INTO orders (seq, shop) VALUES (11, 's3')", [])
            .unwrap();
        drop(live);
        // Not a database, not ours: refused, nothing moved.
        std::fs::write(temp.path().join("junk.sqlite3"), "not a database").unwrap();
        assert!(restore(&temp.path().join("junk.sqlite3"), &source, 2_000).is_err());
        let other = temp.path().join("other.sqlite3");
        Connection::open(&other)
            .unwrap()
            .execute_batch("CREATE TABLE t (x)")
            .unwrap();
        assert!(restore(&other, &source, 2_000).is_err());
        let count = |path: &Path| -> i64 {
            Connection::open(path)
                .unwrap()
                .query_row("SELECT count(*) FROM orders", [], |r| r.get(0))
                .unwrap()
        };
        assert_eq!(count(&source), 11);
        let kept = restore(&dir.join(&made.name), &source, 2_000)
            .unwrap()
            .unwrap();
        assert_eq!(count(&source), 10);
        assert_eq!(count(&kept), 11);
        assert_eq!(
            kept.file_name().unwrap().to_string_lossy(),
            "dinghuo.sqlite3.replaced-19700101-000002-000"
        );
        assert!(!live_dir.join("dinghuo.sqlite3-wal").exists());
    }

    #[test]
    fn only_a_backup_there_is_found_by_its_name() {
        let temp = tempfile::tempdir().unwrap();
        let source = database(temp.path(), 1);
        let dir = temp.path().join("backups");
        let made = make(&source, &dir, 5_000).unwrap();
        assert_eq!(path_of(&dir, &made.name), Some(dir.join(&made.name)));
        for name in [
            "dinghuo-19700101-000006-000.sqlite3",
            "../dinghuo.sqlite3",
            "dinghuo.sqlite3",
            "",
        ] {
            assert_eq!(path_of(&dir, name), None, "{name}");
        }
    }

    #[test]
    fn names_that_are_not_backups_are_not_read_as_times() {
        for name in [
            "dinghuo-20261301-000000-000.sqlite3",
            "dinghuo-20261206-250000-000.sqlite3",
            "dinghuo-2026126-000000-000.sqlite3",
            "dinghuo-20261206-000000.sqlite3",
            "other-20261206-000000-000.sqlite3",
            "dinghuo-20261206-000000-000.sqlite3-wal",
        ] {
            assert_eq!(made_ms(name), None, "{name}");
        }
        let at = domain::quota::day_start("2024-02-29", 0).unwrap() + 86_399_999;
        assert_eq!(made_ms(&format!("{PREFIX}{}{SUFFIX}", stamp(at))), Some(at));
    }
}
