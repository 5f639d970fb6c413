#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Every file the project adds to the kernel tree is named by the VADDR_PIN
entry of MAINTAINERS, as patched (build/linux/MAINTAINERS); a static check
of make check.

  test_maintainers.py MAINTAINERS FILE...

Prints the files no F: pattern of the entry covers, and patterns that cover
no file; nothing when the entry and the files agree."""
import fnmatch
import sys

ENTRY = 'VADDR_PIN LONG-TERM PINNING OF USER MEMORY'


def patterns(path):
    """The F: patterns of the entry, or None if there is no entry."""
    got, inside = None, False
    with open(path, errors='replace') as f:
        for line in f:
            line = line.rstrip('\n')
            if line == ENTRY:
                got, inside = [], True
            elif inside and not line.strip():
                break
            elif inside and line.startswith('F:'):
                got.append(line[2:].strip())
    return got


def covers(pattern, path):
    """MAINTAINERS' F: rules: a directory covers what is under it."""
    if pattern.endswith('/'):
        return path.startswith(pattern)
    return fnmatch.fnmatchcase(path, pattern)


def main(argv):
    pats = patterns(argv[1])
    if pats is None:
        print(f'no "{ENTRY}" entry in {argv[1]}')
        return 1
    files = argv[2:]
    bad = [f'not in MAINTAINERS: {f}' for f in files
           if not any(covers(p, f) for p in pats)]
    bad += [f'MAINTAINERS names nothing the project has: F: {p}' for p in pats
            if not any(covers(p, f) for f in files)]
    print('\n'.join(bad), end='\n' if bad else '')
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
