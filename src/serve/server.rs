//! The SSH side: one handler per connection (public-key login against the authorized keys, a
//! pty, a shell), the accept loop with its connection limit, and each session's writer task.

use super::auth::{AuthorizedKeys, Login};
use super::gate::{Admit, Gate, GateLimits};
use super::hub::{Hub, Input};
use super::session::{self, Output, Spec};
use super::term::clamp_size;
use crate::store::Store;
use russh::keys::PublicKey;
use russh::server::{Auth, ChannelOpenHandle, Handle, Msg, PublicKeyOffer, Session, VerifiedPublicKey};
use russh::{Channel, ChannelId, Pty};
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime};
use tokio::net::TcpListener;
use tokio::sync::{Notify, mpsc, oneshot};

/// The server's limits.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Consoles open at once; one more is refused with a message.
    pub max_sessions: usize,
    /// Logged-in connections at once; a login past this is refused.
    pub max_connections: usize,
    /// Connections that have not logged in yet (see [`super::gate`]).
    pub gate: GateLimits,
    /// A console without a key for this long is ended.
    pub idle: Duration,
    /// A connection that has not logged in this long after it opened is closed.
    pub login: Duration,
}

/// Everything the connections share.
pub struct Shared {
    /// The database.
    pub store: Arc<dyn Store>,
    /// The consoles' shared state.
    pub hub: Arc<Hub>,
    /// Who may log in.
    pub keys: AuthorizedKeys,
    /// The limits.
    pub limits: Limits,
    /// The ssh command that reaches this server, for messages.
    pub ssh_hint: String,
    sessions: Arc<AtomicUsize>,
    connections: Arc<AtomicUsize>,
    next_id: AtomicU64,
    /// The door before login.
    gate: Mutex<Gate>,
    /// Every open connection, by connection number: how to close it, and who logged in on it.
    conns: Mutex<HashMap<u64, Entry>>,
    /// Lines about connections that never logged in, kept few under a flood.
    noise: Mutex<super::LogBudget>,
}

/// An open connection as the server keeps track of it.
struct Entry {
    /// Closes the connection when notified.
    kill: Arc<Notify>,
    /// Set once a key logged in.
    login: Option<LiveLogin>,
}

/// A logged-in connection, checked again whenever the authorized keys change or time passes.
struct LiveLogin {
    key: PublicKey,
    user: String,
    peer: IpAddr,
    operator: String,
    /// The role it logged in with.
    role: crate::domain::Role,
    /// The console's inbox, once it started.
    inbox: Option<std::sync::mpsc::Sender<Input>>,
    /// Told to close already; the next check closes the connection itself.
    revoked: bool,
}

impl Shared {
    /// The shared state of a server.
    pub fn new(
        store: Arc<dyn Store>,
        hub: Hub,
        keys: AuthorizedKeys,
        limits: Limits,
        ssh_hint: String,
    ) -> Shared {
        Shared {
            store,
            hub: Arc::new(hub),
            keys,
            limits,
            ssh_hint,
            sessions: Arc::default(),
            connections: Arc::default(),
            next_id: AtomicU64::new(1),
            gate: Mutex::new(Gate::new(limits.gate)),
            conns: Mutex::default(),
            noise: Mutex::default(),
        }
    }

    fn gate(&self) -> MutexGuard<'_, Gate> {
        self.gate.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn conns(&self) -> MutexGuard<'_, HashMap<u64, Entry>> {
        self.conns.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Logs a line about a connection that has not logged in, unless a flood of them is on.
    fn noise(&self, args: std::fmt::Arguments) {
        self.noise.lock().unwrap_or_else(|p| p.into_inner()).log(args, Instant::now());
    }

    /// Connections waiting to log in now.
    pub fn waiting(&self) -> usize {
        self.gate().waiting()
    }

    /// Ends the sessions whose keys no longer let them in (removed from the authorized keys,
    /// expired, or no longer allowed from their address) or now carry another role: a console
    /// is told why and closed, a connection without one (or whose console did not close) is
    /// dropped.
    pub fn recheck_logins(&self) {
        let now = SystemTime::now();
        let mut conns = self.conns();
        for entry in conns.values_mut() {
            let Some(live) = entry.login.as_mut() else { continue };
            let why = match self.keys.login(&live.key, &live.user, live.peer, now) {
                Ok(l) if l.role == live.role => continue,
                // A new role takes effect at the next login, not in a console built for the old one.
                Ok(l) => format!("its role is now {}; log in again", l.role),
                Err(why) => why,
            };
            if !live.revoked {
                super::log(format_args!("{}: {}'s session ended: {why}", live.peer, live.operator));
            }
            let word = format!("kehu: this key may no longer log in ({why}); session closed");
            let told = !live.revoked
                && live.inbox.as_ref().is_some_and(|tx| tx.send(Input::Close(Some(word))).is_ok());
            if !told {
                entry.kill.notify_one();
            }
            live.revoked = true;
        }
    }

    /// Consoles open now.
    pub fn sessions(&self) -> usize {
        self.sessions.load(Ordering::SeqCst)
    }
}

/// A counted place (a connection or a session), given back when dropped.
struct Slot(Arc<AtomicUsize>);

impl Slot {
    /// Takes a place when fewer than `max` are taken.
    fn take(counter: &Arc<AtomicUsize>, max: usize) -> Option<Slot> {
        let prev = counter.fetch_add(1, Ordering::SeqCst);
        if prev >= max {
            counter.fetch_sub(1, Ordering::SeqCst);
            return None;
        }
        Some(Slot(Arc::clone(counter)))
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Accepts connections until `stop` resolves; each runs as its own task.
pub async fn accept(
    shared: Arc<Shared>,
    config: Arc<russh::server::Config>,
    listener: TcpListener,
    stop: impl std::future::Future<Output = ()>,
) {
    tokio::pin!(stop);
    loop {
        let (socket, peer) = tokio::select! {
            _ = &mut stop => return,
            r = listener.accept() => match r {
                Ok(x) => x,
                Err(e) => {
                    super::log(format_args!("accept failed: {e}"));
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
        };
        let (id, ip) = (shared.next_id.fetch_add(1, Ordering::SeqCst), peer.ip());
        let admitted = shared.gate().admit(ip, id, Instant::now());
        match admitted {
            Admit::BackOff { left, first } => {
                if first {
                    super::log(format_args!(
                        "{}: refused for {} s more after repeated failed logins",
                        ip,
                        left.as_secs().max(1)
                    ));
                }
                continue;
            }
            Admit::Yes { evict: Some(old) } => {
                if let Some(e) = shared.conns().get(&old) {
                    e.kill.notify_one();
                }
            }
            Admit::Yes { evict: None } => {}
        }
        let kill = Arc::new(Notify::new());
        shared.conns().insert(id, Entry { kill: Arc::clone(&kill), login: None });
        let logged_in = Arc::new(AtomicBool::new(false));
        let conn = Conn {
            shared: Arc::clone(&shared),
            id,
            peer,
            login: None,
            logged_in: Arc::clone(&logged_in),
            console: None,
            _slot: None,
        };
        let config = Arc::clone(&config);
        let shared = Arc::clone(&shared);
        tokio::spawn(async move {
            let _ = socket.set_nodelay(true);
            let login = shared.limits.login;
            let session = async {
                match russh::server::run_stream(config, socket, conn).await {
                    Ok(running) => {
                        let _ = running.await;
                    }
                    Err(e) => shared.noise(format_args!("{peer}: {e:#}")),
                }
            };
            // Dropping the session closes the socket and gives its place back.
            tokio::select! {
                _ = session => {}
                _ = login_deadline(&logged_in, login) => {
                    shared.noise(format_args!("{peer}: closed, no login within {} s", login.as_secs()));
                }
                _ = kill.notified() => {}
            }
            shared.conns().remove(&id);
            if logged_in.load(Ordering::SeqCst) {
                shared.gate().ended(ip, id);
            } else if let Some(wait) = shared.gate().failed(ip, id, Instant::now()) {
                super::log(format_args!(
                    "{ip}: {} connections without a login within {} s; refused for {} s",
                    shared.limits.gate.failures,
                    shared.limits.gate.window.as_secs(),
                    wait.as_secs()
                ));
            }
        });
    }
}

/// Checks the logged-in keys again every [`RECHECK`]: the authorized keys may have changed,
/// or a key expired.
pub async fn watch_logins(shared: Arc<Shared>) {
    let mut tick = tokio::time::interval(RECHECK);
    loop {
        tick.tick().await;
        let shared = Arc::clone(&shared);
        // File reads and locks: off the transport's threads.
        let _ = tokio::task::spawn_blocking(move || shared.recheck_logins()).await;
    }
}

/// How often logged-in keys are checked again.
const RECHECK: Duration = Duration::from_secs(1);

/// Resolves when `login` has passed without a login; never once someone logged in.
async fn login_deadline(logged_in: &AtomicBool, login: Duration) {
    tokio::time::sleep(login).await;
    if logged_in.load(Ordering::SeqCst) {
        std::future::pending::<()>().await;
    }
}

/// One SSH connection.
struct Conn {
    shared: Arc<Shared>,
    /// The connection's number.
    id: u64,
    peer: SocketAddr,
    /// Set once a key logged in.
    login: Option<Login>,
    /// The same, for the login deadline watching from outside the handler.
    logged_in: Arc<AtomicBool>,
    /// The one console this connection may have.
    console: Option<ConsoleChannel>,
    /// Its place among the logged-in connections.
    _slot: Option<Slot>,
}

/// The session channel and what the console needs from it.
struct ConsoleChannel {
    id: ChannelId,
    /// The client's window (clamped), once it asked for a pty.
    size: Option<(u16, u16)>,
    /// The running console's inbox.
    inbox: Option<std::sync::mpsc::Sender<Input>>,
}

impl Conn {
    fn send(&self, input: Input) {
        if let Some(tx) = self.console.as_ref().and_then(|c| c.inbox.as_ref()) {
            let _ = tx.send(input);
        }
    }

    /// Says one line and closes the channel (no console for this request).
    fn refuse(session: &mut Session, channel: ChannelId, line: &str) -> Result<(), anyhow::Error> {
        session.data(channel, format!("{line}\r\n").into_bytes())?;
        session.exit_status_request(channel, 1)?;
        session.eof(channel)?;
        session.close(channel)?;
        Ok(())
    }

    /// Starts the console on the channel.
    fn start(&mut self, channel: ChannelId, session: &mut Session) -> Result<(), anyhow::Error> {
        session.channel_success(channel)?;
        if self.login.as_ref().is_some_and(|l| !l.pty) {
            let line = "kehu serve: this key may not open a terminal (no-pty or restrict in the authorized keys), and the console needs one";
            return Conn::refuse(session, channel, line);
        }
        let Some(size) = self.console.as_ref().and_then(|c| c.size) else {
            let line = format!(
                "kehu serve: the console needs a terminal; connect with `{} -t`",
                self.shared.ssh_hint
            );
            return Conn::refuse(session, channel, &line);
        };
        let Some(slot) = Slot::take(&self.shared.sessions, self.shared.limits.max_sessions) else {
            super::log(format_args!(
                "{}: refused a console, all {} in use",
                self.peer, self.shared.limits.max_sessions
            ));
            let line = format!(
                "kehu serve: all {} consoles are in use; try again later",
                self.shared.limits.max_sessions
            );
            return Conn::refuse(session, channel, &line);
        };
        let id = self.shared.next_id.fetch_add(1, Ordering::SeqCst);
        let operator = self.login.as_ref().map_or_else(|| "ssh".into(), |l| l.operator.clone());
        let (tx, rx) = std::sync::mpsc::channel();
        let (frames, frames_rx) = mpsc::channel(64);
        let (end, end_rx) = oneshot::channel();
        tokio::spawn(write_channel(session.handle(), channel, frames_rx, end_rx));
        // Before a login there is no console; the least role, should that ever change.
        let role = self.login.as_ref().map_or(crate::domain::Role::Viewer, |l| l.role);
        let spec = Spec { id, operator, role, size, idle: self.shared.limits.idle };
        let (store, hub, me) = (Arc::clone(&self.shared.store), Arc::clone(&self.shared.hub), tx.clone());
        std::thread::Builder::new().name(format!("kehu-session-{id}")).spawn(move || {
            let _slot = slot;
            session::run(store, hub, spec, rx, me, Output { frames, end });
        })?;
        if let Some(live) = self.shared.conns().get_mut(&self.id).and_then(|e| e.login.as_mut()) {
            live.inbox = Some(tx.clone());
        }
        if let Some(c) = self.console.as_mut() {
            c.inbox = Some(tx);
        }
        Ok(())
    }
}

/// Sends a session's frames to its channel in order, then the exit status and the close.
async fn write_channel(
    handle: Handle,
    channel: ChannelId,
    mut frames: mpsc::Receiver<Vec<u8>>,
    mut end: oneshot::Receiver<u32>,
) {
    let status = loop {
        tokio::select! {
            biased;
            f = frames.recv() => match f {
                Some(bytes) => if handle.data(channel, bytes).await.is_err() { return },
                // The session is over: its status follows (or it died without one).
                None => break (&mut end).await.unwrap_or(70),
            },
            s = &mut end => break s.unwrap_or(0),
        }
    };
    // The last frames (the terminal put back, the farewell) were sent before the end.
    while let Ok(bytes) = frames.try_recv() {
        if handle.data(channel, bytes).await.is_err() {
            return;
        }
    }
    let _ = handle.exit_status_request(channel, status).await;
    let _ = handle.eof(channel).await;
    let _ = handle.close(channel).await;
}

impl Drop for Conn {
    fn drop(&mut self) {
        // A connection that went away without closing its channel ends its console too.
        self.send(Input::Close(None));
    }
}

impl russh::server::Handler for Conn {
    type Error = anyhow::Error;

    async fn auth_publickey_offered(
        &mut self,
        user: &str,
        offer: PublicKeyOffer<'_>,
    ) -> Result<Auth, Self::Error> {
        match self.shared.keys.login(offer.public_key, user, self.peer.ip(), SystemTime::now()) {
            Ok(_) => Ok(Auth::Accept),
            Err(why) => {
                let fp = offer.public_key.fingerprint(russh::keys::HashAlg::Sha256);
                self.shared.noise(format_args!("{}: refused key {fp} (user {user:?}): {why}", self.peer));
                Ok(Auth::reject())
            }
        }
    }

    async fn auth_publickey(&mut self, user: &str, key: VerifiedPublicKey<'_>) -> Result<Auth, Self::Error> {
        let Ok(login) = self.shared.keys.login(key.public_key, user, self.peer.ip(), SystemTime::now())
        else {
            return Ok(Auth::reject());
        };
        let Some(slot) = Slot::take(&self.shared.connections, self.shared.limits.max_connections) else {
            super::log(format_args!(
                "{}: refused {}'s login: {} connections logged in already",
                self.peer, login.operator, self.shared.limits.max_connections
            ));
            return Ok(Auth::reject());
        };
        super::log(format_args!("{}: {} logged in ({})", self.peer, login.operator, login.role));
        let live = LiveLogin {
            key: key.public_key.clone(),
            user: user.to_string(),
            peer: self.peer.ip(),
            operator: login.operator.clone(),
            role: login.role,
            inbox: None,
            revoked: false,
        };
        if let Some(e) = self.shared.conns().get_mut(&self.id) {
            e.login = Some(live);
        }
        self.shared.gate().logged_in(self.peer.ip(), self.id);
        self.login = Some(login);
        self._slot = Some(slot);
        self.logged_in.store(true, Ordering::SeqCst);
        Ok(Auth::Accept)
    }

    async fn channel_open_session(
        &mut self,
        channel: Channel<Msg>,
        reply: ChannelOpenHandle,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        // One console per connection; a second channel is refused by dropping the reply.
        if self.console.is_none() {
            self.console = Some(ConsoleChannel { id: channel.id(), size: None, inbox: None });
            reply.accept().await;
        }
        Ok(())
    }

    async fn pty_request(
        &mut self,
        channel: ChannelId,
        _term: &str,
        cols: u32,
        rows: u32,
        _pix_width: u32,
        _pix_height: u32,
        _modes: &[(Pty, u32)],
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        // A key without a terminal is still answered yes here: its shell request is then
        // refused with a line that says why, which a failed pty request would not.
        match self.console.as_mut().filter(|c| c.id == channel) {
            Some(c) => {
                c.size = Some(clamp_size(cols, rows));
                session.channel_success(channel)?;
            }
            None => session.channel_failure(channel)?,
        }
        Ok(())
    }

    async fn window_change_request(
        &mut self,
        channel: ChannelId,
        cols: u32,
        rows: u32,
        _pix_width: u32,
        _pix_height: u32,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        let (w, h) = clamp_size(cols, rows);
        if let Some(c) = self.console.as_mut().filter(|c| c.id == channel) {
            c.size = Some((w, h));
        }
        self.send(Input::Resize(w, h));
        Ok(())
    }

    async fn shell_request(&mut self, channel: ChannelId, session: &mut Session) -> Result<(), Self::Error> {
        let started = self.console.as_ref().is_some_and(|c| c.id == channel && c.inbox.is_none());
        if started { self.start(channel, session) } else { Ok(session.channel_failure(channel)?) }
    }

    async fn exec_request(
        &mut self,
        channel: ChannelId,
        _data: &[u8],
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        session.channel_success(channel)?;
        let line = format!(
            "kehu serve offers the console only; connect without a command: {}",
            self.shared.ssh_hint
        );
        Conn::refuse(session, channel, &line)
    }

    async fn subsystem_request(
        &mut self,
        channel: ChannelId,
        name: &str,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        session.channel_success(channel)?;
        let line = format!(
            "kehu serve offers the console only, no {} subsystem; connect with: {}",
            crate::text::terminal_safe(name),
            self.shared.ssh_hint
        );
        Conn::refuse(session, channel, &line)
    }

    async fn data(
        &mut self,
        channel: ChannelId,
        data: &[u8],
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        if self.console.as_ref().is_some_and(|c| c.id == channel) {
            self.send(Input::Bytes(data.to_vec()));
        }
        Ok(())
    }

    async fn channel_eof(&mut self, _channel: ChannelId, _session: &mut Session) -> Result<(), Self::Error> {
        self.send(Input::Close(None));
        Ok(())
    }

    async fn channel_close(
        &mut self,
        _channel: ChannelId,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        self.send(Input::Close(None));
        Ok(())
    }
}
