#!/usr/bin/env bash
# What ran on the lent H200 (see docs/gpu.md), one stage per device call:
#   bash docs/gpu/h200.sh wheels                (here first: downloads what the stages carry)
#   bash docs/gpu/h200.sh STAGE [ARG]   (in the working tree there; $OUT comes back)
# Wheels travel in .whl/ (gitignored): base/ (asv and its needs, cp312), llm/
# (transformers, mlx-lm, regex), and mlx-cuda-13 of each MLX release in two halves,
# cuda-VERSION-a/ and cuda-VERSION-b/ (with that release's mlx wheel): 70-90 MB, over
# one call's 64 MiB. The park stage keeps the a-halves in /tmp for the next call, made
# at once (the machine stays warm 30 s). asv's benchmark processes do not see
# PYTHONPATH, so wheels go into the interpreter's own site-packages.
set -uo pipefail
export PYTHONUNBUFFERED=1 PYTHONPATH=src
stage=$1
M=nvidia-h200
PARK=/tmp/park
A() {  # asv run of one history commit into results/nvidia-h200; $1: the tag
  local tag=$1; shift
  python3 -m asv run -E "existing:$(which python3)" --machine $M --show-stderr \
    --set-commit-hash "$(git --git-dir=.asv/history rev-parse "$tag")" \
    --launch-method forkserver -a rounds=1 "$@"
}
setup() {
  python3 -m pip install -q --no-index --no-deps --no-compile .whl/base/*.whl
  python3 -m mpsbench.cli history generate
  python3 -m mpsbench.cli machine --name $M  # keeps the facts' versions per commit
}
provenance() {  # the versions installed here ran history tag $1: into machine.facts
  python3 - "$1" <<'PY'
import subprocess, sys
from pathlib import Path
from mpsbench import envinfo
commit = subprocess.run(["git", "--git-dir=.asv/history", "rev-parse", sys.argv[1]],
                        capture_output=True, text=True, check=True).stdout.strip()
envinfo.record_benchmarked(Path("results"), "nvidia-h200",
                           ["-E", f"existing:{sys.executable}", "--set-commit-hash", commit])
PY
}
install_mlx() {  # install_mlx VERSION: join the parked half of mlx-cuda-13 with the carried one
  local version=$1 wheel=/tmp/mlx_cuda_13-$1-py3-none-manylinux_2_35_x86_64.whl
  python3 -c "import importlib.metadata as m, sys; sys.exit(any(m.version(p) != '$version' for p in ('mlx', 'mlx-cuda-13')))" \
    2>/dev/null && { echo "mlx $version with mlx-cuda-13 already installed"; return 0; }
  [ -f $PARK/mlx_cuda_13-$version.part-aa ] || { echo "no parked half of mlx-cuda-13 $version: run 'park' in the call just before (a fresh machine has none)"; exit 1; }
  cat $PARK/mlx_cuda_13-$version.part-aa .whl/cuda-$version-b/mlx_cuda_13-$version.part-ab > $wheel
  python3 -m pip install -q --no-index --no-deps --no-compile --upgrade $wheel .whl/cuda-$version-b/mlx-*.whl
  python3 -c "import mlx.core as mx; print('mlx', mx.__version__, 'gpu:', mx.is_available(mx.gpu))"
}
install_llm() {  # transformers 5.24.0 (the image has 5.17.0), mlx-lm, regex, parked by park
  ls $PARK/llm/*.whl >/dev/null 2>&1 || return 0
  python3 -m pip install -q --no-index --no-deps --no-compile --upgrade $PARK/llm/*.whl
}
bring_back() { tar czf "$OUT/results-$stage.tar.gz" results/$M; }
existing_names() {  # to-path | to-version: asv names an existing environment's results
  # after its interpreter's path; the repository keeps them as existing-py3.x (no machine
  # path), so they go back to asv's name for a run (which adds to them) and return after
  python3 - "$1" "$(which python3)" <<'PY'
import json, sys
from pathlib import Path
mode, exe = sys.argv[1:]
by_path = ("existing-py" + exe.replace("/", "_"), exe)
by_version = (f"existing-py{sys.version_info[0]}.{sys.version_info[1]}",
              f"{sys.version_info[0]}.{sys.version_info[1]}")
(old, old_py), (new, new_py) = (by_version, by_path) if mode == "to-path" else (by_path, by_version)
for path in Path("results/nvidia-h200").glob(f"*-{old}.json"):
    data = json.loads(path.read_text())
    data.update(env_name=new, python=new_py)
    data["params"]["python"] = new_py
    target = path.with_name(path.name.replace(old, new))
    target.write_text(json.dumps(data, separators=(",", ":")))
    path.unlink()
    print(f"{path.name} -> {target.name}")
PY
}
file_canary() {  # the canary spool of a plain asv run, filed under results/$M/canary
  python3 -c "from pathlib import Path; from mpsbench import canary; print(canary.file_spool(Path('.asv/canary-spool'), Path('results'), '$M', '$1'))"
}
case $stage in
  wheels)  # here, not on the GPU: every wheel the stages carry, into .whl/ (gitignored)
    get="python3 -m pip download -q --no-deps --only-binary=:all: --python-version 3.12
      --implementation cp --platform manylinux_2_35_x86_64 --platform manylinux_2_28_x86_64
      --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 --platform any"
    $get -d .whl/base asv==0.6.6 asv_runner==0.3.2 json5 Pympler importlib-metadata==8.7.0 \
      virtualenv distlib platformdirs python-discovery || exit 1
    $get -d .whl/llm transformers==5.24.0 mlx-lm==0.32.2 regex || exit 1
    for version in ${MLX_VERSIONS:-0.30.6 0.32.4}; do
      mkdir -p .whl/cuda-$version-a .whl/cuda-$version-b /tmp/cuda-$version
      $get -d /tmp/cuda-$version mlx-cuda-13==$version || exit 1
      split -n 2 /tmp/cuda-$version/mlx_cuda_13-$version-*.whl /tmp/cuda-$version/mlx_cuda_13-$version.part-
      mv /tmp/cuda-$version/mlx_cuda_13-$version.part-aa .whl/cuda-$version-a/
      mv /tmp/cuda-$version/mlx_cuda_13-$version.part-ab .whl/cuda-$version-b/
      $get -d .whl/cuda-$version-b mlx==$version || exit 1
    done
    du -sh .whl/*
    ;;
  torch)  # torch CUDA, eager: ResNet-50 and the operators (compiled and first calls: see gpu.md)
    setup
    python3 docs/gpu/experiments/gpu_point.py torch | tee "$OUT/gpu_point_torch.jsonl"
    A torch-2.11.0 --bench "^resnet50\.Torch\w+\.(time_step|track_peak_memory)\('gpu'" \
      2>&1 | tee "$OUT/asv-resnet-torch.log" | grep -v "^ *$" | tail -40
    bring_back
    A torch-2.11.0 --bench "^transformer\.Torch\w+\.(time_step|track_peak_memory)\('gpu', 'float16', 'eager'" \
      2>&1 | tee "$OUT/asv-ops-torch.log" | tail -60
    bring_back
    timeout 120 python3 -m mpsbench.cli synccheck --output "$OUT/synccheck.md"
    ;;
  park)  # the a-halves of mlx-cuda-13 carried (.whl/cuda-*-a) and the LLM wheels, kept
          # until the next call
    mkdir -p $PARK/llm && cp .whl/cuda-*-a/* $PARK/ && { cp .whl/llm/* $PARK/llm/ 2>/dev/null || true; }
    ls -la $PARK $PARK/llm
    ;;
  mlx)   # join, install, then MLX CUDA: ResNet-50, operators, the compiled train step
    install_mlx 0.32.4
    setup
    python3 docs/gpu/experiments/gpu_point.py mlx | tee "$OUT/gpu_point_mlx.jsonl"
    A mlx-0.32.4 --bench "^resnet50\.MLX(?!CompiledTrainStep)\w+\.(time_step|track_peak_memory)\('gpu'" \
      --bench "^resnet50\.MLXPeakMemory\.track_peak_memory\('(?!compiled)\w+', 'gpu'" \
      2>&1 | tee "$OUT/asv-resnet-mlx.log" | tail -40
    bring_back
    A mlx-0.32.4 --bench "^transformer\.MLX\w+\.(time_step|track_peak_memory)\('gpu', 'float16'" \
      2>&1 | tee "$OUT/asv-ops-mlx.log" | tail -30
    bring_back
    timeout 130 python3 docs/gpu/experiments/mlx_compiled_train_step.py 1 90 \
      2>&1 | tee "$OUT/mlx_compiled_train_step.log" | tail -60
    ;;
  external)  # the self-check's external section on the GPU (torch and MLX CUDA), for the
             # units UNITS selects; then, with CPU_TABLE=1, the CPU column of ResNet-50's table
    install_mlx 0.32.4
    install_llm
    setup
    timeout ${LIMIT:-480} python3 -m mpsbench.cli selfcheck --device gpu --skip fidelity \
      --skip overhead --skip stability --skip regression --table-iterations ${TABLE_ITERATIONS:-3} --units "${UNITS:-.}" \
      --external-rounds ${EXTERNAL_ROUNDS:-1} --gpu-cpu ${GPU_CPU:-none} \
      --output "$OUT/external-gpu${TAG:-}.md" 2>&1 | tail -40
    if [ "${CPU_TABLE:-0}" = 1 ]; then
      A torch-2.11.0 \
        --bench "^resnet50\.Torch(ForwardInference|ForwardTraining|BackwardTraining)\.time_step\('cpu'" \
        2>&1 | tee "$OUT/asv-resnet-torch-cpu.log" | tail -30
      provenance torch-2.11.0
      bring_back
    fi
    ;;
  llm)  # Qwen2.5-0.5B (LLM_MODEL=llama: Llama-3.2-1B), torch CUDA then MLX CUDA (mlx 0.32.4)
    install_mlx 0.32.4
    install_llm
    for part in ${LLM_MODEL:-qwen}-torch ${LLM_MODEL:-qwen}-mlx; do
      LLM_DTYPES=bfloat16 STAGE_SECONDS=${LLM_SECONDS:-270} bash docs/llm/gpu.sh run $part | tail -25
    done
    provenance torch-2.11.0
    provenance mlx-0.32.4
    tar czf "$OUT/results-llm.tgz" results/$M results/benchmarks.json
    ;;
  history)  # history VERSION: MLX CUDA at one MLX release under its history commit, torch
            # being the image's 2.11.0: ResNet-50's eager phases (RESNET=0: not), the
            # operators' default point (OPS: a regex of class names, e.g. 'SDPA|RoPE')
    version=$2
    install_mlx "$version"
    setup
    if [ "${RESNET:-1}" = 1 ]; then
      A "mlx-$version" --bench "^resnet50\.MLX(?!Compiled)\w+\.time_step\('gpu'" \
        2>&1 | tee "$OUT/asv-resnet-mlx-$version.log" | tail -25
      provenance "mlx-$version"
      bring_back
    fi
    A "mlx-$version" --bench "^transformer\.MLX(${OPS:-\w+})\.time_step\('gpu', 'float16', '(eager|compiled)', '(forward|forward_backward)', 1, 128[,)]" \
      2>&1 | tee "$OUT/asv-ops-mlx-$version.log" | tail -25
    provenance "mlx-$version"
    bring_back
    ;;
  selection)  # selection TAG: the history selection on gpu at TAG (torch-2.11.0, or
              # mlx-VERSION with its parked half), each release's wait checked first
    tag=$2
    framework=${tag%%-*}
    [ "$framework" = mlx ] && install_mlx "${tag#mlx-}"
    setup
    sha=$(git --git-dir=.asv/history rev-parse "$tag")
    existing_names to-path
    echo "selection $tag: asv run without --append-samples: the values it records replace those on record for $sha"
    ASV_COMMIT=$sha MPSBENCH_WAITCHECK=$PWD/results/$M/waitcheck.facts A "$tag" \
      --bench "$(python3 -m mpsbench.cli history selection --framework "$framework" --device gpu)" \
      2>&1 | tee "$OUT/asv-selection-$tag.log" | tail -30
    file_canary "$sha"
    provenance "$tag"
    existing_names to-version
    cat results/$M/waitcheck.facts
    bring_back
    ;;
  canary)  # canary N: how well the canary predicts a launch-bound GPU point between N fresh
            # processes (ResNet-50 forward (inference), batch 1, torch CUDA)
    timeout ${LIMIT:-400} python3 docs/experiments/canary_choice.py "${2:-12}" gpu \
      2>&1 | tee "$OUT/canary_choice_gpu.log" | grep -v '^\[{' | tail -30
    ;;
  *) echo "unknown stage $stage (wheels, torch, park, mlx, external, llm, history VERSION, selection TAG, canary N)"; exit 2 ;;
esac
