//! OpenBao and Vault Transit (`transit:<mount>/<key>`); see the module
//! above for the variables it reads.

use base64ct::{Base64, Encoding as _};
use sealant_format::{Kid, Provider, WrappedKey};
use zeroize::{Zeroize as _, Zeroizing};

use super::{Attempt, service_error, var, with_retries};
use crate::Error;

/// Where a pod's Kubernetes service-account token is mounted.
const SERVICE_ACCOUNT_TOKEN: &str = "/var/run/secrets/kubernetes.io/serviceaccount/token";

/// Encrypts `key_text` under `reference`; returns Transit's ciphertext
/// text (`vault:v1:...`) as bytes.
pub(super) fn wrap(
    reference: &str,
    key_text: &str,
    kid: Kid,
    env: Option<&str>,
) -> Result<Vec<u8>, Error> {
    let vault = Vault::from_env("wrap", reference)?;
    let (mount, key) = vault.split()?;
    let context = sealant_format::wrapped_context(kid, env);
    let mut plaintext = Base64::encode_string(key_text.as_bytes());
    let body = Zeroizing::new(format!(
        "{{\"plaintext\":\"{plaintext}\",\"associated_data\":\"{}\"}}",
        Base64::encode_string(context.as_bytes())
    ));
    plaintext.zeroize();
    let data = vault.request(&format!("{mount}/encrypt/{key}"), Some(&body))?;
    let ciphertext = data
        .get("ciphertext")
        .and_then(serde_json::Value::as_str)
        .ok_or_else(|| {
            vault.error(
                "the answer holds no ciphertext",
                "check the server's version",
            )
        })?;
    Ok(ciphertext.as_bytes().to_vec())
}

/// Unwraps `line`; the key text, zeroized on drop.
pub(super) fn unwrap(line: &WrappedKey<'_>) -> Result<Zeroizing<String>, Error> {
    let vault = Vault::from_env("unwrap", line.reference())?;
    vault.unwrap(line)
}

/// Unwraps `line` and asks who the token is: the key text, the endpoint
/// and the caller.
pub(super) fn check(line: &WrappedKey<'_>) -> Result<(Zeroizing<String>, String, String), Error> {
    // One session for both requests, as a service has: with an AppRole
    // whose tokens serve one request, the second needs the re-login.
    let vault = Vault::from_env("unwrap", line.reference())?;
    let unwrapped = vault.unwrap(line)?;
    let me = vault.request("auth/token/lookup-self", None)?;
    let name = me
        .get("display_name")
        .and_then(serde_json::Value::as_str)
        .unwrap_or("-");
    let policies: Vec<&str> = me
        .get("policies")
        .and_then(serde_json::Value::as_array)
        .map(|p| p.iter().filter_map(serde_json::Value::as_str).collect())
        .unwrap_or_default();
    let caller = format!(
        "token {name} from {} (policies: {})",
        vault.login.describe(),
        policies.join(", ")
    );
    Ok((unwrapped, vault.endpoint.clone(), caller))
}

/// How the session gets its token, and gets it again when refused.
enum Login {
    /// `BAO_TOKEN` or `VAULT_TOKEN`, used as it is.
    Token,
    /// A file that an agent keeps current: read again when refused.
    File(String),
    /// An AppRole: role id and secret id, and the mount.
    AppRole {
        role: Zeroizing<String>,
        secret: Zeroizing<String>,
        mount: String,
    },
    /// A service-account JWT, for the `kubernetes` (or `jwt`) auth method.
    Jwt {
        role: String,
        file: String,
        mount: String,
    },
}

impl Login {
    fn describe(&self) -> String {
        match self {
            Self::Token => "BAO_TOKEN".to_owned(),
            Self::File(path) => format!("the token file {path}"),
            Self::AppRole { mount, .. } => format!("an AppRole login (auth/{mount})"),
            Self::Jwt { mount, role, .. } => format!("a login as role {role} (auth/{mount})"),
        }
    }
}

/// An OpenBao or Vault server, as the environment names it.
struct Vault {
    /// `scheme://host[:port]`, without a trailing slash.
    addr: String,
    /// `host[:port]`, for errors.
    endpoint: String,
    token: std::cell::RefCell<Zeroizing<String>>,
    login: Login,
    action: &'static str,
    reference: String,
    agent: ureq::Agent,
}

impl Vault {
    fn from_env(action: &'static str, reference: &str) -> Result<Self, Error> {
        let fail = |reason: &str, hint: &str| {
            service_error(Provider::Transit, "-", action, reference, reason, hint)
        };
        let either =
            |name: &str| var(&format!("BAO_{name}")).or_else(|| var(&format!("VAULT_{name}")));
        let addr = either("ADDR").ok_or_else(|| {
            fail(
                "neither BAO_ADDR nor VAULT_ADDR is set",
                "set BAO_ADDR to the server's address, e.g. https://bao.internal:8200",
            )
        })?;
        let (addr, endpoint) = super::base_url(&addr, "BAO_ADDR", &[])
            .map_err(|reason| fail(&reason, "fix BAO_ADDR"))?;
        let (token, login) = if let Some(token) = either("TOKEN") {
            (token, Login::Token)
        } else if let Some(path) = either("TOKEN_FILE") {
            (String::new(), Login::File(path))
        } else if let (Some(role), Some(secret)) = (either("ROLE_ID"), either("SECRET_ID")) {
            let login = Login::AppRole {
                role: Zeroizing::new(role),
                secret: Zeroizing::new(secret),
                mount: either("APPROLE_MOUNT").unwrap_or_else(|| "approle".to_owned()),
            };
            (String::new(), login)
        } else if let Some(role) = either("K8S_ROLE") {
            let login = Login::Jwt {
                role,
                file: either("K8S_TOKEN_FILE").unwrap_or_else(|| SERVICE_ACCOUNT_TOKEN.to_owned()),
                mount: either("K8S_MOUNT").unwrap_or_else(|| "kubernetes".to_owned()),
            };
            (String::new(), login)
        } else {
            return Err(fail(
                "no token: none of BAO_TOKEN, BAO_TOKEN_FILE, BAO_ROLE_ID with BAO_SECRET_ID, \
                 or BAO_K8S_ROLE is set (nor their VAULT_ names)",
                "give the service a token, an AppRole or a Kubernetes role whose policy may use this Transit key",
            ));
        };
        let vault = Self {
            addr,
            endpoint,
            token: std::cell::RefCell::new(Zeroizing::new(token)),
            login,
            action,
            reference: reference.to_owned(),
            agent: super::agent(super::CONNECT_TIMEOUT, super::ATTEMPT_TIMEOUT),
        };
        if !matches!(vault.login, Login::Token) {
            vault.log_in()?;
        }
        Ok(vault)
    }

    /// Gets a token as [`Login`] says and keeps it.
    fn log_in(&self) -> Result<(), Error> {
        let read = |path: &str, what: &str| {
            std::fs::read_to_string(path)
                .map(|text| Zeroizing::new(text.trim().to_owned()))
                .map_err(|error| {
                    self.error(
                        &format!("cannot read {what} {path}: {error}"),
                        "check the path and that this user may read it",
                    )
                })
        };
        let (mount, body) = match &self.login {
            Login::Token => return Ok(()),
            Login::File(path) => {
                *self.token.borrow_mut() = read(path, "the token file")?;
                return Ok(());
            }
            Login::AppRole {
                role,
                secret,
                mount,
            } => {
                let body = format!(
                    "{{\"role_id\":{},\"secret_id\":{}}}",
                    serde_json::Value::from(role.as_str()),
                    serde_json::Value::from(secret.as_str())
                );
                (mount, Zeroizing::new(body))
            }
            Login::Jwt { role, file, mount } => {
                let jwt = read(file, "the service-account token")?;
                let body = format!(
                    "{{\"role\":{},\"jwt\":{}}}",
                    serde_json::Value::from(role.as_str()),
                    serde_json::Value::from(jwt.as_str())
                );
                (mount, Zeroizing::new(body))
            }
        };
        let mut auth = self.send(&format!("auth/{mount}/login"), Some(&body), "auth", false)?;
        let Some(serde_json::Value::String(token)) =
            auth.get_mut("client_token").map(serde_json::Value::take)
        else {
            return Err(self.error(
                &format!("the login at auth/{mount} gave no token"),
                "check the auth method's mount",
            ));
        };
        *self.token.borrow_mut() = Zeroizing::new(token);
        Ok(())
    }

    fn error(&self, reason: &str, hint: &str) -> Error {
        service_error(
            Provider::Transit,
            &self.endpoint,
            self.action,
            &self.reference,
            reason,
            hint,
        )
    }

    /// `<mount>/<key>`, split at its last `/`.
    fn split(&self) -> Result<(&str, &str), Error> {
        self.reference
            .rsplit_once('/')
            .filter(|(mount, key)| !mount.is_empty() && !key.is_empty())
            .ok_or_else(|| {
                self.error(
                    "the key is not named as `<mount>/<key>`",
                    "e.g. transit:transit/sealant-prod",
                )
            })
    }

    /// Asks the server to unwrap `line`; the key text, zeroized on drop.
    fn unwrap(&self, line: &WrappedKey<'_>) -> Result<Zeroizing<String>, Error> {
        let (mount, key) = self.split()?;
        let ciphertext = std::str::from_utf8(line.ciphertext()).map_err(|_| {
            self.error("its ciphertext is not Transit's text", "wrap the key again")
        })?;
        let body = format!(
            "{{\"ciphertext\":{},\"associated_data\":\"{}\"}}",
            serde_json::Value::from(ciphertext),
            Base64::encode_string(line.context().as_bytes())
        );
        let mut data = self.request(&format!("{mount}/decrypt/{key}"), Some(&body))?;
        super::key_text_of(&mut data, "plaintext", |reason, hint| {
            self.error(reason, hint)
        })
    }

    /// Sends to `/v1/<path>` (a POST of `body`, or a GET) and returns the
    /// answer's `data`; logs in again once when refused, unless the token
    /// was given as it is.
    fn request(&self, path: &str, body: Option<&str>) -> Result<serde_json::Value, Error> {
        match self.send(path, body, "data", true) {
            Err(Error::KeyService(error))
                if error.reason.starts_with("HTTP 403") && !matches!(self.login, Login::Token) =>
            {
                self.log_in()?;
                self.send(path, body, "data", true)
            }
            other => other,
        }
    }

    /// Sends the request (with the token, when `with_token`) and returns
    /// the answer's `field`, retrying as the module says.
    fn send(
        &self,
        path: &str,
        body: Option<&str>,
        field: &str,
        with_token: bool,
    ) -> Result<serde_json::Value, Error> {
        let url = format!("{}/v1/{path}", self.addr);
        let attempt = || {
            let token = self.token.borrow().clone();
            let response = match body {
                Some(body) => {
                    let mut request = self.agent.post(&url).content_type("application/json");
                    if with_token {
                        request = request.header("X-Vault-Token", token.as_str());
                    }
                    request.send(body)
                }
                None => self
                    .agent
                    .get(&url)
                    .header("X-Vault-Token", token.as_str())
                    .call(),
            };
            let (status, _, text) = match super::read(response) {
                Ok(answer) => answer,
                Err(reason) => return Attempt::Retry(reason),
            };
            let json: Option<serde_json::Value> = serde_json::from_str(&text).ok();
            if status == 200 {
                return Attempt::Done(
                    json.and_then(|mut json| json.get_mut(field).map(serde_json::Value::take))
                        .ok_or_else(|| self.error("the answer is not Transit's", "check BAO_ADDR")),
                );
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
            let hint = match status {
                429 | 500..=599 => return Attempt::Retry(reason),
                403 => {
                    "the token is missing, expired or not allowed this Transit key: give its policy `update` on the key's encrypt or decrypt path"
                }
                404 => "check the mount and the key's name, and that Transit is enabled there",
                _ => {
                    "the line was wrapped under another key or for another kid or environment, or was altered: wrap the key again"
                }
            };
            Attempt::Done(Err(self.error(&reason, hint)))
        };
        with_retries(attempt, |reason| {
            self.error(
                &reason,
                "check that the server is up and reachable at BAO_ADDR",
            )
        })
    }
}
