#!/usr/bin/env python3
"""PyTorch side of bench/detr_bench: the DETR-ResNet-50 architecture (facebook/detr-resnet-50,
no_timm) written as transformers' modeling_detr.py / modeling_resnet.py run it in eager mode --
nn.Conv2d (no bias) followed by a frozen batch norm computed on every call (x * scale + bias),
ReLU, max-pool, bottleneck blocks; sine position embeddings; post-norm encoder/decoder layers
with the position added to queries and keys (nn.MultiheadAttention); class head and 3-layer box
MLP. Random weights, same shapes, same input size and thread count as detr_bench. Not a CI
dependency; run by hand:

  OMP_WAIT_POLICY=passive OPENBLAS_CORETYPE=SkylakeX /usr/bin/python3 bench/detr_bench_torch.py --threads 2

(Debian's torch runs convolutions through its bundled oneDNN (mkldnn) and Linear layers through
libblas.so.3; OPENBLAS_CORETYPE=SkylakeX makes OpenBLAS use its AVX-512 kernels, see
bench/nn_bench_torch.py.) --fold-bn folds the batch norms into the convolutions first, as qimg
does, to show the best PyTorch can do with the same trick; --channels-last runs the backbone in
NHWC.
"""
import argparse
import math
import os
import resource
import time

import torch
from torch import nn


class FrozenBN(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.register_buffer("weight", 1.0 + 0.1 * (torch.rand(c) * 2 - 1))
        self.register_buffer("bias", 0.02 * (torch.rand(c) * 2 - 1))
        self.register_buffer("running_mean", 0.02 * (torch.rand(c) * 2 - 1))
        self.register_buffer("running_var", 1.0 + 0.1 * (torch.rand(c) * 2 - 1))

    def forward(self, x):  # transformers' DetrFrozenBatchNorm2d
        scale = self.weight * (self.running_var + 1e-5).rsqrt()
        bias = self.bias - self.running_mean * scale
        return x * scale.reshape(1, -1, 1, 1) + bias.reshape(1, -1, 1, 1)


class ConvBN(nn.Module):
    def __init__(self, cin, cout, k, stride=1, relu=True):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, k, stride, k // 2, bias=False)
        nn.init.kaiming_uniform_(self.conv.weight, a=math.sqrt(5))
        self.norm = FrozenBN(cout)
        self.relu = relu

    def fold(self):
        scale = self.norm.weight * (self.norm.running_var + 1e-5).rsqrt()
        conv = nn.Conv2d(self.conv.in_channels, self.conv.out_channels, self.conv.kernel_size,
                         self.conv.stride, self.conv.padding, bias=True)
        conv.weight.data = self.conv.weight.data * scale.reshape(-1, 1, 1, 1)
        conv.bias.data = self.norm.bias - self.norm.running_mean * scale
        self.conv, self.norm = conv, nn.Identity()

    def forward(self, x):
        x = self.norm(self.conv(x))
        return torch.relu(x) if self.relu else x


class Bottleneck(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        mid = cout // 4
        self.shortcut = ConvBN(cin, cout, 1, stride, relu=False) if cin != cout or stride != 1 else None
        self.layer = nn.Sequential(ConvBN(cin, mid, 1), ConvBN(mid, mid, 3, stride), ConvBN(mid, cout, 1, relu=False))

    def forward(self, x):
        r = x if self.shortcut is None else self.shortcut(x)
        return torch.relu(self.layer(x) + r)


class ResNet50(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = ConvBN(3, 64, 7, 2)
        self.pool = nn.MaxPool2d(3, 2, 1)
        blocks, cin = [], 64
        for s, (cout, depth) in enumerate(zip([256, 512, 1024, 2048], [3, 4, 6, 3])):
            for b in range(depth):
                blocks.append(Bottleneck(cin, cout, 2 if b == 0 and s > 0 else 1))
                cin = cout
        self.blocks = nn.Sequential(*blocks)

    def forward(self, x):
        return self.blocks(self.pool(self.stem(x)))


def sine_position(mask, d):
    y = mask.cumsum(1, dtype=torch.float32)
    x = mask.cumsum(2, dtype=torch.float32)
    y = y / (y[:, -1:, :] + 1e-6) * 2 * math.pi
    x = x / (x[:, :, -1:] + 1e-6) * 2 * math.pi
    half = d // 2
    dim_t = torch.arange(half, dtype=torch.float32)
    dim_t = 10000 ** (2 * torch.div(dim_t, 2, rounding_mode="floor") / half)
    px, py = x[..., None] / dim_t, y[..., None] / dim_t
    px = torch.stack((px[..., 0::2].sin(), px[..., 1::2].cos()), dim=4).flatten(3)
    py = torch.stack((py[..., 0::2].sin(), py[..., 1::2].cos()), dim=4).flatten(3)
    return torch.cat((py, px), dim=3).flatten(1, 2)  # [b, tokens, d]


class EncoderLayer(nn.Module):
    def __init__(self, d, heads, ff):
        super().__init__()
        self.attn = nn.MultiheadAttention(d, heads, batch_first=True)
        self.n1, self.n2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.fc1, self.fc2 = nn.Linear(d, ff), nn.Linear(ff, d)

    def forward(self, x, pos, key_padding):
        q = x + pos
        x = self.n1(x + self.attn(q, q, x, key_padding_mask=key_padding, need_weights=False)[0])
        return self.n2(x + self.fc2(torch.relu(self.fc1(x))))


class DecoderLayer(nn.Module):
    def __init__(self, d, heads, ff):
        super().__init__()
        self.self_attn = nn.MultiheadAttention(d, heads, batch_first=True)
        self.cross_attn = nn.MultiheadAttention(d, heads, batch_first=True)
        self.n1, self.n2, self.n3 = nn.LayerNorm(d), nn.LayerNorm(d), nn.LayerNorm(d)
        self.fc1, self.fc2 = nn.Linear(d, ff), nn.Linear(ff, d)

    def forward(self, h, qpos, memory, pos, key_padding):
        q = h + qpos
        h = self.n1(h + self.self_attn(q, q, h, need_weights=False)[0])
        h = self.n2(h + self.cross_attn(h + qpos, memory + pos, memory, key_padding_mask=key_padding,
                                        need_weights=False)[0])
        return self.n3(h + self.fc2(torch.relu(self.fc1(h))))


class Detr(nn.Module):
    def __init__(self, d=256, heads=8, ff=2048, layers=6, queries=100, classes=91):
        super().__init__()
        self.backbone = ResNet50()
        self.proj = nn.Conv2d(2048, d, 1)
        self.query_pos = nn.Parameter(torch.randn(queries, d))
        self.encoder = nn.ModuleList(EncoderLayer(d, heads, ff) for _ in range(layers))
        self.decoder = nn.ModuleList(DecoderLayer(d, heads, ff) for _ in range(layers))
        self.norm = nn.LayerNorm(d)
        self.cls = nn.Linear(d, classes + 1)
        self.box = nn.ModuleList([nn.Linear(d, d), nn.Linear(d, d), nn.Linear(d, 4)])
        self.d = d

    def forward(self, pixels, pixel_mask):
        f = self.backbone(pixels)
        mask = nn.functional.interpolate(pixel_mask[None].float(), size=f.shape[-2:])[0].to(torch.bool)
        pos = sine_position(mask.to(torch.int64), self.d)
        x = self.proj(f).flatten(2).transpose(1, 2)
        pad = ~mask.flatten(1)
        for layer in self.encoder:
            x = layer(x, pos, pad)
        h = torch.zeros(x.shape[0], self.query_pos.shape[0], self.d)
        qpos = self.query_pos[None].expand(x.shape[0], -1, -1)
        for layer in self.decoder:
            h = layer(h, qpos, x, pos, pad)
        h = self.norm(h)
        b = torch.relu(self.box[0](h))
        b = torch.relu(self.box[1](b))
        return self.cls(h), self.box[2](b).sigmoid()


def rate(fn, seconds):
    """(images per wall-clock second, images per CPU-second of all threads)."""
    t0, c0, n = time.perf_counter(), time.process_time(), 0
    while True:
        fn()
        n += 1
        secs = time.perf_counter() - t0
        if secs >= seconds and n >= 2:
            return n / secs, n / (time.process_time() - c0)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--height", type=int, default=800)
    ap.add_argument("--width", type=int, default=1066)
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--fold-bn", action="store_true")
    ap.add_argument("--channels-last", action="store_true")
    a = ap.parse_args()
    torch.manual_seed(0)
    torch.set_num_threads(a.threads)
    model = Detr().eval()
    if a.fold_bn:
        for m in model.modules():
            if isinstance(m, ConvBN):
                m.fold()
    fmt = torch.channels_last if a.channels_last else torch.contiguous_format
    model = model.to(memory_format=fmt)
    params = sum(p.numel() for p in model.parameters())
    pixels = (torch.rand(1, 3, a.height, a.width) * 4 - 2).contiguous(memory_format=fmt)
    mask = torch.ones(1, a.height, a.width, dtype=torch.int64)
    print(f"torch {torch.__version__}, threads {torch.get_num_threads()}, "
          f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '')}, "
          f"fold_bn={a.fold_bn}, channels_last={a.channels_last}")
    load0 = os.getloadavg()[0]
    with torch.inference_mode():
        model(pixels, mask)  # warm-up
        full = rate(lambda: model(pixels, mask), a.seconds)
        model.backbone(pixels)
        bb = rate(lambda: model.backbone(pixels), a.seconds / 2)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"detr-resnet-50 (random weights, {params / 1e6:.1f}M params) at {a.height}x{a.width}")
    print(f"  full model: {full[0]:.3f} images/s ({1 / full[0]:.2f} s/image), "
          f"{full[1]:.3f} images/CPU-s, peak RSS {rss:.0f} MiB")
    print(f"  backbone:   {bb[0]:.3f} images/s ({1 / bb[0]:.2f} s/image), {bb[1]:.3f} images/CPU-s")
    print(f"  load average {load0:.2f} before, {os.getloadavg()[0]:.2f} after")


if __name__ == "__main__":
    main()
