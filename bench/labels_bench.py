#!/usr/bin/env python3
"""Benchmark: print N HJ 1276 labels (default 1,000) to one PDF.

    .venv/bin/python bench/labels_bench.py               # 1,000 labels, mixed sizes
    .venv/bin/python bench/labels_bench.py -n 5000 --out /tmp/labels.pdf --repeat 3

The labels are varied like a day's production: container volumes 30 / 200 / 1000 L (the
1000 L ones print twice, two opposite sides), 1–5 hazard characteristics, names and
components of different lengths, a distinct identification code and QR URL each. Times the
whole ``render_labels`` call (fonts and QR included; the font registration is done once
before, as in a running server), reports labels/s, pages, the PDF size and the machine.
Goal (issue 3): 1,000 labels in < 5 s. See docs/performance.md, section "Labels".
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wufei.settings")
os.environ.setdefault("WUFEI_DEBUG", "1")

import django  # noqa: E402

django.setup()

from stdnum.cn import uscc as stdnum_uscc  # noqa: E402

from wufei.labels.fonts import font_name  # noqa: E402
from wufei.labels.ident import make_ident_code  # noqa: E402
from wufei.labels.pdf import LabelData, render_labels  # noqa: E402
from wufei.labels.qr import qr_matrix, qr_payload  # noqa: E402

WASTES = [
    ("废矿物油与含矿物油废物", "HW08", "900-249-08", "液态", ("T", "I"), "矿物油、水", "石油烃"),
    (
        "废有机溶剂与含有机溶剂废物",
        "HW06",
        "900-402-06",
        "液态",
        ("T", "I", "R"),
        "乙醇、丙酮、乙酸乙酯",
        "丙酮",
    ),
    (
        "表面处理废物（电镀污泥）",
        "HW17",
        "336-064-17",
        "半固态",
        ("T", "C"),
        "氢氧化镍、氢氧化铬、水分约百分之六十",
        "镍、铬、铜",
    ),
    ("医疗废物（感染性废物）", "HW01", "841-001-01", "固态", ("In",), "棉签、纱布", "病原微生物"),
    ("废酸", "HW34", "900-300-34", "液态", ("C", "T", "I", "R", "In"), "硫酸、盐酸", "硫酸"),
]
VOLUMES = [Decimal(30), Decimal(200), Decimal(1000)]


def uscc_for(i: int) -> str:
    body = f"913306{i % 1000000:06d}MA{i % 100000:05d}"[:17]
    body = body.replace("I", "1")
    return body + stdnum_uscc.calc_check_digit(body)


def make_labels(n: int) -> list[LabelData]:
    labels = []
    start = date(2025, 1, 1)
    for i in range(n):
        name, category, code, form, hazards, main, harmful = WASTES[i % len(WASTES)]
        produced = start + timedelta(days=i // 999)
        ident = make_ident_code(uscc_for(i // 50), code, produced, i % 999 + 1)
        labels.append(
            LabelData(
                waste_name=name,
                waste_category=category,
                waste_code=code,
                waste_form=form,
                hazards=hazards,
                main_components=main * (1 + i % 3),
                harmful_components=harmful,
                precautions="远离火源，防止泄漏，密闭贮存，专人管理",
                ident_code=ident,
                producer_name=f"绍兴市示例化工有限公司第{i % 7 + 1}分厂",
                contact_person="王小明",
                contact_phone="0575-88001234",
                produced_on=produced,
                weight_kg=Decimal(100 + i % 900) / Decimal(4),
                volume_litres=VOLUMES[i % len(VOLUMES)],
                remarks=f"HWCS{produced:%Y%m%d}{i % 999 + 1:03d}",
                qr_payload=qr_payload(ident, "https://wufei.example.gov.cn"),
            )
        )
    return labels


def machine() -> str:
    cpu = platform.processor() or "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = "?"
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f"{kb / 1024 / 1024:.1f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    return f"{os.cpu_count()} CPUs (nproc), {cpu}, {mem} RAM, Python {platform.python_version()}"


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("-n", type=int, default=1000, help="labels (default 1000)")
    parser.add_argument("--repeat", type=int, default=3, help="runs; the median is reported")
    parser.add_argument("--out", type=Path, help="write the PDF here")
    args = parser.parse_args()

    font_name()  # register the font once, as a running server has
    t0 = time.perf_counter()
    labels = make_labels(args.n)
    build = time.perf_counter() - t0
    times, cpu, pdf = [], [], b""
    for _ in range(args.repeat):
        qr_matrix.cache_clear()  # every run makes its QR codes afresh
        t0, c0 = time.perf_counter(), time.process_time()
        pdf = render_labels(labels)
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    pages = pdf.count(b"/Type /Page\n") or pdf.count(b"/Type /Page ")
    median = statistics.median(times)
    print(f"machine: {machine()}")
    print(f"labels: {args.n} (LabelData built and validated in {build:.2f} s)")
    print(
        f"render_labels: median {median:.2f} s over {args.repeat} runs (min {min(times):.2f}, max {max(times):.2f})"
    )
    print(
        f"CPU time of the process: median {statistics.median(cpu):.2f} s (wall > CPU: other load)"
    )
    print(
        f"throughput: {args.n / median:.0f} labels/s; pages: {pages}; PDF: {len(pdf) / 1e6:.1f} MB"
    )
    print(f"goal < 5 s for 1,000 labels: {'met' if median * 1000 / args.n < 5 else 'NOT met'}")
    if args.out:
        args.out.write_bytes(pdf)
        print(f"written: {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
