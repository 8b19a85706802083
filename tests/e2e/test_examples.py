"""The deployment examples in examples/: the AWS SAM template and the Terraform module.

The SAM template is linted with cfn-lint as written, then transformed to CloudFormation by AWS's
own SAM translator and linted again: cfn-lint checks SAM resources against SAM's schema only, so
the execution role's policy (its actions, resources and conditions) is checked on the transformed
template. The policies are then held to least privilege here, and the SAM example's function is
run through the layer's wrapper against the fake Runtime API.

Terraform itself cannot be installed here (no provider downloads), so the module is parsed with
python-hcl2 and checked: the layer, the environment, the policy's statements, and that every
variable, local and output it uses exists. ``terraform fmt -check`` runs when terraform is on PATH.
"""

from __future__ import annotations

import json
import os
import pathlib
import re
import shutil
import subprocess
import sys

import pytest
from conftest import ROOT, assert_no_secrets, put
from fake_runtime_api import FakeRuntimeApi, lambda_environment, start_runtime

SAM = ROOT / "examples" / "sam"
TEMPLATE = SAM / "template.yaml"
TERRAFORM = ROOT / "examples" / "terraform"
LAYER_ZIP = ROOT / "dist" / "ssm-env-wrapper-layer.zip"  # where build_layer.sh writes it
WRAPPER_PATH = "/opt/ssm-env-wrapper"
ALLOWED_ACTIONS = {"ssm:GetParametersByPath", "ssm:GetParameters", "kms:Decrypt"}
SECRET_ACTIONS = {"secretsmanager:GetSecretValue", "secretsmanager:BatchGetSecretValue"}
PARAMETER_ARN = "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter"
SECRET_ARN = "arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret"
# The Lambda Python runtimes the layer carries bytecode for: python3.9 is no longer supported,
# python3.10 stays while build_layer.sh builds for it (deprecated on 2026-10-31).
RUNTIMES = ["python3.10", "python3.11", "python3.12", "python3.13", "python3.14"]


def cfn_lint(*paths: pathlib.Path) -> subprocess.CompletedProcess:
    exe = pathlib.Path(sys.executable).with_name("cfn-lint")
    if not exe.exists():
        pytest.skip("dev-only: pip install -e .[test] installs cfn-lint")
    return subprocess.run([str(exe), *map(str, paths)], capture_output=True, text=True, timeout=300)


# --- AWS SAM -------------------------------------------------------------------------------------


def sam_template(uncomment_named: bool = False) -> dict:
    """The template as data (cfn-lint's decoder reads the short forms !Ref, !Sub, ...).
    ``uncomment_named``: with the commented SSM_ENV_NAMES example and its statement turned on."""
    from cfnlint.decode import decode_str

    text = TEMPLATE.read_text()
    if uncomment_named:
        text, count = re.subn(
            r"(?m)^(\s*)# ((?:SSM_ENV_NAMES: |- Sid: ReadNamedParameters$|  (?:Effect|Action|"
            r"Resource):|    - !Sub ).*)$",
            r"\1\2",
            text,
        )
        assert count == 7, "the commented named-parameters example changed: update this test"
    template, matches = decode_str(text)
    assert not matches, matches
    return template


def sam_transform(template: dict, monkeypatch) -> dict:
    """AWS's SAM translator, as `sam deploy` and CloudFormation run it (local code as S3 objects)."""
    translator = pytest.importorskip(
        "samtranslator.translator.transform",
        reason="dev-only: pip install -e .[test] installs aws-sam-translator",
    )
    # The translator asks boto3 for a region; never this machine's own AWS configuration.
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent/ssm-env-wrapper-tests/config")
    monkeypatch.setenv(
        "AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/ssm-env-wrapper-tests/credentials"
    )
    template = json.loads(json.dumps(template))
    resources = template["Resources"]
    resources["AppFunction"]["Properties"]["CodeUri"] = "s3://example-bucket/app.zip"
    resources["SsmEnvWrapperLayer"]["Properties"]["ContentUri"] = "s3://example-bucket/layer.zip"

    class NoManagedPolicies:
        def load(self):
            return {}

    return translator.transform(template, {}, NoManagedPolicies())


@pytest.fixture(scope="module")
def linted(tmp_path_factory) -> subprocess.CompletedProcess:
    """cfn-lint run once over the template as written and transformed by the SAM translator, as
    written and with the named-parameters example on: each file is linted on its own (the exit
    status is the union of their findings), so one run answers for all three, for one start of
    cfn-lint (about a second) instead of three."""
    where = tmp_path_factory.mktemp("transformed")
    paths = [TEMPLATE]
    with pytest.MonkeyPatch.context() as monkeypatch:
        for uncomment_named in (False, True):
            transformed = sam_transform(sam_template(uncomment_named), monkeypatch)
            path = where / f"transformed-{'named' if uncomment_named else 'as-written'}.json"
            path.write_text(json.dumps(transformed, indent=1))
            paths.append(path)
    return cfn_lint(*paths)


def test_sam_template_passes_cfn_lint(linted):
    assert str(TEMPLATE) in linted.args
    assert (linted.returncode, linted.stdout) == (0, ""), linted.stdout + linted.stderr


@pytest.mark.parametrize(
    "uncomment_named", [False, True], ids=["as-written", "named-parameters-on"]
)
def test_sam_template_transformed_to_cloudformation_passes_cfn_lint(linted, uncomment_named):
    name = f"transformed-{'named' if uncomment_named else 'as-written'}.json"
    assert any(arg.endswith(name) for arg in linted.args)
    # No error and no warning: W3037 (an IAM action that does not exist) is a warning.
    assert (linted.returncode, linted.stdout) == (0, ""), linted.stdout + linted.stderr


def _statements(role: dict) -> list[tuple[str | None, dict]]:
    """(condition or None, statement) for every statement of the role's inline policies."""
    found = []
    for policy in role["Properties"].get("Policies", []):
        for statement in policy["PolicyDocument"]["Statement"]:
            if "Fn::If" in statement:
                condition, then, otherwise = statement["Fn::If"]
                assert otherwise == {"Ref": "AWS::NoValue"}
                found.append((condition, then))
            else:
                found.append((None, statement))
    return found


def _as_list(value) -> list:
    return value if isinstance(value, list) else [value]


@pytest.mark.parametrize(
    "uncomment_named", [False, True], ids=["as-written", "named-parameters-on"]
)
def test_sam_execution_role_is_least_privilege(monkeypatch, uncomment_named):
    resources = sam_transform(sam_template(uncomment_named), monkeypatch)["Resources"]
    role = resources["AppFunctionRole"]
    # Logs only, from AWS's basic execution policy; no other managed policy.
    assert role["Properties"]["ManagedPolicyArns"] == [
        "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
    ]
    statements = _statements(role)
    by_sid = {statement["Sid"]: (condition, statement) for condition, statement in statements}
    for _, statement in statements:
        assert statement["Effect"] == "Allow"
        assert set(_as_list(statement["Action"])) <= ALLOWED_ACTIONS | SECRET_ACTIONS
        assert "*" not in json.dumps(statement["Resource"])  # no wildcard resource anywhere
        assert "NotAction" not in statement and "NotResource" not in statement

    condition, path = by_sid["ReadParameterPath"]
    assert condition is None
    assert path["Action"] == "ssm:GetParametersByPath"
    assert path["Resource"] == {"Fn::Sub": PARAMETER_ARN + "/${AppEnv}/${AppParamsPath}"}

    condition, kms = by_sid["DecryptParametersThroughSsm"]
    assert condition == "HasKmsKey"  # only with a customer managed key
    assert kms["Action"] == "kms:Decrypt"
    assert kms["Resource"] == {"Ref": "ParametersKmsKeyArn"}
    assert kms["Condition"] == {
        "StringEquals": {"kms:ViaService": {"Fn::Sub": "ssm.${AWS::Region}.${AWS::URLSuffix}"}}
    }

    function = resources["AppFunction"]["Properties"]
    variables = function["Environment"]["Variables"]
    # The secret (SecretName set): SSM_ENV_SECRETS, and GetSecretValue on its ARN only; the six
    # characters Secrets Manager appends are six ?, never a * that would match prod/db-admin too.
    condition, secret = by_sid["ReadSecret"]
    assert condition == "HasSecret"
    assert secret["Action"] == "secretsmanager:GetSecretValue"
    assert secret["Resource"] == {"Fn::Sub": SECRET_ARN + ":${SecretName}-??????"}
    assert variables["SSM_ENV_SECRETS"] == {
        "Fn::If": ["HasSecret", {"Ref": "SecretName"}, {"Ref": "AWS::NoValue"}]
    }
    if uncomment_named:
        names = variables["SSM_ENV_NAMES"].split(",")
        _, named = by_sid["ReadNamedParameters"]
        assert named["Action"] == "ssm:GetParameters"
        assert named["Resource"] == [{"Fn::Sub": PARAMETER_ARN + name} for name in names]
    else:
        assert "ReadNamedParameters" not in by_sid and "SSM_ENV_NAMES" not in variables
        assert {_as_list(s["Action"])[0] for _, s in statements} == {
            "ssm:GetParametersByPath",
            "kms:Decrypt",
            "secretsmanager:GetSecretValue",
        }


def test_sam_function_uses_the_layer_and_turns_the_wrapper_on(monkeypatch):
    template = sam_template()
    layer = template["Resources"]["SsmEnvWrapperLayer"]["Properties"]
    assert (SAM / layer["ContentUri"]).resolve() == LAYER_ZIP
    function = template["Resources"]["AppFunction"]["Properties"]
    assert function["Runtime"] == "python3.12"
    assert function["Runtime"] in layer["CompatibleRuntimes"]
    assert layer["CompatibleRuntimes"] == RUNTIMES
    assert function["Layers"] == [{"Ref": "SsmEnvWrapperLayer"}]
    variables = function["Environment"]["Variables"]
    assert variables["AWS_LAMBDA_EXEC_WRAPPER"] == WRAPPER_PATH
    assert (variables["APP_ENV"], variables["APP_PARAMS_PATH"]) == (
        {"Ref": "AppEnv"},
        {"Ref": "AppParamsPath"},
    )
    module, _, function_name = function["Handler"].rpartition(".")
    assert (SAM / function["CodeUri"] / f"{module}.py").is_file()
    transformed = sam_transform(template, monkeypatch)["Resources"]
    (layer_id,) = [k for k, v in transformed.items() if v["Type"] == "AWS::Lambda::LayerVersion"]
    assert transformed["AppFunction"]["Properties"]["Layers"] == [{"Ref": layer_id}]


def test_sam_example_function_runs_behind_the_layers_wrapper(ssm, env, built, tmp_path):
    """The example as Lambda would run it: its code as the task root, its environment (parameter
    defaults), the layer's /opt/ssm-env-wrapper, the real runtime interface client."""
    pytest.importorskip(
        "awslambdaric", reason="dev-only: pip install -e .[test] installs awslambdaric"
    )
    template = sam_template()
    parameters = {name: spec.get("Default", "") for name, spec in template["Parameters"].items()}
    function = template["Resources"]["AppFunction"]["Properties"]
    variables = {}
    for name, value in function["Environment"]["Variables"].items():
        if isinstance(value, dict) and "Fn::If" in value:
            # Only SSM_ENV_SECRETS, set when SecretName is: empty by default, so not set.
            assert (name, value["Fn::If"][0], parameters["SecretName"]) == (
                "SSM_ENV_SECRETS",
                "HasSecret",
                "",
            )
            continue
        variables[name] = parameters[value["Ref"]] if isinstance(value, dict) else value
    task_root = tmp_path / "task"
    shutil.copytree(SAM / function["CodeUri"], task_root)
    put(
        ssm,
        f"/{variables['APP_ENV']}/{variables['APP_PARAMS_PATH']}/DB_HOST",
        "db.example.internal",
    )
    put(
        ssm,
        f"/{variables['APP_ENV']}/{variables['APP_PARAMS_PATH']}/DB_PASSWORD",
        "sam-Example-Pw-31f0",
        "SecureString",
    )
    env.update(lambda_environment(task_root, "sam-example"))
    env.update(
        {name: value for name, value in variables.items() if name != "AWS_LAMBDA_EXEC_WRAPPER"}
    )
    wrapper = [str(built["layer"])]  # stands for AWS_LAMBDA_EXEC_WRAPPER=/opt/ssm-env-wrapper
    with FakeRuntimeApi() as api:
        request_id = api.add_event({})
        proc, _ = start_runtime(wrapper, env, task_root, api, handler=function["Handler"])
        assert request_id in api.responses, proc.stderr
        body = api.responses[request_id]["body"]
    assert body == {"db_host_configured": True, "parameter_path": "/prod/myapp"}
    assert "ssm-env-wrapper: loaded 2 variables from /prod/myapp" in proc.stderr
    assert_no_secrets(proc, "sam-Example-Pw-31f0")


# --- Terraform -----------------------------------------------------------------------------------


def terraform(name: str) -> dict:
    import hcl2

    options = hcl2.SerializationOptions(
        with_comments=False, explicit_blocks=False, strip_string_quotes=True
    )
    with open(TERRAFORM / name) as file:
        return hcl2.load(file, serialization_options=options)


def _blocks(document: dict, kind: str) -> dict:
    """``{"type.name" or "name": body}`` for a block kind (resource, data, variable, output)."""
    found = {}
    for entry in document.get(kind, []):
        for first, rest in entry.items():
            if kind in ("resource", "data"):
                for second, body in rest.items():
                    found[f"{first}.{second}"] = body
            else:
                found[first] = rest
    return found


@pytest.fixture(scope="module")
def tf():
    pytest.importorskip("hcl2", reason="dev-only: pip install -e .[test] installs python-hcl2")
    return {name: terraform(name) for name in ("main.tf", "variables.tf", "outputs.tf")}


def test_terraform_module_has_its_files():
    assert {p.name for p in TERRAFORM.iterdir()} >= {
        "main.tf",
        "variables.tf",
        "outputs.tf",
        "README.md",
    }


def test_terraform_layer_is_the_built_zip(tf):
    main = tf["main.tf"]
    layer = _blocks(main, "resource")["aws_lambda_layer_version.ssm_env_wrapper"]
    assert layer["filename"] == "${local.layer_zip}"
    assert layer["source_code_hash"] == "${filebase64sha256(local.layer_zip)}"
    (locals_,) = main["locals"]
    match = re.search(r'\$\{path\.module\}/([^"]+)"', locals_["layer_zip"])
    assert match and (TERRAFORM / match.group(1)).resolve() == LAYER_ZIP
    assert "python3.12" in layer["compatible_runtimes"]
    assert layer["compatible_runtimes"] == RUNTIMES


def test_terraform_publishes_a_layer_only_without_a_layer_arn(tf):
    """Each use of the module would publish its own layer version: an existing one's ARN is taken
    instead, and then nothing is published."""
    layer = _blocks(tf["main.tf"], "resource")["aws_lambda_layer_version.ssm_env_wrapper"]
    assert layer["count"] == "${var.layer_arn == null ? 1 : 0}"
    (locals_,) = tf["main.tf"]["locals"]
    assert locals_["layer_arn"] == (
        "${var.layer_arn != null ? var.layer_arn : aws_lambda_layer_version.ssm_env_wrapper[0].arn}"
    )
    assert _blocks(tf["outputs.tf"], "output")["layer_arn"]["value"] == "${local.layer_arn}"
    variable = _blocks(tf["variables.tf"], "variable")["layer_arn"]
    assert variable["default"] is None


def test_terraform_environment_turns_the_wrapper_on(tf):
    (locals_,) = tf["main.tf"]["locals"]
    environment = locals_["environment"]
    assert f'AWS_LAMBDA_EXEC_WRAPPER = "{WRAPPER_PATH}"' in environment
    assert (
        "APP_ENV = var.app_env" in environment
        and "APP_PARAMS_PATH = var.app_params_path" in environment
    )
    assert 'SSM_ENV_NAMES = join(",", var.parameter_names)' in environment
    assert locals_["parameter_path"] == "/${var.app_env}/${var.app_params_path}"
    assert _blocks(tf["outputs.tf"], "output")["environment"]["value"] == "${local.environment}"


def test_terraform_policy_is_least_privilege(tf):
    main = tf["main.tf"]
    (locals_,) = main["locals"]
    assert locals_["parameter_arn"] == (
        "arn:${data.aws_partition.current.partition}:ssm:${data.aws_region.current.region}:"
        "${data.aws_caller_identity.current.account_id}:parameter"
    )
    document = _blocks(main, "data")["aws_iam_policy_document.read_parameters"]
    (path,) = document["statement"]
    assert path["actions"] == ["ssm:GetParametersByPath"]
    assert path["resources"] == ["${local.parameter_arn}${local.parameter_path}"]
    dynamic = [entry["statement"] for entry in document["dynamic"]]
    (named,) = [
        d["content"][0] for d in dynamic if d["content"][0]["actions"] == ["ssm:GetParameters"]
    ]
    # The names as IAM sees them (VAR=, the selector and ? taken off): evaluated in
    # test_terraform_policy_names_exactly_the_parameters_and_secrets_given.
    assert named["resources"] == "${local.named_parameter_arns}"
    (secrets,) = [
        d for d in dynamic if d["content"][0]["actions"] == ["secretsmanager:GetSecretValue"]
    ]
    assert secrets["for_each"] == "${length(var.secret_ids) > 0 ? [1] : []}"
    assert secrets["content"][0]["resources"] == "${local.secret_arns}"
    (batch,) = [
        d for d in dynamic if d["content"][0]["actions"] == ["secretsmanager:BatchGetSecretValue"]
    ]
    # IAM takes no other resource for BatchGetSecretValue; only with two or more secrets.
    assert batch["for_each"] == "${length(var.secret_ids) > 1 ? [1] : []}"
    assert batch["content"][0]["resources"] == ["*"]
    (kms,) = [d for d in dynamic if d["content"][0]["actions"] == ["kms:Decrypt"]]
    assert (
        kms["for_each"] == "${var.kms_key_arn == null ? [] : [var.kms_key_arn]}"
    )  # only with a key
    (condition,) = kms["content"][0]["condition"]
    assert (condition["test"], condition["variable"]) == ("StringEquals", "kms:ViaService")
    assert condition["values"] == [
        "ssm.${data.aws_region.current.region}.${data.aws_partition.current.dns_suffix}"
    ]
    actions = {a for s in [path, named, kms["content"][0]] for a in s["actions"]}
    assert actions == ALLOWED_ACTIONS
    assert len(dynamic) == 4  # named parameters, secrets, the secrets' batch, KMS
    text = (TERRAFORM / "main.tf").read_text()
    # No wildcard action or resource but BatchGetSecretValue's (checked above): one "*".
    assert text.count('"*"') == 1 and ":*" not in text and "secret:*" not in text
    assert not re.search(r"\b(effect\s*=\s*\"Deny\"|not_actions|not_resources)", text)


# The item forms SSM_ENV_NAMES and SSM_ENV_SECRETS take (the wrapper's own parsers accept each),
# and forms both refuse.
NAME_FORMS = [
    "/shared/API_KEY",
    "DB_PASSWORD=/prod/db/password",
    "/prod/db/password:3",
    "/prod/api/key:live",
    "API_KEY=/prod/api/key:live",
    "/prod/optional?",
    "OLD=/prod/db/password:2?",
    "arn:aws:ssm:us-east-1:111122223333:parameter/team/db/password:live",
]
BAD_NAMES = ["1VAR=/a", "/a:", "/a b", "/a:3:4"]
# The module asks more: one item each (a comma would make two in the joined SSM_ENV_NAMES) and a
# full name, from which it makes the parameter's ARN.
MODULE_REFUSES_NAMES = ["/a,/b", "prod/no-slash"]
SECRET_FORMS = [
    "prod/api-key",
    "DB_PASSWORD=prod/db:password",
    "OLD=prod/db:password:AWSPREVIOUS",
    "prod/db:password?",
    "TOKEN=arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/token-AbCdEf",
]
BAD_SECRETS = ["1VAR=prod/db", "prod db"]
# A name holding = (SSM_ENV_SECRETS takes it after an explicit VAR=) only by its ARN here.
MODULE_REFUSES_SECRETS = ["prod/db,other", "", "X=a=b"]


def _pattern(variables: dict, name: str) -> str:
    (validation,) = _blocks(variables, "variable")[name]["validation"]
    match = re.fullmatch(
        rf'\$\{{alltrue\(\[for item in var\.{name} : can\(regex\("(.*)", item\)\)\]\)\}}',
        validation["condition"],
    )
    assert match, validation["condition"]
    return match.group(1).replace("\\\\", "\\")


def test_terraform_accepts_the_item_forms_the_wrapper_accepts(tf):
    """parameter_names and secret_ids take every form SSM_ENV_NAMES and SSM_ENV_SECRETS take
    (VAR=, :version, :label, ?, ARNs), and main.tf takes them apart with the same patterns."""
    from ssm_env_wrapper.errors import ConfigError
    from ssm_env_wrapper.parsers import parse_refs, parse_secrets

    (locals_,) = tf["main.tf"]["locals"]
    for variable, forms, bad, more, parse, local in [
        (
            "parameter_names",
            NAME_FORMS,
            BAD_NAMES,
            MODULE_REFUSES_NAMES,
            parse_refs,
            "named_parameters",
        ),
        (
            "secret_ids",
            SECRET_FORMS,
            BAD_SECRETS,
            MODULE_REFUSES_SECRETS,
            parse_secrets,
            "secret_names",
        ),
    ]:
        pattern = _pattern(tf["variables.tf"], variable)
        assert f'regex("{pattern}", item)' in locals_[local].replace("\\\\", "\\")
        for item in forms:
            parse(item, "SSM_ENV_X")  # the wrapper takes it
            assert re.fullmatch(pattern, item), (variable, item)
        for item in bad:
            with pytest.raises(ConfigError):
                parse(item, "SSM_ENV_X")
            assert not re.fullmatch(pattern, item), (variable, item)
        for item in more:
            assert not re.fullmatch(pattern, item), (variable, item)


def _console(directory: pathlib.Path, expression: str, **variables) -> subprocess.CompletedProcess:
    args = ["terraform", "console"]
    for name, value in variables.items():
        args += ["-var", f"{name}={json.dumps(value)}"]
    return subprocess.run(
        args,
        cwd=directory,
        input=expression + "\n",
        capture_output=True,
        text=True,
        timeout=120,
        env=dict(os.environ, TF_CLI_CONFIG_FILE="/dev/null", TF_IN_AUTOMATION="1"),
    )


@pytest.mark.skipif(shutil.which("terraform") is None, reason="terraform is not on PATH")
def test_terraform_policy_names_exactly_the_parameters_and_secrets_given(tmp_path):
    """main.tf's own expressions, evaluated by terraform: the module's variables as written and
    its locals that turn items into resources, with fixed partition, region and account (the data
    sources need a provider, which cannot be downloaded here)."""
    variables = (TERRAFORM / "variables.tf").read_text()
    main = (TERRAFORM / "main.tf").read_text()
    wanted = ["named_parameters", "named_parameter_arns", "secret_names", "secret_arns"]
    found = {name: re.search(rf"(?ms)^  {name} = .*?^  \]\)?$", main).group(0) for name in wanted}
    (tmp_path / "variables.tf").write_text(variables)
    (tmp_path / "locals.tf").write_text(
        "locals {\n"
        '  parameter_arn     = "arn:aws:ssm:eu-west-1:123456789012:parameter"\n'
        '  secret_arn_prefix = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:"\n'
        + "\n".join(found.values())
        + "\n}\n"
    )
    shared = "arn:aws:ssm:us-east-1:111122223333:parameter/team/db/password"
    token = "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/token-AbCdEf"
    proc = _console(
        tmp_path,
        "jsonencode([local.named_parameter_arns, local.secret_arns])",
        parameter_names=NAME_FORMS,
        secret_ids=SECRET_FORMS,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    parameters, secrets = json.loads(json.loads(proc.stdout.strip()))
    prefix = "arn:aws:ssm:eu-west-1:123456789012:parameter"
    assert parameters == [
        prefix + name
        for name in ["/shared/API_KEY", "/prod/db/password", "/prod/api/key", "/prod/optional"]
    ] + [shared]
    prefix = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:"
    assert secrets == [prefix + "prod/api-key-??????", prefix + "prod/db-??????", token]
    # The variables' validations refuse what the wrapper refuses, naming the form.
    for name, bad in [("parameter_names", BAD_NAMES[0]), ("secret_ids", BAD_SECRETS[1])]:
        proc = _console(tmp_path, "1", **{name: [bad]})
        shown = re.sub(r"\x1b\[[0-9;]*m", "", proc.stdout + proc.stderr)
        assert "Invalid value for variable" in shown and "[VAR=]" in shown, shown


def test_terraform_references_exist(tf):
    """Every var., local., resource and data reference names something the module declares, and
    every declared variable is used (what `terraform validate` would catch first)."""
    main, variables, outputs = tf["main.tf"], tf["variables.tf"], tf["outputs.tf"]
    declared_vars = set(_blocks(variables, "variable"))
    declared_locals = set(main["locals"][0])
    declared = set(_blocks(main, "resource")) | {f"data.{k}" for k in _blocks(main, "data")}
    code = (TERRAFORM / "main.tf").read_text() + (TERRAFORM / "outputs.tf").read_text()
    used_vars = set(re.findall(r"\bvar\.(\w+)", code))
    assert used_vars == declared_vars
    assert set(re.findall(r"\blocal\.(\w+)", code)) <= declared_locals
    for kind, name in re.findall(r"\bdata\.(\w+)\.(\w+)", code):
        assert f"data.{kind}.{name}" in declared
    for kind, name in re.findall(r"(?<![\w./])(aws_\w+)\.(\w+)", code):
        assert f"{kind}.{name}" in declared
    # Validation conditions only name their own variable.
    for name, body in _blocks(variables, "variable").items():
        for validation in body.get("validation", []):
            assert set(re.findall(r"\bvar\.(\w+)", validation["condition"])) == {name}
    assert set(_blocks(outputs, "output")) == {
        "layer_arn",
        "environment",
        "policy_json",
        "parameter_path",
    }


def test_terraform_readme_example_attaches_to_a_function(tf):
    import hcl2

    readme = (TERRAFORM / "README.md").read_text()
    blocks = re.findall(r"```hcl\n(.*?)```", readme, re.S)
    assert len(blocks) == 1
    options = hcl2.SerializationOptions(
        with_comments=False, explicit_blocks=False, strip_string_quotes=True
    )
    example = hcl2.loads(blocks[0], serialization_options=options)
    (module,) = [entry["ssm_env"] for entry in example["module"]]
    assert module["source"] == "./examples/terraform"
    function = _blocks(example, "resource")["aws_lambda_function.app"]
    assert function["layers"] == ["${module.ssm_env.layer_arn}"]
    (environment,) = function["environment"]
    assert environment["variables"].startswith("${merge(module.ssm_env.environment,")
    policy = _blocks(example, "resource")["aws_iam_role_policy.read_parameters"]
    assert policy["policy"] == "${module.ssm_env.policy_json}"
    outputs = set(_blocks(tf["outputs.tf"], "output"))
    assert set(re.findall(r"module\.ssm_env\.(\w+)", blocks[0])) <= outputs
    assert "AWS_LAMBDA_EXEC_WRAPPER" in readme and WRAPPER_PATH in readme


@pytest.mark.skipif(shutil.which("terraform") is None, reason="terraform is not on PATH")
def test_terraform_files_are_formatted(tmp_path):
    readme = (TERRAFORM / "README.md").read_text()
    (tmp_path / "readme_example.tf").write_text(re.findall(r"```hcl\n(.*?)```", readme, re.S)[0])
    for source in TERRAFORM.glob("*.tf"):
        shutil.copy(source, tmp_path / source.name)
    # fmt works offline: no provider, no init; no CLI configuration of this machine.
    proc = subprocess.run(
        ["terraform", "fmt", "-check", "-diff", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
        env=dict(os.environ, TF_CLI_CONFIG_FILE="/dev/null"),
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


# --- Container images ----------------------------------------------------------------------------


def test_container_examples_state_current_facts():
    """Debian 13 (trixie) is Debian's stable release; the build's size and what a start without
    bytecode costs are stated once, in the benchmark's generated block, and linked to."""
    from dockerfile_parse import DockerfileParser

    custom = DockerfileParser(path=str(ROOT / "examples" / "container" / "custom.Dockerfile"))
    assert custom.baseimage.endswith("-trixie") or custom.baseimage.startswith("debian:trixie")
    text = "\n".join(p.read_text() for p in (ROOT / "examples").rglob("*") if p.is_file())
    for stale in ("bookworm", "~20 ms", "~125 KB", "python3.9"):
        assert stale not in text, stale
    readme = (ROOT / "examples" / "container" / "README.md").read_text()
    assert "docs/performance.md#sizes" in readme


def test_the_builds_size_and_compile_cost_are_stated_once_from_the_benchmark():
    """The single file's size, the layer's and the cost of a start without bytecode change with
    every release: they are written by bench/report.py into docs/performance.md's sizes block
    (from the run in bench/results.json), and quoted nowhere else, so none can go stale."""
    import json
    import re

    results = json.loads((ROOT / "bench" / "results.json").read_text())
    performance = (ROOT / "docs" / "performance.md").read_text()
    block = performance.split("<!-- bench:sizes -->")[1].split("<!-- /bench:sizes -->")[0]
    assert f"{results['layer']['single_bytes'] / 1024:.0f} KiB of readable source" in block
    assert f"layer zip: {results['layer']['zip_bytes'] / 1024:.0f} KiB" in block
    generated = re.compile(r"<!-- bench:([a-z-]+) -->.*?<!-- /bench:\1 -->", re.S)
    outside = generated.sub("", performance)
    files = [ROOT / "README.md", ROOT / "build_layer.sh", ROOT / "tools" / "launcher.sh"]
    files += [p for p in (ROOT / "docs").rglob("*.md") if p.name != "performance.md"]
    files += [p for p in (ROOT / "examples").rglob("*") if p.is_file()]
    stated = re.compile(r"\b\d+ KiB (file|of readable|single)|file of over \d+ KiB|\d+ ms more CPU")
    for path in files:
        found = stated.search(generated.sub("", path.read_text(errors="replace")))
        assert found is None, f"{path.relative_to(ROOT)} states {found.group(0)!r}"
    assert stated.search(outside) is None
