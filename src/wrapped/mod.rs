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
//! - `vault-transit` (`transit:<mount>/<key>`): OpenBao or Vault's Transit
//!   engine. The address comes from `BAO_ADDR` or `VAULT_ADDR`; the token
//!   from `BAO_TOKEN` or `VAULT_TOKEN`, `BAO_TOKEN_FILE`, an AppRole login
//!   (`BAO_ROLE_ID` and `BAO_SECRET_ID`), or a Kubernetes login with the
//!   pod's service-account token (`BAO_K8S_ROLE`); a token from a login is
//!   renewed once by logging in again when a request is refused. The
//!   context is Transit's `associated_data`.
//! - `aws-kms` (`aws-kms:<key ARN>`): AWS KMS. Credentials come, in this
//!   order, from `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY` (with
//!   `AWS_SESSION_TOKEN`), a web identity (`AWS_WEB_IDENTITY_TOKEN_FILE`
//!   and `AWS_ROLE_ARN`, as on EKS), the container's credentials (ECS,
//!   EKS Pod Identity), or EC2's instance metadata (IMDSv2). The endpoint
//!   is the ARN's region's, or `AWS_ENDPOINT_URL_KMS` / `AWS_ENDPOINT_URL`.
//!   Requests are signed with SigV4 (`aws-sigv4`). The context is KMS's
//!   EncryptionContext: `sealant=wrapped-key-v1`, `sealant-kid=<kid>` and,
//!   for a v2 private key, `sealant-environment=<env>`, which CloudTrail
//!   shows and key policies can require.
//!
//! Plain `http://` is accepted only to a loopback address (and to the
//! link-local addresses of AWS's own metadata services); `https://` is
//! verified against the web's root certificates. Every request is bounded:
//! 5 s to connect, 10 s per attempt, at most 3 attempts with backoff and
//! jitter for throttling, server errors and transport errors, never for a
//! denial or a bad ciphertext; so a stopped server or a port that never
//! answers fails in about 31 s at most. The calls are blocking and start
//! no async runtime, so they work inside one too.

use std::time::Duration;

use sealant_format::{Kid, Provider, WrappedKey};
use zeroize::Zeroizing;

use crate::{Error, KeyServiceError};

#[cfg(feature = "aws-kms")]
mod aws;
#[cfg(feature = "aws-kms")]
mod kms;
#[cfg(feature = "vault-transit")]
mod transit;

const ATTEMPTS: u32 = 3;
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);
/// The largest response read: the services' answers are a few KB.
const MAX_RESPONSE: u64 = 64 * 1024;

/// Wraps `key_text` (one v1 key or v2 private key) with the service that
/// `with` names (`transit:<mount>/<key>` or `aws-kms:<key ARN>`), bound to
/// its kid and, for a v2 private key, its environment `env`; returns the
/// wrapped line.
pub fn wrap(with: &str, key_text: &str, env: Option<&str>) -> Result<String, Error> {
    let (provider, reference) = parse_with(with)?;
    let kid = kid_of(key_text, provider)?;
    let ciphertext = match provider {
        #[cfg(feature = "vault-transit")]
        Provider::Transit => transit::wrap(reference, key_text, kid, env)?,
        #[cfg(feature = "aws-kms")]
        Provider::AwsKms => kms::wrap(reference, key_text, kid, env)?,
        #[allow(unreachable_patterns)]
        other => return Err(not_built(other, "wrap", reference)),
    };
    let line = WrappedKey::new(kid, env, provider, ciphertext, reference).map_err(|error| {
        service_error(
            provider,
            "-",
            "wrap",
            reference,
            &error.to_string(),
            "name the key as `transit:<mount>/<key>` or `aws-kms:<key ARN>`",
        )
    })?;
    Ok(line.to_string())
}

/// Wraps the key of `line` again: with `with`, under that service's key
/// (unwrapped, then wrapped, in this process); without, under the same
/// key's newest version, which for AWS KMS is one `ReEncrypt` that never
/// lets the key out of KMS, and for Transit an unwrap and a wrap (Transit's
/// own rewrap cannot carry the associated data). Returns the new line, for
/// the same kid and environment.
pub fn rewrap(text: &str, with: Option<&str>) -> Result<String, Error> {
    let line = parse_line(text)?;
    let same = format!("{}:{}", line.provider().as_str(), line.reference());
    let with = with.unwrap_or(&same);
    #[cfg(feature = "aws-kms")]
    if with == same && line.provider() == Provider::AwsKms {
        let ciphertext = kms::rewrap(&line)?;
        let new = WrappedKey::new(
            line.kid(),
            line.env(),
            Provider::AwsKms,
            ciphertext,
            line.reference(),
        )
        .map_err(|error| {
            service_error(
                Provider::AwsKms,
                "-",
                "rewrap",
                line.reference(),
                &error.to_string(),
                "report a bug",
            )
        })?;
        return Ok(new.to_string());
    }
    let (kid, key) = unwrap_line(text)?;
    let new = wrap(with, &key, line.env())?;
    drop(key);
    debug_assert_eq!(WrappedKey::parse(&new).map(|l| l.kid()).ok(), Some(kid));
    Ok(new)
}

/// `--with`'s provider and key reference.
fn parse_with(with: &str) -> Result<(Provider, &str), Error> {
    let unknown = || {
        Error::KeyService(Box::new(KeyServiceError {
            provider: "key service",
            endpoint: "-".to_owned(),
            action: "wrap",
            reference: with.to_owned(),
            reason: "the service is not one Sealant knows".to_owned(),
            hint: "name it as `transit:<mount>/<key>` (OpenBao or Vault Transit) or \
                   `aws-kms:<key ARN>` (AWS KMS)"
                .to_owned(),
            origin: None,
        }))
    };
    let (provider, reference) = with.split_once(':').ok_or_else(unknown)?;
    let provider = match provider {
        "transit" => Provider::Transit,
        "aws-kms" => Provider::AwsKms,
        _ => return Err(unknown()),
    };
    Ok((provider, reference))
}

/// A wrapped line, or the error that says it is malformed.
fn parse_line(text: &str) -> Result<WrappedKey<'_>, Error> {
    WrappedKey::parse(text).map_err(|error| {
        Error::KeyService(Box::new(KeyServiceError {
            provider: "key service",
            endpoint: "-".to_owned(),
            action: "unwrap",
            reference: "-".to_owned(),
            reason: format!("the wrapped key line is malformed: {error}"),
            hint: "paste the line exactly as `cargo sealant wrap` printed it".to_owned(),
            origin: None,
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
    /// The service: `OpenBao/Vault Transit` or `AWS KMS`.
    pub provider: &'static str,
    /// The service's host and port.
    pub endpoint: String,
    /// The service's key: `<mount>/<key>` or a key ARN.
    pub reference: String,
    /// Who the service saw: the token's name and policies, or the AWS
    /// caller's ARN and where its credentials came from.
    pub caller: String,
}

/// Unwraps `line` as a service would at startup, checks the key's kid, and
/// says who unwrapped it; the key itself is dropped, zeroized.
pub fn check(text: &str) -> Result<Checked, Error> {
    let line = parse_line(text)?;
    let kid = line.kid();
    let (unwrapped, endpoint, caller) = match line.provider() {
        #[cfg(feature = "vault-transit")]
        Provider::Transit => transit::check(&line)?,
        #[cfg(feature = "aws-kms")]
        Provider::AwsKms => kms::check(&line)?,
        #[allow(unreachable_patterns)]
        other => return Err(not_built(other, "unwrap", line.reference())),
    };
    let found = crate::Keyring::parse("the unwrapped key", &unwrapped)?.kids();
    drop(unwrapped);
    if found != [kid] {
        return Err(Error::WrappedKidMismatch {
            origin: "the wrapped line".to_owned(),
            wanted: kid,
            found: found.first().copied().unwrap_or(kid),
        });
    }
    Ok(Checked {
        kid,
        env: line.env().map(str::to_owned),
        provider: provider_name(line.provider()),
        endpoint,
        reference: line.reference().to_owned(),
        caller,
    })
}

/// Unwraps a wrapped line: the kid it names and the key text the service
/// returned, in memory zeroized on drop.
pub(crate) fn unwrap_line(text: &str) -> Result<(Kid, Zeroizing<String>), Error> {
    let line = parse_line(text)?;
    let unwrapped = match line.provider() {
        #[cfg(feature = "vault-transit")]
        Provider::Transit => transit::unwrap(&line)?,
        #[cfg(feature = "aws-kms")]
        Provider::AwsKms => kms::unwrap(&line)?,
        #[allow(unreachable_patterns)]
        other => return Err(not_built(other, "unwrap", line.reference())),
    };
    Ok((line.kid(), unwrapped))
}

/// The service's name in errors.
fn provider_name(provider: Provider) -> &'static str {
    match provider {
        Provider::Transit => "OpenBao/Vault Transit",
        Provider::AwsKms => "AWS KMS",
        _ => "key service",
    }
}

/// The cargo feature of sealant that reaches `provider`.
fn feature_of(provider: Provider) -> &'static str {
    match provider {
        Provider::AwsKms => "aws-kms",
        _ => "vault-transit",
    }
}

/// The error for a service this build was compiled without.
#[allow(dead_code)] // Every service is built in some configurations.
fn not_built(provider: Provider, action: &'static str, reference: &str) -> Error {
    service_error(
        provider,
        "-",
        action,
        reference,
        "this build of sealant cannot reach that service",
        &format!("enable sealant's cargo feature `{}`", feature_of(provider)),
    )
}

fn service_error(
    provider: Provider,
    endpoint: &str,
    action: &'static str,
    reference: &str,
    reason: &str,
    hint: &str,
) -> Error {
    Error::KeyService(Box::new(KeyServiceError {
        provider: provider_name(provider),
        endpoint: endpoint.to_owned(),
        action,
        reference: reference.to_owned(),
        reason: reason.to_owned(),
        hint: hint.to_owned(),
        origin: None,
    }))
}

/// The kid of one key's text, v1 or v2.
fn kid_of(key_text: &str, provider: Provider) -> Result<Kid, Error> {
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
        return Err(service_error(
            provider,
            "-",
            "wrap",
            "-",
            "the input holds more than one key",
            "wrap one key at a time",
        ));
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

/// An HTTP agent with the module's bounds, which leaves statuses to the
/// caller.
fn agent(connect: Duration, attempt: Duration) -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_connect(Some(connect))
        .timeout_global(Some(attempt))
        .http_status_as_error(false)
        .build()
        .into()
}

/// A service's base URL, checked: `https://`, or `http://` to a loopback
/// address (or to one of `link_local`). Returns the URL without a trailing
/// slash and its `host[:port]`; or the reason it is refused.
fn base_url(url: &str, var: &str, link_local: &[&str]) -> Result<(String, String), String> {
    let url = url.trim_end_matches('/');
    let (scheme, rest) = url
        .split_once("://")
        .ok_or_else(|| format!("{var} is not a URL; write it as https://host:port"))?;
    let host = rest.split('/').next().unwrap_or_default().to_owned();
    if host.is_empty() {
        return Err(format!(
            "{var} names no host; write it as https://host:port"
        ));
    }
    match scheme {
        "https" => {}
        "http" if is_loopback(&host) || link_local.contains(&host_name(&host)) => {}
        "http" => {
            return Err(format!(
                "{var} is plain http to a host that is not loopback: credentials and a key \
                 would cross the network unencrypted; use https://"
            ));
        }
        _ => return Err(format!("{var}'s scheme is not http or https")),
    }
    Ok((url.to_owned(), host))
}

/// What one attempt of a request came to.
enum Attempt<T, E = Error> {
    /// An answer, or an error not worth another attempt.
    Done(Result<T, E>),
    /// A failure that another attempt may not meet (throttling, a server
    /// error, a transport error), and its reason.
    Retry(String),
}

/// Runs `attempt` up to [`ATTEMPTS`] times with backoff; `exhausted` makes
/// the error from the last reason.
fn with_retries<T, E>(
    mut attempt: impl FnMut() -> Attempt<T, E>,
    exhausted: impl FnOnce(String) -> E,
) -> Result<T, E> {
    let mut last = String::new();
    for number in 1..=ATTEMPTS {
        if number > 1 {
            std::thread::sleep(backoff(number));
        }
        match attempt() {
            Attempt::Done(result) => return result,
            Attempt::Retry(reason) => last = reason,
        }
    }
    Err(exhausted(format!("{last} (after {ATTEMPTS} attempts)")))
}

/// An answer's status and body, read within [`MAX_RESPONSE`] and kept in
/// memory zeroized on drop; or the reason it could not be read.
fn read(
    response: Result<ureq::http::Response<ureq::Body>, ureq::Error>,
) -> Result<(u16, Option<String>, Zeroizing<String>), String> {
    let mut response = response.map_err(|error| format!("the request failed: {error}"))?;
    let status = response.status().as_u16();
    let request_id = ["x-amzn-requestid", "x-amz-request-id", "x-request-id"]
        .iter()
        .find_map(|name| response.headers().get(*name))
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned);
    let text = response
        .body_mut()
        .with_config()
        .limit(MAX_RESPONSE)
        .read_to_string()
        .map(Zeroizing::new)
        .map_err(|error| format!("the answer could not be read: {error}"))?;
    Ok((status, request_id, text))
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

/// The host of `host[:port]` (brackets kept off an IPv6 address).
fn host_name(endpoint: &str) -> &str {
    match endpoint.strip_prefix('[') {
        Some(rest) => rest.split(']').next().unwrap_or_default(),
        None => endpoint.rsplit_once(':').map_or(endpoint, |(host, _)| host),
    }
}

/// Whether `host[:port]` is a loopback address.
fn is_loopback(endpoint: &str) -> bool {
    let host = host_name(endpoint);
    host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// The key text in a service's answer: the base64 string `field` of
/// `answer`, decoded; every copy zeroized. `error` makes the error from a
/// reason and a hint.
fn key_text_of(
    answer: &mut serde_json::Value,
    field: &str,
    error: impl Fn(&str, &str) -> Error,
) -> Result<Zeroizing<String>, Error> {
    use base64ct::{Base64, Encoding as _};
    use zeroize::Zeroize as _;

    let Some(serde_json::Value::String(mut encoded)) =
        answer.get_mut(field).map(serde_json::Value::take)
    else {
        return Err(error(
            "the answer holds no plaintext",
            "check the service's address and version",
        ));
    };
    let decoded = Base64::decode_vec(&encoded).map(Zeroizing::new);
    encoded.zeroize();
    let bytes = decoded.map_err(|_| error("its plaintext is not base64", "wrap the key again"))?;
    String::from_utf8(bytes.to_vec())
        .map(Zeroizing::new)
        .map_err(|not_utf8| {
            not_utf8.into_bytes().zeroize();
            error(
                "it unwrapped to something that is not a key",
                "wrap the key again",
            )
        })
}

/// A variable's value, when set and not empty.
fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|value| !value.is_empty())
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
    fn base_urls_are_https_or_loopback_http() {
        assert_eq!(
            base_url("https://bao.internal:8200/", "BAO_ADDR", &[]).unwrap(),
            (
                "https://bao.internal:8200".to_owned(),
                "bao.internal:8200".to_owned()
            )
        );
        assert!(base_url("http://127.0.0.1:8200", "BAO_ADDR", &[]).is_ok());
        let refused = base_url("http://bao.internal:8200", "BAO_ADDR", &[]).unwrap_err();
        assert!(refused.contains("BAO_ADDR is plain http"), "{refused}");
        assert!(base_url("ftp://x", "BAO_ADDR", &[]).is_err());
        assert!(base_url("bao.internal", "BAO_ADDR", &[]).is_err());
        assert!(base_url("http://", "BAO_ADDR", &[]).is_err());
        // AWS's metadata services answer on link-local plain http.
        assert!(base_url("http://169.254.170.2/v2/x", "X", &["169.254.170.2"]).is_ok());
        assert!(base_url("http://169.254.170.2/v2/x", "X", &[]).is_err());
    }

    #[test]
    fn backoff_grows_and_stays_bounded() {
        for _ in 0..100 {
            let (second, third) = (backoff(2), backoff(3));
            assert!(second >= Duration::from_millis(250) && second < Duration::from_millis(500));
            assert!(third >= Duration::from_millis(500) && third < Duration::from_millis(750));
        }
    }

    #[test]
    fn with_names_a_known_service() {
        assert_eq!(
            parse_with("transit:transit/k").unwrap(),
            (Provider::Transit, "transit/k")
        );
        assert_eq!(
            parse_with("aws-kms:arn:aws:kms:eu-west-1:111122223333:key/1").unwrap(),
            (Provider::AwsKms, "arn:aws:kms:eu-west-1:111122223333:key/1")
        );
        for bad in ["gcp-kms:x", "transit", ""] {
            let error = parse_with(bad).unwrap_err().to_string();
            assert!(error.contains("aws-kms:<key ARN>"), "{error}");
        }
    }
}
