//! The options of an `authorized_keys` line that limit a key, enforced as OpenSSH reads them:
//! `from=` (where it may log in from), `expiry-time=` (until when) and `no-pty` / `restrict`
//! (whether it may have a terminal, which the console needs).
//!
//! Decisions: `from=` is matched against the client's address only, as OpenSSH does with its
//! default `UseDNS no`; a host-name pattern therefore never matches (a `!name` never refuses).
//! `expiry-time` is the server's local time unless it ends in `Z` (UTC), as in OpenSSH.

use chrono::{NaiveDate, NaiveDateTime, TimeZone};
use std::net::IpAddr;
use std::time::SystemTime;

/// What a key's line limits it to.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct KeyLimits {
    /// The `from=` patterns, when given.
    pub from: Option<Vec<Pattern>>,
    /// The moment the key stops working, when given.
    pub expires: Option<SystemTime>,
    /// Whether the key may not have a terminal (`no-pty`, or `restrict` without `pty`).
    pub no_pty: bool,
}

/// One `from=` pattern.
#[derive(Debug, Clone, PartialEq)]
pub struct Pattern {
    /// `!pattern`: a match refuses.
    pub negated: bool,
    /// What it matches.
    pub kind: PatternKind,
}

/// An address pattern: a network in CIDR notation or a wildcard text (`*`, `?`).
#[derive(Debug, Clone, PartialEq)]
pub enum PatternKind {
    /// `10.0.0.0/8`, `fe80::/10`.
    Cidr(IpAddr, u8),
    /// `192.168.1.*`, `::1`, `shop.example` (a name never matches: addresses only).
    Wild(String),
}

impl KeyLimits {
    /// Why this key may not log in from `peer` at `now`, if it may not.
    pub fn refusal(&self, peer: IpAddr, now: SystemTime) -> Option<String> {
        if let Some(at) = self.expires.filter(|at| now >= *at) {
            let when = chrono::DateTime::<chrono::Local>::from(at).format("%Y-%m-%d %H:%M");
            return Some(format!("the key expired at {when} (expiry-time)"));
        }
        let from = self.from.as_ref()?;
        let peer = plain(peer);
        let text = peer.to_string();
        if from.iter().any(|p| p.negated && p.matches(peer, &text)) {
            return Some(format!("from= excludes {text}"));
        }
        (!from.iter().any(|p| !p.negated && p.matches(peer, &text)))
            .then(|| format!("from= does not allow {text}"))
    }
}

/// An IPv4 address mapped into IPv6 (a dual-stack listener's view) as the IPv4 it is.
pub fn plain(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

impl Pattern {
    fn matches(&self, ip: IpAddr, text: &str) -> bool {
        match &self.kind {
            PatternKind::Cidr(net, bits) => in_network(ip, *net, *bits),
            PatternKind::Wild(w) => wildcard(w.as_bytes(), text.as_bytes()),
        }
    }
}

/// Whether `ip` lies in `net/bits` (same family only).
fn in_network(ip: IpAddr, net: IpAddr, bits: u8) -> bool {
    fn masked(v: u128, bits: u8, width: u8) -> u128 {
        let keep = u32::from(bits.min(width));
        if keep == 0 { 0 } else { v >> (u32::from(width) - keep) }
    }
    match (ip, net) {
        (IpAddr::V4(a), IpAddr::V4(n)) => {
            masked(u32::from(a).into(), bits, 32) == masked(u32::from(n).into(), bits, 32)
        }
        (IpAddr::V6(a), IpAddr::V6(n)) => {
            masked(u128::from(a), bits, 128) == masked(u128::from(n), bits, 128)
        }
        _ => false,
    }
}

/// OpenSSH's `match_pattern`: `*` any run, `?` any one character, case-insensitive.
fn wildcard(pat: &[u8], s: &[u8]) -> bool {
    let (mut p, mut i, mut star, mut mark) = (0, 0, None, 0);
    while i < s.len() {
        if p < pat.len() && (pat[p] == b'?' || pat[p].eq_ignore_ascii_case(&s[i])) {
            p += 1;
            i += 1;
        } else if p < pat.len() && pat[p] == b'*' {
            star = Some(p);
            mark = i;
            p += 1;
        } else if let Some(sp) = star {
            p = sp + 1;
            mark += 1;
            i = mark;
        } else {
            return false;
        }
    }
    pat[p..].iter().all(|&c| c == b'*')
}

/// Parses a `from=` value: comma-separated patterns, each maybe `!`-negated.
pub fn parse_from(value: &str) -> Result<Vec<Pattern>, String> {
    let mut out = Vec::new();
    for raw in value.split(',').map(str::trim) {
        let (negated, body) = raw.strip_prefix('!').map_or((false, raw), |b| (true, b));
        if body.is_empty() {
            return Err(format!("from=\"{value}\" has an empty pattern"));
        }
        let kind = match body.split_once('/') {
            Some((net, bits)) => {
                let net: IpAddr =
                    net.parse().map_err(|_| format!("from= pattern {body:?} is not a network"))?;
                let width = if net.is_ipv4() { 32 } else { 128 };
                let bits: u8 = bits
                    .parse()
                    .ok()
                    .filter(|b| *b <= width)
                    .ok_or_else(|| format!("from= pattern {body:?} has a bad prefix length"))?;
                // OpenSSH refuses `10.1.2.3/8` (host bits set): it is almost always a typo.
                if masked_differs(net, bits) {
                    return Err(format!("from= pattern {body:?} has bits set past /{bits}"));
                }
                PatternKind::Cidr(net, bits)
            }
            None => PatternKind::Wild(body.to_string()),
        };
        out.push(Pattern { negated, kind });
    }
    Ok(out)
}

/// Whether `net` has bits set past its prefix.
fn masked_differs(net: IpAddr, bits: u8) -> bool {
    match net {
        IpAddr::V4(n) => {
            let v = u32::from(n);
            bits < 32 && v & (u32::MAX >> bits) != 0
        }
        IpAddr::V6(n) => {
            let v = u128::from(n);
            bits < 128 && v & (u128::MAX >> bits) != 0
        }
    }
}

/// Parses an `expiry-time=` value: `YYYYMMDD[HHMM[SS]]`, local time, or UTC with a final `Z`.
pub fn parse_expiry(value: &str) -> Result<SystemTime, String> {
    let bad = || format!("expiry-time=\"{value}\" is not YYYYMMDD[HHMM[SS]][Z]");
    let (digits, utc) = value.strip_suffix(['Z', 'z']).map_or((value, false), |d| (d, true));
    if !digits.bytes().all(|b| b.is_ascii_digit()) || ![8, 12, 14].contains(&digits.len()) {
        return Err(bad());
    }
    let num =
        |r: std::ops::Range<usize>| digits.get(r).map_or(Ok(0), |s| s.parse::<u32>().map_err(|_| bad()));
    let day = NaiveDate::from_ymd_opt(num(0..4)? as i32, num(4..6)?, num(6..8)?).ok_or_else(bad)?;
    let at: NaiveDateTime = day.and_hms_opt(num(8..10)?, num(10..12)?, num(12..14)?).ok_or_else(bad)?;
    if utc {
        return Ok(chrono::Utc.from_utc_datetime(&at).into());
    }
    // A time skipped by a clock change is taken at its earliest valid reading.
    chrono::Local.from_local_datetime(&at).earliest().map(SystemTime::from).ok_or_else(bad)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn from(list: &str) -> KeyLimits {
        KeyLimits { from: Some(parse_from(list).unwrap()), ..KeyLimits::default() }
    }

    #[test]
    fn from_patterns_allow_only_their_addresses() {
        let now = SystemTime::now();
        let l = from("10.9.9.9");
        assert_eq!(l.refusal(ip("127.0.0.1"), now).as_deref(), Some("from= does not allow 127.0.0.1"));
        assert_eq!(l.refusal(ip("10.9.9.9"), now), None);
        let l = from("192.168.1.*,!192.168.1.66,10.0.0.0/8");
        assert_eq!(l.refusal(ip("192.168.1.20"), now), None);
        assert_eq!(l.refusal(ip("10.200.3.4"), now), None);
        assert_eq!(l.refusal(ip("192.168.1.66"), now).as_deref(), Some("from= excludes 192.168.1.66"));
        assert!(l.refusal(ip("192.168.2.1"), now).is_some());
        assert!(l.refusal(ip("11.0.0.1"), now).is_some());
        // A dual-stack listener sees IPv4 clients as mapped addresses.
        assert_eq!(l.refusal(ip("::ffff:10.1.1.1"), now), None);
        let l = from("fe80::/10,::1");
        assert_eq!(l.refusal(ip("::1"), now), None);
        assert_eq!(l.refusal(ip("fe80::1234"), now), None);
        assert!(l.refusal(ip("2001:db8::1"), now).is_some());
        assert!(l.refusal(ip("127.0.0.1"), now).is_some(), "no family crossing");
        // Host names never match an address (UseDNS no); `?` is one character.
        assert!(from("shop.example").refusal(ip("127.0.0.1"), now).is_some());
        assert_eq!(from("127.0.0.?").refusal(ip("127.0.0.1"), now), None);
        assert!(from("127.0.0.?").refusal(ip("127.0.0.10"), now).is_some());
        assert_eq!(from("0.0.0.0/0").refusal(ip("8.8.8.8"), now), None);
    }

    #[test]
    fn bad_from_values_are_errors() {
        for bad in ["", "10.0.0.0/33", "10.1.2.3/8", "a.b/8", "1.2.3.4,", "!"] {
            assert!(parse_from(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn expiry_times_are_read_as_openssh_does() {
        let utc = parse_expiry("20000101Z").unwrap();
        assert_eq!(utc.duration_since(SystemTime::UNIX_EPOCH).unwrap().as_secs(), 946_684_800);
        let with_secs = parse_expiry("20000101000030Z").unwrap();
        assert_eq!(with_secs.duration_since(utc).unwrap(), Duration::from_secs(30));
        assert!(parse_expiry("20000101").is_ok(), "local time");
        for bad in ["2000011", "20001301", "200001012500", "yesterday", "20000101ZZ"] {
            assert!(parse_expiry(bad).is_err(), "{bad:?} accepted");
        }
        let l = KeyLimits { expires: Some(utc), ..KeyLimits::default() };
        let why = l.refusal(ip("127.0.0.1"), SystemTime::now()).unwrap();
        assert!(
            why.starts_with("the key expired at 2000-01-01")
                || why.starts_with("the key expired at 1999-12-31")
        );
        assert_eq!(l.refusal(ip("127.0.0.1"), utc - Duration::from_secs(1)), None);
    }

    #[test]
    fn wildcards() {
        assert!(wildcard(b"*", b"anything"));
        assert!(wildcard(b"10.*.1", b"10.2.3.1"));
        assert!(!wildcard(b"10.*.1", b"10.2.3.2"));
        assert!(wildcard(b"a?c", b"abc"));
        assert!(!wildcard(b"", b"x"));
    }
}
