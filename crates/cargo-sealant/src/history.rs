//! Sealed blobs through git history, read with gix: `history` (every
//! commit that changed a secret's blob), `exposure` (every secret a key
//! ever protected, on any branch) and `check --max-age` (how long since a
//! blob last changed).
//!
//! Each commit's tree is read for the blobs of its `.rs` files: every
//! `"sealant:v1:..."` or `"sealant:v2:..."` string that parses as a blob,
//! whose text names the secret, its environment and its kid. A tree or a
//! file seen in an earlier commit is not read again (git shares them
//! between commits), so a long history costs about what its distinct files
//! cost.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::rc::Rc;

use gix::ObjectId;
use sealant_format::{AnyBlob, Kid};

use crate::error::CliError;

/// One blob in one file of a tree.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Sealed {
    /// The blob's text.
    pub(crate) text: String,
    pub(crate) name: String,
    pub(crate) env: Option<String>,
    /// The key it is sealed under; `None` for a `#[digest]` value, which
    /// no key opens.
    pub(crate) kid: Option<Kid>,
}

/// A blob at a path of a tree.
pub(crate) type Placed = (Rc<str>, Rc<Sealed>);

/// A commit, as reports show it.
#[derive(Clone, Debug)]
pub(crate) struct Commit {
    pub(crate) id: ObjectId,
    pub(crate) author: String,
    pub(crate) email: String,
    /// Seconds since the epoch (the author's time).
    pub(crate) time: i64,
}

impl Commit {
    pub(crate) fn short(&self) -> String {
        self.id.to_hex_with_len(10).to_string()
    }

    pub(crate) fn date(&self) -> String {
        date(self.time)
    }
}

/// `YYYY-MM-DD` of a time in seconds since the epoch, UTC.
pub(crate) fn date(seconds: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(seconds)
        .map(|t| format!("{:04}-{:02}-{:02}", t.year(), u8::from(t.month()), t.day()))
        .unwrap_or_else(|_| "?".to_owned())
}

/// A repository, with what was read of it so far.
pub(crate) struct History {
    repo: gix::Repository,
    trees: HashMap<ObjectId, Rc<Vec<Placed>>>,
    files: HashMap<ObjectId, Rc<Vec<Rc<Sealed>>>>,
}

fn git_error(what: &str, error: impl std::fmt::Display) -> CliError {
    CliError::new(
        format!("cannot read the git repository: {what}: {error}"),
        "run it inside a git clone of the project",
    )
}

impl History {
    /// The repository at or above `dir`.
    pub(crate) fn open(dir: &Path) -> Result<Self, CliError> {
        let repo = gix::discover(dir).map_err(|error| {
            CliError::usage(
                format!("{} is not in a git repository: {error}", dir.display()),
                "run it inside a git clone of the project: history comes from git",
            )
        })?;
        Ok(Self {
            repo,
            trees: HashMap::new(),
            files: HashMap::new(),
        })
    }

    /// The repository at or above the current directory.
    pub(crate) fn here() -> Result<Self, CliError> {
        let here = std::env::current_dir().map_err(|e| {
            CliError::io(
                "cannot read the current directory",
                &e,
                "cd into the repository",
            )
        })?;
        Self::open(&here)
    }

    /// When the clone is shallow, the date of its oldest commit: history
    /// before it is missing.
    pub(crate) fn shallow_since(&self) -> Result<Option<i64>, CliError> {
        let Some(boundary) = self
            .repo
            .shallow_commits()
            .map_err(|e| git_error("the shallow file", e))?
        else {
            return Ok(None);
        };
        let mut oldest: Option<i64> = None;
        for id in boundary.iter() {
            let commit = self
                .repo
                .find_commit(*id)
                .map_err(|e| git_error("a shallow commit", e))?;
            let seconds = commit.time().map(|t| t.seconds).unwrap_or_default();
            oldest = Some(oldest.map_or(seconds, |o| o.min(seconds)));
        }
        Ok(oldest)
    }

    /// HEAD's commit id, if HEAD points at one.
    pub(crate) fn head(&self) -> Result<Option<ObjectId>, CliError> {
        match self.repo.head_id() {
            Ok(id) => Ok(Some(id.detach())),
            Err(_) => Ok(None),
        }
    }

    /// The tips of every branch, tag and remote-tracking branch, and HEAD.
    pub(crate) fn all_tips(&self) -> Result<Vec<ObjectId>, CliError> {
        let mut tips: Vec<ObjectId> = self.head()?.into_iter().collect();
        let references = self
            .repo
            .references()
            .map_err(|e| git_error("the references", e))?;
        for reference in references
            .all()
            .map_err(|e| git_error("the references", e))?
        {
            let Ok(mut reference) = reference else {
                continue;
            };
            if let Ok(id) = reference.peel_to_id() {
                let id = id.detach();
                if self.repo.find_commit(id).is_ok() {
                    tips.push(id);
                }
            }
        }
        tips.sort_unstable();
        tips.dedup();
        Ok(tips)
    }

    /// Every commit reachable from `tips` (first parents only, if
    /// `first_parent`), newest first, with its tree's id and its first
    /// parent.
    pub(crate) fn commits(
        &self,
        tips: &[ObjectId],
        first_parent: bool,
    ) -> Result<Vec<(Commit, ObjectId, Option<ObjectId>)>, CliError> {
        let mut walk = self.repo.rev_walk(tips.iter().copied()).sorting(
            gix::revision::walk::Sorting::ByCommitTime(Default::default()),
        );
        if first_parent {
            walk = walk.first_parent_only();
        }
        let mut out = Vec::new();
        for info in walk.all().map_err(|e| git_error("the commits", e))? {
            let info = info.map_err(|e| git_error("a commit", e))?;
            let commit = info.object().map_err(|e| git_error("a commit", e))?;
            let author = commit
                .author()
                .map_err(|e| git_error("a commit's author", e))?;
            let tree = commit
                .tree_id()
                .map_err(|e| git_error("a commit's tree", e))?;
            let parent = commit.parent_ids().next().map(|id| id.detach());
            out.push((
                Commit {
                    id: info.id,
                    author: author.name.to_string().trim().to_owned(),
                    email: author.email.to_string().trim().to_owned(),
                    time: author.time().map(|t| t.seconds).unwrap_or_default(),
                },
                tree.detach(),
                parent,
            ));
        }
        Ok(out)
    }

    /// The blobs of every `.rs` file of the tree `id`, with their paths.
    pub(crate) fn tree(&mut self, id: ObjectId) -> Result<Rc<Vec<Placed>>, CliError> {
        if let Some(known) = self.trees.get(&id) {
            return Ok(Rc::clone(known));
        }
        let tree = self
            .repo
            .find_tree(id)
            .map_err(|e| git_error("a tree", e))?;
        let entries: Vec<(String, ObjectId, bool)> = tree
            .decode()
            .map_err(|e| git_error("a tree", e))?
            .entries
            .iter()
            .filter_map(|entry| {
                let name = entry.filename.to_string();
                if entry.mode.is_tree() {
                    // cargo's output, which a repository should not hold.
                    (name != "target").then(|| (name, entry.oid.to_owned(), true))
                } else if entry.mode.is_blob() && name.ends_with(".rs") {
                    Some((name, entry.oid.to_owned(), false))
                } else {
                    None
                }
            })
            .collect();
        drop(tree);
        let mut placed: Vec<Placed> = Vec::new();
        for (name, oid, is_tree) in entries {
            if is_tree {
                for (path, sealed) in self.tree(oid)?.iter() {
                    placed.push((Rc::from(format!("{name}/{path}")), Rc::clone(sealed)));
                }
            } else {
                let path: Rc<str> = Rc::from(name);
                for sealed in self.file(oid)?.iter() {
                    placed.push((Rc::clone(&path), Rc::clone(sealed)));
                }
            }
        }
        let placed = Rc::new(placed);
        self.trees.insert(id, Rc::clone(&placed));
        Ok(placed)
    }

    /// The blobs of one file.
    fn file(&mut self, id: ObjectId) -> Result<Rc<Vec<Rc<Sealed>>>, CliError> {
        if let Some(known) = self.files.get(&id) {
            return Ok(Rc::clone(known));
        }
        let blob = self
            .repo
            .find_blob(id)
            .map_err(|e| git_error("a file", e))?;
        let found = Rc::new(blobs_in(&String::from_utf8_lossy(&blob.data)));
        self.files.insert(id, Rc::clone(&found));
        Ok(found)
    }
}

/// Every blob string of a source text, and every `#[digest]` value.
pub(crate) fn blobs_in(text: &str) -> Vec<Rc<Sealed>> {
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find("\"sealant") {
        let start = at + 1;
        let Some(len) = rest[start..].find('"') else {
            break;
        };
        let literal = &rest[start..start + len];
        if let Ok(blob) = AnyBlob::parse(literal) {
            found.push(Rc::new(Sealed {
                text: literal.to_owned(),
                name: blob.name().to_owned(),
                env: blob.env().map(str::to_owned),
                kid: Some(blob.kid()),
            }));
        } else if let Ok(digest) = sealant_format::DigestText::parse(literal) {
            found.push(Rc::new(Sealed {
                text: literal.to_owned(),
                name: digest.name().to_owned(),
                env: None,
                kid: None,
            }));
        }
        rest = &rest[start + len + 1..];
    }
    found
}

/// One change to a secret's blob of one environment.
#[derive(Clone, Debug)]
pub(crate) struct Change {
    pub(crate) name: String,
    pub(crate) env: Option<String>,
    pub(crate) commit: Commit,
    pub(crate) file: String,
    pub(crate) before: Option<Kid>,
    pub(crate) after: Option<Kid>,
    /// The blob's text after the change.
    pub(crate) text: Option<String>,
    /// Whether the value is a `#[digest]`'s (a token a service accepts).
    pub(crate) digest: bool,
    /// Whether the commit is a shallow clone's boundary, whose parent is
    /// missing: "added" there may be older.
    pub(crate) boundary: bool,
    /// `added`, `removed`, `moved` (the same blob, now in this file),
    /// `value` (a new blob under the same key) or `resealed` (another key).
    pub(crate) kind: &'static str,
}

/// Where a secret's blob is: its name, environment and file; and, for a
/// `#[digest]` value, its text (an item holds one digest per token, each
/// added or removed on its own).
type Slot = (String, Option<String>, Rc<str>, Option<String>);

/// The blobs of a tree, by secret, environment and file.
fn slots(placed: &[Placed]) -> BTreeMap<Slot, Rc<Sealed>> {
    placed
        .iter()
        .map(|(path, sealed)| {
            let digest = sealed.kid.is_none().then(|| sealed.text.clone());
            (
                (
                    sealed.name.clone(),
                    sealed.env.clone(),
                    Rc::clone(path),
                    digest,
                ),
                Rc::clone(sealed),
            )
        })
        .collect()
}

/// Every change to every blob along HEAD's first-parent history, oldest
/// first. A blob that moved to another file unchanged is a `moved`
/// change, not a new value.
pub(crate) fn changes(history: &mut History) -> Result<Vec<Change>, CliError> {
    let Some(head) = history.head()? else {
        return Ok(Vec::new());
    };
    let commits = history.commits(&[head], true)?;
    let mut changes = Vec::new();
    for (commit, tree, parent) in commits.iter().rev() {
        let now = slots(&history.tree(*tree)?);
        // A shallow clone's boundary commit has a parent that is not here.
        let parent_tree = parent.and_then(|parent| {
            let commit = history.repo.find_commit(parent).ok()?;
            commit.tree_id().ok().map(|id| id.detach())
        });
        let boundary = parent.is_some() && parent_tree.is_none();
        let before = match parent_tree {
            Some(tree) => slots(&history.tree(tree)?),
            None => BTreeMap::new(),
        };
        let mut gone: Vec<(&Slot, &Rc<Sealed>)> = before
            .iter()
            .filter(|(slot, _)| !now.contains_key(*slot))
            .collect();
        let change = |slot: &Slot, kind, before: Option<Kid>, after: Option<&Sealed>| Change {
            name: slot.0.clone(),
            env: slot.1.clone(),
            commit: commit.clone(),
            file: slot.2.to_string(),
            before,
            after: after.and_then(|sealed| sealed.kid),
            digest: after.is_some_and(|sealed| sealed.kid.is_none()),
            text: after.map(|sealed| sealed.text.clone()),
            boundary,
            kind,
        };
        for (slot, sealed) in &now {
            let kind = match before.get(slot) {
                Some(old) if old.text == sealed.text => continue,
                Some(old) if old.kid == sealed.kid => "value",
                Some(_) => "resealed",
                None => {
                    // The same blob gone from another file: a move.
                    let moved = gone.iter().position(|(old_slot, old)| {
                        old_slot.0 == slot.0 && old_slot.1 == slot.1 && old.text == sealed.text
                    });
                    match moved {
                        Some(at) => {
                            gone.remove(at);
                            "moved"
                        }
                        None => "added",
                    }
                }
            };
            let old = before.get(slot).and_then(|old| old.kid);
            changes.push(change(slot, kind, old, Some(sealed)));
        }
        for (slot, old) in gone {
            let mut removed = change(slot, "removed", old.kid, None);
            removed.digest = old.kid.is_none();
            changes.push(removed);
        }
    }
    Ok(changes)
}

/// One secret a key protected: where, and in which commits.
#[derive(Debug)]
pub(crate) struct Exposed {
    pub(crate) name: String,
    pub(crate) env: Option<String>,
    pub(crate) file: String,
    pub(crate) first: Commit,
    pub(crate) last: Commit,
    pub(crate) commits: usize,
    pub(crate) at_head: bool,
}

/// Every blob under `kid` in any commit of any branch, tag or remote.
pub(crate) fn exposure(history: &mut History, kid: Kid) -> Result<Vec<Exposed>, CliError> {
    let tips = history.all_tips()?;
    let head_tree = match history.head()? {
        Some(head) => {
            let commit = history
                .repo
                .find_commit(head)
                .map_err(|e| git_error("HEAD", e))?;
            Some(commit.tree_id().map_err(|e| git_error("HEAD", e))?.detach())
        }
        None => None,
    };
    // The secrets under `kid` that HEAD holds, by name, environment, file.
    let at_head: Vec<(String, Option<String>, String)> = match head_tree {
        Some(tree) => history
            .tree(tree)?
            .iter()
            .filter(|(_, sealed)| sealed.kid == Some(kid))
            .map(|(path, sealed)| (sealed.name.clone(), sealed.env.clone(), path.to_string()))
            .collect(),
        None => Vec::new(),
    };
    let mut found: BTreeMap<(String, Option<String>, String), Exposed> = BTreeMap::new();
    for (commit, tree, _) in history.commits(&tips, false)? {
        for (path, sealed) in history.tree(tree)?.iter() {
            if sealed.kid != Some(kid) {
                continue;
            }
            let key = (sealed.name.clone(), sealed.env.clone(), path.to_string());
            let held = at_head.contains(&key);
            let entry = found.entry(key).or_insert_with(|| Exposed {
                name: sealed.name.clone(),
                env: sealed.env.clone(),
                file: path.to_string(),
                first: commit.clone(),
                last: commit.clone(),
                commits: 0,
                at_head: held,
            });
            entry.commits += 1;
            if commit.time < entry.first.time {
                entry.first = commit.clone();
            }
            if commit.time > entry.last.time {
                entry.last = commit.clone();
            }
        }
    }
    Ok(found.into_values().collect())
}

/// What a change is, in words.
fn describe(change: &Change) -> String {
    let kid = |kid: Option<Kid>| kid.map_or("-".to_owned(), |kid| kid.to_string());
    if change.digest {
        return match change.kind {
            "added" => "digest added: a token it accepts".to_owned(),
            "removed" => "digest removed: a token it no longer accepts".to_owned(),
            "moved" => "digest moved here unchanged".to_owned(),
            _ => "digest replaced: a new token".to_owned(),
        };
    }
    match change.kind {
        "added" => format!("added, key {}", kid(change.after)),
        "moved" => format!("moved here unchanged, key {}", kid(change.after)),
        "removed" => format!("removed (was under key {})", kid(change.before)),
        "value" => format!(
            "new blob under the same key {}: a new value (or the same value sealed again)",
            kid(change.after)
        ),
        _ => format!(
            "sealed again from key {} to {}: a re-seal or a rotation (the value may or may not have changed)",
            kid(change.before),
            kid(change.after)
        ),
    }
}

fn env_label(env: Option<&str>) -> String {
    env.map_or_else(
        || "[v1, every environment]".to_owned(),
        |env| format!("[{env}]"),
    )
}

fn shallow_note(history: &History) -> Result<Option<String>, CliError> {
    Ok(history.shallow_since()?.map(|since| {
        format!(
            "this is a shallow clone: history before {} is missing; `git fetch --unshallow` for all of it",
            date(since)
        )
    }))
}

/// `cargo sealant history [NAME...] [--json]`.
pub(crate) fn run_history(args: &crate::cli::HistoryArgs) -> Result<(), CliError> {
    let mut history = History::here()?;
    let shallow = shallow_note(&history)?;
    let changes: Vec<Change> = changes(&mut history)?
        .into_iter()
        .filter(|change| args.names.is_empty() || args.names.contains(&change.name))
        .collect();
    let mut out = String::new();
    if args.json {
        let list: Vec<serde_json::Value> = changes
            .iter()
            .map(|c| {
                serde_json::json!({
                    "name": c.name,
                    "environment": c.env,
                    "commit": c.commit.id.to_string(),
                    "author": c.commit.author,
                    "email": c.commit.email,
                    "date": c.commit.date(),
                    "time": c.commit.time,
                    "file": c.file,
                    "change": c.kind,
                    "kid_before": c.before.map(|k| k.to_string()),
                    "kid_after": c.after.map(|k| k.to_string()),
                    "digest": c.digest,
                })
            })
            .collect();
        let report = serde_json::json!({ "changes": list, "shallow": shallow });
        out.push_str(&format!("{report:#}\n"));
    } else {
        let mut by_secret: BTreeMap<(&str, Option<&str>), Vec<&Change>> = BTreeMap::new();
        for change in &changes {
            by_secret
                .entry((&change.name, change.env.as_deref()))
                .or_default()
                .push(change);
        }
        for ((name, env), changes) in by_secret {
            let label = if changes.iter().all(|c| c.digest) {
                "[#[digest]]".to_owned()
            } else {
                env_label(env)
            };
            out.push_str(&format!("{name} {label}\n"));
            for c in changes {
                out.push_str(&format!(
                    "  {} {} {} <{}>: {} ({})\n",
                    c.commit.date(),
                    c.commit.short(),
                    c.commit.author,
                    c.commit.email,
                    describe(c),
                    c.file
                ));
            }
        }
        if changes.is_empty() {
            out.push_str("no sealed blob in HEAD's history");
            if !args.names.is_empty() {
                out.push_str(&format!(" named {}", args.names.join(", ")));
            }
            out.push('\n');
        }
        if let Some(note) = &shallow {
            out.push_str(&format!("note: {note}\n"));
        }
    }
    print(&out)
}

/// `cargo sealant exposure --kid KID [--json]`.
pub(crate) fn run_exposure(args: &crate::cli::ExposureArgs) -> Result<(), CliError> {
    let kid: Kid = args.kid.parse().map_err(|e| {
        CliError::usage(
            format!("--kid {}: {e}", args.kid),
            "a kid is 8 lowercase hex digits, as `cargo sealant list` shows it",
        )
    })?;
    let mut history = History::here()?;
    let shallow = shallow_note(&history)?;
    let exposed = exposure(&mut history, kid)?;
    let mut out = String::new();
    if args.json {
        let list: Vec<serde_json::Value> = exposed
            .iter()
            .map(|e| {
                serde_json::json!({
                    "name": e.name,
                    "environment": e.env,
                    "file": e.file,
                    "first_commit": e.first.id.to_string(),
                    "first_date": e.first.date(),
                    "last_commit": e.last.id.to_string(),
                    "last_date": e.last.date(),
                    "commits": e.commits,
                    "at_head": e.at_head,
                })
            })
            .collect();
        let report =
            serde_json::json!({ "kid": kid.to_string(), "secrets": list, "shallow": shallow });
        out.push_str(&format!("{report:#}\n"));
    } else {
        let at_head = exposed.iter().filter(|e| e.at_head).count();
        out.push_str(&format!(
            "key {kid} protected {} secret blobs in git history, on any branch ({at_head} still at HEAD):\n",
            exposed.len()
        ));
        for e in &exposed {
            out.push_str(&format!(
                "  {} {} in {}: first {} {}, last {} {}, in {} commits{}\n",
                e.name,
                env_label(e.env.as_deref()),
                e.file,
                e.first.date(),
                e.first.short(),
                e.last.date(),
                e.last.short(),
                e.commits,
                if e.at_head { "; still at HEAD" } else { "" }
            ));
        }
        if !exposed.is_empty() {
            out.push_str(
                "whoever holds this key can open every blob above from any clone: rotate each \
                 secret's value at its source, then re-seal it under a new key\n",
            );
        }
        if let Some(note) = &shallow {
            out.push_str(&format!("note: {note}\n"));
        }
    }
    print(&out)
}

fn print(text: &str) -> Result<(), CliError> {
    use std::io::Write as _;
    std::io::stdout()
        .lock()
        .write_all(text.as_bytes())
        .map_err(|e| CliError::io("cannot write the report", &e, "check where stdout goes"))
}

/// When each blob text first appeared in HEAD's first-parent history: its
/// commit, and whether that is a shallow boundary (so it may be older).
pub(crate) fn introduced(changes: &[Change]) -> HashMap<&str, (&Commit, bool)> {
    let mut first: HashMap<&str, (&Commit, bool)> = HashMap::new();
    for change in changes {
        if let Some(text) = &change.text {
            first
                .entry(text.as_str())
                .or_insert((&change.commit, change.boundary));
        }
    }
    first
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_blob_strings_of_a_source_text() {
        let v1 = "sealant:v1:A:3fa2c91e:000102030405060708090a0b:00112233445566778899aabbccddeeff";
        let text = format!(
            "const A: Sealed = \"{v1}\";\nconst B: &str = \"sealant:v9:nope\";\n// \"sealant:v1:broken\n"
        );
        let found = blobs_in(&text);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].name, "A");
        assert_eq!(
            found[0].kid.map(|kid| kid.to_string()).as_deref(),
            Some("3fa2c91e")
        );
        assert_eq!(found[0].env, None);
    }

    #[test]
    fn dates_are_utc_days() {
        assert_eq!(date(0), "1970-01-01");
        assert_eq!(date(1_795_564_800), "2026-11-25");
    }
}
