"""Sources shared by the unit and e2e tests of sources, claims, secrets and the CLI: a JSON secret, shared parameters by ARN in another account, and their values."""

from __future__ import annotations

import json

from conftest import REGION
from fake_ssm import SsmModel

SECRET_PASSWORD = "db-Passw0rd-DoNotPrint-9f3a"

SECRET_USER = "db-user-DoNotPrint-71bc"

OTHER_ACCOUNT = "210987654321"


def db_secret(sm) -> str:
    """prod/db as a JSON secret; returns its full ARN."""
    answer = sm.create_secret(
        Name="prod/db", SecretString=json.dumps({"password": SECRET_PASSWORD, "user": SECRET_USER})
    )
    return answer["ARN"]


# -------------------------------------------------------------------- parameters shared by ARN
def shared_model() -> SsmModel:
    model = SsmModel()
    model.put("/own/x", "own-x-value")
    model.share(OTHER_ACCOUNT, "/team/db/password", "shared-v1-DoNotPrint")
    model.share(OTHER_ACCOUNT, "/team/db/password", "shared-v2-DoNotPrint", labels=("live",))
    model.share(OTHER_ACCOUNT, "/team/config", json.dumps({"mode": "strict"}))
    model.share(OTHER_ACCOUNT, "/own/x", "foreign-x-value")
    return model


def arn(name: str, account: str = OTHER_ACCOUNT, region: str = REGION, part: str = "aws") -> str:
    return f"arn:{part}:ssm:{region}:{account}:parameter/{name.lstrip('/')}"
