//! AWS KMS (`aws-kms:<key ARN>`): `Encrypt` and `Decrypt` with the wrapped
//! key's EncryptionContext, signed with SigV4 by `aws-sigv4`.

use std::time::SystemTime;

use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;
use base64ct::{Base64, Encoding as _};
use sealant_format::{Kid, Provider, WrappedKey};
use sha2::{Digest as _, Sha256};
use zeroize::{Zeroize as _, Zeroizing};

use super::aws::{self, Credentials};
use super::{Attempt, service_error, var, with_retries};
use crate::Error;

/// Encrypts `key_text` under the key `reference` names; returns KMS's
/// ciphertext blob.
pub(super) fn wrap(
    reference: &str,
    key_text: &str,
    kid: Kid,
    env: Option<&str>,
) -> Result<Vec<u8>, Error> {
    let kms = Kms::from_env("wrap", reference)?;
    let mut plaintext = Base64::encode_string(key_text.as_bytes());
    let body = Zeroizing::new(format!(
        "{{\"KeyId\":{},\"Plaintext\":\"{plaintext}\",\"EncryptionContext\":{}}}",
        serde_json::Value::from(reference),
        context_json(kid, env)
    ));
    plaintext.zeroize();
    let answer = kms.call("Encrypt", &body)?;
    kms.ciphertext_of(&answer)
}

/// Unwraps `line`; the key text, zeroized on drop.
pub(super) fn unwrap(line: &WrappedKey<'_>) -> Result<Zeroizing<String>, Error> {
    Kms::from_env("unwrap", line.reference())?.unwrap(line)
}

/// Re-encrypts `line`'s ciphertext under its key's newest version, with
/// the same context, inside KMS (`ReEncrypt`); the new ciphertext blob.
pub(super) fn rewrap(line: &WrappedKey<'_>) -> Result<Vec<u8>, Error> {
    let kms = Kms::from_env("rewrap", line.reference())?;
    let context = context_json(line.kid(), line.env());
    let key = serde_json::Value::from(line.reference());
    let body = format!(
        "{{\"CiphertextBlob\":\"{}\",\"SourceKeyId\":{key},\"SourceEncryptionContext\":{context},\
         \"DestinationKeyId\":{key},\"DestinationEncryptionContext\":{context}}}",
        Base64::encode_string(line.ciphertext()),
    );
    let answer = kms.call("ReEncrypt", &body)?;
    kms.ciphertext_of(&answer)
}

/// Unwraps `line` and asks STS who the caller is: the key text, the
/// endpoint and the caller.
pub(super) fn check(line: &WrappedKey<'_>) -> Result<(Zeroizing<String>, String, String), Error> {
    let kms = Kms::from_env("unwrap", line.reference())?;
    let unwrapped = kms.unwrap(line)?;
    let caller = match kms.caller_identity() {
        Ok(arn) => arn,
        Err(reason) => format!("a caller STS would not name ({reason})"),
    };
    let caller = format!("{caller}, with credentials from {}", kms.credentials.source);
    Ok((unwrapped, kms.endpoint.clone(), caller))
}

/// The EncryptionContext as a JSON object.
fn context_json(kid: Kid, env: Option<&str>) -> String {
    let pairs: serde_json::Map<String, serde_json::Value> =
        sealant_format::kms_encryption_context(kid, env)
            .into_iter()
            .map(|(key, value)| (key.to_owned(), serde_json::Value::from(value)))
            .collect();
    serde_json::Value::Object(pairs).to_string()
}

/// The region a key reference names: an ARN's, else `AWS_REGION` or
/// `AWS_DEFAULT_REGION`.
fn region_of(reference: &str) -> Option<String> {
    let mut fields = reference.split(':');
    if fields.next() == Some("arn") {
        let (_partition, service, region) = (fields.next(), fields.next(), fields.next());
        if service == Some("kms") {
            return region.filter(|r| !r.is_empty()).map(str::to_owned);
        }
    }
    var("AWS_REGION").or_else(|| var("AWS_DEFAULT_REGION"))
}

/// A KMS client for one key, as the environment sets it up.
struct Kms {
    url: String,
    /// `host[:port]`, for errors.
    endpoint: String,
    region: String,
    credentials: Credentials,
    action: &'static str,
    reference: String,
    agent: ureq::Agent,
}

impl Kms {
    fn from_env(action: &'static str, reference: &str) -> Result<Self, Error> {
        let fail = |endpoint: &str, reason: &str, hint: &str| {
            service_error(Provider::AwsKms, endpoint, action, reference, reason, hint)
        };
        let region = region_of(reference).ok_or_else(|| {
            fail(
                "-",
                "the key is not named by an ARN, and neither AWS_REGION nor AWS_DEFAULT_REGION is set",
                "name the key by its ARN (arn:aws:kms:<region>:<account>:key/<id>)",
            )
        })?;
        let (url, name) = match (var("AWS_ENDPOINT_URL_KMS"), var("AWS_ENDPOINT_URL")) {
            (Some(url), _) => (url, "AWS_ENDPOINT_URL_KMS"),
            (None, Some(url)) => (url, "AWS_ENDPOINT_URL"),
            (None, None) => (
                format!("https://kms.{region}.{}", aws::dns_suffix(&region)),
                "KMS's endpoint",
            ),
        };
        let (url, endpoint) = super::base_url(&url, name, &[])
            .map_err(|reason| fail("-", &reason, &format!("fix {name}")))?;
        let agent = super::agent(super::CONNECT_TIMEOUT, super::ATTEMPT_TIMEOUT);
        let credentials = aws::load(&agent, &region)
            .map_err(|failure| fail(&failure.endpoint, &failure.reason, &failure.hint))?;
        Ok(Self {
            url,
            endpoint,
            region,
            credentials,
            action,
            reference: reference.to_owned(),
            agent,
        })
    }

    fn error(&self, reason: &str, hint: &str) -> Error {
        service_error(
            Provider::AwsKms,
            &self.endpoint,
            self.action,
            &self.reference,
            reason,
            hint,
        )
    }

    /// The `CiphertextBlob` of an `Encrypt` or `ReEncrypt` answer, decoded.
    fn ciphertext_of(&self, answer: &serde_json::Value) -> Result<Vec<u8>, Error> {
        answer
            .get("CiphertextBlob")
            .and_then(serde_json::Value::as_str)
            .and_then(|blob| Base64::decode_vec(blob).ok())
            .ok_or_else(|| {
                self.error(
                    "the answer holds no ciphertext",
                    "check AWS_ENDPOINT_URL_KMS",
                )
            })
    }

    /// Asks KMS to decrypt `line`'s ciphertext with its context.
    fn unwrap(&self, line: &WrappedKey<'_>) -> Result<Zeroizing<String>, Error> {
        let body = format!(
            "{{\"KeyId\":{},\"CiphertextBlob\":\"{}\",\"EncryptionContext\":{}}}",
            serde_json::Value::from(line.reference()),
            Base64::encode_string(line.ciphertext()),
            context_json(line.kid(), line.env())
        );
        let mut answer = self.call("Decrypt", &body)?;
        super::key_text_of(&mut answer, "Plaintext", |reason, hint| {
            self.error(reason, hint)
        })
    }

    /// SigV4 headers for a POST of `body` to `url` with `headers`, for
    /// `service`, with this client's credentials.
    fn sign(
        &self,
        service: &str,
        url: &str,
        headers: &[(&str, &str)],
        body: &str,
    ) -> Result<Vec<(String, String)>, String> {
        sign_request(&self.credentials, &self.region, service, url, headers, body)
    }

    /// Calls KMS's `operation` with `body`; the answer's JSON, retrying as
    /// the module says.
    fn call(&self, operation: &str, body: &str) -> Result<serde_json::Value, Error> {
        let target = format!("TrentService.{operation}");
        let content_type = "application/x-amz-json-1.1";
        let url = format!("{}/", self.url);
        let attempt = || {
            // Signed again each attempt: a signature carries its time.
            let signed = match self.sign(
                "kms",
                &url,
                &[("content-type", content_type), ("x-amz-target", &target)],
                body,
            ) {
                Ok(signed) => signed,
                Err(reason) => {
                    return Attempt::Done(Err(self.error(&reason, "check the credentials")));
                }
            };
            let mut request = self
                .agent
                .post(&url)
                .header("content-type", content_type)
                .header("x-amz-target", target.as_str());
            for (name, value) in &signed {
                request = request.header(name.as_str(), value.as_str());
            }
            let (status, request_id, text) = match super::read(request.send(body)) {
                Ok(answer) => answer,
                Err(reason) => return Attempt::Retry(reason),
            };
            let json: Option<serde_json::Value> = serde_json::from_str(&text).ok();
            if status == 200 {
                return Attempt::Done(json.ok_or_else(|| {
                    self.error("the answer is not KMS's JSON", "check AWS_ENDPOINT_URL_KMS")
                }));
            }
            let (code, message) = error_of(json.as_ref(), &text);
            let reason = format!(
                "HTTP {status} {code}: {message}{}",
                aws::request_id_of(request_id.as_deref(), &text)
            );
            if status == 429
                || status >= 500
                || matches!(
                    code.as_str(),
                    "ThrottlingException" | "KMSInternalException" | "DependencyTimeoutException"
                )
            {
                return Attempt::Retry(reason);
            }
            Attempt::Done(Err(self.error(&reason, &self.hint(&code))))
        };
        with_retries(attempt, |reason| {
            self.error(
                &reason,
                "check that KMS is reachable (AWS_ENDPOINT_URL_KMS, or the ARN's region)",
            )
        })
    }

    /// What to do about KMS's error `code`.
    fn hint(&self, code: &str) -> String {
        let permission = if self.action == "wrap" {
            "kms:Encrypt"
        } else {
            "kms:Decrypt"
        };
        match code {
            "AccessDeniedException" | "AccessDenied" => format!(
                "the caller ({}) may not use this key: allow it {permission} on the key, \
                 with the condition kms:EncryptionContext:sealant = wrapped-key-v1",
                self.credentials.source
            ),
            "SignatureDoesNotMatch" | "InvalidSignatureException" => format!(
                "the secret access key (from {}) does not belong to the access key id: check it",
                self.credentials.source
            ),
            "UnrecognizedClientException" | "InvalidClientTokenId" | "ExpiredTokenException" => {
                format!(
                    "the credentials (from {}) are unknown or expired: give the service valid ones",
                    self.credentials.source
                )
            }
            "NotFoundException" => "check the key's ARN and its region".to_owned(),
            "DisabledException" | "KMSInvalidStateException" => {
                "the key is disabled or pending deletion: enable it in KMS".to_owned()
            }
            "InvalidCiphertextException" | "IncorrectKeyException" => {
                "the line was wrapped under another key, for another kid or environment, or was altered: wrap the key again"
                    .to_owned()
            }
            _ => "see the KMS error above".to_owned(),
        }
    }

    /// STS `GetCallerIdentity`: the caller's ARN, or why not.
    fn caller_identity(&self) -> Result<String, String> {
        let (url, endpoint) = aws::sts_url(&self.region).map_err(|failure| failure.reason)?;
        let url = format!("{url}/");
        let body = "Action=GetCallerIdentity&Version=2011-06-15";
        let content_type = "application/x-www-form-urlencoded; charset=utf-8";
        let signed = self.sign("sts", &url, &[("content-type", content_type)], body)?;
        let text = aws::sts_call(
            &self.agent,
            &url,
            &endpoint,
            body,
            &signed,
            "GetCallerIdentity",
        )
        .map_err(|failure| failure.reason)?;
        aws::xml_field(&text, "Arn")
            .map(str::to_owned)
            .ok_or_else(|| "STS's answer names no Arn".to_owned())
    }
}

/// SigV4 headers for a POST of `body` to `url` with `headers`, for
/// `service` in `region`, signed with `credentials`. The body is given to
/// the signer as its hash only, so that its trace logging never sees it.
pub(super) fn sign_request(
    credentials: &aws::Credentials,
    region: &str,
    service: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Result<Vec<(String, String)>, String> {
    let identity = aws_credential_types::Credentials::new(
        credentials.access_key_id.as_str(),
        credentials.secret_access_key.as_str(),
        credentials.session_token.as_ref().map(|t| t.to_string()),
        None,
        "sealant",
    )
    .into();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(region)
        .name(service)
        .time(SystemTime::now())
        .settings(SigningSettings::default())
        .build()
        .map_err(|error| format!("cannot sign the request: {error}"))?
        .into();
    let hash = Sha256::digest(body.as_bytes());
    let hash = base16ct::lower::encode_string(&hash);
    let request = SignableRequest::new(
        "POST",
        url,
        headers.iter().copied(),
        SignableBody::Precomputed(hash),
    )
    .map_err(|error| format!("cannot sign the request: {error}"))?;
    let (instructions, _) = sign(request, &params)
        .map_err(|error| format!("cannot sign the request: {error}"))?
        .into_parts();
    Ok(instructions
        .headers()
        .map(|(name, value)| (name.to_owned(), value.to_owned()))
        .collect())
}

/// An AWS error's code and message, from KMS's JSON (`__type`, `message`)
/// or a query service's XML (`Code`, `Message`).
fn error_of(json: Option<&serde_json::Value>, text: &str) -> (String, String) {
    if let Some(json) = json {
        let code = json
            .get("__type")
            .and_then(serde_json::Value::as_str)
            .map(|code| code.rsplit('#').next().unwrap_or(code))
            .unwrap_or("-");
        let message = ["message", "Message"]
            .iter()
            .find_map(|field| json.get(*field).and_then(serde_json::Value::as_str))
            .unwrap_or_default();
        return (code.to_owned(), message.to_owned());
    }
    (
        aws::xml_field(text, "Code").unwrap_or("-").to_owned(),
        aws::xml_field(text, "Message")
            .unwrap_or_default()
            .to_owned(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_region_comes_from_the_arn() {
        assert_eq!(
            region_of("arn:aws:kms:eu-west-1:111122223333:key/1234abcd").as_deref(),
            Some("eu-west-1")
        );
        assert_eq!(
            region_of("arn:aws-cn:kms:cn-north-1:111122223333:alias/sealant").as_deref(),
            Some("cn-north-1")
        );
    }

    #[test]
    fn errors_are_read_from_json_or_xml() {
        let json = serde_json::json!({"__type": "com.amazonaws.kms#AccessDeniedException", "message": "no"});
        assert_eq!(
            error_of(Some(&json), ""),
            ("AccessDeniedException".to_owned(), "no".to_owned())
        );
        let xml = "<ErrorResponse><Error><Code>SignatureDoesNotMatch</Code><Message>bad</Message></Error></ErrorResponse>";
        assert_eq!(
            error_of(None, xml),
            ("SignatureDoesNotMatch".to_owned(), "bad".to_owned())
        );
    }

    #[test]
    fn the_context_is_a_json_object() {
        let kid: Kid = "3fa2c91e".parse().unwrap();
        let json: serde_json::Value =
            serde_json::from_str(&context_json(kid, Some("production"))).unwrap();
        assert_eq!(json["sealant"], "wrapped-key-v1");
        assert_eq!(json["sealant-kid"], "3fa2c91e");
        assert_eq!(json["sealant-environment"], "production");
    }
}
