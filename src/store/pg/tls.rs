//! TLS to a PostgreSQL server (rustls): used when the URL asks for it with `sslmode=require`,
//! and then the server's certificate is always verified — against the public roots (Mozilla's,
//! built in) and, for a server with its own certificate authority, the PEM file named by
//! `sslrootcert=PATH` in the URL. Stricter than libpq's `require`, which encrypts without
//! checking whom it talks to: a shop's customer base is not sent to a server that cannot prove
//! it is the one named. Without `sslmode=require` (the default `prefer`, or `disable`) the
//! connection is plain, as it is on a Unix socket, which never uses TLS.

use crate::store::{StoreError, StoreResult};
use postgres::config::SslMode;
use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;
use std::path::{Path, PathBuf};
use tokio_postgres_rustls::MakeRustlsConnect;

/// How a store connects: in the clear, or with TLS and these roots.
#[derive(Clone)]
pub(crate) enum Tls {
    /// No TLS asked for.
    Plain,
    /// TLS, the server verified.
    Verified(MakeRustlsConnect),
}

impl Tls {
    /// What `url` asks for: its `sslrootcert` taken out (the client library does not know it),
    /// and the TLS the rest of it (`sslmode`) calls for.
    pub fn of(url: &str) -> StoreResult<(String, Tls)> {
        let (rest, roots) = take_param(url, "sslrootcert");
        let config: postgres::Config = rest
            .parse()
            .map_err(|e| StoreError::Io(format!("not a PostgreSQL URL: {}: {e}", super::shown(url))))?;
        if config.get_ssl_mode() != SslMode::Require {
            return Ok((rest, Tls::Plain));
        }
        Ok((rest, Tls::Verified(MakeRustlsConnect::new(client_config(roots.as_deref().map(Path::new))?))))
    }

    /// A connection to `config` with this TLS.
    pub fn connect(&self, config: &postgres::Config) -> Result<postgres::Client, postgres::Error> {
        match self {
            Tls::Plain => config.connect(postgres::NoTls),
            Tls::Verified(tls) => config.connect(tls.clone()),
        }
    }
}

/// rustls' client settings: the public roots, plus those in `extra` (a PEM file).
fn client_config(extra: Option<&Path>) -> StoreResult<rustls::ClientConfig> {
    let mut roots = rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    if let Some(path) = extra {
        let shown = PathBuf::from(path).display().to_string();
        let certs =
            CertificateDer::pem_file_iter(path).and_then(|it| it.collect::<Result<Vec<_>, _>>()).map_err(
                |e| StoreError::Io(format!("cannot read the certificates in sslrootcert={shown}: {e}")),
            )?;
        if certs.is_empty() {
            return Err(StoreError::Io(format!("sslrootcert={shown} holds no certificate")));
        }
        for c in certs {
            roots.add(c).map_err(|e| StoreError::Io(format!("a certificate in sslrootcert={shown}: {e}")))?;
        }
    }
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| StoreError::Io(format!("TLS: {e}")))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(config)
}

/// `url` without its query parameter `name`, and that parameter's value (percent-decoded).
fn take_param(url: &str, name: &str) -> (String, Option<String>) {
    let Some((base, query)) = url.split_once('?') else { return (url.to_string(), None) };
    let mut found = None;
    let kept: Vec<&str> = query
        .split('&')
        .filter(|kv| match kv.split_once('=') {
            Some((k, v)) if k == name => {
                found = Some(percent_decode(v));
                false
            }
            _ => true,
        })
        .collect();
    let rest = if kept.is_empty() { base.to_string() } else { format!("{base}?{}", kept.join("&")) };
    (rest, found)
}

/// `%XX` escapes decoded (a path with spaces or `&` in a URL); anything malformed kept as it is.
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (bytes[i], bytes.get(i + 1).copied().and_then(hex), bytes.get(i + 2).copied().and_then(hex)) {
            (b'%', Some(h), Some(l)) => {
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sslrootcert_is_taken_out_of_the_url_and_decoded() {
        let (rest, roots) =
            take_param("postgresql://u@h/db?sslmode=require&sslrootcert=%2Fetc%2Fca%20x.pem", "sslrootcert");
        assert_eq!(rest, "postgresql://u@h/db?sslmode=require");
        assert_eq!(roots.as_deref(), Some("/etc/ca x.pem"));
        assert_eq!(take_param("postgresql://u@h/db", "sslrootcert"), ("postgresql://u@h/db".into(), None));
        let (rest, _) = take_param("postgresql://u@h/db?sslrootcert=a", "sslrootcert");
        assert_eq!(rest, "postgresql://u@h/db");
    }

    #[test]
    fn a_missing_or_empty_root_file_is_named() {
        let Err(e) = Tls::of("postgresql://u@h/db?sslmode=require&sslrootcert=/nonexistent/ca.pem") else {
            panic!("accepted a missing file")
        };
        assert!(e.to_string().contains("sslrootcert=/nonexistent/ca.pem"), "{e}");
        let dir = tempfile::TempDir::new().unwrap();
        let empty = dir.path().join("empty.pem");
        std::fs::write(&empty, "not a certificate\n").unwrap();
        let Err(e) = Tls::of(&format!("postgresql://u@h/db?sslmode=require&sslrootcert={}", empty.display()))
        else {
            panic!("accepted an empty file")
        };
        assert!(e.to_string().contains("holds no certificate"), "{e}");
        assert!(matches!(Tls::of("postgresql://u@h/db").unwrap().1, Tls::Plain));
    }
}
