# Shared by the bench scripts: hyperfine, the target directory, the bench key.
command -v hyperfine >/dev/null || { apt-get update -q && apt-get install -y -q hyperfine; }
target=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
# The public bench key (crates/sealant-bench/src/bench.key), for the examples.
bench_key=$(grep -v '^#' crates/sealant-bench/src/bench.key)
