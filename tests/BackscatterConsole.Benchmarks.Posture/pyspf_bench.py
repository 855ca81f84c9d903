"""Runs pyspf over the benchmark cases and reports result and DNS query count per domain.

Usage: /usr/bin/python3 pyspf_bench.py CASES_TSV SERVER PORT
CASES_TSV lines: domain <TAB> ip <TAB> sender <TAB> helo
Output lines: domain <TAB> result <TAB> queries, then #elapsed <TAB> wall seconds and #cpu <TAB> CPU seconds of this process
"""
import sys
import time

import DNS
import spf

cases_path, server, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
DNS.defaults['server'] = [server]
DNS.defaults['port'] = port

counter = [0]
real_lookup = spf.DNSLookup


def counting_lookup(name, qtype, *args, **kwargs):
    # One call is one request on the wire (pydns does not cache); pyspf's own cache sits above this.
    counter[0] += 1
    return real_lookup(name, qtype, *args, **kwargs)


spf.DNSLookup = counting_lookup

with open(cases_path, encoding='ascii') as f:
    cases = [line.rstrip('\n').split('\t') for line in f if line.strip()]

out = []
cpu_start = time.process_time()
start = time.perf_counter()
for domain, ip, sender, helo in cases:
    counter[0] = 0
    result, _code, _explanation = spf.query(i=ip, s=sender, h=helo).check()
    out.append('%s\t%s\t%d' % (domain, result, counter[0]))
elapsed = time.perf_counter() - start
cpu = time.process_time() - cpu_start

sys.stdout.write('\n'.join(out) + '\n')
sys.stdout.write('#elapsed\t%.6f\n' % elapsed)
sys.stdout.write('#cpu\t%.6f\n' % cpu)
