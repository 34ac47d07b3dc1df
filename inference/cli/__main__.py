"""`python -m inference.cli ...` is `stance ...` (also the script to hand to spark-submit)."""

from inference.cli import run

run()
