//! `cargo sealant rotate`: re-seal a tree's blobs under a new key, safely.

use std::collections::BTreeSet;
use std::io::IsTerminal;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use sealant::{ExposeSecret, Keyring, Kid};
use sealant_format::Blob;

use crate::check::display_name;
use crate::cli::RotateArgs;
use crate::error::CliError;
use crate::keys::TreeKeys;
use crate::{scan, write};

/// One file to rewrite: its current contents and the blob literals to
/// replace, by byte range.
struct Rewrite {
    file: PathBuf,
    contents: String,
    edits: Vec<(Range<usize>, String)>,
}

pub(crate) fn run(args: &RotateArgs) -> Result<(), CliError> {
    let new_ring = Keyring::from_file(&args.to)?;
    let new_key = &new_ring.keys()[0];
    let only_kid: Option<Kid> = match &args.only_kid {
        Some(text) => Some(text.parse().map_err(|e| {
            CliError::usage(
                format!("--only-kid {text}: {e}"),
                "a kid is 8 lowercase hex digits, as `cargo sealant list` shows",
            )
        })?),
        None => None,
    };
    let files = scan::rust_files(&args.paths)?;
    let dirs: Vec<PathBuf> = files
        .iter()
        .map(|file| write::dir_of(file).to_owned())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();

    // Phase 1: open every blob to rotate, in memory, before changing anything.
    let mut extra_keys = args.key_file.clone();
    extra_keys.push(args.to.clone());
    let mut keys = TreeKeys::new(extra_keys);
    let mut rewrites = Vec::new();
    let mut failures = Vec::new();
    let mut old_kids = BTreeSet::new();
    let progress = progress_bar(files.len() as u64, "opening");
    for file in files {
        progress.inc(1);
        let (contents, found) = scan::scan_file(&file)?;
        let mut edits = Vec::new();
        for f in &found {
            let blob = match Blob::parse(&f.text) {
                Ok(blob) => blob,
                Err(e) => {
                    failures.push(format!(
                        "{}: {}: malformed blob: {e}",
                        f.location(),
                        display_name(f)
                    ));
                    continue;
                }
            };
            if blob.kid() == new_key.kid() || only_kid.is_some_and(|kid| kid != blob.kid()) {
                continue;
            }
            match keys.open(f.key_var(), &blob) {
                Ok(plaintext) => {
                    let sealed = new_key.seal(blob.name(), plaintext.expose_secret().as_bytes())?;
                    edits.push((f.range.clone(), sealed));
                    old_kids.insert(blob.kid());
                }
                Err(reason) => {
                    failures.push(format!("{}: {}: {reason}", f.location(), blob.name()))
                }
            }
        }
        if !edits.is_empty() {
            rewrites.push(Rewrite {
                file,
                contents,
                edits,
            });
        }
    }
    progress.finish_and_clear();
    if !failures.is_empty() {
        for failure in &failures {
            eprintln!("{failure}");
        }
        return Err(CliError::new(
            format!(
                "rotate changed nothing: {} sealed secrets cannot be opened",
                failures.len()
            ),
            "provide their keys (SEALANT_KEY, the item's env variable, or --key-file), \
             or narrow the rotation with --only-kid or PATH",
        ));
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
                rewrite.file.display()
            );
        }
        eprintln!("dry run, nothing written: would rotate {summary}");
        return Ok(());
    }

    // An earlier rotation killed before its renames left these behind.
    let dirs: Vec<&Path> = dirs.iter().map(PathBuf::as_path).collect();
    let stale = write::remove_stale(&dirs)?;
    if stale > 0 {
        eprintln!("removed {stale} temporary files left by an interrupted rotation");
    }

    // Phase 2: write each file atomically.
    let progress = progress_bar(rewrites.len() as u64, "writing");
    write_all(&rewrites, &progress)?;
    let dirs: BTreeSet<_> = rewrites.iter().map(|r| write::dir_of(&r.file)).collect();
    dirs.into_iter().for_each(write::sync_dir);
    progress.finish_and_clear();

    // Phase 3: read back what was written and open it with the new key.
    for rewrite in &rewrites {
        let (_, found) = scan::scan_file(&rewrite.file)?;
        let reopened = found
            .iter()
            .filter_map(|f| Blob::parse(&f.text).ok())
            .filter(|blob| blob.kid() == new_key.kid() && new_ring.open(blob).is_ok())
            .count();
        if reopened < rewrite.edits.len() {
            return Err(CliError::new(
                format!("{} does not read back as written", rewrite.file.display()),
                "run `cargo sealant check` on it; re-running rotate finishes the job",
            ));
        }
    }
    eprintln!("rotated {summary}");
    Ok(())
}

/// Writes every rewrite, each file atomically: stages every new file
/// beside its original, flushes them all to disk, then renames each over
/// its original. A failure before the renames changes nothing.
fn write_all(rewrites: &[Rewrite], progress: &ProgressBar) -> Result<(), CliError> {
    let staged = stage_all(rewrites, progress)?;
    write::flush(&staged)?;
    staged.into_iter().try_for_each(write::Staged::commit)
}

/// Stages the new contents of every file, on several threads: where each
/// file is flushed on its own ([`write::SYNC_EACH`]), the time goes into
/// waiting for each fsync, and several writers keep the disk busy.
fn stage_all(rewrites: &[Rewrite], progress: &ProgressBar) -> Result<Vec<write::Staged>, CliError> {
    const WRITERS: usize = 8;
    let next = AtomicUsize::new(0);
    let failed = AtomicBool::new(false);
    let stage_next = || -> Result<Vec<write::Staged>, CliError> {
        let mut staged = Vec::new();
        while !failed.load(Ordering::Relaxed) {
            let Some(rewrite) = rewrites.get(next.fetch_add(1, Ordering::Relaxed)) else {
                break;
            };
            let mut updated = rewrite.contents.clone();
            for (range, blob) in rewrite.edits.iter().rev() {
                updated.replace_range(range.clone(), blob);
            }
            match write::stage(&rewrite.file, updated.as_bytes(), write::SYNC_EACH) {
                Ok(file) => staged.push(file),
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
        let writers: Vec<_> = (0..WRITERS.min(rewrites.len()))
            .map(|_| scope.spawn(stage_next))
            .collect();
        let mut staged = Vec::with_capacity(rewrites.len());
        let mut first_error = None;
        for writer in writers {
            match writer.join().expect("a writer thread does not panic") {
                Ok(files) => staged.extend(files),
                Err(error) => first_error = first_error.or(Some(error)),
            }
        }
        // On error, dropping what was staged removes its temporary files.
        first_error.map_or(Ok(staged), Err)
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
