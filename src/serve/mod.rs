//! `kehu serve`: one process owns the database and serves the console to every operator over
//! SSH, each with their own screen and state, all on one store, seeing each other's edits live.
//!
//! - [`auth`]: the authorized keys and operator names; [`hostkey`]: the server's identity.
//! - [`server`]: the SSH handler, the accept loop and the limits.
//! - [`session`]: one console per session, on a thread of its own; [`hub`]: what they share.
//! - [`input`]: the client's bytes as key events; [`term`]: the client's screen.
//! - [`others`]: on a shared database, what other processes commit, passed to every session.

pub mod auth;
pub mod control;
pub mod gate;
pub mod hostkey;
pub mod hub;
pub mod input;
pub mod keyopts;
pub mod others;
pub mod refresh;
pub mod server;
pub mod session;
pub mod term;

pub use gate::GateLimits;
pub use server::Limits;

use crate::store::{ServeMarker, Store};
use crate::ui::App;
use russh::MethodKind;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How `kehu serve` was asked to run.
#[derive(Debug, Clone)]
pub struct Options {
    /// Where to listen, e.g. `127.0.0.1:2222` (port 0: any free port, printed at start).
    pub listen: String,
    /// The OpenSSH `authorized_keys` file.
    pub authorized_keys: PathBuf,
    /// The host key file (generated when missing).
    pub host_key: PathBuf,
    /// The limits.
    pub limits: Limits,
    /// Whether "today" follows the clock (no `--as-of`): at each new day every console
    /// reclassifies.
    pub follow_clock: bool,
    /// The last change the base console was read after: other processes' changes from here on
    /// are passed to the sessions (a shared database).
    pub since: u64,
}

/// How often the server looks at the calendar.
const DAY_CHECK: Duration = Duration::from_secs(30);

/// Tells every console (and the base new sessions start from) when a new day begins. The thread
/// ends with the process.
fn watch_days(shared: Arc<server::Shared>, today: chrono::NaiveDate) {
    let spawned = std::thread::Builder::new().name("kehu-days".into()).spawn(move || {
        let mut watch = crate::tui::clock::DayWatch::new(today, true);
        loop {
            std::thread::sleep(DAY_CHECK);
            if let Some(day) = watch.poll(crate::tui::clock::local_today()) {
                log(format_args!("a new day, {day}: every console reclassifies"));
                shared.hub.new_day(day);
            }
        }
    });
    if let Err(e) = spawned {
        log(format_args!("cannot watch the calendar ({e}); classes stay as of the start day"));
    }
}

/// One line of the server's log, neutralised: operator names, SSH login names, paths and
/// errors come from outside, and the log is often read on a terminal.
fn log_line(args: std::fmt::Arguments) -> String {
    format!("kehu serve: {}", crate::text::terminal_safe(&args.to_string()))
}

/// Writes one line to the server's log (standard error); see [`log_line`].
pub(crate) fn log(args: std::fmt::Arguments) {
    eprintln!("{}", log_line(args));
}

/// A few lines per window about connections that never logged in; under a flood the rest are
/// counted and the count said once the window has passed, so the log stays readable.
#[derive(Debug, Default)]
pub(crate) struct LogBudget {
    since: Option<Instant>,
    used: u32,
    left_out: u64,
}

impl LogBudget {
    const LINES: u32 = 20;
    const WINDOW: Duration = Duration::from_secs(10);

    /// Logs the line, or counts it when this window's lines are used up.
    pub(crate) fn log(&mut self, args: std::fmt::Arguments, now: Instant) {
        if self.since.is_none_or(|t| now.duration_since(t) >= Self::WINDOW) {
            if self.left_out > 0 {
                log(format_args!(
                    "({} more lines about connections without a login left out)",
                    self.left_out
                ));
            }
            *self = LogBudget { since: Some(now), used: 0, left_out: 0 };
        }
        if self.used < Self::LINES {
            self.used += 1;
            log(args);
        } else {
            self.left_out += 1;
        }
    }
}

/// How often the backup thread looks whether a backup is due (a new day, a large journal).
const BACKUP_CHECK: Duration = Duration::from_secs(15 * 60);

/// Writes the daily backup (and the journal's checkpoint) at start, then whenever one is due,
/// on a thread that ends with the process.
fn backups(store: Arc<dyn Store>, start: chrono::NaiveDate, follow_clock: bool) {
    let spawned = std::thread::Builder::new().name("kehu-backups".into()).spawn(move || {
        loop {
            let today = if follow_clock { crate::tui::clock::local_today() } else { start };
            match store.daily_backup(today) {
                Ok(Some(path)) => log(format_args!("backed up to {}", path.display())),
                Ok(None) => {}
                Err(e) => log(format_args!("the daily backup failed: {e}")),
            }
            std::thread::sleep(BACKUP_CHECK);
        }
    });
    if let Err(e) = spawned {
        log(format_args!("cannot start the backups ({e}); back up with `kehu backup`"));
    }
}

/// How long stopping waits for the sessions to put their clients' terminals back.
const STOP_GRACE: Duration = Duration::from_secs(3);

/// Serves the console on `store` (held by this process, at `db`) until SIGTERM, SIGINT or
/// SIGHUP; every session follows `base`'s shop. `at_stop` is given the base console when the
/// sessions are gone (the command line keeps its classes for the next start).
pub fn run(
    store: Arc<dyn Store>,
    db: &Path,
    base: App,
    opts: Options,
    at_stop: impl FnOnce(&App),
) -> anyhow::Result<()> {
    let base_today = base.today();
    let keys = auth::AuthorizedKeys::open(&opts.authorized_keys)?;
    let host_key = hostkey::load_or_create(&opts.host_key)?;
    let fingerprint = hostkey::fingerprint(&host_key);
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind(&opts.listen))
        .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", opts.listen))?;
    let addr: SocketAddr = listener.local_addr()?;
    let marker = ServeMarker { pid: std::process::id(), listen: addr.to_string() };
    let ssh_hint = marker.ssh_command();
    // A database directory is this process's alone: it leaves a marker and a control socket
    // there for the command line. A PostgreSQL database is shared: the command line and other
    // servers write to it themselves, and their changes are heard as they land.
    let directory = crate::store::postgres_url(db).is_none();
    if directory && let Err(e) = crate::store::write_marker(db, &marker) {
        log(format_args!("cannot write the serve marker in {}: {e}", db.display()));
    }
    let shared =
        Arc::new(server::Shared::new(store, hub::Hub::new(base), keys, opts.limits, ssh_hint.clone()));
    log(format_args!("host key {fingerprint} ({})", opts.host_key.display()));
    log(format_args!("listening on {addr}; connect with: {ssh_hint}"));
    let _control = if directory {
        match control::start(Arc::clone(&shared.store), Arc::clone(&shared.hub), db) {
            Ok(c) => Some(c),
            Err(e) => {
                log(format_args!(
                    "no control socket in {} ({e}); the command line will be refused while serving",
                    db.display()
                ));
                None
            }
        }
    } else {
        None
    };
    let _others = others::follow(Arc::clone(&shared.store), Arc::clone(&shared.hub), opts.since)?;
    backups(Arc::clone(&shared.store), base_today, opts.follow_clock);
    if opts.follow_clock {
        watch_days(Arc::clone(&shared), base_today);
    }
    let config = Arc::new(ssh_config(host_key));
    runtime.spawn(server::watch_logins(Arc::clone(&shared)));
    runtime.block_on(server::accept(Arc::clone(&shared), config, listener, stop_signal()));
    log(format_args!("stopping"));
    shared.hub.close_all("kehu serve is stopping; everything saved is kept");
    let deadline = Instant::now() + STOP_GRACE;
    while shared.sessions() > 0 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    // Give the writer tasks a moment to send the last frames, then drop every connection.
    runtime.shutdown_timeout(Duration::from_millis(500));
    shared.hub.with_base(at_stop);
    if directory {
        crate::store::remove_marker(db);
    }
    Ok(())
}

/// The SSH settings: public keys only, the host key, keepalives instead of russh's own idle cut.
fn ssh_config(host_key: russh::keys::PrivateKey) -> russh::server::Config {
    russh::server::Config {
        methods: russh::MethodSet::from(&[MethodKind::PublicKey][..]),
        keys: vec![host_key],
        // A refused login waits this long (without holding up anyone else): slows guessing.
        auth_rejection_time: Duration::from_secs(1),
        // OpenSSH first asks with "none" to learn the methods: no reason to make that wait.
        auth_rejection_time_initial: Some(Duration::ZERO),
        max_auth_attempts: 6,
        // The console's own idle limit ends idle sessions; dead links are found by keepalives.
        inactivity_timeout: None,
        keepalive_interval: Some(Duration::from_secs(30)),
        keepalive_max: 4,
        nodelay: true,
        ..Default::default()
    }
}

/// Resolves on SIGTERM, SIGINT or SIGHUP.
async fn stop_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate()).ok();
    let mut int = signal(SignalKind::interrupt()).ok();
    let mut hup = signal(SignalKind::hangup()).ok();
    async fn on(s: &mut Option<tokio::signal::unix::Signal>) {
        match s {
            Some(s) => {
                s.recv().await;
            }
            None => std::future::pending().await,
        }
    }
    tokio::select! {
        _ = on(&mut term) => {},
        _ = on(&mut int) => {},
        _ = on(&mut hup) => {},
    }
}

/// The shortest and longest idle limit `--idle` takes: a console closed after no time at all
/// could not be used, and one kept a week without a key is one left open by mistake.
pub const IDLE_RANGE: std::ops::RangeInclusive<Duration> =
    Duration::from_secs(1)..=Duration::from_secs(7 * 24 * 3600);

/// Parses `--idle`: a duration (see [`parse_duration`]) within [`IDLE_RANGE`].
pub fn parse_idle(s: &str) -> Result<Duration, String> {
    match parse_duration(s)? {
        d if IDLE_RANGE.contains(&d) => Ok(d),
        _ => Err(format!("{:?} is not between 1s and 7d (168h)", s.trim())),
    }
}

/// What `--login-timeout` takes: long enough for a slow link, short enough that sockets that
/// never log in cannot hold every place for long.
const LOGIN_RANGE: std::ops::RangeInclusive<Duration> = Duration::from_secs(1)..=Duration::from_secs(600);

/// Parses `--login-timeout`: a duration between 1 s and 10 min.
pub fn parse_login_timeout(s: &str) -> Result<Duration, String> {
    match parse_duration(s)? {
        d if LOGIN_RANGE.contains(&d) => Ok(d),
        _ => Err(format!("{:?} is not between 1s and 10m", s.trim())),
    }
}

/// Parses a duration such as `30m`, `90s`, `2h` or a plain number of seconds.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let (num, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len()));
    let n: u64 = num.parse().map_err(|_| format!("{s:?} is not a duration (e.g. 30m, 90s, 2h)"))?;
    let per = match unit.trim() {
        "" | "s" => 1,
        "m" | "min" => 60,
        "h" => 3600,
        u => return Err(format!("unknown unit {u:?} in {s:?} (s, m or h)")),
    };
    // Past u64 seconds is longer than any limit, not an error of its own.
    let secs = n.saturating_mul(per);
    Ok(Duration::from_secs(secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("30m"), Ok(Duration::from_secs(1800)));
        assert_eq!(parse_duration("90"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("2h"), Ok(Duration::from_secs(7200)));
        assert!(parse_duration("soon").is_err());
        assert!(parse_duration("5d").is_err());
        assert_eq!(parse_duration("99999999999999999h"), Ok(Duration::from_secs(u64::MAX)));
        assert!(parse_idle("0s").unwrap_err().contains("between 1s and 7d"));
        assert!(parse_idle("169h").is_err());
        assert_eq!(parse_idle("168h"), Ok(Duration::from_secs(7 * 24 * 3600)));
        assert_eq!(parse_login_timeout("20s"), Ok(Duration::from_secs(20)));
        assert!(parse_login_timeout("0").unwrap_err().contains("between 1s and 10m"));
        assert!(parse_login_timeout("11m").is_err());
    }

    #[test]
    fn log_lines_are_neutralised() {
        let op = "ann\u{202e}nimda";
        assert_eq!(log_line(format_args!("{op} logged in")), "kehu serve: ann\\u{202e}nimda logged in");
    }
}
