#!/usr/bin/env python3
"""Independent PyTorch baseline for `covid bench train --pytorch`: the same NASNet-A Mobile (Keras NASNetMobile,
2 classes, skip_reduction=False) as src/ServerlessCovid.Training/Models, timed the same way (random inputs, SGD step
included, warm-up step excluded). Needs Debian's python3-torch (PyTorch 1.13); the product and its tests never do.
Prints one JSON object per batch size on stdout."""
import argparse
import json
import resource
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def correct_pad(h, w, k):
    half = k // 2
    return half - (1 - h % 2), half, half - (1 - w % 2), half  # top, bottom, left, right


def pad_like_keras(x, k):
    top, bottom, left, right = correct_pad(x.shape[2], x.shape[3], k)
    return F.pad(x, (left, right, top, bottom))


def bn(channels):
    return nn.BatchNorm2d(channels, eps=1e-3, momentum=0.0003)


def avg_same(x):
    return F.avg_pool2d(x, 3, 1, 1, count_include_pad=False)


class Separable(nn.Module):
    def __init__(self, cin, filters, k, stride):
        super().__init__()
        self.k, self.stride = k, stride
        self.dw1 = nn.Conv2d(cin, cin, k, stride, k // 2 if stride == 1 else 0, groups=cin, bias=False)
        self.pw1 = nn.Conv2d(cin, filters, 1, bias=False)
        self.bn1 = bn(filters)
        self.dw2 = nn.Conv2d(filters, filters, k, 1, k // 2, groups=filters, bias=False)
        self.pw2 = nn.Conv2d(filters, filters, 1, bias=False)
        self.bn2 = bn(filters)

    def forward(self, x):
        x = F.relu(x)
        if self.stride != 1:
            x = pad_like_keras(x, self.k)
        x = F.relu(self.bn1(self.pw1(self.dw1(x))))
        return self.bn2(self.pw2(self.dw2(x)))


class Adjust(nn.Module):
    def __init__(self, kind, cin, filters):
        super().__init__()
        self.kind = kind
        if kind == "reduce":
            self.c1 = nn.Conv2d(cin, filters // 2, 1, bias=False)
            self.c2 = nn.Conv2d(cin, filters // 2, 1, bias=False)
            self.bn = bn(2 * (filters // 2))
            self.out = 2 * (filters // 2)
        elif kind == "project":
            self.c1 = nn.Conv2d(cin, filters, 1, bias=False)
            self.bn = bn(filters)
            self.out = filters
        else:
            self.out = cin

    def forward(self, p):
        if self.kind == "none":
            return p
        p = F.relu(p)
        if self.kind == "project":
            return self.bn(self.c1(p))
        path1 = self.c1(F.avg_pool2d(p, 1, 2))
        shifted = F.pad(p, (0, 1, 0, 1))[:, :, 1:, 1:]
        path2 = self.c2(F.avg_pool2d(shifted, 1, 2))
        return self.bn(torch.cat([path1, path2], 1))


class Normal(nn.Module):
    def __init__(self, adjust, cin, cprev, f):
        super().__init__()
        self.adjust = Adjust(adjust, cprev, f)
        p = self.adjust.out
        self.h = nn.Conv2d(cin, f, 1, bias=False)
        self.hbn = bn(f)
        self.h5, self.p3, self.p5, self.p3b, self.h3 = (
            Separable(f, f, 5, 1), Separable(p, f, 3, 1), Separable(p, f, 5, 1), Separable(p, f, 3, 1), Separable(f, f, 3, 1))
        self.out = 6 * f

    def forward(self, x, prev):
        p = self.adjust(prev)
        h = self.hbn(self.h(F.relu(x)))
        pooled_p = avg_same(p)
        return torch.cat([p, self.h5(h) + self.p3(p), self.p5(p) + self.p3b(p), avg_same(h) + p,
                          pooled_p + pooled_p, self.h3(h) + h], 1)


class Reduction(nn.Module):
    def __init__(self, adjust, cin, cprev, f):
        super().__init__()
        self.adjust = Adjust(adjust, cprev, f)
        p = self.adjust.out
        self.h = nn.Conv2d(cin, f, 1, bias=False)
        self.hbn = bn(f)
        self.h5, self.p7, self.p7b, self.p5, self.x1_3 = (
            Separable(f, f, 5, 2), Separable(p, f, 7, 2), Separable(p, f, 7, 2), Separable(p, f, 5, 2), Separable(f, f, 3, 1))
        self.out = 4 * f

    def forward(self, x, prev):
        p = self.adjust(prev)
        h = self.hbn(self.h(F.relu(x)))
        h3 = pad_like_keras(h, 3)
        max_h = F.max_pool2d(h3, 3, 2)
        x1 = self.h5(h) + self.p7(p)
        x2 = max_h + self.p7b(p)
        x3 = F.avg_pool2d(h3, 3, 2) + self.p5(p)
        x4 = avg_same(x1) + x2
        x5 = self.x1_3(x1) + max_h
        return torch.cat([x2, x3, x4, x5], 1)


class NasNetMobile(nn.Module):
    def __init__(self, penultimate=1056, blocks=4, stem=32, multiplier=2, classes=2):
        super().__init__()
        self.stem = nn.Conv2d(3, stem, 3, 2, bias=False)
        self.stem_bn = bn(stem)
        filters = penultimate // 24
        cells = []
        x, p = (stem, 0), None

        def add(reduction, f):
            nonlocal x, p
            if p is None:
                kind = "none"
            elif p[1] < x[1]:
                kind = "reduce"
            elif p[0] != f:
                kind = "project"
            else:
                kind = "none"
            cprev = p[0] if p is not None else x[0]
            cell = (Reduction if reduction else Normal)(kind, x[0], cprev, f)
            cells.append(cell)
            p, x = x, (cell.out, x[1] + (1 if reduction else 0))

        add(True, filters // (multiplier * multiplier))
        add(True, filters // multiplier)
        stage = filters
        for s in range(3):
            if s > 0:
                stage *= multiplier
                add(True, stage)
            for _ in range(blocks):
                add(False, stage)
        self.cells = nn.ModuleList(cells)
        self.head = nn.Linear(x[0], classes)

    def forward(self, inp):
        x = self.stem_bn(self.stem(inp))
        p = x
        for cell in self.cells:
            x, p = cell(x, p), x
        return self.head(F.relu(x).mean([2, 3]))


def peak_rss_bytes():
    # ru_maxrss survives exec on Linux (a child started by a large parent reports the parent's peak); VmHWM does not.
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return 0


def cpu_seconds():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--batch-sizes", default="8,32")
    parser.add_argument("--steps", type=int, default=3)
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--threads", type=int, default=0)
    parser.add_argument("--channels-last", action="store_true", help="torch.channels_last model and inputs")
    args = parser.parse_args()
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    model = NasNetMobile()
    parameters = sum(p.numel() for p in model.parameters())
    memory_format = torch.channels_last if args.channels_last else torch.contiguous_format
    model = model.to(memory_format=memory_format)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    model.train()
    for batch in [int(b) for b in args.batch_sizes.split(",")]:
        walls, cpus = [], []
        for step in range(args.steps + 1):
            x = torch.rand(batch, 3, args.size, args.size).contiguous(memory_format=memory_format)
            y = torch.randint(0, 2, (batch,))
            cpu, start = cpu_seconds(), time.perf_counter()
            loss = F.cross_entropy(model(x), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            walls.append(time.perf_counter() - start)
            cpus.append(cpu_seconds() - cpu)
        wall = sum(walls[1:]) / args.steps
        print(json.dumps({
            "framework": f"PyTorch {torch.__version__}", "parameters": parameters, "batch": batch, "threads": torch.get_num_threads(),
            "secondsPerStep": wall, "imagesPerSecond": batch / wall, "cpuSecondsPerStep": sum(cpus[1:]) / args.steps,
            "channelsLast": args.channels_last, "peakRssBytes": peak_rss_bytes()}), flush=True)


if __name__ == "__main__":
    main()
