//! AWS credentials, found where the AWS SDKs look, in their order:
//! environment variables, a profile of the shared files (`~/.aws/credentials`
//! and `~/.aws/config`: static keys or a `credential_process`), a web
//! identity (EKS's IAM roles for service accounts), the container's
//! credentials endpoint (ECS, EKS Pod Identity), and EC2's instance
//! metadata (IMDSv2). Each of the last three is one or two requests on
//! loopback or link-local addresses, or to STS.

use std::path::PathBuf;
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
    pub(super) source: String,
    /// The `Version` of credential JSON that gave one.
    version: Option<u64>,
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
                source: "environment variables".to_owned(),
                version: None,
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
    if let Some(credentials) = profile(&var, Some(&Sts { agent, region }))? {
        return Ok(credentials);
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
    let nothing = "no AWS credentials: AWS_ACCESS_KEY_ID is not set, nor AWS_PROFILE, \
                   nor a web identity (AWS_WEB_IDENTITY_TOKEN_FILE), nor container \
                   credentials (AWS_CONTAINER_CREDENTIALS_*), and the shared files hold \
                   no default profile with credentials";
    let hint = "give the service an identity (an IAM role for its pod, task or instance), \
                or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE";
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

/// The credentials of the profile `AWS_PROFILE` names (or `default`), from
/// the shared files the AWS CLI writes: static keys, the output of its
/// `credential_process`, or a role it assumes (`role_arn`) with the
/// credentials of its `source_profile`, through STS in `sts`'s region. The
/// credentials file's keys come before the config file's. `None` when
/// `AWS_PROFILE` is not set and there is no default profile with
/// credentials, so that a laptop's `[default]` that only names a region
/// lets the chain go on. A profile the SDKs would resolve some other way
/// (SSO, an MFA prompt) is an error that says how to hand its credentials
/// over.
fn profile(
    var: &dyn Fn(&str) -> Option<String>,
    sts: Option<&Sts<'_>>,
) -> Result<Option<Credentials>, Failure> {
    let named = var("AWS_PROFILE");
    let name = named.clone().unwrap_or_else(|| "default".to_owned());
    let files = SharedFiles::read(var)?;
    let Some(found) = files.profile(&name) else {
        return match named {
            Some(_) => Err(Failure::new(
                "-",
                format!(
                    "AWS_PROFILE names profile {name}, which is not in {}",
                    files.names
                ),
                "check the profile's name (`aws configure list-profiles`), or unset AWS_PROFILE",
            )),
            None => Ok(None),
        };
    };
    resolve(&files, &name, &found, named.is_some(), sts, 0)
}

/// STS, for a profile's role: where, and over what.
pub(super) struct Sts<'a> {
    pub(super) agent: &'a ureq::Agent,
    pub(super) region: &'a str,
}

/// The longest chain of `source_profile`s followed; a longer one is most
/// likely a loop.
const MAX_PROFILE_CHAIN: usize = 4;

/// The credentials of the profile `name` (`found`), `depth` profiles down a
/// chain of `source_profile`s. With `required`, a profile that holds none
/// is an error rather than `None`.
fn resolve(
    files: &SharedFiles,
    name: &str,
    found: &Profile,
    required: bool,
    sts: Option<&Sts<'_>>,
    depth: usize,
) -> Result<Option<Credentials>, Failure> {
    let source = format!("profile {name} ({})", found.file);
    match (
        found.get("aws_access_key_id"),
        found.get("aws_secret_access_key"),
    ) {
        (Some(key_id), Some(secret)) => {
            return Ok(Some(Credentials {
                access_key_id: Zeroizing::new(key_id.to_owned()),
                secret_access_key: Zeroizing::new(secret.to_owned()),
                session_token: found
                    .get("aws_session_token")
                    .map(|token| Zeroizing::new(token.to_owned())),
                source,
                version: None,
            }));
        }
        (Some(_), None) | (None, Some(_)) => {
            return Err(Failure::new(
                "-",
                format!(
                    "profile {name} sets only one of aws_access_key_id and aws_secret_access_key"
                ),
                format!("set both in {}", files.names),
            ));
        }
        (None, None) => {}
    }
    if let Some(command) = found.get("credential_process") {
        return credential_process(command, name, source).map(Some);
    }
    let export = format!(
        "hand them over as variables: `eval \"$(aws configure export-credentials \
         --profile {name} --format env)\"`, or give the profile a credential_process"
    );
    if let Some(role) = found.get("role_arn") {
        let refuse = |reason: String| Err(Failure::new("-", reason, export.clone()));
        if found.get("mfa_serial").is_some() {
            return refuse(format!(
                "profile {name}'s role needs an MFA code (mfa_serial), which Sealant does not prompt for"
            ));
        }
        let Some(source_name) = found.get("source_profile") else {
            return refuse(match found.get("credential_source") {
                Some(_) => format!(
                    "profile {name}'s role takes its credentials from credential_source, \
                     which Sealant does not follow"
                ),
                None => format!("profile {name} names a role_arn but no source_profile"),
            });
        };
        if depth + 1 > MAX_PROFILE_CHAIN || source_name == name {
            return refuse(format!(
                "profile {name}'s source_profile chain loops or is longer than {MAX_PROFILE_CHAIN}"
            ));
        }
        let Some(source_found) = files.profile(source_name) else {
            return refuse(format!(
                "profile {name}'s source_profile {source_name} is not in {}",
                files.names
            ));
        };
        let from = resolve(files, source_name, &source_found, true, sts, depth + 1)?
            .expect("a required profile gives credentials or an error");
        let Some(sts) = sts else {
            return refuse(format!("profile {name}'s role cannot be assumed here"));
        };
        return assume_role(sts, role, found, name, &from).map(Some);
    }
    let other = [
        "source_profile",
        "credential_source",
        "sso_session",
        "sso_start_url",
        "web_identity_token_file",
        "login_session",
    ]
    .into_iter()
    .find(|key| found.get(key).is_some());
    match (other, required) {
        (Some(key), _) => Err(Failure::new(
            "-",
            format!(
                "profile {name} gets its credentials through {key}, which Sealant does not follow"
            ),
            export,
        )),
        (None, true) => Err(Failure::new(
            "-",
            format!("profile {name} in {} holds no credentials", files.names),
            "give it aws_access_key_id and aws_secret_access_key, a credential_process, \
             or a role_arn with a source_profile",
        )),
        (None, false) => Ok(None),
    }
}

/// STS `AssumeRole` of `role` for the profile `name` (`found`: its
/// `role_session_name`, `external_id`, `duration_seconds`), signed with the
/// credentials of its source profile.
fn assume_role(
    sts: &Sts<'_>,
    role: &str,
    found: &Profile,
    name: &str,
    from: &Credentials,
) -> Result<Credentials, Failure> {
    let (url, endpoint) = sts_url(sts.region)?;
    let url = format!("{url}/");
    let session = found
        .get("role_session_name")
        .map_or_else(session_name, str::to_owned);
    let mut form = form_urlencoded::Serializer::new(String::new());
    form.append_pair("Action", "AssumeRole")
        .append_pair("Version", "2011-06-15")
        .append_pair("RoleArn", role)
        .append_pair("RoleSessionName", &session);
    if let Some(external_id) = found.get("external_id") {
        form.append_pair("ExternalId", external_id);
    }
    if let Some(duration) = found.get("duration_seconds") {
        form.append_pair("DurationSeconds", duration);
    }
    let body = Zeroizing::new(form.finish());
    let content_type = "application/x-www-form-urlencoded; charset=utf-8";
    let signed = super::kms::sign_request(
        from,
        sts.region,
        "sts",
        &url,
        &[("content-type", content_type)],
        &body,
    )
    .map_err(|reason| Failure::new(&endpoint, reason, "report a bug"))?;
    let text = sts_call(sts.agent, &url, &endpoint, &body, &signed, "AssumeRole")?;
    sts_credentials(
        &text,
        &endpoint,
        "AssumeRole",
        format!(
            "role {role} of profile {name}, assumed with {}",
            from.source
        ),
    )
}

/// A session name for a role: `sealant-<unix time>`.
fn session_name() -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |now| now.as_secs());
    format!("sealant-{now}")
}

/// The credentials in STS's answer `text` to `action`.
fn sts_credentials(
    text: &str,
    endpoint: &str,
    action: &str,
    source: String,
) -> Result<Credentials, Failure> {
    let field = |tag| {
        xml_field(text, tag)
            .map(|value| Zeroizing::new(value.to_owned()))
            .ok_or_else(|| {
                Failure::new(
                    endpoint,
                    format!("STS's answer to {action} holds no {tag}"),
                    "check AWS_ENDPOINT_URL_STS",
                )
            })
    };
    Ok(Credentials {
        access_key_id: field("AccessKeyId")?,
        secret_access_key: field("SecretAccessKey")?,
        session_token: Some(field("SessionToken")?),
        source,
        version: None,
    })
}

/// The shared files, read once: each one's path and text, the
/// credentials file first.
struct SharedFiles {
    files: Vec<(PathBuf, Zeroizing<String>, Kind)>,
    /// Their paths, for messages.
    names: String,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Credentials,
    Config,
}

/// One profile's `key = value` entries (keys lowercased, values in
/// zeroizing memory), and the file it was first found in.
struct Profile {
    file: String,
    entries: Vec<(String, Zeroizing<String>)>,
}

impl Profile {
    /// The first non-empty value of `key`: the credentials file's first.
    fn get(&self, key: &str) -> Option<&str> {
        self.entries
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, value)| value.as_str())
            .filter(|value| !value.is_empty())
    }
}

impl SharedFiles {
    /// `AWS_SHARED_CREDENTIALS_FILE` and `AWS_CONFIG_FILE`, or
    /// `~/.aws/credentials` and `~/.aws/config`; those that exist.
    fn read(var: &dyn Fn(&str) -> Option<String>) -> Result<Self, Failure> {
        let home = var("HOME")
            .or_else(|| var("USERPROFILE"))
            .map(PathBuf::from);
        let path = |var_name: &str, file: &str| {
            var(var_name)
                .map(PathBuf::from)
                .or_else(|| home.as_ref().map(|home| home.join(".aws").join(file)))
        };
        let paths = [
            (
                path("AWS_SHARED_CREDENTIALS_FILE", "credentials"),
                Kind::Credentials,
            ),
            (path("AWS_CONFIG_FILE", "config"), Kind::Config),
        ];
        let names = paths
            .iter()
            .filter_map(|(path, _)| path.as_ref().map(|path| path.display().to_string()))
            .collect::<Vec<_>>()
            .join(" and ");
        let mut files = Vec::new();
        for (path, kind) in paths {
            let Some(path) = path else { continue };
            if let Some(text) = read_shared_file(&path)? {
                files.push((path, text, kind));
            }
        }
        Ok(Self { files, names })
    }

    /// The profile `name`: `[name]` in the credentials file, `[profile
    /// name]` in the config file (the default profile may also be
    /// `[default]` there).
    fn profile(&self, name: &str) -> Option<Profile> {
        let profile_section = format!("profile {name}");
        let mut found: Option<Profile> = None;
        for (path, text, kind) in &self.files {
            let sections: &[&str] = match kind {
                Kind::Credentials => &[name],
                Kind::Config if name == "default" => &["default", "profile default"],
                Kind::Config => &[profile_section.as_str()],
            };
            for entries in sections
                .iter()
                .filter_map(|section| ini_section(text, section))
            {
                found
                    .get_or_insert_with(|| Profile {
                        file: path.display().to_string(),
                        entries: Vec::new(),
                    })
                    .entries
                    .extend(entries.into_iter().map(|(key, value)| {
                        (key.to_ascii_lowercase(), Zeroizing::new(value.to_owned()))
                    }));
            }
        }
        found
    }
}

/// The largest shared file read: a bound keeps a mistaken path such as
/// `/dev/zero` from filling memory.
const MAX_SHARED_FILE: u64 = 1024 * 1024;

/// The text of a shared AWS file, in memory zeroized on drop (it may hold
/// secret keys); `None` if there is no such file.
fn read_shared_file(path: &std::path::Path) -> Result<Option<Zeroizing<String>>, Failure> {
    use std::io::Read as _;
    let unreadable = |error: std::io::Error| {
        Failure::new(
            "-",
            format!("cannot read {}: {error}", path.display()),
            "fix the file's permissions, or point AWS_SHARED_CREDENTIALS_FILE / AWS_CONFIG_FILE elsewhere",
        )
    };
    let file = match std::fs::File::open(path) {
        Ok(file) => file,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(error) => return Err(unreadable(error)),
    };
    let room = usize::try_from(MAX_SHARED_FILE).unwrap_or(usize::MAX - 1) + 1;
    let mut bytes = Zeroizing::new(Vec::with_capacity(room));
    file.take(MAX_SHARED_FILE + 1)
        .read_to_end(&mut bytes)
        .map_err(unreadable)?;
    if bytes.len() as u64 > MAX_SHARED_FILE {
        return Err(Failure::new(
            "-",
            format!(
                "{} is larger than 1 MiB, which no AWS shared file is",
                path.display()
            ),
            "point AWS_SHARED_CREDENTIALS_FILE / AWS_CONFIG_FILE at the right file",
        ));
    }
    let text = std::str::from_utf8(&bytes).map_err(|_| {
        Failure::new(
            "-",
            format!("{} is not UTF-8 text", path.display()),
            "point AWS_SHARED_CREDENTIALS_FILE / AWS_CONFIG_FILE at the right file",
        )
    })?;
    Ok(Some(Zeroizing::new(text.to_owned())))
}

/// The `key = value` lines of the section `[name]` of an INI text, as the
/// AWS CLI writes its shared files (`#` and `;` start comments; indented
/// lines belong to the property above, a service's settings, and are
/// skipped). `None` if there is no such section; repeated sections add up.
fn ini_section<'a>(text: &'a str, name: &str) -> Option<Vec<(&'a str, &'a str)>> {
    let mut entries = None;
    let mut inside = false;
    for line in text.lines() {
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') || trimmed.starts_with(';') {
            continue;
        }
        if let Some(header) = trimmed.strip_prefix('[') {
            let header = header.split(']').next().unwrap_or_default();
            // `[profile  name]`: any run of blanks between the words.
            let words: Vec<&str> = header.split_whitespace().collect();
            let wanted: Vec<&str> = name.split_whitespace().collect();
            inside = words == wanted;
            if inside {
                entries.get_or_insert_with(Vec::new);
            }
            continue;
        }
        if !inside || line.starts_with([' ', '\t']) {
            continue;
        }
        if let (Some(entries), Some((key, value))) = (entries.as_mut(), trimmed.split_once('=')) {
            entries.push((key.trim(), value.trim()));
        }
    }
    entries
}

/// Runs a profile's `credential_process` and reads the credentials it
/// prints (`{"Version": 1, "AccessKeyId", "SecretAccessKey",
/// "SessionToken"}`). Errors name the program, never its arguments (they
/// may hold secrets) nor its output.
fn credential_process(command: &str, name: &str, source: String) -> Result<Credentials, Failure> {
    let program = command.split_whitespace().next().unwrap_or_default();
    let failed = |reason: String| {
        Failure::new(
            "-",
            format!(
                "the credential_process of profile {name} (`{program}`, arguments not shown): {reason}"
            ),
            "run it by hand to see why; it must print AWS's credential JSON (Version 1)",
        )
    };
    let output = crate::source::run_shell(
        std::ffi::OsStr::new(command),
        crate::source::COMMAND_TIMEOUT,
        64 * 1024,
        "no credentials are",
    )
    .map_err(failed)?;
    let text =
        std::str::from_utf8(&output).map_err(|_| failed("its output is not UTF-8".to_owned()))?;
    let mut credentials =
        credentials_json(text, "credential_process", "SessionToken").map_err(failed)?;
    if credentials.version != Some(1) {
        return Err(failed(
            "its output is not credential JSON with \"Version\": 1".to_owned(),
        ));
    }
    credentials.source = source;
    Ok(credentials)
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
    let session = var("AWS_ROLE_SESSION_NAME").unwrap_or_else(session_name);
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
    sts_credentials(
        &text,
        &endpoint,
        "AssumeRoleWithWebIdentity",
        "web identity (AWS_WEB_IDENTITY_TOKEN_FILE)".to_owned(),
    )
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
        let hint = match (action, code.as_str()) {
            ("AssumeRole", "AccessDenied") => {
                "check that the source profile's identity may call sts:AssumeRole on the role, \
                 and that the role's trust policy names it"
            }
            ("AssumeRole", _) => "check the profile's role_arn and its source_profile's keys",
            (_, "AccessDenied" | "InvalidIdentityToken" | "ExpiredTokenException") => {
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
    credentials_json(&text, "container credentials", "Token")
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
    credentials_json(&text, "EC2 instance metadata (IMDSv2)", "Token").map_err(fail)
}

/// [`with_retries`] for requests whose errors are plain reasons.
fn retry_plain<T>(attempt: impl FnMut() -> Attempt<T, String>) -> Result<T, String> {
    with_retries(attempt, |reason| reason)
}

/// Reads `{"AccessKeyId", "SecretAccessKey", <token>}`: the metadata
/// services' shape (`Token`) and `credential_process`'s (`SessionToken`).
fn credentials_json(text: &str, source: &str, token: &str) -> Result<Credentials, String> {
    let mut json: serde_json::Value =
        serde_json::from_str(text).map_err(|_| format!("the {source} answer is not JSON"))?;
    let version = json.get("Version").and_then(serde_json::Value::as_u64);
    // Each secret string is taken out of the parsed value into zeroizing
    // memory, so that dropping the value frees none of them.
    let mut take = |field: &str| match json.get_mut(field).map(serde_json::Value::take) {
        Some(serde_json::Value::String(value)) => Ok(Zeroizing::new(value)),
        _ => Err(format!("the {source} answer holds no {field}")),
    };
    Ok(Credentials {
        access_key_id: take("AccessKeyId")?,
        secret_access_key: take("SecretAccessKey")?,
        session_token: take(token).ok(),
        source: source.to_owned(),
        version,
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
            "Token",
        )
        .unwrap();
        assert_eq!(creds.access_key_id.as_str(), "AK");
        assert_eq!(creds.secret_access_key.as_str(), "SK");
        assert_eq!(
            creds.session_token.as_deref().map(String::as_str),
            Some("T")
        );
        let missing = credentials_json(r#"{"AccessKeyId":"AK"}"#, "x", "Token")
            .err()
            .unwrap();
        assert!(missing.contains("SecretAccessKey"), "{missing}");
        assert!(credentials_json("<html>", "x", "Token").is_err());
    }

    #[test]
    fn china_regions_have_their_own_suffix() {
        assert_eq!(dns_suffix("cn-north-1"), "amazonaws.com.cn");
        assert_eq!(dns_suffix("eu-west-1"), "amazonaws.com");
    }
    #[test]
    fn reads_sections_of_the_shared_files() {
        let text = "# comment\n[default]\nregion = eu-west-1\n\n[profile  dev]\n\
                    aws_access_key_id=AKDEV\n; another\ns3 =\n  max_concurrent_requests = 20\n\
                    aws_secret_access_key = sk = with equals\n[other]\nx = 1\n[profile dev]\ny = 2\n";
        assert_eq!(
            ini_section(text, "default"),
            Some(vec![("region", "eu-west-1")])
        );
        assert_eq!(
            ini_section(text, "profile dev"),
            Some(vec![
                ("aws_access_key_id", "AKDEV"),
                ("s3", ""),
                ("aws_secret_access_key", "sk = with equals"),
                ("y", "2"),
            ])
        );
        assert_eq!(ini_section(text, "dev"), None);
        assert_eq!(ini_section("[empty]\n", "empty"), Some(vec![]));
    }

    /// A lookup of the given variables only, as `var` reads the process's.
    fn vars(pairs: &[(&str, String)]) -> impl Fn(&str) -> Option<String> {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(name, value)| ((*name).to_owned(), value.clone()))
            .collect();
        move |name| {
            pairs
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.clone())
        }
    }

    fn files(credentials: &str, config: &str) -> (tempfile::TempDir, Vec<(&'static str, String)>) {
        let dir = tempfile::tempdir().unwrap();
        let mut env = vec![("HOME", dir.path().join("home").display().to_string())];
        for (name, file, text) in [
            ("AWS_SHARED_CREDENTIALS_FILE", "credentials", credentials),
            ("AWS_CONFIG_FILE", "config", config),
        ] {
            let path = dir.path().join(file);
            std::fs::write(&path, text).unwrap();
            env.push((name, path.display().to_string()));
        }
        (dir, env)
    }

    fn message(failure: Failure) -> String {
        format!("{}; {}", failure.reason, failure.hint)
    }

    #[test]
    fn a_profile_gives_its_keys_and_the_credentials_file_comes_first() {
        let (_dir, mut env) = files(
            "[dev]\naws_access_key_id = AKFROMCREDS\naws_secret_access_key = secret-creds\n",
            "[profile dev]\naws_access_key_id = AKFROMCONFIG\naws_session_token = tok\n\
             [default]\nregion = eu-west-1\n",
        );
        env.push(("AWS_PROFILE", "dev".to_owned()));
        let found = profile(&vars(&env), None).ok().flatten().unwrap();
        assert_eq!(found.access_key_id.as_str(), "AKFROMCREDS");
        assert_eq!(found.secret_access_key.as_str(), "secret-creds");
        assert_eq!(
            found.session_token.as_deref().map(String::as_str),
            Some("tok")
        );
        assert!(
            found.source.starts_with("profile dev ("),
            "{}",
            found.source
        );
        assert!(found.source.ends_with("credentials)"), "{}", found.source);

        // Without AWS_PROFILE, a default profile with a region only lets
        // the chain go on; no files at all, too.
        env.retain(|(name, _)| *name != "AWS_PROFILE");
        assert!(matches!(profile(&vars(&env), None), Ok(None)));
        assert!(matches!(
            profile(&vars(&[("HOME", "/nonexistent".to_owned())]), None),
            Ok(None)
        ));
    }

    #[test]
    fn a_profile_that_cannot_give_keys_says_why_and_shows_no_secret() {
        let (_dir, env) = files(
            "[half]\naws_secret_access_key = secret-half\n\
             [keys]\naws_access_key_id = AKKEYS\naws_secret_access_key = secret-keys\n",
            "[profile sso]\nsso_session = corp\n[profile bare]\nregion = us-east-1\n\
             [profile mfa]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = keys\nmfa_serial = m\n\
             [profile lonely]\nrole_arn = arn:aws:iam::1:role/r\n\
             [profile ec2]\nrole_arn = arn:aws:iam::1:role/r\ncredential_source = Ec2InstanceMetadata\n\
             [profile loop-a]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = loop-b\n\
             [profile loop-b]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = loop-a\n\
             [profile gone]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = nowhere\n\
             [profile from-bare]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = bare\n\
             [profile chained]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = keys\n",
        );
        let cases = [
            ("missing", "profile missing, which is not in"),
            (
                "half",
                "sets only one of aws_access_key_id and aws_secret_access_key",
            ),
            ("sso", "through sso_session, which Sealant does not follow"),
            ("bare", "holds no credentials"),
            ("mfa", "needs an MFA code (mfa_serial)"),
            ("lonely", "names a role_arn but no source_profile"),
            (
                "ec2",
                "from credential_source, which Sealant does not follow",
            ),
            ("loop-a", "source_profile chain loops or is longer than 4"),
            ("gone", "source_profile nowhere is not in"),
            ("from-bare", "profile bare in"),
            // Its source's keys were read; STS is not reachable in a unit
            // test (the key-service tests assume a role for real).
            ("chained", "profile chained's role cannot be assumed here"),
        ];
        for (name, expected) in cases {
            let mut env = env.clone();
            env.push(("AWS_PROFILE", name.to_owned()));
            let Err(failure) = profile(&vars(&env), None) else {
                panic!("{name}: no error")
            };
            let text = message(failure);
            assert!(text.contains(expected), "{name}: {text}");
            assert!(
                !text.contains("secret-half") && !text.contains("secret-keys"),
                "{text}"
            );
        }
    }

    #[test]
    fn a_credential_process_runs_and_never_shows_its_arguments() {
        let json = r#"{"Version": 1, "AccessKeyId": "AKPROC", "SecretAccessKey": "secret-proc", "SessionToken": "tok-proc"}"#;
        let process = |command: &str| {
            let (dir, mut env) = files(&format!("[proc]\ncredential_process = {command}\n"), "");
            env.push(("AWS_PROFILE", "proc".to_owned()));
            let result = profile(&vars(&env), None);
            drop(dir);
            result
        };
        let found = process(&format!("printf '%s' '{json}'"))
            .ok()
            .flatten()
            .unwrap();
        assert_eq!(found.access_key_id.as_str(), "AKPROC");
        assert_eq!(found.secret_access_key.as_str(), "secret-proc");
        assert_eq!(
            found.session_token.as_deref().map(String::as_str),
            Some("tok-proc")
        );
        assert!(
            found.source.starts_with("profile proc ("),
            "{}",
            found.source
        );

        for (command, expected) in [
            (
                format!("printf '%s' '{}'", json.replace("1,", "2,")),
                "not credential JSON with \"Version\": 1",
            ),
            ("exit 3 secret-proc".to_owned(), "it exited with"),
            ("printf '%s' 'secret-proc'".to_owned(), "not JSON"),
        ] {
            let Err(failure) = process(&command) else {
                panic!("{command}: no error")
            };
            let text = message(failure);
            assert!(text.contains(expected), "{command}: {text}");
            assert!(text.contains("(`"), "{text}");
            assert!(!text.contains("secret-proc"), "{command}: {text}");
        }
    }
}
