//! The door before login: how many connections that have not logged in may wait, per source
//! and in all, and the back-off for sources whose connections keep failing.
//!
//! Nobody who reaches the port can lock operators out. When every place is taken, the busiest
//! source gives up its oldest waiting connection to the newcomer, so a flood only ever pushes
//! out its own connections; an operator connecting from anywhere else always finds a place.
//! There is no smaller cap per source: a shop's tills behind one address all reconnecting at
//! once (after a power cut) must not push each other out while places are free. A source whose connections end without login ten times within a
//! minute is refused for 30 s, twice as long at each repeat (at most 15 min), until one of its
//! connections logs in. IPv6 sources count per /64, the block one client usually holds.
//!
//! Pure bookkeeping with the time passed in: the accept loop acts on its answers.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::time::{Duration, Instant};

/// The door's limits.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GateLimits {
    /// Connections not yet logged in, in all.
    pub total: usize,
    /// Failed connections within [`GateLimits::window`] that start a back-off.
    pub failures: usize,
    /// The window failures are counted in.
    pub window: Duration,
    /// The first back-off; each repeat doubles it.
    pub backoff: Duration,
    /// The longest back-off.
    pub backoff_max: Duration,
}

impl Default for GateLimits {
    fn default() -> Self {
        GateLimits {
            total: 64,
            failures: 10,
            window: Duration::from_secs(60),
            backoff: Duration::from_secs(30),
            backoff_max: Duration::from_secs(15 * 60),
        }
    }
}

/// What to do with a new connection.
#[derive(Debug, Clone, PartialEq)]
pub enum Admit {
    /// Let it in; first close this waiting connection, when one is given.
    Yes { evict: Option<u64> },
    /// Close it: its source is backing off for this long still (`first`: the first refusal of
    /// this back-off, worth a line in the log).
    BackOff { left: Duration, first: bool },
}

/// A source: an IPv4 address or an IPv6 /64.
pub type Source = IpAddr;

/// The source `ip` counts under.
pub fn source_of(ip: IpAddr) -> Source {
    match super::keyopts::plain(ip) {
        IpAddr::V6(v6) => IpAddr::V6((u128::from(v6) & !(u128::MAX >> 64)).into()),
        v4 => v4,
    }
}

/// What one source did lately.
#[derive(Debug, Default)]
struct Record {
    /// Its connections waiting to log in, oldest first.
    waiting: VecDeque<u64>,
    /// When its recent connections failed, oldest first.
    failed: VecDeque<Instant>,
    /// Back-offs so far (since its last login).
    strikes: u32,
    /// Refused until then.
    until: Option<Instant>,
    /// Whether this back-off's first refusal was reported.
    told: bool,
}

impl Record {
    /// Whether nothing about it matters any more at `now`.
    fn idle(&self, now: Instant, window: Duration) -> bool {
        self.waiting.is_empty()
            && self.failed.back().is_none_or(|t| now.saturating_duration_since(*t) > window)
            && self.until.is_none_or(|u| u <= now)
    }
}

/// The bookkeeping.
#[derive(Debug)]
pub struct Gate {
    limits: GateLimits,
    sources: HashMap<Source, Record>,
    waiting: usize,
}

/// Sources remembered at most: an attacker with many addresses cannot grow the table past
/// this; idle sources are forgotten first.
const MAX_SOURCES: usize = 16_384;

impl Gate {
    /// An empty door with these limits.
    pub fn new(limits: GateLimits) -> Gate {
        Gate { limits, sources: HashMap::new(), waiting: 0 }
    }

    /// Connections waiting to log in.
    pub fn waiting(&self) -> usize {
        self.waiting
    }

    /// A connection `id` from `ip` arrived at `now`.
    pub fn admit(&mut self, ip: IpAddr, id: u64, now: Instant) -> Admit {
        let src = source_of(ip);
        if self.sources.len() >= MAX_SOURCES && !self.sources.contains_key(&src) {
            let window = self.limits.window;
            self.sources.retain(|_, r| !r.idle(now, window));
            // Still full: a flood from very many addresses. Their histories are forgotten
            // (back-offs included); the waiting connections are kept track of.
            if self.sources.len() >= MAX_SOURCES {
                self.sources.retain(|_, r| !r.waiting.is_empty());
            }
        }
        let rec = self.sources.entry(src).or_default();
        if let Some(until) = rec.until {
            if until > now {
                let first = !std::mem::replace(&mut rec.told, true);
                return Admit::BackOff { left: until - now, first };
            }
            rec.until = None;
        }
        // The one pushed out stops counting now, not when its task gets round to closing it:
        // a burst of arrivals must each push out another connection, not all the same one.
        let evict = if self.waiting >= self.limits.total {
            let victim = self.busiest().and_then(|s| self.sources.get_mut(&s)?.waiting.pop_front());
            self.waiting -= usize::from(victim.is_some());
            victim
        } else {
            None
        };
        self.sources.entry(src).or_default().waiting.push_back(id);
        self.waiting += 1;
        Admit::Yes { evict }
    }

    /// The source with the most connections waiting.
    fn busiest(&self) -> Option<Source> {
        self.sources
            .iter()
            .filter(|(_, r)| !r.waiting.is_empty())
            .max_by_key(|(_, r)| r.waiting.len())
            .map(|(s, _)| *s)
    }

    /// Connection `id` from `ip` logged in: it no longer waits, and its source is trusted again.
    pub fn logged_in(&mut self, ip: IpAddr, id: u64) {
        if let Some(rec) = self.sources.get_mut(&source_of(ip)) {
            self.waiting -= remove(&mut rec.waiting, id);
            rec.failed.clear();
            rec.strikes = 0;
        }
    }

    /// Connection `id` from `ip` ended at `now` without logging in (closed, timed out or
    /// pushed out); the back-off it starts, if it starts one.
    pub fn failed(&mut self, ip: IpAddr, id: u64, now: Instant) -> Option<Duration> {
        let limits = self.limits;
        let rec = self.sources.get_mut(&source_of(ip))?;
        self.waiting -= remove(&mut rec.waiting, id);
        rec.failed.push_back(now);
        while rec.failed.front().is_some_and(|t| now.duration_since(*t) > limits.window) {
            rec.failed.pop_front();
        }
        if rec.failed.len() < limits.failures {
            return None;
        }
        rec.failed.clear();
        let wait = limits.backoff.saturating_mul(1 << rec.strikes.min(16)).min(limits.backoff_max);
        rec.strikes = rec.strikes.saturating_add(1);
        rec.until = Some(now + wait);
        rec.told = false;
        Some(wait)
    }

    /// Connection `id` from `ip` ended after logging in (nothing to count).
    pub fn ended(&mut self, ip: IpAddr, id: u64) {
        if let Some(rec) = self.sources.get_mut(&source_of(ip)) {
            self.waiting -= remove(&mut rec.waiting, id);
        }
    }
}

/// Removes `id` from `q`; 1 when it was there.
fn remove(q: &mut VecDeque<u64>, id: u64) -> usize {
    match q.iter().position(|x| *x == id) {
        Some(i) => {
            q.remove(i);
            1
        }
        None => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn small() -> GateLimits {
        GateLimits { total: 4, failures: 3, ..GateLimits::default() }
    }

    #[test]
    fn when_every_place_is_taken_the_busiest_source_gives_one_up() {
        let mut g = Gate::new(GateLimits { total: 4, failures: 100, ..GateLimits::default() });
        let t = Instant::now();
        for id in 1..=3 {
            g.admit(ip("10.0.0.9"), id, t);
        }
        g.admit(ip("10.0.0.2"), 4, t);
        // An operator from a third address gets in; the flood loses its oldest.
        assert_eq!(g.admit(ip("192.168.1.5"), 5, t), Admit::Yes { evict: Some(1) });
        g.failed(ip("10.0.0.9"), 1, t);
        g.logged_in(ip("192.168.1.5"), 5);
        assert_eq!(g.waiting(), 3);
    }

    #[test]
    fn a_burst_of_arrivals_pushes_out_as_many_and_never_grows_past_the_cap() {
        let mut g = Gate::new(GateLimits { total: 4, failures: 1000, ..GateLimits::default() });
        let t = Instant::now();
        let mut pushed = Vec::new();
        for id in 0..20 {
            if let Admit::Yes { evict: Some(v) } = g.admit(ip("10.0.0.9"), id, t) {
                pushed.push(v);
            }
            assert!(g.waiting() <= 4, "{}", g.waiting());
        }
        assert_eq!(pushed, (0..16).collect::<Vec<_>>(), "each newcomer pushes out another, oldest first");
        // Their tasks report them later: nothing is counted twice.
        for v in pushed {
            g.failed(ip("10.0.0.9"), v, t);
        }
        assert_eq!(g.waiting(), 4);
    }

    #[test]
    fn failures_start_a_back_off_that_doubles_and_a_login_forgives() {
        let mut g = Gate::new(small());
        let a = ip("10.0.0.1");
        let mut t = Instant::now();
        let mut id = 0;
        let mut fail = |g: &mut Gate, t: Instant| {
            id += 1;
            assert!(matches!(g.admit(a, id, t), Admit::Yes { .. }));
            g.failed(a, id, t)
        };
        assert_eq!(fail(&mut g, t), None);
        assert_eq!(fail(&mut g, t), None);
        assert_eq!(fail(&mut g, t), Some(Duration::from_secs(30)));
        assert_eq!(g.admit(a, 99, t), Admit::BackOff { left: Duration::from_secs(30), first: true });
        assert!(matches!(g.admit(a, 99, t), Admit::BackOff { first: false, .. }));
        // Other sources are not held up.
        assert_eq!(g.admit(ip("10.0.0.2"), 100, t), Admit::Yes { evict: None });
        t += Duration::from_secs(31);
        for _ in 0..2 {
            assert_eq!(fail(&mut g, t), None);
        }
        assert_eq!(fail(&mut g, t), Some(Duration::from_secs(60)), "doubled");
        t += Duration::from_secs(61);
        assert_eq!(g.admit(a, 200, t), Admit::Yes { evict: None });
        g.logged_in(a, 200);
        for _ in 0..2 {
            assert_eq!(fail(&mut g, t), None);
        }
        assert_eq!(fail(&mut g, t), Some(Duration::from_secs(30)), "a login resets the strikes");
    }

    #[test]
    fn failures_spread_wider_than_the_window_never_add_up() {
        let mut g = Gate::new(small());
        let a = ip("10.0.0.1");
        let mut t = Instant::now();
        for id in 0..20 {
            g.admit(a, id, t);
            assert_eq!(g.failed(a, id, t), None);
            t += Duration::from_secs(31);
        }
    }

    #[test]
    fn ipv6_counts_per_64_and_mapped_ipv4_as_ipv4() {
        assert_eq!(source_of(ip("2001:db8:1:2:aaaa::1")), source_of(ip("2001:db8:1:2:ffff::9")));
        assert_ne!(source_of(ip("2001:db8:1:2::1")), source_of(ip("2001:db8:1:3::1")));
        assert_eq!(source_of(ip("::ffff:10.0.0.1")), ip("10.0.0.1"));
    }

    #[test]
    fn the_table_of_sources_stays_bounded() {
        let mut g = Gate::new(GateLimits::default());
        let t = Instant::now();
        for n in 0..(2 * MAX_SOURCES as u32 + 500) {
            let a = IpAddr::from((0x0a00_0000u32 + n).to_be_bytes());
            g.admit(a, u64::from(n), t);
            g.failed(a, u64::from(n), t);
            assert!(g.sources.len() <= MAX_SOURCES, "{}", g.sources.len());
        }
        assert_eq!(g.waiting(), 0);
    }
}
