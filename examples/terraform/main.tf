# ssm-env-wrapper as a Terraform module: the layer, the environment that turns it on, and an IAM
# policy that lets the function read only its own parameters and secrets. Attach all three to a
# function (see README.md). Build the zip first: `bash build_layer.sh` at the repository root; or
# publish the layer once and pass its ARN as layer_arn to every use of the module.

terraform {
  required_version = ">= 1.3"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 6.0"
    }
  }
}

data "aws_partition" "current" {}
data "aws_region" "current" {}
data "aws_caller_identity" "current" {}

locals {
  layer_zip      = coalesce(var.layer_zip, "${path.module}/../../dist/ssm-env-wrapper-layer.zip")
  parameter_path = "/${var.app_env}/${var.app_params_path}"
  parameter_arn  = "arn:${data.aws_partition.current.partition}:ssm:${data.aws_region.current.region}:${data.aws_caller_identity.current.account_id}:parameter"

  # SSM_ENV_NAMES and SSM_ENV_SECRETS items as written ([VAR=]NAME[:SELECTOR][?]) hold more than
  # the name that IAM authorizes: the same patterns as the variables' validations take them apart.
  named_parameters = [
    for item in var.parameter_names : regex("^(?:(?P<var>[A-Za-z_][A-Za-z0-9_]*)=)?(?P<name>/[A-Za-z0-9_./-]+|arn:aws[a-z-]*:ssm:[a-z0-9-]+:[0-9]{12}:parameter/[A-Za-z0-9_./-]+)(?::(?P<selector>[A-Za-z0-9_.-]+))?(?P<optional>[?])?$", item).name
  ]
  # A parameter shared from another account is named by its ARN, which is its resource as well.
  named_parameter_arns = distinct([
    for name in local.named_parameters : startswith(name, "arn:") ? name : "${local.parameter_arn}${name}"
  ])
  secret_names = [
    for item in var.secret_ids : regex("^(?:(?P<var>[A-Za-z_][A-Za-z0-9_]*)=)?(?P<id>arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:[A-Za-z0-9/_+=.@-]+|[A-Za-z0-9/_+.@-]+)(?P<rest>:[^?]*)?(?P<optional>[?])?$", item).id
  ]
  secret_arn_prefix = "arn:${data.aws_partition.current.partition}:secretsmanager:${data.aws_region.current.region}:${data.aws_caller_identity.current.account_id}:secret:"
  # Secrets Manager appends a hyphen and six random characters to a secret's name in its ARN
  # ("Permissions policy examples", Secrets Manager user guide): -?????? matches exactly those, so
  # that prod/db does not also match prod/db-admin's ARN. A full ARN already has them.
  secret_arns = distinct([
    for id in local.secret_names : startswith(id, "arn:") ? id : "${local.secret_arn_prefix}${id}-??????"
  ])

  # What the function's environment needs: the wrapper, and what it loads.
  environment = merge(
    {
      AWS_LAMBDA_EXEC_WRAPPER = "/opt/ssm-env-wrapper"
      APP_ENV                 = var.app_env
      APP_PARAMS_PATH         = var.app_params_path
    },
    length(var.parameter_names) > 0 ? { SSM_ENV_NAMES = join(",", var.parameter_names) } : {},
    length(var.secret_ids) > 0 ? { SSM_ENV_SECRETS = join(",", var.secret_ids) } : {},
  )
  layer_arn = var.layer_arn != null ? var.layer_arn : aws_lambda_layer_version.ssm_env_wrapper[0].arn
}

# Published only when no existing layer_arn is given: one layer version serves every function.
resource "aws_lambda_layer_version" "ssm_env_wrapper" {
  count            = var.layer_arn == null ? 1 : 0
  layer_name       = var.layer_name
  description      = "Lambda exec wrapper that loads SSM parameters into the environment (/opt/ssm-env-wrapper)"
  filename         = local.layer_zip
  source_code_hash = filebase64sha256(local.layer_zip)
  # The Lambda Python runtimes the layer carries bytecode for (build_layer.sh): python3.10 stays
  # while it does, although deprecated since 2026-10-31.
  compatible_runtimes      = ["python3.10", "python3.11", "python3.12", "python3.13", "python3.14"]
  compatible_architectures = ["x86_64", "arm64"]
  license_info             = "Apache-2.0"
}

data "aws_iam_policy_document" "read_parameters" {
  # Every parameter directly under the path.
  statement {
    sid       = "ReadParameterPath"
    actions   = ["ssm:GetParametersByPath"]
    resources = ["${local.parameter_arn}${local.parameter_path}"]
  }

  # Named parameters (SSM_ENV_NAMES), only when there are any: exactly those ARNs.
  dynamic "statement" {
    for_each = length(var.parameter_names) > 0 ? [1] : []
    content {
      sid       = "ReadNamedParameters"
      actions   = ["ssm:GetParameters"]
      resources = local.named_parameter_arns
    }
  }

  # Secrets read directly (SSM_ENV_SECRETS): each one's ARN only.
  dynamic "statement" {
    for_each = length(var.secret_ids) > 0 ? [1] : []
    content {
      sid       = "ReadSecrets"
      actions   = ["secretsmanager:GetSecretValue"]
      resources = local.secret_arns
    }
  }

  # Two or more secrets are read in one BatchGetSecretValue call, which IAM authorizes on (*)
  # only; it returns nothing the role may not also GetSecretValue ("BatchGetSecretValue", Secrets
  # Manager API reference), so the statement above still bounds what is read.
  dynamic "statement" {
    for_each = length(var.secret_ids) > 1 ? [1] : []
    content {
      sid       = "BatchReadSecrets"
      actions   = ["secretsmanager:BatchGetSecretValue"]
      resources = ["*"]
    }
  }

  # SecureStrings under a customer managed key: decrypt only through SSM in this region.
  dynamic "statement" {
    for_each = var.kms_key_arn == null ? [] : [var.kms_key_arn]
    content {
      sid       = "DecryptParametersThroughSsm"
      actions   = ["kms:Decrypt"]
      resources = [statement.value]
      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = ["ssm.${data.aws_region.current.region}.${data.aws_partition.current.dns_suffix}"]
      }
    }
  }
}
