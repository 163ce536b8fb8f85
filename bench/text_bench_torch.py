#!/usr/bin/python3
"""PyTorch side of bench/text_bench: the same BERT shapes as transformers' eager BertModel
computes them (embeddings + LayerNorm, post-norm nn.TransformerEncoderLayer with erf GELU,
attention mask), random weights, torch.inference_mode(), same thread count.

  OMP_WAIT_POLICY=passive OPENBLAS_CORETYPE=SkylakeX /usr/bin/python3 bench/text_bench_torch.py \
      --model small --threads 2 --lengths 16,128 --batches 1,8
"""
import argparse
import resource
import time

import torch

SHAPES = {
    "small": dict(d=384, layers=12, heads=12, ff=1536, vocab=30522, pos=512, label="bge-small shape"),
    "m3": dict(d=1024, layers=24, heads=16, ff=4096, vocab=250002, pos=8194, label="BGE-M3 shape"),
}


class Bert(torch.nn.Module):
    def __init__(self, s):
        super().__init__()
        self.word = torch.nn.Embedding(s["vocab"], s["d"])
        self.pos = torch.nn.Embedding(s["pos"], s["d"])
        self.ln = torch.nn.LayerNorm(s["d"], eps=1e-12)
        layer = torch.nn.TransformerEncoderLayer(s["d"], s["heads"], s["ff"], dropout=0.0,
                                                 activation="gelu", batch_first=True,
                                                 norm_first=False)
        self.enc = torch.nn.TransformerEncoder(layer, s["layers"], enable_nested_tensor=False)

    def forward(self, ids, mask):
        pos = torch.arange(ids.shape[1]).unsqueeze(0)
        x = self.ln(self.word(ids) + self.pos(pos))
        return self.enc(x, src_key_padding_mask=~mask)[:, 0]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="small")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--lengths", default="16,128")
    ap.add_argument("--batches", default="1,8")
    ap.add_argument("--seconds", type=float, default=2.0)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    s = SHAPES[a.model]
    model = Bert(s).eval()
    print(f"torch {torch.__version__}, threads {torch.get_num_threads()}")
    print("| model | tokens | batch | texts/s | ms/batch | texts/CPU-s |")
    print("|---|---|---|---|---|---|")
    with torch.inference_mode():
        for n in map(int, a.lengths.split(",")):
            for b in map(int, a.batches.split(",")):
                ids = torch.randint(1000, 20000, (b, n))
                mask = torch.ones(b, n, dtype=torch.bool)
                model(ids, mask)
                t0, c0, it = time.perf_counter(), time.process_time(), 0
                while True:
                    model(ids, mask)
                    it += 1
                    if time.perf_counter() - t0 >= a.seconds:
                        break
                wall = (time.perf_counter() - t0) / it
                cpu = (time.process_time() - c0) / it
                print(f"| {s['label']} | {n} | {b} | {b / wall:.1f} | {wall * 1e3:.1f} | {b / cpu:.1f} |",
                      flush=True)


if __name__ == "__main__":
    main()
