"""Static security scan: bandit finds nothing of high severity in the application code."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_bandit_finds_no_high_severity_issue():
    result = subprocess.run([sys.executable, "-m", "bandit", "-r", "app", "config.py", "wsgi.py", "-f", "json",
                             "--severity-level", "high", "-q"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    report = json.loads(result.stdout)
    high = [f"{i['filename']}:{i['line_number']} {i['test_id']} {i['issue_text']}" for i in report["results"]
            if i["issue_severity"] == "HIGH"]
    assert high == [], "\n".join(high)
    assert report["metrics"]["_totals"]["loc"] > 1000  # it really scanned the code
