"""Build the TradAI CDK app: the four stacks of one environment, cdk-nag on all of them."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from aws_cdk import App, Tags

from cdk.config import load_config
from cdk.constants import (
    CONTEXT_LAYER_BYTECODE,
    CONTEXT_LAYER_DIR,
    CONTEXT_WORKER_IMAGE_TAG,
    LAYER_BYTECODE_REQUIRED,
    SERVICE,
    WORKER_IMAGE_TAG_DEFAULT,
    stack_name,
)
from cdk.layer_build import prepare_layer
from cdk.nag import enable_checks
from cdk.stacks.compute import ComputeStack
from cdk.stacks.edge import EdgeStack
from cdk.stacks.foundation import FoundationStack
from cdk.stacks.persistent import PersistentStack


def build_app(context: dict[str, Any] | None = None, *, outdir: str | None = None) -> App:
    """Create the app for the environment named by the `env` context value.

    Args:
        context: Extra context (tests pass cdk.json's context, `env` and a stub `layer_dir`);
            `worker_image_tag` names the worker image to run (default `latest`); `layer_bytecode=required`
            refuses a layer without bytecode for the Lambda runtime's Python.
        outdir: Where to write the cloud assembly (default: the CLI's, or a temp folder).
    """
    app = App(context=context, outdir=outdir)
    config = load_config(
        {key: app.node.try_get_context(key) for key in ("env", "environments")},
        default_account=os.environ.get("CDK_DEFAULT_ACCOUNT"),
    )
    layer_context = app.node.try_get_context(CONTEXT_LAYER_DIR)
    require_bytecode = app.node.try_get_context(CONTEXT_LAYER_BYTECODE) == LAYER_BYTECODE_REQUIRED
    layer_dir = Path(layer_context) if layer_context else prepare_layer(require_bytecode=require_bytecode)

    def common(stack: str) -> dict[str, Any]:
        return {"stack_name": stack_name(stack, config.name), "env": config.env}

    persistent = PersistentStack(app, "Persistent", config=config, **common("persistent"))
    foundation = FoundationStack(app, "Foundation", config=config, **common("foundation"))
    compute = ComputeStack(
        app,
        "Compute",
        config=config,
        persistent=persistent,
        foundation=foundation,
        layer_dir=layer_dir,
        worker_image_tag=str(app.node.try_get_context(CONTEXT_WORKER_IMAGE_TAG) or WORKER_IMAGE_TAG_DEFAULT),
        **common("compute"),
    )
    EdgeStack(
        app,
        "Edge",
        config=config,
        persistent=persistent,
        foundation=foundation,
        compute=compute,
        layer_dir=layer_dir,
        **common("edge"),
    )

    Tags.of(app).add("project", SERVICE)
    Tags.of(app).add("environment", config.name)
    enable_checks(app)
    return app
