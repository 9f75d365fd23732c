#!/usr/bin/python3
"""Time python3-librouteros sending the same print commands the schoolnet collector sends.

Reads {"port", "user", "runs", "sentences": [[word, ...], ...]} as JSON on stdin (the password comes from
ROUTEROS_PROBE_PASSWORD), logs in once per run, sends every sentence in turn (librouteros waits for each
reply before the next), and prints {"runs_ms": [...]} measured inside Python (interpreter start excluded).
"""
import json
import os
import sys
import time

from librouteros import connect
from librouteros.exceptions import TrapError


def main() -> int:
    job = json.load(sys.stdin)
    password = os.environ['ROUTEROS_PROBE_PASSWORD']
    runs = []
    for _ in range(job['runs']):
        start = time.perf_counter()
        api = connect(host='127.0.0.1', username=job['user'], password=password, port=job['port'], timeout=10)
        for sentence in job['sentences']:
            try:
                tuple(api.rawCmd(*sentence))
            except TrapError:
                pass  # a menu this RouterOS lacks, as for the collector

        api.close()
        runs.append((time.perf_counter() - start) * 1000)
    print(json.dumps({'runs_ms': runs}))
    return 0


if __name__ == '__main__':
    sys.exit(main())
