#!/usr/bin/env python3
"""Summarise a V8 .cpuprofile (node --cpu-prof): self time by package / source file, and the
inclusive time of the heaviest functions. Usage: bench/profile-summary.py FILE.cpuprofile [TOP]"""
import json, sys, collections, re

prof = json.load(open(sys.argv[1]))
top = int(sys.argv[2]) if len(sys.argv) > 2 else 25
nodes = {n['id']: n for n in prof['nodes']}
parent = {}
for n in prof['nodes']:
    for c in n.get('children', []):
        parent[c] = n['id']
self_us = collections.Counter()
for sid, dt in zip(prof['samples'], prof['timeDeltas']):
    self_us[sid] += dt

def where(url):
    if not url:
        return '(native/gc/idle)'
    m = re.search(r'node_modules/((@[^/]+/)?[^/]+)', url)
    if m:
        return m.group(1)
    m = re.search(r'/dist/(.*)$', url)
    if m:
        return m.group(1)
    return re.sub(r'^file://', '', url)

by_where = collections.Counter()
incl = collections.Counter()
for nid, us in self_us.items():
    n = nodes[nid]
    cf = n['callFrame']
    name = cf['functionName'] or '(anonymous)'
    by_where[where(cf['url']) if name not in ('(idle)', '(program)', '(garbage collector)') else name] += us
    seen = set()
    cur = nid
    while cur is not None:
        c = nodes[cur]['callFrame']
        k = f"{c['functionName'] or '(anon)'} {where(c['url'])}:{c['lineNumber']+1}"
        if k not in seen:
            incl[k] += us
            seen.add(k)
        cur = parent.get(cur)
total = sum(self_us.values())
print(f'sampled {total/1000:.0f} ms')
print('-- self time by package/file')
for k, us in by_where.most_common(top):
    print(f'{us/1000:8.1f} ms  {k}')
print('-- inclusive time of functions')
for k, us in incl.most_common(top):
    print(f'{us/1000:8.1f} ms  {k}')
