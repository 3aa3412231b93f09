//! HTTPS without a proxy: the certificate and key read from files and read again when they
//! change (a bad new pair is logged and the old one kept), and the handshake before hyper.

use std::io;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;

use anyhow::{Context, anyhow, bail};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::{self, PemObject};
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;

use crate::configuration::TlsFiles;
use clipdesk_protocol::ErrorCode;

/// How often the files are looked at: a renewed certificate is served within this.
pub(super) const RELOAD_EVERY: Duration = Duration::from_secs(2);

/// Bytes of a plain HTTP request head read before it is answered.
const PLAIN_HEAD_MAX: usize = 8 * 1024;

/// The TLS side of the accept loop; clones share the certificate in use.
#[derive(Clone)]
pub(super) struct Tls {
    acceptor: TlsAcceptor,
    current: Arc<Current>,
}

/// The pair new handshakes get.
#[derive(Debug)]
struct Current {
    provider: Arc<CryptoProvider>,
    key: RwLock<Arc<CertifiedKey>>,
}

impl ResolvesServerCert for Current {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        // Only ever replaced whole: a poisoned lock still holds a complete pair.
        Some(
            self.key
                .read()
                .unwrap_or_else(PoisonError::into_inner)
                .clone(),
        )
    }
}

/// What the two files held when last read, to tell a change (hashes: no second copy of the
/// private key in memory).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Seen([u8; 32], [u8; 32]);

struct Pem {
    cert: Vec<u8>,
    key: Vec<u8>,
}

impl Pem {
    async fn read(files: &TlsFiles) -> anyhow::Result<Self> {
        let cert = tokio::fs::read(&files.cert)
            .await
            .with_context(|| format!("cannot read the TLS certificate {}", files.cert.display()))?;
        let key = tokio::fs::read(&files.key)
            .await
            .with_context(|| format!("cannot read the TLS key {}", files.key.display()))?;
        Ok(Self { cert, key })
    }

    fn seen(&self) -> Seen {
        Seen(
            Sha256::digest(&self.cert).into(),
            Sha256::digest(&self.key).into(),
        )
    }

    /// The pair as rustls serves it; an error names the file at fault.
    fn certified(
        &self,
        files: &TlsFiles,
        provider: &CryptoProvider,
    ) -> anyhow::Result<CertifiedKey> {
        let cert_path = files.cert.display();
        let key_path = files.key.display();
        let chain = CertificateDer::pem_slice_iter(&self.cert)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|err| anyhow!("the TLS certificate {cert_path} is not valid PEM: {err}"))?;
        if chain.is_empty() {
            bail!("the TLS certificate {cert_path} holds no PEM \"BEGIN CERTIFICATE\" block");
        }
        let key = PrivateKeyDer::from_pem_slice(&self.key).map_err(|err| match err {
            pem::Error::NoItemsFound => anyhow!(
                "the TLS key {key_path} holds no PEM private key (\"BEGIN PRIVATE KEY\", \
                 \"BEGIN RSA PRIVATE KEY\" or \"BEGIN EC PRIVATE KEY\")"
            ),
            err => anyhow!("the TLS key {key_path} is not valid PEM: {err}"),
        })?;
        let signing_key = provider
            .key_provider
            .load_private_key(key)
            .map_err(|err| anyhow!("the TLS key {key_path} cannot be used: {err}"))?;
        let certified = CertifiedKey::new(chain, signing_key);
        match certified.keys_match() {
            // Some key types cannot tell their public key: the handshake will show.
            Ok(()) | Err(rustls::Error::InconsistentKeys(rustls::InconsistentKeys::Unknown)) => {
                Ok(certified)
            }
            Err(rustls::Error::InconsistentKeys(_)) => {
                bail!("the TLS key {key_path} is not the key of the certificate {cert_path}")
            }
            Err(err) => bail!("the TLS certificate {cert_path} cannot be used: {err}"),
        }
    }
}

impl Tls {
    /// Reads the pair and makes the acceptor; an error names the file that is missing,
    /// unreadable or wrong. Also what the files held, for [`Tls::reload_forever`].
    pub async fn load(files: &TlsFiles) -> anyhow::Result<(Self, Seen)> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let pem = Pem::read(files).await?;
        let key = pem.certified(files, &provider)?;
        let current = Arc::new(Current {
            provider: provider.clone(),
            key: RwLock::new(Arc::new(key)),
        });
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .context("the TLS provider offers no protocol version")?
            .with_no_client_auth()
            .with_cert_resolver(current.clone());
        // hyper serves HTTP/1.1 only (see `serve`).
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        let tls = Self {
            acceptor: TlsAcceptor::from(Arc::new(config)),
            current,
        };
        Ok((tls, pem.seen()))
    }

    /// Looks at the files every [`RELOAD_EVERY`]: a changed pair that works is what new
    /// handshakes get from then on; one that does not is logged (once) and the pair in use
    /// kept. Connections already open keep theirs. Runs until aborted.
    pub async fn reload_forever(self, files: TlsFiles, mut seen: Seen) {
        let mut ticker = tokio::time::interval(RELOAD_EVERY);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        ticker.tick().await;
        let mut unreadable: Option<String> = None;
        loop {
            ticker.tick().await;
            let pem = match Pem::read(&files).await {
                Ok(pem) => pem,
                Err(err) => {
                    // Mid-renewal a file may be missing for a moment; said once per reason.
                    let reason = format!("{err:#}");
                    if unreadable.as_ref() != Some(&reason) {
                        tracing::warn!(error = %reason, "TLS files unreadable: still serving the certificate in use");
                        unreadable = Some(reason);
                    }
                    continue;
                }
            };
            unreadable = None;
            let now = pem.seen();
            if now == seen {
                continue;
            }
            seen = now;
            match pem.certified(&files, &self.current.provider) {
                Ok(key) => {
                    *self
                        .current
                        .key
                        .write()
                        .unwrap_or_else(PoisonError::into_inner) = Arc::new(key);
                    tracing::info!(cert = %files.cert.display(), "TLS certificate reloaded: new connections get it");
                }
                Err(err) => tracing::error!(
                    error = %err,
                    "the changed TLS certificate or key cannot be used: still serving the previous one"
                ),
            }
        }
    }

    /// The server's side of the handshake. A plain HTTP request is answered in plain HTTP
    /// saying to use https, then refused, so the client sees why instead of a broken answer.
    pub async fn accept(&self, stream: TcpStream) -> io::Result<TlsStream<TcpStream>> {
        let mut first = [0u8; 1];
        if stream.peek(&mut first).await? == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        // A TLS record starts with its type (22 for a handshake); a request with its method.
        if first[0].is_ascii_uppercase() {
            answer_plain_http(stream).await;
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "a plain HTTP request on the HTTPS port",
            ));
        }
        self.acceptor.accept(stream).await
    }
}

/// Reads the request head (closing with unread bytes would reset the connection before the
/// client reads the answer), then answers 400.
async fn answer_plain_http(mut stream: TcpStream) {
    let mut head = Vec::with_capacity(1024);
    let mut buf = [0u8; 1024];
    while head.len() < PLAIN_HEAD_MAX && !head.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
    }
    let answer = super::connections::plain_answer(
        "400 Bad Request",
        ErrorCode::Invalid,
        "this port speaks HTTPS: use an https:// address",
        false,
    );
    let _ = stream.write_all(&answer).await;
    let _ = stream.shutdown().await;
}
