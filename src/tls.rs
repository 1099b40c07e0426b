//! TLS for zone transfers (XoT, RFC 9103): the server's certificate and the
//! clients' trust, built once from the config into rustls configurations, and the
//! one rule that turns a TLS failure into a sentence naming what went wrong.
//!
//! # Data flow
//! `config` loads a [`ServerTls`] (`tls:`) and one [`ClientTls`] per distinct
//! `primaries[].tls:` / `super-masters[].tls:` block; the CLI builds a [`ClientTls`]
//! from `--tls*` flags. The server's TLS listener (`server::listen`) accepts with
//! [`ServerTls::acceptor`]; the transfer client (`xfr::client`) connects with
//! [`ClientTls::connector`] and parks a finished session in [`ClientTls`]'s idle list
//! so the next SOA query or transfer to the same primary reuses it. Failures of either
//! side go through [`describe`]. This module depends on nothing else of the crate.
//!
//! Trust on the client side (RFC 9103 §9): *strict* with `ca-file` (the chain must
//! lead to it, the validity dates hold and the name is `hostname`, else the IP
//! address) and/or `pin-sha256` (the certificate's key must be one of the pins, RFC
//! 7858 §4.2 style); *opportunistic* with neither: encrypted, not authenticated.
//!
//! # Standards
//! - RFC 9103 §9: "XoT ... MUST use TLS 1.3" and the ALPN token "dot" (RFC 7858 §3.1,
//!   RFC 9103 §7.1); servers here refuse a client that does not negotiate it, as BIND
//!   does.
//! - RFC 9103 §9.3 (opportunistic TLS): encryption without authentication protects
//!   against passive observers only; logged once per primary.
//! - RFC 7469 §2.4 / RFC 7858 §4.2: a pin is the base64 of the SHA-256 of the
//!   certificate's DER-encoded SubjectPublicKeyInfo.
//!
//! # Limitations
//! - No EDNS(0) padding (RFC 8467) of the messages sent over TLS, which RFC 9103
//!   recommends against traffic analysis.
//! - The CLI does not default to port 853 with `--tls`: `-s` names the TLS port.
//! - No OCSP and no CRLs; a pin-only primary's certificate dates are not checked (the
//!   key is what is pinned, as with Knot's `cert-key`).
//! - Certificate and key files are read when the config is (start-up and reload).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::server::WebPkiClientVerifier;
use rustls::{
    AlertDescription, CertificateError, ClientConfig, DigitallySignedStruct, PeerIncompatible,
    RootCertStore, ServerConfig, SignatureScheme,
};
use sha2::{Digest, Sha256};
use tokio::net::TcpStream;

/// The ALPN token of DNS over TLS, which XoT uses (RFC 9103 §7.1).
pub const ALPN_DOT: &[u8] = b"dot";

/// How long a finished client session waits for reuse. Below the 10 s idle timeout
/// of zonesync's and Knot's servers, so a parked session is rarely closed under us.
const REUSE_IDLE: Duration = Duration::from_secs(5);
/// Most parked sessions per [`ClientTls`].
const REUSE_MAX: usize = 4;

/// The rustls provider: ring (already a dependency), TLS 1.3 only.
fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

//----------- ServerTls --------------------------------------------------------------

/// The server side (`tls:`): certificate, key, and optionally the CA that client
/// certificates must chain to (mutual TLS).
pub struct ServerTls {
    /// The rustls configuration (TLS 1.3, ALPN "dot").
    config: Arc<ServerConfig>,
    /// Client certificates are required and verified.
    mutual: bool,
    /// The SHA-256 of the files' contents: a reload with other files is a change.
    digest: [u8; 32],
}

impl ServerTls {
    /// Reads the certificate chain, the key and the client CA. Blocking file I/O.
    pub fn load(
        cert_file: &Path,
        key_file: &Path,
        client_ca_file: Option<&Path>,
    ) -> Result<ServerTls, TlsError> {
        let mut digest = Sha256::new();
        let certs = read_certs(cert_file, &mut digest)?;
        let key = read_key(key_file, &mut digest)?;
        let provider = provider();
        let builder = ServerConfig::builder_with_provider(provider.clone())
            .with_protocol_versions(&[&rustls::version::TLS13])
            .map_err(|e| TlsError::Setup(e.to_string()))?;
        let builder = match client_ca_file {
            Some(ca) => {
                let roots = read_roots(ca, &mut digest)?;
                let verifier = WebPkiClientVerifier::builder_with_provider(roots, provider)
                    .build()
                    .map_err(|e| TlsError::Setup(format!("{}: {e}", ca.display())))?;
                builder.with_client_cert_verifier(verifier)
            }
            None => builder.with_no_client_auth(),
        };
        let mut config = builder
            .with_single_cert(certs, key)
            .map_err(|e| TlsError::Setup(format!("{}: {e}", key_file.display())))?;
        config.alpn_protocols = vec![ALPN_DOT.to_vec()];
        Ok(ServerTls {
            config: Arc::new(config),
            mutual: client_ca_file.is_some(),
            digest: digest.finalize().into(),
        })
    }

    /// An acceptor for incoming connections.
    pub fn acceptor(&self) -> tokio_rustls::TlsAcceptor {
        tokio_rustls::TlsAcceptor::from(self.config.clone())
    }

    /// True when clients must present a certificate that chains to `client-ca-file`.
    pub fn mutual(&self) -> bool {
        self.mutual
    }
}

impl PartialEq for ServerTls {
    fn eq(&self, other: &Self) -> bool {
        self.digest == other.digest && self.mutual == other.mutual
    }
}

impl Eq for ServerTls {}

impl std::fmt::Debug for ServerTls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerTls")
            .field("mutual", &self.mutual)
            .finish_non_exhaustive()
    }
}

/// What a server knows of a connection that arrived over TLS: the client's verified
/// identity, when it presented a certificate.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TlsPeer {
    /// The pin (`pin-sha256` form) of the client certificate's key, verified against
    /// `client-ca-file`; `None` without mutual TLS.
    pub client: Option<String>,
}

impl TlsPeer {
    /// The identity of a finished server-side handshake.
    pub fn of(conn: &rustls::ServerConnection) -> TlsPeer {
        TlsPeer {
            client: conn
                .peer_certificates()
                .and_then(|c| c.first())
                .and_then(|c| spki_pin(c).ok()),
        }
    }
}

//----------- ClientTls --------------------------------------------------------------

/// The client side of one `tls:` block (a primary's, a super master's, or the
/// CLI's flags).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct ClientTlsSettings {
    /// CA certificates the server's chain must lead to.
    pub ca_file: Option<PathBuf>,
    /// The name the server's certificate must carry (and the SNI); the IP address
    /// when not given.
    pub hostname: Option<String>,
    /// Base64 SHA-256 pins of acceptable server keys.
    pub pins: Vec<String>,
    /// Our client certificate, for mutual TLS.
    pub cert_file: Option<PathBuf>,
    /// Its key.
    pub key_file: Option<PathBuf>,
}

/// A ready client configuration, with the sessions parked for reuse.
pub struct ClientTls {
    /// What it was built from.
    settings: ClientTlsSettings,
    /// The rustls configuration (TLS 1.3, ALPN "dot").
    config: Arc<ClientConfig>,
    /// Neither a CA nor a pin: encrypted, not authenticated (RFC 9103 §9.3).
    opportunistic: bool,
    /// The SHA-256 of the files' contents: a reload with other files is a change.
    digest: [u8; 32],
    /// Set once the opportunistic warning was logged.
    warned: AtomicBool,
    /// Finished sessions for reuse, by peer; a std mutex taken only to push or pop.
    idle: Mutex<Vec<Parked>>,
}

/// A session waiting for its next exchange.
struct Parked {
    peer: SocketAddr,
    since: Instant,
    stream: tokio_rustls::client::TlsStream<TcpStream>,
}

impl ClientTls {
    /// Builds the configuration for `settings`. Blocking file I/O.
    pub fn load(settings: ClientTlsSettings) -> Result<ClientTls, TlsError> {
        let mut digest = Sha256::new();
        let pins = settings
            .pins
            .iter()
            .map(|p| parse_pin(p))
            .collect::<Result<Vec<_>, _>>()?;
        let provider = provider();
        let roots = match &settings.ca_file {
            Some(ca) => Some(read_roots(ca, &mut digest)?),
            None => None,
        };
        let opportunistic = roots.is_none() && pins.is_empty();
        let verifier: Arc<dyn ServerCertVerifier> = match (&roots, pins.is_empty()) {
            (Some(roots), true) => rustls::client::WebPkiServerVerifier::builder_with_provider(
                roots.clone(),
                provider.clone(),
            )
            .build()
            .map_err(|e| TlsError::Setup(e.to_string()))?,
            _ => {
                let chain = match &roots {
                    Some(roots) => Some(
                        rustls::client::WebPkiServerVerifier::builder_with_provider(
                            roots.clone(),
                            provider.clone(),
                        )
                        .build()
                        .map_err(|e| TlsError::Setup(e.to_string()))?,
                    ),
                    None => None,
                };
                Arc::new(KeyVerifier {
                    pins,
                    chain,
                    provider: provider.clone(),
                })
            }
        };
        let builder = ClientConfig::builder_with_provider(provider)
            .with_protocol_versions(&[&rustls::version::TLS13])
            .map_err(|e| TlsError::Setup(e.to_string()))?
            .dangerous()
            .with_custom_certificate_verifier(verifier);
        let mut config = match (&settings.cert_file, &settings.key_file) {
            (Some(cert), Some(key)) => {
                let certs = read_certs(cert, &mut digest)?;
                let key_der = read_key(key, &mut digest)?;
                builder
                    .with_client_auth_cert(certs, key_der)
                    .map_err(|e| TlsError::Setup(format!("{}: {e}", key.display())))?
            }
            (None, None) => builder.with_no_client_auth(),
            _ => {
                return Err(TlsError::Setup(
                    "a client certificate needs both cert-file and key-file".into(),
                ));
            }
        };
        config.alpn_protocols = vec![ALPN_DOT.to_vec()];
        Ok(ClientTls {
            settings,
            config: Arc::new(config),
            opportunistic,
            digest: digest.finalize().into(),
            warned: AtomicBool::new(false),
            idle: Mutex::new(Vec::new()),
        })
    }

    /// What it was built from.
    pub fn settings(&self) -> &ClientTlsSettings {
        &self.settings
    }

    /// True when the server is not authenticated (no CA, no pin).
    pub fn opportunistic(&self) -> bool {
        self.opportunistic
    }

    /// True the first time it is asked and the client is opportunistic: the caller
    /// logs, once, that the session is not authenticated.
    pub fn first_unauthenticated(&self) -> bool {
        self.opportunistic && !self.warned.swap(true, Ordering::Relaxed)
    }

    /// A connector, and the name to present and check for `peer`.
    pub fn connector(&self, peer: SocketAddr) -> (tokio_rustls::TlsConnector, ServerName<'static>) {
        let name = self
            .settings
            .hostname
            .as_deref()
            .and_then(|h| ServerName::try_from(h.to_string()).ok())
            .unwrap_or_else(|| ServerName::IpAddress(peer.ip().into()));
        (tokio_rustls::TlsConnector::from(self.config.clone()), name)
    }

    /// A parked session to `peer` that is still open, if any (RFC 9103 §5.4: reuse
    /// one connection for several requests). A session the server has closed or sent
    /// anything on (a close_notify) meanwhile is dropped.
    pub fn take_idle(
        &self,
        peer: SocketAddr,
    ) -> Option<tokio_rustls::client::TlsStream<TcpStream>> {
        let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
        idle.retain(|p| p.since.elapsed() < REUSE_IDLE);
        while let Some(i) = idle.iter().position(|p| p.peer == peer) {
            let parked = idle.swap_remove(i);
            if quiet(parked.stream.get_ref().0) {
                return Some(parked.stream);
            }
        }
        None
    }

    /// Parks a session whose last exchange finished cleanly, for [`take_idle`].
    ///
    /// [`take_idle`]: ClientTls::take_idle
    pub fn park(&self, peer: SocketAddr, stream: tokio_rustls::client::TlsStream<TcpStream>) {
        let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
        idle.retain(|p| p.since.elapsed() < REUSE_IDLE);
        if idle.len() < REUSE_MAX {
            idle.push(Parked {
                peer,
                since: Instant::now(),
                stream,
            });
        }
    }
}

impl PartialEq for ClientTls {
    fn eq(&self, other: &Self) -> bool {
        self.settings == other.settings && self.digest == other.digest
    }
}

impl Eq for ClientTls {}

impl std::fmt::Debug for ClientTls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientTls")
            .field("settings", &self.settings)
            .field("opportunistic", &self.opportunistic)
            .finish_non_exhaustive()
    }
}

/// True when nothing is waiting to be read on `tcp` and it is not closed: a parked
/// session may be used.
fn quiet(tcp: &TcpStream) -> bool {
    let mut byte = [std::mem::MaybeUninit::<u8>::uninit()];
    // The socket is non-blocking (tokio's): no data is WouldBlock.
    match socket2::SockRef::from(tcp).peek(&mut byte) {
        Err(e) => e.kind() == std::io::ErrorKind::WouldBlock,
        Ok(_) => false,
    }
}

//----------- KeyVerifier ------------------------------------------------------------

/// Checks the server's key against pins (and its chain when a CA is given too), or,
/// with neither, only that the server holds the key it presents (opportunistic).
#[derive(Debug)]
struct KeyVerifier {
    /// Acceptable SPKI SHA-256 digests; empty: any key (opportunistic).
    pins: Vec<[u8; 32]>,
    /// The CA check, when `ca-file` is given beside the pins.
    chain: Option<Arc<rustls::client::WebPkiServerVerifier>>,
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for KeyVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if let Some(chain) = &self.chain {
            chain.verify_server_cert(end_entity, intermediates, server_name, ocsp, now)?;
        }
        if !self.pins.is_empty() {
            let pin = spki_digest(end_entity)
                .map_err(|_| rustls::Error::InvalidCertificate(CertificateError::BadEncoding))?;
            if !self.pins.contains(&pin) {
                return Err(rustls::Error::InvalidCertificate(CertificateError::Other(
                    rustls::OtherError(Arc::new(PinMismatch(data_encoding::BASE64.encode(&pin)))),
                )));
            }
        }
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        _message: &[u8],
        _cert: &CertificateDer<'_>,
        _dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        // TLS 1.2 is not enabled: never called.
        Err(rustls::Error::PeerIncompatible(
            PeerIncompatible::ServerTlsVersionIsDisabledByOurConfig,
        ))
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// The server's key is none of the pins.
#[derive(Debug)]
struct PinMismatch(String);

impl std::fmt::Display for PinMismatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the certificate's key (pin-sha256 {}) matches no configured pin-sha256",
            self.0
        )
    }
}

impl std::error::Error for PinMismatch {}

//----------- Pins and files ---------------------------------------------------------

/// The SHA-256 of a certificate's DER SubjectPublicKeyInfo.
fn spki_digest(cert: &CertificateDer<'_>) -> Result<[u8; 32], webpki::Error> {
    let ee = webpki::EndEntityCert::try_from(cert)?;
    Ok(Sha256::digest(ee.subject_public_key_info().as_ref()).into())
}

/// A certificate's pin as `pin-sha256` takes it: base64 of [`spki_digest`].
pub fn spki_pin(cert: &CertificateDer<'_>) -> Result<String, TlsError> {
    spki_digest(cert)
        .map(|d| data_encoding::BASE64.encode(&d))
        .map_err(|e| TlsError::Setup(format!("cannot read the certificate: {e}")))
}

/// The pin of the first certificate of a PEM file (for tests and operators).
pub fn spki_pin_of_file(path: &Path) -> Result<String, TlsError> {
    let certs = read_certs(path, &mut Sha256::new())?;
    spki_pin(&certs[0])
}

/// A `pin-sha256` value: base64 of 32 octets.
fn parse_pin(text: &str) -> Result<[u8; 32], TlsError> {
    data_encoding::BASE64
        .decode(text.trim().as_bytes())
        .ok()
        .and_then(|d| <[u8; 32]>::try_from(d).ok())
        .ok_or_else(|| {
            TlsError::Setup(format!(
                "pin-sha256 \"{text}\" is not the base64 of a SHA-256 digest (44 characters)"
            ))
        })
}

fn read_file(path: &Path, digest: &mut Sha256) -> Result<Vec<u8>, TlsError> {
    let bytes = std::fs::read(path).map_err(|e| TlsError::File {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })?;
    digest.update(&bytes);
    Ok(bytes)
}

fn read_certs(path: &Path, digest: &mut Sha256) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let bytes = read_file(path, digest)?;
    let certs = CertificateDer::pem_slice_iter(&bytes)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| TlsError::File {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })?;
    if certs.is_empty() {
        return Err(TlsError::File {
            path: path.to_path_buf(),
            reason: "no PEM certificate in it".into(),
        });
    }
    Ok(certs)
}

fn read_key(path: &Path, digest: &mut Sha256) -> Result<PrivateKeyDer<'static>, TlsError> {
    let bytes = read_file(path, digest)?;
    PrivateKeyDer::from_pem_slice(&bytes).map_err(|e| TlsError::File {
        path: path.to_path_buf(),
        reason: format!("no PEM private key in it ({e})"),
    })
}

fn read_roots(path: &Path, digest: &mut Sha256) -> Result<Arc<RootCertStore>, TlsError> {
    let mut roots = RootCertStore::empty();
    for cert in read_certs(path, digest)? {
        roots.add(cert).map_err(|e| TlsError::File {
            path: path.to_path_buf(),
            reason: format!("not a usable CA certificate: {e}"),
        })?;
    }
    Ok(Arc::new(roots))
}

//----------- describe ---------------------------------------------------------------

/// Which side of the handshake is describing the failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// We connected (the peer is a server).
    Client,
    /// We accepted (the peer is a client).
    Server,
}

/// A TLS failure as an operator reads it: what the peer did or lacked, in words,
/// for an I/O error out of a handshake or a TLS read. Errors that are not TLS
/// errors are described by their I/O kind.
pub fn describe(error: &std::io::Error, side: Side) -> String {
    match error
        .get_ref()
        .and_then(|e| e.downcast_ref::<rustls::Error>())
    {
        Some(e) => describe_tls(e, side),
        None if error.kind() == std::io::ErrorKind::UnexpectedEof => match side {
            Side::Client => "the connection was closed during the TLS handshake \
                (is this a plain DNS port, not a TLS one?)"
                .into(),
            Side::Server => "the client closed the connection during the TLS handshake".into(),
        },
        None => error.to_string(),
    }
}

/// [`describe`] for a rustls error: the one rule, table-tested below.
pub fn describe_tls(error: &rustls::Error, side: Side) -> String {
    let peer = match side {
        Side::Client => "server",
        Side::Server => "client",
    };
    use rustls::Error as E;
    match error {
        E::InvalidCertificate(c) => format!("the {peer}'s certificate {}", certificate(c)),
        E::NoCertificatesPresented => format!("the {peer} presented no certificate"),
        E::AlertReceived(a) => match a {
            AlertDescription::ProtocolVersion => {
                format!("the {peer} refused TLS 1.3 (a TLS 1.2-only {peer}?)")
            }
            AlertDescription::HandshakeFailure => format!(
                "the {peer} refused the handshake (no common TLS 1.3 parameters: a TLS 1.2-only {peer}?)"
            ),
            AlertDescription::CertificateRequired => format!(
                "the {peer} requires a client certificate (mutual TLS): configure cert-file and key-file"
            ),
            AlertDescription::NoApplicationProtocol => {
                format!("the {peer} refused the ALPN \"dot\"")
            }
            AlertDescription::UnknownCA => {
                format!("the {peer} does not trust our certificate (unknown CA)")
            }
            AlertDescription::BadCertificate
            | AlertDescription::CertificateUnknown
            | AlertDescription::DecryptError => {
                format!("the {peer} rejected our certificate ({a:?})")
            }
            AlertDescription::CertificateExpired => {
                format!("the {peer} says our certificate expired")
            }
            other => format!("the {peer} sent the TLS alert {other:?}"),
        },
        E::PeerIncompatible(
            PeerIncompatible::SupportedVersionsExtensionRequired
            | PeerIncompatible::ServerTlsVersionIsDisabledByOurConfig
            | PeerIncompatible::ServerDoesNotSupportTls12Or13
            | PeerIncompatible::Tls12NotOffered
            | PeerIncompatible::Tls12NotOfferedOrEnabled,
        ) => format!("the {peer} does not speak TLS 1.3 (TLS 1.2 only?); XoT needs TLS 1.3"),
        E::PeerIncompatible(p) => format!("the {peer} is incompatible: {p:?}"),
        E::InvalidMessage(_) => match side {
            Side::Server => {
                "the client does not speak TLS (plain DNS over TCP on the TLS port?)".into()
            }
            Side::Client => "the server does not speak TLS (a plain DNS port?)".into(),
        },
        E::NoApplicationProtocol => format!("the {peer} does not offer the ALPN \"dot\""),
        other => format!("TLS: {other}"),
    }
}

/// The end of "the server's certificate …".
fn certificate(c: &CertificateError) -> String {
    match c {
        CertificateError::UnknownIssuer => {
            "is not signed by a configured CA (wrong ca-file or client-ca-file?)".into()
        }
        CertificateError::Expired | CertificateError::ExpiredContext { .. } => "expired".into(),
        CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
            "is not valid yet".into()
        }
        CertificateError::NotValidForName => "does not carry the expected name (hostname)".into(),
        CertificateError::NotValidForNameContext {
            expected,
            presented,
        } => format!(
            "is for {} but {} was expected (hostname mismatch)",
            if presented.is_empty() {
                "no name".into()
            } else {
                presented
                    .iter()
                    .map(|p| presented_name(p))
                    .collect::<Vec<_>>()
                    .join(", ")
            },
            expected.to_str()
        ),
        CertificateError::BadSignature => "has a bad signature".into(),
        CertificateError::Revoked => "is revoked".into(),
        CertificateError::Other(o) => o.to_string(),
        other => format!("was rejected ({other:?})"),
    }
}

/// A name as rustls presents it (`DnsName("a.test")`, `IpAddress(192.0.2.1)`), bare.
fn presented_name(p: &str) -> &str {
    p.strip_prefix("DnsName(\"")
        .and_then(|r| r.strip_suffix("\")"))
        .or_else(|| {
            p.strip_prefix("IpAddress(")
                .and_then(|r| r.strip_suffix(')'))
        })
        .unwrap_or(p)
}

/// True when `prefix` (the first octets a DNS-over-TCP peer sent) is a TLS
/// ClientHello record: content type 22 (handshake), version 3.x, then handshake type 1.
/// A DNS message of that length (5,632–5,636 octets) whose ID starts that way, with
/// that flags octet, is not a query any client sends.
pub fn looks_like_client_hello(prefix: &[u8]) -> bool {
    prefix.len() >= 6
        && prefix[0] == 0x16
        && prefix[1] == 0x03
        && prefix[2] <= 0x04
        && prefix[5] == 0x01
}

/// True when `prefix` (the first octets a server sent where a DNS length was
/// expected) is a TLS alert record: content type 21, version 3.x.
pub fn looks_like_tls_alert(prefix: &[u8]) -> bool {
    prefix.len() >= 2 && prefix[0] == 0x15 && prefix[1] == 0x03
}

//============ Errors ================================================================

/// Why TLS could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// A certificate, key or CA file could not be used.
    #[error("{}: {reason}", path.display())]
    File {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// The pieces do not fit together (a key that is not the certificate's, a bad
    /// pin).
    #[error("{0}")]
    Setup(String),
}

//============ Tests =================================================================

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_in_words() {
        use rustls::Error as E;
        let name_mismatch = E::InvalidCertificate(CertificateError::NotValidForNameContext {
            expected: ServerName::try_from("primary.test").unwrap(),
            presented: vec!["DnsName(\"other.test\")".into()],
        });
        let cases: Vec<(E, Side, &str)> = vec![
            (
                E::InvalidCertificate(CertificateError::UnknownIssuer),
                Side::Client,
                "the server's certificate is not signed by a configured CA",
            ),
            (
                E::InvalidCertificate(CertificateError::Expired),
                Side::Client,
                "the server's certificate expired",
            ),
            (
                E::InvalidCertificate(CertificateError::NotValidYet),
                Side::Server,
                "the client's certificate is not valid yet",
            ),
            (
                name_mismatch,
                Side::Client,
                "is for other.test but primary.test was expected (hostname mismatch)",
            ),
            (
                E::AlertReceived(AlertDescription::ProtocolVersion),
                Side::Client,
                "refused TLS 1.3",
            ),
            (
                E::AlertReceived(AlertDescription::CertificateRequired),
                Side::Client,
                "requires a client certificate",
            ),
            (
                E::PeerIncompatible(PeerIncompatible::SupportedVersionsExtensionRequired),
                Side::Server,
                "the client does not speak TLS 1.3",
            ),
            (
                E::InvalidMessage(rustls::InvalidMessage::InvalidContentType),
                Side::Server,
                "plain DNS over TCP on the TLS port",
            ),
            (
                E::NoCertificatesPresented,
                Side::Server,
                "presented no certificate",
            ),
            (E::NoApplicationProtocol, Side::Server, "ALPN \"dot\""),
        ];
        for (error, side, want) in cases {
            let got = describe_tls(&error, side);
            assert!(got.contains(want), "{error:?}: {got}");
        }
        // Through an I/O error, as tokio-rustls returns it.
        let io = std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            E::InvalidCertificate(CertificateError::Expired),
        );
        assert_eq!(
            describe(&io, Side::Client),
            "the server's certificate expired"
        );
        let eof = std::io::Error::from(std::io::ErrorKind::UnexpectedEof);
        assert!(describe(&eof, Side::Client).contains("plain DNS port"));
    }

    #[test]
    fn tls_records_on_a_dns_port() {
        // A ClientHello as rustls and OpenSSL send it.
        assert!(looks_like_client_hello(&[
            0x16, 0x03, 0x01, 0x00, 0xf4, 0x01
        ]));
        assert!(looks_like_client_hello(&[
            0x16, 0x03, 0x03, 0x02, 0x00, 0x01, 0, 0
        ]));
        // DNS messages: a query of 22 octets; one of 0x1603 octets whose flags differ.
        assert!(!looks_like_client_hello(&[
            0x00, 0x16, 0x12, 0x34, 0x01, 0x00
        ]));
        assert!(!looks_like_client_hello(&[
            0x16, 0x03, 0x12, 0x34, 0x00, 0x00
        ]));
        assert!(!looks_like_client_hello(&[0x16, 0x03, 0x01]));
        assert!(looks_like_tls_alert(&[0x15, 0x03]));
        assert!(!looks_like_tls_alert(&[0x00, 0x15]));
    }

    #[test]
    fn pins_are_base64_sha256() {
        assert!(parse_pin("47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=").is_ok());
        assert!(parse_pin("47DEQpj8HBSa").is_err());
        assert!(parse_pin("not base64!").is_err());
    }

    #[test]
    fn pin_is_the_spki_digest() {
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = rcgen::CertificateParams::new(vec!["a.test".into()])
            .unwrap()
            .self_signed(&key)
            .unwrap();
        use rcgen::PublicKeyData;
        let want = data_encoding::BASE64.encode(&Sha256::digest(key.subject_public_key_info()));
        assert_eq!(spki_pin(cert.der()).unwrap(), want);
    }
}
