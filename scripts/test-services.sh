#!/usr/bin/env bash
# Installs the system packages the test suite needs (none yet beyond Python).
set -euo pipefail
exit 0
