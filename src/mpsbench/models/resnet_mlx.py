"""ResNet-50 in MLX with torchvision's architecture and layer names.

Bottleneck v1.5 (the stride sits on the 3x3 convolution), NHWC activations, conv
weights (out, kh, kw, in). Parameter paths match torchvision's state-dict keys, e.g.
``layer2.0.downsample.0.weight``, so the converter only transposes conv weights.
"""

from __future__ import annotations

import mlx.core as mx
import mlx.nn as nn

RESNET50_LAYERS = (3, 4, 6, 3)
WIDTHS = (64, 128, 256, 512)
EXPANSION = 4


class Bottleneck(nn.Module):
    """1x1 reduce, 3x3 (strided), 1x1 expand, plus the (projected) identity."""

    def __init__(self, in_channels: int, width: int, stride: int = 1) -> None:
        super().__init__()
        out_channels = width * EXPANSION
        self.conv1 = nn.Conv2d(in_channels, width, 1, bias=False)
        self.bn1 = nn.BatchNorm(width)
        self.conv2 = nn.Conv2d(width, width, 3, stride=stride, padding=1, bias=False)
        self.bn2 = nn.BatchNorm(width)
        self.conv3 = nn.Conv2d(width, out_channels, 1, bias=False)
        self.bn3 = nn.BatchNorm(out_channels)
        if stride != 1 or in_channels != out_channels:
            # A list, not nn.Sequential, so the keys are downsample.0/1 as in torchvision.
            self.downsample = [
                nn.Conv2d(in_channels, out_channels, 1, stride=stride, bias=False),
                nn.BatchNorm(out_channels),
            ]

    def __call__(self, x: mx.array) -> mx.array:
        out = nn.relu(self.bn1(self.conv1(x)))
        out = nn.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        identity = x
        if "downsample" in self:
            conv, bn = self.downsample
            identity = bn(conv(x))
        return nn.relu(out + identity)


class ResNet(nn.Module):
    """A bottleneck ResNet; ``layers`` is the number of blocks in each of the 4 stages."""

    def __init__(
        self, layers: tuple[int, ...] = RESNET50_LAYERS, num_classes: int = 1000
    ) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, 64, 7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm(64)
        self.maxpool = nn.MaxPool2d(3, stride=2, padding=1)
        in_channels = 64
        for index, (blocks, width) in enumerate(zip(layers, WIDTHS, strict=True)):
            stride = 1 if index == 0 else 2
            stage = [Bottleneck(in_channels, width, stride)]
            in_channels = width * EXPANSION
            stage += [Bottleneck(in_channels, width) for _ in range(blocks - 1)]
            setattr(self, f"layer{index + 1}", stage)
        self.fc = nn.Linear(in_channels, num_classes)

    def __call__(self, x: mx.array) -> mx.array:
        """Logits for an NHWC batch."""
        x = self.maxpool(nn.relu(self.bn1(self.conv1(x))))
        for index in range(1, len(WIDTHS) + 1):
            for block in getattr(self, f"layer{index}"):
                x = block(x)
        return self.fc(mx.mean(x, axis=(1, 2)))


def resnet50(num_classes: int = 1000) -> ResNet:
    """ResNet-50 with MLX's default initialization (seed with ``mx.random.seed``)."""
    return ResNet(RESNET50_LAYERS, num_classes)
