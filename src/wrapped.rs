//! Wrapped keys: a v1 key or a v2 private key encrypted by a key service,
//! so that a deployment holds no key, only an identity the service trusts.
//!
//! A wrapped line (`sealant_format::WrappedKey`) stands in `SEALANT_KEY`,
//! its file, or any key source, beside plain keys. When the keys load, the
//! runtime asks the service to unwrap it (one request per line, before any
//! secret opens), reads the key it gets back, and refuses it unless its kid
//! is the line's. The service binds the ciphertext to the line's context
//! (kid and environment), so a relabelled line does not unwrap.
//!
//! Services, behind cargo features that are off by default:
//!
//! - `vault-transit`: OpenBao or Vault's Transit engine. The address comes
//!   from `BAO_ADDR` or `VAULT_ADDR`; the token from `BAO_TOKEN` or
//!   `VAULT_TOKEN`, or else from an AppRole login with `BAO_ROLE_ID` and
//!   `BAO_SECRET_ID` (or `VAULT_*`; mount `approle` unless
//!   `BAO_APPROLE_MOUNT` says otherwise), logged in again once when a
//!   request is refused (an expired token, or one out of uses). Plain `http://` is accepted only to a loopback
//!   address; `https://` is verified against the web's root certificates.
//!
//! Every request is bounded: 5 s to connect, 10 s per attempt, at most 3
//! attempts with backoff and jitter for throttling, server errors and
//! transport errors, never for a denial or a bad ciphertext; so a stopped
//! server or a port that never answers fails in about 31 s at most.

use std::time::Duration;

use base64ct::{Base64, Encoding as _};
use sealant_format::{Kid, Provider, WrappedKey};
use zeroize::{Zeroize as _, Zeroizing};

use crate::{Error, KeyServiceError};

const PROVIDER: &str = "OpenBao/Vault Transit";
const ATTEMPTS: u32 = 3;
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);
/// The largest response read: Transit's answers are a few hundred bytes.
const MAX_RESPONSE: u64 = 64 * 1024;

/// Wraps `key_text` (one v1 key or v2 private key) with the service that
/// `with` names (`transit:<mount>/<key>`), bound to its kid and, for a v2
/// private key, its environment `env`; returns the wrapped line.
pub fn wrap(with: &str, key_text: &str, env: Option<&str>) -> Result<String, Error> {
    let reference = with.strip_prefix("transit:").ok_or_else(|| {
        Error::KeyService(Box::new(KeyServiceError {
            provider: PROVIDER,
            endpoint: "-".to_owned(),
            action: "wrap",
            reference: with.to_owned(),
            reason: "the service is not one this build knows".to_owned(),
            hint: "name it as `transit:<mount>/<key>` (OpenBao or Vault Transit)".to_owned(),
        }))
    })?;
    let kid = kid_of(key_text)?;
    let vault = Vault::from_env("wrap", reference)?;
    let (mount, key) = vault.split(reference)?;
    let context = sealant_format::wrapped_context(kid, env);
    let mut plaintext = Base64::encode_string(key_text.as_bytes());
    let body = Zeroizing::new(format!(
        "{{\"plaintext\":\"{plaintext}\",\"associated_data\":\"{}\"}}",
        Base64::encode_string(context.as_bytes())
    ));
    plaintext.zeroize();
    let data = vault.post(&format!("{mount}/encrypt/{key}"), &body)?;
    let ciphertext = data
        .get("ciphertext")
        .and_then(serde_json::Value::as_str)
        .ok_or_else(|| {
            vault.error(
                "the answer holds no ciphertext",
                "check the server's version",
            )
        })?;
    let line = WrappedKey::new(
        kid,
        env,
        Provider::Transit,
        ciphertext.as_bytes().to_vec(),
        reference,
    )
    .map_err(|error| vault.error(&error.to_string(), "name the key as `<mount>/<key>`"))?;
    Ok(line.to_string())
}

/// A wrapped line, or the error that says it is malformed.
fn parse_line(text: &str) -> Result<WrappedKey<'_>, Error> {
    WrappedKey::parse(text).map_err(|error| {
        Error::KeyService(Box::new(KeyServiceError {
            provider: PROVIDER,
            endpoint: "-".to_owned(),
            action: "unwrap",
            reference: "-".to_owned(),
            reason: format!("the wrapped key line is malformed: {error}"),
            hint: "paste the line exactly as `cargo sealant wrap` printed it".to_owned(),
        }))
    })
}

/// What [`check`] found: everything about an unwrap but the key.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Checked {
    /// The unwrapped key's kid, which is the line's.
    pub kid: Kid,
    /// The environment of a wrapped v2 private key.
    pub env: Option<String>,
    /// The service: `OpenBao/Vault Transit`.
    pub provider: &'static str,
    /// The service's host and port.
    pub endpoint: String,
    /// The service's key: `<mount>/<key>`.
    pub reference: String,
    /// Who the service saw: the token's display name and policies.
    pub caller: String,
}

/// Unwraps `line` as a service would at startup, checks the key's kid, and
/// says who unwrapped it; the key itself is dropped, zeroized.
pub fn check(text: &str) -> Result<Checked, Error> {
    let line = parse_line(text)?;
    // One session for both requests, as a service has: with an AppRole
    // whose tokens serve one request, the second needs the re-login.
    let vault = Vault::from_env("unwrap", line.reference())?;
    let kid = line.kid();
    let unwrapped = unwrap_with(&vault, &line)?;
    let found = crate::Keyring::parse("the unwrapped key", &unwrapped)?.kids();
    drop(unwrapped);
    if found != [kid] {
        return Err(Error::WrappedKidMismatch {
            origin: "the wrapped line".to_owned(),
            wanted: kid,
            found: found.first().copied().unwrap_or(kid),
        });
    }
    let me = vault.get("auth/token/lookup-self")?;
    let name = me
        .get("display_name")
        .and_then(serde_json::Value::as_str)
        .unwrap_or("-");
    let policies: Vec<&str> = me
        .get("policies")
        .and_then(serde_json::Value::as_array)
        .map(|p| p.iter().filter_map(serde_json::Value::as_str).collect())
        .unwrap_or_default();
    Ok(Checked {
        kid,
        env: line.env().map(str::to_owned),
        provider: PROVIDER,
        endpoint: vault.endpoint.clone(),
        reference: line.reference().to_owned(),
        caller: format!("token {name} (policies: {})", policies.join(", ")),
    })
}

/// Unwraps a wrapped line: the kid it names and the key text the service
/// returned, in memory zeroized on drop.
pub(crate) fn unwrap_line(text: &str) -> Result<(Kid, Zeroizing<String>), Error> {
    let line = parse_line(text)?;
    if line.provider() != Provider::Transit {
        return Err(Error::KeyService(Box::new(KeyServiceError {
            provider: PROVIDER,
            endpoint: "-".to_owned(),
            action: "unwrap",
            reference: line.reference().to_owned(),
            reason: format!(
                "it was wrapped by {}, which this build cannot reach",
                line.provider().as_str()
            ),
            hint: "enable that service's cargo feature of sealant".to_owned(),
        })));
    }
    let vault = Vault::from_env("unwrap", line.reference())?;
    unwrap_with(&vault, &line).map(|text| (line.kid(), text))
}

/// Asks `vault` to unwrap `line`; the key text, zeroized on drop.
fn unwrap_with(vault: &Vault, line: &WrappedKey<'_>) -> Result<Zeroizing<String>, Error> {
    let (mount, key) = vault.split(line.reference())?;
    let ciphertext = std::str::from_utf8(line.ciphertext())
        .map_err(|_| vault.error("its ciphertext is not Transit's text", "wrap the key again"))?;
    let body = format!(
        "{{\"ciphertext\":{},\"associated_data\":\"{}\"}}",
        serde_json::Value::from(ciphertext),
        Base64::encode_string(line.context().as_bytes())
    );
    let mut data = vault.post(&format!("{mount}/decrypt/{key}"), &body)?;
    let Some(serde_json::Value::String(mut encoded)) =
        data.get_mut("plaintext").map(serde_json::Value::take)
    else {
        return Err(vault.error(
            "the answer holds no plaintext",
            "check the server's version",
        ));
    };
    let decoded = Base64::decode_vec(&encoded).map(Zeroizing::new);
    encoded.zeroize();
    let bytes =
        decoded.map_err(|_| vault.error("its plaintext is not base64", "wrap the key again"))?;
    let text = String::from_utf8(bytes.to_vec())
        .map(Zeroizing::new)
        .map_err(|error| {
            error.into_bytes().zeroize();
            vault.error(
                "it unwrapped to something that is not a key",
                "wrap the key again",
            )
        })?;
    Ok(text)
}

/// The kid of one key's text, v1 or v2.
fn kid_of(key_text: &str) -> Result<Kid, Error> {
    let malformed = |reason| Error::KeyMalformed {
        origin: "the key to wrap".to_owned(),
        position: 1,
        reason,
    };
    let mut pieces = sealant_format::split_keys(key_text);
    let piece = pieces
        .next()
        .ok_or(malformed(sealant_format::KeyError::Empty))?;
    if pieces.next().is_some() {
        return Err(Error::KeyService(Box::new(KeyServiceError {
            provider: PROVIDER,
            endpoint: "-".to_owned(),
            action: "wrap",
            reference: "-".to_owned(),
            reason: "the input holds more than one key".to_owned(),
            hint: "wrap one key at a time".to_owned(),
        })));
    }
    if piece.starts_with(sealant_format::PRIVATE_KEY_PREFIX) {
        #[cfg(feature = "v2")]
        return crate::Identity::parse(piece)
            .map(|i| i.kid())
            .map_err(malformed);
        #[cfg(not(feature = "v2"))]
        return Err(malformed(sealant_format::KeyError::NeedsV2));
    }
    crate::Key::parse(piece)
        .map(|key| key.kid())
        .map_err(malformed)
}

/// An OpenBao or Vault server, as the environment names it.
struct Vault {
    /// `scheme://host[:port]`, without a trailing slash.
    addr: String,
    /// `host[:port]`, for errors.
    endpoint: String,
    token: std::cell::RefCell<Zeroizing<String>>,
    /// The AppRole credentials the token came from, for one re-login when
    /// the token is refused (expired, or out of uses).
    approle: Option<(Zeroizing<String>, Zeroizing<String>)>,
    action: &'static str,
    reference: String,
    agent: ureq::Agent,
}

impl Vault {
    fn from_env(action: &'static str, reference: &str) -> Result<Self, Error> {
        let fail = |reason: &str, hint: &str| {
            Error::KeyService(Box::new(KeyServiceError {
                provider: PROVIDER,
                endpoint: "-".to_owned(),
                action,
                reference: reference.to_owned(),
                reason: reason.to_owned(),
                hint: hint.to_owned(),
            }))
        };
        let var = |name: &str| std::env::var(name).ok().filter(|value| !value.is_empty());
        let addr = var("BAO_ADDR")
            .or_else(|| var("VAULT_ADDR"))
            .ok_or_else(|| {
                fail(
                    "neither BAO_ADDR nor VAULT_ADDR is set",
                    "set BAO_ADDR to the server's address, e.g. https://bao.internal:8200",
                )
            })?;
        let addr = addr.trim_end_matches('/').to_owned();
        let (scheme, rest) = addr
            .split_once("://")
            .ok_or_else(|| fail("BAO_ADDR is not a URL", "write it as https://host:port"))?;
        let endpoint = rest.split('/').next().unwrap_or_default().to_owned();
        match scheme {
            "https" => {}
            "http" if is_loopback(&endpoint) => {}
            "http" => {
                return Err(fail(
                    "plain http is accepted only to a loopback address: a token and a key would cross the network unencrypted",
                    "use https://",
                ));
            }
            _ => {
                return Err(fail(
                    "BAO_ADDR's scheme is not http or https",
                    "write it as https://host:port",
                ));
            }
        }
        let token = var("BAO_TOKEN").or_else(|| var("VAULT_TOKEN"));
        let approle = match (
            var("BAO_ROLE_ID").or_else(|| var("VAULT_ROLE_ID")),
            var("BAO_SECRET_ID").or_else(|| var("VAULT_SECRET_ID")),
        ) {
            (Some(role), Some(secret)) => Some((Zeroizing::new(role), Zeroizing::new(secret))),
            _ => None,
        };
        // A token given is used as it is; an AppRole only without one.
        let approle = if token.is_some() { None } else { approle };
        if token.is_none() && approle.is_none() {
            return Err(fail(
                "no token: none of BAO_TOKEN, VAULT_TOKEN, or BAO_ROLE_ID with BAO_SECRET_ID is set",
                "give the service a token, or an AppRole, whose policy may use this Transit key",
            ));
        }
        let agent = ureq::Agent::config_builder()
            .timeout_connect(Some(CONNECT_TIMEOUT))
            .timeout_global(Some(ATTEMPT_TIMEOUT))
            .http_status_as_error(false)
            .build()
            .into();
        let vault = Self {
            addr,
            endpoint,
            token: std::cell::RefCell::new(Zeroizing::new(token.unwrap_or_default())),
            approle,
            action,
            reference: reference.to_owned(),
            agent,
        };
        if vault.approle.is_some() {
            vault.login()?;
        }
        Ok(vault)
    }

    /// Logs in with the AppRole (`auth/approle/login`, or the mount that
    /// `BAO_APPROLE_MOUNT` names) and keeps the token it gives.
    fn login(&self) -> Result<(), Error> {
        let (role, secret) = self.approle.as_ref().expect("an AppRole to log in with");
        let mount = std::env::var("BAO_APPROLE_MOUNT")
            .ok()
            .filter(|mount| !mount.is_empty())
            .unwrap_or_else(|| "approle".to_owned());
        let body = Zeroizing::new(format!(
            "{{\"role_id\":{},\"secret_id\":{}}}",
            serde_json::Value::from(role.as_str()),
            serde_json::Value::from(secret.as_str())
        ));
        let mut auth =
            self.request_field(&format!("auth/{mount}/login"), Some(&body), "auth", false)?;
        let Some(serde_json::Value::String(token)) =
            auth.get_mut("client_token").map(serde_json::Value::take)
        else {
            return Err(self.error(
                "the AppRole login gave no token",
                "check the AppRole's mount (BAO_APPROLE_MOUNT)",
            ));
        };
        *self.token.borrow_mut() = Zeroizing::new(token);
        Ok(())
    }

    fn error(&self, reason: &str, hint: &str) -> Error {
        Error::KeyService(Box::new(KeyServiceError {
            provider: PROVIDER,
            endpoint: self.endpoint.clone(),
            action: self.action,
            reference: self.reference.clone(),
            reason: reason.to_owned(),
            hint: hint.to_owned(),
        }))
    }

    /// `<mount>/<key>`, split at its last `/`.
    fn split<'r>(&self, reference: &'r str) -> Result<(&'r str, &'r str), Error> {
        reference
            .rsplit_once('/')
            .filter(|(mount, key)| !mount.is_empty() && !key.is_empty())
            .ok_or_else(|| {
                self.error(
                    "the key is not named as `<mount>/<key>`",
                    "e.g. transit:transit/sealant-prod",
                )
            })
    }

    /// POSTs `body` to `/v1/<path>` and returns the answer's `data`.
    fn post(&self, path: &str, body: &str) -> Result<serde_json::Value, Error> {
        self.request(path, Some(body))
    }

    /// GETs `/v1/<path>` and returns the answer's `data`.
    fn get(&self, path: &str) -> Result<serde_json::Value, Error> {
        self.request(path, None)
    }

    fn request(&self, path: &str, body: Option<&str>) -> Result<serde_json::Value, Error> {
        match self.request_field(path, body, "data", true) {
            // Once: an AppRole's token may have expired or run out of uses.
            Err(Error::KeyService(error))
                if error.reason.starts_with("HTTP 403") && self.approle.is_some() =>
            {
                self.login()?;
                self.request_field(path, body, "data", true)
            }
            other => other,
        }
    }

    /// Sends the request (with the token, when `with_token`) and returns
    /// the answer's `field`, retrying as the module says.
    fn request_field(
        &self,
        path: &str,
        body: Option<&str>,
        field: &str,
        with_token: bool,
    ) -> Result<serde_json::Value, Error> {
        let url = format!("{}/v1/{path}", self.addr);
        let mut last = String::new();
        for attempt in 1..=ATTEMPTS {
            if attempt > 1 {
                std::thread::sleep(backoff(attempt));
            }
            let token = self.token.borrow().clone();
            let token = if with_token { token.as_str() } else { "" };
            let response = match body {
                Some(body) if with_token => self
                    .agent
                    .post(&url)
                    .header("X-Vault-Token", token)
                    .content_type("application/json")
                    .send(body),
                Some(body) => self
                    .agent
                    .post(&url)
                    .content_type("application/json")
                    .send(body),
                None => self.agent.get(&url).header("X-Vault-Token", token).call(),
            };
            let mut response = match response {
                Ok(response) => response,
                Err(error) => {
                    last = format!("the request failed: {error}");
                    continue;
                }
            };
            let status = response.status().as_u16();
            let read = response
                .body_mut()
                .with_config()
                .limit(MAX_RESPONSE)
                .read_to_string()
                .map(Zeroizing::new);
            let text = match read {
                Ok(text) => text,
                Err(error) => {
                    last = format!("the answer could not be read: {error}");
                    continue;
                }
            };
            let json: Option<serde_json::Value> = serde_json::from_str(&text).ok();
            if status == 200 {
                return json
                    .and_then(|mut json| json.get_mut(field).map(serde_json::Value::take))
                    .ok_or_else(|| self.error("the answer is not Transit's", "check BAO_ADDR"));
            }
            let messages = json
                .as_ref()
                .and_then(|json| json.get("errors"))
                .and_then(serde_json::Value::as_array)
                .map(|errors| {
                    errors
                        .iter()
                        .filter_map(serde_json::Value::as_str)
                        .collect::<Vec<_>>()
                        .join("; ")
                })
                .unwrap_or_default();
            // Vault words some errors over several lines.
            let messages = messages.split_whitespace().collect::<Vec<_>>().join(" ");
            let reason = format!("HTTP {status}: {messages}");
            match status {
                429 | 500..=599 => last = reason,
                403 => {
                    return Err(self.error(
                        &reason,
                        "the token is missing, expired or not allowed this Transit key: give its policy `update` on the key's encrypt or decrypt path",
                    ));
                }
                404 => {
                    return Err(self.error(
                        &reason,
                        "check the mount and the key's name, and that Transit is enabled there",
                    ));
                }
                _ => {
                    return Err(self.error(
                        &reason,
                        "the line was wrapped under another key or for another kid or environment, or was altered: wrap the key again",
                    ));
                }
            }
        }
        Err(self.error(
            &format!("{last} (after {ATTEMPTS} attempts)"),
            "check that the server is up and reachable at BAO_ADDR",
        ))
    }
}

/// The wait before attempt `attempt` (2 or 3): 250 ms then 500 ms, plus up
/// to 250 ms of jitter so that many services restarting together spread
/// out.
fn backoff(attempt: u32) -> Duration {
    let base = 250u64 << (attempt - 2);
    let jitter = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |now| u64::from(now.subsec_nanos()) % 250);
    Duration::from_millis(base + jitter)
}

/// Whether `host[:port]` is a loopback address.
fn is_loopback(endpoint: &str) -> bool {
    let host = match endpoint.strip_prefix('[') {
        Some(rest) => rest.split(']').next().unwrap_or_default(),
        None => endpoint.rsplit_once(':').map_or(endpoint, |(host, _)| host),
    };
    host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_hosts_may_use_plain_http() {
        for host in [
            "127.0.0.1:8200",
            "127.8.9.1",
            "localhost:8200",
            "[::1]:8200",
            "localhost",
        ] {
            assert!(is_loopback(host), "{host}");
        }
        for host in [
            "10.0.0.1:8200",
            "bao.internal",
            "[2001:db8::1]:8200",
            "localhost.evil.example",
        ] {
            assert!(!is_loopback(host), "{host}");
        }
    }

    #[test]
    fn backoff_grows_and_stays_bounded() {
        for _ in 0..100 {
            let (second, third) = (backoff(2), backoff(3));
            assert!(second >= Duration::from_millis(250) && second < Duration::from_millis(500));
            assert!(third >= Duration::from_millis(500) && third < Duration::from_millis(750));
        }
    }
}
