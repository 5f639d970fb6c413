#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""scripts/summarize.py on a made-up guest results directory; a static
check of make check.  Prints nothing when every case holds, else what did
not."""
import os
import subprocess
import sys
import tempfile

SUMMARIZE = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                         'summarize.py')

# One kselftest program's log: the failing case's lines must be shown,
# and only those.
PROGRAM_LOG = """\
TAP version 13
#  RUN           layout.punch_hole.slow_owner ...
# layout_break.c:331:slow_owner:Expected -1 (-1) == variant->change() (0)
#            OK  layout.punch_hole.slow_owner
ok 1 layout.punch_hole.slow_owner
#  RUN           layout.zero_range.slow_owner ...
# layout_break.c:333:slow_owner:Expected 1 (1) == nr_signals (2)
#          FAIL  layout.zero_range.slow_owner
not ok 2 layout.zero_range.slow_owner
#  RUN           layout.zero_range.slow_owner_too ...
# layout_break.c:400:slow_owner_too:unrelated
not ok 3 layout.zero_range.slow_owner_too
"""


def main():
    bad = []
    with tempfile.TemporaryDirectory() as top:
        res = os.path.join(top, 'check')
        os.makedirs(os.path.join(res, 'logs'))
        with open(os.path.join(res, 'logs', 'layout_break.ext4.log'), 'w') as f:
            f.write(PROGRAM_LOG)
        with open(os.path.join(res, 'tap'), 'w') as f:
            f.write('ok layout_break.ext4.layout.punch_hole.slow_owner\n'
                    'not ok layout_break.ext4.layout.zero_range.slow_owner\n')
        out = subprocess.run([sys.executable, SUMMARIZE, '--guest', res],
                             capture_output=True, text=True)
        if out.returncode != 1:
            bad.append('exit %d, not 1, with a failure' % out.returncode)
        if 'nr_signals (2)' not in out.stdout:
            bad.append("the failing case's assertion is not shown")
        if 'change() (0)' in out.stdout or 'unrelated' in out.stdout:
            bad.append("another case's lines are shown")
        if not out.stdout.rstrip().endswith('vaddr_pin: 1 passed, 1 failed'):
            bad.append('last line: %r' % out.stdout.rstrip().splitlines()[-1:])
    for line in bad:
        print(line)
    if bad:
        print(out.stdout)
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
