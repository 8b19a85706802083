"""What the second-load tests share: the secret they load and the variants of a second load (SnapStart's after-restore hook, ``apply_environment()``)."""

from __future__ import annotations

SECRET_PASSWORD = "db-Passw0rd-Refresh-DoNotPrint-4c1e"

# variant -> (configuration, parameters, what the handler must see after the restore)
VARIANTS = {
    # A plain parameter whose text is a reference: loaded as text, and text it stays.
    "loaded-reference": (
        {"GREETING": "ssm:/app/greeting"},
        {"/app/greeting": "ssm:/prod/db/password", "/prod/db/password": SECRET_PASSWORD},
        {"GREETING": "ssm:/prod/db/password"},
    ),
    # A loaded STAGE does not change what ${STAGE} in a source means.
    "loaded-expansion": (
        {"STAGE": "prod", "SSM_ENV_PATHS": "/${STAGE}/app"},
        {"/prod/app/STAGE": "evil", "/prod/app/DB_HOST": "db-prod", "/evil/app/DB_HOST": "db-evil"},
        {"DB_HOST": "db-prod", "STAGE": "evil"},
    ),
    # A loaded APP_ENV does not redirect the refresh to another path.
    "loaded-app-env": (
        {"APP_ENV": "prod", "APP_PARAMS_PATH": "app"},
        {
            "/prod/app/APP_ENV": "evil",
            "/prod/app/DB_HOST": "db-prod",
            "/evil/app/DB_HOST": "db-evil",
        },
        {"DB_HOST": "db-prod", "APP_ENV": "evil"},
    ),
}
