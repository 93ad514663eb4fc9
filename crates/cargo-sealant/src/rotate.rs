//! `cargo sealant rotate`: re-seal a tree's blobs under a new key, safely.

use std::collections::{BTreeMap, BTreeSet};
use std::io::IsTerminal;
use std::ops::Range;
use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use sealant::{ExposeSecret, Keyring, Kid};
use sealant_format::AnyBlob;

use crate::check::Problems;
use crate::cli::RotateArgs;
use crate::error::CliError;
use crate::keys::TreeKeys;
use crate::write::{CommitError, Staged, Target};
use crate::{hook, lock, scan, write};

/// One file to rewrite: what was read, and the byte ranges to replace.
struct Rewrite {
    target: Target,
    contents: String,
    edits: Vec<(Range<usize>, String)>,
}

pub(crate) fn run(args: &RotateArgs) -> Result<(), CliError> {
    let new_ring = Keyring::from_file(&args.to)?;
    let new_key = crate::keys::sealing_key(&new_ring)?;
    let only_kid: Option<Kid> = match &args.only_kid {
        Some(text) => Some(text.parse().map_err(|e| {
            CliError::usage(
                format!("--only-kid {text}: {e}"),
                "a kid is 8 lowercase hex digits, as `cargo sealant list` shows",
            )
        })?),
        None => None,
    };
    // Every directory of the tree is locked before any file is read, so
    // that what is read is what is rewritten; a dry run writes nothing and
    // needs no lock.
    let (files, skipped) = scan::walk(&args.paths)?;
    let lock = if args.dry_run {
        None
    } else {
        Some(lock::lock_dirs_of(&files)?)
    };
    let tree = scan::scan_files(&files, skipped);
    tree.report_skipped();

    // Phase 1: open every blob to rotate, in memory, before changing anything.
    let mut extra_keys = args.key_file.clone();
    extra_keys.push(args.to.clone());
    let mut keys = TreeKeys::new(extra_keys);
    let mut rewrites = Vec::new();
    let mut problems = Problems::default();
    let mut old_kids = BTreeSet::new();
    let mut v2_left = 0usize;
    let mut vars: BTreeMap<String, BTreeSet<Kid>> = BTreeMap::new();
    let progress = progress_bar(tree.files.len() as u64, "opening");
    for file in tree.files {
        progress.inc(1);
        let mut edits = Vec::new();
        for f in &file.found {
            let Some(blob) = f.blob() else {
                problems.blob(
                    f,
                    "not a well-formed sealed blob (run `cargo sealant check`)",
                );
                continue;
            };
            // rotate moves v1 blobs to a new v1 key; a v2 blob is sealed to
            // its environment's public key and stays as it is.
            let AnyBlob::V1(blob) = blob else {
                v2_left += 1;
                continue;
            };
            if only_kid.is_some_and(|kid| kid != blob.kid()) {
                continue;
            }
            if blob.kid() == new_key.kid() {
                // Already rotated; a tampered or mislabelled one must not
                // pass unopened.
                if let Err(error) = new_ring.open(&blob) {
                    problems.blob(f, &error.to_string());
                }
                continue;
            }
            match keys.for_var(f.key_var()) {
                Ok(Some(ring)) => match ring.open(&blob) {
                    Ok(plaintext) => {
                        let sealed =
                            new_key.seal(blob.name(), plaintext.expose_secret().as_bytes())?;
                        edits.extend(f.replacement(&sealed));
                        old_kids.insert(blob.kid());
                        vars.entry(f.key_var().to_owned())
                            .or_default()
                            .insert(blob.kid());
                    }
                    Err(error) => problems.blob(f, &error.to_string()),
                },
                Ok(None) => problems.no_key(f),
                Err(reason) => problems.key_error(f, reason),
            }
        }
        if !edits.is_empty() {
            let target = Target::inspect(&file.path, args.force)?;
            rewrites.push(Rewrite {
                target,
                contents: file.contents,
                edits,
            });
        }
    }
    progress.finish_and_clear();
    if !problems.is_empty() {
        problems.print_stderr();
        return Err(CliError::new(
            format!(
                "rotate changed nothing: {} sealed secrets cannot be opened",
                problems.count()
            ),
            "provide their keys (SEALANT_KEY, the item's env variable, or --key-file), \
             or narrow the rotation with --only-kid or PATH",
        ));
    }
    if vars.len() > 1 {
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

    if v2_left > 0 {
        eprintln!(
            "left {v2_left} v2 blobs as they are: rotate moves v1 blobs to a new v1 key, \
             and a v2 blob stays sealed to its environment's key"
        );
    }
    let secrets: usize = rewrites.iter().map(|r| r.edits.len()).sum();
    let old: Vec<_> = old_kids.iter().map(Kid::to_string).collect();
    let summary = format!(
        "{} secrets in {} files: key {} -> {}",
        secrets,
        rewrites.len(),
        if old.is_empty() {
            "-".to_owned()
        } else {
            old.join(", ")
        },
        new_key.kid()
    );
    if args.dry_run {
        for rewrite in &rewrites {
            eprintln!(
                "would re-seal {} secrets in {}",
                rewrite.edits.len(),
                rewrite.target.shown.display()
            );
        }
        eprintln!("dry run, nothing written: would rotate {summary}");
        return Ok(());
    }

    // Under the locks, no other Sealant command is writing in these
    // directories: a temporary file of ours there was left by a run that
    // was killed.
    let locked = lock
        .as_ref()
        .expect("a rotation that writes holds the lock");
    let stale = write::remove_stale(locked.dirs().iter().map(PathBuf::as_path))?;
    if stale > 0 {
        eprintln!("removed {stale} temporary files left by an interrupted run");
    }

    // Phase 2: stage every file, flush, check nothing changed, rename.
    let progress = progress_bar(rewrites.len() as u64, "writing");
    let expected: Vec<usize> = rewrites.iter().map(|r| r.edits.len()).collect();
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
            eprintln!("changed while rotate ran: {}", path.display());
        }
        return Err(CliError::new(
            format!(
                "rotate changed nothing: {} files were changed by someone else after rotate read them",
                changed.len()
            ),
            "finish that edit, then run rotate again",
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
                return Err(partial(&shown, done, error));
            }
        }
    }
    renamed_in.iter().for_each(|dir| write::sync_dir(dir));
    progress.finish_and_clear();

    // Phase 3: read back what was written: every blob re-sealed above
    // opens with the new key.
    for (path, expected) in shown.iter().zip(expected) {
        let reopened = scan::scan_file(path).map(|file| {
            file.found
                .iter()
                .filter_map(scan::Found::blob)
                .filter(|blob| blob.kid() == new_key.kid() && new_ring.open_any(blob).is_ok())
                .count()
        });
        if reopened.map_or(true, |n| n < expected) {
            return Err(CliError::new(
                format!("{} does not read back as written", path.display()),
                "run `cargo sealant check` on it; re-running rotate finishes the job",
            ));
        }
    }
    eprintln!("rotated {summary}");
    Ok(())
}

/// The error after some renames: which files are new, which are old.
fn partial(shown: &[PathBuf], done: usize, error: CommitError) -> CliError {
    for path in &shown[..done] {
        eprintln!("rotated: {}", path.display());
    }
    for path in &shown[done..] {
        eprintln!("not rotated: {}", path.display());
    }
    let cause = match error {
        CommitError::Changed(path) => format!(
            "{} was changed by someone else after rotate read it, and was left as it is",
            path.display()
        ),
        CommitError::Failed(error) => error.to_string(),
    };
    CliError::new(
        format!(
            "rotate stopped after {done} of {} files ({cause}); each file listed above is wholly \
             rotated or wholly unchanged",
            shown.len()
        ),
        "run rotate again to finish: it re-seals only what is still under an old key",
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
