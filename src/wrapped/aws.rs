//! AWS credentials, found where the AWS SDKs look, in their order:
//! environment variables, a web identity (EKS's IAM roles for service
//! accounts), the container's credentials endpoint (ECS, EKS Pod
//! Identity), and EC2's instance metadata (IMDSv2). Each source is one or
//! two requests on loopback or link-local addresses, or to STS.

use std::time::Duration;

use zeroize::Zeroizing;

use super::{Attempt, var, with_retries};

/// Credentials to sign requests with. The secret parts are zeroized on
/// drop and never shown.
pub(super) struct Credentials {
    pub(super) access_key_id: Zeroizing<String>,
    pub(super) secret_access_key: Zeroizing<String>,
    pub(super) session_token: Option<Zeroizing<String>>,
    /// Where they came from: `environment variables`, `web identity`, ...
    pub(super) source: &'static str,
}

/// Why no credentials could be had: where, what went wrong, what to do.
pub(super) struct Failure {
    pub(super) endpoint: String,
    pub(super) reason: String,
    pub(super) hint: String,
}

impl Failure {
    fn new(endpoint: &str, reason: impl Into<String>, hint: impl Into<String>) -> Self {
        Self {
            endpoint: endpoint.to_owned(),
            reason: reason.into(),
            hint: hint.into(),
        }
    }
}

/// Link-local hosts of AWS's metadata services, reached over plain http.
const CONTAINER_HOSTS: &[&str] = &["169.254.170.2", "169.254.170.23", "fd00:ec2::23"];
const IMDS_HOSTS: &[&str] = &["169.254.169.254", "fd00:ec2::254"];

/// The first credentials the chain finds, for a client in `region`.
pub(super) fn load(agent: &ureq::Agent, region: &str) -> Result<Credentials, Failure> {
    let key_id = var("AWS_ACCESS_KEY_ID");
    let secret = var("AWS_SECRET_ACCESS_KEY");
    match (key_id, secret) {
        (Some(key_id), Some(secret)) => {
            return Ok(Credentials {
                access_key_id: Zeroizing::new(key_id),
                secret_access_key: Zeroizing::new(secret),
                session_token: var("AWS_SESSION_TOKEN").map(Zeroizing::new),
                source: "environment variables",
            });
        }
        (Some(_), None) | (None, Some(_)) => {
            return Err(Failure::new(
                "-",
                "only one of AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY is set",
                "set both, or neither",
            ));
        }
        (None, None) => {}
    }
    match (var("AWS_WEB_IDENTITY_TOKEN_FILE"), var("AWS_ROLE_ARN")) {
        (Some(file), Some(role)) => return web_identity(agent, region, &file, &role),
        (Some(_), None) | (None, Some(_)) => {
            return Err(Failure::new(
                "-",
                "only one of AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN is set",
                "set both (EKS sets both for a service account with an IAM role), or neither",
            ));
        }
        (None, None) => {}
    }
    if let Some(uri) = var("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI") {
        return container(
            agent,
            &format!("http://169.254.170.2{uri}"),
            "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        );
    }
    if let Some(url) = var("AWS_CONTAINER_CREDENTIALS_FULL_URI") {
        return container(agent, &url, "AWS_CONTAINER_CREDENTIALS_FULL_URI");
    }
    let disabled = var("AWS_EC2_METADATA_DISABLED").is_some_and(|v| v.eq_ignore_ascii_case("true"));
    let nothing = "no AWS credentials: AWS_ACCESS_KEY_ID is not set, nor a web identity \
                   (AWS_WEB_IDENTITY_TOKEN_FILE), nor container credentials \
                   (AWS_CONTAINER_CREDENTIALS_*)";
    let hint = "give the service an identity (an IAM role for its pod, task or instance), \
                or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY";
    if disabled {
        return Err(Failure::new(
            "-",
            format!("{nothing}, and AWS_EC2_METADATA_DISABLED is set"),
            hint,
        ));
    }
    instance_metadata().map_err(|failure| {
        Failure::new(
            &failure.endpoint,
            format!(
                "{nothing}, and EC2 instance metadata gave none: {}",
                failure.reason
            ),
            format!("{hint}; {}", failure.hint),
        )
    })
}

/// STS `AssumeRoleWithWebIdentity` with the token in `file` (unsigned: the
/// token is the credential).
fn web_identity(
    agent: &ureq::Agent,
    region: &str,
    file: &str,
    role: &str,
) -> Result<Credentials, Failure> {
    let (url, endpoint) = sts_url(region)?;
    let token = std::fs::read_to_string(file)
        .map(|text| Zeroizing::new(text.trim().to_owned()))
        .map_err(|error| {
            Failure::new(
                &endpoint,
                format!("cannot read the web identity token AWS_WEB_IDENTITY_TOKEN_FILE names ({file}): {error}"),
                "check the projected service-account token's mount",
            )
        })?;
    let session = var("AWS_ROLE_SESSION_NAME").unwrap_or_else(|| {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |now| now.as_secs());
        format!("sealant-{now}")
    });
    let body = Zeroizing::new(
        form_urlencoded::Serializer::new(String::new())
            .append_pair("Action", "AssumeRoleWithWebIdentity")
            .append_pair("Version", "2011-06-15")
            .append_pair("RoleArn", role)
            .append_pair("RoleSessionName", &session)
            .append_pair("WebIdentityToken", &token)
            .finish(),
    );
    let text = sts_call(
        agent,
        &url,
        &endpoint,
        &body,
        &[],
        "AssumeRoleWithWebIdentity",
    )?;
    let field = |tag| {
        xml_field(&text, tag)
            .map(|value| Zeroizing::new(value.to_owned()))
            .ok_or_else(|| {
                Failure::new(
                    &endpoint,
                    format!("STS's answer to AssumeRoleWithWebIdentity holds no {tag}"),
                    "check AWS_ENDPOINT_URL_STS",
                )
            })
    };
    Ok(Credentials {
        access_key_id: field("AccessKeyId")?,
        secret_access_key: field("SecretAccessKey")?,
        session_token: Some(field("SessionToken")?),
        source: "web identity (AWS_WEB_IDENTITY_TOKEN_FILE)",
    })
}

/// STS's URL and `host[:port]` for `region`: `AWS_ENDPOINT_URL_STS`, or
/// `AWS_ENDPOINT_URL`, or the regional endpoint.
pub(super) fn sts_url(region: &str) -> Result<(String, String), Failure> {
    let (url, name) = match (var("AWS_ENDPOINT_URL_STS"), var("AWS_ENDPOINT_URL")) {
        (Some(url), _) => (url, "AWS_ENDPOINT_URL_STS"),
        (None, Some(url)) => (url, "AWS_ENDPOINT_URL"),
        (None, None) => (
            format!("https://sts.{region}.{}", dns_suffix(region)),
            "STS's endpoint",
        ),
    };
    super::base_url(&url, name, &[])
        .map_err(|reason| Failure::new("-", reason, format!("fix {name}")))
}

/// The DNS suffix of AWS's endpoints in `region`.
pub(super) fn dns_suffix(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "amazonaws.com.cn"
    } else {
        "amazonaws.com"
    }
}

/// POSTs a form to STS (with `headers`, e.g. a signature) and returns the
/// answer's XML; an error names STS's code, message and request id.
pub(super) fn sts_call(
    agent: &ureq::Agent,
    url: &str,
    endpoint: &str,
    body: &str,
    headers: &[(String, String)],
    action: &str,
) -> Result<Zeroizing<String>, Failure> {
    let attempt = || {
        let mut request = agent
            .post(url)
            .content_type("application/x-www-form-urlencoded; charset=utf-8");
        for (name, value) in headers {
            request = request.header(name.as_str(), value.as_str());
        }
        let (status, request_id, text) = match super::read(request.send(body)) {
            Ok(answer) => answer,
            Err(reason) => return Attempt::Retry(reason),
        };
        if status == 200 {
            return Attempt::Done(Ok(text));
        }
        let code = xml_field(&text, "Code").unwrap_or("-").to_owned();
        let reason = format!(
            "STS {action}: HTTP {status} {code}: {}{}",
            xml_field(&text, "Message").unwrap_or_default(),
            request_id_of(request_id.as_deref(), &text)
        );
        if status == 429 || status >= 500 || code == "Throttling" || code == "IDPCommunicationError"
        {
            return Attempt::Retry(reason);
        }
        let hint = match code.as_str() {
            "AccessDenied" | "InvalidIdentityToken" | "ExpiredTokenException" => {
                "check the role's trust policy names this service account's OIDC provider and subject"
            }
            _ => "check AWS_ROLE_ARN and the identity token",
        };
        Attempt::Done(Err(Failure::new(endpoint, reason, hint)))
    };
    with_retries(attempt, |reason| {
        Failure::new(endpoint, reason, "check that STS is reachable")
    })
}

/// ` (request id ...)`, from a header or the XML answer; empty if neither.
pub(super) fn request_id_of(header: Option<&str>, text: &str) -> String {
    header
        .or_else(|| xml_field(text, "RequestId"))
        .map(|id| format!(" (request id {id})"))
        .unwrap_or_default()
}

/// The container's credentials: ECS's task role, or EKS Pod Identity.
fn container(agent: &ureq::Agent, url: &str, name: &str) -> Result<Credentials, Failure> {
    let (url, endpoint) = super::base_url(url, name, CONTAINER_HOSTS)
        .map_err(|reason| Failure::new("-", reason, format!("fix {name}")))?;
    let authorization = match var("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE") {
        Some(file) => Some(
            std::fs::read_to_string(&file)
                .map(|text| Zeroizing::new(text.trim().to_owned()))
                .map_err(|error| {
                    Failure::new(
                        &endpoint,
                        format!(
                            "cannot read AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE ({file}): {error}"
                        ),
                        "check the file's mount",
                    )
                })?,
        ),
        None => var("AWS_CONTAINER_AUTHORIZATION_TOKEN").map(Zeroizing::new),
    };
    let attempt = || {
        let mut request = agent.get(&url);
        if let Some(authorization) = &authorization {
            request = request.header("Authorization", authorization.as_str());
        }
        match super::read(request.call()) {
            Ok((200, _, text)) => Attempt::Done(Ok(text)),
            Ok((status, _, _)) if status == 429 || status >= 500 => {
                Attempt::Retry(format!("HTTP {status}"))
            }
            Ok((status, _, _)) => Attempt::Done(Err(format!("HTTP {status}"))),
            Err(reason) => Attempt::Retry(reason),
        }
    };
    let text = retry_plain(attempt).map_err(|reason| {
        Failure::new(
            &endpoint,
            format!("the container's credentials endpoint ({name}) gave none: {reason}"),
            "check the task's or pod's IAM role",
        )
    })?;
    credentials_json(&text, "container credentials")
        .map_err(|reason| Failure::new(&endpoint, reason, "check the endpoint"))
}

/// EC2's instance role, through IMDSv2: a session token, the role's name,
/// then its credentials. Quick to give up: off EC2 nothing answers.
fn instance_metadata() -> Result<Credentials, Failure> {
    let name = "AWS_EC2_METADATA_SERVICE_ENDPOINT";
    let url = var(name).unwrap_or_else(|| "http://169.254.169.254".to_owned());
    let (url, endpoint) = super::base_url(&url, name, IMDS_HOSTS)
        .map_err(|reason| Failure::new("-", reason, format!("fix {name}")))?;
    let agent = super::agent(Duration::from_secs(1), Duration::from_secs(2));
    let fail = |reason: String| {
        Failure::new(
            &endpoint,
            reason,
            "on EC2, attach an instance profile and allow IMDSv2",
        )
    };
    // Off EC2 the first request finds nothing; say so at once.
    let token = super::read(
        agent
            .put(format!("{url}/latest/api/token"))
            .header("X-aws-ec2-metadata-token-ttl-seconds", "60")
            .send_empty(),
    )
    .map_err(fail)?;
    if token.0 != 200 {
        return Err(fail(format!("HTTP {} for a session token", token.0)));
    }
    let token = token.2;
    let get = |path: &str| {
        retry_plain(|| {
            match super::read(
                agent
                    .get(format!(
                        "{url}/latest/meta-data/iam/security-credentials/{path}"
                    ))
                    .header("X-aws-ec2-metadata-token", token.as_str())
                    .call(),
            ) {
                Ok((200, _, text)) => Attempt::Done(Ok(text)),
                Ok((404, _, _)) => Attempt::Done(Err("the instance has no IAM role".to_owned())),
                Ok((status, _, _)) if status >= 500 => Attempt::Retry(format!("HTTP {status}")),
                Ok((status, _, _)) => Attempt::Done(Err(format!("HTTP {status}"))),
                Err(reason) => Attempt::Retry(reason),
            }
        })
        .map_err(fail)
    };
    let roles = get("")?;
    let role = roles.lines().next().unwrap_or_default().trim().to_owned();
    if role.is_empty() {
        return Err(fail("the instance has no IAM role".to_owned()));
    }
    let text = get(&role)?;
    credentials_json(&text, "EC2 instance metadata (IMDSv2)").map_err(fail)
}

/// [`with_retries`] for requests whose errors are plain reasons.
fn retry_plain<T>(attempt: impl FnMut() -> Attempt<T, String>) -> Result<T, String> {
    with_retries(attempt, |reason| reason)
}

/// Reads `{"AccessKeyId", "SecretAccessKey", "Token"}`, the metadata
/// services' shape.
fn credentials_json(text: &str, source: &'static str) -> Result<Credentials, String> {
    let mut json: serde_json::Value =
        serde_json::from_str(text).map_err(|_| format!("the {source} answer is not JSON"))?;
    let mut take = |field: &str| match json.get_mut(field).map(serde_json::Value::take) {
        Some(serde_json::Value::String(value)) => Ok(Zeroizing::new(value)),
        _ => Err(format!("the {source} answer holds no {field}")),
    };
    Ok(Credentials {
        access_key_id: take("AccessKeyId")?,
        secret_access_key: take("SecretAccessKey")?,
        session_token: take("Token").ok(),
        source,
    })
}

/// The text of the first `<tag>...</tag>` in `xml`: STS's and AWS's query
/// answers, whose fields are flat text (base64, ARNs, ids).
pub(super) fn xml_field<'a>(xml: &'a str, tag: &str) -> Option<&'a str> {
    let open = format!("<{tag}>");
    let start = xml.find(&open)? + open.len();
    let end = xml[start..].find(&format!("</{tag}>"))? + start;
    Some(&xml[start..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_flat_xml_fields() {
        let xml = "<R><Credentials><AccessKeyId>ASIA1</AccessKeyId><SessionToken>a+b/c=</SessionToken></Credentials><RequestId>r-1</RequestId></R>";
        assert_eq!(xml_field(xml, "AccessKeyId"), Some("ASIA1"));
        assert_eq!(xml_field(xml, "SessionToken"), Some("a+b/c="));
        assert_eq!(xml_field(xml, "Code"), None);
        assert_eq!(request_id_of(None, xml), " (request id r-1)");
        assert_eq!(request_id_of(Some("h-2"), xml), " (request id h-2)");
        assert_eq!(request_id_of(None, "<x/>"), "");
    }

    #[test]
    fn reads_metadata_credentials() {
        let creds = credentials_json(
            r#"{"AccessKeyId":"AK","SecretAccessKey":"SK","Token":"T","Expiration":"x"}"#,
            "container credentials",
        )
        .unwrap();
        assert_eq!(creds.access_key_id.as_str(), "AK");
        assert_eq!(creds.secret_access_key.as_str(), "SK");
        assert_eq!(
            creds.session_token.as_deref().map(String::as_str),
            Some("T")
        );
        let missing = credentials_json(r#"{"AccessKeyId":"AK"}"#, "x")
            .err()
            .unwrap();
        assert!(missing.contains("SecretAccessKey"), "{missing}");
        assert!(credentials_json("<html>", "x").is_err());
    }

    #[test]
    fn china_regions_have_their_own_suffix() {
        assert_eq!(dns_suffix("cn-north-1"), "amazonaws.com.cn");
        assert_eq!(dns_suffix("eu-west-1"), "amazonaws.com");
    }
}
