#!/usr/bin/python3
"""Writes a random-weight CLIP model folder shaped like openai/clip-vit-base-patch32 (ViT-B/32).

For benchmarks only (embed throughput, query latency): the numbers it produces are meaningless,
the compute per image and per query is that of the real model. Hugging Face CLIPModel layout:
config.json, preprocessor_config.json, model.safetensors (float32) and the tokenizer files
copied from ../shared/testdata/clip-tiny (the real CLIP BPE vocabulary and merges).

  /usr/bin/python3 bench/make_random_clip.py OUT_DIR [--tokenizer-from DIR] [--seed N]

Needs numpy only (no torch, no transformers).
"""
import argparse
import json
import os
import shutil
import struct

import numpy as np

TEXT = dict(hidden=512, heads=8, layers=12, mlp=2048, vocab=49408, positions=77)
VISION = dict(hidden=768, heads=12, layers=12, mlp=3072, image=224, patch=32)
PROJ = 512


def tensors(rng):
    """(name, array) in the names and shapes of transformers' CLIPModel state dict."""
    def w(*shape):
        return (rng.standard_normal(shape, dtype=np.float32) * 0.02).astype(np.float32)

    def ones(n):
        return np.ones((n,), np.float32)

    def zeros(n):
        return np.zeros((n,), np.float32)

    def layers(prefix, d, mlp, count):
        for i in range(count):
            p = f"{prefix}.encoder.layers.{i}."
            for ln in ("layer_norm1", "layer_norm2"):
                yield p + ln + ".weight", ones(d)
                yield p + ln + ".bias", zeros(d)
            for proj in ("q_proj", "k_proj", "v_proj", "out_proj"):
                yield p + "self_attn." + proj + ".weight", w(d, d)
                yield p + "self_attn." + proj + ".bias", zeros(d)
            yield p + "mlp.fc1.weight", w(mlp, d)
            yield p + "mlp.fc1.bias", zeros(mlp)
            yield p + "mlp.fc2.weight", w(d, mlp)
            yield p + "mlp.fc2.bias", zeros(d)

    t, v = TEXT, VISION
    yield "logit_scale", np.array(2.6592, np.float32)
    yield "text_model.embeddings.token_embedding.weight", w(t["vocab"], t["hidden"])
    yield "text_model.embeddings.position_embedding.weight", w(t["positions"], t["hidden"])
    yield from layers("text_model", t["hidden"], t["mlp"], t["layers"])
    yield "text_model.final_layer_norm.weight", ones(t["hidden"])
    yield "text_model.final_layer_norm.bias", zeros(t["hidden"])
    yield "text_projection.weight", w(PROJ, t["hidden"])
    grid = v["image"] // v["patch"]
    yield "vision_model.embeddings.class_embedding", w(v["hidden"])
    yield "vision_model.embeddings.patch_embedding.weight", w(v["hidden"], 3, v["patch"], v["patch"])
    yield "vision_model.embeddings.position_embedding.weight", w(grid * grid + 1, v["hidden"])
    yield "vision_model.pre_layrnorm.weight", ones(v["hidden"])
    yield "vision_model.pre_layrnorm.bias", zeros(v["hidden"])
    yield from layers("vision_model", v["hidden"], v["mlp"], v["layers"])
    yield "vision_model.post_layernorm.weight", ones(v["hidden"])
    yield "vision_model.post_layernorm.bias", zeros(v["hidden"])
    yield "visual_projection.weight", w(PROJ, v["hidden"])


def write_safetensors(path, items):
    header, offset = {"__metadata__": {"format": "pt"}}, 0
    for name, a in items:
        header[name] = {"dtype": "F32", "shape": list(a.shape), "data_offsets": [offset, offset + a.nbytes]}
        offset += a.nbytes
    raw = json.dumps(header, separators=(",", ":")).encode()
    raw += b" " * (-len(raw) % 8)
    with open(path + ".tmp", "wb") as f:
        f.write(struct.pack("<Q", len(raw)))
        f.write(raw)
        for _, a in items:
            f.write(np.ascontiguousarray(a).tobytes())
    os.replace(path + ".tmp", path)


def config():
    t, v = TEXT, VISION
    common = dict(attention_dropout=0.0, hidden_act="quick_gelu", initializer_factor=1.0,
                  initializer_range=0.02, layer_norm_eps=1e-05, projection_dim=PROJ)
    return {
        "architectures": ["CLIPModel"], "model_type": "clip", "projection_dim": PROJ,
        "logit_scale_init_value": 2.6592, "initializer_factor": 1.0, "torch_dtype": "float32",
        "text_config": dict(common, model_type="clip_text_model", hidden_size=t["hidden"],
                            intermediate_size=t["mlp"], num_attention_heads=t["heads"],
                            num_hidden_layers=t["layers"], max_position_embeddings=t["positions"],
                            vocab_size=t["vocab"], bos_token_id=49406, eos_token_id=49407, pad_token_id=1),
        "vision_config": dict(common, model_type="clip_vision_model", hidden_size=v["hidden"],
                              intermediate_size=v["mlp"], num_attention_heads=v["heads"],
                              num_hidden_layers=v["layers"], image_size=v["image"], patch_size=v["patch"],
                              num_channels=3),
    }


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out")
    ap.add_argument("--tokenizer-from", default=os.path.join(here, "..", "..", "shared", "testdata", "clip-tiny", "model"))
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    for name in ("vocab.json", "merges.txt", "tokenizer_config.json", "special_tokens_map.json"):
        shutil.copyfile(os.path.join(args.tokenizer_from, name), os.path.join(args.out, name))
        os.chmod(os.path.join(args.out, name), 0o644)
    with open(os.path.join(args.tokenizer_from, "preprocessor_config.json")) as f:
        pre = json.load(f)
    pre["crop_size"] = {"height": VISION["image"], "width": VISION["image"]}
    pre["size"] = {"shortest_edge": VISION["image"]}
    with open(os.path.join(args.out, "preprocessor_config.json"), "w") as f:
        json.dump(pre, f, indent=2)
    with open(os.path.join(args.out, "config.json"), "w") as f:
        json.dump(config(), f, indent=2)
    items = list(tensors(np.random.default_rng(args.seed)))
    write_safetensors(os.path.join(args.out, "model.safetensors"), items)
    n = sum(a.size for _, a in items)
    print(f"{args.out}: random ViT-B/32-shaped CLIP, {len(items)} tensors, {n / 1e6:.1f}M parameters")


if __name__ == "__main__":
    main()
