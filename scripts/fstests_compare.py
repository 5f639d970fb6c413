#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Compare the fstests runs of stock 6.12.117 and of the series.

  fstests_compare.py --failed RESULT.xml
      the tests that failed in one xunit report, one a line

  fstests_compare.py --complete DIR CONFIG
      exits 0 if DIR holds a whole run of CONFIG: CONFIG/result.xml, and
      CONFIG-again/result.xml too if a test failed in the first

  fstests_compare.py STOCK_DIR SERIES_DIR CONFIG...
      for each configuration, CONFIG/result.xml (the first run) and
      CONFIG-again/result.xml (the failures run once more) of both kernels,
      compared test by test; a table, the names of new failures, and
      "fstests: N run, N passed on both, N new failures, N fixed, N not run"
      summed over the configurations.  Exits 1 if there is a new failure or
      a report is missing.

A test fails on a kernel if it failed in the first run; it is flaky there
if it passed when run again.  A new failure fails on the series and passed
on stock.  One that fails on stock, flaky or not, is listed, not counted.
"""
import os
import sys
import xml.etree.ElementTree as ET


def outcomes(path):
    """{test: 'pass' | 'fail' | 'notrun'} of one xunit report; None if none."""
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError):
        return None
    got = {}
    for case in root.iter('testcase'):
        if case.find('failure') is not None or case.find('error') is not None:
            got[case.get('name')] = 'fail'
        elif case.find('skipped') is not None:
            got[case.get('name')] = 'notrun'
        else:
            got[case.get('name')] = 'pass'
    return got


def kernel_outcomes(top, config):
    """{test: 'pass' | 'fail' | 'flaky' | 'notrun'} of one kernel, or None."""
    first = outcomes(os.path.join(top, config, 'result.xml'))
    if first is None:
        return None
    again = outcomes(os.path.join(top, config + '-again', 'result.xml')) or {}
    for test, got in first.items():
        if got == 'fail' and again.get(test) == 'pass':
            first[test] = 'flaky'
    return first


def compare(stock, series):
    """Counts and names for one configuration."""
    res = {'run': 0, 'both': 0, 'new': [], 'fixed': [], 'notrun': 0,
           'stock_fails': []}
    for test in sorted(set(stock) | set(series)):
        s, t = stock.get(test, 'notrun'), series.get(test, 'notrun')
        if 'notrun' in (s, t):
            res['notrun'] += 1
            continue
        res['run'] += 1
        if s != 'pass':
            res['stock_fails'].append(f'{test} ({s} on stock, {t} on the series)')
            if t == 'pass' and s == 'fail':
                res['fixed'].append(test)
        elif t == 'pass':
            res['both'] += 1
        else:
            res['new'].append(f'{test} ({t})')
    return res


def main(argv):
    if len(argv) == 3 and argv[1] == '--failed':
        got = outcomes(argv[2]) or {}
        # Nothing at all when nothing failed: an empty line would read as
        # a list, and ./check without tests runs the whole auto group.
        for test, outcome in sorted(got.items()):
            if outcome == 'fail':
                print(test)
        return 0
    if len(argv) == 4 and argv[1] == '--complete':
        first = outcomes(os.path.join(argv[2], argv[3], 'result.xml'))
        if first is None:
            return 1
        if 'fail' in first.values() and outcomes(
                os.path.join(argv[2], argv[3] + '-again', 'result.xml')) is None:
            return 1
        return 0
    if len(argv) < 4:
        print(__doc__, file=sys.stderr)
        return 2
    stock_top, series_top, configs = argv[1], argv[2], argv[3:]
    total = {'run': 0, 'both': 0, 'new': 0, 'fixed': 0, 'notrun': 0}
    bad = False
    print(f'{"configuration":<14} {"run":>5} {"passed":>7} {"new":>5} '
          f'{"fixed":>6} {"not run":>8} {"fail on stock":>14}')
    details = []
    for config in configs:
        stock = kernel_outcomes(stock_top, config)
        series = kernel_outcomes(series_top, config)
        if stock is None or series is None:
            which = 'stock' if stock is None else 'the series'
            print(f'{config:<14} no report from {which}')
            bad = True
            continue
        res = compare(stock, series)
        print(f'{config:<14} {res["run"]:>5} {res["both"]:>7} '
              f'{len(res["new"]):>5} {len(res["fixed"]):>6} '
              f'{res["notrun"]:>8} {len(res["stock_fails"]):>14}')
        for key in ('run', 'both', 'notrun'):
            total[key] += res[key]
        total['new'] += len(res['new'])
        total['fixed'] += len(res['fixed'])
        details += [f'new failure on {config}: {n}' for n in res['new']]
        details += [f'fails on stock, {config}: {n}'
                    for n in res['stock_fails']]
    for line in details:
        print(line)
    print(f'fstests: {total["run"]} run, {total["both"]} passed on both, '
          f'{total["new"]} new failures, {total["fixed"]} fixed, '
          f'{total["notrun"]} not run')
    return 1 if bad or total['new'] else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
