#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""make bench: the table of the measurements, against their targets.

    bench.py RESULTS_DIR

Reads RESULTS_DIR/bench, the "bench NAME key=value..." lines that the
guest's tools printed (scripts/guest-bench.sh), and prints one Markdown
table: medians, the baseline of the same run, the ratio and the target of
issue 6.  Exits 1 if a target is missed or a measurement is missing.
"""
import sys


def load(path):
    rows = {}
    with open(path) as f:
        for line in f:
            words = line.split()
            if len(words) < 2 or words[0] != "bench":
                continue
            rows[words[1]] = {k: v for k, v in
                              (w.split("=", 1) for w in words[2:])}
    return rows


class Table:
    def __init__(self, rows):
        self.rows = rows
        self.lines = []
        self.notes = []
        self.met = self.missed = 0

    def verdict(self, ok):
        if ok is None:
            return ""
        if ok:
            self.met += 1
            return "met"
        self.missed += 1
        return "**missed**"

    def add(self, what, value, baseline, ratio, target, ok):
        self.lines.append("| %s | %s | %s | %s | %s | %s |" %
                          (what, value, baseline, ratio, target,
                           self.verdict(ok)))

    def get(self, name, key):
        try:
            return float(self.rows[name][key])
        except (KeyError, ValueError):
            self.missed += 1
            self.lines.append("| %s | not measured | | | | **missed** |" %
                              name)
            return None

    def scaling(self, prefix, ns, base_n, what, base_what, limit, target):
        """Rows PREFIX.N in us against PREFIX.BASE_N; the last N has a
        target: at most LIMIT times the base."""
        base = self.get("%s.%d" % (prefix, base_n), "us")
        for n in ns:
            us = self.get("%s.%d" % (prefix, n), "us")
            if us is None or base is None:
                continue
            last = n == ns[-1]
            self.add(what % n, "%.0f us" % us,
                     "%.0f us (%s)" % (base, base_what),
                     "%.2f" % (us / base), target if last else "-",
                     us / base <= limit if last else None)

    def compare(self, name, what, limit, unit="ms"):
        """A vaddr_pin_ms / baseline_ms row; limit None: no target."""
        v = self.get(name, "vaddr_pin_ms")
        b = v is not None and self.get(name, "baseline_ms")
        if v is None or b is None:
            return
        ratio = v / b
        self.add(what, "%.1f %s" % (v, unit), "%.1f %s" % (b, unit),
                 "%.2f" % ratio, "<= %.2f" % limit if limit else "-",
                 ratio <= limit if limit else None)


def main():
    res = sys.argv[1]
    t = Table(load(res + "/bench"))
    t.lines += ["| measurement | vaddr_pin | baseline | ratio | target | |",
                "|---|---|---|---|---|---|"]

    anon_limit = {1: 1.25, 64: None, 512: 1.05}
    for pages in (1, 64, 512):
        t.compare("pin.anon.%d" % pages,
                  "pin + unpin 256 MiB anonymous, %d-page calls "
                  "(baseline: pin_user_pages_fast)" % pages,
                  anon_limit[pages])
    for pages in (1, 64, 512):
        t.compare("pin.tmpfs.%d" % pages,
                  "the same, leased tmpfs file, %d-page calls "
                  "(baseline: the same raw call)" % pages, 1.10)
    for pages in (1, 64, 512):
        t.compare("pin.ext4-dax.%d" % pages,
                  "the same, leased fsdax file (ext4 -o dax), %d-page "
                  "calls (baseline: raw call, anonymous)" % pages, 1.10)

    t.scaling("break.others", (1, 100, 10000, 100000), 1,
              "break of 1 pin, %d pin(s) on the file", "1 pin", 2.0,
              "<= 2.00")
    t.scaling("break.revoke", (1, 100, 10000), 100,
              "break revoking k = %d pins", "k = 100", 150,
              "<= 150 (linear)")
    t.scaling("break.leases", (10, 100, 1000), 10,
              "break revoking 1 pin of each of %d leases", "10 leases", 150,
              "<= 150 (linear)")

    # What every truncate pays: measured, no target (see the rst).
    for fs in ("tmpfs", "ext4"):
        us = t.get("truncate.%s" % fs, "us")
        if us is not None:
            t.add("shrinking ftruncate() of a file that never had a lease, "
                  "%s" % fs, "%.2f us" % us, "-", "-", "-", None)

    for pages in (1, 512):
        b = t.get("record.%d" % pages, "bytes")
        if b is None:
            continue
        size = t.rows["record.%d" % pages].get("objsize", "?")
        t.add("memory per pinned range, %d-page ranges" % pages,
              "%.0f bytes" % b, "object %s bytes" % size, "-",
              "<= 128 bytes", b <= 128)

    for fs, what in (("tmpfs", "tmpfs"), ("ext4-dax", "ext4 -o dax"),
                     ("ext4-clean", "ext4, written back before each"),
                     ("ext4-dirty", "ext4, kept dirty"),
                     ("xfs-clean", "xfs, written back before each"),
                     ("xfs-dirty", "xfs, kept dirty")):
        t.compare("mr.%s" % fs, "ibv_reg_mr + ibv_dereg_mr 256 MiB, leased "
                  "file on %s (baseline: anonymous 4 KiB pages)" % what, 1.10)
        row = t.rows.get("mr.%s" % fs, {})
        if fs.endswith("-dirty") and "written_pages" in row:
            t.notes.append("%s, kept dirty: %s pages written back while "
                           "timed" % (fs[:-6], row["written_pages"]))
        if "touch_ms" in row:
            t.notes.append("%s, written back: a store to each page from "
                           "user space after the same fsync() takes %.1f ms "
                           "(the ->page_mkwrite faults alone)" %
                           (fs[:-6], float(row["touch_ms"])))

    for pages in (1, 64):
        name = "threads.%d" % pages
        one = t.get(name, "one_ms")
        two = one is not None and t.get(name, "two_ms")
        if one is None or two is None:
            continue
        r = 2 * one / two
        raw = t.rows[name].get("baseline_ratio", "?")
        t.add("2 threads pinning disjoint halves of a tmpfs file, "
              "%d-page calls (throughput vs 1 thread)" % pages,
              "%.1f ms for 2 halves" % two, "%.1f ms for 1 half" % one,
              "%.2f (raw pin: %s)" % (r, raw), ">= 1.60", r >= 1.6)

    print("\n".join(t.lines))
    if t.notes:
        print("\n" + "\n".join("- " + n for n in t.notes))
    print("\nbench: %d targets met, %d missed" % (t.met, t.missed))
    return 1 if t.missed else 0


if __name__ == "__main__":
    sys.exit(main())
