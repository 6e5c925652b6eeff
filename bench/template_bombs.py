"""Hostile templates an admin might send: each through the chat check (check_template + preview_all on
the six sample reports), with the time it took. Every one must be refused; the slowest must stay far
below anything another official would notice.

    python bench/template_bombs.py
"""
import time
from nianbao.dialogs.template_check import check_template, preview_all, TemplateRejected
from nianbao.dialogs.template_vars import preview_variable_sets, sample_variables
key = "narratives.proactive"
V = sample_variables(key)
names = [n for n in V if isinstance(V[n], str)][:1] or ["we"]
v = names[0]
payloads = {
 "doubling set x40": "{% set a = " + v + " %}" + "{% set a = a ~ a %}" * 40 + "{{ a }}",
 "set block chain": "{% set a %}{{ " + v + " }}{% endset %}" + "".join("{%% set a%d %%}{{ a%s }}{{ a%s }}{%% endset %%}" % (i, "" if i == 0 else i-1, "" if i == 0 else i-1) for i in range(30)) + "{{ a29 }}",
 "string multiply": "{{ " + v + " * 100000000 }}",
 "power": "{{ 9 ** 99999999 }}",
 "format": "{{ '%s' % " + v + " }}",
 "range loop": "{% for i in range(100000000) %}x{% endfor %}",
 "recursive loop": "{% for x in [1] recursive %}{{ loop([1]) }}{% endfor %}",
 "replace growth": "{{ " + v + "|replace('镇', '镇镇镇镇镇镇镇镇镇镇')|replace('镇', '镇镇镇镇镇镇镇镇镇镇') }}",
 "year time bomb": "{{ " + v + " }}{% if year == 2025 %}{{ 1 / 0 }}{% endif %}",
 "lipsum": "{{ lipsum(1000000) }}",
 "attribute escape": "{{ " + v + ".__class__.__mro__ }}",
 "deep nesting": "{{ " + "(" * 5000 + "1" + ")" * 5000 + " }}",
 "macro recursion": "{% macro m() %}{{ m() }}{% endmacro %}{{ m() }}",
 "cycler": "{{ cycler(1,2).next() }}",
}
worst = 0
refused = 0
for name, src in payloads.items():
    t = time.perf_counter()
    try:
        probs = check_template(src, V, max_chars=20000)
        if probs: raise TemplateRejected(probs)
        preview_all(src, preview_variable_sets(key), max_chars=20000)
        out = "ACCEPTED"
    except TemplateRejected as e:
        out = "refused: " + e.problems[0].message[:50]; refused += 1
    ms = (time.perf_counter() - t) * 1000
    worst = max(worst, ms)
    print(f"{name:20} {ms:7.1f} ms  {out}")
print(f"{len(payloads)} payloads, {refused} refused, {len(payloads)-refused} accepted, worst {worst:.1f} ms")
raise SystemExit(0 if refused == len(payloads) else 1)
