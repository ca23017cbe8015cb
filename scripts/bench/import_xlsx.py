#!/usr/bin/env python3
"""Customer import speed against openpyxl's bare read of the same file.

Generates an .xlsx of --rows customers (name, two numbers in mixed forms, gender, birthday in the
accepted forms, level, source, email, company, address, notes and two custom fields), then runs,
each in a fresh child process so peak memory is its own (the file is generated in one too, so no
child starts from a large parent; an import's peak adds that of the sheet reader it starts):
  read    openpyxl read-only iteration over every cell (the floor: the file has to be read)
  import  the real import job (validation, numbers, bulk writes, error report) into a fresh database
Last line: import_xlsx rows=<n> seconds=<import s> ratio_to_openpyxl_read=<import/read> peak_mb=<import peak RSS>
"""

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, ROOT)

HEADERS = [
    "客户姓名*",
    "电话1",
    "电话1类型",
    "电话2",
    "电话2类型",
    "公司名称",
    "性别",
    "生日",
    "邮箱",
    "地址",
    "地区",
    "客户级别",
    "客户来源",
    "备注",
    "预算",
    "意向产品",
]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英"


def generate(path: str, rows: int) -> None:
    import openpyxl

    rng = random.Random(7)
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("客户资料")
    sheet.append(HEADERS)
    date_forms = ["{y}-{m}-{d}", "{y}/{m:02d}/{d:02d}", "{y}.{m}.{d}", "{y}{m:02d}{d:02d}"]
    for i in range(rows):
        mobile = f"13{i % 10}{i:08d}"
        landline = f"010-{60000000 + i}"
        y, m, d = 1950 + i % 50, 1 + i % 12, 1 + i % 28
        birthday = rng.choice(date_forms).format(y=y, m=m, d=d) if i % 5 else 20000 + i % 9000
        sheet.append(
            [
                rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN),
                mobile if i % 3 else f"+86 {mobile[:3]} {mobile[3:7]} {mobile[7:]}",
                "手机",
                landline if i % 2 else "",
                "办公电话" if i % 2 else "",
                f"示例公司{i % 5000}",
                "男" if i % 2 else "女",
                birthday,
                f"user{i}@example.com",
                f"北京市朝阳区建国路{i % 999}号",
                "北京",
                ["VIP客户", "重要客户", "普通客户", "潜在客户"][i % 4],
                ["电话来电", "网络推广", "朋友介绍"][i % 3],
                "批量导入测试",
                (i % 1000) * 10.5,
                ["产品A", "产品B", "产品C"][i % 3],
            ]
        )
    workbook.save(path)
    add_dimension(path, f"A1:P{rows + 1}")


def add_dimension(path: str, ref: str) -> None:
    """Excel writes the used range at the top of each sheet and readers rely on it; openpyxl's
    write-only mode leaves it out, so put it in as a file saved by Excel has it."""
    import shutil
    import zipfile

    patched = path + ".tmp"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(patched, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename.startswith("xl/worksheets/sheet"):
                data = data.replace(b"<sheetPr", f'<dimension ref="{ref}"/><sheetPr'.encode(), 1)
                if b"<dimension" not in data:
                    data = data.replace(b"<sheetData", f'<dimension ref="{ref}"/><sheetData'.encode(), 1)
            target.writestr(item, data)
    shutil.move(patched, path)


def phase_read(path: str) -> dict:
    import openpyxl

    start = time.perf_counter()
    workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    cells = 0
    for row in workbook.worksheets[0].iter_rows(values_only=True):
        cells += len(row)
    workbook.close()
    return {"seconds": time.perf_counter() - start, "cells": cells}


def phase_import(path: str, db_url: str) -> dict:
    from werkzeug.datastructures import FileStorage

    from app import create_app
    from app.auth.models import User
    from app.extensions import db
    from app.fields.services import create_field
    from app.imports.services import start_import
    from app.jobs.models import Job
    from app.jobs.runner import run_due_jobs
    from app.seed import seed_defaults

    instance = tempfile.mkdtemp(prefix="zuoxi-bench-")
    app = create_app(
        {
            "SECRET_KEY": "bench",
            "DATABASE_URL": db_url,
            "JOBS_RUN_IN_PROCESS": False,
            "IMPORT_MAX_BYTES": 1 << 31,
            "LOG_LEVEL": "WARNING",
        }
    )
    app.instance_path = instance
    with app.app_context():
        if db_url.startswith("postgresql"):
            from sqlalchemy import text

            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        db.create_all()
        seed_defaults()
        create_field("customer", "预算", "money")
        create_field("customer", "意向产品", "choice", options=["产品A", "产品B", "产品C"])
        admin = User(username="bench", display_name="bench", password_hash="x", is_superuser=True)
        db.session.add(admin)
        db.session.commit()
        with app.test_request_context():
            start = time.perf_counter()
            with open(path, "rb") as handle:
                job = start_import(
                    FileStorage(handle, filename="bench.xlsx"),
                    {"existing": "skip", "assign_to": "private", "category_id": None},
                    admin,
                )
            db.session.commit()
            job_id = job.id
        run_due_jobs(app)
        seconds = time.perf_counter() - start
        db.session.rollback()  # end the snapshot this session held while the job wrote
        job = db.session.get(Job, job_id)
        return {"seconds": seconds, "state": job.state, "result": job.result, "error": job.error}


def status_kb(pid: str, field: str) -> int:
    """A size from /proc/<pid>/status in kB (0 once the process is gone)."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


class PeakMemory:
    """Peak resident size of this process plus its children (the import's sheet reader).

    Each process's own peak is VmHWM (Linux carries ru_maxrss over an exec, so a child's would be at
    least its parent's size at the fork). A child's VmHWM is read every 20 ms while it runs; it only
    grows, so its last reading is its peak up to the last 20 ms. The figure is the sum of the peaks,
    as if they had come at the same moment: an upper bound."""

    def __init__(self):
        import threading

        self.children: dict[str, int] = {}
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._watch, daemon=True)
        self.thread.start()

    def _watch(self):
        while not self.done.wait(0.02):
            for pid in self._child_pids():
                peak = status_kb(pid, "VmHWM")
                if peak:
                    self.children[pid] = max(self.children.get(pid, 0), peak)

    @staticmethod
    def _child_pids() -> list[str]:
        pids = []
        try:
            for task in os.listdir("/proc/self/task"):
                with open(f"/proc/self/task/{task}/children") as children:
                    pids.extend(children.read().split())
        except OSError:
            pass
        return pids

    def stop_kb(self) -> int:
        self.done.set()
        self.thread.join()
        own = status_kb("self", "VmHWM") or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return own + max(self.children.values(), default=0)


def child(phase: str, path: str, db_url: str = "", rows: int = 0) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--phase", phase, "--file", path, "--db", db_url, "--rows", str(rows)],
        check=True,
        capture_output=True,
        text=True,
    )
    report = json.loads(out.stdout.strip().splitlines()[-1])
    report["peak_mb"] = report.pop("maxrss_kb") / 1024
    return report


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--db", default="", help="database URL (default: a fresh SQLite file)")
    parser.add_argument("--phase", choices=["generate", "read", "import"], help=argparse.SUPPRESS)
    parser.add_argument("--file", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.phase:
        memory = PeakMemory()
        if args.phase == "generate":
            generate(args.file, args.rows)
            result = {}
        else:
            result = phase_read(args.file) if args.phase == "read" else phase_import(args.file, args.db)
        result["maxrss_kb"] = memory.stop_kb()
        print(json.dumps(result, ensure_ascii=False))
        return

    workdir = tempfile.mkdtemp(prefix="zuoxi-bench-import-")
    path = os.path.join(workdir, "customers.xlsx")
    db_url = args.db or "sqlite:///" + os.path.join(workdir, "bench.db")
    child("generate", path, rows=args.rows)
    read = child("read", path, db_url)
    imported = child("import", path, db_url)
    if imported["state"] != "done" or imported["result"]["created"] != args.rows:
        sys.exit(f"import did not complete: {imported}")
    print(f"openpyxl read: {read['seconds']:.2f}s peak {read['peak_mb']:.0f} MB; import: {imported['result']}")
    print(
        f"import_xlsx rows={args.rows} seconds={imported['seconds']:.2f} "
        f"ratio_to_openpyxl_read={imported['seconds'] / read['seconds']:.2f} peak_mb={imported['peak_mb']:.0f}"
    )


if __name__ == "__main__":
    main()
