"""Writes a git fast-import stream for bench/history.sh: a repository of
COMMITS commits on main (and a side branch) touching SECRETS secrets in
FILES Rust files. Each commit re-seals one secret (a new well-formed v1
blob, random bytes; nothing here is encrypted); every 500th commit moves
the whole tree to a new key, as a rotation would.

usage: python3 history_repo.py COMMITS SECRETS FILES | git fast-import
"""

import random
import sys

commits, secrets, files = (int(a) for a in sys.argv[1:4])
rng = random.Random(7)
kids = ["%08x" % rng.getrandbits(32) for _ in range(commits // 500 + 2)]


def blob(name, kid):
    nonce = "%024x" % rng.getrandbits(96)
    sealed = "%064x" % rng.getrandbits(256)
    return f"sealant:v1:{name}:{kid}:{nonce}:{sealed}"


names = [f"SECRET_{i:03}" for i in range(secrets)]
values = {name: blob(name, kids[0]) for name in names}


def file_text(index):
    items = [
        f'#[secret]\nconst {name}: Sealed = "{values[name]}";\n'
        for name in names[index::files]
    ]
    return "use sealant::{Sealed, secret};\n\n" + "\n".join(items)


out = sys.stdout.buffer
mark = 0
when = 1_700_000_000


def commit(branch, changed, parent_mark):
    global mark, when
    mark += 1
    when += 3600
    header = f"commit refs/heads/{branch}\nmark :{mark}\n"
    header += f"author Bench <bench@example.com> {when} +0000\n"
    header += f"committer Bench <bench@example.com> {when} +0000\n"
    message = f"commit {mark}"
    header += f"data {len(message)}\n{message}\n"
    if parent_mark:
        header += f"from :{parent_mark}\n"
    out.write(header.encode())
    for index in changed:
        text = file_text(index).encode()
        out.write(f"M 100644 inline src/secrets_{index:02}.rs\ndata {len(text)}\n".encode())
        out.write(text)
        out.write(b"\n")
    return mark


# The first commit holds every file.
head = commit("main", range(files), None)
for n in range(1, commits):
    if n % 500 == 0:
        kid = kids[n // 500]
        for name in names:
            values[name] = blob(name, kid)
        changed = range(files)
    else:
        name = names[rng.randrange(secrets)]
        values[name] = blob(name, values[name].split(":")[3])
        changed = [names.index(name) % files]
    head = commit("main", changed, head)
    if n == commits // 2:
        side = commit("side", [0], head)
out.flush()
