"""Parses a Prometheus text exposition with the Prometheus project's own Python client
(Debian's python3-prometheus-client), which refuses malformed input, and prints every sample
as one JSON object a line: {"name", "labels", "value"}. MetricsIT reads it back."""
import json
import sys

from prometheus_client.parser import text_string_to_metric_families

text = sys.stdin.read()
families = 0
for family in text_string_to_metric_families(text):
    families += 1
    for sample in family.samples:
        print(json.dumps({"family": family.name, "type": family.type, "name": sample.name,
                          "labels": sample.labels, "value": sample.value}))
print(json.dumps({"families": families}))
