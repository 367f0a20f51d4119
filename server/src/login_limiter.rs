//! Slows down password guessing: at most [`MAX_ATTEMPTS`] sign-in attempts a minute for one
//! username from one address (`DINGHUO_LOGIN_ATTEMPTS` changes it); more get 429 until the
//! oldest attempt leaves the window. [`KeyLimiter`] does the same for the calls of one API
//! key (in each server process).

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub const MAX_ATTEMPTS: usize = 5;
pub const WINDOW: Duration = Duration::from_secs(60);
/// Beyond this many tracked (username, address) pairs, stale ones are dropped first.
const MAX_TRACKED: usize = 100_000;

pub struct LoginLimiter {
    attempts: Mutex<HashMap<(String, IpAddr), VecDeque<Instant>>>,
    max_attempts: usize,
}

impl Default for LoginLimiter {
    fn default() -> LoginLimiter {
        LoginLimiter::new(MAX_ATTEMPTS)
    }
}

impl LoginLimiter {
    /// At most `max_attempts` a minute per username and address.
    pub fn new(max_attempts: usize) -> LoginLimiter {
        LoginLimiter {
            attempts: Mutex::default(),
            max_attempts: max_attempts.max(1),
        }
    }

    /// Records an attempt at `now`; `Err(wait)` when it is one too many.
    pub fn attempt(&self, username: &str, address: IpAddr, now: Instant) -> Result<(), Duration> {
        let mut attempts = self
            .attempts
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if attempts.len() >= MAX_TRACKED {
            attempts.retain(|_, times| {
                times
                    .back()
                    .is_some_and(|last| now.duration_since(*last) < WINDOW)
            });
        }
        let times = attempts
            .entry((username.to_lowercase(), address))
            .or_default();
        while times
            .front()
            .is_some_and(|first| now.duration_since(*first) >= WINDOW)
        {
            times.pop_front();
        }
        if times.len() >= self.max_attempts {
            let oldest = times.front().copied().unwrap_or(now);
            return Err(WINDOW.saturating_sub(now.duration_since(oldest)));
        }
        times.push_back(now);
        Ok(())
    }
}

/// The default of `DINGHUO_KEY_CALLS_PER_MINUTE`: calls a minute one API key may make.
pub const KEY_CALLS_PER_MINUTE: usize = 600;

/// At most so many calls a minute per API key: the minute is counted from a key's first
/// call in it, and a call over the limit is told how long to wait.
pub struct KeyLimiter {
    windows: Mutex<HashMap<i64, (Instant, usize)>>,
    per_minute: usize,
}

impl KeyLimiter {
    pub fn new(per_minute: usize) -> KeyLimiter {
        KeyLimiter {
            windows: Mutex::default(),
            per_minute: per_minute.max(1),
        }
    }

    /// Records a call of key `key` at `now`; `Err(wait)` when it is one too many.
    pub fn attempt(&self, key: i64, now: Instant) -> Result<(), Duration> {
        let mut windows = self
            .windows
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let (start, calls) = windows.entry(key).or_insert((now, 0));
        if now.duration_since(*start) >= WINDOW {
            (*start, *calls) = (now, 0);
        }
        if *calls >= self.per_minute {
            return Err(WINDOW.saturating_sub(now.duration_since(*start)));
        }
        *calls += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn five_attempts_a_minute_per_username_and_address() {
        let limiter = LoginLimiter::default();
        let start = Instant::now();
        let here: IpAddr = "10.0.0.1".parse().unwrap();
        let there: IpAddr = "10.0.0.2".parse().unwrap();
        for _ in 0..MAX_ATTEMPTS {
            assert!(limiter.attempt("lotus", here, start).is_ok());
        }
        assert_eq!(
            limiter.attempt("Lotus", here, start + Duration::from_secs(10)),
            Err(Duration::from_secs(50))
        );
        assert!(limiter.attempt("lotus", there, start).is_ok());
        assert!(limiter.attempt("bamboo", here, start).is_ok());
        assert!(limiter.attempt("lotus", here, start + WINDOW).is_ok());
    }
}
