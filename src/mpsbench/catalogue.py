"""What the suite measures, declared once: frameworks, workloads, phases, metrics and the
benchmark classes.

``benchmarks/`` declares one class per ``BenchmarkClass`` here, under the same name (a
test holds the two together); the report, the tables and the self-check look a class up
with ``described`` instead of parsing its name. The params and grids are the operators'
``mpsbench.grids``, the LLMs' ``mpsbench.workloads.llm_common`` and ``RESNET_BATCHES``.
"""

from __future__ import annotations

from dataclasses import dataclass

from mpsbench.ops.spec import OPS


@dataclass(frozen=True)
class Framework:
    """A framework as the code and the history (``id``), class names (``prefix``) and
    reports (``label``) call it; ``module`` is what imports it."""

    id: str
    prefix: str
    label: str
    module: str


TORCH = Framework("torch", "Torch", "torch", "torch")
MLX = Framework("mlx", "MLX", "MLX", "mlx.core")
FRAMEWORKS = (TORCH, MLX)
FRAMEWORK_IDS = tuple(framework.id for framework in FRAMEWORKS)
BASELINE = TORCH  # every ratio is taken against it


def framework(framework_id: str) -> Framework:
    """The framework called ``framework_id``; ``ValueError`` lists the known ones."""
    for known in FRAMEWORKS:
        if known.id == framework_id:
            return known
    raise ValueError(f"unknown framework {framework_id!r}; expected one of {FRAMEWORK_IDS}")


DEVICE_PARAMS = ("cpu", "gpu")  # 'gpu' is the machine's accelerator, whichever it is
DTYPES = ("float32", "float16", "bfloat16")


@dataclass(frozen=True)
class Metric:
    """A benchmark method, or a value the report derives, and its unit."""

    name: str
    unit: str


TIME_STEP = Metric("time_step", "seconds")
PEAK_MEMORY = Metric("track_peak_memory", "bytes")
FIRST_CALL = Metric("timeraw_first_call", "seconds")
ACHIEVED_FLOPS = Metric("achieved_flops", "FLOP/s")  # the report's, from TIME_STEP


@dataclass(frozen=True)
class Phase:
    """A phase of a workload: its id in the library, in class names, and its title."""

    id: str
    name: str
    title: str


RESNET_PHASES = (
    Phase("forward_inference", "ForwardInference", "Forward (inference)"),
    Phase("forward_training", "ForwardTraining", "Forward (training)"),
    Phase("backward_training", "BackwardTraining", "Backward (training)"),
    Phase("forward_backward", "ForwardBackward", "Forward+backward (training)"),
    Phase("train_step", "TrainStep", "Train step (SGD)"),
)
MLX_RESNET_PHASES = tuple(phase for phase in RESNET_PHASES if phase.id != "backward_training")
# The ResNet table: the original script's phases (DESIGN.md), cpu against the GPU.
RESNET_TABLE_PHASES = RESNET_PHASES[:3]
LLM_PHASES = (Phase("prefill", "Prefill", "prompt"), Phase("decode", "Decode", "generation"))


@dataclass(frozen=True)
class Workload:
    """A benchmark module (``benchmarks/<module>.py``) and what it measures."""

    module: str
    title: str


RESNET50 = Workload("resnet50", "ResNet-50 (224x224)")
TRANSFORMER = Workload("transformer", "Transformer operators and layers")
LLM = Workload("llm", "Small-LLM inference")


@dataclass(frozen=True)
class BenchmarkClass:
    """One benchmark class: ``<prefix>[Compiled]<subject><suffix>``, e.g. ``TorchSDPA``.

    ``subject`` is what reports group the frameworks' classes by (the op's title, the
    phase's name); ``key`` is its id in the library (``sdpa``, ``train_step``; empty for
    a class whose phase is a param); ``suffix`` names a class holding another metric of
    the same subject (``Memory``, ``FirstCall``); ``compiled`` marks a class compiled by
    its name rather than by a ``mode`` param.
    """

    workload: Workload
    framework: Framework
    subject: str
    metric: Metric
    key: str = ""
    suffix: str = ""
    compiled: bool = False

    @property
    def name(self) -> str:
        compiled = "Compiled" if self.compiled else ""
        return f"{self.framework.prefix}{compiled}{self.subject}{self.suffix}"

    @property
    def benchmark(self) -> str:
        """asv's name for its one benchmark: ``transformer.TorchSDPA.time_step``."""
        return f"{self.workload.module}.{self.name}.{self.metric.name}"


OP_METRICS = ((TIME_STEP, ""), (PEAK_MEMORY, "Memory"), (FIRST_CALL, "FirstCall"))

BENCHMARK_CLASSES: tuple[BenchmarkClass, ...] = (
    *(BenchmarkClass(RESNET50, TORCH, phase.name, TIME_STEP, phase.id)
      for phase in RESNET_PHASES),
    *(BenchmarkClass(RESNET50, MLX, phase.name, TIME_STEP, phase.id)
      for phase in MLX_RESNET_PHASES),
    BenchmarkClass(RESNET50, MLX, "TrainStep", TIME_STEP, "train_step", compiled=True),
    *(BenchmarkClass(RESNET50, each, "PeakMemory", PEAK_MEMORY) for each in FRAMEWORKS),
    *(BenchmarkClass(RESNET50, each, "FirstCall", FIRST_CALL) for each in FRAMEWORKS),
    *(BenchmarkClass(TRANSFORMER, each, spec.title, metric, spec.name, suffix)
      for each in FRAMEWORKS for spec in OPS.values() for metric, suffix in OP_METRICS),
    *(BenchmarkClass(LLM, each, phase.name, TIME_STEP, phase.id)
      for each in FRAMEWORKS for phase in LLM_PHASES),
    *(BenchmarkClass(LLM, each, "Generation", PEAK_MEMORY, "generate", "Memory")
      for each in FRAMEWORKS),
    *(BenchmarkClass(LLM, each, "FirstCall", FIRST_CALL) for each in FRAMEWORKS),
)

BY_BENCHMARK = {entry.benchmark: entry for entry in BENCHMARK_CLASSES}
# A class name means the same framework, subject and mode in every module it is in.
BY_CLASS_NAME = {entry.name: entry for entry in BENCHMARK_CLASSES}


def class_names(workload: Workload, framework_id: str, keys: tuple[str, ...]) -> tuple[str, ...]:
    """The eager ``TIME_STEP`` classes of ``keys`` in ``framework_id``, in that order."""
    return tuple(find(workload, framework_id, key).name for key in keys)


def described(class_name: str) -> BenchmarkClass | None:
    """What the class called ``class_name`` measures; None for a class not declared here."""
    return BY_CLASS_NAME.get(class_name)


def find(workload: Workload, framework_id: str, key: str,
         metric: Metric = TIME_STEP) -> BenchmarkClass:
    """The class of ``workload`` measuring ``key`` in ``framework_id`` (eager by its name)."""
    for entry in BENCHMARK_CLASSES:
        if (entry.workload, entry.framework.id, entry.key, entry.metric, entry.compiled) \
                == (workload, framework_id, key, metric, False):
            return entry
    raise ValueError(f"no {workload.module} benchmark of {key!r} in {framework_id!r} "
                     f"measures {metric.name}")
