//! `cargo sealant seal`.

use std::io::{self, IsTerminal, Read, Write};

use zeroize::Zeroizing;

use crate::cli::SealArgs;
use crate::error::CliError;
use crate::{audit, keys, policy};

pub(crate) fn run(args: &SealArgs) -> Result<(), CliError> {
    // Check the name and the key before asking for the secret.
    sealant_format::validate_name(&args.name).map_err(sealant::Error::from)?;
    if !args.env.is_empty() || args.all_envs {
        return seal_to_envs(args);
    }
    let keyring = keys::load(args.key_file.as_deref())?;
    let key = keys::sealing_key(&keyring)?;

    let plaintext = read_plaintext(&args.name, args.keep_newline)?;
    let blob = key.seal(&args.name, plaintext.as_bytes())?;
    audit::secret(&args.name, None, key.kid());
    let output = if args.rust {
        rust_item(&args.name, &blob, "")
    } else {
        format!("{blob}\n")
    };
    io::stdout()
        .lock()
        .write_all(output.as_bytes())
        .map_err(|e| {
            CliError::io(
                "cannot write the blob to stdout",
                &e,
                "check where stdout goes",
            )
        })?;
    eprintln!("sealed {} with key {}", args.name, key.kid());
    Ok(())
}

/// Seals to the active public key of each environment named (or of every
/// environment), from one read of the plaintext.
fn seal_to_envs(args: &SealArgs) -> Result<(), CliError> {
    let loaded = policy::load()?;
    let (envs, recipients): (Vec<String>, Vec<_>) = loaded
        .recipients(&args.env, args.all_envs)?
        .into_iter()
        .unzip();
    let plaintext = read_plaintext(&args.name, args.keep_newline)?;
    let blobs = envs
        .iter()
        .zip(&recipients)
        .map(|(env, recipient)| recipient.seal(env, &args.name, plaintext.as_bytes()))
        .collect::<Result<Vec<_>, _>>()?;
    for (env, recipient) in envs.iter().zip(&recipients) {
        audit::secret(&args.name, Some(env), recipient.kid());
    }
    let output = if args.rust {
        rust_item_v2(&args.name, &envs, &blobs, "")
    } else {
        blobs.iter().map(|blob| format!("{blob}\n")).collect()
    };
    io::stdout()
        .lock()
        .write_all(output.as_bytes())
        .map_err(|e| {
            CliError::io(
                "cannot write the blobs to stdout",
                &e,
                "check where stdout goes",
            )
        })?;
    for (env, recipient) in envs.iter().zip(&recipients) {
        eprintln!(
            "sealed {} for {env} with key {}",
            args.name,
            recipient.kid()
        );
    }
    Ok(())
}

/// The item for v2 blobs: a plain string for one, an array with each
/// blob's environment for several.
pub(crate) fn rust_item_v2(name: &str, envs: &[String], blobs: &[String], vis: &str) -> String {
    if let [blob] = blobs {
        return rust_item(name, blob, vis);
    }
    let single = rust_item(name, "", vis);
    let head = single
        .split_once(" = ")
        .map_or(single.as_str(), |(head, _)| head);
    format!("{head} = {};\n", list_value(envs, blobs, "", "\n"))
}

/// The value of an item with one blob per environment, each on its line
/// with its environment, for an item indented by `indent`.
pub(crate) fn list_value(envs: &[String], blobs: &[String], indent: &str, newline: &str) -> String {
    let mut value = format!("[{newline}");
    for (env, blob) in envs.iter().zip(blobs) {
        value.push_str(&format!("{indent}    \"{blob}\", // {env}{newline}"));
    }
    value.push_str(indent);
    value.push(']');
    value
}

/// The secret, from a hidden prompt on a terminal or else all of stdin.
pub(crate) fn read_plaintext(
    name: &str,
    keep_newline: bool,
) -> Result<Zeroizing<String>, CliError> {
    let stdin = io::stdin();
    let mut text = if stdin.is_terminal() {
        let prompt = format!("secret for {name} (input hidden): ");
        Zeroizing::new(rpassword::prompt_password(prompt).map_err(|e| {
            CliError::io(
                "cannot read the secret from the terminal",
                &e,
                "pipe the secret on stdin instead",
            )
        })?)
    } else {
        let mut bytes = Zeroizing::new(Vec::new());
        stdin.lock().read_to_end(&mut bytes).map_err(|e| {
            CliError::io(
                "cannot read the secret from stdin",
                &e,
                "pipe the secret on stdin",
            )
        })?;
        match String::from_utf8(std::mem::take(&mut *bytes)) {
            Ok(text) => Zeroizing::new(text),
            Err(not_utf8) => {
                drop(Zeroizing::new(not_utf8.into_bytes()));
                return Err(CliError::new(
                    "the secret on stdin is not UTF-8 text",
                    "sealant secrets are strings; encode binary secrets, e.g. as base64, before sealing",
                ));
            }
        }
    };
    if !keep_newline {
        let trimmed = text
            .strip_suffix("\r\n")
            .or_else(|| text.strip_suffix('\n'))
            .map(str::len);
        if let Some(len) = trimmed {
            text.truncate(len);
        }
    }
    if text.is_empty() {
        return Err(CliError::new(
            "the secret is empty",
            format!(
                "pipe the secret on stdin: printf %s \"$VALUE\" | cargo sealant seal --name {name}"
            ),
        ));
    }
    Ok(text)
}

/// The Rust identifier of the item that holds the secret `name`: the name
/// in upper case, with `_` for what an identifier cannot hold.
pub(crate) fn rust_ident(name: &str) -> String {
    let mut ident: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect();
    if ident.starts_with(|c: char| c.is_ascii_digit()) {
        ident.insert(0, '_');
    }
    ident
}

/// `#[secret] {vis}const NAME: Sealed = "...";`, with `name = "..."` when
/// the secret's name is not a Rust identifier.
pub(crate) fn rust_item(name: &str, blob: &str, vis: &str) -> String {
    let ident = rust_ident(name);
    let attr = if ident == name {
        "#[secret]".to_owned()
    } else {
        format!("#[secret(name = \"{name}\")]")
    };
    format!("{attr}\n{vis}const {ident}: Sealed = \"{blob}\";\n")
}

#[cfg(test)]
mod tests {
    use super::rust_item;

    #[test]
    fn rust_item_uses_the_name_as_identifier_when_it_can() {
        assert_eq!(
            rust_item("API_TOKEN", "B", ""),
            "#[secret]\nconst API_TOKEN: Sealed = \"B\";\n"
        );
        assert_eq!(
            rust_item("db.password-2", "B", "pub(crate) "),
            "#[secret(name = \"db.password-2\")]\npub(crate) const DB_PASSWORD_2: Sealed = \"B\";\n"
        );
        assert_eq!(
            rust_item("1st", "B", ""),
            "#[secret(name = \"1st\")]\nconst _1ST: Sealed = \"B\";\n"
        );
    }
}
