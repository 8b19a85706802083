"""The example function. ssm-env-wrapper (AWS_LAMBDA_EXEC_WRAPPER=/opt/ssm-env-wrapper) has put
the parameters under /{APP_ENV}/{APP_PARAMS_PATH} into the environment before this module was
imported, so configuration is plain os.environ: no SDK call, no cache, no cold-start fetch here.
"""

import os

# Read once at import, like any configuration.
DB_HOST = os.environ.get("DB_HOST", "")


def handler(event, context):
    # Names only: a handler should never return or log its secrets' values.
    return {
        "db_host_configured": bool(DB_HOST),
        "parameter_path": f"/{os.environ.get('APP_ENV', '')}/{os.environ.get('APP_PARAMS_PATH', '')}",
    }
