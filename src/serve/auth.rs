//! Who may connect: an OpenSSH `authorized_keys` file, read again whenever it changes, and the
//! operator name each key signs with (its `operator="…"` option, else its comment), and the
//! role it works in (its `kehu-role="…"` option, else staff).

use super::keyopts::{self, KeyLimits};
use crate::domain::Role;
use russh::keys::PublicKey;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::SystemTime;

/// One accepted key.
#[derive(Debug, Clone, PartialEq)]
pub struct AuthorizedKey {
    /// The public key.
    pub key: PublicKey,
    /// The operator named by the `operator="…"` option or, failing that, the comment.
    pub operator: Option<String>,
    /// Where, until when and how the key may be used.
    pub limits: KeyLimits,
    /// The role named by the `kehu-role="viewer|staff|manager"` option; without it staff, so
    /// that keys from before roles keep the till working but get none of the manager's powers.
    pub role: Role,
}

/// Parses an `authorized_keys` text; lines that are not keys, and options that are ignored,
/// are reported as `line N: why`.
pub fn parse(text: &str) -> (Vec<AuthorizedKey>, Vec<String>) {
    let (mut keys, mut problems) = (Vec::new(), Vec::new());
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        match parse_line(line) {
            Ok((k, warnings)) => {
                keys.push(k);
                problems.extend(warnings.into_iter().map(|w| format!("line {}: {w}", n + 1)));
            }
            Err(why) => problems.push(format!("line {}: {why}", n + 1)),
        }
    }
    (keys, problems)
}

/// Key types as the first field of a line without options.
fn is_key_type(s: &str) -> bool {
    s.starts_with("ssh-") || s.starts_with("ecdsa-sha2-") || s.starts_with("sk-")
}

/// Options that only limit what kehu never offers (forwarding, X11, tunnels, rc files), or
/// name the operator: taken as they are.
const HARMLESS: &[&str] = &[
    "no-port-forwarding",
    "no-agent-forwarding",
    "no-x11-forwarding",
    "no-user-rc",
    "port-forwarding",
    "agent-forwarding",
    "x11-forwarding",
    "user-rc",
    "permitopen",
    "permitlisten",
    "tunnel",
    "operator",
];

/// Reads a line's options into the key's limits, with warnings for what is ignored; an
/// option kehu cannot honour keeps the key out, naming the option: `command=` (kehu runs only
/// its console), `cert-authority` (no certificates), the FIDO flags, anything unknown, and a
/// `kehu-role=` other than viewer, staff or manager (a misspelt role must not let the key in as
/// something it was not meant to be).
fn read_options(options: &str) -> Result<(KeyLimits, Vec<String>), String> {
    let (mut limits, mut warnings) = (KeyLimits::default(), Vec::new());
    for part in option_parts(options) {
        let (name, value) = part.split_once('=').map_or((part.as_str(), ""), |(k, v)| (k, v));
        let name = name.trim().to_ascii_lowercase();
        match name.as_str() {
            "" => {}
            n if HARMLESS.contains(&n) => {}
            "environment" => warnings.push("environment= is ignored: kehu serve runs no program".into()),
            "from" => limits.from = Some(keyopts::parse_from(value)?),
            "expiry-time" => limits.expires = Some(keyopts::parse_expiry(value.trim())?),
            "no-pty" | "restrict" => limits.no_pty = true,
            "pty" => limits.no_pty = false,
            "kehu-role" => {
                if value.parse::<Role>().is_err() {
                    let value = crate::text::terminal_safe(value);
                    return Err(format!("kehu-role {value:?} is not viewer, staff or manager"));
                }
            }
            "command" => return Err("command= asks for a program; kehu serve offers only its console".into()),
            "cert-authority" | "principals" => {
                return Err(format!("{name}: certificates are not supported"));
            }
            "no-touch-required" | "verify-required" => {
                return Err(format!(
                    "option {name} is not enforced by kehu serve; the key is refused rather than let in without it"
                ));
            }
            _ => return Err(format!("unknown option {:?}", crate::text::terminal_safe(&name))),
        }
    }
    Ok((limits, warnings))
}

/// Parses `[options] type base64 [comment]`, with the warnings its options give.
fn parse_line(line: &str) -> Result<(AuthorizedKey, Vec<String>), String> {
    let (options, rest) = if is_key_type(line) { ("", line) } else { split_options(line) };
    let (limits, warnings) = read_options(options)?;
    let mut fields = rest.split_whitespace();
    let _kind = fields.next().ok_or("no key type")?;
    let b64 = fields.next().ok_or("no key after the key type")?;
    let key = russh::keys::parse_public_key_base64(b64).map_err(|e| format!("unreadable key ({e})"))?;
    let comment = fields.collect::<Vec<_>>().join(" ");
    let operator = option_value(options, "operator").or((!comment.is_empty()).then_some(comment));
    let operator = operator.map(|o| clean_name(&o)).filter(|o| !o.is_empty());
    let role = option_value(options, "kehu-role").and_then(|r| r.parse().ok()).unwrap_or(Role::Staff);
    Ok((AuthorizedKey { key, operator, limits, role }, warnings))
}

/// Splits the options field (up to the first space outside quotes) from the rest.
fn split_options(line: &str) -> (&str, &str) {
    let mut quoted = false;
    let mut escaped = false;
    for (i, ch) in line.char_indices() {
        match ch {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '"' => quoted = !quoted,
            c if c.is_whitespace() && !quoted => return (&line[..i], line[i..].trim_start()),
            _ => {}
        }
    }
    (line, "")
}

/// The value of option `name="…"` (or `name=value`) in a comma-separated options field.
fn option_value(options: &str, name: &str) -> Option<String> {
    option_parts(options).into_iter().find_map(|p| {
        let (k, v) = p.split_once('=')?;
        k.trim().eq_ignore_ascii_case(name).then(|| v.to_string())
    })
}

/// The comma-separated options, quotes taken off their values.
fn option_parts(options: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let (mut cur, mut quoted, mut escaped) = (String::new(), false, false);
    for ch in options.chars() {
        match ch {
            _ if escaped => {
                cur.push(ch);
                escaped = false;
            }
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            ',' if !quoted => parts.push(std::mem::take(&mut cur)),
            _ => cur.push(ch),
        }
    }
    parts.push(cur);
    parts
}

/// Why a file of keys must not be trusted: others may write to it (OpenSSH's StrictModes).
fn unsafe_mode(meta: &std::fs::Metadata) -> Option<String> {
    use std::os::unix::fs::PermissionsExt;
    let mode = meta.permissions().mode() & 0o777;
    (mode & 0o022 != 0).then(|| format!("it is group- or world-writable (mode {mode:o}); chmod go-w it"))
}

/// An operator name safe to show and store (see [`crate::domain::operator_name`]).
fn clean_name(s: &str) -> String {
    crate::domain::operator_name(s)
}

/// Who a key logged in as, and what its line allows.
#[derive(Debug, Clone, PartialEq)]
pub struct Login {
    /// The operator who signs the session's edits.
    pub operator: String,
    /// What they may do.
    pub role: Role,
    /// Whether the key may have a terminal (the console needs one).
    pub pty: bool,
}

/// The authorized keys file, read again when its modification time or size changes.
pub struct AuthorizedKeys {
    path: PathBuf,
    state: Mutex<Loaded>,
}

/// The keys as last read, and the stamp of the file they came from.
#[derive(Default)]
struct Loaded {
    stamp: Option<(SystemTime, u64)>,
    keys: Vec<AuthorizedKey>,
}

impl AuthorizedKeys {
    /// Reads the file once; a missing or unreadable file is an error at start.
    pub fn open(path: &Path) -> anyhow::Result<AuthorizedKeys> {
        let me = AuthorizedKeys { path: path.to_path_buf(), state: Mutex::new(Loaded::default()) };
        let meta =
            std::fs::metadata(path).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
        if let Some(why) = unsafe_mode(&meta) {
            anyhow::bail!("refusing {}: {why}", crate::text::shown_path(path));
        }
        let n = me.current().len();
        if n == 0 {
            super::log(format_args!(
                "{} holds no key yet; nobody can log in until one is added",
                path.display()
            ));
        }
        Ok(me)
    }

    /// Who `key` logs in as from `peer` at `now`, or why it may not: the first line holding the
    /// key whose limits allow it wins (as in OpenSSH). `user` (the SSH login name) names a key
    /// with neither an `operator=` option nor a comment.
    pub fn login(&self, key: &PublicKey, user: &str, peer: IpAddr, now: SystemTime) -> Result<Login, String> {
        let mut why = None;
        for k in self.current().into_iter().filter(|k| k.key.key_data() == key.key_data()) {
            match k.limits.refusal(peer, now) {
                None => {
                    let operator = k.operator.unwrap_or_else(|| clean_name(user));
                    return Ok(Login { operator, role: k.role, pty: !k.limits.no_pty });
                }
                Some(w) => {
                    why.get_or_insert(w);
                }
            }
        }
        Err(why.unwrap_or_else(|| "not in the authorized keys".into()))
    }

    /// The keys, read again first when the file changed (or went away: then nobody is let in).
    fn current(&self) -> Vec<AuthorizedKey> {
        let mut st = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let stamp = std::fs::metadata(&self.path)
            .ok()
            .map(|m| (m.modified().unwrap_or(SystemTime::UNIX_EPOCH), m.len()));
        if stamp != st.stamp || stamp.is_none() {
            let unsafe_now = std::fs::metadata(&self.path).ok().and_then(|m| unsafe_mode(&m));
            let text = match &unsafe_now {
                // Made writable for others while serving: nobody is let in until it is fixed.
                Some(why) => {
                    super::log(format_args!("{}: {why}; nobody can log in", self.path.display()));
                    String::new()
                }
                None => std::fs::read_to_string(&self.path).unwrap_or_default(),
            };
            let (keys, problems) = parse(&text);
            for p in problems {
                super::log(format_args!("{}: {p}", self.path.display()));
            }
            if st.stamp.is_some() {
                super::log(format_args!("{} changed; {} key(s) now", self.path.display(), keys.len()));
            }
            *st = Loaded { stamp, keys };
        }
        st.keys.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ED: &str = "AAAAC3NzaC1lZDI1NTE5AAAAIDLDSYvYIImpj2hOV2ZtSRGNMjL3ptDjix/yFAmnsoQb";

    #[test]
    fn comment_names_the_operator() {
        let (keys, problems) = parse(&format!("# shop keys\n\nssh-ed25519 {ED} alice@till-1\n"));
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(keys.len(), 1);
        assert_eq!(keys[0].operator.as_deref(), Some("alice@till-1"));
    }

    #[test]
    fn the_operator_option_wins_over_the_comment() {
        let line = format!(
            r#"no-port-forwarding,operator="Wang \"Xiao, Li\"",environment="A=b" ssh-ed25519 {ED} wl@pc"#
        );
        let (keys, problems) = parse(&line);
        assert_eq!(problems.len(), 1, "environment= is ignored with a warning: {problems:?}");
        assert_eq!(keys[0].operator.as_deref(), Some(r#"Wang "Xiao, Li""#));
        let (keys, _) = parse(&format!("no-agent-forwarding ssh-ed25519 {ED}"));
        assert_eq!(keys[0].operator, None, "neither option nor comment");
    }

    #[test]
    fn options_kehu_cannot_honour_refuse_their_line_by_number() {
        let text = format!(
            "restrict,command=\"/bin/false\",no-pty ssh-ed25519 {ED} c\ncert-authority ssh-ed25519 {ED} d\n\
             frobnicate ssh-ed25519 {ED} e\ncommand=\"x\" ssh-ed25519 {ED} f\nfrom=\"10.1.2.3/8\" ssh-ed25519 {ED} g\n\
             expiry-time=\"tomorrow\" ssh-ed25519 {ED} h\nverify-required ssh-ed25519 {ED} i\nssh-ed25519 {ED} ok\n"
        );
        let (keys, problems) = parse(&text);
        assert_eq!(keys.len(), 1, "only the plain key: {problems:?}");
        assert_eq!(keys[0].operator.as_deref(), Some("ok"));
        assert_eq!(problems.len(), 7, "{problems:?}");
        assert!(problems[0].starts_with("line 1: command= asks for a program"), "{problems:?}");
        assert!(problems[1].starts_with("line 2: cert-authority"), "{problems:?}");
        assert!(problems[2].starts_with("line 3: unknown option \"frobnicate\""), "{problems:?}");
        assert!(problems[3].starts_with("line 4: command="), "{problems:?}");
        assert!(problems[4].starts_with("line 5: from= pattern \"10.1.2.3/8\""), "{problems:?}");
        assert!(problems[5].starts_with("line 6: expiry-time=\"tomorrow\""), "{problems:?}");
        assert!(problems[6].starts_with("line 7: option verify-required"), "{problems:?}");
    }

    #[test]
    fn from_expiry_and_no_pty_are_enforced() {
        let lo = IpAddr::from([127, 0, 0, 1]);
        let now = SystemTime::now();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("authorized_keys");
        let key = russh::keys::parse_public_key_base64(ED).unwrap();
        let keys_with = |line: &str| {
            std::fs::write(&path, line).unwrap();
            AuthorizedKeys::open(&path).unwrap()
        };
        let keys = keys_with(&format!("from=\"10.9.9.9\" ssh-ed25519 {ED} a\n"));
        assert_eq!(keys.login(&key, "u", lo, now), Err("from= does not allow 127.0.0.1".into()));
        assert!(keys.login(&key, "u", IpAddr::from([10, 9, 9, 9]), now).is_ok());
        let keys = keys_with(&format!("expiry-time=\"20000101Z\" ssh-ed25519 {ED} b\n"));
        assert!(keys.login(&key, "u", lo, now).unwrap_err().starts_with("the key expired at"));
        // The first line that lets the key in wins, as in OpenSSH.
        let keys =
            keys_with(&format!("from=\"10.0.0.0/8\" ssh-ed25519 {ED} office\nssh-ed25519 {ED} anywhere\n"));
        assert_eq!(keys.login(&key, "u", lo, now).unwrap().operator, "anywhere");
        assert_eq!(keys.login(&key, "u", IpAddr::from([10, 1, 1, 1]), now).unwrap().operator, "office");
        for (opts, pty) in
            [("no-pty", false), ("restrict", false), ("restrict,pty", true), ("pty,restrict", false)]
        {
            let keys = keys_with(&format!("{opts} ssh-ed25519 {ED} c\n"));
            assert_eq!(keys.login(&key, "u", lo, now).unwrap().pty, pty, "{opts}");
        }
    }

    #[test]
    fn environment_is_ignored_with_a_warning() {
        let (keys, problems) = parse(&format!("environment=\"A=b\" ssh-ed25519 {ED} a\n"));
        assert_eq!(keys.len(), 1);
        assert_eq!(problems, vec!["line 1: environment= is ignored: kehu serve runs no program".to_string()]);
    }

    #[test]
    fn the_role_option_sets_the_role_and_a_key_without_one_is_staff() {
        let text = format!(
            "kehu-role=\"viewer\" ssh-ed25519 {ED} v\nno-agent-forwarding,kehu-role=Manager ssh-ed25519 {ED} m\n\
             ssh-ed25519 {ED} s\nkehu-role=\"staff\",operator=\"Ann\" ssh-ed25519 {ED} x\n"
        );
        let (keys, problems) = parse(&text);
        assert!(problems.is_empty(), "{problems:?}");
        let roles: Vec<(Option<&str>, Role)> = keys.iter().map(|k| (k.operator.as_deref(), k.role)).collect();
        assert_eq!(
            roles,
            vec![
                (Some("v"), Role::Viewer),
                (Some("m"), Role::Manager),
                (Some("s"), Role::Staff),
                (Some("Ann"), Role::Staff)
            ]
        );
    }

    #[test]
    fn an_unknown_role_refuses_its_line_by_number() {
        let text = format!(
            "ssh-ed25519 {ED} ok\nkehu-role=\"admin\" ssh-ed25519 {ED} a\nkehu-role ssh-ed25519 {ED} b\n"
        );
        let (keys, problems) = parse(&text);
        assert_eq!(keys.len(), 1, "{problems:?}");
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(problems[0].starts_with("line 2: kehu-role \"admin\" is not viewer"), "{problems:?}");
        assert!(problems[1].starts_with("line 3: kehu-role \"\" is not"), "{problems:?}");
    }

    #[test]
    fn a_login_names_the_operator_and_the_role() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("authorized_keys");
        std::fs::write(&path, format!("kehu-role=\"manager\" ssh-ed25519 {ED} boss\n")).unwrap();
        let keys = AuthorizedKeys::open(&path).unwrap();
        let key = russh::keys::parse_public_key_base64(ED).unwrap();
        let login = |user: &str| {
            let l = keys.login(&key, user, IpAddr::from([127, 0, 0, 1]), SystemTime::now()).unwrap();
            (l.operator, l.role)
        };
        assert_eq!(login("u"), ("boss".to_string(), Role::Manager));
        std::fs::write(&path, format!("ssh-ed25519 {ED}\n")).unwrap();
        assert_eq!(login("bob"), ("bob".to_string(), Role::Staff));
    }

    #[test]
    fn bad_lines_are_reported_and_skipped() {
        let (keys, problems) = parse(&format!("ssh-ed25519 notbase64 x\nssh-ed25519\nssh-ed25519 {ED} ok\n"));
        assert_eq!(keys.len(), 1);
        assert_eq!(problems.len(), 2);
        assert!(problems[0].starts_with("line 1:"), "{problems:?}");
    }

    #[test]
    fn control_characters_never_reach_a_name() {
        let (keys, _) = parse(&format!("operator=\"evil\u{1b}[2J\" ssh-ed25519 {ED}"));
        assert_eq!(keys[0].operator.as_deref(), Some("evil[2J"));
        // Nor bidi or invisible ones: the log and the audit would show them reordered.
        let (keys, _) = parse(&format!("ssh-ed25519 {ED} ann\u{202e}nimda\u{200d}\u{2028}"));
        assert_eq!(keys[0].operator.as_deref(), Some("annnimda"));
    }

    /// The operator `key` logs in as from loopback now, if any.
    fn operator_for(keys: &AuthorizedKeys, key: &PublicKey, user: &str) -> Option<String> {
        keys.login(key, user, IpAddr::from([127, 0, 0, 1]), SystemTime::now()).ok().map(|l| l.operator)
    }

    #[test]
    fn the_file_is_read_again_when_it_changes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("authorized_keys");
        std::fs::write(&path, "").unwrap();
        let keys = AuthorizedKeys::open(&path).unwrap();
        let key = russh::keys::parse_public_key_base64(ED).unwrap();
        assert_eq!(operator_for(&keys, &key, "u"), None);
        std::fs::write(&path, format!("ssh-ed25519 {ED}\n")).unwrap();
        assert_eq!(operator_for(&keys, &key, "bob").as_deref(), Some("bob"), "no comment: the login name");
        std::fs::remove_file(&path).unwrap();
        assert_eq!(operator_for(&keys, &key, "bob"), None, "a removed file lets nobody in");
    }

    #[test]
    fn a_file_others_may_write_is_refused_at_start_and_lets_nobody_in_later() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("authorized_keys");
        std::fs::write(&path, format!("ssh-ed25519 {ED} alice\n")).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o666)).unwrap();
        let Err(err) = AuthorizedKeys::open(&path) else { panic!("refused") };
        let err = err.to_string();
        assert!(err.contains("world-writable (mode 666)"), "{err}");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let keys = AuthorizedKeys::open(&path).unwrap();
        let key = russh::keys::parse_public_key_base64(ED).unwrap();
        assert_eq!(operator_for(&keys, &key, "u").as_deref(), Some("alice"));
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o664)).unwrap();
        // The stamp is mtime and size: touch it as an editor would.
        std::fs::write(&path, format!("ssh-ed25519 {ED} alice \n")).unwrap();
        assert_eq!(operator_for(&keys, &key, "u"), None, "writable by the group: nobody");
    }
}
