#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Count every test that `make check` ran and print the verdict.

Inputs are results directories (build/results/<job>/) holding any of:
  tap            lines "ok NAME [comment]" / "not ok NAME [comment]"
  kunit/*.ktap   KTAP from /sys/kernel/debug/kunit/<suite>/results
  console.log    the guest console, scanned for kernel reports
  dmesg.log      the guest's whole kernel log, scanned the same way
  done           present when a guest ran to its end
and, with --expect-kunit SUITE, the suites that must have reported.
Prints failures with their logs, then "vaddr_pin: N passed, N failed" last;
exits 1 if anything failed.
"""
import argparse
import os
import re
import sys

# Kernel reports that fail a run wherever they appear on the console.
REPORT = re.compile(
    r"(WARNING: |BUG: |BUG kmalloc|Oops|general protection fault|"
    r"Kernel panic|kernel BUG at|possible circular locking|"
    r"possible recursive locking|inconsistent lock state|"
    r"lock held when returning|suspicious RCU usage|"
    r"INFO: task .* blocked|KASAN: |UBSAN: |kmemleak: .* new suspected|"
    r"Unable to handle kernel|RCU detected stall|watchdog: BUG|"
    r"DEBUG_LOCKS_WARN_ON|list_add corruption|list_del corruption)")

TAP_LINE = re.compile(r"^(not ok|ok)\s+(\S+)")
# A KUnit case is a direct subtest of a suite: one level of indentation.
KTAP_CASE = re.compile(r"^    (not ok|ok) \d+ (\S+)(.*)$")


class Tally:
    def __init__(self):
        self.passed = []
        self.failed = []  # (name, detail)
        self.skipped = []  # (name, reason): listed, not counted

    def add(self, name, ok, detail=""):
        if ok:
            self.passed.append(name)
        else:
            self.failed.append((name, detail))


def read_log(resdir, name, limit=60):
    """The log of test NAME: its own file, or its part of its program's."""
    logs = os.path.join(resdir, "logs")
    path = os.path.join(logs, name + ".log")
    if os.path.exists(path):
        with open(path, errors="replace") as f:
            lines = f.read().splitlines()
        return "\n".join(lines[-limit:])
    # A kselftest program's cases are named PROGRAM.CASE; it has one log.
    prog = name
    while "." in prog:
        prog = prog.rsplit(".", 1)[0]
        path = os.path.join(logs, prog + ".log")
        if os.path.exists(path):
            with open(path, errors="replace") as f:
                text = f.read()
            # No RUN line for the case (it never started): the log's end.
            return (case_log(text, name[len(prog) + 1:], limit) or
                    "\n".join(text.splitlines()[-limit:]))
    return ""


def case_log(text, case, limit):
    """The lines kselftest_harness printed from "RUN CASE" to its result,
    the first LIMIT of them: the first failed assertion comes first."""
    out = None
    for line in text.splitlines():
        if out is None:
            if re.match(r"^#\s+RUN\s+%s\b" % re.escape(case), line):
                out = [line]
            continue
        out.append(line)
        if re.match(r"^(not ok|ok) \d+ %s\b" % re.escape(case), line):
            break
    return "\n".join((out or [])[:limit])


def scan_tap(resdir, prefix, tally, required=False):
    """A tap file's tests; a missing one fails if it was required."""
    path = os.path.join(resdir, "tap")
    if not os.path.exists(path):
        if required:
            tally.add(prefix + os.path.basename(os.path.normpath(resdir)),
                      False, "no results: the step did not run to its end")
        return
    with open(path, errors="replace") as f:
        for line in f:
            m = TAP_LINE.match(line.strip())
            if not m:
                continue
            name = m.group(2)
            skip = re.search(r"#\s*SKIP\b\s*(.*)$", line)
            if m.group(1) == "ok" and skip:
                tally.skipped.append((prefix + name, skip.group(1).strip()))
                continue
            tally.add(prefix + name, m.group(1) == "ok",
                      read_log(resdir, name))


def scan_kunit(resdir, expect, tally):
    kdir = os.path.join(resdir, "kunit")
    seen = set()
    if os.path.isdir(kdir):
        for fn in sorted(os.listdir(kdir)):
            suite = fn[:-len(".ktap")]
            seen.add(suite)
            with open(os.path.join(kdir, fn), errors="replace") as f:
                text = f.read()
            cases = 0
            for line in text.splitlines():
                m = KTAP_CASE.match(line)
                if not m:
                    continue
                cases += 1
                ok = m.group(1) == "ok" and "# SKIP" not in m.group(3)
                tally.add("kunit:%s.%s" % (suite, m.group(2)), ok,
                          "" if ok else kunit_case_log(text, m.group(2)))
            if cases == 0:
                tally.add("kunit:%s" % suite, False, "no test cases reported")
    for suite in expect:
        if suite not in seen:
            tally.add("kunit:%s" % suite, False, "suite did not report")


def kunit_case_log(text, case):
    """The diagnostic lines KUnit printed for one case."""
    lines = text.splitlines()
    out = []
    for line in lines:
        if re.match(r"^    (not ok|ok) \d+ ", line):
            if re.match(r"^    (not ok|ok) \d+ %s\b" % re.escape(case), line):
                out.append(line)
                return "\n".join(out[-40:])
            out = []
            continue
        out.append(line)
    return ""


def kernel_reports(path):
    """The first kernel report in a log, with its context, or ''."""
    if not os.path.exists(path):
        return ""
    with open(path, errors="replace") as f:
        lines = f.read().splitlines()
    for i, line in enumerate(lines):
        if REPORT.search(line):
            return "\n".join(lines[max(0, i - 5):i + 60])
    return ""


def scan_console(resdir, job, tally):
    console = os.path.join(resdir, "console.log")
    if not os.path.exists(console):
        return
    # dmesg.log (written by the guest at the end) has every level; the
    # console has what came out before a crash.
    detail = (kernel_reports(os.path.join(resdir, "dmesg.log")) or
              kernel_reports(console))
    tally.add("guest:%s.kernel-log-clean" % job, not detail, detail)
    with open(console, errors="replace") as f:
        tail = f.read().splitlines()[-40:]
    tally.add("guest:%s.finished" % job,
              os.path.exists(os.path.join(resdir, "done")),
              "\n".join(tail))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--static", action="append", default=[])
    ap.add_argument("--guest", action="append", default=[])
    ap.add_argument("--expect-kunit", action="append", default=[])
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()

    tally = Tally()
    for d in args.static:
        scan_tap(d, "", tally, required=True)
    for d in args.guest:
        job = os.path.basename(os.path.normpath(d))
        if not os.path.isdir(d):
            tally.add("guest:%s.finished" % job, False, "no results")
            continue
        scan_kunit(d, args.expect_kunit, tally)
        scan_tap(d, "guest:", tally)
        scan_console(d, job, tally)

    if args.verbose:
        for name in tally.passed:
            print("ok      %s" % name)
    for name, reason in tally.skipped:
        print("SKIPPED %s: %s" % (name, reason))
    for name, detail in tally.failed:
        print("FAILED  %s" % name)
        if detail:
            print("\n".join("        | " + l for l in detail.splitlines()))
    print("vaddr_pin: %d passed, %d failed" % (len(tally.passed),
                                               len(tally.failed)))
    return 1 if tally.failed else 0


if __name__ == "__main__":
    sys.exit(main())
