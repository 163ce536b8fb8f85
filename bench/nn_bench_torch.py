#!/usr/bin/env python3
"""PyTorch side of bench/nn_bench: the same CLIP and SigLIP towers (transformers' CLIPModel eager code path:
separate q/k/v Linear layers, bmm attention, quick_gelu, pre-norm), random weights, same shapes,
same thread count. Not a CI dependency; run by hand:

  OPENBLAS_CORETYPE=SkylakeX python3 bench/nn_bench_torch.py --threads 2 --model b32
  ... --model siglip2-b16   (SiglipModel's eager path: tanh GELU, no class token, attention-pooling
                             head, 64-token bidirectional text tower, Gemma's 256k vocabulary)

Debian's python3-torch does its Linear layers through libblas.so.3; with OpenBLAS installed
(libopenblas0-openmp) its CPU detection reports this processor as "Prescott" and runs SSE3
kernels, so OPENBLAS_CORETYPE=SkylakeX is needed for a fair (AVX-512) comparison.
"""
import argparse
import math
import resource
import time

import torch
from torch import nn

CONFIGS = {
    # name: (vision hidden, ff, layers, heads, patch, text hidden, ff, layers, heads, proj)
    "b32": (768, 3072, 12, 12, 32, 512, 2048, 12, 8, 512),
    "b16": (768, 3072, 12, 12, 16, 512, 2048, 12, 8, 512),
    "l14": (1024, 4096, 24, 16, 14, 768, 3072, 12, 12, 768),
}


class Attention(nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.h, self.hd = heads, d // heads
        self.scale = self.hd ** -0.5
        self.q_proj, self.k_proj, self.v_proj, self.out_proj = (nn.Linear(d, d) for _ in range(4))

    def forward(self, x, mask):
        b, s, d = x.shape
        shape = lambda t: t.view(b, s, self.h, self.hd).transpose(1, 2).reshape(b * self.h, s, self.hd)
        q = shape(self.q_proj(x) * self.scale)
        k = shape(self.k_proj(x))
        v = shape(self.v_proj(x))
        w = torch.bmm(q, k.transpose(1, 2))
        if mask is not None:
            w = w + mask
        w = torch.softmax(w, dim=-1)
        o = torch.bmm(w, v).view(b, self.h, s, self.hd).transpose(1, 2).reshape(b, s, d)
        return self.out_proj(o)


class Layer(nn.Module):
    def __init__(self, d, ff, heads, act="quick_gelu"):
        super().__init__()
        self.act = act
        self.layer_norm1, self.layer_norm2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.self_attn = Attention(d, heads)
        self.fc1, self.fc2 = nn.Linear(d, ff), nn.Linear(ff, d)

    def forward(self, x, mask=None):
        x = x + self.self_attn(self.layer_norm1(x), mask)
        h = self.fc1(self.layer_norm2(x))
        if self.act == "quick_gelu":
            h = h * torch.sigmoid(1.702 * h)
        else:  # SigLIP's gelu_pytorch_tanh
            h = nn.functional.gelu(h, approximate="tanh")
        return x + self.fc2(h)


class Vision(nn.Module):
    def __init__(self, d, ff, layers, heads, patch, proj, image=224):
        super().__init__()
        self.patch_embedding = nn.Conv2d(3, d, patch, patch, bias=False)
        self.class_embedding = nn.Parameter(torch.randn(d) * 0.02)
        self.position_embedding = nn.Embedding((image // patch) ** 2 + 1, d)
        self.pre_layrnorm, self.post_layernorm = nn.LayerNorm(d), nn.LayerNorm(d)
        self.layers = nn.ModuleList(Layer(d, ff, heads) for _ in range(layers))
        self.visual_projection = nn.Linear(d, proj, bias=False)

    def forward(self, px):
        x = self.patch_embedding(px).flatten(2).transpose(1, 2)
        x = torch.cat([self.class_embedding.expand(x.shape[0], 1, -1), x], dim=1)
        x = self.pre_layrnorm(x + self.position_embedding.weight)
        for layer in self.layers:
            x = layer(x)
        return self.visual_projection(self.post_layernorm(x[:, 0]))


class Text(nn.Module):
    def __init__(self, d, ff, layers, heads, proj, vocab=49408, positions=77):
        super().__init__()
        self.token_embedding = nn.Embedding(vocab, d)
        self.position_embedding = nn.Embedding(positions, d)
        self.layers = nn.ModuleList(Layer(d, ff, heads) for _ in range(layers))
        self.final_layer_norm = nn.LayerNorm(d)
        self.text_projection = nn.Linear(d, proj, bias=False)

    def forward(self, ids):
        b, s = ids.shape
        x = self.token_embedding(ids) + self.position_embedding.weight[:s]
        mask = torch.full((s, s), float("-inf")).triu(1)
        for layer in self.layers:
            x = layer(x, mask)
        x = self.final_layer_norm(x)
        return self.text_projection(x[torch.arange(b), ids.argmax(-1)])


class SiglipVision(nn.Module):
    """SiglipVisionTransformer: conv with bias, no class token, post-norm, attention-pooling head."""

    def __init__(self, d=768, ff=3072, layers=12, heads=12, patch=16, image=224):
        super().__init__()
        self.patch_embedding = nn.Conv2d(3, d, patch, patch)
        self.position_embedding = nn.Embedding((image // patch) ** 2, d)
        self.layers = nn.ModuleList(Layer(d, ff, heads, "gelu_tanh") for _ in range(layers))
        self.post_layernorm = nn.LayerNorm(d, eps=1e-6)
        self.probe = nn.Parameter(torch.randn(1, 1, d))
        self.attention = nn.MultiheadAttention(d, heads, batch_first=True)
        self.layernorm = nn.LayerNorm(d, eps=1e-6)
        self.fc1, self.fc2 = nn.Linear(d, ff), nn.Linear(ff, d)

    def forward(self, px):
        x = self.patch_embedding(px).flatten(2).transpose(1, 2) + self.position_embedding.weight
        for layer in self.layers:
            x = layer(x)
        x = self.post_layernorm(x)
        a = self.attention(self.probe.expand(x.shape[0], -1, -1), x, x, need_weights=False)[0]
        h = nn.functional.gelu(self.fc1(self.layernorm(a)), approximate="tanh")
        return (a + self.fc2(h))[:, 0]


class SiglipText(nn.Module):
    """SiglipTextTransformer: no mask, final norm, last position through `head`."""

    def __init__(self, d=768, ff=3072, layers=12, heads=12, vocab=256000, positions=64):
        super().__init__()
        self.token_embedding = nn.Embedding(vocab, d)
        self.position_embedding = nn.Embedding(positions, d)
        self.layers = nn.ModuleList(Layer(d, ff, heads, "gelu_tanh") for _ in range(layers))
        self.final_layer_norm = nn.LayerNorm(d, eps=1e-6)
        self.head = nn.Linear(d, d)

    def forward(self, ids):
        x = self.token_embedding(ids) + self.position_embedding.weight[: ids.shape[1]]
        for layer in self.layers:
            x = layer(x)
        return self.head(self.final_layer_norm(x)[:, -1])


REPEAT = 1


def timed(fn, seconds):
    """(wall, CPU) seconds per call: best of REPEAT windows of at least `seconds` (as nn_bench)."""
    fn()
    best, best_cpu = float("inf"), float("inf")
    for _ in range(REPEAT):
        t0, c0, n = time.perf_counter(), time.process_time(), 0
        while True:
            fn()
            n += 1
            if time.perf_counter() - t0 >= seconds:
                best = min(best, (time.perf_counter() - t0) / n)
                best_cpu = min(best_cpu, (time.process_time() - c0) / n)
                break
    return best, best_cpu


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="b32")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batches", default="1,8,32")
    ap.add_argument("--seconds", type=float, default=3)
    ap.add_argument("--no-texts", action="store_true")
    ap.add_argument("--repeat", type=int, default=1)
    a = ap.parse_args()
    global REPEAT
    REPEAT = max(1, a.repeat)
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    print(f"torch {torch.__version__}, threads {torch.get_num_threads()}")
    print("| model | input | batch | items/s | ms/batch | items/CPU-s | peak RSS MiB (process max) |")
    print("|---|---|---|---|---|---|---|")
    for name in a.model.split(","):
        if name == "siglip2-b16":
            label, tokens = "SigLIP 2 B/16", 64
            vision, text = SiglipVision().eval(), SiglipText().eval()
        else:
            vd, vf, vl, vh, patch, td, tf, tl, th, proj = CONFIGS[name]
            label, tokens = {"b32": "ViT-B/32", "b16": "ViT-B/16", "l14": "ViT-L/14"}[name], 77
            vision = Vision(vd, vf, vl, vh, patch, proj).eval()
            text = Text(td, tf, tl, th, proj).eval()
        with torch.inference_mode():
            for b in map(int, a.batches.split(",")):
                px = torch.randn(b, 3, 224, 224)
                s, c = timed(lambda: vision(px), a.seconds / (3 if name == "l14" else 1))
                rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
                print(f"| {label} | image | {b} | {b / s:.2f} | {s * 1e3:.1f} | {b / c:.2f} | {rss:.0f} |", flush=True)
            if a.no_texts:
                continue
            for b in map(int, a.batches.split(",")):
                ids = torch.randint(1000, 2000, (b, tokens))
                if tokens == 77:
                    ids[:, 0], ids[:, -1] = 49406, 49407
                s, c = timed(lambda: text(ids), a.seconds / 2)
                rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
                print(f"| {label} | text ({tokens} tok) | {b} | {b / s:.1f} | {s * 1e3:.1f} | {b / c:.1f} | {rss:.0f} |", flush=True)


if __name__ == "__main__":
    main()
