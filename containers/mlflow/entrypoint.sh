#!/bin/sh
# Build the backend store URI from the database secret's fields (ECS injects them as variables),
# URL-quoting the password, then run `mlflow <args>` (the task definition's command).
set -eu
MLFLOW_BACKEND_STORE_URI="$(python -c 'import os, urllib.parse as u; e = os.environ; print(
    f"postgresql://{u.quote(e["DB_USER"], safe="")}:{u.quote(e["DB_PASSWORD"], safe="")}"
    f"@{e["DB_HOST"]}:{e["DB_PORT"]}/{e["DB_NAME"]}")')"
export MLFLOW_BACKEND_STORE_URI
exec mlflow "$@"
