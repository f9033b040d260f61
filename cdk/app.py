"""CDK entry point (`cdk.json`: `.venv/bin/python cdk/app.py`): synthesize TradAI's stacks.

Deploy one environment with `npx cdk deploy --all -c env=dev` (see docs/deploy.md).
"""

import sys
from pathlib import Path

if __name__ == "__main__":
    # Run as a script, Python puts cdk/ first on sys.path, where cdk/constructs would shadow the
    # `constructs` package; the repository root goes there instead, so the app is `cdk.*`.
    sys.path[0] = str(Path(__file__).resolve().parent.parent)
    from cdk.application import build_app

    build_app().synth()
