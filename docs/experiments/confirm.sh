#!/usr/bin/env bash
# Re-measure candidate changes of the recorded history, into a scratch results folder
# (.asv/confirm/results), never over the recorded results; then asv compare there.
#   bash docs/experiments/confirm.sh MACHINE CPU REGEX TAG [TAG ...]
# CPU: the core to pin the benchmark processes to (asv --cpu-affinity).
set -euo pipefail
machine=$1 cpu=$2 regex=$3; shift 3
conf=.asv/confirm/asv.conf.json
mkdir -p .asv/confirm
python3 - "$conf" <<'PY'
import json, os, sys
root = os.getcwd()
config = json.load(open("asv.conf.json"))
config.update(results_dir=f"{root}/.asv/confirm/results", html_dir=f"{root}/.asv/confirm/html",
              env_dir=f"{root}/.asv/confirm/env",  # its own: a recording may be using .asv/env
              repo=f"{root}/{config['repo']}", benchmark_dir=f"{root}/{config['benchmark_dir']}")
config["install_command"] = [c.replace("{conf_dir}", root) for c in config["install_command"]]
json.dump(config, open(sys.argv[1], "w"), indent=1)
PY
mkdir -p .asv/confirm/results/"$machine"
cp "results/$machine/machine.json" ".asv/confirm/results/$machine/"
for tag in "$@"; do
  git --git-dir=.asv/history rev-parse "$tag" > .asv/confirm/hash.txt
  .venv/bin/asv --config "$conf" run "HASHFILE:$PWD/.asv/confirm/hash.txt" --machine "$machine" \
    --bench "$regex" --launch-method forkserver --cpu-affinity "$cpu"
done
