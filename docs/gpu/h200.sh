#!/usr/bin/env bash
# What ran on the lent H200 (see docs/gpu.md), one stage per device call:
#   bash docs/gpu/h200.sh STAGE   (in the working tree there; $OUT comes back)
# Wheels travel in .whl/ (gitignored): base/ (asv and its needs, cp312), a/ and b/
# (the two halves of mlx-cuda-13, 90 MB, over one call's 64 MiB). asv's benchmark
# processes do not see PYTHONPATH, so wheels go into the interpreter's own site-packages.
set -uo pipefail
export PYTHONUNBUFFERED=1 PYTHONPATH=src
stage=$1
M=nvidia-h200
A() {  # asv run of one history commit into results/nvidia-h200; $1: the tag
  local tag=$1; shift
  python3 -m asv run -E "existing:$(which python3)" --machine $M --show-stderr \
    --set-commit-hash "$(git --git-dir=.asv/history rev-parse "$tag")" \
    --launch-method forkserver -a rounds=1 "$@"
}
setup() {
  python3 -m pip install -q --no-index --no-deps --no-compile .whl/base/*.whl
  python3 -m mpsbench.cli history generate
  python3 -m mpsbench.cli machine --name $M
}
install_mlx() {  # join the parked half of mlx-cuda-13 with the carried one, install mlx
  [ -f /tmp/park/mlxcuda.part-aa ] || { echo "no parked half of mlx-cuda-13: run the park stage in the call just before (a fresh machine has none)"; exit 1; }
  cat /tmp/park/mlxcuda.part-aa .whl/b/mlxcuda.part-ab \
    > /tmp/mlx_cuda_13-0.32.4-py3-none-manylinux_2_35_x86_64.whl
  python3 -m pip install -q --no-index --no-deps --no-compile \
    /tmp/mlx_cuda_13-0.32.4-py3-none-manylinux_2_35_x86_64.whl .whl/mlx/*.whl
}
bring_back() { tar czf "$OUT/results-$stage.tar.gz" results/$M; }
case $stage in
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
  park)  # the first half of mlx-cuda-13, parked until the next call
    mkdir -p /tmp/park && cp .whl/a/* /tmp/park/ && ls -la /tmp/park
    ;;
  mlx)   # join, install, then MLX CUDA: ResNet-50, operators, the compiled train step
    install_mlx
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
  external)  # the self-check's external section on the GPU (torch and MLX CUDA), then
             # the CPU column of the ResNet-50 seed table
    install_mlx
    setup
    timeout ${LIMIT:-480} python3 -m mpsbench.cli selfcheck --device gpu --skip fidelity \
      --skip overhead --skip stability --skip regression --seed-iterations 3 --units "${UNITS:-.}" \
      --output "$OUT/external-gpu.md" 2>&1 | tail -40
    [ "${CPU_TABLE:-1}" = 1 ] && A torch-2.11.0 \
      --bench "^resnet50\.Torch(ForwardInference|ForwardTraining|BackwardTraining)\.time_step\('cpu'" \
      2>&1 | tee "$OUT/asv-resnet-torch-cpu.log" | tail -30
    bring_back
    ;;
esac
