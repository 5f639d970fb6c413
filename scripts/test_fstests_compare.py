#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""scripts/fstests_compare.py on made-up xunit reports; a static check of
make check.  Prints nothing when every case holds, else what did not."""
import os
import subprocess
import sys
import tempfile

COMPARE = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                       'fstests_compare.py')


def report(path, outcomes):
    """Write an fstests-style xunit report: {test: pass|fail|notrun}."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    body = {'pass': '', 'fail': '<failure message="- output mismatch" type="TestFail" />',
            'notrun': '<skipped message="not supported" />'}
    with open(path, 'w') as f:
        f.write('<?xml version="1.0" encoding="UTF-8"?>\n<testsuite name="xfstests">\n')
        for test, got in outcomes.items():
            f.write(f'\t<testcase classname="xfstests.global" name="{test}" time="1">'
                    f'{body[got]}</testcase>\n')
        f.write('</testsuite>\n')


def run(*args):
    res = subprocess.run([sys.executable, COMPARE, *args],
                         capture_output=True, text=True)
    return res.returncode, res.stdout


def main():
    bad = []
    with tempfile.TemporaryDirectory() as top:
        stock, series = os.path.join(top, 'stock'), os.path.join(top, 'series')
        report(f'{stock}/xfs/result.xml', {
            'generic/001': 'pass', 'generic/002': 'pass', 'generic/003': 'fail',
            'generic/004': 'fail', 'generic/005': 'notrun', 'xfs/001': 'pass',
            'generic/006': 'pass'})
        report(f'{stock}/xfs-again/result.xml', {
            'generic/003': 'fail', 'generic/004': 'pass'})
        report(f'{series}/xfs/result.xml', {
            'generic/001': 'pass', 'generic/002': 'fail', 'generic/003': 'pass',
            'generic/004': 'fail', 'generic/005': 'notrun', 'xfs/001': 'notrun',
            'generic/006': 'fail'})
        report(f'{series}/xfs-again/result.xml', {
            'generic/002': 'fail', 'generic/004': 'fail', 'generic/006': 'pass'})
        rc, out = run(stock, series, 'xfs')
        want = ('fstests: 5 run, 1 passed on both, 2 new failures, 1 fixed, '
                '2 not run')
        if rc != 1 or want not in out:
            bad.append(f'new failures: exit {rc}, output:\n{out}')
        for line in ('new failure on xfs: generic/002 (fail)',
                     'new failure on xfs: generic/006 (flaky)',
                     'fails on stock, xfs: generic/004 (flaky on stock'):
            if line not in out:
                bad.append(f'missing "{line}" in:\n{out}')
        rc, out = run('--failed', f'{series}/xfs/result.xml')
        if out.split() != ['generic/002', 'generic/004', 'generic/006']:
            bad.append(f'--failed printed {out!r}')

        report(f'{series}/xfs/result.xml', {'generic/001': 'pass'})
        report(f'{stock}/xfs/result.xml', {'generic/001': 'pass'})
        rc, out = run('--failed', f'{series}/xfs/result.xml')
        if rc != 0 or out != '':
            bad.append(f'--failed without failures printed {out!r}')
        rc, out = run(stock, series, 'xfs')
        if rc != 0 or 'fstests: 1 run, 1 passed on both, 0 new failures' not in out:
            bad.append(f'all passed: exit {rc}, output:\n{out}')
        rc, out = run(stock, series, 'xfs', 'ext4')
        if rc != 1 or 'ext4           no report from stock' not in out:
            bad.append(f'missing report: exit {rc}, output:\n{out}')

        # --complete: a configuration is whole with its first report, and
        # its second too if something failed in the first.
        for outcomes, again, want in (({'generic/001': 'pass'}, None, 0),
                                      ({'generic/001': 'fail'}, None, 1),
                                      ({'generic/001': 'fail'},
                                       {'generic/001': 'pass'}, 0),
                                      (None, None, 1)):
            top = tempfile.mkdtemp(dir=series)
            if outcomes is not None:
                report(f'{top}/ext4/result.xml', outcomes)
            if again is not None:
                report(f'{top}/ext4-again/result.xml', again)
            rc, _ = run('--complete', top, 'ext4')
            if rc != want:
                bad.append(f'--complete on {outcomes}, again {again}: '
                           f'exit {rc}, not {want}')
        top = tempfile.mkdtemp(dir=series)
        os.makedirs(f'{top}/ext4')
        with open(f'{top}/ext4/result.xml', 'w') as f:
            f.write('<?xml version="1.0"?>\n<testsuite><testcase name="cut')
        rc, _ = run('--complete', top, 'ext4')
        if rc != 1:
            bad.append(f'--complete on a cut report: exit {rc}, not 1')
    print('\n'.join(bad), end='\n' if bad else '')
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
