//! The SSH side: one handler per connection (public-key login against the authorized keys, a
//! pty, a shell), the accept loop with its connection limit, and each session's writer task.

use super::auth::AuthorizedKeys;
use super::hub::{Hub, Input};
use super::session::{self, Output, Spec};
use super::term::clamp_size;
use crate::store::Store;
use russh::server::{Auth, ChannelOpenHandle, Handle, Msg, PublicKeyOffer, Session, VerifiedPublicKey};
use russh::{Channel, ChannelId, Pty};
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::{mpsc, oneshot};

/// The server's limits.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Consoles open at once; one more is refused with a message.
    pub max_sessions: usize,
    /// TCP connections at once (logged in or not); more are closed at once.
    pub max_connections: usize,
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
        let Some(slot) = Slot::take(&shared.connections, shared.limits.max_connections) else {
            super::log(format_args!(
                "{peer}: refused, {} connections already",
                shared.limits.max_connections
            ));
            continue;
        };
        let logged_in = Arc::new(AtomicBool::new(false));
        let conn = Conn {
            shared: Arc::clone(&shared),
            peer,
            operator: None,
            role: crate::domain::Role::Viewer,
            logged_in: Arc::clone(&logged_in),
            console: None,
            _slot: slot,
        };
        let config = Arc::clone(&config);
        let login = shared.limits.login;
        tokio::spawn(async move {
            let _ = socket.set_nodelay(true);
            let session = async {
                match russh::server::run_stream(config, socket, conn).await {
                    Ok(running) => {
                        let _ = running.await;
                    }
                    Err(e) => super::log(format_args!("{peer}: {e:#}")),
                }
            };
            // Dropping the session closes the socket and gives its place back.
            tokio::select! {
                _ = session => {}
                _ = login_deadline(&logged_in, login) => {
                    super::log(format_args!("{peer}: closed, no login within {} s", login.as_secs()));
                }
            }
        });
    }
}

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
    peer: SocketAddr,
    /// Set once a key logged in.
    operator: Option<String>,
    /// The role of the key that logged in (until then the least).
    role: crate::domain::Role,
    /// The same, for the login deadline watching from outside the handler.
    logged_in: Arc<AtomicBool>,
    /// The one console this connection may have.
    console: Option<ConsoleChannel>,
    _slot: Slot,
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
        let operator = self.operator.clone().unwrap_or_else(|| "ssh".into());
        let (tx, rx) = std::sync::mpsc::channel();
        let (frames, frames_rx) = mpsc::channel(64);
        let (end, end_rx) = oneshot::channel();
        tokio::spawn(write_channel(session.handle(), channel, frames_rx, end_rx));
        let spec = Spec { id, operator, role: self.role, size, idle: self.shared.limits.idle };
        let (store, hub, me) = (Arc::clone(&self.shared.store), Arc::clone(&self.shared.hub), tx.clone());
        std::thread::Builder::new().name(format!("kehu-session-{id}")).spawn(move || {
            let _slot = slot;
            session::run(store, hub, spec, rx, me, Output { frames, end });
        })?;
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
        if self.shared.keys.operator_for(offer.public_key, user).is_some() {
            return Ok(Auth::Accept);
        }
        let fp = offer.public_key.fingerprint(russh::keys::HashAlg::Sha256);
        super::log(format_args!(
            "{}: refused key {fp} (user {user:?}): not in the authorized keys",
            self.peer
        ));
        Ok(Auth::reject())
    }

    async fn auth_publickey(&mut self, user: &str, key: VerifiedPublicKey<'_>) -> Result<Auth, Self::Error> {
        match self.shared.keys.login_for(key.public_key, user) {
            Some((op, role)) => {
                super::log(format_args!("{}: {op} logged in ({role})", self.peer));
                self.operator = Some(op);
                self.role = role;
                self.logged_in.store(true, Ordering::SeqCst);
                Ok(Auth::Accept)
            }
            None => Ok(Auth::reject()),
        }
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
