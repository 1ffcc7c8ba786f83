#!/bin/bash
# The LLM benchmarks on the lent NVIDIA GPU (docs/llm.md, "GPU"). Stages:
#
#   here:      bash docs/llm/gpu.sh wheels        # .whl/llm-a (58 MB), .whl/llm-b (52 MB)
#   call 1:    bash docs/llm/gpu.sh park          # carry [".whl/llm-a"]
#   call 2:    bash docs/llm/gpu.sh install qwen-torch  # carry [".whl/llm-b"], right after 1
#   call 3-5:  bash docs/llm/gpu.sh run qwen-mlx    # no carry, each right after the last
#              bash docs/llm/gpu.sh run llama-torch #   (the machine stays warm 30 s; a
#              bash docs/llm/gpu.sh run llama-mlx   #   fresh one lacks the installs)
#   call 6, 7: bash docs/llm/gpu.sh run compiled    # compiled torch decode, its first call
#              bash docs/llm/gpu.sh run memory      # peak memory, eager first calls
#
# Every call: timeout_s 600; a stage takes about 4-7 minutes.
# Each run stage writes $OUT/results-<stage>.tgz (results/nvidia-h200 after the stage)
# and $OUT/<stage>.log. torch results are filed under the history commit torch-2.11.0
# (the image's torch 2.11.0+cu130), MLX ones under mlx-0.32.4 (the carried mlx).
set -o pipefail

WHEELS_A=.whl/llm-a
WHEELS_B=.whl/llm-b
PARK=/tmp/llm-wheels
MACHINE=nvidia-h200
MODELS="(qwen2\.5-0\.5b|llama-3\.2-1b)"
DTYPES=${LLM_DTYPES:-"(float16|bfloat16)"}
BATCHES=${LLM_BATCHES:-"(1|8)"}

wheels() {  # on this machine: the wheels the image lacks, for Python 3.12 (its own
    # transformers is 5.17.0; its huggingface-hub 1.33, tokenizers 0.23.2 and safetensors
    # 0.8.0 meet 5.24.0's requirements; regex is carried in case it is older than needed)
    local get="python3 -m pip download -q --no-deps --only-binary=:all: --python-version 3.12
        --implementation cp --platform manylinux_2_35_x86_64 --platform manylinux_2_28_x86_64
        --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 --platform any"
    mkdir -p "$WHEELS_A" "$WHEELS_B" /tmp/llm-download
    $get -d /tmp/llm-download mlx-cuda-13==0.32.4 || exit 1
    $get -d "$WHEELS_A" transformers==5.24.0 || exit 1
    (cd /tmp/llm-download && split -b 45000000 mlx_cuda_13-0.32.4-*.whl mlx_cuda_13.part-)
    mv /tmp/llm-download/mlx_cuda_13.part-aa "$WHEELS_A/"
    mv /tmp/llm-download/mlx_cuda_13.part-ab "$WHEELS_B/"
    basename /tmp/llm-download/mlx_cuda_13-0.32.4-*.whl > "$WHEELS_B/mlx_cuda_13.name"
    $get -d "$WHEELS_B" mlx==0.32.4 mlx-lm==0.32.2 regex==2026.11.19 asv==0.6.6 asv_runner==0.3.2 json5 \
        Pympler importlib-metadata==8.7.0 virtualenv distlib platformdirs python-discovery \
        || exit 1
    du -sh "$WHEELS_A" "$WHEELS_B"
}

park() {  # call 1: the first half of mlx-cuda-13 and transformers, kept in /tmp
    mkdir -p "$PARK" && cp "$WHEELS_A"/* "$PARK"/ && ls -la "$PARK"
}

install() {  # call 2: join mlx-cuda-13, install every wheel into python3's own site-packages
    cp "$WHEELS_B"/* "$PARK"/ || exit 1
    cd "$PARK" || exit 1
    cat mlx_cuda_13.part-aa mlx_cuda_13.part-ab > "$(cat mlx_cuda_13.name)"
    rm mlx_cuda_13.part-* mlx_cuda_13.name
    python3 -m pip install -q --no-index --no-deps --no-cache-dir ./*.whl || exit 1
    cd - > /dev/null || exit 1
    python3 -c "import mlx.core as mx, transformers, torch; print('mlx', mx.__version__, mx.is_available(mx.gpu), 'transformers', transformers.__version__, 'torch', torch.__version__, torch.cuda.is_available())"
}

asv_run() {  # asv_run FRAMEWORK-TAG BENCH [asv options]
    local tag=$1 bench=$2
    shift 2
    local left=$((DEADLINE - SECONDS))  # the stage ends within its call's 600 s
    [ "$left" -gt 30 ] || { echo "no time left for $bench"; return 1; }
    timeout "$left" python3 -m asv run -E "existing:$(which python3)" \
        --set-commit-hash "$(git --git-dir=.asv/history rev-parse "$tag")" \
        --machine "$MACHINE" --launch-method forkserver --show-stderr -a rounds=1 \
        --bench "$bench" "$@"
}

run() {  # run STAGE: one selection of the full grid, torch CUDA and MLX CUDA
    local stage=$1
    DEADLINE=${STAGE_SECONDS:-560}  # seconds since the script started (bash SECONDS)
    export PYTHONPATH=src HF_HUB_OFFLINE=1 PYTHONUNBUFFERED=1 MPSBENCH_GRID=full
    python3 -m mpsbench.cli history generate || exit 1
    python3 -m mpsbench.cli machine --name "$MACHINE" || exit 1  # asv's machine file too
    case $stage in
    qwen-torch|qwen-mlx|llama-torch|llama-mlx)
        # eager prefill (batch 1, 8; prompts 128, 512) and decode (128 tokens after 128)
        local model='qwen2\.5-0\.5b' fw=Torch tag=torch-2.11.0
        [ "${stage%-*}" = llama ] && model='llama-3\.2-1b'
        [ "${stage#*-}" = mlx ] && fw=MLX tag=mlx-0.32.4
        asv_run $tag "^llm\.$fw(Prefill\.time_step\('gpu', '$model', '$DTYPES', 'eager', $BATCHES, (128|512)\)|Decode\.time_step\('gpu', '$model', '$DTYPES', 'eager', $BATCHES, 128, 128\))"
        ;;
    compiled)  # compiled torch (static cache, torch.compile): decode and its first call
        asv_run torch-2.11.0 "^llm\.TorchDecode\.time_step\('gpu', '$MODELS', 'bfloat16', 'compiled', 1, 128, 128\)"
        asv_run torch-2.11.0 "^llm\.TorchFirstCall\.timeraw_first_call\('decode', 'gpu', 'qwen2\.5-0\.5b', 'bfloat16', 'compiled', 1, 128\)"
        ;;
    memory)  # peak memory of a whole generation, and eager first calls (bfloat16, batch 1)
        asv_run torch-2.11.0 "^llm\.TorchGenerationMemory\.track_peak_memory\('gpu', '$MODELS', 'bfloat16', '(eager|compiled)', 1, 128, 128\)"
        asv_run mlx-0.32.4 "^llm\.MLXGenerationMemory\.track_peak_memory\('gpu', '$MODELS', 'bfloat16', 'eager', 1, 128, 128\)"
        asv_run torch-2.11.0 "^llm\.TorchFirstCall\.timeraw_first_call\('(prefill|decode)', 'gpu', 'qwen2\.5-0\.5b', 'bfloat16', 'eager', 1, 128\)"
        asv_run mlx-0.32.4 "^llm\.MLXFirstCall\.timeraw_first_call\('(prefill|decode)', 'gpu', 'qwen2\.5-0\.5b', 'bfloat16', 'eager', 1, 128\)"
        ;;
    *) echo "unknown stage $stage (qwen-torch, qwen-mlx, llama-torch, llama-mlx, compiled, memory)"; exit 2 ;;
    esac
    python3 -m mpsbench.cli table --llm --device gpu --machine "$MACHINE" || true
    tar czf "$OUT/results-$stage.tgz" "results/$MACHINE" results/benchmarks.json
}

case $1 in
wheels) wheels ;;
park) park ;;
install) install && { run "${2:-qwen-torch}" 2>&1 | tee "$OUT/${2:-qwen-torch}.log"; } ;;
run) run "$2" 2>&1 | tee "$OUT/$2.log" ;;
*) echo "usage: bash docs/llm/gpu.sh wheels|park|install [STAGE]|run STAGE"; exit 2 ;;
esac
