//! `kehu serve`: opens the database, builds the console every session starts from, and serves
//! it over SSH (see [`crate::serve`]).

use super::Context;
use crate::dedupe::DuplicateIndex;
use crate::serve::{GateLimits, Limits, Options};
use crate::store::Store;
use crate::tui::{ConsoleConfig, config_path, saved_segments};
use crate::ui::{App, AppInit};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// The command line's `serve` arguments.
#[derive(Debug, Clone)]
pub struct Args {
    /// Where to listen.
    pub listen: String,
    /// The authorized keys file.
    pub authorized_keys: PathBuf,
    /// The host key file, when not the default.
    pub host_key: Option<PathBuf>,
    /// Consoles at once.
    pub max_sessions: usize,
    /// Idle time before a console is closed.
    pub idle: Duration,
    /// Time a connection has to log in.
    pub login_timeout: Duration,
    /// Connections not logged in yet, at most.
    pub max_waiting: usize,
}

/// Runs the server until it is stopped by a signal.
pub fn run(ctx: &Context, args: Args) -> anyhow::Result<i32> {
    let on_server = crate::store::postgres_url(&ctx.db_path).is_some();
    // The host key's default place is beside the database directory; a server has none.
    if on_server && args.host_key.is_none() {
        anyhow::bail!(
            "serving a PostgreSQL database needs --host-key FILE (the server's SSH identity, made there on first start and kept: there is no database directory to keep it beside)"
        );
    }
    let store = ctx.open_existing()?.shared();
    // Before the base is read: a change made meanwhile elsewhere is then passed on, not missed.
    let since = store.last_change()?;
    let started = std::time::Instant::now();
    let base = base_app(ctx, store.as_ref())?;
    crate::tui::memory::release_freed();
    eprintln!("kehu serve: {} customers ready in {} ms", base.model().len(), started.elapsed().as_millis());
    let opts = Options {
        listen: args.listen,
        authorized_keys: args.authorized_keys,
        host_key: args.host_key.unwrap_or_else(|| crate::serve::hostkey::default_path(&ctx.db_path)),
        limits: Limits {
            max_sessions: args.max_sessions,
            // Room for operators logging in while every console is taken, not for a flood.
            max_connections: args.max_sessions * 2 + 4,
            idle: args.idle,
            login: args.login_timeout,
            gate: GateLimits { total: args.max_waiting, ..GateLimits::default() },
        },
        follow_clock: ctx.follow_clock,
        since,
    };
    // The classes the server ends with (its sessions' edits and new days included) are kept for
    // the next start when they are the database's (see `Context::keep_at_quit`).
    let kept = Arc::clone(&store);
    crate::serve::run(store, &ctx.db_path, base, opts, |base| {
        ctx.keep_at_quit(kept.as_ref(), &base.classifier())
    })?;
    Ok(0)
}

/// The console every session is cloned from: the whole database read and classified once.
fn base_app(ctx: &Context, store: &dyn Store) -> anyhow::Result<App> {
    let mut config = ConsoleConfig::default();
    if let Some(path) = config_path().filter(|p| p.exists()) {
        let text = std::fs::read_to_string(&path)
            .map_err(|e| anyhow::anyhow!("cannot read config {}: {e}", path.display()))?;
        config = ConsoleConfig::parse(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        for w in &config.warnings {
            eprintln!("kehu serve: {}: {w}", path.display());
        }
    }
    let (customers, classifier) = ctx.load(store, true)?;
    let dupes = DuplicateIndex::build(&customers);
    Ok(App::with_duplicates(
        AppInit {
            customers,
            classifier,
            db_label: ctx.db_path.display().to_string(),
            saved_segments: saved_segments(store)?,
            keymap: config.keymap,
            // Each session signs with its key's operator name.
            operator: "ssh".into(),
            // A server serves one branch (or, without --branch, head office).
            branch: ctx.branch.clone(),
            lang: crate::i18n::current(),
            options: config.options,
        },
        dupes,
    ))
}
