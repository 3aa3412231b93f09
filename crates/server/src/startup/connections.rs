//! The connections the server holds: a cap in all and per peer IP, an answered connection
//! closed when it idles past the keep-alive timeout, and room made for a newcomer by closing
//! the connection that has idled longest.
//!
//! At the cap a new connection is accepted and the longest-idle one (no request in flight:
//! a keep-alive connection, or one still sending its head, as a slow-header flood does) is
//! closed for it, so a flood churns its own connections while `/healthz` and real requests
//! get in. Only when every held connection has a request in flight is the newcomer refused.
//! Stopping accepting instead would leave `/healthz` queued behind the flood in the backlog.

use std::collections::{BTreeSet, HashMap};
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use clipdesk_protocol::{ErrorCode, ErrorResponse};
use hyper::body::{Body, Frame, SizeHint};
use tokio::sync::Notify;
use tokio::time::Instant;

use crate::configuration::Config;

/// Descriptors kept from connections: stdio, the runtime's, the listener, SQLite's database,
/// WAL and shared-memory files, and slack for the odd file the server opens itself.
const RESERVED_FDS: u64 = 64;
/// A media job's pipes to ffmpeg or ffprobe.
const FDS_PER_MEDIA_WORKER: u64 = 4;
/// A connection's socket, and the upload it writes or the video it streams.
const FDS_PER_CONNECTION: u64 = 2;
/// Bounds of the derived cap: some service even under a tiny limit, and memory for read
/// buffers bounded under a huge one.
const DERIVED_CAP: (u64, u64) = (16, 16_384);
/// Per peer IP, unless set: many phones share a carrier's address, one flood does not get
/// to push everyone else out.
const DEFAULT_PER_IP: usize = 64;
/// How often a cap being reached is logged at most.
const WARN_EVERY: Duration = Duration::from_secs(60);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Limits {
    pub total: usize,
    /// `None`: no cap per IP.
    pub per_ip: Option<usize>,
    pub keep_alive: Duration,
}

impl Limits {
    pub fn from_config(config: &Config) -> Self {
        let per_ip = match config.max_connections_per_ip {
            Some(0) => None,
            Some(n) => Some(n),
            // Behind a proxy every connection comes from it; the cap would cap the proxy.
            None if config.trust_forwarded_for => None,
            None => Some(DEFAULT_PER_IP),
        };
        Self {
            total: config
                .max_connections
                .unwrap_or_else(|| derived_cap(open_files_limit(), config.media_workers)),
            per_ip,
            keep_alive: config.keep_alive_timeout,
        }
    }
}

/// Connections the open-files limit leaves room for, after what the server itself needs.
fn derived_cap(open_files: Option<u64>, media_workers: usize) -> usize {
    let (least, most) = DERIVED_CAP;
    let reserved = RESERVED_FDS + FDS_PER_MEDIA_WORKER * media_workers as u64;
    let cap = open_files.map_or(most, |limit| {
        (limit.saturating_sub(reserved) / FDS_PER_CONNECTION).clamp(least, most)
    });
    usize::try_from(cap).unwrap_or(usize::MAX)
}

#[cfg(unix)]
fn open_files_limit() -> Option<u64> {
    rustix::process::getrlimit(rustix::process::Resource::Nofile).current
}

#[cfg(not(unix))]
fn open_files_limit() -> Option<u64> {
    None
}

pub(super) struct Connections {
    limits: Limits,
    state: Mutex<State>,
    /// A connection closed to make room has let go of its socket.
    released: Notify,
}

#[derive(Default)]
struct State {
    next_id: u64,
    /// Every connection whose socket is open, closing ones too.
    open: HashMap<u64, Open>,
    /// Open and not closing: what the caps count.
    held: usize,
    /// Told to close to make room, socket not yet closed.
    closing: usize,
    /// The held connections without a request in flight, longest idle first.
    idle: BTreeSet<(Instant, u64)>,
    /// Held connections per peer IP.
    per_ip: HashMap<IpAddr, usize>,
    warned_at: Option<Instant>,
}

struct Open {
    ip: IpAddr,
    closing: bool,
    in_flight: usize,
    idle_since: Option<Instant>,
    /// Has had a request; before that hyper's header timeout is what bounds it.
    answered: bool,
    wake: Arc<Notify>,
}

/// Why a new connection was turned away: every connection held has a request in flight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Refused {
    PeerFull,
    Full,
}

impl Refused {
    /// A whole HTTP/1.1 answer, written to the new socket without waiting for its request.
    pub fn response(self) -> Vec<u8> {
        let (status, code, message) = match self {
            Refused::PeerFull => (
                "429 Too Many Requests",
                ErrorCode::RateLimited,
                "too many connections from your address are busy; try again shortly",
            ),
            Refused::Full => (
                "503 Service Unavailable",
                ErrorCode::Unavailable,
                "the server is as busy as it can be; try again shortly",
            ),
        };
        plain_answer(status, code, message, true)
    }
}

/// A whole HTTP/1.1 error answer that closes the connection, for sockets hyper never sees.
pub(super) fn plain_answer(
    status: &str,
    code: ErrorCode,
    message: &str,
    retry_soon: bool,
) -> Vec<u8> {
    let body = serde_json::to_string(&ErrorResponse::new(code, message)).unwrap_or_default();
    let retry = if retry_soon { "retry-after: 1\r\n" } else { "" };
    format!(
        "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\
         {retry}connection: close\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

impl Connections {
    pub fn new(limits: Limits) -> Arc<Self> {
        Arc::new(Self {
            limits,
            state: Mutex::new(State::default()),
            released: Notify::new(),
        })
    }

    /// Waits until the connections closed to make room have closed their sockets, so
    /// accepting never runs ahead of them into the open-files limit. Bounded, so a stuck
    /// task cannot stop the accept loop.
    pub async fn settled(&self) {
        let deadline = Instant::now() + Duration::from_secs(1);
        loop {
            let released = self.released.notified();
            if self.lock().closing == 0 {
                return;
            }
            if tokio::time::timeout_at(deadline, released).await.is_err() {
                return;
            }
        }
    }

    /// Holds a slot for a connection from `ip`, closing the longest-idle connection (of that
    /// IP when its own cap is reached) to make room.
    pub fn admit(self: &Arc<Self>, ip: IpAddr) -> Result<Slot, Refused> {
        let now = Instant::now();
        let mut guard = self.lock();
        let state = &mut *guard;
        if let Some(per_ip) = self.limits.per_ip
            && state.per_ip.get(&ip).copied().unwrap_or(0) >= per_ip
        {
            let open = &state.open;
            let victim = state
                .idle
                .iter()
                .find(|(_, id)| open.get(id).is_some_and(|c| c.ip == ip))
                .map(|&(_, id)| id);
            state.warn_once(
                now,
                "connections from one IP reached max_connections_per_ip",
            );
            match victim {
                Some(id) => state.close(id),
                None => return Err(Refused::PeerFull),
            }
        }
        if state.held >= self.limits.total {
            let victim = state.idle.first().map(|&(_, id)| id);
            state.warn_once(now, "connections reached max_connections");
            match victim {
                Some(id) => state.close(id),
                None => return Err(Refused::Full),
            }
        }
        let id = state.next_id;
        state.next_id += 1;
        let wake = Arc::new(Notify::new());
        state.open.insert(
            id,
            Open {
                ip,
                closing: false,
                in_flight: 0,
                idle_since: Some(now),
                answered: false,
                wake: wake.clone(),
            },
        );
        state.idle.insert((now, id));
        state.held += 1;
        *state.per_ip.entry(ip).or_default() += 1;
        Ok(Slot {
            requests: Requests {
                id,
                connections: self.clone(),
            },
            wake,
        })
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // Every change to the state is complete before it can panic; a poisoned lock holds
        // consistent data.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl State {
    /// Stops counting connection `id` as held; its socket is still open.
    fn unhold(&mut self, id: u64) -> Option<&mut Open> {
        let open = self.open.get_mut(&id).filter(|open| !open.closing)?;
        if let Some(since) = open.idle_since.take() {
            self.idle.remove(&(since, id));
        }
        if let Some(count) = self.per_ip.get_mut(&open.ip) {
            *count -= 1;
            if *count == 0 {
                self.per_ip.remove(&open.ip);
            }
        }
        self.held -= 1;
        Some(open)
    }

    /// Wakes connection `id`'s task to drop (close) it; until it has, it counts as closing.
    fn close(&mut self, id: u64) {
        if let Some(open) = self.unhold(id) {
            open.closing = true;
            open.wake.notify_one();
            self.closing += 1;
        }
    }

    /// Connection `id`'s socket is closed.
    fn release(&mut self, id: u64) -> bool {
        self.unhold(id);
        let was_closing = self.open.remove(&id).is_some_and(|open| open.closing);
        if was_closing {
            self.closing -= 1;
        }
        was_closing
    }

    fn warn_once(&mut self, now: Instant, what: &str) {
        if self
            .warned_at
            .is_none_or(|at| now.duration_since(at) >= WARN_EVERY)
        {
            self.warned_at = Some(now);
            tracing::warn!(
                "{what}: closing the longest-idle connection for each new one, refusing when \
                 all are busy (said once a minute)"
            );
        }
    }
}

/// A held connection; dropping it, after the socket, frees the slot.
pub(super) struct Slot {
    requests: Requests,
    wake: Arc<Notify>,
}

impl Slot {
    pub fn requests(&self) -> Requests {
        self.requests.clone()
    }

    /// Resolves when the connection is to be closed: it was closed to make room for another,
    /// or it was answered and has had no request since for the keep-alive timeout.
    pub async fn closing(&self) {
        let Requests { id, connections } = &self.requests;
        loop {
            let woken = self.wake.notified();
            let deadline = {
                let state = connections.lock();
                let Some(open) = state.open.get(id).filter(|open| !open.closing) else {
                    return;
                };
                open.idle_since
                    .filter(|_| open.answered)
                    .map(|since| since + connections.limits.keep_alive)
            };
            match deadline {
                Some(deadline) if deadline <= Instant::now() => return,
                Some(deadline) => {
                    tokio::select! {
                        () = woken => {}
                        () = tokio::time::sleep_until(deadline) => {}
                    }
                }
                None => woken.await,
            }
        }
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let connections = &self.requests.connections;
        if connections.lock().release(self.requests.id) {
            connections.released.notify_waiters();
        }
    }
}

/// Counts one connection's requests in flight.
#[derive(Clone)]
pub(super) struct Requests {
    id: u64,
    connections: Arc<Connections>,
}

impl Requests {
    /// A request began; it ends when the guard drops, with its response body sent.
    pub fn begin(&self) -> InFlight {
        let mut state = self.connections.lock();
        let state = &mut *state;
        if let Some(open) = state.open.get_mut(&self.id).filter(|open| !open.closing) {
            open.in_flight += 1;
            open.answered = true;
            if let Some(since) = open.idle_since.take() {
                state.idle.remove(&(since, self.id));
            }
        }
        InFlight(self.clone())
    }
}

pub(super) struct InFlight(Requests);

impl Drop for InFlight {
    fn drop(&mut self) {
        let Requests { id, connections } = &self.0;
        let mut state = connections.lock();
        let state = &mut *state;
        if let Some(open) = state.open.get_mut(id).filter(|open| !open.closing) {
            open.in_flight = open.in_flight.saturating_sub(1);
            if open.in_flight == 0 {
                let now = Instant::now();
                open.idle_since = Some(now);
                state.idle.insert((now, *id));
                // The connection's watch starts its keep-alive clock.
                open.wake.notify_one();
            }
        }
    }
}

/// A response body that keeps its request counted as in flight until it is sent (or the
/// connection drops it), so a long download is never taken for an idle connection.
pub(super) struct TrackedBody {
    body: axum::body::Body,
    _in_flight: InFlight,
}

impl TrackedBody {
    pub fn new(body: axum::body::Body, in_flight: InFlight) -> Self {
        Self {
            body,
            _in_flight: in_flight,
        }
    }
}

impl Body for TrackedBody {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        Pin::new(&mut self.body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(total: usize, per_ip: Option<usize>) -> Limits {
        Limits {
            total,
            per_ip,
            keep_alive: Duration::from_secs(60),
        }
    }

    fn ip(last: u8) -> IpAddr {
        IpAddr::from([10, 0, 0, last])
    }

    #[test]
    fn the_cap_leaves_descriptors_for_the_server_itself() {
        assert_eq!(derived_cap(Some(256), 2), (256 - 64 - 8) / 2);
        assert_eq!(derived_cap(Some(1024), 1), (1024 - 64 - 4) / 2);
        assert_eq!(
            derived_cap(Some(10), 1),
            16,
            "some service under a tiny limit"
        );
        assert_eq!(derived_cap(None, 1), 16_384, "bounded when unlimited");
    }

    #[tokio::test]
    async fn at_the_cap_the_longest_idle_connection_makes_room() {
        let connections = Connections::new(limits(2, None));
        let idle = connections.admit(ip(1)).unwrap();
        let working = connections.admit(ip(2)).unwrap();
        let request = working.requests().begin();
        let newcomer = connections.admit(ip(3)).unwrap();
        tokio::time::timeout(Duration::from_secs(1), idle.closing())
            .await
            .expect("the idle connection is told to close");
        let _also_working = newcomer.requests().begin();
        assert_eq!(
            connections.admit(ip(4)).err(),
            Some(Refused::Full),
            "every held connection has a request in flight"
        );
        drop(request);
        assert!(
            connections.admit(ip(5)).is_ok(),
            "a connection whose request ended makes room again"
        );
    }

    #[tokio::test]
    async fn accepting_waits_until_a_connection_closed_for_room_lets_go_of_its_socket() {
        let connections = Connections::new(limits(1, None));
        let idle = connections.admit(ip(1)).unwrap();
        let _newcomer = connections.admit(ip(2)).unwrap();
        assert!(
            tokio::time::timeout(Duration::from_millis(50), connections.settled())
                .await
                .is_err(),
            "the closed connection still holds its socket"
        );
        drop(idle);
        tokio::time::timeout(Duration::from_millis(500), connections.settled())
            .await
            .expect("settled once it let go");
    }

    #[tokio::test]
    async fn one_ip_at_its_cap_only_pushes_out_its_own() {
        let connections = Connections::new(limits(10, Some(1)));
        let other = connections.admit(ip(1)).unwrap();
        let mine = connections.admit(ip(2)).unwrap();
        let again = connections.admit(ip(2)).unwrap();
        tokio::time::timeout(Duration::from_secs(1), mine.closing())
            .await
            .expect("the IP's own idle connection closes");
        assert!(
            tokio::time::timeout(Duration::from_millis(50), other.closing())
                .await
                .is_err(),
            "another IP's connection stays"
        );
        let _request = again.requests().begin();
        assert_eq!(connections.admit(ip(2)).err(), Some(Refused::PeerFull));
    }

    #[tokio::test]
    async fn an_answered_connection_closes_after_the_keep_alive_timeout() {
        let keep_alive = Duration::from_millis(200);
        let connections = Connections::new(Limits {
            keep_alive,
            ..limits(10, None)
        });
        let fresh = connections.admit(ip(1)).unwrap();
        let answered = connections.admit(ip(2)).unwrap();
        drop(answered.requests().begin());
        let started = Instant::now();
        answered.closing().await;
        assert!(started.elapsed() >= keep_alive);
        assert!(
            tokio::time::timeout(keep_alive, fresh.closing())
                .await
                .is_err(),
            "before its first request hyper's header timeout bounds a connection, not this"
        );
    }
}
