#!/usr/bin/env python3
"""Tests of scripts/check-floors on small made-up trees: it passes a tree whose includes
follow the map, and fails (naming file, line and floor) on an upward or sideways include
and on a folder of src/ that the map does not list.

    check_floors_test.py <path to scripts/check-floors>
"""
import os
import subprocess
import sys
import tempfile

FLOORS = """# comment
low:
mid_a: low
mid_b: low
top: low mid_a mid_b
"""


def make_tree(root, files):
    os.makedirs(os.path.join(root, 'cmake'))
    with open(os.path.join(root, 'cmake', 'floors.txt'), 'w') as f:
        f.write(FLOORS)
    for path, text in files.items():
        full = os.path.join(root, 'src', path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, 'w') as f:
            f.write(text)


def run(script, files):
    with tempfile.TemporaryDirectory() as root:
        make_tree(root, files)
        done = subprocess.run([sys.executable, script, root], capture_output=True, text=True)
        return done.returncode, done.stdout + done.stderr


def expect(name, got, want_code, want_text):
    code, out = got
    if code != want_code or want_text not in out:
        print(f'FAIL {name}: exit {code} (want {want_code}), output:\n{out}')
        return 1
    print(f'ok   {name}')
    return 0


def main():
    script = sys.argv[1]
    clean = {
        'low/a.h': '#include "low/b.h"\n#include "kvlsm/db.h"\n',
        'mid_a/m.cc': '#include "low/a.h"\n#include "mid_a/m.h"\n',
        'top/t.cc': '#include "mid_a/m.h"\n#include "mid_b/n.h"\n#include <vector>\n',
    }
    failures = 0
    failures += expect('clean tree passes', run(script, clean), 0, 'follows')
    failures += expect('upward include fails',
                       run(script, {**clean, 'low/bad.cc': '\n #  include "top/t.h"\n'}),
                       1, 'src/low/bad.cc:2: the low floor includes top/')
    failures += expect('sideways include fails',
                       run(script, {**clean, 'mid_b/n.cc': '#include "mid_a/m.h"\n'}),
                       1, 'the mid_b floor includes mid_a/')
    failures += expect('unlisted folder fails', run(script, {**clean, 'extra/x.cc': ''}),
                       1, 'src/extra/ is not a floor')
    print(f'{4 - failures} passed, {failures} failed')
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
