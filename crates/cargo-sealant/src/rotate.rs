//! `cargo sealant rotate`: re-seal a tree's blobs under a new key, safely.

use std::collections::{BTreeMap, BTreeSet};
use std::io::IsTerminal;
use std::ops::Range;
use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use sealant::{ExposeSecret, Key, Keyring, Kid, Sealer};
use sealant_format::AnyBlob;

use crate::check::Problems;
use crate::cli::{ResealArgs, RewriteArgs, RotateArgs};
use crate::error::CliError;
use crate::keys::TreeKeys;
use crate::policy::Policies;
use crate::scan::Found;
use crate::write::{CommitError, Staged, Target};
use crate::{hook, lock, scan, write};

/// One file to rewrite: what was read, the byte ranges to replace, and
/// the blobs that replace them.
struct Rewrite {
    target: Target,
    contents: String,
    edits: Vec<(Range<usize>, String)>,
    written: Vec<String>,
}

/// What a run re-seals, and to what.
enum Goal<'a> {
    /// `rotate --to`: v1 blobs to a new v1 key.
    Key {
        ring: &'a Keyring,
        key: &'a Key,
        only_kid: Option<Kid>,
    },
    /// `rotate --to-env`: v1 blobs to an environment's active public key,
    /// in one encapsulation.
    Env {
        sealer: Sealer,
        env: String,
        kid: Kid,
        only_kid: Option<Kid>,
    },
    /// `reseal`: v2 blobs to their environment's active public key, one
    /// encapsulation per environment (and Sealant.toml).
    Reseal {
        only_env: Option<String>,
        policies: Policies,
        sealers: BTreeMap<(PathBuf, String), (Sealer, Kid)>,
    },
}

/// The options every run of `rotate` and `reseal` takes.
struct Common<'a> {
    verb: &'static str,
    rewrite: &'a RewriteArgs,
    /// The keys of `--key-file`, and for `rotate --to`, the new key's.
    key_files: Vec<PathBuf>,
}

pub(crate) fn run(args: &RotateArgs) -> Result<(), CliError> {
    let only_kid: Option<Kid> = match &args.only_kid {
        Some(text) => Some(text.parse().map_err(|e| {
            CliError::usage(
                format!("--only-kid {text}: {e}"),
                "a kid is 8 lowercase hex digits, as `cargo sealant list` shows",
            )
        })?),
        None => None,
    };
    let mut key_files = args.rewrite.key_file.clone();
    let common = |key_files| Common {
        verb: "rotate",
        rewrite: &args.rewrite,
        key_files,
    };
    match (&args.to, &args.to_env) {
        (Some(to), None) => {
            let ring = Keyring::from_file(to)?;
            let key = crate::keys::sealing_key(&ring)?;
            key_files.push(to.clone());
            let goal = Goal::Key {
                ring: &ring,
                key,
                only_kid,
            };
            rewrite_tree(goal, common(key_files))
        }
        (None, Some(env)) => {
            let loaded = crate::policy::load()?;
            let recipient = loaded.active_recipient(env)?;
            let goal = Goal::Env {
                sealer: recipient.sealer(env)?,
                env: env.clone(),
                kid: recipient.kid(),
                only_kid,
            };
            rewrite_tree(goal, common(key_files))
        }
        _ => Err(CliError::usage(
            "rotate needs one destination: --to NEW_KEY_FILE (a v1 key) or --to-env ENV (an environment's public key)",
            "give one of them",
        )),
    }
}

pub(crate) fn run_reseal(args: &ResealArgs) -> Result<(), CliError> {
    if let Some(env) = &args.env {
        sealant_format::validate_env(env).map_err(sealant::Error::from)?;
    }
    let goal = Goal::Reseal {
        only_env: args.env.clone(),
        policies: Policies::default(),
        sealers: BTreeMap::new(),
    };
    rewrite_tree(
        goal,
        Common {
            verb: "reseal",
            rewrite: &args.rewrite,
            key_files: args.rewrite.key_file.clone(),
        },
    )
}

/// What phase 1 does with one blob.
enum Decision {
    /// Not this run's: left as it is.
    Skip,
    /// Already under its environment's active key, whose private key is
    /// not at hand: left as it is.
    Current,
    /// Opened and sealed again: the new blob's text.
    Reseal(String),
}

impl Goal<'_> {
    /// Opens `blob` of `found` and seals its plaintext again, if this run
    /// is for it; a problem goes to `problems`.
    fn decide(
        &mut self,
        found: &Found,
        blob: &AnyBlob<'_>,
        keys: &mut TreeKeys,
        problems: &mut Problems,
    ) -> Result<Decision, CliError> {
        let wanted = match (&*self, blob) {
            (Self::Key { only_kid, .. } | Self::Env { only_kid, .. }, AnyBlob::V1(v1)) => {
                only_kid.is_none_or(|kid| kid == v1.kid())
            }
            (Self::Reseal { only_env, .. }, AnyBlob::V2(v2)) => {
                only_env.as_deref().is_none_or(|env| env == v2.env())
            }
            _ => false,
        };
        if !wanted {
            return Ok(Decision::Skip);
        }
        if let (Self::Key { ring, key, .. }, AnyBlob::V1(v1)) = (&*self, blob)
            && v1.kid() == key.kid()
        {
            // Already rotated; a tampered or mislabelled one must not pass
            // unopened.
            if let Err(error) = ring.open(v1) {
                problems.blob(found, &error.to_string());
            }
            return Ok(Decision::Skip);
        }
        // reseal: the sealer of the blob's environment (its active key),
        // made once. A blob already under that key whose private key is not
        // at hand is current: left as it is, so that a rerun after an
        // interrupted reseal needs only the keys it needed before.
        let slot = match &mut *self {
            Self::Reseal {
                policies, sealers, ..
            } => {
                let env = blob.env().expect("reseal takes v2 blobs only");
                let loaded = policies
                    .for_file(&found.file)
                    .map_err(|(message, hint)| CliError::new(message, hint))?;
                let slot = (loaded.path.clone(), env.to_owned());
                if !sealers.contains_key(&slot) {
                    let recipient = loaded.active_recipient(env)?;
                    let kid = recipient.kid();
                    sealers.insert(slot.clone(), (recipient.sealer(env)?, kid));
                }
                let active = sealers[&slot].1;
                let held = keys
                    .for_var(found.key_var())
                    .ok()
                    .flatten()
                    .is_some_and(|ring| ring.kids().contains(&active));
                if blob.kid() == active && !held {
                    return Ok(Decision::Current);
                }
                Some(slot)
            }
            _ => None,
        };
        let plaintext = match keys.for_var(found.key_var()) {
            Ok(Some(ring)) => match ring.open_any(blob) {
                Ok(plaintext) => plaintext,
                Err(error) => {
                    problems.blob(found, &error.to_string());
                    return Ok(Decision::Skip);
                }
            },
            Ok(None) => {
                problems.no_key(found);
                return Ok(Decision::Skip);
            }
            Err(reason) => {
                problems.key_error(found, reason);
                return Ok(Decision::Skip);
            }
        };
        crate::audit::secret(blob.name(), blob.env(), blob.kid());
        let plaintext = plaintext.expose_secret().as_bytes();
        let sealed = match self {
            Self::Key { key, .. } => key.seal(blob.name(), plaintext)?,
            Self::Env { sealer, .. } => sealer.seal(blob.name(), plaintext)?,
            Self::Reseal { sealers, .. } => {
                let slot = slot.expect("made above for reseal");
                sealers[&slot].0.seal(blob.name(), plaintext)?
            }
        };
        if let Ok(new) = sealant_format::AnyBlob::parse(&sealed) {
            crate::audit::secret(new.name(), new.env(), new.kid());
        }
        Ok(Decision::Reseal(sealed))
    }

    /// What the run did, for its last line.
    fn summary(&self, secrets: usize, files: usize, old: &BTreeSet<Kid>) -> String {
        let old: Vec<_> = old.iter().map(Kid::to_string).collect();
        let old = if old.is_empty() {
            "-".to_owned()
        } else {
            old.join(", ")
        };
        match self {
            Self::Key { key, .. } => {
                format!(
                    "{secrets} secrets in {files} files: key {old} -> {}",
                    key.kid()
                )
            }
            Self::Env { env, kid, .. } => {
                format!(
                    "{secrets} secrets in {files} files: key {old} -> environment {env}, key {kid}"
                )
            }
            Self::Reseal { sealers, .. } => {
                let to: Vec<String> = sealers
                    .iter()
                    .map(|((_, env), (_, kid))| format!("{env} -> key {kid}"))
                    .collect();
                format!(
                    "{secrets} secrets in {files} files: {}, one encapsulation each",
                    if to.is_empty() {
                        "-".to_owned()
                    } else {
                        to.join(", ")
                    }
                )
            }
        }
    }
}

/// Opens every blob the goal is for, re-seals it, and rewrites the tree:
/// all or nothing before the first rename, each file whole after it.
fn rewrite_tree(mut goal: Goal<'_>, common: Common<'_>) -> Result<(), CliError> {
    let verb = common.verb;
    // Every directory of the tree is locked before any file is read, so
    // that what is read is what is rewritten; a dry run writes nothing and
    // needs no lock.
    let (files, skipped) = scan::walk(&common.rewrite.paths)?;
    let lock = if common.rewrite.dry_run {
        None
    } else {
        Some(lock::lock_dirs_of(&files)?)
    };
    let tree = scan::scan_files(&files, skipped);
    tree.report_skipped();

    // Phase 1: open every blob to re-seal, in memory, before changing
    // anything.
    let mut keys = TreeKeys::new(common.key_files);
    let mut rewrites = Vec::new();
    let mut problems = Problems::default();
    let mut old_kids = BTreeSet::new();
    let mut left = 0usize;
    let mut current = 0usize;
    let mut vars: BTreeMap<String, BTreeSet<Kid>> = BTreeMap::new();
    let progress = progress_bar(tree.files.len() as u64, "opening");
    for file in tree.files {
        progress.inc(1);
        let mut edits = Vec::new();
        let mut written = Vec::new();
        for f in &file.found {
            let Some(blob) = f.blob() else {
                problems.blob(
                    f,
                    "not a well-formed sealed blob (run `cargo sealant check`)",
                );
                continue;
            };
            match goal.decide(f, &blob, &mut keys, &mut problems)? {
                Decision::Skip => {
                    let other_version = matches!(
                        (&goal, &blob),
                        (Goal::Key { .. } | Goal::Env { .. }, AnyBlob::V2(_))
                            | (Goal::Reseal { .. }, AnyBlob::V1(_))
                    );
                    left += usize::from(other_version);
                }
                Decision::Current => current += 1,
                Decision::Reseal(sealed) => {
                    edits.extend(f.replacement(&sealed));
                    written.push(sealed);
                    old_kids.insert(blob.kid());
                    vars.entry(f.key_var().to_owned())
                        .or_default()
                        .insert(blob.kid());
                }
            }
        }
        if !edits.is_empty() {
            let target = Target::inspect(&file.path, common.rewrite.force)?;
            rewrites.push(Rewrite {
                target,
                contents: file.contents,
                edits,
                written,
            });
        }
    }
    progress.finish_and_clear();
    if !problems.is_empty() {
        problems.print_stderr();
        return Err(CliError::new(
            format!(
                "{verb} changed nothing: {} sealed secrets cannot be opened",
                problems.count()
            ),
            format!(
                "provide their keys (SEALANT_KEY, the item's key variable, or --key-file), \
                 or narrow the {verb} with {} or PATH",
                if verb == "reseal" {
                    "--env"
                } else {
                    "--only-kid"
                }
            ),
        ));
    }
    if matches!(goal, Goal::Key { .. }) && vars.len() > 1 {
        let each: Vec<_> = vars
            .iter()
            .map(|(var, kids)| {
                let kids: Vec<_> = kids.iter().map(Kid::to_string).collect();
                format!("{var} (kids {})", kids.join(", "))
            })
            .collect();
        return Err(CliError::new(
            format!(
                "rotate changed nothing: the blobs to rotate take their keys from {} variables, \
                 {}; one new key for all of them would merge what `#[secret(key_var = ...)]` keeps apart",
                vars.len(),
                each.join(" and ")
            ),
            "rotate one variable's keys at a time, with --only-kid KID (and a new key for each)",
        ));
    }
    if left > 0 {
        eprintln!(
            "{}",
            match goal {
                Goal::Reseal { .. } => format!(
                    "left {left} v1 blobs as they are: reseal re-seals v2 blobs; \
                     `cargo sealant rotate --to-env ENV` moves v1 blobs to an environment"
                ),
                _ => format!(
                    "left {left} v2 blobs as they are: rotate moves v1 blobs, and a v2 blob \
                     stays sealed to its environment's key (`cargo sealant reseal` re-seals them)"
                ),
            }
        );
    }
    if current > 0 {
        eprintln!(
            "left {current} blobs already under their environment's active key as they are \
             (give its private key too to re-seal them into the batch)"
        );
    }
    let secrets: usize = rewrites.iter().map(|r| r.edits.len()).sum();
    let summary = goal.summary(secrets, rewrites.len(), &old_kids);
    if common.rewrite.dry_run {
        for rewrite in &rewrites {
            eprintln!(
                "would re-seal {} secrets in {}",
                rewrite.edits.len(),
                rewrite.target.shown.display()
            );
        }
        eprintln!("dry run, nothing written: would {verb} {summary}");
        return Ok(());
    }

    // Under the locks, no other Sealant command is writing in these
    // directories: a temporary file of ours there was left by a run that
    // was killed.
    let locked = lock.as_ref().expect("a run that writes holds the lock");
    let stale = write::remove_stale(locked.dirs().iter().map(PathBuf::as_path))?;
    if stale > 0 {
        eprintln!("removed {stale} temporary files left by an interrupted run");
    }

    // Phase 2: stage every file, flush, check nothing changed, rename.
    let progress = progress_bar(rewrites.len() as u64, "writing");
    let expected: Vec<Vec<String>> = rewrites
        .iter_mut()
        .map(|r| std::mem::take(&mut r.written))
        .collect();
    let staged = stage_all(rewrites, &progress)?;
    write::flush(&staged)?;
    hook::reach("rotate:staged");
    let changed: Vec<_> = staged
        .iter()
        .map(|s| {
            s.unchanged()
                .map(|same| (!same).then(|| s.shown().to_owned()))
        })
        .collect::<Result<Vec<_>, _>>()?
        .into_iter()
        .flatten()
        .collect();
    if !changed.is_empty() {
        for path in &changed {
            eprintln!("changed while {verb} ran: {}", path.display());
        }
        return Err(CliError::new(
            format!(
                "{verb} changed nothing: {} files were changed by someone else after {verb} read them",
                changed.len()
            ),
            format!("finish that edit, then run {verb} again"),
        ));
    }
    let renamed_in: BTreeSet<_> = staged
        .iter()
        .map(|s| write::real_dir(s).to_owned())
        .collect();
    let shown: Vec<_> = staged.iter().map(|s| s.shown().to_owned()).collect();
    let mut done = 0;
    for file in staged {
        hook::reach("rotate:rename");
        match file.commit() {
            Ok(()) => done += 1,
            Err(error) => {
                renamed_in.iter().for_each(|dir| write::sync_dir(dir));
                return Err(partial(verb, &shown, done, error));
            }
        }
    }
    renamed_in.iter().for_each(|dir| write::sync_dir(dir));
    progress.finish_and_clear();

    // Phase 3: read back what was written: every blob sealed above is in
    // its file, whole.
    for (path, expected) in shown.iter().zip(expected) {
        let read_back = scan::scan_file(path).is_ok_and(|file| {
            let texts: BTreeSet<&str> = file.found.iter().filter_map(Found::text).collect();
            expected.iter().all(|blob| texts.contains(blob.as_str()))
        });
        if !read_back {
            return Err(CliError::new(
                format!("{} does not read back as written", path.display()),
                format!("run `cargo sealant check` on it; re-running {verb} finishes the job"),
            ));
        }
    }
    eprintln!("{} {summary}", past(verb));
    Ok(())
}

/// `rotated` or `resealed`.
fn past(verb: &str) -> &'static str {
    if verb == "rotate" {
        "rotated"
    } else {
        "resealed"
    }
}

/// The error after some renames: which files are new, which are old.
fn partial(verb: &str, shown: &[PathBuf], done: usize, error: CommitError) -> CliError {
    let past = past(verb);
    for path in &shown[..done] {
        eprintln!("{past}: {}", path.display());
    }
    for path in &shown[done..] {
        eprintln!("not {past}: {}", path.display());
    }
    let cause = match error {
        CommitError::Changed(path) => format!(
            "{} was changed by someone else after {verb} read it, and was left as it is",
            path.display()
        ),
        CommitError::Failed(error) => error.to_string(),
    };
    CliError::new(
        format!(
            "{verb} stopped after {done} of {} files ({cause}); each file listed above is wholly \
             {past} or wholly unchanged",
            shown.len()
        ),
        if verb == "rotate" {
            "run rotate again to finish: it re-seals only what is still under an old key"
        } else {
            "run reseal again to finish"
        },
    )
}

/// Stages the new contents of every file, on several threads: where each
/// file is flushed on its own ([`write::SYNC_EACH`]), the time goes into
/// waiting for each fsync, and several writers keep the disk busy.
fn stage_all(rewrites: Vec<Rewrite>, progress: &ProgressBar) -> Result<Vec<Staged>, CliError> {
    const WRITERS: usize = 8;
    let count = rewrites.len();
    let rewrites: Vec<Mutex<Option<Rewrite>>> =
        rewrites.into_iter().map(|r| Mutex::new(Some(r))).collect();
    let next = AtomicUsize::new(0);
    let failed = AtomicBool::new(false);
    let stage_next = || -> Result<Vec<(usize, Staged)>, CliError> {
        let mut staged = Vec::new();
        while !failed.load(Ordering::Relaxed) {
            let index = next.fetch_add(1, Ordering::Relaxed);
            let Some(slot) = rewrites.get(index) else {
                break;
            };
            let rewrite = slot
                .lock()
                .unwrap_or_else(|poison| poison.into_inner())
                .take()
                .expect("each rewrite is staged once");
            let mut updated = rewrite.contents.clone();
            let mut edits = rewrite.edits;
            edits.sort_by_key(|(range, _)| range.start);
            for (range, blob) in edits.iter().rev() {
                updated.replace_range(range.clone(), blob);
            }
            let read = Some(rewrite.contents.into_bytes());
            match write::stage(rewrite.target, read, updated.as_bytes(), write::SYNC_EACH) {
                Ok(file) => staged.push((index, file)),
                Err(error) => {
                    failed.store(true, Ordering::Relaxed);
                    return Err(error);
                }
            }
            progress.inc(1);
        }
        Ok(staged)
    };
    std::thread::scope(|scope| {
        let writers: Vec<_> = (0..WRITERS.min(count))
            .map(|_| scope.spawn(stage_next))
            .collect();
        let mut staged = Vec::with_capacity(count);
        let mut first_error = None;
        for writer in writers {
            match writer.join().expect("a writer thread does not panic") {
                Ok(files) => staged.extend(files),
                Err(error) => first_error = first_error.or(Some(error)),
            }
        }
        // On error, dropping what was staged removes its temporary files.
        if let Some(error) = first_error {
            return Err(error);
        }
        // In the order of the walk, so that messages list files in order.
        staged.sort_by_key(|(index, _)| *index);
        Ok(staged.into_iter().map(|(_, file)| file).collect())
    })
}

/// A progress bar on stderr when it is a terminal and the work is large.
fn progress_bar(len: u64, what: &'static str) -> ProgressBar {
    if len < 200 || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template("{msg} {bar:40} {pos}/{len} files") {
        bar.set_style(style);
    }
    bar.set_message(what);
    bar
}
