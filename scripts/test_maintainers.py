#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Every file the project adds to the kernel tree is named by the VADDR_PIN
entry of MAINTAINERS, as patched (build/linux/MAINTAINERS); a static check
of make check.

  test_maintainers.py MAINTAINERS FILE...

Prints the files no F: pattern of the entry covers, and patterns that cover
no file; nothing when the entry and the files agree."""
import fnmatch
import os
import sys

ENTRY = 'VADDR_PIN LONG-TERM PINNING OF USER MEMORY'


def patterns(path):
    """The entry's F: and X: patterns, or None if there is no entry."""
    got, inside = None, False
    with open(path, errors='replace') as f:
        for line in f:
            line = line.rstrip('\n')
            if line == ENTRY:
                got, inside = {'F': [], 'X': []}, True
            elif inside and not line.strip():
                break
            elif inside and line[:2] in ('F:', 'X:'):
                got[line[0]].append(line[2:].strip())
    return got


def covers(pattern, path, tree):
    """get_maintainer.pl's rules: a directory (a trailing / or a directory
    of the tree) covers what is under it; a glob covers the files of its
    own depth, matching as many slashes."""
    if not pattern.endswith('/') and os.path.isdir(os.path.join(tree, pattern)):
        pattern += '/'
    if pattern.endswith('/'):
        return path.startswith(pattern)
    return (fnmatch.fnmatchcase(path, pattern) and
            pattern.count('/') == path.count('/'))


def main(argv):
    pats = patterns(argv[1])
    if pats is None:
        print(f'no "{ENTRY}" entry in {argv[1]}')
        return 1
    tree, files = os.path.dirname(os.path.abspath(argv[1])), argv[2:]

    def named(f):
        return (any(covers(p, f, tree) for p in pats['F']) and
                not any(covers(p, f, tree) for p in pats['X']))

    bad = [f'not in MAINTAINERS: {f}' for f in files if not named(f)]
    bad += [f'MAINTAINERS names nothing the project has: F: {p}'
            for p in pats['F'] if not any(covers(p, f, tree) for f in files)]
    print('\n'.join(bad), end='\n' if bad else '')
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
