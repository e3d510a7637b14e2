"""Runs a Python program with blockbuster active, so that a blocking call made on a
running event loop raises `BlockingError`: `python blockbuster_runner.py PROGRAM`."""

import runpy
import sys

from blockbuster import blockbuster_ctx

program = sys.argv[1]
sys.argv = sys.argv[1:]
with blockbuster_ctx():
    runpy.run_path(program, run_name="__main__")
