"""PyTorch twin of flywheel's captioner training step (same architecture,
loss and AdamW), used by bench/model-train.ts to compare training speed on
CPU at the same thread count. Reads a JSON config from argv[1], prints one
JSON line: {"step_ms": ..., "torch": version, "threads": n}.
`--probe <threads>` only imports torch and prints the BLAS/LAPACK libraries
mapped into this process, torch's BLAS_INFO and the thread count, so the
bench can say which BLAS it runs on (and refuse the reference one).
"""
import json
import math
import os
import re
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def gelu(x):
    return F.gelu(x, approximate="tanh")


class Attn(nn.Module):
    def __init__(self, d, h):
        super().__init__()
        self.h, self.dh = h, d // h
        self.q, self.k, self.v, self.o = (nn.Linear(d, d) for _ in range(4))

    def forward(self, xq, xkv, bias):
        B, Nq, d = xq.shape
        Nk = xkv.shape[1]
        q = self.q(xq).view(B, Nq, self.h, self.dh).transpose(1, 2)
        k = self.k(xkv).view(B, Nk, self.h, self.dh).permute(0, 2, 3, 1)
        v = self.v(xkv).view(B, Nk, self.h, self.dh).transpose(1, 2)
        a = torch.softmax(q @ k / math.sqrt(self.dh) + bias, -1)
        return self.o((a @ v).transpose(1, 2).reshape(B, Nq, d))


class EncLayer(nn.Module):
    def __init__(self, c):
        super().__init__()
        d = c["dModel"]
        self.ln1, self.ln2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.attn = Attn(d, c["heads"])
        self.ff1, self.ff2 = nn.Linear(d, c["ffn"]), nn.Linear(c["ffn"], d)

    def forward(self, x, bias):
        h = self.ln1(x)
        x = x + self.attn(h, h, bias)
        return x + self.ff2(gelu(self.ff1(self.ln2(x))))


class DecLayer(nn.Module):
    def __init__(self, c):
        super().__init__()
        d = c["dModel"]
        self.ln1, self.ln2, self.ln3 = nn.LayerNorm(d), nn.LayerNorm(d), nn.LayerNorm(d)
        self.self_attn, self.cross = Attn(d, c["heads"]), Attn(d, c["heads"])
        self.ff1, self.ff2 = nn.Linear(d, c["ffn"]), nn.Linear(c["ffn"], d)

    def forward(self, x, causal, mem, mbias):
        h = self.ln1(x)
        x = x + self.self_attn(h, h, causal)
        x = x + self.cross(self.ln2(x), mem, mbias)
        return x + self.ff2(gelu(self.ff1(self.ln3(x))))


class Captioner(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c = c
        d, p = c["dModel"], c["patch"]
        n_patch = (c["frameSize"] // p) ** 2
        self.patch, self.patch2 = nn.Linear(p * p * 3, d), nn.Linear(d, d)
        self.pos_frame = nn.Parameter(torch.randn(c["frames"], 1, d) * 0.02)
        self.pos_patch = nn.Parameter(torch.randn(n_patch, d) * 0.02)
        self.pos_text = nn.Parameter(torch.randn(c["maxTextLen"], d) * 0.02)
        self.pos_cap = nn.Parameter(torch.randn(c["maxCaptionLen"], d) * 0.02)
        self.type_vis = nn.Parameter(torch.randn(d) * 0.02)
        self.type_txt = nn.Parameter(torch.randn(d) * 0.02)
        self.tok = nn.Parameter(torch.randn(c["vocabSize"], d) * 0.02)
        self.enc = nn.ModuleList(EncLayer(c) for _ in range(c["encLayers"]))
        self.enc_ln = nn.LayerNorm(d)
        self.dec = nn.ModuleList(DecLayer(c) for _ in range(c["decLayers"]))
        self.dec_ln = nn.LayerNorm(d)

    def forward(self, frames, text, caption):
        c = self.c
        B, T, S = frames.shape[0], c["frames"], c["frameSize"]
        p, n = c["patch"], S // c["patch"]
        px = frames.float() * (2 / 255) - 1
        tiles = px.view(B, T, n, p, n, p, 3).permute(0, 1, 2, 4, 3, 5, 6).reshape(B, T, n * n, p * p * 3)
        vis = self.patch2(gelu(self.patch(tiles))) + self.pos_frame + self.pos_patch
        vis = vis.reshape(B, T * n * n, -1) + self.type_vis
        Lt = text.shape[1]
        txt = self.tok[text] + self.pos_text[:Lt] + self.type_txt
        x = torch.cat([vis, txt], 1)
        mbias = torch.cat([torch.zeros(B, vis.shape[1]), (text == 0).float() * -1e9], 1)[:, None, None, :]
        for layer in self.enc:
            x = layer(x, mbias)
        mem = self.enc_ln(x)
        inp, tgt = caption[:, :-1], caption[:, 1:]
        L = inp.shape[1]
        y = self.tok[inp] + self.pos_cap[:L]
        causal = torch.triu(torch.full((L, L), -1e9), 1)
        for layer in self.dec:
            y = layer(y, causal, mem, mbias)
        logits = self.dec_ln(y) @ self.tok.t()
        logp = torch.log_softmax(logits, -1).gather(2, tgt[..., None])[..., 0]
        mask = (tgt != 0).float()
        return -(logp * mask).sum() / mask.sum()


def probe(threads):
    torch.set_num_threads(threads)
    torch.zeros(64, 64) @ torch.zeros(64, 64)  # make sure the BLAS is loaded
    libs = set()
    with open("/proc/self/maps") as maps:
        for line in maps:
            path = line.split()[-1] if len(line.split()) >= 6 else ""
            name = os.path.basename(path).lower()
            if path.startswith("/") and any(k in name for k in ("blas", "lapack", "mkl")):
                libs.add(os.path.realpath(path))
    m = re.search(r"BLAS_INFO=(\w+)", torch.__config__.show())
    print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(), "libs": sorted(libs), "blas_info": m.group(1) if m else ""}))


def main():
    if sys.argv[1] == "--probe":
        probe(int(sys.argv[2]))
        return
    spec = json.loads(sys.argv[1])
    c, B, Lt, Lc, steps, threads = spec["config"], spec["batch"], spec["textLen"], spec["captionLen"], spec["steps"], spec["threads"]
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    model = Captioner(c)
    decay = [p for n, p in model.named_parameters() if p.dim() >= 2 and n != "tok" and not n.startswith("pos")]
    other = [p for n, p in model.named_parameters() if not (p.dim() >= 2 and n != "tok" and not n.startswith("pos"))]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.01}, {"params": other, "weight_decay": 0.0}], lr=1e-3, betas=(0.9, 0.98))
    S = c["frameSize"]
    frames = torch.randint(0, 256, (B, c["frames"], S, S, 3), dtype=torch.uint8)
    text = torch.randint(4, c["vocabSize"], (B, Lt))
    caption = torch.randint(4, c["vocabSize"], (B, Lc))
    caption[:, 0] = 1
    caption[:, -1] = 2

    def step():
        opt.zero_grad(set_to_none=True)
        loss = model(frames, text, caption)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        return loss.item()

    for _ in range(2):
        step()
    t0 = time.perf_counter()
    for _ in range(steps):
        step()
    ms = (time.perf_counter() - t0) / steps * 1000
    print(json.dumps({"step_ms": ms, "torch": torch.__version__, "threads": torch.get_num_threads()}))


if __name__ == "__main__":
    main()
