//! TLS against a real server: a throwaway cluster of its own with `ssl = on` on loopback, its
//! certificate signed by a certificate authority made for the test (openssl). Verified against
//! that authority the store works over TLS; with the public roots only, or under a name the
//! certificate does not carry, it is refused before anything is sent.

use super::PgStore;
use super::testkit::{bindir, command, initdb, run_as};
use crate::store::Store;
use crate::store::test_support::new_customer;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// A TLS server on 127.0.0.1, stopped and removed when dropped.
struct TlsServer {
    child: Child,
    dir: PathBuf,
    port: u16,
    ca: PathBuf,
}

impl Drop for TlsServer {
    fn drop(&mut self) {
        // SAFETY: signalling our own child.
        unsafe { libc::kill(self.child.id() as i32, libc::SIGQUIT) };
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn openssl(args: &[&str], dir: &Path) -> Result<(), String> {
    let out =
        Command::new("openssl").args(args).current_dir(dir).output().map_err(|e| format!("openssl: {e}"))?;
    out.status
        .success()
        .then_some(())
        .ok_or_else(|| format!("openssl {args:?}: {}", String::from_utf8_lossy(&out.stderr)))
}

/// A certificate authority and a server certificate for 127.0.0.1 only, signed by it.
fn certificates(dir: &Path) -> Result<(), String> {
    openssl(
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=kehu test CA",
            "-keyout",
            "ca.key",
            "-out",
            "ca.crt",
        ],
        dir,
    )?;
    openssl(
        &[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-subj",
            "/CN=127.0.0.1",
            "-keyout",
            "server.key",
            "-out",
            "server.csr",
        ],
        dir,
    )?;
    std::fs::write(dir.join("san.ext"), "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n")
        .map_err(|e| e.to_string())?;
    openssl(
        &[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.crt",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-days",
            "2",
            "-extfile",
            "san.ext",
            "-out",
            "server.crt",
        ],
        dir,
    )
}

fn start() -> Result<TlsServer, String> {
    let bin = bindir().ok_or("no PostgreSQL binaries are installed (initdb not found)")?;
    let user = run_as()?;
    let dir = tempfile::Builder::new().prefix("kehu-pg-tls-").tempdir().map_err(|e| e.to_string())?.keep();
    certificates(&dir)?;
    let data = dir.join("data");
    if let Some((uid, gid)) = user {
        for f in [dir.as_path(), &dir.join("server.key"), &dir.join("server.crt")] {
            std::os::unix::fs::chown(f, Some(uid), Some(gid)).map_err(|e| format!("chown: {e}"))?;
        }
    }
    initdb(&bin, user, &data)?;
    let port = 40000 + (std::process::id() % 20000) as u16;
    let setting = |k: &str, v: &Path| format!("{k}={}", v.display());
    let child = command(&bin.join("postgres"), user)
        .arg("-D")
        .arg(&data)
        .args([
            "-p",
            &port.to_string(),
            "-c",
            "listen_addresses=127.0.0.1",
            "-c",
            "fsync=off",
            "-c",
            "ssl=on",
        ])
        .args(["-c", &setting("ssl_cert_file", &dir.join("server.crt"))])
        .args(["-c", &setting("ssl_key_file", &dir.join("server.key"))])
        .arg("-k")
        .arg(&dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start postgres: {e}"))?;
    let server = TlsServer { child, dir: dir.clone(), port, ca: dir.join("ca.crt") };
    let plain = format!("postgresql://kehu@127.0.0.1:{port}/postgres");
    for _ in 0..600 {
        if postgres::Client::connect(&plain, postgres::NoTls).is_ok() {
            return Ok(server);
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    Err("the TLS test server did not answer within 30 s".into())
}

#[test]
fn a_verified_server_is_used_over_tls_and_an_unproven_one_is_refused() {
    let server = match start() {
        Ok(s) => s,
        Err(why) if std::env::var("KEHU_REQUIRE_PG").is_ok_and(|v| v == "1") => {
            panic!("PostgreSQL is required (KEHU_REQUIRE_PG=1) but {why}")
        }
        Err(why) => return eprintln!("TLS PostgreSQL test skipped: {why}"),
    };
    let (port, ca) = (server.port, server.ca.display().to_string());
    let url = format!("postgresql://kehu@127.0.0.1:{port}/postgres?sslmode=require&sslrootcert={ca}");
    let store = PgStore::open(&url).expect("a server proven by the test's authority");
    let c = store.put_customer(new_customer("李娜", Some("M1"), None)).unwrap();
    assert_eq!(store.customer(c.id).unwrap().unwrap().name, "李娜");
    // The server says the store's connections are encrypted.
    let mut admin =
        postgres::Client::connect(&format!("postgresql://kehu@127.0.0.1:{port}/postgres"), postgres::NoTls)
            .unwrap();
    let encrypted: i64 = admin
        .query_one(
            "SELECT count(*) FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid)
             WHERE s.ssl AND a.pid <> pg_backend_pid() AND a.datname = 'postgres'",
            &[],
        )
        .unwrap()
        .get(0);
    assert!(encrypted >= 1, "no encrypted connection");

    // The public roots alone do not vouch for this server; nor does its authority for a name
    // its certificate does not carry.
    let err = PgStore::open(&format!("postgresql://kehu@127.0.0.1:{port}/postgres?sslmode=require"))
        .err()
        .expect("an unproven server refused");
    assert!(err.to_string().contains("invalid peer certificate: UnknownIssuer"), "{err}");
    let err = PgStore::open(&format!(
        "postgresql://kehu@localhost:{port}/postgres?sslmode=require&sslrootcert={ca}"
    ))
    .err()
    .expect("a name the certificate does not carry refused");
    assert!(err.to_string().contains("certificate not valid for name \"localhost\""), "{err}");
}
